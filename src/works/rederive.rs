//! `essor works rebuild`: every work derived again from the stored records, after a change of
//! the thesaurus or of a dedup rule, as a build from scratch would make them, but keeping work
//! ids and telling harvesters only what changed.
//!
//! The records are clustered in one pass (`clusters.rs`, as for a fresh store); each new
//! group keeps the id of the old work most of its records were in (a work keeps its id while
//! any of its records stays in it; when a work splits, the part holding most of its records
//! keeps it, ties to the older id); an old work whose records all went to works keeping other
//! ids becomes an alias of the one that took most of them, and one whose records no longer make
//! works a tombstone. A work is written (a new feed entry, a new datestamp) only when it differs
//! from the stored one: an unchanged work keeps its entry. The works are derived again and
//! written on two threads (`rewrite.rs`); the feed records of those written are left to the
//! server (`defer_feed_records`), as a fresh build's are. Features and blocking index entries
//! are written only for the records whose features changed (`rewrite::changed_features`). All
//! transactions but the last are not durable: a crash before the last one leaves the works as
//! they were.

use std::collections::{HashMap, HashSet};

use super::clusters::{Clustered, Clusters, Mining, Reuse, cluster_all, merge_reasons};
use super::clusters::{all_records, remove_features, set_cursor_mined, slices_of};
use super::{BuiltWorks, RecordRenderer, SourceInfos, UpdateReport, Work, write_work};
use super::{prepared, rewrite};
use crate::classify::Thesaurus;
use crate::store::{RecordKey, Store, StoreError, now_rfc3339, work_id};

/// What a rebuild did.
pub struct Rederivation {
    pub report: UpdateReport,
    /// Whether every work was handed to the `built` given (most of them changed): the index
    /// built from them is the whole index, up to date with the feed's end
    /// ([`BuiltWorks::stored`]).
    pub indexed: bool,
    /// The works it wrote whose searched document did not change (only their themes and
    /// relevance did): the search index keeps themes beside its documents, so an index up to
    /// date before the rebuild need not index these again.
    pub themes_only: HashSet<String>,
    /// The works whose stored fields it kept but their themes and relevance (after a change of
    /// the thesaurus alone: `rewrite::Keep`).
    pub kept: u64,
}

/// Derives every work again from the stored records (see the module's documentation). When
/// most works change, they go to `built` too, as they are made (`rewrite.rs`).
pub fn rederive(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
) -> Result<Rederivation, StoreError> {
    rederive_in_parts(
        store,
        sources,
        thesaurus,
        renderer,
        built,
        rewrite::GROUPS_A_PART,
    )
}

