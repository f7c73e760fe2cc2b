//! [`Trainer`]: the lab's training loop, with evaluation, samples, checkpoints and the run log.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::checkpoint::{prune_checkpoints, Checkpoint};
use super::config::TrainConfig;
use super::data::TrainData;
use super::error::{LossKind, TrainError};
use super::eval::{EvalSet, Evaluation};
use super::log::{IterationRecord, MetricRecord, RunLog};
use super::run_dir::{write_samples, RunDir, SampleFiles};
use super::seeds::{derive_seed, SeedPurpose};
use super::wgan::{IterationStats, WganGp};
use crate::data::{random_shifts, transpose_batch, Batches, Dataset};
use crate::error::Result;
use crate::metrics::MetricSet;
use crate::model::layout::batch_to_tensor;
use crate::model::{Gan, ModelError};

/// What one training iteration did, for progress lines and bars.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The iteration's losses.
    pub record: IterationRecord,
    /// The iterations the run trains for.
    pub total: u64,
    /// Wall-clock time since this session's first iteration started.
    pub elapsed: Duration,
    /// The time the remaining iterations should take at this session's pace.
    pub remaining: Duration,
    /// The evaluation metrics, if recorded at this iteration.
    pub metrics: Option<MetricSet>,
    /// The sample files, if written at this iteration.
    pub samples: Option<SampleFiles>,
    /// The checkpoint's directory, if one was saved at this iteration.
    pub checkpoint: Option<PathBuf>,
}

impl Progress {
    /// The iteration just done (from 1).
    pub fn iteration(&self) -> u64 {
        self.record.iteration
    }

    /// The fraction of the run done, in [0, 1].
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.record.iteration as f64 / self.total as f64
        }
    }
}

impl fmt::Display for Progress {
    /// One line: `iteration   50/1000  critic -1.2345  generator 0.5678  gp 0.0123  0:42
    /// elapsed, 13:05 left`, then what was saved.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.total.to_string().len();
        write!(
            f,
            "iteration {:>width$}/{}  critic {:>9.4}  generator {:>9.4}  gp {:.4}  {} elapsed, {} left",
            self.record.iteration,
            self.total,
            self.record.critic_loss(),
            self.record.generator_loss,
            self.record.gp(),
            clock(self.elapsed),
            clock(self.remaining),
        )?;
        if self.checkpoint.is_some() {
            f.write_str("  [checkpoint]")?;
        }
        if self.samples.is_some() {
            f.write_str("  [samples]")?;
        }
        Ok(())
    }
}

/// A duration as `m:ss`, or `h:mm:ss` from an hour.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The lab's training loop over a [`WganGp`]: each iteration is `critic_steps` critic updates,
/// each on a fresh training batch, then one generator update conditioned on the first track of
/// another; then, as the configuration schedules it, the generator's outputs on the fixed
/// evaluation melodies are measured ([`MetricSet`]) and written (PNG, MIDI, WAV), a checkpoint
/// is saved and the run log rewritten.
///
/// Batch `j` of the run is a pure function of the seed and `j`, and so is the noise of each
/// iteration: a run restored from a checkpoint at iteration k goes on exactly as the run that
/// saved it. A non-finite loss stops training with [`TrainError::NonFinite`] before anything of
/// the bad state is saved.
///
/// ```no_run
/// # fn main() -> gan_core::Result<()> {
/// use gan_core::data::Dataset;
/// use gan_core::train::{TrainConfig, Trainer};
/// let data = Dataset::load_default()?;
/// let mut trainer = Trainer::new(TrainConfig::default(), &data, "runs/lab")?;
/// trainer.run(|p| println!("{p}"))?;
/// # Ok(()) }
/// ```
pub struct Trainer {
    wgan: WganGp,
    data: TrainData,
    run: RunDir,
    log: RunLog,
    eval: EvalSet,
    batch_seed: u64,
    transpose_seed: u64,
    /// The iteration the session started from.
    session_first: u64,
    session_start: Option<Instant>,
    /// Whether this session's start (config file, iteration-0 evaluation) has been written.
    started: bool,
    /// Set when an iteration failed: the networks may hold a bad state.
    halted_at: Option<u64>,
}

