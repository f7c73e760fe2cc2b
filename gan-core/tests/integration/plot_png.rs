//! The plot functions: valid PNGs of the documented size, notes drawn where they belong, errors
//! for wrong shapes and empty input, NaN-safe metric grids.

use gan_core::plot::{
    loss_curve_png, metrics_grid_png, pianoroll_array_png, pianoroll_findings_png, pianoroll_png,
    sample_grid_png, track_color, LossSeries, MetricSeries, MetricsGrid, PlotError,
};
use gan_core::roll::{Multitrack, Track, N_PITCHES, VOICE_NAMES};
use image::RgbImage;
use ndarray::{s, Array2, Array3, Array4};

fn decode(png: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("a valid PNG")
        .to_rgb8()
}

/// Pixel positions (x, y).
type Pixels = Vec<(u32, u32)>;

/// The pixels of exactly `color`.
fn pixels_of(img: &RgbImage, color: [u8; 3]) -> Pixels {
    img.enumerate_pixels()
        .filter(|(_, _, p)| p.0 == color)
        .map(|(x, y, _)| (x, y))
        .collect()
}

fn mean(values: impl Iterator<Item = u32>) -> f64 {
    let v: Vec<u32> = values.collect();
    v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
}

/// Four silent voices of 32 steps, with the given (track, pitch, start, end) notes.
fn chorale(notes: &[(usize, usize, usize, usize)]) -> Multitrack {
    let mut tracks: Vec<Track> = VOICE_NAMES
        .iter()
        .map(|n| Track::silent(*n, 0, 32))
        .collect();
    for &(k, pitch, start, end) in notes {
        tracks[k]
            .pianoroll
            .slice_mut(s![start..end, pitch])
            .fill(100);
    }
    Multitrack::new(4, 100.0, tracks)
}

// ---- piano roll -------------------------------------------------------------------------

#[test]
fn pianoroll_draws_notes_only_in_their_tracks_panel() {
    let roll = chorale(&[(2, 60, 0, 8), (2, 64, 8, 16)]);
    let img = decode(&pianoroll_png(&roll).unwrap());
    assert_eq!(img.dimensions(), (4 * 320, 440));
    let tenor = pixels_of(&img, track_color(2));
    // Two notes of 8 steps: well over a hundred pixels, all inside the third quarter.
    assert!(tenor.len() > 200, "{} tenor pixels", tenor.len());
    assert!(tenor.iter().all(|&(x, _)| (640..960).contains(&x)));
    for k in [0, 1, 3] {
        assert!(pixels_of(&img, track_color(k)).is_empty(), "track {k}");
    }
}

#[test]
fn pianoroll_puts_high_pitches_up_and_later_steps_right() {
    // Soprano: a high note first, then a low one.
    let roll = chorale(&[(0, 76, 0, 4), (0, 64, 16, 20)]);
    let img = decode(&pianoroll_png(&roll).unwrap());
    let soprano = pixels_of(&img, track_color(0));
    let (first, second): (Pixels, Pixels) = soprano.iter().partition(|p| p.0 < 160);
    assert!(!first.is_empty() && !second.is_empty());
    assert!(mean(second.iter().map(|p| p.0)) > mean(first.iter().map(|p| p.0)));
    // Image rows grow downwards, so the high note has the smaller y.
    assert!(mean(first.iter().map(|p| p.1)) < mean(second.iter().map(|p| p.1)));
}

