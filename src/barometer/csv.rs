//! Every table of an edition as CSV (RFC 4180, UTF-8, formulas defused), one file per side and
//! table: the volumes by dimension, the emerging and declining findings, the newly active.

use super::model::{Edition, Finding, Side};

/// One cell: quoted when it holds a separator, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` (a spreadsheet formula) is defused with a quote mark, except in numbers.
fn cell(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&value);
    }
}

fn row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (index, value) in cells.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        cell(out, &value);
    }
    out.push_str("\r\n");
}

fn findings_csv(edition: &Edition, findings: &[Finding]) -> String {
    let mut out = String::new();
    let semesters = edition.window.iter().map(ToString::to_string);
    row(
        &mut out,
        ["kind", "key", "term", "score", "sources"]
            .map(str::to_owned)
            .into_iter()
            .chain(semesters)
            .chain(["examples".to_owned()]),
    );
    for finding in findings {
        let examples = finding
            .examples
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        row(
            &mut out,
            [
                finding.kind.clone(),
                finding.key.clone(),
                finding.term.clone(),
                finding.score.to_string(),
                finding.sources.to_string(),
            ]
            .into_iter()
            .chain(finding.counts.iter().map(u32::to_string))
            .chain([examples]),
        );
    }
    out
}

fn side_csv(edition: &Edition, name: &str, side: &Side, files: &mut Vec<(String, String)>) {
    for table in &side.tables {
        let mut out = String::new();
        let semesters = edition.window.iter().map(ToString::to_string);
        let covered = edition.window.iter().map(|s| format!("{s} established"));
        row(
            &mut out,
            ["key", "label"]
                .map(str::to_owned)
                .into_iter()
                .chain(semesters)
                .chain(covered)
                .chain(["growth".to_owned()]),
        );
        for line in &table.rows {
            row(
                &mut out,
                [line.key.clone(), line.label.clone()]
                    .into_iter()
                    .chain(line.counts.iter().map(u32::to_string))
                    .chain(line.covered_counts.iter().map(u32::to_string))
                    .chain([line.growth.map(|g| g.to_string()).unwrap_or_default()]),
            );
        }
        files.push((format!("{name}-{}.csv", table.dimension), out));
    }
    files.push((
        format!("{name}-emerging.csv"),
        findings_csv(edition, &side.emerging),
    ));
    files.push((
        format!("{name}-declining.csv"),
        findings_csv(edition, &side.declining),
    ));
    let mut out = String::new();
    row(
        &mut out,
        ["dimension", "key", "label", "works"].map(str::to_owned),
    );
    for active in &side.newly_active {
        row(
            &mut out,
            [
                active.dimension.clone(),
                active.key.clone(),
                active.label.clone(),
                active.works.to_string(),
            ],
        );
    }
    files.push((format!("{name}-newly-active.csv"), out));
    let mut out = String::new();
    row(&mut out, ["code", "fr", "en"].map(str::to_owned));
    for note in &side.notes {
        row(
            &mut out,
            [note.code.clone(), note.fr.clone(), note.en.clone()],
        );
    }
    files.push((format!("{name}-notes.csv"), out));
}

/// `(file name, CSV text)` of every table of the edition, research first.
pub fn csv_files(edition: &Edition) -> Vec<(String, String)> {
    let mut files = Vec::new();
    side_csv(edition, "research", &edition.research, &mut files);
    side_csv(edition, "teaching", &edition.teaching, &mut files);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        row(
            &mut out,
            ["a,b", "say \"hi\"", "=SUM(A1)", "-0.25", "plain"].map(str::to_owned),
        );
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),-0.25,plain\r\n");
    }
}
