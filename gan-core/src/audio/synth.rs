//! A plucked-string synthesizer: decaying harmonics with a short attack and release.

use std::f64::consts::{FRAC_PI_2, PI};

use super::AudioError;
use crate::roll::Multitrack;
use crate::roll::Note;

/// The longest rendering [`render_samples`] accepts, in seconds (one hour).
const MAX_SECONDS: f64 = 3600.0;
/// Above this level the limiter starts to compress; below it the mix passes unchanged.
const LIMITER_KNEE: f64 = 0.8;
/// The level the limiter approaches for very loud input, safely below full scale.
const LIMITER_CEILING: f64 = 0.98;

/// Settings of the built-in synthesizer.
///
/// A note of pitch `p` and velocity `v` is the sum of harmonics `k = 1, 2, …` of
/// `440 · 2^((p − 69) / 12)` Hz with relative amplitudes `harmonics[k − 1]`, scaled by `v / 127`.
/// Harmonic `k` decays exponentially with time constant `decay_seconds / k`, so the sound
/// darkens as it rings, like a plucked or struck string. A raised-cosine attack of
/// `attack_seconds` starts each note from silence, and a raised-cosine release of
/// `release_seconds` after its last step brings it back to silence, so there are no clicks.
/// The rendering lasts the roll's duration plus `release_seconds`, so the last note can ring out.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Samples per second of the output.
    pub sample_rate: u32,
    /// Length of each note's fade-in, in seconds.
    pub attack_seconds: f64,
    /// Time constant of the fundamental's exponential decay, in seconds.
    pub decay_seconds: f64,
    /// Length of each note's fade-out after its last step, and of the tail added to the output.
    pub release_seconds: f64,
    /// Relative amplitudes of the harmonics, fundamental first; they are normalised to sum 1.
    pub harmonics: Vec<f64>,
    /// How many full-velocity notes may sound together without reaching the limiter's range.
    pub headroom_voices: usize,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            sample_rate: 44_100,
            attack_seconds: 0.004,
            decay_seconds: 0.9,
            release_seconds: 0.25,
            harmonics: vec![1.0, 0.6, 0.35, 0.25, 0.15, 0.1],
            headroom_voices: 4,
        }
    }
}

impl SynthConfig {
    /// Checks that every setting is in range.
    pub fn validate(&self) -> Result<(), AudioError> {
        let bad = |msg: &str| Err(AudioError::Config(msg.to_string()));
        let non_negative = |x: f64| x.is_finite() && x >= 0.0;
        if self.sample_rate == 0 {
            return bad("sample_rate must be positive");
        }
        if !non_negative(self.attack_seconds) || !non_negative(self.release_seconds) {
            return bad("attack_seconds and release_seconds must be finite and >= 0");
        }
        if !(self.decay_seconds.is_finite() && self.decay_seconds > 0.0) {
            return bad("decay_seconds must be finite and > 0");
        }
        if self.harmonics.iter().any(|&a| !non_negative(a)) || self.harmonic_sum() <= 0.0 {
            return bad("harmonics must be finite, >= 0 and not all zero");
        }
        if self.headroom_voices == 0 {
            return bad("headroom_voices must be at least 1");
        }
        Ok(())
    }

    fn harmonic_sum(&self) -> f64 {
        self.harmonics.iter().sum()
    }

    /// Seconds to samples, rounded to the nearest sample.
    fn samples(&self, seconds: f64) -> usize {
        (seconds * self.sample_rate as f64).round() as usize
    }
}

/// Renders the roll's non-drum tracks, mixed, to mono samples in (−1, 1).
///
/// The output has `round((duration + release_seconds) · sample_rate)` samples. The mix is scaled
/// by `1 / headroom_voices` and passed through a soft limiter, so no sample reaches full scale;
/// a silent roll renders as exact zeros.
pub fn render_samples(roll: &Multitrack, config: &SynthConfig) -> Result<Vec<f32>, AudioError> {
    config.validate()?;
    let step_seconds = roll.step_seconds();
    if !(step_seconds.is_finite() && step_seconds > 0.0) {
        return Err(AudioError::Timing {
            tempo_bpm: roll.tempo_bpm,
            resolution: roll.resolution,
        });
    }
    let seconds = roll.duration_seconds() + config.release_seconds;
    if seconds > MAX_SECONDS {
        return Err(AudioError::TooLong {
            seconds,
            limit: MAX_SECONDS,
        });
    }
    let mut mix = vec![0.0f64; config.samples(seconds)];
    let voice = Voice::new(config);
    for track in roll.tracks.iter().filter(|t| !t.is_drum) {
        for note in track.notes() {
            let start = config.samples(note.start as f64 * step_seconds);
            let end = config.samples(note.end as f64 * step_seconds);
            voice.add_note(&note, start, end, &mut mix);
        }
    }
    Ok(mix.into_iter().map(|x| soft_limit(x) as f32).collect())
}

/// The per-note renderer, with the settings turned into sample units.
struct Voice {
    sample_rate: f64,
    /// The fade-in gain for each sample of the attack, rising from 0.
    attack: Vec<f64>,
    /// The fade-out gain for each sample after the note's end, falling towards 0.
    release: Vec<f64>,
    decay_seconds: f64,
    /// Harmonic amplitudes normalised to sum 1, times the mix gain.
    amplitudes: Vec<f64>,
}

