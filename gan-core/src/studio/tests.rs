//! The studio's HTTP API, through its router: composing for Twinkle, every kind of bad input,
//! the size limit, and requests at the same time.

use std::sync::{Arc, OnceLock};

use crate::midi::{read_midi, twinkle_twinkle, write_midi};
use crate::roll::{Multitrack, Track, N_PITCHES, STEPS_PER_BAR, STEPS_PER_BEAT};
use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use ndarray::Array2;
use serde_json::Value;
use tower::ServiceExt;

use super::{router, Studio, MAX_BARS, MAX_BODY_BYTES};

/// One studio for all tests, so that the model loads once.
fn app() -> Router {
    static STUDIO: OnceLock<Arc<Studio>> = OnceLock::new();
    let studio = STUDIO.get_or_init(|| {
        let runs = std::env::temp_dir().join("gan-studio-tests-no-runs");
        Arc::new(Studio::new(crate::pretrained::default_dir(), runs))
    });
    router(studio.clone())
}

/// Sends a request; returns the status, content type and body.
async fn send(request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = app().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (status, content_type, body.to_vec())
}

/// POSTs `body` to `uri`; returns the status and the JSON answer.
async fn post_json(uri: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::post(uri)
        .body(Body::from(body))
        .expect("a request");
    let (status, content_type, bytes) = send(request).await;
    assert_eq!(content_type, "application/json", "{uri} answers JSON");
    (status, serde_json::from_slice(&bytes).expect("JSON"))
}

/// GETs `uri`.
async fn get(uri: &str) -> (StatusCode, String, Vec<u8>) {
    send(Request::get(uri).body(Body::empty()).expect("a request")).await
}

fn twinkle_midi() -> Vec<u8> {
    write_midi(&twinkle_twinkle()).expect("Twinkle writes")
}

/// The error text of a 4xx answer, checked to be one.
fn error_of(status: StatusCode, json: &Value, expected: StatusCode) -> String {
    assert_eq!(status, expected, "{json}");
    json["error"]
        .as_str()
        .expect("an error message")
        .to_string()
}

/// A one-track melody of `bars` bars, a quarter note C5 on every beat.
fn melody_of_bars(bars: usize) -> Vec<u8> {
    let steps = bars * STEPS_PER_BAR;
    let mut roll = Array2::zeros((steps, N_PITCHES));
    for t in 0..steps {
        if t % STEPS_PER_BEAT != STEPS_PER_BEAT - 1 {
            roll[[t, 72]] = 100;
        }
    }
    let melody = Track::new("Melody", 0, roll);
    write_midi(&Multitrack::new(STEPS_PER_BEAT, 100.0, vec![melody])).expect("writes")
}

#[tokio::test]
async fn compose_twinkle_gives_four_voices_with_the_melody_as_soprano() {
    let (status, json) = post_json("/api/compose?samples=2&seed=3", twinkle_midi()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["key"], "C major");
    let melody: Vec<Value> = twinkle_twinkle().tracks[0]
        .notes()
        .iter()
        .map(|n| serde_json::json!([n.pitch, n.start, n.end]))
        .collect();
    let variations = json["variations"].as_array().expect("variations");
    assert_eq!(variations.len(), 2);
    for v in variations {
        let voices = v["voices"].as_array().expect("voices");
        assert_eq!(voices.len(), 4);
        assert_eq!(voices[0]["notes"].as_array().expect("notes"), &melody);
        for voice in &voices[1..] {
            assert!(!voice["notes"].as_array().expect("notes").is_empty());
        }
        let in_key = v["in_key"].as_f64().expect("an in-key share");
        assert!((0.5..=1.0).contains(&in_key), "in key {in_key}");
        assert!(v["summary"].as_str().expect("summary").contains("in key"));
        assert!(v["findings"].as_u64().is_some());
        // A Roman numeral on every beat, and the piece's last cadence V–I.
        let chords = v["harmony"]["chords"].as_array().expect("chords");
        assert_eq!(chords.len(), twinkle_twinkle().len() / STEPS_PER_BEAT);
        assert_eq!(chords[0][0], 0);
        assert!(chords
            .iter()
            .all(|c| !c[1].as_str().unwrap_or_default().is_empty()));
        let cadences = v["harmony"]["cadences"].as_array().expect("cadences");
        let last = cadences.last().and_then(Value::as_str).expect("a cadence");
        assert!(
            last.ends_with("V–I authentic") || last.ends_with("V7–I authentic"),
            "{last}"
        );
        let midi = base64::engine::general_purpose::STANDARD
            .decode(v["midi"].as_str().expect("midi"))
            .expect("base64");
        let score = read_midi(&midi, STEPS_PER_BEAT).expect("the MIDI reads back");
        assert_eq!(score.tracks.len(), 4);
        assert_eq!(score.tracks[0].notes(), twinkle_twinkle().tracks[0].notes());
    }
    assert_ne!(
        variations[0]["voices"], variations[1]["voices"],
        "two different variations"
    );
}

