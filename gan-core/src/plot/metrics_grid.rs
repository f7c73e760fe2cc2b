//! Music-quality metrics over training: one row per metric, one column per track.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{bold, padded, render_png, span, tick_label, track_rgb, Area, FONT};
use super::PlotError;

/// Size of one metric-and-track cell in pixels.
const CELL: (u32, u32) = (280, 190);
/// Width of the column of metric names.
const ROW_TITLES: u32 = 170;
/// Height of the row of track names.
const HEADER: u32 = 40;
/// Where iteration 0 sits on the logarithmic iteration axis, which cannot show 0 itself.
const ITERATION_ZERO_AT: f64 = 0.5;
/// Colour of the reference (training data) line.
const REFERENCE: RGBColor = RGBColor(60, 60, 60);

/// One metric's values over training, per track, with the training data's value for reference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSeries {
    /// The metric's name, shown as the row title, e.g. "empty bars".
    pub name: String,
    /// The training data's value for each track, drawn as a dashed line (NaN: no line).
    pub reference: Vec<f64>,
    /// The measured values: (iteration, one value per track); non-finite values are skipped.
    pub points: Vec<(usize, Vec<f64>)>,
}

/// The input of [`metrics_grid_png`]: the track names (columns) and the metrics (rows).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsGrid {
    /// The track names, one column each.
    pub tracks: Vec<String>,
    /// The metrics, one row each.
    pub metrics: Vec<MetricSeries>,
}

/// Draws a grid of small plots, as PNG bytes: rows are metrics (titled on the left), columns
/// tracks (titled on top). Each cell shows the track's value per iteration as connected points
/// and the training data's value as a dashed line; rows share their y range, all cells the
/// iteration range. The iteration axis is logarithmic, so that the dense early measurements
/// and the sparse late ones both read (iteration 0 is drawn at ½, left of the tick 1).
///
/// Non-finite values are skipped, so a metric without any finite value draws empty cells. A grid
/// without tracks or metrics is an error ([`PlotError::Empty`]), as is a reference or point
/// whose length differs from the number of tracks ([`PlotError::Length`]).
pub fn metrics_grid_png(grid: &MetricsGrid) -> Result<Vec<u8>, PlotError> {
    let n_tracks = grid.tracks.len();
    if n_tracks == 0 || grid.metrics.is_empty() {
        return Err(PlotError::Empty(
            "the metrics grid has no tracks or no metrics".into(),
        ));
    }
    check_lengths(grid)?;
    let iterations = grid
        .metrics
        .iter()
        .flat_map(|m| m.points.iter().map(|p| log_x(p.0)));
    let (lo, hi) = span(iterations).unwrap_or((ITERATION_ZERO_AT, 10.0));
    // 4 % of the log width as margin on each side.
    let margin = ((hi / lo).max(2.0)).powf(0.04);
    let x_range = (lo / margin, hi * margin);
    let width = ROW_TITLES as u64 + n_tracks as u64 * CELL.0 as u64;
    let height = HEADER as u64 + grid.metrics.len() as u64 * CELL.1 as u64;
    let clamp = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
    render_png(clamp(width), clamp(height), |root| {
        root.fill(&WHITE)?;
        let centered = Pos::new(HPos::Center, VPos::Center);
        let header_style = TextStyle::from(bold(17.0)).pos(centered);
        for (k, name) in grid.tracks.iter().enumerate() {
            let x = (ROW_TITLES + k as u32 * CELL.0 + CELL.0 / 2) as i32;
            root.draw(&Text::new(
                name.clone(),
                (x, HEADER as i32 / 2),
                header_style.clone(),
            ))?;
        }
        let note_style = (FONT, 12).into_font().color(&REFERENCE).pos(centered);
        let note = "dashed: training data";
        root.draw(&Text::new(
            note,
            (ROW_TITLES as i32 / 2, HEADER as i32 / 2),
            note_style,
        ))?;
        for (r, metric) in grid.metrics.iter().enumerate() {
            let y = (HEADER + r as u32 * CELL.1) as i32;
            draw_row_title(root, &metric.name, y)?;
            let y_range = padded(row_span(metric).unwrap_or((0.0, 1.0)), 0.08);
            for k in 0..n_tracks {
                let x = (ROW_TITLES + k as u32 * CELL.0) as i32;
                let cell = root.clone().shrink((x, y), CELL);
                draw_cell(&cell, metric, k, x_range, y_range)?;
            }
        }
        Ok(())
    })
}