#[test]
fn findings_are_ringed_in_red_in_the_panels_of_their_voices() {
    use gan_core::metrics::voice_leading::{VoiceLeading, VoiceRanges};
    // Alto and bass in parallel fifths (G/C to A/D) at step 16.
    let notes = [
        (0, 72, 0, 16),
        (0, 77, 16, 32),
        (1, 67, 0, 16),
        (1, 69, 16, 32),
        (2, 64, 0, 16),
        (2, 65, 16, 32),
        (3, 48, 0, 16),
        (3, 50, 16, 32),
    ];
    let roll = chorale(&notes);
    let report = VoiceLeading::analyse(&roll, 0, &VoiceRanges::BACH).unwrap();
    assert!(!report.findings.is_empty());
    let img = decode(&pianoroll_findings_png(&roll, &report).unwrap());
    let red = pixels_of(&img, [220, 20, 20]);
    assert!(!red.is_empty(), "rings drawn");
    let panel = img.width() / 4;
    for (x, _) in &red {
        let k = (x / panel) as usize;
        assert!(
            report.findings.iter().any(|f| f.voices.contains(&k)),
            "a ring in panel {k}"
        );
    }
    assert!(red.iter().any(|(x, _)| x / panel == 1) && red.iter().any(|(x, _)| x / panel == 3));
    assert!(pixels_of(&decode(&pianoroll_png(&roll).unwrap()), [220, 20, 20]).is_empty());
}

#[test]
fn silent_roll_draws_no_notes() {
    let img = decode(&pianoroll_png(&chorale(&[])).unwrap());
    for k in 0..4 {
        assert!(pixels_of(&img, track_color(k)).is_empty(), "track {k}");
    }
}

#[test]
fn pianoroll_from_lab_array_matches_and_checks_shape() {
    let roll = chorale(&[(3, 48, 4, 12)]);
    let img = decode(&pianoroll_array_png(roll.to_lab_array().view()).unwrap());
    let bass = pixels_of(&img, track_color(3));
    assert!(!bass.is_empty() && bass.iter().all(|&(x, _)| x >= 960));
    let err = pianoroll_array_png(Array3::<f32>::zeros((32, 64, 4)).view()).unwrap_err();
    assert!(matches!(err, PlotError::Shape(_)), "{err}");
    let err = pianoroll_png(&Multitrack::new(4, 100.0, vec![])).unwrap_err();
    assert!(matches!(err, PlotError::Empty(_)), "{err}");
}

// ---- sample grid ------------------------------------------------------------------------

#[test]
fn sample_grid_places_each_sample_in_its_block_row_and_column() {
    let mut real = Array4::from_elem((2, 32, N_PITCHES, 4), -1.0f32);
    let mut fake = Array4::from_elem((3, 32, N_PITCHES, 4), -1.0f32);
    real.slice_mut(s![0, 0..8, 67, 1]).fill(1.0); // real #1, alto
    fake.slice_mut(s![2, 4..12, 50, 3]).fill(0.3); // generated #3, bass (tanh-like value)
    fake.slice_mut(s![0, .., 70, 0]).fill(-0.2); // below 0: not a note
    let img = decode(&sample_grid_png(real.view(), fake.view()).unwrap());
    // Blocks of 36 + 4 × 150 pixels with a 28 pixel gap; a 60 pixel header and 90 pixel rows.
    assert_eq!(img.dimensions(), (2 * 636 + 28, 60 + 3 * 90 + 8));
    let alto = pixels_of(&img, track_color(1));
    assert!(alto.len() > 20, "{} alto pixels", alto.len());
    assert!(alto
        .iter()
        .all(|&(x, y)| (186..336).contains(&x) && (60..150).contains(&y)));
    let bass = pixels_of(&img, track_color(3));
    assert!(bass.len() > 20, "{} bass pixels", bass.len());
    let bass_x = 664 + 36 + 3 * 150;
    assert!(bass
        .iter()
        .all(|&(x, y)| (bass_x..bass_x + 150).contains(&x) && (240..330).contains(&y)));
    assert!(pixels_of(&img, track_color(0)).is_empty());
}

