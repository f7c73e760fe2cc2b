//! The shipped pretrained model (data/pretrained): it loads, it composes music in the melody's
//! key, `gan compose` with no flags uses it, and pretty_midi reads what it writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use gan_core::compose::ComposeOptions;
use gan_core::metrics::{Key, KeyMode};
use gan_core::midi::{read_midi_file, twinkle_twinkle, TUNES};
use gan_core::pretrained::{default_dir, ModelSource, TrainedModel};
use gan_core::roll::STEPS_PER_BEAT;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_shipped_model_loads_with_its_log_metrics_and_samples() {
    let model = TrainedModel::load_default().unwrap();
    assert_eq!(model.source, ModelSource::Pretrained(default_dir()));
    assert_eq!(model.config.model, gan_core::model::ModelConfig::default());
    let iterations = model.iteration();
    assert!(
        iterations >= 500,
        "trained for only {iterations} iterations"
    );
    assert_eq!(model.log.iterations.len() as u64, iterations);
    assert!(
        model.log.reference.is_some(),
        "the data set's reference metrics"
    );
    let last = model.log.metrics.last().expect("metrics recorded");
    assert_eq!(last.iteration, iterations);
    let samples = model.sample_iterations().unwrap();
    assert_eq!(samples.first(), Some(&0));
    assert_eq!(samples.last(), Some(&iterations));
    let sample = model.sample(iterations).unwrap();
    assert_eq!(sample.tracks.len(), 4);
}

#[test]
fn twinkle_gets_an_accompaniment_in_its_key() {
    let model = TrainedModel::load_default().unwrap();
    let twinkle = read_midi_file(repo().join("data/twinkle_twinkle.mid"), STEPS_PER_BEAT).unwrap();
    let key = Key::estimate(&twinkle.tracks).unwrap();
    assert_eq!(
        key,
        Key {
            tonic: 0,
            mode: KeyMode::Major
        }
    );
    let options = ComposeOptions {
        samples: 4,
        ..ComposeOptions::default()
    };
    let scores = model
        .compose(&twinkle, &options)
        .unwrap()
        .into_iter()
        .map(|a| a.score)
        .collect::<Vec<_>>();
    for (i, score) in scores.iter().enumerate() {
        assert_eq!(score.len(), twinkle.len());
        assert_eq!(
            score.tracks[0].pianoroll,
            twinkle_twinkle().tracks[0].pianoroll.mapv(|v| v.min(127))
        );
        let (rate, notes) = key.in_key_rate(&score.tracks[1..]);
        // Alto, tenor and bass play: at least a note per bar each.
        assert!(notes >= 3 * 12, "variation {i}: {notes} notes");
        assert!(rate >= 0.7, "variation {i}: {:.1} % in {key}", 100.0 * rate);
    }
}

#[test]
fn gan_compose_with_no_flags_writes_midi_and_wav_that_pretty_midi_reads() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pretrained_compose");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let melody = dir.join("twinkle_twinkle.mid");
    std::fs::copy(repo().join("data/twinkle_twinkle.mid"), &melody).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gan"))
        .arg("compose")
        .arg(&melody)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("C major"), "{stdout}");
    // One voice-leading line for the score, one for the generator's voices before the repair.
    assert!(stdout.contains("composed:  parallel 5ths/8ves"), "{stdout}");
    assert!(stdout.contains("generator: parallel 5ths/8ves"), "{stdout}");
    let midi = dir.join("twinkle_twinkle-composed.mid");
    let wav = dir.join("twinkle_twinkle-composed.wav");
    let reader = hound::WavReader::open(&wav).unwrap();
    let seconds = reader.duration() as f64 / f64::from(reader.spec().sample_rate);
    let score = read_midi_file(&midi, STEPS_PER_BEAT).unwrap();
    assert!(seconds >= score.duration_seconds(), "{seconds} s of audio");

    // pretty_midi reads four instruments, the first with exactly the melody's notes.
    let report = crate::support::pretty_midi_report(std::slice::from_ref(&midi));
    let instruments = report[0]["instruments"].as_array().unwrap();
    assert_eq!(instruments.len(), 4);
    let mut melody_notes = twinkle_twinkle().tracks[0].notes();
    melody_notes.sort_by_key(|n| (n.start, n.pitch));
    let soprano = instruments[0]["notes"].as_array().unwrap();
    assert_eq!(soprano.len(), melody_notes.len());
    for (got, want) in soprano.iter().zip(&melody_notes) {
        assert_eq!(got["pitch"], u64::from(want.pitch));
    }
    for voice in &instruments[1..] {
        assert!(!voice["notes"].as_array().unwrap().is_empty(), "{voice}");
    }
}

/// Every shipped melody, Twinkle last: (name, melody, pickup steps).
fn melodies() -> Vec<(&'static str, gan_core::roll::Multitrack, usize)> {
    let mut melodies: Vec<_> = TUNES
        .iter()
        .map(|t| (t.name, t.to_multitrack(), t.pickup_steps))
        .collect();
    melodies.push(("twinkle_twinkle", twinkle_twinkle(), 0));
    melodies
}

