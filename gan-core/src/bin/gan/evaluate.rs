//! `gan evaluate`: how good a model is on the chorales it never saw.

use std::path::PathBuf;

use gan_core::data::Dataset;
use gan_core::pretrained::{default_dir, TrainedModel};

/// Arguments of `gan evaluate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model: a pretrained directory, a run directory (its newest checkpoint) or a
    /// checkpoint directory [default: the shipped model].
    #[arg(long)]
    model: Option<PathBuf>,
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

    let held_out = model.held_out(&data)?;
    crate::say!(
        "\n{} held-out chorales composed from their soprano (`gan compose` defaults; {} notes \
         repaired): voice leading, mean per chorale",
        held_out.ids.len(),
        held_out.repairs
    );
    crate::say!("{}", held_out.to_table());
    let (ours, theirs) = held_out.metrics()?;
    crate::say!(
        "the composed held-out chorales, cut into 2-bar snippets, with Bach's values in brackets"
    );
    crate::say!("{}", ours.comparison_table(&theirs));
    Ok(())
}
