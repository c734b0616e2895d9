//! Live validation of a repository that someone submits: BASE OVAL's rules and a few of
//! essor's, run against the repository itself, each answered `pass`, `warning` or `error` with
//! what was observed and how to fix it. Used by registration (`POST /api/v1/sources`) and by
//! `essor sources check URL`.
//!
//! An `error` is what makes harvesting impossible (unreachable, not OAI-PMH 2.0, no parseable
//! record in the chosen format); everything else a harvest survives is a `warning`, so a
//! report with no error is a repository essor can harvest. Requests go through the guarded
//! client ([`super::guard`]): a URL that points into a private network is refused before any
//! request.
//!
//! One file per group of checks: `identify.rs` (Identify, GET and POST), `formats.rs`
//! (ListMetadataFormats), `schema.rs` (the first page's structure, as the official XSD has
//! it), `records.rs` (the first ListRecords page: size, token, the records' fields),
//! `incremental.rs` (`from` at each granularity).

mod formats;
mod identify;
mod incremental;
mod records;
mod schema;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};

use super::guard::{self, MAX_BODY_BYTES, NetworkPolicy};
use crate::xml::{self, Repair};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warning,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warning => "warning",
            Status::Error => "error",
        }
    }
}

/// One rule checked against the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable name of the rule (`identify.protocol_version`), for machines and for this list.
    pub id: String,
    pub status: Status,
    /// What essor saw.
    pub observed: String,
    /// How to fix it; absent when the check passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The validation of one base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The base URL as submitted.
    pub base_url: String,
    /// When the validation began (RFC 3339, UTC).
    pub checked_at: String,
    /// Requests made and the slowest and median answers, in milliseconds.
    pub requests: u32,
    pub median_response_ms: u64,
    pub slowest_response_ms: u64,
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether essor can harvest the repository: no check failed hard.
    pub fn accepted(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|check| check.status == Status::Error)
    }

    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The check named `id`, if it ran.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|check| check.id == id)
    }
}

/// What to validate beside the base URL.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The format essor would harvest (`oai_dc` unless the registration asks for another).
    pub metadata_prefix: String,
    pub network: NetworkPolicy,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            metadata_prefix: "oai_dc".to_owned(),
            network: NetworkPolicy::from_env(),
        }
    }
}

/// The checks as they are found, and the requests that found them.
pub(super) struct Checks {
    checks: Vec<Check>,
}

impl Checks {
    pub(super) fn pass(&mut self, id: &str, observed: impl Into<String>) {
        self.push(id, Status::Pass, observed.into(), None);
    }

    pub(super) fn warn(&mut self, id: &str, observed: impl Into<String>, fix: impl Into<String>) {
        self.push(id, Status::Warning, observed.into(), Some(fix.into()));
    }

    pub(super) fn error(&mut self, id: &str, observed: impl Into<String>, fix: impl Into<String>) {
        self.push(id, Status::Error, observed.into(), Some(fix.into()));
    }

    fn push(&mut self, id: &str, status: Status, observed: String, fix: Option<String>) {
        self.checks.push(Check {
            id: id.to_owned(),
            status,
            observed,
            fix,
        });
    }
}

/// One answer of the repository, decoded.
pub(super) struct Answer {
    pub status: u16,
    pub text: String,
    pub repairs: Vec<Repair>,
}

/// The guarded client and the time each answer took.
pub(super) struct Probe {
    client: reqwest::Client,
    base_url: url::Url,
    timings: Vec<Duration>,
}

impl Probe {
    /// GETs the base URL with `pairs` as its query.
    pub(super) async fn get(&mut self, pairs: &[(&str, &str)]) -> Result<Answer, String> {
        let url = super::oai_url(&self.base_url, pairs);
        let request = self.client.get(url);
        self.send(request).await
    }

    /// POSTs `pairs` form-encoded to the base URL (OAI-PMH allows both methods).
    pub(super) async fn post(&mut self, pairs: &[(&str, &str)]) -> Result<Answer, String> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let mut url = self.base_url.clone();
        url.set_query(None);
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Result<Answer, String> {
        let started = Instant::now();
        let outcome = async {
            let response = request
                .send()
                .await
                .map_err(|error| super::client::describe_reqwest(&error))?;
            let status = response.status().as_u16();
            let charset = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(super::fetch::charset_of);
            let body = guard::read_capped(response, MAX_BODY_BYTES).await?;
            let decoded = xml::decode(&body, charset.as_deref())
                .map_err(|error| format!("HTTP {status}, body not readable: {error}"))?;
            Ok(Answer {
                status,
                text: decoded.text.into_owned(),
                repairs: decoded.repairs,
            })
        }
        .await;
        self.timings.push(started.elapsed());
        outcome
    }
}

