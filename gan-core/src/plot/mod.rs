//! Plots as PNG bytes: piano rolls (one with the chords' Roman numerals under it), real-versus-generated sample grids (and slideshow frames of
//! them over training), loss curves and metric grids.
//!
//! Every function draws one composite image and returns it PNG-encoded, ready for a file or for
//! [`display::png`](crate::display::png). Text uses the embedded DejaVu Sans font, so no system
//! font is needed.

mod canvas;
mod harmony_roll;
mod loss_curve;
mod metrics_grid;
mod pianoroll;
mod roll_panel;
mod sample_grid;
mod training_frames;

pub use canvas::{pitch_name, track_color, MAX_PIXELS};
pub use harmony_roll::harmony_roll_png;
pub use loss_curve::{ema, loss_curve_png, LossSeries};
pub use metrics_grid::{metrics_grid_png, MetricSeries, MetricsGrid};
pub use pianoroll::{pianoroll_array_png, pianoroll_findings_png, pianoroll_png};
pub use sample_grid::sample_grid_png;
pub use training_frames::{frame_ranges, training_frames_png};

use crate::roll::ShapeError;

/// What can go wrong drawing a plot.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The drawing backend failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The embedded font could not be registered with the plotting library.
    #[error("the embedded DejaVu Sans font could not be registered")]
    Font,
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// An input array has the wrong shape.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// There is nothing to draw.
    #[error("nothing to plot: {0}")]
    Empty(String),
    /// Two lists that must be equally long are not.
    #[error("{what}: expected {expected} values, got {got}")]
    Length {
        /// Which list, e.g. "loss series \"generator\" y".
        what: String,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        got: usize,
    },
    /// A plot setting is out of range.
    #[error("invalid plot setting: {0}")]
    Setting(String),
    /// The image would be larger than [`MAX_PIXELS`].
    #[error("the image would be {width}×{height} pixels, more than the limit of {MAX_PIXELS}")]
    TooLarge {
        /// The image width in pixels.
        width: u32,
        /// The image height in pixels.
        height: u32,
    },
}
