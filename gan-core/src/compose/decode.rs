//! From the generator's output to a sung line: for each voice, the most likely path of one
//! pitch (or a rest) per step through its range (Viterbi).
//!
//! The generator writes, per step and pitch, a value in [-1, 1] (its tanh): above 0 means "a
//! note here". Thresholding at 0 leaves chords, flickers and holes. A singer sings one note at
//! a time and holds it, so the decoder picks, for each step, one pitch of the voice's range or a
//! rest, maximising the generator's values summed over the piece minus a cost for every change
//! of note, for wide leaps and for notes left after a single step. A rest scores
//! [`LineCosts::rest`] per step: where the generator writes nothing for the voice (all its
//! values near -1), the line rests once the rest is long enough to pay for stopping and
//! starting again; a short hole is bridged by the note before.

use ndarray::ArrayView2;

/// What the decoder pays and is paid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LineCosts {
    /// The score of a rest at one step (a pitch scores the generator's value there, -1 to 1).
    pub rest: f32,
    /// The cost of starting a new note (a change of pitch, or from or to a rest).
    pub change: f32,
    /// The extra cost per semitone of a leap wider than a whole tone.
    pub leap: f32,
    /// The extra cost of leaving a note after a single step (a 16th-note flicker).
    pub short: f32,
}

impl Default for LineCosts {
    /// Chosen on the training chorales' sopranos (composed, then measured against Bach's voices
    /// with the lab's metrics): a change of note costs little, so that the voices use as many
    /// pitches per bar as Bach's (at 0.3 the composed tenor and bass used 11 % fewer), and a
    /// one-step note costs a little more, so that they flicker as rarely as Bach's (3.2 % of
    /// the lower voices' notes against his 3.0 %; 5.7 % without it).
    fn default() -> Self {
        Self {
            rest: -0.95,
            change: 0.05,
            leap: 0.05,
            short: 0.05,
        }
    }
}

