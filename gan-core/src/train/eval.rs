//! The fixed evaluation a generator is judged on, during training and after it: held-out
//! melodies, latent vectors drawn once from the run's seed, and the metrics of the result.

use candle_core::{DType, Device, Tensor};
use ndarray::Array4;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::TrainConfig;
use super::loss::condition;
use super::seeds::{derive_seed, SeedPurpose};
use crate::error::Result;
use crate::metrics::MetricSet;
use crate::model::layout::{batch_to_tensor, tensor_to_batch};
use crate::model::noise::sample_z;
use crate::model::{Generate, ModelError};

/// The generator's outputs on the evaluation melodies, and their metrics.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The iterations done when they were generated.
    pub iteration: u64,
    /// The evaluation snippets whose first track is the melody, (E, 32, 128, 4).
    pub real: Array4<f32>,
    /// The generator's outputs in inference mode with the fixed latent vectors, (E, 32, 128, 4),
    /// tanh values (a note where > 0).
    pub generated: Array4<f32>,
    /// The metrics of `generated` (thresholded at 0).
    pub metrics: MetricSet,
}

/// The evaluation melodies and latent vectors of a run: the same for every evaluation of it.
#[derive(Debug, Clone)]
pub struct EvalSet {
    real: Array4<f32>,
    condition: Tensor,
    z: Tensor,
}

impl EvalSet {
    /// The snippets `eval` (E, 32, 128, 4) with latent vectors from `config`'s seed, as tensors
    /// of `dtype` on `device`.
    pub fn new(
        eval: &Array4<f32>,
        config: &TrainConfig,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        let real = batch_to_tensor(&eval.view(), dtype, device)?;
        let condition = condition(&real).map_err(ModelError::from)?;
        let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(config.seed, SeedPurpose::EvalNoise));
        let z = sample_z(&mut rng, &config.model, eval.dim().0, dtype, device)
            .map_err(ModelError::from)?;
        Ok(Self {
            real: eval.clone(),
            condition,
            z,
        })
    }

    /// What `generator` makes of the melodies (labelled as after `iteration` iterations).
    pub fn evaluate(&self, generator: &impl Generate, iteration: u64) -> Result<Evaluation> {
        let fake = generator
            .generate(&self.condition, &self.z)
            .map_err(ModelError::from)?;
        let generated = tensor_to_batch(&fake)?;
        let metrics = MetricSet::compute(generated.view())?;
        Ok(Evaluation {
            iteration,
            real: self.real.clone(),
            generated,
            metrics,
        })
    }
}
