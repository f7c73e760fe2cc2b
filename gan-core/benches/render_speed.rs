//! Times rendering two bars (32 steps) of four voices with the built-in synthesizer.
//!
//! Run with `cargo bench -p gan-core --bench render_speed`.

use std::time::Instant;

use gan_core::audio::{render_samples, wav_bytes, SynthConfig};
use gan_core::roll::{Multitrack, Track, N_PITCHES, SNIPPET_STEPS, VOICE_NAMES};
use ndarray::Array2;

/// Four voices moving through C, F, G and C chords, one eighth note (two steps) per note.
fn chorale() -> Multitrack {
    let chords = [
        [72, 67, 64, 48],
        [72, 69, 65, 53],
        [71, 67, 62, 55],
        [72, 67, 64, 48],
    ];
    let tracks = (0..4)
        .map(|v| {
            let mut roll = Array2::zeros((SNIPPET_STEPS, N_PITCHES));
            for t in 0..SNIPPET_STEPS {
                // Alternate the chord tone and its upper neighbour so notes keep changing.
                let pitch = chords[t / 8][v] + (t / 2 % 2) * 2;
                roll[[t, pitch]] = 100;
            }
            Track::new(VOICE_NAMES[v], 0, roll)
        })
        .collect();
    Multitrack::new(4, 100.0, tracks)
}

/// The median wall time of `runs` calls of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() -> Result<(), gan_core::audio::AudioError> {
    let roll = chorale();
    let config = SynthConfig::default();
    let samples = render_samples(&roll, &config)?;
    let seconds = samples.len() as f64 / config.sample_rate as f64;
    let render = median_ms(21, || {
        std::hint::black_box(render_samples(&roll, &config).expect("render"));
    });
    let wav = median_ms(21, || {
        std::hint::black_box(wav_bytes(&roll, &config).expect("wav"));
    });
    println!(
        "2 bars x 4 voices ({:.2} s of audio at {} Hz): render {render:.2} ms, render + WAV {wav:.2} ms (median of 21)",
        seconds, config.sample_rate
    );
    Ok(())
}