impl Trainer {
    /// A new run on the data set's train split, writing into `run_dir`; an error if the
    /// directory already holds checkpoints (resume them with [`Trainer::resume`]).
    pub fn new(config: TrainConfig, data: &Dataset, run_dir: impl Into<PathBuf>) -> Result<Self> {
        config.validate()?;
        let data = TrainData::from_dataset(data, &config)?;
        Self::with_data(config, data, run_dir)
    }

    /// A new run on any training and evaluation arrays.
    pub fn with_data(
        config: TrainConfig,
        data: TrainData,
        run_dir: impl Into<PathBuf>,
    ) -> Result<Self> {
        config.validate()?;
        let run = RunDir::new(run_dir);
        if let Some((iteration, _)) = run.checkpoints()?.pop() {
            return Err(TrainError::RunExists {
                dir: run.path().to_path_buf(),
                iteration,
            }
            .into());
        }
        let log = RunLog {
            reference: Some(data.reference_metrics()?),
            ..RunLog::default()
        };
        Self::assemble(WganGp::fresh(config)?, data, run, log)
    }

    /// The run in `run_dir`, whatever state it is in: its newest checkpoint resumed (as
    /// [`Trainer::resume`], to `config.iterations` in all), or a new run with `config` when the
    /// directory holds no checkpoint. Notebook 03 opens its run this way.
    pub fn open(config: TrainConfig, data: &Dataset, run_dir: impl Into<PathBuf>) -> Result<Self> {
        let run_dir = run_dir.into();
        match RunDir::new(&run_dir).latest_checkpoint()? {
            Some(checkpoint) => {
                Self::resume_from(&checkpoint, data, run_dir, Some(config.iterations))
            }
            None => Self::new(config, data, run_dir),
        }
    }

    /// Resumes the run in `run_dir` from its newest checkpoint, with the configuration saved in
    /// it (training to `iterations` in all when given), on the data set's split that
    /// configuration describes; an error naming the directory when it holds no checkpoint.
    pub fn resume(
        data: &Dataset,
        run_dir: impl Into<PathBuf>,
        iterations: Option<u64>,
    ) -> Result<Self> {
        let run = RunDir::new(run_dir);
        let checkpoint = run
            .latest_checkpoint()?
            .ok_or_else(|| TrainError::NoCheckpoint {
                dir: run.path().to_path_buf(),
            })?;
        Self::resume_from(&checkpoint, data, run.path(), iterations)
    }

    /// [`Trainer::resume`] from `checkpoint`, once found.
    fn resume_from(
        checkpoint: &Checkpoint,
        data: &Dataset,
        run_dir: impl Into<PathBuf>,
        iterations: Option<u64>,
    ) -> Result<Self> {
        let mut config = checkpoint.config().clone();
        config.iterations = iterations.unwrap_or(config.iterations);
        let data = TrainData::from_dataset(data, &config)?;
        Self::restore(checkpoint, config, data, run_dir)
    }

    /// Restores `checkpoint` to go on training with `config` (which may change the
    /// hyper-parameters or the number of iterations, not the widths or precision) on `data`,
    /// writing into `run_dir`. Checkpoints of `run_dir` after the restored one are removed when
    /// the next checkpoint is saved.
    pub fn restore(
        checkpoint: &Checkpoint,
        config: TrainConfig,
        data: TrainData,
        run_dir: impl Into<PathBuf>,
    ) -> Result<Self> {
        config.validate()?;
        let device = config.device.device().map_err(ModelError::from)?;
        let wgan = checkpoint.load_wgan(config, &device)?;
        let log = checkpoint.load_log()?;
        Self::assemble(wgan, data, RunDir::new(run_dir), log)
    }

