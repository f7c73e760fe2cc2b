//! Chords as a theory class names them: a root, a quality and the bass, recognised from the
//! pitch classes that sound together, and named as a Roman numeral in a key.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::{Key, KeyMode};

/// A chord's quality: its intervals above the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Major third (and perfect fifth).
    Major,
    /// Minor third (and perfect fifth).
    Minor,
    /// Minor third and diminished fifth.
    Diminished,
    /// Major triad with a minor seventh.
    Dominant7,
    /// Minor triad with a minor seventh.
    Minor7,
    /// Major triad with a major seventh.
    Major7,
    /// Diminished triad with a minor seventh.
    HalfDiminished7,
    /// Diminished triad with a diminished seventh.
    Diminished7,
}

impl Quality {
    /// Every quality.
    pub const ALL: [Quality; 8] = [
        Quality::Major,
        Quality::Minor,
        Quality::Diminished,
        Quality::Dominant7,
        Quality::Minor7,
        Quality::Major7,
        Quality::HalfDiminished7,
        Quality::Diminished7,
    ];

    /// The chord tones above the root, in semitones: root, third, fifth, and the seventh if any.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            Quality::Major => &[0, 4, 7],
            Quality::Minor => &[0, 3, 7],
            Quality::Diminished => &[0, 3, 6],
            Quality::Dominant7 => &[0, 4, 7, 10],
            Quality::Minor7 => &[0, 3, 7, 10],
            Quality::Major7 => &[0, 4, 7, 11],
            Quality::HalfDiminished7 => &[0, 3, 6, 10],
            Quality::Diminished7 => &[0, 3, 6, 9],
        }
    }

    /// Whether the chord has a seventh.
    pub fn is_seventh(self) -> bool {
        self.intervals().len() == 4
    }

    /// The triad under it: major, minor or diminished.
    pub fn triad(self) -> Quality {
        match self {
            Quality::Major | Quality::Dominant7 | Quality::Major7 => Quality::Major,
            Quality::Minor | Quality::Minor7 => Quality::Minor,
            Quality::Diminished | Quality::HalfDiminished7 | Quality::Diminished7 => {
                Quality::Diminished
            }
        }
    }
}

/// What a beat's sonority is, in the classes the harmony rates count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// A major or minor triad with root, third and fifth.
    Complete,
    /// A major or minor third without its fifth.
    Incomplete,
    /// A dominant, minor, major, half-diminished or diminished seventh (the fifth optional).
    Seventh,
    /// A diminished triad.
    Diminished,
    /// Anything else: a non-chord tone on the beat, an open fifth, a cluster, a single note.
    NoChord,
}

/// A recognised chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Chord {
    /// The root's pitch class, 0 (C) to 11 (B).
    pub root: u8,
    /// The quality.
    pub quality: Quality,
    /// Whether every chord tone sounds (a seventh's fifth may be missing and it is still
    /// complete here; a triad without its fifth is not).
    pub complete: bool,
    /// The lowest sounding note's pitch class.
    pub bass: u8,
}

/// A 12-bit set of pitch classes (bit i: pitch class i).
pub type PitchClassSet = u16;

/// The set of pitch classes of `pitches` (MIDI).
pub fn pitch_classes(pitches: impl IntoIterator<Item = u8>) -> PitchClassSet {
    pitches.into_iter().fold(0, |set, p| set | 1 << (p % 12))
}

/// `set` rotated so that pitch class `root` is bit 0.
fn relative(set: PitchClassSet, root: u8) -> PitchClassSet {
    let r = u32::from(root % 12);
    let wide = u32::from(set);
    (((wide >> r) | (wide << (12 - r))) & 0xfff) as PitchClassSet
}

/// The set of `intervals`.
fn mask(intervals: &[u8]) -> PitchClassSet {
    intervals.iter().fold(0, |m, &i| m | 1 << i)
}

impl Chord {
    /// The chord the pitch classes `set` make with `bass` the lowest note's pitch class, when
    /// the set is exactly a triad, a third, a seventh (fifth optional) or a diminished triad over
    /// one of its notes; `None` for anything else. Where several roots fit (a diminished
    /// seventh), the most complete reading wins, then the key's leading tone, then the bass.
    pub fn identify(set: PitchClassSet, bass: u8, key: Option<Key>) -> Option<Chord> {
        let mut best: Option<(u8, Chord)> = None;
        for root in 0..12u8 {
            if set & 1 << root == 0 {
                continue;
            }
            let rel = relative(set, root);
            for quality in Quality::ALL {
                let full = mask(quality.intervals());
                let no_fifth = full & !(1 << 7) & !(1 << 6);
                let (complete, rank) = if rel == full {
                    (true, if quality.is_seventh() { 2 } else { 0 })
                } else if quality.is_seventh() && rel == no_fifth {
                    (true, 3)
                } else if matches!(quality, Quality::Major | Quality::Minor) && rel == no_fifth {
                    (false, 4)
                } else {
                    continue;
                };
                let rank = match quality {
                    Quality::Diminished => 1,
                    _ => rank,
                };
                let leading = key.is_some_and(|k| root == (k.tonic + 11) % 12);
                let tie = 4 * rank
                    + if leading {
                        0
                    } else if root == bass % 12 {
                        1
                    } else {
                        2
                    };
                let chord = Chord {
                    root,
                    quality,
                    complete,
                    bass: bass % 12,
                };
                if best.is_none_or(|(b, _)| tie < b) {
                    best = Some((tie, chord));
                }
            }
        }
        best.map(|(_, c)| c)
    }

