//! Adam with named variables and an exportable state (moment estimates and step count), so that
//! checkpoints resume training exactly.

use std::collections::HashMap;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, Var};

use super::error::TrainError;
use crate::model::ops::{adam_moments, adam_update, AdamStep};

/// Adam's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamParams {
    /// The learning rate.
    pub lr: f64,
    /// Decay of the first moment estimate.
    pub beta1: f64,
    /// Decay of the second moment estimate.
    pub beta2: f64,
    /// Added to √v̂ in the denominator.
    pub eps: f64,
}

/// One variable with its moment estimates m and v, as one (2, n) tensor updated in place.
#[derive(Debug)]
struct Slot {
    name: String,
    var: Var,
    moments: Var,
}

/// Adam (Kingma & Ba) with PyTorch's update: at step t, for each variable θ with gradient g,
/// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − lr · m̂ / (√v̂ + ε) with
/// m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
///
/// The step count is one per [`Adam::step`], shared by all variables (as in Keras and candle); a
/// variable without a gradient in a step keeps its value and moments.
#[derive(Debug)]
pub struct Adam {
    params: AdamParams,
    slots: Vec<Slot>,
    steps: u64,
}

impl Adam {
    /// An optimiser for the named variables, with zero moments.
    pub fn new(vars: Vec<(String, Var)>, params: AdamParams) -> Result<Self> {
        let slots = vars
            .into_iter()
            .map(|(name, var)| {
                let moments = adam_moments(var.as_tensor())?;
                Ok(Slot { name, var, moments })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            params,
            slots,
            steps: 0,
        })
    }

    /// The hyper-parameters.
    pub fn params(&self) -> &AdamParams {
        &self.params
    }

    /// Replaces the hyper-parameters (the moments and step count stay).
    pub fn set_params(&mut self, params: AdamParams) {
        self.params = params;
    }

