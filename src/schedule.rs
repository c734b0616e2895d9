//! Harvests inside the server: the store has one writer process, so `essor serve` harvests
//! itself, on each source's `harvest_every` and on demand (the admin API). Every harvest is
//! followed by a works update, so the OAI feed follows without a restart.
//!
//! Invariant: one harvest at a time per server (the works update that follows it included).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::classify::Thesaurus;
use crate::harvest::{self, HarvestError, Reporter};
use crate::index::{Index, IndexError};
use crate::source::Source;
use crate::store::{RunRecord, Store, StoreError};
use crate::works::{self, SourceInfos, UpdateReport};

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown source `{0}`")]
    UnknownSource(String),
    #[error(transparent)]
    Harvest(#[from] HarvestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("the works update stopped unexpectedly")]
    Panicked,
}

/// What one harvest did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub runs: Vec<RunRecord>,
    pub works: UpdateReport,
}

pub struct Scheduler {
    store: Arc<Store>,
    /// The search index, brought up to date after each harvest.
    index: Option<Arc<Index>>,
    sources: Vec<Source>,
    infos: Arc<SourceInfos>,
    thesaurus: Arc<Thesaurus>,
    busy: tokio::sync::Mutex<()>,
}

impl Scheduler {
    pub fn new(
        store: Arc<Store>,
        sources: Vec<Source>,
        thesaurus: Arc<Thesaurus>,
        index: Option<Arc<Index>>,
    ) -> Scheduler {
        Scheduler {
            index,
            infos: Arc::new(SourceInfos::new(&sources)),
            store,
            sources,
            thesaurus,
            busy: tokio::sync::Mutex::new(()),
        }
    }

    /// Harvests the named sources (every enabled one if `ids` is empty), then updates works.
    pub async fn harvest(&self, ids: &[String]) -> Result<Outcome, ScheduleError> {
        let selected: Vec<Source> = if ids.is_empty() {
            self.sources.iter().filter(|s| s.enabled).cloned().collect()
        } else {
            ids.iter()
                .map(|id| {
                    self.sources
                        .iter()
                        .find(|s| s.id.as_str() == id)
                        .cloned()
                        .ok_or_else(|| ScheduleError::UnknownSource(id.clone()))
                })
                .collect::<Result<_, _>>()?
        };
        let _one_at_a_time = self.busy.lock().await;
        let runs =
            harvest::harvest_sources(self.store.clone(), selected, false, Reporter::new(false))
                .await?;
        let (store, infos, thesaurus) = (
            self.store.clone(),
            self.infos.clone(),
            self.thesaurus.clone(),
        );
        let index = self.index.clone();
        let works = tokio::task::spawn_blocking(move || {
            let report = works::update(&store, &infos, &thesaurus)?;
            if let Some(index) = index {
                index.update(&store)?;
            }
            Ok::<_, ScheduleError>(report)
        })
        .await
        .map_err(|_| ScheduleError::Panicked)??;
        Ok(Outcome { runs, works })
    }

    /// Sources whose `harvest_every` has passed since their last run started (or that never ran).
    fn due(&self) -> Result<Vec<String>, StoreError> {
        let now = chrono::Utc::now();
        let mut due = Vec::new();
        for source in self.sources.iter().filter(|s| s.enabled) {
            let Some(every) = source.harvest_every else {
                continue;
            };
            let last = self.store.runs(Some(source.id.as_str()))?.pop();
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
    pub async fn run(self: Arc<Self>, tick: Duration) {
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
                Ok(outcome) => tracing::info!(
                    sources = ?due,
                    works_created = outcome.works.works_created,
                    works_changed = outcome.works.works_changed,
                    "scheduled harvest done"
                ),
                Err(error) => tracing::error!(%error, sources = ?due, "scheduled harvest failed"),
            }
        }
    }
}
