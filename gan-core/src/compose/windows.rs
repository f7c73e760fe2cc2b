//! Cutting a melody into bar-aligned two-bar windows and joining generated windows back.

use ndarray::{s, Array3, Array4, ArrayView4};

use crate::roll::{Multitrack, Track, N_PITCHES, SNIPPET_STEPS, STEPS_PER_BAR, STEPS_PER_BEAT};

/// The melody as conditions for the generator: (N, 32, 128, 1) in {-1, +1}, one window per two
/// bars. With a pickup of `pickup_steps`, silence is put before the melody so that every window
/// starts on a barline; the last window is padded with silence.
pub fn melody_windows(melody: &Track, pickup_steps: usize) -> Array4<f32> {
    let lead = lead_in(pickup_steps);
    let mut padded = Track::silent("melody", 0, lead + melody.len());
    padded
        .pianoroll
        .slice_mut(s![lead.., ..])
        .assign(&melody.pianoroll);
    Multitrack::new(STEPS_PER_BEAT, 100.0, vec![padded]).to_lab_snippets(SNIPPET_STEPS)
}

/// Joins generated windows (N, 32, 128, tracks) into one multitrack of `steps` steps, removing
/// the lead-in that [`melody_windows`] put before a pickup. Values above 0 are notes.
pub fn join_windows(
    windows: ArrayView4<f32>,
    pickup_steps: usize,
    steps: usize,
    tempo_bpm: f64,
) -> Multitrack {
    let values = join_values(windows, pickup_steps, steps);
    let roll = Multitrack::from_lab_array(values.view(), STEPS_PER_BEAT, tempo_bpm);
    roll.expect("128 pitches").with_len(steps)
}

/// The generator's values of the windows (N, 32, 128, tracks) joined into (steps, 128, tracks),
/// without the lead-in that [`melody_windows`] put before a pickup (-1, silence, past the end).
pub fn join_values(windows: ArrayView4<f32>, pickup_steps: usize, steps: usize) -> Array3<f32> {
    let (n, len, pitches, tracks) = windows.dim();
    debug_assert_eq!(pitches, N_PITCHES);
    let whole = windows
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((n * len, pitches, tracks));
    let whole = whole.expect("windows are contiguous");
    let lead = lead_in(pickup_steps);
    let end = (lead + steps).min(n * len);
    let mut out = Array3::from_elem((steps, pitches, tracks), -1.0);
    let have = end.saturating_sub(lead);
    out.slice_mut(s![..have, .., ..])
        .assign(&whole.slice(s![lead..end, .., ..]));
    out
}

/// Silent steps put before a melody whose first barline is at `pickup_steps`.
fn lead_in(pickup_steps: usize) -> usize {
    (STEPS_PER_BAR - pickup_steps % STEPS_PER_BAR) % STEPS_PER_BAR
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn tune(steps: usize) -> Track {
        let mut roll = Array2::zeros((steps, N_PITCHES));
        for t in 0..steps {
            roll[[t, 60 + t % 12]] = 100;
        }
        Track::new("tune", 0, roll)
    }

    #[test]
    fn windows_cover_the_melody_and_join_back() {
        let melody = tune(70);
        let w = melody_windows(&melody, 0);
        assert_eq!(w.dim(), (3, 32, 128, 1));
        assert_eq!(
            w[[2, 5, 60 + (69 % 12), 0]],
            1.0,
            "step 69 is window 2, step 5"
        );
        assert_eq!(
            w.slice(s![2, 6.., .., ..])
                .iter()
                .filter(|&&x| x > 0.0)
                .count(),
            0
        );
        let back = join_windows(w.view(), 0, 70, 100.0);
        assert_eq!(
            back.tracks[0].pianoroll,
            melody.pianoroll.mapv(|v| if v > 0 { 100 } else { 0 })
        );
    }

    #[test]
    fn a_pickup_is_put_before_the_first_barline() {
        let melody = tune(20);
        // A one-beat pickup (4 steps): 12 silent steps first, so step 4 of the melody (its
        // first downbeat) is step 16 of the first window.
        let w = melody_windows(&melody, 4);
        assert_eq!(w.dim(), (1, 32, 128, 1));
        assert_eq!(
            w.slice(s![0, ..12, .., ..])
                .iter()
                .filter(|&&x| x > 0.0)
                .count(),
            0
        );
        assert_eq!(w[[0, 16, 64, 0]], 1.0);
        let back = join_windows(w.view(), 4, 20, 100.0);
        assert_eq!(back.len(), 20);
        assert_eq!(back.tracks[0].top_line(), melody.top_line());
    }
}
