//! The server's routes at their edges (issue 15): an unknown path is 404 whatever the method
//! (a page for a browser, a problem document otherwise), a known path asked with a method it
//! does not take is a 405 problem document, the pages are outside the API's rate limit, and
//! regions are shown by their names, foreign subdivisions included.

use crate::common::Workspace;
use crate::common::app::spawn_app_with;
use crate::web_pages::{library, page};

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
