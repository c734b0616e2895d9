//! The state one source's harvest carries from page to page, shared by the OAI-PMH list
//! (`list.rs`) and the dump (`dump.rs`) paths: what the harvest needs ([`Harvest`]), the run
//! record and checkpoint ([`RunState`]), and where the next page comes from ([`Position`]).
//! Starting or resuming a run, committing a page with its checkpoint and recording how the run
//! ended happen here, the same for both paths.

use std::sync::Arc;

use super::HarvestError;
use super::commit::{Committer, KeyOrder, ReadyPage};
use super::fetch::{Fetcher, RequestCount};
use super::progress::SourceProgress;
use crate::source::Source;
use crate::store::{
    ActiveHarvest, Checkpoint, RunCounters, RunRecord, RunStatus, Settled, StagingGuard, Store,
    StoreError, now_rfc3339,
};

/// Where the next page comes from, saved in the checkpoint with each page.
pub(super) struct Position {
    /// Index in the source's sets (0 without sets).
    pub set_index: usize,
    /// The resumption token (or next dump file); `None` starts the set's list.
    pub token: Option<String>,
}

/// What the harvest of one source needs.
pub struct Harvest {
    pub source: Source,
    pub store: Arc<Store>,
    pub fetcher: Arc<Fetcher>,
    pub full: bool,
    pub progress: SourceProgress,
    /// Ends the run after its current page write (the server is shutting down).
    pub stop: super::StopSignal,
    /// Whether the run's end is synced to disk; else the caller commits durably after it
    /// ([`Store::save_run_unsynced`]).
    pub sync_end: bool,
    /// Whether the run may stage its records ([`Store::stages`]).
    pub stage: bool,
    /// Shown each page before it is committed ([`super::PageWatch`]).
    pub pages: Option<Arc<dyn super::PageWatch>>,
}

impl Harvest {
    /// Starts a new run or resumes the active one. `until` is only used for a new run.
    pub(super) async fn begin(
        &self,
        state: &mut RunState,
        from: Option<String>,
        until: Option<String>,
    ) -> Result<(), HarvestError> {
        self.choose_staging(state).await?;
        let resumable = state
            .checkpoint
            .active
            .as_ref()
            .filter(|active| active.full || !self.full)
            .cloned();
        let store = self.store.clone();
        if let Some(active) = resumable {
            let run_id = active.run_id;
            let existing = {
                let store = store.clone();
                tokio::task::spawn_blocking(move || store.run(run_id))
                    .await
                    .map_err(|e| HarvestError::Setup(e.to_string()))??
            };
            let mut run =
                existing.unwrap_or_else(|| new_run_record(self.source.id.as_str(), &active));
            run.resumed += 1;
            run.status = RunStatus::Running;
            run.error = None;
            run.finished_at = None;
            tracing::info!(source = %self.source.id, run = run.run_id, token = ?active.token, set = active.set_index, "resuming an interrupted harvest");
            state.base_requests = active.counters.requests;
            state.base_retries = active.counters.retries;
            state.run = Some(run);
            return Ok(());
        }
        let active = ActiveHarvest {
            run_id: 0,
            full: self.full,
            from,
            until,
            set_index: 0,
            token: None,
            started_at: now_rfc3339(),
            counters: RunCounters::default(),
        };
        let mut run = new_run_record(self.source.id.as_str(), &active);
        state.checkpoint.active = Some(active);
        let mut checkpoint = state.checkpoint.clone();
        let (run, checkpoint) = tokio::task::spawn_blocking(move || {
            store.begin_run(&mut run, &mut checkpoint)?;
            Ok::<_, HarvestError>((run, checkpoint))
        })
        .await
        .map_err(|e| HarvestError::Setup(e.to_string()))??;
        state.committed = checkpoint.clone();
        state.checkpoint = checkpoint;
        state.run = Some(run);
        Ok(())
    }
}

impl Harvest {
    /// Decides whether the run may stage its records ([`Store::stages`]: while the store has no
    /// works, its records are settled in key order at the run's end; from its first page out of
    /// key order, [`KeyOrder`]), after settling what a
    /// run a crash interrupted left staged (or ending the settle it interrupted). Those items
    /// are settled first, never with this run's: they belong to the run's earlier attempt, but
    /// a run that restarts its read (a `--full` run after an incremental one, a CSV whose file
    /// changed) would count them a second time, and a CSV's prune of the rows it no longer
    /// lists reads the stored records only, so a row gone from the file would be settled live.
    async fn choose_staging(&self, state: &mut RunState) -> Result<(), HarvestError> {
        let (store, may_stage) = (self.store.clone(), self.stage);
        let id = self.source.id.to_string();
        let (checkpoint, guard) = tokio::task::spawn_blocking(move || {
            // Held before deciding, so that no settle of idle sources takes what this run stages.
            let guard = store.staging(&id);
            store.settle(&id)?;
            // Read again as the settle left it, its counters corrected: this one's, or an idle
            // settle's (`works update` beside a server's harvests) since the run read it, which
            // the run's first page would otherwise overwrite with the provisional counts.
            let checkpoint = store.checkpoint(&id)?;
            let guard = (may_stage && store.stages()?).then_some(guard);
            Ok::<_, StoreError>((checkpoint, guard))
        })
        .await
        .map_err(|e| HarvestError::Setup(e.to_string()))??;
        state.committed = checkpoint.clone();
        state.checkpoint = checkpoint;
        state.committer.order = KeyOrder::new(guard.is_some());
        state.staging = guard;
        Ok(())
    }
}