/// [`rederive`], each slice's groups derived on the cores `groups_a_part` at a time (tests
/// compare parts of one group with whole slices).
pub(super) fn rederive_in_parts(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
    groups_a_part: usize,
) -> Result<Rederivation, StoreError> {
    super::update::migrate_blocks_if_needed(store)?;
    let mut report = UpdateReport::default();
    let (all, next) = all_records(store)?;
    report.records = all.len() as u64;

    // The records' works as stored, then the new groups (records in key order, as a fresh
    // store's build takes them, so that the same records give the same groups).
    let started = std::time::Instant::now();
    let old_work_of: HashMap<RecordKey, String> = store.record_works()?.into_iter().collect();
    let Clustered {
        records,
        clustering,
        features_in,
        clustered_in,
        features,
        block_keys,
        reused,
        ..
    } = match Reuse::of(store)? {
        Some(reuse) => cluster_all(store, all, sources, thesaurus, Mining::Reuse(&reuse))?,
        None => cluster_all(store, all, sources, thesaurus, Mining::All)?,
    };
    // Each record's features mined again, taken (once) when its work is derived to compare them
    // with its stored row; none for those taken from that row.
    let features: Vec<Option<crate::dedup::Features>> = features
        .into_iter()
        .zip(reused)
        .map(|(features, reused)| (!reused).then_some(features))
        .collect();
    let old: Vec<Option<&str>> = records
        .iter()
        .map(|key| old_work_of.get(key).map(String::as_str))
        .collect();
    let kept = keep_ids(&clustering.groups, &old);
    let merges = merge_reasons(&records, &clustering);

    // Old works no group keeps: an alias of the group that took most of their records.
    let mut taken: HashMap<&str, HashMap<usize, usize>> = HashMap::new();
    for (group, members) in clustering.groups.iter().enumerate() {
        for &index in members {
            if let Some(id) = old[index] {
                *taken.entry(id).or_default().entry(group).or_default() += 1;
            }
        }
    }
    let kept_ids: std::collections::HashSet<&str> = kept.iter().flatten().copied().collect();
    let mut absorbed: HashMap<usize, Vec<String>> = HashMap::new();
    let mut lost: Vec<(String, usize)> = Vec::new();
    let mut old_ids: Vec<&str> = old_work_of.values().map(String::as_str).collect();
    old_ids.sort_unstable();
    old_ids.dedup();
    for &id in &old_ids {
        if kept_ids.contains(id) {
            continue;
        }
        if let Some(groups) = taken.get(id) {
            let mut by_count: Vec<(usize, usize)> = groups.iter().map(|(&g, &n)| (g, n)).collect();
            by_count.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let group = by_count[0].0;
            absorbed.entry(group).or_default().push(id.to_owned());
            lost.push((id.to_owned(), group));
        }
    }

    // Each group's id: the one it keeps, or a new one, numbered in group order as the
    // transactions would give them out one by one.
    let first = store.work_sequence()?;
    let mut numbered = first;
    let created: Vec<bool> = kept.iter().map(Option::is_none).collect();
    let ids: Vec<String> = kept
        .iter()
        .map(|id| match id {
            Some(id) => (*id).to_owned(),
            None => {
                numbered += 1;
                work_id(numbered)
            }
        })
        .collect();
    let now = now_rfc3339();
    let plan = rewrite::Plan {
        clusters: Clusters {
            records: &records,
            groups: &clustering.groups,
            sources,
            thesaurus,
        },
        slices: slices_of(&clustering.groups, prepared::SLICE),
        groups_a_part,
        ids: &ids,
        created: &created,
        first,
        old_work_of: &old_work_of,
        absorbed,
        merges,
        features,
        block_keys: &block_keys,
        now: now.clone(),
        keep: rewrite::Keep::of(store, sources)?,
    };
    let written = rewrite::write_all(store, plan, renderer, built, &mut report)?;

    // The last, durable transaction: old works merged away or left without records, records
    // that no longer make works, and the cursor.
    let in_works: std::collections::HashSet<&RecordKey> = records.iter().collect();
    let span = store.update_works_bulk(true, |tx| {
        for (id, group) in &lost {
            let Some(mut work) = tx.work::<Work>(id)? else {
                continue;
            };
            let was = work.is_live();
            work.merged_into = Some(ids[*group].clone());
            work.members.clear();
            work.merges.clear();
            work.aliases.clear();
            work.fields = None;
            work.datestamp = now.clone();
            write_work(tx, &work, Some(was), None)?;
            report.works_merged += 1;
        }
        for &id in &old_ids {
            if kept_ids.contains(id) || taken.contains_key(id) {
                continue;
            }
            let Some(mut work) = tx.work::<Work>(id)? else {
                continue;
            };
            let was = work.is_live();
            work.deleted = true;
            work.members.clear();
            work.merges.clear();
            work.fields = None;
            work.datestamp = now.clone();
            write_work(tx, &work, Some(was), None)?;
            report.works_deleted += 1;
        }
        for key in old_work_of.keys() {
            if !in_works.contains(key) {
                tx.remove_record_work(key.as_ref())?;
                remove_features(tx, key)?;
            }
        }
        set_cursor_mined(tx, next, sources)?;
        Ok(tx.feed_span())
    })?;
    // The index built beside the writes is up to date with the feed's end.
    let last_feed_key = span.map(|span| span.last).or(written.last_feed_key);
    if let (true, Some(built), Some(key)) = (written.indexed, built, last_feed_key) {
        built.stored(key);
    }
    tracing::info!(
        records = report.records,
        features_ms = features_in.as_millis() as u64,
        clustered_ms = clustered_in.as_millis() as u64,
        written_ms = (started.elapsed() - features_in - clustered_in).as_millis() as u64,
        works_created = report.works_created,
        works_changed = report.works_changed,
        features_written = written.features,
        block_entries_written = written.block_entries,
        indexed_beside = written.indexed,
        themes_only = written.themes_only.len(),
        fields_kept = written.kept,
        "works derived again"
    );
    Ok(Rederivation {
        report,
        indexed: written.indexed,
        themes_only: written.themes_only,
        kept: written.kept,
    })
}

