//! Note-level texture: how often a track sounds several pitches at once, and how many of its
//! notes are long enough to count (MuseGAN's polyphonicity and qualified-note rate).

use ndarray::ArrayView4;

use super::masks::{PitchMasks, TrackMasks};
use super::ratio;
use crate::roll::ShapeError;

/// The default [`polyphonic_rate`] threshold: a step is polyphonic with 2 or more pitches on.
///
/// pypianoroll and MuseGAN default to 2 (3 or more pitches), a chord in a multi-voice track; a
/// lab track is one chorale voice, so any second pitch is the defect worth counting.
pub const DEFAULT_POLYPHONY_THRESHOLD: usize = 1;

/// The default [`qualified_note_rate`] minimum length: 2 steps, an eighth note at 4 steps/beat.
///
/// MuseGAN counts notes of at least 3 steps at 24 steps per beat (a 32nd note); at the lab's 4
/// steps per beat a single step is already a 16th note, so 2 steps, pypianoroll's default
/// `threshold`, is the shortest length that tells a held note from a one-step blip.
pub const DEFAULT_MIN_NOTE_STEPS: usize = 2;

/// The fraction of sounding time steps with more than `threshold` pitches on, per track.
///
/// `polyphonic_rate[k] = #{(n, t) : c(n, t, k) > threshold} / #{(n, t) : c(n, t, k) ≥ 1}` where
/// `c(n, t, k)` is the number of on pitches of track k at step t of sample n, over pitches
/// 24..108; NaN when the track never sounds. The threshold follows pypianoroll ("more than
/// `threshold` pitches"); [`DEFAULT_POLYPHONY_THRESHOLD`] is 1.
///
/// pypianoroll's and MuseGAN's `polyphonic_rate` divide by *all* time steps; here only sounding
/// steps count, so the value does not fall as a track grows emptier (that is
/// [`super::empty_bar_rate`]'s job). Theirs equals this times the fraction of sounding steps.
pub fn polyphonic_rate(
    batch: ArrayView4<'_, f32>,
    threshold: usize,
) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(|t| polyphony(t, threshold)))
}

/// The fraction of notes at least `min_steps` steps long, per track.
///
/// A note is a maximal run of consecutive on-steps of one pitch within one sample (notes run
/// across bar lines and are cut at the sample's ends; a note still sounding at the last step
/// counts with the length it has so far).
/// `qualified_note_rate[k] = #{notes of track k with length ≥ min_steps} / #{notes of track k}`,
/// over pitches 24..108; NaN when the track has no note. `min_steps` of 0 or 1 makes every note
/// qualify; [`DEFAULT_MIN_NOTE_STEPS`] is 2 (an eighth note).
///
/// MuseGAN's "qualified note rate" uses `length ≥ 3` at 24 steps per beat and pypianoroll's
/// `length ≥ threshold = 2`; both use this ratio.
pub fn qualified_note_rate(
    batch: ArrayView4<'_, f32>,
    min_steps: usize,
) -> Result<Vec<f64>, ShapeError> {
    Ok(PitchMasks::from_batch(batch)?.map_tracks(|t| qualified(t, min_steps)))
}

/// Kernel of [`polyphonic_rate`].
pub(super) fn polyphony(track: TrackMasks<'_>, threshold: usize) -> f64 {
    let (poly, sounding) = track.steps().iter().fold((0u64, 0u64), |(p, s), &m| {
        let on = m.count_ones() as usize;
        (p + u64::from(on > threshold), s + u64::from(on > 0))
    });
    ratio(poly, sounding)
}

/// Kernel of [`qualified_note_rate`]: onsets are on bits that were off at the previous step (or
/// at the sample's first step); an onset at `t` qualifies when its bit stays on through step
/// `t + min_steps − 1` inside the sample.
pub(super) fn qualified(track: TrackMasks<'_>, min_steps: usize) -> f64 {
    let need = min_steps.max(1);
    let (mut good, mut notes) = (0u64, 0u64);
    for sample in track.samples() {
        let mut previous = 0;
        for (t, &mask) in sample.iter().enumerate() {
            let onsets = mask & !previous;
            previous = mask;
            if onsets == 0 {
                continue;
            }
            notes += u64::from(onsets.count_ones());
            if let Some(rest) = sample.get(t + 1..t + need) {
                good += u64::from(rest.iter().fold(onsets, |held, &m| held & m).count_ones());
            }
        }
    }
    ratio(good, notes)
}
