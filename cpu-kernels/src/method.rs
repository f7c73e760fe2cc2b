//! How a convolution computes: [`ConvMethod`], chosen once from the layer's geometry (batch
//! size included), stored in the op, and followed by its forward and backward passes. The same
//! geometry always gives the same method, whatever the thread count, so results do not depend
//! on it. The upsample convolutions have theirs: [`UpsampleMethod`](crate::UpsampleMethod).

use std::fmt;

use super::im2col::ConvGeometry;
use super::winograd;

/// How [`conv2d`](super::conv2d) and [`conv_transpose2d`](super::conv_transpose2d) compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConvMethod {
    /// im2col and a matrix product per chunk of the batch: any kernel, stride and padding.
    Im2colGemm,
    /// Winograd's F(2 × 2, 2 × 2) on the input's four phases: 4 × 4 kernels of stride 2 with
    /// enough input channels and tiles.
    Winograd,
}

impl ConvMethod {
    /// The method for a convolution of geometry `g`: Winograd's where it pays, else im2col.
    pub fn choose(g: &ConvGeometry) -> Self {
        match winograd::suits(g) {
            true => Self::Winograd,
            false => Self::Im2colGemm,
        }
    }

    /// A short name, as the model summary and the profile show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Im2colGemm => "im2col-gemm",
            Self::Winograd => "winograd",
        }
    }
}

impl fmt::Display for ConvMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stride-2 4 × 4 'same' convolution of `channels` × `batch` inputs of `h` × `w`.
    fn strided(channels: usize, batch: usize, h: usize, w: usize) -> ConvGeometry {
        ConvGeometry {
            channels,
            batch,
            h,
            w,
            kernel: 4,
            stride: 2,
            pad_top: 1,
            pad_left: 1,
            out_h: h / 2,
            out_w: w / 2,
        }
    }

    #[test]
    fn the_critic_layers_take_winograd_once_the_batch_has_enough_tiles() {
        // The critic's second layer: 64 channels, 16 × 64 → 8 × 32, 64 tiles a sample.
        assert_eq!(
            ConvMethod::choose(&strided(64, 4, 16, 64)),
            ConvMethod::Winograd
        );
        assert_eq!(
            ConvMethod::choose(&strided(64, 1, 16, 64)),
            ConvMethod::Im2colGemm
        );
        // Its first: 5 channels, too few for the transforms.
        assert_eq!(
            ConvMethod::choose(&strided(5, 64, 32, 128)),
            ConvMethod::Im2colGemm
        );
        assert_eq!(ConvMethod::Winograd.to_string(), "winograd");
    }
}
