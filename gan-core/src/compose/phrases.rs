//! Where a melody's phrases end: the ends given (a chorale's fermatas, the bars a user names),
//! or else inferred from the melody, as Bach's fermatas fall.
//!
//! [`infer_phrase_ends`] scores every note's end as a phrase end by its rhythm (high for a
//! note followed by a rest of a beat or more and for a half note or longer on beat 1 or 3,
//! about even for a quarter note on beat 3, where most of Bach's fermatas are, low for any
//! other) and its line (lower when the next note is a step away, higher when the note is
//! reached by a step down, after a note of a half or more, or is the tonic or fifth of the
//! melody's key). A piano roll cannot tell a repeated note from a held one, so the beats inside
//! a long note are possible ends too. Then it picks the ends with the best total of those
//! scores and of the lengths of the phrases between them (two bars the most likely, then four
//! bars, then 1 to 2¼ bars, then 2½ and 3, then 1¼ and 2¾ bars; any other length unlikely),
//! the melody's end always among them. The scores were tuned on half of the 318 chorales'
//! sopranos against their fermatas (`data/`), and four-bar phrases then made likelier for
//! tunes such as Ode to Joy; an end counted as found within a beat, on all 318: precision
//! 0.86, recall 0.86 (0.72 and 0.72 on the exact step).

use crate::metrics::Key;
use crate::roll::{Track, STEPS_PER_BAR, STEPS_PER_BEAT};

/// A note followed by a rest of at least a beat.
const REST_AFTER: f64 = 8.0;
/// A note of three beats or more on beat 1 or 3.
const LONG: f64 = 2.5;
/// A half note (to a dotted half) on beat 1.
const HALF_ON_ONE: f64 = 4.0;
/// A half note (to a dotted half) on beat 3.
const HALF_ON_THREE: f64 = 3.0;
/// A quarter note (to a dotted quarter) on beat 3.
const QUARTER_ON_THREE: f64 = 0.25;
/// Any other note.
const OTHER: f64 = -1.0;
/// Added when the next note is a semitone or a tone away (the line goes on).
const STEP_AFTER: f64 = -3.0;
/// Added when the note is reached by a step down (as cadences fall to their last note).
const STEP_DOWN_TO: f64 = 1.0;
/// Added when the note before lasted a half note or more (the cadence slows down).
const AFTER_LONG: f64 = 1.0;
/// Added when the note is the tonic of the melody's key.
const TONIC: f64 = 1.0;
/// Added when the note is the fifth of the melody's key.
const FIFTH: f64 = 0.5;
/// A beat inside a note that began on beat 3, at beat 4 (a quarter, then the same pitch again).
const INSIDE_AFTER_THREE: f64 = -1.5;
/// Any other downbeat, beat 3 or beat 4 inside a note.
const INSIDE: f64 = 0.0;
/// Phrases whose length in beats is not in [`phrase_length_score`]'s table.
const ODD_LENGTH: f64 = -11.25;
/// Phrases this many steps or longer all score [`ODD_LENGTH`].
const LONGEST_SCORED: usize = 16 * STEPS_PER_BEAT + 1;

/// A melody's phrase ends, and which of them were inferred rather than given.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PhraseEnds {
    /// The steps at which phrases end (the step after a phrase's last note), ascending.
    pub steps: Vec<usize>,
    /// For each of `steps`: true where it was inferred (or is the melody's end), false where given.
    pub inferred: Vec<bool>,
}

impl PhraseEnds {
    /// The number of phrase ends.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Each end as (step, inferred), in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, bool)> + '_ {
        self.steps
            .iter()
            .copied()
            .zip(self.inferred.iter().copied())
    }

    /// Whether any end was inferred from the melody rather than given.
    pub fn any_inferred(&self) -> bool {
        self.inferred.iter().any(|&i| i)
    }
}

/// The phrase ends of `melody`: the `given` ones (sorted, repeats dropped) and the end of its
/// last note when `given` has any; else those [`infer_phrase_ends`] finds.
pub fn phrase_ends(melody: &Track, pickup_steps: usize, given: &[usize]) -> PhraseEnds {
    if given.is_empty() {
        let steps = infer_phrase_ends(melody, pickup_steps);
        let inferred = vec![true; steps.len()];
        return PhraseEnds { steps, inferred };
    }
    let mut steps = given.to_vec();
    steps.sort_unstable();
    steps.dedup();
    let mut inferred = vec![false; steps.len()];
    if let Some(end) = melody_end(melody) {
        if let Err(at) = steps.binary_search(&end) {
            steps.insert(at, end);
            inferred.insert(at, true);
        }
    }
    PhraseEnds { steps, inferred }
}

