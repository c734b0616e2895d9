//! The public virtual library's pages (`/`, `/search`, `/works/{id}`, `/about`), served
//! in-process over the bundled samples harvested by the real binary: what a reader sees in
//! French and English, the links they follow (facets, filters, pages, works, exports, the
//! language switch) followed for real, error pages for browsers, snapshots of the HTML.
//! Browsers, crawlers and checkers (Chromium, sitemaps, Atom, axe-core, the Nu Html Checker)
//! are in `web_browser`; the routes' edges (404, 405, a merged id's 301, a withdrawn work's
//! 410) in `web_routes`.

use std::collections::BTreeSet;

use crate::common::app::{Response, TestApp, spawn_app_with};
use crate::common::{Workspace, project_root};

/// The bundled samples' folder.
pub fn samples() -> std::path::PathBuf {
    project_root().join("harvest-sources/samples")
}

/// The samples harvested (`essor run`) into a workspace, and a server on them.
pub fn library() -> (Workspace, TestApp) {
    let workspace = Workspace::new();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_essor"));
    command
        .arg("--data")
        .arg(workspace.data())
        .arg("--sources")
        .arg(samples())
        .args(["--quiet", "run"])
        .env_remove("ESSOR_DATA")
        .env_remove("ESSOR_SOURCES");
    crate::common::Run::of(command, &["run"]).success();
    let server = spawn_app_with(&workspace, |settings| settings.sources_dir = samples());
    (workspace, server)
}

/// GET `path` as a browser asks (`Accept: text/html`), in `language` when given.
pub fn browse(server: &TestApp, path: &str, language: Option<&str>) -> Response {
    let mut headers = vec![("Accept", "text/html,application/xhtml+xml")];
    if let Some(language) = language {
        headers.push(("Accept-Language", language));
    }
    server.request("GET", path, &headers, None)
}

/// A 200 HTML page's text.
pub fn page(server: &TestApp, path: &str) -> String {
    let response = browse(server, path, None);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    assert_eq!(
        response.header("content-type"),
        "text/html; charset=utf-8",
        "{path}"
    );
    response.text()
}

/// Every `href` of `html`, entities decoded, in order.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
        .collect()
}

