//! Harvesting an OAI-PMH list: Identify, then ListRecords page after page, each set in turn,
//! resumption tokens followed, OAI errors handled (noRecordsMatch = empty list,
//! badResumptionToken = restart from the checkpoint's `from`, a token seen twice = loop).
//!
//! Pages are fetched ahead by a [`Chain`] that follows the token a cheap scan finds at each
//! page's end, and parsed on the [`ParsePool`]'s threads, so fetching, parsing and writing
//! overlap. The
//! parsed token decides: a page fetched ahead is used only if it is the one the previous page
//! leads to.

use std::collections::HashSet;
use std::sync::Arc;

use super::HarvestError;
use super::commit::ReadyPage;
use super::fetch::{Fetcher, RequestCount};
use super::parse_pool::ParsePool;
use super::state::{Harvest, Position, RunState};
use crate::oai::{self, Datestamp, ErrorCode, Granularity, ParseError};
use crate::source::Source;
use crate::store::{ActiveHarvest, now_rfc3339};

/// A repository that rejects our tokens this many times in one harvest is broken, not flaky.
const MAX_LIST_RESTARTS: u32 = 3;
/// Page text fetched and being parsed ahead of the page being written, at most (a page larger
/// than this goes alone). Why this much: every 64 pages a write is made durable, and the writer
/// then waits for the disk (20–55 ms a sync on the machine measured); with two pages ahead,
/// fetching and parsing stopped with it (0.1–0.2 s of a 2 s harvest of 50,000 records). With a
/// few dozen pages of ~300 KB ahead they go on meanwhile, and the writer catches up after
/// (BENCHMARKS.md, issue 17).
const BYTES_AHEAD: usize = 8 << 20;
/// Pages ahead at most, however small.
const PAGES_AHEAD: usize = 64;

