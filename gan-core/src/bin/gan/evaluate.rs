//! `gan evaluate`: how good a model is on the chorales it never saw.

use std::path::PathBuf;

use gan_core::compose::{ComposeOptions, Decoding};
use gan_core::data::Dataset;
use gan_core::pretrained::{default_dir, TrainedModel};

/// Arguments of `gan evaluate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model: a pretrained directory, a run directory (its newest checkpoint) or a
    /// checkpoint directory [default: the shipped model].
    #[arg(long)]
    model: Option<PathBuf>,
    /// How the generator's output is read when composing the held-out chorales.
    #[arg(long, value_enum, default_value_t = DecodingArg::Chords)]
    decoding: DecodingArg,
}

/// The decodings, as command-line values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DecodingArg {
    /// A chord on every beat, cadences at the phrase ends (the default).
    Chords,
    /// Each voice its most likely sung line (the decoding before the harmony issue).
    Lines,
    /// Every value above 0 a note, as the lab did.
    Threshold,
}

/// Prints the raw generator's lab metrics on every held-out snippet beside Bach's, then every
/// held-out chorale composed from its soprano: its voice leading beside Bach's, and its lab
/// metrics beside Bach's.
pub fn run(args: Args) -> gan_core::Result<()> {
    let model = TrainedModel::open(args.model.unwrap_or_else(default_dir))?;
    crate::say!("{}, iteration {}", model.source, model.iteration());
    let data = Dataset::load_default()?;

    let raw = model.held_out_snippets(&data)?;
    crate::say!(
        "\n{} held-out snippets: the generator (soprano = Bach's melody), with Bach's values in \
         brackets",
        raw.snippets
    );
    crate::say!("{}", raw.generated.comparison_table(&raw.bach));

    let decoding = match args.decoding {
        DecodingArg::Chords => Decoding::Chords,
        DecodingArg::Lines => Decoding::Lines,
        DecodingArg::Threshold => Decoding::Threshold,
    };
    let options = ComposeOptions {
        decoding,
        ..ComposeOptions::default()
    };
    let held_out = model.held_out_with(&data, &options)?;
    crate::say!(
        "\n{} held-out chorales composed from their soprano (`gan compose` defaults, {:?} decoding; {} notes \
         repaired): voice leading, mean per chorale",
        held_out.ids.len(),
        decoding,
        held_out.repairs
    );
    crate::say!("{}", held_out.to_table());
    crate::say!("harmony of the same chorales, in their notated keys, mean per chorale");
    crate::say!("{}", held_out.harmony_table());
    let (ours, theirs) = held_out.metrics()?;
    crate::say!(
        "the composed held-out chorales, cut into 2-bar snippets, with Bach's values in brackets"
    );
    crate::say!("{}", ours.comparison_table(&theirs));
    Ok(())
}
