//! Accompaniment for any melody: the melody is moved into the soprano's register, cut into
//! bar-aligned two-bar windows, and the generator writes alto, tenor and bass for every window
//! with one latent grid per sample, so the voices keep their character from window to window.
//! Each generated voice is read as a sung line, one note at a time in its range ([`decode_line`]);
//! then the repair step moves the notes that break a rule of part writing ([`repair`]). The
//! output keeps the input melody, unchanged, as its soprano, and puts the generated voices back
//! in the input's register. [`arrangements`] also returns the generator's voices before the
//! repair, so that the model's own voice leading stays visible beside the composed one.

mod arrangement;
mod chord_model;
mod decode;
mod harmonise;
mod held_out;
mod phrases;
mod register;
mod repair;
mod tidy;
mod windows;

pub use arrangement::Arrangement;
pub use chord_model::{ChordModel, KeyChord, ModeModel, CHORD_MODEL_FILE};
pub use decode::{decode_line, LineCosts};
pub use harmonise::{harmonise, ChordCosts};
pub use held_out::HeldOut;
pub use phrases::{
    bar_end_steps, infer_phrase_ends, parse_bars, phrase_ends, PhraseEnds, PhraseEndsError,
};
pub use register::{octave_shift, SOPRANO_CENTER};
pub use repair::{repair, Repair};
pub use tidy::tidy;
pub use windows::{join_values, join_windows, melody_windows};

use candle_core::{DType, Device, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::metrics::voice_leading::{Lines, VoiceRanges};
use crate::metrics::Key;
use crate::midi::{bottom_line, melody, skyline, Melody};
use crate::model::layout::{batch_to_tensor, tensor_to_batch};
use crate::model::noise::sample_z;
use crate::model::{Generate, ModelError};
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
    /// Zero candidates per sample were asked for.
    #[error("--best-of must be at least 1")]
    NoCandidates,
}

/// How the generator's output becomes the alto, tenor and bass lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decoding {
    /// A chord on every beat and a cadence at every phrase end, voiced and figured from the
    /// generator's values ([`harmonise`]).
    #[default]
    Chords,
    /// Each voice the most likely sung line through its range ([`decode_line`]).
    Lines,
    /// The lab's way: every value above 0 is a note (then [`tidy`] when `monophonic`).
    Threshold,
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
    /// Each variation is the best of this many (the fewest weighted voice-leading findings).
    pub best_of: usize,
    /// How the generator's output is read.
    pub decoding: Decoding,
    /// The key to harmonise in [default: the key read from the melody].
    #[serde(skip)]
    pub key: Option<Key>,
    /// With [`Decoding::Chords`]: what the harmonic decoder weighs.
    pub chord_costs: ChordCosts,
    /// With [`Decoding::Lines`]: what the line decoder pays for rests, changes and leaps.
    pub line_costs: LineCosts,
    /// Apply the repair step ([`repair`]) to the decoded voices.
    pub repair: bool,
    /// With [`Decoding::Threshold`]: keep one note at a time in each generated voice (its top note; the bass keeps its lowest).
    pub monophonic: bool,
    /// With [`Decoding::Threshold`] and `monophonic`: generated notes shorter than this many steps are dropped (1 keeps all).
    pub min_note_steps: usize,
    /// With [`Decoding::Threshold`] and `monophonic`: a generated note is held over a rest after it of up to this many steps
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
            best_of: 1,
            decoding: Decoding::Chords,
            key: None,
            chord_costs: ChordCosts::default(),
            line_costs: LineCosts::default(),
            repair: true,
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
    generator: &impl Generate,
    device: &Device,
    input: &Multitrack,
    options: &ComposeOptions,
) -> Result<Vec<Multitrack>, ComposeError> {
    let all = arrangements(generator, device, input, options)?;
    Ok(all.into_iter().map(|a| a.score).collect())
}

/// [`compose`], with each score's key, its voices before the repair and the repairs made.
pub fn arrangements(
    generator: &impl Generate,
    device: &Device,
    input: &Multitrack,
    options: &ComposeOptions,
) -> Result<Vec<Arrangement>, ComposeError> {
    if input.resolution != STEPS_PER_BEAT {
        return Err(ComposeError::Resolution(input.resolution));
    }
    if options.samples == 0 {
        return Err(ComposeError::NoSamples);
    }
    if options.best_of == 0 {
        return Err(ComposeError::NoCandidates);
    }
    if options.pickup_steps >= crate::roll::STEPS_PER_BAR {
        return Err(ComposeError::Pickup(options.pickup_steps));
    }
    let tune = melody(input, options.melody)?;
    let key = options.key.or_else(|| Key::of_melody(&tune));
    let phrases = phrase_ends(&tune, options.pickup_steps, &input.phrase_ends);
    let shift = octave_shift(&tune);
    let windows = melody_windows(&tune.transposed(shift), options.pickup_steps);
    let n = windows.len_of(ndarray::Axis(0));
    let c = batch_to_tensor(&windows.view(), DType::F32, device)?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut out = Vec::with_capacity(options.samples);
    for _ in 0..options.samples {
        let mut best: Option<(f64, Arrangement)> = None;
        for _ in 0..options.best_of {
            // One latent grid per candidate, shared by all its windows.
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
            let values = join_values(generated.view(), options.pickup_steps, tune.len());
            let candidate = arrange(&tune, &values, shift, key, &phrases, input, options);
            if options.best_of == 1 {
                best = Some((0.0, candidate));
                break;
            }
            let score = candidate
                .report()
                .map_or(f64::INFINITY, |r| r.weighted_findings());
            if best.as_ref().is_none_or(|(b, _)| score < *b) {
                best = Some((score, candidate));
            }
        }
        out.extend(best.map(|(_, a)| a));
    }
    Ok(out)
}

