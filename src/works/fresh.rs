//! The first `works update` of a store (no work yet): every record is analysed on all cores,
//! clustered in memory in one pass (`dedup::cluster`, `clusters.rs`), and the works written in
//! bulk (`prepared.rs`), instead of attaching records one by one through the blocking index
//! (which costs a lookup per candidate). Later updates are incremental (`Batch` in `batch.rs`)
//! and find the same tables filled the same way: features and blocking keys per record,
//! `record_work`, works with their merge reasons.

use super::clusters::{BlockPasses, Clustered, Clusters, Mining, cluster_all, merge_reasons};
use super::clusters::{all_records, slices_of};
use super::{BuiltWorks, RecordRenderer, SourceInfos, UpdateReport, prepared};
use crate::classify::Thesaurus;
use crate::store::{Store, StoreError, now_rfc3339};

/// Whether the store has no works yet, so that [`build`] may build them all at once.
pub fn is_fresh(store: &Store) -> Result<bool, StoreError> {
    Ok(store.works_cursor()? == 0 && store.work_counts()? == (0, 0))
}

/// Whether the next works update builds every work from scratch: the store has no works yet,
/// and records to make them of.
pub fn builds_from_scratch(store: &Store) -> Result<bool, StoreError> {
    Ok(is_fresh(store)? && !store.changes_since(0, 1)?.records.is_empty())
}

/// Builds the works of every record in the store's change log; the works of each transaction
/// are handed to `built` once it has committed.
pub(super) fn build(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
) -> Result<UpdateReport, StoreError> {
    let mut report = UpdateReport::default();
    let (changed, next) = all_records(store)?;
    report.records = changed.len() as u64;

    let started = std::time::Instant::now();
    let Clustered {
        records,
        clustering,
        features_in,
        clustered_in,
        sketches,
        features,
        block_keys,
        ..
    } = cluster_all(store, changed, sources, thesaurus, Mining::Index)?;
    drop(features); // freed already
    let merges = merge_reasons(&records, &clustering);

    // 3. The works, a slice of groups per transaction: members analysed in full (on all cores)
    //    for their fields, a slice at a time, since a million full analyses do not fit in memory;
    //    each slice made ready on a thread of its own while the writer inserts the one before.
    let blocks = BlockPasses {
        records: &records,
        sketches: &sketches,
        block_keys: &block_keys,
        next: 0,
    };
    let plan = prepared::Plan {
        clusters: Clusters {
            records: &records,
            groups: &clustering.groups,
            sources,
            thesaurus,
        },
        slices: slices_of(&clustering.groups, prepared::SLICE),
        merges,
        now: now_rfc3339(),
        cursor: next,
    };
    let written = prepared::write_all(store, plan, blocks, renderer, built, &mut report)?;
    tracing::info!(
        records = report.records,
        features_ms = features_in.as_millis() as u64,
        clustered_ms = clustered_in.as_millis() as u64,
        written_ms = (started.elapsed() - features_in - clustered_in).as_millis() as u64,
        // Rows written, per table (the feed index's come with each work).
        works = written.works,
        record_work = written.record_work,
        features = records.len() as u64,
        block_entries = written.block_entries,
        "works built from scratch"
    );
    Ok(report)
}
