//! The key of a piece (Krumhansl–Schmuckler key finding) and the share of notes in it.
//!
//! [`Key::estimate`] correlates the piece's pitch-class durations with the Krumhansl–Kessler
//! probe-tone profile of each of the 24 major and minor keys and takes the best. A note is *in*
//! a major key when its pitch class is in the key's major scale, and in a minor key when it is in
//! the natural or the harmonic minor scale (the raised seventh, the leading tone, is how Bach's
//! minor cadences sound).

use std::fmt;

use crate::roll::{Note, Track};

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

/// How much less well than the best a melody's key may fit its notes in [`Key::of_melody`].
pub const MELODY_KEY_MARGIN: f64 = 0.25;

/// The pitch-class names, C = 0.
const NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMode {
    /// A major key.
    Major,
    /// A minor key.
    Minor,
}

/// A major or minor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        let notes: Vec<Note> = tracks.into_iter().flat_map(Track::notes).collect();
        Self::from_durations(&durations(&notes))
    }

    /// The key of a melody: among the keys that fit its notes' durations nearly as well as the
    /// best ([`Key::estimate`], within [`MELODY_KEY_MARGIN`] of its correlation), the one whose
    /// tonic is the melody's last note, else one whose tonic triad holds it, else the best.
    /// Melodies end on their tonic far more often than their notes alone tell (on the 318
    /// chorales' sopranos this finds the notated key more often than the notes alone).
    pub fn of_melody(melody: &Track) -> Option<Key> {
        let notes = melody.notes();
        let last = notes.iter().max_by_key(|n| (n.end, n.pitch))?.pitch % 12;
        let fits = Self::fits(&durations(&notes));
        let best = fits
            .iter()
            .map(|(r, _)| *r)
            .fold(f64::NEG_INFINITY, f64::max);
        let rank = |key: &Key| {
            let third = match key.mode {
                KeyMode::Major => 4,
                KeyMode::Minor => 3,
            };
            let interval = (last + 12 - key.tonic) % 12;
            if interval == 0 {
                0
            } else if interval == third || interval == 7 {
                1
            } else {
                2
            }
        };
        fits.into_iter()
            .filter(|(r, _)| *r >= best - MELODY_KEY_MARGIN)
            .min_by(|a, b| rank(&a.1).cmp(&rank(&b.1)).then(b.0.total_cmp(&a.0)))
            .map(|(_, key)| key)
    }

    /// Every key's correlation with the pitch-class `durations` (none when they are constant).
    fn fits(durations: &[f64; 12]) -> Vec<(f64, Key)> {
        let mut out = Vec::with_capacity(24);
        for tonic in 0..12u8 {
            for (mode, profile) in [
                (KeyMode::Major, &MAJOR_PROFILE),
                (KeyMode::Minor, &MINOR_PROFILE),
            ] {
                let rotated: [f64; 12] =
                    std::array::from_fn(|pc| profile[(pc + 12 - usize::from(tonic)) % 12]);
                if let Some(r) = correlation(durations, &rotated) {
                    out.push((r, Key { tonic, mode }));
                }
            }
        }
        out
    }

    /// The best-fitting key of the time each pitch class sounds (index 0 = C); `None` when
    /// nothing sounds, or all pitch classes sound equally long.
    pub fn from_durations(durations: &[f64; 12]) -> Option<Key> {
        // The first of equally good fits, in the order of `fits`.
        Self::fits(durations)
            .into_iter()
            .fold(None, |best: Option<(f64, Key)>, (r, key)| match best {
                Some((b, _)) if r <= b => best,
                _ => Some((r, key)),
            })
            .map(|(_, key)| key)
    }

    /// The key named by a tonic ("C", "F#", "Bb", "E-") and a mode ("major" or "minor"), as
    /// the data set's index writes them; `None` for any other name.
    pub fn named(tonic: &str, mode: &str) -> Option<Key> {
        let mut chars = tonic.chars();
        let mut pc = letter_pitch_class(chars.next()?)?;
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

/// Text that does not name a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a key: {text:?} (write a tonic and a mode, e.g. \"D minor\", \"Bb major\", \"F#m\", \
     or a tonic alone for major, e.g. \"C\")"
)]
pub struct KeyParseError {
    /// The text that was given.
    pub text: String,
}

