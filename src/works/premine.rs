//! A store's first works, their features pass begun during the harvest: the dedup features of
//! each record mined on a thread of its own as the harvest commits its page ([`Premining`]),
//! and taken by the build from scratch instead of loading and mining the record again
//! ([`Premined`], `clusters::cluster_all`).
//!
//! Why: a fresh store's harvest is set by the store's writer, one transaction at a time, and
//! leaves most of a core idle from its first page to its last (1.4 cores busy on 2 at 1 M),
//! while the features pass after it loaded, decompressed and mined every record with a core
//! idle too (BENCHMARKS.md, issue 17). A record's dedup features depend on that record and its
//! source's settings alone, so they can be mined as soon as it is committed.
//!
//! Crash safety: nothing is written here. The features rows, the blocking index and the works'
//! cursor are written by the build as before; a process killed before it loses only the mined
//! features, and the next build mines every record from the store.
//!
//! Why the features equal the build's own: the harvest hands each page's records over once the
//! page has committed, in commit order, so a record listed twice keeps its last version, as
//! the store does; a record deleted or rejected since loses its features (mined from the store
//! then). Only a harvest into a store without records premines (`pipeline.rs`), so every record
//! the build finds mined was written by this harvest, and sources are harvested by one harvest
//! at a time. Records of a source with an ESS relevance threshold are left to the build (the
//! thesaurus decides whether they make a work), as are the pages the miner was too far behind
//! to take ([`MAX_WAITING`]); and the features are used only if the build's source settings are
//! those they were mined with.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use super::SourceInfos;
use super::analyse::{DedupFeatures, mine_record};
use crate::oai::PageItem;
use crate::store::{RecordKey, StoreError};

/// Records handed over but not yet mined, at most: beyond, a page's records are not kept (their
/// identifiers only), so that a miner starved of CPU holds at most this many mapped records
/// (a few KB each) instead of the whole harvest's.
const MAX_WAITING: usize = 20_000;

/// What the harvest sends: a committed page's items, or only the identifiers of one the miner
/// was too far behind to take.
enum Message {
    Page(String, Vec<PageItem>),
    Skipped(String, Vec<String>),
    End,
}

/// The miner's side the harvest holds: hands each committed page over. Clones share the miner.
#[derive(Clone)]
pub struct PageHandOff {
    sender: Sender<Message>,
    waiting: Arc<AtomicUsize>,
}

impl PageHandOff {
    /// Hands a committed page's items of `source` over (in commit order); never blocks. Called
    /// on the store's writer thread.
    pub fn committed(&self, source: &str, items: Vec<PageItem>) {
        let count = items.len();
        let message = if self.waiting.load(Ordering::Relaxed) + count > MAX_WAITING {
            let identifiers = items.into_iter().filter_map(identifier).collect();
            Message::Skipped(source.to_owned(), identifiers)
        } else {
            self.waiting.fetch_add(count, Ordering::Relaxed);
            Message::Page(source.to_owned(), items)
        };
        // Fails only once the miner has ended: the build then mines these records itself.
        let _ = self.sender.send(message);
    }
}

fn identifier(item: PageItem) -> Option<String> {
    match item {
        PageItem::Record(record) => Some(record.identifier),
        PageItem::Reject(reject) => reject.identifier,
    }
}

/// The miner: a thread mining the records handed over, until [`Premining::finish`].
pub struct Premining {
    hand_off: PageHandOff,
    thread: std::thread::JoinHandle<Premined>,
}

impl Premining {
    /// Starts the miner, which mines with `sources`' settings.
    pub fn start(sources: Arc<SourceInfos>) -> Result<Premining, StoreError> {
        let (sender, receiver) = channel();
        let waiting = Arc::new(AtomicUsize::new(0));
        let thread = {
            let waiting = waiting.clone();
            std::thread::Builder::new()
                .name("works-premine".into())
                .spawn(move || mine_received(receiver, &waiting, sources))
                .map_err(|error| StoreError::thread("mining records' features", error))?
        };
        Ok(Premining {
            hand_off: PageHandOff { sender, waiting },
            thread,
        })
    }

    /// What the harvest hands the committed pages to.
    pub fn hand_off(&self) -> PageHandOff {
        self.hand_off.clone()
    }

    /// Mines what was handed over before this call, and gives every record's features. Call it
    /// once the harvest has ended (every page it committed handed over).
    pub fn finish(self) -> Result<Premined, StoreError> {
        let _ = self.hand_off.sender.send(Message::End);
        self.thread
            .join()
            .map_err(|_| StoreError::thread("mining records' features", "the thread panicked"))
    }
}

fn mine_received(
    receiver: Receiver<Message>,
    waiting: &AtomicUsize,
    sources: Arc<SourceInfos>,
) -> Premined {
    let mut features: BTreeMap<RecordKey, DedupFeatures> = BTreeMap::new();
    // Ends at `End`, or when every sender is gone.
    while let Ok(message) = receiver.recv() {
        match message {
            Message::End => break,
            Message::Skipped(source, identifiers) => {
                for identifier in identifiers {
                    features.remove(&RecordKey::new(source.as_str(), identifier));
                }
            }
            Message::Page(source, items) => {
                let count = items.len();
                let info = sources.get(&source);
                for item in items {
                    let PageItem::Record(record) = item else {
                        if let PageItem::Reject(reject) = item
                            && let Some(identifier) = reject.identifier
                        {
                            features.remove(&RecordKey::new(source.as_str(), identifier));
                        }
                        continue;
                    };
                    let mined = match (&record.record, info.min_relevance) {
                        (Some(mapped), None) if !record.deleted => Some(mine_record(
                            mapped,
                            &source,
                            &record.identifier,
                            record.format,
                            &record.sets,
                            &info,
                        )),
                        _ => None,
                    };
                    let key = RecordKey::new(source.as_str(), record.identifier);
                    match mined {
                        Some(mined) => {
                            features.insert(key, mined);
                        }
                        None => {
                            features.remove(&key);
                        }
                    }
                }
                waiting.fetch_sub(count, Ordering::Relaxed);
            }
        }
    }
    Premined {
        sources: sources.digest(),
        features,
    }
}

/// Records' dedup features mined during the harvest, by key (the build's order).
#[derive(Default)]
pub struct Premined {
    /// The digest of the source settings they were mined with.
    sources: u64,
    features: BTreeMap<RecordKey, DedupFeatures>,
}

impl Premined {
    /// How many records' features are held.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Whether they were mined with `sources`' settings: else none may be taken.
    pub(super) fn mined_with(&self, sources: &SourceInfos) -> bool {
        self.sources == sources.digest()
    }

    /// Takes `key`'s features, if mined; keys must be asked in increasing order (those before
    /// `key` are dropped: their records no longer make a work).
    pub(super) fn take(&mut self, key: &RecordKey) -> Option<DedupFeatures> {
        loop {
            let entry = self.features.first_entry()?;
            match entry.key().cmp(key) {
                std::cmp::Ordering::Less => {
                    entry.remove();
                }
                std::cmp::Ordering::Equal => return Some(entry.remove()),
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}
