//! One composed variation, with what it takes to judge it: the melody's key, the generator's
//! voices before the repair step, and the repairs.

use super::repair::Repair;
use crate::metrics::harmony::{Harmony, HarmonyError};
use crate::metrics::voice_leading::{VoiceLeading, VoiceLeadingError, VoiceRanges};
use crate::metrics::Key;
use crate::roll::Multitrack;

/// A composed variation: the score, and the generator's own voices before the repair.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrangement {
    /// The four-part score: the melody as soprano, then alto, tenor and bass.
    pub score: Multitrack,
    /// The same before the repair step: the generator's decoded voices.
    pub generated: Multitrack,
    /// The notes the repair moved.
    pub repairs: Vec<Repair>,
    /// The key it was harmonised in (given, or read from the melody), if it has one.
    pub key: Option<Key>,
    /// Where the melody's phrases end, and which ends were inferred.
    pub phrases: super::PhraseEnds,
    /// The voice ranges in the score's register (Bach's, moved with the melody's octave).
    pub ranges: VoiceRanges,
    /// Steps before the melody's first barline.
    pub pickup_steps: usize,
}

impl Arrangement {
    /// The voice-leading report of the score, in the melody's key.
    pub fn report(&self) -> Result<VoiceLeading, VoiceLeadingError> {
        self.report_of(&self.score)
    }

    /// The voice-leading report of the generator's voices before the repair.
    pub fn generated_report(&self) -> Result<VoiceLeading, VoiceLeadingError> {
        self.report_of(&self.generated)
    }

    /// The harmony report of the score: its chords and cadences, in its key (`None` when
    /// the melody has no key).
    pub fn harmony(&self) -> Option<Result<Harmony, HarmonyError>> {
        self.key.map(|key| Harmony::analyse(&self.score, Some(key)))
    }

    fn report_of(&self, piece: &Multitrack) -> Result<VoiceLeading, VoiceLeadingError> {
        VoiceLeading::analyse_in_key(piece, self.pickup_steps, &self.ranges, self.key)
    }
}
