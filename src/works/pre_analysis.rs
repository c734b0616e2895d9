//! A page's records analysed while the harvest writes it. Writing a page of changes takes one
//! core (~75 ms for 1,000 records at 1 M) and left the other idle; the works update that follows
//! then analysed the same records (normalised, classified, mined for dedup: ~50 ms on both
//! cores) before it could look anything up. [`PreAnalysis`] is shown each page just before its
//! write ([`PageWatch`]) and analyses its records on a thread of its own meanwhile; the update
//! takes the analyses ([`analyse_changes`]) instead of redoing them (BENCHMARKS.md, issue 17).
//!
//! Nothing here is stored, so crash safety is untouched. An analysis is used only for a record
//! stored as the bytes analysed ([`blob_digest`]: a later page may have changed it again, or the
//! write kept an older copy of the same version, mapped by an older crosswalk), and only with
//! the sources' settings and thesaurus it was made with; any other record is analysed as
//! before. A record the write will find unchanged (its stored hash is the page's) is not
//! analysed; an analysis waits for the batch whose change it is (when the works stage runs
//! behind the harvest, a later one than the next), at most [`HELD_AT_MOST`] of them, so a
//! harvest running ahead of its works stage does not pile them up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::SourceInfos;
use super::analyse::{Analysed, analyse, analyse_all};
use crate::classify::Thesaurus;
use crate::harvest::PageWatch;
use crate::store::{PreparedItem, RecordKey, Store, StoreError, blob_digest, mapped_record};

/// Records analysed ahead and not yet taken, at most: a batch of the update (`update.rs`), some
/// 25–50 MB of analyses. Past it, pages are not analysed until a batch takes some.
const HELD_AT_MOST: usize = 5_000;

/// Each record analysed, with the digest of the bytes analysed.
type Analyses = HashMap<RecordKey, (u64, Option<Analysed>)>;

/// See the module's documentation.
pub struct PreAnalysis {
    store: Arc<Store>,
    infos: Arc<SourceInfos>,
    thesaurus: Arc<Thesaurus>,
    /// One thread per page shown, with the number of records handed to it.
    threads: Mutex<Vec<(JoinHandle<Analyses>, usize)>>,
    /// The analyses of the threads joined, not taken yet.
    done: Mutex<Analyses>,
    /// Records in `done` or handed to a thread.
    held: AtomicUsize,
    /// Set while a take waits: the threads stop and give what they have, the update analyses
    /// the rest on all cores rather than waiting for one.
    taking: Arc<AtomicBool>,
    /// Analyses the updates took, in all.
    used: AtomicU64,
}

impl PreAnalysis {
    /// Analyses of the pages of `store` with these settings and thesaurus: the update's own
    /// (others are not taken).
    pub fn new(
        store: Arc<Store>,
        infos: Arc<SourceInfos>,
        thesaurus: Arc<Thesaurus>,
    ) -> PreAnalysis {
        PreAnalysis {
            store,
            infos,
            thesaurus,
            threads: Mutex::new(Vec::new()),
            done: Mutex::new(Analyses::new()),
            held: AtomicUsize::new(0),
            taking: Arc::new(AtomicBool::new(false)),
            used: AtomicU64::new(0),
        }
    }

    /// How many records the updates took analysed ahead, in all.
    #[cfg(test)]
    pub(super) fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    /// The analyses of `keys` made so far (the threads stopped), if made with `sources` and
    /// `thesaurus`; the others wait for a later batch.
    fn take(&self, keys: &[RecordKey], sources: &SourceInfos, thesaurus: &Thesaurus) -> Analyses {
        self.taking.store(true, Ordering::Release);
        self.join_threads();
        self.taking.store(false, Ordering::Release);
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let same =
            std::ptr::eq(&*self.thesaurus, thesaurus) && self.infos.digest() == sources.digest();
        if !same {
            self.held.fetch_sub(done.len(), Ordering::AcqRel);
            done.clear();
        }
        let taken: Analyses = keys
            .iter()
            .filter_map(|key| Some((key.clone(), done.remove(key)?)))
            .collect();
        self.held.fetch_sub(taken.len(), Ordering::AcqRel);
        taken
    }

    /// Every thread's analyses, in `done`, in the order the pages were shown (a later page's
    /// analysis of a record replaces an earlier one's).
    fn join_threads(&self) {
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        for (thread, handed) in threads {
            // A thread that panicked gave nothing: its records are analysed as before.
            let analyses = thread.join().unwrap_or_default();
            let before = done.len();
            done.extend(analyses);
            // What the thread did not give (stopped, skipped, or a record shown again) leaves
            // the count.
            self.held
                .fetch_sub(handed - (done.len() - before), Ordering::AcqRel);
        }
    }

