//! The harmonic decoder: from the generator's output to three lower voices that make a chord on
//! every beat and a cadence at every phrase end.
//!
//! Three passes, each a Viterbi or a local choice driven by the generator's values:
//!
//! 1. **Chords.** One chord per beat from the key's vocabulary ([`ChordModel`]): each beat scores
//!    how strongly the generator writes the chord's tones in the alto, tenor and bass, whether
//!    the melody's note on the beat is a chord tone, and how often Bach follows the chord before
//!    with this one. At each phrase end the chord under the melody's last note is held to the
//!    end, the tonic or dominant is preferred there with the dominant before it, and the piece
//!    ends V–I where the melody allows.
//! 2. **Voicings.** Alto, tenor and bass pitches for each beat's chord, in their ranges, below
//!    the melody and in order: complete chords, the root in the bass where it can be, no doubled
//!    leading tone; from beat to beat near notes and no parallel or contrary fifths and octaves;
//!    the generator's values choose among the rest.
//! 3. **Figures.** Where the generator writes a passing note between two beats' notes a third
//!    apart (or a neighbour between repeated notes), the voice sings it on the second eighth.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use super::chord_model::{KeyChord, ModeModel};
use crate::metrics::harmony::{Chord, Quality};
use crate::metrics::voice_leading::VoiceRanges;
use crate::metrics::Key;
use crate::roll::STEPS_PER_BEAT;

/// What the harmonic decoder weighs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChordCosts {
    /// Weight of the generator's values for the chord's tones (per voice, -1 to 1).
    pub generator: f32,
    /// Weight of Bach's chord succession, ln P(chord | chord before).
    pub succession: f32,
    /// Cost of the same chord on the next beat (outside a cadence's held chord).
    pub repeat: f32,
    /// Cost of a chord that does not hold the melody's note on the beat.
    pub melody_off: f32,
    /// Bonus at the piece's last chord for the tonic and the dominant before it (three times
    /// this; any other last chord pays as much).
    pub cadence: f32,
    /// Bonus at an inner phrase end's last chord for the tonic (half of it for a half
    /// cadence's dominant, and for the dominant before the last chord).
    pub phrase_cadence: f32,
    /// Weight of the generator's values for the voiced pitches.
    pub voicing_generator: f32,
    /// Cost of a chord in first inversion (second inversion and the seventh in the bass cost
    /// three times as much).
    pub inversion: f32,
    /// Cost of a triad without its fifth.
    pub no_fifth: f32,
    /// Cost per semitone of an inner voice's move.
    pub motion: f32,
    /// The bass's share of the motion cost (Bach's basses leap by fourths, fifths and octaves).
    pub bass_motion: f32,
    /// Cost of keeping every voice where it is while the chord repeats.
    pub static_voicing: f32,
    /// Cost of parallel or contrary fifths or octaves.
    pub parallel: f32,
    /// How much more the generator must write a passing or neighbour note than the held one
    /// for the alto or tenor to sing it (below 0: a figure is sung unless the generator clearly
    /// holds; a neighbour between repeated notes needs twice this).
    pub figure: f32,
    /// The same for the bass.
    pub bass_figure: f32,
}

impl Default for ChordCosts {
    /// Chosen on the 32 held-out chorales' harmony and lab metrics and on our six melodies'
    /// variations (see data/README.md): the generator's values weigh twice Bach's chord
    /// successions, so that variations differ; inner voices move almost freely (the generator
    /// and the rules of part writing choose), the bass leaps as Bach's do, figures are sung
    /// unless the generator clearly holds, and a chord repeated on the next beat costs a little,
    /// so that the lower voices use within 10 % as many pitches per bar as Bach's.
    fn default() -> Self {
        Self {
            generator: 2.0,
            succession: 1.0,
            repeat: 1.5,
            melody_off: 6.0,
            cadence: 3.0,
            phrase_cadence: 3.0,
            voicing_generator: 2.5,
            inversion: 0.8,
            no_fifth: 1.0,
            motion: 0.02,
            bass_motion: 2.5,
            static_voicing: 1.5,
            parallel: 12.0,
            figure: -0.8,
            bass_figure: -1.5,
        }
    }
}

