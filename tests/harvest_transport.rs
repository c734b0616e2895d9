//! Faults of the transport and of the bytes, against `tests/peers/fault_provider.py` (helpers
//! in `harvest_faults`): characters XML forbids, a byte order mark, Latin-1 and Windows-1252
//! bodies and an undeclared gzip body are read; a gzip bomb is refused keeping the pages before
//! it; an HTML maintenance page or a truncated body answered 200, 429 with
//! `Retry-After`, 503, an empty 500 and a reset connection are retried and absorbed; a 503 that
//! never ends fails after the retry budget keeping the pages before it; an OAI-PMH error sent
//! with 422 fails at once with its code.

use serde_json::Value;

use crate::common::{contains_text, u64_field};
use crate::harvest_faults::{
    Harvested, RunExpectation, assert_absorbed, assert_run, assert_stored_exactly, harvest_scenario,
};

/// The run failed after the first page (5 records), kept that page, and its error says `says`.
fn assert_failed_keeping_the_first_page(harvested: &Harvested, retries: Option<u64>, says: &str) {
    assert_eq!(harvested.run.code, Some(1), "{}", harvested.run.describe());
    assert_stored_exactly(harvested);
    let run = harvested.last_run();
    assert_run(
        &run,
        RunExpectation {
            status: Some("failed"),
            new: Some(5),
            retries,
            ..Default::default()
        },
    );
    assert!(
        run["error"].as_str().unwrap().contains(says),
        "the error says what happened: {run}"
    );
}

/// The fault was absorbed by retrying page 2 `retries` times.
fn assert_page_two_retried(scenario: &str, retries: u64) {
    let harvested = harvest_scenario(scenario);
    assert_absorbed(&harvested, retries);
    assert_eq!(harvested.page_requests(2), retries + 1);
}

#[test]
fn html_maintenance_page_with_status_200_is_retried() {
    assert_page_two_retried("html-200", 1);
}

#[test]
fn truncated_page_is_retried() {
    assert_page_two_retried("truncated", 1);
}

#[test]
fn http_429_honours_retry_after() {
    let harvested = harvest_scenario("http-429");
    assert_absorbed(&harvested, 1);
    let stats = harvested.provider_stats();
    let page_two: Vec<&Value> = stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["page"] == 2)
        .collect();
    assert_eq!(page_two.len(), 2, "{stats}");
    let waited = page_two[1]["t"].as_f64().unwrap() - page_two[0]["t"].as_f64().unwrap();
    assert!(
        waited >= 0.9,
        "Retry-After: 1 must be honoured, retried after {waited:.3}s"
    );
}

#[test]
fn http_503_twice_is_retried() {
    assert_page_two_retried("http-503", 2);
}

#[test]
fn http_500_with_empty_body_is_retried() {
    assert_page_two_retried("http-500-empty", 1);
}

#[test]
fn connection_reset_is_retried() {
    assert_page_two_retried("reset", 1);
}

#[test]
fn persistent_503_fails_after_the_retry_budget_and_keeps_earlier_pages() {
    let harvested = harvest_scenario("always-503");
    assert_failed_keeping_the_first_page(&harvested, Some(3), "503");
    // max_retries = 3 in the source: one try and three retries, then give up.
    assert_eq!(harvested.page_requests(2), 4);
    let stats = harvested.workspace.stats();
    assert_eq!(stats["records"], 5, "{stats}");

    // The watermark did not advance: the next harvest starts from scratch (and fails again).
    harvested.harvest_again().code(1);
    let next = harvested.last_run();
    assert!(next["from"].is_null(), "{next}");
}

#[test]
fn oai_error_with_http_422_fails_with_its_code() {
    let harvested = harvest_scenario("oai-error-http422");
    assert_eq!(harvested.run.code, Some(1), "{}", harvested.run.describe());
    assert!(harvested.records().is_empty());
    let run = harvested.last_run();
    assert_run(
        &run,
        RunExpectation {
            status: Some("failed"),
            new: Some(0),
            retries: Some(0),
            ..Default::default()
        },
    );
    assert!(
        run["error"].as_str().unwrap().contains("badArgument"),
        "{run}"
    );
    let stats = harvested.provider_stats();
    assert_eq!(
        stats["by_verb"]["ListRecords"], 1,
        "an OAI protocol error is not retried: {stats}"
    );
    assert_eq!(
        u64_field(&run, "requests"),
        u64_field(&stats, "requests"),
        "a failed run counts its requests: {run}"
    );
}

#[test]
fn invalid_xml_characters_are_dropped_not_fatal() {
    let harvested = harvest_scenario("invalid-chars");
    assert_absorbed(&harvested, 0);
}

#[test]
fn byte_order_mark_is_accepted() {
    assert_absorbed(&harvest_scenario("bom"), 0);
}

#[test]
fn latin1_declared_in_the_xml_declaration_is_decoded() {
    let harvested = harvest_scenario("latin1");
    assert_absorbed(&harvested, 0);
    let records = harvested.records();
    assert!(
        records
            .iter()
            .any(|record| contains_text(&record["record"], "garçons de café")),
        "accents decoded"
    );
}

#[test]
fn windows_1252_curly_quotes_and_euro_sign_are_decoded() {
    let harvested = harvest_scenario("windows-1252");
    assert_absorbed(&harvested, 0);
    let records = harvested.records();
    assert!(
        records
            .iter()
            .any(|record| contains_text(&record["record"], "L’épargne solidaire à 100 €"))
    );
    assert!(
        records
            .iter()
            .any(|record| contains_text(&record["record"], "Œuvrer pour le bien commun : sœurs"))
    );
}

#[test]
fn gzip_body_without_content_encoding_is_gunzipped() {
    assert_absorbed(&harvest_scenario("undeclared-gzip"), 0);
}

/// Issue 18: a page that inflates past the cap is refused as it arrives (not held in memory),
/// the run fails saying why, and what came before it is kept.

#[test]
fn a_gzip_bomb_is_refused_and_the_records_before_it_kept() {
    let harvested = harvest_scenario("gzip-bomb");
    assert_failed_keeping_the_first_page(&harvested, None, "larger than");
    // Too large is final: not fetched again and again.
    assert_eq!(harvested.page_requests(2), 1);
}
