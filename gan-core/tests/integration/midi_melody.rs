//! Melody extraction: the skyline of a two-voice track, track selection, and the automatic pick.

use crate::support::roll;
use gan_core::midi::{melody, skyline, Melody, MidiError};
use gan_core::roll::{Multitrack, Track};

/// Melody notes: C4 D4 E4, a rest at steps 6-7, then F4 G4 (two steps each).
const TUNE: [(usize, usize, usize, u8); 5] = [
    (60, 0, 2, 90),
    (62, 2, 4, 91),
    (64, 4, 6, 92),
    (65, 8, 10, 93),
    (67, 10, 12, 94),
];
/// Bass notes under it: C3 for 8 steps, then G2 for 4.
const BASS: [(usize, usize, usize, u8); 2] = [(48, 0, 8, 60), (43, 8, 12, 61)];

/// The melody and the bass in one track, like the lab's Twinkle file.
fn two_voices() -> Track {
    let notes: Vec<_> = TUNE.iter().chain(&BASS).copied().collect();
    Track::new("Piano", 0, roll(12, &notes))
}

#[test]
fn the_skyline_takes_the_top_voice_and_the_bass_where_the_tune_rests() {
    let top = skyline(&two_voices());
    // Where the tune rests (steps 6 and 7), the bass's C3 is the highest note.
    let mut expected: Vec<_> = TUNE.to_vec();
    expected.push((48, 6, 8, 60));
    assert_eq!(top.pianoroll, roll(12, &expected));
    assert_eq!(top.name, "Piano");

    let mt = Multitrack::new(4, 100.0, vec![two_voices()]);
    assert_eq!(melody(&mt, Melody::Skyline(0)).unwrap(), top);
    assert_eq!(melody(&mt, Melody::Auto).unwrap(), top);
}

#[test]
fn a_picked_track_must_be_monophonic() {
    let tune = Track::new("Flute", 73, roll(12, &TUNE));
    let mt = Multitrack::new(4, 100.0, vec![two_voices(), tune.clone()]);
    assert_eq!(melody(&mt, Melody::Track(1)).unwrap(), tune);
    let err = melody(&mt, Melody::Track(0)).unwrap_err();
    assert!(
        matches!(
            err,
            MidiError::Polyphonic {
                index: 0,
                voices: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Melody::Skyline(0)"), "{err}");
}

#[test]
fn auto_takes_the_highest_of_the_busy_tracks() {
    // The bass is busiest; the tune sounds 10 of 12 steps (more than half the bass's 12) and is
    // higher, so it wins; one high piccolo note is too sparse to count; drums never count.
    let bass = Track::new("Bass", 32, roll(12, &BASS));
    let tune = Track::new("Tune", 0, roll(12, &TUNE));
    let piccolo = Track::new("Piccolo", 72, roll(12, &[(96, 0, 2, 100)]));
    let mut drums = Track::new("Drums", 0, roll(12, &[(81, 0, 12, 100)]));
    drums.is_drum = true;
    let mt = Multitrack::new(4, 100.0, vec![drums, bass, piccolo, tune.clone()]);
    assert_eq!(melody(&mt, Melody::Auto).unwrap(), tune);
    // With only the bass and the piccolo, the sparse piccolo still does not count.
    let mt = Multitrack::new(4, 100.0, vec![mt.tracks[1].clone(), mt.tracks[2].clone()]);
    assert_eq!(melody(&mt, Melody::Auto).unwrap().name, "Bass");
}

#[test]
fn bad_selections_get_typed_errors() {
    let mut drums = Track::new("Kit", 0, roll(12, &[(36, 0, 1, 100)]));
    drums.is_drum = true;
    let silent = Track::silent("Rest", 0, 12);
    let mt = Multitrack::new(4, 100.0, vec![two_voices(), drums.clone(), silent.clone()]);

    let err = melody(&mt, Melody::Track(3)).unwrap_err();
    assert!(
        matches!(err, MidiError::NoSuchTrack { index: 3, count: 3 }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "no track 3: there are 3 tracks");

    let err = melody(&mt, Melody::Skyline(1)).unwrap_err();
    assert!(
        matches!(err, MidiError::DrumTrack { index: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("(\"Kit\") is a drum track"),
        "{err}"
    );

    let err = melody(&mt, Melody::Track(2)).unwrap_err();
    assert!(
        matches!(err, MidiError::SilentTrack { index: 2, .. }),
        "{err:?}"
    );

    let drums_only = Multitrack::new(4, 100.0, vec![drums, silent.clone()]);
    let err = melody(&drums_only, Melody::Auto).unwrap_err();
    assert!(matches!(err, MidiError::DrumsOnly), "{err:?}");
    assert!(err.to_string().starts_with("drums only"), "{err}");

    let nothing = Multitrack::new(4, 100.0, vec![silent]);
    let err = melody(&nothing, Melody::Auto).unwrap_err();
    assert!(matches!(err, MidiError::NoNotes), "{err:?}");
}
