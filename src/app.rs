//! The application assembled in the library (zero-to-production's `startup.rs`): the data
//! folder's layout, the [`Pipeline`] the CLI runs, and the server [`App`] that `essor serve`
//! and the tests start on a listener they bound themselves.
//!
//! Invariant: this is the only place that knows where things live in the data folder (the store,
//! `index/`) and how the server's parts are wired together; `main.rs` only parses arguments.

use std::future::Future;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::{self, AppState, LimitConfig, Limits};
use crate::classify::Thesaurus;
use crate::feed::{Feed, FeedConfig};
use crate::index::{Index, IndexError};
use crate::pipeline::{Pipeline, PipelineError};
use crate::registry;
use crate::schedule::Scheduler;
use crate::source::{self, SourceError};
use crate::store::{BackupReport, RestoreReport, Store, StoreError};

mod check;
mod control;

pub use check::{CheckOutcome, IndexCheck, check};

/// The server's store page cache by default: works are read all over the file. 128 MiB, not
/// 256: at 1 M works the server then peaks under 1 GiB of RSS (issue 16), and neither the work
/// pages (random reads) nor the feed (a walk over more records than any cache holds) got slower.
pub const SERVE_CACHE_BYTES: usize = 128 * 1024 * 1024;
/// How often the scheduler looks for sources due for a harvest (and reads the registrations).
pub const SCHEDULE_TICK: Duration = Duration::from_secs(30);
/// How long a stopping server waits for its harvests to save their checkpoints.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);
/// How often the rate limiter forgets clients that went quiet.
const LIMITS_SWEEP: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    // The inner error is shown in the message, not as a `source` (`{:#}` would repeat it).
    #[error("opening the store in {dir}: {error}")]
    Store { dir: PathBuf, error: StoreError },
    #[error("opening the search index in {dir}: {error}")]
    Index { dir: PathBuf, error: IndexError },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("{0}")]
    Config(String),
    /// A backup or restore that failed (the message says which and why).
    #[error("{0}")]
    Backup(String),
}

impl AppError {
    /// A configuration problem (bad source file, bad setting): the CLI exits 2.
    pub fn is_configuration(&self) -> bool {
        match self {
            AppError::Source(_) | AppError::Config(_) => true,
            AppError::Pipeline(error) => error.is_configuration(),
            AppError::Store { .. } | AppError::Index { .. } | AppError::Backup(_) => false,
        }
    }
}

/// Opens (or creates) the store in `data` with the default page cache.
pub fn open_store(data: &Path) -> Result<Store, AppError> {
    Store::open(data).map_err(|error| AppError::Store {
        dir: data.to_owned(),
        error,
    })
}

/// The running server's control socket, beside the store.
fn control_socket(data: &Path) -> PathBuf {
    data.join("essor.sock")
}

/// Writes a consistent copy of the store in `data` to the new file `dest`: through the running
/// `essor serve` when it holds the store, else from the store opened here. The search index is
/// not copied: it is rebuilt from the store.
pub fn backup(data: &Path, dest: &Path) -> Result<BackupReport, AppError> {
    let store_error = |error| AppError::Store {
        dir: data.to_owned(),
        error,
    };
    if !Store::file_in(data).is_file() {
        return Err(AppError::Backup(format!("no store in {}", data.display())));
    }
    let dest = std::path::absolute(dest)
        .map_err(|error| AppError::Backup(format!("{}: {error}", dest.display())))?;
    match Store::open(data) {
        Ok(store) => store
            .backup_to(&dest)
            .map_err(|error| AppError::Backup(error.to_string())),
        Err(StoreError::InUse { .. }) => control::request_backup(&control_socket(data), &dest)
            .map_err(|error| AppError::Backup(format!("backup to {}: {error}", dest.display()))),
        Err(error) => Err(store_error(error)),
    }
}

/// Puts the backup `from` back as the store in `data` (see [`crate::store::restore`]) and
/// removes the search index, which the next open rebuilds from the restored store.
pub fn restore(data: &Path, from: &Path, replace: bool) -> Result<RestoreReport, AppError> {
    let report = crate::store::restore(from, data, replace)
        .map_err(|error| AppError::Backup(error.to_string()))?;
    let index = data.join("index");
    match std::fs::remove_dir_all(&index) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(AppError::Config(format!(
                "restored, but cannot remove the old search index {} ({error}): remove it before serving",
                index.display()
            )));
        }
    }
    Ok(report)
}