#[tokio::test]
async fn a_composed_variation_downloads_as_midi_and_wav() {
    let (status, json) = post_json("/api/compose", twinkle_midi()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let v = &json["variations"][0];
    let (status, kind, midi) = get(v["midi_url"].as_str().expect("midi url")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "audio/midi"));
    assert_eq!(&midi[..4], b"MThd");
    let wav_url = v["wav_url"].as_str().expect("wav url");
    let (status, kind, all) = get(wav_url).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "audio/wav"));
    assert_eq!(&all[..4], b"RIFF");
    let (status, _, bass) = get(&format!("{wav_url}?voice=3")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bass.len(), all.len(), "one voice lasts as long as the mix");
    assert_ne!(bass, all);
    let (status, _, body) = get(&format!("{wav_url}?voice=4")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("voice must be 0 (soprano) to 3 (bass)"));
    let (status, _, body) = get("/api/variations/999999/midi").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("no variation 999999"));
}

#[tokio::test]
async fn garbage_bytes_are_not_midi() {
    let (status, json) = post_json("/api/compose", b"hello, this is not music".to_vec()).await;
    let error = error_of(status, &json, StatusCode::BAD_REQUEST);
    assert!(error.contains("not a MIDI file"), "{error}");
    let mut truncated = twinkle_midi();
    truncated.truncate(30);
    let (status, json) = post_json("/api/compose", truncated).await;
    let error = error_of(status, &json, StatusCode::BAD_REQUEST);
    assert!(error.contains("MIDI"), "{error}");
}

#[tokio::test]
async fn an_empty_body_is_refused() {
    let (status, json) = post_json("/api/compose", Vec::new()).await;
    let error = error_of(status, &json, StatusCode::BAD_REQUEST);
    assert!(error.contains("body is empty"), "{error}");
}

#[tokio::test]
async fn a_midi_file_without_notes_is_refused() {
    let silent = Multitrack::new(STEPS_PER_BEAT, 100.0, vec![Track::silent("Melody", 0, 32)]);
    let bytes = write_midi(&silent).expect("writes");
    for uri in ["/api/compose", "/api/melody"] {
        let (status, json) = post_json(uri, bytes.clone()).await;
        let error = error_of(status, &json, StatusCode::BAD_REQUEST);
        assert!(error.contains("no notes"), "{uri}: {error}");
    }
}

#[tokio::test]
async fn samples_out_of_range_are_refused() {
    for (samples, expected) in [("0", "got 0"), ("9", "got 9"), ("-1", "samples")] {
        let uri = format!("/api/compose?samples={samples}");
        let (status, json) = post_json(&uri, twinkle_midi()).await;
        let error = error_of(status, &json, StatusCode::BAD_REQUEST);
        assert!(error.contains(expected), "{samples}: {error}");
    }
}

#[tokio::test]
async fn a_too_long_melody_is_refused() {
    let (status, json) = post_json("/api/compose", melody_of_bars(MAX_BARS + 1)).await;
    let error = error_of(status, &json, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.contains(&format!("{} bars long", MAX_BARS + 1)),
        "{error}"
    );
    let (status, json) = post_json("/api/melody", melody_of_bars(MAX_BARS)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["bars"], MAX_BARS);
}

#[tokio::test]
async fn a_bad_pickup_or_model_is_refused() {
    let (status, json) = post_json("/api/compose?pickup=16", twinkle_midi()).await;
    let error = error_of(status, &json, StatusCode::BAD_REQUEST);
    assert!(error.contains("pickup must be 0 to 15"), "{error}");
    let (status, json) = post_json("/api/compose?model=../../etc", twinkle_midi()).await;
    let error = error_of(status, &json, StatusCode::NOT_FOUND);
    assert!(error.contains("no model \"../../etc\""), "{error}");
}

