//! Harmony as a musician hears it: the chord on every beat, named as a Roman numeral in the
//! key, and the cadence at every phrase end.
//!
//! On every beat (every 4th step from the start of the score) the pitch classes that sound are
//! a chord when they are exactly a triad, a third, a seventh or a diminished triad over one of
//! their notes ([`Chord::identify`]); anything else (a non-chord tone on the beat, an open
//! fifth, a cluster) is no chord. [`Harmony::analyse`] returns every beat's chord, the cadences
//! ([`Cadence`]) and [`HarmonyRates`] that compare pieces of any length; [`HarmonyReference`]
//! holds the same rates over Bach's 318 chorales, shipped as `data/harmony.json`.

mod bach;
mod cadence;
mod chord;

pub use bach::{HarmonyReference, HARMONY_FILE};
pub use cadence::{chord_at, Cadence, CadenceKind};
pub use chord::{degree, pitch_classes, Chord, Class, PitchClassSet, Quality};

use serde::{Deserialize, Serialize};

use crate::metrics::finite_mean;
use crate::metrics::voice_leading::null_nan::number;
use crate::metrics::voice_leading::{BarBeat, Lines};
use crate::metrics::Key;
use crate::roll::{Multitrack, STEPS_PER_BEAT};

/// What can go wrong analysing harmony.
#[derive(Debug, thiserror::Error)]
pub enum HarmonyError {
    /// The piece does not have the four voices S, A, T, B.
    #[error(
        "harmony analysis needs 4 voices (soprano, alto, tenor, bass); this piece has {0} tracks"
    )]
    Voices(usize),
    /// The piece is on another grid than 4 steps per beat.
    #[error("harmony analysis reads 4 steps per beat; this piece has {0}")]
    Resolution(usize),
    /// The piece has no notes at all.
    #[error("the piece has no notes to analyse")]
    Empty,
    /// No key was given and none could be read from the melody.
    #[error("the piece has no key to name its chords in (give one, e.g. \"D minor\")")]
    NoKey,
    /// The shipped reference file could not be read.
    #[error("the harmony reference {path}: {reason}")]
    Reference {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// The chord on one beat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BeatChord {
    /// The beat's step.
    pub step: usize,
    /// The same as bar:beat.
    pub at: BarBeat,
    /// How many voices sound.
    pub voices: usize,
    /// The lowest sounding note (MIDI), if any.
    pub bass: Option<u8>,
    /// The chord, if the sounding notes make one.
    pub chord: Option<Chord>,
}

impl BeatChord {
    /// The chord's Roman numeral in `key`, or "–" for no chord.
    pub fn numeral(&self, key: Key) -> String {
        numeral(self.chord, key)
    }

    /// The beat's class.
    pub fn class(&self) -> Class {
        self.chord.map_or(Class::NoChord, |c| c.class())
    }
}

/// `chord`'s Roman numeral in `key`, or "–" for no chord.
fn numeral(chord: Option<Chord>, key: Key) -> String {
    chord.map_or_else(|| "–".to_string(), |c| c.numeral(key))
}

/// How the roots of successive different chords move: shares of the root changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RootMotion {
    /// By a fourth or fifth.
    #[serde(deserialize_with = "number")]
    pub fourth_fifth: f64,
    /// By a step (a second).
    #[serde(deserialize_with = "number")]
    pub step: f64,
    /// By a third.
    #[serde(deserialize_with = "number")]
    pub third: f64,
    /// By a tritone.
    #[serde(deserialize_with = "number")]
    pub tritone: f64,
}

