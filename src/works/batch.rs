//! One batch of changes inside one write transaction: the batch's state (what it changed, kept
//! apart from what was read ahead), its accessors to `record_work` rows, features and blocks,
//! and [`Batch::apply`], which moves each changed record out of its work and attaches it again.
//! Attaching is in `attach.rs`; regrouping and rebuilding the touched works in `regroup.rs`.
//!
//! Every `record_work` and block access goes through the methods here: a row the batch moved or
//! wrote is taken from the batch, not from what was read ahead.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::analyse::{Analysed, Described};
use super::model::Unfilled;
use super::prefetch::{Prefetched, Row};
use super::{
    CACHE_RECORDS, Encoded, FeatureCache, RecordRenderer, SourceInfos, StagedWorks, StoredFeatures,
    UpdateReport, Work, defer_feed_records, write_encoded_work,
};
use crate::classify::Thesaurus;
use crate::dedup::{BlockKey, Sketch};
use crate::store::{BlockMember, RecordKey, StoreError, WorksTx};

/// One batch of changes inside one transaction.
pub(super) struct Batch<'b, 't> {
    pub tx: &'b mut WorksTx<'t>,
    pub sources: &'b SourceInfos,
    pub thesaurus: &'b Thesaurus,
    /// Whether the feed keeps the works' records (rendered later: [`Batch::flush`]).
    renderer: Option<&'b dyn RecordRenderer>,
    /// The datestamp of every work this batch writes.
    pub now: String,
    pub report: &'b mut UpdateReport,
    /// What the works' fields are built from, by record: the batch's changed records and the
    /// other members of their works (read ahead).
    pub described: HashMap<RecordKey, Described>,
    /// Features read or written during this update, so that candidates met again are not read
    /// and decoded again.
    cache: &'b mut FeatureCache,
    /// Works created in this batch (reported as created, not also as changed).
    pub created: BTreeSet<String>,
    /// Works changed in this batch, written once at its end ([`Batch::flush`]): a work is
    /// saved several times while records join it and its fields are rebuilt, and each write
    /// moves it in a dozen feed sets.
    pending: BTreeMap<String, Work>,
    /// Whether each work read from the store was live, for the live/deleted counts.
    liveness: HashMap<String, bool>,
    /// The work of each record this batch moved (`None`: in none), written by
    /// [`Batch::flush`]; `prefetched.record_work` keeps the committed rows.
    moved: BTreeMap<RecordKey, Option<String>>,
    /// The works whose fields this batch rebuilt ([`Batch::finish`]): works are read without
    /// their fields ([`Unfilled`]), so every live work it writes must be one of them.
    pub filled: BTreeSet<String>,
    /// Features this batch wrote (`None`: removed) and block entries it added (`true`) or
    /// removed, kept until [`Batch::flush`] writes them table by table in key order: written as
    /// each record was applied, they fell at random places of two large tables, and the branch
    /// pages above them, touched again between evictions from redb's small write buffer, were
    /// written several times over. Reads of this batch see them ([`Batch::features`],
    /// [`Batch::block`]).
    features_written: BTreeMap<RecordKey, Option<Arc<StoredFeatures>>>,
    blocks_written: BTreeMap<(u64, RecordKey, u64), bool>,
    /// Rows of the blocking index and works written (the debug log shows them).
    pub block_writes: usize,
    pub works_written: usize,
    pub prefetched: Prefetched,
    /// Where the batch's time went (the debug log shows it).
    pub timings: Timings,
}

/// Time spent in the stages of [`Batch::settle`].
#[derive(Debug, Default)]
pub(super) struct Timings {
    /// Regrouping the touched works and rebuilding their fields.
    pub regrouped: Duration,
    /// Writing works, their feed entries and `record_work` rows.
    pub written: Duration,
    /// Encoding the works on a thread beside the writes, and how long the writes waited for it.
    pub encoded: Duration,
    pub encoding_waited: Duration,
}

