//! What an op is configured with, shared by the CPU kernels and the portable ops: the
//! activation fused after it.

/// An activation applied elementwise after an op.
///
/// Each one's derivative is a function of its output y (which is what the backward passes
/// keep): LeakyReLU and ReLU have slope 1 where y > 0 and their negative slope elsewhere (also
/// at exactly 0, as PyTorch and TensorFlow), tanh has 1 − y².
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// y = x.
    Identity,
    /// y = max(x, 0).
    Relu,
    /// y = x where x > 0, slope · x elsewhere.
    LeakyRelu(f64),
    /// y = tanh(x).
    Tanh,
}
