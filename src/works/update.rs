//! The change-log driver: [`update`] takes the store's changes a batch at a time, analyses them,
//! reads ahead what each slice of the batch will look up while the slice before is applied, and
//! commits each batch with the cursor after it.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::batch::Batch;
use super::pre_analysis::{PreAnalysis, analyse_changes};
use super::prefetch::{self, Wanted};
use super::{BuiltWorks, RecordRenderer, SourceInfos, StagedWorks, StoredFeatures, fresh};
use super::{CACHE_RECORDS, FeatureCache};
use crate::classify::Thesaurus;
use crate::dedup::{BlockKey, Sketch};
use crate::store::{RecordKey, Store, StoreError, now_rfc3339};

/// Changes applied per transaction.
const BATCH: usize = 5_000;
/// Slices of a batch read ahead one after the other while the batch applies the previous one.
const PIPELINE_SLICES: usize = 4;

/// What an update did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    pub records: u64,
    /// Problems normalisation found in those records (unparseable dates, unknown languages…),
    /// never fatal.
    pub problems: u64,
    pub works_created: u64,
    pub works_changed: u64,
    pub works_deleted: u64,
    pub works_merged: u64,
}

/// Reports of successive updates summed (the pipeline's follow loop); every field named, so a
/// new one cannot be forgotten here.
impl std::ops::AddAssign for UpdateReport {
    fn add_assign(&mut self, more: Self) {
        let UpdateReport {
            records,
            problems,
            works_created,
            works_changed,
            works_deleted,
            works_merged,
        } = more;
        self.records += records;
        self.problems += problems;
        self.works_created += works_created;
        self.works_changed += works_changed;
        self.works_deleted += works_deleted;
        self.works_merged += works_merged;
    }
}

/// Brings the works up to date with the store's records; with a `renderer` (the feed keeps
/// records), the feed's records of every work written are left for the server to render with
/// it ([`super::defer_feed_records`]: the feed serves those works from the works until then); with `staged`, each batch's works are handed to it
/// before the batch commits (the search index prepares its own commit meanwhile), and it is told
/// whether the batch did; with `pre` (following a harvest), the records it analysed while their
/// page was written are taken ([`PreAnalysis`]).
pub fn update(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    staged: Option<&dyn StagedWorks>,
    pre: Option<&PreAnalysis>,
) -> Result<UpdateReport, StoreError> {
    update_in_slices(
        store,
        sources,
        thesaurus,
        renderer,
        staged,
        PIPELINE_SLICES,
        pre,
    )
}

/// The first works of a store, built from scratch ([`builds_from_scratch`] says when), each
/// transaction's handed to `built` once committed; `None` when the store has works already or no
/// records (then [`update`] is the way).
///
/// [`builds_from_scratch`]: super::builds_from_scratch
pub fn build_from_scratch(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    built: &dyn BuiltWorks,
) -> Result<Option<UpdateReport>, StoreError> {
    migrate_blocks_if_needed(store)?;
    if !fresh::builds_from_scratch(store)? {
        return Ok(None);
    }
    fresh::build(store, sources, thesaurus, renderer, Some(built)).map(Some)
}

/// An older store's blocks (schemas 2 to 4), packed into chunks (schema 5): schema 2's
/// rebuilt from its stored features.
pub(super) fn migrate_blocks_if_needed(store: &Store) -> Result<(), StoreError> {
    if store.blocks_need_migration()? {
        tracing::info!("packing the blocking index into chunks (store schema 5)");
        let started = std::time::Instant::now();
        let written = store.migrate_blocks(|stored: &StoredFeatures| {
            let keys = stored.keys.iter().map(|k| BlockKey::of(k).id()).collect();
            (keys, Sketch::of(&stored.features).0)
        })?;
        tracing::info!(
            members = written.members,
            blocks = written.blocks,
            chunks = written.chunks,
            blocks_by_size = ?written.sizes,
            ms = started.elapsed().as_millis() as u64,
            "blocking index packed"
        );
    }
    Ok(())
}

