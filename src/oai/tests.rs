//! The page parser and crosswalks over every real response in `../shared/fixtures/oai/`.

use super::*;
use crate::test_support::fixtures_dir;
use crate::xml::{self, DecodeError};

fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join("oai").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (set ESSOR_FIXTURES)", path.display()))
}

fn load(name: &str) -> Page {
    let bytes = fixture(name);
    let decoded = xml::decode(&bytes, None).expect("decodes");
    parse_page(&decoded.text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn records(page: &Page) -> Vec<&HarvestedRecord> {
    page.items
        .iter()
        .filter_map(|i| match i {
            PageItem::Record(r) => Some(r),
            PageItem::Reject(_) => None,
        })
        .collect()
}

fn rejects(page: &Page) -> Vec<&RejectedRecord> {
    page.items
        .iter()
        .filter_map(|i| match i {
            PageItem::Reject(r) => Some(r),
            PageItem::Record(_) => None,
        })
        .collect()
}

#[test]
fn dspace_list_records_without_token_is_complete() {
    let page = load("dspace-mit-listrecords-oai_dc-set.xml");
    assert_eq!(records(&page).len(), 58);
    assert!(rejects(&page).is_empty());
    assert_eq!(page.next_token(), None);
    let first = records(&page)[0];
    assert!(first.identifier.starts_with("oai:dspace.mit.edu:"));
    assert_eq!(first.format, Some("oai_dc"));
    assert!(!first.record.as_ref().unwrap().titles.is_empty());
    // The stored raw metadata parses alone and maps to the same record.
    let (_, remapped) = crate::map::map_raw(first.raw.as_deref().unwrap()).unwrap();
    assert_eq!(Some(&remapped), first.record.as_ref());
}

#[test]
fn zenodo_pages_carry_tokens_and_deletions() {
    let first = load("zenodo-listrecords-oai_dc-page1-resumptiontoken.xml");
    let token = first.token.clone().unwrap();
    assert!(!token.value.is_empty());
    assert_eq!(token.cursor, Some(0));
    assert_eq!(token.complete_list_size, Some(8_091_628));
    assert!(token.expiration_date.is_some());

    let second = load("zenodo-listrecords-oai_dc-page2-resumptiontoken-with-deleted.xml");
    let deleted: Vec<_> = records(&second).into_iter().filter(|r| r.deleted).collect();
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].raw.is_none() && deleted[0].record.is_none());

    let last = load("zenodo-listrecords-oai_dc-from-resumed-last-page.xml");
    assert_eq!(records(&last).len(), 3);
    assert_eq!(last.next_token(), None);
}

#[test]
fn zenodo_double_escaped_html_stays_text() {
    let page = load("zenodo-listrecords-oai_dc-set-software.xml");
    assert_eq!(records(&page).len(), 50);
    let abstracts: Vec<&str> = records(&page)
        .iter()
        .flat_map(|r| {
            r.record
                .as_ref()
                .unwrap()
                .abstracts
                .iter()
                .map(|a| a.value.as_str())
        })
        .collect();
    assert!(
        abstracts
            .iter()
            .any(|a| a.contains("&lt;p&gt;") || a.contains("<p>"))
    );
}

#[test]
fn dspace_empty_final_tokens_end_the_list() {
    for name in [
        "dspace-mit-listidentifiers-set-page2-last-empty-token.xml",
        "dspace-mit-listsets-page10-last-empty-token.xml",
    ] {
        let page = load(name);
        let token = page.token.clone().expect("token element");
        assert_eq!(token.value, "");
        assert_eq!(
            token.complete_list_size,
            Some(171)
                .filter(|_| name.contains("identifiers"))
                .or(Some(966))
        );
        assert_eq!(page.next_token(), None, "{name}");
    }
    let page = load("dspace-mit-listsets-page1-resumptiontoken.xml");
    assert_eq!(page.next_token(), Some("////100"));
}

