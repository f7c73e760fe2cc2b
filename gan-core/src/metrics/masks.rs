//! The batch as bit masks: for each track, sample and time step, the set of sounding pitches in
//! the metric range, one bit per pitch. Every metric is a cheap pass over these masks, so
//! [`super::MetricSet`] reads the `f32` batch once.

use std::ops::Range;

use ndarray::ArrayView4;

use crate::roll::ShapeError;
use crate::roll::{check_batch_shape, N_PITCHES, STEPS_PER_BAR};

/// The MIDI pitches the metrics consider, as in the lab: C1 (24) up to B7 (107).
pub const METRIC_PITCHES: Range<usize> = 24..108;
/// The lowest pitch the metrics consider: bit 0 of a pitch mask.
pub const LOWEST_PITCH: usize = METRIC_PITCHES.start;
/// How many pitches the metrics consider: 84, seven octaves.
pub const N_METRIC_PITCHES: usize = METRIC_PITCHES.end - METRIC_PITCHES.start;

// Bit `i` stands for pitch `LOWEST_PITCH + i`; since that is a C, bit `i` has pitch class `i % 12`.
const _: () = assert!(LOWEST_PITCH % 12 == 0 && N_METRIC_PITCHES <= 128);

/// The sounding pitches of one track at one step: bit `i` is MIDI pitch `LOWEST_PITCH + i`.
pub(crate) type PitchMask = u128;

/// The pitch classes present in `mask`: bit `c` is pitch class `c` (C = 0, C# = 1, ..., B = 11).
pub(crate) fn pitch_classes(mask: PitchMask) -> u16 {
    let mut classes = 0;
    let mut rest = mask;
    while rest != 0 {
        classes |= rest & 0xFFF;
        rest >>= 12;
    }
    classes as u16
}

/// A batch as pitch masks, track by track: `masks[(k * N + n) * T + t]`.
pub(crate) struct PitchMasks {
    samples: usize,
    steps: usize,
    tracks: usize,
    masks: Vec<PitchMask>,
}

/// One track's masks over the whole batch, sample after sample.
#[derive(Clone, Copy)]
pub(crate) struct TrackMasks<'a> {
    masks: &'a [PitchMask],
    sample_steps: usize,
    samples: usize,
}

impl PitchMasks {
    /// Reads a batch after checking its shape: `(N ≥ 1, 16·B, 128, tracks ≥ 1)` with `B ≥ 1`.
    pub(crate) fn from_batch(batch: ArrayView4<'_, f32>) -> Result<Self, ShapeError> {
        check_metric_batch(&batch)?;
        let (samples, steps, _, tracks) = batch.dim();
        let mut masks = vec![0; tracks * samples * steps];
        // A contiguous copy only when the batch is not already contiguous, so `as_slice` always
        // succeeds; one `(128, tracks)` block per step. Reading the `f32`s bounds the run time.
        let standard = batch.as_standard_layout();
        let data = standard.as_slice().ok_or_else(|| shape_error(&batch))?;
        for (nt, step) in data.chunks_exact(N_PITCHES * tracks).enumerate() {
            let (n, t) = (nt / steps, nt % steps);
            for k in 0..tracks {
                masks[(k * samples + n) * steps + t] = step_mask(step, k, tracks);
            }
        }
        Ok(Self {
            samples,
            steps,
            tracks,
            masks,
        })
    }

    /// The masks of each track, in track order.
    pub(crate) fn tracks(&self) -> impl Iterator<Item = TrackMasks<'_>> {
        let per_track = self.samples * self.steps;
        (0..self.tracks).map(move |k| TrackMasks {
            masks: &self.masks[k * per_track..(k + 1) * per_track],
            sample_steps: self.steps,
            samples: self.samples,
        })
    }

    /// Applies a per-track metric to every track.
    pub(crate) fn map_tracks(&self, metric: impl Fn(TrackMasks<'_>) -> f64) -> Vec<f64> {
        self.tracks().map(metric).collect()
    }
}

