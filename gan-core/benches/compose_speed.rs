//! Times composing for a whole melody with the shipped pretrained model on the CPU, and checks
//! how many of the generated notes are in the input's key.
//!
//! Run with `cargo bench -p gan-core --bench compose_speed -- [MIDI] [--threads N]`
//! (default: the data set's Twinkle Twinkle Little Star, 12 bars; 2 threads).

use std::time::Instant;

use gan_core::compose::ComposeOptions;
use gan_core::metrics::Key;
use gan_core::midi::read_midi_file;
use gan_core::pretrained::TrainedModel;
use gan_core::roll::{STEPS_PER_BAR, STEPS_PER_BEAT};

fn main() -> gan_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut input = gan_core::data::default_dir().join("twinkle_twinkle.mid");
    let mut threads = 2;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(2),
            // `cargo bench` passes it to every bench binary.
            "--bench" => {}
            path => input = path.into(),
        }
    }
    // candle's CPU kernels and ours use rayon's global pool, sized from this variable; set
    // before the first tensor operation starts the pool.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());

    let start = Instant::now();
    let model = TrainedModel::load_default()?;
    let load = start.elapsed().as_secs_f64();
    let melody = read_midi_file(&input, STEPS_PER_BEAT)?;
    let options = ComposeOptions::default();
    // One warm-up, then the median of 9.
    let first = model.compose(&melody, &options)?.remove(0).score;
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let start = Instant::now();
            let out = model.compose(&melody, &options);
            std::hint::black_box(out.expect("compose"));
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let bars = melody.len().div_ceil(STEPS_PER_BAR);
    println!(
        "{}: {bars} bars, compose median {:.3} s (min {:.3}, max {:.3}, 9 runs, {threads} threads); \
         loading the model {load:.2} s",
        input.display(),
        times[4],
        times[0],
        times[8]
    );
    if let Some(key) = Key::estimate(&melody.tracks) {
        let (rate, notes) = key.in_key_rate(&first.tracks[1..]);
        println!(
            "the input is in {key}: {:.1} % of the {notes} alto, tenor and bass notes are in it",
            100.0 * rate
        );
    }
    Ok(())
}