impl<'b, 't> Batch<'b, 't> {
    pub fn new(
        tx: &'b mut WorksTx<'t>,
        sources: &'b SourceInfos,
        thesaurus: &'b Thesaurus,
        renderer: Option<&'b dyn RecordRenderer>,
        now: String,
        report: &'b mut UpdateReport,
        cache: &'b mut FeatureCache,
    ) -> Batch<'b, 't> {
        Batch {
            tx,
            sources,
            thesaurus,
            renderer,
            now,
            report,
            described: HashMap::new(),
            cache,
            created: BTreeSet::new(),
            pending: BTreeMap::new(),
            liveness: HashMap::new(),
            moved: BTreeMap::new(),
            filled: BTreeSet::new(),
            features_written: BTreeMap::new(),
            blocks_written: BTreeMap::new(),
            block_writes: 0,
            works_written: 0,
            prefetched: Prefetched::default(),
            timings: Timings::default(),
        }
    }
}

impl Batch<'_, '_> {
    /// Takes rows read ahead (see [`Prefetched::absorb`]).
    pub fn absorb(&mut self, rows: Vec<Row>) {
        self.prefetched
            .absorb(rows, self.cache, &mut self.described);
    }

    /// A record's stored features, from the cache or the transaction.
    pub fn features(
        &mut self,
        record: &RecordKey,
    ) -> Result<Option<Arc<StoredFeatures>>, StoreError> {
        if let Some(found) = self.cache.get(record) {
            return Ok(Some(found.clone()));
        }
        if let Some(written) = self.features_written.get(record) {
            return Ok(written.clone());
        }
        let Some(stored) = self.tx.features::<StoredFeatures>(record.as_ref())? else {
            return Ok(None);
        };
        if self.cache.len() >= CACHE_RECORDS {
            self.cache.clear();
        }
        let stored = Arc::new(stored);
        self.cache.insert(record.clone(), stored.clone());
        Ok(Some(stored))
    }

    /// The work of a record as this batch has it: moved by it, or as committed.
    pub fn record_work(&self, record: &RecordKey) -> Result<Option<String>, StoreError> {
        if let Some(work) = self.moved.get(record) {
            return Ok(work.clone());
        }
        match self.prefetched.record_work.get(record) {
            Some(work) => Ok(work.clone()),
            None => self.tx.record_work(record.as_ref()),
        }
    }

    pub fn set_record_work(&mut self, record: RecordKey, work: &str) -> Result<(), StoreError> {
        self.moved.insert(record, Some(work.to_owned()));
        Ok(())
    }

    fn remove_record_work(&mut self, record: RecordKey) -> Result<(), StoreError> {
        self.moved.insert(record, None);
        Ok(())
    }

    /// The members of a block (`None`: more than its limit), as this batch has it.
    pub fn block(&mut self, block: &str) -> Result<Option<Vec<BlockMember>>, StoreError> {
        let block = BlockKey::of(block);
        if let Some(members) = self.prefetched.blocks.get(&block.id()) {
            return Ok(members.clone());
        }
        let members = self.committed_block(block)?;
        self.prefetched.blocks.insert(block.id(), members.clone());
        Ok(members)
    }

    /// A block as committed, with this batch's writes to it ([`Batch::blocks_written`]).
    fn committed_block(&self, block: BlockKey) -> Result<Option<Vec<BlockMember>>, StoreError> {
        let id = block.id();
        let written: Vec<(&RecordKey, u64, bool)> = self
            .blocks_written
            .range((id, RecordKey::new("", ""), 0)..)
            .take_while(|((key, _, _), _)| *key == id)
            .map(|((_, record, sketch), added)| (record, *sketch, *added))
            .collect();
        // Entries this batch removed may bring a block over its limit back under it.
        let removed = written.iter().filter(|(_, _, added)| !added).count();
        let Some(mut members) = self.tx.block(id, block.limit() + removed)? else {
            return Ok(None);
        };
        for (record, sketch, added) in written {
            let member = BlockMember {
                record: record.clone(),
                sketch,
            };
            match members.iter().position(|m| *m == member) {
                Some(at) if !added => {
                    members.remove(at);
                }
                None if added => members.push(member),
                _ => {}
            }
        }
        Ok((members.len() <= block.limit()).then_some(members))
    }

