//! Registered repositories harvested by the server's scheduler (issue 12), black-box: a
//! repository manager registers a real OAI-PMH server (pyoai's, on 127.0.0.1) through the API,
//! an administrator approves it with the token, and the scheduler harvests it at once, until its
//! works are searchable (REST) and in the OAI feed (valid against the schemas), with no restart.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::app::{ADMIN_TOKEN, TestApp, spawn_app_with};
use crate::common::served::assert_valid_text;
use crate::common::{Peer, Workspace, identifiers, make_records, oai_source};
use essor::app::Settings;
use essor::harvest::guard::NetworkPolicy;

/// How long a scheduled harvest of a test repository may take before the test gives up.
const HARVESTED_WITHIN: Duration = Duration::from_secs(90);

/// The server as deployed (scheduled harvests on), looking for due sources every 200 ms, and
/// allowed to reach the peers on 127.0.0.1 (`ESSOR_ALLOW_PRIVATE_NETWORKS=true`).
pub fn scheduling(settings: &mut Settings) {
    settings.schedule = true;
    settings.schedule_tick = Duration::from_millis(200);
    settings.network = NetworkPolicy {
        allow_private: true,
    };
}

/// Registers `base_url` through the API; returns the registration's id.
pub fn register(server: &TestApp, base_url: &str, name: &str) -> String {
    let body = json!({
        "base_url": base_url,
        "name": name,
        "institution": "Université d'Exemple",
        "region": "FR-OCC",
        "contact_email": "depot@univ-exemple.fr",
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let created = server.request(
        "POST",
        "/api/v1/sources",
        &[("Content-Type", "application/json")],
        Some(&bytes),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["id"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/sources/{id}/<action>` with the administrator's token.
pub fn admin_action(server: &TestApp, id: &str, action: &str) -> Value {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let response = server.request(
        "POST",
        &format!("/api/v1/sources/{id}/{action}"),
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(response.status, 200, "{action} {id}: {}", response.text());
    response.json()
}

/// Polls `probe` every 100 ms until it gives a value; panics with `what` after `within`.
pub fn wait_for<T>(within: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(started.elapsed() < within, "waited {within:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The source's public record once its last harvest has completed.
pub fn wait_for_complete_harvest(server: &TestApp, id: &str) -> Value {
    wait_for(
        HARVESTED_WITHIN,
        &format!("a complete harvest of {id}"),
        || {
            let record = server.get(&format!("/api/v1/sources/{id}")).json();
            (record["last_harvest"]["status"] == "complete").then_some(record)
        },
    )
}

/// Every response of the feed's `ListRecords` for `set` (tokens followed), each validated.
pub fn feed_pages(server: &TestApp, set: &str) -> Vec<String> {
    let mut pages = Vec::new();
    let mut query = format!("verb=ListRecords&metadataPrefix=oai_dc&set={set}");
    loop {
        let page = server.oai(&query);
        assert_valid_text(&format!("list-records-{}", pages.len()), &page);
        let token = page
            .split("<resumptionToken")
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split_once("</resumptionToken>"))
            .map(|(token, _)| token.trim().to_owned())
            .filter(|token| !token.is_empty());
        pages.push(page);
        match token {
            Some(token) => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
                query = format!("verb=ListRecords&resumptionToken={encoded}");
            }
            None => return pages,
        }
    }
}

/// The texts of every `<identifier>` element of `xml` (headers and provenance alike).
pub fn identifier_texts(xml: &str) -> BTreeSet<String> {
    xml.split("<identifier>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</identifier>"))
        .map(|(text, _)| text.trim().to_owned())
        .collect()
}

#[test]
fn an_approved_repository_is_harvested_at_once_until_its_works_are_searchable_and_in_the_feed() {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    let records = make_records(&records_file, 150, 11);
    let repository = Peer::pyoai_server(&records_file, 100);
    let server = spawn_app_with(&workspace, scheduling);

    let id = register(&server, &repository.url("/oai"), "Dépôt planifié");
    // Pending: the scheduler leaves it alone.
    std::thread::sleep(Duration::from_secs(1));
    let runs = server.get(&format!("/api/v1/sources/{id}/runs")).json();
    assert_eq!(
        runs["total"], 0,
        "a pending registration was harvested: {runs:#}"
    );

    let approved_at = Instant::now();
    admin_action(&server, &id, "approve");
    let record = wait_for_complete_harvest(&server, &id);
    eprintln!("approved → harvest complete in {:?}", approved_at.elapsed());
    assert_eq!(record["registration"]["status"], "active", "{record:#}");
    assert!(record["registration"]["last_error"].is_null(), "{record:#}");
    assert_eq!(record["counts"]["records"], 150, "{record:#}");
    assert_eq!(record["last_harvest"]["new"], 150, "{record:#}");

    // Searchable: every work of the source through the REST API, a title's words found.
    let works = wait_for(HARVESTED_WITHIN, "the works in the search index", || {
        let page = server
            .get(&format!("/api/v1/works?source={id}&limit=100"))
            .json();
        (page["total"].as_u64().unwrap_or(0) > 0).then_some(page)
    });
    let total = works["total"].as_u64().unwrap();
    assert!(total <= 150, "{total} works from 150 records");
    let title = records[0]["dc"]["title"][0].as_str().unwrap();
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() > 6)
        .take(3)
        .collect();
    let query: String = url::form_urlencoded::byte_serialize(words.join(" ").as_bytes()).collect();
    let found = server
        .get(&format!("/api/v1/works?q={query}&source={id}"))
        .json();
    assert!(
        found["total"].as_u64().unwrap_or(0) >= 1,
        "{title:?} not found by {words:?}: {found:#}"
    );

    // In the OAI feed: the source's set lists as many works as the search does, and their
    // provenance names every record harvested.
    let pages = feed_pages(&server, &format!("source:{id}"));
    let headers: usize = pages
        .iter()
        .map(|page| page.matches("<header>").count() + page.matches("<header status=").count())
        .sum();
    assert_eq!(headers as u64, total, "feed records vs works found");
    let named: BTreeSet<String> = pages.iter().flat_map(|p| identifier_texts(p)).collect();
    let expected = identifiers(&records);
    let missing: Vec<&String> = expected.difference(&named).collect();
    assert!(
        missing.is_empty(),
        "not in the feed's provenance: {missing:?}"
    );
    assert!(
        pages
            .iter()
            .any(|page| page.contains(&repository.url("/oai"))),
        "the provenance names the repository's base URL"
    );
}

#[test]
fn a_slow_repository_does_not_delay_the_harvest_of_another_host() {
    let workspace = Workspace::new();
    let provider = Peer::fault_provider();
    let records_file = workspace.dir.path().join("records.json");
    make_records(&records_file, 150, 12);
    let quick = Peer::pyoai_server(&records_file, 100);
    let server = spawn_app_with(&workspace, scheduling);

    // Two hosts: `localhost` serves 80 slow pages (more than a minute at 1 request/s), and
    // `127.0.0.1` a repository of two pages.
    let slow_url = format!("http://localhost:{}/slow/oai", provider.port);
    let slow = register(&server, &slow_url, "Dépôt lent");
    let fast = register(&server, &quick.url("/oai"), "Dépôt rapide");
    admin_action(&server, &slow, "approve");
    wait_for(HARVESTED_WITHIN, "the slow harvest to start", || {
        let record = server.get(&format!("/api/v1/sources/{slow}")).json();
        (record["registration"]["harvesting"] == true).then_some(())
    });
    let approved = Instant::now();
    admin_action(&server, &fast, "approve");
    let record = wait_for_complete_harvest(&server, &fast);
    let took = approved.elapsed();
    eprintln!("the quick repository was harvested in {took:?} beside the slow one");
    assert_eq!(record["counts"]["records"], 150, "{record:#}");
    let slow_record = server.get(&format!("/api/v1/sources/{slow}")).json();
    assert_eq!(
        slow_record["registration"]["harvesting"], true,
        "the slow harvest should still run: {slow_record:#}"
    );
    assert_eq!(slow_record["last_harvest"]["status"], "running");
    assert!(slow_record["registration"]["next_harvest"].is_null());
    // The quick one's record: its works (once the works update that follows the harvest is
    // done), its next harvest about a day later.
    let record = wait_for(
        HARVESTED_WITHIN,
        "the works of the quick repository",
        || {
            let record = server.get(&format!("/api/v1/sources/{fast}")).json();
            (record["registration"]["works"].as_u64().unwrap_or(0) > 0).then_some(record)
        },
    );
    assert_eq!(record["harvest_every_seconds"], 86_400);
    let started = chrono::DateTime::parse_from_rfc3339(
        record["last_harvest"]["started_at"].as_str().unwrap(),
    )
    .unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(
        record["registration"]["next_harvest"].as_str().unwrap(),
    )
    .unwrap();
    let hours = (next - started).num_minutes() as f64 / 60.0;
    assert!(
        (21.5..=26.5).contains(&hours),
        "next harvest {hours} h after the last"
    );
}

#[test]
fn a_failing_repository_backs_off_and_its_record_says_why_and_when() {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    make_records(&records_file, 150, 13);
    let repository = Peer::pyoai_server(&records_file, 100);
    let server = spawn_app_with(&workspace, scheduling);
    let id = register(&server, &repository.url("/oai"), "Dépôt fermé");
    // The repository goes away between its validation and its approval.
    drop(repository);
    admin_action(&server, &id, "approve");
    let record = wait_for(HARVESTED_WITHIN, "a failed harvest", || {
        let record = server.get(&format!("/api/v1/sources/{id}")).json();
        (record["last_harvest"]["status"] == "failed"
            && record["registration"]["harvesting"] == false)
            .then_some(record)
    });
    let health = &record["registration"];
    assert_eq!(health["consecutive_failures"], 1, "{record:#}");
    let error = health["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("connection"), "{error}");
    let finished = chrono::DateTime::parse_from_rfc3339(
        record["last_harvest"]["finished_at"].as_str().unwrap(),
    )
    .unwrap();
    let next =
        chrono::DateTime::parse_from_rfc3339(health["next_harvest"].as_str().unwrap()).unwrap();
    let seconds = (next - finished).num_seconds();
    assert!(
        (53..=67).contains(&seconds),
        "the first retry comes a minute (±10 %) after the failure, not {seconds} s"
    );
    // Not retried at every tick meanwhile.
    std::thread::sleep(Duration::from_secs(1));
    let runs = server.get(&format!("/api/v1/sources/{id}/runs")).json();
    assert_eq!(runs["total"], 1, "{runs:#}");
}

#[test]
fn a_server_stopped_during_a_harvest_saves_its_checkpoint_and_the_next_start_resumes_it() {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    let records = make_records(&records_file, 600, 14);
    // 12 pages at 1 request/s: a dozen seconds.
    let repository = Peer::pyoai_server(&records_file, 50);
    let server = spawn_app_with(&workspace, scheduling);
    let id = register(&server, &repository.url("/oai"), "Dépôt interrompu");
    admin_action(&server, &id, "approve");
    let stored = wait_for(HARVESTED_WITHIN, "the first pages", || {
        let record = server.get(&format!("/api/v1/sources/{id}")).json();
        let stored = record["counts"]["records"].as_u64().unwrap_or(0);
        (stored >= 100).then_some(stored)
    });
    let stopping = Instant::now();
    drop(server);
    let stopped_in = stopping.elapsed();
    eprintln!("{stored} records stored; the server stopped in {stopped_in:?}");
    assert!(stopped_in < Duration::from_secs(10), "{stopped_in:?}");

    // Stopped on a saved checkpoint: the run waits to be resumed, its pages kept.
    let runs = workspace.runs(&id);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "running", "{runs:?}");
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("stopped"),
        "{runs:?}"
    );
    let kept = workspace.records(&id).len();
    assert!(
        (100..600).contains(&kept) && kept.is_multiple_of(50),
        "{kept} records kept"
    );

    // The next start resumes the same run where it stopped, to the end, nothing twice.
    let server = spawn_app_with(&workspace, scheduling);
    let record = wait_for_complete_harvest(&server, &id);
    drop(server);
    assert_eq!(record["last_harvest"]["resumed"], 1, "{record:#}");
    assert_eq!(record["last_harvest"]["new"], 600, "{record:#}");
    assert_eq!(record["counts"]["records"], 600, "{record:#}");
    assert_eq!(workspace.runs(&id).len(), 1);
    let harvested = workspace.records(&id);
    assert_eq!(harvested.len(), 600);
    assert_eq!(identifiers(&harvested), identifiers(&records));
}

/// Issue 17: the server's harvests are followed by the works as the CLI's are: the works of a
/// long harvest's first pages are searchable while its later pages are fetched, not once it
/// has ended.
#[test]
fn works_of_a_server_harvest_are_searchable_while_it_runs() {
    let provider = Peer::fault_provider();
    let workspace = Workspace::new();
    let source = |scenario: &str| {
        let url = provider.url(&format!("/{scenario}/oai"));
        oai_source(&format!("Fault provider: {scenario}"), &url, "")
    };
    // A store with works: a harvest's works follow it batch by batch.
    workspace.write_source("clean", &source("clean"));
    workspace.harvest("clean").success();
    // 80 pages of 50 records, 75 ms a page.
    workspace.write_source("slow", &source("slow"));
    let server = spawn_app_with(&workspace, |_| {});
    let searchable = || {
        let found = server.get("/api/v1/works?source=slow&total=exact").json();
        found["total"].as_u64().unwrap_or(0)
    };
    std::thread::scope(|scope| {
        let harvest = scope.spawn(|| server.harvest("slow"));
        let first = wait_for(HARVESTED_WITHIN, "works of the slow source", || {
            Some(searchable()).filter(|&found| found > 0)
        });
        let record = server.get("/api/v1/sources/slow").json();
        assert_eq!(
            record["last_harvest"]["status"], "running",
            "{first} works searchable only once the harvest had ended: {record:#}"
        );
        let done = harvest.join().expect("the harvest request");
        assert_eq!(done["runs"][0]["status"], "complete", "{done:#}");
        assert_eq!(done["works"]["records"], 4000, "{done:#}");
        let all = searchable();
        assert!(first < all, "{first} works first, {all} in the end");
    });
}
