//! Tunes the C allocator for training: freed tensor buffers are kept for reuse.
//!
//! Every op of a training step allocates its output, and most outputs are larger than glibc's
//! default threshold for `mmap` (128 KiB, raised dynamically up to a few MiB). Each such buffer
//! is then mapped fresh, zeroed page by page by the kernel on first touch, and unmapped when
//! freed: page faults, page clearing and TLB shootdowns took about 8 % of a critic step's perf
//! samples. With the thresholds raised, freed buffers stay in the allocator's heap and the next
//! step reuses them: the bench's system time fell from 3.8 s to 1.0 s and its peak memory rose
//! by about 20 MiB (docs/performance.md).

use std::sync::OnceLock;

/// Blocks up to this size come from the heap (glibc's maximum for `M_MMAP_THRESHOLD`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;

/// Free memory at the top of a heap is returned to the system only beyond this size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 1 << 30;

/// Keeps freed buffers in the allocator for reuse; true where the allocator took the setting
/// (glibc on Linux), false elsewhere.
///
/// A process-wide setting, made once; gan-core's `WganGp::new` calls it.
pub fn keep_freed_memory() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    *DONE.get_or_init(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: `mallopt` only changes allocator parameters; it takes the allocator's locks.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_setting() {
        assert!(keep_freed_memory());
        // A second call changes nothing and reports the same.
        assert!(keep_freed_memory());
    }
}
