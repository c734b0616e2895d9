//! Registration through the API (issue 12): a repository manager registers a real OAI-PMH
//! server (pyoai's, on 127.0.0.1), reads the report, an administrator approves it with the
//! token; a repository that cannot be harvested is refused with the report and nothing is
//! stored; every field is checked; registrations are rate-limited; the contact e-mail is never
//! published; `essor sources list|approve|suspend|resume` work on the store.

use serde_json::{Value, json};

use crate::common::app::{ADMIN_TOKEN, TestApp, spawn_app_with};
use crate::common::{Peer, Workspace, json_snapshot, make_records, oai_source};
use essor::harvest::guard::NetworkPolicy;

const CONTACT: &str = "depot-oai@univ-exemple.fr";

fn allow_private(settings: &mut essor::app::Settings) {
    settings.network = NetworkPolicy {
        allow_private: true,
    };
}

fn registration(base_url: &str) -> Value {
    json!({
        "base_url": base_url,
        "name": "Dépôt institutionnel de test",
        "institution": "Université d'Exemple",
        "region": "FR-BRE",
        "contact_email": CONTACT,
    })
}

fn post_json(server: &TestApp, path: &str, body: &Value) -> crate::common::app::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    server.request(
        "POST",
        path,
        &[("Content-Type", "application/json")],
        Some(&bytes),
    )
}

fn admin(server: &TestApp, path: &str, token: Option<&str>) -> crate::common::app::Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    server.request("POST", path, &headers, None)
}

fn pyoai(workspace: &Workspace) -> Peer {
    let records = workspace.dir.path().join("records.json");
    make_records(&records, 150, 5);
    Peer::pyoai_server(&records, 100)
}

#[test]
fn a_repository_registers_gets_its_report_and_is_approved_with_the_token() {
    let workspace = Workspace::new();
    let server_peer = pyoai(&workspace);
    let server = spawn_app_with(&workspace, allow_private);

    let created = post_json(
        &server,
        "/api/v1/sources",
        &registration(&server_peer.url("/oai")),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["status"], "pending");
    assert_eq!(body["report"]["accepted"], true, "{body:#}");
    assert_eq!(created.header("location"), format!("/api/v1/sources/{id}"));
    assert!(
        body["report"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|check| check["status"] != "error"),
        "{body:#}"
    );

    // Listed with the configured sources; the contact e-mail is published nowhere.
    let sources = server.get("/api/v1/sources");
    assert!(!sources.text().contains(CONTACT));
    let listed = sources.json();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not listed: {listed:#}"));
    assert_eq!(entry["registration"]["status"], "pending");
    assert_eq!(entry["enabled"], false);
    // Its public health record: status, dates, the report it was registered with.
    let one = server.get(&format!("/api/v1/sources/{id}"));
    assert_eq!(one.status, 200, "{}", one.text());
    assert!(!one.text().contains(CONTACT));
    let record = one.json();
    assert_eq!(record["registration"]["status"], "pending");
    assert!(record["registration"]["registered_at"].is_string());
    assert!(record["registration"]["approved_at"].is_null());
    assert_eq!(record["registration"]["report"]["accepted"], true);
    assert!(record["registration"]["median_response_ms"].is_u64());
    let runs = server.get(&format!("/api/v1/sources/{id}/runs")).json();
    assert_eq!(runs["total"], 0, "{runs:#}");

    // Admin actions: no token, a wrong token, then the right one.
    let approve = format!("/api/v1/sources/{id}/approve");
    for token in [None, Some("wrong-token")] {
        let refused = admin(&server, &approve, token);
        assert_eq!(refused.status, 401, "{}", refused.text());
        assert_eq!(refused.header("www-authenticate"), "Bearer");
    }
    let approved = admin(&server, &approve, Some(ADMIN_TOKEN));
    assert_eq!(approved.status, 200, "{}", approved.text());
    let approved_json = approved.json();
    assert_eq!(approved_json["status"], "active");
    assert!(approved_json["approved_at"].is_string());
    assert!(!approved.text().contains(CONTACT));
    insta::assert_snapshot!(
        "registration",
        json_snapshot(
            &approved.text(),
            &[
                ("id", "[id]"),
                ("base_url", "[peer]"),
                ("registered_at", "[time]"),
                ("approved_at", "[time]"),
                ("status_changed_at", "[time]"),
            ]
        )
    );
    let again = admin(&server, &approve, Some(ADMIN_TOKEN));
    assert_eq!(again.status, 409, "{}", again.text());
    let suspended = admin(
        &server,
        &format!("/api/v1/sources/{id}/suspend"),
        Some(ADMIN_TOKEN),
    );
    assert_eq!(suspended.json()["status"], "suspended");
    let resumed = admin(
        &server,
        &format!("/api/v1/sources/{id}/resume"),
        Some(ADMIN_TOKEN),
    );
    assert_eq!(resumed.json()["status"], "active");
    let unknown = admin(
        &server,
        "/api/v1/sources/r0000000000/approve",
        Some(ADMIN_TOKEN),
    );
    assert_eq!(unknown.status, 404);
    drop(server);

    // The same on the store from the command line, the server stopped.
    let listed = workspace.run(&["sources", "list", "--json"]).success();
    let lines = listed.jsonl();
    let line = lines.iter().find(|l| l["id"] == id.as_str()).unwrap();
    assert_eq!(line["status"], "active");
    assert_eq!(line["contact_email"], CONTACT, "the operator sees it");
    workspace.run(&["sources", "suspend", &id]).success();
    let refused = workspace.run(&["sources", "approve", &id]);
    assert_eq!(refused.code, Some(1), "{}", refused.describe());
    assert!(
        refused.stderr.contains("suspended"),
        "{}",
        refused.describe()
    );
    workspace.run(&["sources", "resume", &id]).success();
    let missing = workspace.run(&["sources", "approve", "r0000000000"]);
    assert_eq!(missing.code, Some(1), "{}", missing.describe());
}

#[test]
fn admin_actions_do_not_exist_without_a_configured_token() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |settings| {
        settings.admin_token = None;
    });
    let response = admin(
        &server,
        "/api/v1/sources/r0000000000/approve",
        Some(ADMIN_TOKEN),
    );
    assert_eq!(response.status, 404, "{}", response.text());
}