/// The search index lives beside the store: `<data>/index`.
pub fn open_index(data: &Path) -> Result<Index, AppError> {
    let dir = data.join("index");
    Index::open(&dir).map_err(|error| AppError::Index { dir, error })
}

/// The harvest → works → index path over the store in `data`, every source file in
/// `sources_dir` (a folder with any invalid file is refused) and the registered repositories,
/// for a command-line run: its index is never searched (the server builds its own pipeline).
pub fn open_pipeline(data: &Path, sources_dir: &Path) -> Result<Pipeline, AppError> {
    let started = std::time::Instant::now();
    let sources = source::load_dir(sources_dir)?;
    // The index opens its segments and the thesaurus compiles on threads of their own while
    // the store opens: a CLI harvest of a few pages waits on each in turn otherwise.
    let (store, index, thesaurus) = std::thread::scope(|scope| {
        let index = scope.spawn(|| open_index(data).map(Index::never_searched));
        let thesaurus = scope.spawn(Thesaurus::builtin);
        let store = open_store(data);
        let index = index
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let thesaurus = thesaurus
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (store, index, thesaurus)
    });
    let (store, index) = (Arc::new(store?), Arc::new(index?));
    let thesaurus = thesaurus.map_err(PipelineError::from)?;
    let pipeline = Pipeline::with_builtin(store, sources, index, thesaurus)?;
    with_registered(&pipeline, registry::HARVEST_EVERY, data)?;
    tracing::debug!(
        opened_ms = started.elapsed().as_millis() as u64,
        "pipeline opened"
    );
    Ok(pipeline)
}

/// Adds the store's registered repositories to `pipeline`'s sources.
fn with_registered(pipeline: &Pipeline, every: Duration, data: &Path) -> Result<(), AppError> {
    let registered =
        registry::registered_sources(pipeline.store(), every).map_err(|error| AppError::Store {
            dir: data.to_owned(),
            error,
        })?;
    pipeline.set_registered(registered);
    Ok(())
}

/// What `essor serve` is started with; [`Settings::new`] gives the CLI's defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub sources_dir: PathBuf,
    /// What Identify says, and the list page size.
    pub feed: FeedConfig,
    /// The public URL of `/oai` when behind a proxy; else taken from each request's `Host`.
    pub base_url: Option<String>,
    /// Bearer token of `/admin/*`; `None` (or empty) turns those routes off.
    pub admin_token: Option<String>,
    pub limits: LimitConfig,
    /// Harvest sources on their `harvest_every`.
    pub schedule: bool,
    /// How often the scheduler looks for due sources ([`SCHEDULE_TICK`]).
    pub schedule_tick: Duration,
    /// How often an active registered repository is harvested ([`registry::HARVEST_EVERY`]).
    pub registered_every: Duration,
    /// Which networks registration may reach (`ESSOR_ALLOW_PRIVATE_NETWORKS`).
    pub network: crate::harvest::guard::NetworkPolicy,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// The store's page cache ([`SERVE_CACHE_BYTES`]): most of the server's own memory.
    pub store_cache_bytes: usize,
}

impl Settings {
    pub fn new(data_dir: impl Into<PathBuf>, sources_dir: impl Into<PathBuf>) -> Settings {
        Settings {
            data_dir: data_dir.into(),
            sources_dir: sources_dir.into(),
            feed: FeedConfig::default(),
            base_url: None,
            admin_token: None,
            limits: LimitConfig::default(),
            schedule: true,
            schedule_tick: SCHEDULE_TICK,
            registered_every: registry::HARVEST_EVERY,
            network: crate::harvest::guard::NetworkPolicy::from_env(),
            header_read_timeout: api::HEADER_READ_TIMEOUT,
            store_cache_bytes: SERVE_CACHE_BYTES,
        }
    }
}

/// The server, ready to serve: store, sources, feed, index (caught up) and scheduler opened.
pub struct App {
    state: AppState,
    data_dir: PathBuf,
    scheduler: Arc<Scheduler>,
    /// `Some(tick)` when sources are harvested on their schedule.
    schedule: Option<Duration>,
    header_read_timeout: Duration,
}

