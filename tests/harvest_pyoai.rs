//! Black-box harvest tests against a real OAI-PMH server: pyoai 2.5.0's (tests/peers/pyoai_server.py).
//!
//! The records live in a JSON file made by `tests/peers/make_records.py`; the server re-reads it
//! when it changes, so a test can add, modify and delete records between two harvests.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{
    Peer, Workspace, contains_text, identifiers, make_records, now_datestamp, oai_source,
    str_field, u64_field, write_records,
};
use serde_json::Value;

fn pyoai_source(server: &Peer, extra: &str) -> String {
    let mut source = oai_source("pyoai 2.5.0 test server", &server.url("/oai"), extra);
    source = source.replace("requests_per_second = 50.0", "requests_per_second = 100.0");
    source
}

/// Stored records by identifier.
fn by_identifier(records: Vec<Value>) -> BTreeMap<String, Value> {
    records
        .into_iter()
        .map(|record| (str_field(&record, "identifier").to_owned(), record))
        .collect()
}

fn assert_same_as_served(stored: &BTreeMap<String, Value>, served: &[Value]) {
    assert_eq!(stored.len(), served.len(), "number of stored records");
    for item in served {
        let identifier = str_field(item, "identifier");
        let record = stored
            .get(identifier)
            .unwrap_or_else(|| panic!("{identifier} not stored"));
        assert_eq!(record["datestamp"], item["datestamp"], "{identifier}");
        assert_eq!(record["deleted"], item["deleted"], "{identifier}");
        if item["deleted"] == false {
            let title = item["dc"]["title"][0].as_str().unwrap();
            assert!(
                contains_text(&record["record"], title),
                "{identifier}: title {title:?} not in {record}"
            );
        }
    }
}

#[test]
fn pyoai_server_full_then_incremental_harvests_track_additions_changes_and_deletions() {
    let workspace = Workspace::new();
    let records_path = workspace.dir.path().join("records.json");
    let mut served = make_records(&records_path, 3000, 7);
    let server = Peer::pyoai_server(&records_path, 100);
    workspace.write_source("pyoai", &pyoai_source(&server, ""));

    // 1. First harvest: everything, 30 pages.
    workspace.harvest("pyoai").success();
    let first = workspace.last_run("pyoai");
    assert_eq!(first["status"], "complete", "{first}");
    assert_eq!(u64_field(&first, "new"), 3000, "{first}");
    assert_eq!(u64_field(&first, "pages"), 30, "{first}");
    assert_same_as_served(&by_identifier(workspace.records("pyoai")), &served);
    let stats = workspace.stats();
    assert_eq!(stats["records"], 3000, "{stats}");

    // 2. Incremental, nothing changed: nothing new, and only a few requests.
    server.get_json("/_reset");
    workspace.harvest("pyoai").success();
    let second = workspace.last_run("pyoai");
    assert_eq!(second["status"], "complete", "{second}");
    assert_eq!(second["from"], first["until"], "{second}");
    for key in ["new", "updated", "deleted"] {
        assert_eq!(u64_field(&second, key), 0, "{key}: {second}");
    }
    let requests = u64_field(&server.get_json("/_stats"), "requests");
    assert!(
        requests <= 3,
        "an incremental harvest with no change made {requests} requests"
    );

    // 3. Add 20, modify 10, delete 5 (all stamped now, so after the watermark).
    let now = now_datestamp();
    let extra = make_records(&workspace.dir.path().join("more.json"), 3020, 7);
    let added: Vec<Value> = extra[3000..]
        .iter()
        .cloned()
        .map(|mut record| {
            record["datestamp"] = Value::from(now.clone());
            record
        })
        .collect();
    let mut modified = BTreeSet::new();
    let mut deleted = BTreeSet::new();
    for (index, record) in served.iter_mut().enumerate() {
        if index % 300 == 17 {
            let title = format!(
                "{} (nouvelle édition revue et augmentée)",
                record["dc"]["title"][0].as_str().unwrap()
            );
            record["dc"]["title"][0] = Value::from(title);
            record["datestamp"] = Value::from(now.clone());
            modified.insert(str_field(record, "identifier").to_owned());
        } else if index % 600 == 101 {
            record["deleted"] = Value::from(true);
            record["datestamp"] = Value::from(now.clone());
            deleted.insert(str_field(record, "identifier").to_owned());
        }
    }
    assert_eq!((modified.len(), deleted.len()), (10, 5));
    served.extend(added.iter().cloned());
    write_records(&records_path, &served);

    workspace.harvest("pyoai").success();
    let third = workspace.last_run("pyoai");
    assert_eq!(third["status"], "complete", "{third}");
    assert_eq!(third["from"], second["until"], "{third}");
    assert_eq!(u64_field(&third, "new"), 20, "{third}");
    assert_eq!(u64_field(&third, "updated"), 10, "{third}");
    assert_eq!(u64_field(&third, "deleted"), 5, "{third}");
    assert_eq!(u64_field(&third, "unchanged"), 0, "{third}");
    let stored = by_identifier(workspace.records("pyoai"));
    assert_same_as_served(&stored, &served);
    for identifier in &deleted {
        assert!(
            stored[identifier]["record"].is_null(),
            "{identifier} deleted: {}",
            stored[identifier]
        );
    }
    for identifier in &modified {
        assert!(contains_text(
            &stored[identifier]["record"],
            "(nouvelle édition revue et augmentée)"
        ));
    }
    let stats = workspace.stats();
    assert_eq!(stats["records"], 3015, "{stats}");
    assert_eq!(stats["deleted_records"], 5, "{stats}");
    assert_eq!(stats["by_source"]["pyoai"]["records"], 3015, "{stats}");

    // 4. --full on unchanged data: every record received again, nothing rewritten.
    let before = workspace.records_text("pyoai");
    workspace.harvest_full("pyoai").success();
    let fourth = workspace.last_run("pyoai");
    assert_eq!(fourth["status"], "complete", "{fourth}");
    assert_eq!(fourth["full"], true, "{fourth}");
    for key in ["new", "updated", "deleted"] {
        assert_eq!(u64_field(&fourth, key), 0, "{key}: {fourth}");
    }
    assert_eq!(u64_field(&fourth, "unchanged"), 3020, "{fourth}");
    assert_eq!(
        workspace.records_text("pyoai"),
        before,
        "--full on unchanged data changes nothing"
    );
}

#[test]
fn sets_filter_harvests_only_that_set() {
    let workspace = Workspace::new();
    let records_path = workspace.dir.path().join("records.json");
    let served = make_records(&records_path, 400, 11);
    let server = Peer::pyoai_server(&records_path, 50);
    workspace.write_source("memoires", &pyoai_source(&server, r#"sets = ["type:MEM"]"#));

    workspace.harvest("memoires").success();
    let in_set: Vec<Value> = served
        .iter()
        .filter(|record| {
            record["sets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|set| set == "type:MEM")
        })
        .cloned()
        .collect();
    assert!(!in_set.is_empty() && in_set.len() < served.len());
    let stored = workspace.records("memoires");
    assert_eq!(identifiers(&stored), identifiers(&in_set));
    for record in &stored {
        assert!(
            record["sets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|set| set == "type:MEM"),
            "{record}"
        );
    }
    let stats = server.get_json("/_stats");
    let first_list = stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|request| request["verb"] == "ListRecords")
        .unwrap();
    assert_eq!(
        first_list["set"], "type:MEM",
        "the set is sent to the provider: {first_list}"
    );
}
