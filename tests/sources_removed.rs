//! Removing a registered repository (issue 12): `DELETE /api/v1/sources/{id}` and `essor sources
//! remove ID` tombstone its records; a work only it held is deleted (the OAI feed shows it
//! deleted, valid against the schemas), a work another source also holds stays, losing only
//! that repository's record.

use serde_json::{Value, json};

use crate::common::app::{ADMIN_TOKEN, TestApp, spawn_app_with};
use crate::common::served::assert_valid_text;
use crate::common::{PHD, Peer, Workspace, dc_record, oai_source, write_records};
use crate::sources_scheduled::{
    admin_action, register, scheduling, wait_for, wait_for_complete_harvest,
};

const WAIT: std::time::Duration = std::time::Duration::from_secs(90);

fn thesis(identifier: &str, title: &str, creator: &str, nnt: &str) -> Value {
    dc_record(
        identifier,
        "2026-11-01T10:00:00Z",
        json!({
            "title": [title], "creator": [creator], "date": ["2019"], "type": [PHD],
            "identifier": [format!("NNT: {nnt}")], "language": ["fr"],
            "subject": ["économie sociale et solidaire"],
            "description": [format!("Résumé : {title}.")],
        }),
    )
}

const SHARED_TITLE: &str = "Les coopératives d'activité et d'emploi en Bretagne";

/// A file source (`hal`) and a registered repository that share one thesis (same NNT) and
/// each have their own; both harvested by the server, works made.
struct Shared {
    workspace: Workspace,
    _peers: (Peer, Peer),
    server: TestApp,
    registered: String,
}

fn two_sources_sharing_a_thesis() -> Shared {
    let workspace = Workspace::new();
    let hal_file = workspace.dir.path().join("hal.json");
    write_records(
        &hal_file,
        &[
            thesis(
                "oai:HAL:tel-1",
                SHARED_TITLE,
                "Le Goff, Anne",
                "2019REN20001",
            ),
            thesis(
                "oai:HAL:tel-2",
                "Les monnaies locales complémentaires en Occitanie",
                "Martin, Paul",
                "2019TOU20002",
            ),
        ],
    );
    let depot_file = workspace.dir.path().join("depot.json");
    write_records(
        &depot_file,
        &[
            thesis("oai:depot:1", SHARED_TITLE, "Le Goff, Anne", "2019REN20001"),
            thesis(
                "oai:depot:2",
                "Les régies de quartier entre insertion et démocratie locale",
                "Durand, Léa",
                "2019REN20003",
            ),
            thesis(
                "oai:depot:3",
                "Ressourceries et économie circulaire en Bretagne",
                "Morel, Yann",
                "2019REN20004",
            ),
        ],
    );
    let hal = Peer::pyoai_server(&hal_file, 100);
    let depot = Peer::pyoai_server(&depot_file, 100);
    workspace.write_source("hal", &oai_source("HAL", &hal.url("/oai"), ""));
    let server = spawn_app_with(&workspace, scheduling);
    server.harvest("hal");
    let registered = register(&server, &depot.url("/oai"), "Dépôt breton");
    admin_action(&server, &registered, "approve");
    wait_for_complete_harvest(&server, &registered);
    wait_for(WAIT, "the repository's works", || {
        let page = server
            .get(&format!("/api/v1/works?source={registered}"))
            .json();
        (page["total"] == 3).then_some(())
    });
    Shared {
        workspace,
        _peers: (hal, depot),
        server,
        registered,
    }
}

/// The works holding a record of `source`: (work id, the sources of its members).
fn works_of(server: &TestApp, source: &str) -> Vec<(String, Vec<String>)> {
    let page = server
        .get(&format!("/api/v1/works?source={source}&limit=50"))
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let id = item["id"].as_str().unwrap().to_owned();
            let work = server.get(&format!("/api/v1/works/{id}")).json();
            let sources = work["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["source"].as_str().unwrap().to_owned())
                .collect();
            (id, sources)
        })
        .collect()
}

