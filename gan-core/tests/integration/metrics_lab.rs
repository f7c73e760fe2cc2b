//! The lab's metrics on hand-built rolls: pitch-histogram distance and in-scale rate.

use crate::support::{assert_close, note, silent};
use gan_core::metrics::{in_scale_rate, pitch_histogram_distance, N_METRIC_PITCHES};

#[test]
fn pitch_histogram_distance_by_hand() {
    // Two samples of two bars: N·B = 4 bars.
    // Track 0: C4 (60) on for all 32 steps of both samples: 64 on-steps, h[60] = 64/4 = 16,
    //   other 83 pitches h = 0: sqrt(83·1² + (1-16)²) = sqrt(308).
    // Track 1: C4 for steps 0-3 of sample 0: h[60] = 4/4 = 1, contributes 0: sqrt(83).
    //   Its B0 (23) and C8 (108) notes are outside the range and change nothing.
    // Track 2: silent: sqrt(84).
    let mut b = silent(2, 32, 3);
    note(&mut b, 0, 0, 60, 0, 32);
    note(&mut b, 1, 0, 60, 0, 32);
    note(&mut b, 0, 1, 60, 0, 4);
    note(&mut b, 1, 1, 23, 0, 16);
    note(&mut b, 1, 1, 108, 0, 16);
    let v = pitch_histogram_distance(b.view()).unwrap();
    assert_close(&v, &[308f64.sqrt(), 83f64.sqrt(), 84f64.sqrt()]);
}

#[test]
fn pitch_histogram_distance_is_zero_for_one_step_per_pitch_per_bar() {
    // One bar, pitch 24+i on at step i mod 16: every pitch has exactly one on-step, h = 1.
    let mut b = silent(1, 16, 1);
    for i in 0..N_METRIC_PITCHES {
        note(&mut b, 0, 0, 24 + i, i % 16, 1);
    }
    assert_close(&pitch_histogram_distance(b.view()).unwrap(), &[0.0]);
}

#[test]
fn in_scale_rate_counts_note_steps_by_pitch_class() {
    // Track 0, one bar:
    //   C4 (60) 3 steps in C major, C#4 (61) 1 step out, B7 (107) 2 steps in,
    //   F#1 (30) 2 steps out (the lab's 7-semitone blocks would call it in),
    //   B0 (23) and C8 (108) 4 steps each, ignored.
    //   In: 3 + 2 = 5 of 3 + 1 + 2 + 2 = 8 note-steps: 5/8.
    // Track 1: silent: NaN. Track 2: only out-of-range notes: NaN.
    let mut b = silent(1, 16, 3);
    note(&mut b, 0, 0, 60, 0, 3);
    note(&mut b, 0, 0, 61, 3, 1);
    note(&mut b, 0, 0, 107, 4, 2);
    note(&mut b, 0, 0, 30, 6, 2);
    note(&mut b, 0, 0, 23, 8, 4);
    note(&mut b, 0, 0, 108, 12, 4);
    note(&mut b, 0, 2, 23, 0, 4);
    note(&mut b, 0, 2, 108, 0, 4);
    let v = in_scale_rate(b.view()).unwrap();
    assert_close(&v, &[5.0 / 8.0, f64::NAN, f64::NAN]);
}

#[test]
fn in_scale_rate_pools_samples() {
    // Sample 0: D4 (62) 4 steps in; sample 1: Eb4 (63) 4 steps out, G4 (67) 8 steps in,
    // the note crossing the bar line of a two-bar sample: (4 + 8) / 16 = 3/4.
    let mut b = silent(2, 32, 1);
    note(&mut b, 0, 0, 62, 0, 4);
    note(&mut b, 1, 0, 63, 0, 4);
    note(&mut b, 1, 0, 67, 12, 8);
    assert_close(&in_scale_rate(b.view()).unwrap(), &[0.75]);
}
