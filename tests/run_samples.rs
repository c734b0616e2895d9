//! The README's main command on the bundled offline samples: `essor --sources
//! harvest-sources/samples run` harvests every sample (the OAI-PMH dumps and one source of each
//! non-OAI kind) into the store and prints what it stored; a second run rewrites nothing.

use std::process::Command;

use crate::common::{Workspace, project_root};
use serde_json::Value;

fn essor_run_samples(workspace: &Workspace, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_essor"))
        .arg("--data")
        .arg(workspace.data())
        .arg("--sources")
        .arg(project_root().join("harvest-sources/samples"))
        .args(args)
        .env_remove("ESSOR_DATA")
        .env_remove("ESSOR_SOURCES")
        .output()
        .expect("run essor")
}

#[test]
fn run_harvests_the_bundled_samples_exactly_once() {
    let read = |name: &str| -> Value {
        let path = project_root().join("harvest-sources/samples").join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    // The dumps' expectations (generate.py) and the other kinds' (generate_kinds.py).
    let mut expected = read("expected.json");
    let kinds = read("expected-kinds.json");
    let kind_sources = kinds["sources"].as_object().unwrap().clone();
    expected["sources"]
        .as_object_mut()
        .unwrap()
        .extend(kind_sources.clone());
    let workspace = Workspace::new();
    let first = essor_run_samples(&workspace, &["--quiet", "run"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let stats: Value =
        serde_json::from_slice(&essor_run_samples(&workspace, &["stats", "--json"]).stdout)
            .unwrap();
    let sources = expected["sources"].as_object().unwrap();
    assert_eq!(stats["sources"].as_u64(), Some(sources.len() as u64));
    for (id, source) in sources {
        let counts = &stats["by_source"][id];
        assert_eq!(counts["records"], source["live"], "{id}: {counts}");
        assert_eq!(
            counts["deleted_records"].as_u64(),
            Some(source["deleted"].as_array().unwrap().len() as u64),
            "{id}"
        );
        assert_eq!(
            counts["rejected_records"].as_u64(),
            Some(source["rejected"].as_u64().unwrap_or(0)),
            "{id}"
        );
        assert!(
            stdout.contains(id.as_str()),
            "the summary names {id}:\n{stdout}"
        );
    }

    // Deleted records are stored as deletions, with no metadata.
    let records = essor_run_samples(&workspace, &["records", "--source", "sample-hal-ess"]);
    let deleted: Vec<String> = String::from_utf8_lossy(&records.stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|record| record["deleted"] == Value::Bool(true))
        .map(|record| {
            assert!(record["raw"].is_null() && record["record"].is_null());
            record["identifier"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut expected_deleted: Vec<String> = expected["sources"]["sample-hal-ess"]["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    expected_deleted.sort();
    assert_eq!(deleted, expected_deleted);

    // The works: the samples' known duplicates are one work each, their look-alikes are not.
    let export = essor_run_samples(&workspace, &["export", "--format", "jsonl"]);
    let mut work_of = std::collections::HashMap::new();
    for line in String::from_utf8_lossy(&export.stdout).lines() {
        let work: Value = serde_json::from_str(line).unwrap();
        for member in work["members"].as_array().unwrap() {
            work_of.insert(
                member["identifier"].as_str().unwrap().to_owned(),
                work["id"].as_str().unwrap().to_owned(),
            );
        }
    }
    let works_of = |group: &Value| -> Vec<Option<String>> {
        group["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| work_of.get(id.as_str().unwrap()).cloned())
            .collect()
    };
    // Every kind makes works of its type; a catalogue of every field only of its ESS rows.
    let mut works_by_source = std::collections::HashMap::<String, u64>::new();
    for line in String::from_utf8_lossy(&export.stdout).lines() {
        let work: Value = serde_json::from_str(line).unwrap();
        for member in work["members"].as_array().unwrap() {
            *works_by_source
                .entry(member["source"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let kinds_seen: std::collections::BTreeSet<&str> = kind_sources
        .values()
        .map(|source| source["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds_seen.into_iter().collect::<Vec<_>>(),
        [
            "csv",
            "feed",
            "hal-api",
            "json",
            "opendatasoft",
            "theses-fr"
        ]
    );
    for (id, source) in &kind_sources {
        assert_eq!(
            works_by_source.get(id).copied(),
            source["ess"].as_u64(),
            "{id}: works made of its records"
        );
    }
    for group in expected["same_work"].as_array().unwrap() {
        let works = works_of(group);
        assert!(
            works[0].is_some() && works.iter().all(|w| w == &works[0]),
            "not one work: {group}"
        );
    }
    for group in expected["not_same_work"].as_array().unwrap() {
        let works = works_of(group);
        assert!(
            works.iter().all(Option::is_some) && works[0] != works[1],
            "wrongly merged: {group}"
        );
    }

    // Log lines: JSON when stderr is not a terminal (a container), text when asked.
    let first_log = String::from_utf8_lossy(&first.stderr);
    assert!(
        first_log.lines().count() > 0
            && first_log
                .lines()
                .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "{first_log}"
    );

    // Running again finds every record unchanged and rewrites nothing.
    let second = essor_run_samples(&workspace, &["--quiet", "--log-format", "text", "run"]);
    assert!(second.status.success());
    let second_log = String::from_utf8_lossy(&second.stderr);
    assert!(
        second_log.contains("INFO")
            && second_log
                .lines()
                .all(|line| serde_json::from_str::<Value>(line).is_err()),
        "{second_log}"
    );
    let runs = essor_run_samples(&workspace, &["runs"]);
    let last_runs: Vec<Value> = String::from_utf8_lossy(&runs.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(last_runs.len(), 2 * sources.len());
    for run in &last_runs[sources.len()..] {
        assert_eq!(run["status"], "complete", "{run}");
        assert_eq!(
            (
                run["new"].as_u64(),
                run["updated"].as_u64(),
                run["deleted"].as_u64()
            ),
            (Some(0), Some(0), Some(0)),
            "{run}"
        );
        assert!(run["unchanged"].as_u64().unwrap() > 0, "{run}");
    }
}
