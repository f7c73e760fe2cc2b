//! Bad checkpoints, run directories and configuration files give typed errors that name the
//! file.

use std::path::{Path, PathBuf};

use gan_core::data::Dataset;
use gan_core::model::ModelConfig;
use gan_core::train::{Checkpoint, RunDir, TrainConfig, TrainData, TrainError, Trainer};
use gan_core::Error;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gan-core-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The error of resuming the run in `dir`, as text.
fn resume_error(data: &Dataset, dir: &Path) -> String {
    match Trainer::resume(data, dir, None) {
        Ok(_) => panic!("resuming {} should fail", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn damaged_checkpoints_name_the_file() {
    let data = Dataset::load_default().unwrap();
    let root = temp_dir("train-damaged");
    let good = root.join("good");
    let config = TrainConfig {
        iterations: 1,
        batch_size: 4,
        critic_steps: 1,
        model: ModelConfig::new(2, 4),
        eval_samples: 1,
        sample_every: 0,
        ..TrainConfig::default()
    };
    Trainer::new(config.clone(), &data, &good)
        .unwrap()
        .run(|_| {})
        .unwrap();
    assert_eq!(Trainer::resume(&data, &good, None).unwrap().iteration(), 1);

    // Each damage on its own copy of the run: (copy, file, damage).
    type Damage = (&'static str, &'static str, fn(&Path));
    let damages: [Damage; 5] = [
        ("truncated-networks", "networks.safetensors", |f| {
            let bytes = std::fs::read(f).unwrap();
            std::fs::write(f, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("garbled-optimizer", "optimizer.safetensors", |f| {
            std::fs::write(f, b"not a safetensors file").unwrap()
        }),
        ("missing-log", "log.json", |f| {
            std::fs::remove_file(f).unwrap()
        }),
        ("garbled-sidecar", "checkpoint.json", |f| {
            std::fs::write(f, b"{\"format\": 1,").unwrap()
        }),
        ("missing-networks", "networks.safetensors", |f| {
            std::fs::remove_file(f).unwrap()
        }),
    ];
    for (name, file, damage) in damages {
        let dir = root.join(name);
        copy_dir(&good, &dir);
        damage(&RunDir::new(&dir).checkpoint_dir(1).join(file));
        let msg = resume_error(&data, &dir);
        assert!(
            msg.contains(file) && msg.contains("iter_000001"),
            "{name}: {msg}"
        );
    }

    // A directory with no checkpoint, and a checkpoint directory that does not exist.
    let empty = root.join("empty");
    match Trainer::resume(&data, &empty, None) {
        Err(Error::Train(TrainError::NoCheckpoint { dir })) => assert_eq!(dir, empty),
        other => panic!("expected NoCheckpoint, got {:?}", other.err()),
    }
    let msg = Checkpoint::open(root.join("nowhere"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("nowhere") && msg.contains("checkpoint.json"),
        "{msg}"
    );

    // Restoring into networks of other widths is refused, naming both.
    let checkpoint = Checkpoint::open(RunDir::new(&good).checkpoint_dir(1)).unwrap();
    let wider = TrainConfig {
        model: ModelConfig::new(4, 4),
        ..config.clone()
    };
    let train = TrainData::from_dataset(&data, &wider).unwrap();
    match Trainer::restore(&checkpoint, wider, train, &good) {
        Err(Error::Train(TrainError::Config(msg))) => {
            assert!(
                msg.contains("filters: 2") && msg.contains("filters: 4"),
                "{msg}"
            )
        }
        other => panic!("expected a Config error, got {:?}", other.err()),
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn configuration_files_fill_defaults_and_name_their_errors() {
    let dir = temp_dir("train-config");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("train.json");
    std::fs::write(
        &path,
        r#"{"iterations": 20, "snippet_mode": "windows", "model": {"filters": 8, "latent": 16}}"#,
    )
    .unwrap();
    let config = TrainConfig::load(&path).unwrap();
    assert_eq!(config.iterations, 20);
    assert_eq!(config.model, ModelConfig::new(8, 16));
    assert_eq!(config.critic_steps, 5);
    config.save(&path).unwrap();
    assert_eq!(TrainConfig::load(&path).unwrap(), config);

    for (text, needle) in [
        (r#"{"iterations": 20,"#, "EOF"),
        (r#"{"learning_rate": 0.1}"#, "learning_rate"),
        (r#"{"beta1": 1.5}"#, "beta1"),
    ] {
        std::fs::write(&path, text).unwrap();
        let msg = TrainConfig::load(&path).unwrap_err().to_string();
        assert!(
            msg.contains(needle) && msg.contains("train.json"),
            "{text}: {msg}"
        );
    }
    let msg = TrainConfig::load(dir.join("absent.json"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("absent.json"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}
