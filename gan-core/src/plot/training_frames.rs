//! The generator's samples over training as slideshow frames, Bach's snippets beside each, every
//! frame drawn on the same pitch axes.

use super::roll_panel::display_range;
use super::sample_grid::grid_png;
use super::PlotError;
use crate::roll::{Multitrack, SNIPPET_STEPS};

/// Semitones shown beyond Bach's range of a voice, on each side.
const REACH: u8 = 5;
/// The smallest pitch range of a voice's cells, in semitones.
const MIN_SPAN: u8 = 12;

/// Draws one frame per sample, as (caption, PNG) pairs for
/// [`display::slideshow`](crate::display::slideshow).
///
/// `real` holds Bach's evaluation snippets one after the other, and each `(iteration, roll)` of
/// `samples` what the generator wrote for the same melodies at that iteration (what
/// `TrainedModel::sample` returns), with as many tracks as `real`. Each frame is a
/// [`sample_grid_png`](super::sample_grid_png): Bach's block ("Bach") on the left, the
/// generator's ("Generator, iteration N") on the right, one row per two-bar snippet, one column
/// per voice. Unlike there, every cell of voice `k` in every frame spans the same pitches
/// ([`frame_ranges`]), so that notes stay put from frame to frame; the generator's notes beyond
/// them (such as the noise of iteration 0) are cut off. All frames have the same size; the
/// caption is "iteration N".
pub fn training_frames_png(
    real: &Multitrack,
    samples: &[(u64, Multitrack)],
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    if real.tracks.is_empty() || real.is_empty() {
        return Err(PlotError::Empty(
            "Bach's snippets have no tracks or no time steps".into(),
        ));
    }
    if samples.is_empty() {
        return Err(PlotError::Empty("no samples were written".into()));
    }
    for (iteration, roll) in samples {
        if roll.tracks.len() != real.tracks.len() {
            return Err(PlotError::Length {
                what: format!("tracks of the sample at iteration {iteration}"),
                expected: real.tracks.len(),
                got: roll.tracks.len(),
            });
        }
    }
    let longest = samples
        .iter()
        .map(|(_, r)| r.len())
        .fold(real.len(), usize::max);
    let rows = longest.div_ceil(SNIPPET_STEPS);
    let bach = snippets(real, rows);
    let ranges = frame_ranges(real);
    samples
        .iter()
        .map(|(iteration, roll)| {
            let title = format!("Generator, iteration {iteration}");
            let generated = snippets(roll, rows);
            let blocks = [("Bach", bach.as_slice()), (title.as_str(), &generated)];
            let png = grid_png(&blocks, &ranges)?;
            Ok((format!("iteration {iteration}"), png))
        })
        .collect()
}

/// The pitch range of voice `k`'s cells in every frame of [`training_frames_png`]: Bach's range
/// of `real.tracks[k]` widened by five semitones on each side (to at least an octave), whatever
/// the generator wrote.
pub fn frame_ranges(real: &Multitrack) -> Vec<(u8, u8)> {
    real.tracks
        .iter()
        .map(|track| display_range([track.pitch_range()], REACH, MIN_SPAN))
        .collect()
}

/// The first `rows` consecutive two-bar snippets of `roll`, padded with silence.
fn snippets(roll: &Multitrack, rows: usize) -> Vec<Multitrack> {
    (0..rows)
        .map(|i| roll.slice_steps(i * SNIPPET_STEPS, (i + 1) * SNIPPET_STEPS))
        .collect()
}

#[cfg(test)]
mod tests {
    use image::RgbImage;
    use ndarray::s;

    use super::*;
    use crate::plot::track_color;
    use crate::roll::{Track, VOICE_NAMES};

    /// Four silent voices of `steps` steps with the given (track, pitch, start, end) notes.
    fn roll(steps: usize, notes: &[(usize, usize, usize, usize)]) -> Multitrack {
        let mut tracks: Vec<Track> = VOICE_NAMES
            .iter()
            .map(|n| Track::silent(*n, 0, steps))
            .collect();
        for &(k, pitch, start, end) in notes {
            tracks[k]
                .pianoroll
                .slice_mut(s![start..end, pitch])
                .fill(100);
        }
        Multitrack::new(4, 100.0, tracks)
    }

    fn decode(png: &[u8]) -> RgbImage {
        image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .expect("a valid PNG")
            .to_rgb8()
    }

    /// The pixels of exactly `color` as (x, y), optionally only those with x in `xs`.
    fn pixels_of(img: &RgbImage, color: [u8; 3], xs: std::ops::Range<u32>) -> Vec<(u32, u32)> {
        img.enumerate_pixels()
            .filter(|(x, _, p)| p.0 == color && xs.contains(x))
            .map(|(x, y, _)| (x, y))
            .collect()
    }

