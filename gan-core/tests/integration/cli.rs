//! The `gan` command-line tool, run as a process: each subcommand and each kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gan_core::metrics::{BachReference, MetricSet, VoiceLeading};
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

/// A data directory at `to` with the repository's chorales and their index, and nothing else.
fn copy_chorales(to: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    std::fs::create_dir_all(to.join("chorales")).unwrap();
    std::fs::copy(data.join("index.json"), to.join("index.json")).unwrap();
    for entry in std::fs::read_dir(data.join("chorales")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("chorales").join(path.file_name().unwrap())).unwrap();
    }
}

fn chorale() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chorales/bwv10.7.mid")
}

/// Asserts success (showing stderr if not) and returns stdout.
fn succeeds(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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
    succeeds(&out);
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
    let stdout = succeeds(&out);
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
    succeeds(&out);
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
    let stdout = succeeds(&out);
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
fn check_reports_a_chorale_beside_bach() {
    let out = gan(&["check", chorale().to_str().unwrap(), "--json"]);
    succeeds(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rates = &json["report"]["rates"];
    // Bach's own chorale: hardly a parallel fifth, every voice sounding, mostly in key.
    assert!(
        rates["parallel_per_100_moves"].as_f64().unwrap() < 1.0,
        "{rates}"
    );
    for k in 0..4 {
        assert!(rates["sounding"][k].as_f64().unwrap() > 0.9, "{rates}");
    }
    assert_eq!(json["report"]["key"], "G minor");
    assert_eq!(json["bach"]["chorales"], 318);
    let table = gan(&["check", chorale().to_str().unwrap(), "--max-findings", "3"]);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(stdout.contains("parallel 5ths/8ves"), "{stdout}");
    assert!(stdout.contains("Bach"), "{stdout}");
    assert!(
        stdout.contains("more"),
        "findings beyond 3 are counted: {stdout}"
    );
    assert!(stdout.contains("bar "), "findings by bar:beat: {stdout}");
}

#[test]
fn check_errors_name_the_file_and_the_problem() {
    let dir = scratch("check_errors");
    let empty = dir.join("empty.mid");
    std::fs::write(&empty, b"").unwrap();
    assert_fails_with(
        &gan(&["check", empty.to_str().unwrap()]),
        &["empty.mid", "not a MIDI file"],
    );
    let garbage = dir.join("garbage.mid");
    std::fs::write(&garbage, b"this is not MIDI").unwrap();
    assert_fails_with(
        &gan(&["check", garbage.to_str().unwrap()]),
        &["garbage.mid", "not a MIDI file"],
    );
    let missing = dir.join("missing.mid");
    assert_fails_with(
        &gan(&["check", missing.to_str().unwrap()]),
        &["missing.mid"],
    );
    let twinkle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid");
    assert_fails_with(
        &gan(&["check", twinkle.to_str().unwrap()]),
        &[
            "twinkle_twinkle.mid",
            "expected 4 voices",
            "found 1 track with notes",
        ],
    );
}

/// Four voices that each hold one note for a bar (no moves: the move rates are NaN), after a
/// conductor track with no notes.
fn held_chord() -> gan_core::Multitrack {
    let voice = |name: &str, pitch: usize| {
        let mut track = gan_core::Track::silent(name, 0, 16);
        track.pianoroll.column_mut(pitch).fill(100);
        track
    };
    let tracks = vec![
        gan_core::Track::silent("Conductor", 0, 16),
        voice("Soprano", 72),
        voice("Alto", 67),
        voice("Tenor", 64),
        voice("Bass", 48),
    ];
    gan_core::Multitrack::new(4, 100.0, tracks)
}

#[test]
fn check_leaves_out_empty_tracks_and_writes_nan_rates_as_null() {
    let dir = scratch("check_chord");
    let path = dir.join("chord.mid");
    gan_core::midi::write_midi_file(&path, &held_chord()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(9).any(|w| w == b"Conductor"),
        "the empty track is in the file"
    );
    let out = gan(&["check", path.to_str().unwrap(), "--json"]);
    succeeds(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["file"], path.to_str().unwrap());
    let rates = &json["report"]["rates"];
    assert!(rates["parallel_per_100_moves"].is_null(), "{rates}");
    assert_eq!(rates["two_voice_moves"], 0, "{rates}");
    assert_eq!(rates["sounding"], serde_json::json!([1.0, 1.0, 1.0, 1.0]));
    // The JSON reads back, null as NaN.
    let report: VoiceLeading = serde_json::from_value(json["report"].clone()).unwrap();
    assert!(report.rates.parallel_per_100_moves.is_nan());
    let bach: BachReference = serde_json::from_value(json["bach"].clone()).unwrap();
    assert_eq!(bach, BachReference::load_default().unwrap());
    // Without the bass: three voices.
    let mut three = held_chord();
    three.tracks.pop();
    let path = dir.join("three.mid");
    gan_core::midi::write_midi_file(&path, &three).unwrap();
    assert_fails_with(
        &gan(&["check", path.to_str().unwrap()]),
        &["three.mid", "expected 4 voices", "found 3 tracks"],
    );
}

#[test]
fn check_counts_bars_from_the_pickup() {
    // BWV 103.6 starts with a quarter-note upbeat.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chorales/bwv103.6.mid");
    let out = gan(&["check", path.to_str().unwrap(), "--json", "--pickup", "4"]);
    succeeds(&out);
    let report: VoiceLeading = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .map(|json| serde_json::from_value(json["report"].clone()).unwrap())
        .unwrap();
    assert_eq!(report.pickup_steps, 4);
    assert!(!report.findings.is_empty());
    for finding in &report.findings {
        let bar = if finding.step < 4 {
            0
        } else {
            (finding.step - 4) / 16 + 1
        };
        assert_eq!(finding.at.bar, bar, "{finding}");
    }
}

#[test]
fn check_reads_the_upbeat_from_the_file() {
    // BWV 103.6 starts with a quarter-note upbeat, which the data set's file does not say.
    let chorale = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chorales/bwv103.6.mid");
    let dir = scratch("upbeat");
    let marked = dir.join("bwv103.6-upbeat.mid");
    let piece = gan_core::midi::read_midi_file(&chorale, 4).unwrap();
    assert_eq!(piece.pickup_steps, 0);
    gan_core::midi::write_midi_file(&marked, &piece.with_pickup(4)).unwrap();
    // The first line names the file; the report follows.
    let text = |args: &[&str]| {
        let stdout = succeeds(&gan(args));
        stdout.split_once('\n').map(|(_, r)| r.to_string()).unwrap()
    };
    let marked = marked.to_str().unwrap();
    let read = text(&["check", marked]);
    assert_eq!(
        read,
        text(&["check", chorale.to_str().unwrap(), "--pickup", "4"])
    );
    assert_ne!(read, text(&["check", marked, "--pickup", "0"]));
    let first = succeeds(&gan(&["check", marked]));
    assert!(first.contains("after an upbeat of 4"), "{first}");
}

#[test]
fn the_data_set_is_found_beside_the_program_or_the_error_says_where_it_looked() {
    // A `gan` copied elsewhere, with a data directory beside it, as `cargo install` plus a copy
    // of data/ would leave it.
    let dir = scratch("installed");
    let bin = dir.join("bin");
    let data = bin.join("data");
    copy_chorales(&data);
    let gan_copy = bin.join("gan");
    std::fs::copy(env!("CARGO_BIN_EXE_gan"), &gan_copy).unwrap();
    let out = Command::new(&gan_copy)
        .arg("dataset")
        .env_remove("GAN_DATA_DIR")
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = succeeds(&out);
    let found = std::fs::canonicalize(&data).unwrap();
    assert!(
        stdout.contains(&format!("from {}", found.display())),
        "{stdout}"
    );

    // GAN_DATA_DIR wins, and a wrong one is named.
    let missing = dir.join("no-data-here");
    let out = Command::new(env!("CARGO_BIN_EXE_gan"))
        .arg("dataset")
        .env("GAN_DATA_DIR", &missing)
        .output()
        .unwrap();
    assert_fails_with(&out, &["no data set found", "no-data-here", "GAN_DATA_DIR"]);
}

#[test]
fn help_lists_every_subcommand() {
    let out = gan(&["--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "compose", "check", "train", "export", "evaluate", "metrics", "render", "dataset", "studio",
    ] {
        assert!(stdout.contains(sub), "{stdout}");
    }
}

/// Trains a tiny model for 3 iterations in `dir`/run and exports it to `dir`/model.
fn tiny_model(dir: &Path) -> PathBuf {
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        r#"{"iterations": 3, "batch_size": 4, "model": {"filters": 4, "latent": 8},
            "checkpoint_every": 2, "sample_every": 2, "eval_samples": 2}"#,
    )
    .unwrap();
    let run = dir.join("run");
    let out = gan(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--run",
        run.to_str().unwrap(),
    ]);
    succeeds(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("trained to iteration 3"));
    let model = dir.join("model");
    let out = gan(&[
        "export",
        run.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    succeeds(&out);
    model
}

#[test]
fn train_export_and_compose_the_whole_melody() {
    let dir = scratch("compose");
    let model = tiny_model(&dir);
    let melody = dir.join("twinkle.mid");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid"),
        &melody,
    )
    .unwrap();
    let out = gan(&[
        "compose",
        melody.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    succeeds(&out);
    let score = gan_core::midi::read_midi_file(dir.join("twinkle-composed.mid"), 4).unwrap();
    let tune = gan_core::midi::twinkle_twinkle();
    assert_eq!(
        score.tracks[0].pianoroll,
        tune.tracks[0].pianoroll.mapv(|v| v.min(127))
    );
    assert!(
        score.tracks.len() >= 2,
        "the melody and at least one generated voice"
    );
    assert!(dir.join("twinkle-composed.wav").exists());
    // Variations are numbered, and the same seed writes the same music.
    let named = dir.join("named.mid");
    let args = [
        "compose",
        melody.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--out",
        named.to_str().unwrap(),
        "--samples",
        "2",
        "--seed",
        "4",
        "--png",
    ];
    assert!(gan(&args).status.success());
    let first = std::fs::read(dir.join("named-1.mid")).unwrap();
    assert!(dir.join("named-2.wav").exists());
    let png = std::fs::read(dir.join("named-2.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(gan(&args).status.success());
    assert_eq!(std::fs::read(dir.join("named-1.mid")).unwrap(), first);
}

#[test]
fn evaluate_reports_a_model_on_the_held_out_chorales() {
    let dir = scratch("evaluate");
    let model = tiny_model(&dir);
    let stdout = succeeds(&gan(&["evaluate", "--model", model.to_str().unwrap()]));
    for needle in [
        "iteration 3",
        "held-out snippets: the generator",
        "held-out chorales composed from their soprano",
        "parallel 5ths/8ves",
        "lowest A, T, B in key",
        "pitch_range",
    ] {
        assert!(stdout.contains(needle), "{needle:?} not in {stdout}");
    }
    let missing = dir.join("no-model-here");
    let out = gan(&["evaluate", "--model", missing.to_str().unwrap()]);
    assert_fails_with(&out, &["no-model-here"]);
}

#[test]
fn dataset_writes_the_shipped_melodies_as_they_are() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    // A data directory without the melodies.
    let copy = scratch("melodies").join("data");
    copy_chorales(&copy);
    let out = gan(&[
        "dataset",
        "--data",
        copy.to_str().unwrap(),
        "--write-melodies",
    ]);
    succeeds(&out);
    let mut files = vec![PathBuf::from("twinkle_twinkle.mid")];
    for entry in std::fs::read_dir(data.join("melodies")).unwrap() {
        files.push(Path::new("melodies").join(entry.unwrap().file_name()));
    }
    assert_eq!(files.len(), 1 + gan_core::midi::TUNES.len());
    for file in files {
        assert_eq!(
            std::fs::read(copy.join(&file)).unwrap(),
            std::fs::read(data.join(&file)).unwrap(),
            "{} differs from the shipped file",
            file.display()
        );
    }
}

/// A type-0 MIDI file (480 ticks a beat) holding middle C for `ticks` ticks.
fn one_long_note(ticks: u32) -> Vec<u8> {
    use midly::{
        Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind,
    };
    let note = |delta: u32, on: bool| TrackEvent {
        delta: delta.into(),
        kind: TrackEventKind::Midi {
            channel: 0.into(),
            message: if on {
                MidiMessage::NoteOn {
                    key: 60.into(),
                    vel: 100.into(),
                }
            } else {
                MidiMessage::NoteOff {
                    key: 60.into(),
                    vel: 0.into(),
                }
            },
        },
    };
    let mut smf = Smf::new(Header::new(
        Format::SingleTrack,
        Timing::Metrical(480.into()),
    ));
    smf.tracks.push(vec![
        note(0, true),
        note(ticks, false),
        TrackEvent {
            delta: 0.into(),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        },
    ]);
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    bytes
}

#[test]
fn compose_and_train_errors_are_clear() {
    let dir = scratch("compose_errors");
    let junk = dir.join("junk.mid");
    std::fs::write(&junk, b"RIFF....").unwrap();
    let missing = dir.join("no-model");
    let twinkle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid");
    assert_fails_with(&gan(&["compose", junk.to_str().unwrap()]), &["junk.mid"]);
    assert_fails_with(
        &gan(&[
            "compose",
            twinkle.to_str().unwrap(),
            "--model",
            missing.to_str().unwrap(),
        ]),
        &["no-model"],
    );
    // A melody of no notes, and one note that lasts over MAX_STEPS steps (about 2.7 hours).
    let silent = dir.join("silent.mid");
    let nothing = gan_core::Multitrack::new(4, 100.0, vec![gan_core::Track::silent("x", 0, 32)]);
    gan_core::midi::write_midi_file(&silent, &nothing).unwrap();
    assert_fails_with(
        &gan(&["compose", silent.to_str().unwrap()]),
        &["silent.mid", "no notes"],
    );
    let long = dir.join("long.mid");
    std::fs::write(&long, one_long_note(480 * 20_000)).unwrap();
    assert_fails_with(
        &gan(&["compose", long.to_str().unwrap()]),
        &["long.mid", "MAX_STEPS"],
    );
    // A drums-only melody: Twinkle moved to the drum channel.
    let mut drums = gan_core::midi::twinkle_twinkle();
    drums.tracks[0].is_drum = true;
    let drum_file = dir.join("drums.mid");
    gan_core::midi::write_midi_file(&drum_file, &drums).unwrap();
    let model = tiny_model(&dir);
    assert_fails_with(
        &gan(&[
            "compose",
            drum_file.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
        ]),
        &["drums.mid", "drums only"],
    );
    let empty_run = dir.join("empty-run");
    assert_fails_with(
        &gan(&["train", "--resume", "--run", empty_run.to_str().unwrap()]),
        &["empty-run"],
    );
    let bad_config = dir.join("bad.json");
    std::fs::write(&bad_config, r#"{"iterations": "many"}"#).unwrap();
    assert_fails_with(
        &gan(&["train", "--config", bad_config.to_str().unwrap()]),
        &["bad.json"],
    );
    assert_fails_with(
        &gan(&[
            "train",
            "--preset",
            "fast",
            "--run",
            empty_run.to_str().unwrap(),
        ]),
        &["unknown preset \"fast\"", "lab, quick"],
    );
}

/// Asserts that `dir` holds no file (a failed command wrote nothing).
fn assert_nothing_written(dir: &Path) {
    let written: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(written.is_empty(), "written: {written:?}");
}

#[test]
fn compose_refuses_bad_phrase_ends_and_keys_and_writes_nothing() {
    let dir = scratch("compose_phrase_errors");
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let twinkle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid");
    let out = out_dir.join("x.mid");
    let compose = |extra: &[&str]| {
        let mut args = vec![
            "compose",
            twinkle.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        gan(&args)
    };
    for (extra, needles) in [
        (
            &["--phrase-ends", "4,x"][..],
            &["\"x\" is not a bar number", "4,8,12"][..],
        ),
        (&["--phrase-ends", "4,,8"], &["\"\" is not a bar number"]),
        (
            &["--phrase-ends", "0,4"],
            &["no bar 0", "bars count from 1"],
        ),
        (
            &["--phrase-ends", "4,13"],
            &[
                "twinkle_twinkle.mid",
                "bar 13 is past the melody's end",
                "12 bars",
            ],
        ),
        (
            &["--key", "H minor"],
            &["not a key: \"H minor\"", "D minor"],
        ),
        (
            &["--key", "D dorian", "--phrase-ends", "4"],
            &["\"D dorian\""],
        ),
    ] {
        let result = compose(extra);
        assert_eq!(result.status.code(), Some(1), "{extra:?}");
        assert_fails_with(&result, needles);
        assert_nothing_written(&out_dir);
    }
}

#[test]
fn check_takes_a_key_and_phrase_ends_and_refuses_bad_ones() {
    let path = chorale().to_str().unwrap().to_string();
    // bwv10.7 in G minor, read in D minor: the in-key share of its lower voices changes.
    let json = |extra: &[&str]| {
        let mut args = vec!["check", path.as_str(), "--json"];
        args.extend(extra);
        let out = gan(&args);
        serde_json::from_str::<serde_json::Value>(&succeeds(&out)).unwrap()
    };
    let own = json(&[]);
    let d_minor = json(&["--key", "d minor"]);
    assert_eq!(own["report"]["key"], "G minor");
    assert_eq!(d_minor["report"]["key"], "D minor");
    assert_ne!(
        own["report"]["rates"]["lower_in_key"],
        d_minor["report"]["rates"]["lower_in_key"]
    );
    // The chorale's fermatas are its phrase ends; given bars replace them.
    let text = succeeds(&gan(&["check", &path]));
    assert!(
        text.contains("phrase ends: bar 5, bar 9, bar 14, bar 22"),
        "{text}"
    );
    let text = succeeds(&gan(&["check", &path, "--phrase-ends", "2, 4"]));
    assert!(
        text.contains("phrase ends: bar 2, bar 4, bar 22* (* inferred"),
        "{text}"
    );
    for (extra, needles) in [
        (
            &["--phrase-ends", "4,x"][..],
            &["\"x\" is not a bar number"][..],
        ),
        (&["--phrase-ends", "0"], &["no bar 0"]),
        (
            &["--phrase-ends", "23"],
            &["bwv10.7.mid", "bar 23 is past the melody's end", "22 bars"],
        ),
        (&["--key", "Q"], &["not a key: \"Q\""]),
    ] {
        let mut args = vec!["check", path.as_str()];
        args.extend(extra);
        let result = gan(&args);
        assert_eq!(result.status.code(), Some(1), "{extra:?}");
        assert_fails_with(&result, needles);
    }
}

#[test]
fn compose_uses_the_given_phrase_ends_and_key_or_the_files_or_infers_them() {
    let dir = scratch("compose_phrases");
    let model = tiny_model(&dir);
    // Twinkle, with phrase-end markers after bars 4 and 8.
    let melody = dir.join("twinkle.mid");
    let marked = gan_core::midi::twinkle_twinkle().with_phrase_ends(vec![64, 128]);
    gan_core::midi::write_midi_file(&melody, &marked).unwrap();
    let compose = |extra: &[&str]| {
        let mut args = vec![
            "compose",
            melody.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
        ];
        args.extend(extra);
        succeeds(&gan(&args))
    };
    let stdout = compose(&[]);
    assert!(
        stdout.contains("phrase ends: bar 4, bar 8, bar 12* ("),
        "{stdout}"
    );
    let stdout = compose(&["--phrase-ends", "2,6", "--key", "D minor"]);
    assert!(
        stdout.contains("phrase ends: bar 2, bar 6, bar 12*"),
        "{stdout}"
    );
    assert!(stdout.contains("the melody is in D minor"), "{stdout}");
    // The shipped Twinkle has no markers: its half notes end the phrases, every two bars.
    let plain = dir.join("plain.mid");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid"),
        &plain,
    )
    .unwrap();
    let out = gan(&[
        "compose",
        plain.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    let stdout = succeeds(&out);
    assert!(
        stdout.contains(
            "phrase ends: bar 2*, bar 4*, bar 6*, bar 8*, bar 10*, bar 12* (* inferred from the melody)"
        ),
        "{stdout}"
    );
}
