//! The loaded data set: every chorale's four voices as a [`Multitrack`].

use std::path::{Path, PathBuf};

use super::{ChoraleEntry, DataError, DatasetIndex};
use crate::error::Result;
use crate::roll::{Multitrack, N_TRACKS, STEPS_PER_BEAT};

/// The directories where the data set may be, in the order they are tried: `$GAN_DATA_DIR`
/// alone when it is set; else `data/` beside the running program (and beside its folder, for a
/// `gan` in `bin/`), the repository it was built from, and `data/` in the working directory.
pub fn candidate_dirs() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("GAN_DATA_DIR") {
        return vec![PathBuf::from(dir)];
    }
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("data"));
        if let Some(up) = exe_dir.parent() {
            dirs.push(up.join("data"));
        }
    }
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    dirs.push(crate_dir.parent().unwrap_or(crate_dir).join("data"));
    dirs.push(PathBuf::from("data"));
    dirs
}

/// The first of [`candidate_dirs`] that holds the data set's index, or an error that lists
/// where it looked.
pub fn find_dir() -> std::result::Result<PathBuf, DataError> {
    let looked = candidate_dirs();
    looked
        .iter()
        .find(|d| d.join(super::index::INDEX_FILE).is_file())
        .cloned()
        .ok_or(DataError::NotFound { looked })
}

/// The data directory: [`find_dir`]'s, or where none is found, the first place it looked
/// (whose loading then says what is missing).
pub fn default_dir() -> PathBuf {
    find_dir().unwrap_or_else(|_| candidate_dirs().swap_remove(0))
}

/// One chorale: its index entry and its soprano, alto, tenor and bass tracks.
#[derive(Debug, Clone)]
pub struct Chorale {
    /// The chorale's entry in the index.
    pub entry: ChoraleEntry,
    /// The four voices at 4 steps per beat, with the phrase ends of the file's markers (the
    /// index's where the file has none).
    pub roll: Multitrack,
}

/// The Bach chorale data set, loaded from a data directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The directory it was loaded from.
    pub dir: PathBuf,
    /// Every chorale, in index order.
    pub chorales: Vec<Chorale>,
}

impl Dataset {
    /// Loads the index and every chorale's MIDI file from `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let index = DatasetIndex::load(&dir)?;
        let chorales = index
            .chorales
            .into_iter()
            .map(|entry| load_chorale(&dir, entry))
            .collect::<Result<Vec<_>>>()?;
        Ok(Dataset { dir, chorales })
    }

    /// Loads the data set from [`find_dir`]'s directory.
    pub fn load_default() -> Result<Self> {
        Self::load(find_dir()?)
    }

    /// The number of chorales.
    pub fn len(&self) -> usize {
        self.chorales.len()
    }

    /// Whether there are no chorales.
    pub fn is_empty(&self) -> bool {
        self.chorales.is_empty()
    }

    /// The chorale with this id, e.g. "bwv269".
    pub fn get(&self, id: &str) -> Option<&Chorale> {
        self.chorales.iter().find(|c| c.entry.id == id)
    }

    /// The chorale with this id, or an error naming the id and the data directory.
    pub fn chorale(&self, id: &str) -> Result<&Chorale> {
        self.get(id).ok_or_else(|| {
            DataError::Request(format!(
                "no chorale {id:?} in {} (ids look like \"bwv253\"; see index.json)",
                self.dir.display()
            ))
            .into()
        })
    }
}

fn load_chorale(dir: &Path, entry: ChoraleEntry) -> Result<Chorale> {
    let path = dir.join(&entry.file);
    let roll = crate::midi::read_midi_file(&path, STEPS_PER_BEAT)?;
    let bad = |reason: String| DataError::Chorale {
        id: entry.id.clone(),
        path: path.clone(),
        reason,
    };
    if roll.tracks.len() != N_TRACKS {
        return Err(bad(format!(
            "expected 4 voices (S, A, T, B), found {} note tracks",
            roll.tracks.len()
        ))
        .into());
    }
    if roll.len() > entry.steps {
        return Err(bad(format!(
            "the index says {} steps, the file has {}",
            entry.steps,
            roll.len()
        ))
        .into());
    }
    let mut roll = roll.with_len(entry.steps);
    if roll.phrase_ends.is_empty() {
        roll = roll.with_phrase_ends(entry.phrase_ends.clone());
    }
    Ok(Chorale { entry, roll })
}
