//! Harvests inside the server: the store has one writer process, so `essor serve` harvests
//! itself, on each source's `harvest_every` and on demand (the admin API), through the same
//! [`Pipeline`] as the CLI, so the feed and the search index follow without a restart. The
//! sources are the files and the repositories registered through the API, read from the store
//! at every tick: an approved registration is harvested at once (the API wakes the scheduler).
//! It also builds the barometer's edition of a semester that has just ended, on its own, once
//! every enabled source has completed a harvest and none is in progress (`barometer::unsettled`).
//!
//! Harvests of different hosts run side by side, at most one per host and never two of one
//! source (`claims.rs`); when each is due comes from its history (`plan.rs`: interval with
//! jitter, exponential backoff after failures, at once after an interruption).
//!
//! Invariant: one works and index update (or edition build) at a time per server, after each
//! harvest, so an edition never reads works half updated.

mod claims;
mod plan;

use std::sync::Arc;
use std::time::Duration;

pub use claims::MAX_HARVESTS;
pub use plan::{Plan, RETRY_AFTER_FAILURE};

use crate::barometer::{self, BuildOptions, BuildOutcome, Semester};
use crate::harvest::StopSignal;
use crate::index::IndexReport;
use crate::pipeline::{HarvestOptions, Outcome, Pipeline, PipelineError};
use crate::registry;
use crate::source::Source;
use crate::store::{StoreError, Transition};
use crate::works::UpdateReport;
use claims::Claims;

pub struct Scheduler {
    pipeline: Pipeline,
    /// Held while works and the index are brought up to date (by a harvest following its
    /// pages, or after it), and while an edition is built.
    busy: Arc<tokio::sync::Mutex<()>>,
    /// How often an active registration is harvested.
    registered_every: Duration,
    /// Rung when a registration becomes active (harvested at once, not at the next tick) and
    /// when a harvest ends (a source held back by its host may start).
    wake: tokio::sync::Notify,
    /// The sources and hosts being harvested.
    claims: Arc<Claims>,
    /// Set when the server shuts down: harvests end after their page write in progress.
    stop: tokio::sync::watch::Sender<bool>,
    stop_signal: StopSignal,
    /// The reason the last automatic edition build was skipped, so that a build waiting for
    /// the same harvest is logged once, not every tick.
    skipped: std::sync::Mutex<Option<String>>,
}

/// What one tick did about the barometer's due edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditionTick {
    /// Nothing to do: published already, or an empty store.
    NotDue,
    /// Built and frozen.
    Built(Semester),
    /// Not built now, for `reason` (a source's harvest is unfinished): retried on a later tick.
    Skipped { edition: Semester, reason: String },
    /// The build failed (logged); retried on a later tick.
    Failed,
}

impl Scheduler {
    pub fn new(pipeline: Pipeline, registered_every: Duration) -> Scheduler {
        let (stop, stop_signal) = StopSignal::new();
        Scheduler {
            pipeline,
            busy: Arc::new(tokio::sync::Mutex::new(())),
            skipped: std::sync::Mutex::new(None),
            registered_every,
            wake: tokio::sync::Notify::new(),
            claims: Arc::default(),
            stop,
            stop_signal,
        }
    }

    /// Works and the index follow each harvest as the CLI's do (each page's records analysed
    /// while it is written, works updated batch by batch), each update holding `busy`, until
    /// the server stops. Harvests were of records only, works updated after each: the update
    /// analysed every record then, and a long harvest's works appeared only at its end. A
    /// run's end is synced before it is seen (the API shows it).
    fn options(&self) -> HarvestOptions {
        HarvestOptions {
            stop: self.stop_signal.clone(),
            sync_end: true,
            updates: Some(self.busy.clone()),
            ..HarvestOptions::default()
        }
    }

