//! What a batch of changes will look up, read ahead on threads of their own (more than the
//! cores: [`READ_AHEAD_THREADS`]) through read-only views of the store (`Store::dedup_view`)
//! while the batch's write transaction applies the previous slice: the changed records'
//! features and works, the other members of those works (their work, features, and the record
//! described: the works are regrouped and their fields rebuilt), the changed records' new blocks
//! (each read once a batch: [`BlocksRead`]), and the features of the candidates those bring
//! whose sketch may be the same work.
//!
//! Everything here is the store as last committed, which the write transaction does not change
//! until it commits; the batch keeps its own changes apart and takes a row read here only for
//! what it has not written itself ([`Prefetched::absorb`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::analyse::{Analysed, Described, describe, on_threads};
use super::model::Unfilled;
use super::{FeatureCache, SourceInfos, StoredFeatures, Work};
use crate::classify::Thesaurus;
use crate::dedup::{BlockKey, Sketch};
use crate::store::{BlockMember, RecordKey, Store, StoreError};

/// A changed record, as prefetching needs it: its key and what dedup will compare (`None`: it
/// makes no work any more).
pub(super) struct Wanted {
    pub key: RecordKey,
    pub new: Option<StoredFeatures>,
}

impl Wanted {
    pub fn of(key: &RecordKey, analysed: Option<&Analysed>) -> Wanted {
        Wanted {
            key: key.clone(),
            new: analysed.map(|analysed| StoredFeatures {
                features: analysed.features.clone(),
                keys: analysed.keys.clone(),
            }),
        }
    }
}

/// One row read ahead. Large rows are boxed: rows are moved around.
pub(super) enum Row {
    Features(RecordKey, Box<StoredFeatures>),
    Work(RecordKey, Option<String>),
    Body(String, Box<Work>),
    Member(RecordKey, Option<String>, Option<Box<Described>>),
    Block(u64, Arc<Option<Vec<BlockMember>>>),
    /// Candidates whose features were not read: their sketch rules them out.
    Skipped(usize),
}