/// Text with askama's character references (`&#39;`, `&#38;`…) and the usual entities decoded.
pub fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|end| *end <= 8);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                _ => entity
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `content` of every `<meta name="{name}">` of `html`, decoded.
fn meta(html: &str, name: &str) -> Vec<String> {
    html.split(&format!("<meta name=\"{name}\" content=\""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(decode)
        .collect()
}

/// The hrefs of `html` that start with `prefix`.
pub fn links(html: &str, prefix: &str) -> Vec<String> {
    hrefs(html)
        .into_iter()
        .filter(|href| href.starts_with(prefix))
        .collect()
}

/// The text of the first `<strong>` after `marker`: the counts the pages show.
pub fn number_after(html: &str, marker: &str) -> u64 {
    let rest = html
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker}"));
    let strong = rest.split("<strong>").nth(1).unwrap_or("");
    strong
        .split("</strong>")
        .next()
        .unwrap_or("")
        .parse()
        .unwrap_or_else(|_| panic!("no number after {marker}"))
}

/// The page with what changes between runs redacted: the server's address, the harvest's
/// datestamps, work ids and paging cursors (the works are numbered in harvest order).
fn html_snapshot(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut at = 0;
    while at < html.len() {
        let rest = &html[at..];
        if let Some(after) = rest.strip_prefix("127.0.0.1:") {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str("[host]");
            at += "127.0.0.1:".len() + digits;
        } else if rest.len() >= 20
            && bytes[at..at + 4].iter().all(u8::is_ascii_digit)
            && rest.as_bytes()[4] == b'-'
            && rest.as_bytes()[10] == b'T'
            && rest.as_bytes()[19] == b'Z'
        {
            out.push_str("[datestamp]");
            at += 20;
        } else if rest.starts_with('w')
            && rest.len() >= 9
            && rest.as_bytes()[1..9].iter().all(u8::is_ascii_digit)
            && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric())
        {
            out.push_str("w[id]");
            at += 9;
        } else if let Some(after) = rest.strip_prefix("cursor=") {
            let token = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
                .count();
            out.push_str("cursor=[cursor]");
            at += "cursor=".len() + token;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

#[test]
fn home_and_about_in_french_and_english() {
    let (_workspace, server) = library();
    let stats = server.get("/api/v1/stats").json();

    let home = page(&server, "/");
    assert!(home.contains("<html lang=\"fr\""));
    assert!(home.contains("<label for=\"q\">"), "a labelled search box");
    assert_eq!(
        number_after(&home, "id=\"holdings\""),
        stats["works"].as_u64().unwrap(),
        "the works counted"
    );
    // Counts by type, theme and region lead to searches that find as many works.
    for (facet, key) in [
        ("by_type", "type"),
        ("by_theme", "theme"),
        ("by_region", "region"),
    ] {
        let first = &stats[facet][0];
        let value = first["value"].as_str().unwrap();
        let href = links(&home, &format!("/search?{key}="))
            .into_iter()
            .find(|href| href.ends_with(&format!("={}", value.replace(' ', "+"))))
            .unwrap_or_else(|| panic!("no link to {key}={value}"));
        let results = page(&server, &href);
        assert_eq!(
            number_after(&results, "class=\"total\""),
            first["count"].as_u64().unwrap(),
            "{href}"
        );
    }
    // The latest works, each page there.
    let latest = links(&home, "/works/");
    assert_eq!(latest.len(), 8, "{latest:?}");
    for href in &latest {
        page(&server, href);
    }
    assert!(!home.contains("/barometer/"), "no edition yet: no link");
    insta::assert_snapshot!("home_fr", html_snapshot(&home));

    // English: negotiated, or chosen in the URL and then kept by every link.
    let english = browse(&server, "/", Some("en-GB,en;q=0.9,fr;q=0.5"));
    assert!(english.text().contains("<html lang=\"en\""));
    assert_eq!(english.header("content-language"), "en");
    assert_eq!(english.header("vary"), "Accept-Language");
    let chosen = page(&server, "/?lang=en");
    assert!(chosen.contains("<html lang=\"en\""));
    assert!(chosen.contains("What the library holds"));
    for href in links(&chosen, "/") {
        if href.starts_with("/search") || href.starts_with("/works/") || href == "/about?lang=en" {
            assert!(href.contains("lang=en"), "{href} keeps the language");
        }
    }
    assert!(chosen.contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"));
    // The switch leads to the same page in the other language.
    let switch = links(&chosen, "/?")
        .into_iter()
        .find(|href| href.contains("lang=fr"))
        .expect("a switch to French");
    assert!(page(&server, &switch).contains("<html lang=\"fr\""));

    let about = page(&server, "/about?lang=en");
    assert!(about.contains(&server.base_url()), "the OAI-PMH base URL");
    assert!(about.contains("/docs/"));
    assert!(about.contains("About essor"));
    insta::assert_snapshot!("about_en", html_snapshot(&about));
    assert_eq!(server.get("/static/essor.css").status, 200);
}

#[test]
fn search_facets_filters_pages_highlights_and_exports() {
    let (_workspace, server) = library();
    let results = page(&server, "/search?q=coop%C3%A9ratives");
    let total = number_after(&results, "class=\"total\"");
    let api = server
        .get("/api/v1/works?q=coop%C3%A9ratives&limit=1")
        .json();
    assert_eq!(total, api["total"].as_u64().unwrap());
    assert!(total > 20, "enough to page: {total}");
    assert!(
        results.contains("<mark>coopératives</mark>")
            || results.contains("<mark>Coopératives</mark>")
    );

    // A facet link narrows the search to as many works as it said.
    let facet = results
        .split("<h3>Par type</h3>")
        .nth(1)
        .expect("the type facet");
    let href = links(facet, "/search?")[0].clone();
    let said: u64 = facet
        .split("class=\"count\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let narrowed = page(&server, &href);
    assert_eq!(number_after(&narrowed, "class=\"total\""), said, "{href}");
    assert!(narrowed.contains("Filtres actifs"));
    // Its active filter is lifted by its link.
    let remove = narrowed
        .split("class=\"chips\"")
        .nth(1)
        .map(|chips| links(chips, "/search")[0].clone())
        .unwrap();
    assert_eq!(
        number_after(&page(&server, &remove), "class=\"total\""),
        total
    );

    // Paging: the next pages hold other works, and all of them in the end.
    let mut seen = BTreeSet::new();
    let mut current = page(&server, "/search?q=coop%C3%A9ratives&sort=date_desc");
    loop {
        let works = links(&current, "/works/");
        assert!(!works.is_empty());
        for work in works {
            assert!(seen.insert(work.clone()), "{work} twice");
        }
        let Some(next) = current
            .split("aria-label=\"Pages de résultats\"")
            .nth(1)
            .and_then(|pager| {
                links(pager, "/search?")
                    .into_iter()
                    .find(|h| h.contains("cursor="))
            })
        else {
            break;
        };
        current = page(&server, &next);
    }
    assert_eq!(seen.len() as u64, total);

    // The export links give the whole result set.
    let csv = links(&results, "/api/v1/works/export?format=csv")[0].clone();
    let exported = server.get(&csv);
    assert_eq!(exported.status, 200);
    let text = exported.text();
    let rows = text.lines().count() as u64 - 1;
    assert!(rows >= total, "{rows} CSV lines for {total} works");
    let bibtex = links(&results, "/api/v1/works/export?format=bibtex")[0].clone();
    assert_eq!(
        server.get(&bibtex).text().matches("\n@").count() as u64 + 1,
        total
    );

    // Mistakes are pages that say what to change.
    let bad = browse(&server, "/search?year_from=abc", None);
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("year_from"), "{}", bad.text());
    // A query the syntax cannot read is searched as its words (issue 18); only an over-long
    // one is refused, with a page.
    let unclosed = browse(&server, "/search?q=title:(unclosed", None);
    assert_eq!(unclosed.status, 200, "{}", unclosed.text());
    let bad = browse(&server, &format!("/search?q={}", "mot+".repeat(300)), None);
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), "text/html; charset=utf-8");

    let first = page(
        &server,
        "/search?q=%22finance+solidaire%22&sort=date_asc&lang=en",
    );
    insta::assert_snapshot!("search_en", html_snapshot(&first));
}

#[test]
fn a_work_page_shows_every_field_and_its_sources() {
    let (_workspace, server) = library();
    let found = server
        .get("/api/v1/works?q=%22coop%C3%A9ratives+d%27habitants%22+Occitanie&type=doctoral-thesis&sort=date_asc&limit=1")
        .json();
    let id = found["items"][0]["id"].as_str().unwrap().to_owned();
    let work = server.get(&format!("/api/v1/works/{id}")).json();
    let html = page(&server, &format!("/works/{id}"));
    let fields = &work["fields"];
    assert!(html.contains(&format!(
        "<h1 lang=\"fr\">{}</h1>",
        fields["title"]["value"]["text"]
            .as_str()
            .unwrap()
            .replace('\'', "&#39;")
    )));
    for author in fields["authors"]["value"].as_array().unwrap() {
        assert!(html.contains(author["display"].as_str().unwrap()));
    }
    for identifier in fields["identifiers"].as_array().unwrap() {
        assert!(html.contains(identifier["value"]["value"].as_str().unwrap()));
    }
    for theme in fields["themes"].as_array().unwrap() {
        let href = format!("/search?theme={}", theme["theme"].as_str().unwrap());
        assert!(html.contains(&href), "{href}");
    }
    assert!(
        html.contains("https://theses.hal.science/"),
        "full-text links"
    );
    insta::assert_snapshot!("work_fr", html_snapshot(&html));

    // Google Scholar's tags, read back against the work.
    let title = fields["title"]["value"]["text"].as_str().unwrap();
    assert_eq!(meta(&html, "citation_title"), [title]);
    let cited: Vec<String> = fields["authors"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}, {}",
                a["family"].as_str().unwrap(),
                a["given"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(meta(&html, "citation_author"), cited);
    let date = &fields["date"]["value"];
    assert_eq!(
        meta(&html, "citation_publication_date"),
        [format!(
            "{}/{:02}/{:02}",
            date["year"],
            date["month"].as_u64().unwrap(),
            date["day"].as_u64().unwrap()
        )]
    );
    assert_eq!(
        meta(&html, "citation_dissertation_institution"),
        [fields["institution"]["value"].as_str().unwrap()]
    );
    assert_eq!(meta(&html, "citation_language"), ["fr"]);
    let pdf = meta(&html, "citation_pdf_url");
    assert!(pdf.len() == 1 && pdf[0].starts_with("https://"), "{pdf:?}");
    let canonical = server.url(&format!("/works/{id}"));
    assert_eq!(
        meta(&html, "citation_abstract_html_url"),
        [canonical.as_str()]
    );
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{canonical}\">")));
    assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
    // schema.org, read back.
    let ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let ld: serde_json::Value = serde_json::from_str(ld).expect("JSON-LD parses");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Thesis");
    assert_eq!(ld["name"], title);
    assert_eq!(ld["url"], canonical.as_str());
    assert_eq!(
        ld["author"][0]["familyName"],
        fields["authors"]["value"][0]["family"]
    );
    assert_eq!(
        ld["datePublished"].as_str().unwrap()[..4],
        date["year"].to_string()
    );
    assert_eq!(
        ld["sourceOrganization"]["name"],
        fields["institution"]["value"]
    );
    // Cite: the line, and the three files the page links to.
    let family = fields["authors"]["value"][0]["family"].as_str().unwrap();
    let line = html
        .split("class=\"cite\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .map(decode)
        .unwrap();
    assert!(
        line.contains(family) && line.contains(&format!("({})", date["year"])),
        "{line}"
    );
    assert!(line.contains(title), "{line}");
    let files = links(&html, &format!("/works/{id}/cite."));
    assert_eq!(files.len(), 3, "{files:?}");
    let bibtex = server.get(&files[0]);
    assert_eq!(
        bibtex.header("content-type"),
        "application/x-bibtex; charset=utf-8"
    );
    assert!(
        bibtex.text().starts_with("@phdthesis{"),
        "{}",
        bibtex.text()
    );
    assert!(bibtex.text().contains(family));
    let ris = server.get(&files[1]).text();
    assert!(ris.starts_with("TY  - THES"), "{ris}");
    let csl = server.get(&files[2]);
    assert_eq!(
        csl.header("content-type"),
        "application/vnd.citationstyles.csl+json; charset=utf-8"
    );
    let csl = csl.json();
    assert_eq!(csl[0]["type"], "thesis");
    assert_eq!(csl[0]["title"], title);
    assert_eq!(csl[0]["author"][0]["family"], family);
    assert_eq!(csl[0]["issued"]["date-parts"][0][0], date["year"]);
    assert_eq!(server.get(&format!("/works/{id}/cite.doc")).status, 404);

    // Unknown ids and paths: pages for browsers, problem documents for the API.
    let unknown = browse(&server, "/works/w99999999", Some("en"));
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("There is no work"));
    assert_eq!(unknown.header("content-type"), "text/html; charset=utf-8");
    let nowhere = browse(&server, "/nowhere", None);
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.text().contains("Page introuvable"));
    assert_eq!(
        server.get("/nowhere").header("content-type"),
        "application/problem+json"
    );
    let edition = browse(&server, "/barometer/2030-S1", None);
    assert_eq!(edition.status, 404);
    assert!(decode(&edition.text()).contains("Cette édition du baromètre n'existe pas"));
    assert_eq!(
        server.get("/barometer/2030-S1").header("content-type"),
        "application/problem+json"
    );
}

