//! The feed's stored records (issue 16): a ListRecords page copies each work's record as it was
//! rendered when the work was written, its holes filled with this server's settings (repository
//! identifier, sources' base URLs). The copy must be exactly what rendering the work gives:
//! GetRecord still renders it, so each listed record is compared with its GetRecord.

use crate::common::app::{TestApp, spawn_app_with};
use crate::common::served::assert_valid_text;
use crate::common::{Peer, Workspace, make_records, oai_source};

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

#[test]
fn listed_records_are_byte_for_byte_the_records_rendered_from_the_works() {
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    make_records(&records_file, 90, 11);
    let peer = Peer::pyoai_server(&records_file, 50);
    workspace.write_source(
        "hal",
        &oai_source("HAL (test)", &peer.url("/oai"), "role = \"open-archive\""),
    );
    workspace.harvest("hal").success();
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
