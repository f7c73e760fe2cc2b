//! Times `MetricSet::compute` on 10,000 random two-bar samples `(10000, 32, 128, 4)`.
//!
//! Run with `cargo bench -p gan-core --bench metrics_speed`. Three densities: a sparse
//! chorale-like roll (about one pitch per step and track), 10 % and 50 % of cells on.

use std::time::Instant;

use gan_core::metrics::MetricSet;
use gan_core::roll::{N_PITCHES, N_TRACKS, SNIPPET_STEPS};
use ndarray::Array4;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    let samples = 10_000;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for density in [1.0 / 84.0, 0.1, 0.5] {
        let batch =
            Array4::from_shape_simple_fn((samples, SNIPPET_STEPS, N_PITCHES, N_TRACKS), || {
                if rng.random::<f64>() < density {
                    1.0f32
                } else {
                    -1.0
                }
            });
        let mut best = f64::INFINITY;
        let mut set = None;
        for _ in 0..5 {
            let start = Instant::now();
            set = Some(MetricSet::compute(batch.view()).expect("valid batch shape"));
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{samples} samples {:?}, {:.1} % of cells on: best of 5 {:.1} ms",
            batch.dim(),
            density * 100.0,
            best * 1e3
        );
        if let Some(set) = set {
            print!("{set}");
        }
    }
}
