//! CPU timing of gan-core's WGAN-GP at the lab's widths, with the same keys as the reference
//! frameworks' benchmark: critic step, generator step and one iteration (5 critic + 1
//! generator steps) at batch 64, generator inference at batch 1 and 64, and peak RSS.
//!
//!     cargo bench -p gan-core --bench networks -- --threads 2 --json bench.json
//!
//! Options: --threads N (default 2), --reps N (5), --warmup N (2), --iter-reps N (3),
//! --infer-reps N (10), --batch N (64), --filters N (64), --latent N (512), --pool N (12),
//! --only KEYS (time only the rows with these comma-separated keys), --profile (time each op
//! kernel too, printed and in the JSON under each row's `kernels`), --json FILE.
//! Data: random rolls in {-1, +1} with about 3% of cells +1, a pool of distinct batches used in
//! turn. Medians are in seconds. The inference rows run [`Generator::for_inference`]'s
//! snapshot, made once after training (its making is the `prepare_inference` row); the
//! `infer_b*_forward` rows run `Generator::forward` in inference mode instead.
//!
//! [`Generator::for_inference`]: gan_core::model::Generator::for_inference

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use gan_core::model::noise::sample_z;
use gan_core::model::ops::profile;
use gan_core::model::{Gan, Mode, ModelConfig};
use gan_core::train::{TrainConfig, WganGp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

struct Args {
    threads: usize,
    reps: usize,
    warmup: usize,
    iter_reps: usize,
    infer_reps: usize,
    batch: usize,
    filters: usize,
    latent: usize,
    pool: usize,
    only: Option<String>,
    profile: bool,
    json: Option<String>,
}

/// Whether `--profile` asked for per-kernel times.
static PROFILE: AtomicBool = AtomicBool::new(false);

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        threads: 2,
        reps: 5,
        warmup: 2,
        iter_reps: 3,
        infer_reps: 10,
        batch: 64,
        filters: 64,
        latent: 512,
        pool: 12,
        only: None,
        profile: false,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        let mut number = || -> Result<usize, String> {
            let v = value()?;
            v.parse().map_err(|_| format!("{arg}: not a count: {v}"))
        };
        match arg.as_str() {
            "--threads" => a.threads = number()?,
            "--reps" => a.reps = number()?,
            "--warmup" => a.warmup = number()?,
            "--iter-reps" => a.iter_reps = number()?,
            "--infer-reps" => a.infer_reps = number()?,
            "--batch" => a.batch = number()?,
            "--filters" => a.filters = number()?,
            "--latent" => a.latent = number()?,
            "--pool" => a.pool = number()?.max(1),
            "--json" => a.json = Some(value()?),
            "--only" => a.only = Some(value()?),
            "--profile" => a.profile = true,
            // `cargo bench` passes it to every bench binary.
            "--bench" => {}
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(a)
}

/// CPU seconds (user + system) of this process so far, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

/// The peak resident set size in MiB (VmHWM in /proc/self/status).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn time_it(
    label: &str,
    reps: usize,
    warmup: usize,
    mut f: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Value, Box<dyn std::error::Error>> {
    for _ in 0..warmup {
        f()?;
    }
    let profiling = PROFILE.load(Ordering::Relaxed);
    if profiling {
        profile::take();
    }
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        f()?;
        wall.push(t0.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c0);
    }
    let m = median(&wall);
    eprintln!("{label:16} median {m:9.4} s over {reps} (times {wall:.3?})");
    let mut row = json!({
        "median": m,
        "min": wall.iter().copied().fold(f64::INFINITY, f64::min),
        "max": wall.iter().copied().fold(0.0, f64::max),
        "n": reps,
        "cpu_median": median(&cpu),
        "times": wall,
    });
    if profiling {
        row["kernels"] = kernel_table(label, reps, wall.iter().sum::<f64>() / reps as f64);
    }
    Ok(row)
}

/// The kernel times gathered over `reps` repetitions as seconds per repetition, printed and as
/// JSON, with what the kernels leave of the mean wall time `mean` (candle's own ops, autograd).
fn kernel_table(label: &str, reps: usize, mean: f64) -> Value {
    let kernels = profile::take();
    let total: f64 = kernels.iter().map(|k| k.seconds).sum::<f64>() / reps as f64;
    eprintln!("  {label}: {total:.4} s of {mean:.4} s per repetition in the ops' kernels");
    for k in kernels.iter().take(16) {
        let s = k.seconds / reps as f64;
        let calls = k.calls / reps;
        eprintln!(
            "    {s:8.4} s {:5.1}%  {calls:3}×  {}",
            100.0 * s / mean,
            k.label
        );
    }
    let rows: Vec<Value> = kernels
        .iter()
        .map(|k| json!({"kernel": k.label, "seconds": k.seconds / reps as f64, "calls": k.calls / reps}))
        .collect();
    json!({"in_kernels": total, "other": mean - total, "by_kernel": rows})
}

