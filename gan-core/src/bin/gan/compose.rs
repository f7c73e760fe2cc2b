//! `gan compose`: four-part accompaniment for the melody of any MIDI file.

use std::path::{Path, PathBuf};

use gan_core::audio::{write_wav, SynthConfig};
use gan_core::compose::ComposeOptions;

use crate::input::{
    describe_phrase_ends, parse_key, parse_phrase_bars, with_file, with_phrase_bars,
};
use gan_core::metrics::BachReference;
use gan_core::midi::{read_midi_file, write_midi_file, Melody};
use gan_core::pretrained::TrainedModel;
use gan_core::roll::STEPS_PER_BEAT;

/// Arguments of `gan compose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The MIDI file whose melody to accompany.
    melody: PathBuf,
    /// The 4-track MIDI file to write [default: next to the input, NAME-composed.mid].
    #[arg(long)]
    out: Option<PathBuf>,
    /// The WAV file to write [default: the output MIDI's path with .wav].
    #[arg(long)]
    wav: Option<PathBuf>,
    /// The track holding the melody (0 = the first track with notes) [default: the top voice of
    /// the most melodic track].
    #[arg(long)]
    track: Option<usize>,
    /// Steps (16th notes) before the melody's first barline, if it starts with an upbeat
    /// [default: the file's upbeat, a first bar shorter than 4/4 in its time signatures; else 0].
    #[arg(long)]
    pickup: Option<usize>,
    /// How many variations to write (-1, -2, ... are added to the names when more than one).
    #[arg(long, default_value_t = 1)]
    samples: usize,
    /// Compose this many candidates for each variation and keep the one with the fewest
    /// weighted voice-leading findings.
    #[arg(long, default_value_t = 1)]
    best_of: usize,
    /// Leave out the repair step: the generator's decoded voices as they are.
    #[arg(long)]
    no_repair: bool,
    /// The seed of the variations: the same seed writes the same music.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also draw each variation's piano roll, one panel per voice, to a PNG beside its MIDI file.
    #[arg(long)]
    png: bool,
    /// The model: a pretrained directory, or a run directory of `gan train` (its newest
    /// checkpoint) [default: the shipped data/pretrained].
    #[arg(long)]
    model: Option<PathBuf>,
    /// The melody's key, e.g. "D minor", "Bb major", "F#m" or "C" (a tonic alone is major)
    /// [default: the key the melody's notes fit best].
    #[arg(long)]
    key: Option<String>,
    /// The bars at whose end a phrase ends, e.g. 4,8,12 (bar 1 is the first full bar after the
    /// pickup) [default: the file's phrase-end markers; else inferred from the melody's rhythm].
    #[arg(long, value_name = "BARS")]
    phrase_ends: Option<String>,
}

/// Composes and writes the MIDI and WAV files.
pub fn run(args: Args) -> gan_core::Result<()> {
    let key = parse_key(args.key.as_deref())?;
    let bars = parse_phrase_bars(args.phrase_ends.as_deref())?;
    let input = read_midi_file(&args.melody, STEPS_PER_BEAT)?;
    let pickup = args.pickup.unwrap_or(input.pickup_steps);
    let input = with_phrase_bars(input, bars.as_deref(), pickup, &args.melody)?;
    let model = TrainedModel::open(args.model.unwrap_or_else(gan_core::pretrained::default_dir))?;
    let options = ComposeOptions {
        melody: args.track.map_or(Melody::Auto, Melody::Skyline),
        pickup_steps: pickup,
        samples: args.samples,
        seed: args.seed,
        best_of: args.best_of,
        repair: !args.no_repair,
        key,
        ..ComposeOptions::default()
    };
    let all = model
        .compose(&input, &options)
        .map_err(|e| with_file(e.into(), &args.melody))?;
    let bach = BachReference::load_default().ok();
    let out = args.out.unwrap_or_else(|| {
        let stem = args
            .melody
            .file_stem()
            .map_or("melody".into(), |s| s.to_string_lossy().into_owned());
        args.melody.with_file_name(format!("{stem}-composed.mid"))
    });
    if let Some(key) = all.first().and_then(|a| a.key) {
        crate::say!("the melody is in {key}");
    }
    if let Some(arrangement) = all.first() {
        crate::say!("{}", describe_phrase_ends(&arrangement.phrases, pickup));
    }
    if let Some(bach) = &bach {
        crate::say!("Bach's chorales (mean): {}", bach.rates.summary());
    }
    for (i, arrangement) in all.iter().enumerate() {
        let score = &arrangement.score;
        let midi = numbered(&out, i, all.len());
        let wav = numbered(
            &args
                .wav
                .clone()
                .unwrap_or_else(|| out.with_extension("wav")),
            i,
            all.len(),
        );
        write_midi_file(&midi, score)?;
        write_wav(&wav, score, &SynthConfig::default())?;
        if args.png {
            let png = midi.with_extension("png");
            gan_core::files::write_atomic(&png, &gan_core::plot::pianoroll_png(score)?)?;
            crate::say!("wrote {}", png.display());
        }
        crate::say!(
            "wrote {} and {} ({:.1} s)",
            midi.display(),
            wav.display(),
            score.duration_seconds()
        );
        let (report, generated) = (arrangement.report()?, arrangement.generated_report()?);
        crate::say!("  composed:  {}", report.rates.summary());
        if let Some(harmony) = arrangement.harmony().transpose()? {
            crate::say!("  harmony:   {}", harmony.rates.summary());
            let cadences: Vec<String> = harmony
                .cadences
                .iter()
                .map(|c| c.describe(harmony.key))
                .collect();
            crate::say!("  cadences:  {}", cadences.join(", "));
        }
        if options.repair {
            crate::say!(
                "  generator: {} ({} notes repaired)",
                generated.rates.summary(),
                arrangement.repairs.len()
            );
        }
    }
    Ok(())
}

/// `path` with `-<i+1>` before its extension when there are several files.
fn numbered(path: &Path, i: usize, count: usize) -> PathBuf {
    if count == 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!("{stem}-{}{ext}", i + 1))
}
