//! Voice leading of a four-part piece (soprano, alto, tenor, bass) as a choir director reads it:
//! parallel fifths and octaves, hidden fifths and octaves, crossing, overlap, spacing, range,
//! voices that drop out, one-step notes, dissonance on strong beats, and how much of the lower
//! voices is in the melody's key.
//!
//! [`VoiceLeading::analyse`] reads each voice as a line on the piece's step grid (its highest
//! sounding pitch at each step, or a rest) and returns [`Finding`]s, each at a bar:beat with the
//! voices and notes involved, and [`Rates`] that compare pieces of any length. [`BachReference`]
//! holds the same rates over Bach's 318 chorales, shipped with the data set, to show beside
//! every report.

mod bach;
mod finding;
mod lines;
pub(crate) mod null_nan;
mod rules;

pub use bach::{BachReference, VoiceRanges, REFERENCE_FILE};
pub use finding::{BarBeat, Finding, Rule};
pub use lines::{LineNote, Lines, Span};
pub use rules::DROP_OUT_STEPS;

use serde::{Deserialize, Serialize};

use crate::metrics::Key;
use crate::roll::Multitrack;

/// What can go wrong analysing voice leading.
#[derive(Debug, thiserror::Error)]
pub enum VoiceLeadingError {
    /// The piece does not have the four voices S, A, T, B.
    #[error("voice-leading analysis needs 4 voices (soprano, alto, tenor, bass); this piece has {0} tracks")]
    Voices(usize),
    /// The piece is on another grid than 4 steps per beat.
    #[error("voice-leading analysis reads 4 steps per beat; this piece has {0}")]
    Resolution(usize),
    /// The piece has no notes at all.
    #[error("the piece has no notes to analyse")]
    Empty,
    /// The shipped reference file could not be read.
    #[error("the voice-leading reference {path}: {reason}")]
    Reference {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Rates that compare pieces of any length; each names its denominator. A rate whose
/// denominator is zero is NaN (`null` in JSON, read back as NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Consecutive fifths and octaves/unisons in similar motion, per 100 two-voice moves (all
    /// six pairs).
    #[serde(deserialize_with = "null_nan::number")]
    pub parallel_per_100_moves: f64,
    /// The same by contrary motion, per 100 two-voice moves.
    #[serde(deserialize_with = "null_nan::number")]
    pub contrary_per_100_moves: f64,
    /// Hidden fifths and octaves between soprano and bass, per 100 of their moves.
    #[serde(deserialize_with = "null_nan::number")]
    pub hidden_per_100_outer_moves: f64,
    /// Share of (step, neighbour pair) where the lower voice sounds above the upper one.
    #[serde(deserialize_with = "null_nan::number")]
    pub crossing_share: f64,
    /// Overlaps per 100 moves of a single voice.
    #[serde(deserialize_with = "null_nan::number")]
    pub overlap_per_100_moves: f64,
    /// Share of steps where soprano–alto or alto–tenor are more than an octave apart.
    #[serde(deserialize_with = "null_nan::number")]
    pub spacing_share: f64,
    /// Share of the notes (all voices) outside their voice's range.
    #[serde(deserialize_with = "null_nan::number")]
    pub out_of_range_share: f64,
    /// Share of the piece (first onset to last release) in which each voice has a note.
    #[serde(deserialize_with = "null_nan::four")]
    pub sounding: [f64; 4],
    /// Share of the lower voices' notes that last a single step.
    #[serde(deserialize_with = "null_nan::number")]
    pub one_step_share: f64,
    /// Share of the upper voices' notes against the bass on beats 1 and 3 that are dissonant.
    #[serde(deserialize_with = "null_nan::number")]
    pub strong_beat_dissonance_share: f64,
    /// Share of the lower voices' note duration whose pitch is in the melody's key.
    #[serde(deserialize_with = "null_nan::number")]
    pub lower_in_key: f64,
    /// The number of two-voice moves (all six pairs), the first rates' denominator.
    pub two_voice_moves: usize,
}

impl Rates {
    /// Each rate's mean over `all` (NaNs left out); the move counts are summed.
    pub fn mean(all: &[Rates]) -> Rates {
        let mean = |f: &dyn Fn(&Rates) -> f64| {
            let values: Vec<f64> = all.iter().map(f).filter(|v| !v.is_nan()).collect();
            values.iter().sum::<f64>() / values.len().max(1) as f64
        };
        Rates {
            parallel_per_100_moves: mean(&|r| r.parallel_per_100_moves),
            contrary_per_100_moves: mean(&|r| r.contrary_per_100_moves),
            hidden_per_100_outer_moves: mean(&|r| r.hidden_per_100_outer_moves),
            crossing_share: mean(&|r| r.crossing_share),
            overlap_per_100_moves: mean(&|r| r.overlap_per_100_moves),
            spacing_share: mean(&|r| r.spacing_share),
            out_of_range_share: mean(&|r| r.out_of_range_share),
            sounding: std::array::from_fn(|k| mean(&|r| r.sounding[k])),
            one_step_share: mean(&|r| r.one_step_share),
            strong_beat_dissonance_share: mean(&|r| r.strong_beat_dissonance_share),
            lower_in_key: mean(&|r| r.lower_in_key),
            two_voice_moves: all.iter().map(|r| r.two_voice_moves).sum(),
        }
    }

