//! schemathesis against the REST API, black-box: the bundled samples
//! (harvest-sources/samples) harvested into a workspace, the server on port 0 over them, and
//! `tests/peers/api_fuzz.py` running every operation of `/openapi.json` through schemathesis
//! (pinned in tests/peers/requirements-api.txt): no 5xx, and no status code, content type,
//! header or body that contradicts the document. Real work ids (from `essor export`) are given
//! to the fuzzer so `/api/v1/works/{id}` answers 200s too, not only 404s for random ids.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::app::spawn_app_with;
use crate::common::{Workspace, peers_dir, project_root, python, wait_with_timeout};

/// The key the server is started with: keyed requests get the higher quota.
const API_KEY: &str = "test-api-key";

/// A bound on the whole fuzz run (it takes well under this on 2 cores).
const FUZZ_TIMEOUT: Duration = Duration::from_secs(600);

/// Copies the sample sources into the workspace, their dump `path`s made absolute (they are
/// relative to the source file), and harvests them all.
fn harvest_samples(workspace: &Workspace) {
    let samples = project_root().join("harvest-sources/samples");
    let mut copied = 0;
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut table: toml::Table = text
            .parse()
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        if let Some(toml::Value::String(dump)) = table.get("path") {
            let absolute = samples.join(dump);
            table.insert(
                "path".to_owned(),
                toml::Value::String(absolute.to_str().unwrap().to_owned()),
            );
        }
        std::fs::write(
            workspace.sources().join(path.file_name().unwrap()),
            toml::to_string(&table).unwrap(),
        )
        .unwrap();
        copied += 1;
    }
    assert!(copied > 0, "no sample source in {}", samples.display());
    workspace.run(&["--quiet", "run"]).success();
    let stats = workspace.stats();
    assert_eq!(
        stats["sources"].as_u64(),
        Some(copied),
        "every sample source harvested: {stats}"
    );
}

/// Some real work ids (read before the server opens the store: it holds it exclusively).
fn some_work_ids(workspace: &Workspace) -> Vec<String> {
    let works = workspace.works();
    let ids: Vec<String> = works
        .iter()
        .map(|work| crate::common::str_field(work, "id").to_owned())
        .collect();
    assert!(!ids.is_empty(), "the samples made no work");
    // A spread over the store: first, last and evenly between.
    let step = (ids.len() / 20).max(1);
    let mut picked: Vec<String> = ids.iter().step_by(step).cloned().collect();
    picked.push(ids.last().unwrap().clone());
    picked.dedup();
    picked
}

#[test]
fn schemathesis_finds_no_server_error_and_no_response_contradicting_the_openapi_document() {
    // Fail, never skip, without schemathesis.
    let python = python();
    let probe = Command::new(&python)
        .args(["-m", "schemathesis.cli", "--version"])
        .output();
    let installed = probe.as_ref().is_ok_and(|output| output.status.success());
    assert!(
        installed,
        "schemathesis is not installed for {python:?} ({probe:?}).\n\
         Run the tests with `bash tests/run.sh`: it installs tests/peers/requirements-api.txt \
         into .venv and sets ESSOR_PYTHON."
    );

    let workspace = Workspace::new();
    harvest_samples(&workspace);
    let work_ids = some_work_ids(&workspace);
    // Limits far above what the fuzzer sends: a 429 would be a failure of the test setup.
    let server = spawn_app_with(&workspace, |settings| {
        settings.limits = essor::app::limit_config(10_000, 10_000, vec![API_KEY.to_owned()]);
    });

    let started = Instant::now();
    let child = Command::new(&python)
        .arg(peers_dir().join("api_fuzz.py"))
        .arg("--base-url")
        .arg(server.url(""))
        .args(["--api-key", API_KEY])
        .arg("--known-ids")
        .arg(format!("/api/v1/works/{{id}}={}", work_ids.join(",")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tests/peers/api_fuzz.py");
    let output = wait_with_timeout(child, FUZZ_TIMEOUT)
        .unwrap_or_else(|| panic!("api_fuzz.py did not finish within {FUZZ_TIMEOUT:?}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems in the REST API ({:?} after {:?}):\n{stdout}\n--- stderr\n{stderr}",
        output.status,
        started.elapsed()
    );
    assert!(
        stdout.lines().any(|line| line.starts_with("api_fuzz: OK")),
        "no `api_fuzz: OK` summary:\n{stdout}\n{stderr}"
    );
    // Shown with --nocapture: which operations answered which status codes.
    eprintln!("{stdout}");
}
