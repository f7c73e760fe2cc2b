//! Rendering rolls with the built-in synthesizer: pitch, length, silence, clicks and clipping.

use gan_core::audio::{render_samples, wav_bytes, write_wav, AudioError, SynthConfig};
use gan_core::roll::{Multitrack, Track};

/// A track of `steps` steps with the given (pitch, start, end, velocity) notes.
fn track(steps: usize, notes: &[(usize, usize, usize, u8)]) -> Track {
    Track::new("voice", 0, crate::support::roll(steps, notes))
}

fn roll_of(tracks: Vec<Track>) -> Multitrack {
    Multitrack::new(4, 100.0, tracks)
}

/// The four voices of a two-bar progression (C, F, G, C chords), each voice one note per beat.
fn chorale() -> Multitrack {
    let chords = [
        [72, 67, 64, 48],
        [72, 69, 65, 53],
        [71, 67, 62, 55],
        [72, 67, 64, 48],
    ];
    let tracks = (0..4)
        .map(|v| {
            let notes: Vec<_> = (0..8)
                .map(|beat| (chords[beat / 2][v], 4 * beat, 4 * beat + 4, 100))
                .collect();
            track(32, &notes)
        })
        .collect();
    roll_of(tracks)
}

/// Magnitude of the Hann-windowed signal's DTFT at `freq`, by Goertzel's recurrence.
fn magnitude(signal: &[f32], freq: f64, sample_rate: f64) -> f64 {
    let n = signal.len() as f64;
    let w = 2.0 * std::f64::consts::PI * freq / sample_rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &x) in signal.iter().enumerate() {
        let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n).cos();
        let s0 = x as f64 * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0).sqrt()
}

/// The frequency in `lo..=hi` (step `step` Hz) where the spectrum is largest.
fn peak_frequency(signal: &[f32], lo: f64, hi: f64, step: f64, sample_rate: f64) -> f64 {
    let count = ((hi - lo) / step).round() as usize;
    (0..=count)
        .map(|i| lo + i as f64 * step)
        .map(|f| (f, magnitude(signal, f, sample_rate)))
        .fold(
            (lo, f64::MIN),
            |best, cur| if cur.1 > best.1 { cur } else { best },
        )
        .0
}

fn expected_len(seconds: f64, config: &SynthConfig) -> usize {
    ((seconds + config.release_seconds) * config.sample_rate as f64).round() as usize
}

#[test]
fn a4_sounds_at_440_hz_and_c4_at_262_hz() {
    let config = SynthConfig::default();
    let sr = config.sample_rate as f64;
    for (pitch, hz) in [(69, 440.0), (60, 261.626)] {
        let samples = render_samples(&roll_of(vec![track(16, &[(pitch, 0, 8, 100)])]), &config)
            .expect("render");
        // 8192 samples (0.19 s) from 0.1 s into the 1.2 s note.
        let chunk = &samples[4410..4410 + 8192];
        let coarse = peak_frequency(chunk, 50.0, 2000.0, 1.0, sr);
        assert!(
            (coarse - hz).abs() <= 1.0,
            "pitch {pitch}: peak at {coarse} Hz"
        );
        let fine = peak_frequency(chunk, hz - 40.0, hz + 40.0, 0.25, sr);
        assert!(
            (fine - hz).abs() <= 0.5,
            "pitch {pitch}: fine peak at {fine} Hz"
        );
    }
}

#[test]
fn silence_renders_as_exact_zeros() {
    let config = SynthConfig::default();
    let silent = roll_of((0..4).map(|_| Track::silent("v", 0, 32)).collect());
    let samples = render_samples(&silent, &config).expect("render");
    assert_eq!(samples.len(), expected_len(4.8, &config));
    assert!(samples.iter().all(|&x| x == 0.0));
}

#[test]
fn drum_tracks_are_not_rendered() {
    let mut drums = track(8, &[(36, 0, 4, 100)]);
    drums.is_drum = true;
    let samples = render_samples(&roll_of(vec![drums]), &SynthConfig::default()).expect("render");
    assert!(samples.iter().all(|&x| x == 0.0));
}

#[test]
fn length_is_roll_duration_plus_release_tail() {
    // 32 steps at 100 bpm and 4 steps per beat: 8 beats of 0.6 s = 4.8 s.
    let config = SynthConfig::default();
    assert_eq!(
        render_samples(&chorale(), &config).unwrap().len(),
        expected_len(4.8, &config)
    );
    // The same roll at 120 bpm lasts 4 s; at 22.05 kHz with a 0.5 s tail.
    let mut fast = chorale();
    fast.tempo_bpm = 120.0;
    let config = SynthConfig {
        sample_rate: 22_050,
        release_seconds: 0.5,
        ..SynthConfig::default()
    };
    let samples = render_samples(&fast, &config).unwrap();
    assert_eq!(samples.len(), 4 * 22_050 + 22_050 / 2);
}

