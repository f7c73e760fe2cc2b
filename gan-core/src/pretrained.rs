//! Trained generators ready to compose: the shipped pretrained model (`data/pretrained/`), or the
//! newest checkpoint of a run of your own, behind one type, [`TrainedModel`].
//!
//! A pretrained directory holds `generator.safetensors` (the generator's variables in f16, named
//! as in [`Gan::save`](crate::model::Gan::save) with the `generator.` prefix), `config.json` (the
//! [`TrainConfig`] it was trained with), `log.json` (its [`RunLog`]: losses, metrics and the
//! training data's reference metrics) and `samples/iter_<iteration>.mid` (what the generator
//! made of the evaluation melodies during training, as a run directory keeps them).

use crate::compose::{arrangements, Arrangement, ComposeError, ComposeOptions, HeldOut};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::data::Dataset;
use crate::error::Result;
use crate::files::io_error;
use crate::metrics::MetricSet;
use crate::midi::read_midi_file;
use crate::model::{Generator, InferenceGenerator, ModelError};
use crate::roll::{Multitrack, Track, STEPS_PER_BEAT, VOICE_NAMES};
use crate::train::checkpoint::{checkpoint_name, parse_name};
use crate::train::run_dir::concat_in_time;
use crate::train::{
    Checkpoint, EvalSet, Evaluation, RunDir, RunLog, TrainConfig, TrainData, TrainError,
};

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

/// The lab's metrics of a model's raw output on the held-out snippets, beside Bach's:
/// [`TrainedModel::held_out_snippets`].
#[derive(Debug, Clone)]
pub struct SnippetMetrics {
    /// How many two-bar snippets.
    pub snippets: usize,
    /// The generator's (its soprano is the melody it was given).
    pub generated: MetricSet,
    /// Bach's four voices in the same snippets.
    pub bach: MetricSet,
}

/// Where a [`TrainedModel`] was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A pretrained directory (the shipped model, or one written by [`TrainedModel::export`]).
    Pretrained(PathBuf),
    /// A checkpoint directory of a training run.
    Checkpoint(PathBuf),
}

impl fmt::Display for ModelSource {
    /// One sentence for the notebooks' and the command line's output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSource::Pretrained(dir) => write!(f, "the pretrained model in {}", dir.display()),
            ModelSource::Checkpoint(dir) => write!(f, "the checkpoint {}", dir.display()),
        }
    }
}

/// A trained generator on the CPU, with how it was trained and where its samples are.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    /// The generator, in f32.
    pub generator: Generator,
    /// The device it runs on.
    pub device: Device,
    /// The configuration it was trained with.
    pub config: TrainConfig,
    /// Its training log, up to the iteration it was saved at.
    pub log: RunLog,
    /// Where it was loaded from.
    pub source: ModelSource,
    /// The directory whose `samples/` holds the samples written while it trained.
    samples_root: RunDir,
    /// The generator's inference snapshot, built the first time it composes or evaluates
    /// ([`TrainedModel::inference`]); reading the log or the samples never needs it.
    snapshot: OnceLock<InferenceGenerator>,
}