/// A page fetched ahead: its URL and its parse, or the fetch's failure (reported only if the
/// page turns out to be needed).
struct InFlight {
    url: url::Url,
    work: Result<tokio::sync::oneshot::Receiver<Result<ReadyPage, ParseError>>, HarvestError>,
    /// Its text's share of [`BYTES_AHEAD`], given back when the page is taken up.
    _ahead: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// A response that is a complete OAI-PMH document, not yet parsed.
struct CheckedPage {
    text: String,
    /// The resumption token its end announces, when a cheap scan can tell.
    token: Option<String>,
}

/// The checks that decide whether a response must be fetched again: an HTML page, or a
/// document that does not end with `</OAI-PMH>` (truncated). The full parse comes later, off
/// the fetch path.
fn check_page(text: String) -> Result<CheckedPage, ParseError> {
    oai::check_envelope(&text)?;
    let token = oai::scan_resumption_token(&text);
    Ok(CheckedPage { text, token })
}

impl Harvest {
    pub(super) async fn harvest_oai(
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
            .filter(|d| Datestamp::parse(d).is_some())
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
        // The page the last one leads to, and the chain of pages fetched ahead.
        let mut expected = state
            .checkpoint
            .active
            .as_ref()
            .filter(|active| active.set_index < set_count)
            .map(|active| self.list_url(base_url, active));
        let mut chain: Option<Chain> = None;
        let parsers = Arc::new(ParsePool::start()?);
        while let Some(url) = expected.take() {
            let head = self
                .next_from_chain(&mut chain, &url, base_url, state, &parsers)
                .await;
            let Some(active) = state.checkpoint.active.clone() else {
                return Err(HarvestError::Setup(
                    "checkpoint lost its active harvest".into(),
                ));
            };
            let ready = match head.work {
                Ok(parse) => parse
                    .await
                    .map_err(|_| HarvestError::Setup("the page parser ended".into()))?
                    .map_err(|e| HarvestError::Malformed {
                        url: head.url.to_string(),
                        message: e.to_string(),
                    })?,
                Err(error) => return Err(error),
            };
            let mut next = Position {
                set_index: active.set_index,
                token: active.token.clone(),
            };
            let page = &ready.page;
            let mut token_loop = None;
            if let Some(error) = page.errors.first() {
                match error.code {
                    ErrorCode::NoRecordsMatch => {
                        next.set_index += 1;
                        next.token = None;
                    }
                    ErrorCode::BadResumptionToken
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
            expected = (next.set_index < set_count).then(|| {
                let following = ActiveHarvest {
                    set_index: next.set_index,
                    token: next.token.clone(),
                    ..active.clone()
                };
                self.list_url(base_url, &following)
            });
            state.commit(ready, next, &self.progress).await?;
            if let Some(token) = token_loop {
                return Err(HarvestError::TokenLoop { token });
            }
        }
        Ok(())
    }

    /// The page at `url`: from the chain fetched ahead when it delivers that page, or from a new
    /// chain started at `url` when the one ahead went elsewhere (a restart, a new set, a token
    /// the cheap scan could not read) or has ended.
    async fn next_from_chain(
        &self,
        chain: &mut Option<Chain>,
        url: &url::Url,
        base_url: &url::Url,
        state: &RunState,
        parsers: &Arc<ParsePool>,
    ) -> InFlight {
        if let Some(current) = chain.as_mut()
            && let Some(page) = current.pages.recv().await
            && &page.url == url
        {
            return page;
        }
        let mut fresh = Chain::start(
            url.clone(),
            base_url.clone(),
            self.fetcher.clone(),
            self.source.clone(),
            state.count.clone(),
            parsers.clone(),
        );
        let page = fresh.pages.recv().await;
        *chain = Some(fresh);
        page.unwrap_or_else(|| InFlight {
            url: url.clone(),
            work: Err(HarvestError::Setup("the fetch task ended early".into())),
            _ahead: None,
        })
    }

    fn list_url(&self, base_url: &url::Url, active: &ActiveHarvest) -> url::Url {
        if let Some(token) = &active.token {
            return token_url(base_url, token);
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
}

fn token_url(base_url: &url::Url, token: &str) -> url::Url {
    oai_url(
        base_url,
        &[("verb", "ListRecords"), ("resumptionToken", token)],
    )
}

/// A task that fetches pages one after another, following the token each page's end
/// announces, and queues each for parsing. Dropping it stops the task.
struct Chain {
    pages: tokio::sync::mpsc::Receiver<InFlight>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Chain {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Chain {
    fn start(
        first: url::Url,
        base_url: url::Url,
        fetcher: Arc<Fetcher>,
        source: Source,
        count: Arc<RequestCount>,
        parsers: Arc<ParsePool>,
    ) -> Chain {
        let (sender, pages) = tokio::sync::mpsc::channel(PAGES_AHEAD);
        // In KiB: a semaphore counts in u32.
        let ahead = Arc::new(tokio::sync::Semaphore::new(BYTES_AHEAD >> 10));
        let task = tokio::spawn(async move {
            let mut followed = HashSet::new();
            let mut url = Some(first);
            while let Some(current) = url.take() {
                let (page, next_token) = match fetcher
                    .fetch_text(&source, &current, check_page, &count)
                    .await
                {
                    Ok(fetched) => {
                        if !fetched.repairs.is_empty() {
                            let repairs: Vec<String> =
                                fetched.repairs.iter().map(ToString::to_string).collect();
                            tracing::warn!(source = %source.id, url = %current, ?repairs, "repaired a malformed response");
                        }
                        let CheckedPage { text, token } = fetched.value;
                        let kib = (text.len() >> 10).clamp(1, BYTES_AHEAD >> 10) as u32;
                        // Closed never: the semaphore lives as long as this task.
                        let permit = ahead.clone().acquire_many_owned(kib).await.ok();
                        let parse = parsers.parse(text);
                        (
                            InFlight {
                                url: current,
                                work: Ok(parse),
                                _ahead: permit,
                            },
                            token,
                        )
                    }
                    // Reported only if this page turns out to be the one needed.
                    Err(error) => (
                        InFlight {
                            url: current,
                            work: Err(error),
                            _ahead: None,
                        },
                        None,
                    ),
                };
                // A token this chain followed already is a loop: the parsed page tells the
                // harvest, which stops; fetching it again ahead would only ask the repository
                // for the same pages over and over.
                url = next_token
                    .filter(|t| !t.is_empty() && followed.insert(t.clone()))
                    .map(|t| token_url(&base_url, &t));
                if sender.send(page).await.is_err() {
                    return;
                }
            }
        });
        Chain { pages, task }
    }
}

/// Builds `base?k=v&...`, percent-encoding values (tokens often contain `/`, `+`, `=`, `:`).
pub fn oai_url(base_url: &url::Url, pairs: &[(&str, &str)]) -> url::Url {
    let mut url = base_url.clone();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url
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
}