#[test]
fn wav_bytes_parse_back_as_16_bit_mono() {
    let config = SynthConfig::default();
    let roll = chorale();
    let samples = render_samples(&roll, &config).unwrap();
    let bytes = wav_bytes(&roll, &config).unwrap();
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).expect("valid WAV");
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_rate, 44_100);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let ints: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(ints.len(), samples.len());
    for (&i, &x) in ints.iter().zip(&samples).step_by(97) {
        assert!(
            (i as f32 / 32767.0 - x).abs() <= 1.0 / 32767.0,
            "{i} vs {x}"
        );
    }
}

#[test]
fn write_wav_writes_a_readable_file() {
    let dir = std::env::temp_dir().join(format!("gan-core-audio-test-{}", std::process::id()));
    let path = dir.join("chorale.wav");
    write_wav(&path, &chorale(), &SynthConfig::default()).expect("write");
    let reader = hound::WavReader::open(&path).expect("readable");
    assert_eq!(
        reader.len() as usize,
        expected_len(4.8, &SynthConfig::default())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn notes_start_and_end_without_clicks() {
    // A low bass line, whose harmonics move slowly enough that a cut-off note would show as a
    // jump between neighbouring samples far larger than the waveform's own steps.
    let line: Vec<_> = [40, 43, 45, 47, 48, 45, 43, 40]
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, 4 * i, 4 * i + 4, 100))
        .collect();
    let samples =
        render_samples(&roll_of(vec![track(32, &line)]), &SynthConfig::default()).expect("render");
    let peak = samples.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    assert!(peak > 0.1, "peak {peak}");
    // The output starts from exact silence and ramps up slowly (no attack would give ~0.03 peak).
    assert_eq!(samples[0], 0.0);
    assert!(
        samples[..4].iter().all(|x| x.abs() < 0.005 * peak),
        "{:?}",
        &samples[..4]
    );
    // Ending each note abruptly would give jumps of about 0.3 peak here.
    let jump = samples
        .windows(2)
        .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    assert!(jump < 0.1 * peak, "largest jump {jump} with peak {peak}");
    // The tail dies away to silence.
    assert!(samples.last().unwrap().abs() < 1e-4 * peak);
}

#[test]
fn loud_chords_never_reach_full_scale() {
    // Four full-velocity voices, and a dense 8-note chord beyond the headroom.
    let config = SynthConfig::default();
    let loud: Vec<Track> = [48, 60, 64, 67, 72, 76, 79, 84]
        .iter()
        .map(|&p| track(32, &[(p, 0, 32, 127)]))
        .collect();
    for roll in [roll_of(loud[..4].to_vec()), roll_of(loud)] {
        let samples = render_samples(&roll, &config).unwrap();
        assert!(samples.iter().all(|x| x.abs() < 1.0));
        let bytes = wav_bytes(&roll, &config).unwrap();
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert!(reader
            .into_samples::<i16>()
            .all(|s| s.unwrap().unsigned_abs() < 32767));
    }
}

#[test]
fn velocity_scales_amplitude() {
    let config = SynthConfig::default();
    let peak = |velocity| {
        let samples =
            render_samples(&roll_of(vec![track(8, &[(69, 0, 8, velocity)])]), &config).unwrap();
        samples.iter().fold(0.0f32, |m, &x| m.max(x.abs()))
    };
    let ratio = peak(50) / peak(100);
    assert!((ratio - 0.5).abs() < 1e-3, "ratio {ratio}");
}

#[test]
fn bad_tempo_and_settings_are_errors() {
    let mut roll = chorale();
    roll.tempo_bpm = 0.0;
    let err = render_samples(&roll, &SynthConfig::default()).unwrap_err();
    assert!(matches!(err, AudioError::Timing { .. }), "{err}");
    roll.tempo_bpm = 1e-6;
    let err = render_samples(&roll, &SynthConfig::default()).unwrap_err();
    assert!(matches!(err, AudioError::TooLong { .. }), "{err}");
    let config = SynthConfig {
        sample_rate: 0,
        ..SynthConfig::default()
    };
    let err = wav_bytes(&chorale(), &config).unwrap_err();
    assert!(err.to_string().contains("sample_rate"), "{err}");
}

#[test]
fn a_midi_file_renders_to_a_wav_of_its_length() {
    let dir = std::env::temp_dir().join(format!("gan-core-render-midi-{}", std::process::id()));
    let (midi, wav) = (dir.join("twinkle.mid"), dir.join("twinkle.wav"));
    let tune = gan_core::midi::twinkle_twinkle();
    gan_core::midi::write_midi_file(&midi, &tune).unwrap();
    let config = gan_core::audio::SynthConfig::default();
    gan_core::audio::render_midi_file(&midi, &wav, &config).unwrap();
    let reader = hound::WavReader::open(&wav).unwrap();
    let seconds = reader.duration() as f64 / reader.spec().sample_rate as f64;
    let expected = tune.duration_seconds() + config.release_seconds;
    assert!(
        (seconds - expected).abs() < 1e-3,
        "{seconds} s vs {expected} s"
    );
    let err =
        gan_core::audio::render_midi_file(dir.join("missing.mid"), &wav, &config).unwrap_err();
    assert!(err.to_string().contains("missing.mid"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