/// The state of a run in progress: the run record, the checkpoint as last committed (or about
/// to be), and the requests made by this process (added to those of earlier attempts).
pub(super) struct RunState {
    run: Option<RunRecord>,
    pub(super) checkpoint: Checkpoint,
    /// The checkpoint as last written to the store. `checkpoint` moves to the next page's
    /// position as soon as a page's write starts; a run that fails saves this one instead, so
    /// that a page whose write failed (a full disk) is fetched again, not skipped.
    committed: Checkpoint,
    committer: Committer,
    /// Held while the run stages its records ([`Store::stage_page`]), settled at its end.
    staging: Option<StagingGuard>,
    pub(super) count: Arc<RequestCount>,
    /// Requests and retries already in the run's counters when this process took it up.
    base_requests: u64,
    base_retries: u64,
}

impl RunState {
    /// The state of a run about to begin (or resume) from `checkpoint`, the source's as stored.
    pub(super) fn new(
        store: Arc<Store>,
        source_id: String,
        checkpoint: Checkpoint,
        pages: Option<Arc<dyn super::PageWatch>>,
    ) -> RunState {
        RunState {
            run: None,
            committed: checkpoint.clone(),
            checkpoint,
            committer: Committer::new(store, source_id, pages),
            staging: None,
            count: Arc::new(RequestCount::default()),
            base_requests: 0,
            base_retries: 0,
        }
    }

    /// Replaces the provisional counts of settled items by what the settle found, as the
    /// settle did in the stored checkpoint.
    fn correct(&mut self, settled: &Settled) {
        for checkpoint in [&mut self.checkpoint, &mut self.committed] {
            if let Some(active) = checkpoint.active.as_mut() {
                active.counters.correct(settled);
            }
        }
    }

    /// Settles what the run staged (unless the server is stopping: the next start resumes the
    /// run, staging still); an error of the settle is the run's.
    async fn settle(
        &mut self,
        store: &Arc<Store>,
        source_id: &str,
        outcome: Result<(), HarvestError>,
    ) -> Result<(), HarvestError> {
        if self.staging.is_none() || matches!(outcome, Err(HarvestError::Stopped)) {
            return outcome;
        }
        let started = std::time::Instant::now();
        let (settled, stored) = {
            let (store, id) = (store.clone(), source_id.to_owned());
            tokio::task::spawn_blocking(move || {
                // A settle that failed (the disk's reserve reached) after some of its chunks
                // committed corrected the stored checkpoint by them: the run ends with that one,
                // else its end would save the provisional counts over it, and the next attempt
                // corrects only the chunks it settles.
                let settled = store.settle(&id);
                let stored = settled.is_err().then(|| store.checkpoint(&id).ok());
                (settled, stored.flatten())
            })
            .await
            .map_err(|e| HarvestError::Setup(e.to_string()))?
        };
        self.staging = None;
        match settled {
            Ok(Some(settled)) => {
                self.correct(&settled);
                tracing::info!(
                    source = source_id,
                    new = settled.exact.new,
                    seconds = started.elapsed().as_secs_f64(),
                    "staged records settled in key order"
                );
                outcome
            }
            Ok(None) => outcome,
            Err(error) => {
                if let Some(stored) = stored {
                    self.committed = stored.clone();
                    self.checkpoint = stored;
                }
                outcome.and(Err(error.into()))
            }
        }
    }

    /// Brings the active harvest's request counts up to date.
    fn sync_requests(&mut self) {
        let (requests, retries) = (
            self.base_requests + self.count.requests(),
            self.base_retries + self.count.retries(),
        );
        if let Some(active) = self.checkpoint.active.as_mut() {
            active.counters.requests = requests;
            active.counters.retries = retries;
        }
    }