    fn assemble(wgan: WganGp, data: TrainData, run: RunDir, log: RunLog) -> Result<Self> {
        let config = wgan.config();
        if data.train.dim().0 < config.batch_size {
            return Err(TrainError::Config(format!(
                "batch_size {} is larger than the {} training snippets",
                config.batch_size,
                data.train.dim().0
            ))
            .into());
        }
        let gan = wgan.gan();
        let eval = EvalSet::new(&data.eval, config, gan.dtype(), gan.device())?;
        Ok(Self {
            batch_seed: derive_seed(config.seed, SeedPurpose::Batches),
            transpose_seed: derive_seed(config.seed, SeedPurpose::Transpose),
            session_first: wgan.iterations(),
            session_start: None,
            started: false,
            halted_at: None,
            wgan,
            data,
            run,
            log,
            eval,
        })
    }

    /// The iteration this session started from: `Some` when it resumed a checkpoint.
    pub fn resumed_from(&self) -> Option<u64> {
        (self.session_first > 0).then_some(self.session_first)
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        self.wgan.config()
    }

    /// The networks and optimisers.
    pub fn wgan(&self) -> &WganGp {
        &self.wgan
    }

    /// The networks.
    pub fn gan(&self) -> &Gan {
        self.wgan.gan()
    }

    /// The training and evaluation data.
    pub fn data(&self) -> &TrainData {
        &self.data
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        &self.run
    }

    /// Everything recorded so far.
    pub fn log(&self) -> &RunLog {
        &self.log
    }

    /// The iterations done.
    pub fn iteration(&self) -> u64 {
        self.wgan.iterations()
    }

    /// Whether every configured iteration is done.
    pub fn is_done(&self) -> bool {
        self.iteration() >= self.config().iterations
    }

    /// The generator's outputs on the evaluation melodies now, in inference mode with the fixed
    /// latent vectors, and their metrics.
    pub fn evaluate(&self) -> Result<Evaluation> {
        self.eval.evaluate(self.gan().generator(), self.iteration())
    }

    /// Trains every remaining iteration, calling `on_progress` after each.
    pub fn run(&mut self, mut on_progress: impl FnMut(&Progress)) -> Result<()> {
        while let Some(progress) = self.step()? {
            on_progress(&progress);
        }
        Ok(())
    }