    #[test]
    fn ranges_follow_bach_not_the_generator() {
        let bach = roll(64, &[(1, 60, 0, 8), (1, 70, 40, 48), (3, 40, 0, 32)]);
        let ranges = frame_ranges(&bach);
        // Alto 60–70 and bass 40 with five semitones each side (the bass widened to an octave);
        // the silent soprano and tenor show C4–B4.
        assert_eq!(ranges, vec![(60, 71), (55, 75), (60, 71), (34, 45)]);

        // Generated rolls whose notes differ wildly draw on those same ranges: a note at the
        // same pitch sits at the same height in both frames, and the frames are equally large.
        let quiet = roll(64, &[(3, 42, 0, 8)]);
        let noisy = roll(64, &[(3, 42, 0, 8), (3, 100, 8, 16), (0, 5, 0, 32)]);
        let frames = training_frames_png(&bach, &[(0, noisy), (50, quiet)]).unwrap();
        let captions: Vec<&str> = frames.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(captions, ["iteration 0", "iteration 50"]);
        let (a, b) = (decode(&frames[0].1), decode(&frames[1].1));
        assert_eq!(a.dimensions(), b.dimensions());
        let generated = a.width() / 2..a.width();
        let bass = |img: &RgbImage| pixels_of(img, track_color(3), generated.clone());
        assert!(bass(&b).len() > 5, "{} bass pixels", bass(&b).len());
        // The noisy frame's high bass and low soprano are out of range: only the shared note is
        // drawn, on the same pixels.
        assert_eq!(bass(&a), bass(&b));
        assert!(pixels_of(&a, track_color(0), generated).is_empty());
    }

    #[test]
    fn every_frame_shows_bach_beside_the_generator() {
        let bach = roll(64, &[(1, 67, 0, 8), (2, 55, 32, 40), (3, 43, 40, 48)]);
        // The generator's bass in its first snippet, in rolls shorter and longer than Bach's.
        let samples: Vec<(u64, Multitrack)> = [(0, 32), (50, 64), (100, 70)]
            .into_iter()
            .map(|(i, steps)| (i, roll(steps, &[(3, 45, 0, 4)])))
            .collect();
        let frames = training_frames_png(&bach, &samples).unwrap();
        assert_eq!(frames.len(), 3);
        let first = decode(&frames[0].1);
        // Two blocks of 36 + 4 × 150 pixels, 28 apart; three snippet rows of 90 (the longest
        // roll's) below a 60 pixel header, in every frame.
        assert_eq!(first.dimensions(), (2 * 636 + 28, 60 + 3 * 90 + 8));
        for (caption, png) in &frames {
            let img = decode(png);
            assert_eq!(img.dimensions(), first.dimensions(), "{caption}");
            // Bach's alto (snippet 1) and tenor (snippet 2) in the left block, in their cells.
            let alto = pixels_of(&img, track_color(1), 0..664);
            assert!(alto.len() > 20, "{caption}: {} alto pixels", alto.len());
            assert!(alto
                .iter()
                .all(|&(x, y)| (186..336).contains(&x) && (60..150).contains(&y)));
            let tenor = pixels_of(&img, track_color(2), 0..664);
            assert!(tenor.len() > 20, "{caption}: {} tenor pixels", tenor.len());
            assert!(tenor
                .iter()
                .all(|&(x, y)| (336..486).contains(&x) && (150..240).contains(&y)));
            // Bach's bass in the left block's second row, the generator's in the right block's
            // first.
            let bass_x = 36 + 3 * 150;
            let bass = pixels_of(&img, track_color(3), 0..664);
            assert!(bass.len() > 5, "{caption}: {} bass pixels", bass.len());
            assert!(bass
                .iter()
                .all(|&(x, y)| (bass_x..bass_x + 150).contains(&x) && (150..240).contains(&y)));
            let bass = pixels_of(&img, track_color(3), 664..img.width());
            assert!(bass.len() > 5, "{caption}: {} bass pixels", bass.len());
            let bass_x = 664 + 36 + 3 * 150;
            assert!(bass
                .iter()
                .all(|&(x, y)| (bass_x..bass_x + 150).contains(&x) && (60..150).contains(&y)));
        }
    }

    #[test]
    fn mismatched_or_missing_samples_are_refused() {
        let bach = roll(32, &[(0, 60, 0, 4)]);
        let three = Multitrack::new(4, 100.0, roll(32, &[]).tracks[..3].to_vec());
        let err = training_frames_png(&bach, &[(7, three)]).unwrap_err();
        assert!(
            matches!(
                err,
                PlotError::Length {
                    expected: 4,
                    got: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("iteration 7"), "{err}");
        let err = training_frames_png(&bach, &[]).unwrap_err();
        assert!(matches!(err, PlotError::Empty(_)), "{err}");
        let silent = Multitrack::new(4, 100.0, vec![]);
        let err = training_frames_png(&silent, &[(0, bach.clone())]).unwrap_err();
        assert!(matches!(err, PlotError::Empty(_)), "{err}");
    }
}
