//! Pages ready for the store ([`ReadyPage`]), and their writes in the background: one at a time
//! and in order, each decided durable or not.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::HarvestError;
use crate::oai::{self, Page, ParseError};
use crate::store::{
    Checkpoint, PreparedItem, RunCounters, Store, StoreError, UnpackedItems, serialise_items,
};

/// A fsync at least this often (and at the end of a run): a crash loses at most this much
/// work, and never consistency.
const DURABLE_EVERY_PAGES: u64 = 64;
const DURABLE_EVERY: Duration = Duration::from_secs(5);

/// A parsed page with its items ready for the store.
#[derive(Debug, Default)]
pub(super) struct ReadyPage {
    /// The page without its items (token, errors, responseDate).
    pub page: Page,
    pub items: PageItems,
}

/// A page's items, compressed ([`UnpackedItems::pack`]) on the thread that parsed them or left
/// to the store's writer thread.
///
/// Why both: a fetched page's records are compressed by its parsing thread, which since the
/// plain leaves (`xml::reader`) takes half the CPU the writer's thread does: the writer's
/// (redb's inserts and commits, with the fetch beside it) set a harvest's pace (BENCHMARKS.md,
/// issue 17). Rows of a table source are serialised on the async thread and compressed by the
/// writer, as before.
#[derive(Debug)]
pub(super) enum PageItems {
    Unpacked(UnpackedItems),
    /// Packed; an error is a bug ([`UnpackedItems::pack`]), refused when the page is written.
    Packed(Result<Vec<PreparedItem>, StoreError>),
}

impl Default for PageItems {
    fn default() -> PageItems {
        PageItems::Unpacked(UnpackedItems::default())
    }
}

impl PageItems {
    fn pack(self) -> Result<Vec<PreparedItem>, StoreError> {
        match self {
            PageItems::Unpacked(items) => items.pack(),
            PageItems::Packed(items) => items,
        }
    }
}

/// Parses a page and prepares its items (serialised, hashed, compressed), the CPU-bound work
/// done off the async threads.
pub(super) fn parse_ready_page(text: &str) -> Result<ReadyPage, ParseError> {
    let mut page = oai::parse_page(text)?;
    let items = PageItems::Packed(serialise_items(&page.items).pack());
    page.items = Vec::new();
    Ok(ReadyPage { page, items })
}

type Write = JoinHandle<Result<(RunCounters, Checkpoint, KeyOrder), HarvestError>>;

/// Whether a run's pages are staged ([`Store::stage_page`]) or committed to the records: a run
/// allowed to stage ([`Store::stages`]) commits its pages as long as each comes after every
/// record key written before it (appended at the end of the records' tree, which costs little),
/// and stages the rest of the run from the first page whose keys fall among them (each would
/// rewrite a leaf of its own: a repository listing by datestamp).
#[derive(Debug, Default, Clone)]
pub(super) struct KeyOrder {
    allowed: bool,
    staging: bool,
    /// The largest record identifier written so far.
    high: Option<String>,
}

impl KeyOrder {
    /// A run's first page's: nothing of the run is staged yet (a run settles what an earlier
    /// attempt left staged before it begins).
    pub(super) fn new(allowed: bool) -> KeyOrder {
        KeyOrder {
            allowed,
            staging: false,
            high: None,
        }
    }

    /// Whether to stage `items`.
    fn stages(&mut self, items: &[PreparedItem]) -> bool {
        if !self.allowed || self.staging {
            return self.staging;
        }
        // Rejects are kept in a table of their own: only records' keys count.
        let mut keys = items.iter().filter_map(|item| match item {
            PreparedItem::Record { identifier, .. } => Some(identifier.as_str()),
            PreparedItem::Reject { .. } => None,
        });
        let Some(first) = keys.next() else {
            return false;
        };
        let (low, high) = keys.fold((first, first), |(low, high), key| {
            (low.min(key), high.max(key))
        });
        if self.high.as_deref().is_some_and(|written| low <= written) {
            self.staging = true;
            return true;
        }
        self.high = Some(high.to_owned());
        false
    }
}

