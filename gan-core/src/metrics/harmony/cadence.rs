//! Cadences: how a phrase ends, read from its last chord and the chord before it.
//!
//! The last chord is the sonority at the phrase's last sounding step (where that is no chord,
//! the one on the beat where it began). The chord before it is read through
//! suspensions and passing notes: the bass note before the last one, and the chord that best
//! explains every note that sounds over it (the time each pitch class sounds inside the chord,
//! less the time outside it).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::chord::{Chord, Quality};
use super::BarBeat;
use crate::metrics::voice_leading::Lines;
use crate::metrics::{Key, KeyMode};
use crate::roll::STEPS_PER_BEAT;

/// Which cadence ends a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadenceKind {
    /// V or V7 in root position, then I in root position.
    Authentic,
    /// Ends on V.
    Half,
    /// IV, then I in root position.
    Plagal,
    /// V, then vi (VI in minor).
    Deceptive,
    /// None of these.
    None,
}

impl CadenceKind {
    /// Every kind, in report order.
    pub const ALL: [CadenceKind; 5] = [
        CadenceKind::Authentic,
        CadenceKind::Half,
        CadenceKind::Plagal,
        CadenceKind::Deceptive,
        CadenceKind::None,
    ];

    /// The kind's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            CadenceKind::Authentic => "authentic",
            CadenceKind::Half => "half",
            CadenceKind::Plagal => "plagal",
            CadenceKind::Deceptive => "deceptive",
            CadenceKind::None => "none",
        }
    }
}

impl fmt::Display for CadenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The cadence at one phrase end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cadence {
    /// The phrase end (the step after its last note).
    pub end: usize,
    /// Where the last chord sounds.
    pub at: BarBeat,
    /// The chord before the last, if one explains its notes.
    pub before: Option<Chord>,
    /// The last chord, if it is one.
    pub last: Option<Chord>,
    /// Which cadence it is, in the piece's key.
    pub kind: CadenceKind,
}

impl Cadence {
    /// The cadence as one line in `key`: "12:3 V–I authentic" ("–" for no chord).
    pub fn describe(&self, key: Key) -> String {
        let (before, last) = (
            super::numeral(self.before, key),
            super::numeral(self.last, key),
        );
        format!("{} {before}–{last} {}", self.at, self.kind)
    }

    /// The cadence ending at step `end` of `lines` in `key`; `None` when nothing sounds before it.
    pub fn at_end(lines: &Lines, end: usize, pickup_steps: usize, key: Key) -> Option<Cadence> {
        let end = end.min(lines.len());
        let sounding = |t: usize| -> [Option<u8>; 4] { std::array::from_fn(|k| lines.at(k, t)) };
        let last_step = (0..end)
            .rev()
            .find(|&t| sounding(t).iter().any(Option::is_some))?;
        // Back to where the last sonority begins, then to its beat.
        let mut start = last_step;
        while start > 0 && sounding(start - 1) == sounding(last_step) {
            start -= 1;
        }
        let beat = start - start % STEPS_PER_BEAT;
        let last =
            chord_at(lines, last_step, Some(key)).or_else(|| chord_at(lines, beat, Some(key)));
        // The bass note before the one sounding at the last chord.
        let bass_now = lines.at(3, start);
        let mut t = start;
        while t > 0 && lines.at(3, t - 1) == bass_now {
            t -= 1;
        }
        let before_end = t;
        let mut s = before_end;
        let bass_before = before_end.checked_sub(1).and_then(|p| lines.at(3, p));
        while s > 0
            && lines.at(3, s - 1) == bass_before
            && before_end - (s - 1) <= 2 * STEPS_PER_BEAT
        {
            s -= 1;
        }
        let before = bass_before.and_then(|bass| explain(lines, s, before_end, bass, key));
        let kind = kind(before, last, key);
        Some(Cadence {
            end,
            at: BarBeat::at(beat, pickup_steps),
            before,
            last,
            kind,
        })
    }
}

/// The chord that the voices sounding at step `t` of `lines` make, if they make one.
pub fn chord_at(lines: &Lines, t: usize, key: Option<Key>) -> Option<Chord> {
    let pitches: Vec<u8> = (0..4).filter_map(|k| lines.at(k, t)).collect();
    let bass = *pitches.iter().min()?;
    Chord::identify(super::chord::pitch_classes(pitches), bass, key)
}

/// The chord with `bass` as a chord tone that best explains the notes over `start..end`.
fn explain(lines: &Lines, start: usize, end: usize, bass: u8, key: Key) -> Option<Chord> {
    let mut time = [0f32; 12];
    for t in start..end {
        for k in 0..4 {
            if let Some(p) = lines.at(k, t) {
                time[usize::from(p % 12)] += 1.0;
            }
        }
    }
    let mut best: Option<(f32, Chord)> = None;
    for root in 0..12u8 {
        for quality in [
            Quality::Major,
            Quality::Minor,
            Quality::Diminished,
            Quality::Dominant7,
            Quality::Diminished7,
        ] {
            let chord = Chord {
                root,
                quality,
                complete: true,
                bass: bass % 12,
            };
            if !chord.contains(bass) {
                continue;
            }
            let tones = chord.tones();
            let mut score: f32 = (0..12)
                .map(|pc| {
                    if tones & 1 << pc != 0 {
                        time[pc]
                    } else {
                        -time[pc]
                    }
                })
                .sum();
            // A seventh explains a note more than a triad: only when the seventh sounds.
            if quality.is_seventh() {
                score -= 0.5;
            }
            if chord.root_position() {
                score += 0.25;
            }
            if chord.diatonic(key) {
                score += 0.25;
            }
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, chord));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Which cadence `before` then `last` make in `key`.
fn kind(before: Option<Chord>, last: Option<Chord>, key: Key) -> CadenceKind {
    let Some(last) = last else {
        return CadenceKind::None;
    };
    let on = |c: &Chord, interval: u8| c.root == (key.tonic + interval) % 12;
    let major = |c: &Chord| c.quality.triad() == Quality::Major;
    let dominant = |c: &Chord| on(c, 7) && major(c);
    let tonic_triad = on(&last, 0)
        && matches!(last.quality, Quality::Major | Quality::Minor)
        && last.root_position();
    if tonic_triad {
        return match before {
            Some(b) if dominant(&b) && b.root_position() => CadenceKind::Authentic,
            Some(b) if on(&b, 5) && b.quality.triad() != Quality::Diminished => CadenceKind::Plagal,
            _ => CadenceKind::None,
        };
    }
    if dominant(&last) && !last.quality.is_seventh() {
        return CadenceKind::Half;
    }
    let submediant = match key.mode {
        KeyMode::Major => 9,
        KeyMode::Minor => 8,
    };
    if on(&last, submediant) && before.is_some_and(|b| dominant(&b)) {
        return CadenceKind::Deceptive;
    }
    CadenceKind::None
}
