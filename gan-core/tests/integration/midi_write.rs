//! Writing multitracks as MIDI: the file layout, round trips through our reader, and refusals.

use crate::support::roll;
use gan_core::error::Error;
use gan_core::midi::{
    read_midi, read_midi_file, read_voices_file, write_midi, write_midi_file, MidiError,
};
use gan_core::roll::{Multitrack, Track};
use midly::{Format, MetaMessage, Smf, Timing, TrackEventKind};

/// Four voices at 4 steps per beat: notes touch the last step, a pitch repeats after one silent
/// step, a velocity changes under a held pitch, and two voices share a pitch.
fn chorale() -> Multitrack {
    let steps = 16;
    Multitrack::new(
        4,
        100.0,
        vec![
            Track::new(
                "Soprano",
                0,
                roll(steps, &[(72, 0, 4, 100), (72, 5, 9, 100), (74, 9, 16, 90)]),
            ),
            Track::new("Alto", 0, roll(steps, &[(67, 0, 8, 80), (67, 8, 16, 110)])),
            Track::new(
                "Tenor",
                0,
                roll(steps, &[(64, 0, 1, 100), (64, 2, 3, 100), (67, 15, 16, 1)]),
            ),
            Track::new("Bass", 0, roll(steps, &[(48, 0, 15, 127), (60, 3, 6, 60)])),
        ],
    )
}

/// A drum track, a program and a finer grid.
fn band() -> Multitrack {
    let mut drums = Track::new(
        "Drums",
        0,
        roll(48, &[(36, 0, 1, 120), (38, 24, 25, 100), (42, 47, 48, 70)]),
    );
    drums.is_drum = true;
    Multitrack::new(
        24,
        120.0,
        vec![
            Track::new(
                "Strings",
                48,
                roll(48, &[(55, 1, 47, 64), (59, 23, 24, 64)]),
            ),
            drums,
            Track::new("Flute", 73, roll(48, &[(84, 0, 48, 100)])),
        ],
    )
}

/// One step per beat, single-step notes at both ends.
fn sparse() -> Multitrack {
    Multitrack::new(
        1,
        75.0,
        vec![Track::new(
            "Bell",
            14,
            roll(5, &[(0, 0, 1, 1), (127, 4, 5, 127)]),
        )],
    )
}

#[test]
fn written_rolls_read_back_identically() {
    for mt in [chorale(), band(), sparse()] {
        let bytes = write_midi(&mt).unwrap();
        let back = read_midi(&bytes, mt.resolution).unwrap();
        assert_eq!(back, mt, "resolution {}", mt.resolution);
    }
}

#[test]
fn an_upbeat_is_a_bar_of_its_own_and_reads_back() {
    // (pickup steps, the pickup bar's signature (numerator, denominator power, clocks), ticks)
    for (pickup, signature, ticks) in [
        (4, (1, 2, 24), 480),
        (12, (3, 2, 24), 1440),
        (2, (2, 4, 6), 240),
    ] {
        let bytes = write_midi(&chorale().with_pickup(pickup)).unwrap();
        let smf = Smf::parse(&bytes).unwrap();
        let mut tick = 0;
        let mut signatures = Vec::new();
        for event in &smf.tracks[0] {
            tick += event.delta.as_int();
            if let TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, c, _)) = event.kind {
                signatures.push((tick, (n, d, c)));
            }
        }
        assert_eq!(signatures, vec![(0, signature), (ticks, (4, 2, 24))]);
        let back = read_midi(&bytes, 4).unwrap();
        assert_eq!(back.pickup_steps, pickup);
        assert_eq!(
            back.tracks,
            read_midi(&write_midi(&chorale()).unwrap(), 4)
                .unwrap()
                .tracks
        );
    }
    // Without an upbeat: 4/4 from the start, and nothing read back.
    let plain = write_midi(&chorale()).unwrap();
    assert_eq!(read_midi(&plain, 4).unwrap().pickup_steps, 0);
    // A cut keeps the barlines where they were.
    let cut = chorale().with_pickup(4).slice_steps(6, 16);
    assert_eq!(cut.pickup_steps, 14);
    // A whole bar or more is no upbeat.
    assert!(matches!(
        write_midi(&chorale().with_pickup(16)),
        Err(MidiError::Pickup { steps: 16, bar: 16 })
    ));
}

