//! The HTTP server: `/oai` (the OAI-PMH provider), the REST API under `/api/v1` with its OpenAPI
//! document (`/openapi.json`, `/docs`), `/healthz`, `/metrics` and `/admin/harvest`. The only
//! module that knows the web framework (axum on hyper) and utoipa. Handlers translate HTTP to
//! the library (`feed`, `index`, `store`) and back, answering the published shapes of `views`;
//! the store and the index are read on blocking threads.
//!
//! Like mini-redis, [`serve`] takes a bound listener: tests bind port 0 and read the address.

mod admin;
mod barometer;
mod http;
mod limits;
mod oai;
mod page;
mod pages;
pub mod openapi;
mod params;
mod problem;
mod registration;
mod rest;
mod search;
mod serve;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_swagger_ui::SwaggerUi;

pub use http::Metrics;
pub use limits::{LimitConfig, Limits};

/// The search a `/api/v1/works` query string asks (`q=…&type=…`), as the REST handler reads it;
/// the problem's `detail` when it is refused. For `essor bench-queries`, which replays a
/// benchmark's request lists against the index alone.
pub fn search_of_query_string(query: &str) -> Result<crate::index::SearchQuery, String> {
    params::parse(query, false)
        .map(|params| params.search)
        .map_err(|problem| problem.detail)
}
pub use serve::{HEADER_READ_TIMEOUT, serve, serve_with};

use crate::feed::Feed;
use crate::schedule::Scheduler;
use crate::source::Source;
use crate::store::Store;
use problem::Problem;

/// A request taking longer than this is answered 408 (a slow client, or a stuck read).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// OAI-PMH POST bodies are a few arguments.
const BODY_LIMIT: usize = 64 * 1024;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub feed: Arc<Feed>,
    /// The public URL of `/oai` when essor runs behind a proxy; else taken from each request's
    /// `Host`.
    pub base_url: Option<String>,
    /// Harvests run by the server (scheduled, or asked for on `/admin/harvest`).
    pub scheduler: Arc<Scheduler>,
    /// Bearer token of `/admin/*`; `None` disables those routes.
    pub admin_token: Option<String>,
    pub store: Arc<Store>,
    /// Full-text search over the works (kept up to date by the scheduler after each harvest).
    pub index: Arc<crate::index::Index>,
    pub sources: Arc<Vec<Source>>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<Limits>,
    /// Pages rendered and searches run at once (about one per core): more would only share
    /// the cores and hold more pages in memory; the rest wait their turn, in order.
    pub renders: Arc<tokio::sync::Semaphore>,
    /// Which networks registration may reach when it validates a submitted repository.
    pub network: crate::harvest::guard::NetworkPolicy,
}

/// An edition as the REST API publishes it (`/api/v1/barometer/{edition}`), for the static
/// bundle `essor barometer build --out` writes: the same JSON in both places.
pub fn barometer_view(edition: &crate::barometer::Edition) -> impl serde::Serialize + use<> {
    views::EditionView::from(edition)
}

pub use page::barometer_page;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/works", get(search::works))
        .route("/api/v1/works/export", get(search::export))
        .route("/api/v1/works/{id}", get(rest::work))
        .route("/api/v1/stats", get(search::stats))
        .route(
            "/api/v1/sources",
            get(rest::sources).post(registration::register),
        )
        .route(
            "/api/v1/sources/{id}",
            get(rest::source).delete(registration::remove),
        )
        .route("/api/v1/sources/{id}/runs", get(rest::runs))
        .route("/api/v1/sources/{id}/approve", post(registration::approve))
        .route("/api/v1/sources/{id}/suspend", post(registration::suspend))
        .route("/api/v1/sources/{id}/resume", post(registration::resume))
        .route("/api/v1/barometer/editions", get(barometer::editions))
        .route("/api/v1/barometer/{edition}", get(barometer::edition))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(http::etag))
        .layer(axum::middleware::from_fn_with_state(
            state.limits.clone(),
            limits::limit,
        ));
    Router::new()
        .route("/oai", get(oai::get).post(oai::post))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/admin/harvest", post(admin::harvest))
        .route("/barometer/{edition}", get(pages::barometer))
        .merge(pages::routes())
        .merge(api)
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi_doc()))
        // A known path asked with a method it does not take: a problem document, not a bare
        // 405 (routes that set their own, such as `/{file}`, keep it).
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            http::measure,
        ))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any),
        )
        // Pages are large and mostly text: the fastest level keeps most of the gain for a
        // fraction of the CPU.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

fn openapi_doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    openapi::ApiDoc::openapi()
}

/// An unknown path: a page for a browser outside the API, else a problem document.
async fn not_found(
    State(state): State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if pages::wants_html(&headers) && !uri.path().starts_with("/api/") {
        let visit = pages::Visit::of(
            &headers,
            uri.path(),
            uri.query().unwrap_or(""),
            state.base_url.as_deref(),
        );
        let message = match visit.lang {
            crate::vocab::Lang::Fr => format!("Il n'y a pas de page à l'adresse {}.", uri.path()),
            crate::vocab::Lang::En => format!("There is no page at {}.", uri.path()),
        };
        return pages::not_found(&visit, message);
    }
    api_not_found_problem(uri.path()).into_response()
}

async fn api_not_found(uri: Uri) -> Problem {
    api_not_found_problem(uri.path())
}

fn api_not_found_problem(path: &str) -> Problem {
    Problem::not_found(format!(
        "no endpoint at {path}; the API is described at /openapi.json and /docs, the OAI-PMH feed is at /oai"
    ))
}

async fn method_not_allowed() -> Problem {
    Problem::method_not_allowed()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    let counts = tokio::task::spawn_blocking(move || store.work_counts()).await;
    let (live, deleted) = match counts {
        Ok(Ok(counts)) => counts,
        _ => (0, 0),
    };
    let works: [(&str, u64); 2] = [("state=\"live\"", live), ("state=\"deleted\"", deleted)];
    let text = state
        .metrics
        .render(&[("essor_works", "Works in the store.", &works)]);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Runs blocking index and store reads off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| Problem::unavailable("the request could not be completed"))?
}

async fn healthz() -> &'static str {
    "ok\n"
}
