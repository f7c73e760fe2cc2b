//! The key of a piece (Krumhansl–Schmuckler key finding) and the share of notes in it.
//!
//! [`Key::estimate`] correlates the piece's pitch-class durations with the Krumhansl–Kessler
//! probe-tone profile of each of the 24 major and minor keys and takes the best. A note is *in*
//! a major key when its pitch class is in the key's major scale, and in a minor key when it is in
//! the natural or the harmonic minor scale (the raised seventh, the leading tone, is how Bach's
//! minor cadences sound).

use std::fmt;

use crate::roll::Track;

/// Krumhansl & Kessler (1982): how well each pitch class, from the tonic up, fits a major key.
const MAJOR_PROFILE: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
/// The same for a minor key.
const MINOR_PROFILE: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];
/// The major scale's pitch classes above the tonic, as a 12-bit set (bit i = i semitones up).
const MAJOR_SCALE: u16 = 0b1010_1011_0101;
/// The natural and harmonic minor scales' pitch classes above the tonic: 0 2 3 5 7 8 10 11.
const MINOR_SCALE: u16 = 0b1101_1010_1101;

/// The pitch-class names, C = 0.
const NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// A major key.
    Major,
    /// A minor key.
    Minor,
}

/// A major or minor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The tonic's pitch class, 0 (C) to 11 (B).
    pub tonic: u8,
    /// Major or minor.
    pub mode: KeyMode,
}

impl Key {
    /// The best-fitting key of the notes of `tracks`, each note weighted by its length; `None`
    /// when they hold no notes, or all pitch classes sound equally long.
    pub fn estimate<'a>(tracks: impl IntoIterator<Item = &'a Track>) -> Option<Key> {
        let mut durations = [0.0f64; 12];
        for track in tracks {
            for note in track.notes() {
                durations[usize::from(note.pitch % 12)] += (note.end - note.start) as f64;
            }
        }
        Self::from_durations(&durations)
    }

    /// The best-fitting key of the time each pitch class sounds (index 0 = C); `None` when
    /// nothing sounds, or all pitch classes sound equally long.
    pub fn from_durations(durations: &[f64; 12]) -> Option<Key> {
        let mut best: Option<(f64, Key)> = None;
        for tonic in 0..12u8 {
            for (mode, profile) in [
                (KeyMode::Major, &MAJOR_PROFILE),
                (KeyMode::Minor, &MINOR_PROFILE),
            ] {
                let rotated: [f64; 12] =
                    std::array::from_fn(|pc| profile[(pc + 12 - usize::from(tonic)) % 12]);
                let r = correlation(durations, &rotated)?;
                if best.is_none_or(|(b, _)| r > b) {
                    best = Some((r, Key { tonic, mode }));
                }
            }
        }
        best.map(|(_, key)| key)
    }

    /// The key named by a tonic ("C", "F#", "Bb", "E-") and a mode ("major" or "minor"), as
    /// the data set's index writes them; `None` for any other name.
    pub fn named(tonic: &str, mode: &str) -> Option<Key> {
        let mut chars = tonic.chars();
        let letter = chars.next()?;
        let base: i32 = match letter.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return None,
        };
        let mut pc = base;
        for accidental in chars {
            pc += match accidental {
                '#' => 1,
                'b' | '-' => -1,
                _ => return None,
            };
        }
        let mode = match mode {
            "major" => KeyMode::Major,
            "minor" => KeyMode::Minor,
            _ => return None,
        };
        Some(Key {
            tonic: pc.rem_euclid(12) as u8,
            mode,
        })
    }

    /// Whether the pitch class of MIDI pitch `pitch` belongs to the key.
    pub fn contains(&self, pitch: u8) -> bool {
        let scale = match self.mode {
            KeyMode::Major => MAJOR_SCALE,
            KeyMode::Minor => MINOR_SCALE,
        };
        let degree = (pitch % 12 + 12 - self.tonic) % 12;
        scale & (1 << degree) != 0
    }

    /// The fraction of the notes of `tracks` that are in the key (each note counts once,
    /// whatever its length), and how many notes there are; NaN when there are none.
    pub fn in_key_rate<'a>(&self, tracks: impl IntoIterator<Item = &'a Track>) -> (f64, usize) {
        let (mut inside, mut all) = (0usize, 0usize);
        for track in tracks {
            for note in track.notes() {
                all += 1;
                inside += usize::from(self.contains(note.pitch));
            }
        }
        let rate = if all == 0 {
            f64::NAN
        } else {
            inside as f64 / all as f64
        };
        (rate, all)
    }
}

