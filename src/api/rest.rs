//! `/api/v1`: works, sources and statistics as JSON for data journalists and scripts. Query
//! parameters are parsed here, by hand, so that every mistake gets a problem document naming
//! the parameter and what it expects (axum's generic rejections say neither).

use super::problem::Problem;
use super::views::{RunsPage, Scheduled, SourceInfo, WorkView};
use super::{AppState, blocking};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One work with its members, per-field provenance and merge reasons.
#[utoipa::path(
    get,
    path = "/api/v1/works/{id}",
    params(("id" = String, Path, description = "Work id, e.g. `w00000042`")),
    responses(
        (status = 200, description = "The work", body = WorkView),
        (status = 301, description = "The id was merged into another work: see `Location`"),
        (status = 404, description = "No such work", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The work was deleted (all its records left)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "works"
)]
pub async fn work(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return Problem::not_found("there is no work with that id (ids look like w00000042)")
            .into_response();
    };
    let store = state.store.clone();
    let asked = id.clone();
    let found = blocking(move || Ok(crate::works::resolve(&store, &asked)?)).await;
    match found {
        Ok(Some(work)) if work.id != id => {
            let location = format!("/api/v1/works/{}", work.id);
            let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Ok(Some(work)) if work.deleted => Problem::gone(format!(
            "work `{}` was deleted on {}: its records were withdrawn by their sources",
            work.id, work.datestamp
        ))
        .into_response(),
        Ok(Some(work)) => Json(WorkView::from(&work)).into_response(),
        Ok(None) => Problem::not_found(format!("there is no work `{id}`")).into_response(),
        Err(problem) => problem.into_response(),
    }
}

pub(super) async fn store_stats(state: &AppState) -> Result<crate::store::Stats, Problem> {
    let store = state.store.clone();
    blocking(move || Ok(store.stats()?)).await
}

/// The registered repositories (removed ones left out, or only `only`), each with the store's
/// counts, its harvest plan and its works in the index, read together.
pub(super) async fn registered_sources(
    state: &AppState,
    only: Option<String>,
) -> Result<Vec<SourceInfo>, Problem> {
    let (store, index, scheduler) = (
        state.store.clone(),
        state.index.clone(),
        state.scheduler.clone(),
    );
    blocking(move || {
        let stats = store.stats()?;
        let every = scheduler.registered_every();
        let mut infos = Vec::new();
        for registration in store.registrations()? {
            if registration.status == crate::store::RegistrationStatus::Removed
                || only.as_ref().is_some_and(|id| *id != registration.id)
            {
                continue;
            }
            let runs = store.runs(Some(&registration.id))?;
            let mut count = crate::index::SearchQuery::default();
            count.filters.source = Some(registration.id.clone());
            count.exact_total = true;
            let scheduled = Scheduled {
                every,
                plan: crate::schedule::Plan::of(&registration.id, every, &runs),
                harvesting: scheduler.is_harvesting(&registration.id),
                works: index.search(&count)?.total,
            };
            infos.push(SourceInfo::registered(&registration, &stats, &scheduled));
        }
        Ok(infos)
    })
    .await
}

/// Every source, configured (`harvest-sources/`) or registered through the API, with its
/// counts and last harvest.
#[utoipa::path(
    get,
    path = "/api/v1/sources",
    responses(
        (status = 200, description = "The sources", body = Vec<SourceInfo>),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "sources"
)]
pub async fn sources(State(state): State<AppState>) -> Result<Json<Vec<SourceInfo>>, Problem> {
    let registered = registered_sources(&state, None).await?;
    let stats = store_stats(&state).await?;
    Ok(Json(
        state
            .sources
            .iter()
            .map(|s| SourceInfo::new(s, &stats))
            .chain(registered)
            .collect(),
    ))
}

/// One source.
#[utoipa::path(
    get,
    path = "/api/v1/sources/{id}",
    params(("id" = String, Path, description = "Source id (its file name in harvest-sources/, or a registration id)")),
    responses(
        (status = 200, description = "The source", body = SourceInfo),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "sources"
)]
pub async fn source(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SourceInfo>, Problem> {
    let Ok(Path(id)) = id else {
        return Err(Problem::not_found(
            "there is no source with that id; GET /api/v1/sources lists them",
        ));
    };
    if let Some(source) = state.sources.iter().find(|s| s.id.as_str() == id) {
        let stats = store_stats(&state).await?;
        return Ok(Json(SourceInfo::new(source, &stats)));
    }
    match registered_sources(&state, Some(id.clone())).await?.pop() {
        Some(registered) => Ok(Json(registered)),
        None => Err(Problem::not_found(format!(
            "there is no source `{id}`; GET /api/v1/sources lists them"
        ))),
    }
}

/// A source's harvest history, newest first, paged (`limit`, `offset`).
#[utoipa::path(
    get,
    path = "/api/v1/sources/{id}/runs",
    params(
        ("id" = String, Path, description = "Source id (its file name in harvest-sources/, or a registration id)"),
        ("limit" = Option<usize>, Query, description = "Runs per page, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("offset" = Option<usize>, Query, description = "Runs to skip (default 0): `next_offset` of the previous page", minimum = 0),
    ),
    responses(
        (status = 200, description = "The runs, newest first", body = RunsPage),
        (status = 400, description = "A parameter is unknown or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "sources"
)]
pub async fn runs(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<RunsPage>, Problem> {
    let (limit, offset) = super::params::parse_paging(query.as_deref().unwrap_or(""))?;
    let Ok(Path(id)) = id else {
        return Err(Problem::not_found(
            "there is no source with that id; GET /api/v1/sources lists them",
        ));
    };
    let configured = state.sources.iter().any(|s| s.id.as_str() == id);
    let store = state.store.clone();
    let asked = id.clone();
    let runs = blocking(move || {
        let known = configured
            || store
                .registration(&asked)?
                .is_some_and(|r| r.status != crate::store::RegistrationStatus::Removed);
        Ok(known.then(|| store.runs(Some(&asked))).transpose()?)
    })
    .await?;
    match runs {
        Some(runs) => Ok(Json(RunsPage::of(&runs, limit, offset))),
        None => Err(Problem::not_found(format!(
            "there is no source `{id}`; GET /api/v1/sources lists them"
        ))),
    }
}
