//! Our "Twinkle Twinkle Little Star": the tune itself, and the committed MIDI file.

use gan_core::midi::{read_midi_file, twinkle_twinkle};

/// Pitch names in C major around C4.
fn pitch(name: &str) -> u8 {
    match name {
        "C" => 60,
        "D" => 62,
        "E" => 64,
        "F" => 65,
        "G" => 67,
        "A" => 69,
        other => panic!("unknown note {other}"),
    }
}

#[test]
fn twinkle_is_the_traditional_tune() {
    let mt = twinkle_twinkle();
    assert_eq!(
        (mt.resolution, mt.tempo_bpm, mt.tracks.len()),
        (4, 100.0, 1)
    );
    let track = &mt.tracks[0];
    assert_eq!(
        (track.name.as_str(), track.program, track.is_drum),
        ("Melody", 0, false)
    );
    assert_eq!(mt.len(), 12 * 16, "12 bars of 4/4");

    // Each phrase: six quarter notes (3 steps on, 1 off) and a half note (8 steps on).
    let a = "C C G G A A G";
    let a2 = "F F E E D D C";
    let b = "G G F F E E D";
    let tune = [a, a2, b, b, a, a2].join(" ");
    let mut expected = Vec::new();
    for (k, name) in tune.split(' ').enumerate() {
        let p = Some(pitch(name));
        if k % 7 == 6 {
            expected.extend([p; 8]);
        } else {
            expected.extend([p, p, p, None]);
        }
    }
    assert_eq!(track.top_line(), expected);
    assert!(track.pianoroll.iter().all(|&v| v == 0 || v == 100));
    assert_eq!(
        track.note_steps(),
        expected.iter().flatten().count(),
        "monophonic"
    );
}

#[test]
fn the_committed_file_reads_back_as_twinkle() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/twinkle_twinkle.mid");
    let read = read_midi_file(&path, 4).unwrap();
    assert_eq!(read, twinkle_twinkle());
}

#[test]
fn the_committed_melodies_read_back_as_their_tunes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/melodies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), gan_core::midi::TUNES.len(), "{files:?}");
    for tune in gan_core::midi::TUNES {
        let path = dir.join(format!("{}.mid", tune.name));
        let (read, want) = (read_midi_file(&path, 4).unwrap(), tune.to_multitrack());
        assert_eq!(read.tracks.len(), 1, "{}", path.display());
        assert_eq!(
            read.tracks[0].notes(),
            want.tracks[0].notes(),
            "{}",
            path.display()
        );
        // MIDI stores microseconds per beat: 90 bpm comes back as 89.99996.
        assert!(
            (read.tempo_bpm - tune.tempo_bpm).abs() < 1e-3,
            "{}",
            read.tempo_bpm
        );
    }
}
