//! Training losses against iteration, raw and smoothed.

use plotters::prelude::*;

use super::canvas::{bold, padded, render_png, span, tick_label, track_rgb, FONT};
use super::PlotError;

/// Size of the loss plot in pixels.
const SIZE: (u32, u32) = (900, 520);

/// One named loss curve: `y[i]` is the loss at iteration `x[i]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LossSeries {
    /// The legend entry, e.g. "generator".
    pub name: String,
    /// The iterations (or any increasing x values).
    pub x: Vec<f64>,
    /// The loss values; non-finite ones are skipped.
    pub y: Vec<f64>,
}

impl LossSeries {
    /// A series from its name and (iteration, loss) values.
    pub fn new(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            x,
            y,
        }
    }
}

/// One series' finite points, raw and smoothed, with its position in the input (for its colour).
struct Curve<'a> {
    index: usize,
    name: &'a str,
    raw: Vec<(f64, f64)>,
    smooth: Vec<(f64, f64)>,
}

/// The share of the iterations, from the first, whose values the y axis need not fit.
const WARM_UP: f64 = 0.1;

/// TensorBoard's smoothing: a debiased exponential moving average with weight `smoothing` on
/// the past (0 = no smoothing). Non-finite values are passed through and do not enter the average.
pub fn ema(values: &[f64], smoothing: f64) -> Vec<f64> {
    let mut last = 0.0;
    let mut weight = 1.0;
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return v;
            }
            last = last * smoothing + (1.0 - smoothing) * v;
            weight *= smoothing;
            last / (1.0 - weight)
        })
        .collect()
}

/// Draws each series' raw values faintly and its [`ema`] boldly, with a legend and the axes
/// "iteration" and "loss", as PNG bytes. The y axis fits the values after the first tenth of
/// the iterations: the warm-up's larger values run off the chart, and the caption says so.
///
/// `smoothing` must be in [0, 1). Non-finite values are skipped; a series without finite
/// values is left out, and it is an error ([`PlotError::Empty`]) if no series has any.
pub fn loss_curve_png(series: &[LossSeries], smoothing: f64) -> Result<Vec<u8>, PlotError> {
    if !(0.0..1.0).contains(&smoothing) {
        return Err(PlotError::Setting(format!(
            "smoothing must be in [0, 1), got {smoothing}"
        )));
    }
    for s in series {
        if s.x.len() != s.y.len() {
            return Err(PlotError::Length {
                what: format!("loss series {:?} y", s.name),
                expected: s.x.len(),
                got: s.y.len(),
            });
        }
    }
    let curves: Vec<Curve<'_>> = series
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let smooth = ema(&s.y, smoothing);
            let finite =
                |(&x, &y): (&f64, &f64)| (x.is_finite() && y.is_finite()).then_some((x, y));
            Curve {
                index,
                name: &s.name,
                raw: s.x.iter().zip(&s.y).filter_map(finite).collect(),
                smooth: s.x.iter().zip(&smooth).filter_map(finite).collect(),
            }
        })
        .filter(|c| !c.raw.is_empty())
        .collect();
    let points = || curves.iter().flat_map(|c| c.raw.iter());
    let Some(x_range) = span(points().map(|p| p.0)) else {
        return Err(PlotError::Empty("no loss series has a finite value".into()));
    };
    let full = span(points().map(|p| p.1)).unwrap_or((0.0, 1.0));
    // The y axis fits the values after the warm-up (the first tenth of the iterations), whose
    // swings would otherwise flatten the rest of training into a line.
    let settled = x_range.0 + WARM_UP * (x_range.1 - x_range.0);
    let after = span(points().filter(|p| p.0 >= settled).map(|p| p.1)).unwrap_or(full);
    let clipped = after != full;
    let (x_range, y_range) = (padded(x_range, 0.0), padded(after, 0.08));
    let caption = if clipped {
        "Training losses (the warm-up's larger swings run off the chart)"
    } else {
        "Training losses"
    };
    render_png(SIZE.0, SIZE.1, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .caption(caption, bold(20.0))
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(242, 242, 242))
            .x_desc("iteration")
            .y_desc("loss")
            .x_label_formatter(&|x| tick_label(*x))
            .y_label_formatter(&|y| tick_label(*y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for curve in &curves {
            let color = track_rgb(curve.index);
            chart.draw_series(LineSeries::new(curve.raw.iter().copied(), color.mix(0.25)))?;
            chart
                .draw_series(LineSeries::new(
                    curve.smooth.iter().copied(),
                    color.stroke_width(3),
                ))?
                .label(curve.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .label_font((FONT, 15))
            .draw()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_matches_hand_computation() {
        // With weight 0.5: 1 -> 0.5/0.5 = 1; 3 -> (0.25 + 1.5)/0.75 = 7/3; 5 -> (0.875 + 2.5)/0.875.
        let out = ema(&[1.0, 3.0, 5.0], 0.5);
        let expect = [1.0, 7.0 / 3.0, 3.375 / 0.875];
        for (a, b) in out.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{out:?}");
        }
        assert_eq!(ema(&[2.0, 4.0], 0.0), vec![2.0, 4.0]);
        let with_nan = ema(&[1.0, f64::NAN, 3.0], 0.5);
        assert!(with_nan[1].is_nan());
        assert!((with_nan[2] - 7.0 / 3.0).abs() < 1e-12);
    }
}
