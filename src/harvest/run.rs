//! One source's harvest, from its checkpoint to completion: Identify, then ListRecords page by
//! page (or a dump's files one by one), each page committed with the checkpoint that follows it.
//!
//! Invariants:
//! - the watermark moves only when a harvest completes, to the `until` it was run with;
//! - an interrupted harvest (crash, failure) resumes from its checkpoint with the same
//!   `from`/`until`; a token the repository no longer accepts restarts the current list;
//! - the next page is fetched while the current one is written, never more than one ahead.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::HarvestError;
use super::fetch::{Fetcher, RequestCount};
use super::progress::SourceProgress;
use crate::oai::{self, Page, ParseError};
use crate::source::{Endpoint, Source};
use crate::store::{
    ActiveHarvest, Checkpoint, PreparedItem, RunCounters, RunRecord, RunStatus, Store, now_rfc3339,
    prepare_items,
};

/// A fsync at least this often (and at the end): a crash loses at most this much work, and
/// never consistency.
const DURABLE_EVERY_PAGES: u64 = 64;
const DURABLE_EVERY: Duration = Duration::from_secs(5);
/// A repository that rejects our tokens this many times in one harvest is broken, not flaky.
const MAX_LIST_RESTARTS: u32 = 3;
/// Pages fetched and parsed ahead of the one being written: parsing of two pages and the write
/// of a third keep both cores of a small machine busy.
const PAGES_AHEAD: usize = 2;

/// A page fetched ahead: its URL (to check it is the one the previous page leads to) and its
/// parse, or the fetch's failure (reported only if the page turns out to be needed).
struct InFlight {
    url: url::Url,
    work: Result<tokio::task::JoinHandle<Result<ReadyPage, ParseError>>, HarvestError>,
}

/// A response that is a complete OAI-PMH document, not yet parsed.
struct CheckedPage {
    text: String,
    /// The resumption token its end announces, when a cheap scan can tell.
    token: Option<String>,
}

/// The checks that decide whether a response must be fetched again: an HTML page, or a document
/// that does not end with `</OAI-PMH>` (truncated). The full parse comes later, off the fetch path.
fn check_page(text: &str) -> Result<CheckedPage, ParseError> {
    oai::check_envelope(text)?;
    Ok(CheckedPage {
        text: text.to_owned(),
        token: oai::scan_resumption_token(text),
    })
}

/// What the harvest of one source needs.
pub struct Harvest {
    pub source: Source,
    pub store: Arc<Store>,
    pub fetcher: Arc<Fetcher>,
    pub full: bool,
    pub progress: SourceProgress,
}

/// A parsed page with its items ready for the store. Parsing and preparing run together on a
/// blocking thread, so the store's single writer only inserts.
#[derive(Debug, Default)]
struct ReadyPage {
    /// The page without its items (token, errors, responseDate).
    page: Page,
    items: Vec<PreparedItem>,
}

fn parse_ready_page(text: &str) -> Result<ReadyPage, ParseError> {
    let mut page = oai::parse_page(text)?;
    let items = prepare_items(&page.items);
    page.items = Vec::new();
    Ok(ReadyPage { page, items })
}

/// Commits pages, deciding when a commit must be durable.
struct Committer {
    store: Arc<Store>,
    source: String,
    pages_since_durable: u64,
    last_durable: Instant,
}

