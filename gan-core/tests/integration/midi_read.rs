//! Reading hand-built MIDI bytes: formats, timing, pairing, the grid, and every kind of bad input.

use crate::support::roll;
use gan_core::error::Error;
use gan_core::midi::{
    melody, read_midi, read_midi_file, Melody, MidiError, MAX_FILE_BYTES, MAX_STEPS, MAX_TRACKS,
};

/// A MIDI variable-length quantity.
fn vlq(mut value: u32) -> Vec<u8> {
    let mut out = vec![(value & 0x7f) as u8];
    value >>= 7;
    while value > 0 {
        out.insert(0, (value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out
}

/// A chunk: its id, big-endian length and data.
fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(data);
    out
}

/// A whole file: header (format, time division) and one chunk per track.
fn smf(format: u16, division: [u8; 2], tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut header = format.to_be_bytes().to_vec();
    header.extend((tracks.len() as u16).to_be_bytes());
    header.extend(division);
    let mut out = chunk(b"MThd", &header);
    for t in tracks {
        out.extend(chunk(b"MTrk", t));
    }
    out
}

/// A time division of `ppq` ticks per beat.
fn ppq(ticks: u16) -> [u8; 2] {
    ticks.to_be_bytes()
}

/// Track data from (delta ticks, raw event bytes), then end-of-track after `end_delta` ticks.
fn track(events: &[(u32, &[u8])], end_delta: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for (delta, bytes) in events {
        out.extend(vlq(*delta));
        out.extend(*bytes);
    }
    out.extend(vlq(end_delta));
    out.extend([0xff, 0x2f, 0x00]);
    out
}

/// A track-name meta event.
fn name_event(name: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0x03, name.len() as u8];
    out.extend(name.as_bytes());
    out
}

/// A type-0 file at 96 ticks per beat (24 ticks per 16th): notes, running status, note-on 0.
fn simple_file() -> Vec<u8> {
    let name = name_event("Lead");
    let events: Vec<(u32, &[u8])> = vec![
        (0, &name),
        (0, &[0xc0, 5]),      // program 5 on channel 0
        (0, &[0x90, 60, 80]), // C4 on
        (96, &[0x80, 60, 0]), // C4 off after a beat
        (0, &[0x90, 64, 90]), // E4 on
        (96, &[64, 0]),       // running status: note-on velocity 0 = off
        (0, &[67, 70]),       // running status: G4 on
        (48, &[0x90, 67, 0]), // G4 off after half a beat
    ];
    smf(0, ppq(96), &[track(&events, 0)])
}

#[test]
fn type0_file_reads_onto_the_grid() {
    let mt = read_midi(&simple_file(), 4).unwrap();
    assert_eq!(mt.resolution, 4);
    assert_eq!(mt.tempo_bpm, 120.0, "no tempo event means 120 bpm");
    assert_eq!(mt.tracks.len(), 1);
    let t = &mt.tracks[0];
    assert_eq!((t.name.as_str(), t.program, t.is_drum), ("Lead", 5, false));
    assert_eq!(
        t.pianoroll,
        roll(10, &[(60, 0, 4, 80), (64, 4, 8, 90), (67, 8, 10, 70)])
    );
    // At 12 steps per beat every note is 3 times longer.
    let fine = read_midi(&simple_file(), 12).unwrap();
    assert_eq!(
        fine.tracks[0].pianoroll,
        roll(30, &[(60, 0, 12, 80), (64, 12, 24, 90), (67, 24, 30, 70)])
    );
}

#[test]
fn last_step_is_kept_and_a_repeated_note_is_not_blanked() {
    let events: Vec<(u32, &[u8])> = vec![
        (0, &[0x90, 60, 70]),
        (96, &[0x80, 60, 0]),
        (0, &[0x90, 60, 90]), // the same pitch again at once
        (96, &[0x80, 60, 0]),
    ];
    let mt = read_midi(&smf(0, ppq(96), &[track(&events, 0)]), 4).unwrap();
    assert_eq!(mt.len(), 8, "the roll ends at the last note's end step");
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(8, &[(60, 0, 4, 70), (60, 4, 8, 90)])
    );
}