    /// Whether the server is stopping: no harvest starts any more.
    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Asks the harvests in flight to stop after their page write in progress.
    pub fn stop_harvests(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops the harvests in flight after their page write in progress, waits (at most
    /// `within`) for their checkpoints to be saved and for the works update in progress.
    pub async fn shutdown(&self, within: Duration) {
        self.stop_harvests();
        let stopped = async {
            self.claims.idle().await;
            let _updates_done = self.busy.lock().await;
        };
        if tokio::time::timeout(within, stopped).await.is_err() {
            tracing::warn!(
                seconds = within.as_secs(),
                "harvests still running at shutdown"
            );
        }
    }

    /// Asks the scheduler to look for due sources now (a registration was approved or resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// How often an active registered repository is harvested.
    pub fn registered_every(&self) -> Duration {
        self.registered_every
    }

    /// Whether source `id` is being harvested now.
    pub fn is_harvesting(&self, id: &str) -> bool {
        self.claims.is_running(id)
    }

    /// Harvests the named sources (every enabled one if `ids` is empty), side by side as the
    /// scheduler would (each waits for a harvest of itself or of its host to end), then
    /// updates works and the index once.
    pub async fn harvest(self: &Arc<Self>, ids: &[String]) -> Result<Outcome, PipelineError> {
        self.refresh_blocking().await?;
        let selected = self.pipeline.select(ids)?;
        let jobs = selected.into_iter().map(|source| {
            let scheduler = self.clone();
            async move {
                let _claim = scheduler.claims.claim(&source).await;
                if scheduler.stopping() {
                    // Its turn came as the server stops (the harvest before it ended for that).
                    return Ok(Outcome {
                        runs: Vec::new(),
                        works: None,
                        index: None,
                    });
                }
                scheduler
                    .pipeline
                    .harvest(vec![source], scheduler.options())
                    .await
            }
        });
        let (mut runs, mut works, mut index) =
            (Vec::new(), UpdateReport::default(), IndexReport::default());
        for outcome in futures_util::future::join_all(jobs).await {
            let outcome = outcome?;
            runs.extend(outcome.runs);
            works += outcome.works.unwrap_or_default();
            index += outcome.index.unwrap_or_default();
        }
        // What the harvests' own updates left (one stopped, or failed): usually nothing.
        let (after, after_index) = self.update_works().await?;
        works += after;
        index += after_index;
        Ok(Outcome {
            runs,
            works: Some(works),
            index: Some(index),
        })
    }

    /// Removes registration `id` (see [`registry::remove`]): once a harvest of it in progress
    /// has ended, its status becomes `removed` and its records are tombstoned; then works and
    /// the index follow, so the feed shows the works only it held as deleted. Returns the
    /// transition and how many records were tombstoned.
    pub async fn remove(self: &Arc<Self>, id: &str) -> Result<(Transition, u64), PipelineError> {
        self.refresh_blocking().await?;
        let source = self
            .pipeline
            .sources()
            .iter()
            .find(|s| s.untrusted && s.id.as_str() == id)
            .cloned();
        let _claim = match &source {
            Some(source) => Some(self.claims.claim(source).await),
            None => None,
        };
        let (store, asked) = (self.pipeline.store().clone(), id.to_owned());
        let (transition, tombstoned) =
            tokio::task::spawn_blocking(move || registry::remove(&store, &asked))
                .await
                .map_err(|_| PipelineError::Panicked)??;
        self.refresh_blocking().await?;
        if tombstoned > 0 {
            self.update_works().await?;
        }
        Ok((transition, tombstoned))
    }

    /// Renders the feed's stored records again when they are another version's (a store of an
    /// earlier essor: 1 M works take minutes), in the background so that the server listens at
    /// once; feed pages and exports are written from the works meanwhile. Ends early when the
    /// server stops (and starts over at the next start). Returns once the fill holds `busy`, so
    /// that a works update asked for afterwards waits for it rather than filling unstoppably.
    pub async fn fill_feed_records(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let (held, holding) = tokio::sync::oneshot::channel();
        let this = self.clone();
        let task = tokio::spawn(async move {
            let _one_at_a_time = this.busy.lock().await;
            let _ = held.send(());
            this.until_stopped(
                "feed records not rendered: pages are written from the works",
                |pipeline, stopped| pipeline.fill_feed_records_unless(stopped),
            )
            .await;
            this.compress_feed_records_held().await;
        });
        let _ = holding.await;
        task
    }

    /// Makes the feed's precompressed records (gzip pages) of the works written since the
    /// last time, in the background (a task taking `busy` after the update that asked for it):
    /// the works update does not wait for DEFLATE (a fifth of a fresh build's CPU).
    fn compress_feed_records(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            let _one_at_a_time = this.busy.lock().await;
            this.compress_feed_records_held().await;
        });
    }

    /// [`Scheduler::compress_feed_records`], `busy` held by the caller; ends early when the
    /// server stops (going on at the next start).
    async fn compress_feed_records_held(&self) {
        let made = self
            .until_stopped(
                "feed records not precompressed: gzip pages read the plain ones",
                |pipeline, stopped| pipeline.compress_feed_records_unless(stopped),
            )
            .await;
        if let Some(rows) = made
            && !self.stopping()
        {
            // Benchmarks wait for this line before they load the feed (bench/feed_bench.sh).
            tracing::info!(
                rows,
                "feed records up to date: pages are copies of stored rows"
            );
        }
    }

