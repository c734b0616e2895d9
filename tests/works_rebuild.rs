//! `essor works rebuild`: every work derived again from the stored records. With nothing
//! changed, no work is rewritten and the feed has nothing new; after a thesaurus change (a
//! theme removed, through `--thesaurus`), the works it touches keep their ids and are the only
//! ones the OAI-PMH feed lists as changed.

use std::collections::BTreeMap;

use crate::common::app::spawn_app;
use crate::common::{Workspace, project_root};
use serde_json::Value;

/// One oai_dc record of a dump page.
fn record(identifier: &str, title: &str, creator: &str, year: u32) -> String {
    format!(
        r#"<record><header><identifier>{identifier}</identifier><datestamp>2026-11-01T10:00:00Z</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><dc:date>{year}</dc:date><dc:type>info:eu-repo/semantics/doctoralThesis</dc:type><dc:language>fr</dc:language><dc:subject>économie sociale et solidaire</dc:subject></oai_dc:dc></metadata></record>"#
    )
}

fn dump_source(workspace: &Workspace, id: &str, records: &[String]) {
    let dir = workspace.sources().join("dumps").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("page-0001.xml"),
        format!(
            r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>{}</ListRecords></OAI-PMH>"#,
            records.concat()
        ),
    )
    .unwrap();
    workspace.write_source(
        id,
        &format!(
            "name = \"Dump {id}\"\nkind = \"oai-pmh-dump\"\nbase_url = \"https://{id}.example.org/oai\"\nmetadata_prefix = \"oai_dc\"\npath = \"dumps/{id}\"\n"
        ),
    );
}

/// Each live work's (datestamp, themes, members), by id.
fn works(workspace: &Workspace) -> BTreeMap<String, (String, Value, Value)> {
    workspace
        .works()
        .into_iter()
        .map(|w| {
            let id = w["id"].as_str().unwrap().to_owned();
            (
                id,
                (
                    w["datestamp"].as_str().unwrap().to_owned(),
                    w["themes"].clone(),
                    w["members"].clone(),
                ),
            )
        })
        .collect()
}

/// The identifiers the feed lists as changed since `from`.
fn changed_since(workspace: &Workspace, from: &str) -> Vec<String> {
    let server = spawn_app(workspace);
    let xml = server.oai(&format!(
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from={from}"
    ));
    xml.split("<identifier>")
        .skip(1)
        .map(|part| part.split('<').next().unwrap().to_owned())
        .collect()
}

fn rebuild(workspace: &Workspace, args: &[&str]) -> Value {
    let mut all = vec!["works", "rebuild"];
    all.extend_from_slice(args);
    serde_json::from_str(&workspace.run(&all).success().stdout).unwrap()
}

