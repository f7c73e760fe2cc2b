//! One piano-roll panel: time steps across, pitches up, notes as filled cells.

use plotters::prelude::*;

use super::canvas::{bold, pitch_name, Area, FONT};
use super::PlotError;
use crate::roll::Track;

/// The pitch range shown for silent rolls: C4 to B4.
const SILENT_RANGE: (u8, u8) = (60, 71);
/// Background of the rows of black keys.
const BLACK_KEY_ROW: RGBColor = RGBColor(238, 238, 238);
/// Vertical lines at beats.
const BEAT_LINE: RGBColor = RGBColor(222, 222, 222);
/// Vertical lines at bars.
const BAR_LINE: RGBColor = RGBColor(140, 140, 140);
/// The rings of marked notes.
const MARK: RGBColor = RGBColor(220, 20, 20);

/// How to draw one panel.
pub(crate) struct Panel<'a> {
    /// The caption above the panel, if any.
    pub title: Option<&'a str>,
    /// The lowest and highest pitch shown, inclusive.
    pub pitches: (u8, u8),
    /// The note colour.
    pub color: RGBColor,
    /// Time steps per beat, for the beat and bar lines.
    pub steps_per_beat: usize,
    /// Whether to draw axis labels (off for the small cells of a grid).
    pub labels: bool,
    /// Notes to ring in red, as (step, pitch): say, where a voice-leading rule is broken.
    pub marks: &'a [(usize, u8)],
}

/// The pitch range to show for rolls sounding over `ranges`: their union widened by `margin`
/// semitones on each side and, if narrower, to `min_span` semitones, within 0..=127.
pub(crate) fn display_range(
    ranges: impl IntoIterator<Item = Option<(u8, u8)>>,
    margin: u8,
    min_span: u8,
) -> (u8, u8) {
    let union = ranges
        .into_iter()
        .flatten()
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let Some((lo, hi)) = union else {
        return SILENT_RANGE;
    };
    let (mut lo, mut hi) = (
        lo.saturating_sub(margin),
        hi.saturating_add(margin).min(127),
    );
    while hi - lo + 1 < min_span && (lo > 0 || hi < 127) {
        lo = lo.saturating_sub(1);
        if hi - lo + 1 < min_span && hi < 127 {
            hi += 1;
        }
    }
    (lo, hi)
}

/// Draws `track` into `area` as a piano roll: x = time step, y = pitch (low pitches at the bottom).
///
/// The y axis counts half semitones, so that row `p` spans `2p..2p + 2` and its label sits at
/// the row's centre `2p + 1` on integer coordinates.
pub(crate) fn draw_panel(
    area: &Area<'_>,
    track: &Track,
    panel: &Panel<'_>,
) -> Result<(), PlotError> {
    let steps = track.len().max(1) as i32;
    let (lo, hi) = panel.pitches;
    let (y0, y1) = (2 * lo as i32, 2 * hi as i32 + 2);
    let row = |p: u8| (2 * p as i32, 2 * p as i32 + 2);
    let beat = panel.steps_per_beat.max(1);
    let bar = 4 * beat;
    let mut builder = ChartBuilder::on(area);
    if let Some(title) = panel.title {
        builder.caption(title, bold(18.0));
    }
    let (x_ticks, y_ticks) = if panel.labels {
        builder
            .margin(8)
            .x_label_area_size(38)
            .y_label_area_size(44);
        (bar_ticks(steps as usize, bar), pitch_ticks(lo, hi))
    } else {
        builder.margin(2);
        (vec![], vec![])
    };
    let mut chart = builder.build_cartesian_2d(
        (0..steps).with_key_points(x_ticks),
        (y0..y1).with_key_points(y_ticks),
    )?;
    if panel.labels {
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time step")
            .y_desc("pitch")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .y_label_formatter(&|y| pitch_name((y / 2) as u8))
            .draw()?;
    }
    chart.draw_series(
        (lo..=hi)
            .filter(|p| matches!(p % 12, 1 | 3 | 6 | 8 | 10))
            .map(|p| Rectangle::new([(0, row(p).0), (steps, row(p).1)], BLACK_KEY_ROW.filled())),
    )?;
    chart.draw_series((0..=steps as usize).step_by(beat).map(|t| {
        let color = if t % bar == 0 { BAR_LINE } else { BEAT_LINE };
        PathElement::new(vec![(t as i32, y0), (t as i32, y1)], color)
    }))?;
    chart.draw_series(
        track
            .notes()
            .into_iter()
            .filter(|n| (lo..=hi).contains(&n.pitch))
            .map(|n| {
                let (bottom, top) = row(n.pitch);
                let corners = [(n.start as i32, bottom), (n.end as i32, top)];
                Rectangle::new(corners, panel.color.filled())
            }),
    )?;
    chart.draw_series(
        panel
            .marks
            .iter()
            .filter(|(_, p)| (lo..=hi).contains(p))
            .map(|&(t, p)| {
                let (bottom, top) = row(p);
                let corners = [(t as i32 - 1, bottom - 1), (t as i32 + 3, top + 1)];
                Rectangle::new(corners, MARK.stroke_width(2))
            }),
    )?;
    if !panel.labels {
        let frame = [(0, y0), (steps, y1)];
        chart.draw_series(std::iter::once(Rectangle::new(
            frame,
            BAR_LINE.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// X ticks at bar lines, thinned to at most 9 labels.
fn bar_ticks(steps: usize, bar: usize) -> Vec<i32> {
    let every = (steps / bar).div_ceil(8).max(1) * bar;
    (0..=steps).step_by(every).map(|t| t as i32).collect()
}

/// Y ticks (in half semitones) at the centre of the rows of each C, and each G when the range
/// is narrow.
fn pitch_ticks(lo: u8, hi: u8) -> Vec<i32> {
    let narrow = hi - lo < 24;
    (lo..=hi)
        .filter(|p| p % 12 == 0 || (narrow && p % 12 == 7))
        .map(|p| 2 * p as i32 + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_range_adds_margin_and_minimum_span() {
        assert_eq!(display_range([Some((60, 80))], 2, 12), (58, 82));
        assert_eq!(display_range([Some((60, 60)), None], 1, 12), (54, 65));
        assert_eq!(
            display_range([Some((60, 62)), Some((40, 45))], 0, 1),
            (40, 62)
        );
        assert_eq!(display_range([Some((0, 2))], 2, 12), (0, 11));
        assert_eq!(display_range([Some((127, 127))], 2, 12), (116, 127));
        assert_eq!(display_range([None, None], 2, 12), SILENT_RANGE);
    }

    #[test]
    fn ticks_fall_on_bars_and_on_c_and_g() {
        assert_eq!(bar_ticks(32, 16), vec![0, 16, 32]);
        let every_three_bars: Vec<i32> = (0..7).map(|i| 48 * i).collect();
        assert_eq!(bar_ticks(16 * 20, 16), every_three_bars);
        assert_eq!(pitch_ticks(58, 70), vec![121, 135]);
        assert_eq!(pitch_ticks(30, 70), vec![73, 97, 121]);
    }
}
