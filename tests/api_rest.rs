//! The REST API for data journalists, over HTTP: the server (in-process, port 0) over works
//! harvested from real pyoai servers; searches in French and English, each filter and facet,
//! cursor paging, exports parsed back with real parsers (Python's csv module), 301/404/410, 304,
//! 429, problem details, snapshots of the JSON served, the checked-in OpenAPI document.

use std::collections::BTreeSet;

use crate::common::app::{TestApp, spawn_app_with};
use crate::common::{
    MASTER, PHD, Peer, Workspace, dc_record, json_snapshot, make_records, oai_source, python,
    write_records,
};
use essor::app::limit_config;
use serde_json::{Value, json};

#[allow(clippy::too_many_arguments)]
fn record(
    identifier: &str,
    title: &str,
    creator: &str,
    date: &str,
    kind: &str,
    language: &str,
    subjects: &[&str],
    ids: &[&str],
) -> Value {
    dc_record(
        identifier,
        "2026-11-01T10:00:00Z",
        json!({
            "title": [title], "creator": [creator], "date": [date], "type": [kind],
            "identifier": ids, "language": [language], "subject": subjects,
            "description": [format!("Résumé : {title}.")],
            "rights": ["info:eu-repo/semantics/openAccess"],
        }),
    )
}

/// Two sources with hand-written French and English works (plus generated ones for paging),
/// harvested; the server runs on them.
struct Api {
    workspace: Workspace,
    _peers: Vec<Peer>,
}

fn api() -> Api {
    harvested(true)
}

/// The hand-written works of source `hal`, and with `generated` 120 more from a second source.
fn harvested(generated: bool) -> Api {
    let workspace = Workspace::new();
    let hal = workspace.dir.path().join("hal.json");
    write_records(
        &hal,
        &[
            record(
                "oai:HAL:tel-1",
                "Les coopératives d'habitants en Occitanie",
                "Dupont, Marie",
                "2018",
                PHD,
                "fr",
                &["coopératives", "habitat participatif"],
                &["NNT: 2018TOU20001"],
            ),
            record(
                "oai:HAL:tel-2",
                "Housing cooperatives and community land trusts",
                "Smith, John",
                "2021",
                PHD,
                "en",
                &["cooperatives", "housing"],
                &[],
            ),
            record(
                "oai:HAL:dumas-3",
                "La finance solidaire et les monnaies locales",
                "Martin, Élodie",
                "2016",
                MASTER,
                "fr",
                &["finance solidaire"],
                &[],
            ),
            record(
                "oai:HAL:tel-4",
                "Économie sociale et solidaire : l'exemple des SCIC",
                "Bernard, Louis",
                "2012",
                PHD,
                "fr",
                &["économie sociale et solidaire", "SCIC"],
                &[],
            ),
        ],
    );
    let mut peers = vec![Peer::pyoai_server(&hal, 50)];
    workspace.write_source(
        "hal",
        &oai_source(
            "HAL (test)",
            &peers[0].url("/oai"),
            "role = \"open-archive\"\nregion = \"FR-OCC\"",
        ),
    );
    if generated {
        let records = workspace.dir.path().join("generated.json");
        make_records(&records, 120, 11);
        peers.push(Peer::pyoai_server(&records, 50));
        workspace.write_source(
            "generated",
            &oai_source("Generated", &peers[1].url("/oai"), "region = \"FR-BRE\""),
        );
    }
    workspace.run(&["harvest", "--quiet", "--all"]).success();
    Api {
        workspace,
        _peers: peers,
    }
}

