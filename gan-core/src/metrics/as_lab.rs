//! The lab's own metric code, bugs included, to set beside the corrected metrics of this crate
//! and see what each bug did.
//!
//! The lab computed three of its metrics on the raw values of a batch (`-1` for off, `+1` for on,
//! or a generator's `tanh` output), over the 84 pitches `24..108`, in bars of 16 steps:
//! - its "empty bar rate" is `mean(any(x > 0.5))` over bars: the share of bars *with* a note, the
//!   opposite of its name (corrected: [`empty_bar_rate`](super::empty_bar_rate));
//! - its "in scale rate" reshapes the 84 pitches as 12 blocks of 7 consecutive semitones, takes
//!   block `c` as pitch class `c`, and divides the sum of the raw values in the C major blocks by
//!   the sum of all raw values: the off cells' `-1`s dominate both sums (corrected:
//!   [`in_scale_rate`](super::in_scale_rate), on cells folded by octave);
//! - its "pitch histogram distance" sums the raw values over each bar's steps, so a silent step
//!   counts as `-1` note (corrected: [`pitch_histogram_distance`](super::pitch_histogram_distance),
//!   which counts on steps).

use ndarray::{Array4, ArrayView4};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::finite_mean;
use super::masks::{check_metric_batch, LOWEST_PITCH, N_METRIC_PITCHES};
use super::scale::C_MAJOR_PITCH_CLASSES;
use crate::roll::ShapeError;
use crate::roll::STEPS_PER_BAR;

/// The lab's three buggy metrics of one batch, one value per track.
#[derive(Debug, Clone, PartialEq)]
pub struct AsLab {
    /// The lab's "empty bar rate": in fact the share of bars with a note (`x > 0.5`).
    pub empty_bar_rate: Vec<f64>,
    /// The lab's "in scale rate": raw values in blocks of 7 semitones, C major by block number.
    pub in_scale_rate: Vec<f64>,
    /// The lab's pitch histogram distance on raw values: `‖1 − mean over bars of Σ_steps x‖₂`.
    pub pitch_histogram_distance: Vec<f64>,
}

