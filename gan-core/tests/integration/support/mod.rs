//! Hand-built rolls and batches, and NaN-aware comparisons, shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use gan_core::roll::N_PITCHES;
use ndarray::{Array2, Array4};

/// A silent batch in the lab layout: `(samples, steps, 128, tracks)` filled with -1.
pub fn silent(samples: usize, steps: usize, tracks: usize) -> Array4<f32> {
    Array4::from_elem((samples, steps, N_PITCHES, tracks), -1.0)
}

/// Turns on `pitch` of `track` in `sample` for the steps `start..start + len`.
pub fn note(
    batch: &mut Array4<f32>,
    sample: usize,
    track: usize,
    pitch: usize,
    start: usize,
    len: usize,
) {
    for t in start..start + len {
        batch[[sample, t, pitch, track]] = 1.0;
    }
}

/// Asserts that `actual` equals `expected` within 1e-12, NaN matching NaN.
pub fn assert_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        let same = (a.is_nan() && e.is_nan()) || (a - e).abs() < 1e-12;
        assert!(same, "{actual:?} vs {expected:?}");
    }
}

/// A roll of `steps` steps with the notes (pitch, first step, end step, velocity).
pub fn roll(steps: usize, notes: &[(usize, usize, usize, u8)]) -> Array2<u8> {
    let mut out = Array2::zeros((steps, N_PITCHES));
    for &(pitch, start, end, vel) in notes {
        for t in start..end {
            out[[t, pitch]] = vel;
        }
    }
    out
}

/// The Python to run: `$GAN_PYTHON`, else `.venv/bin/python` in the repository root.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GAN_PYTHON") {
        return PathBuf::from(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let venv = root.join(".venv").join("bin").join("python");
    assert!(
        venv.exists(),
        "no Python environment at {}: run `bash scripts/setup_python.sh` in the repository root \
         (or set GAN_PYTHON to a Python with pretty_midi)",
        venv.display()
    );
    venv
}

/// What pretty_midi reads from each of `files`: `scripts/check_pretty_midi.py`'s JSON report
/// (one entry per file: instruments with name, program, is_drum and notes).
pub fn pretty_midi_report(files: &[PathBuf]) -> serde_json::Value {
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check_pretty_midi.py");
    let output = Command::new(&python)
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run {}: {e}; run `bash scripts/setup_python.sh`",
                python.display()
            )
        });
    assert!(
        output.status.success(),
        "{} failed (run `bash scripts/setup_python.sh`?):\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