/// One beat of the piece as the decoder sees it.
#[derive(Debug, Clone, Copy, Default)]
struct Beat {
    /// The melody's pitch on the beat (in the generator's register), if it sounds.
    melody: Option<u8>,
    /// The beat continues the last chord of a phrase: keep chord and voicing.
    hold: bool,
    /// The beat is a phrase's last chord (`Some(true)` for the piece's end).
    cadence: Option<bool>,
    /// The beat is the one before a phrase's last chord (`Some(true)` for the piece's end).
    before_cadence: Option<bool>,
    /// The piece sounds on this beat (the melody has begun and not ended).
    active: bool,
}

/// Alto, tenor and bass lines (steps long, in the register of `values`) for `melody` (one pitch or
/// rest per step, in that register) in `key`, from the generator's `values` (steps × 128 × 4),
/// with a cadence at each of `phrase_ends` (steps; the melody's end is always one).
pub fn harmonise(
    values: &Array3<f32>,
    melody: &[Option<u8>],
    key: Key,
    phrase_ends: &[usize],
    model: &ModeModel,
    costs: &ChordCosts,
) -> [Vec<Option<u8>>; 3] {
    let steps = melody.len().min(values.dim().0);
    let mut out: [Vec<Option<u8>>; 3] = std::array::from_fn(|_| vec![None; steps]);
    let beats = plan(melody, phrase_ends, steps);
    let Some(first) = beats.iter().position(|b| b.active) else {
        return out;
    };
    let last = beats.iter().rposition(|b| b.active).unwrap_or(first);
    let beats = &beats[first..=last];
    let mean = |b: usize, k: usize, p: u8, from: usize, to: usize| -> f32 {
        let (start, end) = (
            ((first + b) * STEPS_PER_BEAT + from).min(steps),
            ((first + b) * STEPS_PER_BEAT + to).min(steps),
        );
        if end <= start {
            return -1.0;
        }
        (start..end)
            .map(|t| values[[t, usize::from(p), k]])
            .sum::<f32>()
            / (end - start) as f32
    };
    let chords: Vec<Chord> = choose_chords(beats, key, model, costs, &|b, k, p| {
        mean(b, k, p, 0, STEPS_PER_BEAT)
    });
    let voicings = choose_voicings(beats, &chords, key, costs, &|b, k, p| {
        mean(b, k, p, 0, STEPS_PER_BEAT)
    });
    for (b, v) in voicings.iter().enumerate() {
        let start = (first + b) * STEPS_PER_BEAT;
        let end = ((first + b + 1) * STEPS_PER_BEAT).min(steps);
        for (i, line) in out.iter_mut().enumerate() {
            line[start..end].fill(Some(v[i]));
        }
    }
    // Figures: a passing note between notes a third apart, a neighbour between repeated ones.
    for b in 0..voicings.len().saturating_sub(1) {
        if beats[b].hold
            || beats[b + 1].hold
            || beats[b].cadence.is_some()
            || beats[b].before_cadence == Some(true)
        {
            continue;
        }
        for i in 0..3 {
            let (p, q) = (voicings[b][i], voicings[b + 1][i]);
            let chord = &chords[b];
            let (lo, hi) = VoiceRanges::BACH.voices[i + 1];
            // A passing or neighbour note into the next beat's note, or a skip to another tone
            // of the chord; never the next note itself.
            let candidates: Vec<u8> = (p.saturating_sub(4)..=p + 4)
                .filter(|&m| m != p && m != q && (lo..=hi).contains(&m) && key.contains(m))
                .filter(|&m| {
                    let passing = m.abs_diff(q) <= 2 && m.abs_diff(p) <= 2 && (m > p) == (q > m);
                    let neighbour = p == q && m.abs_diff(p) <= 2;
                    let skip = chord.contains(m) && m.abs_diff(q) <= 4;
                    passing || neighbour || skip
                })
                .collect();
            let half = STEPS_PER_BEAT / 2;
            let hold = mean(b, i + 1, p, half, STEPS_PER_BEAT);
            let figure = if i == 2 {
                costs.bass_figure
            } else {
                costs.figure
            };
            let threshold = if p == q { 2.0 * figure } else { figure };
            let mut ranked: Vec<(f32, u8)> = candidates
                .into_iter()
                .map(|m| (mean(b, i + 1, m, half, STEPS_PER_BEAT), m))
                .filter(|&(value, m)| {
                    value - hold > threshold && fits(&voicings[b], i, m, beats[b].melody)
                })
                .collect();
            ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let t0 = (first + b) * STEPS_PER_BEAT;
            let (t1, t2) = (t0 + half, t0 + STEPS_PER_BEAT);
            if t2 >= steps {
                continue;
            }
            // The best figure that makes no parallel fifths or octaves with another voice.
            for (_, m) in ranked {
                out[i][t1..t2].fill(Some(m));
                if !figure_makes_parallels(melody, &out, i, t0) {
                    break;
                }
                out[i][t1..t2].fill(Some(p));
            }
        }
    }
    // A figure that makes parallel fifths or octaves with another voice is not sung.
    for b in 0..voicings.len().saturating_sub(1) {
        let t0 = (first + b) * STEPS_PER_BEAT;
        let (t1, t2) = (t0 + STEPS_PER_BEAT / 2, t0 + STEPS_PER_BEAT);
        if t2 >= steps {
            continue;
        }
        for i in 0..3 {
            if out[i][t1] == out[i][t0] {
                continue;
            }
            if figure_makes_parallels(melody, &out, i, t0) {
                let p = out[i][t0];
                out[i][t1..t2].fill(p);
            }
        }
    }
    out
}

