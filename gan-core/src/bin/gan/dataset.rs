//! `gan dataset`: information on the data set, export to `.npy`, and its derived files
//! (Bach's voice-leading reference, the shipped melodies).

use std::path::PathBuf;

use gan_core::compose::{ChordModel, CHORD_MODEL_FILE};
use gan_core::data::{save_npy, Dataset, SnippetMode};
use gan_core::files::write_atomic;
use gan_core::metrics::harmony::{HarmonyRates, HARMONY_FILE};
use gan_core::metrics::voice_leading::REFERENCE_FILE;
use gan_core::metrics::{BachReference, HarmonyReference};
use gan_core::midi::{twinkle_twinkle, write_midi_file, TUNES};
use gan_core::pretrained::TrainedModel;

/// Arguments of `gan dataset`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data directory [default: $GAN_DATA_DIR, else data/ beside the program, the
    /// repository it was built from, or data/ here].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write the snippets to this .npy file, shape (N, 32, 128, 4), f32 in {-1, +1}.
    #[arg(long)]
    export: Option<PathBuf>,
    /// Which snippets to export.
    #[arg(long, value_enum, default_value_t = Mode::PerChorale)]
    mode: Mode,
    /// Which part of the split to export (held out by chorale).
    #[arg(long, value_enum, default_value_t = Part::All)]
    split: Part,
    /// The fraction of chorales held out for evaluation.
    #[arg(long, default_value_t = 0.1)]
    eval_fraction: f64,
    /// The seed of the split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Recompute Bach's voice-leading reference and write it to the data directory's
    /// voice_leading.json.
    #[arg(long)]
    write_voice_leading: bool,
    /// Recompute Bach's harmony reference (harmony.json, over every chorale) and the
    /// composer's chord model (chords.json, learned from the shipped model's training
    /// chorales) and write them to the data directory.
    #[arg(long)]
    write_harmony: bool,
    /// Write the shipped melodies to the data directory: our Twinkle Twinkle Little Star as
    /// twinkle_twinkle.mid and every traditional tune as melodies/NAME.mid.
    #[arg(long)]
    write_melodies: bool,
}

/// Snippet modes, as command-line values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mode {
    /// One snippet per chorale (the lab's way).
    PerChorale,
    /// Every bar-aligned 2-bar window.
    Windows,
}

/// Parts of the split, as command-line values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Part {
    /// Every chorale.
    All,
    /// The training chorales.
    Train,
    /// The held-out chorales.
    Eval,
}

/// Prints the summary, and exports if asked.
pub fn run(args: Args) -> gan_core::Result<()> {
    let data = match args.data {
        Some(dir) => Dataset::load(dir)?,
        None => Dataset::load_default()?,
    };
    let mode = match args.mode {
        Mode::PerChorale => SnippetMode::PerChorale,
        Mode::Windows => SnippetMode::Windows,
    };
    let split = data.split(mode, args.eval_fraction, args.seed)?;
    let bars: usize = data.chorales.iter().map(|c| c.entry.bars).sum();
    crate::say!(
        "{} chorales, {bars} full bars, from {}",
        data.len(),
        data.dir.display()
    );
    for (name, m) in [
        ("one snippet per chorale", SnippetMode::PerChorale),
        ("every 2-bar window", SnippetMode::Windows),
    ] {
        crate::say!("{name:<24} {:?}", data.snippets(m).rolls.shape());
    }
    crate::say!(
        "split ({:?}, eval fraction {}, seed {}): {} train / {} eval snippets",
        args.mode,
        args.eval_fraction,
        args.seed,
        split.train.len(),
        split.eval.len()
    );
    crate::say!(
        "\nreference metrics ({:?}):\n{}",
        args.mode,
        data.reference_metrics(mode)?.to_table()
    );
    let bach = BachReference::compute(&data)?;
    crate::say!(
        "\nvoice leading, mean over the {} chorales:\n{}",
        bach.chorales,
        bach.rates.to_table()
    );
    if args.write_voice_leading {
        let path = data.dir.join(REFERENCE_FILE);
        write_atomic(&path, bach.to_json().as_bytes())?;
        crate::say!("wrote {}", path.display());
    }
    let harmony = HarmonyReference::compute(&data)?;
    crate::say!(
        "\nharmony, mean over the {} chorales:\n{}",
        harmony.chorales,
        HarmonyRates::columns(&[("Bach", &harmony.rates)])
    );
    if args.write_harmony {
        let path = data.dir.join(HARMONY_FILE);
        write_atomic(&path, (harmony.to_json() + "\n").as_bytes())?;
        crate::say!("wrote {}", path.display());
        let model = TrainedModel::open(gan_core::pretrained::default_dir())?;
        let split = model.config.split(&data)?;
        let chords = ChordModel::learn(&data, &split.train.chorale_ids())?;
        let path = data.dir.join(CHORD_MODEL_FILE);
        write_atomic(&path, (chords.to_json() + "\n").as_bytes())?;
        crate::say!(
            "wrote {} ({} training chorales; {} major and {} minor chords)",
            path.display(),
            chords.chorales,
            chords.major.chords.len(),
            chords.minor.chords.len()
        );
    }
    if args.write_melodies {
        write_melodies(&data.dir)?;
    }
    if let Some(path) = args.export {
        let rolls = match args.split {
            Part::All => data.snippets(mode).rolls,
            Part::Train => split.train.rolls,
            Part::Eval => split.eval.rolls,
        };
        save_npy(&path, &rolls)?;
        crate::say!("wrote {} {:?}", path.display(), rolls.shape());
    }
    Ok(())
}

/// Writes Twinkle and every tune of [`TUNES`] as MIDI files under `dir`.
fn write_melodies(dir: &std::path::Path) -> gan_core::Result<()> {
    let twinkle = dir.join("twinkle_twinkle.mid");
    write_midi_file(&twinkle, &twinkle_twinkle())?;
    crate::say!("wrote {}", twinkle.display());
    for tune in TUNES {
        // The directory is made by the atomic write.
        let path = dir.join("melodies").join(format!("{}.mid", tune.name));
        write_midi_file(&path, &tune.to_multitrack())?;
        crate::say!(
            "wrote {}: {}, {}, pickup {} steps, {} bars",
            path.display(),
            tune.title,
            tune.key,
            tune.pickup_steps,
            tune.bars()
        );
    }
    Ok(())
}
