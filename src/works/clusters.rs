//! The records that make works, clustered, and what the write phases read of them: steps 1 and
//! 2 of a build from scratch (`fresh.rs`) and of `essor works rebuild` (`rederive.rs`), every
//! record's dedup features mined (or taken from its stored row) and one clustering over all of
//! them ([`cluster_all`]); then the slices of groups that a fresh build's (`prepared.rs`) and a
//! rebuild's (`rewrite.rs`) write phases describe and make works of ([`Clusters`]), and the
//! blocking index's rows of a fresh build ([`BlockPasses`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::analyse::{Described, dedup_features_all, describe_all, mine_all, on_all_cores};
use super::{
    Member, MemberData, MergeReason, SourceInfos, StoredFeatures, Work, WorkFields, fields,
};
use crate::classify::{Classification, Thesaurus};
use crate::dedup::{self, BlockKey, Features};
use crate::normalize::Normalized;
use crate::store::{
    FeaturesMined, FeaturesRow, RecordKey, Store, StoreError, WorksDerived, WorksTx,
};

/// Records analysed (then dropped) per slice when collecting features: bounds the memory held
/// by full analyses, whatever the store's size.
const ANALYSE_SLICE: usize = 20_000;

/// Every record of the store's change log, in key order, and the change log's position after
/// them. Sources are harvested side by side, so the change log interleaves them differently
/// from one run to the next, and the clustering breaks ties by record order: in key order, the
/// same records always give the same works, built from scratch or derived again.
pub(super) fn all_records(store: &Store) -> Result<(Vec<RecordKey>, u64), StoreError> {
    let changes = store.changes_since(0, usize::MAX)?;
    let mut records = changes.records;
    records.sort_unstable();
    Ok((records, changes.next))
}

/// Moves the works cursor to `cursor`, in the last (durable) transaction of a build from scratch
/// or a rebuild, saying with it that every record up to there that makes a work has its
/// features row, mined by these dedup rules: a later rebuild may read them ([`Reuse`]) instead
/// of mining them again; and that every work's fields were derived by these rules with these
/// `sources`' settings: a later rebuild may keep them ([`Kept`]) but for their themes.
pub(super) fn set_cursor_mined(
    tx: &mut WorksTx<'_>,
    cursor: u64,
    sources: &SourceInfos,
) -> Result<(), StoreError> {
    tx.set_cursor(cursor)?;
    tx.set_features_mined(FeaturesMined {
        rules: dedup::RULES,
        cursor,
    })?;
    tx.set_works_derived(Some(WorksDerived {
        rules: super::FIELDS_RULES,
        sources: sources.digest(),
        cursor,
    }))
}

/// Groups cut into slices of about `records` records.
pub(super) fn slices_of(groups: &[Vec<usize>], records: usize) -> Vec<std::ops::Range<usize>> {
    let mut slices = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (group, members) in groups.iter().enumerate() {
        size += members.len();
        if size >= records {
            slices.push(start..group + 1);
            start = group + 1;
            size = 0;
        }
    }
    slices.push(start..groups.len());
    slices
}

/// The clustered records a write phase makes works of, and the settings their fields are built
/// with: what the slices of a fresh build (`prepared.rs`) and of a rebuild (`rewrite.rs`) read
/// alike.
pub(super) struct Clusters<'a> {
    /// In key order; the groups' indices point into it.
    pub records: &'a [RecordKey],
    pub groups: &'a [Vec<usize>],
    pub sources: &'a SourceInfos,
    pub thesaurus: &'a Thesaurus,
}

/// A slice of groups with every member described.
pub(super) struct SliceDescribed<'a> {
    pub groups: &'a [Vec<usize>],
    pub described: HashMap<RecordKey, Described>,
    /// Normalisation problems found in its records.
    pub problems: u64,
}

