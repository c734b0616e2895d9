//! `essor barometer build` and `list` on the real binary: an edition of a semester that has
//! ended is published and frozen, `--force` never rebuilds it, a bad edition id is a usage
//! error, `--out` writes the edition's JSON and CSV.

use crate::common::Workspace;
use serde_json::Value;

#[test]
fn a_published_edition_is_listed_and_never_rebuilt() {
    let workspace = Workspace::new();
    let out = workspace.dir.path().join("bundle");
    let out_arg = out.to_string_lossy().into_owned();
    let built = workspace
        .run(&[
            "barometer",
            "build",
            "--edition",
            "2026-S1",
            "--out",
            &out_arg,
        ])
        .success()
        .jsonl();
    assert_eq!(built.len(), 1, "{built:?}");
    assert_eq!(built[0]["edition"], "2026-S1");
    assert_eq!(built[0]["status"], "published");
    assert_eq!(built[0]["outcome"], "built");
    // An empty store: both sides say they have no data rather than print noise.
    assert_eq!(built[0]["research"], "no-data");
    assert_eq!(built[0]["teaching"], "no-data");
    let written: Value = serde_json::from_slice(
        &std::fs::read(out.join("edition.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written["id"], "2026-S1");
    assert_eq!(written["window"].as_array().map(Vec::len), Some(8));
    assert_eq!(written["teaching"]["notes"][0]["code"], "no-data");
    assert_eq!(written["emerging"], serde_json::json!([]));
    let themes = std::fs::read_to_string(out.join("research-theme.csv")).unwrap_or_default();
    assert!(themes.starts_with("key,label,2022-S2,"), "{themes}");
    for table in [
        "type",
        "discipline",
        "region",
        "institution",
        "emerging",
        "declining",
    ] {
        assert!(
            out.join(format!("research-{table}.csv")).exists(),
            "{table}"
        );
        assert!(
            out.join(format!("teaching-{table}.csv")).exists(),
            "{table}"
        );
    }

    let again = workspace
        .run(&["barometer", "build", "--edition", "2026-S1"])
        .success()
        .jsonl();
    assert_eq!(again[0]["outcome"], "kept");
    assert_eq!(again[0]["built_at"], built[0]["built_at"]);
    workspace
        .run(&["barometer", "build", "--edition", "2026-S1", "--force"])
        .code(2);
    workspace
        .run(&["barometer", "build", "--edition", "2026-S3"])
        .code(2);
    let listed = workspace.run(&["barometer", "list"]).success().jsonl();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["edition"], "2026-S1");
}
