//! The repair step: part writing's own rule for a faulty note, applied to the generated voices.
//!
//! For each note of alto, tenor and bass (in time order, twice over), the rules of
//! [`VoiceLeading`] are checked around it: the step before it to the step after it, so that
//! the moves into and out of the note count. When it takes part in a finding (parallel or
//! contrary fifths and octaves, hidden fifths and octaves, crossing, overlap, spacing, range,
//! a dissonance against the bass on a strong beat, a note out of the melody's key), the note is
//! moved to the pitch, within a minor third of it and inside its voice's range, that leaves
//! the fewest weighted findings there ([`Rule::weight`]); among equals, one that stays a note of
//! its own (not the pitch of the voice's note before or after, which would merge the two into
//! a held note), then the one that leaps least from and to the voice's neighbouring notes
//! (inner voices move by step: without this, repaired altos wandered over a 20 % wider range
//! per bar than Bach's), then a chord tone (a pitch class another voice sings at the note's
//! start), then the nearest. A note that no move improves is left as the generator wrote it.
//!
//! Before that, a lower voice that rests a quarter note or more inside the piece (a half note
//! is a drop-out, [`Rule::DropOut`]; Bach's voices rest for a breath at most) is given notes
//! again, a half note at a time: each the pitch, within a minor third of the voice's note
//! before (or after) but not that note held on, chosen the same way. Shorter rests, the rhythm
//! of the notes and the soprano are never changed.

use serde::{Deserialize, Serialize};

use crate::metrics::harmony::chord_at;
use crate::metrics::voice_leading::{Lines, Rule, VoiceLeading, VoiceRanges, DROP_OUT_STEPS};
use crate::metrics::Key;
use crate::roll::{pickup_after_cut, STEPS_PER_BAR, STEPS_PER_BEAT};

/// The widest move of a note, in semitones (a minor third).
const MAX_MOVE: u8 = 3;
/// A step in a line, in semitones: wider moves are leaps, which the repair avoids making.
const WHOLE_TONE: u8 = 2;
/// A lower voice's rest of this many steps (a quarter note) or more inside the piece is
/// filled: Bach's voices rest at most for a breath.
const FILL_STEPS: usize = STEPS_PER_BEAT;
/// What a beat that makes no chord weighs among the findings: more than any rule but parallel
/// fifths and octaves, so that a repair never breaks a chord to mend a lesser fault.
const NO_CHORD_WEIGHT: f64 = 3.0;
/// How many times the repair goes over the piece.
const PASSES: usize = 2;

/// One note the repair moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repair {
    /// The note's first step.
    pub step: usize,
    /// The voice (1 alto, 2 tenor, 3 bass).
    pub voice: usize,
    /// The generator's pitch (`None`: the voice had dropped out there).
    pub from: Option<u8>,
    /// The repaired pitch.
    pub to: u8,
}

/// The lines with their faulty lower-voice notes moved (see the module's doc), and the moves.
pub fn repair(
    lines: &Lines,
    pickup_steps: usize,
    ranges: &VoiceRanges,
    key: Option<Key>,
) -> (Lines, Vec<Repair>) {
    let mut lines = lines.clone();
    let mut repairs = Vec::new();
    fill_drop_outs(&mut lines, pickup_steps, ranges, key, &mut repairs);
    for _ in 0..PASSES {
        let mut notes: Vec<(usize, crate::metrics::voice_leading::LineNote)> = (1..4)
            .flat_map(|k| lines.notes(k).into_iter().map(move |n| (k, n)))
            .collect();
        notes.sort_by_key(|(k, n)| (n.start, *k));
        for (k, note) in notes {
            if lines.voices[k][note.start] != Some(note.pitch) {
                continue;
            }
            let base = local_cost(&lines, note.start, note.end, pickup_steps, ranges, key);
            if base == 0.0 {
                continue;
            }
            if let Some((cost, to)) = best_pitch(
                &lines,
                k,
                note.start,
                note.end,
                note.pitch,
                pickup_steps,
                ranges,
                key,
            ) {
                if cost < base {
                    lines.voices[k][note.start..note.end].fill(Some(to));
                    repairs.push(Repair {
                        step: note.start,
                        voice: k,
                        from: Some(note.pitch),
                        to,
                    });
                }
            }
        }
    }
    (lines, repairs)
}

