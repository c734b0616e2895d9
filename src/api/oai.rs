//! `/oai`: OAI-PMH over HTTP. GET with a query or POST with a form body (spec 3.1.1); always
//! `200 text/xml` with an OAI answer, errors included, never an HTML page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::feed::{Answer, GzipPages, unix_now};

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let args = form_pairs(query.as_deref().unwrap_or("").as_bytes());
    respond(state, &headers, args).await
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    // Without the form content type the body is not arguments: answer as for no arguments
    // (badVerb), which tells the client what is wrong.
    let args = if form { form_pairs(&body) } else { Vec::new() };
    respond(state, &headers, args).await
}

/// Arguments in the order sent, repeated ones kept (repetition is a protocol error to report).
fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn respond(state: AppState, headers: &HeaderMap, args: Vec<(String, String)>) -> Response {
    let base_url = state.base_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}/oai")
    });
    let feed = state.feed.clone();
    let gzip = accepts_gzip(headers);
    // Every turn taken: requests queue, CPU is what is short (see `GzipPages`).
    let busy = state.renders.available_permits() == 0;
    let splice = match feed.config().gzip_pages {
        GzipPages::Auto => busy,
        GzipPages::Spliced => true,
        GzipPages::Whole => false,
    };
    let Ok(_turn) = state.renders.clone().acquire_owned().await else {
        return unavailable();
    };
    let answer = tokio::task::spawn_blocking(move || {
        let now = unix_now();
        if !gzip {
            return Ok(Page::Plain(feed.respond_bytes(&args, &base_url, now)?));
        }
        // Spliced, a ListRecords page comes from records stored precompressed; anything else,
        // or every page when not splicing, is compressed here.
        let xml = if splice {
            match feed.respond_gzip(&args, &base_url, now)? {
                Answer::Gzipped(bytes) => return Ok(Page::Gzipped(bytes)),
                Answer::Plain(xml) => xml,
            }
        } else {
            feed.respond_bytes(&args, &base_url, now)?
        };
        Ok::<_, crate::store::StoreError>(match gzipped(&xml) {
            Some(bytes) => Page::Gzipped(bytes),
            None => Page::Plain(xml),
        })
    })
    .await;
    match answer {
        Ok(Ok(Page::Gzipped(gzipped))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/xml; charset=utf-8"),
                (header::CONTENT_ENCODING, "gzip"),
                (header::VARY, "accept-encoding"),
            ],
            gzipped,
        )
            .into_response(),
        Ok(Ok(Page::Plain(xml))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            xml,
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::error!(%error, "OAI-PMH request failed on the store");
            unavailable()
        }
        Err(error) => {
            tracing::error!(%error, "OAI-PMH request panicked");
            unavailable()
        }
    }
}

/// A page as it is sent: gzipped when the client takes it (and compression worked), else plain.
/// Either is handed to the response as it is (a `Vec` becomes the body's `Bytes` without a copy).
enum Page {
    Gzipped(Vec<u8>),
    Plain(Vec<u8>),
}

/// Whether the client takes gzip (`Accept-Encoding`, a zero quality refusing it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|parameter| {
                let parameter = parameter.trim();
                parameter
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            !refused && (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip"))
        })
}

/// The document gzipped on the blocking thread that wrote it, at the fastest level, in one
/// piece: the response layer's streaming compression cost more CPU per page (its small chunks)
/// and ran on the async threads, outside the render limit. `None` if compression failed.
fn gzipped(xml: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(xml.len() / 6 + 64),
        flate2::Compression::fast(),
    );
    encoder.write_all(xml).ok()?;
    encoder.finish().ok()
}

/// The store failed (not the request): 503 so harvesters retry later.
fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "60")],
        "the store could not be read; retry later\n",
    )
        .into_response()
}