    /// The class the rates count it in.
    pub fn class(&self) -> Class {
        match self.quality {
            Quality::Major | Quality::Minor if self.complete => Class::Complete,
            Quality::Major | Quality::Minor => Class::Incomplete,
            Quality::Diminished => Class::Diminished,
            _ => Class::Seventh,
        }
    }

    /// Whether the root is in the bass.
    pub fn root_position(&self) -> bool {
        self.bass == self.root
    }

    /// The chord's pitch classes (all its tones, the optional fifth included).
    pub fn tones(&self) -> PitchClassSet {
        relative(mask(self.quality.intervals()), (12 - self.root) % 12)
    }

    /// Whether MIDI pitch `pitch` is a chord tone.
    pub fn contains(&self, pitch: u8) -> bool {
        self.tones() & 1 << (pitch % 12) != 0
    }

    /// 0 in root position, 1 first inversion (the third in the bass), 2 second, 3 third.
    pub fn inversion(&self) -> usize {
        match (self.bass + 12 - self.root) % 12 {
            0 => 0,
            3 | 4 => 1,
            6 | 7 => 2,
            _ => 3,
        }
    }

    /// Whether root and triad quality are the same (bass and seventh aside).
    pub fn same_harmony(&self, other: &Chord) -> bool {
        self.root == other.root && self.quality.triad() == other.quality.triad()
    }

    /// Whether every chord tone is in `key`.
    pub fn diatonic(&self, key: Key) -> bool {
        (0..12u8)
            .filter(|pc| self.tones() & 1 << pc != 0)
            .all(|pc| key.contains(pc))
    }

    /// The root's scale degree in `key`, 1 to 7, or `None` for a chromatic root (in minor,
    /// both the lowered and the raised seventh are degree 7).
    pub fn degree(&self, key: Key) -> Option<usize> {
        degree(self.root, key)
    }

    /// The Roman numeral in `key` with its inversion figure: `I`, `V65`, `ii6`, `vii°7`,
    /// `iiø43`, `bVII`, `#iv°` (a root off the scale gets its accidental).
    pub fn numeral(&self, key: Key) -> String {
        let interval = (self.root + 12 - key.tonic) % 12;
        let (accidental, base) = numeral_base(interval, key.mode);
        let upper = matches!(self.quality.triad(), Quality::Major);
        let base = if upper {
            base.to_string()
        } else {
            base.to_lowercase()
        };
        let sign = match self.quality {
            Quality::Diminished | Quality::Diminished7 => "°",
            Quality::HalfDiminished7 => "ø",
            _ => "",
        };
        let figure = if self.quality.is_seventh() {
            ["7", "65", "43", "42"][self.inversion()]
        } else {
            ["", "6", "64", "64"][self.inversion()]
        };
        format!("{accidental}{base}{sign}{figure}")
    }
}

/// The scale degree (1 to 7) of pitch class `pc` in `key`, or `None` off the scale.
pub fn degree(pc: u8, key: Key) -> Option<usize> {
    let interval = (pc % 12 + 12 - key.tonic) % 12;
    let degrees: &[(u8, usize)] = match key.mode {
        KeyMode::Major => &[(0, 1), (2, 2), (4, 3), (5, 4), (7, 5), (9, 6), (11, 7)],
        KeyMode::Minor => &[
            (0, 1),
            (2, 2),
            (3, 3),
            (5, 4),
            (7, 5),
            (8, 6),
            (10, 7),
            (11, 7),
        ],
    };
    degrees
        .iter()
        .find(|(i, _)| *i == interval)
        .map(|(_, d)| *d)
}

/// The accidental and capital numeral of a root `interval` semitones above the tonic.
fn numeral_base(interval: u8, mode: KeyMode) -> (&'static str, &'static str) {
    const MAJOR: [(&str, &str); 12] = [
        ("", "I"),
        ("b", "II"),
        ("", "II"),
        ("b", "III"),
        ("", "III"),
        ("", "IV"),
        ("#", "IV"),
        ("", "V"),
        ("b", "VI"),
        ("", "VI"),
        ("b", "VII"),
        ("", "VII"),
    ];
    const MINOR: [(&str, &str); 12] = [
        ("", "I"),
        ("b", "II"),
        ("", "II"),
        ("", "III"),
        ("#", "III"),
        ("", "IV"),
        ("#", "IV"),
        ("", "V"),
        ("", "VI"),
        ("#", "VI"),
        ("", "VII"),
        ("", "VII"),
    ];
    let table = match mode {
        KeyMode::Major => &MAJOR,
        KeyMode::Minor => &MINOR,
    };
    table[usize::from(interval % 12)]
}

