//! essor as an OAI-PMH 2.0 data provider, over HTTP: the server (in-process, port 0) over works
//! harvested from a real pyoai server, harvested in turn by real clients nobody here wrote (Sickle 0.7,
//! oaipmh-scythe 0.16) and by essor's own harvester. Every response the tests see is validated
//! against the official OAI-PMH schemas and ours (ETD-MS 1.1, essor's `about`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::common::app::{TestApp, spawn_app, spawn_app_with};
use crate::common::served::{assert_valid, assert_valid_text, client_harvest};
use crate::common::{
    Peer, Workspace, dc_record, make_records, now_datestamp, oai_source, read_records,
    write_records,
};
use serde_json::{Value, json};

/// A workspace whose store holds the works of `count` records harvested from a pyoai server.
struct Corpus {
    workspace: Workspace,
    records_file: PathBuf,
    peer: Peer,
}

fn corpus(count: usize) -> Corpus {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    make_records(&records_file, count, 7);
    let peer = Peer::pyoai_server(&records_file, 50);
    workspace.write_source(
        "hal",
        &oai_source("HAL (test)", &peer.url("/oai"), "role = \"open-archive\""),
    );
    workspace.harvest("hal").success();
    Corpus {
        workspace,
        records_file,
        peer,
    }
}

fn oai_id(work: &str) -> String {
    format!("oai:essor.local:{work}")
}

fn identifiers(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["identifier"].as_str().unwrap().to_owned())
        .collect()
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// The text of every `<tag>…</tag>` in a document.
fn texts_of(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            found.push(String::new());
            rest = &after[gt + 1..];
            continue;
        }
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        found.push(body[..end].to_owned());
        rest = &body[end + close.len()..];
    }
    found
}

fn error_code(xml: &str) -> Option<String> {
    let at = xml.find("<error code=\"")? + "<error code=\"".len();
    Some(xml[at..].split('"').next()?.to_owned())
}

/// Replaces what changes from run to run (dates, tokens, ports) so snapshots compare.
fn redact(xml: &str) -> String {
    let mut out = xml.to_owned();
    for tag in ["responseDate", "datestamp", "earliestDatestamp"] {
        out = replace_between(&out, &format!("<{tag}>"), &format!("</{tag}>"), "[date]");
    }
    for attribute in ["harvestDate", "expirationDate"] {
        out = replace_between(&out, &format!("{attribute}=\""), "\"", "[date]");
    }
    out = replace_between(&out, "cursor=\"0\">", "</resumptionToken>", "[token]");
    // One element per line, so that a snapshot diff shows what changed.
    replace_between(&out, "http://127.0.0.1:", "/", "[port]").replace("><", ">\n<")
}

/// `xml` with its resumptionToken's text left out: two requests for the same page a second apart
/// get tokens of different expiry.
fn without_token(xml: &str) -> String {
    let Some((head, rest)) = xml.split_once("<resumptionToken") else {
        return xml.to_owned();
    };
    let Some((attributes, rest)) = rest.split_once('>') else {
        return xml.to_owned();
    };
    match rest.split_once("</resumptionToken>") {
        Some((_, tail)) if !attributes.ends_with('/') => {
            format!("{head}<resumptionToken{attributes}>[token]</resumptionToken>{tail}")
        }
        _ => xml.to_owned(),
    }
}

