//! The studio behind `gan studio`: the DeepComposer console on your own machine. One web page,
//! where a musician picks, plays or uploads a melody, chooses a model, composes variations and
//! hears, sees and downloads them: [`router`] serves it over a [`Studio`]. The page and its
//! script are compiled in; nothing is fetched from the network. (The `studio` feature, on
//! with the `cli` feature.)
//!
//! The HTTP API the page uses (every error is a 4xx or 5xx with `{"error": "..."}`):
//! - `GET /`, `/studio.js`, `/studio.css`, `/favicon.ico`: the page.
//! - `GET /api/models`: the models on offer (`[{id, label}]`) and the default id.
//! - `GET /api/melodies`: the sample melodies; `GET /api/melodies/{name}`: one as a MIDI file.
//! - `POST /api/melody?pickup=P`: a MIDI body's melody as the studio reads it (notes, bars).
//! - `POST /api/compose?samples=N&seed=S&model=ID&pickup=P`: a MIDI body; the variations with
//!   their notes, MIDI (base64), key, in-key share, voice-leading summary and harmony (a
//!   Roman numeral per beat, the cadences).
//! - `GET /api/variations/{id}/midi`, `GET /api/variations/{id}/wav?voice=K`: a composed
//!   variation's MIDI file, and its WAV from the built-in synthesizer (one voice, or all).

mod models;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::audio::{wav_bytes, AudioError, SynthConfig};
use crate::compose::{Arrangement, ComposeError, ComposeOptions};
use crate::metrics::harmony::Harmony;
use crate::metrics::voice_leading::VoiceLeadingError;
use crate::midi::{melody, read_midi, twinkle_twinkle, write_midi, Melody, MidiError, TUNES};
use crate::roll::{Multitrack, Track, STEPS_PER_BAR, STEPS_PER_BEAT, VOICE_NAMES};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};

use models::{Catalog, ModelEntry, DEFAULT_ID};

/// The largest request body accepted (a MIDI file), in bytes.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The most variations one compose request may ask for.
pub const MAX_SAMPLES: usize = 8;
/// The longest melody composed for, in bars.
pub const MAX_BARS: usize = 64;
/// The longest pickup, in steps (less than a bar).
const MAX_PICKUP: usize = STEPS_PER_BAR - 1;
/// How many composed variations are kept for their MIDI and WAV routes.
const KEPT_VARIATIONS: usize = 64;
/// The name of the built-in sample melody that is not one of `TUNES`.
const TWINKLE: &str = "twinkle_twinkle";

const INDEX_HTML: &str = include_str!("assets/index.html");
const STUDIO_JS: &str = include_str!("assets/studio.js");
const STUDIO_CSS: &str = include_str!("assets/studio.css");
const FAVICON_SVG: &str = include_str!("assets/favicon.svg");

/// The server's state: the models, and the variations composed lately.
#[derive(Debug)]
pub struct Studio {
    models: Catalog,
    kept: Mutex<Kept>,
}

/// The latest composed variations, by id, oldest first.
#[derive(Debug, Default)]
struct Kept {
    next_id: u64,
    scores: VecDeque<(u64, Arc<Multitrack>)>,
}

impl Studio {
    /// A studio whose default model is `default_model`, listing the runs in `runs_dir`.
    pub fn new(default_model: PathBuf, runs_dir: PathBuf) -> Self {
        Self {
            models: Catalog::new(default_model, runs_dir),
            kept: Mutex::new(Kept::default()),
        }
    }

    /// Loads the default model now, so that the first compose request does not wait for it.
    pub fn load_default_model(&self) -> crate::Result<()> {
        match self.models.find(DEFAULT_ID) {
            Some(entry) => self.models.get(&entry).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Keeps `score` for the MIDI and WAV routes and returns its id.
    fn keep(&self, score: Multitrack) -> u64 {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let id = kept.next_id;
        kept.next_id += 1;
        if kept.scores.len() >= KEPT_VARIATIONS {
            kept.scores.pop_front();
        }
        kept.scores.push_back((id, Arc::new(score)));
        id
    }

    /// The kept variation `id`.
    fn kept(&self, id: u64) -> Result<Arc<Multitrack>, ApiError> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.scores
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s.clone())
            .ok_or(ApiError::UnknownVariation(id))
    }
}