/// The current second, UTC, as the feed's `from` reads it, once the second has passed the
/// last write.
fn next_second() -> String {
    std::thread::sleep(std::time::Duration::from_millis(1100));
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn a_rebuild_keeps_ids_and_the_feed_lists_only_the_works_that_changed() {
    let workspace = Workspace::new();
    let fair = "Le commerce équitable et les circuits courts en Bretagne";
    dump_source(
        &workspace,
        "archive",
        &[
            record("oai:a:1", fair, "Dupont, Marie", 2019),
            record(
                "oai:a:2",
                "Les coopératives d'habitants",
                "Martin, Paul",
                2020,
            ),
            record("oai:a:3", "Les mutuelles de santé", "Durand, Anne", 2018),
        ],
    );
    dump_source(
        &workspace,
        "catalogue",
        &[
            record("oai:c:1", fair, "Dupont, Marie", 2019),
            record("oai:c:2", "La finance solidaire", "Petit, Jean", 2021),
        ],
    );
    workspace.run(&["harvest", "--quiet", "--all"]).success();
    let before = works(&workspace);
    assert_eq!(before.len(), 4, "{before:#?}");
    let (fair_id, fair_work) = before
        .iter()
        .find(|(_, (_, _, members))| members.as_array().unwrap().len() == 2)
        .expect("the two copies of the fair-trade thesis make one work");
    assert!(
        fair_work.1.to_string().contains("fair-trade"),
        "{fair_work:?}"
    );

    // Nothing changed: nothing is rewritten, the feed has nothing new.
    let from = next_second();
    let report = rebuild(&workspace, &[]);
    assert_eq!(report["records"], 5, "{report}");
    for count in [
        "works_created",
        "works_changed",
        "works_merged",
        "works_deleted",
    ] {
        assert_eq!(report[count], 0, "{count}: {report}");
    }
    assert_eq!(works(&workspace), before);
    assert_eq!(changed_since(&workspace, &from), Vec::<String>::new());

    // The fair-trade theme removed from the thesaurus: its work changes, keeping its id; the
    // others are untouched.
    let thesaurus =
        std::fs::read_to_string(project_root().join("thesaurus/ess-themes.toml")).unwrap();
    let start = thesaurus.find("id = \"fair-trade\"").unwrap();
    let theme_start = thesaurus[..start].rfind("[[theme]]").unwrap();
    let theme_end = start + thesaurus[start..].find("[[theme]]").unwrap();
    let changed = format!("{}{}", &thesaurus[..theme_start], &thesaurus[theme_end..]);
    let file = workspace.dir.path().join("themes.toml");
    std::fs::write(&file, changed).unwrap();
    // `essor reindex` merges at once: the mark the harvest's build left is gone.
    workspace.run(&["reindex"]).success();
    assert!(!index_left_unmerged(&workspace), "reindex merges at once");
    let from = next_second();
    let report = rebuild(&workspace, &["--thesaurus", file.to_str().unwrap()]);
    assert_eq!(report["works_changed"], 1, "{report}");
    // The search index follows the works, its segments' merge left to the server as a fresh
    // build's is (issue 17): the commit is marked (before a server merges and clears it).
    assert!(
        index_left_unmerged(&workspace),
        "the index's commit is marked"
    );
    assert_eq!(report["works_created"], 0, "{report}");
    let after = works(&workspace);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "ids are kept"
    );
    for (id, (datestamp, themes, members)) in &after {
        let (old_datestamp, old_themes, old_members) = &before[id];
        assert_eq!(members, old_members, "{id}");
        if id == fair_id {
            assert!(datestamp > old_datestamp, "{id}: {datestamp}");
            assert!(!themes.to_string().contains("fair-trade"), "{themes}");
        } else {
            assert_eq!((datestamp, themes), (old_datestamp, old_themes), "{id}");
        }
    }
    assert_eq!(
        changed_since(&workspace, &from),
        [format!("oai:essor.local:{fair_id}")]
    );

    // The searches see the change.
    let server = spawn_app(&workspace);
    assert_eq!(search_total(&server, "theme=fair-trade"), 0);
    assert_eq!(search_total(&server, "q=commerce"), 1);
    assert_eq!(search_total(&server, ""), 4);
}

/// Whether the search index's last commit left segments for the server to merge (the mark in
/// the commit's payload).
fn index_left_unmerged(workspace: &Workspace) -> bool {
    let meta = std::fs::read_to_string(workspace.data().join("index/meta.json")).unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    let payload: Value = serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    payload["unmerged"] == Value::Bool(true)
}

/// The total of a REST search.
fn search_total(server: &crate::common::app::TestApp, query: &str) -> u64 {
    let page = server.get(&format!("/api/v1/works?{query}")).json();
    page["total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{query}: {page}"))
}

/// A workspace whose one source's three records, all on the social and solidarity economy,
/// were harvested into three works.
fn three_works_harvested() -> Workspace {
    let workspace = Workspace::new();
    dump_source(
        &workspace,
        "archive",
        &[
            record("oai:a:1", "Les mutuelles de santé", "Durand, Anne", 2018),
            record(
                "oai:a:2",
                "Les coopératives d'habitants",
                "Martin, Paul",
                2020,
            ),
            record("oai:a:3", "La finance solidaire", "Petit, Jean", 2021),
        ],
    );
    workspace.run(&["harvest", "--quiet", "--all"]).success();
    workspace
}

