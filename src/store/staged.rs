//! A run's records staged in arrival order, then settled into the records in key order.
//!
//! Why: a repository lists its records by datestamp, so their keys arrive in random order. Each
//! page's inserts into `records` and `record_origins` then land on a different leaf apiece, read
//! back and rewritten with the branches above it at every commit: a fresh 1 M harvest took
//! 173 s and wrote 9.9 GB, against 44 s and 3.1 GB for the same records listed in key order
//! (BENCHMARKS.md, issue 17). A staging run appends each page to [`STAGED`] instead, keyed by
//! arrival, the page's items sorted by identifier (in the page's transaction, with its
//! checkpoint, as before); at the run's end [`Store::settle`] merges the pages' sorted runs and
//! writes the items into the records in key order, through the same [`ItemWriter`] a page's
//! records go through, so that what is stored, counted and logged is what committing the pages
//! would have done.
//!
//! A run stages only from its first page whose keys fall among those written before it (the
//! harvest decides: pages in key order are appended to the records' tree, which costs little),
//! only while the store has no works ([`Store::stages`]), and only when its
//! caller allows it (the CLI's harvests, which hold the store alone): the works stage then
//! waits for the harvest's end anyway (`pipeline`), so no one misses records not settled yet.
//! A store with works has its records written page by page, for the works to follow them, and
//! so has a server's, whose API shows a repository's records as they come.
//!
//! Invariants:
//! - a staged item is settled once: each chunk of the settle commits its records with the last
//!   identifier it wrote ([`meta_key::SETTLED`]), so a crash resumes after it; the last chunk
//!   removes the source's staged items and that mark in the same transaction, durably;
//! - items of one identifier are settled in arrival order, in one chunk: the last one listed
//!   is the one stored, as page by page;
//! - a source's settle never runs beside a run staging it ([`Store::staging`]); after a crash,
//!   staged items are settled by the next run of their source, before it stages its own
//!   (`harvest::state`), or by the next works update ([`Store::settle_idle`]);
//! - the run counters a staged page adds are provisional ([`provisional`]); each chunk corrects
//!   the checkpoint's by what it found, so the run ends with what page by page would count.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};

use super::encode::{from_json, to_json};
use super::records::{ItemRef, ItemWriter};
use super::tables::{CHECKPOINTS, META, STAGED, meta_key};
use super::{Checkpoint, PreparedItem, RunCounters, Store, StoreError};

/// Staged items settled per transaction (more when an identifier's items straddle it); its
/// records land at the end of their source's range.
const CHUNK_ITEMS: usize = 32_768;

/// What a settle found: the counters the staged pages had added, and the true ones.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Settled {
    pub provisional: RunCounters,
    pub exact: RunCounters,
}

impl RunCounters {
    /// Replaces counts a staged run added provisionally by the settled ones.
    pub fn correct(&mut self, settled: &Settled) {
        let (p, e) = (&settled.provisional, &settled.exact);
        self.new = self.new.saturating_sub(p.new) + e.new;
        self.updated = self.updated.saturating_sub(p.updated) + e.updated;
        self.unchanged = self.unchanged.saturating_sub(p.unchanged) + e.unchanged;
        self.deleted = self.deleted.saturating_sub(p.deleted) + e.deleted;
        self.rejected = self.rejected.saturating_sub(p.rejected) + e.rejected;
    }
}

/// The sources a run of this process is staging now: [`Store::settle_idle`] leaves them be.
#[derive(Debug, Default)]
pub(super) struct Staging {
    sources: Arc<Mutex<HashSet<String>>>,
    /// One settle at a time.
    settling: Mutex<()>,
}

/// Held by a run that stages its records: while it lives, no idle settle takes its source.
#[derive(Debug)]
pub struct StagingGuard {
    sources: Arc<Mutex<HashSet<String>>>,
    source: String,
}

impl Drop for StagingGuard {
    fn drop(&mut self) {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        sources.remove(&self.source);
    }
}

impl Store {
    /// Whether a run beginning now may stage its records: the store has no works yet (a run
    /// settles what an earlier attempt left staged before it decides).
    pub fn stages(&self) -> Result<bool, StoreError> {
        Ok(self.works_cursor()? == 0 && self.work_counts()? == (0, 0))
    }