/// The studio's routes over `studio`, with the request size limit.
pub fn router(studio: Arc<Studio>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/studio.js",
            get(|| async { asset("text/javascript; charset=utf-8", STUDIO_JS) }),
        )
        .route(
            "/studio.css",
            get(|| async { asset("text/css; charset=utf-8", STUDIO_CSS) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { asset("image/svg+xml", FAVICON_SVG) }),
        )
        .route("/api/models", get(list_models))
        .route("/api/melodies", get(list_melodies))
        .route("/api/melodies/{name}", get(sample_melody))
        .route("/api/melody", post(inspect_melody))
        .route("/api/compose", post(compose))
        .route("/api/variations/{id}/midi", get(variation_midi))
        .route("/api/variations/{id}/wav", get(variation_wav))
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(studio)
}

/// A compiled-in page asset.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// What a request can do wrong, or what can fail serving it; each becomes a JSON error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The query string does not parse.
    #[error("bad query: {0}")]
    Query(String),
    /// The body could not be read (413 when it is over the size limit).
    #[error("{message}")]
    Body {
        /// The status to answer with.
        status: StatusCode,
        /// What went wrong.
        message: String,
    },
    /// The body is empty.
    #[error("the request has no MIDI file: the body is empty")]
    EmptyBody,
    /// The MIDI file cannot be read, or holds no usable melody.
    #[error(transparent)]
    Midi(#[from] MidiError),
    /// The number of variations is out of range.
    #[error("samples must be 1 to {MAX_SAMPLES}, got {0}")]
    Samples(usize),
    /// The melody is too long.
    #[error("the melody is {bars} bars long; the studio composes at most {MAX_BARS} bars")]
    TooLong {
        /// Its length in (started) bars.
        bars: usize,
    },
    /// The pickup is out of range.
    #[error("pickup must be 0 to {MAX_PICKUP} steps (less than a bar), got {0}")]
    Pickup(usize),
    /// Composing failed.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// No model has this id.
    #[error("no model \"{0}\": choose one that GET /api/models lists")]
    UnknownModel(String),
    /// The model could not be loaded.
    #[error("the model \"{id}\" could not be loaded: {message}")]
    ModelLoad {
        /// The model's id.
        id: String,
        /// Why.
        message: String,
    },
    /// No sample melody has this name.
    #[error("no sample melody \"{0}\"")]
    UnknownMelody(String),
    /// The variation is not (or no longer) kept.
    #[error("no variation {0}: it is not one of the {KEPT_VARIATIONS} latest; compose again")]
    UnknownVariation(u64),
    /// A voice index out of range.
    #[error("voice must be 0 (soprano) to 3 (bass), got {0}")]
    Voice(usize),
    /// Rendering audio failed (e.g. the piece is too long to render).
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The voice-leading analysis failed.
    #[error(transparent)]
    VoiceLeading(#[from] VoiceLeadingError),
    /// A worker thread failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// No such route.
    #[error("not found")]
    NotFound,
}

impl ApiError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Body { status, .. } => *status,
            ApiError::Query(_)
            | ApiError::EmptyBody
            | ApiError::Midi(_)
            | ApiError::Samples(_)
            | ApiError::Pickup(_)
            | ApiError::Voice(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLong { .. } | ApiError::Compose(_) | ApiError::Audio(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::UnknownModel(_)
            | ApiError::UnknownMelody(_)
            | ApiError::UnknownVariation(_)
            | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::ModelLoad { .. } | ApiError::VoiceLeading(_) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        (self.status(), body).into_response()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Query(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::Body {
            status: StatusCode::BAD_REQUEST,
            message: rejection.body_text(),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the request is over the limit of {MAX_BODY_BYTES} bytes (1 MiB)")
        } else {
            rejection.body_text()
        };
        ApiError::Body { status, message }
    }
}

/// The body of a request that must carry a MIDI file.
fn midi_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let body = body?;
    if body.is_empty() {
        return Err(ApiError::EmptyBody);
    }
    Ok(body)
}

/// Runs blocking work (reading, composing, rendering) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// `GET /api/models`'s answer.
#[derive(Debug, Serialize)]
struct ModelList {
    default: &'static str,
    models: Vec<ModelEntry>,
}

async fn list_models(State(studio): State<Arc<Studio>>) -> Result<Json<ModelList>, ApiError> {
    let models = blocking(move || Ok(studio.models.list())).await?;
    Ok(Json(ModelList {
        default: DEFAULT_ID,
        models,
    }))
}

/// A sample melody, as `GET /api/melodies` lists it.
#[derive(Debug, Serialize)]
struct MelodyInfo {
    name: &'static str,
    title: &'static str,
    key: &'static str,
    pickup_steps: usize,
    bars: usize,
    tempo_bpm: f64,
}

/// The sample melodies: Twinkle first, then the tunes.
fn melody_infos() -> Vec<MelodyInfo> {
    let twinkle = twinkle_twinkle();
    let mut out = vec![MelodyInfo {
        name: TWINKLE,
        title: "Twinkle, Twinkle, Little Star",
        key: "C major",
        pickup_steps: 0,
        bars: twinkle.len() / STEPS_PER_BAR,
        tempo_bpm: twinkle.tempo_bpm,
    }];
    out.extend(TUNES.iter().map(|t| MelodyInfo {
        name: t.name,
        title: t.title,
        key: t.key,
        pickup_steps: t.pickup_steps,
        bars: t.bars(),
        tempo_bpm: t.tempo_bpm,
    }));
    out
}

async fn list_melodies() -> Json<Vec<MelodyInfo>> {
    Json(melody_infos())
}

/// The sample melody `name` as a roll.
fn sample_roll(name: &str) -> Result<Multitrack, ApiError> {
    if name == TWINKLE {
        return Ok(twinkle_twinkle());
    }
    TUNES
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.to_multitrack())
        .ok_or_else(|| ApiError::UnknownMelody(name.to_string()))
}

