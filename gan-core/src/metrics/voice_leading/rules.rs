//! The rules, each a pass over the lines. Every definition is on the 16th-note step grid.

use super::bach::VoiceRanges;
use super::finding::{BarBeat, Finding, Rule};
use super::lines::{Lines, Span};
use super::Rates;
use crate::metrics::Key;
use crate::roll::STEPS_PER_BEAT;

/// Pairs of voices, upper first: all six.
const PAIRS: [(usize, usize); 6] = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];
/// Intervals above the bass (semitones mod 12) that are dissonant: seconds, the fourth, the
/// tritone and sevenths.
const DISSONANT: [u8; 6] = [1, 2, 5, 6, 10, 11];
/// A lower voice resting this many steps (a half note) or more inside the piece drops out.
pub const DROP_OUT_STEPS: usize = 2 * STEPS_PER_BEAT;

/// One analysis in progress.
pub(super) struct Analysis<'a> {
    lines: &'a Lines,
    span: Span,
    pickup: usize,
    ranges: &'a VoiceRanges,
    key: Option<Key>,
    findings: Vec<Finding>,
}

/// Semitones mod 12 between two pitches, whichever is higher.
fn interval_class(a: u8, b: u8) -> u8 {
    a.abs_diff(b) % 12
}

impl<'a> Analysis<'a> {
    pub(super) fn new(
        lines: &'a Lines,
        span: Span,
        pickup: usize,
        ranges: &'a VoiceRanges,
        key: Option<Key>,
    ) -> Self {
        Self {
            lines,
            span,
            pickup,
            ranges,
            key,
            findings: Vec::new(),
        }
    }

    fn find(&mut self, rule: Rule, step: usize, voices: Vec<usize>, notes: Vec<u8>) {
        self.findings.push(Finding {
            rule,
            step,
            at: BarBeat::at(step, self.pickup),
            voices,
            notes,
        });
    }

    /// Runs every rule; the findings in time order, and the rates.
    pub(super) fn run(mut self) -> (Vec<Finding>, Rates) {
        let (moves, parallel, contrary) = self.consecutive_perfects();
        let (outer_moves, hidden) = self.hidden_perfects();
        let crossing = self.crossing();
        let (voice_moves, overlaps) = self.overlap();
        let spacing = self.spacing();
        let (notes, out_of_range) = self.range();
        let sounding = self.sounding();
        let (lower_notes, one_step) = self.one_step_notes();
        let (strong, dissonant) = self.strong_beat_dissonance();
        let lower_in_key = self.out_of_key();
        let per100 = |n: usize, d: usize| ratio(100 * n, d);
        let steps = self.span.len();
        let rates = Rates {
            parallel_per_100_moves: per100(parallel, moves),
            contrary_per_100_moves: per100(contrary, moves),
            hidden_per_100_outer_moves: per100(hidden, outer_moves),
            crossing_share: ratio(crossing, 3 * steps),
            overlap_per_100_moves: per100(overlaps, voice_moves),
            spacing_share: ratio(spacing, steps),
            out_of_range_share: ratio(out_of_range, notes),
            sounding,
            one_step_share: ratio(one_step, lower_notes),
            strong_beat_dissonance_share: ratio(dissonant, strong),
            lower_in_key,
            two_voice_moves: moves,
        };
        let mut findings = self.findings;
        findings.sort_by_key(|f| (f.step, f.voices.clone()));
        (findings, rates)
    }

    /// The steps after the first where something can move.
    fn steps(&self) -> std::ops::Range<usize> {
        self.span.start + 1..self.span.end
    }

    /// Voice `k`'s move into step `t`: its notes before and after, when it sounds at both
    /// steps and changes pitch.
    fn movement(&self, k: usize, t: usize) -> Option<(u8, u8)> {
        let (a, b) = (self.lines.at(k, t - 1)?, self.lines.at(k, t)?);
        (a != b).then_some((a, b))
    }

