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

type Write = JoinHandle<Result<(RunCounters, Checkpoint), HarvestError>>;

pub(super) struct Committer {
    store: Arc<Store>,
    source: String,
    pages_since_durable: u64,
    last_durable: Instant,
    /// The write in progress. Only one at a time: the next must see its counters.
    pending: Option<Write>,
    /// Whether pages are staged ([`Store::stage_page`]) rather than committed to the records.
    pub(super) staged: bool,
}

impl Committer {
    pub(super) fn new(store: Arc<Store>, source: String) -> Committer {
        Committer {
            store,
            source,
            pages_since_durable: 0,
            last_durable: Instant::now(),
            pending: None,
            staged: false,
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
        let staged = self.staged;
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let items = page.items.pack()?;
            let counters = match staged {
                true => store.stage_page(&source, &items, &mut checkpoint, durable)?,
                false => store.commit_page(&source, &items, &mut checkpoint, durable)?,
            };
            Ok((counters, checkpoint))
        }));
    }

    /// Waits for the write in progress; returns what it did and the checkpoint it wrote.
    pub(super) async fn wait(&mut self) -> Result<Option<(RunCounters, Checkpoint)>, HarvestError> {
        match self.pending.take() {
            None => Ok(None),
            Some(write) => write
                .await
                .map_err(|e| HarvestError::Setup(format!("store task failed: {e}")))?
                .map(Some),
        }
    }
}
