//! The first ListRecords page: it parses (and follows the schema), holds records essor can map,
//! pages of 100 or more with a token that lasts (≥ 23 h) and says the list's size, and records
//! that carry a title, creator, date, identifier and type, dates in ISO 8601 and languages in
//! ISO 639.

use super::schema::{list_records_problems, summarize};
use super::{Checks, Probe, repairs_check};
use crate::map::Record;
use crate::normalize::language_code;
use crate::oai::{
    Datestamp, ErrorCode, Granularity, HarvestedRecord, Identify, PageItem, parse_page,
};
use crate::xml::tree::parse_document;

/// OVAL's page size: fewer records per answer make a large harvest needlessly long.
const MIN_PAGE_SIZE: usize = 100;

/// A token should outlive a slow harvester's pause (OVAL recommends a day, less an hour).
const MIN_TOKEN_LIFETIME_HOURS: i64 = 23;

/// Examples quoted per finding.
const EXAMPLES: usize = 3;

/// What the incremental checks need from the first page.
pub(super) struct FirstPage {
    /// The latest datestamp of a record on the page.
    pub latest_datestamp: Option<Datestamp>,
}

pub(super) async fn check(
    probe: &mut Probe,
    metadata_prefix: &str,
    identify: &Identify,
    checks: &mut Checks,
) -> Option<FirstPage> {
    let pairs = [("verb", "ListRecords"), ("metadataPrefix", metadata_prefix)];
    let answer = match probe.get(&pairs).await {
        Ok(answer) => answer,
        Err(reason) => {
            checks.error(
                "records.first_page",
                format!("ListRecords failed: {reason}"),
                "ListRecords must answer within 20 s: serve smaller pages.",
            );
            return None;
        }
    };
    repairs_check("records.encoding", &answer.repairs, checks);
    schema_check(&answer.text, checks);
    let page = match parse_page(&answer.text) {
        Ok(page) => page,
        Err(error) => {
            checks.error(
                "records.first_page",
                format!("ListRecords (HTTP {}): {error}", answer.status),
                "ListRecords must answer with an OAI-PMH document.",
            );
            return None;
        }
    };
    if let Some(error) = page.errors.first() {
        let fix = if error.code == ErrorCode::NoRecordsMatch {
            "essor registers repositories that hold records: register once some are public."
        } else {
            "ListRecords with only a metadataPrefix must list the repository's records."
        };
        checks.error(
            "records.first_page",
            format!(
                "ListRecords&metadataPrefix={metadata_prefix} answered HTTP {} with {error}",
                answer.status
            ),
            fix,
        );
        return None;
    }
    let records: Vec<&HarvestedRecord> = page
        .items
        .iter()
        .filter_map(|item| match item {
            PageItem::Record(record) => Some(record),
            PageItem::Reject(_) => None,
        })
        .collect();
    let rejects: Vec<String> = page
        .items
        .iter()
        .filter_map(|item| match item {
            PageItem::Reject(reject) => Some(format!(
                "{}: {}",
                reject.identifier.as_deref().unwrap_or("(no identifier)"),
                reject.reason
            )),
            PageItem::Record(_) => None,
        })
        .collect();
    let mapped: Vec<(&str, &Record)> = records
        .iter()
        .filter_map(|r| Some((r.identifier.as_str(), r.record.as_ref()?)))
        .collect();
    let observed = format!(
        "{} records on the first page: {} mapped, {} deleted, {} rejected",
        page.items.len(),
        mapped.len(),
        records.iter().filter(|r| r.deleted).count(),
        rejects.len()
    );
    if mapped.is_empty() && !rejects.is_empty() {
        checks.error(
            "records.first_page",
            format!("{observed}: {}", examples(&rejects)),
            "Serve records with metadata in oai_dc (or ETD-MS, TEF), each with a title.",
        );
        return None;
    }
    if rejects.is_empty() {
        checks.pass("records.first_page", observed);
    } else {
        checks.warn(
            "records.first_page",
            format!("{observed}: {}", examples(&rejects)),
            "Every record needs metadata in the requested format, with a title.",
        );
    }
    page_size_check(&page, checks);
    token_check(&page, checks);
    datestamp_check(&records, identify, checks);
    field_checks(&mapped, checks);
    Some(FirstPage {
        latest_datestamp: records
            .iter()
            .filter_map(|r| Datestamp::parse(&r.datestamp))
            .max_by_key(|d| d.first_second()),
    })
}

