//! The four voices as lines: at each step, the pitch a voice sings or a rest.

use serde::{Deserialize, Serialize};

use crate::roll::{Multitrack, Track};

/// A run of steps `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The first step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
}

impl Span {
    /// The number of steps.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span has no steps.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A note of a line: one pitch over `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNote {
    /// The MIDI pitch.
    pub pitch: u8,
    /// The first step.
    pub start: usize,
    /// One past the last step.
    pub end: usize,
}

/// Four voices, S A T B, each its highest sounding pitch per step (`None`: a rest).
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    /// The lines, soprano first.
    pub voices: [Vec<Option<u8>>; 4],
}

impl Lines {
    /// The lines of a four-track piece (the first four tracks).
    pub fn of(piece: &Multitrack) -> Self {
        Self {
            voices: std::array::from_fn(|k| piece.tracks[k].top_line()),
        }
    }

    /// Steps `start..end` of the lines (clamped to their length).
    pub fn window(&self, start: usize, end: usize) -> Self {
        let end = end.min(self.len());
        let start = start.min(end);
        Self {
            voices: std::array::from_fn(|k| self.voices[k][start..end].to_vec()),
        }
    }

    /// Voice `k` as a track named `name`, each note at `velocity`.
    pub fn track(&self, k: usize, name: &str, velocity: u8) -> Track {
        Track::from_line(name, 0, &self.voices[k], velocity)
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.voices[0].len()
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pitch of voice `k` at step `t` (a rest past the end).
    pub fn at(&self, k: usize, t: usize) -> Option<u8> {
        self.voices[k].get(t).copied().flatten()
    }

    /// From the first step where any voice sounds to one past the last; `None` when silent.
    pub fn span(&self) -> Option<Span> {
        let sounds = |t: usize| (0..4).any(|k| self.at(k, t).is_some());
        let start = (0..self.len()).find(|&t| sounds(t))?;
        let end = (0..self.len()).rev().find(|&t| sounds(t))? + 1;
        Some(Span { start, end })
    }

    /// The notes of voice `k`: maximal runs of one pitch.
    pub fn notes(&self, k: usize) -> Vec<LineNote> {
        let line = &self.voices[k];
        let mut out = Vec::new();
        let mut t = 0;
        while t < line.len() {
            match line[t] {
                None => t += 1,
                Some(pitch) => {
                    let start = t;
                    while t < line.len() && line[t] == Some(pitch) {
                        t += 1;
                    }
                    out.push(LineNote {
                        pitch,
                        start,
                        end: t,
                    });
                }
            }
        }
        out
    }
}
