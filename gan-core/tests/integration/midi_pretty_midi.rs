//! Interop: pretty_midi (Python) reads the files our writer makes with the notes we meant.
//!
//! Runs `scripts/check_pretty_midi.py` with the Python at `$GAN_PYTHON`, else the repository's
//! `.venv/bin/python`; `bash scripts/setup_python.sh` creates that environment.

use std::path::{Path, PathBuf};

use gan_core::midi::write_midi_file;
use gan_core::roll::{Multitrack, Track, N_PITCHES};
use ndarray::Array2;
use serde_json::Value;

/// A note: pitch, first step, end step, velocity.
type Note = (usize, usize, usize, u8);

/// One track of a test piece: name, program, drums, notes.
struct Part {
    name: &'static str,
    program: u8,
    is_drum: bool,
    notes: Vec<Note>,
}

/// A test piece: resolution, tempo, steps, parts, phrase ends.
struct Piece {
    resolution: usize,
    tempo_bpm: f64,
    steps: usize,
    parts: Vec<Part>,
    phrase_ends: Vec<usize>,
}

impl Piece {
    /// The piece as a multitrack roll.
    fn multitrack(&self) -> Multitrack {
        let tracks = self
            .parts
            .iter()
            .map(|part| {
                let mut roll = Array2::zeros((self.steps, N_PITCHES));
                for &(pitch, start, end, vel) in &part.notes {
                    for t in start..end {
                        roll[[t, pitch]] = vel;
                    }
                }
                Track {
                    name: part.name.into(),
                    program: part.program,
                    is_drum: part.is_drum,
                    pianoroll: roll,
                }
            })
            .collect();
        Multitrack::new(self.resolution, self.tempo_bpm, tracks)
            .with_phrase_ends(self.phrase_ends.clone())
    }
}

/// A part with no program that is not drums.
fn part(name: &'static str, notes: &[Note]) -> Part {
    Part {
        name,
        program: 0,
        is_drum: false,
        notes: notes.to_vec(),
    }
}

/// The test pieces. No two notes of one pitch in a part touch unless their velocities differ
/// (a roll cannot tell such notes apart), so each listed note is one MIDI note.
fn pieces() -> Vec<Piece> {
    vec![
        Piece {
            resolution: 4,
            tempo_bpm: 100.0,
            steps: 16,
            parts: vec![
                part(
                    "Soprano",
                    &[(72, 0, 4, 100), (72, 5, 9, 100), (74, 9, 16, 90)],
                ),
                part("Alto", &[(67, 0, 8, 80), (67, 8, 16, 110)]),
                part(
                    "Tenor",
                    &[(64, 0, 1, 100), (64, 2, 3, 100), (67, 15, 16, 1)],
                ),
                part("Bass", &[(48, 0, 15, 127), (60, 3, 6, 60)]),
            ],
            phrase_ends: vec![9, 16],
        },
        Piece {
            resolution: 24,
            tempo_bpm: 120.0,
            steps: 48,
            parts: vec![
                Part {
                    name: "Strings",
                    program: 48,
                    is_drum: false,
                    notes: vec![(55, 1, 47, 64), (59, 23, 24, 64)],
                },
                Part {
                    name: "Drums",
                    program: 0,
                    is_drum: true,
                    notes: vec![(36, 0, 1, 120), (38, 24, 25, 100), (42, 47, 48, 70)],
                },
            ],
            phrase_ends: vec![24],
        },
        Piece {
            resolution: 1,
            tempo_bpm: 75.0,
            steps: 5,
            parts: vec![part("Bell", &[(0, 0, 1, 1), (127, 4, 5, 127)])],
            phrase_ends: vec![],
        },
    ]
}

/// The test pieces carry phrase ends, written as markers: pretty_midi reads the notes as
/// before, and the markers (read with mido) fall at the phrase ends' times.
#[test]
fn pretty_midi_reads_the_notes_we_wrote() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("midi_pretty_midi");
    let _ = std::fs::remove_dir_all(&dir);
    let pieces = pieces();
    let files: Vec<PathBuf> = (0..pieces.len())
        .map(|k| dir.join(format!("piece{k}.mid")))
        .collect();
    for (piece, file) in pieces.iter().zip(&files) {
        write_midi_file(file, &piece.multitrack()).unwrap();
    }

    let report: Value = crate::support::pretty_midi_report(&files);

    for (k, piece) in pieces.iter().enumerate() {
        let step_seconds = 60.0 / piece.tempo_bpm / piece.resolution as f64;
        let markers = report[k]["markers"].as_array().unwrap();
        assert_eq!(
            markers.len(),
            piece.phrase_ends.len(),
            "piece {k}: {markers:?}"
        );
        for (marker, &end) in markers.iter().zip(&piece.phrase_ends) {
            assert_eq!(marker["text"], "phrase end", "piece {k}");
            let time = marker["time"].as_f64().unwrap();
            assert!((time - end as f64 * step_seconds).abs() < 1e-6, "{marker}");
        }
        let instruments = report[k]["instruments"].as_array().unwrap();
        assert_eq!(instruments.len(), piece.parts.len(), "piece {k}");
        for (inst, part) in instruments.iter().zip(&piece.parts) {
            assert_eq!(inst["name"], part.name, "piece {k}");
            assert_eq!(inst["program"], part.program, "{}", part.name);
            assert_eq!(inst["is_drum"], part.is_drum, "{}", part.name);
            let mut expected = part.notes.clone();
            expected.sort_by_key(|&(pitch, start, _, _)| (start, pitch));
            let got = inst["notes"].as_array().unwrap();
            assert_eq!(got.len(), expected.len(), "{}: {got:?}", part.name);
            for (note, &(pitch, start, end, vel)) in got.iter().zip(&expected) {
                let what = format!("{} note {pitch} from step {start}: {note}", part.name);
                assert_eq!(note["pitch"], pitch, "{what}");
                assert_eq!(note["velocity"], vel, "{what}");
                let seconds = |key: &str| note[key].as_f64().unwrap();
                assert!(
                    (seconds("start") - start as f64 * step_seconds).abs() < 1e-6,
                    "{what}"
                );
                assert!(
                    (seconds("end") - end as f64 * step_seconds).abs() < 1e-6,
                    "{what}"
                );
            }
        }
    }
}
