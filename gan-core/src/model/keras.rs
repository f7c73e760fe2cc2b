//! The lab's Keras weight names and layouts, and their mapping onto gan-core's variables.
//!
//! Keras stores a convolution kernel as (kh, kw, in, out) and the critic's dense kernel as
//! (h·w·c, 1) over a channels-last flatten; gan-core stores (out, in, kh, kw) and (1, c·h·w).

use std::collections::HashMap;

use candle_core::{Result, Tensor};
use candle_nn::VarMap;

use super::config::{ModelConfig, LATENT_PITCHES, LATENT_STEPS};
use super::ModelError;

/// How a Keras tensor's layout relates to gan-core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KerasLayout {
    /// The same layout (biases and BatchNorm vectors).
    Same,
    /// A convolution kernel: Keras (kh, kw, in, out), gan-core (out, in, kh, kw).
    ConvKernel,
    /// A dense kernel over a flattened (h, w, c) map: Keras (h·w·c, out), gan-core (out, c·h·w).
    DenseKernel {
        /// Height of the flattened feature map.
        h: usize,
        /// Width of the flattened feature map.
        w: usize,
        /// Channels of the flattened feature map.
        c: usize,
    },
}

impl KerasLayout {
    /// Converts a tensor from Keras' layout to gan-core's.
    pub fn to_ours(&self, t: &Tensor) -> Result<Tensor> {
        match *self {
            Self::Same => Ok(t.clone()),
            Self::ConvKernel => t.permute((3, 2, 0, 1))?.contiguous(),
            Self::DenseKernel { h, w, c } => {
                let out = t.dim(1)?;
                t.reshape((h, w, c, out))?
                    .permute((3, 2, 0, 1))?
                    .contiguous()?
                    .reshape((out, c * h * w))
            }
        }
    }

    /// Converts a tensor from gan-core's layout to Keras'.
    pub fn to_keras(&self, t: &Tensor) -> Result<Tensor> {
        match *self {
            Self::Same => Ok(t.clone()),
            Self::ConvKernel => t.permute((2, 3, 1, 0))?.contiguous(),
            Self::DenseKernel { h, w, c } => {
                let out = t.dim(0)?;
                t.reshape((out, c, h, w))?
                    .permute((2, 3, 1, 0))?
                    .contiguous()?
                    .reshape((h * w * c, out))
            }
        }
    }
}

/// One variable's Keras name, gan-core name and layout relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerasName {
    /// The Keras name, e.g. `generator/down1_conv/kernel`.
    pub keras: String,
    /// The gan-core variable name, e.g. `down1_conv.weight`.
    pub ours: String,
    /// How the two layouts relate.
    pub layout: KerasLayout,
}

impl KerasName {
    fn new(model: &str, layer: &str, keras: &str, ours: &str, layout: KerasLayout) -> Self {
        Self {
            keras: format!("{model}/{layer}/{keras}"),
            ours: format!("{layer}.{ours}"),
            layout,
        }
    }

    /// Whether the variable is a BatchNorm moving statistic (not trained by the optimiser).
    pub fn is_moving_statistic(&self) -> bool {
        self.ours.ends_with(".moving_mean") || self.ours.ends_with(".moving_variance")
    }
}

fn conv_names(model: &str, layer: &str) -> [KerasName; 2] {
    [
        KerasName::new(model, layer, "kernel", "weight", KerasLayout::ConvKernel),
        KerasName::new(model, layer, "bias", "bias", KerasLayout::Same),
    ]
}

fn bn_names(layer: &str) -> [KerasName; 4] {
    let m = "generator";
    [
        KerasName::new(m, layer, "gamma", "gamma", KerasLayout::Same),
        KerasName::new(m, layer, "beta", "beta", KerasLayout::Same),
        KerasName::new(m, layer, "moving_mean", "moving_mean", KerasLayout::Same),
        KerasName::new(
            m,
            layer,
            "moving_variance",
            "moving_variance",
            KerasLayout::Same,
        ),
    ]
}

