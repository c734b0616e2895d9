//! Non-OAI sources of kinds "opendatasoft" and "json", black-box through the `essor` binary
//! against Python servers on 127.0.0.1: an OpenDataSoft look-alike that refuses, like the real
//! API, to page past 10,000 records (400), and static JSON pages linked by `next`.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Peer, Workspace};

const ESS_TITLES: [&str; 3] = [
    "Licence professionnelle économie sociale et solidaire",
    "Master gestion des entreprises de l'économie sociale et solidaire",
    "Chargé de développement des coopératives et des associations",
];

fn programme(number: usize, title: &str) -> Value {
    json!({
        "numero_fiche": format!("RNCP{number}"),
        "intitule": title,
        "niveau": "NIV6",
        "date_maj": "2024-03-01",
        "certificateurs": ["Université de Rennes", "CNAM"],
    })
}

/// `count` programmes, the first three ESS ones, the others in industry.
fn programmes(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| match ESS_TITLES.get(i) {
            Some(title) => programme(i, title),
            None => programme(
                i,
                &format!("Technicien de maintenance industrielle, option {i}"),
            ),
        })
        .collect()
}

fn write_dataset(dir: &Path, dataset: &str, modified: &str, records: &[Value]) {
    let data = json!({ "modified": modified, "records": records });
    std::fs::write(dir.join(format!("{dataset}.json")), data.to_string()).unwrap();
}

fn ods_source(base: &str, dataset: &str, extra: &str) -> String {
    ods_source_with(base, dataset, extra, "")
}

fn ods_source_with(base: &str, dataset: &str, extra: &str, extra_fields: &str) -> String {
    format!(
        r#"name = "OpenDataSoft (test)"
kind = "opendatasoft"
base_url = "{base}"
dataset = "{dataset}"
id = "numero_fiche"
record_type = "training"
{extra}

[fields]
title = "intitule"
level = "niveau"
institution = "certificateurs"
date = "date_maj"
{extra_fields}
"#
    )
}

fn counters(run: &Value) -> [u64; 5] {
    ["new", "updated", "unchanged", "deleted", "rejected"]
        .map(|key| run[key].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn opendatasoft_pages_then_exports_past_the_wall_and_skips_unmodified_datasets() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("ods");
    std::fs::create_dir_all(&served).unwrap();
    write_dataset(
        &served,
        "rncp-big",
        "2026-10-01T00:00:00+00:00",
        &programmes(10_250),
    );
    let server = Peer::start("ods_server.py", &["--dir", served.to_str().unwrap()]);
    let base = server.url("/api/explore/v2.1");
    workspace.write_source(
        "ods-big",
        &ods_source(
            &base,
            "rncp-big",
            "min_ess_relevance = 0.3\nwhere = \"niveau = 'NIV6'\"",
        ),
    );

    workspace.harvest("ods-big").success();
    let run = workspace.last_run("ods-big");
    assert_eq!(counters(&run), [10_250, 0, 0, 0, 0], "{run:#}");
    let requests = server.get_json("/_requests");
    assert_eq!(requests["records:rncp-big"], 1, "{requests}");
    assert_eq!(requests["export:rncp-big"], 1, "{requests}");
    // The export is filtered like the pages.
    assert_eq!(requests["where:export:rncp-big"], "(niveau = 'NIV6')");
    // A catalogue of every field: only the ESS programmes become works.
    let works = workspace.works();
    let titles: Vec<&str> = works
        .iter()
        .map(|w| w["title"].as_str().unwrap_or(""))
        .collect();
    assert!(!titles.is_empty() && titles.len() <= 3, "{titles:?}");
    assert!(titles.iter().all(|t| ESS_TITLES.contains(t)), "{titles:?}");
    assert!(works.iter().all(|w| w["type"] == "training-programme"));
    let stats = workspace.stats();
    assert_eq!(stats["records"], 10_250, "{stats:#}");

    // Not modified since: one request, nothing read, nothing written.
    workspace.harvest("ods-big").success();
    let run = workspace.last_run("ods-big");
    assert_eq!(run["status"], "complete");
    assert_eq!(counters(&run), [0, 0, 0, 0, 0], "{run:#}");
    assert_eq!(run["requests"], 1, "{run:#}");
    let requests = server.get_json("/_requests");
    assert_eq!(requests["export:rncp-big"], 1, "{requests}");
}

#[test]
fn opendatasoft_pages_of_100_follow_changes_and_deletions() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("ods");
    std::fs::create_dir_all(&served).unwrap();
    let mut records = programmes(250);
    write_dataset(&served, "rncp-small", "2026-10-01T00:00:00+00:00", &records);
    let server = Peer::start("ods_server.py", &["--dir", served.to_str().unwrap()]);
    workspace.write_source(
        "ods-small",
        &ods_source(&server.url("/api/explore/v2.1/"), "rncp-small", ""),
    );
    workspace.harvest("ods-small").success();
    assert_eq!(
        counters(&workspace.last_run("ods-small")),
        [250, 0, 0, 0, 0]
    );
    let requests = server.get_json("/_requests");
    assert_eq!(requests["records:rncp-small"], 3, "{requests}");
    assert!(requests.get("export:rncp-small").is_none(), "{requests}");
    let record = workspace
        .records("ods-small")
        .into_iter()
        .find(|r| r["identifier"] == "RNCP0")
        .expect("RNCP0");
    assert_eq!(record["format"], "json");
    assert_eq!(
        record["record"]["publishers"],
        json!(["Université de Rennes", "CNAM"])
    );
    assert_eq!(record["record"]["degree"]["level"], "EQF 6");

    // A new version of the dataset: one programme renamed, one withdrawn.
    records[1]["intitule"] = json!("Master management des entreprises de l'ESS");
    records.remove(2);
    write_dataset(&served, "rncp-small", "2026-11-01T00:00:00+00:00", &records);
    workspace.harvest("ods-small").success();
    let run = workspace.last_run("ods-small");
    assert_eq!(counters(&run), [0, 1, 248, 1, 0], "{run:#}");
    let works = workspace.works();
    assert_eq!(works.len(), 249);
    assert!(
        works
            .iter()
            .any(|w| w["title"] == "Master management des entreprises de l'ESS")
    );
}

