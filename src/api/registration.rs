//! Registration through the API: `POST /api/v1/sources` (a repository manager submits a base
//! URL; it is validated live and stored as pending, or refused with the report), and the
//! administrator's `POST /api/v1/sources/{id}/approve|suspend|resume`, behind the bearer token
//! (compared in constant time, never logged; no token configured → 404).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::problem::Problem;
use super::views::{RegisteredView, RegistrationRequest, RegistrationView, ValidationReportView};
use super::{AppState, blocking};
use crate::registry::{self, RegisterError};
use crate::store::{RegistrationAction, Transition};

/// Registers a repository: its fields are checked, it is validated live (BASE OVAL's rules),
/// and if essor can harvest it, it is stored as `pending` until an administrator approves it.
#[utoipa::path(
    post,
    path = "/api/v1/sources",
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered, pending approval; the validation report", body = RegisteredView),
        (status = 400, description = "A field is missing or malformed (`parameter` names it)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The repository cannot be harvested: the problem carries the report; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this client: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ),
    tag = "sources"
)]
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<RegistrationRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => {
            return Problem::invalid_field(
                "body",
                format!(
                    "a JSON object with base_url, name, institution, region and contact_email is expected: {}",
                    rejection.body_text()
                ),
            )
            .into_response();
        }
    };
    let submission = registry::Submission::from(request);
    if let Err(RegisterError::Invalid { field, message }) = submission.check() {
        return Problem::invalid_field(field, message).into_response();
    }
    if let Err(seconds) = state.limits.check_registration(peer.ip()) {
        return Problem::rate_limited(seconds).into_response();
    }
    match registry::register(state.store.clone(), submission, state.network).await {
        Ok((registration, report)) => {
            let location = format!("/api/v1/sources/{}", registration.id);
            let body = RegisteredView {
                id: registration.id,
                status: registration.status.into(),
                report: ValidationReportView::from(&report),
            };
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(body),
            )
                .into_response()
        }
        Err(RegisterError::Invalid { field, message }) => {
            Problem::invalid_field(field, message).into_response()
        }
        Err(RegisterError::Refused(report)) => {
            Problem::repository_refused(ValidationReportView::from(report.as_ref())).into_response()
        }
        Err(RegisterError::Store(error)) => Problem::from(error).into_response(),
    }
}

/// Approves a pending registration for harvesting.
#[utoipa::path(
    post,
    path = "/api/v1/sources/{id}/approve",
    params(("id" = String, Path, description = "Registration id, e.g. `r00a1b2c3d4`")),
    responses(
        (status = 200, description = "Approved", body = RegistrationView),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or no administrator token configured", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
    tag = "sources"
)]
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    act(state, headers, id, RegistrationAction::Approve).await
}

/// Suspends a registration: not harvested until resumed; its records stay.
#[utoipa::path(
    post,
    path = "/api/v1/sources/{id}/suspend",
    params(("id" = String, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Suspended", body = RegistrationView),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or no administrator token configured", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Neither pending nor active", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
    tag = "sources"
)]
pub async fn suspend(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    act(state, headers, id, RegistrationAction::Suspend).await
}

/// Resumes a suspended registration.
#[utoipa::path(
    post,
    path = "/api/v1/sources/{id}/resume",
    params(("id" = String, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Active again", body = RegistrationView),
        (status = 401, description = "Missing or wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or no administrator token configured", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
    tag = "sources"
)]
pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    act(state, headers, id, RegistrationAction::Resume).await
}

async fn act(
    state: AppState,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    action: RegistrationAction,
) -> Response {
    let Some(expected) = state.admin_token.as_deref() else {
        return super::api_not_found_problem(&format!("/api/v1/sources/…/{}", action.as_str()))
            .into_response();
    };
    if !super::admin::bearer_matches(&headers, expected) {
        let mut response = Problem::unauthorized().into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let Ok(Path(id)) = id else {
        return Problem::not_found("there is no registration with that id").into_response();
    };
    let store = state.store.clone();
    let asked = id.clone();
    let outcome = blocking(move || Ok(registry::act(&store, &asked, action)?)).await;
    match outcome {
        Ok(Transition::Done(registration)) => {
            if registration.status == crate::store::RegistrationStatus::Active {
                // Harvested at once, not at the scheduler's next tick.
                state.scheduler.wake();
            }
            Json(RegistrationView::from(registration.as_ref())).into_response()
        }
        Ok(Transition::NotFound) => Problem::not_found(format!(
            "there is no registration `{id}`; GET /api/v1/sources lists them"
        ))
        .into_response(),
        Ok(Transition::NotApplicable(status)) => Problem::conflict(format!(
            "registration `{id}` is {}: it cannot be {}d",
            status.as_str(),
            action.as_str()
        ))
        .into_response(),
        Err(problem) => problem.into_response(),
    }
}