/// The old id each group keeps, `None` for a new work. `old[record]` is the work a record was
/// in. A group may keep the id of a work its records were in, and an id goes to one group
/// only: the pairs (group, id) are taken most shared records first, then the older id (ids grow
/// with time), then the first group.
fn keep_ids<'a>(groups: &[Vec<usize>], old: &[Option<&'a str>]) -> Vec<Option<&'a str>> {
    let mut pairs: Vec<(usize, &'a str, usize)> = Vec::new();
    for (group, members) in groups.iter().enumerate() {
        let mut counts: HashMap<&'a str, usize> = HashMap::new();
        for &index in members {
            if let Some(id) = old[index] {
                *counts.entry(id).or_default() += 1;
            }
        }
        pairs.extend(counts.into_iter().map(|(id, count)| (count, id, group)));
    }
    pairs.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)).then(a.2.cmp(&b.2)));
    let mut kept: Vec<Option<&'a str>> = vec![None; groups.len()];
    let mut given: std::collections::HashSet<&'a str> = std::collections::HashSet::new();
    for (_, id, group) in pairs {
        if kept[group].is_none() && !given.contains(id) {
            kept[group] = Some(id);
            given.insert(id);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::keep_ids;

    #[test]
    fn a_work_keeps_its_id_while_any_of_its_records_stays_in_it() {
        // Records 0-2 were w1, 3-4 w2, 5 w3, 6 new.
        let old = [
            Some("w1"),
            Some("w1"),
            Some("w1"),
            Some("w2"),
            Some("w2"),
            Some("w3"),
            None,
        ];
        // Unchanged groups keep their ids; a new record alone is a new work.
        let same = keep_ids(&[vec![0, 1, 2], vec![3, 4], vec![5], vec![6]], &old);
        assert_eq!(same, [Some("w1"), Some("w2"), Some("w3"), None]);
        // w1 splits: the part with most of its records keeps the id, the other is new.
        let split = keep_ids(&[vec![0], vec![1, 2], vec![3, 4, 5, 6]], &old);
        assert_eq!(split, [None, Some("w1"), Some("w2")]);
        // w2 and w3 join: the id shared by most records stays; the new record joins it.
        let joined = keep_ids(&[vec![0, 1, 2], vec![5, 3, 4, 6]], &old);
        assert_eq!(joined, [Some("w1"), Some("w2")]);
        // A tie goes to the older id, then to the first group.
        let tie = keep_ids(&[vec![2, 3], vec![0], vec![1], vec![4]], &old);
        assert_eq!(tie, [Some("w1"), None, None, Some("w2")]);
        // A group of records of a split work keeps the id of any work it holds records of.
        let moved = keep_ids(&[vec![0, 1, 2, 3], vec![4]], &old);
        assert_eq!(moved, [Some("w1"), Some("w2")]);
    }
}
