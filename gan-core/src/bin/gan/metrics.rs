//! `gan metrics`: the metrics of MIDI files or `.npy` arrays, as one set.

use std::path::{Path, PathBuf};

use gan_core::data::{load_npy, Dataset, SnippetMode};
use gan_core::metrics::MetricSet;
use gan_core::midi::read_voices_file;
use gan_core::roll::{N_TRACKS, SNIPPET_STEPS, STEPS_PER_BEAT};
use ndarray::{concatenate, Array4, Axis};

/// Arguments of `gan metrics`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// MIDI files (4 voices: their melodic tracks with notes, in order) or .npy arrays
    /// (N, T, 128, 4) with T a multiple of 32; all are measured together as one set.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print a JSON object keyed by metric name, each value an array of 4 numbers (S, A, T, B).
    #[arg(long)]
    json: bool,
    /// The data set's snippets to compare with.
    #[arg(long, value_enum, default_value_t = Reference::PerChorale)]
    reference: Reference,
}

/// Which reference to print beside the metrics.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Reference {
    /// One snippet per chorale (the lab's training data).
    PerChorale,
    /// Every bar-aligned 2-bar window.
    Windows,
    /// No reference.
    None,
}

/// Computes and prints the metrics.
pub fn run(args: Args) -> gan_core::Result<()> {
    let batches = args
        .files
        .iter()
        .map(|f| snippets(f))
        .collect::<gan_core::Result<Vec<_>>>()?;
    let views: Vec<_> = batches.iter().map(|b| b.view()).collect();
    let all = concatenate(Axis(0), &views).expect("every input is (N, 32, 128, 4)");
    let metrics = MetricSet::compute(all.view())?;
    if args.json {
        crate::say!(
            "{}",
            serde_json::to_string_pretty(&metrics).expect("metrics serialise")
        );
        return Ok(());
    }
    let mode = match args.reference {
        Reference::PerChorale => Some(SnippetMode::PerChorale),
        Reference::Windows => Some(SnippetMode::Windows),
        Reference::None => None,
    };
    crate::say!(
        "{} snippets of 2 bars from {} file(s)",
        all.len_of(Axis(0)),
        args.files.len()
    );
    match mode {
        Some(mode) => {
            let reference = Dataset::load_default()?.reference_metrics(mode)?;
            crate::say!(
                "each cell: value (data set's value)\n{}",
                metrics.comparison_table(&reference)
            );
        }
        None => crate::say!("{}", metrics.to_table()),
    }
    Ok(())
}

/// One input as 2-bar snippets (N, 32, 128, 4).
fn snippets(path: &Path) -> gan_core::Result<Array4<f32>> {
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !is_npy {
        return Ok(read_voices_file(path, STEPS_PER_BEAT, N_TRACKS)?.to_lab_snippets(SNIPPET_STEPS));
    }
    let rolls = load_npy(path)?;
    let (n, steps, pitches, tracks) = rolls.dim();
    if steps % SNIPPET_STEPS != 0 || tracks != N_TRACKS {
        return Err(gan_core::error::ShapeError {
            what: "metrics input",
            expected: "(N, T, 128, 4) with T a multiple of 32".into(),
            got: rolls.shape().to_vec(),
        }
        .into());
    }
    let per = steps / SNIPPET_STEPS;
    Ok(rolls
        .into_shape_with_order((n * per, SNIPPET_STEPS, pitches, tracks))
        .expect("T splits into 32-step pieces"))
}
