//! The write phase of a build from scratch (`fresh.rs`), on two threads: a preparing thread
//! makes each slice of works ready to insert (its members described on all cores, the works'
//! fields chosen, their OAI sets and their encoded rows made, the `record_work` rows sorted)
//! while the store's single writer inserts the slice before. Why: the writer thread set the pace
//! of a fresh build (99% busy through its writes, the other core half idle), and a quarter to a
//! half of its time went to what reads no transaction: the fields, the JSON and LZ4 of each work
//! (BENCHMARKS.md, issue 17). Each slice's works go to the search index as soon as they are
//! made ([`BuiltWorks::made`]): tantivy's indexing thread then sets the pace, and the writer
//! writes the blocking index ([`BlockPasses`], a pass at a time) whenever no slice waits for
//! it, instead of alone before the works (16 s of a fresh 1 M store with the other core idle).
//!
//! Work ids stay those the transactions would give out one by one: the works are numbered from
//! the store's work sequence read before the first slice, in group order, and each transaction
//! reserves its slice's numbers ([`WorksTx::reserve_work_ids`], which fails if any other number
//! was given out meanwhile). The works themselves wait for the index (one slice at most, a
//! rendezvous channel); only their rows wait for the writer ([`ROWS_WAITING`] slices at most).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use super::clusters::{BlockPasses, Clusters, SliceDescribed, give_fields, set_cursor_mined};
use super::{BuiltWorks, Member, MergeReason, RecordRenderer, UpdateReport, Work};
use super::{Encoded, SourceInfos, defer_feed_records};
use crate::store::{Store, StoreError, work_id};

/// Records whose works are written per transaction: two slices are held at a time (one
/// inserted, the next made ready), so half of `essor works rebuild`'s. A fresh build of 100,000
/// records peaked at 290 MiB so (297–307 with one slice of 10,000 at a time, before this
/// module), 349–378 with two of 10,000; the writer's CPU the same.
pub(super) const SLICE: usize = 5_000;

/// Slices of rows (each work's encoded row, sets and `record_work` rows: ~1.5 KB a work, not the
/// works) that may wait for the writer: enough for the preparing thread to go on while the
/// writer writes a pass of the blocking index.
const ROWS_WAITING: usize = 4;

/// What the write phase reads: the clustered records and their groups, and the settings the
/// works' fields are built with.
pub(super) struct Plan<'a> {
    pub clusters: Clusters<'a>,
    /// The groups of each transaction, in order ([`super::clusters::slices_of`] [`SLICE`]).
    pub slices: Vec<Range<usize>>,
    /// The merge reasons of each group (by index in `groups`), taken as its work is made.
    pub merges: HashMap<usize, Vec<MergeReason>>,
    /// The works' datestamp.
    pub now: String,
    /// The change log's position the works stage reaches once every slice is written.
    pub cursor: u64,
}

/// A slice of works' rows ready for the writer.
struct Slice {
    /// The last work number given out before this slice's first work.
    after: u64,
    /// Each work's id, liveness, datestamp, row and leaf sets, in order.
    works: Vec<Row>,
    /// Each described member with its work (an index in `works`), in key order.
    record_work: Vec<(Member, u32)>,
    /// Normalisation problems found in the slice's records.
    problems: u64,
}

/// What the writer inserts of a work.
struct Row {
    id: String,
    live: bool,
    datestamp: String,
    /// Its row and sets, made beside the writes of the slice before.
    encoded: Encoded,
}

/// What the writes gave: works, `record_work` rows and block entries written.
#[derive(Default)]
pub(super) struct Written {
    pub works: u64,
    pub record_work: u64,
    pub block_entries: u64,
}

/// Writes every slice of `plan`, one transaction each (only the last durable, with the cursor),
/// and the `blocks` between them; each slice's works are handed to `built` once made.
pub(super) fn write_all(
    store: &Store,
    plan: Plan<'_>,
    mut blocks: BlockPasses<'_>,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
    report: &mut UpdateReport,
) -> Result<Written, StoreError> {
    let first = store.work_sequence()?;
    let slices = plan.slices.len();
    let cursor = plan.cursor;
    let sources = plan.clusters.sources;
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(ROWS_WAITING);
        let preparing = std::thread::Builder::new()
            .name("works-prepare".into())
            .spawn_scoped(scope, move || {
                prepare_all(store, plan, first, built, sender)
            })
            .map_err(|error| StoreError::thread("preparing works", error))?;
        let writer = Writer {
            store,
            slices,
            cursor,
            sources,
            renderer,
            built,
        };
        let written = writer.write_received(receiver, &mut blocks, report);
        let prepared = preparing
            .join()
            .map_err(|_| StoreError::thread("preparing works", "the thread panicked"))?;
        // A preparing thread that failed stopped the writer: its error is the one to tell.
        prepared.and(written)
    })
}

