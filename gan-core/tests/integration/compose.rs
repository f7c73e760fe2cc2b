//! Composing accompaniment with a small random generator: shapes, the soprano, registers,
//! seeds and bad input. (What a trained model composes is checked with the pretrained model.)

use candle_core::{DType, Device};
use gan_core::compose::{compose, ComposeError, ComposeOptions};
use gan_core::midi::{twinkle_twinkle, Melody, MidiError};
use gan_core::model::{Gan, ModelConfig};
use gan_core::roll::{Multitrack, Track};

fn gan() -> Gan {
    Gan::new(ModelConfig::new(4, 8), 3, DType::F32, &Device::Cpu).unwrap()
}

fn max_notes_at_once(track: &Track) -> usize {
    track
        .pianoroll
        .rows()
        .into_iter()
        .map(|r| r.iter().filter(|&&v| v > 0).count())
        .max()
        .unwrap_or(0)
}

#[test]
fn the_whole_melody_gets_four_voices_with_the_melody_as_soprano() {
    let tune = twinkle_twinkle();
    let options = ComposeOptions {
        samples: 2,
        seed: 5,
        ..Default::default()
    };
    let out = compose(gan().generator(), &Device::Cpu, &tune, &options).unwrap();
    assert_eq!(out.len(), 2);
    for score in &out {
        assert_eq!(score.tracks.len(), 4);
        assert_eq!(score.len(), tune.len());
        assert_eq!(score.tracks[0].pianoroll, tune.tracks[0].pianoroll);
        assert_eq!(score.tempo_bpm, tune.tempo_bpm);
        for voice in &score.tracks[1..] {
            assert!(
                max_notes_at_once(voice) <= 1,
                "{} is monophonic",
                voice.name
            );
        }
    }
    assert_ne!(
        out[0].tracks[1..],
        out[1].tracks[1..],
        "each sample has its own z"
    );
    let again = compose(gan().generator(), &Device::Cpu, &tune, &options).unwrap();
    assert_eq!(out, again, "the same seed gives the same music");
}

#[test]
fn a_low_melody_is_composed_in_its_own_register() {
    let tune = twinkle_twinkle();
    let low = Multitrack {
        tracks: vec![tune.tracks[0].transposed(-24)],
        ..tune.clone()
    };
    let options = ComposeOptions {
        seed: 1,
        monophonic: false,
        ..Default::default()
    };
    let high = compose(gan().generator(), &Device::Cpu, &tune, &options)
        .unwrap()
        .remove(0);
    let low = compose(gan().generator(), &Device::Cpu, &low, &options)
        .unwrap()
        .remove(0);
    // The low melody is moved up two octaves, so the generator sees the same input, and its
    // voices come back two octaves down.
    for k in 1..4 {
        let a = &high.tracks[k];
        let b = &low.tracks[k];
        let kept = a.transposed(-24);
        if a.pitch_range().is_some_and(|(lo, _)| lo >= 24) {
            assert_eq!(kept.pianoroll, b.pianoroll, "voice {k}");
        }
    }
    assert_eq!(
        low.tracks[0].pianoroll,
        tune.tracks[0].transposed(-24).pianoroll
    );
}

#[test]
fn bad_requests_get_typed_errors() {
    let gan = gan();
    let tune = twinkle_twinkle();
    let no_samples = ComposeOptions {
        samples: 0,
        ..Default::default()
    };
    assert!(matches!(
        compose(gan.generator(), &Device::Cpu, &tune, &no_samples),
        Err(ComposeError::NoSamples)
    ));
    let long_pickup = ComposeOptions {
        pickup_steps: 16,
        ..Default::default()
    };
    assert!(matches!(
        compose(gan.generator(), &Device::Cpu, &tune, &long_pickup),
        Err(ComposeError::Pickup(16))
    ));
    let fine = Multitrack {
        resolution: 24,
        ..tune.clone()
    };
    assert!(matches!(
        compose(gan.generator(), &Device::Cpu, &fine, &Default::default()),
        Err(ComposeError::Resolution(24))
    ));
    let silent = Multitrack::new(4, 100.0, vec![Track::silent("x", 0, 32)]);
    let err = compose(gan.generator(), &Device::Cpu, &silent, &Default::default()).unwrap_err();
    assert!(
        matches!(err, ComposeError::Melody(MidiError::NoNotes)),
        "{err}"
    );
    let mut drums = tune.clone();
    drums.tracks[0].is_drum = true;
    let err = compose(gan.generator(), &Device::Cpu, &drums, &Default::default()).unwrap_err();
    assert!(
        matches!(err, ComposeError::Melody(MidiError::DrumsOnly)),
        "{err}"
    );
    let missing = ComposeOptions {
        melody: Melody::Track(3),
        ..Default::default()
    };
    assert!(compose(gan.generator(), &Device::Cpu, &tune, &missing)
        .unwrap_err()
        .to_string()
        .contains("no track 3"));
}

#[test]
fn a_pickup_keeps_the_melody_in_place() {
    let tune = twinkle_twinkle();
    let options = ComposeOptions {
        pickup_steps: 4,
        ..Default::default()
    };
    let score = compose(gan().generator(), &Device::Cpu, &tune, &options)
        .unwrap()
        .remove(0);
    assert_eq!(score.len(), tune.len());
    assert_eq!(score.tracks[0].pianoroll, tune.tracks[0].pianoroll);
    // The score carries its upbeat, and its MIDI file says so.
    assert_eq!(score.pickup_steps, 4);
    let bytes = gan_core::midi::write_midi(&score).unwrap();
    assert_eq!(
        gan_core::midi::read_midi(&bytes, 4).unwrap().pickup_steps,
        4
    );
}
