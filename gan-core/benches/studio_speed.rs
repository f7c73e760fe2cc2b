//! Times the studio's compose request for Twinkle Twinkle Little Star (12 bars): the whole
//! `POST /api/compose` through the studio's router (reading the MIDI body, composing with the
//! shipped model, the voice-leading report, the MIDI and the JSON answer), as `gan studio`
//! serves it, and prints the median.
//!
//! Run with `cargo bench -p gan-core --bench studio_speed -- [--runs N] [--samples K]
//! [--threads T]` (default: 21 requests of 1 variation, 2 threads).

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use gan_core::studio::{router, Studio};
use tower::ServiceExt;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut runs, mut samples, mut threads) = (21usize, 1usize, 2usize);
    while let Some(arg) = args.next() {
        // `cargo bench` passes it to every bench binary.
        if arg == "--bench" {
            continue;
        }
        let value = args.next().and_then(|v| v.parse().ok());
        match (arg.as_str(), value) {
            ("--runs", Some(v)) => runs = v,
            ("--samples", Some(v)) => samples = v,
            ("--threads", Some(v)) => threads = v,
            _ => {
                eprintln!("usage: studio_speed [--runs N] [--samples K] [--threads T]");
                std::process::exit(2);
            }
        }
    }
    // candle's CPU kernels use rayon's global pool, sized from this variable.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let body = gan_core::midi::write_midi(&gan_core::midi::twinkle_twinkle()).expect("Twinkle");
    let studio = Arc::new(Studio::new(
        gan_core::pretrained::default_dir(),
        std::env::temp_dir().join("gan-studio-speed-no-runs"),
    ));
    let app = router(studio);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("a runtime");
    let request = |seed: usize| {
        let app = app.clone();
        let body = body.clone();
        async move {
            let uri = format!("/api/compose?samples={samples}&seed={seed}");
            let request = Request::post(uri).body(Body::from(body)).expect("request");
            let start = Instant::now();
            let response = app.oneshot(request).await.expect("an answer");
            let status = response.status();
            let bytes = to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            (start.elapsed().as_secs_f64(), bytes.len())
        }
    };
    runtime.block_on(async {
        let (first, _) = request(0).await;
        println!("first request (loads the model): {:.0} ms", 1e3 * first);
        let mut times = Vec::with_capacity(runs);
        let mut size = 0;
        for seed in 1..=runs {
            let (seconds, bytes) = request(seed).await;
            times.push(seconds);
            size = bytes;
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "POST /api/compose, Twinkle (12 bars), {samples} variation(s), {threads} threads: \
             median {:.0} ms over {runs} requests (min {:.0} ms, max {:.0} ms); answer {} KiB",
            1e3 * median,
            1e3 * times[0],
            1e3 * times[times.len() - 1],
            size / 1024
        );
    });
}
