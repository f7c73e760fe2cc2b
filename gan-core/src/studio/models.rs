//! The models the studio offers: the shipped one (or `--model DIR`), and every run directory,
//! checkpoint and exported model under `runs/`. Each is loaded once, on first use, and kept.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::pretrained::{TrainedModel, GENERATOR_FILE};
use crate::train::RunDir;
use serde::Serialize;

/// The id of the model the studio starts with.
pub const DEFAULT_ID: &str = "default";
/// How many loaded models are kept in memory at once.
const KEPT_MODELS: usize = 4;

/// One model the page can choose.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ModelEntry {
    /// What the page sends back as `model=`: "default", or a path under the runs directory.
    pub id: String,
    /// What the page shows.
    pub label: String,
    /// The directory `TrainedModel::open` loads.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// One model's place in the cache: empty until it has loaded.
type Slot = Arc<Mutex<Option<Arc<TrainedModel>>>>;

/// The models on offer, and the ones loaded so far.
#[derive(Debug)]
pub struct Catalog {
    /// The model chosen at start (the shipped one, or `--model`).
    default_dir: PathBuf,
    /// Where training runs are looked for.
    runs_dir: PathBuf,
    /// Loaded models by directory, oldest first; one slot per directory so that a model is
    /// loaded once even when several requests ask for it at the same time.
    loaded: Mutex<Vec<(PathBuf, Slot)>>,
}

impl Catalog {
    /// A catalog offering `default_dir` and what is under `runs_dir`.
    pub fn new(default_dir: PathBuf, runs_dir: PathBuf) -> Self {
        Self {
            default_dir,
            runs_dir,
            loaded: Mutex::new(Vec::new()),
        }
    }

    /// Every model on offer, the default first (the runs directory is read anew each time, so
    /// new runs and checkpoints appear without a restart).
    pub fn list(&self) -> Vec<ModelEntry> {
        let label = if self.default_dir == crate::pretrained::default_dir() {
            format!("shipped model ({})", short(&self.default_dir))
        } else {
            format!("--model {}", self.default_dir.display())
        };
        let mut out = vec![ModelEntry {
            id: DEFAULT_ID.to_string(),
            label,
            dir: self.default_dir.clone(),
        }];
        let Ok(read) = std::fs::read_dir(&self.runs_dir) else {
            return out;
        };
        let mut runs: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        runs.sort();
        for run in runs {
            let name = short(&run);
            if run.join(GENERATOR_FILE).is_file() {
                out.push(ModelEntry {
                    id: format!("runs/{name}"),
                    label: format!("runs/{name} (exported model)"),
                    dir: run,
                });
                continue;
            }
            let checkpoints = RunDir::new(&run).checkpoints().unwrap_or_default();
            let Some((newest, _)) = checkpoints.last() else {
                continue;
            };
            out.push(ModelEntry {
                id: format!("runs/{name}"),
                label: format!("runs/{name} (newest checkpoint, iteration {newest})"),
                dir: run.clone(),
            });
            for (iteration, dir) in checkpoints.iter().rev() {
                out.push(ModelEntry {
                    id: format!("runs/{name}/{}", short(dir)),
                    label: format!("runs/{name} at iteration {iteration}"),
                    dir: dir.clone(),
                });
            }
        }
        out
    }

    /// The entry with this id, if it is on offer (ids are looked up, never used as paths).
    pub fn find(&self, id: &str) -> Option<ModelEntry> {
        self.list().into_iter().find(|e| e.id == id)
    }

    /// The model of `entry`, loaded on first use and kept (blocking: call it off the async
    /// threads). A failed load is not kept, so it is tried again next time.
    pub fn get(&self, entry: &ModelEntry) -> crate::Result<Arc<TrainedModel>> {
        let dir = resolve(&entry.dir);
        let slot = {
            let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            match loaded.iter().find(|(d, _)| *d == dir) {
                Some((_, slot)) => slot.clone(),
                None => {
                    if loaded.len() >= KEPT_MODELS {
                        loaded.remove(0);
                    }
                    let slot = Arc::new(Mutex::new(None));
                    loaded.push((dir.clone(), slot.clone()));
                    slot
                }
            }
        };
        let mut model = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(model) = model.as_ref() {
            return Ok(model.clone());
        }
        let fresh = Arc::new(TrainedModel::open(&dir)?);
        *model = Some(fresh.clone());
        Ok(fresh)
    }
}

/// A run directory's newest checkpoint (so a run that goes on training is reloaded when it
/// writes a new checkpoint); any other directory as it is.
fn resolve(dir: &Path) -> PathBuf {
    if dir.join(GENERATOR_FILE).is_file() {
        return dir.to_path_buf();
    }
    match RunDir::new(dir).checkpoints() {
        Ok(list) => list.last().map_or(dir.to_path_buf(), |(_, d)| d.clone()),
        Err(_) => dir.to_path_buf(),
    }
}

/// The last component of a path, for labels.
fn short(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