impl Committer {
    async fn commit(
        &mut self,
        ready: ReadyPage,
        checkpoint: &mut Checkpoint,
    ) -> Result<RunCounters, HarvestError> {
        let durable = self.pages_since_durable + 1 >= DURABLE_EVERY_PAGES
            || self.last_durable.elapsed() >= DURABLE_EVERY;
        let store = self.store.clone();
        let source = self.source.clone();
        let mut next = checkpoint.clone();
        let (counters, next) = tokio::task::spawn_blocking(move || {
            let counters = store.commit_page(&source, &ready.items, &mut next, durable)?;
            Ok::<_, HarvestError>((counters, next))
        })
        .await
        .map_err(|e| HarvestError::Setup(format!("store task failed: {e}")))??;
        *checkpoint = next;
        if durable {
            self.pages_since_durable = 0;
            self.last_durable = Instant::now();
        } else {
            self.pages_since_durable += 1;
        }
        Ok(counters)
    }
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
            committer: Committer {
                store: store.clone(),
                source: source_id.clone(),
                pages_since_durable: 0,
                last_durable: Instant::now(),
            },
            count: Arc::new(RequestCount::default()),
            base_requests: 0,
            base_retries: 0,
        };
        let outcome = match self.source.endpoint.clone() {
            Endpoint::Oai { base_url } => self.harvest_oai(&base_url, &mut state).await,
            Endpoint::Dump { folder, .. } => self.harvest_dump(&folder, &mut state).await,
        };
        self.progress.finish();
        state.finish(&store, &source_id, outcome).await
    }

    /// Starts a new run or resumes the active one. `until` is only used for a new run.
    async fn begin(
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
            let mut run = existing.unwrap_or_else(|| new_run(&self.source, &active));
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
        let mut run = new_run(&self.source, &active);
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

    async fn harvest_oai(
        &self,
        base_url: &url::Url,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        let identify_url = oai_url(base_url, &[("verb", "Identify")]);
        let identify = self
            .fetcher
            .fetch(
                &self.source,
                &identify_url,
                oai::parse_identify,
                &state.count,
            )
            .await?;
        if let Some(error) = identify.value.errors.first() {
            return Err(HarvestError::Protocol {
                code: error.code.clone(),
                message: error.message.clone(),
            });
        }
        let granularity = Granularity::from_identify(&identify.value.granularity);
        let until = identify
            .value
            .response_date
            .clone()
            .filter(|d| oai::is_datestamp(d))
            .unwrap_or_else(now_rfc3339);
        let from = if self.full {
            None
        } else {
            state.checkpoint.watermark.clone()
        };
        self.begin(
            state,
            from.map(|f| granularity.format(&f)),
            Some(granularity.format(&until)),
        )
        .await?;

        let set_count = self.source.sets.len().max(1);
        let mut seen_tokens: HashSet<String> = HashSet::new();
        let mut restarts = 0;
        // Pages fetched ahead (following the token each page announces) and being parsed.
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        let mut to_fetch = state
            .checkpoint
            .active
            .as_ref()
            .map(|active| self.list_url(base_url, active));
        loop {
            while in_flight.len() < PAGES_AHEAD
                && let Some(url) = to_fetch.take()
            {
                let (entry, next) = self.fetch_ahead(url, state).await;
                to_fetch = next.filter(|token| !token.is_empty()).map(|token| {
                    oai_url(
                        base_url,
                        &[("verb", "ListRecords"), ("resumptionToken", &token)],
                    )
                });
                in_flight.push_back(entry);
            }
            let Some(head) = in_flight.pop_front() else {
                return Ok(());
            };
            let Some(active) = state.checkpoint.active.clone() else {
                return Err(HarvestError::Setup(
                    "checkpoint lost its active harvest".into(),
                ));
            };
            let ready = match head.work {
                Ok(parse) => parse
                    .await
                    .map_err(|e| HarvestError::Setup(format!("parser task failed: {e}")))?
                    .map_err(|e| HarvestError::Malformed {
                        url: head.url.to_string(),
                        message: e.to_string(),
                    })?,
                Err(error) => return Err(error),
            };
            let mut next = active.clone();
            let page = &ready.page;
            let mut token_loop = None;
            if let Some(error) = page.errors.first() {
                match error.code.as_str() {
                    "noRecordsMatch" => {
                        next.set_index += 1;
                        next.token = None;
                    }
                    "badResumptionToken"
                        if active.token.is_some() && restarts < MAX_LIST_RESTARTS =>
                    {
                        restarts += 1;
                        tracing::warn!(source = %self.source.id, token = ?active.token, message = %error.message, "resumption token refused; restarting the list from the checkpoint's `from`");
                        next.token = None;
                        seen_tokens.clear();
                    }
                    _ => {
                        return Err(HarvestError::Protocol {
                            code: error.code.clone(),
                            message: error.message.clone(),
                        });
                    }
                }
            } else {
                match page.next_token() {
                    Some(token) if !seen_tokens.insert(token.to_owned()) => {
                        token_loop = Some(token.to_owned());
                        next.token = None;
                        next.set_index = set_count;
                    }
                    Some(token) => next.token = Some(token.to_owned()),
                    None => {
                        next.token = None;
                        next.set_index += 1;
                    }
                }
                if let Some(size) = page.token.as_ref().and_then(|t| t.complete_list_size) {
                    self.progress.set_total(size);
                }
            }
            // Keep what was fetched ahead only if it is the page this one leads to.
            let expected = (next.set_index < set_count).then(|| self.list_url(base_url, &next));
            let ahead_is_right = match in_flight.front() {
                Some(ahead) => Some(&ahead.url) == expected.as_ref(),
                None => to_fetch.is_some() && to_fetch == expected,
            };
            if !ahead_is_right {
                in_flight.clear();
                to_fetch = expected;
            }
            state.checkpoint.active = Some(next);
            state.commit(ready, &self.progress).await?;
            if let Some(token) = token_loop {
                return Err(HarvestError::TokenLoop { token });
            }
        }
    }

    /// Fetches one page and starts parsing it on a blocking thread. Returns the page in flight
    /// and the token its end announces, read with a cheap scan so the next fetch need not wait
    /// for the parse (the parse's own token is checked before anything is committed).
    async fn fetch_ahead(&self, url: url::Url, state: &RunState) -> (InFlight, Option<String>) {
        match self
            .fetcher
            .fetch(&self.source, &url, check_page, &state.count)
            .await
        {
            Ok(fetched) => {
                if !fetched.repairs.is_empty() {
                    let repairs: Vec<String> =
                        fetched.repairs.iter().map(ToString::to_string).collect();
                    tracing::warn!(source = %self.source.id, %url, ?repairs, "repaired a malformed response");
                }
                let CheckedPage { text, token } = fetched.value;
                let parse = tokio::task::spawn_blocking(move || parse_ready_page(&text));
                (
                    InFlight {
                        url,
                        work: Ok(parse),
                    },
                    token,
                )
            }
            Err(error) => (
                InFlight {
                    url,
                    work: Err(error),
                },
                None,
            ),
        }
    }

    fn list_url(&self, base_url: &url::Url, active: &ActiveHarvest) -> url::Url {
        if let Some(token) = &active.token {
            return oai_url(
                base_url,
                &[("verb", "ListRecords"), ("resumptionToken", token)],
            );
        }
        let mut pairs = vec![
            ("verb", "ListRecords"),
            ("metadataPrefix", self.source.metadata_prefix.as_str()),
        ];
        if let Some(from) = &active.from {
            pairs.push(("from", from));
        }
        if let Some(until) = &active.until {
            pairs.push(("until", until));
        }
        if let Some(set) = self.source.sets.get(active.set_index) {
            pairs.push(("set", set));
        }
        oai_url(base_url, &pairs)
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
        for (index, file) in files.iter().enumerate().skip(start) {
            let path = file.clone();
            let page = tokio::task::spawn_blocking(move || {
                let bytes = std::fs::read(&path).map_err(|error| HarvestError::Dump {
                    path: path.clone(),
                    message: error.to_string(),
                })?;
                let decoded = crate::xml::decode(&bytes, None).map_err(|e| HarvestError::Dump {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                parse_ready_page(&decoded.text).map_err(|e| HarvestError::Dump {
                    path: path.clone(),
                    message: e.to_string(),
                })
            })
            .await
            .map_err(|e| HarvestError::Setup(e.to_string()))??;
            if let Some(error) = page.page.errors.iter().find(|e| e.code != "noRecordsMatch") {
                return Err(HarvestError::Dump {
                    path: file.clone(),
                    message: error.to_string(),
                });
            }
            if let Some(size) = page.page.token.as_ref().and_then(|t| t.complete_list_size) {
                self.progress.set_total(size);
            }
            if let Some(active) = state.checkpoint.active.as_mut() {
                active.token = files
                    .get(index + 1)
                    .and_then(|f| f.file_name())
                    .map(|n| n.to_string_lossy().into_owned());
            }
            state.commit(page, &self.progress).await?;
        }
        Ok(())
    }
}

/// The state of a run in progress: the run record, the checkpoint as last committed (or about
/// to be), and the requests made by this process (added to those of earlier attempts).
struct RunState {
    run: Option<RunRecord>,
    checkpoint: Checkpoint,
    committer: Committer,
    count: Arc<RequestCount>,
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

    async fn commit(
        &mut self,
        page: ReadyPage,
        progress: &SourceProgress,
    ) -> Result<(), HarvestError> {
        self.sync_requests();
        let counters = self.committer.commit(page, &mut self.checkpoint).await?;
        if let Some(active) = &self.checkpoint.active {
            progress.page_done(&counters, &active.counters);
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

fn new_run(source: &Source, active: &ActiveHarvest) -> RunRecord {
    new_run_record(source.id.as_str(), active)
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