impl std::str::FromStr for Key {
    type Err = KeyParseError;

    /// Reads a key as [`Key`]'s `Display` writes it ("F# minor") and in the usual shorthands:
    /// any case ("d minor"), `b`, `-`, `♭`, `flat` and `#`, `♯`, `sharp` for accidentals
    /// ("E-flat major", "F sharp minor"), "maj"/"min", "m" for minor ("Am", "c#m"), and a tonic
    /// alone for major ("C").
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || KeyParseError {
            text: text.to_string(),
        };
        let mut chars = text.trim().chars();
        let letter = chars.next().ok_or_else(bad)?;
        let mut tonic = letter_pitch_class(letter).ok_or_else(bad)?;
        let mut rest = chars.as_str();
        'accidentals: loop {
            for (spelling, shift) in ACCIDENTALS {
                if let Some(after) = strip_prefix_ignore_case(rest, spelling) {
                    tonic += shift;
                    rest = after;
                    continue 'accidentals;
                }
            }
            break;
        }
        let mode = match rest.trim() {
            "" => KeyMode::Major,
            "m" => KeyMode::Minor,
            word => match word.to_ascii_lowercase().as_str() {
                "major" | "maj" => KeyMode::Major,
                "minor" | "min" => KeyMode::Minor,
                _ => return Err(bad()),
            },
        };
        Ok(Key {
            tonic: tonic.rem_euclid(12) as u8,
            mode,
        })
    }
}

/// The spellings of an accidental after a key's tonic letter and the semitones each moves,
/// longest first so that "-flat" is not read as "-" then "flat".
const ACCIDENTALS: [(&str, i32); 11] = [
    ("-flat", -1),
    (" flat", -1),
    ("flat", -1),
    ("-sharp", 1),
    (" sharp", 1),
    ("sharp", 1),
    ("#", 1),
    ("♯", 1),
    ("b", -1),
    ("♭", -1),
    ("-", -1),
];

/// `text` after `prefix`, compared without regard to ASCII case; `None` if it does not start so.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
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

/// The time each pitch class sounds in `notes` (index 0 = C).
fn durations(notes: &[Note]) -> [f64; 12] {
    let mut durations = [0.0f64; 12];
    for note in notes {
        durations[usize::from(note.pitch % 12)] += (note.end - note.start) as f64;
    }
    durations
}

/// The pitch class of a note letter, C = 0 (either case); `None` for any other character.
fn letter_pitch_class(letter: char) -> Option<i32> {
    let pc = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    Some(pc)
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
    fn keys_parse_from_their_names_and_shorthands() {
        let key = |text: &str| text.parse::<Key>().unwrap().to_string();
        for (text, name) in [
            ("D minor", "D minor"),
            ("d minor", "D minor"),
            ("  Bb major ", "Bb major"),
            ("F# minor", "F# minor"),
            ("C", "C major"),
            ("Am", "A minor"),
            ("c#m", "C# minor"),
            ("Bbm", "Bb minor"),
            ("b", "B major"),
            ("bb", "Bb major"),
            ("E-flat major", "Eb major"),
            ("E flat Major", "Eb major"),
            ("F sharp minor", "F# minor"),
            ("E- major", "Eb major"),
            ("B♭ maj", "Bb major"),
            ("G min", "G minor"),
            ("Cb major", "B major"),
            ("B# minor", "C minor"),
        ] {
            assert_eq!(key(text), name, "{text:?}");
        }
        // What Display writes reads back, for all 24 keys.
        for tonic in 0..12 {
            for mode in [KeyMode::Major, KeyMode::Minor] {
                let k = Key { tonic, mode };
                assert_eq!(k.to_string().parse::<Key>(), Ok(k));
            }
        }
    }

    #[test]
    fn a_key_that_is_not_a_key_is_named_in_the_error() {
        for text in [
            "",
            "  ",
            "H major",
            "D dorian",
            "Dx",
            "major",
            "C minor minor",
            "CM",
        ] {
            let err = text.parse::<Key>().unwrap_err();
            assert_eq!(err.text, text);
            assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        }
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
