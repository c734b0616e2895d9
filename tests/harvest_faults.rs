//! Black-box harvest tests against `tests/peers/fault_provider.py`: one scenario, one fault.
//! The faults of the transport and of the bytes (HTTP statuses, resets, truncated and HTML
//! pages, encodings, gzip) are in `harvest_transport`, which shares these helpers.
//!
//! Each test starts its own provider on port 0, writes one source file, runs the real `essor`
//! binary and checks the store through `essor records|rejects|runs|stats`. What must end up
//! stored comes from the provider's `/<scenario>/_expected` (it knows the records it serves);
//! the run status, counters and retries expected from the harvester are written here.

use std::collections::BTreeSet;

use crate::common::{
    Peer, Run, Workspace, contains_text, has_forbidden_xml_char, identifiers, oai_source,
    str_field, strings, u64_field,
};
use serde_json::Value;

/// One harvest of one scenario, with everything needed to check it.
pub(crate) struct Harvested {
    pub(crate) scenario: String,
    pub(crate) workspace: Workspace,
    pub(crate) provider: Peer,
    pub(crate) run: Run,
}

impl Harvested {
    pub(crate) fn expected(&self) -> Value {
        self.provider
            .get_json(&format!("/{}/_expected", self.scenario))
    }

    /// Requests the provider saw for this scenario since it started.
    pub(crate) fn provider_stats(&self) -> Value {
        self.provider
            .get_json(&format!("/{}/_stats", self.scenario))
    }

    pub(crate) fn records(&self) -> Vec<Value> {
        self.workspace.records(&self.scenario)
    }

    pub(crate) fn rejects(&self) -> Vec<Value> {
        self.workspace.rejects(&self.scenario)
    }

    pub(crate) fn last_run(&self) -> Value {
        self.workspace.last_run(&self.scenario)
    }

    pub(crate) fn harvest_again(&self) -> Run {
        self.workspace.harvest(&self.scenario)
    }

    /// How many times the provider was asked for ListRecords page `page` (1-based).
    pub(crate) fn page_requests(&self, page: u32) -> u64 {
        self.provider_stats()["pages"][page.to_string()]
            .as_u64()
            .unwrap_or(0)
    }
}

pub(crate) fn harvest_scenario(scenario: &str) -> Harvested {
    let provider = Peer::fault_provider();
    let workspace = Workspace::new();
    let base_url = provider.url(&format!("/{scenario}/oai"));
    workspace.write_source(
        scenario,
        &oai_source(&format!("Fault provider: {scenario}"), &base_url, ""),
    );
    let run = workspace.harvest(scenario);
    Harvested {
        scenario: scenario.to_owned(),
        workspace,
        provider,
        run,
    }
}

