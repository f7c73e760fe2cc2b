//! Named starting points for a run's configuration: the lab's, and a quick one for learners;
//! and the notebooks' configuration, a preset with fields overridden from the environment.

use std::fmt;
use std::str::FromStr;

use super::config::TrainConfig;
use crate::error::Result;
use crate::model::ModelConfig;
use crate::settings::from_env;

/// A named training configuration to start from (`gan train --preset`, `GAN_PRESET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// The lab's networks and schedule: 64 filters, 512 latent channels, batch 64, 1000
    /// iterations (hours on a laptop CPU).
    #[default]
    Lab,
    /// Narrow networks and a short schedule with the lab's losses, for a learner's first run:
    /// minutes on a 2-core laptop CPU, checkpoints and samples as a full run writes them.
    Quick,
}

impl Preset {
    /// Every preset, in the order the help lists them.
    pub const ALL: [Preset; 2] = [Preset::Lab, Preset::Quick];

    /// The preset's name, as `FromStr` reads it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Lab => "lab",
            Preset::Quick => "quick",
        }
    }

    /// The preset's configuration.
    pub fn config(self) -> TrainConfig {
        match self {
            Preset::Lab => TrainConfig::default(),
            Preset::Quick => TrainConfig {
                iterations: 500,
                batch_size: 16,
                model: ModelConfig::new(16, 64),
                metrics_dense_until: 20,
                metrics_every: 20,
                sample_every: 50,
                checkpoint_every: 50,
                ..TrainConfig::default()
            },
        }
    }
}

impl TrainConfig {
    /// The configuration the notebooks train with: the preset named by `GAN_PRESET` (default
    /// `quick`), with each field that one of the variables below sets overridden: `GAN_ITERATIONS`,
    /// `GAN_BATCH_SIZE`, `GAN_CRITIC_STEPS`, `GAN_GP_WEIGHT`, `GAN_GENERATOR_LR`, `GAN_CRITIC_LR`,
    /// `GAN_SEED`, `GAN_FILTERS`, `GAN_LATENT`, `GAN_SNIPPET_MODE`, `GAN_DEVICE`, `GAN_TRANSPOSE`,
    /// `GAN_METRICS_EVERY`, `GAN_SAMPLE_EVERY`, `GAN_CHECKPOINT_EVERY`.
    pub fn from_env() -> Result<Self> {
        let base = from_env("GAN_PRESET", Preset::Quick)?.config();
        let config = Self {
            iterations: from_env("GAN_ITERATIONS", base.iterations)?,
            batch_size: from_env("GAN_BATCH_SIZE", base.batch_size)?,
            critic_steps: from_env("GAN_CRITIC_STEPS", base.critic_steps)?,
            gp_weight: from_env("GAN_GP_WEIGHT", base.gp_weight)?,
            generator_lr: from_env("GAN_GENERATOR_LR", base.generator_lr)?,
            critic_lr: from_env("GAN_CRITIC_LR", base.critic_lr)?,
            seed: from_env("GAN_SEED", base.seed)?,
            model: ModelConfig::new(
                from_env("GAN_FILTERS", base.model.filters)?,
                from_env("GAN_LATENT", base.model.latent)?,
            ),
            snippet_mode: from_env("GAN_SNIPPET_MODE", base.snippet_mode)?,
            device: from_env("GAN_DEVICE", base.device)?,
            transpose: from_env("GAN_TRANSPOSE", base.transpose)?,
            metrics_every: from_env("GAN_METRICS_EVERY", base.metrics_every)?,
            sample_every: from_env("GAN_SAMPLE_EVERY", base.sample_every)?,
            checkpoint_every: from_env("GAN_CHECKPOINT_EVERY", base.checkpoint_every)?,
            ..base
        };
        config.validate()?;
        Ok(config)
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                format!("unknown preset {s:?}; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_a_wrong_one_lists_the_choices() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
            assert!(p.config().validate().is_ok(), "{p}");
        }
        assert_eq!(" Quick ".parse::<Preset>(), Ok(Preset::Quick));
        let err = "fast".parse::<Preset>().unwrap_err();
        assert!(
            err.contains("\"fast\"") && err.contains("lab, quick"),
            "{err}"
        );
    }

    #[test]
    fn quick_is_narrower_and_shorter_than_the_lab_with_the_same_losses() {
        let (lab, quick) = (Preset::Lab.config(), Preset::Quick.config());
        assert_eq!(lab, TrainConfig::default());
        assert!(quick.model.filters < lab.model.filters && quick.model.latent < lab.model.latent);
        assert!(quick.iterations < lab.iterations && quick.batch_size < lab.batch_size);
        assert_eq!(
            (
                quick.critic_steps,
                quick.gp_weight,
                quick.generator_lr,
                quick.critic_lr
            ),
            (
                lab.critic_steps,
                lab.gp_weight,
                lab.generator_lr,
                lab.critic_lr
            )
        );
        // It still checkpoints and writes samples along the way, not only at the end.
        assert!(quick.checkpoint_every > 0 && quick.checkpoint_every < quick.iterations);
        assert!(quick.sample_every > 0 && quick.sample_every < quick.iterations);
    }
}