impl Voice {
    fn new(config: &SynthConfig) -> Self {
        let gain = 1.0 / (config.harmonic_sum() * config.headroom_voices as f64);
        // Raised-cosine ramps: sin² rising from exactly 0, cos² falling to 0 one sample past the end.
        let attack = config.samples(config.attack_seconds);
        let release = config.samples(config.release_seconds);
        Self {
            sample_rate: config.sample_rate as f64,
            attack: (0..attack)
                .map(|n| (FRAC_PI_2 * n as f64 / attack as f64).sin().powi(2))
                .collect(),
            release: (0..release)
                .map(|n| (FRAC_PI_2 * n as f64 / release as f64).cos().powi(2))
                .collect(),
            decay_seconds: config.decay_seconds,
            amplitudes: config.harmonics.iter().map(|a| a * gain).collect(),
        }
    }

    /// Adds one note sounding from sample `start` to `end` (then releasing) into `mix`.
    fn add_note(&self, note: &Note, start: usize, end: usize, mix: &mut [f64]) {
        let stop = (end + self.release.len()).min(mix.len());
        if start >= stop {
            return;
        }
        let f0 = 440.0 * 2f64.powf((note.pitch as f64 - 69.0) / 12.0);
        let velocity = note.velocity as f64 / 127.0;
        // Each harmonic is a damped rotating phasor: one complex multiply per sample.
        let mut partials: Vec<Partial> = self
            .amplitudes
            .iter()
            .enumerate()
            .map(|(i, &a)| ((i + 1) as f64, a))
            .take_while(|&(k, _)| k * f0 < 0.45 * self.sample_rate)
            .filter(|&(_, a)| a > 0.0)
            .map(|(k, a)| {
                Partial::new(
                    k * f0,
                    self.decay_seconds / k,
                    a * velocity,
                    self.sample_rate,
                )
            })
            .collect();
        for (n, out) in mix[start..stop].iter_mut().enumerate() {
            let env = self.envelope(n, end - start);
            let mut value = 0.0;
            for p in &mut partials {
                value += p.next();
            }
            *out += env * value;
        }
    }

    /// The attack and release gain `n` samples into a note that sounds for `length` samples.
    fn envelope(&self, n: usize, length: usize) -> f64 {
        let attack = self.attack.get(n).copied().unwrap_or(1.0);
        let release = match n.checked_sub(length) {
            None => 1.0,
            Some(after) => self.release.get(after).copied().unwrap_or(0.0),
        };
        attack * release
    }
}

/// One exponentially decaying sine, advanced by rotating a complex phasor.
struct Partial {
    re: f64,
    im: f64,
    step_re: f64,
    step_im: f64,
    amplitude: f64,
}

impl Partial {
    fn new(freq: f64, tau_seconds: f64, amplitude: f64, sample_rate: f64) -> Self {
        let angle = 2.0 * PI * freq / sample_rate;
        let damping = (-1.0 / (tau_seconds * sample_rate)).exp();
        Self {
            re: 1.0,
            im: 0.0,
            step_re: damping * angle.cos(),
            step_im: damping * angle.sin(),
            amplitude,
        }
    }

    /// The current value, then advances one sample.
    fn next(&mut self) -> f64 {
        let value = self.amplitude * self.im;
        let re = self.re * self.step_re - self.im * self.step_im;
        self.im = self.re * self.step_im + self.im * self.step_re;
        self.re = re;
        value
    }
}

/// Identity below the knee, then a tanh curve that approaches the ceiling, below full scale.
fn soft_limit(x: f64) -> f64 {
    let a = x.abs();
    if a <= LIMITER_KNEE {
        return x;
    }
    let room = LIMITER_CEILING - LIMITER_KNEE;
    x.signum() * (LIMITER_KNEE + room * ((a - LIMITER_KNEE) / room).tanh())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_is_identity_below_knee_and_bounded_above() {
        assert_eq!(soft_limit(0.5), 0.5);
        assert_eq!(soft_limit(-0.8), -0.8);
        assert!(soft_limit(0.9) > 0.8 && soft_limit(0.9) < 0.9);
        assert!(soft_limit(1e9) <= LIMITER_CEILING && soft_limit(-1e9) >= -LIMITER_CEILING);
        assert!(soft_limit(1.0) < soft_limit(1.5));
    }

    #[test]
    fn envelope_starts_and_ends_at_zero() {
        let voice = Voice::new(&SynthConfig::default());
        assert_eq!(voice.envelope(0, 1000), 0.0);
        assert_eq!(voice.envelope(500, 1000), 1.0);
        assert!(voice.envelope(1000 + voice.release.len() - 1, 1000) < 1e-3);
        assert_eq!(voice.envelope(1000 + voice.release.len(), 1000), 0.0);
    }

    #[test]
    fn validate_rejects_bad_settings() {
        let ok = SynthConfig::default();
        assert!(ok.validate().is_ok());
        for bad in [
            SynthConfig {
                sample_rate: 0,
                ..ok.clone()
            },
            SynthConfig {
                decay_seconds: 0.0,
                ..ok.clone()
            },
            SynthConfig {
                attack_seconds: f64::NAN,
                ..ok.clone()
            },
            SynthConfig {
                harmonics: vec![0.0, 0.0],
                ..ok.clone()
            },
            SynthConfig {
                harmonics: vec![],
                ..ok.clone()
            },
            SynthConfig {
                headroom_voices: 0,
                ..ok.clone()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(AudioError::Config(_))),
                "{bad:?}"
            );
        }
    }
}