pub(super) struct Committer {
    store: Arc<Store>,
    source: String,
    pages_since_durable: u64,
    last_durable: Instant,
    /// The write in progress. Only one at a time: the next must see its counters.
    pending: Option<Write>,
    /// Whether pages are staged rather than committed to the records; taken by the write in
    /// progress.
    pub(super) order: KeyOrder,
    /// Shown each page committed to the records, before its write.
    pages: Option<Arc<dyn super::PageWatch>>,
}

impl Committer {
    pub(super) fn new(
        store: Arc<Store>,
        source: String,
        pages: Option<Arc<dyn super::PageWatch>>,
    ) -> Committer {
        Committer {
            store,
            source,
            pages_since_durable: 0,
            last_durable: Instant::now(),
            pending: None,
            order: KeyOrder::default(),
            pages,
        }
    }

    /// Starts writing `page` with `checkpoint` on a blocking thread. Call [`Committer::wait`]
    /// first: a write started while another is pending would race it.
    pub(super) fn start(&mut self, page: ReadyPage, mut checkpoint: Checkpoint) {
        debug_assert!(self.pending.is_none(), "a write is already in progress");
        let durable = self.pages_since_durable + 1 >= DURABLE_EVERY_PAGES
            || self.last_durable.elapsed() >= DURABLE_EVERY;
        if durable {
            self.pages_since_durable = 0;
            self.last_durable = Instant::now();
        } else {
            self.pages_since_durable += 1;
        }
        let store = self.store.clone();
        let source = self.source.clone();
        let mut order = std::mem::take(&mut self.order);
        let pages = self.pages.clone();
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let items = Arc::new(page.items.pack()?);
            let counters = match order.stages(&items) {
                true => store.stage_page(&source, &items, &mut checkpoint, durable)?,
                false => {
                    if let Some(pages) = &pages {
                        pages.page_ready(&source, items.clone());
                    }
                    store.commit_page(&source, &items, &mut checkpoint, durable)?
                }
            };
            Ok((counters, checkpoint, order))
        }));
    }

    /// Waits for the write in progress; returns what it did and the checkpoint it wrote.
    pub(super) async fn wait(&mut self) -> Result<Option<(RunCounters, Checkpoint)>, HarvestError> {
        match self.pending.take() {
            None => Ok(None),
            Some(write) => {
                let (counters, checkpoint, order) = write
                    .await
                    .map_err(|e| HarvestError::Setup(format!("store task failed: {e}")))??;
                self.order = order;
                Ok(Some((counters, checkpoint)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str]) -> Vec<PreparedItem> {
        keys.iter()
            .map(|key| match key.strip_prefix("reject:") {
                Some(key) => PreparedItem::Reject {
                    key: key.to_owned(),
                    header: Vec::new(),
                    blob: Vec::new(),
                },
                None => PreparedItem::Record {
                    identifier: (*key).to_owned(),
                    deleted: false,
                    hash: 0,
                    blob: Vec::new(),
                    origin: Default::default(),
                },
            })
            .collect()
    }

    #[test]
    fn a_run_stages_from_its_first_page_among_the_keys_written_before() {
        let mut order = KeyOrder::new(true);
        // In order, whatever the order inside a page; rejects do not count.
        assert!(!order.stages(&page(&["b", "a", "reject:zzz"])));
        assert!(!order.stages(&page(&["d", "c"])));
        assert!(!order.stages(&page(&["reject:a"])));
        assert!(!order.stages(&page(&[])));
        // A key at or below the highest written: staged, and every page after it.
        assert!(order.stages(&page(&["e", "d"])));
        assert!(order.stages(&page(&["x", "y"])));
        // Not allowed: never.
        let mut never = KeyOrder::new(false);
        assert!(!never.stages(&page(&["b"])) && !never.stages(&page(&["a"])));
    }
}