    fn add_to_block(
        &mut self,
        block: &str,
        record: &RecordKey,
        sketch: Sketch,
    ) -> Result<(), StoreError> {
        let block = BlockKey::of(block);
        if let Some(Some(members)) = self.prefetched.blocks.get_mut(&block.id()) {
            let member = BlockMember {
                record: record.clone(),
                sketch: sketch.0,
            };
            if !members.contains(&member) {
                members.push(member);
            }
            if members.len() > block.limit() {
                self.prefetched.blocks.insert(block.id(), None);
            }
        }
        self.block_writes += 1;
        self.prefetched.blocks_written.insert(block.id());
        self.blocks_written
            .insert((block.id(), record.clone(), sketch.0), true);
        Ok(())
    }

    fn remove_from_block(
        &mut self,
        block: &str,
        record: &RecordKey,
        sketch: Sketch,
    ) -> Result<(), StoreError> {
        let block = BlockKey::of(block);
        match self.prefetched.blocks.get_mut(&block.id()) {
            Some(Some(members)) => {
                members.retain(|m| m.record != *record || m.sketch != sketch.0);
            }
            // Over the limit before: perhaps not after, read it again when asked.
            Some(None) => {
                self.prefetched.blocks.remove(&block.id());
            }
            None => {}
        }
        self.block_writes += 1;
        self.prefetched.blocks_written.insert(block.id());
        self.blocks_written
            .insert((block.id(), record.clone(), sketch.0), false);
        Ok(())
    }

    /// Moves changed records out of their works and into the works they now belong to; the
    /// works they touched are added to `dirty`, for [`Batch::settle`].
    pub fn apply(
        &mut self,
        changes: Vec<(RecordKey, Option<Analysed>)>,
        dirty: &mut BTreeSet<String>,
    ) -> Result<(), StoreError> {
        for (key, analysed) in changes {
            let old = self.features(&key)?;
            let previous = self.record_work(&key)?;
            let stored = analysed.as_ref().map(|analysed| StoredFeatures {
                features: analysed.features.clone(),
                keys: analysed.keys.clone(),
            });
            // What dedup compares did not change (an abstract, a keyword, a licence did): the
            // record's links are what they were, only its work's fields change.
            let unchanged = matches!(
                (&old, &stored),
                (Some(old), Some(new)) if old.features == new.features && old.keys == new.keys
            );
            if unchanged && let Some(work) = &previous {
                dirty.insert(work.clone());
                if let Some(analysed) = analysed {
                    self.described.insert(key, analysed.described());
                }
                continue;
            }
            // Blocking keys are sorted: only those that came or went are written, unless the
            // sketch filed with each changed too.
            let old_keys: &[String] = old.as_ref().map_or(&[], |old| &old.keys);
            let new_keys: &[String] = stored.as_ref().map_or(&[], |new| &new.keys);
            let old_sketch = old.as_ref().map(|old| Sketch::of(&old.features));
            let new_sketch = stored.as_ref().map(|new| Sketch::of(&new.features));
            let same_sketch = old_sketch == new_sketch;
            if let Some(sketch) = old_sketch {
                for block in old_keys {
                    if !same_sketch || new_keys.binary_search(block).is_err() {
                        self.remove_from_block(block, &key, sketch)?;
                    }
                }
            }
            if let Some(sketch) = new_sketch {
                for block in new_keys {
                    if !same_sketch || old_keys.binary_search(block).is_err() {
                        self.add_to_block(block, &key, sketch)?;
                    }
                }
            }
            self.prefetched.features_written.insert(key.clone());
            if old.is_some() {
                self.cache.remove(&key);
                if stored.is_none() {
                    self.features_written.insert(key.clone(), None);
                }
            }
            if let Some(work) = &previous {
                self.remove_record_work(key.clone())?;
                dirty.insert(work.clone());
            }
            let (Some(analysed), Some(stored)) = (analysed, stored) else {
                continue;
            };
            let stored = Arc::new(stored);
            self.features_written
                .insert(key.clone(), Some(stored.clone()));
            self.cache.insert(key.clone(), stored.clone());
            let work = self.attach(&key, &stored, previous.as_deref())?;
            dirty.insert(work);
            self.described.insert(key, analysed.described());
        }
        Ok(())
    }

