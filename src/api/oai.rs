//! `/oai`: OAI-PMH over HTTP. GET with a query or POST with a form body (spec 3.1.1); always
//! `200 text/xml` with an OAI answer, errors included, never an HTML page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::feed::unix_now;

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
    let Ok(_turn) = state.renders.clone().acquire_owned().await else {
        return unavailable();
    };
    let answer =
        tokio::task::spawn_blocking(move || feed.respond(&args, &base_url, unix_now())).await;
    match answer {
        Ok(Ok(xml)) => (
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

/// The store failed (not the request): 503 so harvesters retry later.
fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "60")],
        "the store could not be read; retry later\n",
    )
        .into_response()
}
