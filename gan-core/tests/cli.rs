//! The `gan` command-line tool, run as a process: each subcommand and each kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gan_core::metrics::MetricSet;
use gan_core::midi::read_voices_file;

fn gan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gan"))
        .args(args)
        .output()
        .expect("gan runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chorale() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chorales/bwv10.7.mid")
}

/// Asserts a clean failure: non-zero exit, the message on stderr, no panic.
fn assert_fails_with(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
}

#[test]
fn metrics_json_matches_the_library_on_a_chorale() {
    let out = gan(&["metrics", "--json", chorale().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: MetricSet = serde_json::from_slice(&out.stdout).unwrap();
    let roll = read_voices_file(chorale(), 4, 4).unwrap();
    let expected = MetricSet::compute(roll.to_lab_snippets(32).view()).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in [
        "empty_bar_rate",
        "pitch_histogram_distance",
        "in_scale_rate",
    ] {
        assert_eq!(json[name].as_array().unwrap().len(), 4, "{name}");
    }
    for (name, values) in expected.iter() {
        let close = values
            .iter()
            .zip(printed.get(name).unwrap())
            .all(|(a, b)| (a - b).abs() < 1e-12);
        assert!(close, "{name}: {values:?} vs {:?}", printed.get(name));
    }
}

#[test]
fn metrics_table_sets_the_reference_beside_the_values() {
    let out = gan(&["metrics", chorale().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Soprano") && stdout.contains("in_scale_rate"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" (0.000)"),
        "reference values in parentheses: {stdout}"
    );
}

#[test]
fn metrics_errors_name_the_file_and_the_problem() {
    let dir = scratch("metrics_errors");
    let junk = dir.join("junk.mid");
    std::fs::write(&junk, b"this is not MIDI").unwrap();
    assert_fails_with(
        &gan(&["metrics", junk.to_str().unwrap()]),
        &["junk.mid", "not a MIDI file"],
    );
    let empty = dir.join("empty.mid");
    std::fs::write(&empty, b"").unwrap();
    assert_fails_with(&gan(&["metrics", empty.to_str().unwrap()]), &["empty.mid"]);
    let twinkle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid");
    assert_fails_with(
        &gan(&["metrics", twinkle.to_str().unwrap()]),
        &["twinkle_twinkle.mid", "expected 4 voices"],
    );
    assert_fails_with(
        &gan(&["metrics", dir.join("missing.npy").to_str().unwrap()]),
        &["missing.npy"],
    );
}

#[test]
fn render_writes_a_wav_next_to_the_input_or_where_asked() {
    let dir = scratch("render");
    let midi = dir.join("chorale.mid");
    std::fs::copy(chorale(), &midi).unwrap();
    let out = gan(&["render", midi.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wav = hound::WavReader::open(dir.join("chorale.wav")).unwrap();
    assert_eq!((wav.spec().channels, wav.spec().bits_per_sample), (1, 16));
    let chosen = dir.join("out").join("x.wav");
    let out = gan(&[
        "render",
        midi.to_str().unwrap(),
        "--out",
        chosen.to_str().unwrap(),
    ]);
    assert!(out.status.success() && chosen.exists());
    assert_fails_with(
        &gan(&["render", dir.join("nope.mid").to_str().unwrap()]),
        &["nope.mid"],
    );
}

#[test]
fn dataset_prints_the_counts_and_exports_npy() {
    let dir = scratch("dataset");
    let npy = dir.join("eval.npy");
    let out = gan(&[
        "dataset",
        "--export",
        npy.to_str().unwrap(),
        "--split",
        "eval",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("chorales") && stdout.contains("[318, 32, 128, 4]"),
        "{stdout}"
    );
    let rolls = gan_core::data::load_npy(&npy).unwrap();
    assert_eq!(rolls.shape()[1..], [32, 128, 4]);
    assert!(
        rolls.shape()[0] > 10 && rolls.shape()[0] < 100,
        "{:?}",
        rolls.shape()
    );
    assert_fails_with(
        &gan(&["dataset", "--data", dir.to_str().unwrap()]),
        &["index.json"],
    );
}

#[test]
fn help_lists_every_subcommand() {
    let out = gan(&["--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for sub in ["metrics", "render", "dataset"] {
        assert!(stdout.contains(sub), "{stdout}");
    }
}
