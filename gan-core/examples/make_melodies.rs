//! Writes the shipped melodies as MIDI files: our "Twinkle Twinkle Little Star" as
//! `DATA/twinkle_twinkle.mid` and every traditional tune as `DATA/melodies/<name>.mid`.
//!
//! `cargo run --release -p gan-core --example make_melodies -- data`

use std::path::PathBuf;

use gan_core::midi::{twinkle_twinkle, write_midi_file, TUNES};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(data) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: make_melodies DATA_DIR");
        std::process::exit(2);
    };
    let twinkle = data.join("twinkle_twinkle.mid");
    write_midi_file(&twinkle, &twinkle_twinkle())?;
    println!("wrote {}", twinkle.display());
    let dir = data.join("melodies");
    std::fs::create_dir_all(&dir)?;
    for tune in TUNES {
        let path = dir.join(format!("{}.mid", tune.name));
        write_midi_file(&path, &tune.to_multitrack())?;
        println!(
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