#[test]
fn hal_excerpt_maps_titles_in_two_languages_and_the_nnt() {
    let page = load("hal-listrecords-oai_dc-tel-thesis-excerpt-from-js.xml");
    let record = records(&page)[0];
    assert_eq!(record.identifier, "oai:HAL:tel-02955615v1");
    assert!(record.sets.contains(&"type:THESE".to_owned()));
    let mapped = record.record.as_ref().unwrap();
    let langs: Vec<_> = mapped
        .titles
        .iter()
        .filter_map(|t| t.lang.as_deref())
        .collect();
    assert!(langs.contains(&"fr") && langs.contains(&"en"), "{langs:?}");
    assert!(
        mapped.identifiers.iter().any(|i| i.contains("NNT")),
        "{:?}",
        mapped.identifiers
    );
    assert!(mapped.types.iter().any(|t| t.contains("doctoralThesis")));
    assert_eq!(page.next_token(), Some("AoFdi6ML"));
    // HAL declares namespaces on <metadata>: the stored raw record must still parse alone.
    crate::map::map_raw(record.raw.as_deref().unwrap()).expect("raw parses alone");
}

#[test]
fn get_record_responses_parse_including_deleted() {
    let page = load("dspace-mit-getrecord-oai_dc.xml");
    assert_eq!(records(&page).len(), 1);
    let page = load("dspace-mit-getrecord-deleted.xml");
    assert!(records(&page)[0].deleted);
    let page = load("zenodo-getrecord-oai_dc.xml");
    assert_eq!(records(&page)[0].identifier, "oai:zenodo.org:10357859");
    let page = load("dspace-mit-listrecords-deleted-only.xml");
    assert!(records(&page).iter().all(|r| r.deleted));
}

#[test]
fn oai_errors_are_read_with_their_codes() {
    let cases = [
        (
            "dspace-mit-getrecord-error-idDoesNotExist.xml",
            "idDoesNotExist",
        ),
        (
            "dspace-mit-listrecords-error-noRecordsMatch.xml",
            "noRecordsMatch",
        ),
        (
            "zenodo-listrecords-error-noRecordsMatch-http422.xml",
            "noRecordsMatch",
        ),
        (
            "zenodo-listrecords-error-badResumptionToken-http422.xml",
            "badResumptionToken",
        ),
        (
            "zenodo-listrecords-error-badArgument-unknown-prefix-http422.xml",
            "badArgument",
        ),
        (
            "zenodo-listsets-error-badResumptionToken-http422.xml",
            "badResumptionToken",
        ),
    ];
    for (name, code) in cases {
        let page = load(name);
        assert_eq!(
            page.errors.first().map(|e| e.code.as_str()),
            Some(code),
            "{name}"
        );
        assert!(page.items.is_empty());
    }
}

#[test]
fn unsupported_payloads_are_rejected_with_reason_and_bytes() {
    let page = load("zenodo-getrecord-datacite.xml");
    let reject = rejects(&page)[0];
    assert!(
        reject.reason.contains("unsupported metadata format"),
        "{}",
        reject.reason
    );
    assert!(reject.raw.starts_with("<record") && reject.raw.ends_with("</record>"));
    assert_eq!(
        reject.identifier.as_deref(),
        Some("oai:zenodo.org:10357859")
    );

    let page = load("celestial-getrecord-mets-dspace-mit-2005.xml");
    assert!(
        rejects(&page)[0]
            .reason
            .contains("unsupported metadata format")
    );
}

#[test]
fn invalid_utf8_and_control_characters_are_repaired() {
    let bytes = fixture("broken-citebase-getrecord-invalid-utf8-control-char.xml");
    let decoded = xml::decode(&bytes, None).unwrap();
    assert!(decoded.repairs.contains(&xml::Repair::InvalidUtf8));
    assert!(
        decoded
            .repairs
            .iter()
            .any(|r| matches!(r, xml::Repair::InvalidXmlChars { .. }))
    );
    let page = parse_page(&decoded.text).unwrap();
    assert_eq!(records(&page)[0].identifier, "oai:arXiv.org:hep-th/0001001");
}

