//! What every notebook reads from the environment, in one place: [`Settings`], and the list of
//! variables ([`VARIABLES`]) that the README's table shows.
//!
//! A learner changes a setting by exporting a variable before starting JupyterLab (or by editing
//! the default in the notebook's settings cell); CI runs the notebooks small this way.

use std::path::PathBuf;

use crate::error::Result;
use crate::pretrained::TrainedModel;
use crate::settings::from_env;
use crate::train::TrainConfig;

/// One environment variable the notebooks read: its name, its default and what it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The variable's name, e.g. `GAN_PRESET`.
    pub name: &'static str,
    /// Its value when unset, as text.
    pub default: &'static str,
    /// What it sets.
    pub meaning: &'static str,
}

const fn var(name: &'static str, default: &'static str, meaning: &'static str) -> Variable {
    Variable {
        name,
        default,
        meaning,
    }
}

/// Every environment variable the notebooks (and the crate on their behalf) read.
pub const VARIABLES: &[Variable] = &[
    var("TRAIN", "false", "notebooks 03-07: `true` trains your own run (03) and uses it (04-07) instead of the shipped pretrained model"),
    var("GAN_RUN_DIR", "../runs/lab", "the run directory notebook 03 trains into and 04-07 read when TRAIN=true (relative to notebooks/)"),
    var("GAN_DATA_DIR", "found at run time", "the data set (a directory holding index.json)"),
    var("GAN_PRETRAINED_DIR", "data/pretrained", "the shipped pretrained model"),
    var("GAN_PRESET", "quick", "the training configuration to start from: `quick` (minutes) or `lab` (the lab's, hours)"),
    var("GAN_ITERATIONS", "the preset's", "generator steps to train for"),
    var("GAN_BATCH_SIZE", "the preset's", "samples per batch (notebook 01 batches with it too)"),
    var("GAN_CRITIC_STEPS", "5", "critic steps per generator step"),
    var("GAN_GP_WEIGHT", "10", "weight of the gradient penalty"),
    var("GAN_GENERATOR_LR", "0.001", "the generator's Adam learning rate"),
    var("GAN_CRITIC_LR", "0.001", "the critic's Adam learning rate"),
    var("GAN_SEED", "0", "the seed of every random draw: weights, batches, noise, variations"),
    var("GAN_FILTERS", "the preset's", "the networks' base width (the lab: 64)"),
    var("GAN_LATENT", "the preset's", "channels of the generator's noise (the lab: 512)"),
    var("GAN_SNIPPET_MODE", "per_chorale", "which snippets to cut: `per_chorale` (the lab's) or `windows`"),
    var("GAN_DEVICE", "cpu", "where notebook 03 trains: `cpu`, or `cuda:N` in a build with the `cuda` feature"),
    var("GAN_TRANSPOSE", "0", "augmentation: each snippet moved by up to this many semitones"),
    var("GAN_METRICS_EVERY", "the preset's", "record the generator's metrics every this many iterations"),
    var("GAN_SAMPLE_EVERY", "the preset's", "write sample MIDI, WAV and piano rolls every this many iterations"),
    var("GAN_CHECKPOINT_EVERY", "the preset's", "save a checkpoint every this many iterations"),
    var("GAN_CHORALE", "bwv253", "notebook 01: the chorale to look at and hear"),
    var("GAN_SMOOTHING", "0.6", "notebook 04: the loss curves' moving-average weight, in [0, 1)"),
    var("GAN_SAMPLE_ITERATION", "the newest", "notebook 05: the iteration whose samples to hear"),
    var("GAN_VARIATIONS", "4", "notebook 06: how many variations of Twinkle to compose"),
    var("GAN_MIDI_FILE", "data/chorales/bwv253.mid", "notebook 07: the MIDI file whose melody to accompany"),
];

/// The settings of every notebook, read from the environment once (see [`VARIABLES`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `TRAIN`: train your own run and use it, instead of the shipped pretrained model.
    pub train: bool,
    /// `GAN_RUN_DIR`: the run directory of notebook 03.
    pub run_dir: PathBuf,
    /// `GAN_DATA_DIR`, or the data set found at run time.
    pub data_dir: PathBuf,
    /// The training configuration: `GAN_PRESET` and the variables that override its fields.
    pub config: TrainConfig,
    /// `GAN_CHORALE`: notebook 01's chorale.
    pub chorale: String,
    /// `GAN_SMOOTHING`: notebook 04's loss-curve smoothing.
    pub smoothing: f64,
    /// `GAN_SAMPLE_ITERATION`: notebook 05's iteration, `None` for the newest.
    pub sample_iteration: Option<u64>,
    /// `GAN_VARIATIONS`: notebook 06's number of variations.
    pub variations: usize,
    /// `GAN_MIDI_FILE`: notebook 07's input.
    pub midi_file: PathBuf,
}

impl Settings {
    /// Reads every setting; a variable that does not parse is an error naming it.
    pub fn from_env() -> Result<Self> {
        let data_dir = from_env("GAN_DATA_DIR", crate::data::default_dir())?;
        let sample_iteration: i64 = from_env("GAN_SAMPLE_ITERATION", -1)?;
        Ok(Self {
            train: from_env("TRAIN", false)?,
            run_dir: from_env("GAN_RUN_DIR", PathBuf::from("../runs/lab"))?,
            config: TrainConfig::from_env()?,
            chorale: from_env("GAN_CHORALE", "bwv253".to_string())?,
            smoothing: from_env("GAN_SMOOTHING", 0.6)?,
            sample_iteration: u64::try_from(sample_iteration).ok(),
            variations: from_env("GAN_VARIATIONS", 4)?,
            midi_file: from_env(
                "GAN_MIDI_FILE",
                data_dir.join("chorales").join("bwv253.mid"),
            )?,
            data_dir,
        })
    }

    /// The model notebooks 04-07 use: the newest checkpoint of `run_dir` when `train`, else
    /// the shipped pretrained model.
    pub fn model(&self) -> Result<TrainedModel> {
        if self.train {
            TrainedModel::open(&self.run_dir)
        } else {
            TrainedModel::load_default()
        }
    }
}

/// The variables as a Markdown table, as the README shows them.
pub fn variables_markdown() -> String {
    let mut out = String::from("| variable | default | what it sets |\n|---|---|---|\n");
    for v in VARIABLES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            v.name, v.default, v.meaning
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_the_crate_reads_is_listed_once() {
        let mut names: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "a variable listed twice");
        // Every "GAN_..." literal in the crate's sources is a listed variable.
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for piece in text.split('"').skip(1).step_by(2) {
                        if piece.starts_with("GAN_")
                            && piece.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                            && !piece.contains("CORE_")
                            && !piece.contains("TEST")
                        {
                            assert!(
                                names.contains(&piece),
                                "{piece} ({}) is not in VARIABLES",
                                path.display()
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_readme_lists_every_variable() {
        let readme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(readme).unwrap();
        let table = variables_markdown();
        assert!(
            readme.contains(&table),
            "README.md should hold this table:\n{table}"
        );
    }

    #[test]
    fn the_markdown_table_has_a_row_per_variable() {
        let table = variables_markdown();
        assert_eq!(table.lines().count(), VARIABLES.len() + 2);
        assert!(table.contains("| `GAN_PRESET` | quick |"));
    }
}