    /// Runs `work` on a blocking thread, told to stop once the server stops; logs `failed` with
    /// the error (or a panic) and gives `None` then.
    async fn until_stopped(
        &self,
        failed: &'static str,
        work: fn(&Pipeline, &dyn Fn() -> bool) -> Result<u64, PipelineError>,
    ) -> Option<u64> {
        let pipeline = self.pipeline.clone();
        let stop = self.stop.subscribe();
        let done = tokio::task::spawn_blocking(move || work(&pipeline, &|| *stop.borrow())).await;
        match done {
            Ok(Ok(count)) => Some(count),
            Ok(Err(error)) => {
                tracing::error!(%error, "{failed}");
                None
            }
            Err(_) => {
                tracing::error!("{failed} (panicked)");
                None
            }
        }
    }

    /// Works, then the index, brought up to date with what the harvests stored; one update at
    /// a time. The feed's precompressed records follow in the background.
    async fn update_works(
        self: &Arc<Self>,
    ) -> Result<(UpdateReport, crate::index::IndexReport), PipelineError> {
        let updated = {
            let _one_at_a_time = self.busy.lock().await;
            let pipeline = self.pipeline.clone();
            tokio::task::spawn_blocking(move || pipeline.update())
                .await
                .map_err(|_| PipelineError::Panicked)?
        };
        if updated.is_ok() {
            self.compress_feed_records();
        }
        updated
    }

    /// Reads the registrations again, so the pipeline harvests what is approved now. Blocking.
    fn refresh(&self) -> Result<(), StoreError> {
        refresh(&self.pipeline, self.registered_every)
    }

    async fn refresh_blocking(&self) -> Result<(), StoreError> {
        let (pipeline, every) = (self.pipeline.clone(), self.registered_every);
        tokio::task::spawn_blocking(move || refresh(&pipeline, every))
            .await
            .unwrap_or_else(|e| {
                Err(StoreError::corrupt(
                    "registrations",
                    format!("task failed: {e}"),
                ))
            })
    }

    /// Enabled sources with an interval that are due now and not being harvested. Blocking.
    fn due(&self) -> Result<Vec<Source>, StoreError> {
        self.refresh()?;
        let now = chrono::Utc::now();
        let store = self.pipeline.store();
        let mut due = Vec::new();
        for source in self.pipeline.sources().iter().filter(|s| s.enabled) {
            let Some(every) = source.harvest_every else {
                continue;
            };
            if self.claims.is_running(source.id.as_str()) {
                continue;
            }
            let runs = store.runs(Some(source.id.as_str()))?;
            if Plan::of(source.id.as_str(), every, &runs).due(now) {
                due.push(source.clone());
            }
        }
        Ok(due)
    }

