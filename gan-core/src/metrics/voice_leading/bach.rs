//! What Bach does: the voice ranges of the chorales and the rates of [`VoiceLeading`] over all
//! 318 of them, computed once and shipped with the data set as `data/voice_leading.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Rates, VoiceLeading, VoiceLeadingError};
use crate::data::Dataset;
use crate::metrics::Key;

/// The reference's file name in the data directory.
pub const REFERENCE_FILE: &str = "voice_leading.json";

/// The lowest and highest MIDI pitch of each voice, soprano first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceRanges {
    /// (lowest, highest) per voice.
    pub voices: [(u8, u8); 4],
}

impl VoiceRanges {
    /// The ranges of the shipped data set (what [`VoiceRanges::of_dataset`] measures on it;
    /// a test keeps the two equal): S A3–A5, A F3–D5, T C3–A4, B C2–E4.
    pub const BACH: Self = Self {
        voices: [(57, 81), (53, 74), (48, 69), (36, 64)],
    };

    /// The ranges moved by `semitones` (clamped to MIDI's 0..=127).
    pub fn transposed(&self, semitones: i32) -> Self {
        let shift = |p: u8| (i32::from(p) + semitones).clamp(0, 127) as u8;
        Self {
            voices: self.voices.map(|(lo, hi)| (shift(lo), shift(hi))),
        }
    }

    /// The ranges Bach uses: every note of every voice of the data set.
    pub fn of_dataset(data: &Dataset) -> Self {
        let mut voices = [(u8::MAX, 0u8); 4];
        for chorale in &data.chorales {
            for (k, range) in voices.iter_mut().enumerate() {
                if let Some((lo, hi)) = chorale.roll.tracks[k].pitch_range() {
                    *range = (range.0.min(lo), range.1.max(hi));
                }
            }
        }
        Self { voices }
    }
}

/// Bach's figures: the voice ranges and the mean of each rate over the chorales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BachReference {
    /// How many chorales the figures are over.
    pub chorales: usize,
    /// The voice ranges, the bounds of [`super::Rule::Range`].
    pub ranges: VoiceRanges,
    /// Each rate's mean over the chorales (NaNs left out).
    pub rates: Rates,
    /// The smallest share of a chorale in which one of its lower voices sounds.
    #[serde(deserialize_with = "super::null_nan::number")]
    pub lowest_lower_sounding: f64,
    /// The smallest in-key share of a chorale's lower voices.
    #[serde(deserialize_with = "super::null_nan::number")]
    pub lowest_lower_in_key: f64,
}

impl BachReference {
    /// Analyses every chorale of `data` (each with its own pickup, in its notated key) and
    /// averages the rates.
    pub fn compute(data: &Dataset) -> Result<Self, VoiceLeadingError> {
        let ranges = VoiceRanges::of_dataset(data);
        let reports = data
            .chorales
            .iter()
            .map(|c| {
                let key = Key::named(&c.entry.key.tonic, &c.entry.key.mode);
                VoiceLeading::analyse_in_key(&c.roll, c.entry.pickup_steps, &ranges, key)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rates: Vec<Rates> = reports.iter().map(|r| r.rates).collect();
        let lowest = |f: &dyn Fn(&Rates) -> f64| rates.iter().map(f).fold(f64::INFINITY, f64::min);
        Ok(Self {
            chorales: reports.len(),
            ranges,
            rates: Rates::mean(&rates),
            lowest_lower_sounding: lowest(&|r| r.lower_sounding_min()),
            lowest_lower_in_key: lowest(&|r| r.lower_in_key),
        })
    }

    /// Reads the reference from `dir`/[`REFERENCE_FILE`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, VoiceLeadingError> {
        let path = dir.as_ref().join(REFERENCE_FILE);
        crate::files::read_json(&path)
            .map_err(|reason| VoiceLeadingError::Reference { path, reason })
    }

    /// Reads the reference shipped in the data directory ([`crate::data::default_dir`]).
    pub fn load_default() -> Result<Self, VoiceLeadingError> {
        Self::load(crate::data::default_dir())
    }

    /// The reference as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
