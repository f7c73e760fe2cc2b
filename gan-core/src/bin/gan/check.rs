//! `gan check`: the voice-leading report of a four-voice MIDI file, beside Bach's.

use std::path::PathBuf;

use gan_core::metrics::{BachReference, VoiceLeading};
use gan_core::midi::read_voices_file;
use gan_core::roll::{N_TRACKS, STEPS_PER_BEAT};

use crate::input::with_file;

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
}

/// Analyses the file and prints the report.
pub fn run(args: Args) -> gan_core::Result<()> {
    let piece = read_voices_file(&args.file, STEPS_PER_BEAT, N_TRACKS)?;
    let bach = BachReference::load_default()?;
    let pickup = args.pickup.unwrap_or(piece.pickup_steps);
    let report = VoiceLeading::analyse(&piece, pickup, &bach.ranges)
        .map_err(|e| with_file(e.into(), &args.file))?;
    if args.json {
        let json = JsonReport {
            file: args.file.display().to_string(),
            report: &report,
            bach: &bach,
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
    crate::say!("{}", report.to_text(Some(&bach), args.max_findings));
    Ok(())
}
