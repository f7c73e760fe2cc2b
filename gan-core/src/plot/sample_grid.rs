//! Real and generated samples side by side: rows are samples, columns are tracks.

use ndarray::{ArrayView4, Axis};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{bold, pitch_name, render_png, track_rgb, Area, FONT};
use super::roll_panel::{display_range, draw_panel, Panel};
use super::PlotError;
use crate::roll::ShapeError;
use crate::roll::{check_batch_shape, Multitrack, DEFAULT_TEMPO_BPM, STEPS_PER_BEAT};

/// Size of one sample's cell in pixels.
const CELL: (u32, u32) = (150, 90);
/// Width of the column of sample numbers left of each block.
const ROW_LABELS: u32 = 36;
/// Height of the block titles and the track names above the cells.
const HEADER: u32 = 60;
/// Space between the real and the generated block.
const GAP: u32 = 28;

/// Draws real and generated samples as two blocks side by side, like the lab's
/// `plot_pianoroll`, as PNG bytes.
///
/// Both batches are in the lab's layout (N, time, 128, tracks), notes where the value is above 0
/// (the generator's tanh outputs are thresholded at 0). They must agree in time steps and tracks
/// but may hold different numbers of samples; the shorter block leaves its lower rows empty.
/// Rows are samples (numbered from 1), columns tracks; each cell is a small piano roll, one
/// pitch range per track shared by both blocks so they compare directly, named with the track
/// above the cells ("Alto (F#3–C5)", bottom to top). Draw a handful of
/// samples at a time: the image grows by one row per sample.
pub fn sample_grid_png(
    real: ArrayView4<f32>,
    generated: ArrayView4<f32>,
) -> Result<Vec<u8>, PlotError> {
    check_batch_shape(&real, None, None)?;
    let (_, steps, _, tracks) = real.dim();
    check_batch_shape(&generated, Some(steps), Some(tracks))?;
    if tracks == 0 {
        return Err(ShapeError {
            what: "piano-roll batch",
            expected: "(N, time, 128, tracks) with at least one track".into(),
            got: real.shape().to_vec(),
        }
        .into());
    }
    let rows = real.len_of(Axis(0)).max(generated.len_of(Axis(0)));
    if rows == 0 || steps == 0 {
        return Err(PlotError::Empty(
            "both batches are empty (no samples or no time steps)".into(),
        ));
    }
    let (real, generated) = (to_rolls(real)?, to_rolls(generated)?);
    let ranges: Vec<(u8, u8)> = (0..tracks)
        .map(|k| {
            let all = real.iter().chain(&generated);
            display_range(all.map(|r| r.tracks[k].pitch_range()), 1, 12)
        })
        .collect();
    grid_png(&[("Real", &real), ("Generated", &generated)], &ranges)
}

/// Draws `blocks` (a title and one roll per row each) side by side, track `k` of every cell in
/// the pitch range `ranges[k]`; the image has a row for each roll of the longest block.
pub(crate) fn grid_png(
    blocks: &[(&str, &[Multitrack])],
    ranges: &[(u8, u8)],
) -> Result<Vec<u8>, PlotError> {
    let rows = blocks
        .iter()
        .map(|(_, rolls)| rolls.len())
        .max()
        .unwrap_or(0);
    let block_width = ROW_LABELS as u64 + ranges.len() as u64 * CELL.0 as u64;
    let n = blocks.len() as u64;
    let width = n * block_width + n.saturating_sub(1) * GAP as u64;
    let height = HEADER as u64 + rows as u64 * CELL.1 as u64 + 8;
    let (width, height) = (clamp_u32(width), clamp_u32(height));
    render_png(width, height, |root| {
        root.fill(&WHITE)?;
        for (b, (title, rolls)) in blocks.iter().enumerate() {
            let x0 = b as i32 * (block_width as i32 + GAP as i32);
            draw_block(root, x0, title, rolls, ranges)?;
        }
        Ok(())
    })
}

/// Draws one block (title, track names, row numbers and cells) with its left edge at `x0`.
fn draw_block(
    root: &Area<'_>,
    x0: i32,
    title: &str,
    rolls: &[Multitrack],
    ranges: &[(u8, u8)],
) -> Result<(), PlotError> {
    let centered = Pos::new(HPos::Center, VPos::Center);
    let title_style = TextStyle::from(bold(20.0)).pos(centered);
    let label_style = TextStyle::from((FONT, 14).into_font()).pos(centered);
    let (cw, ch) = (CELL.0 as i32, CELL.1 as i32);
    let cells_x = x0 + ROW_LABELS as i32;
    let cells_width = ranges.len() as i32 * cw;
    root.draw(&Text::new(
        title.to_string(),
        (cells_x + cells_width / 2, 16),
        title_style,
    ))?;
    let names = rolls
        .first()
        .map(|r| r.tracks.iter().map(|t| t.name.clone()).collect());
    let names: Vec<String> = names.unwrap_or_else(|| vec![String::new(); ranges.len()]);
    for (k, (name, &(lo, hi))) in names.iter().zip(ranges).enumerate() {
        // The track's name and its cells' pitch span, bottom to top.
        let label = format!("{name} ({}–{})", pitch_name(lo), pitch_name(hi));
        let x = cells_x + k as i32 * cw + cw / 2;
        root.draw(&Text::new(
            label.trim_start().to_string(),
            (x, HEADER as i32 - 14),
            label_style.clone(),
        ))?;
    }
    for (i, roll) in rolls.iter().enumerate() {
        let y = HEADER as i32 + i as i32 * ch;
        let number = format!("{}", i + 1);
        root.draw(&Text::new(
            number,
            (x0 + ROW_LABELS as i32 / 2, y + ch / 2),
            label_style.clone(),
        ))?;
        for (k, (track, &pitches)) in roll.tracks.iter().zip(ranges).enumerate() {
            let cell = root.clone().shrink((cells_x + k as i32 * cw, y), CELL);
            let panel = Panel {
                title: None,
                pitches,
                color: track_rgb(k),
                steps_per_beat: roll.resolution,
                labels: false,
                marks: &[],
            };
            draw_panel(&cell, track, &panel)?;
        }
    }
    Ok(())
}

/// Each sample of a lab batch as a multitrack.
fn to_rolls(batch: ArrayView4<f32>) -> Result<Vec<Multitrack>, PlotError> {
    batch
        .outer_iter()
        .map(|sample| Multitrack::from_lab_array(sample, STEPS_PER_BEAT, DEFAULT_TEMPO_BPM))
        .map(|r| r.map_err(PlotError::from))
        .collect()
}

/// A pixel count as u32, saturating (the canvas then refuses it as too large).
fn clamp_u32(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}
