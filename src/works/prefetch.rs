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
use crate::store::{BlockMember, DedupView, RecordKey, Store, StoreError};

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
/// (they are analysed already, not read again as members). What `foreseen` read already of a
/// record (its work, that work's other members, its stored features) is not read again: only
/// its new blocks and their candidates are.
pub(super) fn rows(
    store: &Store,
    wanted: &[Wanted],
    changed: &HashSet<RecordKey>,
    blocks: &BlocksRead,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    foreseen: Option<&ForeseenFeatures>,
) -> Result<Vec<Row>, StoreError> {
    on_threads(wanted, READ_AHEAD_THREADS, |part| {
        let view = store.dedup_view()?;
        let mut reader = Reader::new(&view, changed, sources, thesaurus);
        let mut skipped = 0;
        for Wanted { key, new } in part {
            let foreseen_old = foreseen.and_then(|foreseen| foreseen.get(key));
            let read_old = match foreseen_old {
                Some(_) => None,
                None => reader.keyed(key)?,
            };
            let old = foreseen_old.map_or(read_old.as_ref(), Option::as_ref);
            let unchanged = matches!((old, new), (Some(old), Some(new))
                if old.features == new.features && old.keys == new.keys);
            if let Some(old) = read_old {
                reader.seen.insert(key.clone());
                reader.rows.push(Row::Features(key.clone(), Box::new(old)));
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
                            reader.rows.push(Row::Block(block.id(), members.clone()));
                        }
                        members
                    }
                };
                for member in members.iter().flatten() {
                    if sketch.may_be_same(Sketch(member.sketch)) {
                        reader.features(&member.record)?;
                    } else {
                        skipped += 1;
                    }
                }
            }
        }
        let mut rows = reader.rows;
        rows.push(Row::Skipped(skipped));
        Ok(rows)
    })
}

/// One read-ahead thread's reads through its view: the rows, and what it has read already.
struct Reader<'r> {
    view: &'r DedupView,
    /// Records not read as members: the batch's (or the page's) changed records.
    changed: &'r HashSet<RecordKey>,
    sources: &'r SourceInfos,
    thesaurus: &'r Thesaurus,
    rows: Vec<Row>,
    seen: HashSet<RecordKey>,
    seen_works: HashSet<String>,
}

impl<'r> Reader<'r> {
    fn new(
        view: &'r DedupView,
        changed: &'r HashSet<RecordKey>,
        sources: &'r SourceInfos,
        thesaurus: &'r Thesaurus,
    ) -> Reader<'r> {
        Reader {
            view,
            changed,
            sources,
            thesaurus,
            rows: Vec::new(),
            seen: HashSet::new(),
            seen_works: HashSet::new(),
        }
    }

    /// A record's features row, once a thread.
    fn features(&mut self, record: &RecordKey) -> Result<(), StoreError> {
        if self.seen.insert(record.clone())
            && let Some(features) = self.view.features(record.as_ref())?
        {
            self.rows
                .push(Row::Features(record.clone(), Box::new(features)));
        }
        Ok(())
    }

    /// What a changed record's key alone decides: its work, and that work's other members
    /// (their work, features, and the record described: the work's fields are rebuilt);
    /// returns the record's stored features (whether its blocks are read depends on them).
    fn keyed(&mut self, key: &RecordKey) -> Result<Option<StoredFeatures>, StoreError> {
        let work = self.view.record_work(key.as_ref())?;
        if let Some(id) = &work
            && self.seen_works.insert(id.clone())
            && let Some(body) = self.view.work::<Unfilled>(id)?.map(Work::from)
        {
            for member in &body.members {
                let other = RecordKey::from(member.key());
                if self.changed.contains(&other) {
                    continue;
                }
                self.features(&other)?;
                let info = self.sources.get(&member.source);
                // Only its work's fields are rebuilt from it: its features are read.
                let described = self
                    .view
                    .record_mapped(member.key())?
                    .and_then(|record| describe(&record, &info, self.thesaurus))
                    .map(Box::new);
                let work = self.view.record_work(member.key())?;
                self.rows.push(Row::Member(other, work, described));
            }
            self.rows.push(Row::Body(id.clone(), Box::new(body)));
        }
        self.rows.push(Row::Work(key.clone(), work));
        self.view.features::<StoredFeatures>(key.as_ref())
    }
}

