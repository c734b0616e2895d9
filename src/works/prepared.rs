//! The write phase of a build from scratch (`rebuild.rs`), on two threads: a preparing thread
//! makes each slice of works ready to insert (its members described on all cores, the works'
//! fields chosen, their OAI sets and their encoded rows made, the `record_work` rows sorted)
//! while the store's single writer inserts the slice before. Why: the writer thread set the pace
//! of a fresh build (99% busy through its writes, the other core half idle), and a quarter to a
//! half of its time went to what reads no transaction: the fields, the JSON and LZ4 of each work
//! (BENCHMARKS.md, issue 17).
//!
//! Work ids stay those the transactions would give out one by one: the works are numbered from
//! the store's work sequence read before the first slice, in group order, and each transaction
//! reserves its slice's numbers ([`WorksTx::reserve_work_ids`], which fails if any other number
//! was given out meanwhile). At most one prepared slice waits for the writer (a rendezvous
//! channel): the memory of the write phase grows by one slice, not more.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::rebuild::{describe_groups, take_fields};
use super::{BuiltWorks, Member, MergeReason, RecordRenderer, SourceInfos, UpdateReport, Work};
use super::{defer_feed_records, sets};
use crate::classify::Thesaurus;
use crate::store::{EncodedWork, RecordKey, Store, StoreError, work_id};

/// Records whose works are written per transaction: two slices are held at a time (one
/// inserted, the next made ready), so half of `essor works rebuild`'s. A fresh build of 100,000
/// records peaked at 290 MiB so (297–307 with one slice of 10,000 at a time, before this
/// module), 349–378 with two of 10,000; the writer's CPU the same.
pub(super) const SLICE: usize = 5_000;

/// What the write phase reads: the clustered records and their groups, and the settings the
/// works' fields are built with.
pub(super) struct Plan<'a> {
    /// In key order; the groups' indices point into it.
    pub records: &'a [RecordKey],
    pub groups: &'a [Vec<usize>],
    /// The groups of each transaction, in order ([`super::rebuild::slices_of`] [`SLICE`]).
    pub slices: Vec<Range<usize>>,
    /// The merge reasons of each group (by index in `groups`), taken as its work is made.
    pub merges: HashMap<usize, Vec<MergeReason>>,
    pub sources: &'a SourceInfos,
    pub thesaurus: &'a Thesaurus,
    /// The works' datestamp.
    pub now: String,
    /// The change log's position the works stage reaches once every slice is written.
    pub cursor: u64,
}

/// A slice of works ready for the writer.
struct Slice {
    /// The last work number given out before this slice's first work.
    after: u64,
    works: Vec<Work>,
    /// Each work's row and leaf sets, as `works`.
    rows: Vec<(EncodedWork, Option<Vec<String>>)>,
    /// Each described member with its work (an index in `works`), in key order.
    record_work: Vec<(Member, u32)>,
    /// Normalisation problems found in the slice's records.
    problems: u64,
}

/// What the writes gave: works and `record_work` rows written.
#[derive(Default)]
pub(super) struct Written {
    pub works: u64,
    pub record_work: u64,
}

/// Writes every slice of `plan`, one transaction each (only the last durable, with the cursor);
/// each transaction's works are handed to `built` once it has committed.
pub(super) fn write_all(
    store: &Store,
    plan: Plan<'_>,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
    report: &mut UpdateReport,
) -> Result<Written, StoreError> {
    let first = store.work_sequence()?;
    let slices = plan.slices.len();
    let cursor = plan.cursor;
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(0);
        let preparing = std::thread::Builder::new()
            .name("works-prepare".into())
            .spawn_scoped(scope, move || prepare_all(store, plan, first, sender))
            .map_err(|error| StoreError::corrupt("works", error))?;
        let written = write_received(store, receiver, slices, cursor, renderer, built, report);
        let prepared = preparing
            .join()
            .map_err(|_| StoreError::corrupt("works", "the thread preparing works panicked"))?;
        // A preparing thread that failed stopped the writer: its error is the one to tell.
        prepared.and(written)
    })
}

/// The preparing thread: every slice made ready, in order, until the writer stops taking them.
fn prepare_all(
    store: &Store,
    mut plan: Plan<'_>,
    first: u64,
    sender: SyncSender<Slice>,
) -> Result<(), StoreError> {
    for range in std::mem::take(&mut plan.slices) {
        let slice = prepare(store, &mut plan, first, range)?;
        if sender.send(slice).is_err() {
            break; // the writer failed: it reports why
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
) -> Result<Slice, StoreError> {
    let groups = &plan.groups[range.clone()];
    let mut described_report = UpdateReport::default();
    let mut described = describe_groups(
        store,
        groups,
        plan.records,
        plan.sources,
        plan.thesaurus,
        &mut described_report,
    )?;
    let after = first + range.start as u64;
    let mut works = Vec::with_capacity(groups.len());
    let mut rows = Vec::with_capacity(groups.len());
    let mut record_work: Vec<(Member, u32)> = Vec::new();
    for (offset, group) in groups.iter().enumerate() {
        let mut members: Vec<Member> = group
            .iter()
            .map(|&index| Member::from(&plan.records[index]))
            .collect();
        members.sort();
        let mut work = Work {
            id: work_id(after + offset as u64 + 1),
            datestamp: plan.now.clone(),
            deleted: false,
            merged_into: None,
            aliases: Vec::new(),
            members,
            merges: plan
                .merges
                .remove(&(range.start + offset))
                .unwrap_or_default(),
            fields: None,
        };
        for (member, _) in take_fields(&mut work, &mut described, plan.sources) {
            record_work.push((member, offset as u32));
        }
        rows.push((EncodedWork::of(&work), sets::set_specs(&work)));
        works.push(work);
    }
    record_work.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Slice {
        after,
        works,
        rows,
        record_work,
        problems: described_report.problems,
    })
}

/// The writer: each slice received inserted in a transaction of its own (the last one durable,
/// with the works' `cursor`).
fn write_received(
    store: &Store,
    receiver: Receiver<Slice>,
    slices: usize,
    cursor: u64,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
    report: &mut UpdateReport,
) -> Result<Written, StoreError> {
    let mut written = Written::default();
    for number in 0..slices {
        let Ok(slice) = receiver.recv() else {
            return Err(StoreError::corrupt("works", "the preparing thread stopped"));
        };
        let durable = number + 1 == slices;
        let Slice {
            after,
            works,
            rows,
            record_work,
            problems,
        } = slice;
        let feed_key = store.update_works_bulk(durable, |tx| {
            tx.reserve_work_ids(after, works.len() as u64)?;
            for (work, (row, sets)) in works.iter().zip(&rows) {
                tx.put_encoded_work(
                    &work.id,
                    row,
                    None,
                    work.is_live(),
                    &work.datestamp,
                    sets.as_deref(),
                )?;
            }
            defer_feed_records(tx, &works, renderer)?;
            // Rows of the keyed tables are inserted in key order, after the works: random
            // inserts into trees larger than the page cache cost a read each.
            for (member, work) in &record_work {
                tx.set_record_work(member.key(), &works[*work as usize].id)?;
            }
            if durable {
                tx.set_cursor(cursor)?;
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
        drop((rows, record_work));
        if let (Some(built), Some(feed_key)) = (built, feed_key) {
            built.written(works, feed_key);
        }
    }
    Ok(written)
}