/// A random roll batch (B, tracks, 32, 128) in {-1, +1} with about 3% of cells +1.
fn random_rolls(rng: &mut ChaCha8Rng, batch: usize, tracks: usize) -> candle_core::Result<Tensor> {
    let n = batch * tracks * 32 * 128;
    let v: Vec<f32> = (0..n)
        .map(|_| {
            if rng.random::<f32>() < 0.03 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    Tensor::from_vec(v, (batch, tracks, 32, 128), &Device::Cpu)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = parse_args()?;
    // candle's CPU kernels use rayon's global pool and size their gemm calls from this variable;
    // set before the first tensor operation starts the pool.
    std::env::set_var("RAYON_NUM_THREADS", a.threads.to_string());
    PROFILE.store(a.profile, Ordering::Relaxed);
    profile::set_enabled(a.profile);
    let device = Device::Cpu;
    let config = ModelConfig::new(a.filters, a.latent);
    let gan = Gan::new(config, 0, DType::F32, &device)?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let pool = (0..a.pool)
        .map(|_| random_rolls(&mut rng, a.batch, 4))
        .collect::<candle_core::Result<Vec<_>>>()?;
    let mut i = 0usize;
    let mut next = move || {
        i += 1;
        pool[i % pool.len()].clone()
    };
    let train = TrainConfig {
        batch_size: a.batch,
        ..TrainConfig::default()
    };
    let mut trainer = WganGp::new(gan, train)?;
    let mut r = serde_json::Map::new();
    r.insert("framework".into(), json!("gan-core (candle)"));
    r.insert("version".into(), json!("candle 0.11"));
    r.insert("threads".into(), json!(a.threads));
    // `--only ROWS` times the rows named (for profiling); the default is every row.
    let wanted = |row: &str| {
        a.only
            .as_deref()
            .is_none_or(|o| o.split(',').any(|k| k == row))
    };
    if wanted("critic_step") {
        let t = time_it("critic_step", a.reps, a.warmup, || {
            trainer.critic_step(&next())?;
            Ok(())
        })?;
        r.insert("critic_step".into(), t);
    }
    if wanted("generator_step") {
        let t = time_it("generator_step", a.reps, a.warmup, || {
            trainer.generator_step(&next())?;
            Ok(())
        })?;
        r.insert("generator_step".into(), t);
    }
    if wanted("iteration") {
        let t = time_it("iteration", a.iter_reps, 0, || {
            trainer.iteration(|| Ok(next()))?;
            Ok(())
        })?;
        r.insert("iteration".into(), t);
    }
    let gan = trainer.into_gan();
    // Inference runs the generator's inference snapshot (BatchNorm folded, phase kernels built
    // once), made after training as a user would; making it is timed on its own row.
    if wanted("prepare_inference") {
        let t = time_it("prepare_inference", a.infer_reps, 1, || {
            gan.generator().for_inference()?;
            Ok(())
        })?;
        r.insert("prepare_inference".into(), t);
    }
    let generator = gan.generator().for_inference()?;
    for bs in [1, a.batch] {
        let c = random_rolls(&mut rng, bs, 1)?;
        let z = sample_z(&mut rng, &config, bs, DType::F32, &device)?;
        let key = format!("infer_b{bs}");
        if wanted(&key) {
            let t = time_it(&key, a.infer_reps, 3, || {
                generator.forward(&c, &z)?;
                Ok(())
            })?;
            r.insert(key, t);
        }
        // The same batch through the training-time forward (phase kernels rebuilt per call).
        let key = format!("infer_b{bs}_forward");
        if wanted(&key) {
            let t = time_it(&key, a.infer_reps, 3, || {
                gan.generator().forward(&c, &z, Mode::Infer)?;
                Ok(())
            })?;
            r.insert(key, t);
        }
    }
    r.insert("peak_rss_mib".into(), json!(peak_rss_mib()));
    r.insert(
        "settings".into(),
        json!({
            "batch": a.batch, "reps": a.reps, "warmup": a.warmup, "iter_reps": a.iter_reps,
            "infer_reps": a.infer_reps, "pool": a.pool, "threads": a.threads,
            "filters": a.filters, "latent": a.latent,
        }),
    );
    let text = serde_json::to_string_pretty(&Value::Object(r))?;
    println!("{text}");
    if let Some(path) = &a.json {
        gan_core::files::write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}
