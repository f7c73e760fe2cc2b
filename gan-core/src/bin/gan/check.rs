//! `gan check`: the voice-leading report of a four-voice MIDI file, beside Bach's.

use std::path::PathBuf;

use gan_core::compose::phrase_ends;
use gan_core::metrics::harmony::HarmonyError;
use gan_core::metrics::{BachReference, Harmony, HarmonyReference, VoiceLeading};
use gan_core::midi::read_voices_file;
use gan_core::roll::{N_TRACKS, STEPS_PER_BEAT};

use crate::input::{
    describe_phrase_ends, parse_key, parse_phrase_bars, with_file, with_phrase_bars,
};

/// Arguments of `gan check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A MIDI file with four voices: its melodic tracks with notes, soprano first (as
    /// `gan compose` writes them); empty tracks (e.g. a conductor track) are left out.
    file: PathBuf,
    /// Steps (16th notes) before the first barline, if the piece starts with an upbeat
    /// [default: the file's upbeat, a first bar shorter than 4/4 in its time signatures (as
    /// `gan compose` writes it); else 0].
    #[arg(long)]
    pickup: Option<usize>,
    /// The key the lower voices are measured in, e.g. "D minor", "Bb major", "F#m" or "C" (a
    /// tonic alone is major) [default: the key the soprano's notes fit best].
    #[arg(long)]
    key: Option<String>,
    /// The bars at whose end a phrase ends, e.g. 4,8,12 (bar 1 is the first full bar after the
    /// pickup) [default: the file's phrase-end markers].
    #[arg(long, value_name = "BARS")]
    phrase_ends: Option<String>,
    /// How many findings to list.
    #[arg(long, default_value_t = 40)]
    max_findings: usize,
    /// Print one JSON object: {"file", "report", "bach"} (a rate with nothing to count is null).
    #[arg(long)]
    json: bool,
}

/// What `gan check --json` prints.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    /// The file, as given.
    file: String,
    /// Its voice-leading report.
    report: &'a VoiceLeading,
    /// Bach's figures: the chorale count, the voice ranges and the mean rates.
    bach: &'a BachReference,
    /// Its harmony: the chord on every beat and the cadences (none when it has no key).
    harmony: Option<&'a Harmony>,
}

/// Analyses the file and prints the report.
pub fn run(args: Args) -> gan_core::Result<()> {
    let key = parse_key(args.key.as_deref())?;
    let bars = parse_phrase_bars(args.phrase_ends.as_deref())?;
    let piece = read_voices_file(&args.file, STEPS_PER_BEAT, N_TRACKS)?;
    let bach = BachReference::load_default()?;
    let pickup = args.pickup.unwrap_or(piece.pickup_steps);
    let piece = with_phrase_bars(piece, bars.as_deref(), pickup, &args.file)?.with_pickup(pickup);
    let report = match key {
        Some(key) => VoiceLeading::analyse_in_key(&piece, pickup, &bach.ranges, Some(key)),
        None => VoiceLeading::analyse(&piece, pickup, &bach.ranges),
    }
    .map_err(|e| with_file(e.into(), &args.file))?;
    let harmony = match Harmony::analyse(&piece, key) {
        Ok(h) => Some(h),
        Err(HarmonyError::NoKey) => None,
        Err(e) => return Err(with_file(e.into(), &args.file)),
    };
    if args.json {
        let json = JsonReport {
            file: args.file.display().to_string(),
            report: &report,
            bach: &bach,
            harmony: harmony.as_ref(),
        };
        // serde_json writes NaN (a rate whose denominator is zero) as null.
        let text = serde_json::to_string_pretty(&json).map_err(|e| gan_core::Error::Io {
            path: "<stdout>".into(),
            source: e.into(),
        })?;
        crate::say!("{text}");
        return Ok(());
    }
    let upbeat = match pickup {
        0 => String::new(),
        steps => format!(" after an upbeat of {steps}"),
    };
    crate::say!(
        "{}: {} steps{upbeat}, voice leading beside the mean of Bach's {} chorales",
        args.file.display(),
        piece.len(),
        bach.chorales
    );
    if !piece.phrase_ends.is_empty() {
        let given = phrase_ends(&piece.tracks[0], pickup, &piece.phrase_ends);
        crate::say!("{}", describe_phrase_ends(&given, pickup));
    }
    crate::say!("{}", report.to_text(Some(&bach), args.max_findings));
    if let Some(harmony) = &harmony {
        let reference = HarmonyReference::load_default().ok();
        crate::say!(
            "harmony beside the mean of Bach's chorales; the chord on every beat as a Roman \
             numeral (– is no chord)\n{}",
            harmony.to_text(reference.as_ref())
        );
    }
    Ok(())
}
