//! gan-core's integration tests, one module per area, in one test binary: the crate and its
//! dependencies (candle, plotters) are linked once instead of once per file.
//!
//! Run one area with a filter, e.g. `cargo test --release -p gan-core --test integration cli::`.

mod support;

mod audio_render;
mod cli;
mod compose;
mod data_set;
mod fixture_wgan_gp;
mod metrics_bars;
mod metrics_lab;
mod metrics_notes;
mod metrics_set;
mod midi_melody;
mod midi_pretty_midi;
mod midi_read;
mod midi_twinkle;
mod midi_write;
mod plot_png;
mod pretrained;
mod train_checkpoint;
mod train_run;