/// The shared work's id, and the ids of the works only `registered` holds.
fn split(works: &[(String, Vec<String>)], registered: &str) -> (String, Vec<String>) {
    let shared: Vec<&String> = works
        .iter()
        .filter(|(_, sources)| sources.iter().any(|s| s == "hal"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(shared.len(), 1, "one work shared with hal: {works:?}");
    let own: Vec<String> = works
        .iter()
        .filter(|(_, sources)| sources.iter().all(|s| s == registered))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(own.len(), 2, "two works of its own: {works:?}");
    (shared[0].clone(), own)
}

fn delete(server: &TestApp, id: &str, token: Option<&str>) -> crate::common::app::Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    server.request("DELETE", &format!("/api/v1/sources/{id}"), &headers, None)
}

#[test]
fn deleting_a_registered_repository_deletes_the_works_only_it_held_and_keeps_the_shared_one() {
    let Shared {
        workspace: _workspace,
        _peers,
        server,
        registered,
    } = two_sources_sharing_a_thesis();
    let (shared, own) = split(&works_of(&server, &registered), &registered);

    for token in [None, Some("wrong-token")] {
        let refused = delete(&server, &registered, token);
        assert_eq!(refused.status, 401, "{}", refused.text());
    }
    let removed = delete(&server, &registered, Some(ADMIN_TOKEN));
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert_eq!(removed.json()["status"], "removed");
    let again = delete(&server, &registered, Some(ADMIN_TOKEN));
    assert_eq!(again.status, 409, "{}", again.text());

    // Gone from the sources and from search; its own works deleted, the shared one kept.
    assert_eq!(
        server.get(&format!("/api/v1/sources/{registered}")).status,
        404
    );
    let listed = server.get("/api/v1/sources").json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != registered.as_str()),
        "{listed:#}"
    );
    let found = server
        .get(&format!("/api/v1/works?source={registered}"))
        .json();
    assert_eq!(found["total"], 0, "{found:#}");
    for work in &own {
        let response = server.get(&format!("/api/v1/works/{work}"));
        assert_eq!(response.status, 410, "{work}: {}", response.text());
        let record = server.oai(&format!(
            "verb=GetRecord&identifier=oai:essor.local:{work}&metadataPrefix=oai_dc"
        ));
        assert!(record.contains(r#"<header status="deleted">"#), "{record}");
        assert_valid_text(&format!("deleted-{work}"), &record);
    }
    let kept = server.get(&format!("/api/v1/works/{shared}"));
    assert_eq!(kept.status, 200, "{}", kept.text());
    let kept = kept.json();
    let members: Vec<&str> = kept["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["hal"], "{kept:#}");
    let record = server.oai(&format!(
        "verb=GetRecord&identifier=oai:essor.local:{shared}&metadataPrefix=oai_dc"
    ));
    assert!(!record.contains("status=\"deleted\""), "{record}");
    assert!(record.contains("emploi en Bretagne</dc:title>"), "{record}");
    assert!(
        !record.contains("oai:depot:1"),
        "its provenance lost the record: {record}"
    );
    assert_valid_text("kept", &record);
}

#[test]
fn essor_sources_remove_does_the_same_on_the_store() {
    let Shared {
        workspace,
        _peers,
        server,
        registered,
    } = two_sources_sharing_a_thesis();
    let (shared, own) = split(&works_of(&server, &registered), &registered);
    drop(server);

    let removed = workspace.run(&["sources", "remove", &registered]).success();
    assert!(
        removed
            .stdout
            .contains("3 record(s) deleted, 2 work(s) deleted"),
        "{}",
        removed.describe()
    );
    let records = workspace.records(&registered);
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r["deleted"] == true), "{records:?}");
    for work in &own {
        let shown = workspace.run(&["works", "show", work]).success();
        let work: Value = serde_json::from_str(&shown.stdout).unwrap();
        assert_eq!(work["deleted"], true, "{work:#}");
    }
    let shown = workspace.run(&["works", "show", &shared]).success();
    let work: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(work["deleted"], false, "{work:#}");
    let member_sources: Vec<&str> = work["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert_eq!(member_sources, ["hal"], "{work:#}");
    let listed = workspace
        .run(&["sources", "list", "--json"])
        .success()
        .jsonl();
    let line = listed
        .iter()
        .find(|l| l["id"] == registered.as_str())
        .unwrap();
    assert_eq!(line["status"], "removed");
    let twice = workspace.run(&["sources", "remove", &registered]);
    assert_eq!(twice.code, Some(1), "{}", twice.describe());
    assert!(twice.stderr.contains("removed"), "{}", twice.describe());
    // Tombstoned records and deleted works leave the tables consistent.
    workspace.run(&["check"]).success();
}
