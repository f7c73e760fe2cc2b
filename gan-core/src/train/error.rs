//! What can go wrong training: a diverged loss, a bad configuration, a missing or corrupt
//! checkpoint.

use std::fmt;
use std::path::PathBuf;

/// Which loss of an iteration went non-finite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossKind {
    /// The critic's loss in critic step `step` (from 1) of the iteration.
    Critic {
        /// The critic step, from 1.
        step: usize,
    },
    /// The generator's loss.
    Generator,
}

impl fmt::Display for LossKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossKind::Critic { step } => write!(f, "critic loss (critic step {step})"),
            LossKind::Generator => f.write_str("generator loss"),
        }
    }
}

/// What can go wrong in the training loop, its configuration and its checkpoints.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A loss became NaN or infinite: training stopped before saving anything of this state.
    #[error(
        "training diverged at iteration {iteration}: the {loss} is {value}; training stopped and \
         the last good checkpoint was kept"
    )]
    NonFinite {
        /// The iteration (from 1) whose loss is not finite.
        iteration: u64,
        /// Which loss.
        loss: LossKind,
        /// Its value (NaN or ±inf).
        value: f64,
    },
    /// A training step was asked of a trainer whose last iteration failed.
    #[error(
        "training stopped at iteration {iteration} after an error; restore a checkpoint to go on"
    )]
    Halted {
        /// The iteration that failed.
        iteration: u64,
    },
    /// A setting is out of range or inconsistent.
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// A configuration file could not be parsed.
    #[error("{path}: {reason}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A checkpoint file is missing, unreadable or inconsistent.
    #[error("checkpoint file {path}: {reason}")]
    Checkpoint {
        /// The file (or checkpoint directory) involved.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A run directory holds no complete checkpoint.
    #[error("no checkpoint in {dir} (looked for checkpoints/iter_*/checkpoint.json)")]
    NoCheckpoint {
        /// The run directory.
        dir: PathBuf,
    },
    /// A new run was asked for in a run directory that already holds checkpoints.
    #[error(
        "{dir} already holds checkpoints (the latest at iteration {iteration}); resume it or \
         choose another run directory"
    )]
    RunExists {
        /// The run directory.
        dir: PathBuf,
        /// The latest checkpoint's iteration.
        iteration: u64,
    },
    /// A run directory's log file is missing or malformed.
    #[error("run log {path}: {reason}")]
    Log {
        /// The log file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}