fn get_json(server: &TestApp, path: &str) -> Value {
    let response = server.get(path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    assert_eq!(response.header("content-type"), "application/json");
    response.json()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every id of a search, following `next_cursor`.
fn all_ids(server: &TestApp, query: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/works?{query}&cursor={c}"),
            None => format!("/api/v1/works?{query}"),
        };
        let page = get_json(server, &path);
        found.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

#[test]
fn search_stems_and_folds_in_french_and_english_filters_facets_and_pages() {
    let api = api();
    let server = spawn_app_with(&api.workspace, |settings| {
        settings.limits = limit_config(1000, 200, vec!["k".into()]);
    });
    // French stemming and accents: singular, no accent, capitals.
    for q in ["cooperative", "COOPERATIVES", "coopérative"] {
        let page = get_json(&server, &format!("/api/v1/works?q={q}&source=hal"));
        let found = titles(&page);
        assert!(
            found
                .iter()
                .any(|t| t.starts_with("Les coopératives d'habitants")),
            "{q}: {found:?}"
        );
        assert!(
            found.iter().any(|t| t.starts_with("Housing cooperatives")),
            "{q}: {found:?}"
        );
    }
    let page = get_json(&server, "/api/v1/works?q=economie%20solidaire&source=hal");
    assert!(
        titles(&page)
            .iter()
            .any(|t| t.starts_with("Économie sociale"))
    );
    // Phrase and field queries.
    let page = get_json(
        &server,
        "/api/v1/works?q=%22monnaies%20locales%22&source=hal",
    );
    assert_eq!(
        titles(&page),
        ["La finance solidaire et les monnaies locales"]
    );
    let page = get_json(&server, "/api/v1/works?q=author:smith");
    assert_eq!(
        titles(&page),
        ["Housing cooperatives and community land trusts"]
    );

    // Filters, each checked against the items' own fields.
    let check = |query: &str, test: &dyn Fn(&Value) -> bool| {
        let page = get_json(&server, &format!("/api/v1/works?{query}&limit=100"));
        let items = page["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{query}: nothing");
        assert!(items.iter().all(test), "{query}: {items:#?}");
        assert_eq!(
            items.len(),
            (page["total"].as_u64().unwrap() as usize).min(100)
        );
    };
    check("type=masters-dissertation", &|w| {
        w["type"] == "masters-dissertation"
    });
    check("year_from=2016&year_to=2018", &|w| {
        (2016..=2018).contains(&w["year"].as_i64().unwrap_or(0))
    });
    check("language=en", &|w| w["language"] == "en");
    check("region=FR-OCC", &|w| {
        w["regions"].as_array().unwrap().contains(&json!("FR-OCC"))
    });
    check("source=generated", &|w| {
        w["sources"] == json!(["generated"])
    });
    check("theme=cooperatives", &|w| {
        w["themes"]
            .as_array()
            .unwrap()
            .contains(&json!("cooperatives"))
    });
    check("access=open&source=hal", &|w| w["access"] == "open");

    // Facets are counted when asked, and only those asked.
    let plain = get_json(&server, "/api/v1/works?limit=1");
    assert_eq!(plain["facets"], json!({}), "none by default");
    assert_eq!(plain["total_exact"], true, "few works are counted");
    let everything = get_json(
        &server,
        "/api/v1/works?limit=1&facets=type,region,institution",
    );
    assert_eq!(
        everything["facets"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["institution", "region", "type"]
    );
    let total = everything["total"].as_u64().unwrap();
    assert_eq!(total, plain["total"].as_u64().unwrap());
    assert!(total > 100, "{total}");
    let types: u64 = everything["facets"]["type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .sum();
    assert_eq!(types, total);
    let regions = everything["facets"]["region"].as_array().unwrap();
    let occitanie = regions.iter().find(|f| f["value"] == "FR-OCC").unwrap();
    let in_occitanie = get_json(&server, "/api/v1/works?limit=1&region=FR-OCC");
    assert!(occitanie["count"].as_u64().unwrap() > 0);
    assert_eq!(
        occitanie["count"], in_occitanie["total"],
        "the facet counts what the filter finds"
    );
    let institution = everything["facets"]["institution"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    check(&format!("institution={}", url_encode(&institution)), &|w| {
        w["institution"] == institution.as_str()
    });

    // Cursor paging: every work exactly once, in each order.
    for sort in ["relevance", "date_asc", "date_desc"] {
        let found = all_ids(&server, &format!("sort={sort}&limit=7"));
        let unique: BTreeSet<&String> = found.iter().collect();
        assert_eq!(unique.len(), found.len(), "{sort}: a work came twice");
        assert_eq!(found.len() as u64, total, "{sort}");
    }
    let found = all_ids(&server, "q=cooperatives&limit=2");
    assert_eq!(
        found.len() as u64,
        get_json(&server, "/api/v1/works?q=cooperatives")["total"]
            .as_u64()
            .unwrap()
    );

    // Stats agree with the search.
    let stats = get_json(&server, "/api/v1/stats");
    assert_eq!(stats["works"].as_u64().unwrap(), total);
    assert!(!stats["by_theme"].as_array().unwrap().is_empty());
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// CSV exports copy the row stored with each work instead of decoding it (issue 16): the rows
/// must be exactly what formatting the works gives, as `essor export` (which formats every work
/// from the store) writes them.
#[test]
fn csv_export_copies_the_rows_stored_with_the_works() {
    let api = api();
    let formatted = api
        .workspace
        .run(&["export", "--format", "csv"])
        .success()
        .stdout;
    let server = spawn_app_with(&api.workspace, |settings| {
        settings.limits = limit_config(1000, 200, vec![]);
    });
    let exported = server.get("/api/v1/works/export?format=csv");
    assert_eq!(exported.status, 200);
    // The server lists in the index's order, the command in id order: compare the rows sorted.
    let rows = |text: &str| -> Vec<String> {
        let mut rows: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
        rows.sort();
        rows
    };
    let (exported, formatted) = (rows(&exported.text()), rows(&formatted));
    assert!(exported.len() > 120, "{} rows", exported.len());
    assert_eq!(exported, formatted);
}

#[test]
fn exports_parse_back_with_real_parsers() {
    let api = api();
    let server = spawn_app_with(&api.workspace, |settings| {
        settings.limits = limit_config(1000, 200, vec![]);
    });
    let expected: BTreeSet<String> = all_ids(&server, "source=generated&limit=100")
        .into_iter()
        .collect();
    let response = server.get("/api/v1/works/export?format=csv&source=generated");
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").starts_with("text/csv"));
    assert!(
        response
            .header("content-disposition")
            .contains("essor-works.csv")
    );
    let csv_file = api.workspace.dir.path().join("export.csv");
    std::fs::write(&csv_file, &response.body).unwrap();
    // Python's csv module: the reader a data journalist's script uses.
    let output = std::process::Command::new(python())
        .args([
            "-c",
            "import csv, json, sys\n\
             rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8-sig')))\n\
             print(json.dumps([{'id': r['id'], 'title': r['title'], 'authors': r['authors']} for r in rows]))",
        ])
        .arg(&csv_file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let exported: BTreeSet<String> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(exported, expected);
    assert!(
        rows.iter()
            .all(|r| !r["title"].as_str().unwrap().is_empty())
    );

    let jsonl = server
        .get("/api/v1/works/export?format=jsonl&source=generated")
        .text();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len());
    let ris = server
        .get("/api/v1/works/export?format=ris&source=generated")
        .text();
    assert_eq!(ris.matches("\r\nER  - ").count(), expected.len());
    let bibtex = server
        .get("/api/v1/works/export?format=bibtex&source=generated")
        .text();
    assert_eq!(bibtex.matches("\r\n@").count() + 1, expected.len());
    let bad = server.get("/api/v1/works/export?format=xlsx");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), "application/problem+json");
}

#[test]
fn http_hygiene_problems_etags_redirects_and_rate_limits() {
    let api = api();
    let server = spawn_app_with(&api.workspace, |settings| {
        settings.limits = limit_config(2, 200, vec!["secret-key".into()]);
    });
    let keyed = |path: &str| server.request("GET", path, &[("X-API-Key", "secret-key")], None);
    // Problem details a person can act on.
    let response = keyed("/api/v1/works?year_from=abc");
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), "application/problem+json");
    let problem = response.json();
    assert_eq!(
        problem["type"],
        "https://essor.eu/problems/invalid-parameter"
    );
    assert_eq!(
        problem["detail"],
        "`year_from` must be a year like 2015, got `abc`"
    );
    assert_eq!(problem["parameter"], "year_from");
    // A query the syntax cannot read is searched as its words; only an over-long one is refused.
    let response = keyed("/api/v1/works?q=title:(unclosed");
    assert_eq!(response.status, 200, "{}", response.text());
    let response = keyed(&format!("/api/v1/works?q={}", "mot+".repeat(300)));
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(
        response.json()["type"],
        "https://essor.eu/problems/invalid-query"
    );
    // Unknown ids, unknown routes.
    assert_eq!(keyed("/api/v1/works/w99999999").status, 404);
    assert_eq!(keyed("/api/v1/sources/nope").status, 404);
    assert_eq!(
        keyed("/api/v1/nowhere").header("content-type"),
        "application/problem+json"
    );
    // A work, then 304 when the client has it.
    let first = keyed("/api/v1/works?limit=1").json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = keyed(&format!("/api/v1/works/{first}"));
    assert_eq!(response.status, 200);
    let work = response.json();
    assert_eq!(work["id"], first.as_str());
    assert!(
        work["fields"]["title"]["sources"].is_array(),
        "per-field provenance: {work}"
    );
    let etag = response.header("etag").to_owned();
    assert!(!etag.is_empty());
    let again = server.request(
        "GET",
        &format!("/api/v1/works/{first}"),
        &[("X-API-Key", "secret-key"), ("If-None-Match", &etag)],
        None,
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // CORS for any origin.
    let cors = server.request(
        "GET",
        "/api/v1/sources",
        &[
            ("Origin", "https://example.org"),
            ("X-API-Key", "secret-key"),
        ],
        None,
    );
    assert_eq!(cors.header("access-control-allow-origin"), "*");
    // Sources with counts and last harvest.
    let sources = keyed("/api/v1/sources").json();
    let hal = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "hal")
        .unwrap();
    assert_eq!(hal["counts"]["records"], 4);
    assert_eq!(hal["last_harvest"]["status"], "complete");
    // Rate limit: 2/s with bursts of 4 per IP; a key has its own, higher quota.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(server.get("/api/v1/sources"));
    }
    let limited = statuses
        .iter()
        .find(|r| r.status == 429)
        .expect("a burst of anonymous requests is limited");
    assert!(limited.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert_eq!(limited.header("ratelimit-remaining"), "0");
    assert_eq!(
        limited.json()["type"],
        "https://essor.eu/problems/rate-limited"
    );
    assert_eq!(keyed("/api/v1/sources").status, 200);
    // Metrics count what was answered.
    let metrics = server.get("/metrics").text();
    assert!(metrics.contains(
        "essor_http_requests_total{route=\"/api/v1/sources\",method=\"GET\",status=\"429\"}"
    ));
    // The docs and the contract are served.
    assert_eq!(server.get("/docs/").status, 200);
    let served = server.get("/openapi.json").json();
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn the_checked_in_openapi_document_is_the_generated_one() {
    let workspace = Workspace::new();
    let generated = workspace.run(&["openapi"]).success().stdout;
    let path = crate::common::project_root().join("openapi/essor.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "openapi/essor.json differs from `essor openapi`: regenerate it with\n  cargo run -- openapi > openapi/essor.json"
    );
}

/// The published JSON, pinned (another shape of the same data is a contract change): a work, a
/// search page with its facets, the sources, one source, the stats, and problem documents.
/// What changes from run to run (datestamps, harvest times, the peer's port) is redacted.
#[test]
fn rest_json_shapes_are_pinned_by_snapshots() {
    let api = harvested(false);
    let server = spawn_app_with(&api.workspace, |settings| {
        settings.limits = limit_config(1000, 200, vec![]);
    });
    let volatile = [
        ("datestamp", "[time]"),
        ("started_at", "[time]"),
        ("finished_at", "[time]"),
        ("until", "[time]"),
        ("base_url", "[peer]"),
    ];
    let snapshot = |path: &str, status: u16, content_type: &str| {
        let response = server.get(path);
        assert_eq!(response.status, status, "{path}: {}", response.text());
        assert_eq!(response.header("content-type"), content_type, "{path}");
        json_snapshot(&response.text(), &volatile)
    };
    let json = "application/json";
    let page = "/api/v1/works?source=hal&sort=date_desc&limit=2\
                &facets=type,year,theme,region,institution,language";
    insta::assert_snapshot!("search_page", snapshot(page, 200, json));
    let all = get_json(&server, "/api/v1/works?source=hal&limit=100");
    let work = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|work| work["title"] == "Les coopératives d'habitants en Occitanie")
        .expect("the work of oai:HAL:tel-1");
    let path = format!("/api/v1/works/{}", work["id"].as_str().unwrap());
    insta::assert_snapshot!("work", snapshot(&path, 200, json));
    insta::assert_snapshot!("sources", snapshot("/api/v1/sources", 200, json));
    insta::assert_snapshot!("source", snapshot("/api/v1/sources/hal", 200, json));
    insta::assert_snapshot!("stats", snapshot("/api/v1/stats", 200, json));
    let problem = "application/problem+json";
    for (name, path, status) in [
        (
            "problem_invalid_parameter",
            "/api/v1/works?year_from=abc",
            400,
        ),
        ("problem_unknown_work", "/api/v1/works/w99999999", 404),
        ("problem_unknown_source", "/api/v1/sources/nope", 404),
        ("problem_unknown_route", "/api/v1/nowhere", 404),
    ] {
        insta::assert_snapshot!(name, snapshot(path, status, problem));
    }
}
