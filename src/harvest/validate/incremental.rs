//! Incremental harvesting: ListRecords with `from` at day granularity, and at seconds when the
//! repository declares seconds, must answer records (or noRecordsMatch), not badArgument:
//! without it every scheduled harvest would be a full one.

use super::records::FirstPage;
use super::{Checks, Probe};
use crate::oai::{ErrorCode, Granularity, Identify, parse_page};

pub(super) async fn check(
    probe: &mut Probe,
    metadata_prefix: &str,
    identify: &Identify,
    first: &FirstPage,
    checks: &mut Checks,
) {
    let Some(latest) = first.latest_datestamp else {
        return;
    };
    let mut granularities = vec![Granularity::Day];
    if Granularity::parse(&identify.granularity) == Some(Granularity::Second) {
        granularities.push(Granularity::Second);
    }
    for granularity in granularities {
        let from = granularity.format(&latest.to_string());
        let id = match granularity {
            Granularity::Day => "incremental.day",
            Granularity::Second => "incremental.seconds",
        };
        let pairs = [
            ("verb", "ListRecords"),
            ("metadataPrefix", metadata_prefix),
            ("from", from.as_str()),
        ];
        let request = format!("ListRecords&from={from}");
        let answer = match probe.get(&pairs).await {
            Ok(answer) => answer,
            Err(reason) => {
                checks.warn(
                    id,
                    format!("{request} failed: {reason}"),
                    "Answer selective harvesting by date (from/until) within 20 s.",
                );
                continue;
            }
        };
        match parse_page(&answer.text) {
            Ok(page) if page.errors.is_empty() && !page.items.is_empty() => checks.pass(
                id,
                format!("{request} answered {} records", page.items.len()),
            ),
            Ok(page) => {
                let error = page.errors.first();
                let observed = match error {
                    Some(error) if error.code == ErrorCode::NoRecordsMatch => format!(
                        "{request} answered noRecordsMatch, though a record has datestamp {latest}"
                    ),
                    Some(error) => format!("{request} answered {error}"),
                    None => format!("{request} answered an empty list"),
                };
                checks.warn(
                    id,
                    observed,
                    format!(
                        "Accept from/until at {} and select records by their datestamp \
                         (OAI-PMH §3.3.1).",
                        granularity.as_str()
                    ),
                );
            }
            Err(error) => checks.warn(
                id,
                format!("{request} (HTTP {}): {error}", answer.status),
                "Answer selective harvesting by date with an OAI-PMH document.",
            ),
        }
    }
}
