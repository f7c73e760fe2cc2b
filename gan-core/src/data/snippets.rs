//! Two-bar snippets cut from the chorales at barlines, as the lab's `(N, 32, 128, 4)` arrays, and
//! the train/eval split held out by chorale.

use ndarray::{s, Array4, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Chorale, DataError, Dataset};
use crate::error::Result;
use crate::metrics::MetricSet;
use crate::roll::{
    Multitrack, DEFAULT_TEMPO_BPM, N_PITCHES, N_TRACKS, SNIPPET_STEPS, STEPS_PER_BAR,
    STEPS_PER_BEAT,
};

/// Which two-bar windows to cut from each chorale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SnippetMode {
    /// One snippet per chorale, the first usable window (the lab's way).
    #[default]
    PerChorale,
    /// Every usable bar-aligned window, hopping one bar at a time.
    Windows,
}

impl SnippetMode {
    /// The mode's name in settings and JSON: "per_chorale" or "windows".
    pub fn name(self) -> &'static str {
        match self {
            SnippetMode::PerChorale => "per_chorale",
            SnippetMode::Windows => "windows",
        }
    }
}

impl std::fmt::Display for SnippetMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SnippetMode {
    type Err = DataError;

    /// Parses "per_chorale" or "windows" (as in settings and JSON).
    fn from_str(s: &str) -> Result<Self, DataError> {
        [SnippetMode::PerChorale, SnippetMode::Windows]
            .into_iter()
            .find(|mode| mode.name() == s)
            .ok_or_else(|| {
                DataError::Request(format!(
                    "unknown snippet mode {s:?}: use \"per_chorale\" or \"windows\""
                ))
            })
    }
}

/// Snippets in the lab's layout, with where each one came from.
#[derive(Debug, Clone)]
pub struct Snippets {
    /// The rolls, shape (N, 32, 128, 4), f32 in {-1, +1}.
    pub rolls: Array4<f32>,
    /// For each snippet: the chorale's id and the window's first step.
    pub sources: Vec<(String, usize)>,
}

impl Snippets {
    /// The ids of the chorales the snippets come from, each once, in the snippets' order.
    pub fn chorale_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for (id, _) in &self.sources {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        ids
    }

    /// The number of snippets.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The index of the first snippet cut from the chorale `id`, e.g. "bwv253".
    pub fn index_of(&self, id: &str) -> Result<usize, DataError> {
        self.sources
            .iter()
            .position(|(source, _)| source == id)
            .ok_or_else(|| {
                DataError::Request(format!(
                    "no snippet comes from chorale {id:?}: it is not among these {} snippets' \
                     chorales, or it has no two-bar window where every voice sounds",
                    self.len()
                ))
            })
    }

    /// Snippet `i` as a four-voice [`Multitrack`] at the data set's grid and default tempo, for
    /// plots and audio.
    pub fn multitrack(&self, i: usize) -> Result<Multitrack> {
        if i >= self.len() {
            return Err(DataError::Request(format!(
                "snippet {i} does not exist: there are {} snippets",
                self.len()
            ))
            .into());
        }
        let roll = self.rolls.index_axis(Axis(0), i);
        Ok(Multitrack::from_lab_array(
            roll,
            STEPS_PER_BEAT,
            DEFAULT_TEMPO_BPM,
        )?)
    }
}

/// A split of the data set's chorales into training and evaluation snippets.
#[derive(Debug, Clone)]
pub struct Split {
    /// Snippets from the training chorales.
    pub train: Snippets,
    /// Snippets from the held-out chorales.
    pub eval: Snippets,
}

impl Chorale {
    /// The first steps of the usable two-bar windows: they start on a barline and every voice
    /// sounds in both bars.
    pub fn window_starts(&self) -> Vec<usize> {
        let first = self.entry.pickup_steps;
        let bars = self.entry.bars;
        (0..bars.saturating_sub(1))
            .map(|bar| first + bar * STEPS_PER_BAR)
            .filter(|&start| start + SNIPPET_STEPS <= self.roll.len())
            .filter(|&start| self.all_voices_sound(start))
            .collect()
    }

    fn all_voices_sound(&self, start: usize) -> bool {
        self.roll.tracks.iter().all(|track| {
            (0..SNIPPET_STEPS / STEPS_PER_BAR).all(|bar| {
                let from = start + bar * STEPS_PER_BAR;
                track
                    .pianoroll
                    .slice(s![from..from + STEPS_PER_BAR, ..])
                    .iter()
                    .any(|&v| v > 0)
            })
        })
    }
}

impl Dataset {
    /// Cuts snippets from every chorale in index order.
    pub fn snippets(&self, mode: SnippetMode) -> Snippets {
        snippets_of(self.chorales.iter(), mode)
    }

    /// The metrics of the snippets: the reference that generated samples are compared with.
    pub fn reference_metrics(&self, mode: SnippetMode) -> Result<MetricSet> {
        Ok(MetricSet::compute(self.snippets(mode).rolls.view())?)
    }

    /// Splits the chorales (not the snippets) into train and eval, deterministically for a given
    /// seed: `eval_fraction` of the chorales, at least one, are held out.
    pub fn split(&self, mode: SnippetMode, eval_fraction: f64, seed: u64) -> Result<Split> {
        if !(0.0..1.0).contains(&eval_fraction) || self.len() < 2 {
            return Err(DataError::Request(format!(
                "cannot hold out a fraction {eval_fraction} of {} chorales",
                self.len()
            ))
            .into());
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let n_eval =
            ((self.len() as f64 * eval_fraction).round() as usize).clamp(1, self.len() - 1);
        let mut eval_idx = order[..n_eval].to_vec();
        let mut train_idx = order[n_eval..].to_vec();
        eval_idx.sort_unstable();
        train_idx.sort_unstable();
        let pick = |idx: &[usize]| snippets_of(idx.iter().map(|&i| &self.chorales[i]), mode);
        Ok(Split {
            train: pick(&train_idx),
            eval: pick(&eval_idx),
        })
    }
}

fn snippets_of<'a>(chorales: impl Iterator<Item = &'a Chorale>, mode: SnippetMode) -> Snippets {
    let mut sources = Vec::new();
    let mut rolls = Vec::new();
    for chorale in chorales {
        let starts = chorale.window_starts();
        let chosen = match mode {
            SnippetMode::PerChorale => &starts[..starts.len().min(1)],
            SnippetMode::Windows => &starts[..],
        };
        for &start in chosen {
            rolls.push(
                chorale
                    .roll
                    .slice_steps(start, start + SNIPPET_STEPS)
                    .to_lab_array(),
            );
            sources.push((chorale.entry.id.clone(), start));
        }
    }
    let mut array = Array4::from_elem((rolls.len(), SNIPPET_STEPS, N_PITCHES, N_TRACKS), -1.0f32);
    for (mut slot, roll) in array.axis_iter_mut(Axis(0)).zip(&rolls) {
        slot.assign(roll);
    }
    Snippets {
        rolls: array,
        sources,
    }
}
