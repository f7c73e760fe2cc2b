//! The data set's index (`data/index.json`): one entry per chorale.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::DataError;
use crate::error::Result;
use crate::files::io_error;

/// The index's file name in the data directory.
pub const INDEX_FILE: &str = "index.json";

/// The key signature of a chorale, as the score encodes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySignature {
    /// The tonic's name, e.g. "F#".
    pub tonic: String,
    /// "major" or "minor".
    pub mode: String,
    /// Sharps in the signature, negative for flats.
    pub sharps: i32,
}

/// One chorale in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoraleEntry {
    /// The BWV id, e.g. "bwv269".
    pub id: String,
    /// The MIDI file, relative to the data directory.
    pub file: String,
    /// The chorale's title.
    #[serde(default)]
    pub title: String,
    /// Its key signature.
    pub key: KeySignature,
    /// Length of the pickup (anacrusis) in steps; the first barline is at this step.
    pub pickup_steps: usize,
    /// Number of full bars after the pickup.
    pub bars: usize,
    /// Total length in steps, pickup included.
    pub steps: usize,
    /// The steps where its phrases end (after each fermata note, and the piece's end), sorted.
    #[serde(default)]
    pub phrase_ends: Vec<usize>,
}

impl std::fmt::Display for ChoraleEntry {
    /// One line for people, e.g. `bwv253 “Ach bleib bei uns, Herr Jesu Christ”, A major, 9 bars`
    /// (the title is left out when the index has none).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.id)?;
        if !self.title.is_empty() {
            write!(f, " “{}”", self.title)?;
        }
        write!(
            f,
            ", {} {}, {} bars",
            self.key.tonic, self.key.mode, self.bars
        )
    }
}

/// The whole index: the format version, the grid resolution and the chorales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetIndex {
    /// The index format's version.
    pub version: u32,
    /// Time steps per beat of every file's grid.
    pub steps_per_beat: usize,
    /// Where the music came from.
    pub source: String,
    /// The chorales, sorted by file name.
    pub chorales: Vec<ChoraleEntry>,
}

impl DatasetIndex {
    /// Reads and checks `index.json` in `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let path = dir.as_ref().join(INDEX_FILE);
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        let bad = |reason: String| DataError::Index {
            path: path.clone(),
            reason,
        };
        let index: DatasetIndex = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if index.steps_per_beat != crate::roll::STEPS_PER_BEAT {
            return Err(bad(format!(
                "steps_per_beat is {}, gan-core expects {}",
                index.steps_per_beat,
                crate::roll::STEPS_PER_BEAT
            ))
            .into());
        }
        if index.chorales.is_empty() {
            return Err(bad("no chorales listed".into()).into());
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str) -> ChoraleEntry {
        ChoraleEntry {
            id: "bwv253".into(),
            file: "chorales/bwv253.mid".into(),
            title: title.into(),
            key: KeySignature {
                tonic: "A".into(),
                mode: "major".into(),
                sharps: 3,
            },
            pickup_steps: 4,
            bars: 9,
            steps: 160,
            phrase_ends: vec![68, 132, 160],
        }
    }

    #[test]
    fn an_entry_shows_as_one_line() {
        assert_eq!(
            entry("Ach bleib bei uns").to_string(),
            "bwv253 “Ach bleib bei uns”, A major, 9 bars"
        );
        assert_eq!(entry("").to_string(), "bwv253, A major, 9 bars");
    }

    #[test]
    fn phrase_ends_are_optional_in_the_index() {
        let mut json = serde_json::to_value(entry("x")).unwrap();
        assert_eq!(json["phrase_ends"], serde_json::json!([68, 132, 160]));
        json.as_object_mut().unwrap().remove("phrase_ends");
        let back: ChoraleEntry = serde_json::from_value(json).unwrap();
        assert!(back.phrase_ends.is_empty());
    }
}