impl TrainedModel {
    /// Loads a trained generator from `dir`: a pretrained directory, a run directory (its newest
    /// checkpoint) or one checkpoint directory.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        if dir.join(GENERATOR_FILE).is_file() {
            return Self::load(dir);
        }
        if dir.join(crate::train::checkpoint::META_FILE).is_file() {
            return Self::from_checkpoint(&Checkpoint::open(dir)?);
        }
        match RunDir::new(dir).latest_checkpoint()? {
            Some(checkpoint) => Self::from_checkpoint(&checkpoint),
            None if dir.is_dir() => Err(TrainError::NoCheckpoint {
                dir: dir.to_path_buf(),
            }
            .into()),
            None => Err(checkpoint_error(dir.join(GENERATOR_FILE), "no trained model here").into()),
        }
    }

    /// Loads the pretrained directory `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let path = dir.join(GENERATOR_FILE);
        if !path.is_file() {
            return Err(checkpoint_error(path, "missing: no pretrained generator here").into());
        }
        let config = TrainConfig::load(dir.join(CONFIG_FILE))?;
        let log = RunLog::load(dir.join(LOG_FILE))?;
        let device = Device::Cpu;
        let bad = |reason: String| checkpoint_error(path.clone(), &reason);
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
            source: ModelSource::Pretrained(dir.to_path_buf()),
            samples_root: RunDir::new(dir),
            snapshot: OnceLock::new(),
        })
    }

    /// Loads the shipped pretrained model ([`default_dir`]).
    pub fn load_default() -> Result<Self> {
        Self::load(default_dir())
    }

    /// The generator of a training run's checkpoint.
    pub fn from_checkpoint(checkpoint: &Checkpoint) -> Result<Self> {
        let device = Device::Cpu;
        let gan = checkpoint.load_gan(&device)?;
        Ok(Self {
            generator: gan.generator().clone(),
            device,
            config: checkpoint.config().clone(),
            log: checkpoint.load_log()?,
            source: ModelSource::Checkpoint(checkpoint.dir().to_path_buf()),
            samples_root: run_of(checkpoint),
            snapshot: OnceLock::new(),
        })
    }

    /// The generator's inference snapshot (BatchNorm folded, kernels prepared), built on first
    /// use and kept: what composing and evaluating run.
    pub fn inference(&self) -> std::result::Result<&InferenceGenerator, ModelError> {
        if let Some(snapshot) = self.snapshot.get() {
            return Ok(snapshot);
        }
        let built = self.generator.for_inference()?;
        Ok(self.snapshot.get_or_init(|| built))
    }

    /// The iterations it was trained for.
    pub fn iteration(&self) -> u64 {
        self.log.last_iteration()
    }

    /// The iterations, up to [`TrainedModel::iteration`], with a sample written, in order.
    pub fn sample_iterations(&self) -> Result<Vec<u64>> {
        written_samples(&self.samples_root, self.iteration())
    }

    /// The sample written at `iteration`: the generator's four voices for the evaluation
    /// melodies one after the other, soprano to bass (a voice it left silent is an empty track).
    pub fn sample(&self, iteration: u64) -> Result<Multitrack> {
        let path = self.samples_root.sample_files(iteration).midi;
        if !path.is_file() {
            let written = self.sample_iterations()?;
            return Err(TrainError::Config(format!(
                "no sample at iteration {iteration} ({} is missing); samples exist at {written:?}",
                path.display()
            ))
            .into());
        }
        let read = read_midi_file(&path, STEPS_PER_BEAT)?;
        // The reader keeps only tracks with notes: put the voices back in place by name.
        let tracks = VOICE_NAMES
            .iter()
            .map(|&name| {
                read.tracks
                    .iter()
                    .find(|t| t.name == name)
                    .cloned()
                    .unwrap_or_else(|| Track::silent(name, 0, read.len()))
            })
            .collect();
        Ok(Multitrack::new(read.resolution, read.tempo_bpm, tracks))
    }

    /// The generator's outputs on the evaluation melodies of its training configuration
    /// (held out from `data` as the run held them out), with their metrics.
    pub fn evaluate(&self, data: &Dataset) -> Result<Evaluation> {
        let split = TrainData::from_dataset(data, &self.config)?;
        let eval = EvalSet::new(&split.eval, &self.config, DType::F32, &self.device)?;
        eval.evaluate(self.inference()?, self.iteration())
    }

    /// Slideshow frames of the samples written while it trained, each beside Bach's snippets of
    /// the same evaluation melodies (held out from `data`), on one pitch range per voice:
    /// [`training_frames_png`](crate::plot::training_frames_png), for
    /// [`display::slideshow`](crate::display::slideshow).
    pub fn training_frames(&self, data: &Dataset) -> Result<Vec<(String, Vec<u8>)>> {
        let real = concat_in_time(TrainData::from_dataset(data, &self.config)?.eval.view())?;
        let samples = self
            .sample_iterations()?
            .into_iter()
            .map(|i| Ok((i, self.sample(i)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::plot::training_frames_png(&real, &samples)?)
    }

    /// Four-part arrangements of the melody in `input` by this model: [`arrangements`] with its
    /// generator and device (what `gan compose`, the notebooks and the studio call).
    pub fn compose(
        &self,
        input: &Multitrack,
        options: &ComposeOptions,
    ) -> std::result::Result<Vec<Arrangement>, ComposeError> {
        arrangements(self.inference()?, &self.device, input, options)
    }

    /// The generator's raw output for every two-bar snippet held out from this model's
    /// training (conditioned on Bach's soprano, the run's fixed latent grids), its lab metrics
    /// beside those of Bach's own voices in the same snippets.
    pub fn held_out_snippets(&self, data: &Dataset) -> Result<SnippetMetrics> {
        let split = self.config.split(data)?;
        let real = &split.eval.rolls;
        let n = real.len_of(ndarray::Axis(0));
        // 64 snippets at a time, to bound memory.
        let mut generated = ndarray::Array4::<f32>::zeros(real.raw_dim());
        for start in (0..n).step_by(64) {
            let end = (start + 64).min(n);
            let chunk = real.slice(ndarray::s![start..end, .., .., ..]).to_owned();
            let eval = EvalSet::new(&chunk, &self.config, DType::F32, &self.device)?;
            let part = eval
                .evaluate(self.inference()?, self.iteration())?
                .generated;
            generated
                .slice_mut(ndarray::s![start..end, .., .., ..])
                .assign(&part);
        }
        Ok(SnippetMetrics {
            snippets: n,
            generated: MetricSet::compute(generated.view())?,
            bach: MetricSet::compute(real.view())?,
        })
    }

    /// Each chorale held out from this model's training, composed from its soprano as
    /// `gan compose` does it by default, with its voice leading beside Bach's.
    pub fn held_out(&self, data: &Dataset) -> Result<HeldOut> {
        self.held_out_with(data, &ComposeOptions::default())
    }

    /// [`TrainedModel::held_out`], composed with `options` (say, another decoding).
    pub fn held_out_with(&self, data: &Dataset, options: &ComposeOptions) -> Result<HeldOut> {
        let split = self.config.split(data)?;
        let ids = split.eval.chorale_ids();
        HeldOut::compose(self.inference()?, &self.device, data, &ids, options)
    }

    /// Writes the generator of `checkpoint` (in f16), its configuration, its log and its run's
    /// sample MIDI files to `dir` as a pretrained directory.
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
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        // Written beside its final name, then renamed: a reader never sees half a file.
        let path = dir.join(GENERATOR_FILE);
        let tmp = dir.join(format!(".{GENERATOR_FILE}.tmp{}", std::process::id()));
        candle_core::safetensors::save(&half, &tmp)
            .map_err(|e| checkpoint_error(path.clone(), &e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(io_error(&path))?;
        checkpoint.config().save(dir.join(CONFIG_FILE))?;
        checkpoint.load_log()?.save(dir.join(LOG_FILE))?;

        let (source, target) = (run_of(checkpoint), RunDir::new(dir));
        let samples = target.samples_dir();
        std::fs::create_dir_all(&samples).map_err(io_error(&samples))?;
        for iteration in written_samples(&source, checkpoint.iteration())? {
            let (from, to) = (
                source.sample_files(iteration).midi,
                target.sample_files(iteration).midi,
            );
            let bytes = std::fs::read(&from).map_err(io_error(&from))?;
            crate::files::write_atomic(&to, &bytes)?;
        }
        Ok(())
    }
}

/// The run directory a checkpoint belongs to (`<run>/checkpoints/iter_<N>`).
fn run_of(checkpoint: &Checkpoint) -> RunDir {
    let dir = checkpoint.dir();
    RunDir::new(dir.parent().and_then(Path::parent).unwrap_or(dir))
}

/// The iterations up to `up_to` with a sample MIDI file in `run`'s samples, in order.
fn written_samples(run: &RunDir, up_to: u64) -> Result<Vec<u64>> {
    let dir = run.samples_dir();
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found: Vec<u64> = std::fs::read_dir(&dir)
        .map_err(io_error(&dir))?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let iteration = parse_name(name.strip_suffix(".mid")?)?;
            (checkpoint_name(iteration) + ".mid" == name).then_some(iteration)
        })
        .filter(|&i| i <= up_to)
        .collect();
    found.sort_unstable();
    Ok(found)
}