#[test]
fn the_file_is_type_1_at_480_ppq_with_a_conductor_track() {
    let bytes = write_midi(&chorale()).unwrap();
    let smf = Smf::parse(&bytes).unwrap();
    assert_eq!(smf.header.format, Format::Parallel);
    assert_eq!(smf.header.timing, Timing::Metrical(480.into()));
    assert_eq!(smf.tracks.len(), 5);
    let conductor: Vec<_> = smf.tracks[0].iter().map(|e| e.kind).collect();
    assert!(conductor.contains(&TrackEventKind::Meta(MetaMessage::Tempo(600_000.into()))));
    assert!(
        conductor.contains(&TrackEventKind::Meta(MetaMessage::TimeSignature(
            4, 2, 24, 8
        )))
    );
    // Every track ends at the 16th step: 16 x 120 ticks.
    for track in &smf.tracks {
        let end: u32 = track.iter().map(|e| e.delta.as_int()).sum();
        assert_eq!(end, 16 * 120);
        assert_eq!(
            track.last().map(|e| e.kind),
            Some(TrackEventKind::Meta(MetaMessage::EndOfTrack))
        );
    }
    // The soprano's repeated C5 is two notes: on at 0, off at 480, on at 600, off at 1080.
    let mut tick = 0;
    let mut c5 = Vec::new();
    for e in &smf.tracks[1] {
        tick += e.delta.as_int();
        if let TrackEventKind::Midi { message, .. } = e.kind {
            match message {
                midly::MidiMessage::NoteOn { key, vel } if key.as_int() == 72 => {
                    c5.push((tick, vel.as_int()))
                }
                midly::MidiMessage::NoteOff { key, .. } if key.as_int() == 72 => c5.push((tick, 0)),
                _ => {}
            }
        }
    }
    assert_eq!(c5, [(0, 100), (480, 0), (600, 100), (1080, 0)]);
}

/// The channels of the note events of each written track after the conductor.
fn channels(mt: &Multitrack) -> Vec<u8> {
    let bytes = write_midi(mt).unwrap();
    let smf = Smf::parse(&bytes).unwrap();
    smf.tracks[1..]
        .iter()
        .map(|t| {
            let mut chans = t.iter().filter_map(|e| match e.kind {
                TrackEventKind::Midi { channel, .. } => Some(channel.as_int()),
                _ => None,
            });
            let first = chans.next().unwrap();
            assert!(chans.all(|c| c == first));
            first
        })
        .collect()
}

#[test]
fn non_drum_tracks_take_channels_in_turn_skipping_the_drum_channel() {
    assert_eq!(channels(&band()), [0, 9, 1]);
    let many: Vec<Track> = (0..17)
        .map(|k| Track::new(format!("T{k}"), 0, roll(1, &[(60, 0, 1, 100)])))
        .collect();
    assert_eq!(
        channels(&Multitrack::new(4, 100.0, many)),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 0, 1]
    );
}

#[test]
fn velocities_over_127_are_written_as_127() {
    let mt = Multitrack::new(
        4,
        100.0,
        vec![Track::new("Loud", 0, roll(4, &[(60, 0, 4, 200)]))],
    );
    let back = read_midi(&write_midi(&mt).unwrap(), 4).unwrap();
    assert_eq!(back.tracks[0].pianoroll, roll(4, &[(60, 0, 4, 127)]));
}

#[test]
fn trailing_silence_is_not_kept() {
    let mt = Multitrack::new(
        4,
        100.0,
        vec![Track::new("Short", 0, roll(8, &[(60, 0, 3, 100)]))],
    );
    let back = read_midi(&write_midi(&mt).unwrap(), 4).unwrap();
    assert_eq!(back, mt.with_len(3));
}

#[test]
fn a_resolution_that_does_not_divide_480_is_refused() {
    for resolution in [0, 7, 960] {
        let mut mt = sparse();
        mt.resolution = resolution;
        let err = write_midi(&mt).unwrap_err();
        assert!(
            matches!(err, MidiError::Resolution(r) if r == resolution),
            "{err:?}"
        );
        assert!(err.to_string().contains("must divide 480"), "{err}");
    }
}

