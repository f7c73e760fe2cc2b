//! Times the convolution kernels alone, forward at batch 64, at the shapes of the lab's
//! networks: each layer's geometry, the method [`ConvMethod::choose`] or
//! [`UpsampleMethod::choose`] gives it, the median time and the rate counted as the direct
//! convolution would compute it (every tap of the 4 × 4 kernel; for an upsample convolution,
//! on the upsampled input).
//!
//!     cargo bench -p cpu-kernels --bench kernels -- [--threads N] [--reps N]
//!
//! Default: 2 threads, 10 timed runs after 2 warm-up runs.

use std::time::Instant;

use candle_core::{Device, Result, Tensor};
use cpu_kernels::{
    conv2d, upsample_conv2d, Activation, ConvGeometry, ConvMethod, UpsampleKernel, UpsampleMethod,
};

/// The batch the lab trains with.
const BATCH: usize = 64;

/// 4 × 4 stride-2 'same' convolutions: (input channels, height, width, output channels); the
/// critic's first layer reads the 4 tracks and the melody.
const CONVS: [(usize, usize, usize, usize); 4] = [
    (5, 32, 128, 64),
    (64, 16, 64, 128),
    (128, 8, 32, 256),
    (256, 4, 16, 512),
];

/// The generator's upsample convolutions: (input channels with the skip connection's, height,
/// width before upsampling, output channels).
const UPSAMPLES: [(usize, usize, usize, usize); 4] = [
    (1024, 2, 8, 256),
    (512, 4, 16, 128),
    (256, 8, 32, 64),
    (128, 16, 64, 4),
];

/// The median of `reps` timed runs of `f` after `warmup` untimed ones, in seconds.
fn median(warmup: usize, reps: usize, mut f: impl FnMut() -> Result<Tensor>) -> Result<f64> {
    for _ in 0..warmup {
        f()?;
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn main() -> Result<()> {
    let (mut threads, mut reps) = (2usize, 10usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || args.next().and_then(|v| v.parse().ok());
        match arg.as_str() {
            "--threads" => threads = number().unwrap_or(threads),
            "--reps" => reps = number().unwrap_or(reps).max(1),
            // `cargo bench` passes it to every bench binary.
            "--bench" => {}
            other => {
                eprintln!("unknown argument {other}; usage: kernels [--threads N] [--reps N]");
                std::process::exit(2);
            }
        }
    }
    // Our kernels run on rayon's global pool, sized from this variable.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let cpu = Device::Cpu;
    println!("batch {BATCH}, {threads} threads, median of {reps} runs");
    println!(
        "{:<16} {:>20} {:>6} {:>14} {:>10} {:>9}",
        "op", "input (C, H, W)", "out C", "method", "seconds", "GFLOP/s"
    );
    for (c, h, w, o) in CONVS {
        let g = ConvGeometry::same(c, BATCH, (h, w), 4, 2);
        let x = Tensor::randn(0f32, 1.0, (c, BATCH, h, w), &cpu)?;
        let weight = Tensor::randn(0f32, 0.1, (o, c, 4, 4), &cpu)?;
        let bias = Tensor::zeros(o, candle_core::DType::F32, &cpu)?;
        let act = Activation::LeakyRelu(0.2);
        let seconds = median(2, reps, || conv2d(&x, &weight, &bias, &g, act))?;
        let flops = 2.0 * (o * c * 16 * g.out_h * g.out_w * BATCH) as f64;
        println!(
            "{:<16} {:>20} {o:>6} {:>14} {seconds:>10.4} {:>9.1}",
            "conv2d",
            format!("({c}, {h}, {w})"),
            ConvMethod::choose(&g).to_string(),
            flops / seconds / 1e9
        );
    }
    for (c, h, w, o) in UPSAMPLES {
        let x = Tensor::randn(0f32, 1.0, (c, BATCH, h, w), &cpu)?;
        let kernel = UpsampleKernel::new(&Tensor::randn(0f32, 0.1, (o, c, 4, 4), &cpu)?)?;
        let bias = Tensor::zeros(o, candle_core::DType::F32, &cpu)?;
        let seconds = median(2, reps, || {
            upsample_conv2d(&x, &kernel, &bias, Activation::Relu)
        })?;
        let flops = 2.0 * (o * c * 16 * 4 * h * w * BATCH) as f64;
        println!(
            "{:<16} {:>20} {o:>6} {:>14} {seconds:>10.4} {:>9.1}",
            "upsample-conv2d",
            format!("({c}, {h}, {w})"),
            UpsampleMethod::choose(o, [c, BATCH, h, w]).to_string(),
            flops / seconds / 1e9
        );
    }
    Ok(())
}
