//! Outbound HTTP, politely: one shared client, a rate limiter per host (governor), retries with
//! exponential backoff and full jitter on transient faults, `Retry-After` honoured. The only
//! place in essor that makes outbound requests.
//!
//! A response counts as transient-bad not only on connection errors, 429 and 5xx, but also when
//! its body cannot be parsed (truncated, an HTML maintenance page served with 200): real
//! repositories recover from those on a retry more often than not.

use std::borrow::Cow;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use serde::{Deserialize, Serialize};

use super::HarvestError;
use super::client::{USER_AGENT, describe_reqwest};
use super::guard::{NetworkPolicy, untrusted_client};
use crate::oai::ParseError;
use crate::source::{MAX_BACKOFF, Source};
use crate::xml::{self, Repair};

/// `Retry-After` values above this are capped: a repository asking for hours would stall the
/// whole harvest; the checkpoint lets a later run continue instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// A page body up to this size, handed to a parser that keeps it, is decoded on the fetching
/// task itself (well under a millisecond); larger ones, and compressed ones, on the blocking
/// pool.
const DECODE_IN_PLACE_BYTES: usize = 2 << 20;
/// A file source (a CSV, a ZIP of them) larger than this is refused rather than held in memory.
pub const MAX_FILE_BYTES: usize = 1 << 30;

pub struct Fetcher {
    /// Built at the first request, as `guarded`: building one reads the system's CA
    /// certificates (~10 ms of a 0.5 s change batch), which a harvest of dumps never needs.
    client: OnceLock<Result<reqwest::Client, String>>,
    /// For [`Source::untrusted`] sources (registered repositories): the address rules of
    /// `guard` checked at each connection and redirect.
    guarded: OnceLock<Result<reqwest::Client, String>>,
    network: NetworkPolicy,
    /// host → (requests per second, limiter).
    limiters: Mutex<HashMap<String, (f64, Arc<DefaultDirectRateLimiter>)>>,
    /// The size of the last document body read, in bytes: the next one's buffer is reserved at
    /// about that size, since a list's pages are alike, instead of doubling from a few KiB
    /// (each doubling a fresh block the kernel zeroes, and a copy).
    last_body_bytes: AtomicUsize,
}

/// How a fetched document's decoded text is handed to its parser.
enum Parser<T> {
    Borrowed(fn(&str) -> Result<T, ParseError>),
    /// The text itself, not a copy, when the body was clean UTF-8 as received.
    Owned(fn(String) -> Result<T, ParseError>),
}

// By hand: a derive would ask `T: Copy`, and only the function pointers are copied.
impl<T> Clone for Parser<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Parser<T> {}

/// A parsed response and the repairs its bytes needed.
pub struct Fetched<T> {
    pub value: T,
    pub repairs: Vec<Repair>,
}

/// What identifies the copy of a file last read, as its server gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// A conditional GET's outcome.
pub enum Conditional {
    NotModified,
    Fresh {
        body: Vec<u8>,
        validators: Validators,
    },
}

/// Requests and retries of one harvest, counted as they happen (also those of a fetch that
/// finally fails), shared with the tasks that fetch ahead.
#[derive(Debug, Default)]
pub struct RequestCount {
    requests: AtomicU64,
    retries: AtomicU64,
}