/// [`update`], each batch read ahead in `slices` slices (the works are the same whatever their
/// number: the tests compare them).
pub(super) fn update_in_slices(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    renderer: Option<&dyn RecordRenderer>,
    staged: Option<&dyn StagedWorks>,
    slices: usize,
    pre: Option<&PreAnalysis>,
) -> Result<UpdateReport, StoreError> {
    migrate_blocks_if_needed(store)?;
    if fresh::builds_from_scratch(store)? {
        return fresh::build(store, sources, thesaurus, renderer, None);
    }
    let mut report = UpdateReport::default();
    let mut cache = FeatureCache::new();
    loop {
        let cursor = store.works_cursor()?;
        let changes = store.changes_since(cursor, BATCH)?;
        if changes.records.is_empty() {
            return Ok(report);
        }
        let started = std::time::Instant::now();
        let analysed = analyse_changes(store, &changes.records, sources, thesaurus, pre)?;
        let analysed_in = started.elapsed();
        if cache.len() >= CACHE_RECORDS {
            cache.clear();
        }
        report.records += analysed.len() as u64;
        report.problems += analysed
            .iter()
            .filter_map(|(_, a)| a.as_ref())
            .map(|a| a.normalized.problems.len() as u64)
            .sum::<u64>();
        let wanted: Vec<Wanted> = analysed
            .iter()
            .map(|(key, analysed)| Wanted::of(key, analysed.as_ref()))
            .collect();
        let changed: HashSet<RecordKey> = analysed.iter().map(|(key, _)| key.clone()).collect();
        let blocks_read = prefetch::BlocksRead::default();
        let slice = wanted.len().div_ceil(slices.max(1)).max(1);
        let mut waited = std::time::Duration::ZERO;
        let mut applied = std::time::Duration::ZERO;
        std::thread::scope(|scope| {
            // Slice after slice is read ahead on threads of their own while the batch applies
            // the slice before: reading waits on the page cache or the disk, applying on one
            // core.
            let (ready, ahead) = std::sync::mpsc::sync_channel(slices.max(1));
            let (wanted, changed, blocks_read) = (&wanted, &changed, &blocks_read);
            scope.spawn(move || {
                for part in wanted.chunks(slice) {
                    let rows =
                        prefetch::rows(store, part, changed, blocks_read, sources, thesaurus);
                    if ready.send(rows).is_err() {
                        return;
                    }
                }
                // Only a cache's warming: a read that fails here fails the writer's too.
                if let Err(error) = prefetch::touch_written(store, wanted, blocks_read) {
                    tracing::debug!(%error, "the batch's writes not read ahead");
                }
            });
            let batch_result = store.update_works(|tx| {
                // The rows of the works it moves are compacted later, in bulk.
                tx.leave_moved_feed_rows();
                let mut batch = Batch::new(
                    tx,
                    sources,
                    thesaurus,
                    renderer,
                    now_rfc3339(),
                    &mut report,
                    &mut cache,
                );
                let mut dirty = BTreeSet::new();
                let mut records = analysed.into_iter();
                loop {
                    let part: Vec<_> = records.by_ref().take(slice).collect();
                    if part.is_empty() {
                        break;
                    }
                    let waiting = std::time::Instant::now();
                    let rows = ahead.recv().map_err(|_| {
                        StoreError::corrupt("records", "the works read-ahead thread stopped")
                    })??;
                    waited += waiting.elapsed();
                    batch.absorb(rows);
                    batch.apply(part, &mut dirty)?;
                }
                let attached_in = started.elapsed() - analysed_in;
                batch.settle(dirty, staged)?;
                tracing::debug!(
                    records = changes.records.len(),
                    analysed_ms = analysed_in.as_millis() as u64,
                    waited_ms = waited.as_millis() as u64,
                    applied_ms = (started.elapsed() - analysed_in).as_millis() as u64,
                    attached_ms = attached_in.as_millis() as u64,
                    regrouped_ms = batch.timings.regrouped.as_millis() as u64,
                    written_ms = batch.timings.written.as_millis() as u64,
                    encoded_ms = batch.timings.encoded.as_millis() as u64,
                    encoding_waited_ms = batch.timings.encoding_waited.as_millis() as u64,
                    block_writes = batch.block_writes,
                    works_written = batch.works_written,
                    features_read_ahead = batch.prefetched.features_read,
                    candidates_skipped = batch.prefetched.candidates_skipped,
                    blocks_shared = blocks_read.shared(),
                    "works batch applied, committing"
                );
                // Works written by other rules or settings than those that derived the stored
                // ones: a rebuild may no longer keep their fields.
                let derived = batch.tx.works_derived()?;
                if derived.is_some_and(|derived| {
                    derived.rules != super::FIELDS_RULES || derived.sources != sources.digest()
                }) {
                    batch.tx.set_works_derived(None)?;
                }
                batch.tx.set_cursor(changes.next)?;
                applied = started.elapsed();
                Ok(batch.tx.feed_span())
            });
            if let Some(staged) = staged {
                staged.committed(batch_result.as_ref().ok().copied().flatten());
            }
            batch_result.map(drop)
        })?;
        tracing::debug!(
            total_ms = started.elapsed().as_millis() as u64,
            commit_ms = (started.elapsed() - applied).as_millis() as u64,
            "works batch committed"
        );
    }
}