/// Rates that compare the harmony of pieces of any length; each names its denominator, and a
/// rate whose denominator is zero is NaN (`null` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HarmonyRates {
    /// Beats analysed (from the first sounding beat to the last).
    pub beats: usize,
    /// Share of beats that are a complete major or minor triad.
    #[serde(deserialize_with = "number")]
    pub complete: f64,
    /// Share of beats that are a third without its fifth.
    #[serde(deserialize_with = "number")]
    pub incomplete: f64,
    /// Share of beats that are a seventh chord.
    #[serde(deserialize_with = "number")]
    pub seventh: f64,
    /// Share of beats that are a diminished triad.
    #[serde(deserialize_with = "number")]
    pub diminished: f64,
    /// Share of beats that are no chord.
    #[serde(deserialize_with = "number")]
    pub no_chord: f64,
    /// Share of beats where fewer than four voices sound.
    #[serde(deserialize_with = "number")]
    pub fewer_than_four: f64,
    /// Share of the chord beats with the root in the bass.
    #[serde(deserialize_with = "number")]
    pub root_position: f64,
    /// Share of successive beat pairs (both chords) whose root or triad changes.
    #[serde(deserialize_with = "number")]
    pub chord_changes: f64,
    /// Root motion between successive different chords.
    pub root_motion: RootMotion,
    /// Share of the chord beats whose every tone is in the key.
    #[serde(deserialize_with = "number")]
    pub diatonic: f64,
    /// Share of the chord beats by the root's scale degree, I to VII, then chromatic roots.
    pub degrees: [f64; 8],
    /// 1 when the piece ends on the tonic chord with its root in the bass, else 0.
    #[serde(deserialize_with = "number")]
    pub ends_on_tonic: f64,
    /// 1 when the piece ends with an authentic cadence, else 0.
    #[serde(deserialize_with = "number")]
    pub final_authentic: f64,
    /// Share of the phrase ends (the last included) with an authentic cadence.
    #[serde(deserialize_with = "number")]
    pub phrase_authentic: f64,
    /// Share of the phrase ends with a half cadence.
    #[serde(deserialize_with = "number")]
    pub phrase_half: f64,
    /// Share of the phrase ends with no cadence.
    #[serde(deserialize_with = "number")]
    pub phrase_none: f64,
}

/// `num / den`, NaN when `den` is 0.
fn share(num: usize, den: usize) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}

impl HarmonyRates {
    /// Each rate's mean over `all` (NaNs left out); beats are summed.
    pub fn mean(all: &[HarmonyRates]) -> HarmonyRates {
        let mean = |f: &dyn Fn(&HarmonyRates) -> f64| finite_mean(all.iter().map(f));
        HarmonyRates {
            beats: all.iter().map(|r| r.beats).sum(),
            complete: mean(&|r| r.complete),
            incomplete: mean(&|r| r.incomplete),
            seventh: mean(&|r| r.seventh),
            diminished: mean(&|r| r.diminished),
            no_chord: mean(&|r| r.no_chord),
            fewer_than_four: mean(&|r| r.fewer_than_four),
            root_position: mean(&|r| r.root_position),
            chord_changes: mean(&|r| r.chord_changes),
            root_motion: RootMotion {
                fourth_fifth: mean(&|r| r.root_motion.fourth_fifth),
                step: mean(&|r| r.root_motion.step),
                third: mean(&|r| r.root_motion.third),
                tritone: mean(&|r| r.root_motion.tritone),
            },
            diatonic: mean(&|r| r.diatonic),
            degrees: std::array::from_fn(|d| mean(&|r| r.degrees[d])),
            ends_on_tonic: mean(&|r| r.ends_on_tonic),
            final_authentic: mean(&|r| r.final_authentic),
            phrase_authentic: mean(&|r| r.phrase_authentic),
            phrase_half: mean(&|r| r.phrase_half),
            phrase_none: mean(&|r| r.phrase_none),
        }
    }

    /// The rates as (name, value, how to read it) rows, in report order.
    pub fn rows(&self) -> Vec<(&'static str, f64, &'static str)> {
        let pct = |x: f64| 100.0 * x;
        vec![
            ("complete triads", pct(self.complete), "% of beats"),
            ("thirds without fifth", pct(self.incomplete), "% of beats"),
            ("seventh chords", pct(self.seventh), "% of beats"),
            ("diminished triads", pct(self.diminished), "% of beats"),
            ("no chord", pct(self.no_chord), "% of beats"),
            (
                "fewer than four voices",
                pct(self.fewer_than_four),
                "% of beats",
            ),
            ("root position", pct(self.root_position), "% of chords"),
            ("chord changes", pct(self.chord_changes), "% of beat pairs"),
            (
                "root motion by 4th/5th",
                pct(self.root_motion.fourth_fifth),
                "% of root changes",
            ),
            (
                "root motion by step",
                pct(self.root_motion.step),
                "% of root changes",
            ),
            (
                "root motion by third",
                pct(self.root_motion.third),
                "% of root changes",
            ),
            ("diatonic chords", pct(self.diatonic), "% of chords"),
            ("chords on I", pct(self.degrees[0]), "% of chords"),
            ("chords on V", pct(self.degrees[4]), "% of chords"),
            (
                "ends on I, root in bass",
                pct(self.ends_on_tonic),
                "% of pieces",
            ),
            (
                "authentic final cadence",
                pct(self.final_authentic),
                "% of pieces",
            ),
            (
                "phrase ends: authentic",
                pct(self.phrase_authentic),
                "% of phrase ends",
            ),
            (
                "phrase ends: half",
                pct(self.phrase_half),
                "% of phrase ends",
            ),
            (
                "phrase ends: no cadence",
                pct(self.phrase_none),
                "% of phrase ends",
            ),
        ]
    }

