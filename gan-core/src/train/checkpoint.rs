//! Checkpoints: everything needed to resume training exactly, one directory per checkpoint.
//!
//! A checkpoint is a directory `checkpoints/iter_<iteration, 6 digits>/` of the run directory:
//!
//! - `networks.safetensors`: every variable of both networks, moving statistics included
//!   ([`Gan::save`]'s format: `generator.<var>`, `critic.<var>`);
//! - `optimizer.safetensors`: Adam's moment estimates, `generator.m.<var>`, `generator.v.<var>`,
//!   `critic.m.<var>`, `critic.v.<var>`;
//! - `log.json`: the [`RunLog`] up to this iteration;
//! - `checkpoint.json`: the [`CheckpointMeta`] sidecar (iteration, Adam step counts, the whole
//!   configuration, seed, gan-core version).
//!
//! Saving is atomic: the files are written into a hidden temporary directory
//! (`checkpoints/.iter_….tmp<pid>`), the sidecar last, and the directory is then renamed into
//! place. A directory without `checkpoint.json` is never taken for a checkpoint, so a crash
//! mid-save leaves the previous checkpoints as they were.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::error::TrainError;
use super::log::RunLog;
use super::wgan::WganGp;
use crate::error::Result;
use crate::files::{io_error, write_atomic};
use crate::model::Gan;

/// The version of the checkpoint layout this build writes and reads.
pub const CHECKPOINT_FORMAT: u32 = 1;
/// The sidecar's file name; its presence marks a complete checkpoint.
pub const META_FILE: &str = "checkpoint.json";
/// The networks' file name.
pub const NETWORKS_FILE: &str = "networks.safetensors";
/// The optimisers' file name.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// The run log's file name inside a checkpoint.
pub const LOG_FILE: &str = "log.json";

/// The sidecar of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// The layout version ([`CHECKPOINT_FORMAT`]).
    pub format: u32,
    /// The iterations done.
    pub iteration: u64,
    /// The generator's Adam step count.
    pub generator_adam_steps: u64,
    /// The critic's Adam step count.
    pub critic_adam_steps: u64,
    /// The run's seed (also in `config`), for quick reading.
    pub seed: u64,
    /// The version of gan-core that wrote the checkpoint.
    pub gan_core_version: String,
    /// The whole configuration the run trained with.
    pub config: TrainConfig,
}

/// A checkpoint on disk whose sidecar has been read.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    dir: PathBuf,
    meta: CheckpointMeta,
}

/// The directory name of the checkpoint at `iteration`: `iter_000050`.
pub fn checkpoint_name(iteration: u64) -> String {
    format!("iter_{iteration:06}")
}

/// The iteration of a checkpoint directory name or sample file stem (`iter_000050` → 50).
pub(crate) fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("iter_")?;
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse().ok())
        .flatten()
}

/// The complete checkpoints (directories with a sidecar) under `checkpoints_dir`, sorted by
/// iteration; none if the directory does not exist.
pub fn list_checkpoints(checkpoints_dir: impl AsRef<Path>) -> Result<Vec<(u64, PathBuf)>> {
    let dir = checkpoints_dir.as_ref();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir)(e).into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(iteration) = name.to_str().and_then(parse_name) else {
            continue;
        };
        let path = entry.path();
        if path.join(META_FILE).is_file() {
            out.push((iteration, path));
        }
    }
    out.sort();
    Ok(out)
}