/// The steps at which `melody`'s phrases end, as Bach's fermatas fall (see the module's
/// introduction), on a grid of 4 steps a beat with the first barline at `pickup_steps`;
/// the end of its last note is always the last of them. Empty for a silent melody.
pub fn infer_phrase_ends(melody: &Track, pickup_steps: usize) -> Vec<usize> {
    let candidates = candidates(melody, pickup_steps);
    if candidates.is_empty() {
        return Vec::new();
    }
    // best[i]: the best total of phrases ending at candidate i, and the end before it (None: the
    // start). Phrases longer than LONGEST_SCORED all score ODD_LENGTH, so for them only the
    // best total so far counts (`far`), which keeps this linear in the number of notes.
    let mut best: Vec<(f64, Option<usize>)> = Vec::with_capacity(candidates.len());
    let mut far: (f64, Option<usize>) = (f64::NEG_INFINITY, None);
    let mut next_far = 0;
    for (i, &(end, score)) in candidates.iter().enumerate() {
        while next_far < i && end - candidates[next_far].0 >= LONGEST_SCORED {
            if best[next_far].0 > far.0 {
                far = (best[next_far].0, Some(next_far));
            }
            next_far += 1;
        }
        let mut choice = (phrase_length_score(end) + score, None);
        if far.1.is_some() && far.0 + ODD_LENGTH + score > choice.0 {
            choice = (far.0 + ODD_LENGTH + score, far.1);
        }
        for (k, &(before, _)) in candidates.iter().enumerate().take(i).skip(next_far) {
            let total = best[k].0 + phrase_length_score(end - before) + score;
            if total > choice.0 {
                choice = (total, Some(k));
            }
        }
        best.push(choice);
    }
    let mut ends = Vec::new();
    let mut at = Some(candidates.len() - 1);
    while let Some(i) = at {
        ends.push(candidates[i].0);
        at = best[i].1;
    }
    ends.reverse();
    ends
}

/// The end of `melody`'s last note, or `None` when it is silent.
fn melody_end(melody: &Track) -> Option<usize> {
    melody.notes().iter().map(|n| n.end).max()
}

/// Each possible phrase end (ascending) with its score as one: the end of every note and the
/// beats inside long notes. A note's end is the next onset unless a rest of a beat or more
/// comes first (so a melody played detached ends its phrases where a legato one does); a chord
/// counts as its top note.
fn candidates(melody: &Track, pickup_steps: usize) -> Vec<(usize, f64)> {
    // (start, end, pitch) of each onset.
    let mut onsets: Vec<(usize, usize, u8)> = Vec::new();
    for note in melody.notes() {
        match onsets.last_mut() {
            Some(last) if last.0 == note.start => {
                last.1 = last.1.max(note.end);
                last.2 = last.2.max(note.pitch);
            }
            _ => onsets.push((note.start, note.end, note.pitch)),
        }
    }
    let tonic = Key::estimate([melody]).map(|k| k.tonic);
    let lead = STEPS_PER_BAR - pickup_steps % STEPS_PER_BAR;
    let in_bar = |step: usize| (step + lead) % STEPS_PER_BAR;
    let (three, four) = (STEPS_PER_BAR / 2, 3 * STEPS_PER_BAR / 4);
    let mut out = Vec::with_capacity(2 * onsets.len());
    for (i, &(start, end, _)) in onsets.iter().enumerate() {
        let next = onsets.get(i + 1);
        let rest = next.is_some_and(|n| n.0 >= end + STEPS_PER_BEAT);
        let end = match next {
            Some(n) if !rest => n.0,
            _ => end,
        };
        let at = in_bar(start);
        for inside in (start + STEPS_PER_BEAT..end).step_by(STEPS_PER_BEAT) {
            match in_bar(inside) {
                b if b == four && at == three => out.push((inside, INSIDE_AFTER_THREE)),
                b if b == 0 || b == three || b == four => out.push((inside, INSIDE)),
                _ => {}
            }
        }
        out.push((end, note_score(&onsets, i, end, rest, at, tonic)));
    }
    out
}