    /// The rates of several pieces side by side, a column per (heading, rates).
    pub fn columns(columns: &[(&str, &HarmonyRates)]) -> String {
        let mut rows = vec![std::iter::once(String::new())
            .chain(columns.iter().map(|(h, _)| h.to_string()))
            .chain(std::iter::once(String::new()))
            .collect::<Vec<_>>()];
        let all: Vec<_> = columns.iter().map(|(_, r)| r.rows()).collect();
        if let Some(first) = all.first() {
            for (i, (name, _, unit)) in first.iter().enumerate() {
                let mut row = vec![name.to_string()];
                row.extend(all.iter().map(|r| format!("{:.1}", r[i].1)));
                row.push(format!(" {unit}"));
                rows.push(row);
            }
        }
        crate::metrics::table::text_table(&rows)
    }

    /// One line: the figures a musician hears first.
    pub fn summary(&self) -> String {
        format!(
            "complete triads {:.0} %, no chord {:.0} %, root position {:.0} %, root by 4th/5th {:.0} %",
            100.0 * self.complete,
            100.0 * self.no_chord,
            100.0 * self.root_position,
            100.0 * self.root_motion.fourth_fifth,
        )
    }
}

/// The harmony report of one piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Harmony {
    /// The key the chords are named in.
    #[serde(with = "key_text")]
    pub key: Key,
    /// Steps before the first barline.
    pub pickup_steps: usize,
    /// Every beat's chord, from the first sounding beat to the last.
    pub beats: Vec<BeatChord>,
    /// The cadence at every phrase end, the piece's end last.
    pub cadences: Vec<Cadence>,
    /// The rates.
    pub rates: HarmonyRates,
}

/// `Key` as its name in JSON ("D minor").
mod key_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::metrics::Key;

    pub fn serialize<S: Serializer>(key: &Key, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&key.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        String::deserialize(d)?
            .parse::<Key>()
            .map_err(serde::de::Error::custom)
    }
}

impl Harmony {
    /// Analyses `piece` (tracks S, A, T, B at 4 steps per beat) in `key` (else the key read
    /// from its soprano, [`Key::of_melody`]), with its own upbeat and phrase ends (the piece's end is always one).
    pub fn analyse(piece: &Multitrack, key: Option<Key>) -> Result<Self, HarmonyError> {
        if piece.tracks.len() != 4 {
            return Err(HarmonyError::Voices(piece.tracks.len()));
        }
        if piece.resolution != STEPS_PER_BEAT {
            return Err(HarmonyError::Resolution(piece.resolution));
        }
        let key = key
            .or_else(|| Key::of_melody(&piece.tracks[0]))
            .ok_or(HarmonyError::NoKey)?;
        Self::analyse_lines(
            &Lines::of(piece),
            piece.pickup_steps,
            &piece.phrase_ends,
            key,
        )
    }

    /// [`Harmony::analyse`] on the voices as lines, the first barline at `pickup_steps`.
    pub fn analyse_lines(
        lines: &Lines,
        pickup_steps: usize,
        phrase_ends: &[usize],
        key: Key,
    ) -> Result<Self, HarmonyError> {
        let span = lines.span().ok_or(HarmonyError::Empty)?;
        let first = span.start.div_ceil(STEPS_PER_BEAT) * STEPS_PER_BEAT;
        let beats: Vec<BeatChord> = (first..span.end)
            .step_by(STEPS_PER_BEAT)
            .map(|t| {
                let pitches: Vec<u8> = (0..4).filter_map(|k| lines.at(k, t)).collect();
                BeatChord {
                    step: t,
                    at: BarBeat::at(t, pickup_steps),
                    voices: pitches.len(),
                    bass: pitches.iter().min().copied(),
                    chord: chord_at(lines, t, Some(key)),
                }
            })
            .collect();
        let mut ends: Vec<usize> = phrase_ends
            .iter()
            .copied()
            .filter(|&e| e > span.start && e < span.end)
            .collect();
        ends.push(span.end);
        ends.sort_unstable();
        ends.dedup();
        let cadences: Vec<Cadence> = ends
            .iter()
            .filter_map(|&e| Cadence::at_end(lines, e, pickup_steps, key))
            .collect();
        let rates = rates(&beats, &cadences, key);
        Ok(Self {
            key,
            pickup_steps,
            beats,
            cadences,
            rates,
        })
    }

