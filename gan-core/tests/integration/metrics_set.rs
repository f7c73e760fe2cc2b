//! `MetricSet`: agreement with the single metrics, fixed names and order, table, JSON with NaN.

use crate::support::{assert_close, note, silent};
use gan_core::metrics::{self, MetricOptions, MetricSet};
use ndarray::{s, Array4};

/// Two samples of two bars, four tracks: a soprano line with a held note across the bar line, an
/// alto with a two-pitch chord and short notes, a tenor with only out-of-range notes, a silent bass.
fn chorale_batch() -> Array4<f32> {
    let mut b = silent(2, 32, 4);
    for n in 0..2 {
        note(&mut b, n, 0, 72, 0, 4);
        note(&mut b, n, 0, 74, 4, 4);
        note(&mut b, n, 0, 76, 8, 12);
        note(&mut b, n, 0, 77, 20, 12);
    }
    note(&mut b, 0, 1, 64, 0, 1);
    note(&mut b, 0, 1, 67, 0, 2);
    note(&mut b, 1, 1, 66, 18, 1);
    note(&mut b, 0, 2, 23, 0, 32);
    note(&mut b, 1, 2, 108, 0, 32);
    b
}

#[test]
fn compute_matches_the_single_metrics() {
    let b = chorale_batch();
    let set = MetricSet::compute(b.view()).unwrap();
    let v = b.view();
    assert_close(&set.empty_bar_rate, &metrics::empty_bar_rate(v).unwrap());
    assert_close(
        &set.pitch_histogram_distance,
        &metrics::pitch_histogram_distance(v).unwrap(),
    );
    assert_close(&set.in_scale_rate, &metrics::in_scale_rate(v).unwrap());
    assert_close(&set.pitches_used, &metrics::pitches_used(v).unwrap());
    assert_close(
        &set.pitch_classes_used,
        &metrics::pitch_classes_used(v).unwrap(),
    );
    assert_close(
        &set.polyphonic_rate,
        &metrics::polyphonic_rate(v, 1).unwrap(),
    );
    assert_close(&set.pitch_range, &metrics::pitch_range(v).unwrap());
    assert_close(
        &set.qualified_note_rate,
        &metrics::qualified_note_rate(v, 2).unwrap(),
    );
    // A few values by hand. Alto: bars (s0,b0) {64,67} and (s1,b1) {66}, (s0,b1), (s1,b0) empty.
    assert_close(&set.empty_bar_rate, &[0.0, 0.5, 1.0, 1.0]);
    // Alto note-steps: E4 1, G4 2 in C major, F#4 1 out: 3/4.
    assert_close(&set.in_scale_rate[1..], &[0.75, f64::NAN, f64::NAN]);
    // Alto: sounding steps 3 (s0 t0, s0 t1, s1 t18), polyphonic one (s0 t0): 1/3.
    assert_close(&set.polyphonic_rate[1..2], &[1.0 / 3.0]);
    // Soprano: bar 0 {72,74,76} range 4, bar 1 {76,77} range 1, twice: (4+1)/2 = 2.5.
    assert_close(&set.pitch_range[..1], &[2.5]);
    // Silent tracks: empty 1, histogram sqrt(84), everything else NaN.
    for track in [2, 3] {
        assert_eq!(set.pitch_histogram_distance[track], 84f64.sqrt());
        for (name, values) in set.iter() {
            if !matches!(name, "empty_bar_rate" | "pitch_histogram_distance") {
                assert!(values[track].is_nan(), "{name}");
            }
        }
    }
}

#[test]
fn options_reach_the_parameterised_metrics() {
    let b = chorale_batch();
    let options = MetricOptions {
        polyphony_threshold: 0,
        min_note_steps: 5,
    };
    let set = MetricSet::compute_with(b.view(), options).unwrap();
    // Threshold 0: every sounding step counts. Soprano notes: 4, 4, 12, 12 steps, twice: 4 of 8
    // reach 5 steps. Alto: none of its 1- and 2-step notes.
    assert_close(&set.polyphonic_rate[..2], &[1.0, 1.0]);
    assert_close(&set.qualified_note_rate[..2], &[0.5, 0.0]);
}

