//! Works from two real OAI-PMH servers (pyoai 2.5.0) with overlapping records: the export shows
//! one work per thesis with both members, fields taken from the more authoritative source; a
//! record deleted at its source leaves its work, and a work with no record left is a tombstone.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{
    MASTER, PHD, Peer, Workspace, dc_record, now_datestamp, oai_source, write_records,
};
use serde_json::{Value, json};

const NOW: &str = "2026-11-01T10:00:00Z";

fn record(
    identifier: &str,
    title: &str,
    creator: &str,
    date: &str,
    kind: &str,
    identifiers: &[&str],
) -> Value {
    dc_record(
        identifier,
        NOW,
        json!({
            "title": [title],
            "creator": [creator],
            "date": [date],
            "type": [kind],
            "identifier": identifiers,
            "language": ["fr"],
            "subject": ["économie sociale et solidaire", "coopératives"],
            "description": [format!("Résumé de « {title} ».")],
        }),
    )
}

fn hal_records() -> Vec<Value> {
    vec![
        record(
            "oai:HAL:tel-01000001v1",
            "Les SCIC en Bretagne : gouvernance et territoires",
            "Dupont, Marie",
            "2019-06-12",
            PHD,
            &[
                "NNT: 2019REN20001",
                "https://theses.hal.science/tel-01000001",
            ],
        ),
        record(
            "oai:HAL:tel-01000002v2",
            "L'économie sociale et solidaire face aux crises",
            "Le Goff, Anne",
            "2021",
            PHD,
            &["https://theses.hal.science/tel-01000002"],
        ),
        record(
            "oai:HAL:dumas-01000003v1",
            "Les coopératives d'activité et d'emploi",
            "Martin, Paul",
            "2014",
            MASTER,
            &["https://dumas.ccsd.cnrs.fr/dumas-01000003"],
        ),
        record(
            "oai:HAL:tel-01000004v1",
            "Finance solidaire et monnaies locales",
            "Bernard, Louise",
            "2018",
            PHD,
            &[],
        ),
        record(
            "oai:HAL:tel-01000005v1",
            "Commerce équitable et circuits courts",
            "Petit, Jules",
            "2016",
            PHD,
            &[],
        ),
    ]
}

fn thesesfr_records() -> Vec<Value> {
    vec![
        // Same as tel-01000001 (shared NNT, other spelling of the title and author).
        record(
            "oai:theses.fr:2019REN20001",
            "Les SCIC en Bretagne",
            "Marie Dupont",
            "2019",
            PHD,
            &["2019REN20001"],
        ),
        // Same as tel-01000002 (no shared identifier: title and author).
        record(
            "oai:theses.fr:2021LYO20002",
            "L'Économie Sociale et Solidaire face aux crises",
            "LE GOFF Anne",
            "2021",
            PHD,
            &["2021LYO20002"],
        ),
        // Same author and subject as dumas-01000003, but a doctoral thesis: another work.
        record(
            "oai:theses.fr:2019PAR10003",
            "Les coopératives d'activité et d'emploi",
            "Martin, Paul",
            "2019",
            PHD,
            &["2019PAR10003"],
        ),
        record(
            "oai:theses.fr:2020AIXM0004",
            "Les mutuelles de santé en Provence",
            "Roux, Claire",
            "2020",
            PHD,
            &["2020AIXM0004"],
        ),
    ]
}

/// Serves `records` from now on (after the second the last harvest asked `until`), then harvests
/// `source` incrementally.
fn republish_and_harvest(workspace: &Workspace, file: &Path, records: &[Value], source: &str) {
    write_records(file, records);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    workspace
        .run(&["harvest", "--quiet", "--source", source])
        .success();
}

fn members(work: &Value) -> BTreeSet<String> {
    work["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}|{}",
                m["source"].as_str().unwrap(),
                m["identifier"].as_str().unwrap()
            )
        })
        .collect()
}

fn work_with<'a>(works: &'a [Value], member: &str) -> &'a Value {
    works
        .iter()
        .find(|w| members(w).contains(member))
        .unwrap_or_else(|| panic!("no work has member {member}: {works:#?}"))
}

