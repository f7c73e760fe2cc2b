//! gan-core's WGAN-GP against the PyTorch float64 reference fixture (see tests/fixtures).

use candle_core::DType;
use gan_core::train::fixture::{check_file, FixtureReport};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/wgan-gp-f8.safetensors"
);

/// The groups every fixture check must cover.
const GROUPS: [&str; 18] = [
    "out/gen_infer",
    "out/fake_infer",
    "out/inter",
    "out/d_real",
    "out/d_fake",
    "out/d_inter",
    "out/grad_d_inter_wrt_inter",
    "out/grad_norm",
    "out/gp",
    "out/wasserstein_term",
    "out/critic_loss",
    "grad_critic_loss",
    "grad_gp",
    "grad_wasserstein",
    "out/gen_train",
    "out/after_train_forward",
    "out/gen_loss",
    "grad_gen_loss",
];

fn report(dtype: DType) -> FixtureReport {
    let report = check_file(FIXTURE, dtype).expect("fixture check runs");
    for (group, err) in report.groups() {
        println!("{dtype:?} {group:32} {err:.3e}");
    }
    let groups: Vec<String> = report.groups().into_iter().map(|(g, _)| g).collect();
    for g in GROUPS {
        assert!(groups.iter().any(|x| x == g), "group {g} not checked");
    }
    // 10 critic parameters × 3 losses and 28 generator parameters.
    let grads = report
        .comparisons
        .iter()
        .filter(|c| c.name.starts_with("grad_"))
        .count();
    assert_eq!(grads, 10 * 3 + 28);
    report
}

#[test]
fn f64_matches_reference_everywhere() {
    let report = report(DType::F64);
    assert_eq!((report.config.filters, report.config.latent), (8, 16));
    assert_eq!(report.batch, 2);
    for c in &report.comparisons {
        assert!(
            c.relative_error() <= 1e-4,
            "{}: error {:.3e} relative to {:.3e}",
            c.name,
            c.max_abs_error,
            c.max_abs_reference
        );
    }
}

#[test]
fn gp_does_not_depend_on_biases() {
    // The penalty is a function of the critic's input gradient, which depends on the biases only
    // through the LeakyReLU slopes (derivative 0): the reference has exact zeros there.
    let report = report(DType::F64);
    for c in report
        .comparisons
        .iter()
        .filter(|c| c.name.starts_with("grad_gp/") && c.name.ends_with("/bias"))
    {
        assert_eq!(c.max_abs_reference, 0.0, "{}", c.name);
        assert_eq!(c.max_abs_error, 0.0, "{}", c.name);
    }
}

#[test]
fn f32_matches_reference_within_float32_rounding() {
    let report = report(DType::F32);
    for c in &report.comparisons {
        assert!(
            c.relative_error() <= 1e-4,
            "{}: error {:.3e} relative to {:.3e}",
            c.name,
            c.max_abs_error,
            c.max_abs_reference
        );
    }
}