impl RequestCount {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

/// How a single attempt ended.
enum Attempt<T> {
    Done(T, Vec<Repair>),
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    Fatal(HarvestError),
}

/// The client of the source files' repositories (trusted: any address, reqwest's redirects).
fn trusted_client() -> Result<reqwest::Client, String> {
    // reqwest is built without a default TLS provider; ring is the lighter one to build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(15))
        .gzip(true)
        .deflate(true)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

impl Fetcher {
    /// `network` is what registered repositories may reach (file sources reach anything).
    pub fn new(network: NetworkPolicy) -> Result<Fetcher, HarvestError> {
        Ok(Fetcher {
            client: OnceLock::new(),
            guarded: OnceLock::new(),
            network,
            limiters: Mutex::new(HashMap::new()),
            last_body_bytes: AtomicUsize::new(0),
        })
    }

    /// The client for `source`'s requests, built the first time one is asked for.
    fn client_for(&self, source: &Source) -> Result<&reqwest::Client, HarvestError> {
        let built = if source.untrusted {
            self.guarded
                .get_or_init(|| untrusted_client(self.network).map_err(|e| e.to_string()))
        } else {
            self.client.get_or_init(trusted_client)
        };
        built
            .as_ref()
            .map_err(|message| HarvestError::Setup(message.clone()))
    }

    /// The host's limiter. Several sources on one host share it, at the slowest rate any of
    /// them asks for.
    fn limiter(&self, host: &str, requests_per_second: f64) -> Arc<DefaultDirectRateLimiter> {
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        match limiters.get(host) {
            Some((rate, limiter)) if *rate <= requests_per_second => limiter.clone(),
            _ => {
                let period =
                    Duration::from_secs_f64(1.0 / requests_per_second).max(Duration::from_nanos(1));
                let quota = Quota::with_period(period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::MIN);
                let limiter = Arc::new(RateLimiter::direct(quota));
                limiters.insert(host.to_owned(), (requests_per_second, limiter.clone()));
                limiter
            }
        }
    }

    /// Registers a source's politeness before any request, so the slowest rate wins per host.
    pub fn register(&self, source: &Source) {
        if let Some(host) = source.base_url().and_then(|u| u.host_str()) {
            self.limiter(host, source.requests_per_second);
        }
    }

    /// GETs `url` and parses the body with `parse`, retrying transient faults within the source's
    /// retry budget.
    pub async fn fetch<T: Send + 'static>(
        &self,
        source: &Source,
        url: &url::Url,
        parse: fn(&str) -> Result<T, ParseError>,
        count: &RequestCount,
    ) -> Result<Fetched<T>, HarvestError> {
        self.fetch_with(source, url, Parser::Borrowed(parse), count)
            .await
    }

    /// [`Fetcher::fetch`] for a parser that keeps the text (a page queued for parsing): it is
    /// given the decoded text itself rather than a copy.
    pub async fn fetch_text<T: Send + 'static>(
        &self,
        source: &Source,
        url: &url::Url,
        parse: fn(String) -> Result<T, ParseError>,
        count: &RequestCount,
    ) -> Result<Fetched<T>, HarvestError> {
        self.fetch_with(source, url, Parser::Owned(parse), count)
            .await
    }

