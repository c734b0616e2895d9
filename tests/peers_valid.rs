//! The test peers themselves speak valid OAI-PMH: what they serve (outside the faults they inject
//! on purpose) validates against the official schemas (`schemas/validate-all.xsd` of the shared
//! fixtures) with xmllint. If a peer drifts, the harvest tests would prove nothing.

use std::path::Path;
use std::process::Command;

use crate::common::app::http_get;
use crate::common::{Peer, fixtures_dir, make_records};

fn validate(document: &[u8], what: &str) {
    let schema = fixtures_dir().join("schemas/validate-all.xsd");
    assert!(
        schema.is_file(),
        "{} is missing (set ESSOR_FIXTURES)",
        schema.display()
    );
    let file = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
    std::fs::write(file.path(), document).unwrap();
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file.path())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run xmllint ({error}); `bash tests/run.sh` installs it")
        });
    assert!(
        output.status.success(),
        "{what} does not validate:\n{}\n--- document\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&document[..document.len().min(3000)])
    );
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn resumption_token(document: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(document);
    let start = text.find("<resumptionToken")?;
    let rest = &text[start..];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return None;
    }
    let close = rest.find("</resumptionToken>")?;
    let token = rest[open_end + 1..close].trim();
    (!token.is_empty()).then(|| token.replace("&amp;", "&"))
}

/// Validates Identify and every ListRecords page of `base` (a path such as `/clean/oai`).
fn validate_list(peer: &Peer, base: &str, first_query: &str) -> usize {
    validate(
        &http_get(&peer.url(&format!("{base}?verb=Identify"))),
        &format!("{base} Identify"),
    );
    let mut query = first_query.to_owned();
    let mut pages = 0;
    loop {
        let page = http_get(&peer.url(&format!("{base}?{query}")));
        pages += 1;
        validate(&page, &format!("{base} ListRecords page {pages}"));
        match resumption_token(&page) {
            Some(token) => {
                query = format!(
                    "verb=ListRecords&resumptionToken={}",
                    percent_encode(&token)
                )
            }
            None => return pages,
        }
        assert!(pages < 100, "{base}: endless list");
    }
}

#[test]
fn fault_provider_serves_valid_oai_pmh_outside_its_faults() {
    let provider = Peer::fault_provider();
    for (scenario, pages) in [
        ("clean", 3),
        ("bom", 3),
        ("latin1", 3),
        ("windows-1252", 3),
        ("empty-final-token", 3),
        ("duplicate-id", 4),
        ("deleted", 3),
        ("no-records-match", 1),
    ] {
        let served = validate_list(
            &provider,
            &format!("/{scenario}/oai"),
            "verb=ListRecords&metadataPrefix=oai_dc",
        );
        assert_eq!(served, pages, "{scenario}");
    }
    // from/until filtering: only the records of that window.
    let page = http_get(&provider.url(
        "/clean/oai?verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-05T08:14:00Z&until=2026-01-05T08:21:00Z",
    ));
    validate(&page, "clean ListRecords from/until");
    assert_eq!(
        String::from_utf8_lossy(&page).matches("<record>").count(),
        2
    );
}

#[test]
fn pyoai_server_serves_valid_oai_pmh() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.json");
    let items = make_records(&records, 250, 3);
    let first_identifier = items[0]["identifier"].as_str().unwrap();
    let server = Peer::pyoai_server(Path::new(&records), 100);
    assert_eq!(
        validate_list(&server, "/oai", "verb=ListRecords&metadataPrefix=oai_dc"),
        3
    );
    validate_list(
        &server,
        "/oai",
        "verb=ListRecords&metadataPrefix=oai_dc&set=type:MEM",
    );
    for query in [
        "verb=ListMetadataFormats".to_owned(),
        "verb=ListSets".to_owned(),
        "verb=ListIdentifiers&metadataPrefix=oai_dc".to_owned(),
        format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            percent_encode(first_identifier)
        ),
        "verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01T00:00:00Z".to_owned(),
        "verb=ListRecords&metadataPrefix=marc21".to_owned(),
    ] {
        validate(&http_get(&server.url(&format!("/oai?{query}"))), &query);
    }
}