/// The generator's variables under their Keras names (`generator/...`), in layer order.
pub fn generator_names() -> Vec<KerasName> {
    let mut names = Vec::new();
    for i in 1..=4 {
        names.extend(conv_names("generator", &format!("down{i}_conv")));
        if i > 1 {
            names.extend(bn_names(&format!("down{i}_bn")));
        }
    }
    for i in 4..=6 {
        names.extend(conv_names("generator", &format!("up{i}_conv")));
        names.extend(bn_names(&format!("up{i}_bn")));
    }
    names.extend(conv_names("generator", "out_conv"));
    names
}

/// The critic's variables under their Keras names (`critic/...`), in layer order.
pub fn critic_names(config: &ModelConfig) -> Vec<KerasName> {
    let mut names = Vec::new();
    for i in 1..=4 {
        names.extend(conv_names("critic", &format!("c{i}_conv")));
    }
    let dense = KerasLayout::DenseKernel {
        h: LATENT_STEPS,
        w: LATENT_PITCHES,
        c: 8 * config.filters,
    };
    names.push(KerasName::new("critic", "dense", "kernel", "weight", dense));
    names.push(KerasName::new(
        "critic",
        "dense",
        "bias",
        "bias",
        KerasLayout::Same,
    ));
    names
}

/// Reads the widths from Keras-named weights: f from `generator/down1_conv/kernel`'s output
/// channels, the latent channels from `generator/up4_conv/kernel`'s input channels minus 8f.
pub fn infer_config(
    tensors: &HashMap<String, Tensor>,
    source: &str,
) -> std::result::Result<ModelConfig, ModelError> {
    let dims = |name: &str| -> std::result::Result<Vec<usize>, ModelError> {
        let t = tensors.get(name).ok_or_else(|| ModelError::MissingTensor {
            file: source.to_string(),
            name: name.to_string(),
        })?;
        match t.dims() {
            d @ [_, _, _, _] => Ok(d.to_vec()),
            d => Err(ModelError::TensorShape {
                file: source.to_string(),
                name: name.to_string(),
                expected: "(kh, kw, in, out)".into(),
                got: d.to_vec(),
            }),
        }
    };
    let filters = dims("generator/down1_conv/kernel")?[3];
    let up4_in = dims("generator/up4_conv/kernel")?[2];
    let config = ModelConfig::new(filters, up4_in.saturating_sub(8 * filters));
    config.validate()?;
    Ok(config)
}

/// Sets the variables of `vars` named in `names` from Keras-named `tensors`, converting layouts
/// and dtypes. `source` names where the tensors came from, for error messages.
pub fn load_into(
    vars: &VarMap,
    names: &[KerasName],
    tensors: &HashMap<String, Tensor>,
    source: &str,
) -> std::result::Result<(), ModelError> {
    let data = vars.data().lock().map_err(|_| ModelError::Poisoned)?;
    for name in names {
        let keras = tensors
            .get(&name.keras)
            .ok_or_else(|| ModelError::MissingTensor {
                file: source.to_string(),
                name: name.keras.clone(),
            })?;
        let var = data
            .get(&name.ours)
            .ok_or_else(|| ModelError::MissingTensor {
                file: "the model's variables".to_string(),
                name: name.ours.clone(),
            })?;
        let shape_error = || ModelError::TensorShape {
            file: source.to_string(),
            name: name.keras.clone(),
            expected: format!("{:?} in gan-core's layout", var.dims()),
            got: keras.dims().to_vec(),
        };
        let value = name
            .layout
            .to_ours(keras)
            .map_err(|_| shape_error())?
            .to_dtype(var.dtype())?;
        if value.dims() != var.dims() {
            return Err(shape_error());
        }
        var.set(&value)?;
    }
    Ok(())
}