/// The best line through `values` (steps × 128, the generator's values for one voice) with
/// pitches in `lo..=hi`: one pitch or `None` (a rest) per step.
pub fn decode_line(
    values: ArrayView2<f32>,
    (lo, hi): (u8, u8),
    costs: &LineCosts,
) -> Vec<Option<u8>> {
    let steps = values.nrows();
    let pitches: Vec<u8> = (lo..=hi.min(127)).collect();
    let n = pitches.len();
    if steps == 0 || n == 0 {
        return vec![None; steps];
    }
    // State 0 is the rest; state 1 + i is pitches[i] at the note's first step, state 1 + n + i
    // the same pitch held on, so that leaving a note after one step can cost more.
    let states = 1 + 2 * n;
    let pitch = |s: usize| (s > 0).then(|| pitches[(s - 1) % n]);
    let first_step = |s: usize| (1..=n).contains(&s);
    let emit = |t: usize, s: usize| -> f32 {
        pitch(s).map_or(costs.rest, |p| values[[t, usize::from(p)]])
    };
    // The cost of going from state `from` to `to`, or `None` where the move does not exist.
    let transition = |from: usize, to: usize| -> Option<f32> {
        let short = if first_step(from) { costs.short } else { 0.0 };
        match (pitch(from), pitch(to)) {
            (None, None) => Some(0.0),
            // A note begins at its first step, and holds on from there.
            (_, Some(_)) if first_step(to) == (pitch(from) == pitch(to)) => None,
            (Some(_), Some(_)) if pitch(from) == pitch(to) => Some(0.0),
            (None, Some(_)) => Some(costs.change),
            (Some(_), None) => Some(costs.change + short),
            (Some(a), Some(b)) => {
                let leap = a.abs_diff(b).saturating_sub(2);
                Some(costs.change + costs.leap * f32::from(leap) + short)
            }
        }
    };
    let mut score: Vec<f32> = (0..states)
        .map(|s| if s > n { f32::NEG_INFINITY } else { emit(0, s) })
        .collect();
    let mut back = vec![0u16; steps * states];
    let mut next = vec![0.0f32; states];
    for t in 1..steps {
        for to in 0..states {
            let (mut best, mut arg) = (f32::NEG_INFINITY, 0);
            for (from, &prev) in score.iter().enumerate() {
                if let Some(cost) = transition(from, to) {
                    let v = prev - cost;
                    if v > best {
                        (best, arg) = (v, from);
                    }
                }
            }
            next[to] = best + emit(t, to);
            back[t * states + to] = arg as u16;
        }
        std::mem::swap(&mut score, &mut next);
    }
    let mut state = (0..states)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let mut line = vec![None; steps];
    for t in (0..steps).rev() {
        line[t] = pitch(state);
        state = usize::from(back[t * states + state]);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Costs that make the cases below easy to reason about.
    const COSTS: LineCosts = LineCosts {
        rest: -0.5,
        change: 1.0,
        leap: 0.1,
        short: 0.0,
    };

    /// Values of -1 everywhere but `notes` (pitch, start, end, value).
    fn values(steps: usize, notes: &[(usize, usize, usize, f32)]) -> Array2<f32> {
        let mut v = Array2::from_elem((steps, 128), -1.0);
        for &(p, start, end, x) in notes {
            for t in start..end {
                v[[t, p]] = x;
            }
        }
        v
    }

    #[test]
    fn the_line_follows_the_strongest_notes() {
        let v = values(8, &[(60, 0, 4, 0.9), (64, 4, 8, 0.8), (67, 4, 8, 0.2)]);
        let line = decode_line(v.view(), (48, 72), &COSTS);
        assert_eq!(line, [vec![Some(60); 4], vec![Some(64); 4]].concat());
    }

    #[test]
    fn a_one_step_flicker_is_not_sung() {
        let v = values(8, &[(60, 0, 8, 0.6), (62, 3, 4, 0.9)]);
        let line = decode_line(v.view(), (48, 72), &COSTS);
        assert_eq!(line, vec![Some(60); 8]);
    }

    #[test]
    fn leaving_a_note_after_one_step_costs_extra() {
        let v = values(8, &[(60, 0, 8, 0.5), (62, 3, 4, 0.9)]);
        let cheap = LineCosts {
            rest: -0.5,
            change: 0.1,
            leap: 0.0,
            short: 0.0,
        };
        let mut flicker = vec![Some(60); 8];
        flicker[3] = Some(62);
        assert_eq!(decode_line(v.view(), (48, 72), &cheap), flicker);
        let costly = LineCosts {
            short: 0.5,
            ..cheap
        };
        assert_eq!(decode_line(v.view(), (48, 72), &costly), vec![Some(60); 8]);
        // A note of two steps pays no extra.
        let v = values(8, &[(60, 0, 8, 0.5), (62, 3, 5, 0.9)]);
        assert_eq!(
            decode_line(v.view(), (48, 72), &costly)[3..5],
            [Some(62); 2]
        );
    }

    #[test]
    fn a_short_hole_is_bridged_and_a_long_silence_rests() {
        let v = values(24, &[(60, 0, 4, 0.9), (60, 6, 8, 0.9), (62, 20, 24, 0.9)]);
        let line = decode_line(v.view(), (48, 72), &COSTS);
        assert_eq!(
            line[4..6],
            [Some(60), Some(60)],
            "two silent steps are held over"
        );
        assert!(line[10..18].iter().all(Option::is_none), "{line:?}");
        assert_eq!(line[20..], [Some(62); 4]);
    }

    #[test]
    fn pitches_stay_in_the_range() {
        let v = values(4, &[(80, 0, 4, 1.0), (70, 0, 4, 0.1)]);
        let line = decode_line(v.view(), (48, 72), &COSTS);
        assert_eq!(line, vec![Some(70); 4]);
        assert_eq!(decode_line(v.view(), (48, 72), &COSTS).len(), 4);
        assert_eq!(decode_line(values(0, &[]).view(), (48, 72), &COSTS), vec![]);
    }
}
