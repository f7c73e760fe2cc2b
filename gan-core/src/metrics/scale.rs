//! Tonality: the share of sounding notes that belong to the C major scale.

use ndarray::ArrayView4;

use super::masks::{PitchMask, PitchMasks, TrackMasks, N_METRIC_PITCHES};
use super::ratio;
use crate::error::ShapeError;

/// The pitch classes of C major, {C, D, E, F, G, A, B} = {0, 2, 4, 5, 7, 9, 11}, as a 12-bit set.
pub const C_MAJOR_PITCH_CLASSES: u16 = 0b1010_1011_0101;

/// The metric pitches whose class is in C major (bit `i` has pitch class `i % 12`).
const C_MAJOR_PITCHES: PitchMask = {
    let mut mask = 0;
    let mut i = 0;
    while i < N_METRIC_PITCHES {
        if C_MAJOR_PITCH_CLASSES & (1 << (i % 12)) != 0 {
            mask |= 1 << i;
        }
        i += 1;
    }
    mask
};

/// The fraction of on cells (note-steps) whose pitch is in the C major scale, per track.
///
/// `in_scale_rate[k] = #{on cells (n, t, p) of track k with p mod 12 ∈ {0, 2, 4, 5, 7, 9, 11}}
/// / #{on cells (n, t, p) of track k}`, over pitches 24..108; a note held for 3 steps weighs 3.
/// NaN when track k has no on cell (so a silent track never passes for a score).
///
/// The lab's `InScaleRateMetricCreator` (MuseGAN's `to_chroma`) reshapes the 84 pitches as
/// `(12, 7)` and sums the last axis, so its "pitch class" `c` is the block of 7 *consecutive*
/// semitones `24 + 7c ..= 30 + 7c`, not `p mod 12`: it counts pitches 24–30, 38–44, 52–65, 73–79,
/// 87–93 and 101–107 as "in scale"; and it sums the raw values (`-1` cells included) rather than
/// counting on cells. This function counts on cells and folds by true pitch class. Like the lab's,
/// the scale is fixed to C major, whatever key the music is in.
pub fn in_scale_rate(batch: ArrayView4<'_, f32>) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(in_scale))
}

/// Kernel of [`in_scale_rate`].
pub(super) fn in_scale(track: TrackMasks<'_>) -> f64 {
    let (inside, all) = track.steps().iter().fold((0u64, 0u64), |(i, a), &m| {
        (
            i + u64::from((m & C_MAJOR_PITCHES).count_ones()),
            a + u64::from(m.count_ones()),
        )
    });
    ratio(inside, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_major_mask_has_seven_pitches_per_octave() {
        assert_eq!(C_MAJOR_PITCHES.count_ones(), 7 * 7);
        // Bit 0 is C1 (in), bit 1 is C#1 (out), bit 11 is B1 (in), bit 83 is B7 (in).
        assert_eq!(C_MAJOR_PITCHES & 0b11, 0b01);
        assert_ne!(C_MAJOR_PITCHES & (1 << 11), 0);
        assert_ne!(C_MAJOR_PITCHES & (1 << 83), 0);
        assert_eq!(C_MAJOR_PITCHES >> N_METRIC_PITCHES, 0);
    }
}
