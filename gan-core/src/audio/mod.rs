//! Rendering piano rolls to audio with a small built-in plucked-string synthesizer.
//!
//! [`render_samples`] turns a [`Multitrack`](crate::Multitrack) into mono `f32` samples,
//! [`wav_bytes`] into an in-memory 16-bit WAV file and [`write_wav`] into a WAV file on disk.
//! No SoundFont or external program is needed: each note is a few decaying harmonics.

mod synth;
mod wav;

pub use synth::{render_samples, SynthConfig};
pub use wav::{encode_wav, render_midi_file, wav_bytes, write_wav, MIDI_RENDER_STEPS_PER_BEAT};

/// What can go wrong rendering audio.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// A synthesizer setting is out of range.
    #[error("invalid synthesizer setting: {0}")]
    Config(String),
    /// The roll's tempo or resolution cannot be turned into time.
    #[error("cannot render a roll at {tempo_bpm} bpm and {resolution} steps per beat")]
    Timing {
        /// The roll's tempo in beats per minute.
        tempo_bpm: f64,
        /// The roll's time steps per beat.
        resolution: usize,
    },
    /// The rendering would be unreasonably long.
    #[error("the rendering would last {seconds:.0} s, more than the limit of {limit:.0} s")]
    TooLong {
        /// The length the rendering would have, in seconds.
        seconds: f64,
        /// The longest rendering allowed, in seconds.
        limit: f64,
    },
    /// The WAV encoder failed.
    #[error("WAV encoding failed: {0}")]
    Wav(String),
}
