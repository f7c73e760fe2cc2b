//! The run directory: where a run keeps its configuration, log, checkpoints and samples.
//!
//! ```text
//! runs/<name>/
//!   config.json                  the TrainConfig of the latest session
//!   log.json                     the RunLog: losses of every iteration, evaluation metrics
//!   checkpoints/iter_000050/     the newest `keep_checkpoints` checkpoints (see checkpoint)
//!   samples/iter_000050.png      evaluation melodies: real chorales vs generated, one row each
//!   samples/iter_000050.mid      the generated accompaniments, 4 tracks, one after the other
//!   samples/iter_000050.wav      the same, rendered by the built-in synthesizer
//! ```

use std::path::{Path, PathBuf};

use ndarray::ArrayView4;

use super::checkpoint::{checkpoint_name, list_checkpoints, Checkpoint};
use super::config::TrainConfig;
use super::log::RunLog;
use crate::audio::{write_wav, SynthConfig};
use crate::error::Result;
use crate::files::write_atomic;
use crate::midi::write_midi_file;
use crate::plot::sample_grid_png;
use crate::roll::{check_batch_shape, Multitrack, DEFAULT_TEMPO_BPM, STEPS_PER_BEAT};

/// A run directory (nothing is created until the run writes into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

/// The files written for the evaluation outputs at one iteration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFiles {
    /// The piano rolls: the real evaluation snippets and the generated ones side by side.
    pub png: PathBuf,
    /// The generated snippets as a 4-track MIDI file, one after the other.
    pub midi: PathBuf,
    /// The same rendered to WAV.
    pub wav: PathBuf,
}

impl RunDir {
    /// The run directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { root: path.into() }
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `config.json`: the configuration of the latest training session.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.json")
    }

    /// `log.json`: the run log, rewritten at every checkpoint and when training stops.
    pub fn log_path(&self) -> PathBuf {
        self.root.join("log.json")
    }

    /// `checkpoints/`.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// `checkpoints/iter_<iteration>/`.
    pub fn checkpoint_dir(&self, iteration: u64) -> PathBuf {
        self.checkpoints_dir().join(checkpoint_name(iteration))
    }

    /// `samples/`.
    pub fn samples_dir(&self) -> PathBuf {
        self.root.join("samples")
    }

    /// `samples/iter_<iteration>.{png,mid,wav}`.
    pub fn sample_files(&self, iteration: u64) -> SampleFiles {
        let base = self.samples_dir().join(checkpoint_name(iteration));
        SampleFiles {
            png: base.with_extension("png"),
            midi: base.with_extension("mid"),
            wav: base.with_extension("wav"),
        }
    }

    /// The run log.
    pub fn load_log(&self) -> Result<RunLog> {
        RunLog::load(self.log_path())
    }

    /// The configuration of the latest session.
    pub fn load_config(&self) -> Result<TrainConfig> {
        TrainConfig::load(self.config_path())
    }

    /// The iterations and directories of the complete checkpoints, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<(u64, PathBuf)>> {
        list_checkpoints(self.checkpoints_dir())
    }

    /// The newest complete checkpoint, opened, if there is one.
    pub fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        match self.checkpoints()?.pop() {
            Some((_, dir)) => Checkpoint::open(dir).map(Some),
            None => Ok(None),
        }
    }
}

/// The newest complete checkpoint of the run in `run_dir`, if there is one.
pub fn latest_checkpoint(run_dir: impl Into<PathBuf>) -> Result<Option<Checkpoint>> {
    RunDir::new(run_dir).latest_checkpoint()
}

/// A batch of snippets (N, T, 128, tracks) one after the other as one multitrack at the lab's
/// tempo, notes where the value is above 0.
pub fn concat_in_time(batch: ArrayView4<f32>) -> Result<Multitrack> {
    check_batch_shape(&batch, None, None)?;
    let (n, t, p, k) = batch.dim();
    let long = batch
        .to_shape((n * t, p, k))
        .map_err(|_| crate::roll::ShapeError {
            what: "piano-roll batch",
            expected: "(N, time, 128, tracks)".into(),
            got: vec![n, t, p, k],
        })?;
    Ok(Multitrack::from_lab_array(
        long.view(),
        STEPS_PER_BEAT,
        DEFAULT_TEMPO_BPM,
    )?)
}

/// Writes the evaluation outputs `generated` of the melodies of `real` (both (N, 32, 128, 4)):
/// the real-vs-generated piano rolls as PNG, and the generated snippets one after the other as
/// MIDI and WAV.
pub fn write_samples(
    files: &SampleFiles,
    real: ArrayView4<f32>,
    generated: ArrayView4<f32>,
) -> Result<()> {
    write_atomic(&files.png, &sample_grid_png(real, generated)?)?;
    let roll = concat_in_time(generated)?;
    write_midi_file(&files.midi, &roll)?;
    write_wav(&files.wav, &roll, &SynthConfig::default())
}

#[cfg(test)]
mod tests {
    use ndarray::Array4;

    use super::*;

    #[test]
    fn layout_and_concatenation() {
        let run = RunDir::new("runs/lab");
        assert_eq!(
            run.checkpoint_dir(50),
            Path::new("runs/lab/checkpoints/iter_000050")
        );
        let files = run.sample_files(7);
        assert_eq!(files.png, Path::new("runs/lab/samples/iter_000007.png"));
        assert_eq!(files.midi, Path::new("runs/lab/samples/iter_000007.mid"));
        assert_eq!(files.wav, Path::new("runs/lab/samples/iter_000007.wav"));

        let mut batch = Array4::from_elem((3, 32, 128, 4), -1.0f32);
        batch[[0, 0, 60, 0]] = 1.0;
        batch[[2, 31, 40, 3]] = 0.3;
        let roll = concat_in_time(batch.view()).unwrap();
        assert_eq!(roll.len(), 96);
        assert_eq!(roll.tracks.len(), 4);
        assert_eq!(roll.tempo_bpm, DEFAULT_TEMPO_BPM);
        assert_eq!(roll.tracks[0].notes()[0].start, 0);
        // The third snippet's last step is step 2·32 + 31 of the whole.
        let bass = roll.tracks[3].notes();
        assert_eq!((bass[0].pitch, bass[0].start), (40, 95));
    }
}
