//! Each rule on a small hand-made chorale that breaks it and no other.

use std::collections::BTreeSet;

use ndarray::Array2;

use super::*;
use crate::roll::{Multitrack, Track, N_PITCHES, STEPS_PER_BEAT, VOICE_NAMES};

/// Ranges wide enough for every test piece.
const RANGES: VoiceRanges = VoiceRanges {
    voices: [(60, 81), (53, 74), (48, 69), (36, 64)],
};

/// A piece from each voice's (pitch, start, end) notes.
fn piece(voices: [&[(u8, usize, usize)]; 4]) -> Multitrack {
    let len = voices
        .iter()
        .flat_map(|v| v.iter().map(|n| n.2))
        .max()
        .unwrap_or(0);
    let tracks = voices
        .iter()
        .enumerate()
        .map(|(k, notes)| {
            let mut roll = Array2::zeros((len, N_PITCHES));
            for &(p, start, end) in notes.iter() {
                for t in start..end {
                    roll[[t, usize::from(p)]] = 100;
                }
            }
            Track::new(VOICE_NAMES[k], 0, roll)
        })
        .collect();
    Multitrack::new(STEPS_PER_BEAT, 100.0, tracks)
}

/// Four half-note chords (S, A, T, B), the last one held to the end of bar 2.
fn chords(c: [[u8; 4]; 4]) -> Multitrack {
    let voice = |k: usize| -> Vec<(u8, usize, usize)> {
        (0..4).map(|i| (c[i][k], 8 * i, 8 * i + 8)).collect()
    };
    let (s, a, t, b) = (voice(0), voice(1), voice(2), voice(3));
    piece([&s, &a, &t, &b])
}

/// I – IV – V – I in C major, written by the rules.
const CLEAN: [[u8; 4]; 4] = [
    [72, 67, 64, 48],
    [72, 69, 65, 53],
    [71, 67, 62, 55],
    [72, 67, 64, 48],
];

fn rules_of(report: &VoiceLeading) -> BTreeSet<&'static str> {
    report.findings.iter().map(|f| f.rule.name()).collect()
}

/// C major, given: four chords are too few for a key estimate.
const C_MAJOR: Key = Key {
    tonic: 0,
    mode: crate::metrics::KeyMode::Major,
};

fn analyse(p: &Multitrack) -> VoiceLeading {
    VoiceLeading::analyse_in_key(p, 0, &RANGES, Some(C_MAJOR)).unwrap()
}

/// Asserts that the only rule `p` breaks is `rule`, and returns the report.
fn breaks_only(p: &Multitrack, rule: Rule) -> VoiceLeading {
    let report = analyse(p);
    assert_eq!(
        rules_of(&report),
        BTreeSet::from([rule.name()]),
        "{:#?}",
        report.findings
    );
    report
}

#[test]
fn a_clean_progression_breaks_no_rule() {
    let report = analyse(&chords(CLEAN));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.key.as_deref(), Some("C major"));
    assert_eq!(report.rates.sounding, [1.0; 4]);
    assert_eq!(report.rates.parallel_per_100_moves, 0.0);
    assert_eq!(report.rates.lower_in_key, 1.0);
    assert_eq!(report.span, Span { start: 0, end: 32 });
    assert_eq!(report.weighted_findings(), 0.0);
}

#[test]
fn parallel_fifths_alto_and_bass() {
    let mut c = CLEAN;
    c[1] = [77, 69, 65, 50];
    let report = breaks_only(&chords(c), Rule::ParallelFifths);
    let f = &report.findings[0];
    assert_eq!(
        (f.step, f.voices.clone(), f.notes.clone()),
        (8, vec![1, 3], vec![67, 69, 48, 50])
    );
    assert_eq!(f.at.to_string(), "1:3");
    // One parallel move out of all the two-voice moves.
    let r = report.rates;
    assert!((r.parallel_per_100_moves - 100.0 / r.two_voice_moves as f64).abs() < 1e-12);
    assert!(f.to_string().contains("parallel fifths"), "{f}");
    assert!(f.to_string().contains("alto–bass"), "{f}");
}

