//! The lab's pitch-histogram metric ("Pitch histogram distance" in the notebook).

use ndarray::ArrayView4;

use super::masks::{PitchMasks, TrackMasks, N_METRIC_PITCHES};
use crate::roll::ShapeError;

/// The lab's pitch-histogram distance: how far the mean per-bar pitch histogram is from all ones.
///
/// With `h[p] = (1 / (N · B)) · Σ_{n, b} #{steps of bar b of sample n where pitch p is on}`,
/// the mean over bars of the number of on-steps of pitch `p` in a bar (0 to 16), the value is
///
/// `pitch_histogram_distance[k] = sqrt( Σ_{p = 24}^{107} (1 − h[p])² )`,
///
/// an L2 norm over the 84 pitches. A silent track scores `sqrt(84) ≈ 9.165`; so does one whose
/// histogram is 0 or 2 everywhere. It is no distance between two data sets: the lab plots it for
/// generated and for real samples and compares the two numbers.
///
/// The lab's `UniquePitchCountMetricCreator` (labelled "Unique Pitch Count" in its code, "pitch
/// histogram distance" in the notebook) computes `norm(1 − mean(sum(x, steps), (samples, bars)))`
/// on the *raw* values, so on a `{-1, +1}` roll its `h` is `2h − 16` and its value
/// `sqrt(Σ_p (17 − 2h[p])²)`, and on a generator's `tanh` output it sums the soft values. This
/// function counts on cells (`x > 0`) instead, so real and generated batches are measured alike.
pub fn pitch_histogram_distance(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(histogram_distance))
}

/// Kernel of [`pitch_histogram_distance`].
pub(super) fn histogram_distance(track: TrackMasks<'_>) -> f64 {
    let mut counts = [0u64; N_METRIC_PITCHES];
    for &step in track.steps() {
        let mut rest = step;
        while rest != 0 {
            counts[rest.trailing_zeros() as usize] += 1;
            rest &= rest - 1;
        }
    }
    let bars = track.n_bars() as f64;
    counts
        .iter()
        .map(|&c| (1.0 - c as f64 / bars).powi(2))
        .sum::<f64>()
        .sqrt()
}
