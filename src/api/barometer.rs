//! `/api/v1/barometer`: the trends barometer's editions as JSON, read from the store (editions
//! are built by `essor barometer build`, frozen once published).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};

use super::problem::Problem;
use super::views::{EditionSummaryView, EditionView};
use super::{AppState, blocking};
use crate::barometer::{self, Semester};

/// Every edition in the store, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/barometer/editions",
    responses(
        (status = 200, description = "The editions", body = Vec<EditionSummaryView>),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "barometer"
)]
pub async fn editions(
    State(state): State<AppState>,
) -> Result<Json<Vec<EditionSummaryView>>, Problem> {
    let store = state.store.clone();
    let editions = blocking(move || Ok(barometer::list(&store)?)).await?;
    Ok(Json(
        editions.iter().map(EditionSummaryView::from).collect(),
    ))
}

/// One edition: volumes, emerging and declining themes and terms with their evidence.
#[utoipa::path(
    get,
    path = "/api/v1/barometer/{edition}",
    params(("edition" = String, Path, description = "Semester: `2026-S1` (January–June) or `2026-S2` (July–December)")),
    responses(
        (status = 200, description = "The edition", body = EditionView),
        (status = 404, description = "No such edition (or not a semester)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "barometer"
)]
pub async fn edition(
    State(state): State<AppState>,
    edition: Result<Path<String>, PathRejection>,
) -> Result<Json<EditionView>, Problem> {
    let hint = "editions are semesters such as 2026-S1; GET /api/v1/barometer/editions lists them";
    let Ok(Path(edition)) = edition else {
        return Err(Problem::not_found(hint));
    };
    let Ok(semester) = Semester::parse(&edition) else {
        return Err(Problem::not_found(format!(
            "`{edition}` is not an edition: {hint}"
        )));
    };
    let store = state.store.clone();
    match blocking(move || Ok(barometer::edition(&store, semester)?)).await? {
        Some(found) => Ok(Json(EditionView::from(&found))),
        None => Err(Problem::not_found(format!(
            "there is no edition {semester} yet: {hint}"
        ))),
    }
}
