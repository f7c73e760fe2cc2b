//! WGAN-GP training of the lab's networks: the losses ([`loss`]), the hyper-parameters
//! ([`TrainConfig`]), the critic and generator update steps ([`Trainer`]) and the cross-check
//! against the PyTorch reference's fixtures ([`reference`](mod@reference)).

pub mod config;
pub mod loss;
pub mod reference;
pub mod step;

pub use config::TrainConfig;
pub use loss::{critic_loss, generator_loss, CriticLoss, GeneratorLoss};
pub use step::{CriticStats, IterationStats, Trainer};