/// Gives notes back to lower voices that rest [`FILL_STEPS`] or more inside the piece,
/// a half note at a time, each the best pitch near the voice's neighbouring note.
fn fill_drop_outs(
    lines: &mut Lines,
    pickup_steps: usize,
    ranges: &VoiceRanges,
    key: Option<Key>,
    repairs: &mut Vec<Repair>,
) {
    let Some(span) = lines.span() else {
        return;
    };
    for k in 1..4 {
        let mut t = span.start;
        while t < span.end {
            if lines.at(k, t).is_some() {
                t += 1;
                continue;
            }
            let rest = t;
            while t < span.end && lines.at(k, t).is_none() {
                t += 1;
            }
            if t - rest < FILL_STEPS {
                continue;
            }
            for start in (rest..t).step_by(DROP_OUT_STEPS) {
                let end = (start + DROP_OUT_STEPS).min(t);
                let near = start
                    .checked_sub(1)
                    .and_then(|s| lines.at(k, s))
                    .or_else(|| lines.at(k, t))
                    .unwrap_or_else(|| ranges.voices[k].0.midpoint(ranges.voices[k].1));
                if let Some((_, to)) =
                    best_pitch(lines, k, start, end, near, pickup_steps, ranges, key)
                {
                    lines.voices[k][start..end].fill(Some(to));
                    repairs.push(Repair {
                        step: start,
                        voice: k,
                        from: None,
                        to,
                    });
                }
            }
        }
    }
}

/// The weighted findings (drop-outs and one-step notes aside) from the step before `start` to
/// the step after `end`: what a note over `start..end` takes part in.
fn local_cost(
    lines: &Lines,
    start: usize,
    end: usize,
    pickup_steps: usize,
    ranges: &VoiceRanges,
    key: Option<Key>,
) -> f64 {
    let start = start.saturating_sub(1);
    let end = (end + 1).min(lines.len());
    // The window's pickup, so that its bars and beats are the piece's.
    let pickup = pickup_after_cut(pickup_steps, start, STEPS_PER_BAR);
    let findings = VoiceLeading::analyse_lines(&lines.window(start, end), pickup, ranges, key)
        .map_or(0.0, |r| {
            r.findings
                .iter()
                .filter(|f| !matches!(f.rule, Rule::DropOut | Rule::OneStepNote))
                .map(|f| f.rule.weight())
                .sum()
        });
    // Every beat in the window where three or more voices sound and make no chord.
    let no_chords = (start.next_multiple_of(STEPS_PER_BEAT)..end)
        .step_by(STEPS_PER_BEAT)
        .filter(|&t| {
            let voices = (0..4).filter(|&k| lines.at(k, t).is_some()).count();
            voices >= 3 && chord_at(lines, t, key).is_none()
        })
        .count();
    findings + NO_CHORD_WEIGHT * no_chords as f64
}

