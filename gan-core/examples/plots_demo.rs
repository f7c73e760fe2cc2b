//! Writes one PNG of each plot kind into a directory, for looking at them.
//!
//! Run with `cargo run -p gan-core --example plots_demo -- OUT_DIR`.

use gan_core::plot::{
    loss_curve_png, metrics_grid_png, pianoroll_png, sample_grid_png, LossSeries, MetricSeries,
    MetricsGrid,
};
use gan_core::roll::{Multitrack, Track, N_PITCHES, SNIPPET_STEPS, VOICE_NAMES};
use ndarray::{Array2, Array4, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A two-bar, four-voice phrase: (pitch, length in steps) for each voice.
const PHRASE: [&[(usize, usize)]; 4] = [
    &[
        (72, 4),
        (74, 4),
        (76, 4),
        (74, 2),
        (72, 2),
        (71, 8),
        (72, 8),
    ],
    &[(67, 4), (67, 4), (67, 4), (65, 4), (62, 8), (64, 8)],
    &[
        (64, 4),
        (65, 2),
        (62, 2),
        (60, 4),
        (60, 4),
        (59, 4),
        (55, 4),
        (55, 8),
    ],
    &[(48, 4), (47, 4), (48, 4), (53, 4), (55, 8), (48, 8)],
];

/// The phrase as a multitrack, moved by `shift` semitones.
fn phrase(shift: i32) -> Multitrack {
    let tracks = PHRASE
        .iter()
        .zip(VOICE_NAMES)
        .map(|(notes, name)| {
            let mut roll = Array2::zeros((SNIPPET_STEPS, N_PITCHES));
            let mut t = 0;
            for &(pitch, len) in notes.iter() {
                for step in t..t + len {
                    roll[[step, (pitch as i32 + shift) as usize]] = 100;
                }
                t += len;
            }
            Track::new(name, 0, roll)
        })
        .collect();
    Multitrack::new(4, 100.0, tracks)
}

/// A batch in the lab's layout from several multitracks.
fn batch(rolls: &[Multitrack]) -> Array4<f32> {
    let views: Vec<_> = rolls.iter().map(|r| r.to_lab_array()).collect();
    let views: Vec<_> = views
        .iter()
        .map(|a| a.view().insert_axis(Axis(0)))
        .collect();
    ndarray::concatenate(Axis(0), &views).expect("same shapes")
}

/// A "generated" batch: each voice wanders randomly around its register, with some noise.
fn generated(n: usize, rng: &mut ChaCha8Rng) -> Array4<f32> {
    let mut out = Array4::from_elem((n, SNIPPET_STEPS, N_PITCHES, 4), -1.0f32);
    for i in 0..n {
        for (k, centre) in [74i32, 66, 58, 46].into_iter().enumerate() {
            let mut pitch = centre;
            for t in 0..SNIPPET_STEPS {
                if t % 2 == 0 && rng.random_bool(0.4) {
                    pitch = (pitch + rng.random_range(-3..=3)).clamp(centre - 7, centre + 7);
                }
                if rng.random_bool(0.9) {
                    out[[i, t, pitch as usize, k]] = 1.0;
                }
                if rng.random_bool(0.05) {
                    out[[i, t, (pitch + 4) as usize, k]] = 1.0;
                }
            }
        }
    }
    out
}

/// Two made-up WGAN-GP losses over 2000 iterations.
fn losses(rng: &mut ChaCha8Rng) -> Vec<LossSeries> {
    let x: Vec<f64> = (0..2000).step_by(10).map(|i| i as f64).collect();
    let mut noise = |scale: f64| rng.random_range(-scale..scale);
    let critic = x
        .iter()
        .map(|&i| -8.0 * (-i / 400.0).exp() - 1.0 + noise(1.5))
        .collect();
    let generator = x
        .iter()
        .map(|&i| 6.0 * (-i / 600.0).exp() + 0.5 + noise(2.0))
        .collect();
    vec![
        LossSeries::new("critic", x.clone(), critic),
        LossSeries::new("generator", x, generator),
    ]
}

/// Three made-up metrics drifting towards the training data's values, one value missing.
fn metrics(rng: &mut ChaCha8Rng) -> MetricsGrid {
    let tracks: Vec<String> = VOICE_NAMES.iter().map(|s| s.to_string()).collect();
    let mut series = |name: &str, reference: [f64; 4], start: [f64; 4]| {
        let points = (0..=10)
            .map(|j| {
                let it = j * 200;
                let a = (-(it as f64) / 600.0).exp();
                let values = (0..4)
                    .map(|k| {
                        reference[k] + (start[k] - reference[k]) * a + rng.random_range(-0.03..0.03)
                    })
                    .collect();
                (it, values)
            })
            .collect();
        MetricSeries {
            name: name.into(),
            reference: reference.to_vec(),
            points,
        }
    };
    let mut grid = vec![
        series("empty bars", [0.0, 0.0, 0.02, 0.0], [0.6, 0.5, 0.55, 0.7]),
        series(
            "pitch classes used per bar",
            [3.1, 2.8, 3.0, 3.3],
            [5.5, 6.0, 5.8, 6.2],
        ),
        series(
            "in-scale ratio",
            [0.97, 0.96, 0.95, 0.98],
            [0.6, 0.62, 0.58, 0.61],
        ),
    ];
    grid[1].points[3].1[2] = f64::NAN;
    MetricsGrid {
        tracks,
        metrics: grid,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: plots_demo OUT_DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let real = batch(&[phrase(0), phrase(2), phrase(-3), phrase(5)]);
    let pngs = [
        ("pianoroll.png", pianoroll_png(&phrase(0))?),
        (
            "sample_grid.png",
            sample_grid_png(real.view(), generated(4, &mut rng).view())?,
        ),
        ("loss_curve.png", loss_curve_png(&losses(&mut rng), 0.9)?),
        ("metrics_grid.png", metrics_grid_png(&metrics(&mut rng))?),
    ];
    for (name, bytes) in pngs {
        let path = dir.join(name);
        gan_core::files::write_atomic(&path, &bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
