//! Hand-built rolls and batches, and NaN-aware comparisons, shared by the integration tests.
#![allow(dead_code)]

use gan_core::roll::N_PITCHES;
use ndarray::{Array2, Array4};

/// A silent batch in the lab layout: `(samples, steps, 128, tracks)` filled with -1.
pub fn silent(samples: usize, steps: usize, tracks: usize) -> Array4<f32> {
    Array4::from_elem((samples, steps, N_PITCHES, tracks), -1.0)
}

/// Turns on `pitch` of `track` in `sample` for the steps `start..start + len`.
pub fn note(
    batch: &mut Array4<f32>,
    sample: usize,
    track: usize,
    pitch: usize,
    start: usize,
    len: usize,
) {
    for t in start..start + len {
        batch[[sample, t, pitch, track]] = 1.0;
    }
}

/// Asserts that `actual` equals `expected` within 1e-12, NaN matching NaN.
pub fn assert_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        let same = (a.is_nan() && e.is_nan()) || (a - e).abs() < 1e-12;
        assert!(same, "{actual:?} vs {expected:?}");
    }
}

/// A roll of `steps` steps with the notes (pitch, first step, end step, velocity).
pub fn roll(steps: usize, notes: &[(usize, usize, usize, u8)]) -> Array2<u8> {
    let mut out = Array2::zeros((steps, N_PITCHES));
    for &(pitch, start, end, vel) in notes {
        for t in start..end {
            out[[t, pitch]] = vel;
        }
    }
    out
}
