//! Which chord follows which in Bach's chorales: the composer's model of harmony, learned from
//! the training chorales' beats (each in its notated key) and shipped as `data/chords.json`.
//!
//! Chords are counted relative to the key (a root's distance from the tonic and the triad or
//! seventh over it), per mode; a beat that is no chord leaves a gap in the chain. The chords
//! on at least [`MIN_SHARE`] of the beats form the vocabulary the composer chooses from.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::metrics::harmony::{Chord, Harmony, HarmonyError, Quality};
use crate::metrics::{Key, KeyMode};

/// The model's file name in the data directory.
pub const CHORD_MODEL_FILE: &str = "chords.json";
/// A chord in at least this share of a mode's beats is in the vocabulary.
pub const MIN_SHARE: f64 = 0.005;
/// Added to every transition count, so that no move is impossible.
const SMOOTHING: f64 = 0.5;

/// A chord relative to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyChord {
    /// The root's distance above the tonic, in semitones.
    pub interval: u8,
    /// The chord's quality (sevenths other than the dominant and diminished read as triads).
    pub quality: Quality,
}

impl KeyChord {
    /// The key-relative form of `chord` in `key`.
    pub fn of(chord: &Chord, key: Key) -> Self {
        let quality = match chord.quality {
            Quality::Minor7 => Quality::Minor,
            Quality::Major7 => Quality::Major,
            Quality::HalfDiminished7 => Quality::Diminished,
            q => q,
        };
        Self {
            interval: (chord.root + 12 - key.tonic) % 12,
            quality,
        }
    }

    /// The chord in `key`, in root position.
    pub fn in_key(&self, key: Key) -> Chord {
        let root = (key.tonic + self.interval) % 12;
        Chord {
            root,
            quality: self.quality,
            complete: true,
            bass: root,
        }
    }
}

/// One mode's vocabulary and transitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeModel {
    /// The chords the composer may choose, most common first.
    pub chords: Vec<KeyChord>,
    /// Each chord's share of the beats (ln).
    pub prior: Vec<f64>,
    /// `transitions[a][b]`: ln P(chord b on the next beat | chord a).
    pub transitions: Vec<Vec<f64>>,
}

/// The chord model of both modes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChordModel {
    /// How many chorales it was learned from.
    pub chorales: usize,
    /// The major keys' model.
    pub major: ModeModel,
    /// The minor keys' model.
    pub minor: ModeModel,
}

impl ChordModel {
    /// Learns the model from the chorales `ids` of `data`, each in its notated key.
    pub fn learn(data: &Dataset, ids: &[&str]) -> Result<Self, crate::Error> {
        let mut sequences: [Vec<Vec<Option<KeyChord>>>; 2] = [Vec::new(), Vec::new()];
        for id in ids {
            let chorale = data.chorale(id)?;
            let Some(key) = Key::named(&chorale.entry.key.tonic, &chorale.entry.key.mode) else {
                continue;
            };
            let harmony = Harmony::analyse(&chorale.roll, Some(key))?;
            let seq = harmony
                .beats
                .iter()
                .map(|b| b.chord.map(|c| KeyChord::of(&c, key)))
                .collect();
            sequences[usize::from(key.mode == KeyMode::Minor)].push(seq);
        }
        let [major, minor] = sequences.map(|s| ModeModel::learn(&s));
        Ok(Self {
            chorales: ids.len(),
            major,
            minor,
        })
    }

