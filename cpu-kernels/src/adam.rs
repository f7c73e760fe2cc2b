//! Adam's update of one variable, in place: two passes over its memory and no allocation.
//!
//! Written with candle's elementwise ops, an Adam step allocates a dozen parameter-sized
//! tensors per variable (candle-nn's `AdamW` does); at the lab's 11 million parameters that
//! costs about as much as a critic step's convolutions. Here the moments m and v of a variable
//! live in one (2, n) tensor and are updated in place from the gradient, then the variable
//! from them (PyTorch's Adam, which the training configuration describes):
//!
//! m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², θ ← θ − lr · m̂ / (√v̂ + ε),
//! with m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ) at step t (from 1).

use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Tensor, Var};
use rayon::prelude::*;

use super::elem::Elem;

/// The hyper-parameters of one Adam step and its count t (1 for the first step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    /// The learning rate.
    pub lr: f64,
    /// The first moment's decay β1.
    pub beta1: f64,
    /// The second moment's decay β2.
    pub beta2: f64,
    /// Added to √v̂.
    pub eps: f64,
    /// The step count t, from 1.
    pub t: u64,
}

impl AdamStep {
    fn bias_corrections(&self) -> (f64, f64) {
        let t = self.t.min(i32::MAX as u64) as i32;
        (1.0 - self.beta1.powi(t), 1.0 - self.beta2.powi(t))
    }
}

/// The elements handled per parallel task.
const TASK: usize = 1 << 15;

/// moments (2, n) ← decayed moments plus the gradient's share.
struct Moments(AdamStep);

/// θ ← θ − lr · m̂ / (√v̂ + ε), from the moments (2, n).
struct Update(AdamStep);

fn contiguous_mut<'a, T>(data: &'a mut [T], l: &Layout, name: &str) -> Result<&'a mut [T]> {
    match l.contiguous_offsets() {
        Some((start, end)) => Ok(&mut data[start..end]),
        None => candle_core::bail!("{name}: the variable must be contiguous"),
    }
}

fn contiguous<'a, T>(data: &'a [T], l: &Layout, name: &str) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{name}: the gradient must be contiguous"),
    }
}

fn moments<T: Elem>(mv: &mut [T], g: &[T], s: &AdamStep) {
    let n = g.len();
    let (m, v) = mv.split_at_mut(n);
    let (b1, b2) = (T::from_f64(s.beta1), T::from_f64(s.beta2));
    let (c1, c2) = (T::from_f64(1.0 - s.beta1), T::from_f64(1.0 - s.beta2));
    m.par_chunks_mut(TASK)
        .zip(v.par_chunks_mut(TASK))
        .zip(g.par_chunks(TASK))
        .for_each(|((m, v), g)| {
            for ((m, v), &g) in m.iter_mut().zip(v.iter_mut()).zip(g) {
                *m = b1 * *m + c1 * g;
                *v = b2 * *v + c2 * g * g;
            }
        });
}

fn update<T: Elem>(theta: &mut [T], mv: &[T], s: &AdamStep) {
    let n = theta.len();
    let (m, v) = mv.split_at(n);
    let (bc1, bc2) = s.bias_corrections();
    let step = T::from_f64(s.lr / bc1);
    let (inv_bc2, eps) = (T::from_f64(1.0 / bc2), T::from_f64(s.eps));
    theta
        .par_chunks_mut(TASK)
        .zip(m.par_chunks(TASK).zip(v.par_chunks(TASK)))
        .for_each(|(theta, (m, v))| {
            for ((p, &m), &v) in theta.iter_mut().zip(m).zip(v) {
                *p = *p - step * m / ((v * inv_bc2).sqrt() + eps);
            }
        });
}

impl InplaceOp2 for Moments {
    fn name(&self) -> &'static str {
        "adam-moments"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        let name = self.name();
        match (s1, s2) {
            (CpuStorage::F32(mv), CpuStorage::F32(g)) => moments(
                contiguous_mut(mv, l1, name)?,
                contiguous(g, l2, name)?,
                &self.0,
            ),
            (CpuStorage::F64(mv), CpuStorage::F64(g)) => moments(
                contiguous_mut(mv, l1, name)?,
                contiguous(g, l2, name)?,
                &self.0,
            ),
            _ => candle_core::bail!("{name}: moments and gradient must be both f32 or both f64"),
        }
        Ok(())
    }
}

