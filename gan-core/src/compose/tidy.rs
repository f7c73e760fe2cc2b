//! Tidying a generated voice into a singable line: the generator's raw output flickers, with
//! notes of a single 16th and short holes between notes, where a chorale voice holds its notes.

use ndarray::Array2;

use crate::roll::{Track, N_PITCHES};

/// `voice` without its notes shorter than `min_steps` steps, each remaining note held over the
/// rest after it when that rest is at most `legato_steps` steps long (never into the next note).
/// Meant for one-note-at-a-time voices; pitches, onsets and velocities are kept.
pub fn tidy(voice: &Track, min_steps: usize, legato_steps: usize) -> Track {
    let len = voice.len();
    let mut notes: Vec<_> = voice
        .notes()
        .into_iter()
        .filter(|n| n.end - n.start >= min_steps.max(1))
        .collect();
    notes.sort_by_key(|n| (n.start, n.pitch));
    let mut roll = Array2::zeros((len, N_PITCHES));
    for (i, note) in notes.iter().enumerate() {
        let next = notes.get(i + 1).map_or(len, |n| n.start);
        let end = if next >= note.end && next - note.end <= legato_steps {
            next
        } else {
            note.end
        };
        for t in note.start..end.min(len) {
            roll[[t, usize::from(note.pitch)]] = note.velocity;
        }
    }
    Track {
        pianoroll: roll,
        ..voice.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A voice with (pitch, start, end) notes over `len` steps.
    fn voice(len: usize, notes: &[(usize, usize, usize)]) -> Track {
        let mut roll = Array2::zeros((len, N_PITCHES));
        for &(p, start, end) in notes {
            for t in start..end {
                roll[[t, p]] = 90;
            }
        }
        Track::new("Alto", 0, roll)
    }

    fn spans(track: &Track) -> Vec<(u8, usize, usize)> {
        let mut out: Vec<_> = track
            .notes()
            .into_iter()
            .map(|n| (n.pitch, n.start, n.end))
            .collect();
        out.sort_by_key(|&(p, s, _)| (s, p));
        out
    }

    #[test]
    fn short_notes_go_and_short_rests_are_held_over() {
        // 60 for 4 steps, a 1-step 62, a 2-step rest, 64 for 3 steps, a 6-step rest, 65 at 16.
        let v = voice(20, &[(60, 0, 4), (62, 4, 5), (64, 7, 10), (65, 16, 18)]);
        let tidied = tidy(&v, 2, 4);
        // 62 is dropped; 60 is held until 64 starts (a 3-step hole); 64 keeps its end (the rest
        // after it is 6 steps); 65 is held to the end of the voice.
        assert_eq!(spans(&tidied), vec![(60, 0, 7), (64, 7, 10), (65, 16, 20)]);
        assert_eq!(tidied.name, "Alto");
        assert_eq!(tidied.len(), 20);
        // min_steps 1 and legato 0 leave the voice as it was.
        assert_eq!(tidy(&v, 1, 0), v);
        assert_eq!(tidy(&voice(8, &[]), 2, 4), voice(8, &[]));
    }
}
