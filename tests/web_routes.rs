//! The server's routes at their edges (issue 15): an unknown path is 404 whatever the method
//! (a page for a browser, a problem document otherwise), a known path asked with a method it
//! does not take is a 405 problem document, a merged-away work's page redirects (301) and a
//! withdrawn one says so (410), the pages are outside the API's rate limit, and regions are
//! shown by their names, foreign subdivisions included.

use serde_json::json;

use crate::common::app::{spawn_app, spawn_app_with};
use crate::common::{PHD, Peer, Workspace, dc_record, now_datestamp, oai_source, write_records};
use crate::web_pages::{browse, library, page};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

#[test]
fn unknown_paths_are_404_for_every_method_as_a_page_or_a_problem() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |_| {});
    for path in ["/unknown", "/nothing-here.xml", "/a/b/c", "/api/v1/nothing"] {
        for method in METHODS {
            let problem = server.request(method, path, &[], Some(b"x"));
            assert_eq!(problem.status, 404, "{method} {path}: {}", problem.text());
            assert_eq!(
                problem.header("content-type"),
                "application/problem+json",
                "{method} {path}"
            );
            assert_eq!(problem.json()["status"], 404, "{method} {path}");
            let browser = server.request(method, path, &[("Accept", "text/html")], None);
            assert_eq!(browser.status, 404, "{method} {path}");
            let expected = if path.starts_with("/api/") {
                "application/problem+json"
            } else {
                "text/html; charset=utf-8"
            };
            assert_eq!(browser.header("content-type"), expected, "{method} {path}");
        }
    }
    let page = server
        .request("POST", "/unknown", &[("Accept", "text/html")], None)
        .text();
    assert!(page.contains("/unknown"), "the page names the path: {page}");
}

#[test]
fn known_paths_asked_with_another_method_are_a_405_problem() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |_| {});
    for (method, path) in [
        ("POST", "/sitemap-works-0.xml"),
        ("DELETE", "/search"),
        ("POST", "/about"),
        ("PUT", "/api/v1/works"),
        ("DELETE", "/oai"),
    ] {
        let response = server.request(method, path, &[], None);
        assert_eq!(response.status, 405, "{method} {path}: {}", response.text());
        assert_eq!(
            response.json()["type"],
            "https://essor.eu/problems/method-not-allowed",
            "{method} {path}"
        );
    }
}

#[test]
fn pages_are_outside_the_api_rate_limit() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |settings| {
        settings.limits.per_ip = std::num::NonZeroU32::new(1).unwrap();
    });
    // One request a second with bursts of two: the API refuses the third at once.
    let api: Vec<u16> = (0..6)
        .map(|_| server.get("/api/v1/sources").status)
        .collect();
    assert!(api.contains(&429), "{api:?}");
    for path in [
        "/",
        "/about",
        "/sources",
        "/themes",
        "/search?q=coop",
        "/robots.txt",
    ] {
        for _ in 0..3 {
            let response = server.request("GET", path, &[("Accept", "text/html")], None);
            assert_eq!(response.status, 200, "{path}: {}", response.text());
        }
    }
}

#[test]
fn regions_are_shown_by_their_names_foreign_ones_included() {
    let (_workspace, server) = library();
    let home = page(&server, "/");
    assert!(
        home.contains("<a href=\"/search?region=CA-QC\">Québec</a>"),
        "the home page names Québec"
    );
    let sources = page(&server, "/sources");
    assert!(sources.contains("<td>Québec</td>"), "{sources}");
    assert!(!sources.contains(">CA-QC<"), "no bare code");
    let search = page(&server, "/search?region=CA-QC");
    assert!(search.contains("Québec"), "the region filter is named");
    let sets = server.get("/oai?verb=ListSets").text();
    assert!(
        sets.contains("<setSpec>region:CA-QC</setSpec><setName>Québec</setName>"),
        "{sets}"
    );
}