    /// The numerals under their bar:beat, a bar per line: `3:1 I  3:2 V6  3:3 vi  3:4 –`.
    pub fn numerals_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let mut bar = None;
        for beat in &self.beats {
            if bar != Some(beat.at.bar) {
                if bar.is_some() {
                    out.push('\n');
                }
                let _ = write!(out, "bar {:>3}:", beat.at.bar);
                bar = Some(beat.at.bar);
            }
            let _ = write!(
                out,
                "  {}:{} {:<6}",
                beat.at.bar,
                beat.at.beat,
                beat.numeral(self.key)
            );
        }
        out.push('\n');
        out
    }

    /// The cadences, one per line: `  4:3 V–I authentic`.
    pub fn cadences_text(&self) -> String {
        self.cadences
            .iter()
            .map(|c| format!("  {}\n", c.describe(self.key)))
            .collect()
    }

    /// The report as text: the rates beside Bach's, the cadences, then the numerals.
    pub fn to_text(&self, bach: Option<&HarmonyReference>) -> String {
        let mut out = format!("chords named in {}\n", self.key);
        out.push_str(&match bach {
            Some(b) => HarmonyRates::columns(&[("this", &self.rates), ("Bach", &b.rates)]),
            None => HarmonyRates::columns(&[("this", &self.rates)]),
        });
        out.push_str("cadences at the phrase ends:\n");
        out.push_str(&self.cadences_text());
        out.push_str(&self.numerals_text());
        out
    }
}

/// The rates of `beats` and `cadences` in `key`.
fn rates(beats: &[BeatChord], cadences: &[Cadence], key: Key) -> HarmonyRates {
    let n = beats.len();
    let count = |class: Class| beats.iter().filter(|b| b.class() == class).count();
    let chords: Vec<&Chord> = beats.iter().filter_map(|b| b.chord.as_ref()).collect();
    let mut pairs = 0;
    let mut changes = 0;
    for w in beats.windows(2) {
        if let (Some(a), Some(b)) = (w[0].chord, w[1].chord) {
            pairs += 1;
            changes += usize::from(!a.same_harmony(&b));
        }
    }
    // Root motion between successive chords (no-chord beats skipped) whose roots differ.
    let mut motions = [0usize; 4];
    for w in chords.windows(2) {
        let interval = (w[1].root + 12 - w[0].root) % 12;
        match interval {
            0 => continue,
            5 | 7 => motions[0] += 1,
            1 | 2 | 10 | 11 => motions[1] += 1,
            3 | 4 | 8 | 9 => motions[2] += 1,
            _ => motions[3] += 1,
        }
    }
    let moves: usize = motions.iter().sum();
    let mut degrees = [0.0; 8];
    for c in &chords {
        degrees[c.degree(key).map_or(7, |d| d - 1)] += 1.0;
    }
    if !chords.is_empty() {
        degrees.iter_mut().for_each(|d| *d /= chords.len() as f64);
    }
    let last = cadences.last();
    let ends_on_tonic = last.and_then(|c| c.last).is_some_and(|c| {
        c.root == key.tonic
            && matches!(c.quality, Quality::Major | Quality::Minor)
            && c.root_position()
    });
    let kinds = |kind: CadenceKind| cadences.iter().filter(|c| c.kind == kind).count();
    HarmonyRates {
        beats: n,
        complete: share(count(Class::Complete), n),
        incomplete: share(count(Class::Incomplete), n),
        seventh: share(count(Class::Seventh), n),
        diminished: share(count(Class::Diminished), n),
        no_chord: share(count(Class::NoChord), n),
        fewer_than_four: share(beats.iter().filter(|b| b.voices < 4).count(), n),
        root_position: share(
            chords.iter().filter(|c| c.root_position()).count(),
            chords.len(),
        ),
        chord_changes: share(changes, pairs),
        root_motion: RootMotion {
            fourth_fifth: share(motions[0], moves),
            step: share(motions[1], moves),
            third: share(motions[2], moves),
            tritone: share(motions[3], moves),
        },
        diatonic: share(
            chords.iter().filter(|c| c.diatonic(key)).count(),
            chords.len(),
        ),
        degrees,
        ends_on_tonic: if last.is_some() {
            f64::from(u8::from(ends_on_tonic))
        } else {
            f64::NAN
        },
        final_authentic: last.map_or(f64::NAN, |c| {
            f64::from(u8::from(c.kind == CadenceKind::Authentic))
        }),
        phrase_authentic: share(kinds(CadenceKind::Authentic), cadences.len()),
        phrase_half: share(kinds(CadenceKind::Half), cadences.len()),
        phrase_none: share(kinds(CadenceKind::None), cadences.len()),
    }
}

#[cfg(test)]
mod tests;