/// Whether lower voice `i`'s figure in the beat from step `t0` (its second eighth) makes
/// parallel fifths or octaves, into it or out of it, with another voice (voice `i` taken as
/// the first of each pair).
fn figure_makes_parallels(
    melody: &[Option<u8>],
    out: &[Vec<Option<u8>>; 3],
    i: usize,
    t0: usize,
) -> bool {
    let at = |t: usize| -> [Option<u8>; 4] { [melody[t], out[0][t], out[1][t], out[2][t]] };
    let (a, m, c) = (at(t0), at(t0 + STEPS_PER_BEAT / 2), at(t0 + STEPS_PER_BEAT));
    (0..4).filter(|&j| j != i + 1).any(|j| {
        parallel(a[i + 1], a[j], m[i + 1], m[j]) || parallel(m[i + 1], m[j], c[i + 1], c[j])
    })
}

/// Whether two voices move from `a0`/`b0` to `a1`/`b1` in parallel fifths or octaves (or by
/// contrary motion between them).
fn parallel(a0: Option<u8>, b0: Option<u8>, a1: Option<u8>, b1: Option<u8>) -> bool {
    let (Some(a0), Some(b0), Some(a1), Some(b1)) = (a0, b0, a1, b1) else {
        return false;
    };
    let class = |x: u8, y: u8| (i16::from(x) - i16::from(y)).rem_euclid(12);
    let perfect = |c: i16| c == 0 || c == 7;
    a0 != a1 && b0 != b1 && perfect(class(a0, b0)) && class(a0, b0) == class(a1, b1)
}

/// Whether voice `i` (0 alto, 1 tenor, 2 bass) may sing `m` against the voicing `v` and the
/// melody `s` without crossing a neighbour.
fn fits(v: &[u8; 3], i: usize, m: u8, s: Option<u8>) -> bool {
    let upper = if i == 0 { s } else { Some(v[i - 1]) };
    let lower = v.get(i + 1).copied();
    upper.is_none_or(|u| m < u) && lower.is_none_or(|l| m > l)
}

