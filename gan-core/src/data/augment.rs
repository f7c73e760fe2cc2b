//! Augmentation by transposition: a training snippet moved up or down by a few semitones is
//! still a chorale, in another key, so the model learns harmony that does not depend on the key.

use ndarray::{s, Array4, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A batch (B, steps, pitches, tracks) in {-1, +1} with snippet `i` moved by `shifts[i]`
/// semitones (all its tracks together); notes moved off the pitch axis are dropped.
pub fn transpose_batch(batch: &Array4<f32>, shifts: &[i32]) -> Array4<f32> {
    assert_eq!(batch.len_of(Axis(0)), shifts.len(), "one shift per snippet");
    let pitches = batch.len_of(Axis(2)) as i32;
    let mut out = Array4::from_elem(batch.raw_dim(), -1.0f32);
    for (i, &shift) in shifts.iter().enumerate() {
        let keep = pitches - shift.abs();
        if keep <= 0 {
            continue;
        }
        let (from, to) = if shift >= 0 { (0, shift) } else { (-shift, 0) };
        out.slice_mut(s![i, .., to..to + keep, ..])
            .assign(&batch.slice(s![i, .., from..from + keep, ..]));
    }
    out
}

/// The shifts of batch `index` of a stream: `n` draws in `-range..=range` from ChaCha8 seeded
/// with `seed` on stream `index`, so a resumed run draws the same ones.
pub fn random_shifts(seed: u64, index: u64, n: usize, range: u8) -> Vec<i32> {
    if range == 0 {
        return vec![0; n];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let r = i32::from(range);
    (0..n).map(|_| rng.random_range(-r..=r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposing_moves_every_track_and_drops_what_falls_off() {
        let mut batch = Array4::from_elem((2, 2, 10, 2), -1.0f32);
        batch[[0, 0, 4, 0]] = 1.0;
        batch[[0, 1, 9, 1]] = 1.0;
        batch[[1, 0, 1, 1]] = 1.0;
        let out = transpose_batch(&batch, &[2, -1]);
        // Snippet 0 up 2: pitch 4 → 6; pitch 9 → 11 is off the axis and dropped.
        assert_eq!(out[[0, 0, 6, 0]], 1.0);
        assert_eq!(
            out.slice(s![0, .., .., ..])
                .iter()
                .filter(|&&v| v > 0.0)
                .count(),
            1
        );
        // Snippet 1 down 1: pitch 1 → 0, on its own track.
        assert_eq!(out[[1, 0, 0, 1]], 1.0);
        assert_eq!(out.iter().filter(|&&v| v > 0.0).count(), 2);
        assert_eq!(transpose_batch(&batch, &[0, 0]), batch);
    }

    #[test]
    fn shifts_are_a_function_of_seed_and_index_within_range() {
        let a = random_shifts(7, 3, 200, 5);
        assert_eq!(a, random_shifts(7, 3, 200, 5));
        assert_ne!(a, random_shifts(7, 4, 200, 5));
        assert!(a.iter().all(|s| (-5..=5).contains(s)));
        assert!(a.contains(&-5) && a.contains(&5) && a.contains(&0));
        assert_eq!(random_shifts(7, 3, 4, 0), vec![0; 4]);
    }
}
