//! Harvesting: the sources stage of the pipeline. Fetches OAI-PMH responses (or reads saved
//! ones), parses and maps them through [`crate::oai`], and commits them page by page into the
//! [`crate::store`]. The only module that makes outbound HTTP.

mod client;
mod commit;
mod dump;
mod feed;
mod fetch;
mod hal;
pub mod guard;
mod json;
mod list;
mod parse_pool;
pub mod preview;
mod progress;
mod run;
mod saved;
mod state;
mod table;
mod theses;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

pub use client::USER_AGENT;
pub use fetch::{Fetcher, RequestCount, backoff, parse_retry_after};
pub use list::oai_url;
pub use parse_pool::lower_parser_priority;
pub use progress::{Committed, CommittedSoFar, Reporter};

use crate::oai::ErrorCode;
use crate::source::Source;
use crate::store::{PreparedItem, RunRecord, RunStatus, Store, StoreError};

/// At most this many sources are harvested at once (each stays polite to its own host).
const CONCURRENT_SOURCES: usize = 4;

/// Why a harvest stopped. Transient faults are retried inside the fetcher; what reaches here is
/// final for this run (the checkpoint is kept, so the next run resumes).
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("{url}: gave up after {attempts} attempts; last fault: {last}")]
    RetriesExhausted {
        url: String,
        attempts: u64,
        last: String,
    },
    #[error("{url}: HTTP {status} without a usable OAI-PMH answer")]
    Http { url: String, status: u16 },
    #[error("{url}: the response cannot be parsed: {message}")]
    Malformed { url: String, message: String },
    #[error("the repository answered OAI-PMH error {code}: {message}")]
    Protocol { code: ErrorCode, message: String },
    #[error(
        "resumption token loop: the repository sent token {token:?} twice; the list was abandoned, records received so far are kept"
    )]
    TokenLoop { token: String },
    #[error("dump {path}: {message}")]
    Dump {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error(
        "{url}: the response is larger than {limit} bytes (decompressed), more than essor reads in one piece"
    )]
    TooLarge { url: String, limit: usize },
    #[error("{location}: {message}")]
    File { location: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Setup(String),
    /// The server is shutting down: the run stopped after its last page write, its checkpoint
    /// kept, and resumes at the next start.
    #[error("stopped with the server; the harvest resumes from its checkpoint at the next start")]
    Stopped,
}

/// Asks harvests to stop (the server is shutting down): each ends after the page it is
/// writing, with its checkpoint saved. The default never stops. Clones share the signal.
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Option<tokio::sync::watch::Receiver<bool>>);

impl StopSignal {
    /// The sender (send `true` to stop) and the signal harvests listen to.
    pub fn new() -> (tokio::sync::watch::Sender<bool>, StopSignal) {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        (sender, StopSignal(Some(receiver)))
    }

    /// Completes when a stop is asked for; never for the default signal (or a dropped sender).
    pub async fn stopped(&self) {
        if let Some(receiver) = &self.0 {
            let mut receiver = receiver.clone();
            if receiver.wait_for(|stop| *stop).await.is_ok() {
                return;
            }
        }
        std::future::pending::<()>().await;
    }

    /// Whether a stop has been asked for (never for the default signal).
    pub fn is_stopped(&self) -> bool {
        self.0.as_ref().is_some_and(|receiver| *receiver.borrow())
    }
}

/// How the runs write: whether their ends are synced to disk, whether they may stage their
/// records ([`crate::store::Store::stages`]), and who is shown each page about to be
/// committed.
#[derive(Clone)]
pub struct Writing {
    pub sync_end: bool,
    pub stage: bool,
    pub pages: Option<Arc<dyn PageWatch>>,
}

/// Shown each page's items just before they are committed to the records (not a staged page's):
/// the works stage analyses them on the core the write leaves idle (`works::PreAnalysis`).
/// It must return at once and never fail the write: the page is committed whatever it does.
/// The items are shared with the write, not copied on its thread.
pub trait PageWatch: Send + Sync {
    fn page_ready(&self, source: &str, items: Arc<Vec<PreparedItem>>);
}

