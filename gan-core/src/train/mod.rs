//! WGAN-GP training of the lab's networks.
//!
//! - [`loss`]: the Wasserstein terms and the gradient penalty;
//! - [`adam`]: Adam with an exportable state;
//! - [`wgan`]: [`WganGp`], the networks and optimisers with the critic and generator steps;
//! - [`config`]: [`TrainConfig`], every setting of a run, loadable from JSON;
//! - [`reference`](mod@reference): the cross-check against the PyTorch reference's fixtures.

pub mod adam;
pub mod config;
pub mod error;
pub mod loss;
pub mod reference;
pub mod seeds;
pub mod wgan;

pub use adam::{Adam, AdamParams};
pub use config::{Precision, TrainConfig};
pub use error::{LossKind, TrainError};
pub use loss::{critic_loss, generator_loss, CriticLoss, GeneratorLoss};
pub use wgan::{CriticStats, IterationStats, WganGp};