/// Reads ahead for `wanted`, a slice of the batch; `changed` holds every record of the batch
/// (they are analysed already, not read again as members).
pub(super) fn rows(
    store: &Store,
    wanted: &[Wanted],
    changed: &HashSet<RecordKey>,
    blocks: &BlocksRead,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<Row>, StoreError> {
    on_threads(wanted, READ_AHEAD_THREADS, |part| {
        let view = store.dedup_view()?;
        let mut seen = HashSet::new();
        let mut seen_works = HashSet::new();
        let mut rows = Vec::new();
        let mut skipped = 0;
        let read_features =
            |rows: &mut Vec<Row>, seen: &mut HashSet<RecordKey>, record: &RecordKey| {
                if seen.insert(record.clone())
                    && let Some(features) = view.features(record.as_ref())?
                {
                    rows.push(Row::Features(record.clone(), Box::new(features)));
                }
                Ok::<_, StoreError>(())
            };
        for Wanted { key, new } in part {
            let work = view.record_work(key.as_ref())?;
            if let Some(id) = &work
                && seen_works.insert(id.clone())
                && let Some(body) = view.work::<Unfilled>(id)?.map(Work::from)
            {
                for member in &body.members {
                    let other = RecordKey::from(member.key());
                    if changed.contains(&other) {
                        continue;
                    }
                    read_features(&mut rows, &mut seen, &other)?;
                    let info = sources.get(&member.source);
                    // Only its work's fields are rebuilt from it: its features are read.
                    let described = view
                        .record_mapped(member.key())?
                        .and_then(|record| describe(&record, &info, thesaurus))
                        .map(Box::new);
                    let work = view.record_work(member.key())?;
                    rows.push(Row::Member(other, work, described));
                }
                rows.push(Row::Body(id.clone(), Box::new(body)));
            }
            rows.push(Row::Work(key.clone(), work));
            let old = view.features::<StoredFeatures>(key.as_ref())?;
            let unchanged = matches!((&old, new), (Some(old), Some(new))
                if old.features == new.features && old.keys == new.keys);
            if let Some(old) = old {
                seen.insert(key.clone());
                rows.push(Row::Features(key.clone(), Box::new(old)));
            }
            let Some(new) = new.as_ref().filter(|_| !unchanged) else {
                continue;
            };
            let sketch = Sketch::of(&new.features);
            for block in &new.keys {
                let block = BlockKey::of(block);
                let members = match blocks.get(block.id()) {
                    Some(members) => members,
                    None => {
                        let members = Arc::new(view.block(block.id(), block.limit())?);
                        if blocks.put(block.id(), &members) {
                            rows.push(Row::Block(block.id(), members.clone()));
                        }
                        members
                    }
                };
                for member in members.iter().flatten() {
                    if sketch.may_be_same(Sketch(member.sketch)) {
                        read_features(&mut rows, &mut seen, &member.record)?;
                    } else {
                        skipped += 1;
                    }
                }
            }
        }
        rows.push(Row::Skipped(skipped));
        Ok(rows)
    })
}

/// Reads, after the slices' rows, what the batch's writer will read of the store that no row
/// holds: the feed entries of the works the batch moves (`Store::touch_feed_entry`) and the
/// blocks its changed records leave. Nothing is kept: the reads only bring those pages into
/// memory before the writer gets to them, at the batch's end. On a store not in the page cache
/// they were disk reads on the writer's thread, one after the other (~150–200 ms of a cold
/// 1,000-change batch at 1 M records); here they are spread over [`READ_AHEAD_THREADS`] while
/// the batch applies its last slices (BENCHMARKS.md, issue 17).
pub(super) fn touch_written(
    store: &Store,
    wanted: &[Wanted],
    blocks: &BlocksRead,
) -> Result<(), StoreError> {
    on_threads(wanted, READ_AHEAD_THREADS, |part| {
        let view = store.dedup_view()?;
        for Wanted { key, new } in part {
            if let Some(id) = view.record_work(key.as_ref())? {
                view.touch_feed_entry(&id)?;
            }
            let Some(old) = view.features::<StoredFeatures>(key.as_ref())? else {
                continue;
            };
            let kept = new.as_ref().map_or(&[][..], |new| &new.keys[..]);
            for block in old.keys.iter().filter(|old| !kept.contains(old)) {
                let block = BlockKey::of(block);
                if !blocks.has(block.id()) {
                    view.block(block.id(), block.limit())?;
                }
            }
        }
        Ok(Vec::<()>::new())
    })
    .map(drop)
}

/// The blocks a batch's read-ahead has read, shared by its threads and slices: records of one
/// batch share blocks (the same words of a title, the same year and author), and each read is a
/// walk down the largest of the store's tables.
#[derive(Default)]
pub(super) struct BlocksRead {
    read: Mutex<HashMap<u64, Arc<Option<Vec<BlockMember>>>>>,
    /// Lookups answered without a read (the debug log shows them).
    shared: std::sync::atomic::AtomicUsize,
}

impl BlocksRead {
    fn get(&self, block: u64) -> Option<Arc<Option<Vec<BlockMember>>>> {
        let found = self
            .read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&block)
            .cloned();
        if found.is_some() {
            self.shared
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        found
    }

    /// Keeps a block read; whether it was the first read of it (two threads may read one block
    /// at once: the batch takes the first row of it, the same).
    fn put(&self, block: u64, members: &Arc<Option<Vec<BlockMember>>>) -> bool {
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        match read.entry(block) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(members.clone());
                true
            }
        }
    }

    /// Whether `block` was read (not counted as shared: the writer's pages are warmed, no
    /// lookup answered).
    fn has(&self, block: u64) -> bool {
        (self.read.lock().unwrap_or_else(|e| e.into_inner())).contains_key(&block)
    }

    /// Lookups answered from a block read before.
    pub fn shared(&self) -> usize {
        self.shared.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Threads reading a slice of a batch ahead. More than the cores: when the store is not in the
/// page cache each thread waits on one random page read at a time, and the disk serves many
/// at once (a cold 1,000-change batch at 1 M records waited ~0.9 s on two threads).
const READ_AHEAD_THREADS: usize = 8;

/// What the batch has read ahead: `record_work` rows and works as committed (the batch keeps
/// its moves and changed works apart), blocks kept equal to the transaction's as the batch
/// writes, analyses of unchanged members.
#[derive(Default)]
pub(super) struct Prefetched {
    pub record_work: HashMap<RecordKey, Option<String>>,
    /// By block key; `None`: more members than the block's limit.
    pub blocks: HashMap<u64, Option<Vec<BlockMember>>>,
    /// Works as committed, without their fields, read by `Batch::get` (the batch keeps those
    /// it changes apart).
    pub works: HashMap<String, Work>,
    /// Blocks and features this batch wrote: rows read ahead for them are stale.
    pub blocks_written: HashSet<u64>,
    pub features_written: HashSet<RecordKey>,
    /// Features rows read ahead, and block members whose sketch ruled them out (debug log).
    pub features_read: usize,
    pub candidates_skipped: usize,
}

impl Prefetched {
    /// Takes rows read ahead, except those the batch has written since (its own are right).
    pub fn absorb(
        &mut self,
        rows: Vec<Row>,
        cache: &mut FeatureCache,
        described: &mut HashMap<RecordKey, Described>,
    ) {
        for row in rows {
            match row {
                Row::Features(key, features) => {
                    self.features_read += 1;
                    if !self.features_written.contains(&key) {
                        cache.entry(key).or_insert_with(|| Arc::new(*features));
                    }
                }
                Row::Work(key, work) => {
                    self.record_work.entry(key).or_insert(work);
                }
                Row::Body(id, work) => {
                    self.works.entry(id).or_insert(*work);
                }
                Row::Member(key, work, member) => {
                    if let Some(member) = member {
                        described.entry(key.clone()).or_insert(*member);
                    }
                    self.record_work.entry(key).or_insert(work);
                }
                Row::Skipped(count) => self.candidates_skipped += count,
                Row::Block(block, members) => {
                    if !self.blocks_written.contains(&block) {
                        self.blocks
                            .entry(block)
                            .or_insert_with(|| Arc::unwrap_or_clone(members));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: a block is read once a batch; the batch takes one row of it.
    #[test]
    fn a_block_read_is_shared_and_given_to_the_batch_once() {
        let blocks = BlocksRead::default();
        assert!(blocks.get(7).is_none());
        let members = Arc::new(Some(vec![BlockMember {
            record: RecordKey::new("hal", "oai:1"),
            sketch: 3,
        }]));
        assert!(blocks.put(7, &members), "the first read");
        assert!(!blocks.put(7, &Arc::new(None)), "a second read at once");
        let shared = blocks.get(7).expect("kept");
        assert_eq!(shared, members, "the first read kept");
        assert_eq!(blocks.shared(), 1);
        assert!(blocks.get(8).is_none());
    }
}