/// The preparing thread: every slice made ready, in order, its rows sent to the writer and its
/// works to the index, until the writer stops taking them.
fn prepare_all(
    store: &Store,
    mut plan: Plan<'_>,
    first: u64,
    built: Option<&dyn BuiltWorks>,
    sender: SyncSender<Slice>,
) -> Result<(), StoreError> {
    for range in std::mem::take(&mut plan.slices) {
        let (slice, works) = prepare(store, &mut plan, first, range)?;
        if sender.send(slice).is_err() {
            break; // the writer failed: it reports why
        }
        if let Some(built) = built {
            built.made(works);
        }
    }
    Ok(())
}

/// One slice's works: members described (on all cores), fields, sets and rows.
fn prepare(
    store: &Store,
    plan: &mut Plan<'_>,
    first: u64,
    range: Range<usize>,
) -> Result<(Slice, Vec<Work>), StoreError> {
    let SliceDescribed {
        groups,
        mut described,
        problems,
    } = plan.clusters.describe(store, range.clone())?;
    let after = first + range.start as u64;
    let mut works = Vec::with_capacity(groups.len());
    let mut rows = Vec::with_capacity(groups.len());
    let mut record_work: Vec<(Member, u32)> = Vec::new();
    for (offset, group) in groups.iter().enumerate() {
        let mut work = Work {
            id: work_id(after + offset as u64 + 1),
            datestamp: plan.now.clone(),
            deleted: false,
            merged_into: None,
            aliases: Vec::new(),
            members: plan.clusters.members(group),
            merges: plan
                .merges
                .remove(&(range.start + offset))
                .unwrap_or_default(),
            fields: None,
        };
        for member in give_fields(&mut work, &mut described, plan.clusters.sources) {
            record_work.push((member, offset as u32));
        }
        rows.push(Row {
            id: work.id.clone(),
            live: work.is_live(),
            datestamp: work.datestamp.clone(),
            encoded: Encoded::of(&work),
        });
        works.push(work);
    }
    record_work.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let slice = Slice {
        after,
        works: rows,
        record_work,
        problems,
    };
    Ok((slice, works))
}

/// The store's writer in the write phase.
struct Writer<'a> {
    store: &'a Store,
    /// Slices to write; the last one's transaction is durable and moves the works' `cursor`.
    slices: usize,
    cursor: u64,
    /// The settings the works' fields are derived with, said with the cursor.
    sources: &'a SourceInfos,
    renderer: Option<&'a dyn RecordRenderer>,
    built: Option<&'a dyn BuiltWorks>,
}

impl Writer<'_> {
    /// Each slice received inserted in a transaction of its own, a pass of `blocks` written
    /// whenever no slice waits (all of them before the last slice's durable transaction).
    fn write_received(
        &self,
        receiver: Receiver<Slice>,
        blocks: &mut BlockPasses<'_>,
        report: &mut UpdateReport,
    ) -> Result<Written, StoreError> {
        let mut written = Written::default();
        for number in 0..self.slices {
            let slice = loop {
                match receiver.try_recv() {
                    Ok(slice) => break Some(slice),
                    Err(TryRecvError::Empty) if !blocks.done() => {
                        written.block_entries += blocks.write_next(self.store)?;
                    }
                    Err(TryRecvError::Empty) => break receiver.recv().ok(),
                    Err(TryRecvError::Disconnected) => break None,
                }
            };
            let Some(slice) = slice else {
                return Err(StoreError::corrupt("works", "the preparing thread stopped"));
            };
            let durable = number + 1 == self.slices;
            while durable && !blocks.done() {
                written.block_entries += blocks.write_next(self.store)?;
            }
            let feed_key = self.write(slice, durable, &mut written, report)?;
            if let (Some(built), Some(feed_key)) = (self.built, feed_key) {
                built.stored(feed_key);
            }
        }
        Ok(written)
    }

    /// One slice's transaction; gives the feed key of its last work.
    fn write(
        &self,
        slice: Slice,
        durable: bool,
        written: &mut Written,
        report: &mut UpdateReport,
    ) -> Result<Option<(u64, u64)>, StoreError> {
        let Slice {
            after,
            works,
            record_work,
            problems,
        } = slice;
        let feed_key = self.store.update_works_bulk(durable, |tx| {
            tx.reserve_work_ids(after, works.len() as u64)?;
            for work in &works {
                tx.put_encoded_work(
                    &work.id,
                    &work.encoded.row,
                    None,
                    work.live,
                    &work.datestamp,
                    work.encoded.sets.as_deref(),
                )?;
            }
            let first_live = works.iter().find(|work| work.live);
            defer_feed_records(tx, first_live.map(|work| work.id.as_str()), self.renderer)?;
            // Rows of the keyed tables are inserted in key order, after the works: random
            // inserts into trees larger than the page cache cost a read each.
            for (member, work) in &record_work {
                tx.set_record_work(member.key(), &works[*work as usize].id)?;
            }
            if durable {
                set_cursor_mined(tx, self.cursor, self.sources)?;
            }
            match works.last() {
                Some(work) => Ok(tx.feed_entry(&work.id)?.map(|entry| entry.key())),
                None => Ok(None),
            }
        })?;
        report.problems += problems;
        report.works_created += works.len() as u64;
        written.works += works.len() as u64;
        written.record_work += record_work.len() as u64;
        Ok(feed_key)
    }
}
