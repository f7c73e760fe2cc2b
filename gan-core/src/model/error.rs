//! What can go wrong building, running, loading or saving the networks: [`ModelError`].

use std::path::PathBuf;

use super::device::DeviceError;

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
    Shape(#[from] crate::roll::ShapeError),
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
