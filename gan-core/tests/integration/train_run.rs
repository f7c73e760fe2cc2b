//! Short training runs on the real chorales with tiny networks: the run directory, seeded
//! determinism, exact resumption from a checkpoint, and stopping on a diverged loss.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gan_core::data::Dataset;
use gan_core::midi::read_midi_file;
use gan_core::model::ModelConfig;
use gan_core::plot::{loss_curve_png, metrics_grid_png};
use gan_core::train::{
    latest_checkpoint, Checkpoint, IterationRecord, LossKind, Progress, RunDir, RunLog,
    TrainConfig, TrainData, TrainError, Trainer,
};
use gan_core::Error;

fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| Dataset::load_default().expect("the data set loads"))
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gan-core-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    dir
}

/// The lab's configuration with tiny networks and a short, dense schedule.
fn tiny(iterations: u64) -> TrainConfig {
    TrainConfig {
        iterations,
        batch_size: 4,
        model: ModelConfig::new(4, 8),
        eval_samples: 2,
        metrics_dense_until: 3,
        metrics_every: 2,
        sample_every: 4,
        checkpoint_every: 2,
        keep_checkpoints: 2,
        seed: 11,
        ..TrainConfig::default()
    }
}

/// An iteration's losses without its timing: (iteration, critic (loss, wasserstein, gp) per
/// step, generator loss).
type Losses = (u64, Vec<(f64, f64, f64)>, f64);

/// The losses of a record, without its timing.
fn losses(r: &IterationRecord) -> Losses {
    let critic = r
        .critic
        .iter()
        .map(|c| (c.loss, c.wasserstein, c.gp))
        .collect();
    (r.iteration, critic, r.generator_loss)
}

