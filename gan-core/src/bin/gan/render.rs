//! `gan render`: MIDI to WAV.

use std::path::PathBuf;

use gan_core::audio::{render_midi_file, SynthConfig};

/// Arguments of `gan render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The MIDI file to render.
    midi: PathBuf,
    /// The WAV file to write [default: the MIDI file's path with a .wav extension].
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = SynthConfig::default().sample_rate)]
    sample_rate: u32,
}

/// Renders the file and says where the WAV went.
pub fn run(args: Args) -> gan_core::Result<()> {
    let out = args.out.unwrap_or_else(|| args.midi.with_extension("wav"));
    let config = SynthConfig {
        sample_rate: args.sample_rate,
        ..SynthConfig::default()
    };
    render_midi_file(&args.midi, &out, &config)?;
    crate::say!("wrote {}", out.display());
    Ok(())
}