#[test]
fn an_unharvestable_repository_is_refused_with_its_report_and_nothing_is_stored() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();
    let server = spawn_app_with(&workspace, allow_private);
    let before = server.get("/api/v1/sources").json();

    let refused = post_json(
        &server,
        "/api/v1/sources",
        &registration(&provider.url("/no-records-match/oai")),
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(refused.header("content-type"), "application/problem+json");
    let problem = refused.json();
    assert_eq!(
        problem["type"],
        "https://essor.eu/problems/repository-refused"
    );
    assert_eq!(problem["report"]["accepted"], false);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("noRecordsMatch"),
        "{problem:#}"
    );
    assert_eq!(server.get("/api/v1/sources").json(), before);
}

#[test]
fn private_addresses_are_refused_by_default_without_a_request() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();
    let server = spawn_app_with(&workspace, |settings| {
        settings.network = NetworkPolicy {
            allow_private: false,
        };
    });
    for url in [
        provider.url("/clean/oai"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/oai".to_owned(),
        format!("http://localhost:{}/clean/oai", provider.port),
    ] {
        let refused = post_json(&server, "/api/v1/sources", &registration(&url));
        assert_eq!(refused.status, 422, "{url}: {}", refused.text());
        let detail = refused.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            ["loopback", "cloud metadata"]
                .iter()
                .any(|why| detail.contains(why)),
            "{url}: {detail}"
        );
    }
    assert_eq!(provider.get_json("/clean/_stats")["requests"], 0);
}

#[test]
fn every_submitted_field_is_checked_with_a_clear_problem() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, allow_private);
    let base = registration("https://depot.univ-exemple.fr/oai");
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases = [
        (
            with("contact_email", json!("pas-une-adresse")),
            "contact_email",
        ),
        (with("region", json!("Bretagne")), "region"),
        (with("name", json!("")), "name"),
        (with("institution", json!("x".repeat(201))), "institution"),
        (with("base_url", json!("file:///etc/passwd")), "base_url"),
        (with("sets", json!(["pas un set"])), "sets"),
        (with("role", json!("library")), "role"),
        (with("unexpected", json!(1)), "body"),
        (json!({"base_url": "https://x.org/oai"}), "body"),
    ];
    for (body, field) in cases {
        let response = post_json(&server, "/api/v1/sources", &body);
        assert_eq!(response.status, 400, "{body}: {}", response.text());
        let problem = response.json();
        assert_eq!(problem["type"], "https://essor.eu/problems/invalid-field");
        assert_eq!(problem["parameter"], field, "{problem:#}");
    }
    let not_json = server.request(
        "POST",
        "/api/v1/sources",
        &[("Content-Type", "application/json")],
        Some(b"{not json"),
    );
    assert_eq!(not_json.status, 400, "{}", not_json.text());
    insta::assert_snapshot!(
        "problem_invalid_field",
        json_snapshot(
            &post_json(
                &server,
                "/api/v1/sources",
                &with("region", json!("Bretagne"))
            )
            .text(),
            &[]
        )
    );
}

#[test]
fn registrations_are_rate_limited_per_client() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |settings| {
        settings.network = NetworkPolicy {
            allow_private: false,
        };
        settings.limits.registrations_per_hour = std::num::NonZeroU32::new(2).unwrap();
    });
    // Refused for its address (422, no request made), but each counts against the quota.
    let body = registration("http://10.1.2.3/oai");
    for _ in 0..2 {
        assert_eq!(post_json(&server, "/api/v1/sources", &body).status, 422);
    }
    let limited = post_json(&server, "/api/v1/sources", &body);
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert!(limited.header("retry-after").parse::<u64>().unwrap() >= 1);
}

#[test]
fn a_sources_runs_are_paged_newest_first() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();
    workspace.write_source(
        "clean",
        &oai_source("clean", &provider.url("/clean/oai"), ""),
    );
    workspace.harvest("clean").success();
    workspace.harvest("clean").success();
    let server = spawn_app_with(&workspace, |_| {});
    let first = server.get("/api/v1/sources/clean/runs?limit=1").json();
    assert_eq!(first["total"], 2, "{first:#}");
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["run_id"], 2, "newest first: {first:#}");
    assert_eq!(first["next_offset"], 1);
    let second = server
        .get("/api/v1/sources/clean/runs?limit=1&offset=1")
        .json();
    assert_eq!(second["items"][0]["run_id"], 1, "{second:#}");
    assert!(second["next_offset"].is_null());
    for (path, status, parameter) in [
        ("/api/v1/sources/clean/runs?limit=0", 400, "limit"),
        ("/api/v1/sources/clean/runs?offset=x", 400, "offset"),
        ("/api/v1/sources/clean/runs?page=2", 400, "page"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, status, "{path}: {}", response.text());
        assert_eq!(response.json()["parameter"], parameter, "{path}");
    }
    assert_eq!(server.get("/api/v1/sources/nope/runs").status, 404);
}