impl InplaceOp2 for Update {
    fn name(&self) -> &'static str {
        "adam-update"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        let name = self.name();
        match (s1, s2) {
            (CpuStorage::F32(p), CpuStorage::F32(mv)) => update(
                contiguous_mut(p, l1, name)?,
                contiguous(mv, l2, name)?,
                &self.0,
            ),
            (CpuStorage::F64(p), CpuStorage::F64(mv)) => update(
                contiguous_mut(p, l1, name)?,
                contiguous(mv, l2, name)?,
                &self.0,
            ),
            _ => candle_core::bail!("{name}: variable and moments must be both f32 or both f64"),
        }
        Ok(())
    }
}

/// Zeroed Adam moments for `param`: a (2, n) variable holding m and v of its n values.
pub fn adam_moments(param: &Tensor) -> Result<Var> {
    Var::zeros((2, param.elem_count()), param.dtype(), param.device())
}

/// One Adam step of `param` with gradient `grad`, updating `moments` (from [`adam_moments`])
/// and `param` in place.
pub fn adam_update(param: &Var, grad: &Tensor, moments: &Var, step: &AdamStep) -> Result<()> {
    let n = param.elem_count();
    if grad.elem_count() != n || moments.dims() != [2, n] {
        candle_core::bail!(
            "adam: gradient of {n} values and moments (2, {n}) expected, got {:?} and {:?}",
            grad.dims(),
            moments.dims()
        )
    }
    let grad = grad.detach().flatten_all()?.contiguous()?;
    if !param.device().is_cpu() {
        return portable_update(param, &grad, moments, step);
    }
    moments.inplace_op2(&grad, &Moments(*step))?;
    param.inplace_op2(&moments.as_tensor().flatten_all()?, &Update(*step))
}

/// The same step with candle's ops (other devices, and what the tests check against).
fn portable_update(param: &Var, grad: &Tensor, moments: &Var, s: &AdamStep) -> Result<()> {
    let (m, v) = (moments.get(0)?, moments.get(1)?);
    let m = ((m * s.beta1)? + (grad * (1.0 - s.beta1))?)?;
    let v = ((v * s.beta2)? + (grad.sqr()? * (1.0 - s.beta2))?)?;
    let (bc1, bc2) = s.bias_corrections();
    let denom = ((&v / bc2)?.sqrt()? + s.eps)?;
    let delta = ((&m / bc1)? / denom)?.affine(s.lr, 0.0)?;
    let next = (param.as_tensor().flatten_all()? - delta)?.reshape(param.shape())?;
    moments.set(&Tensor::stack(&[m, v], 0)?)?;
    param.set(&next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portable::testing::{assert_close, random};

    #[test]
    fn in_place_steps_match_the_formula() {
        let start = random((3, 4), 1);
        let (ours, reference) = (
            Var::from_tensor(&start).unwrap(),
            Var::from_tensor(&start).unwrap(),
        );
        let (m_ours, m_ref) = (
            adam_moments(&ours).unwrap(),
            adam_moments(&reference).unwrap(),
        );
        for t in 1..=3 {
            let step = AdamStep {
                lr: 1e-2,
                beta1: 0.5,
                beta2: 0.9,
                eps: 1e-7,
                t,
            };
            let grad = random((3, 4), 10 + t);
            adam_update(&ours, &grad, &m_ours, &step).unwrap();
            portable_update(&reference, &grad.flatten_all().unwrap(), &m_ref, &step).unwrap();
            assert_close(&ours, &reference, 1e-14, &format!("step {t}"));
            assert_close(&m_ours, &m_ref, 1e-14, &format!("moments {t}"));
        }
        // The first step moves every value by about lr (m̂ / √v̂ = ±1).
        let moved = (ours.as_tensor() - &start).unwrap();
        assert!(crate::portable::testing::max_abs(&moved) > 1e-2);
    }

    #[test]
    fn rejects_mismatched_moments() {
        let p = Var::from_tensor(&random(4, 1)).unwrap();
        let m = Var::zeros((2, 3), p.dtype(), p.device()).unwrap();
        let step = AdamStep {
            lr: 1e-3,
            beta1: 0.5,
            beta2: 0.9,
            eps: 1e-7,
            t: 1,
        };
        let err = adam_update(&p, &random(4, 2), &m, &step).unwrap_err();
        assert!(err.to_string().contains("moments (2, 4)"), "{err}");
    }
}