#[test]
fn html_and_empty_bodies_are_refused_clearly() {
    let bytes = fixture("broken-httpbun-html-200-for-identify.html");
    let decoded = xml::decode(&bytes, None).unwrap();
    assert!(matches!(parse_page(&decoded.text), Err(ParseError::Html)));
    assert!(matches!(
        parse_identify(&decoded.text),
        Err(ParseError::Html)
    ));
    let bytes = fixture("dspace-mit-getrecord-http500-empty-body.xml");
    assert!(matches!(xml::decode(&bytes, None), Err(DecodeError::Empty)));
}

#[test]
fn identify_responses_give_granularity_and_dates() {
    let zenodo =
        parse_identify(std::str::from_utf8(&fixture("zenodo-identify.xml")).unwrap()).unwrap();
    assert_eq!(zenodo.granularity, "YYYY-MM-DDThh:mm:ssZ");
    assert_eq!(zenodo.deleted_record, "no");
    assert!(zenodo.response_date.is_some());
    let citebase = parse_identify(
        std::str::from_utf8(&fixture("citebase-eprints-identify-2005.xml")).unwrap(),
    )
    .unwrap();
    assert_eq!(citebase.earliest_datestamp, "0001-01-01");
    assert!(citebase.admin_emails[0].contains('@'));
    let eperiodica =
        parse_identify(std::str::from_utf8(&fixture("eperiodica-identify.xml")).unwrap()).unwrap();
    assert!(!eperiodica.repository_name.is_empty());
}