#[test]
fn a_tempo_midi_cannot_store_is_refused() {
    for bpm in [0.0, -100.0, f64::NAN, f64::INFINITY, 3.0, 1e9] {
        let mut mt = sparse();
        mt.tempo_bpm = bpm;
        let err = write_midi(&mt).unwrap_err();
        assert!(matches!(err, MidiError::Tempo(_)), "{bpm}: {err:?}");
    }
    // The extremes that fit: 60000000 bpm is 1 us per beat.
    for bpm in [3.6, 60e6] {
        let mut mt = sparse();
        mt.tempo_bpm = bpm;
        assert!(write_midi(&mt).is_ok(), "{bpm}");
    }
}

#[test]
fn a_program_over_127_is_refused() {
    let mut mt = sparse();
    mt.tracks[0].program = 128;
    let err = write_midi(&mt).unwrap_err();
    assert!(
        err.to_string().contains("\"Bell\" has program 128"),
        "{err}"
    );
}

#[test]
fn files_are_written_and_errors_name_the_file() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("midi_write_files");
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("nested").join("chorale.mid");
    write_midi_file(&path, &chorale()).unwrap();
    assert_eq!(read_midi_file(&path, 4).unwrap(), chorale());

    let mut bad = chorale();
    bad.resolution = 7;
    let err = write_midi_file(dir.join("bad.mid"), &bad).unwrap_err();
    match &err {
        Error::Midi(e) => assert!(matches!(e.root(), MidiError::Resolution(7)), "{e:?}"),
        other => panic!("expected a MIDI error, got {other:?}"),
    }
    assert!(err.to_string().contains("bad.mid"), "{err}");
    assert!(!dir.join("bad.mid").exists());
}

#[test]
fn voices_are_the_melodic_tracks_with_notes() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("midi_voices");
    let path = dir.join("band.mid");
    write_midi_file(&path, &band()).unwrap();
    let voices = read_voices_file(&path, 24, 2).unwrap();
    let names: Vec<_> = voices.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Strings", "Flute"]);
    let err = read_voices_file(&path, 24, 4).unwrap_err();
    match &err {
        Error::Midi(e) => assert!(matches!(
            e.root(),
            MidiError::Voices {
                expected: 4,
                found: 2
            }
        )),
        other => panic!("expected a MIDI error, got {other:?}"),
    }
    assert!(
        err.to_string().contains("band.mid") && err.to_string().contains("expected 4 voices"),
        "{err}"
    );
}

/// The (tick, text) of every marker on the conductor track of `bytes`.
fn markers(bytes: &[u8]) -> Vec<(u32, String)> {
    let smf = Smf::parse(bytes).unwrap();
    let mut tick = 0;
    let mut out = Vec::new();
    for event in &smf.tracks[0] {
        tick += event.delta.as_int();
        if let TrackEventKind::Meta(MetaMessage::Marker(text)) = event.kind {
            out.push((tick, String::from_utf8_lossy(text).into_owned()));
        }
    }
    out
}

#[test]
fn phrase_ends_are_conductor_markers_and_read_back() {
    for pickup in [0, 4] {
        let mt = chorale()
            .with_pickup(pickup)
            .with_phrase_ends(vec![3, 8, 16]);
        let bytes = write_midi(&mt).unwrap();
        let phrase = |tick| (tick, "phrase end".to_string());
        assert_eq!(markers(&bytes), [phrase(360), phrase(960), phrase(1920)]);
        let back = read_midi(&bytes, 4).unwrap();
        assert_eq!(back, mt, "pickup {pickup}");
        // The conductor still ends with the roll, after the last marker.
        let smf = Smf::parse(&bytes).unwrap();
        let end: u32 = smf.tracks[0].iter().map(|e| e.delta.as_int()).sum();
        assert_eq!(end, 16 * 120);
    }
    // On another grid, the markers fall on its steps.
    let fine = band().with_phrase_ends(vec![24, 48]);
    let back = read_midi(&write_midi(&fine).unwrap(), 24).unwrap();
    assert_eq!(back.phrase_ends, [24, 48]);
    // Read on a coarser grid they round like onsets: 24 of 24 per beat is step 4 at 4.
    let coarse = read_midi(&write_midi(&fine).unwrap(), 4).unwrap();
    assert_eq!(coarse.phrase_ends, [4, 8]);
    // Ends past the roll (or at its start) are not written; without ends the file is as before.
    let outside = chorale().with_phrase_ends(vec![0, 17, 40]);
    assert_eq!(
        write_midi(&outside).unwrap(),
        write_midi(&chorale()).unwrap()
    );
    assert!(markers(&write_midi(&chorale()).unwrap()).is_empty());
}