    /// Regroups the works the batch touched, rebuilds their fields and writes them; `staged`
    /// takes them once made, before they are written: the search index makes their documents
    /// and prepares its commit while they are written and committed (it waited for them after
    /// the writes, ~0.1 s of a 1,000-change batch at 1 M works: BENCHMARKS.md, issue 17).
    pub fn settle(
        &mut self,
        dirty: BTreeSet<String>,
        staged: Option<&dyn StagedWorks>,
    ) -> Result<(), StoreError> {
        let started = Instant::now();
        for id in dirty {
            self.refresh(&id)?;
        }
        self.timings.regrouped += started.elapsed();
        debug_assert!(
            self.pending
                .values()
                .all(|work| !work.is_live() || self.filled.contains(&work.id)),
            "a live work would be written without its fields rebuilt"
        );
        // Shared with the index, not cloned for it: a copy of a thousand works with their fields
        // was ~1.5% of a 1,000-change round's CPU, on the batch's thread (BENCHMARKS.md, issue 17).
        let works: Arc<[Work]> = std::mem::take(&mut self.pending).into_values().collect();
        if let Some(staged) = staged
            && !works.is_empty()
        {
            staged.stage(works.clone(), self.tx.feed_sequence_before());
        }
        let started = Instant::now();
        let flushed = self.flush(&works);
        self.timings.written += started.elapsed();
        flushed
    }

    /// A work as this batch has it: changed and not yet written, or as stored without its
    /// fields ([`Unfilled`]: the batch rebuilds those of every work it saves).
    pub fn get(&mut self, id: &str) -> Result<Option<Work>, StoreError> {
        if let Some(work) = self.pending.get(id) {
            return Ok(Some(work.clone()));
        }
        // Cloned, not taken: a work compared with first (`Batch::compatible`), then saved, was
        // read from the store again.
        let work: Option<Work> = match self.prefetched.works.get(id) {
            Some(work) => Some(work.clone()),
            None => self.tx.work::<Unfilled>(id)?.map(Work::from),
        };
        if let Some(work) = &work {
            self.liveness.entry(id.to_owned()).or_insert(work.is_live());
        }
        Ok(work)
    }

    /// [`Batch::get`] for a work that must exist (a record or another work names it).
    pub fn load(&mut self, id: &str) -> Result<Work, StoreError> {
        self.get(id)?.ok_or_else(|| {
            StoreError::corrupt("works", format!("work {id} is referenced but missing"))
        })
    }

    /// Keeps a changed work for [`Batch::flush`].
    pub fn save(&mut self, work: Work) -> Result<(), StoreError> {
        self.pending.insert(work.id.clone(), work);
        Ok(())
    }

    /// Writes the works this batch changed (`works`, its pending ones in id order), each once,
    /// keeping the live/deleted counts and the feed index right.
    ///
    /// The works' rows and sets are made on another thread meanwhile ([`Encoded`]: pure): the
    /// features and block entries come first, more than half the pages the batch writes, so
    /// the works are ready by then and this thread, the round's critical path, only inserts
    /// them.
    fn flush(&mut self, works: &[Work]) -> Result<(), StoreError> {
        std::thread::scope(|scope| {
            let encoding = scope.spawn(|| {
                let started = Instant::now();
                let encoded: Vec<Encoded> = works.iter().map(Encoded::of).collect();
                (encoded, started.elapsed())
            });
            self.flush_features_and_blocks()?;
            let waiting = Instant::now();
            let (encoded, encoded_in) = encoding.join().map_err(|_| {
                StoreError::thread("encoding the batch's works", "the thread panicked")
            })?;
            self.timings.encoded += encoded_in;
            self.timings.encoding_waited += waiting.elapsed();
            self.flush_works(works, &encoded)
        })
    }