#[test]
fn a_rebuild_that_changes_every_work_leaves_a_search_index_that_follows_it() {
    let workspace = three_works_harvested();
    let ess = "theme=social-solidarity-economy";
    {
        let server = spawn_app(&workspace);
        assert_eq!(search_total(&server, ess), 3);
    }
    // Every record's subject is "économie sociale et solidaire": without that theme every
    // work changes, and the index is built again rather than each document replaced.
    let thesaurus =
        std::fs::read_to_string(project_root().join("thesaurus/ess-themes.toml")).unwrap();
    let start = thesaurus
        .find("id = \"social-solidarity-economy\"")
        .unwrap();
    let theme_start = thesaurus[..start].rfind("[[theme]]").unwrap();
    let theme_end = start + thesaurus[start..].find("[[theme]]").unwrap();
    let file = workspace.dir.path().join("themes.toml");
    std::fs::write(
        &file,
        format!("{}{}", &thesaurus[..theme_start], &thesaurus[theme_end..]),
    )
    .unwrap();
    let report = rebuild(&workspace, &["--thesaurus", file.to_str().unwrap()]);
    assert_eq!(report["works_changed"], 3, "{report}");
    let server = spawn_app(&workspace);
    assert_eq!(search_total(&server, ess), 0);
    assert_eq!(search_total(&server, "q=mutuelles"), 1);
    assert_eq!(search_total(&server, ""), 3);
}

/// The search index's segments as its last commit lists them: (id, documents, deletes).
fn index_segments(workspace: &Workspace) -> Vec<(String, u64, u64)> {
    let meta = std::fs::read_to_string(workspace.data().join("index/meta.json")).unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|segment| {
            let deletes = segment["deletes"]["num_deleted_docs"].as_u64().unwrap_or(0);
            (
                segment["segment_id"].as_str().unwrap().to_owned(),
                segment["max_doc"].as_u64().unwrap(),
                deletes,
            )
        })
        .collect()
}

/// Issue 17: themes are kept beside the search index's documents, so a rebuild after a new
/// theme (the works' themes change, nothing else) indexes no document again, and the theme
/// filter and facet answer the new theme.
#[test]
fn a_rebuild_that_changes_themes_alone_keeps_the_search_documents() {
    let workspace = three_works_harvested();
    {
        let server = spawn_app(&workspace);
        assert_eq!(search_total(&server, "theme=health-mutuals"), 0);
    }
    let segments = index_segments(&workspace);
    let thesaurus =
        std::fs::read_to_string(project_root().join("thesaurus/ess-themes.toml")).unwrap();
    let file = workspace.dir.path().join("themes.toml");
    std::fs::write(
        &file,
        format!(
            "{thesaurus}\n[[theme]]\nid = \"health-mutuals\"\nfr = \"Mutuelles de santé\"\nen = \"Health mutuals\"\nterms = [\"mutuelles de santé\"]\n"
        ),
    )
    .unwrap();
    let report = rebuild(&workspace, &["--thesaurus", file.to_str().unwrap()]);
    assert_eq!(report["works_changed"], 1, "{report}");
    assert_eq!(
        index_segments(&workspace),
        segments,
        "no document indexed again"
    );
    let server = spawn_app(&workspace);
    assert_eq!(search_total(&server, "theme=health-mutuals"), 1);
    assert_eq!(search_total(&server, "q=mutuelles&theme=health-mutuals"), 1);
    assert_eq!(search_total(&server, "q=finance&theme=health-mutuals"), 0);
    assert_eq!(search_total(&server, "theme=social-solidarity-economy"), 3);
    let page = server.get("/api/v1/works?limit=1&facets=theme").json();
    let themes = page["facets"]["theme"].as_array().unwrap();
    assert!(
        themes
            .iter()
            .any(|t| t["value"] == "health-mutuals" && t["count"] == 1),
        "{page}"
    );
}

#[test]
fn a_rebuild_without_the_stored_sources_files_says_which_are_missing() {
    let workspace = Workspace::new();
    dump_source(
        &workspace,
        "archive",
        &[record(
            "oai:a:1",
            "Les mutuelles de santé",
            "Durand, Anne",
            2018,
        )],
    );
    workspace.run(&["harvest", "--quiet", "--all"]).success();
    let run = workspace.run(&["works", "rebuild"]).success();
    assert!(
        !run.stderr.contains("without these stored sources"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(workspace.sources().join("archive.toml")).unwrap();
    let run = workspace.run(&["works", "rebuild"]).success();
    assert!(
        run.stderr.contains("without these stored sources") && run.stderr.contains("archive"),
        "{}",
        run.stderr
    );
}
