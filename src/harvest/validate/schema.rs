//! The structure of a ListRecords answer as the official schema
//! (<http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd>) defines it, checked in Rust on the
//! document's tree: the server has no XSD engine, and the tests validate essor's own answers
//! with xmllint against the same schema.
//!
//! What is checked is the schema's content model for this verb, element by element:
//! `OAI-PMH` = `responseDate` (UTC `YYYY-MM-DDThh:mm:ssZ`), `request` (only the protocol's
//! attributes), then `error`+ or `ListRecords`; `ListRecords` = `record`+, `resumptionToken`?;
//! `record` = `header`, `metadata`?, `about`*; `header` = `identifier`, `datestamp` (a UTC
//! datestamp), `setSpec`* (the set spec pattern), with `status` only `deleted`; `metadata` and
//! `about` hold exactly one element of another namespace; a `resumptionToken`'s
//! `completeListSize` is a positive integer, `cursor` a non-negative one, `expirationDate` a
//! UTC date-time. The metadata's own schema (oai_dc…) is not checked here: the crosswalk reads
//! it, and the record checks report what it lacks.

use crate::oai::{Datestamp, OAI_NS, SetSpec};
use crate::xml::tree::Element;

/// Problems listed beyond this many are counted, not described.
const MAX_LISTED: usize = 8;

/// The request attributes the schema allows.
const REQUEST_ATTRIBUTES: &[&str] = &[
    "verb",
    "identifier",
    "metadataPrefix",
    "from",
    "until",
    "set",
    "resumptionToken",
];

/// Every departure of `root` (a parsed ListRecords answer) from the schema.
pub(super) fn list_records_problems(root: &Element) -> Vec<String> {
    let mut problems = Vec::new();
    if root.name != "OAI-PMH" || root.namespace != OAI_NS {
        problems.push(format!(
            "the root element is <{}> in {:?}, not <OAI-PMH> in {OAI_NS}",
            root.name, root.namespace
        ));
        return problems;
    }
    let children: Vec<&Element> = root.children.iter().collect();
    let names: Vec<&str> = children.iter().map(|c| qualified(c)).collect();
    match names.as_slice() {
        ["responseDate", "request", rest @ ..] => {
            let response_date = children[0].deep_text();
            if !is_utc_datetime(response_date.trim()) {
                problems.push(format!(
                    "responseDate {response_date:?} is not YYYY-MM-DDThh:mm:ssZ"
                ));
            }
            request_problems(children[1], &mut problems);
            match rest {
                ["ListRecords"] => list_problems(children[2], &mut problems),
                errors if !errors.is_empty() && errors.iter().all(|n| *n == "error") => {}
                other => problems.push(format!(
                    "after <request> the schema expects <ListRecords> or <error>s, found {}",
                    describe(other)
                )),
            }
        }
        other => problems.push(format!(
            "<OAI-PMH> must begin with <responseDate> then <request>; it holds {}",
            describe(other)
        )),
    }
    problems
}

/// Shortens a long list of problems to what a person reads.
pub(super) fn summarize(problems: &[String]) -> String {
    let mut listed = problems
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > MAX_LISTED {
        listed.push_str(&format!("; and {} more", problems.len() - MAX_LISTED));
    }
    listed
}

/// An element's name as the messages show it: local for OAI elements, `{namespace}name`
/// otherwise (an element of another namespace is never what the schema expects there).
fn qualified<'e>(element: &'e Element) -> &'e str {
    if element.namespace == OAI_NS {
        &element.name
    } else {
        "(an element of another namespace)"
    }
}

