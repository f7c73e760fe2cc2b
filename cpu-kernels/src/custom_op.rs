//! The glue between candle's custom-op traits and the kernels, written once.
//!
//! An op states what is its own as a [`Kernel`]: its name, its computation on typed slices,
//! the shape of its output and the method it runs by. [`impl_custom_op`] then writes its
//! `CustomOp1`, `CustomOp2` or `CustomOp3` impl: the name, the CPU forward pass through
//! [`cpu_fwd`] (the f32 / f64 dispatch, the contiguity check, the profile timing) and, where
//! the op has one, the backward pass as a method of the op.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, Layout, Result, Shape};

use super::elem::Elem;
use super::profile::timed;

/// A kernel over contiguous typed inputs, run by [`cpu_fwd`] for whichever element type the
/// storages hold.
pub(crate) trait Kernel {
    /// The op's name, for error messages and the profile.
    const NAME: &'static str;

    /// The output, from the inputs' elements in row-major order.
    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>>;

    /// The output's shape, from the inputs' layouts.
    fn output_shape(&self, inputs: &[&Layout]) -> Shape;

    /// The method the op runs by, named in the profile's labels (none for ops with one way).
    fn method(&self) -> Option<&'static str> {
        None
    }
}

/// The CPU forward pass of `kernel` on `N` inputs: its output and the output's shape.
pub(crate) fn cpu_fwd<K: Kernel, const N: usize>(
    kernel: &K,
    inputs: [(&CpuStorage, &Layout); N],
) -> Result<(CpuStorage, Shape)> {
    let out = cpu_run(kernel, &inputs)?;
    Ok((out, kernel.output_shape(&inputs.map(|(_, l)| l))))
}

/// Runs `kernel` on CPU storages that are all f32 or all f64 and contiguous (timed per
/// kernel, method and input shape when [`super::profile`] is on).
fn cpu_run<K: Kernel>(kernel: &K, inputs: &[(&CpuStorage, &Layout)]) -> Result<CpuStorage> {
    fn typed<'a, T: Elem>(
        name: &str,
        inputs: &[(&'a CpuStorage, &Layout)],
    ) -> Result<Option<Vec<&'a [T]>>> {
        let mut out = Vec::with_capacity(inputs.len());
        for (storage, layout) in inputs {
            let Some(data) = T::slice(storage) else {
                return Ok(None);
            };
            match layout.contiguous_offsets() {
                Some((start, end)) => out.push(&data[start..end]),
                None => candle_core::bail!("{name}: inputs must be contiguous"),
            }
        }
        Ok(Some(out))
    }
    let label = || {
        let dims = inputs[0].1.dims();
        match kernel.method() {
            Some(method) => format!("{} ({method}) {dims:?}", K::NAME),
            None => format!("{} {dims:?}", K::NAME),
        }
    };
    if let Some(slices) = typed::<f32>(K::NAME, inputs)? {
        return Ok(f32::storage(timed(label, || kernel.run(&slices))?));
    }
    if let Some(slices) = typed::<f64>(K::NAME, inputs)? {
        return Ok(f64::storage(timed(label, || kernel.run(&slices))?));
    }
    let dtypes: Vec<_> = inputs.iter().map(|(s, _)| s.dtype()).collect();
    candle_core::bail!(
        "{}: inputs must be all f32 or all f64, got {dtypes:?}",
        K::NAME
    )
}

/// Fails unless the slice lengths are `expected`, naming the op.
pub(crate) fn check_lengths<T>(name: &str, inputs: &[&[T]], expected: &[usize]) -> Result<()> {
    let got: Vec<usize> = inputs.iter().map(|s| s.len()).collect();
    if got != expected {
        candle_core::bail!("{name}: input sizes {got:?}, expected {expected:?}")
    }
    Ok(())
}

/// Implements candle's `CustomOp1`, `CustomOp2` or `CustomOp3` for a [`Kernel`]:
/// `impl_custom_op!(Op: CustomOp2)` for an op without a backward pass (candle's default says
/// so), `impl_custom_op!(Op: CustomOp2, backward)` for one whose method
/// `backward(&self, a, b, res, grad)` gives its inputs' gradients, as candle's `bwd` does.
macro_rules! impl_custom_op {
    ($op:ty: CustomOp1 $(, $bwd:ident)?) => {
        $crate::custom_op::impl_custom_op!(
            @impl $op, CustomOp1, [s1 l1], [a],
            Option<candle_core::Tensor>, [$($bwd)?]
        );
    };
    ($op:ty: CustomOp2 $(, $bwd:ident)?) => {
        $crate::custom_op::impl_custom_op!(
            @impl $op, CustomOp2, [s1 l1, s2 l2], [a, b],
            (Option<candle_core::Tensor>, Option<candle_core::Tensor>), [$($bwd)?]
        );
    };
    ($op:ty: CustomOp3 $(, $bwd:ident)?) => {
        $crate::custom_op::impl_custom_op!(
            @impl $op, CustomOp3, [s1 l1, s2 l2, s3 l3], [a, b, c],
            (
                Option<candle_core::Tensor>,
                Option<candle_core::Tensor>,
                Option<candle_core::Tensor>,
            ),
            [$($bwd)?]
        );
    };
    // The impl of `$trait`, whose storages and layouts are named `$s`, `$l` and whose
    // backward pass's inputs `$arg`.
    (@impl $op:ty, $trait:ident, [$($s:ident $l:ident),+], [$($arg:ident),+], $grads:ty,
        $bwd:tt) => {
        impl candle_core::$trait for $op {
            fn name(&self) -> &'static str {
                <Self as $crate::custom_op::Kernel>::NAME
            }

            fn cpu_fwd(
                &self,
                $($s: &candle_core::CpuStorage, $l: &candle_core::Layout),+
            ) -> candle_core::Result<(candle_core::CpuStorage, candle_core::Shape)> {
                $crate::custom_op::cpu_fwd(self, [$(($s, $l)),+])
            }

            $crate::custom_op::impl_custom_op!(@bwd $bwd, [$($arg),+], $grads);
        }
    };
    // No backward pass: candle's default `bwd`, which says so.
    (@bwd [], $args:tt, $grads:ty) => {};
    (@bwd [$bwd:ident], [$($arg:ident),+], $grads:ty) => {
        fn bwd(
            &self,
            $($arg: &candle_core::Tensor,)+
            res: &candle_core::Tensor,
            grad: &candle_core::Tensor,
        ) -> candle_core::Result<$grads> {
            self.$bwd($($arg,)+ res, grad)
        }
    };
}

pub(crate) use impl_custom_op;
