//! Optional wall-clock totals per kernel and input shape, for finding where a step spends its
//! time. Off unless [`set_enabled`] turns it on; the rest of a step (candle's own ops, the
//! autograd bookkeeping) is what the totals leave out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static TOTALS: Mutex<Option<HashMap<String, (Duration, usize)>>> = Mutex::new(None);

/// The time spent in one kernel on inputs of one shape.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTime {
    /// The kernel's name, its method where it has a choice, and the shape of its first input.
    pub label: String,
    /// Total wall-clock seconds.
    pub seconds: f64,
    /// Number of calls.
    pub calls: usize,
}

/// Turns the timing of every kernel call on or off (off by default).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// The totals gathered since the last call, largest first, and a fresh start.
pub fn take() -> Vec<KernelTime> {
    let totals = TOTALS.lock().map(|mut t| t.take()).unwrap_or_default();
    let mut out: Vec<KernelTime> = totals
        .unwrap_or_default()
        .into_iter()
        .map(|(label, (d, calls))| KernelTime {
            label,
            seconds: d.as_secs_f64(),
            calls,
        })
        .collect();
    out.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    out
}

/// Runs `f`, adding its wall-clock time to `label()`'s total when timing is on.
pub(crate) fn timed<R>(label: impl FnOnce() -> String, f: impl FnOnce() -> R) -> R {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    if let Ok(mut totals) = TOTALS.lock() {
        let entry = totals
            .get_or_insert_with(HashMap::new)
            .entry(label())
            .or_default();
        entry.0 += elapsed;
        entry.1 += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_per_label_only_when_enabled() {
        // Other tests may run kernels meanwhile: look at this test's own labels only.
        let mine = |t: &[KernelTime], l: &str| t.iter().find(|k| k.label == l).cloned();
        timed(|| "profile-test off".into(), || ());
        set_enabled(true);
        for _ in 0..3 {
            timed(
                || "profile-test a".into(),
                || std::thread::sleep(Duration::from_millis(1)),
            );
        }
        set_enabled(false);
        let totals = take();
        let a = mine(&totals, "profile-test a").expect("timed while enabled");
        assert_eq!(a.calls, 3);
        assert!(a.seconds >= 0.003);
        assert!(mine(&totals, "profile-test off").is_none());
        assert!(
            mine(&take(), "profile-test a").is_none(),
            "take starts afresh"
        );
    }
}