#[test]
fn sources_their_health_and_the_thesaurus() {
    let (_workspace, server) = library();
    let listed = page(&server, "/sources");
    let api = server.get("/api/v1/sources").json();
    let api = api.as_array().unwrap();
    assert_eq!(links(&listed, "/sources/").len(), api.len());
    for source in api {
        let id = source["id"].as_str().unwrap();
        let html = page(&server, &format!("/sources/{id}"));
        let records = source["counts"]["records"].as_u64().unwrap();
        assert_eq!(number_after(&html, "id=\"health\""), records, "{id}");
        assert!(decode(&html).contains(&format!("<h1>{}</h1>", source["name"].as_str().unwrap())));
        assert!(html.contains("<td>complete</td>"), "{id}: its last harvest");
        let works = links(&html, "/search?source=")[0].clone();
        let found = number_after(&page(&server, &works), "class=\"total\"");
        assert!(found > 0 && found <= records, "{id}: {found} works");
    }
    insta::assert_snapshot!("sources_fr", html_snapshot(&listed));
    let unknown = browse(&server, "/sources/nope", None);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("content-type"), "text/html; charset=utf-8");

    let themes = page(&server, "/themes?lang=en");
    let stats = server.get("/api/v1/stats").json();
    for theme in stats["by_theme"].as_array().unwrap() {
        let id = theme["value"].as_str().unwrap();
        let href = format!("/search?theme={id}&lang=en");
        let row = themes
            .split(&format!("<a href=\"{}\">", href.replace('&', "&#38;")))
            .nth(1)
            .unwrap_or_else(|| panic!("no row for {id}"));
        let count: u64 = row
            .split("class=\"number\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert_eq!(count, theme["count"].as_u64().unwrap(), "{id}");
    }
    assert!(themes.contains("Cooperatives"));
    insta::assert_snapshot!("themes_en", html_snapshot(&themes));
}
