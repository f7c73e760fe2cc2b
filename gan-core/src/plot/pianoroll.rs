//! A multitrack's piano rolls side by side, one panel per track.

use ndarray::ArrayView3;

use super::canvas::{render_png, track_rgb};
use super::roll_panel::{display_range, draw_panel, Panel};
use super::PlotError;
use crate::metrics::voice_leading::{Lines, VoiceLeading};
use crate::roll::{Multitrack, DEFAULT_TEMPO_BPM, STEPS_PER_BEAT};

/// Width of one track's panel in pixels.
const PANEL_WIDTH: u32 = 320;
/// Height of the image in pixels.
const HEIGHT: u32 = 440;

/// Draws the roll's tracks side by side, like the lab's `show_pianoroll`, as PNG bytes.
///
/// Each panel is titled with the track's name; x is the time step with bar lines every four
/// beats, y the pitch (low at the bottom), cropped to the track's sounding range with a two
/// semitone margin and at least an octave. A silent track shows an empty C4–B4 panel.
/// Panel `k` spans the `k`-th equal-width column of the image and fills notes with
/// [`track_color`](super::track_color)`(k)`.
pub fn pianoroll_png(roll: &Multitrack) -> Result<Vec<u8>, PlotError> {
    draw(roll, &[])
}

/// [`pianoroll_png`] of a four-voice score with each voice-leading finding of `report` ringed
/// in red on the notes of the voices it names.
pub fn pianoroll_findings_png(
    roll: &Multitrack,
    report: &VoiceLeading,
) -> Result<Vec<u8>, PlotError> {
    let lines = Lines::of(roll);
    let mut marks = vec![Vec::new(); roll.tracks.len()];
    for finding in &report.findings {
        for &k in &finding.voices {
            if let (Some(m), Some(p)) = (marks.get_mut(k), lines.at(k, finding.step)) {
                m.push((finding.step, p));
            }
        }
    }
    draw(roll, &marks)
}

/// The panels of `roll`, with `marks[k]` ringed on track `k`.
fn draw(roll: &Multitrack, marks: &[Vec<(usize, u8)>]) -> Result<Vec<u8>, PlotError> {
    if roll.tracks.is_empty() {
        return Err(PlotError::Empty("the roll has no tracks".into()));
    }
    if roll.is_empty() {
        return Err(PlotError::Empty("the roll has no time steps".into()));
    }
    let n = roll.tracks.len();
    let width = u32::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(PANEL_WIDTH))
        .unwrap_or(u32::MAX);
    render_png(width, HEIGHT, |root| {
        root.fill(&plotters::style::colors::WHITE)?;
        for (k, (area, track)) in root
            .split_evenly((1, n))
            .iter()
            .zip(&roll.tracks)
            .enumerate()
        {
            let panel = Panel {
                title: Some(&track.name),
                pitches: display_range([track.pitch_range()], 2, 12),
                color: track_rgb(k),
                steps_per_beat: roll.resolution,
                labels: true,
                marks: marks.get(k).map_or(&[], Vec::as_slice),
            };
            draw_panel(area, &track.with_len(roll.len()), &panel)?;
        }
        Ok(())
    })
}

/// Draws one roll in the lab's layout, (time, 128, tracks) with notes where the value is above
/// 0, like [`pianoroll_png`]; four tracks are titled soprano to bass.
pub fn pianoroll_array_png(roll: ArrayView3<f32>) -> Result<Vec<u8>, PlotError> {
    let roll = Multitrack::from_lab_array(roll, STEPS_PER_BEAT, DEFAULT_TEMPO_BPM)?;
    pianoroll_png(&roll)
}