#[test]
fn parallel_octaves_tenor_and_bass() {
    let mut c = CLEAN;
    c[0] = [72, 67, 64, 52];
    c[3] = c[0];
    let report = breaks_only(&chords(c), Rule::ParallelOctaves);
    assert_eq!(report.findings[0].voices, vec![2, 3]);
}

#[test]
fn contrary_fifths_tenor_and_bass() {
    // C major to G major: the tenor falls from G4 to D4 as the bass climbs from C3 to G3.
    let (c, g) = ([76, 72, 67, 48], [74, 71, 62, 55]);
    let report = breaks_only(&chords([c, g, g, g]), Rule::ContraryFifths);
    assert_eq!(report.findings[0].voices, vec![2, 3]);
    assert_eq!(report.findings[0].notes, vec![67, 62, 48, 55]);
    assert_eq!(report.rates.parallel_per_100_moves, 0.0);
}

#[test]
fn contrary_octaves_are_reported_apart() {
    let mut c = CLEAN;
    c[1] = [74, 65, 62, 38];
    let report = breaks_only(&chords(c), Rule::ContraryOctaves);
    assert_eq!(report.findings[0].voices, vec![0, 3]);
    assert_eq!(report.rates.parallel_per_100_moves, 0.0);
    assert!(report.rates.contrary_per_100_moves > 0.0);
}

#[test]
fn hidden_octaves_soprano_leaps_with_the_bass() {
    let c = [
        [72, 67, 64, 52],
        [77, 69, 57, 53],
        [71, 67, 62, 55],
        [72, 67, 64, 48],
    ];
    let report = breaks_only(&chords(c), Rule::HiddenFifthsOrOctaves);
    assert_eq!(report.findings[0].notes, vec![72, 77, 52, 53]);
    assert!(report.rates.hidden_per_100_outer_moves > 0.0);
}

#[test]
fn tenor_crossing_above_alto() {
    let c = [
        [72, 67, 64, 48],
        [72, 64, 67, 48],
        [71, 67, 59, 55],
        [72, 67, 64, 48],
    ];
    let report = breaks_only(&chords(c), Rule::Crossing);
    assert_eq!(report.count(Rule::Crossing), 1);
    assert_eq!(report.findings[0].voices, vec![1, 2]);
    // The crossing lasts a half note: 8 of the 32 steps × 3 neighbour pairs.
    assert_eq!(report.rates.crossing_share, 8.0 / 96.0);
}

#[test]
fn alto_overlaps_the_sopranos_last_note() {
    let c = [
        [72, 67, 64, 48],
        [79, 74, 67, 59],
        [76, 72, 67, 60],
        [76, 72, 67, 60],
    ];
    let report = breaks_only(&chords(c), Rule::Overlap);
    assert_eq!(report.findings[0].voices, vec![0, 1]);
    assert_eq!(report.findings[0].notes, vec![72, 74]);
}

#[test]
fn soprano_and_alto_too_far_apart() {
    let c = [
        [72, 67, 64, 48],
        [81, 65, 60, 53],
        [72, 67, 64, 60],
        [72, 67, 64, 60],
    ];
    let report = breaks_only(&chords(c), Rule::Spacing);
    assert_eq!(report.rates.spacing_share, 8.0 / 32.0);
}

#[test]
fn a_tenor_note_above_the_tenors_range() {
    let mut ranges = RANGES;
    ranges.voices[2] = (48, 64);
    let report = VoiceLeading::analyse_in_key(&chords(CLEAN), 0, &ranges, Some(C_MAJOR)).unwrap();
    assert_eq!(rules_of(&report), BTreeSet::from([Rule::Range.name()]));
    assert_eq!(report.findings[0].notes, vec![65]);
    // A roll merges a repeated pitch into one note: S has 3 notes, A 3, T 4, B 4.
    assert!((report.rates.out_of_range_share - 1.0 / 14.0).abs() < 1e-12);
}

