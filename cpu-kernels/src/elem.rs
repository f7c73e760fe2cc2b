//! The element types the kernels run on (f32, f64) and their reusable scratch buffers.

use std::cell::RefCell;
use std::ops::{Add, AddAssign, Div, Mul, Sub};

use candle_core::CpuStorage;

/// An element type of the kernels: f32 or f64.
pub(crate) trait Elem:
    Copy
    + Default
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + AddAssign
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// The value nearest `v`.
    fn from_f64(v: f64) -> Self;
    /// The value as f64.
    fn to_f64(self) -> f64;
    /// The hyperbolic tangent.
    fn tanh(self) -> Self;
    /// The square root.
    fn sqrt(self) -> Self;
    /// Runs `f` on this thread's pool of free scratch buffers of this type.
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R;
    /// The typed slice in a CPU storage of this type.
    fn slice(storage: &CpuStorage) -> Option<&[Self]>;
    /// A CPU storage holding `v`.
    fn storage(v: Vec<Self>) -> CpuStorage;
}

/// At most this many free scratch buffers are kept per thread and type.
const POOL_SIZE: usize = 4;

/// The elements handled per parallel task in elementwise loops.
pub(crate) const ELEMENTWISE_TASK: usize = 1 << 14;

macro_rules! impl_elem {
    ($t:ty, $pool:ident, $variant:ident) => {
        thread_local! {
            static $pool: RefCell<Vec<Vec<$t>>> = const { RefCell::new(Vec::new()) };
        }

        impl Elem for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;

            fn from_f64(v: f64) -> Self {
                v as $t
            }

            fn to_f64(self) -> f64 {
                self as f64
            }

            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }

            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }

            fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R {
                $pool.with(|p| f(&mut p.borrow_mut()))
            }

            fn slice(storage: &CpuStorage) -> Option<&[Self]> {
                match storage {
                    CpuStorage::$variant(v) => Some(v),
                    _ => None,
                }
            }

            fn storage(v: Vec<Self>) -> CpuStorage {
                CpuStorage::$variant(v)
            }
        }
    };
}

impl_elem!(f32, F32_POOL, F32);
impl_elem!(f64, F64_POOL, F64);

/// Runs `f` on a scratch buffer of `len` elements taken from this thread's pool, and puts it
/// back. The buffer holds stale values: `f` must write every element before reading it.
///
/// Reusing the buffers spares the page faults of fresh allocations, which cost as much as the
/// copies into them.
pub(crate) fn with_scratch<T: Elem, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    let mut buf = T::with_pool(|pool| {
        // The smallest free buffer that is large enough, else the largest one to grow.
        let pick = (0..pool.len())
            .filter(|&i| pool[i].len() >= len)
            .min_by_key(|&i| pool[i].len())
            .or_else(|| (0..pool.len()).max_by_key(|&i| pool[i].len()));
        pick.map(|i| pool.swap_remove(i)).unwrap_or_default()
    });
    if buf.len() < len {
        buf.resize(len, T::ZERO);
    }
    let out = f(&mut buf[..len]);
    T::with_pool(|pool| {
        pool.push(buf);
        if pool.len() > POOL_SIZE {
            let smallest = (0..pool.len()).min_by_key(|&i| pool[i].len());
            if let Some(i) = smallest {
                pool.swap_remove(i);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_buffers_are_reused_and_sized() {
        let first = with_scratch::<f32, _>(1000, |b| {
            b.fill(1.0);
            b.as_ptr() as usize
        });
        // A smaller request reuses the same allocation; its elements are stale, not zeroed.
        let (again, stale) = with_scratch::<f32, _>(10, |b| (b.as_ptr() as usize, b[0]));
        assert_eq!(first, again);
        assert_eq!(stale, 1.0);
        // Nested requests get distinct buffers of the requested sizes.
        with_scratch::<f32, _>(5, |a| {
            with_scratch::<f32, _>(7, |b| {
                assert_eq!((a.len(), b.len()), (5, 7));
                assert_ne!(a.as_ptr(), b.as_ptr());
            })
        });
        let pooled = f32::with_pool(|p| p.len());
        assert!(pooled <= POOL_SIZE);
    }
}
