//! Harvests inside the server: the store has one writer process, so `essor serve` harvests
//! itself, on each source's `harvest_every` and on demand (the admin API), through the same
//! [`Pipeline`] as the CLI, so the feed and the search index follow without a restart. It also
//! builds the barometer's edition of a semester that has just ended, on its own, once every
//! enabled source has completed a harvest and none is in progress (`barometer::unsettled`).
//!
//! Invariant: one harvest (or edition build) at a time per server (the works and index updates
//! that follow a harvest included), so an edition never reads works half updated.

use std::time::Duration;

use crate::barometer::{self, BuildOptions, BuildOutcome, Semester};
use crate::pipeline::{HarvestOptions, Outcome, Pipeline, PipelineError};
use crate::store::StoreError;

pub struct Scheduler {
    pipeline: Pipeline,
    busy: tokio::sync::Mutex<()>,
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
    pub fn new(pipeline: Pipeline) -> Scheduler {
        Scheduler {
            pipeline,
            busy: tokio::sync::Mutex::new(()),
            skipped: std::sync::Mutex::new(None),
        }
    }

    /// Harvests the named sources (every enabled one if `ids` is empty), then updates works and
    /// the index.
    pub async fn harvest(&self, ids: &[String]) -> Result<Outcome, PipelineError> {
        let selected = self.pipeline.select(ids)?;
        let _one_at_a_time = self.busy.lock().await;
        self.pipeline
            .harvest(selected, HarvestOptions::default())
            .await
    }

    /// Sources whose `harvest_every` has passed since their last run started (or that never ran).
    fn due(&self) -> Result<Vec<String>, StoreError> {
        let now = chrono::Utc::now();
        let store = self.pipeline.store();
        let mut due = Vec::new();
        for source in self.pipeline.sources().iter().filter(|s| s.enabled) {
            let Some(every) = source.harvest_every else {
                continue;
            };
            let last = store.runs(Some(source.id.as_str()))?.pop();
            let started = last
                .and_then(|run| chrono::DateTime::parse_from_rfc3339(&run.started_at).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
            if started.is_none_or(|t| now.signed_duration_since(t) >= every) {
                due.push(source.id.to_string());
            }
        }
        Ok(due)
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
        match barometer::unsettled(&store, self.pipeline.sources()) {
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

    /// Checks every `tick` for due sources and harvests them, and for a barometer edition to
    /// build. Runs until the task is dropped.
    pub async fn run(self: std::sync::Arc<Self>, tick: Duration) {
        let mut interval = tokio::time::interval(tick);
        loop {
            interval.tick().await;
            self.build_due_edition().await;
            let due = match self.due() {
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
