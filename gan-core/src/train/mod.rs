//! WGAN-GP training of the lab's networks.
//!
//! - [`loss`]: the Wasserstein terms and the gradient penalty;
//! - [`adam`]: Adam with an exportable state;
//! - [`wgan`]: [`WganGp`], the networks and optimisers with the critic and generator steps;
//! - [`trainer`]: [`Trainer`], the lab's training loop with evaluation, samples and checkpoints;
//! - [`config`]: [`TrainConfig`], every setting of a run, loadable from JSON or the environment;
//! - [`preset`]: [`Preset`], the lab's configuration and a quick one for learners;
//! - [`eval`]: [`EvalSet`], the fixed evaluation melodies and latent vectors of a run;
//! - [`data`], [`log`], [`checkpoint`], [`run_dir`]: what a run reads and writes;
//! - [`checkup`]: a run's health read from its log (divergence, the critic's lead, collapse);
//! - [`fixture`]: the cross-check against the fixtures of the PyTorch reference implementation.

pub mod adam;
pub mod checkpoint;
pub mod checkup;
pub mod config;
pub mod data;
pub mod error;
pub mod eval;
pub mod fixture;
pub mod log;
pub mod loss;
pub mod preset;
pub mod run_dir;
pub mod seeds;
pub mod trainer;
pub mod wgan;

pub use adam::{Adam, AdamParams};
pub use checkpoint::{Checkpoint, CheckpointMeta};
pub use checkup::{Check, Checkup, Verdict};
pub use config::{Precision, TrainConfig};
pub use data::TrainData;
pub use error::{LossKind, TrainError};
pub use eval::{EvalSet, Evaluation};
pub use log::{IterationRecord, MetricRecord, RunLog};
pub use loss::{critic_loss, generator_loss, CriticLoss, GeneratorLoss};
pub use preset::Preset;
pub use run_dir::{latest_checkpoint, RunDir, SampleFiles};
pub use trainer::{Progress, Trainer};
pub use wgan::{CriticStats, IterationStats, WganGp};