/// The beats of the piece: the melody on each, and where the cadences fall.
fn plan(melody: &[Option<u8>], phrase_ends: &[usize], steps: usize) -> Vec<Beat> {
    let n = steps.div_ceil(STEPS_PER_BEAT);
    let mut beats = vec![Beat::default(); n];
    let first = melody.iter().position(Option::is_some);
    let last = melody.iter().rposition(Option::is_some);
    let (Some(first), Some(last)) = (first, last) else {
        return beats;
    };
    for (b, beat) in beats.iter_mut().enumerate() {
        let t = b * STEPS_PER_BEAT;
        beat.melody = melody.get(t).copied().flatten();
        beat.active = t + STEPS_PER_BEAT > first && t <= last;
    }
    let mut ends: Vec<usize> = phrase_ends
        .iter()
        .copied()
        .filter(|&e| e > first && e <= last)
        .collect();
    ends.push(last + 1);
    ends.sort_unstable();
    ends.dedup();
    let piece_end = last + 1;
    for &end in &ends {
        // The melody's last note before the end: its first step, and its beat.
        let Some(t) = (first..end).rev().find(|&t| melody[t].is_some()) else {
            continue;
        };
        let mut onset = t;
        while onset > first && melody[onset - 1] == melody[t] {
            onset -= 1;
        }
        let fb = onset / STEPS_PER_BEAT;
        let final_piece = end == piece_end;
        beats[fb].cadence = Some(final_piece);
        for beat in beats
            .iter_mut()
            .take(end.div_ceil(STEPS_PER_BEAT))
            .skip(fb + 1)
        {
            beat.hold = true;
        }
        if fb > 0 && beats[fb - 1].cadence.is_none() && !beats[fb - 1].hold {
            beats[fb - 1].before_cadence = Some(final_piece);
        }
    }
    beats
}

/// The chord of each beat (a Viterbi over the model's vocabulary); `value(b, k, p)` is the
/// generator's mean value for pitch `p` in voice `k` over beat `b`.
fn choose_chords(
    beats: &[Beat],
    key: Key,
    model: &ModeModel,
    costs: &ChordCosts,
    value: &dyn Fn(usize, usize, u8) -> f32,
) -> Vec<Chord> {
    let ranges = VoiceRanges::BACH;
    let chords: Vec<Chord> = model.chords.iter().map(|c| c.in_key(key)).collect();
    let n = chords.len();
    let tonic =
        |c: &KeyChord| c.interval == 0 && matches!(c.quality, Quality::Major | Quality::Minor);
    let dominant =
        |c: &KeyChord| c.interval == 7 && matches!(c.quality, Quality::Major | Quality::Dominant7);
    let emit = |b: usize, i: usize| -> f32 {
        let chord = &chords[i];
        let kc = &model.chords[i];
        let beat = &beats[b];
        let mut score = 0.0;
        for k in 1..4 {
            let (lo, hi) = ranges.voices[k];
            let best = (lo..=hi)
                .filter(|&p| chord.contains(p))
                .map(|p| value(b, k, p))
                .fold(-1.0f32, f32::max);
            score += costs.generator * best;
        }
        if let Some(s) = beat.melody {
            if !chord.contains(s) {
                score -= costs.melody_off;
            }
        }
        match beat.cadence {
            Some(true) if tonic(kc) => score += 3.0 * costs.cadence,
            Some(false) if tonic(kc) => score += costs.phrase_cadence,
            Some(false) if dominant(kc) && kc.quality == Quality::Major => {
                score += 0.5 * costs.phrase_cadence
            }
            Some(true) => score -= 3.0 * costs.cadence,
            _ => {}
        }
        match beat.before_cadence {
            Some(true) if dominant(kc) => score += 3.0 * costs.cadence,
            Some(false) if dominant(kc) => score += 0.5 * costs.phrase_cadence,
            _ => {}
        }
        score
    };
    let m = beats.len();
    let mut score: Vec<f32> = (0..n)
        .map(|i| emit(0, i) + costs.succession * model.prior[i] as f32)
        .collect();
    let mut back = vec![0usize; m * n];
    for b in 1..m {
        let mut next = vec![f32::NEG_INFINITY; n];
        for to in 0..n {
            let mut best = (f32::NEG_INFINITY, 0);
            for (from, &prev) in score.iter().enumerate() {
                if beats[b].hold && from != to {
                    continue;
                }
                let repeat = if from == to && !beats[b].hold {
                    costs.repeat
                } else {
                    0.0
                };
                let v = prev + costs.succession * model.transitions[from][to] as f32 - repeat;
                if v > best.0 {
                    best = (v, from);
                }
            }
            next[to] = best.0 + emit(b, to);
            back[b * n + to] = best.1;
        }
        score = next;
    }
    let mut state = (0..n)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let mut out = vec![chords[0]; m];
    for b in (0..m).rev() {
        out[b] = chords[state];
        state = back[b * n + state];
    }
    out
}

