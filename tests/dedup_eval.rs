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
