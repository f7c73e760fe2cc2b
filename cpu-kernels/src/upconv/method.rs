//! How an upsample convolution computes its four phase convolutions: [`UpsampleMethod`],
//! chosen once from the layer's geometry (batch size included), like [`ConvMethod`](crate::ConvMethod).

use std::fmt;

use super::{phase_geometry, row_winograd, shift_add};

/// How [`upsample_conv2d`](super::upsample_conv2d) computes its four phase convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpsampleMethod {
    /// Matrix products with one 3 × 3 column matrix of the input that all phases read.
    Im2colGemm,
    /// Winograd's F(2, 3) and F(2, 2) along the rows, the columns' taps as they are: wide
    /// inputs with enough channels and tiles.
    RowWinograd,
    /// One product of every phase tap with the input in place, then shifted sums: layers
    /// with far fewer outputs than inputs (the generator's output layer).
    ShiftAdd,
}

impl UpsampleMethod {
    /// The method for `out_channels` outputs from an input (C, B, H, W) of `input_dims`
    /// (before the upsampling).
    pub fn choose(out_channels: usize, input_dims: [usize; 4]) -> Self {
        let [c, b, h, w] = input_dims;
        if row_winograd::suits(&phase_geometry(c, b, h, w), out_channels) {
            Self::RowWinograd
        } else if shift_add::suits(out_channels, c) {
            Self::ShiftAdd
        } else {
            Self::Im2colGemm
        }
    }

    /// A short name, as the model summary and the profile show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Im2colGemm => "im2col-gemm",
            Self::RowWinograd => "row-winograd",
            Self::ShiftAdd => "shift-add",
        }
    }
}

impl fmt::Display for UpsampleMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_layers_take_each_upsample_method() {
        let up = UpsampleMethod::choose;
        assert_eq!(up(256, [1024, 64, 2, 8]), UpsampleMethod::Im2colGemm);
        assert_eq!(up(128, [512, 64, 4, 16]), UpsampleMethod::RowWinograd);
        assert_eq!(up(4, [128, 64, 16, 64]), UpsampleMethod::ShiftAdd);
        assert_eq!(UpsampleMethod::ShiftAdd.to_string(), "shift-add");
    }
}