    /// The remaining iterations as an iterator: each item trains one iteration; it ends when
    /// training is done or after the first error.
    pub fn iter(&mut self) -> impl Iterator<Item = Result<Progress>> + '_ {
        let mut failed = false;
        std::iter::from_fn(move || {
            if failed {
                return None;
            }
            let next = self.step().transpose();
            failed = matches!(next, Some(Err(_)));
            next
        })
    }

    /// Trains one iteration and does what the schedule asks after it; `None` once every
    /// iteration is done.
    pub fn step(&mut self) -> Result<Option<Progress>> {
        if let Some(iteration) = self.halted_at {
            return Err(TrainError::Halted { iteration }.into());
        }
        if self.is_done() {
            return Ok(None);
        }
        if !self.started {
            self.start()?;
        }
        let session_start = *self.session_start.get_or_insert_with(Instant::now);
        let t0 = Instant::now();
        let stats = match self.train_iteration() {
            Ok(stats) => stats,
            Err(e) => return Err(self.halt(e)),
        };
        let iteration = self.iteration();
        let record = IterationRecord {
            iteration,
            critic: stats.critic,
            generator_loss: stats.generator_loss,
            seconds: t0.elapsed().as_secs_f64(),
        };
        if let Some((loss, value)) = first_non_finite(&record) {
            return Err(self.halt(
                TrainError::NonFinite {
                    iteration,
                    loss,
                    value,
                }
                .into(),
            ));
        }
        self.log.iterations.push(record.clone());
        let (metrics, samples) = self.evaluate_on_schedule()?;
        let checkpoint = if self.config().checkpoints_at(iteration) {
            Some(self.save_checkpoint()?.dir().to_path_buf())
        } else {
            None
        };
        let elapsed = session_start.elapsed();
        let done = (iteration - self.session_first) as f64;
        let left = self.config().iterations.saturating_sub(iteration) as f64;
        Ok(Some(Progress {
            record,
            total: self.config().iterations,
            elapsed,
            remaining: elapsed.mul_f64(left / done),
            metrics,
            samples,
            checkpoint,
        }))
    }

    /// Saves a checkpoint of the current state and the run log now.
    pub fn save_checkpoint(&mut self) -> Result<Checkpoint> {
        let root = self.run.checkpoints_dir();
        let checkpoint = Checkpoint::save(&root, &self.wgan, &self.log)?;
        prune_checkpoints(
            &root,
            checkpoint.iteration(),
            self.config().keep_checkpoints,
        )?;
        self.log.save(self.run.log_path())?;
        Ok(checkpoint)
    }

    /// Writes the configuration, and the iteration-0 evaluation of a fresh run.
    fn start(&mut self) -> Result<()> {
        self.config().save(self.run.config_path())?;
        if self.iteration() == 0 {
            self.evaluate_on_schedule()?;
        }
        self.started = true;
        Ok(())
    }

    /// Records the metrics and writes the samples if the schedule asks for them now.
    fn evaluate_on_schedule(&mut self) -> Result<(Option<MetricSet>, Option<SampleFiles>)> {
        let iteration = self.iteration();
        let config = self.config();
        let (record, write) = (
            config.records_metrics_at(iteration),
            config.writes_samples_at(iteration),
        );
        if !record && !write {
            return Ok((None, None));
        }
        let eval = self.evaluate()?;
        let samples = if write {
            let files = self.run.sample_files(iteration);
            write_samples(&files, eval.real.view(), eval.generated.view())?;
            Some(files)
        } else {
            None
        };
        let metrics = record.then(|| {
            self.log.metrics.push(MetricRecord {
                iteration,
                metrics: eval.metrics.clone(),
            });
            eval.metrics
        });
        Ok((metrics, samples))
    }

    /// One iteration of the WGAN-GP on the batches this iteration owns in the stream.
    fn train_iteration(&mut self) -> Result<IterationStats> {
        let per_iteration = self.config().critic_steps as u64 + 1;
        let mut batches = Batches::starting_at(
            self.data.train.view(),
            self.config().batch_size,
            self.batch_seed,
            self.iteration() * per_iteration,
        )?;
        let gan = self.wgan.gan();
        let (dtype, device) = (gan.dtype(), gan.device().clone());
        let (transpose, batch_size) = (self.config().transpose, self.config().batch_size);
        let transpose_seed = self.transpose_seed;
        let stats = self.wgan.iteration(|| {
            let index = batches.position();
            let mut batch = batches
                .next()
                .ok_or_else(|| ModelError::Config("the batch stream ended".into()))?;
            if transpose > 0 {
                let shifts = random_shifts(transpose_seed, index, batch_size, transpose);
                batch = transpose_batch(&batch, &shifts);
            }
            batch_to_tensor(&batch.view(), dtype, &device)
        })?;
        Ok(stats)
    }

    /// Marks training as stopped and writes the log of the good iterations.
    fn halt(&mut self, error: crate::Error) -> crate::Error {
        self.halted_at = Some(self.log.last_iteration() + 1);
        // The training error is the one to report; a log that cannot be written is secondary.
        let _ = self.log.save(self.run.log_path());
        error
    }
}

/// The first loss of `record` that is NaN or infinite.
fn first_non_finite(record: &IterationRecord) -> Option<(LossKind, f64)> {
    record
        .critic
        .iter()
        .enumerate()
        .map(|(j, c)| (LossKind::Critic { step: j + 1 }, c.loss))
        .chain([(LossKind::Generator, record.generator_loss)])
        .find(|(_, v)| !v.is_finite())
}
