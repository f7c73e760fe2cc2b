//! Accompaniment for any melody: the melody is moved into the soprano's register, cut into
//! bar-aligned two-bar windows, and the generator writes alto, tenor and bass for every window
//! with one latent grid per sample, so the voices keep their character from window to window.
//! The output keeps the input melody, unchanged, as its soprano, and puts the generated voices
//! back in the input's register, one note at a time each, without the generator's one-step
//! flickers ([`tidy`]).

mod register;
mod tidy;
mod windows;

pub use register::{octave_shift, SOPRANO_CENTER};
pub use tidy::tidy;
pub use windows::{join_windows, melody_windows};

use candle_core::{DType, Device, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::midi::{bottom_line, melody, skyline, Melody};
use crate::model::layout::{batch_to_tensor, tensor_to_batch};
use crate::model::noise::sample_z;
use crate::model::{Generator, Mode, ModelError};
use crate::roll::{Multitrack, Track, STEPS_PER_BEAT, VOICE_NAMES};

/// What can go wrong composing.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The melody could not be taken from the input.
    #[error(transparent)]
    Melody(#[from] crate::midi::MidiError),
    /// The generator failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The input is on another grid than the model's.
    #[error("the input has {0} steps per beat; read it at {STEPS_PER_BEAT} steps per beat")]
    Resolution(usize),
    /// The pickup is longer than a bar.
    #[error("a pickup of {0} steps is longer than a bar (16 steps)")]
    Pickup(usize),
    /// Zero samples were asked for.
    #[error("ask for at least one sample")]
    NoSamples,
}

/// How to compose.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComposeOptions {
    /// Which line of the input is the melody.
    #[serde(skip)]
    pub melody: Melody,
    /// Steps before the input's first barline (an upbeat), 0 to 15.
    pub pickup_steps: usize,
    /// How many variations to write, each with its own latent grid.
    pub samples: usize,
    /// The seed of the latent grids: the same seed gives the same variations.
    pub seed: u64,
    /// Keep one note at a time in each generated voice (its top note; the bass keeps its lowest).
    pub monophonic: bool,
    /// With `monophonic`: generated notes shorter than this many steps are dropped (1 keeps all).
    pub min_note_steps: usize,
    /// With `monophonic`: a generated note is held over a rest after it of up to this many steps
    /// (0 holds none; the default, 8, is a half note), so the voices sing lines instead of
    /// flickering.
    pub legato_steps: usize,
}

impl Default for ComposeOptions {
    fn default() -> Self {
        Self {
            melody: Melody::Auto,
            pickup_steps: 0,
            samples: 1,
            seed: 0,
            monophonic: true,
            min_note_steps: 2,
            legato_steps: 2 * STEPS_PER_BEAT,
        }
    }
}

/// Four-part arrangements of the melody in `input` (read at 4 steps per beat), one per sample:
/// soprano = the input melody as it is, alto, tenor and bass from the generator (an f32
/// generator on `device`, e.g. [`TrainedModel`](crate::pretrained::TrainedModel)'s or
/// [`Gan::generator`](crate::model::Gan::generator)).
pub fn compose(
    generator: &Generator,
    device: &Device,
    input: &Multitrack,
    options: &ComposeOptions,
) -> Result<Vec<Multitrack>, ComposeError> {
    if input.resolution != STEPS_PER_BEAT {
        return Err(ComposeError::Resolution(input.resolution));
    }
    if options.samples == 0 {
        return Err(ComposeError::NoSamples);
    }
    if options.pickup_steps >= crate::roll::STEPS_PER_BAR {
        return Err(ComposeError::Pickup(options.pickup_steps));
    }
    let tune = melody(input, options.melody)?;
    let shift = octave_shift(&tune);
    let windows = melody_windows(&tune.transposed(shift), options.pickup_steps);
    let n = windows.len_of(ndarray::Axis(0));
    let c = batch_to_tensor(&windows.view(), DType::F32, device)?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut out = Vec::with_capacity(options.samples);
    for _ in 0..options.samples {
        // One latent grid per sample, shared by all its windows.
        let z = sample_z(&mut rng, generator.config(), 1, DType::F32, device)
            .map_err(ModelError::from)?;
        let z = z
            .broadcast_as((
                n,
                generator.config().latent,
                z.dim(2).map_err(ModelError::from)?,
                z.dim(3).map_err(ModelError::from)?,
            ))
            .and_then(|z| z.contiguous())
            .map_err(ModelError::from)?;
        let generated = generate(generator, &c, &z)?;
        let roll = join_windows(
            generated.view(),
            options.pickup_steps,
            tune.len(),
            input.tempo_bpm,
        );
        out.push(arrange(&tune, roll, shift, options));
    }
    Ok(out)
}

/// Runs the generator in inference mode over the windows, in chunks to bound memory.
fn generate(
    generator: &Generator,
    c: &Tensor,
    z: &Tensor,
) -> Result<ndarray::Array4<f32>, ModelError> {
    const CHUNK: usize = 64;
    let n = c.dim(0)?;
    let mut parts = Vec::new();
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let y = generator.forward(
            &c.narrow(0, start, len)?,
            &z.narrow(0, start, len)?,
            Mode::Infer,
        )?;
        parts.push(y);
    }
    tensor_to_batch(&Tensor::cat(&parts, 0)?)
}

/// The final score: the input melody as soprano, the generated voices moved back by `shift`
/// (and tidied, when `options.monophonic`).
fn arrange(
    tune: &Track,
    generated: Multitrack,
    shift: i32,
    options: &ComposeOptions,
) -> Multitrack {
    let mut tracks = Vec::with_capacity(4);
    let mut soprano = tune.clone();
    soprano.name = VOICE_NAMES[0].to_string();
    soprano.program = 0;
    tracks.push(soprano);
    for (k, track) in generated.tracks.into_iter().enumerate().skip(1) {
        let mut voice = track.transposed(-shift);
        if options.monophonic {
            let line = if k == 3 {
                bottom_line(&voice)
            } else {
                skyline(&voice)
            };
            voice = tidy(&line, options.min_note_steps, options.legato_steps);
        }
        voice.name = VOICE_NAMES[k].to_string();
        tracks.push(voice);
    }
    Multitrack::new(STEPS_PER_BEAT, generated.tempo_bpm, tracks)
}
