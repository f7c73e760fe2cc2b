//! MIDI in and out: read any standard MIDI file into a [`crate::Multitrack`], extract a melody,
//! write 4-track MIDI.

/// What can go wrong reading or writing MIDI.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    /// The bytes are not a MIDI file or are corrupt.
    #[error("not a valid MIDI file: {0}")]
    Invalid(String),
}
