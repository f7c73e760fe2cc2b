//! The widths of the lab's generator and critic, as a serde-friendly configuration.

use serde::{Deserialize, Serialize};

use super::ModelError;
use crate::roll::{N_PITCHES, N_TRACKS, SNIPPET_STEPS};

/// Time steps of the latent grid the generator's bottleneck works on (32 / 2⁴).
pub const LATENT_STEPS: usize = SNIPPET_STEPS / 16;
/// Pitch positions of the latent grid the generator's bottleneck works on (128 / 2⁴).
pub const LATENT_PITCHES: usize = N_PITCHES / 16;

/// The widths of the networks; the architecture itself is fixed by the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// Base number of filters f: the down blocks use f, 2f, 4f and 8f (the lab: 64).
    pub filters: usize,
    /// Channels of the latent vector z concatenated at the bottleneck (the lab: 512).
    pub latent: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            filters: 64,
            latent: 512,
        }
    }
}

impl ModelConfig {
    /// A configuration with the given base filters and latent channels.
    pub fn new(filters: usize, latent: usize) -> Self {
        Self { filters, latent }
    }

    /// Checks that both widths are positive.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.filters == 0 || self.latent == 0 {
            return Err(ModelError::Config(format!(
                "filters ({}) and latent ({}) must be positive",
                self.filters, self.latent
            )));
        }
        Ok(())
    }

    /// The shape of one batch of latent vectors in the lab's layout: (B, 2, 8, latent).
    pub fn z_shape(&self, batch: usize) -> (usize, usize, usize, usize) {
        (batch, LATENT_STEPS, LATENT_PITCHES, self.latent)
    }

    /// The number of inputs of the critic's dense layer: 8f channels on the 2 × 8 grid.
    pub fn critic_features(&self) -> usize {
        8 * self.filters * LATENT_STEPS * LATENT_PITCHES
    }

    /// The number of channels the critic sees: the four tracks and the condition.
    pub fn critic_channels(&self) -> usize {
        N_TRACKS + 1
    }
}
