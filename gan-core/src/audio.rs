//! Rendering piano rolls to 16-bit WAV with a small built-in synthesizer.

/// What can go wrong rendering audio.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The WAV encoder failed.
    #[error("WAV encoding failed: {0}")]
    Wav(String),
}