/// A voicing: alto, tenor and bass pitches.
type Voicing = [u8; 3];

/// The voicings of `chord` under the melody note `s`, each with its own cost.
fn voicings(
    chord: &Chord,
    s: Option<u8>,
    key: Key,
    costs: &ChordCosts,
    root_bass: bool,
) -> Vec<(Voicing, f32)> {
    let ranges = VoiceRanges::BACH;
    let tones = |k: usize| -> Vec<u8> {
        let (lo, hi) = ranges.voices[k];
        (lo..=hi).filter(|&p| chord.contains(p)).collect()
    };
    let interval = |p: u8| (p + 12 - chord.root) % 12;
    let intervals = chord.quality.intervals();
    let (third, fifth) = (intervals[1], intervals[2]);
    let seventh = intervals.get(3).copied();
    let leading = (key.tonic + 11) % 12;
    let mut out = Vec::new();
    for &bs in &tones(3) {
        let bass_cost = match interval(bs) {
            0 => 0.0,
            i if i == third => costs.inversion,
            _ => 3.0 * costs.inversion,
        };
        if root_bass && bass_cost > 0.0 {
            continue;
        }
        for &t in tones(2).iter().filter(|&&t| t >= bs && t - bs <= 24) {
            for &a in tones(1).iter().filter(|&&a| a >= t && a - t <= 12) {
                if let Some(s) = s {
                    if a > s || s - a > 12 {
                        continue;
                    }
                }
                let pitches: Vec<u8> = [Some(a), Some(t), Some(bs), s]
                    .into_iter()
                    .flatten()
                    .collect();
                let has = |i: u8| pitches.iter().any(|&p| interval(p) == i);
                if !has(0) || !has(third) || seventh.is_some_and(|x| !has(x)) {
                    continue;
                }
                let mut cost = bass_cost;
                if !has(fifth) {
                    if chord.quality == Quality::Diminished
                        || seventh.is_none()
                            && !matches!(chord.quality, Quality::Major | Quality::Minor)
                    {
                        continue;
                    }
                    cost += costs.no_fifth;
                }
                let count = |pc: u8| pitches.iter().filter(|&&p| p % 12 == pc).count();
                if count(leading) > 1 || seventh.is_some_and(|x| count((chord.root + x) % 12) > 1) {
                    cost += 3.0;
                }
                if a == t || Some(a) == s {
                    cost += 1.0;
                }
                out.push(([a, t, bs], cost));
            }
        }
    }
    out
}

/// The cost of moving from voicing `v` under melody note `s0` to `w` under `s1`.
fn movement(v: &Voicing, s0: Option<u8>, w: &Voicing, s1: Option<u8>, costs: &ChordCosts) -> f32 {
    let mut cost = 0.0;
    for i in 0..3 {
        let d = f32::from(v[i].abs_diff(w[i]));
        let leap = (d - 2.0).max(0.0);
        let c = costs.motion * (d.min(2.0) * 0.5 + leap * 1.5 + if d > 7.0 { 4.0 } else { 0.0 });
        cost += if i == 2 { costs.bass_motion * c } else { c };
    }
    if v == w && s0 == s1 {
        cost += costs.static_voicing;
    }
    // All four voices, soprano first, before and after.
    let before = [s0, Some(v[0]), Some(v[1]), Some(v[2])];
    let after = [s1, Some(w[0]), Some(w[1]), Some(w[2])];
    for i in 0..4 {
        for j in i + 1..4 {
            let (Some(a0), Some(b0), Some(a1), Some(b1)) =
                (before[i], before[j], after[i], after[j])
            else {
                continue;
            };
            if parallel(before[i], before[j], after[i], after[j]) {
                cost += costs.parallel;
            }
            // Overlap: a voice moves past where its neighbour just was.
            if j == i + 1 && (a1 < b0 || b1 > a0) {
                cost += 1.0;
            }
            // Hidden fifths and octaves between the outer voices, the soprano by leap.
            let (i0, i1) = (i16::from(a0) - i16::from(b0), i16::from(a1) - i16::from(b1));
            let perfect = |x: i16| x.rem_euclid(12) == 7 || x.rem_euclid(12) == 0;
            if (i, j) == (0, 3) && perfect(i1) && !perfect(i0) {
                let (ds, db) = (i16::from(a1) - i16::from(a0), i16::from(b1) - i16::from(b0));
                if ds.signum() == db.signum() && ds.abs() > 2 {
                    cost += 2.0;
                }
            }
        }
    }
    cost
}

