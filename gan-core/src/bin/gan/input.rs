//! Errors about an input file, shared by the subcommands that read one, and the options that
//! describe the input's music (its key and phrase ends).

use std::path::Path;

use gan_core::compose::{bar_end_steps, parse_bars, PhraseEnds};
use gan_core::metrics::voice_leading::BarBeat;
use gan_core::metrics::Key;
use gan_core::roll::{Multitrack, STEPS_PER_BAR};

/// Says which input file `err` is about (e.g. a melody that cannot be composed for).
pub fn with_file(err: gan_core::Error, path: &Path) -> gan_core::Error {
    gan_core::Error::Input {
        path: path.to_path_buf(),
        source: Box::new(err),
    }
}

/// The key given with `--key` ("D minor", "Bb", "F#m"), or `None` when none was given.
pub fn parse_key(text: Option<&str>) -> gan_core::Result<Option<Key>> {
    Ok(text.map(str::parse).transpose()?)
}

/// The bar numbers given with `--phrase-ends` ("4,8,12"), or `None` when none were given.
pub fn parse_phrase_bars(text: Option<&str>) -> gan_core::Result<Option<Vec<usize>>> {
    Ok(text.map(parse_bars).transpose()?)
}

/// `piece` with its phrases ending at the ends of `bars` (counted from the first barline at
/// `pickup_steps`), in place of the file's markers; unchanged when `bars` is `None`. A bar past
/// the piece's end is an error about the file at `path`.
pub fn with_phrase_bars(
    piece: Multitrack,
    bars: Option<&[usize]>,
    pickup_steps: usize,
    path: &Path,
) -> gan_core::Result<Multitrack> {
    let Some(bars) = bars else {
        return Ok(piece);
    };
    let steps =
        bar_end_steps(bars, pickup_steps, piece.len()).map_err(|e| with_file(e.into(), path))?;
    Ok(piece.with_phrase_ends(steps))
}

/// Phrase ends for people: "bar 4" for the end of bar 4, else the bar:beat where the next
/// phrase would begin ("6:4"); an inferred end is marked with `*`.
pub fn describe_phrase_ends(ends: &PhraseEnds, pickup_steps: usize) -> String {
    let shown: Vec<String> = ends
        .iter()
        .map(|(step, inferred)| {
            let after = step + STEPS_PER_BAR - pickup_steps % STEPS_PER_BAR;
            let mut text = match after % STEPS_PER_BAR {
                0 => format!("bar {}", after / STEPS_PER_BAR - 1),
                _ => BarBeat::at(step, pickup_steps).to_string(),
            };
            if inferred {
                text.push('*');
            }
            text
        })
        .collect();
    let legend = if ends.any_inferred() {
        " (* inferred from the melody)"
    } else {
        ""
    };
    format!("phrase ends: {}{legend}", shown.join(", "))
}
