//! HTTP hygiene shared by the routes: validators (`ETag`, `304 Not Modified`) and the
//! Prometheus metrics every request feeds.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// JSON answers bigger than this are not buffered for an ETag (exports stream, unbuffered).
const ETAG_MAX_BODY: usize = 8 * 1024 * 1024;

/// Middleware: a weak ETag on successful GET answers that are not streamed, and 304 when the
/// client already has that version (`If-None-Match`).
pub async fn etag(request: Request, next: Next) -> Response {
    let conditional = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_get = request.method() == Method::GET;
    let response = next.run(request).await;
    let streamed = response.headers().get(header::CONTENT_LENGTH).is_none()
        && response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .is_some();
    if !is_get || response.status() != StatusCode::OK || streamed {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ETAG_MAX_BODY).await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "response too large to buffer",
        )
            .into_response();
    };
    let tag = format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    let matches = conditional
        .is_some_and(|given| given.trim() == "*" || given.split(',').any(|t| t.trim() == tag));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What requests are counted by: route template, method, status.
type RequestKey = (String, String, u16);

/// A gauge to render: name, help text, and its values by label set (`""` for none).
pub type Gauge<'a> = (&'a str, &'a str, &'a [(&'a str, u64)]);

/// Request counts and durations by route and status.
#[derive(Default)]
pub struct Metrics {
    /// Requests answered and seconds spent answering them.
    requests: Mutex<BTreeMap<RequestKey, (u64, f64)>>,
}

impl Metrics {
    fn record(&self, route: String, method: String, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            let entry = requests.entry((route, method, status)).or_default();
            entry.0 += 1;
            entry.1 += seconds;
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self, gauges: &[Gauge<'_>]) -> String {
        let mut out = String::new();
        out.push_str("# HELP essor_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE essor_http_requests_total counter\n");
        let requests = self.requests.lock().map(|r| r.clone()).unwrap_or_default();
        for ((route, method, status), (count, _)) in &requests {
            let _ = writeln!(
                out,
                "essor_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str(
            "# HELP essor_http_request_duration_seconds_sum Time spent answering, by route.\n",
        );
        out.push_str("# TYPE essor_http_request_duration_seconds_sum counter\n");
        for ((route, method, status), (_, seconds)) in &requests {
            let _ = writeln!(
                out,
                "essor_http_request_duration_seconds_sum{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {seconds:.6}"
            );
        }
        for (name, help, values) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (label, value) in *values {
                if label.is_empty() {
                    let _ = writeln!(out, "{name} {value}");
                } else {
                    let _ = writeln!(out, "{name}{{{label}}} {value}");
                }
            }
        }
        out
    }
}

/// Middleware: counts every request under its route template (`/api/v1/works/{id}`, not the id).
pub async fn measure(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record(
        route,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
