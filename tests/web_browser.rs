//! The library's pages seen by the tools readers and crawlers use: `robots.txt`, the sitemaps
//! and the Atom feed of a search; rendered by headless Chromium (screenshots not blank), a
//! reader's visit clicked through over the DevTools protocol (search, facet, next page, work,
//! citation, language), axe-core with the keyboard (Tab, Enter, Tab), the Nu Html Checker, and
//! the README's demo (`essor run --serve`) run as a newcomer would, stopped with Ctrl-C. The
//! pages' content is tested in `web_pages`.

use crate::barometer_page::{chromium, png_byte_variety};
use crate::common::{Workspace, project_root};
use std::collections::BTreeSet;

use crate::web_pages::{browse, decode, library, links, number_after, page, samples};

#[test]
fn the_pages_render_in_chromium() {
    let (_workspace, server) = library();
    let profile = tempfile::tempdir().unwrap();
    let home = page(&server, "/");
    let work = links(&home, "/works/")[0].clone();
    for (name, path) in [
        ("home", "/".to_owned()),
        ("search", "/search?q=finance+solidaire".to_owned()),
        ("work", work),
        ("about", "/about?lang=en".to_owned()),
        ("sources", "/sources".to_owned()),
        ("themes", "/themes".to_owned()),
    ] {
        let shot = profile.path().join(format!("{name}.png"));
        chromium(
            &server.url(&path),
            &profile.path().join("profile"),
            &[&format!("--screenshot={}", shot.display())],
        );
        let png = std::fs::read(&shot).unwrap_or_else(|error| panic!("no screenshot: {error}"));
        let variety = png_byte_variety(&png);
        assert!(
            variety > 64,
            "{name}: the screenshot looks blank ({variety})"
        );
        let dom = chromium(
            &server.url(&path),
            &profile.path().join("profile"),
            &["--dump-dom"],
        );
        assert!(dom.contains("<main id=\"content\""), "{name}");
        assert_eq!(
            dom.matches("<script").count(),
            dom.matches("<script type=\"application/ld+json\">").count(),
            "{name}: no JavaScript"
        );
    }
}

/// A reader's visit clicked through in Chromium over the DevTools protocol
/// (`tests/peers/click_through.mjs`): home, a search typed and submitted with Enter, a facet
/// followed, the next page, a work opened, its BibTeX exported, the language switched; what
/// each page shows is checked, and each screenshot is not blank.
#[test]
fn a_reader_searches_follows_a_facet_pages_opens_a_work_cites_it_and_switches_language() {
    let (_workspace, server) = library();
    let shots = tempfile::tempdir().unwrap();
    let query = "économie solidaire";
    let output = std::process::Command::new("node")
        .arg(project_root().join("tests/peers/click_through.mjs"))
        .arg(server.url(""))
        .arg(query)
        .arg(shots.path())
        .output()
        .expect("node (tests/run.sh installs it)");
    assert!(
        output.status.success(),
        "click_through.mjs: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps: std::collections::BTreeMap<String, serde_json::Value> =
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .map(|step| (step["step"].as_str().unwrap().to_owned(), step))
            .collect();
    let step = |name: &str| -> &serde_json::Value {
        steps
            .get(name)
            .unwrap_or_else(|| panic!("no step {name}: {steps:#?}"))
    };
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let titles = |value: &serde_json::Value| -> Vec<String> {
        value["titles"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect()
    };

    assert_eq!(step("home")["lang"], "fr");
    let search = step("search");
    assert!(
        text(&search["url"]).contains("/search?q=%C3%A9conomie+solidaire"),
        "{search}"
    );
    assert_eq!(search["lang"], "fr", "the language is kept in the URL");
    assert!(text(&search["h1"]).contains(query), "{search}");
    let total = search["total"].as_u64().unwrap();
    assert!(total > 20, "more than a page: {search}");
    assert_eq!(titles(search).len(), 20);

    let facet = step("facet");
    assert!(
        text(&facet["url"]).contains("type=doctoral-thesis"),
        "{facet}"
    );
    let in_type = facet["total"].as_u64().unwrap();
    assert!(0 < in_type && in_type < total, "{facet}");
    assert_eq!(facet["active"][0], "Type : Thèse de doctorat", "{facet}");

    let next = step("next-page");
    assert!(text(&next["url"]).contains("cursor="), "{next}");
    assert_eq!(next["total"], in_type);
    assert_eq!(next["active"], facet["active"], "the filter is kept");
    let (first, second) = (titles(facet), titles(next));
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|title| !first.contains(title)),
        "the next page shows other works"
    );

    let work = step("work");
    assert!(text(&work["url"]).contains("/works/w"), "{work}");
    assert_eq!(
        work["h1"], work["clicked"],
        "the work opened is the one clicked"
    );
    assert_eq!(work["clicked"].as_str().unwrap(), second[0]);

    let citation = &step("citation")["citation"];
    assert_eq!(citation["status"], 200, "{citation}");
    assert!(text(&citation["href"]).ends_with("/cite.bib"), "{citation}");
    let bibtex = text(&citation["text"]);
    assert!(bibtex.starts_with('@'), "{bibtex}");
    assert!(
        bibtex.contains(&format!("title = {{{}}}", text(&work["h1"]))),
        "{bibtex}"
    );

    let english = step("language");
    assert_eq!(english["lang"], "en");
    assert!(text(&english["url"]).contains("lang=en"), "{english}");
    assert_eq!(english["h1"], work["h1"], "the same work");
    assert_ne!(english["active"], work["active"], "its themes in English");

    for (name, step) in &steps {
        let png = std::fs::read(text(&step["screenshot"])).unwrap();
        let variety = png_byte_variety(&png);
        assert!(
            variety > 64,
            "{name}: the screenshot looks blank ({variety})"
        );
    }
    assert_eq!(steps.len(), 7, "{steps:#?}");
}