impl Checkpoint {
    /// Opens the checkpoint in `dir`, reading and checking its sidecar.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(META_FILE);
        let bad = |reason: String| TrainError::Checkpoint {
            path: path.clone(),
            reason,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let reason = if dir.is_dir() {
                    "missing: the directory is not a complete checkpoint".to_string()
                } else {
                    "missing: no such checkpoint directory".to_string()
                };
                return Err(bad(reason).into());
            }
            Err(e) => return Err(bad(e.to_string()).into()),
        };
        let meta: CheckpointMeta = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if meta.format != CHECKPOINT_FORMAT {
            return Err(bad(format!(
                "checkpoint format {} (this gan-core reads format {CHECKPOINT_FORMAT})",
                meta.format
            ))
            .into());
        }
        Ok(Self { dir, meta })
    }

    /// The checkpoint's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The sidecar.
    pub fn meta(&self) -> &CheckpointMeta {
        &self.meta
    }

    /// The iterations done when it was saved.
    pub fn iteration(&self) -> u64 {
        self.meta.iteration
    }

    /// The configuration the run trained with.
    pub fn config(&self) -> &TrainConfig {
        &self.meta.config
    }

    /// The networks, in the configuration's precision, on `device` (e.g. for inference).
    pub fn load_gan(&self, device: &Device) -> Result<Gan> {
        let path = self.dir.join(NETWORKS_FILE);
        let gan = Gan::load(&path, self.meta.config.precision.dtype(), device)?;
        if gan.config() != &self.meta.config.model {
            return Err(TrainError::Checkpoint {
                path,
                reason: format!(
                    "the networks have widths {:?}, the sidecar says {:?}",
                    gan.config(),
                    self.meta.config.model
                ),
            }
            .into());
        }
        Ok(gan)
    }

    /// The run log up to this checkpoint.
    pub fn load_log(&self) -> Result<RunLog> {
        let path = self.dir.join(LOG_FILE);
        let log = RunLog::load(&path)?;
        if log.last_iteration() != self.meta.iteration {
            return Err(TrainError::Checkpoint {
                path,
                reason: format!(
                    "the log ends at iteration {}, the checkpoint is at {}",
                    log.last_iteration(),
                    self.meta.iteration
                ),
            }
            .into());
        }
        Ok(log)
    }

    /// The training state: the networks, both optimisers' moments and step counts, and the
    /// iteration, with the hyper-parameters of `config` (whose widths and precision must be
    /// the checkpoint's).
    pub fn load_wgan(&self, config: TrainConfig, device: &Device) -> Result<WganGp> {
        let ours = &self.meta.config;
        if config.model != ours.model || config.precision != ours.precision {
            return Err(TrainError::Config(format!(
                "the checkpoint {} holds networks of widths {:?} in {:?}; the configuration asks \
                 for {:?} in {:?}",
                self.dir.display(),
                ours.model,
                ours.precision,
                config.model,
                config.precision
            ))
            .into());
        }
        let mut wgan = WganGp::new(self.load_gan(device)?, config)?;
        let path = self.dir.join(OPTIMIZER_FILE);
        let tensors =
            candle_core::safetensors::load(&path, device).map_err(|e| TrainError::Checkpoint {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let (critic, generator) = wgan.optimizers_mut();
        critic.import(&tensors, "critic", self.meta.critic_adam_steps, &path)?;
        generator.import(&tensors, "generator", self.meta.generator_adam_steps, &path)?;
        wgan.set_iterations(self.meta.iteration);
        Ok(wgan)
    }

    /// Saves `wgan` and `log` as the checkpoint at `wgan.iterations()` under `checkpoints_dir`,
    /// atomically, replacing a checkpoint of the same iteration.
    pub fn save(checkpoints_dir: impl AsRef<Path>, wgan: &WganGp, log: &RunLog) -> Result<Self> {
        let root = checkpoints_dir.as_ref();
        let name = checkpoint_name(wgan.iterations());
        let pid = std::process::id();
        let tmp = root.join(format!(".{name}.tmp{pid}"));
        let dir = root.join(&name);
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io_error(&tmp))?;
        }
        std::fs::create_dir_all(&tmp).map_err(io_error(&tmp))?;

        wgan.gan().save(tmp.join(NETWORKS_FILE))?;
        let optimizer_path = tmp.join(OPTIMIZER_FILE);
        let moments = wgan.critic_optimizer().export("critic").and_then(|critic| {
            let generator = wgan.generator_optimizer().export("generator")?;
            Ok(critic
                .into_iter()
                .chain(generator)
                .collect::<HashMap<String, Tensor>>())
        });
        moments
            .and_then(|moments| candle_core::safetensors::save(&moments, &optimizer_path))
            .map_err(|e| TrainError::Checkpoint {
                path: optimizer_path.clone(),
                reason: e.to_string(),
            })?;
        log.save(tmp.join(LOG_FILE))?;
        let config = wgan.config().clone();
        let meta = CheckpointMeta {
            format: CHECKPOINT_FORMAT,
            iteration: wgan.iterations(),
            generator_adam_steps: wgan.generator_optimizer().steps(),
            critic_adam_steps: wgan.critic_optimizer().steps(),
            seed: config.seed,
            gan_core_version: env!("CARGO_PKG_VERSION").to_string(),
            config,
        };
        let text = serde_json::to_string_pretty(&meta).map_err(|e| TrainError::Checkpoint {
            path: tmp.join(META_FILE),
            reason: e.to_string(),
        })?;
        write_atomic(tmp.join(META_FILE), text.as_bytes())?;

        // Swap the complete directory into place; an older one of the same name goes aside first.
        let old = root.join(format!(".{name}.old{pid}"));
        if dir.exists() {
            std::fs::rename(&dir, &old).map_err(io_error(&dir))?;
        }
        std::fs::rename(&tmp, &dir).map_err(io_error(&dir))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io_error(&old))?;
        }
        Ok(Self { dir, meta })
    }
}

