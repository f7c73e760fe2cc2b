//! The plain-text tables of the metrics' reports.

/// `rows` (the first one the header) as a table: the first column left-aligned, the others
/// right-aligned, each as wide as its widest cell, two spaces apart, a line per row.
pub(crate) fn text_table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(&cells.join("  "));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = vec![
            vec!["metric".to_string(), "S".to_string(), "Bass".to_string()],
            vec![
                "empty_bar_rate".to_string(),
                "0.5".to_string(),
                "12.25".to_string(),
            ],
        ];
        assert_eq!(
            text_table(&rows),
            "metric            S   Bass\nempty_bar_rate  0.5  12.25\n"
        );
    }
}
