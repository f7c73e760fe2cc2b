//! Writes our "Twinkle Twinkle Little Star" melody as a MIDI file.
//!
//! `cargo run -p gan-core --example make_twinkle -- data/twinkle_twinkle.mid`

use gan_core::midi::{twinkle_twinkle, write_midi_file};

fn main() -> gan_core::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: make_twinkle OUT.mid");
        std::process::exit(2);
    };
    let melody = twinkle_twinkle();
    write_midi_file(&path, &melody)?;
    println!(
        "wrote {path}: {} steps at {} steps per beat, {} bpm",
        melody.len(),
        melody.resolution,
        melody.tempo_bpm
    );
    Ok(())
}
