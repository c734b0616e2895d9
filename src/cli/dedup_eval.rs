//! `essor dedup-eval`: precision, recall and F1 of deduplication on a labelled set, read in
//! slices so that a million labelled records never sit in memory at once.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub fn dedup_eval(file: &Path, json: bool, max_errors: usize) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    // Read in slices of lines, each prepared on all cores and reduced to its dedup features:
    // a million labelled records (2 GB of JSON) never sit in memory at once.
    const LINES_PER_SLICE: usize = 16_384;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?,
    );
    let mut set = essor::dedup::EvalSet::default();
    let mut lines = reader.lines();
    let mut first_line = 1;
    loop {
        let slice: Vec<String> = lines
            .by_ref()
            .take(LINES_PER_SLICE)
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", file.display()))?;
        if slice.is_empty() {
            break;
        }
        set.add_lines(&slice).map_err(|error| {
            anyhow::anyhow!(
                "{}:{}: not a labelled record: {}",
                file.display(),
                first_line + error.line - 1,
                error.error
            )
        })?;
        first_line += slice.len();
    }
    let report = essor::dedup::evaluate(set, max_errors);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let scores = &report.scores;
        println!(
            "{} records, {} labelled works, {} works found",
            report.records, report.works_labelled, report.works_found
        );
        println!(
            "pairs: {} labelled same, {} predicted, {} correct",
            scores.true_pairs, scores.predicted_pairs, scores.correct_pairs
        );
        println!(
            "precision {:.4}  recall {:.4}  F1 {:.4}",
            scores.precision, scores.recall, scores.f1
        );
        if !report.cases.is_empty() {
            println!(
                "{:<18} {:>7} {:>6} {:>9} {:>9} {:>7}",
                "case", "records", "works", "precision", "recall", "F1"
            );
        }
        for case in &report.cases {
            let scores = &case.scores;
            println!(
                "{:<18} {:>7} {:>6} {:>9.4} {:>9.4} {:>7.4}",
                case.case,
                case.records,
                case.works_labelled,
                scores.precision,
                scores.recall,
                scores.f1
            );
        }
        for error in &report.errors {
            println!(
                "{:<12} {}  ~  {}  ({}){}",
                error.kind,
                error.a,
                error.b,
                error.verdict,
                error
                    .case
                    .as_deref()
                    .map(|case| format!(" [{case}]"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
