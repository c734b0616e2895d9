//! The HTTP server: `/oai` (the OAI-PMH provider), `/healthz`, `/admin/harvest`, and later the REST API and the
//! pages. The only module that knows the web framework (axum on hyper). Handlers translate
//! HTTP to the protocol modules (`feed`) and back; the store is read on blocking threads.
//!
//! Like mini-redis, [`serve`] takes a bound listener: tests bind port 0 and read the address.

mod admin;
mod oai;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::feed::Feed;
use crate::schedule::Scheduler;

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
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/oai", get(oai::get).post(oai::post))
        .route("/healthz", get(healthz))
        .route("/admin/harvest", post(admin::harvest))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
