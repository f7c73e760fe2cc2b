//! `gan`: the lab's jobs without Jupyter: compose, check, train, export, evaluate, metrics,
//! render, dataset and the studio.

mod check;
mod compose;
mod dataset;
mod evaluate;
mod input;
mod metrics;
mod render;
mod studio;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Music GANs on Bach chorales: the AWS DeepComposer custom-GAN lab, in Rust.
#[derive(Debug, Parser)]
#[command(name = "gan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write alto, tenor and bass for the melody of a MIDI file (MIDI and WAV out).
    Compose(compose::Args),
    /// Train the GAN on the Bach chorales (the lab's loop), with checkpoints and resume.
    Train(train::Args),
    /// Turn a training run's latest checkpoint into a pretrained model directory.
    Export(train::ExportArgs),
    /// Music-quality metrics of MIDI files or .npy arrays, beside the data set's reference.
    Metrics(metrics::Args),
    /// Render a MIDI file to a 16-bit WAV with the built-in synthesizer.
    Render(render::Args),
    /// Information on the Bach chorale data set, and export to .npy.
    Dataset(dataset::Args),
    /// Voice-leading report of a four-voice MIDI file, beside Bach's chorales.
    Check(check::Args),
    /// How good a model is on the chorales held out from its training, beside Bach.
    Evaluate(evaluate::Args),
    /// Serve the studio: a web page to play, record or upload a melody and compose for it.
    Studio(studio::Args),
}

/// Prints a line to stdout like `println!`, but a closed pipe (`gan ... | head`) ends the
/// program quietly instead of panicking.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::write_stdout(&format!($($arg)*))
    };
}

/// Writes one line to stdout; exits quietly if the reader has gone.
pub fn write_stdout(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(err) = writeln!(out, "{line}") {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {err}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compose(args) => compose::run(args),
        Command::Train(args) => train::run(args),
        Command::Export(args) => train::export(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Render(args) => render::run(args),
        Command::Dataset(args) => dataset::run(args),
        Command::Check(args) => check::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Studio(args) => studio::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