#[test]
fn names_iter_and_json_keys_share_one_order() {
    let set = MetricSet::compute(chorale_batch().view()).unwrap();
    let names: Vec<&str> = set.iter().map(|(n, _)| n).collect();
    assert_eq!(names, MetricSet::names());
    assert_eq!(names.len(), 8);
    assert!(set.iter().all(|(_, v)| v.len() == 4));
    assert_eq!(set.get("empty_bar_rate"), Some(&[0.0, 0.5, 1.0, 1.0][..]));
    let in_scale = set.get("in_scale_rate").unwrap();
    assert!(std::ptr::eq(in_scale, &set.in_scale_rate[..]));
    assert_eq!(set.get("no_such_metric"), None);

    let json = serde_json::to_string(&set).unwrap();
    // Field order in the text is the fixed order.
    let positions: Vec<usize> = names
        .iter()
        .map(|n| json.find(&format!("\"{n}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value.as_object().unwrap().len(), 8);
}

#[test]
fn json_writes_nan_as_null_and_reads_it_back() {
    let set = MetricSet::compute(chorale_batch().view()).unwrap();
    let json = serde_json::to_string(&set).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["in_scale_rate"][3], serde_json::Value::Null);
    assert_eq!(value["empty_bar_rate"][1], serde_json::json!(0.5));
    let back: MetricSet = serde_json::from_str(&json).unwrap();
    for ((name, a), (_, b)) in set.iter().zip(back.iter()) {
        assert_eq!(a.len(), b.len(), "{name}");
        assert_close(a, b);
    }
}

#[test]
fn json_by_hand() {
    let text = r#"{
        "empty_bar_rate": [0.25, null],
        "pitch_histogram_distance": [1.5, 2],
        "in_scale_rate": [null, 1],
        "pitches_used": [], "pitch_classes_used": [], "polyphonic_rate": [],
        "pitch_range": [], "qualified_note_rate": []
    }"#;
    let set: MetricSet = serde_json::from_str(text).unwrap();
    assert_close(&set.empty_bar_rate, &[0.25, f64::NAN]);
    assert_close(&set.in_scale_rate, &[f64::NAN, 1.0]);
    assert_eq!(set.tracks(), 2);
    let missing = r#"{"empty_bar_rate": [0.25]}"#;
    assert!(serde_json::from_str::<MetricSet>(missing).is_err());
}

#[test]
fn table_has_a_row_per_metric_and_a_column_per_voice() {
    let set = MetricSet::compute(chorale_batch().view()).unwrap();
    let table = set.to_table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 8, "{table}");
    for voice in ["Soprano", "Alto", "Tenor", "Bass"] {
        assert!(lines[0].contains(voice), "{table}");
    }
    let row = lines
        .iter()
        .find(|l| l.starts_with("empty_bar_rate"))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["empty_bar_rate", "0.000", "0.500", "1.000", "1.000"]
    );
    let row = lines
        .iter()
        .find(|l| l.starts_with("in_scale_rate"))
        .unwrap();
    assert!(row.ends_with("n/a"), "{table}");
    assert_eq!(set.to_string(), table);

    let two = MetricSet::compute(silent(1, 16, 2).view()).unwrap();
    assert_eq!(two.track_names(), ["Track 1", "Track 2"]);
    assert!(two.to_table().lines().next().unwrap().contains("Track 2"));
}

#[test]
fn compute_rejects_partial_bars() {
    let err = MetricSet::compute(silent(3, 40, 4).view()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("multiple of 16") && msg.contains("[3, 40, 128, 4]"),
        "{msg}"
    );
}

#[test]
fn non_contiguous_views_give_the_same_values() {
    // Tracks 1 and 3 of the batch, samples in reverse: a strided view, not a contiguous one.
    let b = chorale_batch();
    let view = b.slice(s![..;-1, .., .., 1..4;2]);
    assert!(view.as_slice().is_none());
    let set = MetricSet::compute(view).unwrap();
    let full = MetricSet::compute(b.view()).unwrap();
    for ((name, part), (_, whole)) in set.iter().zip(full.iter()) {
        assert_eq!(part.len(), 2, "{name}");
        assert_close(part, &[whole[1], whole[3]]);
    }
}

#[test]
fn comparison_table_sets_the_reference_beside_each_value() {
    let set = MetricSet::compute(chorale_batch().view()).unwrap();
    let reference = MetricSet::compute(silent(1, 16, 4).view()).unwrap();
    let table = set.comparison_table(&reference);
    let row = table
        .lines()
        .find(|l| l.starts_with("empty_bar_rate"))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "empty_bar_rate",
            "0.000",
            "(1.000)",
            "0.500",
            "(1.000)",
            "1.000",
            "(1.000)",
            "1.000",
            "(1.000)"
        ]
    );
    let row = table
        .lines()
        .find(|l| l.starts_with("in_scale_rate"))
        .unwrap();
    assert!(row.ends_with("n/a (n/a)"), "{table}");
}
