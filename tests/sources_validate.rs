//! `essor sources check URL`: live validation of a repository (issue 12), against real peers on
//! 127.0.0.1: pyoai's server passes without error, the fault-injecting provider's faults are
//! named, and with the default configuration a private address is refused before any request.

use serde_json::Value;

use crate::common::{Peer, Run, Workspace, make_records};

/// `essor sources check URL --json`, private networks allowed or not.
fn check(workspace: &Workspace, url: &str, allow_private: bool) -> (Run, Value) {
    let mut command = workspace.command();
    command.args(["sources", "check", url, "--json"]);
    if allow_private {
        command.env("ESSOR_ALLOW_PRIVATE_NETWORKS", "true");
    } else {
        command.env_remove("ESSOR_ALLOW_PRIVATE_NETWORKS");
    }
    let run = Run::of(command, &["sources", "check", url, "--json"]);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("not a JSON report ({error}): {}", run.describe()));
    (run, report)
}

fn status_of<'r>(report: &'r Value, id: &str) -> &'r str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))["status"]
        .as_str()
        .unwrap()
}

fn checks_with(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["status"] == status)
        .map(|check| format!("{}: {}", check["id"], check["observed"]))
        .collect()
}

#[test]
fn a_pyoai_repository_validates_without_error() {
    let workspace = Workspace::new();
    let records = workspace.dir.path().join("records.json");
    make_records(&records, 250, 3);
    let server = Peer::pyoai_server(&records, 100);
    let (run, report) = check(&workspace, &server.url("/oai"), true);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(checks_with(&report, "error"), Vec::<String>::new());
    for id in [
        "identify.parses",
        "identify.protocol_version",
        "identify.base_url",
        "identify.deleted_record",
        "http.post",
        "formats.oai_dc",
        "records.schema",
        "records.first_page",
        "records.page_size",
        "records.title",
        "incremental.day",
        "incremental.seconds",
    ] {
        assert_eq!(status_of(&report, id), "pass", "{id}: {report:#}");
    }
    assert!(report["requests"].as_u64().unwrap() >= 6, "{report:#}");
}

#[test]
fn the_fault_provider_gets_reports_naming_its_faults() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();

    // Small pages without expirationDate: harvestable, with warnings that say so.
    let (run, clean) = check(&workspace, &provider.url("/clean/oai"), true);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(status_of(&clean, "records.page_size"), "warning");
    assert_eq!(status_of(&clean, "records.token_expiration"), "warning");
    assert_eq!(status_of(&clean, "records.token_size"), "pass");

    // Control characters in titles: repaired, and named.
    let (_, invalid) = check(&workspace, &provider.url("/invalid-chars/oai"), true);
    assert_eq!(
        status_of(&invalid, "records.encoding"),
        "warning",
        "{invalid:#}"
    );

    // Latin-1 bodies: OAI-PMH requires UTF-8.
    let (_, latin1) = check(&workspace, &provider.url("/latin1/oai"), true);
    assert_eq!(
        status_of(&latin1, "records.encoding"),
        "warning",
        "{latin1:#}"
    );

    // ListRecords answers badArgument with HTTP 422: nothing can be harvested.
    let (run, zenodo) = check(&workspace, &provider.url("/oai-error-http422/oai"), true);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert_eq!(status_of(&zenodo, "records.first_page"), "error");
    assert!(
        checks_with(&zenodo, "error")[0].contains("badArgument"),
        "{zenodo:#}"
    );

    // An empty repository.
    let (run, empty) = check(&workspace, &provider.url("/no-records-match/oai"), true);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        checks_with(&empty, "error")[0].contains("noRecordsMatch"),
        "{empty:#}"
    );

    // Not an OAI-PMH base URL at all.
    let (run, none) = check(&workspace, &provider.url("/nothing-here/oai"), true);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert_eq!(status_of(&none, "identify.reachable"), "error", "{none:#}");
}

#[test]
fn private_addresses_are_refused_by_default() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();
    for url in [
        provider.url("/clean/oai"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/oai".to_owned(),
        format!("http://localhost:{}/clean/oai", provider.port),
        "file:///etc/passwd".to_owned(),
    ] {
        let (run, report) = check(&workspace, &url, false);
        assert_eq!(run.code, Some(1), "{url}: {}", run.describe());
        let errors = checks_with(&report, "error");
        assert_eq!(errors.len(), 1, "{url}: {report:#}");
        assert!(
            ["loopback", "cloud metadata", "only http and https"]
                .iter()
                .any(|why| errors[0].contains(why)),
            "{url}: {errors:?}"
        );
    }
    // Nothing reached the provider.
    assert_eq!(provider.get_json("/clean/_stats")["requests"], 0);
}