#[test]
fn overlapping_notes_of_one_pitch_pair_first_in_first_out() {
    // Two C4s overlap: on at beats 0 and 1, off at beats 2 and 3. First-in first-out pairing
    // gives [0, 2) at 50 and [1, 3) at 90; last-in first-out would leave velocity 50 at the end.
    let events: Vec<(u32, &[u8])> = vec![
        (0, &[0x90, 60, 50]),
        (96, &[0x90, 60, 90]),
        (96, &[0x80, 60, 0]),
        (96, &[0x80, 60, 0]),
    ];
    let mt = read_midi(&smf(0, ppq(96), &[track(&events, 0)]), 4).unwrap();
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(12, &[(60, 0, 4, 50), (60, 4, 12, 90)])
    );
}

#[test]
fn stacked_notes_of_one_pitch_keep_the_loudest_at_each_step() {
    // One tick per step. FIFO pairing gives A [0, 4) at 30, B [2, 6) at 90, C [3, 10) at 60,
    // then D [12, 13) at 50 after a gap.
    let events: Vec<(u32, &[u8])> = vec![
        (0, &[0x90, 60, 30]),
        (2, &[0x90, 60, 90]),
        (1, &[0x90, 60, 60]),
        (1, &[0x80, 60, 0]),
        (2, &[0x80, 60, 0]),
        (4, &[0x80, 60, 0]),
        (2, &[0x90, 60, 50]),
        (1, &[0x80, 60, 0]),
    ];
    let mt = read_midi(&smf(0, ppq(4), &[track(&events, 0)]), 4).unwrap();
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(
            13,
            &[
                (60, 0, 2, 30),
                (60, 2, 6, 90),
                (60, 6, 10, 60),
                (60, 12, 13, 50)
            ]
        )
    );
}

#[test]
fn notes_left_open_end_with_their_track() {
    let events: Vec<(u32, &[u8])> = vec![
        (0, &[0x90, 60, 100]),
        (48, &[0x80, 61, 0]),    // a stray note-off is ignored
        (144, &[0x90, 72, 100]), // opened at the very end: still one step
    ];
    let mt = read_midi(&smf(0, ppq(96), &[track(&events, 0)]), 4).unwrap();
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(9, &[(60, 0, 8, 100), (72, 8, 9, 100)])
    );
}

#[test]
fn onsets_and_releases_round_to_the_nearest_step_at_least_one_step() {
    // 24 ticks per step: tick 11 -> 0.46 -> 0, 12 -> 0.5 -> 1 (halves up), 13 -> 0.54 -> 1,
    // 35 -> 1.46 -> 1, 84 -> 3.5 -> 4.
    let events: Vec<(u32, &[u8])> = vec![
        (11, &[0x90, 60, 100]),
        (1, &[0x90, 62, 100]),
        (1, &[0x80, 60, 0]),
        (0, &[0x80, 62, 0]), // rounds to [1, 1): kept as one step
        (22, &[0x90, 64, 100]),
        (49, &[0x80, 64, 0]),
    ];
    let mt = read_midi(&smf(0, ppq(96), &[track(&events, 0)]), 4).unwrap();
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(4, &[(60, 0, 1, 100), (62, 1, 2, 100), (64, 1, 4, 100)])
    );
}

#[test]
fn tempo_changes_do_not_move_the_grid_and_the_first_tempo_is_kept() {
    let conductor = track(
        &[
            (0, &[0xff, 0x51, 3, 0x09, 0x27, 0xc0]), // 600000 us per beat: 100 bpm
            (96, &[0xff, 0x51, 3, 0x0f, 0x42, 0x40]), // 1000000 us per beat: 60 bpm
        ],
        0,
    );
    let notes = track(
        &[
            (0, &[0x90, 60, 100]),
            (96, &[0x80, 60, 0]),
            (0, &[0x90, 62, 100]),
            (96, &[0x80, 62, 0]),
        ],
        0,
    );
    let mt = read_midi(&smf(1, ppq(96), &[conductor, notes]), 4).unwrap();
    assert_eq!(mt.tempo_bpm, 100.0);
    assert_eq!(mt.tracks.len(), 1, "the conductor track has no notes");
    assert_eq!(
        mt.tracks[0].pianoroll,
        roll(8, &[(60, 0, 4, 100), (62, 4, 8, 100)])
    );
}