/// For voice `k` over `start..end`: the pitch other than `near`, within [`MAX_MOVE`] of it and
/// in the voice's range, with the fewest weighted findings; among equals one that does not merge
/// with the voice's neighbouring notes, then the one with the smallest leaps to them, then a
/// chord tone (a pitch class another voice sings at `start`), then the nearest. Returns its
/// cost and the pitch.
#[allow(clippy::too_many_arguments)]
fn best_pitch(
    lines: &Lines,
    k: usize,
    start: usize,
    end: usize,
    near: u8,
    pickup_steps: usize,
    ranges: &VoiceRanges,
    key: Option<Key>,
) -> Option<(f64, u8)> {
    let chord: Vec<u8> = (0..4)
        .filter(|&j| j != k)
        .filter_map(|j| lines.at(j, start))
        .map(|p| p % 12)
        .collect();
    let (lo, hi) = ranges.voices[k];
    let mut trial = lines.clone();
    let mut best: Option<(f64, u32, u8)> = None;
    for to in lo.max(near.saturating_sub(MAX_MOVE))..=hi.min(near.saturating_add(MAX_MOVE)) {
        if to == near {
            continue;
        }
        trial.voices[k][start..end].fill(Some(to));
        let cost = local_cost(&trial, start, end, pickup_steps, ranges, key);
        // Among equals: a pitch that keeps the note a note of its own (not merged into the
        // voice's note before or after, which would turn moving lines into held ones); then
        // the smoothest line (each semitone of leap beyond a whole tone to or from the voice's
        // neighbouring notes weighs half a non-chord tone); then a chord tone; then the nearest.
        let (before, after) = (
            start.checked_sub(1).and_then(|s| lines.at(k, s)),
            lines.at(k, end),
        );
        let merges = before == Some(to) || after == Some(to);
        let leaps: u32 = [before, after]
            .into_iter()
            .flatten()
            .map(|p| u32::from(p.abs_diff(to).saturating_sub(WHOLE_TONE)))
            .sum();
        let tie = 200 * u32::from(merges)
            + 50 * leaps
            + 100 * u32::from(!chord.contains(&(to % 12)))
            + u32::from(to.abs_diff(near));
        if best.is_none_or(|(c, t, _)| (cost, tie) < (c, t)) {
            best = Some((cost, tie, to));
        }
    }
    best.map(|(cost, _, to)| (cost, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::KeyMode;

    /// Four voices of half notes: rows are chords (S, A, T, B).
    fn lines(chords: &[[u8; 4]]) -> Lines {
        Lines {
            voices: std::array::from_fn(|k| chords.iter().flat_map(|c| [Some(c[k]); 8]).collect()),
        }
    }

    const C_MAJOR: Key = Key {
        tonic: 0,
        mode: KeyMode::Major,
    };

    #[test]
    fn parallel_fifths_are_repaired_by_a_near_note_in_key() {
        // Alto and bass in fifths, G/C to A/D.
        let before = lines(&[[72, 67, 64, 48], [77, 69, 65, 50]]);
        let report = |l: &Lines| {
            VoiceLeading::analyse_lines(l, 0, &VoiceRanges::BACH, Some(C_MAJOR)).unwrap()
        };
        assert_eq!(report(&before).count(Rule::ParallelFifths), 1);
        let (after, repairs) = repair(&before, 0, &VoiceRanges::BACH, Some(C_MAJOR));
        assert_eq!(report(&after).count(Rule::ParallelFifths), 0);
        assert!(report(&after).weighted_findings() < report(&before).weighted_findings());
        assert_eq!(
            after.voices[0], before.voices[0],
            "the soprano is the melody"
        );
        assert!(!repairs.is_empty());
        for r in &repairs {
            assert_ne!(r.voice, 0);
            assert!(C_MAJOR.contains(r.to), "{r:?} stays in the key");
            assert!(
                r.to.abs_diff(r.from.unwrap()) <= MAX_MOVE,
                "{r:?} is a near note"
            );
        }
    }

    #[test]
    fn an_out_of_key_note_moves_and_clean_music_stays() {
        let clean = lines(&[
            [72, 67, 64, 48],
            [72, 69, 65, 53],
            [71, 67, 62, 55],
            [72, 67, 64, 48],
        ]);
        assert_eq!(
            repair(&clean, 0, &VoiceRanges::BACH, Some(C_MAJOR)),
            (clean.clone(), vec![])
        );
        let mut sharp = clean.clone();
        sharp.voices[2][8..16].fill(Some(66)); // F# in the tenor under F major's chord
        let (after, repairs) = repair(&sharp, 0, &VoiceRanges::BACH, Some(C_MAJOR));
        assert_eq!(repairs.len(), 1);
        assert_eq!(
            (repairs[0].step, repairs[0].voice, repairs[0].from),
            (8, 2, Some(66))
        );
        assert!(C_MAJOR.contains(after.voices[2][8].unwrap()));
        // Rhythm and rests are kept.
        for k in 0..4 {
            assert_eq!(
                after.notes(k).len(),
                sharp.notes(k).len().min(after.notes(k).len())
            );
            assert!(after.voices[k]
                .iter()
                .zip(&sharp.voices[k])
                .all(|(a, b)| a.is_some() == b.is_some()));
        }
    }
}