async fn sample_melody(name: Result<UrlPath<String>, PathRejection>) -> Result<Response, ApiError> {
    let UrlPath(name) = name?;
    let midi = write_midi(&sample_roll(&name)?)?;
    Ok(([(header::CONTENT_TYPE, "audio/midi")], midi).into_response())
}

/// A note as the page draws it: `[pitch, start step, end step]`.
type NoteData = [usize; 3];

/// The notes of one track.
fn note_data(track: &Track) -> Vec<NoteData> {
    track
        .notes()
        .iter()
        .map(|n| [usize::from(n.pitch), n.start, n.end])
        .collect()
}

/// `POST /api/melody`'s query.
#[derive(Debug, Default, Deserialize)]
struct MelodyQuery {
    pickup: Option<usize>,
}

/// The melody of an input, as the studio reads it.
#[derive(Debug, Serialize)]
struct MelodyReply {
    notes: Vec<NoteData>,
    steps: usize,
    bars: usize,
    tempo_bpm: f64,
}

/// Reads a MIDI body, with the studio's checks on its length and pickup.
fn read_input(bytes: &[u8], pickup: usize) -> Result<Multitrack, ApiError> {
    if pickup > MAX_PICKUP {
        return Err(ApiError::Pickup(pickup));
    }
    let input = read_midi(bytes, STEPS_PER_BEAT)?;
    if !input.has_notes() {
        return Err(MidiError::NoNotes.into());
    }
    let bars = input.len().saturating_sub(pickup).div_ceil(STEPS_PER_BAR);
    if bars > MAX_BARS {
        return Err(ApiError::TooLong { bars });
    }
    Ok(input)
}