/// The store holds exactly the provider's expected records: same identifiers (each once),
/// datestamps, deletion flags and sets; live records mapped, with the expected texts and no
/// character XML 1.0 forbids; output sorted by identifier.
pub(crate) fn assert_stored_exactly(harvested: &Harvested) {
    let expected = harvested.expected();
    let records = harvested.records();
    let expected_records = expected["records"].as_array().unwrap();
    let expected_ids: BTreeSet<String> = expected_records
        .iter()
        .map(|record| str_field(record, "identifier").to_owned())
        .collect();
    let stored_ids = identifiers(&records);
    let missing: Vec<_> = expected_ids.difference(&stored_ids).collect();
    let unexpected: Vec<_> = stored_ids.difference(&expected_ids).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "scenario {}: missing records {missing:?}, unexpected records {unexpected:?}\n{}",
        harvested.scenario,
        harvested.run.describe()
    );
    assert_eq!(
        records.len(),
        expected_records.len(),
        "scenario {}: an identifier is listed twice",
        harvested.scenario
    );

    let listed: Vec<&str> = records
        .iter()
        .map(|record| str_field(record, "identifier"))
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(
        listed, sorted,
        "`essor records` must be sorted by identifier"
    );

    for wanted in expected_records {
        let identifier = str_field(wanted, "identifier");
        let record = records
            .iter()
            .find(|record| record["identifier"] == *identifier)
            .unwrap();
        let context = format!(
            "scenario {}, record {identifier}: {record}",
            harvested.scenario
        );
        assert_eq!(record["source"], harvested.scenario.as_str(), "{context}");
        assert_eq!(record["datestamp"], wanted["datestamp"], "{context}");
        assert_eq!(record["deleted"], wanted["deleted"], "{context}");
        let mut sets: Vec<String> = record["sets"]
            .as_array()
            .expect("sets array")
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        let mut wanted_sets: Vec<String> = wanted["sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        sets.sort();
        wanted_sets.sort();
        assert_eq!(sets, wanted_sets, "{context}");
        if wanted["deleted"] == true {
            assert!(
                record["record"].is_null(),
                "a deleted record has no mapped record: {context}"
            );
            assert!(
                record["raw"].is_null(),
                "a deleted record has no metadata: {context}"
            );
            continue;
        }
        assert_eq!(record["format"], "oai_dc", "{context}");
        assert!(
            record["record"].is_object(),
            "a live record is mapped: {context}"
        );
        for needle in wanted["must_contain"].as_array().unwrap() {
            let needle = needle.as_str().unwrap();
            assert!(
                contains_text(&record["record"], needle),
                "mapped record lacks {needle:?}: {context}"
            );
        }
        for text in strings(&record["record"]) {
            assert!(
                !has_forbidden_xml_char(text),
                "control character kept in the mapped record: {context}"
            );
        }
        let raw = record["raw"]
            .as_str()
            .unwrap_or_else(|| panic!("a live record keeps its raw metadata: {context}"));
        assert!(raw.contains("title"), "raw metadata looks empty: {context}");
        assert!(
            !has_forbidden_xml_char(raw),
            "control character kept in the raw XML: {context}"
        );
        for reference in ["&#1;", "&#6;", "&#x6;", "&#11;", "&#xB;", "&#xb;"] {
            assert!(
                !raw.contains(reference),
                "raw XML keeps the illegal reference {reference}: {context}"
            );
        }
    }
}

pub(crate) fn assert_no_rejects(harvested: &Harvested) {
    let rejects = harvested.rejects();
    assert!(
        rejects.is_empty(),
        "scenario {}: unexpected rejects {rejects:?}",
        harvested.scenario
    );
}

/// Checks the fields of a run that are given; `None` means "not checked".
#[derive(Default)]
pub(crate) struct RunExpectation {
    pub(crate) status: Option<&'static str>,
    pub(crate) new: Option<u64>,
    pub(crate) updated: Option<u64>,
    pub(crate) unchanged: Option<u64>,
    pub(crate) deleted: Option<u64>,
    pub(crate) rejected: Option<u64>,
    pub(crate) pages: Option<u64>,
    pub(crate) retries: Option<u64>,
}

pub(crate) fn assert_run(run: &Value, expectation: RunExpectation) {
    if let Some(status) = expectation.status {
        assert_eq!(run["status"], status, "run status: {run}");
        if status == "complete" {
            assert!(run["error"].is_null(), "a complete run has no error: {run}");
        } else {
            assert!(
                run["error"].as_str().is_some_and(|error| !error.is_empty()),
                "a {status} run says why: {run}"
            );
        }
    }
    for (key, value) in [
        ("new", expectation.new),
        ("updated", expectation.updated),
        ("unchanged", expectation.unchanged),
        ("deleted", expectation.deleted),
        ("rejected", expectation.rejected),
        ("pages", expectation.pages),
        ("retries", expectation.retries),
    ] {
        if let Some(value) = value {
            assert_eq!(u64_field(run, key), value, "run field {key:?}: {run}");
        }
    }
}

/// The usual outcome of a scenario whose fault the harvester must absorb: exit 0, a complete
/// run, exactly the expected records, no rejects.
pub(crate) fn assert_absorbed(harvested: &Harvested, retries: u64) {
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert_stored_exactly(harvested);
    assert_no_rejects(harvested);
    let expected_count = harvested.expected()["records"].as_array().unwrap().len() as u64;
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            new: Some(expected_count),
            updated: Some(0),
            deleted: Some(0),
            rejected: Some(0),
            pages: Some(3),
            retries: Some(retries),
            ..Default::default()
        },
    );
}

// ---------------------------------------------------------------------------------------------