#[test]
fn one_track_per_midi_track_and_channel_with_names_programs_and_drums() {
    let conductor = track(&[(0, &[0xff, 0x51, 3, 0x07, 0xa1, 0x20])], 0); // 120 bpm
    let piano = name_event("Piano");
    let first: Vec<(u32, &[u8])> = vec![
        (0, &piano),
        (0, &[0xc0, 10]),      // program 10 on channel 0 ...
        (0, &[0x99, 36, 100]), // a kick on the drum channel
        (0, &[0x90, 60, 80]),
        (0, &[0xc0, 20]), // ... a later change does not rename the track's program
        (4, &[0x89, 36, 0]),
        (4, &[0x80, 60, 0]),
    ];
    let second: Vec<(u32, &[u8])> =
        vec![(0, &[0xc3, 33]), (0, &[0x93, 40, 60]), (8, &[0x83, 40, 0])];
    let bytes = smf(1, ppq(8), &[conductor, track(&first, 0), track(&second, 0)]);
    let mt = read_midi(&bytes, 4).unwrap();
    let described: Vec<(&str, u8, bool)> = mt
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.program, t.is_drum))
        .collect();
    assert_eq!(
        described,
        [
            ("Piano", 10, false),
            ("Piano", 0, true),
            ("Track 3", 33, false)
        ]
    );
    assert_eq!(mt.tracks[0].pianoroll, roll(4, &[(60, 0, 4, 80)]));
    assert_eq!(mt.tracks[1].pianoroll, roll(4, &[(36, 0, 2, 100)]));
    assert_eq!(mt.tracks[2].pianoroll, roll(4, &[(40, 0, 4, 60)]));
}

#[test]
fn type2_tracks_play_one_after_another() {
    let first = track(&[(0, &[0x90, 60, 100]), (4, &[0x80, 60, 0])], 4);
    let second = track(&[(0, &[0x90, 64, 100]), (4, &[0x80, 64, 0])], 0);
    let mt = read_midi(&smf(2, ppq(4), &[first, second]), 4).unwrap();
    assert_eq!(mt.tracks.len(), 2);
    assert_eq!(mt.tracks[0].pianoroll, roll(12, &[(60, 0, 4, 100)]));
    assert_eq!(mt.tracks[1].pianoroll, roll(12, &[(64, 8, 12, 100)]));
}

#[test]
fn any_ppq_gives_the_same_roll() {
    for ticks in [1u16, 3, 220, 480, 960, 32767] {
        let t = u32::from(ticks);
        let events: Vec<(u32, &[u8])> = vec![(t, &[0x90, 60, 100]), (2 * t, &[0x80, 60, 0])];
        let mt = read_midi(&smf(0, ppq(ticks), &[track(&events, 0)]), 4).unwrap();
        assert_eq!(
            mt.tracks[0].pianoroll,
            roll(12, &[(60, 4, 12, 100)]),
            "{ticks} ticks per beat"
        );
    }
}

#[test]
fn smpte_timing_is_read_at_120_bpm() {
    // 25 fps x 40 ticks per frame = 1000 ticks a second = 500 ticks a beat at 120 bpm.
    let events: Vec<(u32, &[u8])> = vec![
        (0, &[0xff, 0x51, 3, 0x09, 0x27, 0xc0]), // a tempo event does not change SMPTE time
        (500, &[0x90, 60, 100]),
        (500, &[0x80, 60, 0]),
    ];
    let division = [(-25i8) as u8, 40];
    let mt = read_midi(&smf(0, division, &[track(&events, 0)]), 4).unwrap();
    assert_eq!(mt.tempo_bpm, 120.0);
    assert_eq!(mt.tracks[0].pianoroll, roll(8, &[(60, 4, 8, 100)]));
    // 29.97 fps (30000/1001) x 100 ticks per frame: about 1498.5 ticks a beat, so tick 1499 is
    // step 4.001 -> 4 and tick 2997 is step 7.99999 -> 8.
    let events: Vec<(u32, &[u8])> = vec![(1499, &[0x90, 60, 100]), (1498, &[0x80, 60, 0])];
    let division = [(-29i8) as u8, 100];
    let mt = read_midi(&smf(0, division, &[track(&events, 0)]), 4).unwrap();
    assert_eq!(mt.tracks[0].pianoroll, roll(8, &[(60, 4, 8, 100)]));
}

