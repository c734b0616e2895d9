//! A store's first works follow its harvest: while the harvest runs, the records it has
//! committed already are mined for dedup (features, blocking keys, sketch, features row) on a
//! thread of their own at the lowest CPU priority, so that the build from scratch after the
//! harvest (`fresh.rs`) finds them mined. Why: a fresh 1 M harvest kept 1.45 of its two cores
//! busy on average (its sources' settles about one), and the features pass after it was a
//! tenth of the whole build (18–21 s of 162–201), with nothing else to do; mined ahead, 466,000
//! of the million records shortened it to 10.7 s (BENCHMARKS.md, issue 17).
//!
//! Invariants: nothing mined ahead is stored, so a crash loses only CPU time; a record is taken
//! from what was mined ahead only if the change log has not listed it again since
//! ([`Premined::drop_changed`]), so the features are those of the record as stored; a failure
//! while mining ahead only leaves the records to the features pass, as without it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::SourceInfos;
use super::analyse::{Mined, mine_all, mine_here, mine_or_read_all};
use crate::classify::Thesaurus;
use crate::store::{FeaturesRow, RecordKey, Store, StoreError};

/// Records mined ahead per read of the change log: small, so that the thread stops soon after
/// the harvest ends, even at its low priority.
const CHUNK: usize = 1_000;

/// How long the thread waits before reading the change log again when it found nothing new.
const IDLE: Duration = Duration::from_millis(100);

/// The records mined ahead: each record's features row (`None`: it makes no work), and the
/// change log's position they were read up to. Only the rows are kept, one allocation each:
/// holding each record's [`Mined`] instead (its features' many small strings, allocated among
/// the mining's own) raised a fresh 1 M build's peak memory from 1.82 to 2.39 GB and its user
/// CPU from 271 to 325 s (one pair); a row is read back in a few microseconds, against ~35 to
/// mine a record.
#[derive(Default)]
pub struct Premined {
    cursor: u64,
    /// The digest of the sources' settings they were mined with ([`SourceInfos::digest`]).
    sources: u64,
    mined: HashMap<RecordKey, Option<FeaturesRow>>,
    taken: usize,
}

impl Premined {
    /// Forgets the records the change log lists after the position they were mined at (a later
    /// change may have made their features stale), and all of them if the sources' settings
    /// are no longer those they were mined with (a record's source decides whether it makes a
    /// work).
    pub(super) fn drop_changed(
        &mut self,
        store: &Store,
        sources: &SourceInfos,
    ) -> Result<(), StoreError> {
        if sources.digest() != self.sources {
            self.mined = HashMap::new();
        }
        if self.mined.is_empty() {
            return Ok(());
        }
        for record in store.changes_since(self.cursor, usize::MAX)?.records {
            self.mined.remove(&record);
        }
        Ok(())
    }

    /// Each record of `slice`'s [`Mined`] (`None`: it makes no work), in order: read from its
    /// row mined ahead, the others mined now; on all cores.
    pub(super) fn take_or_mine(
        &mut self,
        store: &Store,
        slice: Vec<RecordKey>,
        sources: &SourceInfos,
        thesaurus: &Thesaurus,
    ) -> Result<Vec<(RecordKey, Option<Mined>)>, StoreError> {
        if self.mined.is_empty() {
            return mine_all(store, &slice, sources, thesaurus);
        }
        let items: Vec<(RecordKey, Option<Option<FeaturesRow>>)> = slice
            .into_iter()
            .map(|record| {
                let ahead = self.mined.remove(&record);
                (record, ahead)
            })
            .collect();
        self.taken += items.iter().filter(|(_, ahead)| ahead.is_some()).count();
        mine_or_read_all(store, items, sources, thesaurus)
    }

    /// Nothing mined yet, with `sources`' settings.
    pub(super) fn new(sources: &SourceInfos) -> Premined {
        Premined {
            sources: sources.digest(),
            ..Premined::default()
        }
    }

    /// Mines the next [`CHUNK`] records the change log lists; `false` when it lists none.
    pub(super) fn mine_next(
        &mut self,
        store: &Store,
        sources: &SourceInfos,
        thesaurus: &Thesaurus,
    ) -> Result<bool, StoreError> {
        let changes = store.changes_since(self.cursor, CHUNK)?;
        if changes.records.is_empty() {
            return Ok(false);
        }
        for (record, mined) in mine_here(store, &changes.records, sources, thesaurus)? {
            self.mined.insert(record, mined.map(|mined| mined.row));
        }
        self.cursor = changes.next;
        Ok(true)
    }

    /// Records mined ahead and not taken yet.
    pub fn len(&self) -> usize {
        self.mined.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mined.is_empty()
    }

    /// Records taken from what was mined ahead ([`Premined::take_or_mine`]).
    pub fn taken(&self) -> usize {
        self.taken
    }
}

/// The thread mining a harvest's records while it runs.
pub struct Premining {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<Premined, StoreError>>>,
}

impl Premining {
    /// Starts mining what `store`'s change log lists, as it grows. `None` if no thread could be
    /// started (the features pass mines everything then).
    pub fn start(
        store: Arc<Store>,
        sources: Arc<SourceInfos>,
        thesaurus: Arc<Thesaurus>,
    ) -> Premining {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("works-premine".into())
            .spawn(move || {
                crate::cores::lower_this_thread(crate::cores::LOWEST);
                mine_ahead(&store, &sources, &thesaurus, &stopping)
            });
        if let Err(error) = &thread {
            tracing::warn!(%error, "records not mined during the harvest: no thread");
        }
        Premining {
            stop,
            thread: thread.ok(),
        }
    }

    /// Stops the thread once its current chunk is mined; gives what it mined (nothing if it
    /// failed: the features pass mines those records).
    pub fn finish(mut self) -> Premined {
        self.stop.store(true, Ordering::Relaxed);
        let Some(thread) = self.thread.take() else {
            return Premined::default();
        };
        match thread.join() {
            Ok(Ok(premined)) => premined,
            Ok(Err(error)) => {
                tracing::warn!(%error, "records not mined during the harvest");
                Premined::default()
            }
            Err(_) => {
                tracing::warn!("records not mined during the harvest: the thread panicked");
                Premined::default()
            }
        }
    }
}

impl Drop for Premining {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The thread's loop: each chunk the change log lists after the last, mined, until stopped.
fn mine_ahead(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    stop: &AtomicBool,
) -> Result<Premined, StoreError> {
    let mut premined = Premined::new(sources);
    while !stop.load(Ordering::Relaxed) {
        if !premined.mine_next(store, sources, thesaurus)? {
            std::thread::sleep(IDLE);
        }
    }
    Ok(premined)
}
