//! How good the pretrained model is, on the chorales it never saw: the metrics of what it plays
//! for every held-out snippet's melody, beside the same metrics of Bach's own voices; and, for
//! every held-out chorale, how many of the composed alto, tenor and bass notes are in the key.
//!
//! Run with `cargo run --release -p gan-core --example pretrained_metrics -- [MODEL_DIR]`
//! (default: the shipped data/pretrained; a run directory works too).

use gan_core::compose::{compose, ComposeOptions};
use gan_core::data::Dataset;
use gan_core::metrics::{Key, MetricSet};
use gan_core::pretrained::{default_dir, TrainedModel};
use gan_core::train::EvalSet;
use gan_core::{Multitrack, Track};
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
            eval.evaluate(&model.generator, model.iteration())?
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
    let mut ids: Vec<&str> = split
        .eval
        .sources
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    ids.dedup();
    let mut rates = Vec::new();
    let (mut inside, mut all) = (0.0, 0usize);
    let (mut bach_inside, mut bach_all) = (0.0, 0usize);
    for id in &ids {
        let entry = data.chorale(id)?;
        let chorale = &entry.roll;
        let Some(key) = Key::estimate(&chorale.tracks) else {
            continue;
        };
        let (rate, notes) = key.in_key_rate(&chorale.tracks[1..]);
        bach_inside += rate * notes as f64;
        bach_all += notes;
        let melody = Multitrack::new(
            chorale.resolution,
            chorale.tempo_bpm,
            vec![Track {
                is_drum: false,
                ..chorale.tracks[0].clone()
            }],
        );
        let score = compose(
            &model.generator,
            &model.device,
            &melody,
            &ComposeOptions {
                pickup_steps: entry.entry.pickup_steps,
                ..ComposeOptions::default()
            },
        )?
        .remove(0);
        let (rate, notes) = key.in_key_rate(&score.tracks[1..]);
        if notes > 0 {
            rates.push(rate);
            inside += rate * notes as f64;
            all += notes;
        }
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "Bach's own alto, tenor and bass in those chorales: {:.1} % of {bach_all} notes in the key",
        100.0 * bach_inside / bach_all.max(1) as f64
    );
    println!(
        "{} held-out chorales composed from their soprano: {:.1} % of {all} alto, tenor and bass \
         notes in the chorale's key (per chorale: min {:.1} %, median {:.1} %)",
        rates.len(),
        100.0 * inside / all.max(1) as f64,
        100.0 * rates.first().copied().unwrap_or(f64::NAN),
        100.0 * rates.get(rates.len() / 2).copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