/// The score of the end of onset `i` of `onsets` ((start, end, pitch)) as a phrase end: it
/// ends at `end`, is followed by a `rest` or not, starts `at` steps into its bar, and the
/// melody's key has the `tonic` pitch class.
fn note_score(
    onsets: &[(usize, usize, u8)],
    i: usize,
    end: usize,
    rest: bool,
    at: usize,
    tonic: Option<u8>,
) -> f64 {
    let (start, _, pitch) = onsets[i];
    let length = end - start;
    let (one, three) = (at == 0, at == STEPS_PER_BAR / 2);
    let mut score = if rest {
        REST_AFTER
    } else if length >= 3 * STEPS_PER_BEAT && (one || three) {
        LONG
    } else if length >= 2 * STEPS_PER_BEAT && one {
        HALF_ON_ONE
    } else if length >= 2 * STEPS_PER_BEAT && three {
        HALF_ON_THREE
    } else if length >= STEPS_PER_BEAT && three {
        QUARTER_ON_THREE
    } else {
        OTHER
    };
    if let Some(&(_, _, next)) = onsets.get(i + 1).filter(|_| !rest) {
        if (1..=2).contains(&next.abs_diff(pitch)) {
            score += STEP_AFTER;
        }
    }
    if let Some(&(before, _, from)) = i.checked_sub(1).and_then(|k| onsets.get(k)) {
        if start - before >= 2 * STEPS_PER_BEAT {
            score += AFTER_LONG;
        }
        if (1..=2).contains(&from.saturating_sub(pitch)) {
            score += STEP_DOWN_TO;
        }
    }
    match tonic.map(|t| (pitch + 12 - t) % 12) {
        Some(0) => score += TONIC,
        Some(7) => score += FIFTH,
        _ => {}
    }
    score
}

/// How likely a phrase of `steps` steps is, as a score: Bach's chorale phrases are mostly two
/// bars long.
fn phrase_length_score(steps: usize) -> f64 {
    if steps % STEPS_PER_BEAT != 0 {
        return ODD_LENGTH;
    }
    match steps / STEPS_PER_BEAT {
        8 => 0.0,
        4 | 6 | 7 | 9 => -3.05,
        10 | 12 => -3.55,
        16 => -2.0,
        5 | 11 => -4.3,
        _ => ODD_LENGTH,
    }
}

/// What is wrong with phrase ends given as bar numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhraseEndsError {
    /// A piece of the list is not a whole number.
    #[error("phrase ends: {text:?} is not a bar number (give bar numbers separated by commas, e.g. 4,8,12)")]
    NotANumber {
        /// The piece that is not a number.
        text: String,
    },
    /// Bar 0 was given.
    #[error(
        "phrase ends: there is no bar 0; bars count from 1, the first full bar after the pickup"
    )]
    Zero,
    /// A bar that starts at or after the melody's end.
    #[error(
        "phrase ends: bar {bar} is past the melody's end (it has {bars} bars after the pickup)"
    )]
    PastTheEnd {
        /// The bar given.
        bar: usize,
        /// The bars the melody has after its pickup, the last one possibly short.
        bars: usize,
    },
}

/// Reads a list of bar numbers such as `4,8,12` (spaces allowed around the numbers).
pub fn parse_bars(text: &str) -> Result<Vec<usize>, PhraseEndsError> {
    text.split(',')
        .map(|piece| {
            let piece = piece.trim();
            match piece.parse::<usize>() {
                Ok(0) => Err(PhraseEndsError::Zero),
                Ok(bar) => Ok(bar),
                Err(_) => Err(PhraseEndsError::NotANumber {
                    text: piece.to_string(),
                }),
            }
        })
        .collect()
}