    /// Starts a harvest of each due source whose host is free; the others wait for a later
    /// tick (or for a harvest to end).
    async fn start_due(self: &Arc<Self>) {
        let scheduler = self.clone();
        let due = tokio::task::spawn_blocking(move || scheduler.due())
            .await
            .unwrap_or_else(|e| Err(StoreError::corrupt("runs", format!("task failed: {e}"))));
        let due = match due {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "cannot read the harvest history");
                return;
            }
        };
        for source in due {
            // A harvest stopped by the shutdown ends, wakes the scheduler and leaves its source
            // due (to be resumed): it must not start again as a new run stopped at once.
            if self.stopping() {
                return;
            }
            let Some(claim) = self.claims.try_claim(&source) else {
                continue;
            };
            let scheduler = self.clone();
            tokio::spawn(async move {
                let id = source.id.to_string();
                let harvested = scheduler
                    .pipeline
                    .harvest(vec![source], scheduler.options())
                    .await;
                drop(claim);
                scheduler.wake();
                let followed = match harvested {
                    Ok(outcome) => outcome.works.unwrap_or_default(),
                    Err(error) => {
                        tracing::error!(%error, source = %id, "scheduled harvest failed");
                        UpdateReport::default()
                    }
                };
                if *scheduler.stop.borrow() {
                    // Works catch up at the next start, from the store's change log.
                    return;
                }
                match scheduler.update_works().await {
                    Ok((after, _)) => {
                        let mut works = followed;
                        works += after;
                        tracing::info!(
                            source = %id,
                            works_created = works.works_created,
                            works_changed = works.works_changed,
                            "scheduled harvest done"
                        );
                    }
                    Err(error) => tracing::error!(%error, source = %id, "works update failed"),
                }
            });
        }
    }

    /// Builds the barometer's edition of the semester that ended last when the store has no
    /// published one (and has works: an empty store must not freeze an empty edition), unless a
    /// source's harvest is unfinished: a frozen edition must not be read from a half-harvested
    /// store. The build runs on a blocking thread, so the server keeps answering; errors are
    /// logged.
    pub async fn build_due_edition(&self) -> EditionTick {
        let options = BuildOptions::now(false);
        let due = Semester::last_ended(options.today);
        let store = self.pipeline.store().clone();
        // Only the published flag is wanted: the edition itself is not decoded every tick.
        let published = match store.barometer_edition::<serde::de::IgnoredAny>(&due.to_string()) {
            Ok(found) => found.is_some_and(|(published, _)| published),
            Err(error) => {
                tracing::error!(%error, "cannot read the barometer's editions");
                return EditionTick::Failed;
            }
        };
        if published || store.work_counts().map_or(true, |(live, _)| live == 0) {
            return EditionTick::NotDue;
        }
        let _one_at_a_time = self.busy.lock().await;
        match barometer::unsettled(&store, &self.pipeline.sources()) {
            Ok(None) => {}
            Ok(Some(unsettled)) => return self.skip(due, unsettled.to_string()),
            Err(error) => {
                tracing::error!(%error, "cannot read the harvest history");
                return EditionTick::Failed;
            }
        }
        self.skip_cleared();
        let thesaurus = self.pipeline.thesaurus().clone();
        let started = std::time::Instant::now();
        let built = tokio::task::spawn_blocking(move || {
            barometer::build(&store, &thesaurus, due, &options)
        })
        .await;
        match built {
            Ok(Ok((edition, BuildOutcome::Built))) => {
                tracing::info!(edition = %edition.id, seconds = started.elapsed().as_secs_f64(), "barometer edition built");
                EditionTick::Built(due)
            }
            Ok(Ok((_, BuildOutcome::Kept))) => EditionTick::NotDue,
            Ok(Err(error)) => {
                tracing::error!(%error, edition = %due, "barometer edition not built");
                EditionTick::Failed
            }
            Err(error) => {
                tracing::error!(%error, edition = %due, "barometer build stopped");
                EditionTick::Failed
            }
        }
    }

    /// Records a skipped build (logged when its reason changes).
    fn skip(&self, edition: Semester, reason: String) -> EditionTick {
        let mut last = self
            .skipped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.as_deref() != Some(reason.as_str()) {
            tracing::info!(%edition, %reason, "barometer edition not built yet: retried on a later tick");
            *last = Some(reason.clone());
        }
        EditionTick::Skipped { edition, reason }
    }

    fn skip_cleared(&self) {
        *self
            .skipped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Checks every `tick` (and when woken) for due sources and starts their harvests, and for
    /// a barometer edition to build. Runs until the task is dropped.
    pub async fn run(self: Arc<Self>, tick: Duration) {
        let mut interval = tokio::time::interval(tick);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                () = self.wake.notified() => {}
            }
            if self.stopping() {
                return;
            }
            self.build_due_edition().await;
            self.start_due().await;
        }
    }
}

/// The pipeline's registered repositories set from the store's registrations. Blocking.
fn refresh(pipeline: &Pipeline, every: Duration) -> Result<(), StoreError> {
    let registered = registry::registered_sources(pipeline.store(), every)?;
    pipeline.set_registered(registered);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Index;
    use crate::store::Store;

    /// A scheduler over a fresh store whose one source is due now (never harvested, every
    /// hour) and answered by nothing.
    fn scheduler(dir: &std::path::Path) -> (Arc<Scheduler>, Arc<Store>) {
        let source = Source::parse(
            &dir.join("unreachable.toml"),
            "name = \"Unreachable\"\nkind = \"oai-pmh\"\nbase_url = \"http://127.0.0.1:9/oai\"\n\
             harvest_every = \"1h\"\nmax_retries = 0\n",
        )
        .expect("a valid source");
        let store = Arc::new(Store::open(&dir.join("data")).expect("store"));
        let index = Arc::new(Index::open(&dir.join("data/index")).expect("index"));
        let pipeline = Pipeline::new(store.clone(), vec![source], index).expect("pipeline");
        (
            Arc::new(Scheduler::new(pipeline, Duration::from_secs(3600))),
            store,
        )
    }

    /// A harvest stopped by the shutdown wakes the scheduler and leaves its source due: it was
    /// started again as a new run, stopped at once (seen once in `sources_scheduled` under load).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stopping_server_starts_no_harvest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (running, store) = scheduler(&dir.path().join("running"));
        running.start_due().await;
        // Running, the due source is harvested (its run recorded, failed: nothing answers).
        let mut runs = Vec::new();
        for _ in 0..100 {
            runs = store.runs(None).expect("runs");
            if !runs.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(runs.len(), 1, "{runs:?}");

        let (stopping, store) = scheduler(&dir.path().join("stopping"));
        stopping.stop_harvests();
        stopping.start_due().await;
        let outcome = stopping.harvest(&[]).await.expect("nothing to harvest");
        assert!(outcome.runs.is_empty());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(store.runs(None).expect("runs").len(), 0);
    }
}