/// axe-core's script: `$ESSOR_AXE` (tests/run.sh installs it), else where tests/run.sh puts it.
fn axe_script() -> std::path::PathBuf {
    std::env::var_os("ESSOR_AXE").map_or_else(
        || project_root().join(".node/node_modules/axe-core/axe.min.js"),
        std::path::PathBuf::from,
    )
}

#[test]
fn axe_finds_no_violation_and_the_keyboard_reaches_the_content() {
    let (_workspace, server) = library();
    let home = page(&server, "/");
    let work = links(&home, "/works/")[0].clone();
    let paths = [
        "/".to_owned(),
        "/?lang=en".to_owned(),
        "/search?q=coop%C3%A9ratives&type=doctoral-thesis".to_owned(),
        work,
        "/about".to_owned(),
        "/sources".to_owned(),
        "/sources/sample-hal-ess".to_owned(),
        "/themes?lang=en".to_owned(),
        "/works/w99999999".to_owned(),
    ];
    let script = axe_script();
    assert!(
        script.exists(),
        "no axe-core at {}: tests/run.sh installs it",
        script.display()
    );
    let output = std::process::Command::new("node")
        .arg(project_root().join("tests/peers/axe_check.mjs"))
        .arg(&script)
        .args(paths.iter().map(|path| server.url(path)))
        .output()
        .expect("node (tests/run.sh installs it)");
    assert!(
        output.status.success(),
        "axe_check.mjs: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(results.len(), paths.len(), "{stdout}");
    for result in &results {
        let url = result["url"].as_str().unwrap();
        assert!(result["passes"].as_u64().unwrap() > 10, "axe ran on {url}");
        // No violation at all (the issue asks for no serious or critical one).
        let violations = result["violations"].as_array().unwrap();
        assert!(violations.is_empty(), "{url}: {violations:#?}");
        // Tab reaches the skip link first, Enter takes the focus to the content, and the next
        // Tab stays in it, past the navigation.
        let focus = &result["focus"];
        assert_eq!(focus[0], "a:#content", "{url}: {focus}");
        assert_eq!(focus[1], "main#content", "{url}: {focus}");
        assert_eq!(result["in_content"], true, "{url}: {focus}");
    }
}

#[test]
fn the_readme_demo_harvests_the_samples_serves_them_and_stops_on_ctrl_c() {
    use std::io::BufRead;
    let workspace = Workspace::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_essor"))
        .arg("--data")
        .arg(workspace.data())
        .arg("--sources")
        .arg(samples())
        .args(["--quiet", "run", "--serve", "--listen", "127.0.0.1:0"])
        .env_remove("ESSOR_DATA")
        .env_remove("ESSOR_SOURCES")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn essor run --serve");
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    while !printed
        .iter()
        .any(|line: &String| line.starts_with("Ctrl-C"))
    {
        match receiver.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(line) => printed.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("the demo did not start: {printed:#?}");
            }
        }
    }
    let address = printed
        .iter()
        .find_map(|line| line.strip_prefix("listening on "))
        .expect("the address")
        .to_owned();
    assert!(
        printed.iter().any(|line| line.contains("sample-hal-ess")),
        "the harvest's summary"
    );
    for path in ["/", "/docs/", "/oai?verb=Identify"] {
        let url = format!("{address}{path}");
        assert!(
            printed.iter().any(|line| line.trim_end().ends_with(&url)),
            "{url} printed: {printed:#?}"
        );
        crate::common::app::http_get(&url);
    }
    let home = crate::common::app::http_get(&format!("{address}/"));
    assert!(
        String::from_utf8_lossy(&home).contains("/works/w"),
        "the samples' works"
    );
    // Ctrl-C: the server stops and exits 0.
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exited = crate::common::wait_with_timeout(child, std::time::Duration::from_secs(60))
        .expect("the demo stops on Ctrl-C");
    assert!(exited.status.success(), "{:?}", exited.status);
}

