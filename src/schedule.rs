//! Harvests inside the server: the store has one writer process, so `essor serve` harvests
//! itself, on each source's `harvest_every` and on demand (the admin API), through the same
//! [`Pipeline`] as the CLI, so the feed and the search index follow without a restart. The
//! sources are the files and the repositories registered through the API, read from the store
//! at every tick: an approved registration is harvested at once (the API wakes the scheduler).
//! It also builds the barometer's edition of a semester that has just ended, on its own.
//!
//! Invariant: one harvest (or edition build) at a time per server (the works and index updates
//! that follow a harvest included), so an edition never reads works half updated.

use std::sync::Arc;
use std::time::Duration;

use crate::barometer::{self, BuildOptions, BuildOutcome, Semester};
use crate::pipeline::{HarvestOptions, Outcome, Pipeline, PipelineError};
use crate::registry;
use crate::store::{RunStatus, StoreError};

pub struct Scheduler {
    pipeline: Pipeline,
    busy: tokio::sync::Mutex<()>,
    /// How often an active registration is harvested.
    registered_every: Duration,
    /// Rung when a registration becomes active, so it is harvested at once, not at the next
    /// tick.
    wake: tokio::sync::Notify,
}

impl Scheduler {
    pub fn new(pipeline: Pipeline, registered_every: Duration) -> Scheduler {
        Scheduler {
            pipeline,
            busy: tokio::sync::Mutex::new(()),
            registered_every,
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Asks the scheduler to look for due sources now (a registration was approved or resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Harvests the named sources (every enabled one if `ids` is empty), then updates works and
    /// the index.
    pub async fn harvest(&self, ids: &[String]) -> Result<Outcome, PipelineError> {
        self.refresh_blocking().await?;
        let selected = self.pipeline.select(ids)?;
        let _one_at_a_time = self.busy.lock().await;
        self.pipeline
            .harvest(selected, HarvestOptions::default())
            .await
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

    /// Sources whose `harvest_every` has passed since their last run started, that never ran,
    /// or whose last run was interrupted (the server stopped or was killed during it: it
    /// resumes from its checkpoint).
    fn due(&self) -> Result<Vec<String>, StoreError> {
        self.refresh()?;
        let now = chrono::Utc::now();
        let store = self.pipeline.store();
        let mut due = Vec::new();
        for source in self.pipeline.sources().iter().filter(|s| s.enabled) {
            let Some(every) = source.harvest_every else {
                continue;
            };
            let last = store.runs(Some(source.id.as_str()))?.pop();
            let interrupted = last
                .as_ref()
                .is_some_and(|run| run.status == RunStatus::Running);
            let started = last
                .and_then(|run| chrono::DateTime::parse_from_rfc3339(&run.started_at).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
            if interrupted || started.is_none_or(|t| now.signed_duration_since(t) >= every) {
                due.push(source.id.to_string());
            }
        }
        Ok(due)
    }

    /// Builds the barometer's edition of the semester that ended last when the store has no
    /// published one (and has works: an empty store must not freeze an empty edition). The
    /// build runs on a blocking thread, so the server keeps answering; errors are logged.
    pub async fn build_due_edition(&self) -> Option<Semester> {
        let options = BuildOptions::now(false);
        let due = Semester::last_ended(options.today);
        let store = self.pipeline.store().clone();
        // Only the published flag is wanted: the edition itself is not decoded every tick.
        let published = match store.barometer_edition::<serde::de::IgnoredAny>(&due.to_string()) {
            Ok(found) => found.is_some_and(|(published, _)| published),
            Err(error) => {
                tracing::error!(%error, "cannot read the barometer's editions");
                return None;
            }
        };
        if published || store.work_counts().map_or(true, |(live, _)| live == 0) {
            return None;
        }
        let _one_at_a_time = self.busy.lock().await;
        let thesaurus = self.pipeline.thesaurus().clone();
        let started = std::time::Instant::now();
        let built = tokio::task::spawn_blocking(move || {
            barometer::build(&store, &thesaurus, due, &options)
        })
        .await;
        match built {
            Ok(Ok((edition, BuildOutcome::Built))) => {
                tracing::info!(edition = %edition.id, seconds = started.elapsed().as_secs_f64(), "barometer edition built");
                Some(due)
            }
            Ok(Ok((_, BuildOutcome::Kept))) => None,
            Ok(Err(error)) => {
                tracing::error!(%error, edition = %due, "barometer edition not built");
                None
            }
            Err(error) => {
                tracing::error!(%error, edition = %due, "barometer build stopped");
                None
            }
        }
    }

    /// Checks every `tick` (and when woken) for due sources and harvests them, and for a
    /// barometer edition to build. Runs until the task is dropped.
    pub async fn run(self: Arc<Self>, tick: Duration) {
        let mut interval = tokio::time::interval(tick);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                () = self.wake.notified() => {}
            }
            self.build_due_edition().await;
            let scheduler = self.clone();
            let due = tokio::task::spawn_blocking(move || scheduler.due())
                .await
                .unwrap_or_else(|e| Err(StoreError::corrupt("runs", format!("task failed: {e}"))));
            let due = match due {
                Ok(due) if due.is_empty() => continue,
                Ok(due) => due,
                Err(error) => {
                    tracing::error!(%error, "cannot read the harvest history");
                    continue;
                }
            };
            match self.harvest(&due).await {
                Ok(outcome) => {
                    let works = outcome.works.unwrap_or_default();
                    tracing::info!(
                        sources = ?due,
                        works_created = works.works_created,
                        works_changed = works.works_changed,
                        "scheduled harvest done"
                    )
                }
                Err(error) => tracing::error!(%error, sources = ?due, "scheduled harvest failed"),
            }
        }
    }
}

/// The pipeline's registered repositories set from the store's registrations. Blocking.
fn refresh(pipeline: &Pipeline, every: Duration) -> Result<(), StoreError> {
    let registered = registry::registered_sources(pipeline.store(), every)?;
    pipeline.set_registered(registered);
    Ok(())
}
