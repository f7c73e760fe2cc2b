//! The CPU kernels under gan-core's layers, as candle custom ops: where the speed lives. They
//! depend on candle alone; gan-core names this crate `gan_core::model::ops`.
//!
//! Activations are channels-major, (C, B, H, W), so that a convolution is one matrix product
//! per batch chunk whose result is channels-major already. Each public function runs its
//! custom op on the CPU and the same computation written with candle's own ops
//! ([`portable`]) on any other device; the tests check one against the other. Each layer's
//! op follows a method chosen once from its geometry ([`ConvMethod`], [`UpsampleMethod`]).
//!
//! - [`conv2d`]: a convolution with its bias and activation fused, by im2col and gemm over
//!   chunks of the batch (the column matrix of a whole batch is never stored), or for the
//!   model's stride-2 4 × 4 convolutions by Winograd's F(2 × 2, 2 × 2) (`winograd`: 9
//!   multiply-adds where the direct convolution has 16). Its backward pass computes only the
//!   gradients whose inputs take part in the graph.
//! - [`conv_transpose2d`]: the adjoint of a convolution in its input, differentiable in both
//!   arguments (the critic's input gradient, so that a penalty on it has exact gradients).
//! - [`upsample_conv2d`]: nearest 2× upsampling then a 4 × 4 'same' convolution, as four
//!   phase convolutions with 3 × 3, 3 × 2, 2 × 3 and 2 × 2 kernels (25 taps where the
//!   upsampled convolution has 64), through one column matrix, by Winograd's algorithm
//!   along the rows, or by shifted sums of the taps' products with the input in place;
//!   [`UpsampleKernel`] holds the phase kernels.
//! - [`batch_norm`] with [`channel_stats`]: BatchNorm and the activation after it in one pass,
//!   with a closed-form backward pass.
//! - [`activation_slopes`]: an activation's derivative read off its output.
//! - [`adam_update`]: Adam's step of one variable in place, in two passes and no allocation.
//! - [`keep_freed_memory`]: the C allocator keeps freed buffers for the next step.
//!
//! [`profile`] times every kernel call by kernel, method and input shape when switched on.

mod activation;
mod adam;
mod allocator;
mod conv;
mod custom_op;
mod elem;
mod gemm;
mod im2col;
mod kinds;
mod method;
mod norm;
mod parts;
pub mod portable;
pub mod profile;
mod upconv;
mod winograd;

pub use activation::activation_slopes;
pub use adam::{adam_moments, adam_update, AdamStep};
pub use allocator::keep_freed_memory;
pub use conv::{conv2d, conv_transpose2d};
pub use im2col::{same_padding, ConvGeometry};
pub use kinds::Activation;
pub use method::ConvMethod;
pub use norm::{batch_norm, channel_stats};
pub use upconv::{upsample_conv2d, UpsampleKernel, UpsampleMethod};