#[test]
fn sample_grid_rejects_mismatched_or_empty_batches() {
    let real = Array4::<f32>::zeros((2, 32, N_PITCHES, 4));
    let three_tracks = Array4::<f32>::zeros((2, 32, N_PITCHES, 3));
    let err = sample_grid_png(real.view(), three_tracks.view()).unwrap_err();
    assert!(matches!(err, PlotError::Shape(_)), "{err}");
    let bad_pitch = Array4::<f32>::zeros((2, 32, 64, 4));
    let err = sample_grid_png(bad_pitch.view(), real.view()).unwrap_err();
    assert!(err.to_string().contains("[2, 32, 64, 4]"), "{err}");
    let none = Array4::<f32>::zeros((0, 32, N_PITCHES, 4));
    let err = sample_grid_png(none.view(), none.view()).unwrap_err();
    assert!(matches!(err, PlotError::Empty(_)), "{err}");
    // One empty block is fine: its rows stay blank.
    assert!(sample_grid_png(real.view(), none.view()).is_ok());
}

// ---- loss curve -------------------------------------------------------------------------

#[test]
fn loss_curve_draws_every_series_in_its_colour() {
    let x: Vec<f64> = (0..100).map(|i| i as f64 * 10.0).collect();
    let g: Vec<f64> = x.iter().map(|i| (i / 100.0).sin() + 2.0).collect();
    let mut d: Vec<f64> = x.iter().map(|i| -(i / 300.0)).collect();
    d[10] = f64::NAN;
    d[11] = f64::INFINITY;
    let series = [
        LossSeries::new("generator", x.clone(), g),
        LossSeries::new("critic", x, d),
    ];
    let img = decode(&loss_curve_png(&series, 0.6).unwrap());
    assert_eq!(img.dimensions(), (900, 520));
    assert!(pixels_of(&img, track_color(0)).len() > 300);
    assert!(pixels_of(&img, track_color(1)).len() > 300);
    // A single point still draws (the range is widened around it).
    let one = [LossSeries::new("g", vec![5.0], vec![1.5])];
    assert!(loss_curve_png(&one, 0.0).is_ok());
}

#[test]
fn loss_curve_errors_name_the_problem() {
    let err = loss_curve_png(&[], 0.5).unwrap_err();
    assert!(matches!(err, PlotError::Empty(_)), "{err}");
    let nan = [LossSeries::new(
        "g",
        vec![0.0, 1.0],
        vec![f64::NAN, f64::NAN],
    )];
    assert!(matches!(
        loss_curve_png(&nan, 0.5),
        Err(PlotError::Empty(_))
    ));
    let ragged = [LossSeries::new("critic", vec![0.0, 1.0], vec![1.0])];
    let err = loss_curve_png(&ragged, 0.5).unwrap_err().to_string();
    assert!(
        err.contains("critic") && err.contains("expected 2") && err.contains("got 1"),
        "{err}"
    );
    let ok = [LossSeries::new("g", vec![0.0], vec![1.0])];
    assert!(matches!(
        loss_curve_png(&ok, 1.0),
        Err(PlotError::Setting(_))
    ));
    assert!(matches!(
        loss_curve_png(&ok, -0.1),
        Err(PlotError::Setting(_))
    ));
}

// ---- metrics grid -----------------------------------------------------------------------

fn grid(metrics: Vec<MetricSeries>) -> MetricsGrid {
    MetricsGrid {
        tracks: VOICE_NAMES.iter().map(|s| s.to_string()).collect(),
        metrics,
    }
}

#[test]
fn metrics_grid_is_nan_safe_and_draws_each_track_in_its_column() {
    let nan = f64::NAN;
    // Only the alto has finite values for the first metric; the second metric has none at all.
    let alto_only = MetricSeries {
        name: "empty bars".into(),
        reference: vec![0.1, 0.2, nan, 0.0],
        points: (0..5)
            .map(|j| (j * 100, vec![nan, 0.5 - 0.1 * j as f64, nan, f64::INFINITY]))
            .collect(),
    };
    let all_nan = MetricSeries {
        name: "pitch classes used per bar".into(),
        reference: vec![nan; 4],
        points: vec![(0, vec![nan; 4])],
    };
    let img = decode(&metrics_grid_png(&grid(vec![alto_only, all_nan])).unwrap());
    assert_eq!(img.dimensions(), (170 + 4 * 280, 40 + 2 * 190));
    let alto = pixels_of(&img, track_color(1));
    assert!(alto.len() > 50, "{} alto pixels", alto.len());
    assert!(alto
        .iter()
        .all(|&(x, y)| (450..730).contains(&x) && (40..230).contains(&y)));
    for k in [0, 2, 3] {
        assert!(pixels_of(&img, track_color(k)).is_empty(), "track {k}");
    }
}

