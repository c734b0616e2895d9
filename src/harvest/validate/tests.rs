//! The validator's pure parts: the schema's content model, date and language shapes, the
//! formats list. The checks against live repositories are in `tests/sources_validate.rs`.

use super::formats::prefixes_of;
use super::records::{is_iso639, is_iso8601};
use super::schema::list_records_problems;
use crate::xml::tree::parse_document;

fn page(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>2026-12-03T10:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">https://example.org/oai</request>
{body}
</OAI-PMH>"#
    )
}

const GOOD_RECORD: &str = r#"<record><header><identifier>oai:x:1</identifier><datestamp>2024-01-02</datestamp><setSpec>these:eco</setSpec></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title></oai_dc:dc></metadata></record>"#;

fn problems(body: &str) -> Vec<String> {
    let text = page(body);
    let root = parse_document(&text).unwrap();
    list_records_problems(&root)
}

#[test]
fn a_valid_page_has_no_schema_problem() {
    let body = format!(
        r#"<ListRecords>{GOOD_RECORD}<record><header status="deleted"><identifier>oai:x:2</identifier><datestamp>2024-01-03</datestamp></header></record>
<resumptionToken completeListSize="20" cursor="0" expirationDate="2026-12-04T10:00:00Z">t1</resumptionToken></ListRecords>"#
    );
    assert_eq!(problems(&body), Vec::<String>::new());
}

#[test]
fn schema_departures_are_named() {
    let cases = [
        (
            r#"<ListRecords><record><header><datestamp>2024-01-02</datestamp><identifier>oai:x:1</identifier></header></record></ListRecords>"#,
            "must hold <identifier>, <datestamp>",
        ),
        (
            r#"<ListRecords><record><header><identifier>oai:x:1</identifier><datestamp>02/01/2024</datestamp></header></record></ListRecords>"#,
            "is not YYYY-MM-DD",
        ),
        (
            r#"<ListRecords><record><header><identifier>oai:x:1</identifier><datestamp>2024-01-02</datestamp><setSpec>bad set</setSpec></header></record></ListRecords>"#,
            "does not match the pattern",
        ),
        (
            r#"<ListRecords><record><header status="gone"><identifier>oai:x:1</identifier><datestamp>2024-01-02</datestamp></header></record></ListRecords>"#,
            "only \"deleted\"",
        ),
        (
            r#"<ListRecords><resumptionToken>t</resumptionToken></ListRecords>"#,
            "holds no <record>",
        ),
        (
            r#"<ListRecords><record><header><identifier>oai:x:1</identifier><datestamp>2024-01-02</datestamp></header><metadata><a xmlns="urn:a"/><b xmlns="urn:b"/></metadata></record></ListRecords>"#,
            "exactly one element",
        ),
        (
            r#"<ListRecords><resumptionToken completeListSize="0" cursor="-1">t</resumptionToken></ListRecords>"#,
            "not a positive integer",
        ),
        (
            r#"<ListRecords><resumptionToken cursor="-1">t</resumptionToken></ListRecords>"#,
            "not a non-negative integer",
        ),
        ("<Identify/>", "expects <ListRecords> or <error>"),
    ];
    for (body, expected) in cases {
        let found = problems(body);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{body}: expected a problem with {expected:?}, got {found:?}"
        );
    }
}

#[test]
fn a_page_without_response_date_breaks_the_sequence() {
    let text = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><request>x</request><ListRecords/></OAI-PMH>"#;
    let found = list_records_problems(&parse_document(text).unwrap());
    assert!(
        found[0].contains("must begin with <responseDate>"),
        "{found:?}"
    );
}

#[test]
fn iso_8601_dates_are_told_from_others() {
    for good in [
        "2024",
        "2024-03",
        "2024-03-09",
        "2024-03-09T10:00:00Z",
        "2024-03-09T10:00:00+01:00",
    ] {
        assert!(is_iso8601(good), "{good}");
    }
    for bad in ["09/03/2024", "2024-13", "mars 2024", "2024-02-30", "24", ""] {
        assert!(!is_iso8601(bad), "{bad}");
    }
}

#[test]
fn iso_639_codes_are_told_from_language_names() {
    for good in ["fr", "fra", "fre", "en", "eng", "fr-FR", "pt_BR", "und"] {
        assert!(is_iso639(good), "{good}");
    }
    for bad in ["français", "French", "FR", "xx", "f"] {
        assert!(!is_iso639(bad), "{bad}");
    }
}

#[test]
fn metadata_prefixes_are_listed() {
    let text = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-03T10:00:00Z</responseDate><request verb="ListMetadataFormats">x</request>
<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix><schema>s</schema><metadataNamespace>n</metadataNamespace></metadataFormat>
<metadataFormat><metadataPrefix>etdms</metadataPrefix><schema>s</schema><metadataNamespace>n</metadataNamespace></metadataFormat></ListMetadataFormats></OAI-PMH>"#;
    assert_eq!(prefixes_of(text).unwrap(), ["oai_dc", "etdms"]);
    let error = r#"<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-03T10:00:00Z</responseDate><request>x</request><error code="noMetadataFormats">none</error></OAI-PMH>"#;
    assert!(
        prefixes_of(error)
            .unwrap_err()
            .contains("noMetadataFormats")
    );
}