#[test]
fn the_pages_are_valid_html() {
    let (_workspace, server) = library();
    let home = page(&server, "/");
    let work = links(&home, "/works/")[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        ("home", "/".to_owned()),
        ("home-en", "/?lang=en".to_owned()),
        (
            "search",
            "/search?q=coop%C3%A9ratives&type=doctoral-thesis".to_owned(),
        ),
        ("search-empty", "/search?q=zzzzqqqq".to_owned()),
        ("work", work),
        ("about", "/about".to_owned()),
        ("sources", "/sources".to_owned()),
        ("source", "/sources/sample-hal-ess".to_owned()),
        ("themes", "/themes".to_owned()),
        ("not-found", "/works/w99999999".to_owned()),
        ("bad-request", "/search?year_from=abc".to_owned()),
    ];
    let mut files = Vec::new();
    for (name, path) in &paths {
        let response = browse(&server, path, None);
        assert!(response.status < 500, "{path}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &response.body).unwrap();
        files.push(file);
    }
    let vnu = std::env::var_os("ESSOR_VNU").map_or_else(
        || project_root().join(".node/node_modules/vnu-jar/build/dist/vnu.jar"),
        std::path::PathBuf::from,
    );
    assert!(
        vnu.exists(),
        "no vnu.jar at {}: tests/run.sh installs it",
        vnu.display()
    );
    let output = std::process::Command::new("java")
        .arg("-jar")
        .arg(&vnu)
        .args(["--format", "gnu"])
        .args(&files)
        .output()
        .expect("java (tests/run.sh installs it)");
    let messages = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && messages.trim().is_empty(),
        "the Nu Html Checker: {messages}"
    );
}

/// Checks that `xml` is well-formed with xmllint (which tests/run.sh installs).
fn well_formed(xml: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, xml).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg(&path)
        .output()
        .expect("xmllint (tests/run.sh installs it)");
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The text of every `<tag>` of `xml`.
fn elements(xml: &str, tag: &str) -> Vec<String> {
    xml.split(&format!("<{tag}>"))
        .skip(1)
        .filter_map(|rest| rest.split(&format!("</{tag}>")).next())
        .map(decode)
        .collect()
}

#[test]
fn crawlers_find_every_work_and_feeds_follow_a_search() {
    let (_workspace, server) = library();
    let robots = server.get("/robots.txt");
    assert_eq!(robots.status, 200);
    assert_eq!(robots.header("content-type"), "text/plain; charset=utf-8");
    let robots = robots.text();
    assert!(robots.contains(&format!("Sitemap: {}", server.url("/sitemap.xml"))));
    assert!(robots.contains("Disallow: /api/"));

    let index = server.get("/sitemap.xml");
    assert_eq!(
        index.header("content-type"),
        "application/xml; charset=utf-8"
    );
    let index = index.text();
    well_formed(&index, "sitemap.xml");
    let files = elements(&index, "loc");
    assert_eq!(
        files,
        [
            server.url("/sitemap-pages.xml"),
            server.url("/sitemap-works-0.xml")
        ]
    );
    let pages = server.get("/sitemap-pages.xml").text();
    well_formed(&pages, "sitemap-pages.xml");
    for location in elements(&pages, "loc") {
        let path = location.strip_prefix(&server.url("")).unwrap();
        page(&server, path);
    }
    let works = server.get("/sitemap-works-0.xml").text();
    well_formed(&works, "sitemap-works-0.xml");
    let listed: BTreeSet<String> = elements(&works, "loc").into_iter().collect();
    let exported = server.get("/api/v1/works/export?format=jsonl").text();
    let live: BTreeSet<String> = exported
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|work| server.url(&format!("/works/{}", work["id"].as_str().unwrap())))
        .collect();
    assert!(live.len() > 500);
    assert_eq!(listed, live, "every live work, once");
    assert_eq!(elements(&works, "lastmod").len(), live.len());
    assert_eq!(server.get("/sitemap-works-1.xml").status, 404);

    let results = page(&server, "/search?q=finance+solidaire");
    let total = number_after(&results, "class=\"total\"");
    let feed = links(&results, "/search/feed.atom?")[0].clone();
    assert!(results.contains("type=\"application/atom+xml\""));
    let atom = server.get(&feed);
    assert_eq!(
        atom.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let atom = atom.text();
    well_formed(&atom, "feed.atom");
    let entries = atom.matches("<entry>").count() as u64;
    assert_eq!(entries, total.min(50));
    let ids = elements(&atom, "id");
    let first = ids[1].strip_prefix(&server.url("")).unwrap();
    page(&server, first);
    let updated = elements(&atom, "updated");
    assert!(
        updated[1..].windows(1).all(|u| u[0] <= updated[0]),
        "{updated:?}"
    );
}