#[test]
fn metrics_grid_checks_lengths_and_emptiness() {
    let short_reference = MetricSeries {
        name: "in-scale ratio".into(),
        reference: vec![1.0; 3],
        points: vec![],
    };
    let err = metrics_grid_png(&grid(vec![short_reference]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("in-scale ratio") && err.contains("reference"),
        "{err}"
    );
    let long_point = MetricSeries {
        name: "m".into(),
        reference: vec![1.0; 4],
        points: vec![(0, vec![1.0; 4]), (100, vec![1.0; 5])],
    };
    let err = metrics_grid_png(&grid(vec![long_point])).unwrap_err();
    assert!(
        matches!(
            err,
            PlotError::Length {
                expected: 4,
                got: 5,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("iteration 100"), "{err}");
    assert!(matches!(
        metrics_grid_png(&grid(vec![])),
        Err(PlotError::Empty(_))
    ));
    // A metric without points draws its reference only.
    let no_points = MetricSeries {
        name: "m".into(),
        reference: vec![0.5; 4],
        points: vec![],
    };
    assert!(metrics_grid_png(&grid(vec![no_points])).is_ok());
}

#[test]
fn silent_two_track_roll_has_two_panels() {
    let roll = Multitrack::new(
        4,
        100.0,
        vec![
            Track::new("a", 0, Array2::zeros((16, N_PITCHES))),
            Track::silent("b", 0, 8),
        ],
    );
    assert_eq!(
        decode(&pianoroll_png(&roll).unwrap()).dimensions(),
        (640, 440)
    );
}

#[test]
fn the_harmony_roll_draws_every_voice_with_numerals_under_it() {
    use gan_core::metrics::harmony::Harmony;
    use gan_core::metrics::{Key, KeyMode};
    use gan_core::plot::harmony_roll_png;
    // I IV V I, a half note each.
    let chords: [[u8; 4]; 4] = [
        [72, 67, 64, 48],
        [72, 69, 65, 53],
        [71, 67, 62, 55],
        [72, 67, 64, 48],
    ];
    let tracks = (0..4)
        .map(|k| {
            let mut roll = Array2::<u8>::zeros((32, N_PITCHES));
            for (i, c) in chords.iter().enumerate() {
                roll.slice_mut(s![8 * i..8 * (i + 1), usize::from(c[k])])
                    .fill(100);
            }
            Track::new(VOICE_NAMES[k], 0, roll)
        })
        .collect();
    let score = Multitrack::new(4, 100.0, tracks);
    let key = Key {
        tonic: 0,
        mode: KeyMode::Major,
    };
    let harmony = Harmony::analyse(&score, Some(key)).unwrap();
    let img = decode(&harmony_roll_png(&score, &harmony).unwrap());
    assert_eq!((img.width(), img.height()), (32 * 8 + 54, 388));
    for k in 0..4 {
        assert!(pixels_of(&img, track_color(k)).len() > 100, "voice {k}");
    }
    // The numerals are drawn in the strip under the roll (dark text pixels there).
    let dark = img
        .enumerate_pixels()
        .filter(|(_, y, p)| *y > 330 && p.0.iter().all(|&c| c < 80))
        .count();
    assert!(dark > 50, "{dark} dark pixels under the roll");
    let empty = Multitrack::new(4, 100.0, vec![]);
    assert!(matches!(
        harmony_roll_png(&empty, &harmony),
        Err(PlotError::Empty(_))
    ));
}
