//! The shipped pretrained generator (`data/pretrained/`): what composing uses by default and
//! what the notebooks load when they do not train.
//!
//! The directory holds `generator.safetensors` (the generator's variables in f16, named as in
//! [`Gan::save`](crate::model::Gan::save) with the `generator.` prefix), `config.json` (the
//! [`TrainConfig`] it was trained with) and `log.json` (its [`RunLog`]: losses, metrics and
//! the training data's reference metrics).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::error::Result;
use crate::model::{Generator, ModelError};
use crate::train::{Checkpoint, RunLog, TrainConfig, TrainError};

/// The generator's weights file in a pretrained directory.
pub const GENERATOR_FILE: &str = "generator.safetensors";
/// The training configuration file in a pretrained directory.
pub const CONFIG_FILE: &str = "config.json";
/// The run log file in a pretrained directory.
pub const LOG_FILE: &str = "log.json";

/// The shipped pretrained model's directory: `$GAN_PRETRAINED_DIR` if set, else the
/// repository's `data/pretrained`.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("GAN_PRETRAINED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => crate::data::default_dir().join("pretrained"),
    }
}

/// A trained generator ready for inference, with how it was trained.
pub struct Pretrained {
    /// The generator, in f32.
    pub generator: Generator,
    /// The device it runs on.
    pub device: Device,
    /// The configuration it was trained with.
    pub config: TrainConfig,
    /// Its training log.
    pub log: RunLog,
}

impl Pretrained {
    /// Loads the pretrained model in `dir` onto the CPU.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let config = TrainConfig::load(dir.join(CONFIG_FILE))?;
        let log = RunLog::load(dir.join(LOG_FILE))?;
        let device = Device::Cpu;
        let path = dir.join(GENERATOR_FILE);
        let bad = |reason: String| TrainError::Checkpoint {
            path: path.clone(),
            reason,
        };
        if !path.is_file() {
            return Err(bad("missing: no pretrained generator here".into()).into());
        }
        let tensors =
            candle_core::safetensors::load(&path, &device).map_err(|e| bad(e.to_string()))?;
        let weights: HashMap<String, Tensor> = tensors
            .into_iter()
            .filter_map(|(name, t)| name.strip_prefix("generator.").map(|n| (n.to_string(), t)))
            .collect();
        let vb = VarBuilder::from_tensors(weights, DType::F32, &device);
        let generator =
            Generator::new(vb, config.model).map_err(|e| bad(ModelError::from(e).to_string()))?;
        Ok(Self {
            generator,
            device,
            config,
            log,
        })
    }

    /// Loads the pretrained model from [`default_dir`].
    pub fn load_default() -> Result<Self> {
        Self::load(default_dir())
    }

    /// Writes the generator of `checkpoint` (in f16), its configuration and its log to `dir`
    /// as a pretrained model.
    pub fn export(checkpoint: &Checkpoint, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let gan = checkpoint.load_gan(&Device::Cpu)?;
        let vars = gan
            .generator_vars()
            .data()
            .lock()
            .map_err(|_| ModelError::Poisoned)?;
        let mut half = HashMap::new();
        for (name, var) in vars.iter() {
            half.insert(
                format!("generator.{name}"),
                var.as_tensor()
                    .to_dtype(DType::F16)
                    .map_err(ModelError::from)?,
            );
        }
        drop(vars);
        std::fs::create_dir_all(dir).map_err(crate::error::io_error(dir))?;
        // Written beside its final name, then renamed: a reader never sees half a file.
        let path = dir.join(GENERATOR_FILE);
        let tmp = dir.join(format!(".{GENERATOR_FILE}.tmp{}", std::process::id()));
        let bad = |e: std::io::Error| TrainError::Checkpoint {
            path: path.clone(),
            reason: e.to_string(),
        };
        candle_core::safetensors::save(&half, &tmp)
            .map_err(|e| bad(std::io::Error::other(e.to_string())))?;
        std::fs::rename(&tmp, &path).map_err(bad)?;
        checkpoint.config().save(dir.join(CONFIG_FILE))?;
        checkpoint.load_log()?.save(dir.join(LOG_FILE))?;
        Ok(())
    }
}