    /// Bach's model as shipped (`data/chords.json`, built into the library).
    pub fn bach() -> &'static ChordModel {
        static MODEL: std::sync::OnceLock<ChordModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            serde_json::from_str::<ChordModel>(include_str!("../../../data/chords.json"))
                .ok()
                .filter(|m| !m.major.chords.is_empty() && !m.minor.chords.is_empty())
                .unwrap_or_else(ChordModel::plain)
        })
    }

    /// A model of the diatonic triads and the dominant seventh, every succession equally
    /// likely: what composing falls back on if the shipped model were unreadable.
    pub fn plain() -> ChordModel {
        let mode = |triads: [(u8, Quality); 7]| {
            let mut chords: Vec<KeyChord> = triads
                .iter()
                .map(|&(interval, quality)| KeyChord { interval, quality })
                .collect();
            chords.push(KeyChord {
                interval: 7,
                quality: Quality::Dominant7,
            });
            let n = chords.len();
            let p = (1.0 / n as f64).ln();
            ModeModel {
                chords,
                prior: vec![p; n],
                transitions: vec![vec![p; n]; n],
            }
        };
        use Quality::{Diminished as D, Major as M, Minor as m};
        ChordModel {
            chorales: 0,
            major: mode([(0, M), (2, m), (4, m), (5, M), (7, M), (9, m), (11, D)]),
            minor: mode([(0, m), (2, D), (3, M), (5, m), (7, M), (8, M), (11, D)]),
        }
    }

    /// The model of `mode`.
    pub fn mode(&self, mode: KeyMode) -> &ModeModel {
        match mode {
            KeyMode::Major => &self.major,
            KeyMode::Minor => &self.minor,
        }
    }

    /// Reads the model from `dir`/[`CHORD_MODEL_FILE`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, HarmonyError> {
        let path = dir.as_ref().join(CHORD_MODEL_FILE);
        let bad = |reason: String| HarmonyError::Reference {
            path: path.clone(),
            reason,
        };
        let model: Self = crate::files::read_json(&path).map_err(bad)?;
        for m in [&model.major, &model.minor] {
            let n = m.chords.len();
            if n == 0
                || m.prior.len() != n
                || m.transitions.iter().any(|r| r.len() != n)
                || m.transitions.len() != n
            {
                return Err(bad(
                    "the chords, prior and transitions disagree in size".into()
                ));
            }
        }
        Ok(model)
    }

    /// Reads the model shipped in the data directory ([`crate::data::default_dir`]).
    pub fn load_default() -> Result<Self, HarmonyError> {
        Self::load(crate::data::default_dir())
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl ModeModel {
    /// Counts the chords and their successions in `sequences` (one per chorale, a chord or a
    /// gap per beat).
    fn learn(sequences: &[Vec<Option<KeyChord>>]) -> Self {
        use std::collections::HashMap;
        let mut counts: HashMap<KeyChord, usize> = HashMap::new();
        let mut beats = 0usize;
        for seq in sequences {
            beats += seq.len();
            for c in seq.iter().flatten() {
                *counts.entry(*c).or_default() += 1;
            }
        }
        let mut chords: Vec<(KeyChord, usize)> = counts
            .into_iter()
            .filter(|&(_, n)| n as f64 >= MIN_SHARE * beats as f64)
            .collect();
        chords.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(a.0.interval.cmp(&b.0.interval))
                .then(a.0.quality.cmp(&b.0.quality))
        });
        let index = |c: &KeyChord| chords.iter().position(|(k, _)| k == c);
        let n = chords.len();
        let mut pairs = vec![vec![SMOOTHING; n]; n];
        for seq in sequences {
            for w in seq.windows(2) {
                if let (Some(a), Some(b)) =
                    (w[0].as_ref().and_then(index), w[1].as_ref().and_then(index))
                {
                    pairs[a][b] += 1.0;
                }
            }
        }
        let total: usize = chords.iter().map(|(_, c)| c).sum();
        Self {
            prior: chords
                .iter()
                .map(|(_, c)| (*c as f64 / total.max(1) as f64).ln())
                .collect(),
            transitions: pairs
                .iter()
                .map(|row| {
                    let sum: f64 = row.iter().sum();
                    row.iter().map(|x| (x / sum).ln()).collect()
                })
                .collect(),
            chords: chords.into_iter().map(|(c, _)| c).collect(),
        }
    }

    /// The index of the chord `interval` semitones above the tonic with `quality`, if known.
    pub fn find(&self, interval: u8, quality: Quality) -> Option<usize> {
        self.chords
            .iter()
            .position(|c| c.interval == interval && c.quality == quality)
    }
}
