//! `/admin/*`: operator actions, behind a bearer token set at start (`--admin-token`). Without
//! a token configured the routes do not exist (404): nothing is open by default.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::store::RunRecord;
use crate::works::UpdateReport;

/// The answer to `POST /admin/harvest`: each source's run, then what the works update did.
#[derive(Serialize)]
struct HarvestDone {
    runs: Vec<RunRecord>,
    works: UpdateReport,
}

#[derive(Debug, Deserialize)]
pub struct HarvestQuery {
    /// Comma-separated source ids; all enabled sources when absent.
    #[serde(default)]
    sources: Option<String>,
}

/// `POST /admin/harvest[?sources=a,b]`: harvests now, then updates works; answers what it did.
pub async fn harvest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HarvestQuery>,
) -> Response {
    let Some(expected) = state.admin_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !bearer_matches(&headers, expected) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "an admin token is required (Authorization: Bearer …)\n",
        )
            .into_response();
    }
    let ids: Vec<String> = query
        .sources
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    match state.scheduler.harvest(&ids).await {
        Ok(outcome) => Json(HarvestDone {
            works: outcome.works.unwrap_or_default(),
            runs: outcome.runs,
        })
        .into_response(),
        Err(error) if error.is_configuration() => {
            (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "harvest requested by an operator failed");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")).into_response()
        }
    }
}

/// Whether the request carries `Authorization: Bearer <expected>`, compared in constant time.
pub(super) fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
}

/// Compares secrets without revealing, by timing, how much of them matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