impl fmt::Display for Chord {
    /// "C", "Am", "B°", "G7", "F#ø7", "C#°7", "Cmaj7", "Dm7"; "/E" when the bass is not the root.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
        ];
        let suffix = match self.quality {
            Quality::Major => "",
            Quality::Minor => "m",
            Quality::Diminished => "°",
            Quality::Dominant7 => "7",
            Quality::Minor7 => "m7",
            Quality::Major7 => "maj7",
            Quality::HalfDiminished7 => "ø7",
            Quality::Diminished7 => "°7",
        };
        write!(f, "{}{suffix}", NAMES[usize::from(self.root)])?;
        if !self.root_position() {
            write!(f, "/{}", NAMES[usize::from(self.bass)])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C_MAJOR: Key = Key {
        tonic: 0,
        mode: KeyMode::Major,
    };
    const A_MINOR: Key = Key {
        tonic: 9,
        mode: KeyMode::Minor,
    };

    fn chord(pitches: &[u8]) -> Option<Chord> {
        let bass = *pitches.iter().min().unwrap();
        Chord::identify(pitch_classes(pitches.iter().copied()), bass, Some(C_MAJOR))
    }

    #[test]
    fn triads_sevenths_and_thirds_are_recognised_with_any_doubling() {
        let c = chord(&[48, 64, 67, 72]).unwrap();
        assert_eq!(
            (c.root, c.quality, c.class()),
            (0, Quality::Major, Class::Complete)
        );
        assert!(c.root_position());
        let a6 = chord(&[48, 57, 64, 72]).unwrap();
        assert_eq!(
            (a6.root, a6.quality, a6.inversion()),
            (9, Quality::Minor, 1)
        );
        let g7 = chord(&[43, 59, 65, 74]).unwrap();
        assert_eq!(
            (g7.quality, g7.class()),
            (Quality::Dominant7, Class::Seventh)
        );
        let g7_no_fifth = chord(&[43, 59, 65, 67]).unwrap();
        assert_eq!(g7_no_fifth.quality, Quality::Dominant7);
        let third = chord(&[48, 60, 64, 72]).unwrap();
        assert_eq!((third.root, third.class()), (0, Class::Incomplete));
        let b_dim = chord(&[50, 59, 65, 71]).unwrap();
        assert_eq!(
            (b_dim.root, b_dim.class(), b_dim.inversion()),
            (11, Class::Diminished, 1)
        );
        let dim7 = chord(&[50, 59, 65, 68]).unwrap();
        assert_eq!(
            (dim7.root, dim7.quality),
            (11, Quality::Diminished7),
            "vii°7 in C"
        );
        assert_eq!(chord(&[48, 55, 60, 67]), None, "an open fifth");
        assert_eq!(chord(&[48, 62, 64, 67]), None, "a non-chord tone");
        assert_eq!(chord(&[48, 60, 72]), None, "one pitch class");
        let am7 = chord(&[45, 60, 64, 67]).unwrap();
        assert_eq!((am7.root, am7.quality), (9, Quality::Minor7));
    }

    #[test]
    fn numerals_name_degree_quality_and_inversion() {
        let name = |p: &[u8], key: Key| {
            let bass = *p.iter().min().unwrap();
            Chord::identify(pitch_classes(p.iter().copied()), bass, Some(key))
                .unwrap()
                .numeral(key)
        };
        assert_eq!(name(&[48, 64, 67, 72], C_MAJOR), "I");
        assert_eq!(name(&[43, 59, 62, 67], C_MAJOR), "V");
        assert_eq!(name(&[47, 55, 62, 65], C_MAJOR), "V65");
        assert_eq!(name(&[53, 57, 62, 69], C_MAJOR), "ii6");
        assert_eq!(name(&[43, 60, 64, 67], C_MAJOR), "I64");
        assert_eq!(name(&[47, 62, 65, 68], C_MAJOR), "vii°7");
        assert_eq!(name(&[50, 59, 65, 68], C_MAJOR), "vii°65");
        assert_eq!(name(&[46, 62, 65, 70], C_MAJOR), "bVII");
        assert_eq!(name(&[45, 60, 64, 69], A_MINOR), "i");
        assert_eq!(name(&[40, 56, 59, 62], A_MINOR), "V7");
        assert_eq!(name(&[41, 57, 60, 65], A_MINOR), "VI");
        assert_eq!(name(&[50, 59, 62, 65], A_MINOR), "ii°6");
        assert_eq!(degree(8, A_MINOR), Some(7));
        assert_eq!(degree(6, C_MAJOR), None);
    }

    #[test]
    fn chord_names_show_the_bass() {
        assert_eq!(chord(&[52, 60, 67, 72]).unwrap().to_string(), "C/E");
        assert_eq!(chord(&[43, 59, 65, 74]).unwrap().to_string(), "G7");
    }
}