/// Removes checkpoints under `checkpoints_dir`: those after `current` (left by a run that was
/// resumed from an earlier checkpoint) and all but the newest `keep` of the others.
pub fn prune_checkpoints(
    checkpoints_dir: impl AsRef<Path>,
    current: u64,
    keep: usize,
) -> Result<()> {
    let all = list_checkpoints(checkpoints_dir)?;
    let kept_from = all
        .iter()
        .filter(|(i, _)| *i <= current)
        .count()
        .saturating_sub(keep);
    let mut seen = 0;
    for (iteration, path) in all {
        let drop = if iteration > current {
            true
        } else {
            seen += 1;
            seen <= kept_from
        };
        if drop {
            // Unmark the checkpoint first, so that a half-removed directory is never listed.
            let meta = path.join(META_FILE);
            std::fs::remove_file(&meta).map_err(io_error(&meta))?;
            std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_listing_skips_incomplete_directories() {
        assert_eq!(checkpoint_name(50), "iter_000050");
        assert_eq!(parse_name("iter_000050"), Some(50));
        assert_eq!(parse_name("iter_1234567"), Some(1_234_567));
        assert_eq!(parse_name(".iter_000050.tmp12"), None);
        assert_eq!(parse_name("iter_+5"), None);

        let root = std::env::temp_dir().join(format!("gan-core-ckpts-{}", std::process::id()));
        assert!(list_checkpoints(&root).unwrap().is_empty());
        for i in [2, 4, 6, 8] {
            let dir = root.join(checkpoint_name(i));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(META_FILE), "{}").unwrap();
        }
        // Incomplete: no sidecar; and a temporary directory.
        std::fs::create_dir_all(root.join(checkpoint_name(10))).unwrap();
        std::fs::create_dir_all(root.join(".iter_000012.tmp1")).unwrap();
        let found: Vec<u64> = list_checkpoints(&root)
            .unwrap()
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(found, vec![2, 4, 6, 8]);

        // Resumed at 4: 6 and 8 belong to the abandoned run; keep 1 of 2 and 4.
        prune_checkpoints(&root, 4, 1).unwrap();
        let found: Vec<u64> = list_checkpoints(&root)
            .unwrap()
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(found, vec![4]);

        let err = Checkpoint::open(root.join(checkpoint_name(10)))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("checkpoint.json") && err.contains("not a complete"),
            "{err}"
        );
        let err = Checkpoint::open(root.join(checkpoint_name(4)))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("iter_000004") && err.contains("missing field"),
            "{err}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