#[test]
fn overlapping_sources_become_works_with_provenance_and_follow_deletions() {
    let workspace = Workspace::new();
    let hal_file = workspace.dir.path().join("hal.json");
    let thesesfr_file = workspace.dir.path().join("thesesfr.json");
    write_records(&hal_file, &hal_records());
    write_records(&thesesfr_file, &thesesfr_records());
    let hal = Peer::pyoai_server(&hal_file, 2);
    let thesesfr = Peer::pyoai_server(&thesesfr_file, 2);
    workspace.write_source(
        "hal-test",
        &oai_source("HAL (test)", &hal.url("/oai"), "role = \"open-archive\""),
    );
    workspace.write_source(
        "thesesfr-test",
        &oai_source(
            "theses.fr (test)",
            &thesesfr.url("/oai"),
            "role = \"thesis-catalogue\"",
        ),
    );
    workspace.run(&["harvest", "--quiet", "--all"]).success();

    let works = workspace.works();
    // 5 + 4 records, 2 pairs of duplicates.
    assert_eq!(works.len(), 7, "{works:#?}");
    let scic = work_with(&works, "hal-test|oai:HAL:tel-01000001v1");
    assert_eq!(
        members(scic),
        BTreeSet::from([
            "hal-test|oai:HAL:tel-01000001v1".to_owned(),
            "thesesfr-test|oai:theses.fr:2019REN20001".to_owned()
        ])
    );
    assert_eq!(scic["year"], 2019);
    assert_eq!(scic["type"], "doctoral-thesis");
    assert!(
        scic["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "nnt:2019REN20001"),
        "{scic}"
    );
    let crises = work_with(&works, "thesesfr-test|oai:theses.fr:2021LYO20002");
    assert_eq!(members(crises).len(), 2, "{crises}");
    // The master's dissertation and the later thesis stay apart.
    let master = work_with(&works, "hal-test|oai:HAL:dumas-01000003v1");
    assert_eq!(members(master).len(), 1);
    assert_eq!(master["type"], "masters-dissertation");

    // Provenance: the thesis catalogue wins for the title; the show command explains the merge.
    let id = scic["id"].as_str().unwrap();
    let shown: Value =
        serde_json::from_str(&workspace.run(&["works", "show", id]).success().stdout).unwrap();
    assert_eq!(
        shown["fields"]["title"]["sources"][0], "thesesfr-test",
        "{shown:#}"
    );
    assert_eq!(
        shown["fields"]["title"]["value"]["text"],
        "Les SCIC en Bretagne"
    );
    assert!(!shown["merges"].as_array().unwrap().is_empty(), "{shown:#}");

    let stats = workspace.stats();
    assert_eq!(stats["works"], 7);
    assert_eq!(stats["deleted_works"], 0);

    // A record edited at its source stays in its work, which keeps its id.
    let petit = work_with(&works, "hal-test|oai:HAL:tel-01000005v1")["id"].clone();
    let mut served = hal_records();
    served[4]["dc"]["title"] = json!(["Commerce équitable, circuits courts et monnaies locales"]);
    served[4]["datestamp"] = json!(now_datestamp());
    republish_and_harvest(&workspace, &hal_file, &served, "hal-test");
    let works = workspace.works();
    let edited = work_with(&works, "hal-test|oai:HAL:tel-01000005v1");
    assert_eq!(edited["id"], petit, "an edit keeps the work's id");
    assert_eq!(
        edited["title"],
        "Commerce équitable, circuits courts et monnaies locales"
    );
    assert_eq!(workspace.stats()["deleted_works"], 0);

    // An edit that leaves what dedup compares as it was (keywords, abstract): same work, same
    // members, new fields.
    served[0]["dc"]["subject"] = json!(["Sociétés coopératives d'intérêt collectif"]);
    served[0]["dc"]["description"] = json!(["Un résumé réécrit."]);
    served[0]["datestamp"] = json!(now_datestamp());
    republish_and_harvest(&workspace, &hal_file, &served, "hal-test");
    let works = workspace.works();
    let scic = work_with(&works, "hal-test|oai:HAL:tel-01000001v1");
    assert_eq!(scic["id"].as_str(), Some(id));
    assert_eq!(members(scic).len(), 2, "{scic}");
    assert!(
        scic["keywords"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "Sociétés coopératives d'intérêt collectif"),
        "{scic}"
    );

    // Edited twice in what dedup compares (its subtitle), the HAL copy stays in the work, which
    // keeps one reason for it, not one per edit.
    for subtitle in ["gouvernance, territoires", "gouvernance et territoire"] {
        served[0]["dc"]["title"] = json!([format!("Les SCIC en Bretagne : {subtitle}")]);
        served[0]["datestamp"] = json!(now_datestamp());
        republish_and_harvest(&workspace, &hal_file, &served, "hal-test");
    }
    let shown: Value =
        serde_json::from_str(&workspace.run(&["works", "show", id]).success().stdout).unwrap();
    assert_eq!(members(&shown).len(), 2, "{shown:#}");
    let reasons = shown["merges"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{shown:#}");

    // The theses.fr copy is deleted at its source: the work keeps its HAL member only.
    let mut served = thesesfr_records();
    served[0]["deleted"] = json!(true);
    served[0]["datestamp"] = json!(now_datestamp());
    republish_and_harvest(&workspace, &thesesfr_file, &served, "thesesfr-test");
    let works = workspace.works();
    assert_eq!(works.len(), 7);
    let scic = work_with(&works, "hal-test|oai:HAL:tel-01000001v1");
    assert_eq!(members(scic).len(), 1, "{scic}");
    assert_eq!(scic["id"].as_str(), Some(id), "the work keeps its id");

    // Then the HAL copy too: the work becomes a tombstone.
    let mut served = hal_records();
    served[4]["dc"]["title"] = json!(["Commerce équitable, circuits courts et monnaies locales"]);
    served[0]["deleted"] = json!(true);
    served[0]["datestamp"] = json!(now_datestamp());
    republish_and_harvest(&workspace, &hal_file, &served, "hal-test");
    let works = workspace.works();
    assert_eq!(works.len(), 6);
    assert!(works.iter().all(|w| w["id"].as_str() != Some(id)));
    let stats = workspace.stats();
    assert_eq!(
        (stats["works"].as_u64(), stats["deleted_works"].as_u64()),
        (Some(6), Some(1))
    );
    let shown: Value =
        serde_json::from_str(&workspace.run(&["works", "show", id]).success().stdout).unwrap();
    assert_eq!(shown["deleted"], true);
    // Merges and a deletion leave the tables consistent (`essor check` exits 0).
    workspace.run(&["check"]).success();
}

#[test]
fn a_record_that_bridges_two_works_merges_them_and_the_younger_id_becomes_an_alias() {
    let workspace = Workspace::new();
    let english_file = workspace.dir.path().join("english.json");
    let french_file = workspace.dir.path().join("french.json");
    let bridge_file = workspace.dir.path().join("bridge.json");
    // Only the NNT links the English record to the bridge; only the French title and author link
    // the French record to it. Without the bridge they are two works.
    write_records(
        &english_file,
        &[record(
            "oai:english:1",
            "Multi-stakeholder cooperatives and local public policies",
            "Durand, Lucie",
            "2022",
            PHD,
            &["NNT: 2022NANT0042"],
        )],
    );
    write_records(
        &french_file,
        &[record(
            "oai:french:1",
            "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
            "Lucie Durand",
            "2022",
            PHD,
            &[],
        )],
    );
    write_records(&bridge_file, &[]);
    let english = Peer::pyoai_server(&english_file, 10);
    let french = Peer::pyoai_server(&french_file, 10);
    let bridge = Peer::pyoai_server(&bridge_file, 10);
    workspace.write_source("english", &oai_source("English", &english.url("/oai"), ""));
    workspace.write_source("french", &oai_source("French", &french.url("/oai"), ""));
    workspace.write_source(
        "bridge",
        &oai_source("Bridge", &bridge.url("/oai"), "role = \"thesis-catalogue\""),
    );
    workspace
        .run(&["harvest", "--quiet", "--source", "english"])
        .success();
    workspace
        .run(&["harvest", "--quiet", "--source", "french"])
        .success();
    let works = workspace.works();
    assert_eq!(works.len(), 2, "{works:#?}");
    let older = work_with(&works, "english|oai:english:1")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let younger = work_with(&works, "french|oai:french:1")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(older < younger);

    let mut bridging = record(
        "oai:bridge:2022NANT0042",
        "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
        "Durand, Lucie",
        "2022",
        PHD,
        &["2022NANT0042"],
    );
    bridging["datestamp"] = json!(now_datestamp());
    write_records(&bridge_file, &[bridging]);
    workspace
        .run(&["harvest", "--quiet", "--source", "bridge"])
        .success();
    let works = workspace.works();
    assert_eq!(works.len(), 1, "{works:#?}");
    assert_eq!(
        works[0]["id"].as_str(),
        Some(older.as_str()),
        "the older id survives"
    );
    assert_eq!(members(&works[0]).len(), 3);

    // The merged-away id resolves to the survivor and names the merge.
    let shown = workspace.run(&["works", "show", &younger]).success();
    assert!(
        shown
            .stderr
            .contains(&format!("{younger} was merged into {older}")),
        "{}",
        shown.describe()
    );
    let survivor: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(survivor["id"].as_str(), Some(older.as_str()));
    assert!(
        survivor["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == younger.as_str())
    );
    let rules: Vec<&str> = survivor["merges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"shared identifier"), "{rules:?}");
    let stats = workspace.stats();
    assert_eq!(
        (stats["works"].as_u64(), stats["deleted_works"].as_u64()),
        (Some(1), Some(1))
    );
    // An alias and its survivor leave the tables consistent (`essor check` exits 0).
    workspace.run(&["check"]).success();
}
