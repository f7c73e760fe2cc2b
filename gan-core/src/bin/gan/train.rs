//! `gan train`: the lab's training loop from a config file, with a progress bar, checkpoints
//! and resume; and `gan export`, which turns a run's checkpoint into a pretrained model.

use std::path::PathBuf;

use gan_core::data::Dataset;
use gan_core::pretrained::TrainedModel;
use gan_core::train::{Preset, RunDir, TrainConfig, TrainError, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `gan train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A JSON training configuration; missing fields take the lab's defaults.
    #[arg(long, conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// The configuration to train with, when no --config is given: `lab` (the lab's networks,
    /// hours) or `quick` (narrow networks, a few minutes on a laptop CPU).
    #[arg(long, default_value_t = Preset::Lab)]
    preset: Preset,
    /// The run directory: checkpoints, samples and logs go here.
    #[arg(long, default_value = "runs/train")]
    run: PathBuf,
    /// Go on from the run directory's latest checkpoint (with its saved configuration).
    #[arg(long)]
    resume: bool,
    /// Train until this many iterations in all (overrides the configuration).
    #[arg(long)]
    iterations: Option<u64>,
}

/// Trains, printing a progress bar and a line at every checkpoint.
pub fn run(args: Args) -> gan_core::Result<()> {
    let data = Dataset::load_default()?;
    let mut trainer = if args.resume {
        Trainer::resume(&data, &args.run, args.iterations)?
    } else {
        let mut config = match &args.config {
            Some(path) => TrainConfig::load(path)?,
            None => args.preset.config(),
        };
        config.iterations = args.iterations.unwrap_or(config.iterations);
        Trainer::new(config, &data, &args.run)?
    };
    let total = trainer.config().iterations;
    let bar = ProgressBar::new(total).with_position(trainer.iteration());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} iterations, {elapsed} elapsed, {eta} left  {msg}",
        )
        .expect("a valid template"),
    );
    let result = trainer.run(|p| {
        bar.set_position(p.iteration());
        bar.set_message(format!(
            "critic {:.3}  generator {:.3}",
            p.record.critic_loss(),
            p.record.generator_loss
        ));
        // Without a terminal (a log file, CI) the bar is hidden: a line per iteration instead.
        if bar.is_hidden() {
            crate::say!("{p}");
        } else if p.checkpoint.is_some() {
            bar.println(p.to_string());
        }
    });
    bar.finish_and_clear();
    result?;
    crate::say!(
        "trained to iteration {} in {}",
        trainer.iteration(),
        args.run.display()
    );
    Ok(())
}

/// Arguments of `gan export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The run directory whose latest checkpoint to export.
    run: PathBuf,
    /// Where to write the pretrained model [default: data/pretrained].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Exports the latest checkpoint's generator (f16), configuration, log and sample MIDI files.
pub fn export(args: ExportArgs) -> gan_core::Result<()> {
    let checkpoint =
        RunDir::new(&args.run)
            .latest_checkpoint()?
            .ok_or_else(|| TrainError::NoCheckpoint {
                dir: args.run.clone(),
            })?;
    let out = args.out.unwrap_or_else(gan_core::pretrained::default_dir);
    TrainedModel::export(&checkpoint, &out)?;
    crate::say!(
        "exported iteration {} of {} to {}",
        checkpoint.iteration(),
        args.run.display(),
        out.display()
    );
    Ok(())
}
