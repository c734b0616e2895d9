//! Rate limits of the REST API (governor, GCRA): per client IP, and per API key for clients
//! that have one (`X-API-Key`; keys and their higher quota come from the server's options).
//! Every answer carries the `RateLimit-Limit`/`RateLimit-Remaining`/`RateLimit-Reset` fields of
//! the IETF draft; a refused request gets 429 with `Retry-After` and a problem document.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::problem::Problem;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Requests per second (sustained) and burst, for anonymous clients and for API keys.
#[derive(Debug, Clone)]
pub struct LimitConfig {
    pub per_ip: NonZeroU32,
    pub per_key: NonZeroU32,
    pub api_keys: Vec<String>,
    /// Repository registrations per client IP and hour: each one makes essor send a dozen
    /// requests to a stranger's server.
    pub registrations_per_hour: NonZeroU32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            per_ip: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            per_key: NonZeroU32::new(200).unwrap_or(NonZeroU32::MIN),
            api_keys: Vec::new(),
            registrations_per_hour: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
        }
    }
}

pub struct Limits {
    config: LimitConfig,
    by_ip: Keyed<IpAddr>,
    by_key: Keyed<String>,
    registrations: Keyed<IpAddr>,
}

/// A burst of two seconds' worth of requests: paging clients are bursty.
fn quota(per_second: NonZeroU32) -> Quota {
    let burst = per_second.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
    Quota::per_second(per_second).allow_burst(burst)
}

impl Limits {
    pub fn new(config: LimitConfig) -> Limits {
        Limits {
            by_ip: RateLimiter::keyed(quota(config.per_ip))
                .with_middleware::<StateInformationMiddleware>(),
            by_key: RateLimiter::keyed(quota(config.per_key))
                .with_middleware::<StateInformationMiddleware>(),
            registrations: RateLimiter::keyed(Quota::per_hour(config.registrations_per_hour))
                .with_middleware::<StateInformationMiddleware>(),
            config,
        }
    }

    /// Forgets clients idle long enough to be back at full quota (bounded memory).
    pub fn forget_idle(&self) {
        self.by_ip.retain_recent();
        self.by_key.retain_recent();
        self.registrations.retain_recent();
    }

    /// Counts a registration against `client`'s hourly quota; `Err(seconds)` to wait.
    pub fn check_registration(&self, client: IpAddr) -> Result<(), u64> {
        self.registrations
            .check_key(&client)
            .map(|_| ())
            .map_err(|refused| {
                let wait = refused.wait_time_from(DefaultClock::default().now());
                (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
            })
    }

    fn key<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let given = headers.get("x-api-key")?.to_str().ok()?;
        self.config
            .api_keys
            .iter()
            .any(|k| k == given)
            .then_some(given)
    }
}

/// Middleware: counts the request against its client's quota.
pub async fn limit(
    State(limits): State<Arc<Limits>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let (checked, limit) = match limits.key(request.headers()) {
        Some(key) => (
            limits.by_key.check_key(&key.to_owned()),
            limits.config.per_key.get() * 2,
        ),
        None => (
            limits.by_ip.check_key(&peer.ip()),
            limits.config.per_ip.get() * 2,
        ),
    };
    match checked {
        Ok(state) => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert("ratelimit-limit", HeaderValue::from(limit));
            headers.insert(
                "ratelimit-remaining",
                HeaderValue::from(state.remaining_burst_capacity()),
            );
            headers.insert("ratelimit-reset", HeaderValue::from(0u32));
            response
        }
        Err(refused) => {
            let wait = refused.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = Problem::rate_limited(seconds.max(1)).into_response();
            let headers = response.headers_mut();
            headers.insert("ratelimit-limit", HeaderValue::from(limit));
            headers.insert("ratelimit-remaining", HeaderValue::from(0u32));
            headers.insert("ratelimit-reset", HeaderValue::from(seconds.max(1)));
            response
        }
    }
}