#[test]
fn truncated_pages_are_errors_not_partial_pages() {
    let bytes = fixture("dspace-mit-listrecords-oai_dc-set.xml");
    let text = std::str::from_utf8(&bytes).unwrap();
    for cut in [text.len() / 3, text.len() / 2, text.len() - 20] {
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap();
        assert!(parse_page(&text[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn every_fixture_is_handled_without_panic() {
    let dir = fixtures_dir().join("oai");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        seen += 1;
        let Ok(decoded) = xml::decode(&bytes, None) else {
            continue;
        };
        // Every file either parses as a page/Identify or is refused with a typed error.
        let _ = parse_page(&decoded.text);
        let _ = parse_identify(&decoded.text);
    }
    assert!(
        seen >= 40,
        "only {seen} fixtures found in {}",
        dir.display()
    );
}

/// oai_dc records are mapped without an element tree when flat (`xml::flat`): on every
/// fixture, each record maps as its stored XML does through the tree (issue 17).
#[test]
fn records_read_flat_map_as_their_tree_does() {
    let dir = fixtures_dir().join("oai");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(decoded) = xml::decode(&bytes, None) else {
            continue;
        };
        let Ok(page) = parse_page(&decoded.text) else {
            continue;
        };
        for record in records(&page) {
            let (Some(raw), Some(mapped)) = (&record.raw, &record.record) else {
                continue;
            };
            let (format, remapped) = crate::map::map_raw(raw).unwrap();
            assert_eq!(Some(format), record.format, "{}", path.display());
            assert_eq!(
                &remapped,
                mapped,
                "{}: {}",
                path.display(),
                record.identifier
            );
            compared += 1;
        }
    }
    assert!(compared >= 100, "only {compared} records compared");
}

#[test]
fn metadata_inheriting_envelope_namespaces_is_stored_standalone() {
    let text = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/">
<responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords><record><header><identifier>oai:x:1</identifier><datestamp>2026-01-01</datestamp></header>
<metadata><oai_dc:dc><dc:title>Les SCOP en Bretagne</dc:title></oai_dc:dc></metadata></record>
<resumptionToken cursor="0">a&amp;b</resumptionToken></ListRecords></OAI-PMH>"#;
    let page = parse_page(text).unwrap();
    let record = records(&page)[0];
    let raw = record.raw.as_deref().unwrap();
    assert!(raw.starts_with("<oai_dc:dc xmlns:"), "{raw}");
    let (format, remapped) = crate::map::map_raw(raw).unwrap();
    assert_eq!(format, "oai_dc");
    assert_eq!(remapped.titles[0].value, "Les SCOP en Bretagne");
    // `&amp;` inside a token arrives as a separate entity event and must be joined.
    assert_eq!(page.next_token(), Some("a&b"));
}

#[test]
fn metadata_inheriting_record_and_metadata_namespaces_is_stored_standalone() {
    // Declarations on `<record>` and on `<metadata>` (as HAL writes them), one of the
    // envelope's prefixes declared again with another URI: the nearest declaration wins.
    let text = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:dc="urn:not-dc">
<responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>
<record xmlns:dc="http://purl.org/dc/elements/1.1/"><header><identifier>oai:x:1</identifier><datestamp>2026-01-01</datestamp></header>
<metadata xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"><oai_dc:dc><dc:title>Les SCOP</dc:title></oai_dc:dc></metadata></record>
<record><header><identifier>oai:x:2</identifier><datestamp>2026-01-01</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Les SCIC</dc:title></oai_dc:dc></metadata></record>
</ListRecords></OAI-PMH>"#;
    let page = parse_page(text).unwrap();
    let stored = records(&page);
    assert_eq!(stored.len(), 2);
    for (record, title) in stored.iter().zip(["Les SCOP", "Les SCIC"]) {
        assert_eq!(record.record.as_ref().unwrap().titles[0].value, title);
        let raw = record.raw.as_deref().unwrap();
        let (format, remapped) = crate::map::map_raw(raw).unwrap();
        assert_eq!(format, "oai_dc", "{raw}");
        assert_eq!(remapped.titles[0].value, title, "{raw}");
    }
}

#[test]
fn records_without_identifier_or_metadata_are_rejected_not_dropped() {
    let text = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
<record><header><datestamp>2026-01-01</datestamp></header><metadata><x/></metadata></record>
<record><header><identifier>oai:x:2</identifier><datestamp>2026-01-01</datestamp></header></record>
<record><header><identifier>oai:x:3</identifier><datestamp>yesterday</datestamp></header><metadata><x/></metadata></record>
<record><header><identifier>oai:x:4</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata></record>
</ListRecords></OAI-PMH>"#;
    let page = parse_page(text).unwrap();
    let reasons: Vec<&str> = rejects(&page).iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].contains("no <identifier>"));
    assert!(reasons[1].contains("no <metadata>"));
    assert!(reasons[2].contains("datestamp"));
    assert!(reasons[3].contains("no title"));
}

#[test]
fn one_ill_formed_record_is_rejected_and_the_page_kept() {
    let text = r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>
<record><header><identifier>oai:x:1</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Les SCIC</dc:title></oai_dc:dc></metadata></record>
<record><header><identifier>oai:x:2</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Taux < 5 % </dc:titel></oai_dc:dc></metadata></record>
<record><header><identifier>oai:x:3</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Les mutuelles</dc:title></oai_dc:dc></metadata></record>
<resumptionToken cursor="0">next</resumptionToken></ListRecords></OAI-PMH>"#;
    let page = parse_page(text).expect("recovered");
    let kept: Vec<&str> = records(&page)
        .iter()
        .map(|r| r.identifier.as_str())
        .collect();
    assert_eq!(kept, ["oai:x:1", "oai:x:3"]);
    let rejected = rejects(&page);
    assert_eq!(rejected[0].identifier.as_deref(), Some("oai:x:2"));
    assert!(
        rejected[0].reason.contains("not well-formed"),
        "{}",
        rejected[0].reason
    );
    assert_eq!(page.next_token(), Some("next"));
    // The same page cut short is truncated, not recoverable.
    assert!(parse_page(&text[..text.len() - 40]).is_err());
}

#[test]
fn token_scan_agrees_with_the_parser_or_abstains() {
    for name in [
        "zenodo-listrecords-oai_dc-page1-resumptiontoken.xml",
        "zenodo-listrecords-oai_dc-from-resumed-last-page.xml",
        "dspace-mit-listidentifiers-set-page2-last-empty-token.xml",
        "dspace-mit-listrecords-oai_dc-set.xml",
        "hal-listrecords-oai_dc-tel-thesis-excerpt-from-js.xml",
    ] {
        let bytes = fixture(name);
        let text = std::str::from_utf8(&bytes).unwrap();
        let parsed = load(name);
        let scanned = scan_resumption_token(text);
        assert_eq!(
            scanned.as_deref(),
            Some(parsed.next_token().unwrap_or("")),
            "{name}"
        );
    }
    let envelope = |token: &str| {
        format!(
            "<OAI-PMH><ListRecords><resumptionToken>{token}</resumptionToken></ListRecords></OAI-PMH>"
        )
    };
    assert_eq!(
        scan_resumption_token(&envelope("a&amp;b")),
        Some("a&b".into())
    );
    assert_eq!(scan_resumption_token(&envelope("a&#38;b")), None);
    assert_eq!(scan_resumption_token(&envelope("<![CDATA[x]]>")), None);
}

#[test]
fn envelope_check_refuses_truncated_and_html() {
    let bytes = fixture("dspace-mit-listrecords-oai_dc-set.xml");
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(check_envelope(text).is_ok());
    assert!(check_envelope(&text[..text.len() / 2]).is_err());
    let html = fixture("broken-httpbun-html-200-for-identify.html");
    assert!(matches!(
        check_envelope(std::str::from_utf8(&html).unwrap()),
        Err(ParseError::Html)
    ));
}

/// A page of three records (oai_dc, title "Record n"), `bad` being the second, ending with a
/// resumption token `next` when `token`.
fn page_around(bad: &str, token: bool) -> String {
    let good = |n: u32| {
        format!(
            r#"<record><header><identifier>oai:x:{n}</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Record {n}</dc:title></oai_dc:dc></metadata></record>"#
        )
    };
    format!(
        r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>{}{bad}{}{}</ListRecords></OAI-PMH>"#,
        good(1),
        good(3),
        if token {
            r#"<resumptionToken cursor="0">next</resumptionToken>"#
        } else {
            ""
        }
    )
}

/// Issue 18: a record nested 100,000 levels deep is rejected alone, with its reason and a raw
/// copy cut at the cap; its neighbours and the token are kept.
#[test]
fn a_record_nested_too_deep_is_rejected_alone() {
    // 1,000 levels: over the tree's limit (the record is skipped in the one pass); 100,000: over
    // quick-xml's own (the page is read again record by record).
    for (depth, token) in [
        (1_000, true),
        (1_000, false),
        (100_000, true),
        (100_000, false),
    ] {
        let bad = format!(
            r#"<record><header><identifier>oai:x:2</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Deep</dc:title>{}{}</oai_dc:dc></metadata></record>"#,
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        // The last page of a list has no token: it used to be lost as a whole.
        let page = parse_page(&page_around(&bad, token)).expect("the page is kept");
        let kept: Vec<&str> = records(&page)
            .iter()
            .map(|r| r.identifier.as_str())
            .collect();
        assert_eq!(kept, ["oai:x:1", "oai:x:3"]);
        let rejected = rejects(&page);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].identifier.as_deref(), Some("oai:x:2"));
        assert!(
            rejected[0].reason.contains("deeper"),
            "{}",
            rejected[0].reason
        );
        // 700 KB of tags, kept whole (under the cap).
        assert!(rejected[0].raw.starts_with("<record><header>"));
        assert!(rejected[0].raw.ends_with("</record>"));
        assert_eq!(page.next_token(), token.then_some("next"));
    }
}