/// The voicing of each beat's chord (a Viterbi over the voicings).
fn choose_voicings(
    beats: &[Beat],
    chords: &[Chord],
    key: Key,
    costs: &ChordCosts,
    value: &dyn Fn(usize, usize, u8) -> f32,
) -> Vec<Voicing> {
    let m = beats.len();
    let mut layers: Vec<Vec<(Voicing, f32)>> = Vec::with_capacity(m);
    for b in 0..m {
        let strict = beats[b].cadence.is_some() || beats[b].before_cadence == Some(true);
        let mut options = voicings(&chords[b], beats[b].melody, key, costs, strict);
        if options.is_empty() {
            options = voicings(&chords[b], beats[b].melody, key, costs, false);
        }
        if options.is_empty() {
            // No voicing fits under the melody: the chord's tones nearest the middle of each range.
            let fallback = std::array::from_fn(|i| {
                let (lo, hi) = VoiceRanges::BACH.voices[i + 1];
                (lo..=hi)
                    .filter(|&p| chords[b].contains(p))
                    .min_by_key(|&p| p.abs_diff(lo.midpoint(hi)))
                    .unwrap_or(lo.midpoint(hi))
            });
            options.push((fallback, 10.0));
        }
        for (v, cost) in &mut options {
            *cost -= costs.voicing_generator * (0..3).map(|i| value(b, i + 1, v[i])).sum::<f32>();
        }
        layers.push(options);
    }
    let mut score: Vec<f32> = layers[0].iter().map(|(_, c)| -c).collect();
    let mut back: Vec<Vec<usize>> = vec![Vec::new(); m];
    for b in 1..m {
        let (prev, here) = (&layers[b - 1], &layers[b]);
        let mut next = vec![f32::NEG_INFINITY; here.len()];
        back[b] = vec![0; here.len()];
        for (to, (w, c)) in here.iter().enumerate() {
            let mut best = (f32::NEG_INFINITY, 0);
            for (from, (v, _)) in prev.iter().enumerate() {
                if beats[b].hold && v != w {
                    continue;
                }
                let s = score[from] - movement(v, beats[b - 1].melody, w, beats[b].melody, costs);
                if s > best.0 {
                    best = (s, from);
                }
            }
            next[to] = best.0 - c;
            back[b][to] = best.1;
        }
        if next.iter().all(|s| *s == f32::NEG_INFINITY) {
            // A held chord whose voicing cannot be kept: move freely.
            for (to, (w, c)) in here.iter().enumerate() {
                let (s, from) = prev
                    .iter()
                    .enumerate()
                    .map(|(from, (v, _))| {
                        (
                            score[from]
                                - movement(v, beats[b - 1].melody, w, beats[b].melody, costs),
                            from,
                        )
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap_or((0.0, 0));
                next[to] = s - c;
                back[b][to] = from;
            }
        }
        score = next;
    }
    let mut state = (0..score.len())
        .max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let mut out = vec![[0u8; 3]; m];
    for b in (0..m).rev() {
        out[b] = layers[b][state].0;
        if b > 0 {
            state = back[b][state];
        }
    }
    out
}
