//! Cross-checks against reference fixtures: weights, inputs and float64 outputs and gradients
//! computed by the PyTorch reference of the lab's WGAN-GP (Keras names and layouts).
//!
//! A fixture holds the weights (`generator/...`, `critic/...`), the inputs (`input/real`,
//! `input/z`, `input/eps`, channels-last), the outputs (`out/...`), the moving statistics after
//! one training-mode forward (`out/after_train_forward/...`) and the gradients of the critic's
//! loss and its parts and of the generator's loss (`grad_<loss>/<weight>`). [`check`] runs
//! gan-core on the same weights and inputs and measures, for every reference tensor, the largest
//! absolute error relative to the tensor's largest magnitude.

use std::collections::HashMap;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};

use super::loss::{critic_loss, generator_loss, gradient_norm};
use crate::model::keras::{generator_names, KerasName};
use crate::model::layout::{to_channels_last, to_nchw};
use crate::model::{Gan, Mode, ModelConfig, ModelError};

/// The gradient-penalty weight the fixtures are made with.
pub const FIXTURE_GP_WEIGHT: f64 = 10.0;

/// A tensor whose reference is below this fraction of its group's largest magnitude is
/// analytically zero and holds round-off only (the bias of a convolution followed by BatchNorm
/// in training mode has a zero gradient, the dense bias does not enter the gradient penalty);
/// its error is measured against the group's largest magnitude instead of its own.
pub const ROUND_OFF_FLOOR: f64 = 1e-6;

/// How far one gan-core tensor is from its reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The reference tensor's name, e.g. `out/gp` or `grad_gp/critic/c1_conv/kernel`.
    pub name: String,
    /// The largest absolute difference.
    pub max_abs_error: f64,
    /// The reference's largest magnitude.
    pub max_abs_reference: f64,
    /// What the error is measured against: the reference's largest magnitude, or its group's
    /// where the reference is round-off (see [`ROUND_OFF_FLOOR`]).
    pub scale: f64,
}

impl Comparison {
    /// The error relative to [`Comparison::scale`] (the absolute error where the whole group's
    /// reference is zero).
    pub fn relative_error(&self) -> f64 {
        if self.scale > 0.0 {
            self.max_abs_error / self.scale
        } else {
            self.max_abs_error
        }
    }

    /// The group the tensor belongs to: its name for outputs, the prefix for gradients and
    /// moving statistics (`grad_gp`, `out/after_train_forward`).
    pub fn group(&self) -> &str {
        if self.name.starts_with("out/after_train_forward/") {
            "out/after_train_forward"
        } else if self.name.starts_with("grad_") {
            self.name.split('/').next().unwrap_or(&self.name)
        } else {
            &self.name
        }
    }
}

/// Every comparison of one fixture check.
#[derive(Debug, Clone)]
pub struct FixtureReport {
    /// The widths read from the fixture's weights.
    pub config: ModelConfig,
    /// The fixture's batch size.
    pub batch: usize,
    /// The dtype gan-core ran in.
    pub dtype: DType,
    /// One entry per reference tensor, in check order.
    pub comparisons: Vec<Comparison>,
}

impl FixtureReport {
    /// The worst relative error of each group, in check order.
    pub fn groups(&self) -> Vec<(String, f64)> {
        let mut groups: Vec<(String, f64)> = Vec::new();
        for c in &self.comparisons {
            let e = c.relative_error();
            match groups.iter_mut().find(|(g, _)| g == c.group()) {
                Some((_, worst)) => *worst = worst.max(e),
                None => groups.push((c.group().to_string(), e)),
            }
        }
        groups
    }

    /// The worst relative error over all tensors.
    pub fn worst(&self) -> f64 {
        self.comparisons
            .iter()
            .map(Comparison::relative_error)
            .fold(0.0, f64::max)
    }
}

struct Checker<'a> {
    reference: &'a HashMap<String, Tensor>,
    source: &'a str,
    comparisons: Vec<Comparison>,
}

impl Checker<'_> {
    fn get(&self, name: &str) -> Result<&Tensor, ModelError> {
        self.reference
            .get(name)
            .ok_or_else(|| ModelError::MissingTensor {
                file: self.source.to_string(),
                name: name.to_string(),
            })
    }

    fn compare(&mut self, name: &str, ours: &Tensor) -> Result<(), ModelError> {
        let reference = self.get(name)?.to_dtype(DType::F64)?;
        let ours = ours.to_dtype(DType::F64)?;
        if reference.elem_count() != ours.elem_count() {
            return Err(ModelError::TensorShape {
                file: self.source.to_string(),
                name: name.to_string(),
                expected: format!("{:?} as gan-core computes it", ours.dims()),
                got: reference.dims().to_vec(),
            });
        }
        let ours = ours.reshape(reference.shape())?;
        let max_abs = |t: &Tensor| -> Result<f64, ModelError> {
            Ok(t.abs()?.flatten_all()?.max(0)?.to_scalar::<f64>()?)
        };
        self.comparisons.push(Comparison {
            name: name.to_string(),
            max_abs_error: max_abs(&(ours - &reference)?)?,
            max_abs_reference: max_abs(&reference)?,
            scale: 0.0,
        });
        Ok(())
    }

    /// Compares the gradients in `grads` of the variables `names` of `vars` with
    /// `<group>/<keras name>`; a variable without a gradient counts as a zero gradient.
    fn compare_grads(
        &mut self,
        group: &str,
        grads: &GradStore,
        vars: &HashMap<String, Var>,
        names: &[KerasName],
    ) -> Result<(), ModelError> {
        for name in names.iter().filter(|n| !n.is_moving_statistic()) {
            let var = vars
                .get(&name.ours)
                .ok_or_else(|| ModelError::MissingTensor {
                    file: "the model's variables".to_string(),
                    name: name.ours.clone(),
                })?;
            let grad = match grads.get(var.as_tensor()) {
                Some(g) => g.clone(),
                None => var.as_tensor().zeros_like()?,
            };
            self.compare(
                &format!("{group}/{}", name.keras),
                &name.layout.to_keras(&grad)?,
            )?;
        }
        Ok(())
    }
}

