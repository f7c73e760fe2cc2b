//! Bar metrics on hand-built rolls: empty bars, pitches, pitch classes and range per bar.

use crate::support::{assert_close, note, silent};
use gan_core::metrics::{empty_bar_rate, pitch_classes_used, pitch_range, pitches_used};
use ndarray::Array4;

const NAN: f64 = f64::NAN;

/// Two samples of two bars, three tracks.
///
/// Track 0:
/// - sample 0, bar 0: C4 (60) steps 0-3, E4 (64) steps 4-7, C5 (72) steps 8-11; bar 1 empty.
/// - sample 1: D4 (62) steps 14-17, crossing the bar line, so it sounds in bars 0 and 1;
///   C#4 (61) steps 16-19 in bar 1.
///
/// Track 1: B0 (23) in sample 0 bar 0 and C8 (108) in sample 0 bar 1, both outside the metric
/// range; B7 (107) at step 20 of sample 1 (bar 1).
///
/// Track 2: silent.
fn two_bar_batch() -> Array4<f32> {
    let mut b = silent(2, 32, 3);
    note(&mut b, 0, 0, 60, 0, 4);
    note(&mut b, 0, 0, 64, 4, 4);
    note(&mut b, 0, 0, 72, 8, 4);
    note(&mut b, 1, 0, 62, 14, 4);
    note(&mut b, 1, 0, 61, 16, 4);
    note(&mut b, 0, 1, 23, 0, 8);
    note(&mut b, 0, 1, 108, 16, 8);
    note(&mut b, 1, 1, 107, 20, 1);
    b
}

#[test]
fn empty_bar_rate_counts_bars_over_samples() {
    // Track 0: bars (s0,b0) on, (s0,b1) empty, (s1,b0) on (D4 from step 14), (s1,b1) on: 1/4.
    // Track 1: only (s1,b1) has an in-range note (23 and 108 are ignored): 3/4.
    // Track 2: 4/4.
    let v = empty_bar_rate(two_bar_batch().view()).unwrap();
    assert_close(&v, &[0.25, 0.75, 1.0]);
}

#[test]
fn pitches_used_averages_non_empty_bars() {
    // Track 0: (s0,b0) {60,64,72} = 3, (s1,b0) {62} = 1, (s1,b1) {61,62} = 2: (3+1+2)/3 = 2.
    // Track 1: (s1,b1) {107} = 1. Track 2: no non-empty bar: NaN.
    let v = pitches_used(two_bar_batch().view()).unwrap();
    assert_close(&v, &[2.0, 1.0, NAN]);
}

#[test]
fn pitch_classes_used_folds_octaves() {
    // Track 0: (s0,b0) {C, E, C} = 2, (s1,b0) {D} = 1, (s1,b1) {C#, D} = 2: 5/3.
    let v = pitch_classes_used(two_bar_batch().view()).unwrap();
    assert_close(&v, &[5.0 / 3.0, 1.0, NAN]);
}

#[test]
fn pitch_range_is_per_bar() {
    // Track 0: (s0,b0) 72-60 = 12, (s1,b0) 0, (s1,b1) 62-61 = 1: 13/3.
    // Track 1: 0 (it would be 107-23 = 84 if the ignored pitches counted).
    let v = pitch_range(two_bar_batch().view()).unwrap();
    assert_close(&v, &[13.0 / 3.0, 0.0, NAN]);
}

#[test]
fn single_bar_at_the_range_edges() {
    // One bar: C1 (24), C2 (36) and B7 (107), one step each.
    // Pitches 3, classes {C, B} = 2, range 107-24 = 83, no empty bar.
    let mut b = silent(1, 16, 1);
    note(&mut b, 0, 0, 24, 0, 1);
    note(&mut b, 0, 0, 36, 5, 1);
    note(&mut b, 0, 0, 107, 15, 1);
    assert_close(&empty_bar_rate(b.view()).unwrap(), &[0.0]);
    assert_close(&pitches_used(b.view()).unwrap(), &[3.0]);
    assert_close(&pitch_classes_used(b.view()).unwrap(), &[2.0]);
    assert_close(&pitch_range(b.view()).unwrap(), &[83.0]);
}

#[test]
fn soft_values_count_when_above_zero() {
    // A generator's tanh output: 0.1 is on, 0.0 and -0.1 are off.
    let mut b = Array4::<f32>::zeros((1, 16, 128, 1));
    b[[0, 3, 60, 0]] = 0.1;
    b[[0, 4, 62, 0]] = -0.1;
    assert_close(&pitches_used(b.view()).unwrap(), &[1.0]);
}

#[test]
fn bad_shapes_are_errors() {
    let not_bars = silent(1, 24, 4);
    let err = empty_bar_rate(not_bars.view()).unwrap_err();
    assert!(err.to_string().contains("[1, 24, 128, 4]"), "{err}");
    let no_samples = silent(0, 32, 4);
    assert!(pitches_used(no_samples.view()).is_err());
}