impl fmt::Display for Key {
    /// "C major", "F# minor".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.mode {
            KeyMode::Major => "major",
            KeyMode::Minor => "minor",
        };
        write!(f, "{} {mode}", NAMES[usize::from(self.tonic % 12)])
    }
}

/// Pearson's correlation of `a` and `b`; `None` when either is constant.
fn correlation(a: &[f64; 12], b: &[f64; 12]) -> Option<f64> {
    let mean = |x: &[f64; 12]| x.iter().sum::<f64>() / 12.0;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A track playing `pitches` one after the other, each for `len` steps.
    fn line(pitches: &[u8], len: usize) -> Track {
        let mut roll = ndarray::Array2::zeros((pitches.len() * len, 128));
        for (i, &pitch) in pitches.iter().enumerate() {
            for t in i * len..(i + 1) * len {
                roll[[t, usize::from(pitch)]] = 100;
            }
        }
        Track::new("line", 0, roll)
    }

    #[test]
    fn scales_and_cadences_find_their_keys() {
        // C major scale with a long tonic and dominant.
        let c_major = line(&[60, 62, 64, 65, 67, 69, 71, 72, 67, 60], 4);
        assert_eq!(
            Key::estimate([&c_major]),
            Some(Key {
                tonic: 0,
                mode: KeyMode::Major
            })
        );
        // A minor, harmonic: A B C D E F G# A, then E and A.
        let a_minor = line(&[57, 59, 60, 62, 64, 65, 68, 69, 64, 57, 60, 57], 4);
        let key = Key::estimate([&a_minor]).unwrap();
        assert_eq!(key.to_string(), "A minor");
        // The same notes a whole tone up: B minor.
        let b_minor = a_minor.transposed(2);
        assert_eq!(Key::estimate([&b_minor]).unwrap().to_string(), "B minor");
        assert_eq!(Key::estimate([&line(&[], 4)]), None);
    }

    #[test]
    fn keys_are_named_as_the_index_names_them() {
        assert_eq!(Key::named("F#", "minor").unwrap().to_string(), "F# minor");
        assert_eq!(Key::named("Bb", "major").unwrap().to_string(), "Bb major");
        assert_eq!(Key::named("E-", "major").unwrap().to_string(), "Eb major");
        assert_eq!(Key::named("Cb", "major").unwrap().tonic, 11);
        assert_eq!(Key::named("H", "major"), None);
        assert_eq!(Key::named("C", "dorian"), None);
    }

    #[test]
    fn in_key_rate_counts_notes() {
        let c = Key {
            tonic: 0,
            mode: KeyMode::Major,
        };
        assert!(c.contains(60) && c.contains(71) && !c.contains(61) && !c.contains(70));
        // G# is in A minor (harmonic), G is too (natural); C# is not.
        let a = Key {
            tonic: 9,
            mode: KeyMode::Minor,
        };
        assert!(a.contains(68) && a.contains(67) && !a.contains(61));
        let (rate, n) = c.in_key_rate([&line(&[60, 61, 62, 64], 1), &line(&[66], 8)]);
        assert_eq!(n, 5);
        assert!((rate - 3.0 / 5.0).abs() < 1e-12);
        assert!(c.in_key_rate([&line(&[], 1)]).0.is_nan());
    }
}
