//! Traditional tunes to compose for, written out from our own note lists (public-domain
//! melodies, our transcriptions): several keys, major and minor, with pickups and rests. They
//! ship as `data/melodies/<name>.mid` (written by the `make_melodies` example) and the tests
//! hold the composed accompaniments to the voice-leading targets.
//!
//! A note shorter than a half note sounds for all but its last step, so that repeated pitches
//! stay separate notes in a piano roll (as in [`twinkle_twinkle`](super::twinkle_twinkle)).

use ndarray::Array2;

use crate::metrics::Key;
use crate::roll::{Multitrack, Track, N_PITCHES, STEPS_PER_BAR, STEPS_PER_BEAT};

/// A rest, in a tune's note list.
pub const REST: u8 = 0;
/// The velocity of every note.
const VELOCITY: u8 = 100;

/// A melody: its notes as (MIDI pitch or [`REST`], length in 16th-note steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tune {
    /// The file stem, e.g. "ode_to_joy".
    pub name: &'static str,
    /// The title.
    pub title: &'static str,
    /// Its key, e.g. "D major".
    pub key: &'static str,
    /// Steps before the first barline.
    pub pickup_steps: usize,
    /// Beats per minute.
    pub tempo_bpm: f64,
    /// The notes and rests in order.
    pub notes: &'static [(u8, usize)],
}

impl Tune {
    /// The length in steps.
    pub fn steps(&self) -> usize {
        self.notes.iter().map(|&(_, len)| len).sum()
    }

    /// The full bars after the pickup.
    pub fn bars(&self) -> usize {
        self.steps().saturating_sub(self.pickup_steps) / STEPS_PER_BAR
    }

    /// The key it is written in.
    pub fn key(&self) -> Option<Key> {
        let (tonic, mode) = self.key.split_once(' ')?;
        Key::named(tonic, mode)
    }

    /// The tune as one track named "Melody", at 4 steps per beat (a pitch over 127 is left
    /// out).
    pub fn to_multitrack(&self) -> Multitrack {
        let mut roll = Array2::zeros((self.steps(), N_PITCHES));
        let mut t = 0;
        for &(pitch, len) in self.notes {
            if pitch != REST && usize::from(pitch) < N_PITCHES {
                let sounding = if len < 2 * STEPS_PER_BEAT {
                    len.saturating_sub(1).max(1).min(len)
                } else {
                    len
                };
                for step in t..t + sounding {
                    roll[[step, usize::from(pitch)]] = VELOCITY;
                }
            }
            t += len;
        }
        let melody = Track::new("Melody", 0, roll);
        Multitrack::new(STEPS_PER_BEAT, self.tempo_bpm, vec![melody])
    }
}

/// The tune called `name`, if there is one.
pub fn tune(name: &str) -> Option<&'static Tune> {
    TUNES.iter().find(|t| t.name == name)
}

/// Every tune.
pub const TUNES: &[Tune] = &[
    ODE_TO_JOY,
    AULD_LANG_SYNE,
    WHEN_THE_SAINTS,
    GOD_REST_YE,
    FRERE_JACQUES_MINOR,
];

/// Beethoven's "Ode to Joy" (the tune of the Ninth's finale), D major, 16 bars.
const ODE_TO_JOY: Tune = Tune {
    name: "ode_to_joy",
    title: "Ode to Joy",
    key: "D major",
    pickup_steps: 0,
    tempo_bpm: 100.0,
    #[rustfmt::skip]
    notes: &[
        (66, 4), (66, 4), (67, 4), (69, 4),   (69, 4), (67, 4), (66, 4), (64, 4),
        (62, 4), (62, 4), (64, 4), (66, 4),   (66, 6), (64, 2), (64, 8),
        (66, 4), (66, 4), (67, 4), (69, 4),   (69, 4), (67, 4), (66, 4), (64, 4),
        (62, 4), (62, 4), (64, 4), (66, 4),   (64, 6), (62, 2), (62, 8),
        (64, 4), (64, 4), (66, 4), (62, 4),   (64, 4), (66, 2), (67, 2), (66, 4), (62, 4),
        (64, 4), (66, 2), (67, 2), (66, 4), (64, 4),   (62, 4), (64, 4), (57, 8),
        (66, 4), (66, 4), (67, 4), (69, 4),   (69, 4), (67, 4), (66, 4), (64, 4),
        (62, 4), (62, 4), (64, 4), (66, 4),   (64, 6), (62, 2), (62, 8),
    ],
};

/// "Auld Lang Syne", F major, a quarter-note pickup, 8 bars.
const AULD_LANG_SYNE: Tune = Tune {
    name: "auld_lang_syne",
    title: "Auld Lang Syne",
    key: "F major",
    pickup_steps: 4,
    tempo_bpm: 90.0,
    #[rustfmt::skip]
    notes: &[
        (60, 4),
        (65, 6), (65, 2), (65, 4), (69, 4),   (67, 6), (65, 2), (67, 4), (69, 4),
        (65, 6), (65, 2), (69, 4), (72, 4),   (74, 12), (74, 4),
        (72, 6), (69, 2), (69, 4), (65, 4),   (67, 6), (65, 2), (67, 4), (69, 4),
        (65, 6), (62, 2), (62, 4), (60, 4),   (65, 12), (REST, 4),
    ],
};

