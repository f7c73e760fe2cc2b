//! What a run trains and evaluates on: the training snippets and the fixed evaluation snippets
//! whose melodies the generator accompanies at every evaluation.

use ndarray::{s, Array4};

use super::config::TrainConfig;
use super::error::TrainError;
use crate::data::Dataset;
use crate::error::Result;
use crate::metrics::MetricSet;
use crate::roll::{check_batch_shape, N_TRACKS, SNIPPET_STEPS};

/// The arrays of a run, in the lab's layout (N, 32, 128, 4), values in {-1, +1}.
#[derive(Debug, Clone)]
pub struct TrainData {
    /// The training snippets, batched in shuffled order.
    pub train: Array4<f32>,
    /// The evaluation snippets: the generator accompanies their first track (the melody).
    pub eval: Array4<f32>,
    /// For each evaluation snippet, the chorale's id and the window's first step, if known.
    pub eval_sources: Vec<(String, usize)>,
}

impl TrainData {
    /// The data set's train split, and the first `config.eval_samples` snippets of its eval
    /// split (chorales held out with `config.eval_fraction` and `config.split_seed`).
    pub fn from_dataset(data: &Dataset, config: &TrainConfig) -> Result<Self> {
        let split = config.split(data)?;
        let n = config.eval_samples;
        if split.eval.len() < n {
            return Err(TrainError::Config(format!(
                "eval_samples is {n} but the eval split holds {} snippets; lower eval_samples or \
                 raise eval_fraction",
                split.eval.len()
            ))
            .into());
        }
        let eval = split.eval.rolls.slice(s![..n, .., .., ..]).to_owned();
        let eval_sources = split.eval.sources[..n].to_vec();
        Self::new(split.train.rolls, eval).map(|d| Self { eval_sources, ..d })
    }

    /// Training and evaluation arrays of any origin; both must be (N, 32, 128, 4), N ≥ 1.
    pub fn new(train: Array4<f32>, eval: Array4<f32>) -> Result<Self> {
        for (name, a) in [("train", &train), ("eval", &eval)] {
            check_batch_shape(&a.view(), Some(SNIPPET_STEPS), Some(N_TRACKS))?;
            if a.dim().0 == 0 {
                return Err(TrainError::Config(format!("the {name} array has no snippets")).into());
            }
        }
        Ok(Self {
            train,
            eval,
            eval_sources: Vec::new(),
        })
    }

    /// The metrics of the training snippets: the reference the evaluation metrics approach.
    pub fn reference_metrics(&self) -> Result<MetricSet> {
        Ok(MetricSet::compute(self.train.view())?)
    }
}
