//! One source's harvest, from its checkpoint to completion: Identify, then ListRecords page by
//! page (or a dump's files one by one), each page committed with the checkpoint that follows it.
//!
//! Invariants:
//! - the watermark moves only when a harvest completes, to the `until` it was run with;
//! - an interrupted harvest (crash, failure) resumes from its checkpoint with the same
//!   `from`/`until`; a token the repository no longer accepts restarts the current list;
//! - pages are written in order, one at a time, while the next ones are fetched and parsed
//!   (see `list.rs` and `commit.rs`);
//! - a stop (the server shutting down) ends the run after the page write in progress, its
//!   checkpoint durable, the run left `running` so the next start resumes it.
//!
//! Modules, each using only those below it: `run` → `list` (OAI-PMH) and `dump` (saved
//! responses) → `state` (the run, its checkpoint, the page position) → `commit` (page writes)
//! and `fetch`.

use super::HarvestError;
use super::state::{Harvest, RunState};
use crate::source::Endpoint;
use crate::store::RunRecord;

impl Harvest {
    /// Runs the harvest to its end and returns the run as recorded in the history.
    pub async fn run(self) -> Result<RunRecord, HarvestError> {
        let store = self.store.clone();
        let source_id = self.source.id.to_string();
        let checkpoint = {
            let store = store.clone();
            let id = source_id.clone();
            tokio::task::spawn_blocking(move || store.checkpoint(&id))
                .await
                .map_err(|e| HarvestError::Setup(e.to_string()))??
        };
        let mut state = RunState::new(
            store.clone(),
            source_id.clone(),
            checkpoint,
            self.pages.clone(),
        );
        let endpoint = self.source.endpoint.clone();
        let harvested = async {
            match endpoint {
                Endpoint::Oai { base_url } => self.harvest_oai(&base_url, &mut state).await,
                Endpoint::Dump { folder, .. } => self.harvest_dump(&folder, &mut state).await,
                Endpoint::Csv(csv) => self.harvest_csv(&csv, &mut state).await,
                Endpoint::Json(json) => self.harvest_json(&json, &mut state).await,
                Endpoint::OpenDataSoft(ods) => self.harvest_ods(&ods, &mut state).await,
                Endpoint::Feed(feed) => self.harvest_feed(&feed, &mut state).await,
                Endpoint::HalApi(hal) => self.harvest_hal(&hal, &mut state).await,
                Endpoint::ThesesFr(theses) => self.harvest_theses(&theses, &mut state).await,
            }
        };
        // A stop drops the fetches and parses in flight; a page write already started is
        // waited for below, and the run ends with the checkpoint that write left.
        let outcome = tokio::select! {
            outcome = harvested => outcome,
            () = self.stop.stopped() => Err(HarvestError::Stopped),
        };
        // The last page's write may still be running: its outcome is part of the run's.
        let written = state.wait_for_writes(&self.progress).await;
        let outcome = outcome.and(written);
        self.progress.finish();
        state
            .finish(&store, &source_id, outcome, self.sync_end)
            .await
    }
}