fn all_losses(log: &RunLog) -> Vec<Losses> {
    log.iterations.iter().map(losses).collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn short_run_on_the_chorales_fills_the_run_directory() {
    let dir = temp_dir("train-run");
    let config = tiny(6);
    let mut trainer = Trainer::new(config.clone(), dataset(), &dir).unwrap();
    let mut seen: Vec<Progress> = Vec::new();
    trainer.run(|p| seen.push(p.clone())).unwrap();
    assert!(trainer.is_done());
    assert!(trainer.step().unwrap().is_none(), "nothing left to train");

    // One progress report per iteration, with the schedule's outputs.
    let iterations: Vec<u64> = seen.iter().map(Progress::iteration).collect();
    assert_eq!(iterations, vec![1, 2, 3, 4, 5, 6]);
    let with = |f: fn(&Progress) -> bool| -> Vec<u64> {
        seen.iter()
            .filter(|p| f(p))
            .map(Progress::iteration)
            .collect()
    };
    assert_eq!(with(|p| p.checkpoint.is_some()), vec![2, 4, 6]);
    assert_eq!(with(|p| p.samples.is_some()), vec![4]);
    assert_eq!(with(|p| p.metrics.is_some()), vec![1, 2, 4, 6]);
    assert_eq!(seen[5].fraction(), 1.0);
    let line = seen[1].to_string();
    assert!(
        line.starts_with("iteration 2/6  critic") && line.contains("[checkpoint]"),
        "{line}"
    );
    for p in &seen {
        assert_eq!(p.record.critic.len(), 5, "the lab's 5 critic steps");
        let c = &p.record.critic[4];
        assert!((c.loss - (c.wasserstein + 10.0 * c.gp)).abs() < 1e-3 * c.loss.abs().max(1.0));
    }

    // The run directory.
    let run = RunDir::new(&dir);
    assert_eq!(run.load_config().unwrap(), config);
    let log = run.load_log().unwrap();
    assert_eq!(all_losses(&log), all_losses(trainer.log()));
    let metric_iterations: Vec<u64> = log.metrics.iter().map(|m| m.iteration).collect();
    assert_eq!(metric_iterations, vec![0, 1, 2, 4, 6]);
    let kept: Vec<u64> = run.checkpoints().unwrap().iter().map(|c| c.0).collect();
    assert_eq!(kept, vec![4, 6], "the newest 2 checkpoints");

    let latest = latest_checkpoint(&dir).unwrap().expect("a checkpoint");
    let meta = latest.meta();
    assert_eq!(meta.iteration, 6);
    assert_eq!((meta.critic_adam_steps, meta.generator_adam_steps), (30, 6));
    assert_eq!(meta.config, config);
    assert_eq!(meta.seed, 11);
    assert_eq!(meta.gan_core_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(all_losses(&latest.load_log().unwrap()), all_losses(&log));
    let gan = latest.load_gan(&candle_core::Device::Cpu).unwrap();
    assert_eq!(gan.config(), &ModelConfig::new(4, 8));

    // Samples at 0 (untrained) and 4: the two melodies one after the other.
    for i in [0, 4] {
        let files = run.sample_files(i);
        let png = image::load_from_memory(&read(&files.png)).unwrap();
        assert!(png.width() > 100 && png.height() > 100);
        let midi = read_midi_file(&files.midi, 4).unwrap();
        assert_eq!(midi.tracks.len(), 4);
        assert!(midi.len() <= 2 * 32);
        let wav = read(&files.wav);
        assert_eq!(&wav[..4], b"RIFF");
    }
    assert!(!run.sample_files(2).png.exists() && !run.sample_files(6).wav.exists());

    // The evaluation is what the log recorded last.
    let eval = trainer.evaluate().unwrap();
    assert_eq!(eval.real.dim(), (2, 32, 128, 4));
    assert_eq!(eval.generated.dim(), (2, 32, 128, 4));
    assert!(eval.generated.iter().all(|v| v.abs() <= 1.0));
    let last = &log.metrics.last().unwrap().metrics;
    assert_eq!(
        serde_json::to_string(last).unwrap(),
        serde_json::to_string(&eval.metrics).unwrap()
    );

    // A later session plots the log without retraining.
    let reference = dataset().reference_metrics(config.snippet_mode).unwrap();
    assert!(loss_curve_png(&log.loss_series(), 0.5).is_ok());
    assert!(metrics_grid_png(&log.metrics_grid(&reference)).is_ok());
    assert!(log.reference.is_some());

    // Starting a new run over it is refused.
    match Trainer::new(config, dataset(), &dir) {
        Err(Error::Train(TrainError::RunExists { iteration: 6, .. })) => {}
        other => panic!("expected RunExists, got {:?}", other.err()),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resuming_from_a_checkpoint_is_exact_and_seeds_decide_everything() {
    // Run A: 4 iterations straight, one checkpoint at the end, batches transposed by up to
    // 2 semitones (the shifts come from the seed too).
    let straight = TrainConfig {
        checkpoint_every: 0,
        sample_every: 0,
        transpose: 2,
        ..tiny(4)
    };
    let dir_a = temp_dir("train-straight");
    let mut a = Trainer::new(straight.clone(), dataset(), &dir_a).unwrap();
    a.run(|_| {}).unwrap();

    // Run B: 2 iterations with the same seed give A's first 2 iterations.
    let dir_b = temp_dir("train-resumed");
    let mut b = Trainer::new(
        TrainConfig {
            iterations: 2,
            ..straight.clone()
        },
        dataset(),
        &dir_b,
    )
    .unwrap();
    b.run(|_| {}).unwrap();
    assert_eq!(all_losses(b.log()), all_losses(a.log())[..2]);
    drop(b);

    // B restored from its checkpoint in a fresh trainer, with the iterations raised to 4.
    let checkpoint = Checkpoint::open(RunDir::new(&dir_b).checkpoint_dir(2)).unwrap();
    let data = TrainData::from_dataset(dataset(), &straight).unwrap();
    let mut b = Trainer::restore(&checkpoint, straight.clone(), data, &dir_b).unwrap();
    assert_eq!(b.iteration(), 2);
    let resumed: Vec<u64> = b.iter().map(|p| p.unwrap().iteration()).collect();
    assert_eq!(resumed, vec![3, 4]);
    assert_eq!(
        all_losses(b.log()),
        all_losses(a.log()),
        "bitwise equal losses"
    );
    let metrics = |log: &RunLog| serde_json::to_string(&log.metrics).unwrap();
    assert_eq!(metrics(b.log()), metrics(a.log()));
    // The saved states are identical too, weights, moving statistics and Adam moments.
    let (ra, rb) = (RunDir::new(&dir_a), RunDir::new(&dir_b));
    for file in ["networks.safetensors", "optimizer.safetensors"] {
        assert!(
            read(&ra.checkpoint_dir(4).join(file)) == read(&rb.checkpoint_dir(4).join(file)),
            "{file} differs"
        );
    }

    // Another seed trains other networks on other batches.
    let dir_c = temp_dir("train-other-seed");
    let mut c = Trainer::new(
        TrainConfig {
            iterations: 1,
            seed: 12,
            ..straight
        },
        dataset(),
        &dir_c,
    )
    .unwrap();
    c.run(|_| {}).unwrap();
    assert_ne!(all_losses(c.log())[0], all_losses(a.log())[0]);
    for d in [dir_a, dir_b, dir_c] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn a_diverging_loss_stops_training_and_keeps_the_last_good_checkpoint() {
    let dir = temp_dir("train-diverge");
    let config = TrainConfig {
        sample_every: 0,
        ..tiny(2)
    };
    Trainer::new(config.clone(), dataset(), &dir)
        .unwrap()
        .run(|_| {})
        .unwrap();
    let run = RunDir::new(&dir);
    let good = run.checkpoint_dir(2);
    let files = [
        "checkpoint.json",
        "networks.safetensors",
        "optimizer.safetensors",
    ];
    let before: Vec<Vec<u8>> = files.iter().map(|f| read(&good.join(f))).collect();

    // Go on with an absurd learning rate: the weights blow up and a loss overflows.
    let wild = TrainConfig {
        iterations: 6,
        critic_lr: 1e30,
        generator_lr: 1e30,
        ..config
    };
    let checkpoint = latest_checkpoint(&dir).unwrap().unwrap();
    let data = TrainData::from_dataset(dataset(), &wild).unwrap();
    let mut trainer = Trainer::restore(&checkpoint, wild, data, &dir).unwrap();
    let mut reports = Vec::new();
    let err = trainer.run(|p| reports.push(p.iteration())).unwrap_err();
    match &err {
        Error::Train(TrainError::NonFinite {
            iteration, loss, ..
        }) => {
            assert_eq!(*iteration, 3, "{err}");
            assert!(matches!(loss, LossKind::Critic { .. }), "{err}");
        }
        other => panic!("expected NonFinite, got {other}"),
    }
    assert!(reports.is_empty());
    let msg = err.to_string();
    assert!(
        msg.contains("iteration 3") && msg.contains("critic loss"),
        "{msg}"
    );
    // Nothing more trains, and the last good checkpoint and log are untouched.
    match trainer.step() {
        Err(Error::Train(TrainError::Halted { iteration: 3 })) => {}
        other => panic!("expected Halted, got {:?}", other.map(|p| p.is_some())),
    }
    let kept: Vec<u64> = run.checkpoints().unwrap().iter().map(|c| c.0).collect();
    assert_eq!(kept, vec![2]);
    let after: Vec<Vec<u8>> = files.iter().map(|f| read(&good.join(f))).collect();
    assert!(before == after, "the good checkpoint was rewritten");
    assert_eq!(run.load_log().unwrap().last_iteration(), 2);
    let reloaded = Checkpoint::open(&good).unwrap().load_log().unwrap();
    assert_eq!(reloaded.last_iteration(), 2);
    assert!(reloaded
        .iterations
        .iter()
        .all(|r| r.generator_loss.is_finite()));
    std::fs::remove_dir_all(&dir).unwrap();
}