fn schema_check(text: &str, checks: &mut Checks) {
    let problems = match parse_document(text) {
        Ok(root) => list_records_problems(&root),
        Err(error) => vec![format!("not well-formed XML: {error}")],
    };
    if problems.is_empty() {
        checks.pass(
            "records.schema",
            "the first page follows the OAI-PMH 2.0 schema",
        );
    } else {
        checks.warn(
            "records.schema",
            summarize(&problems),
            "Make every answer valid against http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd.",
        );
    }
}

fn page_size_check(page: &crate::oai::Page, checks: &mut Checks) {
    let size = page.items.len();
    match page.next_token() {
        None => checks.pass(
            "records.page_size",
            format!("the whole list ({size} records) in one answer"),
        ),
        Some(_) if size >= MIN_PAGE_SIZE => {
            checks.pass("records.page_size", format!("{size} records per page"))
        }
        Some(_) => checks.warn(
            "records.page_size",
            format!("{size} records on a page that has a resumptionToken"),
            "Serve at least 100 records per ListRecords page.",
        ),
    }
}

fn token_check(page: &crate::oai::Page, checks: &mut Checks) {
    let Some(token) = page.token.as_ref().filter(|t| !t.value.is_empty()) else {
        return;
    };
    match token.complete_list_size {
        Some(size) => checks.pass("records.token_size", format!("completeListSize {size}")),
        None => checks.warn(
            "records.token_size",
            "the resumptionToken has no completeListSize",
            "Give completeListSize on resumption tokens: harvesters show progress with it.",
        ),
    }
    let Some(expiration) = &token.expiration_date else {
        checks.warn(
            "records.token_expiration",
            "the resumptionToken has no expirationDate",
            "Give tokens an expirationDate at least 23 h ahead.",
        );
        return;
    };
    let now = page
        .response_date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d.trim()).ok())
        .map_or_else(chrono::Utc::now, |d| d.with_timezone(&chrono::Utc));
    match chrono::DateTime::parse_from_rfc3339(expiration.trim()) {
        Ok(expires) => {
            let lifetime = expires.with_timezone(&chrono::Utc) - now;
            let observed = format!(
                "expirationDate {expiration}, {} h after the answer",
                lifetime.num_hours()
            );
            if lifetime.num_hours() >= MIN_TOKEN_LIFETIME_HOURS {
                checks.pass("records.token_expiration", observed);
            } else {
                checks.warn(
                    "records.token_expiration",
                    observed,
                    "Keep resumption tokens valid for at least 23 h.",
                );
            }
        }
        Err(_) => checks.warn(
            "records.token_expiration",
            format!("expirationDate {expiration:?} is not a date-time"),
            "Write expirationDate as YYYY-MM-DDThh:mm:ssZ.",
        ),
    }
}

/// Header datestamps at the granularity Identify declares: harvesters send `from` in it.
fn datestamp_check(records: &[&HarvestedRecord], identify: &Identify, checks: &mut Checks) {
    let Some(declared) = Granularity::parse(&identify.granularity) else {
        return;
    };
    let off: Vec<String> = records
        .iter()
        .filter(|r| Datestamp::parse(&r.datestamp).is_none_or(|d| d.granularity() != declared))
        .map(|r| format!("{}: {:?}", r.identifier, r.datestamp))
        .collect();
    if off.is_empty() {
        checks.pass(
            "records.datestamps",
            format!("header datestamps at {}", declared.as_str()),
        );
    } else {
        checks.warn(
            "records.datestamps",
            format!(
                "{} header datestamps not at the declared granularity {}: {}",
                off.len(),
                declared.as_str(),
                examples(&off)
            ),
            "Write every header datestamp at the granularity Identify declares.",
        );
    }
}