#[test]
fn opendatasoft_reads_only_what_changed_since_the_last_modified_value_seen() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("ods");
    std::fs::create_dir_all(&served).unwrap();
    let mut records = programmes(120);
    for record in &mut records[..3] {
        record["date_maj"] = json!("2024-05-01");
    }
    for record in &mut records[100..102] {
        record["niveau"] = json!("NIV3");
    }
    write_dataset(&served, "rncp-inc", "2026-10-01T00:00:00+00:00", &records);
    let server = Peer::start("ods_server.py", &["--dir", served.to_str().unwrap()]);
    workspace.write_source(
        "ods-inc",
        &ods_source_with(
            &server.url("/api/explore/v2.1"),
            "rncp-inc",
            "where = \"niveau = 'NIV6'\"",
            "modified = \"date_maj\"",
        ),
    );
    // The first read is whole, filtered by the source's own `where`.
    workspace.harvest("ods-inc").success();
    let run = workspace.last_run("ods-inc");
    assert_eq!(counters(&run), [118, 0, 0, 0, 0], "{run:#}");
    let requests = server.get_json("/_requests");
    assert_eq!(requests["records:rncp-inc"], 2, "{requests}");
    assert_eq!(requests["where:records:rncp-inc"], "(niveau = 'NIV6')");

    // A new version: one programme changed, one added (both dated), one withdrawn.
    records[5]["intitule"] = json!("Chargé de mission vie associative");
    records[5]["date_maj"] = json!("2024-09-01");
    let mut added = programme(500, "Coordinateur de projets en économie solidaire");
    added["date_maj"] = json!("2024-09-01");
    records.push(added);
    records.remove(7);
    write_dataset(&served, "rncp-inc", "2026-11-01T00:00:00+00:00", &records);
    workspace.harvest("ods-inc").success();
    let run = workspace.last_run("ods-inc");
    // Only the records modified on or after the last value seen (2024-05-01) are read: the
    // three of that day, unchanged, and the two of 2024-09-01. The withdrawn one is not seen.
    assert_eq!(counters(&run), [1, 1, 3, 0, 0], "{run:#}");
    let requests = server.get_json("/_requests");
    assert_eq!(requests["records:rncp-inc"], 3, "{requests}");
    assert_eq!(
        requests["where:records:rncp-inc"],
        "(niveau = 'NIV6') AND date_maj >= date'2024-05-01'"
    );
    assert_eq!(workspace.works().len(), 119);

    // Nothing changed since: the next read asks from 2024-09-01.
    write_dataset(&served, "rncp-inc", "2026-11-02T00:00:00+00:00", &records);
    workspace.harvest("ods-inc").success();
    assert_eq!(counters(&workspace.last_run("ods-inc")), [0, 0, 2, 0, 0]);
    let requests = server.get_json("/_requests");
    assert_eq!(
        requests["where:records:rncp-inc"],
        "(niveau = 'NIV6') AND date_maj >= date'2024-09-01'"
    );

    // A full read sees everything, and what is gone becomes a deletion.
    workspace.harvest_full("ods-inc").success();
    let run = workspace.last_run("ods-inc");
    assert_eq!(counters(&run), [0, 0, 118, 1, 0], "{run:#}");
    assert_eq!(workspace.works().len(), 118);
}