    /// The smallest share of the piece in which alto, tenor or bass sounds.
    pub fn lower_sounding_min(&self) -> f64 {
        self.sounding[1..]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    /// One line: the figures a musician reads first.
    pub fn summary(&self) -> String {
        format!(
            "parallel 5ths/8ves {:.2}/100 moves, lower voices sound ≥ {:.0} %, crossing {:.1} %, in key {:.0} %",
            self.parallel_per_100_moves,
            100.0 * self.lower_sounding_min(),
            100.0 * self.crossing_share,
            100.0 * self.lower_in_key
        )
    }

    /// The rates of several pieces side by side, one rate per line, a column per
    /// (heading, rates).
    pub fn columns(columns: &[(&str, &Rates)]) -> String {
        use std::fmt::Write;
        let mut out = format!("{:<28}", "");
        for (head, _) in columns {
            let _ = write!(out, " {head:>9}");
        }
        out.push('\n');
        let rows: Vec<_> = columns.iter().map(|(_, r)| r.rows()).collect();
        let Some(first) = rows.first() else {
            return out;
        };
        for (i, (name, _, unit)) in first.iter().enumerate() {
            let _ = write!(out, "{name:<28}");
            for r in &rows {
                let _ = write!(out, " {:>9.2}", r[i].1);
            }
            let _ = writeln!(out, "  {unit}");
        }
        out
    }

    /// The rates as a table, one per line, beside `other`'s (say, Bach's) when given.
    pub fn beside(&self, other: Option<&Rates>) -> String {
        match other {
            Some(other) => Self::columns(&[("this", self), ("Bach", other)]),
            None => Self::columns(&[("this", self)]),
        }
    }

    /// The rates as a table, one per line.
    pub fn to_table(&self) -> String {
        self.beside(None)
    }

    /// The rates as (name, value, how to read it) rows, in report order.
    pub fn rows(&self) -> Vec<(&'static str, f64, &'static str)> {
        vec![
            (
                "parallel 5ths/8ves",
                self.parallel_per_100_moves,
                "per 100 two-voice moves",
            ),
            (
                "contrary 5ths/8ves",
                self.contrary_per_100_moves,
                "per 100 two-voice moves",
            ),
            (
                "hidden 5ths/8ves (S–B)",
                self.hidden_per_100_outer_moves,
                "per 100 S–B moves",
            ),
            (
                "voice crossing",
                100.0 * self.crossing_share,
                "% of steps × neighbour pairs",
            ),
            ("overlap", self.overlap_per_100_moves, "per 100 voice moves"),
            (
                "spacing over an octave",
                100.0 * self.spacing_share,
                "% of steps",
            ),
            (
                "out of range",
                100.0 * self.out_of_range_share,
                "% of notes",
            ),
            ("soprano sounds", 100.0 * self.sounding[0], "% of the piece"),
            ("alto sounds", 100.0 * self.sounding[1], "% of the piece"),
            ("tenor sounds", 100.0 * self.sounding[2], "% of the piece"),
            ("bass sounds", 100.0 * self.sounding[3], "% of the piece"),
            (
                "one-step notes (A, T, B)",
                100.0 * self.one_step_share,
                "% of notes",
            ),
            (
                "strong-beat dissonance",
                100.0 * self.strong_beat_dissonance_share,
                "% of notes vs bass",
            ),
            (
                "A, T, B in the melody's key",
                100.0 * self.lower_in_key,
                "% of duration",
            ),
        ]
    }
}

/// The voice-leading report of one piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceLeading {
    /// The melody's key (by Krumhansl–Schmuckler), if it has one.
    pub key: Option<String>,
    /// Steps before the first barline.
    pub pickup_steps: usize,
    /// The analysed span: first onset to last release.
    pub span: Span,
    /// Every finding, in time order.
    pub findings: Vec<Finding>,
    /// The rates.
    pub rates: Rates,
}

impl VoiceLeading {
    /// Analyses `piece` (tracks S, A, T, B at 4 steps per beat, the first barline at
    /// `pickup_steps`) with the voice ranges `ranges`, in the key estimated from its soprano.
    pub fn analyse(
        piece: &Multitrack,
        pickup_steps: usize,
        ranges: &VoiceRanges,
    ) -> Result<Self, VoiceLeadingError> {
        let key = piece.tracks.first().and_then(|s| Key::estimate([s]));
        Self::analyse_in_key(piece, pickup_steps, ranges, key)
    }