/// What the works stage following a harvest read ahead of a batch from the keys of the records
/// a page was about to commit, while it committed (before the batch's analysis, which reads
/// them): what [`Reader::keyed`] reads, through views of the works tables of one
/// [`Store::works_generation`]. A batch takes it only if its write transaction began at that
/// generation ([`crate::store::WorksTx::sees_generation`]); then it is what the batch's own
/// read-ahead would have read, but for the rows of members the batch changed, which it drops
/// ([`Foreseen::rows_for`]).
pub struct Foreseen {
    generation: u64,
    rows: Vec<Row>,
    old: ForeseenFeatures,
}

/// Each foreseen record's stored features (`None`: none), by record.
pub(super) type ForeseenFeatures = HashMap<RecordKey, Option<StoredFeatures>>;

impl Foreseen {
    /// Reads ahead what `keys` alone decide (the page's records: not read as members); `None`
    /// when a transaction that may write the works tables committed meanwhile.
    pub fn read(
        store: &Store,
        keys: &[RecordKey],
        sources: &SourceInfos,
        thesaurus: &Thesaurus,
    ) -> Result<Option<Foreseen>, StoreError> {
        let page: HashSet<RecordKey> = keys.iter().cloned().collect();
        let parts = on_threads(keys, READ_AHEAD_THREADS, |part| {
            // Below the page's commit, which it runs beside: it takes the core that leaves idle.
            #[cfg(target_os = "linux")]
            crate::cores::lower_thread_priority(FORESIGHT_NICE_STEPS);
            let Some((view, generation)) = store.foresight_view()? else {
                return Ok(vec![None]);
            };
            let mut reader = Reader::new(&view, &page, sources, thesaurus);
            let mut old = Vec::with_capacity(part.len());
            for key in part {
                let features = reader.keyed(key)?;
                if let Some(features) = &features {
                    reader
                        .rows
                        .push(Row::Features(key.clone(), Box::new(features.clone())));
                }
                old.push((key.clone(), features));
            }
            Ok(vec![Some((generation, reader.rows, old))])
        })?;
        let mut foreseen = Foreseen {
            generation: 0,
            rows: Vec::new(),
            old: HashMap::with_capacity(keys.len()),
        };
        let mut generations = HashSet::new();
        for part in parts {
            let Some((generation, rows, old)) = part else {
                return Ok(None);
            };
            generations.insert(generation);
            foreseen.generation = generation;
            foreseen.rows.extend(rows);
            foreseen.old.extend(old);
        }
        Ok((generations.len() <= 1).then_some(foreseen))
    }

    /// The generation of the works tables the rows were read from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many records were foreseen.
    pub fn len(&self) -> usize {
        self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.old.is_empty()
    }

    /// The generation of the works tables the rows were read from; the rows, but for members
    /// in `changed` (the batch's records: it describes those from its own analysis; the
    /// page's records were not read as members, since its commit may change them: the batch
    /// reads those that did not change as it needs them); each foreseen record's stored
    /// features.
    pub(super) fn into_parts(
        self,
        changed: &HashSet<RecordKey>,
    ) -> (u64, Vec<Row>, ForeseenFeatures) {
        let rows = (self.rows.into_iter())
            .filter(|row| !matches!(row, Row::Member(key, _, _) if changed.contains(key)))
            .collect();
        (self.generation, rows, self.old)
    }
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

    /// Lookups answered from a block read before.
    pub fn shared(&self) -> usize {
        self.shared.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// How much lower than the process's priority [`Foreseen::read`]'s threads run (nice steps):
/// at the same priority its eight threads took most of the cores from the page's commit it
/// runs beside, whose thread the round waits on (BENCHMARKS.md, issue 17).
#[cfg(target_os = "linux")]
const FORESIGHT_NICE_STEPS: i32 = 10;

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