impl AsLab {
    /// The metrics as the lab's code computed them, on the raw values of `batch`
    /// `(N, 16·B, 128, tracks)`.
    pub fn compute(batch: ArrayView4<'_, f32>) -> Result<Self, ShapeError> {
        check_metric_batch(&batch)?;
        let (samples, steps, _, tracks) = batch.dim();
        let bars = samples * steps / STEPS_PER_BAR;
        let pitches = LOWEST_PITCH..LOWEST_PITCH + N_METRIC_PITCHES;
        let mut out = AsLab {
            empty_bar_rate: Vec::with_capacity(tracks),
            in_scale_rate: Vec::with_capacity(tracks),
            pitch_histogram_distance: Vec::with_capacity(tracks),
        };
        for k in 0..tracks {
            let mut sounding_bars = 0usize;
            let (mut in_scale, mut all) = (0f64, 0f64);
            // Σ over samples, bars and steps of x, per pitch.
            let mut per_pitch = vec![0f64; N_METRIC_PITCHES];
            for n in 0..samples {
                for bar in 0..steps / STEPS_PER_BAR {
                    let mut sounding = false;
                    for t in bar * STEPS_PER_BAR..(bar + 1) * STEPS_PER_BAR {
                        for (i, p) in pitches.clone().enumerate() {
                            let x = f64::from(batch[[n, t, p, k]]);
                            sounding |= x > 0.5;
                            per_pitch[i] += x;
                            all += x;
                            if C_MAJOR_PITCH_CLASSES & (1 << (i / 7)) != 0 {
                                in_scale += x;
                            }
                        }
                    }
                    sounding_bars += usize::from(sounding);
                }
            }
            out.empty_bar_rate.push(sounding_bars as f64 / bars as f64);
            out.in_scale_rate.push(in_scale / all);
            let distance = per_pitch
                .iter()
                .map(|s| (1.0 - s / bars as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            out.pitch_histogram_distance.push(distance);
        }
        Ok(out)
    }
}

/// Uniform noise in (-1, 1) of the shape of `like`, drawn from `seed`: what an untrained
/// generator's `tanh` output looks like to the metrics.
pub fn uniform_noise(like: ArrayView4<'_, f32>, seed: u64) -> Array4<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array4::from_shape_simple_fn(like.dim(), || rng.random_range(-1.0f32..1.0))
}

/// A table of the three metrics as the lab computed them and as this crate does, for each named
/// batch (e.g. Bach, the generator, noise), each value the mean over the tracks.
pub fn lab_beside_ours(sets: &[(&str, ArrayView4<'_, f32>)]) -> Result<String, ShapeError> {
    let mut rows = vec![vec!["metric (mean of the voices)".to_string()]];
    let names = [
        "empty bar rate",
        "in-scale rate (C major)",
        "pitch histogram distance",
    ];
    for name in names {
        rows.push(vec![name.to_string()]);
    }
    for (label, batch) in sets {
        let lab = AsLab::compute(batch.view())?;
        let ours = super::MetricSet::compute(batch.view())?;
        let pairs = [
            (&lab.empty_bar_rate, &ours.empty_bar_rate),
            (&lab.in_scale_rate, &ours.in_scale_rate),
            (
                &lab.pitch_histogram_distance,
                &ours.pitch_histogram_distance,
            ),
        ];
        rows[0].push(format!("{label}: lab"));
        rows[0].push("ours".to_string());
        for (row, (l, o)) in rows[1..].iter_mut().zip(pairs) {
            row.push(format!("{:.3}", finite_mean(l.iter().copied())));
            row.push(format!("{:.3}", finite_mean(o.iter().copied())));
        }
    }
    Ok(super::table::text_table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    /// One bar of one track: C4 (pitch 60) held for all 16 steps, everything else off (-1).
    fn held_c4() -> Array4<f32> {
        let mut batch = Array4::from_elem((1, 16, 128, 1), -1.0f32);
        for t in 0..16 {
            batch[[0, t, 60, 0]] = 1.0;
        }
        batch
    }

    #[test]
    fn a_held_c_shows_each_bug_by_hand() {
        let lab = AsLab::compute(held_c4().view()).unwrap();
        // The bar has a note, so the lab's "empty" bar rate is 1 (ours: 0).
        assert_eq!(lab.empty_bar_rate, vec![1.0]);
        // Pitch 60 is metric pitch 36, in block 36 / 7 = 5 ("F", in C major). The 7 C major
        // blocks hold 49 pitches: 48 off and C4 on in every step, out of 83 off and 1 on.
        let expected = (16.0 * (-48.0 + 1.0)) / (16.0 * (-83.0 + 1.0));
        assert!((lab.in_scale_rate[0] - expected).abs() < 1e-12, "{lab:?}");
        // Σ_steps x: C4 16, every other pitch -16; 1 − that: -15 and 17.
        let expected = (83.0 * 17.0f64.powi(2) + 15.0f64.powi(2)).sqrt();
        assert!((lab.pitch_histogram_distance[0] - expected).abs() < 1e-9);
        // Ours, on the same bar: no empty bar, all in scale, sqrt(83·1 + 15²).
        let ours = crate::metrics::MetricSet::compute(held_c4().view()).unwrap();
        assert_eq!(ours.empty_bar_rate, vec![0.0]);
        assert_eq!(ours.in_scale_rate, vec![1.0]);
        assert!((ours.pitch_histogram_distance[0] - 308f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn the_table_has_a_lab_and_an_ours_column_per_set() {
        let c = held_c4();
        let table = lab_beside_ours(&[("held C", c.view()), ("again", c.view())]).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[0].contains("held C: lab") && lines[0].contains("again: lab"));
        assert!(
            lines[1].starts_with("empty bar rate") && lines[1].contains("1.000   0.000"),
            "{table}"
        );
        assert!(lines[2].contains("1.000"), "{table}");
    }

    #[test]
    fn a_bad_shape_is_an_error() {
        let batch = Array4::<f32>::zeros((1, 10, 128, 1));
        assert!(AsLab::compute(batch.view()).is_err());
    }
}