#[test]
fn clean_provider_is_harvested_completely_then_incrementally_then_fully() {
    let harvested = harvest_scenario("clean");
    assert_absorbed(&harvested, 0);
    let first = harvested.last_run();
    let combined_output = format!("{}{}", harvested.run.stdout, harvested.run.stderr);
    assert!(
        combined_output.contains("clean"),
        "the summary names the source: {}",
        harvested.run.describe()
    );

    // What the provider saw: Identify, then three ListRecords pages; the first has `until` (the
    // Identify responseDate) and no `from` (no watermark yet).
    let stats = harvested.provider_stats();
    assert_eq!(stats["by_verb"]["Identify"], 1, "{stats}");
    assert_eq!(stats["by_verb"]["ListRecords"], 3, "{stats}");
    assert_eq!(
        u64_field(&first, "requests"),
        u64_field(&stats, "requests"),
        "run.requests vs provider: {first}"
    );
    let first_list = stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["verb"] == "ListRecords")
        .unwrap();
    assert!(
        first_list["args"].get("from").is_none(),
        "first harvest sends no from: {first_list}"
    );
    let until = first_list["args"]["until"]
        .as_str()
        .expect("ListRecords carries until");
    assert_eq!(
        first["until"], until,
        "the run records the until it sent: {first}"
    );
    assert!(first["from"].is_null(), "{first}");
    let after_first = harvested.workspace.records_text("clean");

    // Incremental: from = previous until; nothing changed, so nothing is received.
    harvested.harvest_again().success();
    let second = harvested.last_run();
    assert_eq!(
        second["from"], first["until"],
        "incremental harvest starts at the watermark: {second}"
    );
    assert_run(
        &second,
        RunExpectation {
            status: Some("complete"),
            new: Some(0),
            updated: Some(0),
            unchanged: Some(0),
            deleted: Some(0),
            ..Default::default()
        },
    );
    let stats = harvested.provider_stats();
    let last_list = stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|entry| entry["verb"] == "ListRecords")
        .unwrap();
    assert_eq!(last_list["args"]["from"], first["until"], "{last_list}");
    assert_eq!(harvested.workspace.records_text("clean"), after_first);

    // --full: everything again, nothing rewritten.
    harvested.workspace.harvest_full("clean").success();
    let third = harvested.last_run();
    assert_eq!(third["full"], true, "{third}");
    assert!(
        third["from"].is_null(),
        "a full harvest has no from: {third}"
    );
    assert_run(
        &third,
        RunExpectation {
            status: Some("complete"),
            new: Some(0),
            updated: Some(0),
            unchanged: Some(15),
            deleted: Some(0),
            ..Default::default()
        },
    );
    assert_eq!(
        harvested.workspace.records_text("clean"),
        after_first,
        "--full on unchanged data changes nothing"
    );

    let stats = harvested.workspace.stats();
    assert_eq!(stats["records"], 15, "{stats}");
    assert_eq!(stats["by_source"]["clean"]["records"], 15, "{stats}");
    assert_eq!(stats["deleted_records"], 0, "{stats}");
    assert_eq!(stats["rejected_records"], 0, "{stats}");
}

#[test]
fn empty_final_resumption_token_ends_the_list() {
    let harvested = harvest_scenario("empty-final-token");
    assert_absorbed(&harvested, 0);
    let stats = harvested.provider_stats();
    assert_eq!(
        stats["by_verb"]["ListRecords"], 3,
        "no request is made with an empty token: {stats}"
    );
}

#[test]
fn resumption_token_loop_stops_and_keeps_what_was_received() {
    let harvested = harvest_scenario("token-loop");
    assert_eq!(
        harvested.run.code,
        Some(1),
        "an incomplete harvest is not a success: {}",
        harvested.run.describe()
    );
    assert!(
        harvested.run.elapsed < std::time::Duration::from_secs(120),
        "the harvest must detect the loop: {}",
        harvested.run.describe()
    );
    assert_stored_exactly(&harvested);
    let run = harvested.last_run();
    assert_ne!(
        run["status"], "complete",
        "a looping list is not a complete harvest: {run}"
    );
    assert!(
        run["error"].as_str().is_some_and(|error| !error.is_empty()),
        "{run}"
    );
    assert!(
        harvested.page_requests(2) <= 5,
        "page 2 requested {} times",
        harvested.page_requests(2)
    );
    assert!(harvested.page_requests(3) == 0, "page 3 is unreachable");

    // Not complete, so no watermark: the next harvest starts from scratch.
    harvested.harvest_again();
    let next = harvested.last_run();
    assert!(
        next["from"].is_null(),
        "the watermark must not advance after an incomplete harvest: {next}"
    );
}