/// A required element: the check's id, the element's name, whether a record has it.
type FieldRule = (&'static str, &'static str, fn(&Record) -> bool);

/// The Dublin Core elements OVAL requires, one check each, then date and language shapes.
fn field_checks(mapped: &[(&str, &Record)], checks: &mut Checks) {
    if mapped.is_empty() {
        return;
    }
    let fields: [FieldRule; 5] = [
        ("records.title", "title", |r| !r.titles.is_empty()),
        ("records.creator", "creator", |r| !r.creators.is_empty()),
        ("records.date", "date", |r| !r.dates.is_empty()),
        ("records.identifier", "identifier", |r| {
            !r.identifiers.is_empty()
        }),
        ("records.type", "type", |r| !r.types.is_empty()),
    ];
    for (id, name, present) in fields {
        let missing: Vec<String> = mapped
            .iter()
            .filter(|(_, record)| !present(record))
            .map(|(identifier, _)| (*identifier).to_owned())
            .collect();
        if missing.is_empty() {
            checks.pass(id, format!("every record has dc:{name}"));
        } else {
            checks.warn(
                id,
                format!(
                    "{} of {} records have no dc:{name}: {}",
                    missing.len(),
                    mapped.len(),
                    examples(&missing)
                ),
                format!("Give every record a dc:{name} (or its equivalent in the format)."),
            );
        }
    }
    let bad_dates: Vec<String> = mapped
        .iter()
        .flat_map(|(identifier, record)| {
            record
                .dates
                .iter()
                .filter(|date| !is_iso8601(date.trim()))
                .map(move |date| format!("{identifier}: {date:?}"))
        })
        .collect();
    if bad_dates.is_empty() {
        checks.pass("records.date_format", "dates in ISO 8601");
    } else {
        checks.warn(
            "records.date_format",
            format!(
                "{} dates not in ISO 8601: {}",
                bad_dates.len(),
                examples(&bad_dates)
            ),
            "Write dates as YYYY, YYYY-MM or YYYY-MM-DD (ISO 8601).",
        );
    }
    let bad_languages: Vec<String> = mapped
        .iter()
        .flat_map(|(identifier, record)| {
            record
                .languages
                .iter()
                .filter(|language| !is_iso639(language.trim()))
                .map(move |language| format!("{identifier}: {language:?}"))
        })
        .collect();
    if bad_languages.is_empty() {
        checks.pass("records.language", "languages as ISO 639 codes");
    } else {
        checks.warn(
            "records.language",
            format!(
                "{} languages not as ISO 639 codes: {}",
                bad_languages.len(),
                examples(&bad_languages)
            ),
            "Write dc:language as an ISO 639 code (fr, fra, en, eng…).",
        );
    }
}

fn examples(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(EXAMPLES)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > EXAMPLES {
        text.push_str("; …");
    }
    text
}

/// ISO 8601 as Dublin Core uses it (W3CDTF): `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date-time
/// with a time zone.
pub(super) fn is_iso8601(value: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match value.len() {
        4 => digits(value),
        7 => chrono::NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        _ => {
            chrono::DateTime::parse_from_rfc3339(value).is_ok()
                || chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").is_ok()
        }
    }
}

/// An ISO 639 code (639-1 or 639-2/3, optionally with a region: `fr`, `fra`, `fr-FR`), not a
/// language's name.
pub(super) fn is_iso639(value: &str) -> bool {
    let primary = value.split(['-', '_']).next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && (language_code(value).is_ok() || ["mul", "und", "zxx", "mis"].contains(&primary))
}
