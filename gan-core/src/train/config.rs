//! Everything a training run is made of, in one serde struct with the lab's values as defaults.

use std::path::Path;

use candle_core::DType;
use serde::{Deserialize, Serialize};

use super::adam::AdamParams;
use super::error::TrainError;
use crate::data::{Dataset, SnippetMode, Split};
use crate::error::Result;
use crate::files::{io_error, write_atomic};
use crate::model::{DeviceSpec, ModelConfig};

/// The floating-point type the networks train in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats (the lab's).
    #[default]
    F32,
    /// 64-bit floats, for checks against references.
    F64,
}

impl Precision {
    /// The candle dtype.
    pub fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}

/// A training run's settings, with the lab's values as defaults; JSON fields may be left out.
///
/// Iterations count from 1: "iteration i" is the state after i generator steps, iteration 0 the
/// untrained networks. Every random draw of a run comes from `seed` (initial weights, batch
/// order, z and ε, the fixed evaluation z) and the held-out chorales from `split_seed`, so the
/// same configuration trains the same networks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Generator steps to train for (the lab: 1000).
    pub iterations: u64,
    /// Samples per batch (the lab: 64).
    pub batch_size: usize,
    /// Critic steps per generator step, each on a fresh batch (the lab: 5).
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
    /// Seed of every random draw of training.
    pub seed: u64,
    /// The networks' widths (the lab: 64 filters, 512 latent channels).
    pub model: ModelConfig,
    /// The floating-point type of the networks.
    pub precision: Precision,
    /// Where the networks train: `"cpu"` (the default), `"cuda"` or `"cuda:N"` (a build with the
    /// `cuda` feature; otherwise training stops with [`DeviceError::CudaNotBuilt`]).
    ///
    /// [`DeviceError::CudaNotBuilt`]: crate::model::DeviceError::CudaNotBuilt
    pub device: DeviceSpec,
    /// Which snippets to cut from the chorales (the lab: one per chorale).
    pub snippet_mode: SnippetMode,
    /// Augmentation: each training snippet is moved by a random number of semitones in
    /// `-transpose..=transpose`, all four voices together (the lab: 0, none; at most 12).
    pub transpose: u8,
    /// Fraction of the chorales held out for evaluation.
    pub eval_fraction: f64,
    /// Seed of the choice of held-out chorales.
    pub split_seed: u64,
    /// How many held-out snippets' melodies the generator is evaluated on (the lab: 10).
    pub eval_samples: usize,
    /// Metrics are recorded at every iteration below this one (the lab: 100) ...
    pub metrics_dense_until: u64,
    /// ... and at every multiple of this one (the lab: 50); 0 turns them off past the dense part.
    pub metrics_every: u64,
    /// The piano roll, MIDI and WAV of the evaluation outputs are written at every multiple of
    /// this iteration, 0 included (the lab: 50); 0 turns them off.
    pub sample_every: u64,
    /// A checkpoint is saved at every multiple of this iteration and at the last one (the lab:
    /// 50); 0 saves only at the last iteration.
    pub checkpoint_every: u64,
    /// How many checkpoints to keep, the newest (at least 1).
    pub keep_checkpoints: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            iterations: 1000,
            batch_size: 64,
            critic_steps: 5,
            gp_weight: 10.0,
            generator_lr: 1e-3,
            critic_lr: 1e-3,
            beta1: 0.5,
            beta2: 0.9,
            adam_eps: 1e-7,
            seed: 0,
            model: ModelConfig::default(),
            precision: Precision::F32,
            device: DeviceSpec::Cpu,
            snippet_mode: SnippetMode::PerChorale,
            transpose: 0,
            eval_fraction: 0.1,
            split_seed: 0,
            eval_samples: 10,
            metrics_dense_until: 100,
            metrics_every: 50,
            sample_every: 50,
            checkpoint_every: 50,
            keep_checkpoints: 3,
        }
    }
}

impl TrainConfig {
    /// Adam's parameters for learning rate `lr`.
    pub fn adam(&self, lr: f64) -> AdamParams {
        AdamParams {
            lr,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.adam_eps,
        }
    }