    async fn fetch_with<T: Send + 'static>(
        &self,
        source: &Source,
        url: &url::Url,
        parse: Parser<T>,
        count: &RequestCount,
    ) -> Result<Fetched<T>, HarvestError> {
        self.with_retries(source, url, count, || self.attempt(source, url, parse))
            .await
            .map(|(value, repairs)| Fetched { value, repairs })
    }

    /// GETs a file (a CSV, a ZIP) whole, as bytes, with the same politeness and retries; only a
    /// 2xx answer is a file.
    pub async fn fetch_bytes(
        &self,
        source: &Source,
        url: &url::Url,
        count: &RequestCount,
    ) -> Result<Vec<u8>, HarvestError> {
        let none = Validators::default();
        match self.fetch_conditional(source, url, count, &none).await? {
            Conditional::Fresh { body, .. } => Ok(body),
            // Without validators, a server has no reason to answer 304.
            Conditional::NotModified => Err(HarvestError::Status {
                url: url.to_string(),
                status: 304,
            }),
        }
    }

    /// GETs a file with the validators of the copy last read (`If-None-Match`,
    /// `If-Modified-Since`): `NotModified` on a 304, else the body with its new validators.
    pub async fn fetch_conditional(
        &self,
        source: &Source,
        url: &url::Url,
        count: &RequestCount,
        validators: &Validators,
    ) -> Result<Conditional, HarvestError> {
        self.with_retries(source, url, count, || {
            self.attempt_bytes(source, url, validators)
        })
        .await
        .map(|(fetched, _)| fetched)
    }

    /// Runs `attempt` until it succeeds, fails for good or the retry budget is spent, waiting
    /// for the host's limiter before each try and `Retry-After` (or backoff) between tries.
    async fn with_retries<T, F, Fut>(
        &self,
        source: &Source,
        url: &url::Url,
        count: &RequestCount,
        mut attempt_once: F,
    ) -> Result<(T, Vec<Repair>), HarvestError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Attempt<T>>,
    {
        let host = url.host_str().unwrap_or_default().to_owned();
        let limiter = self.limiter(&host, source.requests_per_second);
        let mut requests = 0u64;
        let mut last_reason = String::new();
        for attempt in 0..=source.max_retries {
            limiter.until_ready().await;
            requests += 1;
            count.requests.fetch_add(1, Ordering::Relaxed);
            if attempt > 0 {
                count.retries.fetch_add(1, Ordering::Relaxed);
            }
            match attempt_once().await {
                Attempt::Done(value, repairs) => return Ok((value, repairs)),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Retry {
                    reason,
                    retry_after,
                } => {
                    if attempt == source.max_retries {
                        last_reason = reason;
                        break;
                    }
                    let delay =
                        retry_after.unwrap_or_else(|| backoff(source.retry_backoff, attempt));
                    tracing::warn!(source = %source.id, %url, %reason, retry_in_ms = delay.as_millis() as u64, attempt = attempt + 1, "transient fault, retrying");
                    tokio::time::sleep(delay).await;
                    last_reason = reason;
                }
            }
        }
        Err(HarvestError::RetriesExhausted {
            url: url.to_string(),
            attempts: requests,
            last: last_reason,
        })
    }

    async fn attempt_bytes(
        &self,
        source: &Source,
        url: &url::Url,
        validators: &Validators,
    ) -> Attempt<Conditional> {
        let client = match self.client_for(source) {
            Ok(client) => client,
            Err(error) => return Attempt::Fatal(error),
        };
        let mut request = client.get(url.clone()).timeout(source.timeout);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    reason: describe_reqwest(&error),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Attempt::Retry {
                reason: format!("HTTP {status}"),
                retry_after,
            };
        }
        if status == StatusCode::NOT_MODIFIED {
            return Attempt::Done(Conditional::NotModified, Vec::new());
        }
        if !status.is_success() {
            return Attempt::Fatal(HarvestError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        match read_body(response, MAX_FILE_BYTES, 0).await {
            Ok(body) => Attempt::Done(Conditional::Fresh { body, validators }, Vec::new()),
            Err(BodyError::TooLarge) => Attempt::Fatal(HarvestError::TooLarge {
                url: url.to_string(),
                limit: MAX_FILE_BYTES,
            }),
            Err(BodyError::Read(error)) => Attempt::Retry {
                reason: format!("reading the body: {}", describe_reqwest(&error)),
                retry_after,
            },
        }
    }

    async fn attempt<T: Send + 'static>(
        &self,
        source: &Source,
        url: &url::Url,
        parse: Parser<T>,
    ) -> Attempt<T> {
        let client = match self.client_for(source) {
            Ok(client) => client,
            Err(error) => return Attempt::Fatal(error),
        };
        let response = match client.get(url.clone()).timeout(source.timeout).send().await {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    reason: describe_reqwest(&error),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let charset = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(charset_of);
        let expected = self.last_body_bytes.load(Ordering::Relaxed);
        let body = match read_body(response, xml::MAX_DOCUMENT_BYTES, expected + expected / 8).await
        {
            Ok(body) => {
                self.last_body_bytes.store(body.len(), Ordering::Relaxed);
                body
            }
            Err(BodyError::TooLarge) => {
                return Attempt::Fatal(HarvestError::TooLarge {
                    url: url.to_string(),
                    limit: xml::MAX_DOCUMENT_BYTES,
                });
            }
            Err(BodyError::Read(error)) => {
                return Attempt::Retry {
                    reason: format!("reading the body: {}", describe_reqwest(&error)),
                    retry_after,
                };
            }
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Attempt::Retry {
                reason: format!("HTTP {status}"),
                retry_after,
            };
        }
        // A page handed to a parser that keeps it is only checked here (cheap): decoding it in
        // place saves two hand-offs to the blocking pool and back, each a wait for a time slice
        // on a busy machine, on the path that sets a harvest's pace (each page names the next).
        let in_place = matches!(parse, Parser::Owned(_))
            && body.len() <= DECODE_IN_PLACE_BYTES
            && !xml::decode::looks_compressed(&body);
        let parsed = if in_place {
            decode_and_parse(body, charset, parse)
        } else {
            tokio::task::spawn_blocking(move || decode_and_parse(body, charset, parse))
                .await
                .unwrap_or_else(|join_error| Err(format!("parser task failed: {join_error}")))
        };
        match parsed {
            Ok((value, repairs)) => {
                if !status.is_success() && !status.is_client_error() {
                    return Attempt::Fatal(HarvestError::Http {
                        url: url.to_string(),
                        status: status.as_u16(),
                    });
                }
                // OAI errors served with a 4xx (Zenodo answers 422) are still OAI answers.
                Attempt::Done(value, repairs)
            }
            Err(reason) if status.is_success() => Attempt::Retry {
                reason: format!("unusable response: {reason}"),
                retry_after,
            },
            Err(_) => Attempt::Fatal(HarvestError::Http {
                url: url.to_string(),
                status: status.as_u16(),
            }),
        }
    }
}