/// The targets of voice leading a choir could sing, on every shipped melody composed with the
/// defaults: at most 0.5 parallel fifths or octaves per 100 two-voice moves, every lower voice
/// sounding at least 90 % of the piece, crossing at most 1.5 % and at least 85 % of the lower
/// voices' duration in the melody's key. The melody stays the soprano, note for note.
#[test]
fn every_melody_gets_voice_leading_a_choir_could_sing() {
    let model = TrainedModel::load_default().unwrap();
    for (name, melody, pickup) in melodies() {
        let options = ComposeOptions {
            pickup_steps: pickup,
            samples: 2,
            ..ComposeOptions::default()
        };
        for a in model.compose(&melody, &options).unwrap() {
            assert_eq!(
                a.score.tracks[0].top_line(),
                melody.tracks[0].top_line(),
                "{name}"
            );
            let r = a.report().unwrap().rates;
            assert!(r.parallel_per_100_moves <= 0.5, "{name}: {}", r.summary());
            assert!(r.lower_sounding_min() >= 0.9, "{name}: {}", r.summary());
            assert!(r.crossing_share <= 0.015, "{name}: {}", r.summary());
            assert!(r.lower_in_key >= 0.85, "{name}: {}", r.summary());
            // The generator's own voices are analysed too, before the repair.
            let generated = a.generated_report().unwrap().rates;
            assert!(generated.two_voice_moves > 0, "{name}");
            assert_eq!(a.generated.tracks[0], a.score.tracks[0]);
        }
    }
}

/// Harmony a musician recognises, on every shipped melody (major and minor) composed with the
/// defaults: every variation ends with an authentic cadence on the tonic, the beats are mostly
/// complete triads and seldom no chord, and two variations (different latent grids) differ in
/// the lower voices on at least a quarter of the beats.
#[test]
fn every_melody_gets_chords_on_its_beats_and_an_authentic_final_cadence() {
    use gan_core::metrics::harmony::CadenceKind;
    let model = TrainedModel::load_default().unwrap();
    let (mut complete, mut no_chord, mut n) = (0.0, 0.0, 0.0);
    let mut modes = Vec::new();
    for (name, melody, pickup) in melodies() {
        let options = ComposeOptions {
            pickup_steps: pickup,
            samples: 2,
            ..ComposeOptions::default()
        };
        let all = model.compose(&melody, &options).unwrap();
        for a in &all {
            let h = a.harmony().unwrap().unwrap();
            if !modes.contains(&h.key.mode) {
                modes.push(h.key.mode);
            }
            let last = h.cadences.last().unwrap();
            assert_eq!(
                last.kind,
                CadenceKind::Authentic,
                "{name}:\n{}",
                h.to_text(None)
            );
            assert_eq!(h.rates.ends_on_tonic, 1.0, "{name}");
            complete += h.rates.complete;
            no_chord += h.rates.no_chord;
            n += 1.0;
        }
        // The lower voices on each beat, variation against variation.
        let beats: Vec<usize> = (0..all[0].score.len()).step_by(STEPS_PER_BEAT).collect();
        let lower = |a: &gan_core::compose::Arrangement, t: usize| -> Vec<Option<u8>> {
            (1..4).map(|k| a.score.tracks[k].top_line()[t]).collect()
        };
        let differ = beats
            .iter()
            .filter(|&&t| lower(&all[0], t) != lower(&all[1], t))
            .count();
        assert!(
            differ as f64 >= 0.25 * beats.len() as f64,
            "{name}: the variations differ on {differ} of {} beats",
            beats.len()
        );
    }
    assert_eq!(modes.len(), 2, "major and minor melodies");
    assert!(complete / n >= 0.55, "complete triads {}", complete / n);
    assert!(no_chord / n <= 0.20, "no chord {}", no_chord / n);
}

/// `--best-of`: of N candidates, the one with the fewest weighted findings.
#[test]
fn the_best_of_several_has_no_more_findings_than_the_first() {
    let model = TrainedModel::load_default().unwrap();
    let tune = TUNES[0].to_multitrack();
    let first = ComposeOptions::default();
    let best = ComposeOptions {
        best_of: 4,
        ..first
    };
    let weighted = |o: &ComposeOptions| {
        model.compose(&tune, o).unwrap()[0]
            .report()
            .unwrap()
            .weighted_findings()
    };
    assert!(weighted(&best) <= weighted(&first));
    let none = ComposeOptions {
        best_of: 0,
        ..first
    };
    let err = model.compose(&tune, &none).unwrap_err();
    assert!(err.to_string().contains("--best-of"), "{err}");
}

#[test]
fn the_shipped_log_reads_as_a_healthy_run() {
    use gan_core::train::Verdict;
    let model = TrainedModel::load_default().unwrap();
    let checkup = model.log.checkup();
    println!("{checkup}");
    for name in [
        "divergence",
        "critic's lead",
        "gradient penalty",
        "mode collapse",
    ] {
        let check = checkup
            .check(name)
            .unwrap_or_else(|| panic!("no {name} check"));
        assert_eq!(check.verdict, Verdict::Healthy, "{checkup}");
    }
    assert!(checkup.check("when to stop").is_some(), "{checkup}");
}
