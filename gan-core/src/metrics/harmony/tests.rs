use super::*;
use crate::metrics::KeyMode;

const C_MAJOR: Key = Key {
    tonic: 0,
    mode: KeyMode::Major,
};

/// Four voices, one chord (S, A, T, B) per beat.
fn lines(chords: &[[u8; 4]]) -> Lines {
    Lines {
        voices: std::array::from_fn(|k| {
            chords
                .iter()
                .flat_map(|c| [Some(c[k]); STEPS_PER_BEAT])
                .collect()
        }),
    }
}

const I: [u8; 4] = [72, 67, 64, 48];
const IV: [u8; 4] = [72, 69, 65, 53];
const V: [u8; 4] = [71, 67, 62, 55];
const V7: [u8; 4] = [71, 65, 62, 55];
const VI: [u8; 4] = [72, 69, 64, 57];
const NO_CHORD: [u8; 4] = [74, 67, 64, 48];

#[test]
fn a_progression_is_named_beat_by_beat_with_its_cadence() {
    let h = Harmony::analyse_lines(&lines(&[I, IV, V7, I]), 0, &[], C_MAJOR).unwrap();
    let numerals: Vec<String> = h.beats.iter().map(|b| b.numeral(C_MAJOR)).collect();
    assert_eq!(numerals, ["I", "IV", "V7", "I"]);
    assert_eq!(h.rates.beats, 4);
    assert!((h.rates.complete - 0.75).abs() < 1e-12);
    assert!((h.rates.seventh - 0.25).abs() < 1e-12);
    assert_eq!(h.rates.no_chord, 0.0);
    assert_eq!(h.rates.root_position, 1.0);
    assert_eq!(h.rates.chord_changes, 1.0);
    // I-IV and V-I by fourth or fifth, IV-V by step.
    assert!((h.rates.root_motion.fourth_fifth - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(h.cadences.len(), 1);
    assert_eq!(h.cadences[0].kind, CadenceKind::Authentic);
    assert_eq!((h.rates.ends_on_tonic, h.rates.final_authentic), (1.0, 1.0));
    assert_eq!(h.rates.degrees[0], 0.5);
    assert!(
        h.to_text(None).contains("V7–I authentic"),
        "{}",
        h.to_text(None)
    );
}

#[test]
fn phrase_ends_get_half_plagal_deceptive_and_no_cadences() {
    let piece = lines(&[I, I, IV, V, V, VI, IV, I, I, NO_CHORD]);
    let ends = [16, 24, 32];
    let h = Harmony::analyse_lines(&piece, 0, &ends, C_MAJOR).unwrap();
    let kinds: Vec<CadenceKind> = h.cadences.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CadenceKind::Half,
            CadenceKind::Deceptive,
            CadenceKind::Plagal,
            CadenceKind::None
        ]
    );
    assert_eq!(h.rates.final_authentic, 0.0);
    assert!((h.rates.no_chord - 0.1).abs() < 1e-12);
    assert!((h.rates.phrase_half - 0.25).abs() < 1e-12);
}

#[test]
fn a_suspension_before_the_last_chord_is_read_through() {
    // V with a 4-3 suspension in the alto (C over G, then B), then I.
    let mut piece = lines(&[I, V, V, I]);
    piece.voices[0][4..8].fill(Some(72));
    piece.voices[1][4..8].fill(Some(67));
    let h = Harmony::analyse_lines(&piece, 0, &[], C_MAJOR).unwrap();
    assert_eq!(
        h.beats[1].class(),
        Class::NoChord,
        "the suspension on the beat"
    );
    assert_eq!(h.cadences[0].kind, CadenceKind::Authentic);
}

#[test]
fn missing_voices_and_empty_pieces_are_counted_or_refused() {
    let mut piece = lines(&[I, V, I]);
    piece.voices[2][4..8].fill(None);
    let h = Harmony::analyse_lines(&piece, 0, &[], C_MAJOR).unwrap();
    assert!((h.rates.fewer_than_four - 1.0 / 3.0).abs() < 1e-12);
    let silent = Lines {
        voices: std::array::from_fn(|_| vec![None; 8]),
    };
    assert!(matches!(
        Harmony::analyse_lines(&silent, 0, &[], C_MAJOR),
        Err(HarmonyError::Empty)
    ));
}

#[test]
fn rates_round_trip_through_json_with_nan() {
    let h = Harmony::analyse_lines(&lines(&[I, I]), 0, &[], C_MAJOR).unwrap();
    assert!(h.rates.root_motion.fourth_fifth.is_nan());
    let back: Harmony = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back.key, C_MAJOR);
    assert!(back.rates.root_motion.fourth_fifth.is_nan());
    assert_eq!(back.rates.complete, h.rates.complete);
}