/// Checks that every reference and point has one value per track.
fn check_lengths(grid: &MetricsGrid) -> Result<(), PlotError> {
    let expected = grid.tracks.len();
    for m in &grid.metrics {
        let lists = std::iter::once(("reference".to_string(), &m.reference)).chain(
            m.points
                .iter()
                .map(|(it, v)| (format!("values at iteration {it}"), v)),
        );
        for (what, values) in lists {
            if values.len() != expected {
                return Err(PlotError::Length {
                    what: format!("metric {:?} {what} (one per track)", m.name),
                    expected,
                    got: values.len(),
                });
            }
        }
    }
    Ok(())
}

/// The smallest and largest finite value of a metric, references included.
fn row_span(metric: &MetricSeries) -> Option<(f64, f64)> {
    let values = metric
        .points
        .iter()
        .flat_map(|p| p.1.iter())
        .chain(&metric.reference);
    span(values.copied().filter(|v| v.is_finite()))
}

/// Draws the metric's name, wrapped to fit, centred in the title column of the row at `y`.
fn draw_row_title(root: &Area<'_>, name: &str, y: i32) -> Result<(), PlotError> {
    let style = TextStyle::from(bold(15.0)).pos(Pos::new(HPos::Center, VPos::Center));
    let lines = wrap(name, 18);
    let line_height = 19;
    let top = y + CELL.1 as i32 / 2 - (lines.len() as i32 - 1) * line_height / 2;
    for (i, line) in lines.into_iter().enumerate() {
        let pos = (ROW_TITLES as i32 / 2, top + i as i32 * line_height);
        root.draw(&Text::new(line, pos, style.clone()))?;
    }
    Ok(())
}

/// Splits `text` at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The position of `iteration` on the logarithmic axis.
fn log_x(iteration: usize) -> f64 {
    if iteration == 0 {
        ITERATION_ZERO_AT
    } else {
        iteration as f64
    }
}

/// The label of a tick of the logarithmic iteration axis.
fn iteration_label(x: f64) -> String {
    if x < 1.0 {
        "0".to_string()
    } else {
        tick_label(x.round())
    }
}

/// Draws track `k`'s values of `metric` and its reference line into one cell.
fn draw_cell(
    cell: &Area<'_>,
    metric: &MetricSeries,
    k: usize,
    x_range: (f64, f64),
    y_range: (f64, f64),
) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(cell)
        .margin(6)
        .margin_right(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((x_range.0..x_range.1).log_scale(), y_range.0..y_range.1)?;
    chart
        .configure_mesh()
        .x_labels(4)
        .y_labels(5)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(225, 225, 225))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .x_desc("iteration (log scale)")
        .x_label_formatter(&|x| iteration_label(*x))
        .y_label_formatter(&|y| tick_label(*y))
        .draw()?;
    let reference = metric.reference[k];
    if reference.is_finite() {
        chart.draw_series(DashedLineSeries::new(
            [(x_range.0, reference), (x_range.1, reference)],
            6,
            4,
            REFERENCE.stroke_width(2),
        ))?;
    }
    let color = track_rgb(k);
    let mut points: Vec<(f64, f64)> = metric
        .points
        .iter()
        .map(|(it, values)| (log_x(*it), values[k]))
        .filter(|p| p.1.is_finite())
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        color.stroke_width(2),
    ))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(
            wrap("pitch classes used per bar", 18),
            ["pitch classes used", "per bar"]
        );
        assert_eq!(wrap("EB", 18), ["EB"]);
        assert_eq!(
            wrap("averylongwordthatdoesnotfit x", 5),
            ["averylongwordthatdoesnotfit", "x"]
        );
    }
}