/// A checkpoint error about a pretrained model's file.
fn checkpoint_error(path: PathBuf, reason: &str) -> TrainError {
    TrainError::Checkpoint {
        path,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ops::portable::testing::max_abs;
    use crate::model::{Gan, ModelConfig};
    use crate::train::{RunLog, TrainConfig, WganGp};

    fn save_tiny_checkpoint(run: &RunDir, iterations: u64) -> Checkpoint {
        let config = TrainConfig {
            model: ModelConfig::new(4, 8),
            ..TrainConfig::default()
        };
        let gan = Gan::new(config.model, 1, DType::F32, &Device::Cpu).unwrap();
        let mut wgan = WganGp::new(gan, config).unwrap();
        wgan.set_iterations(iterations);
        let log = RunLog {
            iterations: (1..=iterations)
                .map(|iteration| crate::train::IterationRecord {
                    iteration,
                    critic: Vec::new(),
                    generator_loss: 0.0,
                    seconds: 0.1,
                })
                .collect(),
            ..RunLog::default()
        };
        Checkpoint::save(run.checkpoints_dir(), &wgan, &log).unwrap()
    }

    #[test]
    fn run_dirs_checkpoints_and_pretrained_dirs_open_alike() {
        let root = std::env::temp_dir().join(format!("gan-core-pretrained-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (pretrained, run) = (root.join("pretrained"), RunDir::new(root.join("run")));

        // Nothing there yet: errors that name the directory.
        let err = TrainedModel::open(run.path()).unwrap_err().to_string();
        assert!(err.contains(&run.path().display().to_string()), "{err}");
        let err = TrainedModel::load(&pretrained).unwrap_err().to_string();
        assert!(err.contains("generator.safetensors"), "{err}");

        save_tiny_checkpoint(&run, 2);
        let checkpoint = save_tiny_checkpoint(&run, 4);
        std::fs::create_dir_all(run.samples_dir()).unwrap();
        for i in [0, 2, 4, 6] {
            // Soprano and bass sound, alto and tenor are silent.
            let tune = crate::midi::twinkle_twinkle().tracks.remove(0);
            let len = tune.len();
            let voices = VOICE_NAMES
                .iter()
                .map(|&name| match name {
                    "Soprano" | "Bass" => Track {
                        name: name.into(),
                        ..tune.clone()
                    },
                    _ => Track::silent(name, 0, len),
                })
                .collect();
            let roll = Multitrack::new(STEPS_PER_BEAT, 100.0, voices);
            crate::midi::write_midi_file(run.sample_files(i).midi, &roll).unwrap();
        }
        let own = TrainedModel::open(run.path()).unwrap();
        assert_eq!(own.iteration(), 4);
        assert_eq!(
            own.source,
            ModelSource::Checkpoint(checkpoint.dir().to_path_buf())
        );
        // The sample written after the checkpoint (a later, unsaved part of the run) is not its.
        assert_eq!(own.sample_iterations().unwrap(), vec![0, 2, 4]);
        let sample = own.sample(2).unwrap();
        let names: Vec<&str> = sample.tracks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, VOICE_NAMES);
        assert!(sample.tracks[1].notes().is_empty() && !sample.tracks[3].notes().is_empty());
        let err = own.sample(3).unwrap_err().to_string();
        assert!(
            err.contains("iter_000003.mid") && err.contains("[0, 2, 4]"),
            "{err}"
        );

        TrainedModel::export(&checkpoint, &pretrained).unwrap();
        let shipped = TrainedModel::open(&pretrained).unwrap();
        assert_eq!(shipped.source, ModelSource::Pretrained(pretrained.clone()));
        assert_eq!(shipped.iteration(), 4);
        assert_eq!(shipped.config.model, ModelConfig::new(4, 8));
        assert_eq!(shipped.sample_iterations().unwrap(), vec![0, 2, 4]);

        // f16 weights: the same outputs as the checkpoint's f32 generator, to f16's precision.
        let c = Tensor::randn(0f32, 1.0, (2, 1, 32, 128), &Device::Cpu).unwrap();
        let z = Tensor::randn(0f32, 1.0, (2, 8, 2, 8), &Device::Cpu).unwrap();
        let mode = crate::model::Mode::Infer;
        let a = own.generator.forward(&c, &z, mode).unwrap();
        let b = shipped.generator.forward(&c, &z, mode).unwrap();
        let diff = max_abs(&(a - b).unwrap());
        assert!(diff < 1e-2, "f16 export changed the output by {diff}");

        // Both load paths build the inference snapshot on first use, and it computes the
        // generator's inference forward (to f32 rounding: BatchNorm is folded into the weights).
        use crate::model::Generate;
        for model in [&own, &shipped] {
            let forward = model.generator.forward(&c, &z, mode).unwrap();
            let snapshot = model.inference().unwrap().generate(&c, &z).unwrap();
            let diff = max_abs(&(forward - snapshot).unwrap());
            assert!(diff < 1e-5, "the snapshot differs from forward by {diff}");
        }

        std::fs::remove_dir_all(&root).unwrap();
    }
}