impl<'a> Clusters<'a> {
    /// The groups of `range`, every member normalised and classified on all cores.
    pub fn describe(
        &self,
        store: &Store,
        range: std::ops::Range<usize>,
    ) -> Result<SliceDescribed<'a>, StoreError> {
        let groups = &self.groups[range];
        let wanted: Vec<RecordKey> = groups
            .iter()
            .flatten()
            .map(|&index| self.records[index].clone())
            .collect();
        let described: HashMap<RecordKey, Described> =
            describe_all(store, &wanted, self.sources, self.thesaurus)?
                .into_iter()
                .filter_map(|(key, described)| Some((key, described?)))
                .collect();
        let problems = described
            .values()
            .map(|one| one.normalized.problems.len() as u64)
            .sum::<u64>();
        Ok(SliceDescribed {
            groups,
            described,
            problems,
        })
    }

    /// A group's members, in a work's order.
    pub fn members(&self, group: &[usize]) -> Vec<Member> {
        let mut members: Vec<Member> = group
            .iter()
            .map(|&index| Member::from(&self.records[index]))
            .collect();
        members.sort();
        members
    }
}

/// Sets `work`'s fields from its members' descriptions, taken out of `described`; gives back
/// each member with its normalised record (for its blocking keys, when they are written).
pub(super) fn take_fields(
    work: &mut Work,
    described: &mut HashMap<RecordKey, Described>,
    sources: &SourceInfos,
) -> Vec<(Member, Normalized)> {
    let (members, described) = members_described(work, described);
    let (records, classifications): (Vec<Normalized>, Vec<Classification>) = described
        .into_iter()
        .map(|one| (one.normalized, one.classification))
        .unzip();
    // The classifications given, not lent: no caller reads them after the fields.
    let data = records
        .iter()
        .zip(classifications)
        .map(|(record, classification)| (Cow::Borrowed(record), classification));
    let fields = fields_of(&members, data, sources);
    let kept = members.into_iter().cloned().zip(records).collect();
    work.fields = fields;
    kept
}

/// [`take_fields`] for a caller that reads no member's record after the fields (a build from
/// scratch): the records are given to [`fields::build`], which moves the values it chooses
/// out of them instead of copying them.
pub(super) fn give_fields(
    work: &mut Work,
    described: &mut HashMap<RecordKey, Described>,
    sources: &SourceInfos,
) -> Vec<Member> {
    let (members, described) = members_described(work, described);
    let data = described
        .into_iter()
        .map(|one| (Cow::Owned(one.normalized), one.classification));
    let fields = fields_of(&members, data, sources);
    let kept = members.into_iter().cloned().collect();
    work.fields = fields;
    kept
}

/// `work`'s members that `described` holds, each beside its description (taken out of it).
fn members_described<'w>(
    work: &'w Work,
    described: &mut HashMap<RecordKey, Described>,
) -> (Vec<&'w Member>, Vec<Described>) {
    work.members
        .iter()
        .filter_map(|member| Some((member, described.remove(&RecordKey::from(member.key()))?)))
        .unzip()
}

