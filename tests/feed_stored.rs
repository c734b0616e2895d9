//! The feed's stored records (issue 16): a ListRecords page copies each work's record as it was
//! rendered when the work was written, its holes filled with this server's settings (repository
//! identifier, sources' base URLs). The copy must be exactly what rendering the work gives:
//! GetRecord still renders it, so each listed record is compared with its GetRecord.

use crate::common::app::{TestApp, spawn_app_with};
use crate::common::served::assert_valid_text;
use crate::common::{
    Peer, Workspace, make_records, now_datestamp, oai_source, read_records, write_records,
};

/// Every `<tag>…</tag>` of `xml` (not nested), tags included.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let end = rest[start..].find(&close).expect("closed") + start + close.len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

fn between<'a>(xml: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = xml.find(start)? + start.len();
    let to = xml[from..].find(end)? + from;
    Some(&xml[from..to])
}

/// Every record of a ListRecords list in `prefix`, page after page, each page validated.
fn list_records(server: &TestApp, prefix: &str) -> Vec<String> {
    let mut records = Vec::new();
    let mut query = format!("verb=ListRecords&metadataPrefix={prefix}");
    loop {
        let xml = server.oai(&query);
        assert!(!xml.contains("<error"), "{query}: {xml}");
        assert_valid_text("page", &xml);
        records.extend(elements(&xml, "record").into_iter().map(str::to_owned));
        let token = xml
            .find("<resumptionToken ")
            .and_then(|at| between(&xml[at..], ">", "</resumptionToken>"));
        match token {
            Some(token) if !token.is_empty() => {
                query = format!("verb=ListRecords&resumptionToken={token}")
            }
            _ => return records,
        }
    }
}

/// A ListIdentifiers list walked from `query`: its first page's completeListSize and the headers
/// listed.
fn walk_headers(server: &TestApp, query: &str) -> (u64, usize) {
    let mut query = query.to_owned();
    let (mut size, mut listed) = (None, 0);
    loop {
        let xml = server.oai(&query);
        assert!(!xml.contains("<error"), "{query}: {xml}");
        listed += xml.matches("<header").count();
        let Some(at) = xml.find("<resumptionToken ") else {
            return (size.unwrap_or(listed as u64), listed);
        };
        let tag = &xml[at..];
        let stated: u64 = between(tag, "completeListSize=\"", "\"")
            .unwrap()
            .parse()
            .unwrap();
        size.get_or_insert(stated);
        match between(tag, ">", "</resumptionToken>").filter(|t| !t.is_empty()) {
            Some(token) => query = format!("verb=ListIdentifiers&resumptionToken={token}"),
            None => return (size.unwrap_or(listed as u64), listed),
        }
    }
}

/// A workspace whose source `hal` (a pyoai server of `count` generated records in the
/// workspace's `records.json`, returned to be kept alive) was harvested, works included.
fn harvested(count: usize, seed: u64) -> (Workspace, Peer) {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    make_records(&records_file, count, seed);
    let peer = Peer::pyoai_server(&records_file, 50);
    workspace.write_source(
        "hal",
        &oai_source("HAL (test)", &peer.url("/oai"), "role = \"open-archive\""),
    );
    workspace.harvest("hal").success();
    (workspace, peer)
}

#[test]
fn complete_list_sizes_stay_right_after_works_are_added_and_deleted() {
    let (workspace, peer) = harvested(60, 5);
    let records_file = workspace.dir.path().join("records.json");
    let server = spawn_app_with(&workspace, |settings| settings.feed.page_size = 10);
    let all = "verb=ListIdentifiers&metadataPrefix=oai_dc";
    let dated = "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01";
    let in_set = "verb=ListIdentifiers&metadataPrefix=oai_dc&set=source:hal&until=2999-01-01";
    let (works, listed) = walk_headers(&server, all);
    assert_eq!(works as usize, listed);
    assert!(works >= 50, "{works} works");
    for query in [dated, in_set, dated] {
        assert_eq!(walk_headers(&server, query), (works, listed), "{query}");
    }

    // Three records added, two deleted (their works stay listed, as deleted), one edited.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let stamp = now_datestamp();
    let mut records = read_records(&records_file);
    for index in [4, 9] {
        records[index]["deleted"] = serde_json::json!(true);
        records[index]["datestamp"] = serde_json::json!(stamp);
    }
    records[20]["dc"]["description"] = serde_json::json!(["Un résumé revu."]);
    records[20]["datestamp"] = serde_json::json!(stamp);
    let mut added = records[..3].to_vec();
    for (index, record) in added.iter_mut().enumerate() {
        record["identifier"] = serde_json::json!(format!("oai:HAL:tel-0888888{index}v1"));
        record["dc"]["title"] = serde_json::json!([format!("Une coopérative nouvelle {index}")]);
        record["dc"]["creator"] = serde_json::json!([format!("Neuve, Autrice{index}")]);
        record["dc"]["identifier"] = serde_json::json!([]);
        record["datestamp"] = serde_json::json!(stamp);
    }
    records.extend(added);
    write_records(&records_file, &records);
    let outcome = server.harvest("hal");
    assert_eq!(outcome["works"]["works_created"], 3, "{outcome}");
    let (after, listed) = walk_headers(&server, all);
    assert_eq!((after, listed), (works + 3, (works + 3) as usize));
    for query in [dated, in_set] {
        assert_eq!(walk_headers(&server, query), (after, listed), "{query}");
    }
    // From the second of the change: the works created, changed and deleted.
    let changed = ["works_created", "works_changed", "works_deleted"]
        .iter()
        .map(|key| outcome["works"][key].as_u64().unwrap())
        .sum::<u64>();
    assert!(changed >= 5, "{outcome}");
    let (recent, listed) = walk_headers(
        &server,
        &format!("verb=ListIdentifiers&metadataPrefix=oai_dc&from={stamp}"),
    );
    assert_eq!((recent, listed), (changed, changed as usize), "{outcome}");
    drop(peer);
}