/// Harvests `sources` (a few at a time) and returns each one's run, in the order given.
/// Registered repositories ([`Source::untrusted`]) reach only what `network` allows. Unless
/// `sync_end`, the runs' ends are not synced to disk: the caller commits durably after them
/// (or calls [`Store::sync`]).
pub async fn harvest_sources(
    store: Arc<Store>,
    sources: Vec<Source>,
    full: bool,
    reporter: Reporter,
    network: guard::NetworkPolicy,
    stop: StopSignal,
    writing: Writing,
) -> Result<Vec<RunRecord>, HarvestError> {
    let fetcher = Arc::new(Fetcher::new(network)?);
    for source in &sources {
        fetcher.register(source);
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SOURCES));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, source) in sources.into_iter().enumerate() {
        let (store, fetcher, permits) = (store.clone(), fetcher.clone(), permits.clone());
        let writing = writing.clone();
        let stop = stop.clone();
        let progress = reporter.source(source.id.as_str());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let id = source.id.to_string();
            let harvest = state::Harvest {
                source,
                store,
                fetcher,
                full,
                progress,
                stop,
                sync_end: writing.sync_end,
                stage: writing.stage,
                pages: writing.pages.clone(),
            };
            let outcome = harvest.run().await;
            (index, id, outcome)
        });
    }
    let mut runs = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, id, outcome) =
            joined.map_err(|e| HarvestError::Setup(format!("harvest task failed: {e}")))?;
        let run = outcome.unwrap_or_else(|error| failed_run(&id, &error));
        match run.status {
            RunStatus::Complete => {
                tracing::info!(source = %id, new = run.counters.new, updated = run.counters.updated, deleted = run.counters.deleted, rejected = run.counters.rejected, "harvest complete")
            }
            _ => {
                tracing::error!(source = %id, status = ?run.status, error = run.error.as_deref().unwrap_or(""), "harvest did not complete")
            }
        }
        runs.push((index, run));
    }
    runs.sort_by_key(|(index, _)| *index);
    Ok(runs.into_iter().map(|(_, run)| run).collect())
}

/// A run that could not even be recorded (the store failed): reported, not stored.
fn failed_run(source: &str, error: &HarvestError) -> RunRecord {
    RunRecord {
        source: source.to_owned(),
        run_id: 0,
        started_at: crate::store::now_rfc3339(),
        finished_at: Some(crate::store::now_rfc3339()),
        status: RunStatus::Failed,
        error: Some(error.to_string()),
        from: None,
        until: None,
        full: false,
        resumed: 0,
        counters: Default::default(),
    }
}

/// The end-of-harvest summary, one line per source.
pub fn summary_table(runs: &[RunRecord]) -> String {
    // The source column as wide as its longest id, so that the counts stay in their columns.
    let w = runs.iter().map(|run| run.source.len()).fold(24, usize::max);
    let mut out = format!(
        "{:<w$} {:<10} {:>8} {:>8} {:>9} {:>8} {:>8} {:>6} {:>8} {:>7} {:>8}\n",
        "source",
        "status",
        "new",
        "updated",
        "unchanged",
        "deleted",
        "rejected",
        "pages",
        "requests",
        "retries",
        "time"
    );
    for run in runs {
        let elapsed = run
            .finished_at
            .as_deref()
            .and_then(|end| {
                let start = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok()?;
                let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
                (end - start).to_std().ok()
            })
            .unwrap_or(Duration::ZERO);
        let status = run.status.as_str();
        let c = &run.counters;
        out.push_str(&format!(
            "{:<w$} {:<10} {:>8} {:>8} {:>9} {:>8} {:>8} {:>6} {:>8} {:>7} {:>7}s\n",
            run.source,
            status,
            c.new,
            c.updated,
            c.unchanged,
            c.deleted,
            c.rejected,
            c.pages,
            c.requests,
            c.retries,
            elapsed.as_secs()
        ));
        if let Some(error) = &run.error {
            out.push_str(&format!("  └ {error}\n"));
        }
    }
    out
}