#[test]
fn the_alto_drops_out_for_a_half_note() {
    let (s, t, b): (Vec<_>, Vec<_>, Vec<_>) = (
        (0..4).map(|i| (CLEAN[i][0], 8 * i, 8 * i + 8)).collect(),
        (0..4).map(|i| (CLEAN[i][2], 8 * i, 8 * i + 8)).collect(),
        (0..4).map(|i| (CLEAN[i][3], 8 * i, 8 * i + 8)).collect(),
    );
    let a = [(67, 0, 8), (67, 16, 24), (67, 24, 32)];
    let report = breaks_only(&piece([&s, &a, &t, &b]), Rule::DropOut);
    assert_eq!(report.findings[0].step, 8);
    assert_eq!(report.rates.sounding[1], 24.0 / 32.0);
    assert_eq!(report.rates.lower_sounding_min(), 0.75);
}

#[test]
fn a_sixteenth_in_the_tenor() {
    let voice = |k: usize| -> Vec<(u8, usize, usize)> {
        (0..4).map(|i| (CLEAN[i][k], 8 * i, 8 * i + 8)).collect()
    };
    let t = [
        (64, 0, 8),
        (65, 8, 15),
        (67, 15, 16),
        (62, 16, 24),
        (64, 24, 32),
    ];
    let report = breaks_only(
        &piece([&voice(0), &voice(1), &t, &voice(3)]),
        Rule::OneStepNote,
    );
    assert_eq!(report.findings[0].at.to_string(), "1:4.4");
}

#[test]
fn a_ninth_above_the_bass_on_beat_three() {
    let mut c = CLEAN;
    c[1] = [72, 67, 65, 53];
    let report = breaks_only(&chords(c), Rule::StrongBeatDissonance);
    assert_eq!(report.findings[0].voices, vec![1, 3]);
}

#[test]
fn a_chromatic_passing_note_in_the_tenor() {
    let voice = |k: usize| -> Vec<(u8, usize, usize)> {
        (0..4).map(|i| (CLEAN[i][k], 8 * i, 8 * i + 8)).collect()
    };
    let t = [
        (64, 0, 8),
        (65, 8, 12),
        (66, 12, 16),
        (62, 16, 24),
        (64, 24, 32),
    ];
    let report = breaks_only(
        &piece([&voice(0), &voice(1), &t, &voice(3)]),
        Rule::OutOfKey,
    );
    assert!((report.rates.lower_in_key - 92.0 / 96.0).abs() < 1e-12);
}

#[test]
fn bar_and_beat_follow_the_pickup() {
    assert_eq!(BarBeat::at(0, 0).to_string(), "1:1");
    assert_eq!(BarBeat::at(0, 4).to_string(), "0:4");
    assert_eq!(BarBeat::at(4, 4).to_string(), "1:1");
    assert_eq!(BarBeat::at(26, 4).to_string(), "2:2.3");
}

#[test]
fn bad_pieces_are_errors() {
    let mut three = chords(CLEAN);
    three.tracks.pop();
    assert!(matches!(
        VoiceLeading::analyse(&three, 0, &RANGES),
        Err(VoiceLeadingError::Voices(3))
    ));
    let silent = piece([&[], &[], &[], &[]]);
    assert!(matches!(
        VoiceLeading::analyse(&silent.with_len(16), 0, &RANGES),
        Err(VoiceLeadingError::Empty)
    ));
}

#[test]
fn nan_rates_go_to_json_as_null_and_come_back_as_nan() {
    // One held chord: no moves, so the move rates are NaN.
    let report = analyse(&piece([
        &[(72, 0, 16)],
        &[(67, 0, 16)],
        &[(64, 0, 16)],
        &[(48, 0, 16)],
    ]));
    assert!(report.rates.parallel_per_100_moves.is_nan());
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"parallel_per_100_moves\":null"), "{json}");
    let back: VoiceLeading = serde_json::from_str(&json).unwrap();
    assert!(back.rates.parallel_per_100_moves.is_nan());
    assert_eq!(back.rates.sounding, report.rates.sounding);
    assert_eq!(back.findings, report.findings);
    let mut rates = report.rates;
    rates.sounding[2] = f64::NAN;
    let back: Rates = serde_json::from_str(&serde_json::to_string(&rates).unwrap()).unwrap();
    assert!(back.sounding[2].is_nan());
}
