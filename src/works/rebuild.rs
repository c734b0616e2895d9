//! The first `works update` of a store (no work yet): every record is analysed on all cores,
//! clustered in memory in one pass (`dedup::cluster`), and the works written in bulk, instead of
//! attaching records one by one through the blocking index (which costs a lookup per candidate).
//! Later updates are incremental (`Batch` in `batch.rs`) and find the same tables filled the same
//! way: features and blocking keys per record, `record_work`, works with their merge reasons.

use std::collections::HashMap;

use super::analyse::{Analysed, analyse_all};
use super::{Member, MemberData, MergeReason, SourceInfo, SourceInfos, StoredFeatures};
use super::{RecordRenderer, UpdateReport, Work, fields, write_work};
use crate::classify::Thesaurus;
use crate::dedup::{self, BlockKey, Features};
use crate::store::{RecordKey, Store, StoreError, now_rfc3339};

/// Records analysed (then dropped) per slice when collecting features: bounds the memory held
/// by full analyses, whatever the store's size.
const ANALYSE_SLICE: usize = 20_000;
/// Records whose works are written per transaction (all but the last one not made durable: the
/// cursor moves, durably, with the last).
const WRITE_SLICE: usize = 20_000;

/// Whether the store has no works yet, so that [`rebuild`] may build them all at once.
pub(super) fn is_fresh(store: &Store) -> Result<bool, StoreError> {
    Ok(store.works_cursor()? == 0 && store.work_counts()? == (0, 0))
}

/// Builds the works of every record in the store's change log.
pub(super) fn rebuild(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
) -> Result<UpdateReport, StoreError> {
    let mut report = UpdateReport::default();
    let changes = store.changes_since(0, usize::MAX)?;
    let (mut changed, next) = (changes.records, changes.next);
    // Sources are harvested side by side, so the change log interleaves them differently from
    // one run to the next; the clustering breaks ties by record order: take them in key order,
    // so that the same records always give the same works.
    changed.sort_unstable();
    report.records = changed.len() as u64;

    // 1. What dedup compares, for every record that makes a work.
    let mut records: Vec<RecordKey> = Vec::new();
    let mut features: Vec<Features> = Vec::new();
    let mut keys: Vec<Vec<BlockKey>> = Vec::new();
    for slice in changed.chunks(ANALYSE_SLICE) {
        for (record, analysed) in analyse_all(store, slice, sources, thesaurus)? {
            let Some(analysed) = analysed else { continue };
            report.problems += analysed.normalized.problems.len() as u64;
            keys.push(analysed.keys.iter().map(|k| BlockKey::of(k)).collect());
            features.push(analysed.features);
            records.push(record);
        }
    }

    drop(changed); // `records` holds those that make works
    // 2. One clustering over all of them.
    let clustering = dedup::cluster(&features, &keys);
    drop((features, keys));
    let mut group_of = vec![0usize; records.len()];
    for (group, members) in clustering.groups.iter().enumerate() {
        for &member in members {
            group_of[member] = group;
        }
    }
    let member = |index: usize| Member::from(&records[index]);
    let mut merges: HashMap<usize, Vec<MergeReason>> = HashMap::new();
    for link in &clustering.links {
        merges
            .entry(group_of[link.a])
            .or_default()
            .push(MergeReason {
                a: member(link.a),
                b: member(link.b),
                rule: link.rule.to_owned(),
                score: link.score,
            });
    }

    // 3. The works, a slice of groups per transaction: members analysed again (on all cores)
    //    for their fields, since a million full analyses do not fit in memory.
    let now = now_rfc3339();
    let mut slices: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (group, members) in clustering.groups.iter().enumerate() {
        size += members.len();
        if size >= WRITE_SLICE {
            slices.push(start..group + 1);
            start = group + 1;
            size = 0;
        }
    }
    slices.push(start..clustering.groups.len());
    let last = slices.len() - 1;
    for (number, range) in slices.into_iter().enumerate() {
        let groups = &clustering.groups[range.clone()];
        let wanted: Vec<RecordKey> = groups
            .iter()
            .flatten()
            .map(|&index| records[index].clone())
            .collect();
        let mut analysed: HashMap<RecordKey, Analysed> =
            analyse_all(store, &wanted, sources, thesaurus)?
                .into_iter()
                .filter_map(|(key, analysed)| Some((key, analysed?)))
                .collect();
        let durable = number == last;
        store.update_works_bulk(durable, |tx| {
            // Rows of the keyed tables are inserted in key order, after the works: random
            // inserts into trees larger than the page cache cost a read each.
            let mut record_work: Vec<(&Member, String)> = Vec::new();
            let mut stored: Vec<(&Member, StoredFeatures)> = Vec::new();
            let mut blocks: Vec<(u64, &Member, u64)> = Vec::new();
            let mut works: Vec<Work> = Vec::with_capacity(groups.len());
            for (offset, members) in groups.iter().enumerate() {
                let mut members: Vec<Member> = members.iter().map(|&index| member(index)).collect();
                members.sort();
                works.push(Work {
                    id: tx.new_work_id()?,
                    datestamp: now.clone(),
                    deleted: false,
                    merged_into: None,
                    aliases: Vec::new(),
                    members,
                    merges: merges.remove(&(range.start + offset)).unwrap_or_default(),
                    fields: None,
                });
            }
            let mut data: Vec<Vec<(SourceInfo, Analysed)>> = works
                .iter()
                .map(|work| {
                    work.members
                        .iter()
                        .filter_map(|member| {
                            let one = analysed.remove(&RecordKey::from(member.key()))?;
                            Some((sources.get(&member.source), one))
                        })
                        .collect()
                })
                .collect();
            for (work, data) in works.iter_mut().zip(&data) {
                let member_data: Vec<MemberData<'_>> = work
                    .members
                    .iter()
                    .zip(data)
                    .map(|(member, (info, one))| MemberData {
                        source: &member.source,
                        identifier: &member.identifier,
                        role: info.role,
                        region: info.region.as_deref(),
                        normalized: &one.normalized,
                        classification: &one.classification,
                    })
                    .collect();
                work.fields = (!member_data.is_empty()).then(|| fields::build(&member_data));
                write_work(tx, work, None, renderer)?;
                report.works_created += 1;
            }
            for (work, data) in works.iter().zip(&mut data) {
                for (member, (_, one)) in work.members.iter().zip(data.drain(..)) {
                    record_work.push((member, work.id.clone()));
                    stored.push((
                        member,
                        StoredFeatures {
                            features: one.features,
                            keys: one.keys,
                        },
                    ));
                }
            }
            record_work.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (member, id) in &record_work {
                tx.set_record_work(member.key(), id)?;
            }
            stored.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (member, features) in &stored {
                tx.set_features(member.key(), features)?;
                let sketch = dedup::Sketch::of(&features.features).0;
                for block in &features.keys {
                    blocks.push((BlockKey::of(block).id(), member, sketch));
                }
            }
            blocks.sort_unstable();
            blocks.dedup();
            for (block, member, sketch) in blocks {
                tx.add_to_block(block, member.key(), sketch)?;
            }
            if durable {
                tx.set_cursor(next)?;
            }
            Ok(())
        })?;
    }
    Ok(report)
}