    /// [`VoiceLeading::analyse`] with the melody's key given (say, estimated from the melody
    /// a piece was composed for); `None` leaves the in-key share undefined.
    pub fn analyse_in_key(
        piece: &Multitrack,
        pickup_steps: usize,
        ranges: &VoiceRanges,
        key: Option<Key>,
    ) -> Result<Self, VoiceLeadingError> {
        if piece.tracks.len() != 4 {
            return Err(VoiceLeadingError::Voices(piece.tracks.len()));
        }
        if piece.resolution != crate::roll::STEPS_PER_BEAT {
            return Err(VoiceLeadingError::Resolution(piece.resolution));
        }
        Self::analyse_lines(&Lines::of(piece), pickup_steps, ranges, key)
    }

    /// [`VoiceLeading::analyse_in_key`] on the voices as lines (one pitch or a rest per step).
    pub fn analyse_lines(
        lines: &Lines,
        pickup_steps: usize,
        ranges: &VoiceRanges,
        key: Option<Key>,
    ) -> Result<Self, VoiceLeadingError> {
        let span = lines.span().ok_or(VoiceLeadingError::Empty)?;
        let analysis = rules::Analysis::new(lines, span, pickup_steps, ranges, key);
        let (findings, rates) = analysis.run();
        Ok(Self {
            key: key.map(|k| k.to_string()),
            pickup_steps,
            span,
            findings,
            rates,
        })
    }

    /// How many findings of `rule` there are.
    pub fn count(&self, rule: Rule) -> usize {
        self.findings.iter().filter(|f| f.rule == rule).count()
    }

    /// The findings weighted by how much a choir director minds each rule
    /// ([`Rule::weight`]), per bar, so that pieces of different lengths compare.
    pub fn weighted_findings(&self) -> f64 {
        let total: f64 = self.findings.iter().map(|f| f.rule.weight()).sum();
        total / (self.span.len() as f64 / crate::roll::STEPS_PER_BAR as f64).max(1.0)
    }

    /// The report as text: the rates beside Bach's, then each rule's count, then the findings
    /// by bar:beat (at most `max_findings` of them).
    pub fn to_text(&self, bach: Option<&BachReference>, max_findings: usize) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        if let Some(key) = &self.key {
            let _ = writeln!(out, "key of the melody: {key}");
        }
        out.push_str(&self.rates.beside(bach.map(|b| &b.rates)));
        let _ = writeln!(out, "findings: {}", self.findings.len());
        for rule in Rule::ALL {
            let n = self.count(rule);
            if n > 0 {
                let _ = writeln!(out, "  {:<28} {n}", rule.name());
            }
        }
        for finding in self.findings.iter().take(max_findings) {
            let _ = writeln!(out, "  {finding}");
        }
        if self.findings.len() > max_findings {
            let _ = writeln!(out, "  … {} more", self.findings.len() - max_findings);
        }
        out
    }
}

#[cfg(test)]
mod tests;
