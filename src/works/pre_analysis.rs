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
//! before. Analyses not taken by the
//! next update are dropped, and at most [`HELD_AT_MOST`] records wait, so a harvest running
//! ahead of its works stage does not pile them up.

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
/// 25–50 MB of analyses.
const HELD_AT_MOST: usize = 5_000;

/// Each record analysed, with the digest of the bytes analysed.
type Analyses = HashMap<RecordKey, (u64, Option<Analysed>)>;

/// See the module's documentation.
pub struct PreAnalysis {
    infos: Arc<SourceInfos>,
    thesaurus: Arc<Thesaurus>,
    /// One thread per page shown.
    threads: Mutex<Vec<JoinHandle<Analyses>>>,
    /// What threads joined before a take gave.
    done: Mutex<Analyses>,
    /// Records handed to the threads since the last take.
    held: AtomicUsize,
    /// Set while a take waits: the threads stop and give what they have, the update analyses
    /// the rest on all cores rather than waiting for one.
    taking: Arc<AtomicBool>,
    /// Analyses the updates took, in all.
    used: AtomicU64,
}

impl PreAnalysis {
    /// Analyses with these settings and thesaurus: the update's own (others are not taken).
    pub fn new(infos: Arc<SourceInfos>, thesaurus: Arc<Thesaurus>) -> PreAnalysis {
        PreAnalysis {
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
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    /// Every analysis made so far (the threads stopped), if made with `sources` and
    /// `thesaurus`.
    fn take(&self, sources: &SourceInfos, thesaurus: &Thesaurus) -> Analyses {
        self.taking.store(true, Ordering::Release);
        self.join_threads();
        self.taking.store(false, Ordering::Release);
        let mut all = std::mem::take(&mut *self.done.lock().unwrap_or_else(|e| e.into_inner()));
        self.held.store(0, Ordering::Release);
        let same =
            std::ptr::eq(&*self.thesaurus, thesaurus) && self.infos.digest() == sources.digest();
        if !same {
            all.clear();
        }
        all
    }

    /// Every thread's analyses, in `done`, in the order the pages were shown (a later page's
    /// analysis of a record replaces an earlier one's).
    fn join_threads(&self) {
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        for thread in threads {
            // A thread that panicked gave nothing: its records are analysed as before.
            if let Ok(analyses) = thread.join() {
                done.extend(analyses);
            }
        }
    }

    /// Waits until every page shown is analysed (the tests' way to make a take whole).
    #[cfg(test)]
    pub(super) fn finish(&self) {
        self.join_threads();
    }
}

impl PageWatch for PreAnalysis {
    fn page_ready(&self, source: &str, items: &[PreparedItem]) {
        let records: Vec<(String, Vec<u8>)> = items
            .iter()
            .filter_map(|item| match item {
                PreparedItem::Record {
                    identifier, blob, ..
                } => Some((identifier.clone(), blob.clone())),
                PreparedItem::Reject { .. } => None,
            })
            .collect();
        let held = self.held.fetch_add(records.len(), Ordering::AcqRel) + records.len();
        if records.is_empty() || held > HELD_AT_MOST {
            self.held.fetch_sub(records.len(), Ordering::AcqRel);
            return;
        }
        let (infos, thesaurus) = (self.infos.clone(), self.thesaurus.clone());
        let (source, taking) = (source.to_owned(), self.taking.clone());
        let spawned = std::thread::Builder::new()
            .name("works-preanalyse".into())
            .spawn(move || {
                let info = infos.get(&source);
                let mut analyses = Analyses::with_capacity(records.len());
                for (identifier, blob) in records {
                    if taking.load(Ordering::Acquire) {
                        break;
                    }
                    // A blob that does not decode is left to the update, which reports it.
                    let Ok(record) = mapped_record(&source, &identifier, &blob) else {
                        continue;
                    };
                    let analysed = analyse(&record, &info, &thesaurus);
                    let digest = blob_digest(&blob);
                    analyses.insert(
                        RecordKey::new(source.clone(), identifier),
                        (digest, analysed),
                    );
                }
                analyses
            });
        // No thread (the system refused one): the update analyses the page as before.
        if let Ok(thread) = spawned {
            self.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(thread);
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
        Some(pre) => pre.take(sources, thesaurus),
        None => Analyses::new(),
    };
    if ahead.is_empty() {
        return analyse_all(store, keys, sources, thesaurus);
    }
    let digests = store.record_digests(keys)?;
    let mut taken: Vec<Option<Option<Analysed>>> = Vec::with_capacity(keys.len());
    let mut missing = Vec::new();
    for (key, stored) in keys.iter().zip(digests) {
        match ahead.remove(key) {
            Some((digest, analysed)) if Some(digest) == stored => taken.push(Some(analysed)),
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