/// The fields of a work of `members` (none: no fields), each member's record and
/// classification in `data`, in order.
fn fields_of<'a>(
    members: &[&'a Member],
    data: impl Iterator<Item = (Cow<'a, Normalized>, Classification)>,
    sources: &'a SourceInfos,
) -> Option<WorkFields> {
    let mut member_data: Vec<MemberData<'_>> = members
        .iter()
        .zip(data)
        .map(|(member, (normalized, classification))| MemberData {
            source: &member.source,
            identifier: &member.identifier,
            role: sources.role(&member.source),
            region: sources.region(&member.source),
            normalized,
            classification: Cow::Owned(classification),
        })
        .collect();
    (!member_data.is_empty()).then(|| fields::build(&mut member_data))
}

/// A record's entries in the blocking index: (block id, the record, its sketch) for each of its
/// blocking keys.
fn block_entries<'m, 'f, R: ?Sized>(
    record: &'m R,
    features: &'f StoredFeatures,
) -> impl Iterator<Item = (u64, &'m R, u64)> + use<'m, 'f, R> {
    let sketch = dedup::Sketch::of(&features.features).0;
    features
        .keys
        .iter()
        .map(move |key| (BlockKey::of(key).id(), record, sketch))
}

/// Removes a record's features and its block entries (it no longer makes a work).
pub(super) fn remove_features(tx: &mut WorksTx<'_>, record: &RecordKey) -> Result<(), StoreError> {
    let Some(old) = tx.features::<StoredFeatures>(record.as_ref())? else {
        return Ok(());
    };
    for (block, record, sketch) in block_entries(record, &old) {
        tx.remove_from_block(block, record.as_ref(), sketch)?;
    }
    tx.remove_features(record.as_ref())
}

/// How [`cluster_all`] comes by each record's features.
#[derive(Clone, Copy)]
pub(super) enum Mining<'a> {
    /// Mined from every record, and the features rows and blocking index written (a build from
    /// scratch).
    Index,
    /// Mined from every record, nothing written.
    All,
    /// Taken from the stored features rows where [`Reuse`] allows, the others mined (`essor works
    /// rebuild` with the rules that mined the rows).
    Reuse(&'a Reuse),
}

/// Which records' stored features rows a rebuild may take instead of mining their records again:
/// the rows were mined by this essor's dedup rules ([`dedup::RULES`]), and a record unchanged
/// since still has the features its row holds, whatever the thesaurus (dedup reads no theme).
/// Except where the thesaurus decides whether a record makes a work at all (a source with an ESS
/// relevance threshold), and for records without a row (they made no work then: their source's
/// threshold may have gone since), which are mined. Reading a row costs a fraction of mining a
/// record (loading, decompressing and normalising it).
pub(super) struct Reuse {
    /// The records changed since the rows were mined.
    changed: HashSet<RecordKey>,
}

impl Reuse {
    /// What the store's features rows allow, `None` when another version of the rules (or no
    /// build that said so) mined them.
    pub fn of(store: &Store) -> Result<Option<Reuse>, StoreError> {
        let Some(mined) = store.features_mined()? else {
            return Ok(None);
        };
        if mined.rules != dedup::RULES {
            return Ok(None);
        }
        let changed = store.changes_since(mined.cursor, usize::MAX)?.records;
        Ok(Some(Reuse {
            changed: changed.into_iter().collect(),
        }))
    }

    /// Whether `record`'s stored row, if it has one, may be taken.
    fn may_take(&self, record: &RecordKey, sources: &SourceInfos) -> bool {
        !self.changed.contains(record) && !sources.filters_by_relevance(record.source())
    }
}

/// Each record of `slice` (in key order) that makes a work, with its features and whether they
/// were taken from its stored row: the rows `reuse` allows read on all cores, the other records
/// mined.
fn reuse_or_mine(
    store: &Store,
    slice: Vec<RecordKey>,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    reuse: &Reuse,
) -> Result<Vec<(RecordKey, StoredFeatures, bool)>, StoreError> {
    let stored: Vec<Option<StoredFeatures>> = on_all_cores(&slice, |part| {
        let view = store.dedup_view()?;
        part.iter()
            .map(|record| {
                if reuse.may_take(record, sources) {
                    view.features(record.as_ref())
                } else {
                    Ok(None)
                }
            })
            .collect()
    })?;
    let to_mine: Vec<RecordKey> = slice
        .iter()
        .zip(&stored)
        .filter(|(_, row)| row.is_none())
        .map(|(record, _)| record.clone())
        .collect();
    // Mined in the slice's order: merged back by walking both.
    let mut mined = dedup_features_all(store, &to_mine, sources, thesaurus)?.into_iter();
    let mut found = Vec::with_capacity(slice.len());
    for (record, row) in slice.into_iter().zip(stored) {
        match row {
            Some(row) => found.push((record, row, true)),
            None => {
                let Some((key, of_record)) = mined.next() else {
                    continue;
                };
                debug_assert_eq!(key, record, "features mined in the slice's order");
                let Some((features, keys)) = of_record else {
                    continue; // it makes no work
                };
                found.push((record, StoredFeatures { features, keys }, false));
            }
        }
    }
    Ok(found)
}

/// The records that make works, clustered.
pub(super) struct Clustered {
    /// In key order; the clustering's indices point into it.
    pub records: Vec<RecordKey>,
    pub clustering: dedup::Clustering,
    pub features_in: std::time::Duration,
    pub clustered_in: std::time::Duration,
    /// Each record's sketch, as `records` (with [`Mining::Index`] only): what the blocking index
    /// files beside each record ([`BlockPasses`]).
    pub sketches: Vec<u64>,
    /// Each record's dedup features and blocking keys, as `records`: `essor works rebuild`
    /// compares them with the stored ones instead of mining them again from the full analysis.
    /// The features are empty with [`Mining::Index`] (a build from scratch frees them before
    /// writing the blocking index).
    pub features: Vec<Features>,
    pub block_keys: Vec<Vec<BlockKey>>,
    /// Whether each record's features were taken from its stored row ([`Mining::Reuse`]), as
    /// `records`: those need no comparing with it.
    pub reused: Vec<bool>,
}

/// Steps 1 and 2 of a build from scratch (and of `essor works rebuild`): what dedup compares of
/// every record in `keys` that makes a work, only the fields it reads (the full analysis, for
/// the works' fields, comes once, when they are written), then one clustering over all of them.
///
/// With [`Mining::Index`] (a build from scratch), the features rows are written here too, in one
/// pass in their key order, a slice at a time as they are computed (the records come in key
/// order); the block entries after the clustering, in [`BLOCK_PASSES`] ranges of block ids
/// ([`BlockPasses`], by the write phase: the store's writer has time to spare there, while
/// tantivy indexes the works). Written a slice of works at a time instead, every slice
/// spread its rows over the whole of both trees, and once these outgrow the page cache each row
/// cost a leaf read and rewrite. The features are those the full analysis gives (the same
/// functions of the same fields: `dedup_normalisation_gives_the_same_features_and_keys_as_the_full_one`).
/// The transactions are not durable: the build's last one makes them so.
pub(super) fn cluster_all(
    store: &Store,
    keys: Vec<RecordKey>,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    mining: Mining<'_>,
) -> Result<Clustered, StoreError> {
    let started = std::time::Instant::now();
    let store_index = matches!(mining, Mining::Index);
    let mut records: Vec<RecordKey> = Vec::new();
    let mut features: Vec<Features> = Vec::new();
    let mut block_keys: Vec<Vec<BlockKey>> = Vec::new();
    let mut reused: Vec<bool> = Vec::new();
    if store_index {
        // Nothing of an interrupted build survives a crash, but clear whatever is there.
        store.clear_dedup_index()?;
    }
    // Each slice's keys are dropped once done, so that a million keys are not held twice
    // (`records` holds those that make works).
    let mut pending = keys.into_iter();
    let mut sketches: Vec<u64> = Vec::new();
    std::thread::scope(|scope| {
        // A build from scratch inserts each slice's features rows on a thread of its own while
        // the next slice is mined: inserted between the slices, they left a core idle (with
        // the rows encoded on the miners' cores too, the pass of 50,000 records took 1.0 s
        // against 1.17, BENCHMARKS.md, issue 17). One slice's rows wait at most, in order.
        let (rows_to_write, rows) = std::sync::mpsc::sync_channel::<FeaturesRows>(0);
        let writer = store_index.then(|| scope.spawn(move || write_features_rows(store, rows)));
        loop {
            let slice: Vec<RecordKey> = pending.by_ref().take(ANALYSE_SLICE).collect();
            if slice.is_empty() {
                break;
            }
            if store_index {
                let mut rows = Vec::with_capacity(slice.len());
                for (record, mined) in mine_all(store, &slice, sources, thesaurus)? {
                    let Some(mined) = mined else {
                        continue; // it makes no work
                    };
                    rows.push((record.clone(), mined.row));
                    block_keys.push(mined.block_keys);
                    features.push(mined.features);
                    sketches.push(mined.sketch);
                    records.push(record);
                    reused.push(false);
                }
                if rows_to_write.send(rows).is_err() {
                    break; // the writer failed: joined below, it tells why
                }
                continue;
            }
            let found: Vec<(RecordKey, StoredFeatures, bool)> = match mining {
                Mining::Reuse(reuse) => reuse_or_mine(store, slice, sources, thesaurus, reuse)?,
                Mining::Index | Mining::All => {
                    dedup_features_all(store, &slice, sources, thesaurus)?
                        .into_iter()
                        .filter_map(|(record, found)| {
                            let (features, keys) = found?;
                            Some((record, StoredFeatures { features, keys }, false))
                        })
                        .collect()
                }
            };
            for (record, stored, taken) in found {
                block_keys.push(stored.keys.iter().map(|k| BlockKey::of(k)).collect());
                features.push(stored.features);
                records.push(record);
                reused.push(taken);
            }
        }
        drop(rows_to_write);
        match writer.map(|writer| writer.join()) {
            None => Ok(()),
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(StoreError::thread(
                "writing features rows",
                "the thread panicked",
            )),
        }
    })?;
    let features_in = started.elapsed();
    drop(pending);
    let clustering = dedup::cluster(&features, &block_keys);
    let clustered_in = started.elapsed() - features_in;
    if store_index {
        // A build from scratch needs the features no more: freed before the blocking index's
        // transactions, whose pages redb holds until each commits (held through them, they
        // made the peak memory of a fresh 1 M store); on all cores, since freeing them took
        // ~80 ms per 50,000 records on one (a profile), with the other core idle.
        crate::cores::free_on_all_cores(std::mem::take(&mut features));
    }
    Ok(Clustered {
        records,
        clustering,
        features_in,
        clustered_in,
        sketches,
        features,
        block_keys,
        reused,
    })
}

/// A slice's features rows, by record.
type FeaturesRows = Vec<(RecordKey, FeaturesRow)>;

/// Inserts each slice of features rows received, a transaction each (not durable), until the
/// sender is dropped.
fn write_features_rows(
    store: &Store,
    slices: std::sync::mpsc::Receiver<FeaturesRows>,
) -> Result<(), StoreError> {
    for rows in slices {
        store.update_works_bulk(false, |tx| {
            for (record, row) in &rows {
                tx.set_features_row(record.as_ref(), row)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The blocking index is written in this many passes, each over a range of block ids (the top
/// bits): one pass's entries, sorted, hold ~1/16 of them (11 MiB a million records).
const BLOCK_PASSES: u64 = 16;

/// The blocking index's rows of a build from scratch, written in [`BLOCK_PASSES`] transactions
/// (not durable), each over a range of block ids, in key order.
pub(super) struct BlockPasses<'a> {
    pub records: &'a [RecordKey],
    pub sketches: &'a [u64],
    pub block_keys: &'a [Vec<BlockKey>],
    /// The next pass to write.
    pub next: u64,
}

impl BlockPasses<'_> {
    /// Whether every pass is written.
    pub fn done(&self) -> bool {
        self.next >= BLOCK_PASSES
    }

    /// Writes the next pass's entries (nothing once [`BlockPasses::done`]); gives their number.
    pub fn write_next(&mut self, store: &Store) -> Result<u64, StoreError> {
        if self.done() {
            return Ok(0);
        }
        let (pass, records, sketches) = (self.next, self.records, self.sketches);
        self.next += 1;
        let shift = 64 - BLOCK_PASSES.trailing_zeros();
        let mut entries: Vec<(u64, usize)> = self
            .block_keys
            .iter()
            .enumerate()
            .flat_map(|(index, keys)| keys.iter().map(move |key| (key.id(), index)))
            .filter(|(id, _)| id >> shift == pass)
            .collect();
        // Records are in key order, so (block, index) is the chunks' order: each block is
        // written once, its members gathered.
        entries.sort_unstable();
        entries.dedup();
        store.update_works_bulk(false, |tx| {
            let mut members: Vec<(&str, &str, u64)> = Vec::new();
            for group in entries.chunk_by(|a, b| a.0 == b.0) {
                members.clear();
                members.extend(group.iter().map(|&(_, index)| {
                    let record = &records[index];
                    (record.source(), record.identifier(), sketches[index])
                }));
                tx.write_new_block(group[0].0, &members)?;
            }
            Ok(())
        })?;
        Ok(entries.len() as u64)
    }
}

/// The merge reasons of each group: the clustering's links.
pub(super) fn merge_reasons(
    records: &[RecordKey],
    clustering: &dedup::Clustering,
) -> HashMap<usize, Vec<MergeReason>> {
    let mut group_of = vec![0usize; records.len()];
    for (group, members) in clustering.groups.iter().enumerate() {
        for &member in members {
            group_of[member] = group;
        }
    }
    let mut merges: HashMap<usize, Vec<MergeReason>> = HashMap::new();
    for link in &clustering.links {
        merges
            .entry(group_of[link.a])
            .or_default()
            .push(MergeReason {
                a: Member::from(&records[link.a]),
                b: Member::from(&records[link.b]),
                rule: link.rule.to_owned(),
                score: link.score,
            });
    }
    merges
}
