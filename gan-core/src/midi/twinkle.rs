//! "Twinkle Twinkle Little Star", the traditional tune the lab conditions its generator on,
//! written out from our own note list: 12 bars of 4/4 in C major, C4 = MIDI 60.
//!
//! The tune is A A' B B A A' in two-bar phrases. A quarter note sounds for 3 of its 4 steps and
//! rests for one, so repeated notes (C C, G G, …) stay separate notes in a piano roll; the half
//! notes that end each phrase sound for all 8 of their steps, so the roll ends on a sounding step.

use ndarray::Array2;

use crate::roll::{Multitrack, Track, DEFAULT_TEMPO_BPM, N_PITCHES, STEPS_PER_BEAT};

/// The velocity of every note.
const VELOCITY: u8 = 100;

/// "Twinkle, twinkle, little star": (MIDI pitch, beats).
#[rustfmt::skip]
const PHRASE_A: [(usize, usize); 7] = [(60, 1), (60, 1), (67, 1), (67, 1), (69, 1), (69, 1), (67, 2)];
/// "How I wonder what you are": (MIDI pitch, beats).
#[rustfmt::skip]
const PHRASE_A2: [(usize, usize); 7] = [(65, 1), (65, 1), (64, 1), (64, 1), (62, 1), (62, 1), (60, 2)];
/// "Up above the world so high" and "Like a diamond in the sky": (MIDI pitch, beats).
#[rustfmt::skip]
const PHRASE_B: [(usize, usize); 7] = [(67, 1), (67, 1), (65, 1), (65, 1), (64, 1), (64, 1), (62, 2)];

/// The lab's inference melody: one track "Melody", 4 steps per beat, 100 bpm, 192 steps.
pub fn twinkle_twinkle() -> Multitrack {
    let tune = [PHRASE_A, PHRASE_A2, PHRASE_B, PHRASE_B, PHRASE_A, PHRASE_A2];
    let notes: Vec<(usize, usize)> = tune.iter().flatten().copied().collect();
    let steps = notes.iter().map(|&(_, beats)| beats).sum::<usize>() * STEPS_PER_BEAT;
    let mut roll = Array2::zeros((steps, N_PITCHES));
    let mut t = 0;
    for (pitch, beats) in notes {
        let length = beats * STEPS_PER_BEAT;
        let sounding = if beats == 1 { length - 1 } else { length };
        for step in t..t + sounding {
            roll[[step, pitch]] = VELOCITY;
        }
        t += length;
    }
    Multitrack::new(
        STEPS_PER_BEAT,
        DEFAULT_TEMPO_BPM,
        vec![Track::new("Melody", 0, roll)],
    )
}