/// Decodes a body and runs `parse` on its text; the error is the reason, as the caller reports
/// it.
fn decode_and_parse<T>(
    body: Vec<u8>,
    charset: Option<String>,
    parse: Parser<T>,
) -> Result<(T, Vec<Repair>), String> {
    let decoded = xml::decode(&body, charset.as_deref()).map_err(|e| e.to_string())?;
    let repairs = decoded.repairs;
    let value = match parse {
        Parser::Borrowed(parse) => parse(&decoded.text),
        Parser::Owned(parse) => {
            // The decoded text is the body itself (no BOM, no repair): a `&str` over exactly
            // those bytes.
            let whole_body = matches!(&decoded.text,
                Cow::Borrowed(text) if text.as_ptr() == body.as_ptr() && text.len() == body.len());
            let text = if whole_body {
                drop(decoded.text);
                // SAFETY: `whole_body` says a `&str` (UTF-8 by its type, checked by `decode`
                // with simdutf8) spanned exactly these bytes. Why not `String::from_utf8`: its
                // second check with std's slower validator was 2% of a harvest's CPU
                // (BENCHMARKS.md, issue 17).
                unsafe { String::from_utf8_unchecked(body) }
            } else {
                decoded.text.into_owned()
            };
            parse(text)
        }
    }
    .map_err(|e| e.to_string())?;
    Ok((value, repairs))
}

/// Exponential backoff with full jitter: a random delay in [base·2ⁿ/2, base·2ⁿ], capped.
enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

/// Reads a response body as it arrives (decompressed), refusing it past `limit` bytes: a
/// source cannot make the harvester hold more than that, whatever it sends or claims.
/// `expected` bytes are reserved at once (the size a response of its kind usually has; 0 when
/// unknown), or the declared length when the response gives one.
async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
    expected: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let declared = response
        .content_length()
        .map_or(0, |length| length as usize);
    let mut body = Vec::with_capacity(declared.max(expected).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let ceiling = base
        .saturating_mul(1u32 << attempt.min(20))
        .min(MAX_BACKOFF);
    let half = ceiling / 2;
    half + ceiling.saturating_sub(half).mul_f64(fastrand::f64())
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        (date.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

pub(super) fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("86400"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        for attempt in 0..5 {
            let ceiling = base * (1 << attempt);
            let delay = backoff(base, attempt);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{attempt}: {delay:?}"
            );
        }
        assert!(backoff(base, 30) <= MAX_BACKOFF);
    }

    #[test]
    fn charset_is_read_from_content_type() {
        assert_eq!(
            charset_of("text/xml; charset=ISO-8859-1").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            charset_of("text/xml;charset=\"utf-8\"").as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset_of("text/xml"), None);
    }
}