    /// The features and block entries this batch wrote, each table in key order.
    fn flush_features_and_blocks(&mut self) -> Result<(), StoreError> {
        for (key, features) in std::mem::take(&mut self.features_written) {
            match features {
                Some(features) => self.tx.set_features(key.as_ref(), &*features)?,
                None => self.tx.remove_features(key.as_ref())?,
            }
        }
        for ((block, record, sketch), added) in std::mem::take(&mut self.blocks_written) {
            if added {
                self.tx.add_to_block(block, record.as_ref(), sketch)?;
            } else {
                self.tx.remove_from_block(block, record.as_ref(), sketch)?;
            }
        }
        Ok(())
    }

    /// The works (`encoded` beside them, in their order), then the `record_work` rows moved.
    fn flush_works(&mut self, works: &[Work], encoded: &[Encoded]) -> Result<(), StoreError> {
        // The feed's records of the works written are left to the server, as a rebuild's and
        // a fresh build's are (`defer_feed_records`): rendering them here, with their members'
        // origins read at random, and writing them was ~100 ms of a 1,000-change batch's writes
        // at 1 M, on its thread (BENCHMARKS.md, issue 17); the feed serves a work without them
        // from the work.
        let mut first_live = None;
        for (work, encoded) in works.iter().zip(encoded) {
            self.works_written += 1;
            let was = self.liveness.get(&work.id).copied();
            write_encoded_work(self.tx, work, encoded, was)?;
            // Every work of the batch has its datestamp, so the first written has the lowest
            // feed key of them.
            if first_live.is_none() && work.is_live() {
                first_live = Some(work.id.as_str());
            }
        }
        defer_feed_records(self.tx, first_live, self.renderer)?;
        // A changed record mostly joins the work it left: only the rows that differ in the
        // end are written.
        for (key, work) in std::mem::take(&mut self.moved) {
            let committed = match self.prefetched.record_work.get(&key) {
                Some(committed) => committed.clone(),
                None => self.tx.record_work(key.as_ref())?,
            };
            match work {
                _ if work == committed => {}
                Some(work) => self.tx.set_record_work(key.as_ref(), &work)?,
                None => self.tx.remove_record_work(key.as_ref())?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Issue 17: a batch's block entries reach the table at its end; until then a block read
    /// from the store is merged with them (a block over its limit may come back under it).
    #[test]
    fn a_block_read_before_the_batch_writes_it_has_the_batchs_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = "t:cooperative";
        let block = BlockKey::of(key);
        let member = |i: usize| RecordKey::new("s", format!("r{i:02}"));
        store
            .update_works(|tx| {
                for i in 0..=block.limit() {
                    tx.add_to_block(block.id(), member(i).as_ref(), 7)?;
                }
                Ok(())
            })
            .unwrap();
        let expected: Vec<RecordKey> = (2..=block.limit())
            .map(member)
            .chain([member(99)])
            .collect();
        let (thesaurus, sources) = (Thesaurus::builtin().unwrap(), SourceInfos::default());
        let (mut report, mut cache) = (UpdateReport::default(), FeatureCache::new());
        store
            .update_works(|tx| {
                let mut batch = Batch::new(
                    tx,
                    &sources,
                    &thesaurus,
                    None,
                    String::new(),
                    &mut report,
                    &mut cache,
                );
                assert_eq!(batch.committed_block(block)?, None, "over its limit");
                batch.remove_from_block(key, &member(0), Sketch(7))?;
                batch.remove_from_block(key, &member(1), Sketch(7))?;
                batch.add_to_block(key, &member(99), Sketch(7))?;
                let read = batch.block(key)?.expect("under its limit again");
                let read: Vec<RecordKey> = read.into_iter().map(|m| m.record).collect();
                assert_eq!(read, expected);
                batch.settle(BTreeSet::new(), None)
            })
            .unwrap();
        let stored = store.dedup_view().unwrap().block(block.id(), block.limit());
        let stored: Vec<RecordKey> = stored
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|m| m.record)
            .collect();
        assert_eq!(stored, expected, "written at the batch's end");
    }
}
