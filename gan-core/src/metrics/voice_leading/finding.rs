//! One finding of the analysis: which rule, where (bar:beat), which voices and notes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::roll::{STEPS_PER_BAR, STEPS_PER_BEAT, VOICE_NAMES};

/// A rule of part writing that a piece can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Two voices a perfect fifth apart move in the same direction to another perfect fifth.
    ParallelFifths,
    /// Two voices an octave or unison apart move in the same direction to another one.
    ParallelOctaves,
    /// Two voices a fifth apart move in opposite directions to another fifth.
    ContraryFifths,
    /// Two voices an octave or unison apart move in opposite directions to another one.
    ContraryOctaves,
    /// Soprano and bass move the same way into a fifth or octave, the soprano by leap.
    HiddenFifthsOrOctaves,
    /// A lower voice sounds above its upper neighbour.
    Crossing,
    /// A voice moves past the note its neighbour has just left.
    Overlap,
    /// Soprano–alto or alto–tenor more than an octave apart.
    Spacing,
    /// A note outside the range Bach writes for its voice.
    Range,
    /// A lower voice rests for a half note or more inside the piece.
    DropOut,
    /// A lower voice's note of a single step (a 16th).
    OneStepNote,
    /// A second, fourth, tritone or seventh above the bass on beat 1 or 3.
    StrongBeatDissonance,
    /// A lower voice's note outside the melody's key.
    OutOfKey,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 13] = [
        Rule::ParallelFifths,
        Rule::ParallelOctaves,
        Rule::ContraryFifths,
        Rule::ContraryOctaves,
        Rule::HiddenFifthsOrOctaves,
        Rule::Crossing,
        Rule::Overlap,
        Rule::Spacing,
        Rule::Range,
        Rule::DropOut,
        Rule::OneStepNote,
        Rule::StrongBeatDissonance,
        Rule::OutOfKey,
    ];

    /// The rule's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ParallelFifths => "parallel fifths",
            Rule::ParallelOctaves => "parallel octaves/unisons",
            Rule::ContraryFifths => "contrary fifths",
            Rule::ContraryOctaves => "contrary octaves/unisons",
            Rule::HiddenFifthsOrOctaves => "hidden fifths/octaves",
            Rule::Crossing => "voice crossing",
            Rule::Overlap => "voice overlap",
            Rule::Spacing => "spacing over an octave",
            Rule::Range => "out of range",
            Rule::DropOut => "voice drops out",
            Rule::OneStepNote => "one-step note",
            Rule::StrongBeatDissonance => "strong-beat dissonance",
            Rule::OutOfKey => "out of key",
        }
    }

    /// How much a choir director minds it: parallels and drop-outs most, passing details least.
    pub fn weight(self) -> f64 {
        match self {
            Rule::ParallelFifths | Rule::ParallelOctaves | Rule::DropOut => 4.0,
            Rule::ContraryFifths | Rule::ContraryOctaves | Rule::Crossing => 2.0,
            Rule::HiddenFifthsOrOctaves | Rule::Range => 2.0,
            Rule::Overlap | Rule::Spacing | Rule::StrongBeatDissonance => 1.0,
            Rule::OneStepNote | Rule::OutOfKey => 0.5,
        }
    }
}

/// A position as bar:beat, with the 16th within the beat; bar 0 is the pickup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarBeat {
    /// The bar, from 1 at the first barline (0: the pickup).
    pub bar: usize,
    /// The beat in the bar, 1 to 4.
    pub beat: usize,
    /// The 16th in the beat, 1 to 4.
    pub sixteenth: usize,
}

impl BarBeat {
    /// The position of step `t` when the first barline is at step `pickup_steps`.
    pub fn at(t: usize, pickup_steps: usize) -> Self {
        // Shift so that the first barline falls on a multiple of the bar.
        let shifted = t + STEPS_PER_BAR - pickup_steps % STEPS_PER_BAR;
        let in_bar = shifted % STEPS_PER_BAR;
        Self {
            bar: shifted / STEPS_PER_BAR,
            beat: in_bar / STEPS_PER_BEAT + 1,
            sixteenth: in_bar % STEPS_PER_BEAT + 1,
        }
    }
}

impl fmt::Display for BarBeat {
    /// "3:2" on a beat, "3:2.3" on its third 16th.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sixteenth == 1 {
            write!(f, "{}:{}", self.bar, self.beat)
        } else {
            write!(f, "{}:{}.{}", self.bar, self.beat, self.sixteenth)
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The step where it happens.
    pub step: usize,
    /// The same as bar:beat.
    pub at: BarBeat,
    /// The voices involved (0 soprano … 3 bass), upper first.
    pub voices: Vec<usize>,
    /// The notes involved (MIDI pitches): for a move, each voice's note before and after.
    pub notes: Vec<u8>,
}

/// A MIDI pitch's name, "C4" for 60.
pub fn pitch_name(pitch: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
    ];
    format!(
        "{}{}",
        NAMES[usize::from(pitch % 12)],
        i32::from(pitch / 12) - 1
    )
}

impl fmt::Display for Finding {
    /// "bar 3:2  parallel fifths  alto–bass  D4→E4 / G3→A3".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let voices: Vec<String> = self
            .voices
            .iter()
            .map(|&k| VOICE_NAMES[k].to_lowercase())
            .collect();
        let notes: Vec<String> =
            if self.notes.len() == 2 * self.voices.len() && self.voices.len() > 1 {
                self.notes
                    .chunks(2)
                    .map(|c| format!("{}→{}", pitch_name(c[0]), pitch_name(c[1])))
                    .collect()
            } else {
                self.notes.iter().map(|&p| pitch_name(p)).collect()
            };
        write!(
            f,
            "bar {:<6} {:<26} {:<12} {}",
            self.at.to_string(),
            self.rule.name(),
            voices.join("–"),
            notes.join(" / ")
        )
    }
}