#[test]
fn listed_records_are_byte_for_byte_the_records_rendered_from_the_works() {
    let (workspace, peer) = harvested(90, 11);
    // Not the default identifier: the stored records leave it as a hole.
    let server = spawn_app_with(&workspace, |settings| {
        settings.feed.page_size = 25;
        settings.feed.repository_identifier = "feed.example.org".into();
    });
    for prefix in ["oai_dc", "etdms"] {
        let records = list_records(&server, prefix);
        assert!(records.len() >= 80, "{prefix}: {} records", records.len());
        for record in &records {
            let identifier = between(record, "<identifier>", "</identifier>").unwrap();
            assert!(
                identifier.starts_with("oai:feed.example.org:w"),
                "{identifier}"
            );
            assert!(record.contains(&format!("<baseURL>{}</baseURL>", peer.url("/oai"))));
            let single = server.oai(&format!(
                "verb=GetRecord&metadataPrefix={prefix}&identifier={identifier}"
            ));
            let rendered = elements(&single, "record");
            assert_eq!(rendered, vec![record.as_str()], "{prefix} {identifier}");
        }
    }
    drop(peer);
}

/// An essor whose renderer changed opens a store whose records are another version's (1 M works
/// take minutes to render again): it listens at once and renders them in the background. The
/// old rows (here garbage a page or an export would show) are never served: pages and exports
/// are written from the works until the fill ends (held deterministically by the store's unit
/// test `stored_records_of_another_version_are_not_served_until_filled_again`; this small store
/// may be filled before the first request). Once rendered, the rows are this version's.
#[test]
fn records_of_another_version_are_rendered_again_in_the_background_never_served() {
    use essor::store::{FeedEntry, RecordKey, RecordOrigin, Store};
    let (workspace, peer) = harvested(60, 5);
    let current =
        essor::feed::Renderer::new(&essor::classify::Thesaurus::builtin().unwrap()).version();
    {
        let store = Store::open(&workspace.data()).unwrap();
        assert_eq!(store.feed_records_version().unwrap(), Some(current.clone()));
        let garbage =
            |_: &serde_json::Value, _: &FeedEntry, _: &[(RecordKey, Option<RecordOrigin>)]| {
                ["oai_dc", "oai_dc:gzip", essor::export::CSV_ROW_PREFIX]
                    .map(|prefix| (prefix, b"STALE ROW".to_vec()))
                    .to_vec()
            };
        let filled = store
            .fill_feed_records("0:an older essor", || false, |_| Vec::new(), garbage)
            .unwrap();
        assert!(filled >= 50, "{filled} works");
    }
    let export = |server: &TestApp| server.get("/api/v1/works/export?format=csv").text();
    let server = spawn_app_with(&workspace, |_| {});
    let listed = list_records(&server, "oai_dc");
    assert!(listed.len() >= 50, "{} records", listed.len());
    assert!(listed.iter().all(|record| !record.contains("STALE")));
    let csv = export(&server);
    assert!(!csv.contains("STALE"), "{csv}");
    drop(server);

    // Rendered again (the server stopped after the fill or during it: then the next start goes
    // on); the rows are this version's and read the same as the works.
    let mut rendered = false;
    for _ in 0..50 {
        let store = Store::open(&workspace.data()).unwrap();
        if store.feed_records_version().unwrap() == Some(current.clone()) {
            rendered = true;
            break;
        }
        drop(store);
        let server = spawn_app_with(&workspace, |_| {});
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(server);
    }
    assert!(rendered, "the feed records were not rendered again");
    let server = spawn_app_with(&workspace, |_| {});
    assert_eq!(list_records(&server, "oai_dc"), listed);
    assert_eq!(export(&server), csv);
    drop(peer);
}