impl App {
    /// Opens everything `settings` names and brings the search index up to date with what was
    /// harvested while the server was stopped. Blocking: call it before entering the runtime,
    /// or from `spawn_blocking`.
    pub fn open(settings: Settings) -> Result<App, AppError> {
        if !is_repository_identifier(&settings.feed.repository_identifier) {
            return Err(AppError::Config(format!(
                "--repository-identifier must be a domain name such as essor.example.org, got `{}`",
                settings.feed.repository_identifier
            )));
        }
        let data = &settings.data_dir;
        let sources = source::load_dir(&settings.sources_dir)?;
        let store = Arc::new(
            Store::open_with_cache(data, settings.store_cache_bytes).map_err(|error| {
                AppError::Store {
                    dir: data.clone(),
                    error,
                }
            })?,
        );
        let index = Arc::new(open_index(data)?);
        let report = index.update(&store).map_err(|error| AppError::Index {
            dir: data.join("index"),
            error,
        })?;
        tracing::info!(?report, "search index up to date");
        let pipeline =
            Pipeline::new(store.clone(), sources, index.clone())?.with_network(settings.network);
        with_registered(&pipeline, settings.registered_every, data)?;
        let feed = Feed::new(
            store.clone(),
            settings.feed,
            &pipeline.sources(),
            pipeline.thesaurus(),
        )
        .map_err(|error| AppError::Store {
            dir: data.clone(),
            error,
        })?;
        let sources = pipeline.files().clone();
        let scheduler = Arc::new(Scheduler::new(pipeline, settings.registered_every));
        let state = AppState {
            feed: Arc::new(feed),
            base_url: settings.base_url,
            scheduler: scheduler.clone(),
            admin_token: settings.admin_token.filter(|t| !t.is_empty()),
            store,
            index,
            sources,
            metrics: Arc::default(),
            limits: Arc::new(Limits::new(settings.limits)),
            renders: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            network: settings.network,
        };
        Ok(App {
            state,
            data_dir: data.clone(),
            scheduler,
            schedule: settings.schedule.then_some(settings.schedule_tick),
            header_read_timeout: settings.header_read_timeout,
        })
    }

    /// Serves on `listener` (bound by the caller: port 0 in tests) until `shutdown` completes,
    /// then finishes the requests in flight and stops the harvests after their page write in
    /// progress, their checkpoints saved. Scheduled harvests run beside it.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Scheduled harvests parse at a lower priority than the requests served.
        crate::harvest::lower_parser_priority();
        // Before the schedule starts, so that its first works update waits for the fill.
        let _filling = self.scheduler.fill_feed_records().await;
        let scheduled = self
            .schedule
            .map(|tick| tokio::spawn(self.scheduler.clone().run(tick)));
        // Without it the server still serves; `essor backup` then says it cannot reach it.
        let _control = control::listen(&control_socket(&self.data_dir), self.state.store.clone())
            .inspect_err(|error| tracing::warn!(%error, "no control socket: essor backup cannot reach this server"))
            .ok();
        let limits = self.state.limits.clone();
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(LIMITS_SWEEP);
            loop {
                every.tick().await;
                limits.forget_idle();
            }
        });
        let scheduler = self.scheduler.clone();
        let shutdown = async move {
            shutdown.await;
            // Before the requests in flight are waited for: an operator's harvest among them
            // ends at its next page too.
            scheduler.stop_harvests();
        };
        let served = api::serve_with(
            listener,
            api::router(self.state),
            self.header_read_timeout,
            shutdown,
        )
        .await;
        sweeper.abort();
        if let Some(scheduled) = scheduled {
            scheduled.abort();
        }
        // Harvests asked for by an operator stop too: every run ends on a saved checkpoint.
        self.scheduler.shutdown(SHUTDOWN_WAIT).await;
        served
    }
}

/// Rate limits from the command line's requests-per-second figures (0 is read as 1).
pub fn limit_config(per_ip: u32, per_key: u32, api_keys: Vec<String>) -> LimitConfig {
    let nonzero = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    LimitConfig {
        per_ip: nonzero(per_ip),
        per_key: nonzero(per_key),
        api_keys: api_keys.into_iter().filter(|k| !k.is_empty()).collect(),
        ..LimitConfig::default()
    }
}

/// OAI's repositoryIdentifier syntax: dot-separated labels starting with a letter, at least two.
fn is_repository_identifier(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            label.starts_with(|c: char| c.is_ascii_alphabetic())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::is_repository_identifier;

    #[test]
    fn repository_identifiers_are_domain_names() {
        assert!(is_repository_identifier("essor.example.org"));
        assert!(is_repository_identifier("essor.local"));
        assert!(!is_repository_identifier("essor"));
        assert!(!is_repository_identifier("1essor.org"));
        assert!(!is_repository_identifier("essor..org"));
        assert!(!is_repository_identifier("es_sor.org"));
    }
}