#[test]
fn duplicate_identifier_keeps_the_later_version_once() {
    let harvested = harvest_scenario("duplicate-id");
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert_stored_exactly(&harvested);
    assert_no_rejects(&harvested);
    let records = harvested.records();
    let duplicate = records
        .iter()
        .find(|record| record["identifier"] == "oai:fault:duplicate-id:3")
        .unwrap();
    assert!(
        contains_text(&duplicate["record"], "(version corrigée)"),
        "page 2's version wins: {duplicate}"
    );
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            new: Some(15),
            ..Default::default()
        },
    );
    let stats = harvested.workspace.stats();
    assert_eq!(stats["records"], 15, "{stats}");
}

#[test]
fn no_records_match_is_an_empty_successful_harvest() {
    let harvested = harvest_scenario("no-records-match");
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert!(harvested.records().is_empty());
    assert_no_rejects(&harvested);
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            new: Some(0),
            updated: Some(0),
            ..Default::default()
        },
    );
}

#[test]
fn bad_resumption_token_restarts_the_list_and_gets_everything() {
    let harvested = harvest_scenario("bad-token-once");
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert_stored_exactly(&harvested);
    assert_no_rejects(&harvested);
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            new: Some(20),
            ..Default::default()
        },
    );
    assert_eq!(
        harvested.page_requests(1),
        2,
        "the list is restarted from its first page"
    );
    assert_eq!(harvested.page_requests(3), 2);
}

#[test]
fn malformed_records_are_rejected_without_failing_the_page() {
    let harvested = harvest_scenario("malformed-record");
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert_stored_exactly(&harvested);
    let expected = harvested.expected();
    let expected_rejects: BTreeSet<String> = expected["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reject| str_field(reject, "identifier").to_owned())
        .collect();
    let rejects = harvested.rejects();
    let rejected: BTreeSet<String> = rejects
        .iter()
        .filter_map(|reject| reject["identifier"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(rejected, expected_rejects, "rejects: {rejects:?}");
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    for reject in &rejects {
        assert_eq!(reject["source"], "malformed-record", "{reject}");
        assert!(
            reject["reason"]
                .as_str()
                .is_some_and(|reason| !reason.is_empty()),
            "a reject says why: {reject}"
        );
    }
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            new: Some(12),
            rejected: Some(3),
            pages: Some(3),
            ..Default::default()
        },
    );
    let stats = harvested.workspace.stats();
    assert_eq!(stats["records"], 12, "{stats}");
    assert_eq!(stats["rejected_records"], 3, "{stats}");
    assert_eq!(
        stats["by_source"]["malformed-record"]["rejected_records"], 3,
        "{stats}"
    );
}

#[test]
fn deleted_records_are_stored_as_deleted() {
    let harvested = harvest_scenario("deleted");
    assert_eq!(harvested.run.code, Some(0), "{}", harvested.run.describe());
    assert_stored_exactly(&harvested);
    assert_no_rejects(&harvested);
    assert_run(
        &harvested.last_run(),
        RunExpectation {
            status: Some("complete"),
            pages: Some(3),
            ..Default::default()
        },
    );
    let stats = harvested.workspace.stats();
    assert_eq!(stats["records"], 12, "live records only: {stats}");
    assert_eq!(stats["deleted_records"], 3, "{stats}");
    assert_eq!(
        stats["by_source"]["deleted"]["deleted_records"], 3,
        "{stats}"
    );
}

#[test]
fn harvest_all_takes_enabled_sources_only() {
    let provider = Peer::fault_provider();
    let workspace = Workspace::new();
    workspace.write_source(
        "clean",
        &oai_source("Enabled", &provider.url("/clean/oai"), ""),
    );
    let disabled = oai_source("Disabled", &provider.url("/deleted/oai"), "")
        .replace("enabled = true", "enabled = false");
    workspace.write_source("deleted", &disabled);
    workspace.run(&["harvest", "--quiet", "--all"]).success();
    assert_eq!(workspace.records("clean").len(), 15);
    assert!(
        workspace.runs("deleted").is_empty(),
        "a disabled source is not harvested by --all"
    );
    assert_eq!(provider.get_json("/deleted/_stats")["requests"], 0);
}
