//! Identify: the repository answers, in OAI-PMH 2.0, with the base URL it was submitted under,
//! a granularity, an earliest datestamp and a deleted-record policy; and it answers POST too.

use super::{Checks, Probe, repairs_check};
use crate::oai::{Datestamp, Granularity, Identify, parse_identify};

/// Runs the Identify checks; `None` when the repository cannot be harvested at all (no
/// answer, not OAI-PMH, not 2.0), and nothing else is worth asking.
pub(super) async fn check(probe: &mut Probe, checks: &mut Checks) -> Option<Identify> {
    let answer = match probe.get(&[("verb", "Identify")]).await {
        Ok(answer) => answer,
        Err(reason) => {
            checks.error(
                "identify.reachable",
                format!("GET ?verb=Identify failed: {reason}"),
                "Check the base URL, and that the repository answers from the public Internet \
                 within 20 s.",
            );
            return None;
        }
    };
    let identify = match parse_identify(&answer.text) {
        Ok(identify) if identify.errors.is_empty() => identify,
        Ok(identify) => {
            let errors = identify
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            checks.error(
                "identify.parses",
                format!("Identify answered with OAI-PMH errors: {errors}"),
                "Identify takes no argument and must always answer.",
            );
            return None;
        }
        Err(_) if !(200..300).contains(&answer.status) => {
            checks.error(
                "identify.reachable",
                format!("GET ?verb=Identify answered HTTP {}", answer.status),
                "Check the base URL: it must answer ?verb=Identify with HTTP 200.",
            );
            return None;
        }
        Err(error) => {
            checks.error(
                "identify.parses",
                format!("HTTP {}: {error}", answer.status),
                "The base URL must answer ?verb=Identify with an OAI-PMH 2.0 XML document.",
            );
            return None;
        }
    };
    checks.pass(
        "identify.reachable",
        format!("GET ?verb=Identify answered HTTP {}", answer.status),
    );
    repairs_check("identify.encoding", &answer.repairs, checks);
    checks.pass(
        "identify.parses",
        format!("repository {:?}", identify.repository_name),
    );
    if identify.protocol_version != "2.0" {
        checks.error(
            "identify.protocol_version",
            format!("protocolVersion is {:?}", identify.protocol_version),
            "essor harvests OAI-PMH 2.0: upgrade the repository's OAI-PMH module.",
        );
        return None;
    }
    checks.pass("identify.protocol_version", "2.0");
    base_url_check(&probe.base_url, &identify.base_url, checks);
    granularity_check(&identify, checks);
    deleted_record_check(&identify.deleted_record, checks);
    if identify.admin_emails.is_empty() {
        checks.warn(
            "identify.admin_email",
            "no adminEmail",
            "Give at least one adminEmail (required by OAI-PMH).",
        );
    } else {
        checks.pass("identify.admin_email", identify.admin_emails.join(", "));
    }
    Some(identify)
}

/// OAI-PMH allows requests by POST (form-encoded): harvesters with long tokens use it.
pub(super) async fn check_post(probe: &mut Probe, checks: &mut Checks) {
    match probe.post(&[("verb", "Identify")]).await {
        Ok(answer) => match parse_identify(&answer.text) {
            Ok(identify) if identify.errors.is_empty() => {
                checks.pass("http.post", "POST verb=Identify answered");
            }
            Ok(_) | Err(_) => checks.warn(
                "http.post",
                format!(
                    "POST verb=Identify (form-encoded) got HTTP {} without an Identify answer",
                    answer.status
                ),
                "Answer POST requests with application/x-www-form-urlencoded arguments, as \
                 OAI-PMH 2.0 §3.1.1.2 requires.",
            ),
        },
        Err(reason) => checks.warn(
            "http.post",
            format!("POST verb=Identify failed: {reason}"),
            "Answer POST requests as OAI-PMH 2.0 §3.1.1.2 requires.",
        ),
    }
}

/// The base URL Identify declares should be the one submitted: harvesters that follow the
/// declaration would otherwise go elsewhere. Compared without a trailing `/` or `?`.
fn base_url_check(submitted: &url::Url, declared: &str, checks: &mut Checks) {
    let trim = |value: &str| value.trim().trim_end_matches(['?', '/']).to_owned();
    let mut submitted = submitted.clone();
    submitted.set_query(None);
    if trim(submitted.as_str()) == trim(declared) {
        checks.pass("identify.base_url", declared.to_owned());
    } else if declared.trim().is_empty() {
        checks.warn(
            "identify.base_url",
            "Identify declares no baseURL",
            "Declare the public base URL in Identify's <baseURL>.",
        );
    } else {
        checks.warn(
            "identify.base_url",
            format!("Identify declares {declared:?}, but {submitted} was submitted"),
            "Declare the public base URL in Identify's <baseURL> (behind a proxy, the proxy's \
             URL), or submit the one it declares.",
        );
    }
}

fn granularity_check(identify: &Identify, checks: &mut Checks) {
    let granularity = Granularity::parse(&identify.granularity);
    match granularity {
        Some(granularity) => checks.pass("identify.granularity", granularity.as_str()),
        None => checks.warn(
            "identify.granularity",
            format!("granularity is {:?}", identify.granularity),
            "Declare YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (seconds allow finer incremental \
             harvests).",
        ),
    }
    match Datestamp::parse(identify.earliest_datestamp.trim()) {
        Some(earliest) if granularity.is_none_or(|g| g == earliest.granularity()) => {
            checks.pass("identify.earliest_datestamp", earliest.to_string())
        }
        Some(earliest) => checks.warn(
            "identify.earliest_datestamp",
            format!(
                "earliestDatestamp {earliest} is not at the declared granularity {}",
                identify.granularity
            ),
            "Write earliestDatestamp at the granularity Identify declares.",
        ),
        None => checks.warn(
            "identify.earliest_datestamp",
            format!(
                "earliestDatestamp {:?} is not a UTC datestamp",
                identify.earliest_datestamp
            ),
            "Write earliestDatestamp as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, the oldest \
             datestamp of the repository.",
        ),
    }
}

/// `persistent` lets harvesters remove deleted records for good; `transient` or `no` leave
/// withdrawn works in every aggregator.
fn deleted_record_check(value: &str, checks: &mut Checks) {
    match value.trim() {
        "persistent" => checks.pass("identify.deleted_record", "persistent"),
        "transient" | "no" => checks.warn(
            "identify.deleted_record",
            format!("deletedRecord is {value}"),
            "Keep deleted records (deletedRecord persistent) so that aggregators remove what \
             you withdraw.",
        ),
        other => checks.warn(
            "identify.deleted_record",
            format!("deletedRecord is {other:?}, not one of no, transient, persistent"),
            "Declare deletedRecord persistent (recommended), transient or no.",
        ),
    }
}