    /// **Consecutive fifths and octaves.** A *two-voice move* is a step `t` at which both
    /// voices of a pair sound at `t - 1` and at `t` and both change pitch. It is *parallel*
    /// when the interval class (semitones mod 12) of the pair is the same before and after,
    /// 7 (fifths) or 0 (octaves and unisons), and both voices move in the same direction;
    /// *contrary* when that holds but they move in opposite directions. Returns (two-voice
    /// moves, parallel, contrary) over all six pairs.
    fn consecutive_perfects(&mut self) -> (usize, usize, usize) {
        let (mut moves, mut parallel, mut contrary) = (0, 0, 0);
        for t in self.steps() {
            for (i, j) in PAIRS {
                let (Some((a0, a1)), Some((b0, b1))) = (self.movement(i, t), self.movement(j, t))
                else {
                    continue;
                };
                moves += 1;
                let (before, after) = (interval_class(a0, b0), interval_class(a1, b1));
                if before != after || !(before == 0 || before == 7) {
                    continue;
                }
                let similar = (a1 > a0) == (b1 > b0);
                let rule = match (similar, before) {
                    (true, 7) => Rule::ParallelFifths,
                    (true, _) => Rule::ParallelOctaves,
                    (false, 7) => Rule::ContraryFifths,
                    (false, _) => Rule::ContraryOctaves,
                };
                if similar {
                    parallel += 1;
                } else {
                    contrary += 1;
                }
                self.find(rule, t, vec![i, j], vec![a0, a1, b0, b1]);
            }
        }
        (moves, parallel, contrary)
    }

    /// **Hidden (direct) fifths and octaves**, soprano and bass only: at a two-voice move of
    /// the pair, both move in the same direction into interval class 7 or 0 from another
    /// interval class, and the soprano leaps (more than 2 semitones). Returns (soprano–bass
    /// moves, hidden).
    fn hidden_perfects(&mut self) -> (usize, usize) {
        let (mut moves, mut hidden) = (0, 0);
        for t in self.steps() {
            let (Some((s0, s1)), Some((b0, b1))) = (self.movement(0, t), self.movement(3, t))
            else {
                continue;
            };
            moves += 1;
            let (before, after) = (interval_class(s0, b0), interval_class(s1, b1));
            let similar = (s1 > s0) == (b1 > b0);
            if similar && (after == 0 || after == 7) && before != after && s0.abs_diff(s1) > 2 {
                hidden += 1;
                self.find(
                    Rule::HiddenFifthsOrOctaves,
                    t,
                    vec![0, 3],
                    vec![s0, s1, b0, b1],
                );
            }
        }
        (moves, hidden)
    }

    /// **Voice crossing**: at a step, a voice sounds strictly above its upper neighbour (alto
    /// above soprano, tenor above alto, bass above tenor). One finding where each crossing
    /// starts; returns the number of (step, neighbour pair) with a crossing, of the span's
    /// steps times the three neighbour pairs.
    fn crossing(&mut self) -> usize {
        let mut steps = 0;
        for t in self.span.start..self.span.end {
            for k in 1..4 {
                let crossed = |t: usize| match (self.lines.at(k - 1, t), self.lines.at(k, t)) {
                    (Some(upper), Some(lower)) => lower > upper,
                    _ => false,
                };
                if crossed(t) {
                    steps += 1;
                    if t == self.span.start || !crossed(t - 1) {
                        let notes = vec![
                            self.lines.at(k - 1, t).unwrap_or(0),
                            self.lines.at(k, t).unwrap_or(0),
                        ];
                        self.find(Rule::Crossing, t, vec![k - 1, k], notes);
                    }
                }
            }
        }
        steps
    }

    /// **Overlap**: a voice moves (sounds before and after, changes pitch) to a note above
    /// the note its upper neighbour sounded at the step before, or below the note its lower
    /// neighbour sounded, while not crossing it at the new step. Returns (single-voice moves,
    /// overlaps).
    fn overlap(&mut self) -> (usize, usize) {
        let (mut moves, mut overlaps) = (0, 0);
        for t in self.steps() {
            for k in 0..4 {
                let Some((_, to)) = self.movement(k, t) else {
                    continue;
                };
                moves += 1;
                if k > 0 {
                    let (was, now) = (self.lines.at(k - 1, t - 1), self.lines.at(k - 1, t));
                    if let (Some(was), Some(now)) = (was, now) {
                        if to > was && to <= now {
                            overlaps += 1;
                            self.find(Rule::Overlap, t, vec![k - 1, k], vec![was, to]);
                        }
                    }
                }
                if k < 3 {
                    let (was, now) = (self.lines.at(k + 1, t - 1), self.lines.at(k + 1, t));
                    if let (Some(was), Some(now)) = (was, now) {
                        if to < was && to >= now {
                            overlaps += 1;
                            self.find(Rule::Overlap, t, vec![k, k + 1], vec![to, was]);
                        }
                    }
                }
            }
        }
        (moves, overlaps)
    }