#[test]
fn a_merged_id_redirects_and_a_withdrawn_work_says_so() {
    let workspace = Workspace::new();
    let record = |identifier: &str, title: &str, creator: &str, ids: &[&str]| {
        dc_record(
            identifier,
            "2026-11-01T10:00:00Z",
            json!({"title": [title], "creator": [creator], "date": ["2022"], "type": [PHD],
                   "identifier": ids, "language": ["fr"],
                   "description": ["Une thèse sur les coopératives."]}),
        )
    };
    let english_file = workspace.dir.path().join("english.json");
    let french_file = workspace.dir.path().join("french.json");
    let bridge_file = workspace.dir.path().join("bridge.json");
    let english_records = vec![
        record(
            "oai:english:1",
            "Multi-stakeholder cooperatives and local public policies",
            "Durand, Lucie",
            &["NNT: 2022NANT0042"],
        ),
        record(
            "oai:english:2",
            "Worker cooperatives in rural Brittany",
            "Le Gall, Yann",
            &[],
        ),
    ];
    write_records(&english_file, &english_records);
    write_records(
        &french_file,
        &[record(
            "oai:french:1",
            "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
            "Lucie Durand",
            &[],
        )],
    );
    write_records(&bridge_file, &[]);
    let peers = [
        Peer::pyoai_server(&english_file, 10),
        Peer::pyoai_server(&french_file, 10),
        Peer::pyoai_server(&bridge_file, 10),
    ];
    workspace.write_source("english", &oai_source("English", &peers[0].url("/oai"), ""));
    workspace.write_source("french", &oai_source("French", &peers[1].url("/oai"), ""));
    workspace.write_source(
        "bridge",
        &oai_source(
            "Bridge",
            &peers[2].url("/oai"),
            "role = \"thesis-catalogue\"",
        ),
    );
    workspace
        .run(&["harvest", "--quiet", "--source", "english"])
        .success();
    workspace
        .run(&["harvest", "--quiet", "--source", "french"])
        .success();
    let works = workspace.works();
    let id_of = |title: &str| {
        works
            .iter()
            .find(|w| w["title"].as_str() == Some(title))
            .and_then(|w| w["id"].as_str())
            .unwrap()
            .to_owned()
    };
    let older = id_of("Multi-stakeholder cooperatives and local public policies");
    let younger =
        id_of("Les sociétés coopératives d'intérêt collectif et l'action publique locale");
    let withdrawn = id_of("Worker cooperatives in rural Brittany");

    // The bridge merges the two works; the second English record is withdrawn.
    let mut bridging = record(
        "oai:bridge:2022NANT0042",
        "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
        "Durand, Lucie",
        &["2022NANT0042"],
    );
    bridging["datestamp"] = json!(now_datestamp());
    write_records(&bridge_file, &[bridging]);
    let mut english_records = english_records;
    english_records[1]["deleted"] = json!(true);
    english_records[1]["datestamp"] = json!(now_datestamp());
    write_records(&english_file, &english_records);
    workspace.run(&["harvest", "--quiet", "--all"]).success();

    let server = spawn_app(&workspace);
    let redirect = browse(&server, &format!("/works/{younger}?lang=en"), None);
    assert_eq!(redirect.status, 301);
    assert_eq!(
        redirect.header("location"),
        format!("/works/{older}?lang=en")
    );
    let survivor = page(&server, &format!("/works/{older}"));
    assert!(survivor.contains("Versions regroupées"));
    assert!(survivor.contains(&younger), "the merged id is named");
    for source in ["English", "French", "Bridge"] {
        assert!(
            survivor.contains(&format!("<strong>{source}</strong>")),
            "{source}"
        );
    }
    let gone = browse(&server, &format!("/works/{withdrawn}"), None);
    assert_eq!(gone.status, 410);
    assert_eq!(gone.header("content-type"), "text/html; charset=utf-8");
    assert!(gone.text().contains("a été retiré"), "{}", gone.text());
}