/// Runs the generator in inference mode over the windows, in chunks to bound memory.
fn generate(
    generator: &impl Generate,
    c: &Tensor,
    z: &Tensor,
) -> Result<ndarray::Array4<f32>, ModelError> {
    const CHUNK: usize = 64;
    let n = c.dim(0)?;
    let mut parts = Vec::new();
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let y = generator.generate(&c.narrow(0, start, len)?, &z.narrow(0, start, len)?)?;
        parts.push(y);
    }
    tensor_to_batch(&Tensor::cat(&parts, 0)?)
}

/// The arrangement of `tune` from the generator's joined `values` (steps, 128, 4, in the
/// register moved by `shift`): the tune as soprano, the decoded voices moved back by `shift`,
/// then repaired when `options.repair`.
fn arrange(
    tune: &Track,
    values: &ndarray::Array3<f32>,
    shift: i32,
    key: Option<Key>,
    phrases: &PhraseEnds,
    input: &Multitrack,
    options: &ComposeOptions,
) -> Arrangement {
    let tempo_bpm = input.tempo_bpm;
    let mut soprano = tune.clone();
    soprano.name = VOICE_NAMES[0].to_string();
    soprano.program = 0;
    let ranges = VoiceRanges::BACH.transposed(-shift);
    let mut tracks = vec![soprano];
    let harmonised = match (options.decoding, key) {
        (Decoding::Chords, Some(key)) => {
            let line = tune.transposed(shift).top_line();
            let model = ChordModel::bach().mode(key.mode);
            Some(harmonise(
                values,
                &line,
                key,
                &phrases.steps,
                model,
                &options.chord_costs,
            ))
        }
        _ => None,
    };
    for (k, name) in VOICE_NAMES.iter().enumerate().skip(1) {
        let voice = values.index_axis(ndarray::Axis(2), k);
        let mut track = match options.decoding {
            Decoding::Chords if harmonised.is_some() => {
                let lines = harmonised.as_ref().map_or(&[][..], |h| &h[k - 1][..]);
                Track::from_line(*name, 0, lines, VELOCITY).transposed(-shift)
            }
            Decoding::Lines | Decoding::Chords => {
                let line = decode_line(voice, VoiceRanges::BACH.voices[k], &options.line_costs);
                Track::from_line(*name, 0, &line, VELOCITY).transposed(-shift)
            }
            Decoding::Threshold => {
                let roll = voice.mapv(|x| if x > 0.0 { VELOCITY } else { 0 });
                let track = Track::new(*name, 0, roll).transposed(-shift);
                if options.monophonic {
                    let line = if k == 3 {
                        bottom_line(&track)
                    } else {
                        skyline(&track)
                    };
                    tidy(&line, options.min_note_steps, options.legato_steps)
                } else {
                    track
                }
            }
        };
        track.name = name.to_string();
        tracks.push(track);
    }
    let generated = Multitrack::new(STEPS_PER_BEAT, tempo_bpm, tracks)
        .with_pickup(options.pickup_steps)
        .with_phrase_ends(phrases.steps.clone());
    let (score, repairs) = if options.repair {
        let (lines, repairs) = repair(&Lines::of(&generated), options.pickup_steps, &ranges, key);
        let mut tracks = vec![generated.tracks[0].clone()];
        tracks.extend((1..4).map(|k| lines.track(k, VOICE_NAMES[k], VELOCITY)));
        let score = Multitrack::new(STEPS_PER_BEAT, tempo_bpm, tracks)
            .with_pickup(options.pickup_steps)
            .with_phrase_ends(phrases.steps.clone());
        (score, repairs)
    } else {
        (generated.clone(), Vec::new())
    };
    Arrangement {
        score,
        generated,
        repairs,
        key,
        phrases: phrases.clone(),
        ranges,
        pickup_steps: options.pickup_steps,
    }
}

/// The velocity of the generated notes.
const VELOCITY: u8 = 100;