/// Issue 18: a field over the cap (a 50 MB title) and a record over the cap (many fields, each
/// small) are rejected alone, naming the cap; the raw copy kept is bounded.
#[test]
fn oversized_fields_and_records_are_rejected_alone() {
    let dc = |body: &str| {
        format!(
            r#"<record><header><identifier>oai:x:2</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</oai_dc:dc></metadata></record>"#
        )
    };
    let huge_title = dc(&format!(
        "<dc:title>{}</dc:title>",
        "Long ".repeat(10_000_000)
    ));
    let long_title = dc(&format!("<dc:title>{}</dc:title>", "Long ".repeat(300_000)));
    let many_fields = dc(&format!(
        "<dc:title>Many</dc:title>{}",
        "<dc:subject>économie sociale et solidaire</dc:subject>".repeat(120_000)
    ));
    let just_under = dc(&format!(
        "<dc:title>Under</dc:title><dc:description>{}</dc:description>",
        "a".repeat(record::MAX_FIELD_BYTES)
    ));
    for (bad, reason) in [
        (
            &huge_title,
            "record is 50000267 bytes, more than the 4194304 a record may have (raw record cut to its first 1048576 of 50000267 bytes)",
        ),
        (&long_title, "<title> holds 1500000 bytes"),
        (&many_fields, "record is"),
    ] {
        let page = parse_page(&page_around(bad, false)).expect("the page is kept");
        let kept: Vec<&str> = records(&page)
            .iter()
            .map(|r| r.identifier.as_str())
            .collect();
        assert_eq!(kept, ["oai:x:1", "oai:x:3"]);
        let rejected = rejects(&page);
        assert_eq!(rejected.len(), 1);
        assert!(
            rejected[0].reason.contains(reason),
            "{}",
            rejected[0].reason
        );
        assert!(rejected[0].raw.len() <= record::MAX_REJECT_RAW_BYTES);
        assert!(rejected[0].raw.starts_with("<record><header>"));
    }
    // At the cap is still a record.
    let page = parse_page(&page_around(&just_under, false)).unwrap();
    assert_eq!(records(&page).len(), 3);
}

