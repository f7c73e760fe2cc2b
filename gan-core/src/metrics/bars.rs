//! Bar-level metrics: how many bars are empty, and how many pitches, pitch classes and semitones
//! the non-empty bars use (MuseGAN's per-bar definitions, averaged over non-empty bars).

use ndarray::ArrayView4;

use super::masks::{pitch_classes, PitchMasks, TrackMasks};
use super::{mean, ratio};
use crate::roll::ShapeError;

/// The fraction of bars in which the track plays no note, per track.
///
/// `empty_bar_rate[k] = #{(n, b) : bar b of sample n has no on cell of track k} / (N · B)`,
/// over pitches 24..108. A silent track scores 1.
///
/// The lab's `EmptyBarRateMetricCreator` (like MuseGAN's `empty_bar_rate`) returns the
/// opposite, the *non-empty* bar rate `mean(any(x > 0.5))`; this is `1 −` that (and counts
/// `x > 0`, the crate's on-cell rule, where the lab counts `x > 0.5`).
pub fn empty_bar_rate(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(empty_rate))
}

/// The mean number of distinct pitches used in a non-empty bar, per track.
///
/// `pitches_used[k] = mean over non-empty bars (n, b) of |{p : pitch p is on at some step of the
/// bar}|`, over pitches 24..108; NaN when track k has no non-empty bar. This is MuseGAN's per-bar
/// "number of used pitches" (its v1 evaluation averages over non-empty bars only, as here);
/// pypianoroll's `n_pitches_used` counts over a whole roll instead.
pub fn pitches_used(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(mean_pitches))
}

/// The mean number of distinct pitch classes used in a non-empty bar, per track.
///
/// `pitch_classes_used[k] = mean over non-empty bars of |{p mod 12 : pitch p is on in the bar}|`
/// (0 to 12), over pitches 24..108; NaN when track k has no non-empty bar. MuseGAN's "UPC".
pub fn pitch_classes_used(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(mean_pitch_classes))
}

/// The mean pitch range of a non-empty bar in semitones, per track.
///
/// `pitch_range[k] = mean over non-empty bars of (highest on pitch − lowest on pitch)` within
/// the bar, over pitches 24..108; 0 for a bar with one pitch; NaN when track k has no non-empty
/// bar. pypianoroll's `pitch_range` takes the range of a whole roll; per bar keeps this in line
/// with the other bar metrics and measures a voice's movement within a bar.
pub fn pitch_range(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(mean_range))
}

/// Kernel of [`empty_bar_rate`].
pub(super) fn empty_rate(track: TrackMasks<'_>) -> f64 {
    let empty = track.bars().filter(|&bar| bar == 0).count();
    ratio(empty as u64, track.n_bars() as u64)
}

/// Kernel of [`pitches_used`].
pub(super) fn mean_pitches(track: TrackMasks<'_>) -> f64 {
    mean(non_empty(track).map(|bar| u64::from(bar.count_ones())))
}

/// Kernel of [`pitch_classes_used`].
pub(super) fn mean_pitch_classes(track: TrackMasks<'_>) -> f64 {
    mean(non_empty(track).map(|bar| u64::from(pitch_classes(bar).count_ones())))
}

/// Kernel of [`pitch_range`].
pub(super) fn mean_range(track: TrackMasks<'_>) -> f64 {
    mean(non_empty(track).map(|bar| u64::from(127 - bar.leading_zeros() - bar.trailing_zeros())))
}

/// The pitch masks of the track's non-empty bars.
fn non_empty(track: TrackMasks<'_>) -> impl Iterator<Item = u128> + '_ {
    track.bars().filter(|&bar| bar != 0)
}