    /// Waits until every page shown is analysed (the tests' way to make a take whole).
    #[cfg(test)]
    pub(super) fn finish(&self) {
        self.join_threads();
    }

    /// Records analysed or being analysed, not taken yet.
    #[cfg(test)]
    pub(super) fn waiting(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }
}

impl PageWatch for PreAnalysis {
    fn page_ready(&self, source: &str, items: Arc<Vec<PreparedItem>>) {
        let handed = items
            .iter()
            .filter(|item| matches!(item, PreparedItem::Record { .. }))
            .count();
        let held = self.held.fetch_add(handed, Ordering::AcqRel) + handed;
        if handed == 0 || held > HELD_AT_MOST {
            self.held.fetch_sub(handed, Ordering::AcqRel);
            return;
        }
        // The stored versions as before the page's write, which starts when this returns.
        let Ok(before) = self.store.records_view() else {
            self.held.fetch_sub(handed, Ordering::AcqRel);
            return;
        };
        let (infos, thesaurus) = (self.infos.clone(), self.thesaurus.clone());
        let (source, taking) = (source.to_owned(), self.taking.clone());
        let spawned = std::thread::Builder::new()
            .name("works-preanalyse".into())
            .spawn(move || {
                let records: Vec<(RecordKey, u64, &[u8])> = items
                    .iter()
                    .filter_map(|item| match item {
                        PreparedItem::Record {
                            identifier,
                            hash,
                            blob,
                            ..
                        } => Some((
                            RecordKey::new(source.as_str(), identifier.as_str()),
                            *hash,
                            &blob[..],
                        )),
                        PreparedItem::Reject { .. } => None,
                    })
                    .collect();
                let keys: Vec<RecordKey> = records.iter().map(|(key, ..)| key.clone()).collect();
                // A record stored with the page's hash is one the write leaves as it is.
                let stored = before.hashes(&keys).unwrap_or_default();
                let info = infos.get(&source);
                let mut analyses = Analyses::with_capacity(records.len());
                for (at, (key, hash, blob)) in records.into_iter().enumerate() {
                    if taking.load(Ordering::Acquire) {
                        break;
                    }
                    if stored.get(at).copied().flatten() == Some(hash) {
                        continue;
                    }
                    // A blob that does not decode is left to the update, which reports it.
                    let Ok(record) = mapped_record(key.source(), key.identifier(), blob) else {
                        continue;
                    };
                    let analysed = analyse(&record, &info, &thesaurus);
                    analyses.insert(key, (blob_digest(blob), analysed));
                }
                analyses
            });
        match spawned {
            Ok(thread) => self
                .threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((thread, handed)),
            // No thread (the system refused one): the update analyses the page as before.
            Err(_) => {
                self.held.fetch_sub(handed, Ordering::AcqRel);
            }
        }
    }
}

/// [`analyse_all`] of the changed records `keys`, taking from `pre` those analysed while their
/// page was written and stored as analysed; in `keys`' order.
pub(super) fn analyse_changes(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    pre: Option<&PreAnalysis>,
) -> Result<Vec<(RecordKey, Option<Analysed>)>, StoreError> {
    let mut ahead = match pre {
        Some(pre) => pre.take(keys, sources, thesaurus),
        None => Analyses::new(),
    };
    if ahead.is_empty() {
        return analyse_all(store, keys, sources, thesaurus);
    }
    // Only the rows of records analysed ahead are read for their digest: the others are read
    // by `analyse_all` anyway.
    let asked: Vec<&RecordKey> = keys.iter().filter(|key| ahead.contains_key(*key)).collect();
    let stored: HashMap<&RecordKey, u64> = asked
        .iter()
        .copied()
        .zip(store.record_digests(asked.iter().copied())?)
        .filter_map(|(key, digest)| Some((key, digest?)))
        .collect();
    let mut taken: Vec<Option<Option<Analysed>>> = Vec::with_capacity(keys.len());
    let mut missing = Vec::new();
    for key in keys {
        match ahead.remove(key) {
            Some((digest, analysed)) if stored.get(key) == Some(&digest) => {
                taken.push(Some(analysed))
            }
            _ => {
                taken.push(None);
                missing.push(key.clone());
            }
        }
    }
    if let Some(pre) = pre {
        pre.used
            .fetch_add((keys.len() - missing.len()) as u64, Ordering::AcqRel);
    }
    tracing::debug!(
        ahead = keys.len() - missing.len(),
        missing = missing.len(),
        "records analysed while their page was written"
    );
    let mut rest = analyse_all(store, &missing, sources, thesaurus)?.into_iter();
    keys.iter()
        .zip(taken)
        .map(|(key, taken)| match taken {
            Some(analysed) => Ok((key.clone(), analysed)),
            None => rest.next().ok_or_else(|| {
                StoreError::thread("analysing records", "a record's analysis is missing")
            }),
        })
        .collect()
}