fn describe(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("<{n}>"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn request_problems(request: &Element, problems: &mut Vec<String>) {
    for attribute in &request.attributes {
        if attribute.namespace.is_empty() && !REQUEST_ATTRIBUTES.contains(&&*attribute.name) {
            problems.push(format!(
                "<request> carries the attribute {:?}, which the schema does not allow",
                attribute.name
            ));
        }
    }
    if !request.children.is_empty() {
        problems.push("<request> must hold only the base URL".to_owned());
    }
}

fn list_problems(list: &Element, problems: &mut Vec<String>) {
    let mut records = 0usize;
    let mut token_seen = false;
    for child in &list.children {
        match qualified(child) {
            "record" if !token_seen => {
                records += 1;
                record_problems(child, records, problems);
            }
            "resumptionToken" if !token_seen => {
                token_seen = true;
                token_problems(child, problems);
            }
            other => problems.push(format!(
                "<ListRecords> holds <{other}> where only <record>s then one <resumptionToken> \
                 are allowed"
            )),
        }
    }
    if records == 0 {
        problems.push(
            "<ListRecords> holds no <record> (an empty list is the noRecordsMatch error)"
                .to_owned(),
        );
    }
}

fn record_problems(record: &Element, number: usize, problems: &mut Vec<String>) {
    let names: Vec<&str> = record.children.iter().map(qualified).collect();
    let header = match names.first() {
        Some(&"header") => &record.children[0],
        _ => {
            problems.push(format!("record {number} does not begin with <header>"));
            return;
        }
    };
    let identifier = header_problems(header, number, problems);
    let label = identifier.map_or_else(|| format!("record {number}"), |id| format!("record {id}"));
    let mut rest = &names[1..];
    if rest.first() == Some(&"metadata") {
        single_foreign_child(&record.children[1], &label, "metadata", problems);
        rest = &rest[1..];
    }
    for (offset, name) in rest.iter().enumerate() {
        if *name == "about" {
            let about = &record.children[names.len() - rest.len() + offset];
            single_foreign_child(about, &label, "about", problems);
        } else {
            problems.push(format!(
                "{label}: <{name}> where the schema allows only <metadata> then <about>s"
            ));
        }
    }
}

/// Checks a header; returns its identifier for the messages.
fn header_problems(header: &Element, number: usize, problems: &mut Vec<String>) -> Option<String> {
    let names: Vec<&str> = header.children.iter().map(qualified).collect();
    let identifier = header
        .child(OAI_NS, "identifier")
        .map(|e| e.deep_text().trim().to_owned());
    let label = identifier
        .clone()
        .map_or_else(|| format!("record {number}"), |id| format!("record {id}"));
    match names.as_slice() {
        ["identifier", "datestamp", sets @ ..] => {
            if identifier.as_deref().is_none_or(str::is_empty) {
                problems.push(format!("{label}: empty <identifier>"));
            }
            let datestamp = header.children[1].deep_text();
            if Datestamp::parse(datestamp.trim()).is_none() {
                problems.push(format!(
                    "{label}: datestamp {datestamp:?} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
                ));
            }
            for (offset, name) in sets.iter().enumerate() {
                let spec = header.children[2 + offset].deep_text();
                if *name != "setSpec" {
                    problems.push(format!("{label}: <{name}> in <header>"));
                } else if SetSpec::parse(spec.trim()).is_none() {
                    problems.push(format!(
                        "{label}: setSpec {spec:?} does not match the pattern"
                    ));
                }
            }
        }
        other => problems.push(format!(
            "{label}: <header> must hold <identifier>, <datestamp>, then <setSpec>s; it holds {}",
            describe(other)
        )),
    }
    if let Some(status) = header.attr("status")
        && status != "deleted"
    {
        problems.push(format!(
            "{label}: header status {status:?} (only \"deleted\" is allowed)"
        ));
    }
    identifier.filter(|id| !id.is_empty())
}

fn single_foreign_child(element: &Element, label: &str, name: &str, problems: &mut Vec<String>) {
    match element.children.as_slice() {
        [only] if only.namespace != OAI_NS && !only.namespace.is_empty() => {}
        [only] => problems.push(format!(
            "{label}: <{name}> holds <{}> without a namespace of its own",
            only.name
        )),
        children => problems.push(format!(
            "{label}: <{name}> must hold exactly one element; it holds {}",
            children.len()
        )),
    }
}

fn token_problems(token: &Element, problems: &mut Vec<String>) {
    if let Some(size) = token.attr("completeListSize")
        && !size.trim().parse::<u64>().is_ok_and(|n| n > 0)
    {
        problems.push(format!(
            "resumptionToken completeListSize {size:?} is not a positive integer"
        ));
    }
    if let Some(cursor) = token.attr("cursor")
        && cursor.trim().parse::<u64>().is_err()
    {
        problems.push(format!(
            "resumptionToken cursor {cursor:?} is not a non-negative integer"
        ));
    }
    if let Some(expiration) = token.attr("expirationDate")
        && chrono::DateTime::parse_from_rfc3339(expiration.trim()).is_err()
    {
        problems.push(format!(
            "resumptionToken expirationDate {expiration:?} is not an xs:dateTime"
        ));
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, the only shape of `responseDate`.
fn is_utc_datetime(value: &str) -> bool {
    Datestamp::parse(value).is_some_and(|d| d.granularity() == crate::oai::Granularity::Second)
}