    /// **Spacing**: soprano–alto or alto–tenor more than 12 semitones apart (both sounding).
    /// One finding where each wide stretch starts; the rate counts every such step.
    fn spacing(&mut self) -> usize {
        let mut steps = 0;
        for t in self.span.start..self.span.end {
            let mut any = false;
            for k in [0, 1] {
                let wide = |t: usize| match (self.lines.at(k, t), self.lines.at(k + 1, t)) {
                    (Some(upper), Some(lower)) => i32::from(upper) - i32::from(lower) > 12,
                    _ => false,
                };
                if wide(t) {
                    any = true;
                    if t == self.span.start || !wide(t - 1) {
                        let notes = vec![
                            self.lines.at(k, t).unwrap_or(0),
                            self.lines.at(k + 1, t).unwrap_or(0),
                        ];
                        self.find(Rule::Spacing, t, vec![k, k + 1], notes);
                    }
                }
            }
            steps += usize::from(any);
        }
        steps
    }

    /// **Range**: a note (all voices) whose pitch is outside its voice's range. Returns
    /// (notes, notes out of range).
    fn range(&mut self) -> (usize, usize) {
        let (mut notes, mut out) = (0, 0);
        for k in 0..4 {
            let (lo, hi) = self.ranges.voices[k];
            for note in self.lines.notes(k) {
                notes += 1;
                if note.pitch < lo || note.pitch > hi {
                    out += 1;
                    self.find(Rule::Range, note.start, vec![k], vec![note.pitch]);
                }
            }
        }
        (notes, out)
    }

    /// **Sounding**: for each voice, the share of the span's steps where it has a note.
    /// **Drop-out**: a lower voice's rest of [`DROP_OUT_STEPS`] or more inside the span.
    fn sounding(&mut self) -> [f64; 4] {
        let Span { start, end } = self.span;
        let mut shares = [0.0; 4];
        for (k, share) in shares.iter_mut().enumerate() {
            let sounding = (start..end)
                .filter(|&t| self.lines.at(k, t).is_some())
                .count();
            *share = ratio(sounding, self.span.len());
            let mut t = start;
            while t < end {
                if self.lines.at(k, t).is_some() {
                    t += 1;
                    continue;
                }
                let rest = t;
                while t < end && self.lines.at(k, t).is_none() {
                    t += 1;
                }
                if k > 0 && t - rest >= DROP_OUT_STEPS {
                    self.find(Rule::DropOut, rest, vec![k], vec![]);
                }
            }
        }
        shares
    }

    /// **One-step notes**: notes of alto, tenor or bass that last one step (a 16th). Returns
    /// (lower voices' notes, one-step notes).
    fn one_step_notes(&mut self) -> (usize, usize) {
        let (mut notes, mut short) = (0, 0);
        for k in 1..4 {
            for note in self.lines.notes(k) {
                notes += 1;
                if note.end - note.start == 1 {
                    short += 1;
                    self.find(Rule::OneStepNote, note.start, vec![k], vec![note.pitch]);
                }
            }
        }
        (notes, short)
    }

    /// **Strong-beat dissonance**: on beats 1 and 3 of a bar, a soprano, alto or tenor note
    /// whose interval above the bass (semitones mod 12) is a second, fourth, tritone or
    /// seventh (1, 2, 5, 6, 10, 11), both sounding. Returns (such voice–bass pairs, dissonant).
    fn strong_beat_dissonance(&mut self) -> (usize, usize) {
        let (mut pairs, mut dissonant) = (0, 0);
        for t in self.span.start..self.span.end {
            let at = BarBeat::at(t, self.pickup);
            if at.sixteenth != 1 || !(at.beat == 1 || at.beat == 3) {
                continue;
            }
            let Some(bass) = self.lines.at(3, t) else {
                continue;
            };
            for k in 0..3 {
                let Some(upper) = self.lines.at(k, t) else {
                    continue;
                };
                pairs += 1;
                let interval = (i32::from(upper) - i32::from(bass)).rem_euclid(12) as u8;
                if DISSONANT.contains(&interval) {
                    dissonant += 1;
                    self.find(Rule::StrongBeatDissonance, t, vec![k, 3], vec![upper, bass]);
                }
            }
        }
        (pairs, dissonant)
    }

    /// **Key**: the share of the lower voices' note duration whose pitch class is in the
    /// melody's key ([`Key::contains`]); one finding per note outside it. NaN without a key
    /// or without lower notes.
    fn out_of_key(&mut self) -> f64 {
        let Some(key) = self.key else {
            return f64::NAN;
        };
        let (mut inside, mut all) = (0, 0);
        for k in 1..4 {
            for note in self.lines.notes(k) {
                let steps = note.end - note.start;
                all += steps;
                if key.contains(note.pitch) {
                    inside += steps;
                } else {
                    self.find(Rule::OutOfKey, note.start, vec![k], vec![note.pitch]);
                }
            }
        }
        ratio(inside, all)
    }
}

/// `num / den`, or NaN when `den` is zero.
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}