/// The error of reading `bytes` at 4 steps per beat.
fn read_error(bytes: &[u8]) -> MidiError {
    match read_midi(bytes, 4) {
        Ok(mt) => panic!("expected an error, read {} tracks", mt.tracks.len()),
        Err(e) => e,
    }
}

#[test]
fn data_that_is_not_midi_is_refused() {
    for bytes in [&b""[..], b"MTh", b"hello, this is not a MIDI file"] {
        let err = read_error(bytes);
        assert!(matches!(err, MidiError::NotMidi), "{err:?}");
        assert!(err.to_string().contains("not a MIDI file"), "{err}");
    }
}

#[test]
fn truncated_files_are_refused_with_what_is_missing() {
    let full = simple_file();
    assert!(read_midi(&full, 4).is_ok());
    let cases = [
        (4, "the header chunk needs 14 bytes, the data has 4"),
        (13, "the header chunk needs 14 bytes, the data has 13"),
        (14, "the header declares 1 tracks, the data holds 0"),
        (20, "a chunk header is cut short (6 of its 8 bytes)"),
        (
            full.len() - 1,
            &*format!(
                "declares {} bytes, only {} remain",
                full.len() - 22,
                full.len() - 23
            ),
        ),
    ];
    for (cut, says) in cases {
        let err = read_error(&full[..cut]);
        assert!(
            matches!(err, MidiError::Truncated(_)),
            "cut at {cut}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with("truncated MIDI file") && msg.contains(says),
            "{msg}"
        );
    }
    // A header that promises two tracks when one is there.
    let mut missing = full.clone();
    missing[11] = 2;
    let msg = read_error(&missing).to_string();
    assert!(msg.contains("declares 2 tracks, the data holds 1"), "{msg}");
}

#[test]
fn a_corrupt_event_is_refused() {
    // A data byte with no status byte before it and no running status.
    let bad = vec![0x00, 0x3c, 0x40, 0x00, 0xff, 0x2f, 0x00];
    let err = read_error(&smf(0, ppq(96), &[bad]));
    assert!(matches!(err, MidiError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("track 0: corrupt"), "{err}");
}

#[test]
fn a_zero_time_division_is_refused() {
    let events: Vec<(u32, &[u8])> = vec![(0, &[0x90, 60, 100]), (1, &[0x80, 60, 0])];
    let err = read_error(&smf(0, ppq(0), &[track(&events, 0)]));
    assert!(matches!(err, MidiError::ZeroDivision(_)), "{err:?}");
    assert!(err.to_string().contains("0 ticks per beat"), "{err}");
    let err = read_error(&smf(0, [(-25i8) as u8, 0], &[track(&events, 0)]));
    assert!(err.to_string().contains("0 ticks per SMPTE frame"), "{err}");
}

#[test]
fn zero_steps_per_beat_is_refused() {
    let err = read_midi(&simple_file(), 0).unwrap_err();
    assert!(matches!(err, MidiError::ZeroStepsPerBeat), "{err:?}");
}

#[test]
fn a_file_without_notes_is_refused() {
    let conductor = track(&[(0, &[0xff, 0x51, 3, 0x07, 0xa1, 0x20])], 96);
    let offs_only = track(&[(0, &[0x80, 60, 0])], 0);
    let err = read_error(&smf(1, ppq(96), &[conductor, offs_only]));
    assert!(matches!(err, MidiError::NoNotes), "{err:?}");
    assert!(err.to_string().contains("no notes"), "{err}");
}

#[test]
fn a_drums_only_file_reads_but_has_no_melody() {
    let events: Vec<(u32, &[u8])> = vec![(0, &[0x99, 36, 100]), (4, &[0x89, 36, 0])];
    let mt = read_midi(&smf(0, ppq(4), &[track(&events, 0)]), 4).unwrap();
    assert!(mt.tracks[0].is_drum);
    let err = melody(&mt, Melody::Auto).unwrap_err();
    assert!(matches!(err, MidiError::DrumsOnly), "{err:?}");
    assert!(err.to_string().contains("drums only"), "{err}");
}

#[test]
fn an_absurd_length_is_refused_naming_the_limit() {
    // At 1 tick per beat, a note held for 2^28 - 1 ticks is over a billion steps.
    let long = vlq(0x0fff_ffff);
    let mut data = vec![0x00, 0x90, 60, 100];
    data.extend(long);
    data.extend([0x80, 60, 0, 0x00, 0xff, 0x2f, 0x00]);
    let err = read_error(&smf(0, ppq(1), &[data]));
    assert!(
        matches!(err, MidiError::TooLong { steps, .. } if steps == 4 * 0x0fff_ffff),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("MAX_STEPS = {MAX_STEPS} steps")),
        "{err}"
    );
    // A huge grid is capped the same way, with no overflow.
    let err = read_midi(&simple_file(), usize::MAX).unwrap_err();
    assert!(matches!(err, MidiError::TooLong { .. }), "{err:?}");
}

