//! 16-bit mono WAV encoding, in memory or to a file.

use std::io::Cursor;
use std::path::Path;

use super::synth::{render_samples, SynthConfig};
use super::AudioError;
use crate::roll::Multitrack;

/// Encodes samples in [−1, 1] as a 16-bit mono WAV file in memory (values outside are clamped).
pub fn encode_wav(samples: &[f32], sample_rate: u32) -> Result<Vec<u8>, AudioError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav_err = |e: hound::Error| AudioError::Wav(e.to_string());
    let mut cursor = Cursor::new(Vec::with_capacity(44 + 2 * samples.len()));
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).map_err(wav_err)?;
        for &x in samples {
            let value = (x.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
            writer.write_sample(value).map_err(wav_err)?;
        }
        writer.finalize().map_err(wav_err)?;
    }
    Ok(cursor.into_inner())
}

/// Renders the roll with the built-in synthesizer to a 16-bit mono WAV file in memory.
pub fn wav_bytes(roll: &Multitrack, config: &SynthConfig) -> Result<Vec<u8>, AudioError> {
    encode_wav(&render_samples(roll, config)?, config.sample_rate)
}

/// Renders the roll with the built-in synthesizer and writes it, atomically, as a WAV file.
pub fn write_wav(
    path: impl AsRef<Path>,
    roll: &Multitrack,
    config: &SynthConfig,
) -> crate::Result<()> {
    let bytes = wav_bytes(roll, config)?;
    Ok(crate::files::write_atomic(path, &bytes)?)
}

/// Time steps per beat used to render a MIDI file: fine enough for triplets and 32nd notes.
pub const MIDI_RENDER_STEPS_PER_BEAT: usize = 24;

/// Reads a MIDI file and writes its rendering, atomically, as a WAV file.
pub fn render_midi_file(
    midi: impl AsRef<Path>,
    wav: impl AsRef<Path>,
    config: &SynthConfig,
) -> crate::Result<()> {
    let roll = crate::midi::read_midi_file(midi, MIDI_RENDER_STEPS_PER_BEAT)?;
    write_wav(wav, &roll, config)
}
