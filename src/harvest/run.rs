//! One source's harvest, from its checkpoint to completion: Identify, then ListRecords page by
//! page (or a dump's files one by one), each page committed with the checkpoint that follows it.
//!
//! Invariants:
//! - the watermark moves only when a harvest completes, to the `until` it was run with;
//! - an interrupted harvest (crash, failure) resumes from its checkpoint with the same
//!   `from`/`until`; a token the repository no longer accepts restarts the current list;
//! - pages are written in order, one at a time, while the next ones are fetched and parsed
//!   (see `list.rs` and `commit.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::HarvestError;
use super::commit::Committer;
use super::fetch::{Fetcher, RequestCount};
use super::list::{ReadyPage, parse_ready_page};
use super::progress::SourceProgress;
use crate::source::{Endpoint, Source};
use crate::store::{
    ActiveHarvest, Checkpoint, RunCounters, RunRecord, RunStatus, Store, now_rfc3339,
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
}

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
        let mut state = RunState {
            run: None,
            checkpoint,
            committer: Committer::new(store.clone(), source_id.clone()),
            count: Arc::new(RequestCount::default()),
            base_requests: 0,
            base_retries: 0,
        };
        let outcome = match self.source.endpoint.clone() {
            Endpoint::Oai { base_url } => self.harvest_oai(&base_url, &mut state).await,
            Endpoint::Dump { folder, .. } => self.harvest_dump(&folder, &mut state).await,
        };
        // The last page's write may still be running: its outcome is part of the run's.
        let written = state.wait_for_writes(&self.progress).await;
        let outcome = outcome.and(written);
        self.progress.finish();
        state.finish(&store, &source_id, outcome).await
    }

    /// Starts a new run or resumes the active one. `until` is only used for a new run.
    pub(super) async fn begin(
        &self,
        state: &mut RunState,
        from: Option<String>,
        until: Option<String>,
    ) -> Result<(), HarvestError> {
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
        state.checkpoint = checkpoint;
        state.run = Some(run);
        Ok(())
    }

    /// A dump is a folder of saved ListRecords responses, read in file-name order through the
    /// same parser; the checkpoint's token is the next file to read.
    async fn harvest_dump(&self, folder: &Path, state: &mut RunState) -> Result<(), HarvestError> {
        let files = dump_files(folder)?;
        self.begin(state, None, None).await?;
        let start_after = state
            .checkpoint
            .active
            .as_ref()
            .and_then(|a| a.token.clone());
        let start = match &start_after {
            Some(name) => files
                .iter()
                .position(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == *name))
                .unwrap_or(0),
            None => 0,
        };
        // The next file is read and parsed while the current one is written.
        let mut next_parse = files.get(start).map(|file| read_dump_file(file.clone()));
        for index in start..files.len() {
            let Some(parse) = next_parse.take() else {
                break;
            };
            next_parse = files
                .get(index + 1)
                .map(|file| read_dump_file(file.clone()));
            let page = parse
                .await
                .map_err(|e| HarvestError::Setup(e.to_string()))??;
            if let Some(error) = page.page.errors.iter().find(|e| e.code != "noRecordsMatch") {
                return Err(HarvestError::Dump {
                    path: files[index].clone(),
                    message: error.to_string(),
                });
            }
            if let Some(size) = page.page.token.as_ref().and_then(|t| t.complete_list_size) {
                self.progress.set_total(size);
            }
            let position = Position {
                set_index: 0,
                token: files
                    .get(index + 1)
                    .and_then(|f| f.file_name())
                    .map(|n| n.to_string_lossy().into_owned()),
            };
            state.commit(page, position, &self.progress).await?;
        }
        Ok(())
    }
}

/// The state of a run in progress: the run record, the checkpoint as last committed (or about
/// to be), and the requests made by this process (added to those of earlier attempts).
pub(super) struct RunState {
    run: Option<RunRecord>,
    pub(super) checkpoint: Checkpoint,
    committer: Committer,
    pub(super) count: Arc<RequestCount>,
    /// Requests and retries already in the run's counters when this process took it up.
    base_requests: u64,
    base_retries: u64,
}

