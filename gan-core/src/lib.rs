//! gan-core: the AWS DeepComposer "build a custom GAN" lab in Rust.
//!
//! The crate is laid out by concern:
//! - [`roll`]: the piano-roll data model ([`Track`], [`Multitrack`]) and the lab's array layout;
//! - [`midi`]: reading any standard MIDI file into a roll, melody extraction, writing 4-track MIDI;
//! - [`data`]: the Bach chorale data set, snippets, windows, the train/eval split and `.npy` I/O;
//! - [`metrics`]: the lab's music-quality metrics and the usual MuseGAN set;
//! - [`audio`]: a small plucked-string synthesizer that renders rolls to 16-bit WAV;
//! - [`plot`]: piano rolls, sample grids, loss curves and metric grids as PNG bytes;
//! - [`display`]: evcxr (Jupyter) display helpers for images and inline audio;
//! - [`model`]: the lab's WGAN-GP generator and critic in candle, Keras weight loading;
//! - [`train`]: WGAN-GP training: losses, steps, the training loop, checkpoints and run logs;
//! - [`compose`]: four-part accompaniment for any melody;
//! - [`pretrained`]: the shipped pretrained generator, and which model the notebooks use;
//! - [`settings`]: settings read from environment variables, for notebooks and runs;
//! - [`files`]: errors that name the file, and atomic writes;
//! - [`error`]: the crate-wide [`Error`], which every module's own error converts into;
//! - [`notebook`]: every notebook's settings in one place, and the list of their variables;
//! - `studio` (feature `studio`, on with `cli`): the studio's web page and HTTP API.

pub mod audio;
pub mod compose;
pub mod data;
pub mod display;
pub mod error;
pub mod files;
pub mod metrics;
pub mod midi;
pub mod model;
pub mod notebook;
pub mod plot;
pub mod pretrained;
pub mod roll;
pub mod settings;
#[cfg(feature = "studio")]
pub mod studio;
pub mod train;

/// candle, re-exported so that notebooks name its types (`Device`, `DType`) without a `:dep`.
pub use candle_core;
pub use error::{Error, Result};
pub use roll::{Multitrack, Note, Track};