async fn inspect_melody(
    query: Result<Query<MelodyQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<MelodyReply>, ApiError> {
    let Query(query) = query?;
    let body = midi_body(body)?;
    let reply = blocking(move || {
        let pickup = query.pickup.unwrap_or(0);
        let input = read_input(&body, pickup)?;
        let line = melody(&input, Melody::Auto)?;
        Ok(MelodyReply {
            notes: note_data(&line),
            steps: input.len(),
            bars: input.len().saturating_sub(pickup).div_ceil(STEPS_PER_BAR),
            tempo_bpm: input.tempo_bpm,
        })
    })
    .await?;
    Ok(Json(reply))
}

/// `POST /api/compose`'s query.
#[derive(Debug, Default, Deserialize)]
struct ComposeQuery {
    samples: Option<usize>,
    seed: Option<u64>,
    model: Option<String>,
    pickup: Option<usize>,
}

/// One voice of a variation.
#[derive(Debug, Serialize)]
struct VoiceData {
    name: &'static str,
    notes: Vec<NoteData>,
}

/// One composed variation.
#[derive(Debug, Serialize)]
struct VariationData {
    /// Its id for the MIDI and WAV routes.
    id: u64,
    /// The MIDI file, base64.
    midi: String,
    /// The share of the alto's, tenor's and bass's notes in the melody's key (null: no key).
    in_key: Option<f64>,
    /// The voice-leading summary.
    summary: String,
    /// How many voice-leading findings.
    findings: usize,
    /// The first findings, one line each.
    finding_lines: Vec<String>,
    /// How many notes the repair step moved.
    repairs: usize,
    /// Its harmony (null when the melody has no key).
    harmony: Option<HarmonyData>,
    /// The four voices, soprano first.
    voices: Vec<VoiceData>,
    /// The length in steps.
    steps: usize,
    /// Beats per minute.
    tempo_bpm: f64,
    /// Where its MIDI file is.
    midi_url: String,
    /// Where its WAV (all voices) is; `?voice=K` for one voice.
    wav_url: String,
}

/// A variation's harmony for the page.
#[derive(Debug, Serialize)]
struct HarmonyData {
    /// The one-line harmony summary.
    summary: String,
    /// Each beat's chord: (step, Roman numeral; "–" for no chord).
    chords: Vec<(usize, String)>,
    /// The cadence at each phrase end, e.g. "12:3 V–I authentic".
    cadences: Vec<String>,
}

impl HarmonyData {
    /// The page's view of `harmony`.
    fn of(harmony: &Harmony) -> Self {
        Self {
            summary: harmony.rates.summary(),
            chords: harmony
                .beats
                .iter()
                .map(|b| (b.step, b.numeral(harmony.key)))
                .collect(),
            cadences: harmony
                .cadences
                .iter()
                .map(|c| c.describe(harmony.key))
                .collect(),
        }
    }
}

/// `POST /api/compose`'s answer.
#[derive(Debug, Serialize)]
struct ComposeReply {
    /// The melody's key, e.g. "C major" (null when it has none).
    key: Option<String>,
    /// The model's id.
    model: String,
    /// Steps per beat of the note data.
    steps_per_beat: usize,
    /// Steps before the first barline.
    pickup_steps: usize,
    /// Each variation.
    variations: Vec<VariationData>,
}

/// The most findings listed per variation.
const LISTED_FINDINGS: usize = 12;

/// A variation's data for the page; keeps its score.
fn variation_data(studio: &Studio, arrangement: Arrangement) -> Result<VariationData, ApiError> {
    let report = arrangement.report()?;
    let harmony = arrangement
        .harmony()
        .and_then(Result::ok)
        .map(|h| HarmonyData::of(&h));
    let score = &arrangement.score;
    let in_key = arrangement
        .key
        .map(|key| key.in_key_rate(score.tracks.get(1..).unwrap_or_default()))
        .filter(|&(_, notes)| notes > 0)
        .map(|(rate, _)| rate);
    let midi = write_midi(score)?;
    let voices = score
        .tracks
        .iter()
        .zip(VOICE_NAMES)
        .map(|(track, name)| VoiceData {
            name,
            notes: note_data(track),
        })
        .collect();
    let (steps, tempo_bpm) = (score.len(), score.tempo_bpm);
    let id = studio.keep(arrangement.score.clone());
    Ok(VariationData {
        id,
        midi: base64::engine::general_purpose::STANDARD.encode(midi),
        in_key,
        summary: report.rates.summary(),
        findings: report.findings.len(),
        finding_lines: report
            .findings
            .iter()
            .take(LISTED_FINDINGS)
            .map(ToString::to_string)
            .collect(),
        repairs: arrangement.repairs.len(),
        harmony,
        voices,
        steps,
        tempo_bpm,
        midi_url: format!("/api/variations/{id}/midi"),
        wav_url: format!("/api/variations/{id}/wav"),
    })
}

/// Composes for a MIDI body: what `POST /api/compose` does, off the async threads.
fn compose_blocking(
    studio: &Studio,
    query: ComposeQuery,
    body: &[u8],
) -> Result<ComposeReply, ApiError> {
    let samples = query.samples.unwrap_or(1);
    if !(1..=MAX_SAMPLES).contains(&samples) {
        return Err(ApiError::Samples(samples));
    }
    let pickup = query.pickup.unwrap_or(0);
    let input = read_input(body, pickup)?;
    let id = query.model.unwrap_or_else(|| DEFAULT_ID.to_string());
    let entry = studio
        .models
        .find(&id)
        .ok_or_else(|| ApiError::UnknownModel(id.clone()))?;
    let model = studio.models.get(&entry).map_err(|e| ApiError::ModelLoad {
        id: id.clone(),
        message: e.to_string(),
    })?;
    let options = ComposeOptions {
        samples,
        seed: query.seed.unwrap_or(0),
        pickup_steps: pickup,
        ..ComposeOptions::default()
    };
    let all = model.compose(&input, &options)?;
    let key = all.first().and_then(|a| a.key).map(|k| k.to_string());
    let variations = all
        .into_iter()
        .map(|a| variation_data(studio, a))
        .collect::<Result<_, _>>()?;
    Ok(ComposeReply {
        key,
        model: id,
        steps_per_beat: STEPS_PER_BEAT,
        pickup_steps: pickup,
        variations,
    })
}

async fn compose(
    State(studio): State<Arc<Studio>>,
    query: Result<Query<ComposeQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ComposeReply>, ApiError> {
    let Query(query) = query?;
    let body = midi_body(body)?;
    let reply = blocking(move || compose_blocking(&studio, query, &body)).await?;
    Ok(Json(reply))
}

/// A download's headers: its type, and a file name.
fn download(content_type: &'static str, name: String, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

async fn variation_midi(
    State(studio): State<Arc<Studio>>,
    id: Result<UrlPath<u64>, PathRejection>,
) -> Result<Response, ApiError> {
    let UrlPath(id) = id?;
    let score = studio.kept(id)?;
    let midi = write_midi(&score)?;
    Ok(download("audio/midi", format!("studio-{id}.mid"), midi))
}

/// `GET /api/variations/{id}/wav`'s query.
#[derive(Debug, Default, Deserialize)]
struct WavQuery {
    voice: Option<usize>,
}

async fn variation_wav(
    State(studio): State<Arc<Studio>>,
    id: Result<UrlPath<u64>, PathRejection>,
    query: Result<Query<WavQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let UrlPath(id) = id?;
    let Query(query) = query?;
    let score = studio.kept(id)?;
    let (name, wav) = blocking(move || {
        let (name, roll) = match query.voice {
            None => (format!("studio-{id}.wav"), (*score).clone()),
            Some(k) => {
                let track = score.tracks.get(k).ok_or(ApiError::Voice(k))?;
                let voice = VOICE_NAMES.get(k).copied().unwrap_or("voice");
                let roll = Multitrack::new(score.resolution, score.tempo_bpm, vec![track.clone()]);
                (format!("studio-{id}-{}.wav", voice.to_lowercase()), roll)
            }
        };
        Ok((name, wav_bytes(&roll, &SynthConfig::default())?))
    })
    .await?;
    Ok(download("audio/wav", name, wav))
}