    /// Writes a page with the position that follows it. The write runs in the background while
    /// the next page is parsed; this waits for the previous write first, so writes stay in order
    /// and each checkpoint includes the counts of the pages before it.
    pub(super) async fn commit(
        &mut self,
        page: ReadyPage,
        position: Position,
        progress: &SourceProgress,
    ) -> Result<(), HarvestError> {
        self.wait_for_writes(progress).await?;
        if let Some(active) = self.checkpoint.active.as_mut() {
            active.set_index = position.set_index;
            active.token = position.token;
        }
        self.sync_requests();
        self.committer.start(page, self.checkpoint.clone());
        Ok(())
    }

    /// Waits for the write in progress, if any, and takes its checkpoint as the current one.
    pub(super) async fn wait_for_writes(
        &mut self,
        progress: &SourceProgress,
    ) -> Result<(), HarvestError> {
        if let Some((counters, checkpoint)) = self.committer.wait().await? {
            self.committed = checkpoint.clone();
            self.checkpoint = checkpoint;
            if let Some(active) = &self.checkpoint.active {
                progress.page_done(&counters, &active.counters);
            }
        }
        Ok(())
    }

    /// Records how the run ended: completion moves the watermark and clears the checkpoint;
    /// failure keeps the checkpoint so the next run resumes; a token loop abandons the list.
    pub(super) async fn finish(
        mut self,
        store: &Arc<Store>,
        source_id: &str,
        outcome: Result<(), HarvestError>,
        sync_end: bool,
    ) -> Result<RunRecord, HarvestError> {
        let mut run = match self.run.take() {
            Some(run) => run,
            None => {
                // Failed before the run began (Identify, a missing dump folder): still record it.
                let error = match outcome {
                    Ok(()) => HarvestError::Setup("harvest ended before it began".into()),
                    Err(error) => error,
                };
                let active = ActiveHarvest {
                    started_at: now_rfc3339(),
                    counters: RunCounters {
                        requests: self.count.requests(),
                        retries: self.count.retries(),
                        ..RunCounters::default()
                    },
                    ..ActiveHarvest::default()
                };
                let mut run = RunRecord {
                    source: source_id.to_owned(),
                    status: RunStatus::Failed,
                    error: Some(error.to_string()),
                    finished_at: Some(now_rfc3339()),
                    counters: active.counters,
                    ..new_run_record(source_id, &active)
                };
                let store = store.clone();
                let saved =
                    tokio::task::spawn_blocking(move || store.append_run(&mut run).map(|_| run))
                        .await;
                if let Ok(Ok(run)) = saved {
                    return Ok(run);
                }
                return Err(error);
            }
        };
        let outcome = self.settle(store, source_id, outcome).await;
        self.sync_requests();
        let failed =
            matches!(&outcome, Err(error) if !matches!(error, HarvestError::TokenLoop { .. }));
        let mut checkpoint = if failed {
            // Resume at the last page written, with every request this run made.
            let mut committed = self.committed.clone();
            if let (Some(committed), Some(current)) =
                (committed.active.as_mut(), self.checkpoint.active.as_ref())
            {
                committed.counters.requests = current.counters.requests;
                committed.counters.retries = current.counters.retries;
            }
            committed
        } else {
            self.checkpoint.clone()
        };
        if let Some(active) = &checkpoint.active {
            run.counters = active.counters;
        }
        run.finished_at = Some(now_rfc3339());
        match outcome {
            Ok(()) => {
                run.status = RunStatus::Complete;
                run.error = None;
                if let Some(active) = checkpoint.active.take()
                    && active.until.is_some()
                {
                    checkpoint.watermark = active.until;
                }
            }
            Err(HarvestError::TokenLoop { token }) => {
                run.status = RunStatus::Incomplete;
                run.error = Some(HarvestError::TokenLoop { token }.to_string());
                checkpoint.active = None;
            }
            Err(HarvestError::Stopped) => {
                // Still running as far as the history goes: the next start resumes it, as
                // after a crash, but from a checkpoint made durable here.
                run.status = RunStatus::Running;
                run.error = Some(HarvestError::Stopped.to_string());
                run.finished_at = None;
            }
            Err(error) => {
                // The checkpoint stays: the next run resumes where this one stopped.
                run.status = RunStatus::Failed;
                run.error = Some(error.to_string());
            }
        }
        let store = store.clone();
        let saved_run = run.clone();
        tokio::task::spawn_blocking(move || match sync_end {
            true => store.save_run(&saved_run, &checkpoint),
            false => store.save_run_unsynced(&saved_run, &checkpoint),
        })
        .await
        .map_err(|e| HarvestError::Setup(e.to_string()))??;
        Ok(run)
    }
}

fn new_run_record(source: &str, active: &ActiveHarvest) -> RunRecord {
    RunRecord {
        source: source.to_owned(),
        run_id: active.run_id,
        started_at: active.started_at.clone(),
        finished_at: None,
        status: RunStatus::Running,
        error: None,
        from: active.from.clone(),
        until: active.until.clone(),
        full: active.full,
        resumed: 0,
        counters: active.counters,
    }
}
