//! Plots as PNG bytes: piano rolls, sample grids, loss curves and metric grids.

/// What can go wrong drawing a plot.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The drawing backend failed.
    #[error("drawing failed: {0}")]
    Draw(String),
}