/// The steps at which `bars` end in a piece of `len` steps whose first barline is at
/// `pickup_steps`: bar n ends at `pickup_steps + 16 n`, or at the piece's end if its last bar
/// is short. A bar that would start at or after the end is an error.
pub fn bar_end_steps(
    bars: &[usize],
    pickup_steps: usize,
    len: usize,
) -> Result<Vec<usize>, PhraseEndsError> {
    let count = len.saturating_sub(pickup_steps).div_ceil(STEPS_PER_BAR);
    bars.iter()
        .map(|&bar| match bar {
            0 => Err(PhraseEndsError::Zero),
            bar if bar > count => Err(PhraseEndsError::PastTheEnd { bar, bars: count }),
            bar => Ok((pickup_steps + bar * STEPS_PER_BAR).min(len)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roll::N_PITCHES;
    use ndarray::Array2;

    /// A melody of (start, length) notes in steps, on C and E by turns.
    fn melody(notes: &[(usize, usize)]) -> Track {
        let len = notes.iter().map(|&(s, l)| s + l).max().unwrap_or(0);
        let mut roll = Array2::zeros((len, N_PITCHES));
        for (i, &(start, length)) in notes.iter().enumerate() {
            // Alternate C and E so that touching notes stay apart, a third apart.
            roll.slice_mut(ndarray::s![start..start + length, 60 + 4 * (i % 2)])
                .fill(100);
        }
        Track::new("melody", 0, roll)
    }

    /// Quarter notes, with a half note on beat 3 of every second bar: Twinkle's rhythm.
    fn two_bar_phrases(bars: usize, detached: bool) -> Track {
        let mut notes = Vec::new();
        for bar in 0..bars {
            let beats: &[(usize, usize)] = if bar % 2 == 1 {
                &[(0, 4), (4, 4), (8, 8)]
            } else {
                &[(0, 4), (4, 4), (8, 4), (12, 4)]
            };
            for &(at, length) in beats {
                let length = if detached { length - 1 } else { length };
                notes.push((bar * 16 + at, length));
            }
        }
        melody(&notes)
    }

    #[test]
    fn half_notes_every_two_bars_end_the_phrases() {
        for detached in [false, true] {
            let tune = two_bar_phrases(8, detached);
            assert_eq!(
                infer_phrase_ends(&tune, 0),
                [32, 64, 96, 128 - usize::from(detached)],
                "detached {detached}"
            );
        }
    }

    #[test]
    fn a_rest_ends_a_phrase_and_the_last_note_always_does() {
        // Quarters for two bars, a beat's rest, then quarters to a last note mid-bar.
        let mut notes: Vec<(usize, usize)> = (0..7).map(|i| (i * 4, 4)).collect();
        notes.extend((8..13).map(|i| (i * 4, 4)));
        let tune = melody(&notes);
        assert_eq!(infer_phrase_ends(&tune, 0), [28, 52]);
        assert!(infer_phrase_ends(&Track::silent("x", 0, 16), 0).is_empty());
    }

    #[test]
    fn the_pickup_moves_the_strong_beats() {
        // A quarter pickup, then the half notes fall on beat 3 counted from the first barline.
        let notes: Vec<(usize, usize)> = std::iter::once((0, 4))
            .chain(
                two_bar_phrases(4, false)
                    .notes()
                    .iter()
                    .map(|n| (n.start + 4, n.end - n.start)),
            )
            .collect();
        let tune = melody(&notes);
        assert_eq!(infer_phrase_ends(&tune, 4), [36, 68]);
    }

    #[test]
    fn given_ends_are_used_with_the_melodys_end() {
        let tune = two_bar_phrases(4, false);
        let ends = phrase_ends(&tune, 0, &[16, 48, 16]);
        assert_eq!(ends.steps, [16, 48, 64]);
        assert_eq!(ends.inferred, [false, false, true]);
        assert_eq!(ends.len(), 3);
        assert!(ends.any_inferred());
        let all_given = phrase_ends(&tune, 0, &[64, 32]);
        assert_eq!(
            all_given.iter().collect::<Vec<_>>(),
            [(32, false), (64, false)]
        );
        let inferred = phrase_ends(&tune, 0, &[]);
        assert_eq!(inferred.steps, [32, 64]);
        assert_eq!(inferred.inferred, [true, true]);
    }

    #[test]
    fn long_melodies_are_inferred_in_linear_time() {
        // 2,000 bars of quarters with a half note every second bar: 16,000 notes.
        let tune = two_bar_phrases(2000, false);
        let ends = infer_phrase_ends(&tune, 0);
        assert_eq!(ends.len(), 1000);
        assert!(ends.iter().enumerate().all(|(i, &e)| e == 32 * (i + 1)));
    }

    #[test]
    fn bar_lists_parse_and_become_steps() {
        assert_eq!(parse_bars("4,8, 12"), Ok(vec![4, 8, 12]));
        assert_eq!(
            parse_bars("4,x"),
            Err(PhraseEndsError::NotANumber { text: "x".into() })
        );
        assert_eq!(
            parse_bars("4,"),
            Err(PhraseEndsError::NotANumber { text: "".into() })
        );
        assert!(parse_bars("-1").unwrap_err().to_string().contains("\"-1\""));
        assert_eq!(parse_bars("2,0"), Err(PhraseEndsError::Zero));
        // A quarter pickup and 7¾ bars: bar 8 is the short last one.
        assert_eq!(bar_end_steps(&[2, 4, 8], 4, 128), Ok(vec![36, 68, 128]));
        assert_eq!(
            bar_end_steps(&[9], 4, 128),
            Err(PhraseEndsError::PastTheEnd { bar: 9, bars: 8 })
        );
        assert_eq!(bar_end_steps(&[0], 0, 64), Err(PhraseEndsError::Zero));
    }
}
