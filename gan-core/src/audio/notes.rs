//! Notes as runs of sounding steps in a track's piano roll.

use crate::roll::{Track, N_PITCHES};

/// One note: a pitch sounding over the time steps `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The MIDI pitch (69 is A4, 440 Hz).
    pub pitch: u8,
    /// The first time step of the note.
    pub start: usize,
    /// One past the note's last time step.
    pub end: usize,
    /// The velocity of the note's first step (1..=127).
    pub velocity: u8,
}

/// The notes of a track, ordered by start then pitch: each run of consecutive sounding steps of
/// one pitch is one note.
pub fn notes(track: &Track) -> Vec<Note> {
    let roll = &track.pianoroll;
    let steps = roll.nrows();
    let mut out = Vec::new();
    for pitch in 0..roll.ncols().min(N_PITCHES) {
        let column = roll.column(pitch);
        let mut t = 0;
        while t < steps {
            if column[t] == 0 {
                t += 1;
                continue;
            }
            let start = t;
            while t < steps && column[t] > 0 {
                t += 1;
            }
            out.push(Note {
                pitch: pitch as u8,
                start,
                end: t,
                velocity: column[start].min(127),
            });
        }
    }
    out.sort_by_key(|n| (n.start, n.pitch));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn runs_of_one_pitch_are_one_note() {
        let mut roll = Array2::zeros((10, N_PITCHES));
        // Two notes of pitch 60 separated by a rest, the first with changing velocity.
        roll[[0, 60]] = 80;
        roll[[1, 60]] = 90;
        roll[[2, 60]] = 90;
        roll[[5, 60]] = 70;
        // A note of pitch 64 that runs to the end of the roll.
        for t in 7..10 {
            roll[[t, 64]] = 100;
        }
        let found = notes(&Track::new("x", 0, roll));
        let expect = |pitch, start, end, velocity| Note {
            pitch,
            start,
            end,
            velocity,
        };
        assert_eq!(
            found,
            vec![
                expect(60, 0, 3, 80),
                expect(60, 5, 6, 70),
                expect(64, 7, 10, 100)
            ]
        );
    }

    #[test]
    fn velocity_above_midi_range_is_capped() {
        let mut roll = Array2::zeros((1, N_PITCHES));
        roll[[0, 10]] = 200;
        assert_eq!(notes(&Track::new("x", 0, roll))[0].velocity, 127);
    }
}