    /// Marks `source` as staged by a run of this process until the guard is dropped.
    pub fn staging(&self, source: &str) -> StagingGuard {
        let sources = self.staging.sources.clone();
        sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(source.to_owned());
        StagingGuard {
            sources,
            source: source.to_owned(),
        }
    }

    /// Whether `source` has staged items (left by a run a crash interrupted, or being staged).
    pub fn has_staged(&self, source: &str) -> Result<bool, StoreError> {
        let tx = self.db.begin_read()?;
        let staged = tx.open_table(STAGED)?;
        Ok(staged
            .range((source, 0)..=(source, u64::MAX))?
            .next()
            .is_some())
    }

    /// Whether a settle of `source` began and was interrupted (its mark is stored).
    #[cfg(test)]
    pub fn settle_begun(&self, source: &str) -> Result<bool, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        Ok(meta.get(settled_key(source).as_str())?.is_some())
    }

    /// Moves the staged items of `source` into the records, in key order, in chunks each
    /// committed with the mark of how far it went; `None` when nothing was staged. The counters
    /// returned are those of the chunks this call wrote: the caller holding the run's checkpoint
    /// corrects it by them ([`RunCounters::correct`]), as each chunk did the stored one.
    pub fn settle(&self, source: &str) -> Result<Option<Settled>, StoreError> {
        self.settle_chunks(source, CHUNK_ITEMS, usize::MAX)
    }

    /// [`Store::settle`] in chunks of `chunk_items`, stopping after `at_most` of them (a test's
    /// interrupted settle).
    fn settle_chunks(
        &self,
        source: &str,
        chunk_items: usize,
        at_most: usize,
    ) -> Result<Option<Settled>, StoreError> {
        let _one = self
            .staging
            .settling
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.settle_locked(source, chunk_items, at_most)
    }

    /// [`Store::settle_chunks`], the settle lock held by the caller.
    fn settle_locked(
        &self,
        source: &str,
        chunk_items: usize,
        at_most: usize,
    ) -> Result<Option<Settled>, StoreError> {
        let started = std::time::Instant::now();
        // One snapshot for the whole settle: the chunks' commits do not touch what it reads.
        let tx = self.db.begin_read()?;
        let staged = tx.open_table(STAGED)?;
        let done = match tx.open_table(META)?.get(settled_key(source).as_str())? {
            Some(mark) => Some(Mark::parse(mark.value())?),
            None => None,
        };
        // A settle taken up again reads only the items the interrupted one did: items staged
        // after it began (by a run that began since) are left for the next. The last chunk
        // removes the items read here, not those staged since.
        let up_to = match &done {
            Some(done) => done.up_to,
            None => match staged
                .range((source, 0)..=(source, u64::MAX))?
                .next_back()
                .transpose()?
            {
                Some((key, _)) => key.value().1,
                None => return Ok(None),
            },
        };
        let after = done.map(|done| done.identifier);
        let merge = Merge::open(&staged, source, up_to, after)?;
        let runs = merge.runs.len();
        let mut settled = Settled::default();
        std::thread::scope(|scope| {
            let mut merge = MergeAhead::spawn(scope, merge)?;
            for _ in 0..at_most {
                if self.settle_chunk(source, &mut merge, (chunk_items, up_to), &mut settled)? {
                    tracing::debug!(
                        source,
                        runs,
                        seconds = started.elapsed().as_secs_f64(),
                        "staged records settled"
                    );
                    break;
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(Some(settled))
    }

    /// Settles the staged items of every source no run of this process is staging (left by a
    /// run a crash interrupted); how many sources it settled.
    pub fn settle_idle(&self) -> Result<usize, StoreError> {
        let staged = {
            let tx = self.db.begin_read()?;
            staged_sources(&tx.open_table(STAGED)?)?
        };
        let mut settled = 0;
        for source in staged {
            // Under the settle lock, so that a run which registers its source after this looked
            // finds the settle done when its own takes the lock, not begun over its pages.
            let _one = self
                .staging
                .settling
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let busy = (self.staging.sources.lock())
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&source);
            if !busy
                && self
                    .settle_locked(&source, CHUNK_ITEMS, usize::MAX)?
                    .is_some()
            {
                tracing::info!(source = %source, "records a crash left staged settled");
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Writes the next chunk of `merge` (at least `chunk_items` items, then up to the end of an
    /// identifier's); whether it was the last. The chunks before the last are committed without
    /// a sync: a crash loses them with their marks, never one without the other, and the last
    /// one's sync makes them all durable.
    fn settle_chunk(
        &self,
        source: &str,
        merge: &mut MergeAhead,
        (chunk_items, up_to): (usize, u64),
        settled: &mut Settled,
    ) -> Result<bool, StoreError> {
        self.ensure_space(super::space::Writer::Harvest)?;
        let mut tx = self.db.begin_write()?;
        let mut found = Settled::default();
        let mut count = 0;
        let mut written: Option<Box<str>> = None;
        {
            let mut writer = ItemWriter::open(&tx, source)?;
            loop {
                match merge.peek()? {
                    None => break,
                    Some(next) if count >= chunk_items && written.as_deref() != Some(next) => {
                        break;
                    }
                    Some(_) => {}
                }
                let Some((identifier, value)) = merge.pop()? else {
                    break;
                };
                let item = decode(&value)?;
                found.provisional.add(&provisional(item));
                writer.apply(item, &mut found.exact)?;
                written = Some(identifier);
                count += 1;
            }
            writer.close()?;
            let last = merge.peek()?.is_none();
            let mut meta = tx.open_table(META)?;
            let mark = settled_key(source);
            if last {
                let mut staged = tx.open_table(STAGED)?;
                staged.retain_in((source, 0)..=(source, up_to), |_, _| false)?;
                meta.remove(mark.as_str())?;
            } else if let Some(identifier) = &written {
                meta.insert(mark.as_str(), format!("{up_to} {identifier}").as_str())?;
            }
            correct_checkpoint(&tx, source, &found)?;
        }
        let last = merge.peek()?.is_none();
        if !last {
            tx.set_durability(redb::Durability::None)?;
        }
        let marks_schema = self.mark_schema(&tx)?;
        tx.commit()?;
        if marks_schema {
            self.older_schema
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        settled.provisional.add(&found.provisional);
        settled.exact.add(&found.exact);
        tracing::debug!(source, items = count, last, "staged records chunk settled");
        Ok(last)
    }
}

/// A page's staged items are numbered from a multiple of this (`page << PAGE_BITS`), in
/// identifier order: each page is a sorted run, and a settle merges the runs. A page of more
/// items goes on into the next numbers, still sorted.
const PAGE_BITS: u32 = 24;

/// The k-way merge of a source's runs (one per staged page), by (identifier, arrival): each
/// page is read once, in order, where reading the items in key order one by one read a leaf
/// per item.
struct Merge {
    runs: Vec<Run>,
    /// The next item of each run that has one: (identifier, arrival, run).
    heads: std::collections::BinaryHeap<std::cmp::Reverse<(Box<str>, u64, usize)>>,
    /// Items up to this identifier are settled already (a settle taken up again).
    after: Option<String>,
}

type StagedRange = redb::Range<'static, (&'static str, u64), &'static [u8]>;
type StagedValue = redb::AccessGuard<'static, &'static [u8]>;

struct Run {
    items: StagedRange,
    /// The value of the run's item in `heads`.
    head: Option<StagedValue>,
}

impl Merge {
    fn open(
        staged: &redb::ReadOnlyTable<(&'static str, u64), &'static [u8]>,
        source: &str,
        up_to: u64,
        after: Option<String>,
    ) -> Result<Merge, StoreError> {
        let mut merge = Merge {
            runs: Vec::new(),
            heads: std::collections::BinaryHeap::new(),
            after,
        };
        let mut from = 0;
        while from <= up_to {
            let first = staged.range((source, from)..=(source, up_to))?.next();
            let Some(first) = first.transpose()? else {
                break;
            };
            let page = first.0.value().1 >> PAGE_BITS;
            let end = ((page + 1) << PAGE_BITS).saturating_sub(1).min(up_to);
            merge.runs.push(Run {
                items: staged.range((source, page << PAGE_BITS)..=(source, end))?,
                head: None,
            });
            merge.advance(merge.runs.len() - 1)?;
            from = end.saturating_add(1);
            if end == u64::MAX {
                break;
            }
        }
        Ok(merge)
    }

    /// Reads the next item of run `run` (skipping those settled already) into the heads.
    fn advance(&mut self, run: usize) -> Result<(), StoreError> {
        let Some(runner) = self.runs.get_mut(run) else {
            return Ok(());
        };
        runner.head = None;
        for entry in runner.items.by_ref() {
            let (key, value) = entry?;
            let identifier = staged_identifier(value.value())?;
            if self
                .after
                .as_deref()
                .is_some_and(|after| identifier <= after)
            {
                continue;
            }
            self.heads
                .push(std::cmp::Reverse((identifier.into(), key.value().1, run)));
            runner.head = Some(value);
            break;
        }
        Ok(())
    }

    /// The next [`AHEAD_ITEMS`] items (fewer at the end), owned.
    fn next_batch(&mut self) -> Result<Vec<MergedItem>, StoreError> {
        let mut batch = Vec::with_capacity(AHEAD_ITEMS);
        while batch.len() < AHEAD_ITEMS {
            let Some((identifier, value)) = self.pop()? else {
                break;
            };
            batch.push((identifier, value.value().to_vec()));
        }
        Ok(batch)
    }

    /// The next item in (identifier, arrival) order.
    fn pop(&mut self) -> Result<Option<(Box<str>, StagedValue)>, StoreError> {
        let Some(std::cmp::Reverse((identifier, _, run))) = self.heads.pop() else {
            return Ok(None);
        };
        let value = self.runs[run]
            .head
            .take()
            .ok_or_else(|| StoreError::corrupt("staged_items", "a run's item was read twice"))?;
        self.advance(run)?;
        Ok(Some((identifier, value)))
    }
}

/// Items the merge thread hands over at once, and batches it reads ahead of the settle.
const AHEAD_ITEMS: usize = 1_024;
const AHEAD_BATCHES: usize = 4;

/// A merged item, owned: (identifier, staged bytes).
type MergedItem = (Box<str>, Vec<u8>);

/// The merge run on a thread of its own, a few batches ahead of the settle that writes its
/// items: reading the runs was a third of a settle's time on one thread, the other core idle
/// (BENCHMARKS.md, issue 17). The items come in the merge's order; the thread stops when this
/// is dropped.
struct MergeAhead {
    batches: std::sync::mpsc::Receiver<Result<Vec<MergedItem>, StoreError>>,
    ready: std::collections::VecDeque<MergedItem>,
    /// The thread's last batch came (one not full): the merge is over. A thread that stopped
    /// before it is an error, never the end of the items (the last chunk removes them all).
    ended: bool,
}

impl MergeAhead {
    fn spawn<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        mut merge: Merge,
    ) -> Result<MergeAhead, StoreError> {
        let (sender, batches) = std::sync::mpsc::sync_channel(AHEAD_BATCHES);
        std::thread::Builder::new()
            .name("settle-merge".into())
            .spawn_scoped(scope, move || {
                loop {
                    let batch = merge.next_batch();
                    // A batch not full (empty, maybe) is the last: the merge is over. A closed
                    // channel says the settle stopped.
                    let last = !matches!(&batch, Ok(batch) if batch.len() == AHEAD_ITEMS);
                    if sender.send(batch).is_err() || last {
                        return;
                    }
                }
            })
            .map_err(|error| StoreError::thread("settling staged records", error))?;
        Ok(MergeAhead {
            batches,
            ready: std::collections::VecDeque::new(),
            ended: false,
        })
    }

    /// The next item's identifier, once the merge has read it.
    fn peek(&mut self) -> Result<Option<&str>, StoreError> {
        if self.ready.is_empty() && !self.ended {
            let batch = self.batches.recv().map_err(|_| {
                StoreError::thread("settling staged records", "the merge thread stopped")
            })??;
            self.ended = batch.len() < AHEAD_ITEMS;
            self.ready.extend(batch);
        }
        Ok(self
            .ready
            .front()
            .map(|(identifier, _)| identifier.as_ref()))
    }

    fn pop(&mut self) -> Result<Option<MergedItem>, StoreError> {
        self.peek()?;
        Ok(self.ready.pop_front())
    }
}

/// Appends a page's items to the staged items of `source` (in `tx`, which commits them with
/// the page's checkpoint); the page's provisional counters.
pub(super) fn append(
    tx: &WriteTransaction,
    source: &str,
    items: &[PreparedItem],
) -> Result<RunCounters, StoreError> {
    let mut staged = tx.open_table(STAGED)?;
    let first = staged
        .range((source, 0)..=(source, u64::MAX))?
        .next_back()
        .transpose()?
        .map_or(0, |(key, _)| {
            ((key.value().1 >> PAGE_BITS) + 1) << PAGE_BITS
        });
    // In identifier order (arrival order among equals: the sort is stable), a run to merge.
    let mut order: Vec<ItemRef<'_>> = items.iter().map(PreparedItem::as_ref).collect();
    order.sort_by(|a, b| a.identifier().cmp(b.identifier()));
    let mut page = RunCounters::default();
    let mut bytes = Vec::new();
    for (arrival, item) in (first..).zip(order) {
        page.add(&provisional(item));
        bytes.clear();
        encode(item, &mut bytes);
        staged.insert((source, arrival), bytes.as_slice())?;
    }
    Ok(page)
}

/// The counters a staged item adds until it is settled: a record new (or deleted), a reject
/// rejected.
fn provisional(item: ItemRef<'_>) -> RunCounters {
    let mut counters = RunCounters::default();
    match item {
        ItemRef::Record { deleted: true, .. } => counters.deleted = 1,
        ItemRef::Record { .. } => counters.new = 1,
        ItemRef::Reject { .. } => counters.rejected = 1,
    }
    counters
}

/// Corrects the run counters of the source's stored checkpoint (if a run is active).
fn correct_checkpoint(
    tx: &WriteTransaction,
    source: &str,
    settled: &Settled,
) -> Result<(), StoreError> {
    let mut checkpoints = tx.open_table(CHECKPOINTS)?;
    let stored: Option<Checkpoint> = match checkpoints.get(source)? {
        Some(value) => Some(from_json("checkpoints", value.value())?),
        None => None,
    };
    if let Some(mut checkpoint) = stored
        && let Some(active) = checkpoint.active.as_mut()
    {
        active.counters.correct(settled);
        checkpoints.insert(source, to_json(&checkpoint).as_slice())?;
    }
    Ok(())
}

/// How far an unfinished settle went: the last arrival it reads, the last identifier it wrote
/// (stored as `up_to identifier`).
struct Mark {
    up_to: u64,
    identifier: String,
}

impl Mark {
    fn parse(stored: &str) -> Result<Mark, StoreError> {
        let bad = || StoreError::corrupt("meta", format!("settle mark `{stored}`"));
        let (up_to, identifier) = stored.split_once(' ').ok_or_else(bad)?;
        Ok(Mark {
            up_to: up_to.parse().map_err(|_| bad())?,
            identifier: identifier.to_owned(),
        })
    }
}

fn settled_key(source: &str) -> String {
    format!("{}{source}", meta_key::SETTLED)
}

/// How many items each source with some has staged.
pub(super) fn staged_counts(tx: &redb::ReadTransaction) -> Result<Vec<(String, u64)>, StoreError> {
    let staged = tx.open_table(STAGED)?;
    let mut counts = Vec::new();
    for source in staged_sources(&staged)? {
        let count = staged
            .range((source.as_str(), 0)..=(source.as_str(), u64::MAX))?
            .count() as u64;
        counts.push((source, count));
    }
    Ok(counts)
}

/// The sources with staged items, found by skipping from one to the next.
fn staged_sources(
    table: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
) -> Result<Vec<String>, StoreError> {
    use std::ops::Bound::{Excluded, Unbounded};
    let mut found: Vec<String> = Vec::new();
    loop {
        let next = match found.last() {
            None => table.first()?,
            // Past every arrival of the last source found.
            Some(last) => (table
                .range::<(&str, u64)>((Excluded((last.as_str(), u64::MAX)), Unbounded))?)
            .next()
            .transpose()?,
        };
        match next {
            Some((key, _)) => found.push(key.value().0.to_owned()),
            None => return Ok(found),
        }
    }
}

// A staged item's bytes: a tag (0 a record, 1 a deleted record, 2 a reject), then for a record
// its hash (8 bytes, little-endian), then strings each after its length (4 bytes,
// little-endian): a record's identifier and origin (datestamp, format, stored at), a reject's
// key and header; last, the blob, to the end.
const RECORD: u8 = 0;
const DELETED: u8 = 1;
const REJECT: u8 = 2;

fn encode(item: ItemRef<'_>, out: &mut Vec<u8>) {
    let field = |out: &mut Vec<u8>, bytes: &[u8]| {
        // A field over 4 GiB cannot come from a page the harvest accepted (pages are capped).
        let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&bytes[..length as usize]);
    };
    match item {
        ItemRef::Record {
            identifier,
            deleted,
            hash,
            blob,
            origin,
        } => {
            out.push(if deleted { DELETED } else { RECORD });
            out.extend_from_slice(&hash.to_le_bytes());
            field(out, identifier.as_bytes());
            field(out, origin.0.as_bytes());
            field(out, origin.1.as_bytes());
            field(out, origin.2.as_bytes());
            out.extend_from_slice(blob);
        }
        ItemRef::Reject { key, header, blob } => {
            out.push(REJECT);
            field(out, key.as_bytes());
            field(out, header);
            out.extend_from_slice(blob);
        }
    }
}

/// What `essor check` finds wrong with a staged item's bytes or a source's settle mark: a
/// settle meeting either fails, and with it every run of the source and every works update.
pub(super) fn check_item(bytes: &[u8]) -> Result<(), StoreError> {
    decode(bytes).map(drop)
}

/// See [`check_item`].
pub(super) fn check_mark(stored: &str) -> Result<(), StoreError> {
    Mark::parse(stored).map(drop)
}

/// Reads a staged item's bytes ([`encode`]).
fn decode(bytes: &[u8]) -> Result<ItemRef<'_>, StoreError> {
    let mut reader = Reader { bytes };
    match reader.take(1)?[0] {
        tag @ (RECORD | DELETED) => {
            let hash = reader.take(8)?;
            let hash = u64::from_le_bytes(hash.try_into().map_err(|_| truncated())?);
            Ok(ItemRef::Record {
                identifier: reader.text()?,
                deleted: tag == DELETED,
                hash,
                origin: (reader.text()?, reader.text()?, reader.text()?),
                blob: reader.bytes,
            })
        }
        REJECT => Ok(ItemRef::Reject {
            key: reader.text()?,
            header: reader.field()?,
            blob: reader.bytes,
        }),
        tag => Err(StoreError::corrupt(
            "staged_items",
            format!("unknown item tag {tag}"),
        )),
    }
}

/// The identifier (a reject's key) a staged item is settled under, read without the rest.
fn staged_identifier(bytes: &[u8]) -> Result<&str, StoreError> {
    Ok(decode(bytes)?.identifier())
}

impl<'a> ItemRef<'a> {
    /// What the item is settled under: a record's identifier, a reject's key.
    fn identifier(&self) -> &'a str {
        match self {
            ItemRef::Record { identifier, .. } => identifier,
            ItemRef::Reject { key, .. } => key,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Result<&'a [u8], StoreError> {
        if self.bytes.len() < length {
            return Err(truncated());
        }
        let (taken, rest) = self.bytes.split_at(length);
        self.bytes = rest;
        Ok(taken)
    }

    fn field(&mut self) -> Result<&'a [u8], StoreError> {
        let length = self.take(4)?;
        let length = u32::from_le_bytes(length.try_into().map_err(|_| truncated())?);
        self.take(length as usize)
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.field()?)
            .map_err(|error| StoreError::corrupt("staged_items", error))
    }
}

fn truncated() -> StoreError {
    StoreError::corrupt("staged_items", "an item's bytes end early")
}

#[cfg(test)]
impl Store {
    pub(super) fn settle_interrupted(
        &self,
        source: &str,
        chunk_items: usize,
        chunks: usize,
    ) -> Result<Option<Settled>, StoreError> {
        self.settle_chunks(source, chunk_items, chunks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last chunk removes every staged item of the source: a merge thread that stopped
    /// early (a panic, an error) must stop the settle, never look like the end of the items.
    #[test]
    fn a_merge_thread_gone_before_its_last_batch_is_an_error_and_a_short_batch_the_end() {
        let ahead = |batches: Vec<Vec<MergedItem>>| {
            let (sender, receiver) = std::sync::mpsc::sync_channel(batches.len().max(1));
            for batch in batches {
                sender.send(Ok(batch)).expect("room for each");
            }
            MergeAhead {
                batches: receiver,
                ready: std::collections::VecDeque::new(),
                ended: false,
            }
        };
        let item = |n: usize| -> MergedItem { (format!("oai:{n:05}").into(), vec![n as u8]) };
        let full: Vec<MergedItem> = (0..AHEAD_ITEMS).map(item).collect();
        let mut stopped = ahead(vec![full.clone()]);
        for n in 0..AHEAD_ITEMS {
            assert_eq!(
                stopped.pop().expect("read").map(|(id, _)| id),
                Some(item(n).0)
            );
        }
        assert!(stopped.peek().is_err(), "the thread sent no last batch");
        let mut ended = ahead(vec![full, vec![item(AHEAD_ITEMS)]]);
        for _ in 0..=AHEAD_ITEMS {
            assert!(ended.pop().expect("read").is_some());
        }
        assert_eq!(ended.peek().expect("ended").map(str::to_owned), None);
        assert!(ended.pop().expect("ended").is_none());
        let mut empty = ahead(vec![Vec::new()]);
        assert!(
            empty.pop().expect("ended").is_none(),
            "nothing staged after the mark"
        );
    }

    #[test]
    fn items_read_back_as_written() {
        let items = [
            ItemRef::Record {
                identifier: "oai:x:1",
                deleted: false,
                hash: 0x0123_4567_89ab_cdef,
                blob: b"\x00blob bytes",
                origin: ("2024-01-02", "oai_dc", "2026-12-07T00:00:00Z"),
            },
            ItemRef::Record {
                identifier: "oai:x:2",
                deleted: true,
                hash: 7,
                blob: b"",
                origin: ("", "", ""),
            },
            ItemRef::Reject {
                key: "sha:abc",
                header: b"{\"reason\":\"no title\"}",
                blob: b"raw",
            },
        ];
        for item in items {
            let mut bytes = Vec::new();
            encode(item, &mut bytes);
            assert_eq!(
                format!("{:?}", decode(&bytes).unwrap()),
                format!("{item:?}")
            );
            let blob = match item {
                ItemRef::Record { blob, .. } | ItemRef::Reject { blob, .. } => blob.len(),
            };
            // Every cut before the blob is refused, not read past.
            for cut in 0..bytes.len() - blob {
                assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
        assert!(decode(&[9]).is_err());
        assert!(decode(&[]).is_err());
    }

    #[test]
    fn a_correction_replaces_the_provisional_counts() {
        let mut counters = RunCounters {
            new: 10,
            deleted: 2,
            rejected: 1,
            pages: 3,
            ..RunCounters::default()
        };
        counters.correct(&Settled {
            provisional: RunCounters {
                new: 10,
                deleted: 2,
                rejected: 1,
                ..RunCounters::default()
            },
            exact: RunCounters {
                new: 7,
                updated: 1,
                unchanged: 2,
                deleted: 1,
                rejected: 1,
                ..RunCounters::default()
            },
        });
        assert_eq!(
            (
                counters.new,
                counters.updated,
                counters.unchanged,
                counters.deleted
            ),
            (7, 1, 2, 1)
        );
        assert_eq!((counters.rejected, counters.pages), (1, 3));
    }
}
