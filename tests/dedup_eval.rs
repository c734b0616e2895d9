//! Deduplication quality on the labelled evaluation set (`tests/dedup-eval/`): pairwise F1 must
//! stay at or above 0.97; the held-out set, made with other names and vocabulary, is scored too
//! so that rules tuned on the first set are seen to generalise.

use crate::common::project_root;
use serde_json::Value;

fn evaluate(file: &str) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_essor"))
        .args(["dedup-eval", "--json", "--errors", "10"])
        .arg(project_root().join("tests/dedup-eval").join(file))
        .output()
        .expect("run essor dedup-eval");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

#[test]
fn labelled_set_f1_is_at_least_0_97() {
    let report = evaluate("records.jsonl");
    let f1 = report["f1"].as_f64().unwrap();
    assert!(report["records"].as_u64().unwrap() >= 1000, "{report:#}");
    assert!(
        report["true_pairs"].as_u64().unwrap() >= 300,
        "the set has duplicates: {report:#}"
    );
    assert!(f1 >= 0.97, "F1 {f1:.4} < 0.97: {report:#}");
}

#[test]
fn held_out_set_f1_is_at_least_0_95() {
    let report = evaluate("records-holdout.jsonl");
    let f1 = report["f1"].as_f64().unwrap();
    assert!(
        f1 >= 0.95,
        "F1 {f1:.4} < 0.95 on the held-out set: {report:#}"
    );
}

/// The hard-case sets of issue 19 (`tests/dedup-eval/hard.py`): each case is scored on its own,
/// with at least 30 works in each, in the tuning set and in the held-out one.
#[test]
fn hard_sets_are_scored_per_case() {
    for file in ["records-hard.jsonl", "records-hard-holdout.jsonl"] {
        let report = evaluate(file);
        let cases = report["cases"].as_array().expect("cases");
        let names: Vec<&str> = cases.iter().filter_map(|c| c["case"].as_str()).collect();
        assert_eq!(
            names,
            [
                "names_compound",
                "names_script",
                "same_main_title",
                "series",
                "title_language",
                "title_prefix",
                "truncated",
                "volumes"
            ],
            "{file}"
        );
        for case in cases {
            assert!(case["works_labelled"].as_u64().unwrap() >= 30, "{case:#}");
            assert!(case["true_pairs"].as_u64().unwrap() > 0, "{case:#}");
        }
        // The cases cover every record: their labelled pairs add up to the set's.
        let total: u64 = cases
            .iter()
            .map(|c| c["true_pairs"].as_u64().unwrap())
            .sum();
        assert_eq!(total, report["true_pairs"].as_u64().unwrap(), "{file}");
    }
}