#[test]
fn json_pages_linked_by_next_with_arrays_for_single_values() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("served");
    std::fs::create_dir_all(served.join("api")).unwrap();
    let doc = |id: &str, title: &str| json!({"docid": id, "title_s": [title], "authFullName_s": ["Marie Dupont"], "producedDate_s": "2019-06-12", "keyword_s": ["coopératives", "ESS"]});
    let pages = [
        json!({"response": {"numFound": 3, "docs": [doc("1001", "Les SCIC en Bretagne"), doc("1002", "Gouvernance des mutuelles")]}, "links": {"next": "page2.json"}}),
        json!({"response": {"numFound": 3, "docs": [doc("1003", "Les monnaies locales complémentaires"), {"docid": "1004"}]}, "links": {"next": null}}),
    ];
    std::fs::write(served.join("api/page1.json"), pages[0].to_string()).unwrap();
    std::fs::write(served.join("api/page2.json"), pages[1].to_string()).unwrap();
    let server = Peer::start("file_server.py", &["--dir", served.to_str().unwrap()]);
    workspace.write_source(
        "json-test",
        &format!(
            r#"name = "JSON API (test)"
kind = "json"
url = "{}"
records = "response.docs"
next = "links.next"
id = "docid"
record_type = "thesis"

[fields]
title = "title_s"
authors = "authFullName_s"
date = "producedDate_s"
keywords = "keyword_s"
"#,
            server.url("/api/page1.json")
        ),
    );
    workspace.harvest("json-test").success();
    let run = workspace.last_run("json-test");
    assert_eq!(counters(&run), [3, 0, 0, 0, 1], "{run:#}");
    assert_eq!(run["requests"], 2, "{run:#}");
    let records = workspace.records("json-test");
    let scic = records
        .iter()
        .find(|r| r["identifier"] == "1001")
        .expect("1001");
    assert_eq!(scic["record"]["titles"][0]["value"], "Les SCIC en Bretagne");
    assert_eq!(scic["record"]["dates"][0], "2019-06-12");
    assert_eq!(scic["record"]["subjects"].as_array().unwrap().len(), 2);
    let rejects = workspace.rejects("json-test");
    assert!(
        rejects[0]["reason"].as_str().unwrap().contains("no title"),
        "{rejects:#?}"
    );
    let works = workspace.works();
    assert_eq!(works.len(), 3);
    assert!(works.iter().all(|w| w["type"] == "doctoral-thesis"));
}

#[test]
fn hal_search_api_is_paged_by_encoded_cursor_marks() {
    let workspace = Workspace::new();
    let fixture = crate::common::fixtures_dir().join("non-oai/hal-search-droit-2026-10-04.json");
    let server = Peer::start("hal_server.py", &["--data", fixture.to_str().unwrap()]);
    workspace.write_source(
        "hal-api-test",
        &format!(
            r#"name = "HAL search (test)"
kind = "hal-api"
base_url = "{}"
query = "text:(responsabilité civile)"
filters = ["domainAllCode_s:(\"shs.droit\")", "producedDateY_i:[2024 TO *]"]
page_size = 2
role = "open-archive"

[fields]
title = "title_s"
authors = "authFullNamePersonIDIDHal_fs"
date = "producedDate_s"
identifiers = "halId_s"
url = "uri_s"
keywords = "keyword_s"
abstract = "abstract_s"
"#,
            server.url("/search/")
        ),
    );
    workspace.harvest("hal-api-test").success();
    let run = workspace.last_run("hal-api-test");
    assert_eq!(counters(&run), [5, 0, 0, 0, 0], "{run:#}");
    // *, then two cursors, then the one that comes back unchanged on an empty page.
    let received = server.get_json("/_requests");
    let cursors: Vec<&str> = received
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cursorMark"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(cursors.len(), 4, "{received}");
    assert_eq!(cursors[0], "*");
    assert!(
        cursors[1..]
            .iter()
            .any(|c| c.contains('/') || c.contains('+') || c.contains('='))
    );
    assert_eq!(received[0]["fq"].as_array().unwrap().len(), 2);
    assert_eq!(received[0]["q"], "text:(responsabilité civile)");
    let records = workspace.records("hal-api-test");
    let book = records
        .iter()
        .find(|r| r["identifier"] == "5362813")
        .expect("docid 5362813");
    assert_eq!(book["format"], "hal-api");
    assert_eq!(book["record"]["creators"][0]["name"], "Sylvia Brunet");
    assert_eq!(book["record"]["dates"][0], "2027");
    assert!(
        book["record"]["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "hal-05362813")
    );
    assert_eq!(workspace.works().len(), 5);
}
