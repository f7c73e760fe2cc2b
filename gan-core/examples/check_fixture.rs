//! Checks gan-core against a reference fixture made by the PyTorch reference's fixture script
//! (any widths, batch size or seed): prints the worst relative error of every group of outputs
//! and gradients, and exits with status 1 when one is above the tolerance.
//!
//!     cargo run --release -p gan-core --example check_fixture -- PATH [--tol 1e-4] [--dtype f64]
//!
//! The relative error of a tensor is its largest absolute error divided by the reference's
//! largest magnitude; a group's is the worst over its tensors.

use std::process::ExitCode;

use candle_core::DType;
use gan_core::train::fixture::check_file;

struct Args {
    path: String,
    tol: f64,
    dtype: DType,
    verbose: bool,
}

const USAGE: &str = "usage: check_fixture PATH [--tol 1e-4] [--dtype f32|f64] [--verbose]";

fn parse_args() -> Result<Args, String> {
    let mut path = None;
    let mut tol = 1e-4;
    let mut dtype = DType::F64;
    let mut verbose = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--tol" => {
                let v = it.next().ok_or("--tol needs a value")?;
                tol = v.parse().map_err(|_| format!("--tol: not a number: {v}"))?;
            }
            "--dtype" => {
                dtype = match it.next().as_deref() {
                    Some("f32") => DType::F32,
                    Some("f64") => DType::F64,
                    other => return Err(format!("--dtype must be f32 or f64, got {other:?}")),
                }
            }
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            _ => return Err(format!("unexpected argument {arg}\n{USAGE}")),
        }
    }
    let path = path.ok_or_else(|| USAGE.to_string())?;
    Ok(Args {
        path,
        tol,
        dtype,
        verbose,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let report = match check_file(&args.path, args.dtype) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{}: filters {}, latent {}, batch {}, gan-core in {:?}",
        args.path, report.config.filters, report.config.latent, report.batch, report.dtype
    );
    if args.verbose {
        for c in &report.comparisons {
            println!(
                "  {:60} {:.3e}  (abs {:.3e}, ref max {:.3e})",
                c.name,
                c.relative_error(),
                c.max_abs_error,
                c.max_abs_reference
            );
        }
    }
    let mut failed = 0;
    for (group, err) in report.groups() {
        let mark = if err <= args.tol { "ok" } else { "FAIL" };
        if err > args.tol {
            failed += 1;
        }
        println!("{group:32} {err:10.3e}  {mark}");
    }
    println!(
        "worst {:.3e} over {} tensors, tolerance {:.1e}: {}",
        report.worst(),
        report.comparisons.len(),
        args.tol,
        if failed == 0 { "pass" } else { "FAIL" }
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
