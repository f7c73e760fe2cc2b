//! The lab's training hyper-parameters.

use candle_nn::ParamsAdamW;
use serde::{Deserialize, Serialize};

/// Hyper-parameters of WGAN-GP training, with the lab's values as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Samples per batch (the lab: 64); the [`Trainer`](super::Trainer) trains on the batches
    /// it is given, the data pipeline draws batches of this size.
    pub batch_size: usize,
    /// Critic steps per generator step (the lab: 5).
    pub critic_steps: usize,
    /// Weight of the gradient penalty in the critic's loss (the lab: 10).
    pub gp_weight: f64,
    /// The generator's Adam learning rate (the lab: 1e-3).
    pub generator_lr: f64,
    /// The critic's Adam learning rate (the lab: 1e-3).
    pub critic_lr: f64,
    /// Adam's β1 (the lab: 0.5).
    pub beta1: f64,
    /// Adam's β2 (the lab: 0.9).
    pub beta2: f64,
    /// Adam's ε (Keras' default 1e-7, which the reference implementations use).
    pub adam_eps: f64,
    /// Seed of the latent vectors and interpolation weights drawn during training.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: 64,
            critic_steps: 5,
            gp_weight: 10.0,
            generator_lr: 1e-3,
            critic_lr: 1e-3,
            beta1: 0.5,
            beta2: 0.9,
            adam_eps: 1e-7,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// Adam's parameters for learning rate `lr` (candle's AdamW without weight decay is Adam,
    /// with PyTorch's update: θ -= lr · m̂ / (√v̂ + ε)).
    pub fn adam(&self, lr: f64) -> ParamsAdamW {
        ParamsAdamW {
            lr,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.adam_eps,
            weight_decay: 0.0,
        }
    }
}