/// Fuzzing (issue 18): pages mutated from real responses are decoded and parsed without a
/// panic, whatever their bytes; every record is stored or kept aside with a reason.
#[test]
fn fuzzed_pages_are_decoded_and_parsed_without_panicking() {
    let dir = fixtures_dir().join("oai");
    let seeds: Vec<Vec<u8>> = [
        "hal-listrecords-oai_dc-tel-thesis-excerpt-from-js.xml",
        "zenodo-listrecords-oai_dc-from-resumed-last-page.xml",
        "zenodo-listidentifiers-page1-resumptiontoken-with-deleted.xml",
        "citebase-eprints-getrecord-oai_dc-2005.xml",
        "dspace-mit-listrecords-error-noRecordsMatch.xml",
    ]
    .iter()
    .map(|name| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
    .collect();
    let seeds: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
    crate::test_support::fuzz("oai page", &seeds, |bytes| {
        let Ok(decoded) = crate::xml::decode(bytes, None) else {
            return;
        };
        let _ = scan_resumption_token(&decoded.text);
        if let Ok(page) = parse_page(&decoded.text) {
            for item in &page.items {
                if let PageItem::Reject(reject) = item {
                    assert!(!reject.reason.is_empty(), "a reject without its reason");
                }
            }
        }
    });
}

/// Every fixture page (`oai`, `oai-corpus`) parses to the same records, rejects, tokens and
/// errors (positions included) with its plain leaves read from the text and with every element
/// read through quick-xml's events (`xml::reader`, issue 17).
#[test]
fn fixtures_parse_the_same_with_and_without_plain_leaves() {
    let mut compared = 0;
    let mut folders = vec![
        fixtures_dir().join("oai"),
        fixtures_dir().join("oai-corpus"),
    ];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(decoded) = xml::decode(&bytes, None) else {
                continue;
            };
            let fast = format!("{:?}", parse_page(&decoded.text));
            let events =
                xml::reader::without_plain_leaves(|| format!("{:?}", parse_page(&decoded.text)));
            assert_eq!(fast, events, "{}", path.display());
            compared += 1;
        }
    }
    assert!(compared >= 70, "only {compared} fixtures compared");
}
