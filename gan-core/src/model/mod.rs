//! The lab's WGAN-GP networks in candle: the U-Net generator G(c, z) and the conditional critic
//! D(x, c), with Keras semantics ('same' padding, BatchNorm momentum 0.8 / epsilon 1e-3,
//! Glorot-uniform kernels) so that the lab's weights load and behave the same.
//!
//! The networks take NCHW tensors and work channels-major, (C, B, H, W), inside; [`layout`]
//! converts the lab's channels-last batches (N, 32, 128, tracks). The widths are a
//! [`ModelConfig`] (the lab: f = 64, 512 latent channels), the device a [`DeviceSpec`]. On the
//! CPU the layers run the fused kernels of [`ops`] (the workspace's `cpu-kernels` crate).

pub mod config;
pub mod critic;
pub mod device;
pub mod error;
pub mod gan;
pub mod generator;
pub mod init;
pub mod keras;
pub mod layers;
pub mod layout;
pub mod noise;
/// The CPU kernels the layers run on: the `cpu-kernels` crate of this workspace.
pub use cpu_kernels as ops;
pub mod summary;

pub use config::ModelConfig;
pub use critic::{Critic, InputGradient};
pub use device::{DeviceError, DeviceSpec};
pub use error::ModelError;
pub use gan::Gan;
pub use generator::{Generate, Generator, InferenceGenerator};
pub use layers::Mode;
pub use summary::{LayerSummary, Summary};