impl<'a> TrackMasks<'a> {
    /// Every step of every sample.
    pub(crate) fn steps(&self) -> &'a [PitchMask] {
        self.masks
    }

    /// The steps of each sample.
    pub(crate) fn samples(&self) -> impl Iterator<Item = &'a [PitchMask]> {
        self.masks.chunks_exact(self.sample_steps)
    }

    /// The pitches sounding anywhere in each bar, over all samples' bars.
    pub(crate) fn bars(&self) -> impl Iterator<Item = PitchMask> + 'a {
        self.masks
            .chunks_exact(STEPS_PER_BAR)
            .map(|bar| bar.iter().fold(0, |acc, &m| acc | m))
    }

    /// The number of bars, `N · B`.
    pub(crate) fn n_bars(&self) -> usize {
        self.samples * self.sample_steps / STEPS_PER_BAR
    }
}

/// The mask of track `k` in one step's `(128, tracks)` block, built as two `u64` halves.
fn step_mask(step: &[f32], k: usize, tracks: usize) -> PitchMask {
    let on = |p: usize| step[p * tracks + k] > 0.0;
    let low = (0..64).fold(0u64, |m, i| m | u64::from(on(LOWEST_PITCH + i)) << i);
    let high =
        (64..N_METRIC_PITCHES).fold(0u64, |m, i| m | u64::from(on(LOWEST_PITCH + i)) << (i - 64));
    PitchMask::from(high) << 64 | PitchMask::from(low)
}

/// Checks a batch for the metrics: the lab layout, at least one sample and one track, and a
/// whole, nonzero number of 16-step bars.
pub(super) fn check_metric_batch(batch: &ArrayView4<'_, f32>) -> Result<(), ShapeError> {
    check_batch_shape(batch, None, None)?;
    let (samples, steps, _, tracks) = batch.dim();
    if samples == 0 || tracks == 0 || steps == 0 || steps % STEPS_PER_BAR != 0 {
        return Err(shape_error(batch));
    }
    Ok(())
}

/// The error for a batch the metrics cannot read.
fn shape_error(batch: &ArrayView4<'_, f32>) -> ShapeError {
    ShapeError {
        what: "metrics batch",
        expected: "(N ≥ 1, a positive multiple of 16 steps, 128, tracks ≥ 1)".into(),
        got: batch.shape().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    #[test]
    fn masks_keep_only_metric_pitches_on_cells() {
        let mut batch = Array4::from_elem((2, 16, 128, 3), -1.0f32);
        batch[[1, 5, 24, 2]] = 1.0; // bit 0
        batch[[1, 5, 107, 2]] = 0.3; // bit 83
        batch[[1, 5, 23, 2]] = 1.0; // below the range: ignored
        batch[[1, 5, 108, 2]] = 1.0; // above the range: ignored
        batch[[0, 0, 60, 0]] = 0.0; // not above zero: off
        let masks = PitchMasks::from_batch(batch.view()).unwrap();
        let tracks: Vec<_> = masks.tracks().collect();
        assert_eq!(tracks.len(), 3);
        assert!(tracks[0].steps().iter().all(|&m| m == 0));
        let expected = 1 | (1 << 83);
        assert_eq!(tracks[2].steps()[16 + 5], expected);
        assert_eq!(tracks[2].steps().iter().filter(|&&m| m != 0).count(), 1);
        assert_eq!(tracks[2].n_bars(), 2);
        assert_eq!(tracks[2].bars().collect::<Vec<_>>(), vec![0, expected]);
    }

    #[test]
    fn pitch_classes_fold_octaves() {
        // Bits 0 (C1), 12 (C2), 13 (C#2) and 83 (B7): classes C, C# and B.
        let mask = 1 | (1 << 12) | (1 << 13) | (1 << 83);
        assert_eq!(pitch_classes(mask), 0b1000_0000_0011);
    }

    #[test]
    fn shape_errors_name_the_rule() {
        for shape in [
            (1, 24, 128, 4),
            (0, 32, 128, 4),
            (1, 32, 128, 0),
            (1, 0, 128, 4),
        ] {
            let batch = Array4::<f32>::zeros(shape);
            let err = PitchMasks::from_batch(batch.view()).err().unwrap();
            assert!(err.to_string().contains("multiple of 16"), "{err}");
        }
        let batch = Array4::<f32>::zeros((1, 32, 64, 4));
        let err = PitchMasks::from_batch(batch.view()).err().unwrap();
        assert!(err.to_string().contains("[1, 32, 64, 4]"), "{err}");
    }
}
