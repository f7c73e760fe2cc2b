//! The lab's WGAN-GP networks in candle: the U-Net generator G(c, z) and the conditional critic
//! D(x, c), with Keras semantics ('same' padding, BatchNorm momentum 0.8 / epsilon 1e-3,
//! Glorot-uniform kernels) so that the lab's weights load and behave the same.
//!
//! The networks take NCHW tensors and work channels-major, (C, B, H, W), inside; [`layout`]
//! converts the lab's channels-last batches (N, 32, 128, tracks). The widths are a
//! [`ModelConfig`] (the lab: f = 64, 512 latent channels), the device a [`DeviceSpec`]. On the
//! CPU the layers run the fused kernels of [`ops`].

pub mod config;
pub mod critic;
pub mod device;
pub mod gan;
pub mod generator;
pub mod init;
pub mod keras;
pub mod layers;
pub mod layout;
pub mod noise;
pub mod ops;
pub mod summary;

use std::path::PathBuf;

pub use config::ModelConfig;
pub use critic::{Critic, InputGradient};
pub use device::{DeviceError, DeviceSpec};
pub use gan::Gan;
pub use generator::{Generate, Generator, InferenceGenerator};
pub use layers::Mode;
pub use summary::{LayerSummary, Summary};

/// What can go wrong building, running, loading or saving the networks.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A tensor operation failed (shape mismatch, unsupported op, …).
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// The configuration cannot describe the lab's networks.
    #[error("invalid model configuration: {0}")]
    Config(String),
    /// The models run in f32 or f64 only.
    #[error("unsupported dtype {0:?}: the models run in f32 or f64")]
    DType(candle_core::DType),
    /// A weights file lacks a tensor the model needs.
    #[error("{file}: missing tensor {name}")]
    MissingTensor {
        /// The file (or source) searched.
        file: String,
        /// The tensor's name.
        name: String,
    },
    /// A weights file holds a tensor of the wrong shape.
    #[error("{file}: tensor {name} has shape {got:?}, expected {expected}")]
    TensorShape {
        /// The file (or source) read.
        file: String,
        /// The tensor's name.
        name: String,
        /// The expected shape, in words.
        expected: String,
        /// The shape found.
        got: Vec<usize>,
    },
    /// A batch array has the wrong shape.
    #[error(transparent)]
    Shape(#[from] crate::error::ShapeError),
    /// Reading or writing a safetensors file failed.
    #[error("{path}: {source}")]
    File {
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        source: candle_core::Error,
    },
    /// The configured device cannot be used.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A variable map's lock was poisoned by a panic in another thread.
    #[error("a variable map's lock was poisoned by a panic in another thread")]
    Poisoned,
}