fn replace_between(text: &str, start: &str, end: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at + start.len()]);
        let after = &rest[at + start.len()..];
        match after.find(end) {
            Some(stop) => {
                out.push_str(with);
                rest = &after[stop..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------

#[test]
fn sickle_and_scythe_harvest_every_work_in_both_formats_and_every_page_is_valid() {
    let corpus = corpus(230);
    let works = corpus.workspace.works();
    let expected: BTreeSet<String> = works
        .iter()
        .map(|w| oai_id(w["id"].as_str().unwrap()))
        .collect();
    assert!(expected.len() > 200, "{} works", expected.len());
    let doctoral: BTreeSet<String> = works
        .iter()
        .filter(|w| w["type"] == "doctoral-thesis")
        .map(|w| oai_id(w["id"].as_str().unwrap()))
        .collect();
    let titles: BTreeMap<String, String> = works
        .iter()
        .map(|w| {
            let id = oai_id(w["id"].as_str().unwrap());
            (id, w["title"].as_str().unwrap_or("").to_owned())
        })
        .collect();

    let server = spawn_app_with(&corpus.workspace, |settings| settings.feed.page_size = 40);
    let saved = tempfile::tempdir().unwrap();
    for (client, prefix) in [
        ("sickle", "oai_dc"),
        ("scythe", "etdms"),
        ("sickle", "etdms"),
        ("scythe", "oai_dc"),
    ] {
        let dir = saved.path().join(format!("{client}-{prefix}"));
        let harvest = client_harvest(client, &server.base_url(), prefix, &[], &dir);
        let got = identifiers(&harvest.items);
        let unique: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            got.len(),
            "{client} {prefix}: an item came twice"
        );
        assert_eq!(
            unique, expected,
            "{client} {prefix}: not the works of essor export"
        );
        assert_eq!(harvest.pages, expected.len().div_ceil(40) as u64);
        for item in &harvest.items {
            let id = item["identifier"].as_str().unwrap();
            assert_eq!(item["deleted"], false);
            assert_eq!(item["title"].as_str(), Some(titles[id].as_str()), "{id}");
        }
    }
    let dir = saved.path().join("scythe-identifiers");
    let headers = client_harvest(
        "scythe",
        &server.base_url(),
        "oai_dc",
        &["--verb", "ListIdentifiers"],
        &dir,
    );
    assert_eq!(
        identifiers(&headers.items)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        expected
    );
    let dir = saved.path().join("sickle-set");
    let in_set = client_harvest(
        "sickle",
        &server.base_url(),
        "oai_dc",
        &["--set", "type:doctoral-thesis"],
        &dir,
    );
    assert!(!doctoral.is_empty());
    assert_eq!(
        identifiers(&in_set.items)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        doctoral
    );
    for item in &in_set.items {
        let sets: Vec<&str> = item["sets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(sets.contains(&"type:doctoral-thesis"), "{item}");
        assert!(sets.contains(&"source:hal"), "{item}");
    }

    let mut files = Vec::new();
    for entry in std::fs::read_dir(saved.path()).unwrap() {
        files.extend(xml_files(&entry.unwrap().path()));
    }
    assert!(files.len() > 20, "{} pages saved", files.len());
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    assert_valid(&refs);
    drop(corpus.peer);
}

#[test]
fn each_verb_and_each_error_answers_as_the_protocol_says() {
    let corpus = corpus(12);
    let server = spawn_app_with(&corpus.workspace, |settings| settings.feed.page_size = 5);
    let first = oai_id("w00000001");
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        ("identify", "verb=Identify".into(), None),
        (
            "list_metadata_formats",
            "verb=ListMetadataFormats".into(),
            None,
        ),
        (
            "list_metadata_formats_item",
            format!("verb=ListMetadataFormats&identifier={first}"),
            None,
        ),
        ("list_sets", "verb=ListSets".into(), None),
        (
            "get_record_oai_dc",
            format!("verb=GetRecord&identifier={first}&metadataPrefix=oai_dc"),
            None,
        ),
        (
            "get_record_etdms",
            format!("verb=GetRecord&identifier={first}&metadataPrefix=etdms"),
            None,
        ),
        (
            "list_identifiers_first_page",
            "verb=ListIdentifiers&metadataPrefix=oai_dc".into(),
            None,
        ),
        ("no_verb", String::new(), Some("badVerb")),
        ("unknown_verb", "verb=Harvest".into(), Some("badVerb")),
        (
            "repeated_verb",
            "verb=Identify&verb=ListSets".into(),
            Some("badVerb"),
        ),
        (
            "illegal_argument",
            "verb=Identify&metadataPrefix=oai_dc".into(),
            Some("badArgument"),
        ),
        (
            "repeated_argument",
            "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=etdms".into(),
            Some("badArgument"),
        ),
        (
            "missing_prefix",
            "verb=ListRecords".into(),
            Some("badArgument"),
        ),
        (
            "mixed_granularity",
            "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2030-01-01T00:00:00Z"
                .into(),
            Some("badArgument"),
        ),
        (
            "bad_date",
            "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2020-13-01".into(),
            Some("badArgument"),
        ),
        (
            "from_after_until",
            "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01".into(),
            Some("badArgument"),
        ),
        (
            "token_with_other_arguments",
            "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc".into(),
            Some("badArgument"),
        ),
        (
            "forged_token",
            "verb=ListRecords&resumptionToken=eyJyZWNvcmRzIjp0cnVlfQ.AAAAAAAAAAAAAAAAAAAAAA".into(),
            Some("badResumptionToken"),
        ),
        (
            "list_sets_token",
            "verb=ListSets&resumptionToken=abc".into(),
            Some("badResumptionToken"),
        ),
        (
            "unknown_format",
            "verb=ListRecords&metadataPrefix=marc21".into(),
            Some("cannotDisseminateFormat"),
        ),
        (
            "unknown_format_get_record",
            format!("verb=GetRecord&identifier={first}&metadataPrefix=mods"),
            Some("cannotDisseminateFormat"),
        ),
        (
            "unknown_identifier",
            "verb=GetRecord&identifier=oai:essor.local:w99999999&metadataPrefix=oai_dc".into(),
            Some("idDoesNotExist"),
        ),
        (
            "foreign_identifier",
            "verb=ListMetadataFormats&identifier=oai:HAL:tel-01".into(),
            Some("idDoesNotExist"),
        ),
        (
            "nothing_after_from",
            "verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01".into(),
            Some("noRecordsMatch"),
        ),
        (
            "unknown_set",
            "verb=ListRecords&metadataPrefix=oai_dc&set=theme:astrophysics".into(),
            Some("noRecordsMatch"),
        ),
    ];
    for (name, query, expected_error) in cases {
        let xml = server.oai(&query);
        assert_valid_text(name, &xml);
        assert_eq!(
            error_code(&xml).as_deref(),
            expected_error,
            "{name}: {query}\n{xml}"
        );
        if matches!(expected_error, Some("badVerb" | "badArgument")) {
            assert!(
                xml.contains(&format!("<request>{}</request>", server.base_url())),
                "{name}: after badVerb/badArgument the request echoes the base URL only\n{xml}"
            );
        }
        insta::assert_snapshot!(name, redact(&xml));
    }
    // POST (form-encoded) answers as GET does.
    let response = server.request(
        "POST",
        "/oai",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(format!("verb=GetRecord&identifier={first}&metadataPrefix=oai_dc").as_bytes()),
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        redact(&response.text()),
        redact(&server.oai(&format!(
            "verb=GetRecord&identifier={first}&metadataPrefix=oai_dc"
        )))
    );
    // The base URL in Identify is the one the request was sent to.
    let identify = server.oai("verb=Identify");
    assert_eq!(texts_of(&identify, "baseURL"), [server.base_url()]);
    drop(corpus.peer);
}

#[test]
fn gzip_and_deflate_when_asked_healthz_and_a_closed_admin() {
    let corpus = corpus(30);
    let server = spawn_app(&corpus.workspace);
    let plain = server.oai("verb=ListRecords&metadataPrefix=oai_dc");
    for (encoding, decode) in [
        ("gzip", decode_gzip as fn(&[u8]) -> String),
        ("deflate", decode_deflate),
    ] {
        let response = server.request(
            "GET",
            "/oai?verb=ListRecords&metadataPrefix=oai_dc",
            &[("Accept-Encoding", encoding)],
            None,
        );
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-encoding"), encoding);
        assert!(response.body.len() < plain.len() / 2);
        assert_eq!(redact(&decode(&response.body)), redact(&plain));
    }
    // gzip is written beside the page (one piece, within the render limit): it honours a zero
    // quality, and another coding asked instead is still the response layer's.
    for (accept, expected) in [
        ("br;q=0.2, gzip;q=0.8", "gzip"),
        ("x-gzip", "gzip"),
        ("gzip;q=0, deflate", "deflate"),
        ("gzip; q=0", ""),
    ] {
        let response = server.request(
            "GET",
            "/oai?verb=ListRecords&metadataPrefix=oai_dc",
            &[("Accept-Encoding", accept)],
            None,
        );
        assert_eq!(response.status, 200, "{accept}");
        assert_eq!(response.header("content-encoding"), expected, "{accept}");
        let text = match expected {
            "gzip" => decode_gzip(&response.body),
            "deflate" => decode_deflate(&response.body),
            _ => String::from_utf8(response.body.clone()).unwrap(),
        };
        assert_eq!(redact(&text), redact(&plain), "{accept}");
    }
    let posted = server.request(
        "POST",
        "/oai",
        &[
            ("Accept-Encoding", "gzip"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(b"verb=Identify"),
    );
    assert_eq!(posted.header("content-encoding"), "gzip");
    assert!(decode_gzip(&posted.body).contains("<Identify>"));
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.get("/nowhere").status, 404);
    let refused = server.request("POST", "/admin/harvest", &[], None);
    assert_eq!(refused.status, 401);
    let wrong = server.request(
        "POST",
        "/admin/harvest",
        &[("Authorization", "Bearer not-the-token")],
        None,
    );
    assert_eq!(wrong.status, 401);
    drop(corpus.peer);
}

/// A gzip ListRecords page is spliced from records stored precompressed (issue 16; made in the
/// background from the plain ones, issue 17): each page of a walk, in both formats and in a
/// set, reads back as the plain page through flate2 and Python's gzip module (which check the
/// CRC-32 and the length) and is valid against the schemas.
#[test]
fn gzip_pages_spliced_from_precompressed_records_read_as_the_plain_pages() {
    let corpus = corpus(45);
    let server = spawn_app_with(&corpus.workspace, |settings| {
        settings.feed.page_size = 10;
        settings.feed.gzip_pages = essor::feed::GzipPages::Spliced;
    });
    wait_for_precompressed_records(&server, "verb=ListRecords&metadataPrefix=etdms");
    let saved = tempfile::tempdir().unwrap();
    let mut pages = 0;
    for first in [
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=etdms",
        "verb=ListRecords&metadataPrefix=oai_dc&set=source:hal",
    ] {
        let mut query = first.to_owned();
        loop {
            let plain = server.oai(&query);
            let body = gzip_body(&server, &query);
            // flate2's per-response compression marks its fastest level (XFL 4); a spliced page
            // has none.
            assert_eq!(body.get(8), Some(&0), "{query}: not spliced");
            let text = decode_gzip(&body);
            assert_eq!(
                redact(&without_token(&text)),
                redact(&without_token(&plain)),
                "{query}"
            );
            let gz = saved.path().join(format!("page-{pages:03}.xml.gz"));
            std::fs::write(&gz, &body).unwrap();
            assert_valid_text(&format!("page-{pages:03}"), &text);
            pages += 1;
            match text
                .split("<resumptionToken")
                .nth(1)
                .and_then(|rest| rest.split_once('>'))
                .and_then(|(_, rest)| rest.split_once("</resumptionToken>"))
            {
                Some((token, _)) if !token.is_empty() => {
                    query = format!("verb=ListRecords&resumptionToken={token}");
                }
                _ => break,
            }
        }
    }
    assert!(pages >= 12, "{pages} pages");
    let output = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import gzip, pathlib, sys\n\
             for path in sorted(pathlib.Path(sys.argv[1]).glob('*.xml.gz')):\n\
             \x20   text = gzip.decompress(path.read_bytes()).decode('utf-8')\n\
             \x20   assert text.endswith('</OAI-PMH>\\n') and text.count('<record>') > 0, path\n\
             print('read')",
        ])
        .arg(saved.path())
        .output()
        .expect("run python");
    assert!(
        output.status.success() && output.stdout.starts_with(b"read"),
        "Python's gzip: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(corpus.peer);
}

/// By default (`GzipPages::Auto`) a server with CPU to spare compresses each gzip page whole:
/// a lone harvester gets the smaller page; `Whole` does so always. Both read as the plain page.
#[test]
fn gzip_pages_compressed_whole_when_the_server_is_idle_are_smaller_than_spliced_ones() {
    let corpus = corpus(30);
    let query = "verb=ListRecords&metadataPrefix=oai_dc";
    let gzip_page = |pages: essor::feed::GzipPages| {
        let server = spawn_app_with(&corpus.workspace, |settings| {
            settings.feed.page_size = 20;
            settings.feed.gzip_pages = pages;
        });
        if pages == essor::feed::GzipPages::Spliced {
            wait_for_precompressed_records(&server, query);
        }
        let plain = server.oai(query);
        let body = gzip_body(&server, query);
        assert_eq!(redact(&decode_gzip(&body)), redact(&plain));
        body
    };
    let spliced = gzip_page(essor::feed::GzipPages::Spliced);
    for pages in [essor::feed::GzipPages::Auto, essor::feed::GzipPages::Whole] {
        let whole = gzip_page(pages);
        // flate2's fastest level marks XFL 4; a spliced page has none.
        assert_eq!(whole.get(8), Some(&4), "{pages:?}: not compressed whole");
        assert!(
            whole.len() * 2 < spliced.len(),
            "{pages:?}: {} bytes whole against {} spliced",
            whole.len(),
            spliced.len()
        );
    }
    drop(corpus.peer);
}

/// Waits until the server's gzip page for `query` is spliced: the precompressed records are
/// made in the background once the server listens (until then a page has none to splice and is
/// compressed whole).
fn wait_for_precompressed_records(server: &TestApp, query: &str) {
    let waited = std::time::Instant::now();
    while gzip_body(server, query).get(8) != Some(&0) && waited.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The server's gzip answer to `query`, as sent.
fn gzip_body(server: &TestApp, query: &str) -> Vec<u8> {
    let response = server.request(
        "GET",
        &format!("/oai?{query}"),
        &[("Accept-Encoding", "gzip")],
        None,
    );
    assert_eq!(response.header("content-encoding"), "gzip", "{query}");
    response.body
}

fn decode_gzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn decode_deflate(bytes: &[u8]) -> String {
    let mut text = String::new();
    if flate2::read::ZlibDecoder::new(bytes)
        .read_to_string(&mut text)
        .is_err()
    {
        text.clear();
        flate2::read::DeflateDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap();
    }
    text
}

/// Pages ListIdentifiers by hand: (identifiers and their deletion flag, next token).
fn identifiers_page(server: &TestApp, query: &str) -> (Vec<(String, bool)>, Option<String>) {
    let xml = server.oai(query);
    assert_valid_text("page", &xml);
    assert_eq!(error_code(&xml), None, "{query}: {xml}");
    let headers: Vec<(String, bool)> = xml
        .split("<header")
        .skip(1)
        .map(|h| {
            let id = texts_of(&format!("<header{h}"), "identifier")[0].clone();
            (id, h.starts_with(" status=\"deleted\""))
        })
        .collect();
    let token = texts_of(&xml, "resumptionToken")
        .pop()
        .filter(|t| !t.is_empty());
    (headers, token)
}

#[test]
fn tokens_survive_a_restart_forged_ones_are_refused_and_changes_during_paging_skip_nothing() {
    let corpus = corpus(120);
    let before: BTreeSet<String> = corpus
        .workspace
        .works()
        .iter()
        .map(|w| oai_id(w["id"].as_str().unwrap()))
        .collect();
    let server = spawn_app_with(&corpus.workspace, |settings| settings.feed.page_size = 20);
    let (page1, token1) = identifiers_page(&server, "verb=ListIdentifiers&metadataPrefix=oai_dc");
    let token1 = token1.expect("a token after the first page");
    // The token is all the state: a new server on the same store accepts it.
    drop(server);
    let server = spawn_app_with(&corpus.workspace, |settings| settings.feed.page_size = 20);
    let (page2, token2) = identifiers_page(
        &server,
        &format!("verb=ListIdentifiers&resumptionToken={token1}"),
    );
    let token2 = token2.expect("a token after the second page");
    // Altered tokens are refused.
    let mut altered = token2.clone().into_bytes();
    let middle = altered.len() / 3;
    altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let refused = server.oai(&format!("verb=ListIdentifiers&resumptionToken={altered}"));
    assert_eq!(error_code(&refused).as_deref(), Some("badResumptionToken"));
    // A ListIdentifiers token does not resume ListRecords.
    let refused = server.oai(&format!("verb=ListRecords&resumptionToken={token2}"));
    assert_eq!(error_code(&refused).as_deref(), Some("badResumptionToken"));

    // Works change while the client pages: records already listed and records not yet listed
    // are edited, some deleted, new ones added; the server harvests them itself.
    let delivered: BTreeSet<String> = page1.iter().chain(&page2).map(|(i, _)| i.clone()).collect();
    let mut records = read_records(&corpus.records_file);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let stamp = now_datestamp();
    for (index, record) in records.iter_mut().enumerate() {
        if index % 7 == 0 {
            record["dc"]["description"] = json!([format!("Résumé révisé {index}.")]);
            record["datestamp"] = json!(stamp);
        }
        if index % 23 == 5 {
            record["deleted"] = json!(true);
            record["datestamp"] = json!(stamp);
        }
    }
    let mut added = read_records(&corpus.records_file)[..3].to_vec();
    for (index, record) in added.iter_mut().enumerate() {
        record["identifier"] = json!(format!("oai:HAL:tel-0999999{index}v1"));
        record["dc"]["title"] = json!([format!(
            "Une thèse toute nouvelle sur les SCOP numéro {index}"
        )]);
        record["dc"]["creator"] = json!([format!("Nouvelle, Autrice{index}")]);
        // Copies of existing records: without their identifiers, which would make them members
        // of the works they were copied from.
        record["dc"]["identifier"] = json!([]);
        record["datestamp"] = json!(stamp);
    }
    records.extend(added);
    write_records(&corpus.records_file, &records);
    let outcome = server.harvest("hal");
    let changed = outcome["works"]["works_changed"].as_u64().unwrap()
        + outcome["works"]["works_deleted"].as_u64().unwrap();
    assert!(changed >= 15, "{outcome}");
    assert_eq!(outcome["works"]["works_created"], 3, "{outcome}");

    let mut seen: Vec<(String, bool)> = page1.into_iter().chain(page2).collect();
    let mut token = Some(token2);
    while let Some(current) = token {
        let (page, next) = identifiers_page(
            &server,
            &format!("verb=ListIdentifiers&resumptionToken={current}"),
        );
        seen.extend(page);
        token = next;
    }
    let seen_ids: BTreeSet<String> = seen.iter().map(|(i, _)| i.clone()).collect();
    let missing: Vec<&String> = before.difference(&seen_ids).collect();
    assert!(
        missing.is_empty(),
        "works skipped while paging: {missing:?}"
    );
    assert_eq!(
        seen_ids.len(),
        before.len() + 3,
        "the 3 new works are listed too"
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, _) in &seen {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    for (id, count) in counts {
        assert!(
            count == 1 || (count == 2 && delivered.contains(id)),
            "{id} listed {count} times: only a work listed before it changed may come again"
        );
    }
    let deleted: usize = seen.iter().filter(|(_, d)| *d).count();
    assert!(deleted >= 4, "deletions are listed as deleted headers");

    // Incremental: from the second of the change, exactly the works that changed.
    let mut recent = Vec::new();
    let mut query = format!("verb=ListIdentifiers&metadataPrefix=oai_dc&from={stamp}");
    loop {
        let (page, next) = identifiers_page(&server, &query);
        recent.extend(page);
        match next {
            Some(token) => query = format!("verb=ListIdentifiers&resumptionToken={token}"),
            None => break,
        }
    }
    assert_eq!(recent.len() as u64, changed + 3, "{outcome}");
    drop(corpus.peer);
}

#[test]
fn a_merged_away_work_answers_deleted_with_its_successor_and_essor_harvests_essor() {
    let workspace = Workspace::new();
    let file = |name: &str| workspace.dir.path().join(format!("{name}.json"));
    let thesis = |identifier: &str, title: &str, creator: &str, ids: &[&str]| {
        dc_record(
            identifier,
            "2026-11-01T10:00:00Z",
            json!({
                "title": [title], "creator": [creator], "date": ["2022"],
                "type": ["info:eu-repo/semantics/doctoralThesis"], "identifier": ids,
                "language": ["fr"], "subject": ["coopératives", "économie sociale et solidaire"],
                "description": [format!("Résumé de « {title} ».")],
            }),
        )
    };
    write_records(
        &file("english"),
        &[thesis(
            "oai:english:1",
            "Multi-stakeholder cooperatives and local public policies",
            "Durand, Lucie",
            &["NNT: 2022NANT0042"],
        )],
    );
    write_records(
        &file("french"),
        &[thesis(
            "oai:french:1",
            "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
            "Lucie Durand",
            &[],
        )],
    );
    write_records(&file("bridge"), &[]);
    let peers: Vec<Peer> = ["english", "french", "bridge"]
        .iter()
        .map(|name| Peer::pyoai_server(&file(name), 10))
        .collect();
    for (name, peer) in ["english", "french", "bridge"].iter().zip(&peers) {
        workspace.write_source(name, &oai_source(name, &peer.url("/oai"), ""));
    }
    workspace.harvest("english").success();
    workspace.harvest("french").success();
    let server = spawn_app(&workspace);
    // The server harvests the record that bridges the two works.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut bridge = thesis(
        "oai:bridge:2022NANT0042",
        "Les sociétés coopératives d'intérêt collectif et l'action publique locale",
        "Durand, Lucie",
        &["2022NANT0042"],
    );
    bridge["datestamp"] = json!(now_datestamp());
    write_records(&file("bridge"), &[bridge]);
    let outcome = server.harvest("bridge");
    assert_eq!(outcome["works"]["works_merged"], 1, "{outcome}");

    let list = server.oai("verb=ListRecords&metadataPrefix=oai_dc");
    assert_valid_text("merged", &list);
    let headers = texts_of(&list, "identifier");
    assert!(headers.contains(&oai_id("w00000001")) && headers.contains(&oai_id("w00000002")));
    let merged = server.oai(&format!(
        "verb=GetRecord&identifier={}&metadataPrefix=etdms",
        oai_id("w00000002")
    ));
    assert_valid_text("merged-away", &merged);
    assert!(merged.contains("<header status=\"deleted\">"), "{merged}");
    assert_eq!(texts_of(&merged, "successor"), [oai_id("w00000001")]);
    let survivor = server.oai(&format!(
        "verb=GetRecord&identifier={}&metadataPrefix=oai_dc",
        oai_id("w00000001")
    ));
    // The REST API redirects the merged-away id to the survivor.
    let moved = server.get("/api/v1/works/w00000002");
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), "/api/v1/works/w00000001");
    // One provenance block per member record, naming its repository.
    let origins = texts_of(&survivor, "baseURL");
    assert_eq!(origins.len(), 3, "{survivor}");
    for peer in &peers {
        assert!(origins.contains(&peer.url("/oai")), "{origins:?}");
    }

    // Round trip: essor's own harvester harvests this server, in both formats.
    let mirror = Workspace::new();
    for prefix in ["oai_dc", "etdms"] {
        let extra = format!("metadata_prefix = \"{prefix}\"");
        let source = oai_source("essor", &server.base_url(), "")
            .replace("metadata_prefix = \"oai_dc\"\n", "")
            + &extra;
        mirror.write_source(&format!("essor-{}", prefix.replace('_', "-")), &source);
    }
    mirror.run(&["harvest", "--quiet", "--all"]).success();
    for prefix in ["oai-dc", "etdms"] {
        let records = mirror.records(&format!("essor-{prefix}"));
        let live: Vec<&Value> = records.iter().filter(|r| r["deleted"] == false).collect();
        let deleted: Vec<&Value> = records.iter().filter(|r| r["deleted"] == true).collect();
        assert_eq!(live.len(), 1, "{prefix}: {records:#?}");
        assert_eq!(
            deleted.len(),
            1,
            "{prefix}: the merged-away id is a deletion"
        );
        let text = live[0].to_string();
        assert!(
            text.contains("2022NANT0042"),
            "{prefix}: the NNT survives: {text}"
        );
        assert!(text.contains("Durand"), "{prefix}: {text}");
    }
    drop(server);
    let original = workspace.works();
    let copied = mirror.works();
    assert_eq!(
        copied.len(),
        1,
        "the two formats of one work dedup into one: {copied:#?}"
    );
    assert_eq!(copied[0]["title"], original[0]["title"]);
    assert_eq!(copied[0]["year"], original[0]["year"]);
    assert_eq!(copied[0]["type"], original[0]["type"]);
    assert_eq!(copied[0]["authors"], original[0]["authors"]);
}