#[test]
fn too_much_data_is_refused_naming_the_limit() {
    let big = vec![0u8; MAX_FILE_BYTES + 1];
    let err = read_error(&big);
    assert!(matches!(err, MidiError::TooBig { .. }), "{err:?}");
    assert!(err.to_string().contains("MAX_FILE_BYTES"), "{err}");
}

#[test]
fn too_many_tracks_are_refused_naming_the_limit() {
    let one = track(&[(0, &[0x90, 60, 100]), (1, &[0x80, 60, 0])], 0);
    let tracks = vec![one; MAX_TRACKS + 1];
    let err = read_error(&smf(1, ppq(4), &tracks));
    assert!(
        matches!(err, MidiError::TooManyTracks { tracks, .. } if tracks == MAX_TRACKS + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("MAX_TRACKS = 64"), "{err}");
}

/// A fresh scratch directory for this test.
fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn file_errors_name_the_file() {
    let dir = scratch_dir("midi_read_file_errors");
    let good = dir.join("good.mid");
    std::fs::write(&good, simple_file()).unwrap();
    assert_eq!(
        read_midi_file(&good, 4).unwrap(),
        read_midi(&simple_file(), 4).unwrap()
    );

    let bad = dir.join("notes.txt");
    std::fs::write(&bad, "C D E F G").unwrap();
    let err = read_midi_file(&bad, 4).unwrap_err();
    match &err {
        Error::Midi(e) => assert!(matches!(e.root(), MidiError::NotMidi), "{e:?}"),
        other => panic!("expected a MIDI error, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("notes.txt") && msg.contains("not a MIDI file"),
        "{msg}"
    );

    let huge = dir.join("huge.mid");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(MAX_FILE_BYTES as u64 + 1).unwrap();
    let msg = read_midi_file(&huge, 4).unwrap_err().to_string();
    assert!(
        msg.contains("huge.mid") && msg.contains("MAX_FILE_BYTES"),
        "{msg}"
    );

    let missing = dir.join("missing.mid");
    let err = read_midi_file(&missing, 4).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.mid"), "{err}");
}

/// A marker meta event with `text`.
fn marker_event(text: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0x06, text.len() as u8];
    out.extend(text.as_bytes());
    out
}

#[test]
fn phrase_end_markers_are_read_on_any_track_in_any_case() {
    // A conductor with markers at 1 and 2 beats and 2.1 beats, other markers and texts ignored;
    // a note track with its own marker at 2.5 beats and a marker past the last note.
    let (a, b, c) = (
        marker_event("phrase end"),
        marker_event("  Phrase End "),
        marker_event("PHRASE END"),
    );
    let (other, cue) = (marker_event("verse 2"), vec![0xff, 0x07, 10]);
    let mut cue = cue;
    cue.extend(b"phrase end");
    let conductor: Vec<(u32, &[u8])> = vec![(96, &a), (0, &other), (96, &b), (10, &c), (0, &cue)];
    let (late, inside) = (marker_event("phrase end"), marker_event("phrase end"));
    let notes: Vec<(u32, &[u8])> = vec![
        (0, &[0x90, 60, 80]),
        (240, &inside),
        (144, &[0x80, 60, 0]),
        (96, &late),
    ];
    let bytes = smf(1, ppq(96), &[track(&conductor, 0), track(&notes, 0)]);
    let mt = read_midi(&bytes, 4).unwrap();
    // Steps: 96 ticks -> 4, 192 -> 8, 202 -> 8 (rounded, merged), 240 -> 10; 480 is past 16.
    assert_eq!(mt.len(), 16);
    assert_eq!(mt.phrase_ends, [4, 8, 10]);
    // A file without markers has none.
    assert!(read_midi(&simple_file(), 4).unwrap().phrase_ends.is_empty());
}