impl RunState {
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
            self.checkpoint = checkpoint;
            if let Some(active) = &self.checkpoint.active {
                progress.page_done(&counters, &active.counters);
            }
        }
        Ok(())
    }

    /// Records how the run ended: completion moves the watermark and clears the checkpoint;
    /// failure keeps the checkpoint so the next run resumes; a token loop abandons the list.
    async fn finish(
        mut self,
        store: &Arc<Store>,
        source_id: &str,
        outcome: Result<(), HarvestError>,
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
        self.sync_requests();
        let mut checkpoint = self.checkpoint.clone();
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
            Err(error) => {
                // The checkpoint stays: the next run resumes where this one stopped.
                run.status = RunStatus::Failed;
                run.error = Some(error.to_string());
            }
        }
        let store = store.clone();
        let saved_run = run.clone();
        tokio::task::spawn_blocking(move || store.save_run(&saved_run, &checkpoint))
            .await
            .map_err(|e| HarvestError::Setup(e.to_string()))??;
        Ok(run)
    }
}

/// Reads, decodes and parses one dump file on a blocking thread.
fn read_dump_file(path: PathBuf) -> tokio::task::JoinHandle<Result<ReadyPage, HarvestError>> {
    tokio::task::spawn_blocking(move || {
        let failed = |message: String| HarvestError::Dump {
            path: path.clone(),
            message,
        };
        let bytes = std::fs::read(&path).map_err(|e| failed(e.to_string()))?;
        let decoded = crate::xml::decode(&bytes, None).map_err(|e| failed(e.to_string()))?;
        parse_ready_page(&decoded.text).map_err(|e| failed(e.to_string()))
    })
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

/// Builds `base?k=v&...`, percent-encoding values (tokens often contain `/`, `+`, `=`, `:`).
pub fn oai_url(base_url: &url::Url, pairs: &[(&str, &str)]) -> url::Url {
    let mut url = base_url.clone();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url
}

/// The datestamp granularity a repository declares in Identify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Second,
}

impl Granularity {
    pub fn from_identify(value: &str) -> Granularity {
        if value.trim() == "YYYY-MM-DD" {
            Granularity::Day
        } else {
            Granularity::Second
        }
    }

    /// Writes a datestamp at this granularity (`2026-11-22T10:00:00Z` ↔ `2026-11-22`).
    pub fn format(self, datestamp: &str) -> String {
        match self {
            Granularity::Day => datestamp.get(..10).unwrap_or(datestamp).to_owned(),
            Granularity::Second if datestamp.len() == 10 => format!("{datestamp}T00:00:00Z"),
            Granularity::Second => datestamp.to_owned(),
        }
    }
}

fn dump_files(folder: &Path) -> Result<Vec<PathBuf>, HarvestError> {
    let entries = std::fs::read_dir(folder).map_err(|error| HarvestError::Dump {
        path: folder.to_owned(),
        message: error.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            name.ends_with(".xml") || name.ends_with(".xml.gz")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(HarvestError::Dump {
            path: folder.to_owned(),
            message: "no *.xml or *.xml.gz files".into(),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_percent_encoded() {
        let base = url::Url::parse("http://127.0.0.1:8080/oai").unwrap();
        let url = oai_url(
            &base,
            &[("verb", "ListRecords"), ("resumptionToken", "a+b/c=d&e f")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/oai?verb=ListRecords&resumptionToken=a%2Bb%2Fc%3Dd%26e+f"
        );
    }

    #[test]
    fn datestamps_follow_the_repository_granularity() {
        assert_eq!(
            Granularity::Day.format("2026-11-22T10:11:12Z"),
            "2026-11-22"
        );
        assert_eq!(
            Granularity::Second.format("2026-11-22"),
            "2026-11-22T00:00:00Z"
        );
        assert_eq!(
            Granularity::from_identify("YYYY-MM-DDThh:mm:ssZ"),
            Granularity::Second
        );
    }
}