    /// The number of steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The names of the variables, in the order given to [`Adam::new`].
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    /// One update of every variable that has a gradient in `grads`.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.steps += 1;
        let AdamParams {
            lr,
            beta1,
            beta2,
            eps,
        } = self.params;
        let step = AdamStep {
            lr,
            beta1,
            beta2,
            eps,
            t: self.steps,
        };
        for slot in &self.slots {
            if let Some(g) = grads.get(slot.var.as_tensor()) {
                adam_update(&slot.var, g, &slot.moments, &step)?;
            }
        }
        Ok(())
    }

    /// The moment estimates as named tensors: `<prefix>.m.<variable>` and `<prefix>.v.<variable>`.
    /// The tensors are copies: later steps do not change them.
    pub fn export(&self, prefix: &str) -> Result<Vec<(String, Tensor)>> {
        let mut named = Vec::with_capacity(2 * self.slots.len());
        for s in &self.slots {
            for (i, which) in ["m", "v"].into_iter().enumerate() {
                let moment = s.moments.get(i)?.reshape(s.var.shape())?.copy()?;
                named.push((format!("{prefix}.{which}.{}", s.name), moment));
            }
        }
        Ok(named)
    }

    /// Restores the moments written by [`Adam::export`] from `tensors` (read from `file`, named
    /// in errors) and the step count.
    pub fn import(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        prefix: &str,
        steps: u64,
        file: &Path,
    ) -> std::result::Result<(), TrainError> {
        let bad = |reason: String| TrainError::Checkpoint {
            path: file.to_path_buf(),
            reason,
        };
        let mut restored = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let moment = |which: &str| {
                let key = format!("{prefix}.{which}.{}", slot.name);
                let t = tensors
                    .get(&key)
                    .ok_or_else(|| bad(format!("missing tensor {key}")))?;
                if t.dims() != slot.var.dims() {
                    return Err(bad(format!(
                        "tensor {key} has shape {:?}, the variable {:?}",
                        t.dims(),
                        slot.var.dims()
                    )));
                }
                t.to_dtype(slot.var.dtype())
                    .and_then(|t| t.to_device(slot.var.device()))
                    .map_err(|e| bad(format!("tensor {key}: {e}")))
            };
            restored.push((moment("m")?, moment("v")?));
        }
        for (slot, (m, v)) in self.slots.iter().zip(restored) {
            let n = slot.var.elem_count();
            let set = || {
                slot.moments
                    .set(&Tensor::stack(&[m.reshape(n)?, v.reshape(n)?], 0)?)
            };
            set().map_err(|e| bad(format!("moments of {}: {e}", slot.name)))?;
        }
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};

    use super::*;

    fn params() -> AdamParams {
        AdamParams {
            lr: 0.1,
            beta1: 0.5,
            beta2: 0.9,
            eps: 1e-7,
        }
    }

    #[test]
    fn two_steps_match_the_formula() {
        let dev = Device::Cpu;
        let w = Var::from_vec(vec![1.0f64, -2.0], 2, &dev).unwrap();
        let mut adam = Adam::new(vec![("w".into(), w.clone())], params()).unwrap();
        // Loss Σ w² / 2 has gradient w.
        let mut expected = vec![1.0f64, -2.0];
        let (mut m, mut v) = (vec![0.0; 2], vec![0.0; 2]);
        for t in 1..=2 {
            let loss = (w.as_tensor().sqr().unwrap().sum_all().unwrap() * 0.5).unwrap();
            adam.step(&loss.backward().unwrap()).unwrap();
            for i in 0..2 {
                let g = expected[i];
                m[i] = 0.5 * m[i] + 0.5 * g;
                v[i] = 0.9 * v[i] + 0.1 * g * g;
                let m_hat = m[i] / (1.0 - 0.5f64.powi(t));
                let v_hat = v[i] / (1.0 - 0.9f64.powi(t));
                expected[i] -= 0.1 * m_hat / (v_hat.sqrt() + 1e-7);
            }
            let got: Vec<f64> = w.as_tensor().to_vec1().unwrap();
            for (a, e) in got.iter().zip(&expected) {
                assert!((a - e).abs() < 1e-12, "step {t}: {got:?} vs {expected:?}");
            }
            if t == 1 {
                // m̂ = g and v̂ = g²: the first step moves each weight by lr against its
                // gradient's sign.
                assert!((got[0] - 0.9).abs() < 1e-6 && (got[1] + 1.9).abs() < 1e-6);
            }
        }
        assert_eq!(adam.steps(), 2);
    }

    #[test]
    fn export_import_continues_identically() {
        let dev = Device::Cpu;
        let run = |adam: &mut Adam, w: &Var, n: usize| {
            for _ in 0..n {
                let loss = w.as_tensor().powf(3.0).unwrap().sum_all().unwrap();
                adam.step(&loss.backward().unwrap()).unwrap();
            }
        };
        let w1 = Var::from_vec(vec![0.5f32, 1.5, -0.25], 3, &dev).unwrap();
        let mut a1 = Adam::new(vec![("w".into(), w1.clone())], params()).unwrap();
        run(&mut a1, &w1, 5);

        let w2 = Var::from_vec(vec![0.5f32, 1.5, -0.25], 3, &dev).unwrap();
        let mut a2 = Adam::new(vec![("w".into(), w2.clone())], params()).unwrap();
        run(&mut a2, &w2, 2);
        let saved: HashMap<String, Tensor> = a2.export("opt").unwrap().into_iter().collect();
        assert_eq!(saved.len(), 2);
        let w3 = Var::from_tensor(w2.as_tensor()).unwrap();
        let mut a3 = Adam::new(vec![("w".into(), w3.clone())], params()).unwrap();
        a3.import(&saved, "opt", a2.steps(), Path::new("adam.safetensors"))
            .unwrap();
        run(&mut a3, &w3, 3);
        assert_eq!(
            w3.as_tensor().to_vec1::<f32>().unwrap(),
            w1.as_tensor().to_vec1::<f32>().unwrap()
        );
        assert_eq!(a3.steps(), 5);

        let err = a3
            .import(&HashMap::new(), "opt", 1, Path::new("adam.safetensors"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("adam.safetensors") && err.contains("opt.m.w"),
            "{err}"
        );
        let wrong: HashMap<String, Tensor> = [
            (
                "opt.m.w".to_string(),
                Tensor::zeros(2, DType::F32, &dev).unwrap(),
            ),
            (
                "opt.v.w".to_string(),
                Tensor::zeros(2, DType::F32, &dev).unwrap(),
            ),
        ]
        .into();
        let err = a3
            .import(&wrong, "opt", 1, Path::new("adam.safetensors"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("shape"), "{err}");
    }
}
