//! How good the pretrained model is, on the chorales it never saw: the metrics of what it plays
//! for every held-out snippet's melody, beside the same metrics of Bach's own voices; and, for
//! every held-out chorale, how many of the composed alto, tenor and bass notes are in the key.
//!
//! Run with `cargo run --release -p gan-core --example pretrained_metrics -- [MODEL_DIR]`
//! (default: the shipped data/pretrained; a run directory works too).

use gan_core::data::Dataset;
use gan_core::metrics::MetricSet;
use gan_core::pretrained::{default_dir, TrainedModel};
use gan_core::train::EvalSet;
use ndarray::{s, Axis};

fn main() -> gan_core::Result<()> {
    let dir = std::env::args().nth(1).map_or_else(default_dir, Into::into);
    let model = TrainedModel::open(&dir)?;
    let config = &model.config;
    println!("{}, iteration {}", model.source, model.iteration());

    let data = Dataset::load_default()?;
    let split = data.split(config.snippet_mode, config.eval_fraction, config.split_seed)?;
    let real = &split.eval.rolls;
    let n = real.len_of(Axis(0));
    // The generator on every held-out snippet's melody, 64 at a time.
    let mut parts = Vec::new();
    for start in (0..n).step_by(64) {
        let chunk = real
            .slice(s![start..(start + 64).min(n), .., .., ..])
            .to_owned();
        let eval = EvalSet::new(&chunk, config, candle_core::DType::F32, &model.device)?;
        parts.push(
            eval.evaluate(model.inference()?, model.iteration())?
                .generated,
        );
    }
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    let generated = ndarray::concatenate(Axis(0), &views).expect("same shapes");
    let ours = MetricSet::compute(generated.view())?;
    let bach = MetricSet::compute(real.view())?;
    println!("\n{n} held-out snippets: the generator (soprano = Bach's melody), with Bach's values in brackets");
    println!("{}", ours.comparison_table(&bach));

    // Whole held-out chorales, composed from their soprano as a user's melody.
    let held_out = model.held_out(&data)?;
    println!(
        "\n{} held-out chorales composed from their soprano (`gan compose` defaults; {} notes \
         repaired): voice leading, mean per chorale",
        held_out.ids.len(),
        held_out.repairs
    );
    println!("{}", held_out.to_table());
    let (ours, theirs) = held_out.metrics()?;
    println!(
        "the composed held-out chorales, cut into 2-bar snippets, with Bach's values in brackets"
    );
    println!("{}", ours.comparison_table(&theirs));
    Ok(())
}