#[tokio::test]
async fn an_oversized_body_gets_413_with_a_json_error() {
    let mut big = twinkle_midi();
    big.resize(MAX_BODY_BYTES + 1, 0);
    let (status, json) = post_json("/api/compose", big).await;
    let error = error_of(status, &json, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error.contains("over the limit"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_all_succeed() {
    let requests: Vec<_> = (0..6)
        .map(|seed| {
            tokio::spawn(async move {
                let uri = format!("/api/compose?seed={seed}");
                post_json(&uri, twinkle_midi()).await
            })
        })
        .collect();
    // A bad request among them leaves the others unharmed.
    let (status, _) = post_json("/api/compose", b"MThd broken".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for request in requests {
        let (status, json) = request.await.expect("the task ends");
        assert_eq!(status, StatusCode::OK, "{json}");
        assert_eq!(
            json["variations"][0]["voices"].as_array().map(Vec::len),
            Some(4)
        );
    }
}

#[tokio::test]
async fn the_page_and_the_lists_are_served() {
    let (status, kind, page) = get("/").await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/html; charset=utf-8")
    );
    let page = String::from_utf8(page).expect("utf-8");
    assert!(page.contains("studio.js") && page.contains("studio.css"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no outside assets"
    );
    let (status, kind, _) = get("/studio.js").await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    let (status, _, body) = get("/api/melodies").await;
    assert_eq!(status, StatusCode::OK);
    let melodies: Value = serde_json::from_slice(&body).expect("JSON");
    let names: Vec<&str> = melodies
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names.len(), 1 + crate::midi::TUNES.len());
    assert_eq!(names[0], "twinkle_twinkle");
    for name in names {
        let (status, kind, midi) = get(&format!("/api/melodies/{name}")).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::OK, "audio/midi"),
            "{name}"
        );
        assert!(read_midi(&midi, STEPS_PER_BEAT).expect("reads").has_notes());
    }
    let (status, _, _) = get("/api/melodies/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = get("/api/models").await;
    assert_eq!(status, StatusCode::OK);
    let models: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(models["models"][0]["id"], "default");
    let (status, kind, _) = get("/api/nothing-here").await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::NOT_FOUND, "application/json")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn runs_and_checkpoints_are_offered_and_a_broken_one_answers_an_error() {
    let runs = std::env::temp_dir().join(format!("gan-studio-runs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&runs);
    // an exported model (links to the shipped one's files), a run with one (broken)
    // checkpoint, and a directory that is neither
    let exported = runs.join("exported");
    std::fs::create_dir_all(&exported).expect("a directory");
    let pretrained = crate::pretrained::default_dir();
    for file in ["generator.safetensors", "config.json", "log.json"] {
        std::os::unix::fs::symlink(pretrained.join(file), exported.join(file)).expect("a link");
    }
    let checkpoint = runs.join("mine/checkpoints/iter_000050");
    std::fs::create_dir_all(&checkpoint).expect("a directory");
    std::fs::write(checkpoint.join(crate::train::checkpoint::META_FILE), b"{").expect("a file");
    std::fs::create_dir_all(runs.join("nothing")).expect("a directory");
    let app = router(Arc::new(Studio::new(pretrained, runs.clone())));
    let send = |request: Request<Body>| {
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.expect("an answer");
            let status = response.status();
            let body = to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            (
                status,
                serde_json::from_slice::<Value>(&body).expect("JSON"),
            )
        }
    };
    let (status, models) = send(
        Request::get("/api/models")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = models["models"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "default",
            "runs/exported",
            "runs/mine",
            "runs/mine/iter_000050"
        ]
    );
    let compose = |model: &str| {
        Request::post(format!("/api/compose?model={model}"))
            .body(Body::from(twinkle_midi()))
            .expect("a request")
    };
    let (status, json) = send(compose("runs/exported")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["model"], "runs/exported");
    let (status, json) = send(compose("runs/mine")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{json}");
    let error = json["error"].as_str().expect("an error");
    assert!(
        error.contains("the model \"runs/mine\" could not be loaded"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&runs);
}
