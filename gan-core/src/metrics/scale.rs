//! Tonality: the share of sounding notes that belong to the C major scale.

use ndarray::ArrayView4;

use super::key::Key;
use super::masks::{
    check_metric_batch, PitchMask, PitchMasks, TrackMasks, METRIC_PITCHES, N_METRIC_PITCHES,
};
use super::ratio;
use crate::roll::ShapeError;

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

/// The key of each snippet of `batch` `(N, T, 128, tracks)`, found from the time each pitch
/// class is on in all its tracks; `None` for a silent snippet.
pub fn snippet_keys(batch: ArrayView4<'_, f32>) -> Result<Vec<Option<Key>>, ShapeError> {
    check_metric_batch(&batch)?;
    Ok(batch
        .outer_iter()
        .map(|snippet| {
            let mut durations = [0.0f64; 12];
            for ((_, p, _), &x) in snippet.indexed_iter() {
                if x > 0.0 && METRIC_PITCHES.contains(&p) {
                    durations[p % 12] += 1.0;
                }
            }
            Key::from_durations(&durations)
        })
        .collect())
}

/// The fraction of on cells in their snippet's own key, per track: snippet `n` of `batch` is
/// judged in `keys[n]` (e.g. the keys of Bach's snippets, for Bach's voices and for the
/// generator's on the same melodies); a snippet without a key is left out. NaN for a track
/// with no on cell in a keyed snippet.
pub fn in_key_rate(
    batch: ArrayView4<'_, f32>,
    keys: &[Option<Key>],
) -> Result<Vec<f64>, ShapeError> {
    check_metric_batch(&batch)?;
    let (samples, _, _, tracks) = batch.dim();
    if keys.len() != samples {
        return Err(ShapeError {
            what: "keys for the in-key rate",
            expected: format!("one per snippet ({samples})"),
            got: vec![keys.len()],
        });
    }
    let mut counts = vec![(0u64, 0u64); tracks];
    for (snippet, key) in batch.outer_iter().zip(keys) {
        let Some(key) = key else { continue };
        for ((_, p, k), &x) in snippet.indexed_iter() {
            if x > 0.0 && METRIC_PITCHES.contains(&p) {
                counts[k].1 += 1;
                counts[k].0 += u64::from(key.contains(p as u8));
            }
        }
    }
    Ok(counts.into_iter().map(|(i, a)| ratio(i, a)).collect())
}

/// A table of each voice's share of notes in the key, judged in each snippet's own key (found
/// from Bach's snippet) and in C major (the lab's rule), for Bach's snippets `real` and the
/// generator's `generated` on the same melodies.
pub fn in_key_beside_c_major(
    real: ArrayView4<'_, f32>,
    generated: ArrayView4<'_, f32>,
) -> Result<String, ShapeError> {
    let keys = snippet_keys(real)?;
    let columns = [
        in_key_rate(real, &keys)?,
        in_scale_rate(real)?,
        in_key_rate(generated, &keys)?,
        in_scale_rate(generated)?,
    ];
    let header = [
        "voice",
        "Bach: own key",
        "Bach: C major",
        "gen.: own key",
        "gen.: C major",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for (k, name) in crate::roll::VOICE_NAMES.iter().enumerate() {
        let mut row = vec![name.to_string()];
        for column in &columns {
            let v = column.get(k).copied().unwrap_or(f64::NAN);
            row.push(format!("{:.1}%", 100.0 * v));
        }
        rows.push(row);
    }
    Ok(super::table::text_table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_in_d_major_is_judged_in_d_major_not_c() {
        // D major triad and scale tones (D E F# G A), each held 3 steps, then an F natural.
        let mut batch = ndarray::Array4::from_elem((1, 16, 128, 1), -1.0f32);
        for (i, p) in [62usize, 64, 66, 67, 69].into_iter().enumerate() {
            for t in 3 * i..3 * i + 3 {
                batch[[0, t, p, 0]] = 1.0;
            }
        }
        batch[[0, 15, 65, 0]] = 1.0;
        let keys = snippet_keys(batch.view()).unwrap();
        assert_eq!(keys[0].map(|k| k.to_string()), Some("D major".to_string()));
        let rate = in_key_rate(batch.view(), &keys).unwrap();
        assert!((rate[0] - 15.0 / 16.0).abs() < 1e-12, "{rate:?}");
        // In C major, F# (3 steps) is out and F (1 step) is in: 13 of 16.
        assert!((in_scale_rate(batch.view()).unwrap()[0] - 13.0 / 16.0).abs() < 1e-12);
        assert!(in_key_rate(batch.view(), &[]).is_err());
        let table = in_key_beside_c_major(batch.view(), batch.view()).unwrap();
        assert!(table.lines().nth(1).unwrap().contains("93.8%"), "{table}");
        assert!(table.lines().nth(1).unwrap().contains("81.2%"), "{table}");
    }

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