/// Runs gan-core in `dtype` on a fixture's weights and inputs and compares every reference
/// output, moving statistic and gradient. `source` names the fixture in error messages.
pub fn check(
    reference: &HashMap<String, Tensor>,
    source: &str,
    dtype: DType,
) -> Result<FixtureReport, ModelError> {
    let device = Device::Cpu;
    let gan = Gan::from_keras(reference, source, dtype, &device)?;
    let mut ck = Checker {
        reference,
        source,
        comparisons: Vec::new(),
    };
    let input = |name: &str| -> Result<Tensor, ModelError> { Ok(ck.get(name)?.to_dtype(dtype)?) };
    let real = to_nchw(&input("input/real")?)?;
    let z = to_nchw(&input("input/z")?)?;
    let eps = input("input/eps")?;
    let c = real.narrow(1, 0, 1)?;
    let (g, d) = (gan.generator(), gan.critic());

    ck.compare(
        "out/gen_infer",
        &to_channels_last(&g.forward(&c, &z, Mode::Infer)?)?,
    )?;

    // The critic's loss, before any training-mode forward changes the moving statistics.
    let parts = critic_loss(g, d, &real, &z, &eps, FIXTURE_GP_WEIGHT)?;
    ck.compare("out/fake_infer", &to_channels_last(&parts.fake)?)?;
    ck.compare("out/inter", &to_channels_last(&parts.inter)?)?;
    ck.compare("out/d_real", &parts.d_real)?;
    ck.compare("out/d_fake", &parts.d_fake)?;
    ck.compare("out/d_inter", &parts.at_inter.scores)?;
    let grad_inter = &parts.at_inter.grad;
    ck.compare("out/grad_d_inter_wrt_inter", &to_channels_last(grad_inter)?)?;
    ck.compare("out/grad_norm", &gradient_norm(grad_inter)?)?;
    ck.compare("out/gp", &parts.gp)?;
    ck.compare("out/wasserstein_term", &parts.wasserstein)?;
    ck.compare("out/critic_loss", &parts.loss)?;
    let critic_names = gan.critic_keras_names();
    {
        let critic_vars = gan
            .critic_vars()
            .data()
            .lock()
            .map_err(|_| ModelError::Poisoned)?;
        for (group, loss) in [
            ("grad_critic_loss", &parts.loss),
            ("grad_gp", &parts.gp),
            ("grad_wasserstein", &parts.wasserstein),
        ] {
            ck.compare_grads(group, &loss.backward()?, &critic_vars, &critic_names)?;
        }
    }

    // One training-mode forward: batch statistics, and moving statistics moved towards them.
    ck.compare(
        "out/gen_train",
        &to_channels_last(&g.forward(&c, &z, Mode::Train)?)?,
    )?;
    let gen_names = generator_names();
    {
        let gen_vars = gan
            .generator_vars()
            .data()
            .lock()
            .map_err(|_| ModelError::Poisoned)?;
        for name in gen_names.iter().filter(|n| n.is_moving_statistic()) {
            if let Some(var) = gen_vars.get(&name.ours) {
                let key = format!("out/after_train_forward/{}", name.keras);
                ck.compare(&key, var.as_tensor())?;
            }
        }
    }

    let gen = generator_loss(g, d, &real, &z)?;
    ck.compare("out/gen_loss", &gen.loss)?;
    let grads = gen.loss.backward()?;
    {
        let gen_vars = gan
            .generator_vars()
            .data()
            .lock()
            .map_err(|_| ModelError::Poisoned)?;
        ck.compare_grads("grad_gen_loss", &grads, &gen_vars, &gen_names)?;
    }
    let mut comparisons = ck.comparisons;
    let group_max = |group: &str, all: &[Comparison]| {
        all.iter()
            .filter(|c| c.group() == group)
            .map(|c| c.max_abs_reference)
            .fold(0.0, f64::max)
    };
    let group_scales: Vec<f64> = comparisons
        .iter()
        .map(|c| group_max(c.group(), &comparisons))
        .collect();
    for (c, group_scale) in comparisons.iter_mut().zip(group_scales) {
        let round_off = c.max_abs_reference < ROUND_OFF_FLOOR * group_scale;
        c.scale = if round_off {
            group_scale
        } else {
            c.max_abs_reference
        };
    }
    Ok(FixtureReport {
        config: *gan.config(),
        batch: real.dim(0)?,
        dtype,
        comparisons,
    })
}

/// [`check`] on a fixture file (safetensors).
pub fn check_file(path: impl AsRef<Path>, dtype: DType) -> Result<FixtureReport, ModelError> {
    let path = path.as_ref();
    let reference =
        candle_core::safetensors::load(path, &Device::Cpu).map_err(|source| ModelError::File {
            path: path.to_path_buf(),
            source,
        })?;
    check(&reference, &path.display().to_string(), dtype)
}
