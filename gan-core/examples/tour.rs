//! A tour of the data set without Jupyter: loads the Bach chorales, prints the snippet array's
//! shape and its metrics, and writes a chorale's WAV and a snippet's piano-roll PNG.
//!
//! `cargo run --release -p gan-core --example tour -- [OUT_DIR]` (default `runs/tour`).

use gan_core::audio::{write_wav, SynthConfig};
use gan_core::data::{Dataset, SnippetMode};
use gan_core::metrics::MetricSet;
use gan_core::plot::pianoroll_array_png;

fn main() -> gan_core::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "runs/tour".into());
    let data = Dataset::load_default()?;
    let snippets = data.snippets(SnippetMode::PerChorale);
    let windows = data.snippets(SnippetMode::Windows);
    println!("{} chorales from {}", data.len(), data.dir.display());
    println!("one snippet per chorale: {:?}", snippets.rolls.shape());
    println!("every 2-bar window:      {:?}", windows.rolls.shape());
    println!(
        "\nmetrics of the snippets:\n{}",
        MetricSet::compute(snippets.rolls.view())?.to_table()
    );

    let chorale = &data.chorales[0];
    let wav = format!("{out}/{}.wav", chorale.entry.id);
    write_wav(&wav, &chorale.roll, &SynthConfig::default())?;
    let png = format!("{out}/{}-snippet.png", chorale.entry.id);
    let image = pianoroll_array_png(snippets.rolls.index_axis(ndarray::Axis(0), 0))?;
    gan_core::files::write_atomic(&png, &image)?;
    println!(
        "wrote {wav} ({:.1} s) and {png}",
        chorale.roll.duration_seconds()
    );
    Ok(())
}
