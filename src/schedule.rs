//! Harvests inside the server: the store has one writer process, so `essor serve` harvests
//! itself, on each source's `harvest_every` and on demand (the admin API), through the same
//! [`Pipeline`] as the CLI, so the feed and the search index follow without a restart.
//!
//! Invariant: one harvest at a time per server (the works and index updates that follow it
//! included).

use std::time::Duration;

use crate::pipeline::{HarvestOptions, Outcome, Pipeline, PipelineError};
use crate::store::StoreError;

pub struct Scheduler {
    pipeline: Pipeline,
    busy: tokio::sync::Mutex<()>,
}

impl Scheduler {
    pub fn new(pipeline: Pipeline) -> Scheduler {
        Scheduler {
            pipeline,
            busy: tokio::sync::Mutex::new(()),
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

    /// Checks every `tick` for due sources and harvests them. Runs until the task is dropped.
    pub async fn run(self: std::sync::Arc<Self>, tick: Duration) {
        let mut interval = tokio::time::interval(tick);
        loop {
            interval.tick().await;
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
