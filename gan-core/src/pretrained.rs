//! The generator the notebooks compose with: the shipped pretrained run if there is one, else
//! the newest checkpoint of the notebook's own run directory.
//!
//! A pretrained model is shipped as a run directory (see [`crate::train::RunDir`]) under
//! `data/pretrained`: its newest checkpoint holds the networks, its `log.json` the losses and
//! metrics of the training that made it.

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::Device;

use crate::error::Result;
use crate::model::Gan;
use crate::train::{Checkpoint, RunDir, TrainError};

/// Where the shipped pretrained run lives: `pretrained/` in the data directory.
pub fn default_dir() -> PathBuf {
    crate::data::default_dir().join("pretrained")
}

/// Which run a generator was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// The shipped pretrained run, at this checkpoint.
    Pretrained(PathBuf),
    /// The notebook's own run directory, at this checkpoint.
    RunDir(PathBuf),
}

impl fmt::Display for ModelSource {
    /// One sentence for the notebook's output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSource::Pretrained(dir) => {
                write!(f, "the pretrained model ({})", dir.display())
            }
            ModelSource::RunDir(dir) => write!(
                f,
                "no pretrained model shipped yet: the latest checkpoint of the run directory ({})",
                dir.display()
            ),
        }
    }
}

/// The newest checkpoint of the run in `pretrained_dir` if it has one, else of `run_dir`; an
/// error naming `run_dir` when neither has a checkpoint (train one with notebook 03).
pub fn checkpoint_for(pretrained_dir: &Path, run_dir: &Path) -> Result<(Checkpoint, ModelSource)> {
    if let Some(checkpoint) = RunDir::new(pretrained_dir).latest_checkpoint()? {
        let source = ModelSource::Pretrained(checkpoint.dir().to_path_buf());
        return Ok((checkpoint, source));
    }
    match RunDir::new(run_dir).latest_checkpoint()? {
        Some(checkpoint) => {
            let source = ModelSource::RunDir(checkpoint.dir().to_path_buf());
            Ok((checkpoint, source))
        }
        None => Err(TrainError::NoCheckpoint {
            dir: run_dir.to_path_buf(),
        }
        .into()),
    }
}

/// The networks for the notebooks, on the CPU: those of [`default_dir`] if shipped, else those
/// of the newest checkpoint in `run_dir`, with where they came from.
pub fn gan_for_notebooks(run_dir: impl AsRef<Path>) -> Result<(Gan, ModelSource)> {
    let (checkpoint, source) = checkpoint_for(&default_dir(), run_dir.as_ref())?;
    Ok((checkpoint.load_gan(&Device::Cpu)?, source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;
    use crate::train::{RunLog, TrainConfig, WganGp};

    fn save_tiny_checkpoint(run: &RunDir, iterations: u64) {
        let config = TrainConfig {
            model: ModelConfig::new(4, 8),
            ..TrainConfig::default()
        };
        let gan = Gan::new(config.model, 1, candle_core::DType::F32, &Device::Cpu).unwrap();
        let mut wgan = WganGp::new(gan, config).unwrap();
        wgan.set_iterations(iterations);
        Checkpoint::save(run.checkpoints_dir(), &wgan, &RunLog::default()).unwrap();
    }

    #[test]
    fn pretrained_first_then_run_dir_then_an_error() {
        let root = std::env::temp_dir().join(format!("gan-core-pretrained-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (pretrained, run) = (root.join("pretrained"), root.join("run"));

        let err = checkpoint_for(&pretrained, &run).unwrap_err();
        assert!(
            err.to_string().contains(&run.display().to_string()),
            "{err}"
        );

        save_tiny_checkpoint(&RunDir::new(&run), 2);
        save_tiny_checkpoint(&RunDir::new(&run), 4);
        let (checkpoint, source) = checkpoint_for(&pretrained, &run).unwrap();
        assert_eq!(checkpoint.iteration(), 4);
        assert_eq!(source, ModelSource::RunDir(checkpoint.dir().to_path_buf()));
        assert!(source.to_string().starts_with("no pretrained model"));

        save_tiny_checkpoint(&RunDir::new(&pretrained), 6);
        let (checkpoint, source) = checkpoint_for(&pretrained, &run).unwrap();
        assert_eq!(checkpoint.iteration(), 6);
        assert!(matches!(source, ModelSource::Pretrained(_)));
        assert_eq!(
            checkpoint.load_gan(&Device::Cpu).unwrap().config().filters,
            4
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