/// Validates the repository at `base_url`. Never fails: what goes wrong is a check.
pub async fn validate(base_url: &str, options: &ValidateOptions) -> Report {
    let started = chrono::Utc::now();
    let mut checks = Checks { checks: Vec::new() };
    let mut timings = Vec::new();
    if let Some(probe) = open(base_url, options, &mut checks) {
        let mut probe = probe;
        run_checks(&mut probe, options, &mut checks).await;
        timings = probe.timings;
        timing_check(&timings, &mut checks);
    }
    timings.sort();
    Report {
        base_url: base_url.to_owned(),
        checked_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        requests: timings.len() as u32,
        median_response_ms: timings
            .get(timings.len() / 2)
            .map_or(0, |d| d.as_millis() as u64),
        slowest_response_ms: timings.last().map_or(0, |d| d.as_millis() as u64),
        checks: checks.checks,
    }
}

/// The URL checks that come before any request, and the client.
fn open(base_url: &str, options: &ValidateOptions, checks: &mut Checks) -> Option<Probe> {
    let parsed = match url::Url::parse(base_url.trim()) {
        Ok(parsed) => parsed,
        Err(error) => {
            checks.error(
                "url",
                format!("{base_url:?} is not a URL: {error}"),
                "Submit the repository's OAI-PMH base URL, such as https://hal.science/oai.",
            );
            return None;
        }
    };
    if let Err(refused) = guard::check_target(&parsed, options.network) {
        checks.error(
            "url",
            refused.to_string(),
            "Submit the public http(s) base URL of the repository.",
        );
        return None;
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        checks.warn(
            "url",
            format!("{base_url} carries a query or fragment, which OAI-PMH requests replace"),
            "Submit the base URL without `?…` (OAI-PMH adds its own arguments).",
        );
    } else {
        checks.pass("url", format!("{parsed}"));
    }
    match guard::untrusted_client(options.network) {
        Ok(client) => Some(Probe {
            client,
            base_url: parsed,
            timings: Vec::new(),
        }),
        Err(error) => {
            checks.error(
                "url",
                error.to_string(),
                "An essor setup problem: report it.",
            );
            None
        }
    }
}

async fn run_checks(probe: &mut Probe, options: &ValidateOptions, checks: &mut Checks) {
    let Some(identified) = identify::check(probe, checks).await else {
        return;
    };
    identify::check_post(probe, checks).await;
    formats::check(probe, &options.metadata_prefix, checks).await;
    let Some(first) = records::check(probe, &options.metadata_prefix, &identified, checks).await
    else {
        return;
    };
    incremental::check(probe, &options.metadata_prefix, &identified, &first, checks).await;
}

/// OVAL's time rule: every answer within 20 s (slower ones were cut by the client's timeout
/// and already failed their check).
fn timing_check(timings: &[Duration], checks: &mut Checks) {
    let Some(slowest) = timings.iter().max() else {
        return;
    };
    let observed = format!(
        "{} request(s), the slowest answered in {} ms",
        timings.len(),
        slowest.as_millis()
    );
    if *slowest > guard::REQUEST_TIMEOUT / 2 {
        checks.warn(
            "response_time",
            observed,
            "Answer each request well within 20 s: smaller pages, or an index on datestamps.",
        );
    } else {
        checks.pass("response_time", observed);
    }
}

/// Repairs the bytes of an answer needed, as one warning (or a pass).
pub(super) fn repairs_check(id: &str, repairs: &[Repair], checks: &mut Checks) {
    if repairs.is_empty() {
        checks.pass(id, "well-formed UTF-8 as served");
    } else {
        let list = repairs
            .iter()
            .map(|repair| repair.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        checks.warn(
            id,
            format!("essor had to repair the response: {list}"),
            "Serve UTF-8 XML without characters XML 1.0 forbids, without a byte order mark, \
             and declare any compression in Content-Encoding.",
        );
    }
}