    /// Checks every setting's range.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |msg: String| Err(TrainError::Config(msg));
        if self.batch_size == 0 || self.critic_steps == 0 || self.eval_samples == 0 {
            return bad(format!(
                "batch_size ({}), critic_steps ({}) and eval_samples ({}) must be positive",
                self.batch_size, self.critic_steps, self.eval_samples
            ));
        }
        if self.transpose > 12 {
            return bad(format!(
                "transpose {} must be at most 12 semitones",
                self.transpose
            ));
        }
        if self.keep_checkpoints == 0 {
            return bad("keep_checkpoints must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.eval_fraction) || self.eval_fraction == 0.0 {
            return bad(format!(
                "eval_fraction {} must be in (0, 1)",
                self.eval_fraction
            ));
        }
        let positive = [
            ("gp_weight", self.gp_weight, true),
            ("generator_lr", self.generator_lr, false),
            ("critic_lr", self.critic_lr, false),
            ("adam_eps", self.adam_eps, false),
        ];
        for (name, v, zero_ok) in positive {
            if !v.is_finite() || v < 0.0 || (v == 0.0 && !zero_ok) {
                return bad(format!("{name} {v} must be a finite positive number"));
            }
        }
        for (name, v) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&v) {
                return bad(format!("{name} {v} must be in [0, 1)"));
            }
        }
        self.model
            .validate()
            .map_err(|e| TrainError::Config(e.to_string()))
    }

    /// `data` split as this run holds chorales out (its snippet mode, eval fraction and split
    /// seed): what it trains on, and what it is evaluated on.
    pub fn split(&self, data: &Dataset) -> Result<Split> {
        data.split(self.snippet_mode, self.eval_fraction, self.split_seed)
    }

    /// Whether the metrics of the evaluation outputs are recorded at `iteration`.
    pub fn records_metrics_at(&self, iteration: u64) -> bool {
        iteration < self.metrics_dense_until || is_multiple(iteration, self.metrics_every)
    }

    /// Whether the evaluation outputs are written as files at `iteration`.
    pub fn writes_samples_at(&self, iteration: u64) -> bool {
        is_multiple(iteration, self.sample_every)
    }

    /// Whether a checkpoint is saved at `iteration` (from 1).
    pub fn checkpoints_at(&self, iteration: u64) -> bool {
        iteration > 0
            && (iteration == self.iterations || is_multiple(iteration, self.checkpoint_every))
    }

    /// Reads a configuration from a JSON file; missing fields take their defaults, unknown ones
    /// are errors.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(io_error(path))?;
        let bad = |reason: String| TrainError::ConfigFile {
            path: path.to_path_buf(),
            reason,
        };
        let config: Self = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        config.validate().map_err(|e| bad(e.to_string()))?;
        Ok(config)
    }

    /// Writes the configuration as pretty JSON, atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(write_atomic(path, self.to_json().as_bytes())?)
    }

    /// The configuration as pretty JSON.
    pub fn to_json(&self) -> String {
        // A struct of numbers, strings and enums always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Whether `i` is a multiple of `every` (never, for `every` = 0).
fn is_multiple(i: u64, every: u64) -> bool {
    every > 0 && i % every == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fills_defaults_and_rejects_unknown_fields() {
        let c: TrainConfig =
            serde_json::from_str(r#"{"iterations": 20, "model": {"filters": 4}}"#).unwrap();
        assert_eq!(c.iterations, 20);
        assert_eq!(c.model, ModelConfig::new(4, 512));
        assert_eq!(c.batch_size, 64);
        assert_eq!(c.snippet_mode, SnippetMode::PerChorale);
        let back: TrainConfig = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<TrainConfig>(r#"{"iteration": 20}"#).is_err());
        let p: TrainConfig = serde_json::from_str(r#"{"precision": "f64"}"#).unwrap();
        assert_eq!(p.precision.dtype(), DType::F64);
    }

    #[test]
    fn lab_schedule() {
        let c = TrainConfig::default();
        // Metrics at 0..100 and every 50th; samples and checkpoints every 50th.
        assert!(c.records_metrics_at(0) && c.records_metrics_at(99));
        assert!(!c.records_metrics_at(101) && c.records_metrics_at(150));
        assert!(c.writes_samples_at(0) && c.writes_samples_at(50) && !c.writes_samples_at(60));
        assert!(!c.checkpoints_at(0) && c.checkpoints_at(50) && !c.checkpoints_at(51));
        assert!(c.checkpoints_at(1000));
        let never = TrainConfig {
            checkpoint_every: 0,
            sample_every: 0,
            iterations: 7,
            ..c
        };
        assert!(!never.checkpoints_at(5) && never.checkpoints_at(7));
        assert!(!never.writes_samples_at(0));
    }

    #[test]
    fn validation_names_the_setting() {
        let c = TrainConfig {
            beta2: 1.0,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("beta2"));
        let c = TrainConfig {
            critic_lr: f64::NAN,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("critic_lr"));
        let c = TrainConfig {
            transpose: 13,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("transpose"));
        assert!(TrainConfig::default().validate().is_ok());
    }
}
