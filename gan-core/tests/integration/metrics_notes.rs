//! Note-level metrics on hand-built rolls: polyphonic rate and qualified-note rate.

use crate::support::{assert_close, note, silent};
use gan_core::metrics::{polyphonic_rate, qualified_note_rate, DEFAULT_MIN_NOTE_STEPS};
use ndarray::Array4;

/// One bar, two tracks. Track 0: C4 (60) steps 0-6, E4 (64) steps 4-6, G4 (67) step 6, and B0
/// (23, out of range) steps 0-3. Pitch counts per step: 1,1,1,1,2,2,3, then 9 silent steps.
/// Track 1: silent.
fn chord_batch() -> Array4<f32> {
    let mut b = silent(1, 16, 2);
    note(&mut b, 0, 0, 60, 0, 7);
    note(&mut b, 0, 0, 64, 4, 3);
    note(&mut b, 0, 0, 67, 6, 1);
    note(&mut b, 0, 0, 23, 0, 4);
    b
}

#[test]
fn polyphonic_rate_over_sounding_steps() {
    let b = chord_batch();
    // 7 sounding steps; more than 1 pitch at steps 4, 5, 6: 3/7 (B0 does not make 0-3 count).
    assert_close(
        &polyphonic_rate(b.view(), 1).unwrap(),
        &[3.0 / 7.0, f64::NAN],
    );
    // More than 2 pitches: step 6 only: 1/7.
    assert_close(
        &polyphonic_rate(b.view(), 2).unwrap(),
        &[1.0 / 7.0, f64::NAN],
    );
    // More than 0: every sounding step.
    assert_close(&polyphonic_rate(b.view(), 0).unwrap(), &[1.0, f64::NAN]);
}

/// Two samples of two bars, two tracks. Track 0 notes and their lengths:
/// - sample 0: C4 (60) step 0 (1); D4 (62) steps 2-3 (2); E4 (64) steps 14-17 (4, one note across
///   the bar line); F4 (65) step 31 (1, cut at the sample's end); G4 (67) steps 30-31 (2).
/// - sample 1: G4 (67) step 0 (1: a new note, samples are not joined); C4 (60) steps 0-2 (3);
///   C4 again at step 4 (1, after a rest); B0 (23) steps 0-7, ignored.
///
/// Track 1: silent. Lengths: 1, 2, 4, 1, 2, 1, 3, 1: 8 notes.
fn melody_batch() -> Array4<f32> {
    let mut b = silent(2, 32, 2);
    note(&mut b, 0, 0, 60, 0, 1);
    note(&mut b, 0, 0, 62, 2, 2);
    note(&mut b, 0, 0, 64, 14, 4);
    note(&mut b, 0, 0, 65, 31, 1);
    note(&mut b, 0, 0, 67, 30, 2);
    note(&mut b, 1, 0, 67, 0, 1);
    note(&mut b, 1, 0, 60, 0, 3);
    note(&mut b, 1, 0, 60, 4, 1);
    note(&mut b, 1, 0, 23, 0, 8);
    b
}

#[test]
fn qualified_note_rate_by_hand() {
    let b = melody_batch();
    let rate = |min| qualified_note_rate(b.view(), min).unwrap();
    // At least 2 steps: 2, 4, 2, 3: 4/8.
    assert_close(&rate(DEFAULT_MIN_NOTE_STEPS), &[0.5, f64::NAN]);
    // At least 3 steps: 4, 3: 2/8 (it would be 3/7 if G4 were joined across samples).
    assert_close(&rate(3), &[0.25, f64::NAN]);
    // At least 4: the bar-crossing E4 only (it would be two 2-step notes if cut at the bar line).
    assert_close(&rate(4), &[0.125, f64::NAN]);
    // At least 5: none. At least 0 or 1: all.
    assert_close(&rate(5), &[0.0, f64::NAN]);
    assert_close(&rate(1), &[1.0, f64::NAN]);
    assert_close(&rate(0), &[1.0, f64::NAN]);
}

#[test]
fn note_running_to_the_end_keeps_its_length() {
    // One bar, C4 from step 13 to the end (3 steps): qualifies at 3, not at 4.
    let mut b = silent(1, 16, 1);
    note(&mut b, 0, 0, 60, 13, 3);
    assert_close(&qualified_note_rate(b.view(), 3).unwrap(), &[1.0]);
    assert_close(&qualified_note_rate(b.view(), 4).unwrap(), &[0.0]);
}
