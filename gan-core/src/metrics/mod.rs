//! The lab's music-quality metrics and the usual MuseGAN/pypianoroll set.
//!
//! Every metric reads a batch in the lab layout, `x[n, t, p, k]` of shape `(N, T, 128, tracks)`,
//! and returns one value per track, computed over the whole batch as one set. Conventions, as in
//! the lab:
//!
//! - a cell is *on* when `x > 0` (the lab's `{-1, +1}` rolls and a generator's `tanh` output
//!   alike; NaN counts as off);
//! - only the 84 pitches `24..108` (C1 to B7, [`METRIC_PITCHES`]) count: notes below or above
//!   are ignored by every metric;
//! - `T` is a positive multiple of 16 and each sample is cut into `B = T / 16` bars of 16 steps
//!   (4/4 at 4 steps per beat); a note that crosses a bar line sounds in both bars;
//! - a *note* is a maximal run of consecutive on-steps of one pitch within one sample (a binary
//!   roll cannot tell a held note from repeated ones).
//!
//! A ratio whose denominator is zero (say, the in-scale rate of a track with no notes) is NaN,
//! never a made-up score; [`MetricSet`] writes NaN as JSON `null` and reads it back.
//!
//! The families, one file each: bar occupancy and pitch usage per bar ([`empty_bar_rate`],
//! [`pitches_used`], [`pitch_classes_used`], [`pitch_range`]), the lab's pitch histogram
//! ([`pitch_histogram_distance`]), tonality ([`in_scale_rate`]), and note-level texture
//! ([`polyphonic_rate`], [`qualified_note_rate`]). Beside them, [`Key`] finds a piece's key and
//! how many of its notes stay in it (the composer's check on its accompaniment), and [`AsLab`]
//! computes three metrics as the lab's own code did, bugs included, for comparison.

mod as_lab;
mod bars;
pub mod harmony;
mod key;
mod lab;
mod masks;
mod notes;
mod scale;
mod set;
mod table;
pub mod voice_leading;

pub use as_lab::{lab_beside_ours, uniform_noise, AsLab};
pub use bars::{empty_bar_rate, pitch_classes_used, pitch_range, pitches_used};
pub use harmony::{Harmony, HarmonyReference};
pub use key::{Key, KeyMode, KeyParseError};
pub use lab::pitch_histogram_distance;
pub use masks::{LOWEST_PITCH, METRIC_PITCHES, N_METRIC_PITCHES};
pub use notes::{
    polyphonic_rate, qualified_note_rate, DEFAULT_MIN_NOTE_STEPS, DEFAULT_POLYPHONY_THRESHOLD,
};
pub use scale::{
    in_key_beside_c_major, in_key_rate, in_scale_rate, snippet_keys, C_MAJOR_PITCH_CLASSES,
};
pub use set::{MetricOptions, MetricSet};
pub use voice_leading::{BachReference, VoiceLeading};

/// `num / den`, or NaN when `den` is zero.
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}

/// The mean of the finite `values`, or NaN when there are none.
pub(crate) fn finite_mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// The mean of `values`, or NaN when there are none.
fn mean(values: impl Iterator<Item = u64>) -> f64 {
    let (sum, count) = values.fold((0, 0), |(s, c), v| (s + v, c + 1));
    ratio(sum, count)
}