/// "When the Saints Go Marching In", G major, a three-beat pickup, rests between phrases,
/// 15 bars.
const WHEN_THE_SAINTS: Tune = Tune {
    name: "when_the_saints",
    title: "When the Saints Go Marching In",
    key: "G major",
    pickup_steps: 12,
    tempo_bpm: 120.0,
    #[rustfmt::skip]
    notes: &[
        (67, 4), (71, 4), (72, 4),
        (74, 16),   (REST, 4), (67, 4), (71, 4), (72, 4),
        (74, 16),   (REST, 4), (67, 4), (71, 4), (72, 4),
        (74, 8), (71, 8),   (67, 8), (71, 8),   (69, 16),
        (REST, 4), (71, 4), (71, 4), (69, 4),   (67, 12), (67, 4),
        (71, 8), (74, 4), (74, 4),   (72, 16),
        (REST, 4), (67, 4), (71, 4), (72, 4),   (74, 8), (71, 8),
        (67, 8), (69, 8),   (67, 12), (REST, 4),
    ],
};

/// "God Rest Ye Merry, Gentlemen", A minor, a quarter-note pickup, 16 bars.
const GOD_REST_YE: Tune = Tune {
    name: "god_rest_ye",
    title: "God Rest Ye Merry, Gentlemen",
    key: "A minor",
    pickup_steps: 4,
    tempo_bpm: 100.0,
    #[rustfmt::skip]
    notes: &[
        (69, 4),
        (69, 4), (76, 4), (76, 4), (74, 4),   (72, 4), (71, 4), (69, 4), (67, 4),
        (69, 4), (71, 4), (72, 4), (74, 4),   (76, 12), (69, 4),
        (69, 4), (76, 4), (76, 4), (74, 4),   (72, 4), (71, 4), (69, 4), (67, 4),
        (69, 4), (71, 4), (72, 4), (74, 4),   (76, 12), (76, 4),
        (77, 4), (74, 4), (76, 4), (77, 4),   (79, 4), (81, 4), (76, 4), (74, 4),
        (72, 4), (69, 4), (71, 4), (72, 4),   (74, 8), (72, 4), (74, 4),
        (76, 8), (77, 4), (76, 4),   (76, 4), (74, 4), (72, 4), (71, 4),
        (69, 8), (72, 4), (71, 4),   (69, 12), (REST, 4),
    ],
};

/// "Frère Jacques" in D minor, as Mahler quotes it in his First Symphony, 8 bars.
const FRERE_JACQUES_MINOR: Tune = Tune {
    name: "frere_jacques_minor",
    title: "Frère Jacques (in minor)",
    key: "D minor",
    pickup_steps: 0,
    tempo_bpm: 80.0,
    #[rustfmt::skip]
    notes: &[
        (62, 4), (64, 4), (65, 4), (62, 4),   (62, 4), (64, 4), (65, 4), (62, 4),
        (65, 4), (67, 4), (69, 8),   (65, 4), (67, 4), (69, 8),
        (69, 2), (70, 2), (69, 2), (67, 2), (65, 4), (62, 4),
        (69, 2), (70, 2), (69, 2), (67, 2), (65, 4), (62, 4),
        (62, 4), (57, 4), (62, 8),   (62, 4), (57, 4), (62, 8),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tune_fills_its_bars_and_is_in_its_key() {
        for tune in TUNES {
            assert_eq!(
                (tune.steps() - tune.pickup_steps) % STEPS_PER_BAR,
                0,
                "{}: whole bars after the pickup",
                tune.name
            );
            assert!(tune.pickup_steps < STEPS_PER_BAR);
            assert!(
                (8..=16).contains(&tune.bars()),
                "{}: {} bars",
                tune.name,
                tune.bars()
            );
            for &(pitch, len) in tune.notes {
                assert!(len > 0 && pitch < 128, "{}: ({pitch}, {len})", tune.name);
            }
            let roll = tune.to_multitrack();
            assert_eq!(roll.len(), tune.steps());
            assert_eq!(roll.tracks[0].name, "Melody");
            let key = tune.key().expect("a key name");
            assert_eq!(Key::estimate(&roll.tracks), Some(key), "{}", tune.name);
            assert_eq!(key.to_string(), tune.key);
        }
    }

    #[test]
    fn tunes_are_found_by_name() {
        assert_eq!(tune("ode_to_joy").map(|t| t.key), Some("D major"));
        assert!(tune("no such tune").is_none());
        let names: std::collections::BTreeSet<_> = TUNES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), TUNES.len());
    }

    #[test]
    fn short_notes_breathe_and_rests_are_silent() {
        let saints = tune("when_the_saints").unwrap().to_multitrack();
        let line = saints.tracks[0].top_line();
        assert_eq!(line[..4], [Some(67), Some(67), Some(67), None]);
        // The rest after the first long D.
        assert!(line[28..32].iter().all(Option::is_none));
        assert_eq!(line[12..28], [Some(74); 16]);
    }

    #[test]
    fn odd_notes_do_not_panic() {
        let odd = Tune {
            notes: &[(60, 0), (200, 4), (62, 1)],
            ..TUNES[0]
        };
        let line = odd.to_multitrack().tracks[0].top_line();
        assert_eq!(line, [None, None, None, None, Some(62)]);
    }
}
