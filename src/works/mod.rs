//! Works: the records of every source normalised, classified and deduplicated into works, kept
//! in the store. Follows the store's change log from its own cursor, so a harvest that changed
//! 100 records costs work for those 100 (and the works they touch), not for the whole store.
//!
//! Invariants:
//! - a live record is in exactly one work; a deleted (or filtered-out) record is in none;
//! - work ids never change; a merged-away id stays as an alias (`merged_into`), a work with no
//!   record left stays as a tombstone, both with the datestamp of that change;
//! - a batch of changes is applied in one store transaction, with the cursor that follows it.

mod fields;
mod model;
mod prefetch;
mod rebuild;
pub mod sets;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

pub use fields::MemberData;
pub use model::{Member, MergeReason, Sourced, Work, WorkFields};

use crate::classify::{Classification, Thesaurus};
use crate::dedup::{self, BlockKey, Features, Sketch, Verdict};
use crate::normalize::{self, Normalized};
use crate::source::{Source, SourceRole};
use crate::store::{BlockMember, Store, StoreError, StoredRecord, WorksTx, now_rfc3339};
use prefetch::{Prefetched, Wanted};

/// Changes applied per transaction.
const BATCH: usize = 5_000;
/// Slices of a batch read ahead one after the other while the batch applies the previous one.
const PIPELINE_SLICES: usize = 4;

/// What the works stage needs to know of a source.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    pub role: SourceRole,
    pub institution: Option<String>,
    pub region: Option<String>,
    pub min_relevance: Option<f32>,
}

/// Source infos by id; records of a source no longer configured get defaults.
#[derive(Debug, Clone, Default)]
pub struct SourceInfos(HashMap<String, SourceInfo>);

impl SourceInfos {
    pub fn new(sources: &[Source]) -> SourceInfos {
        SourceInfos(
            sources
                .iter()
                .map(|s| {
                    let info = SourceInfo {
                        role: s.role,
                        institution: s.institution.clone(),
                        region: s.region.clone(),
                        min_relevance: s.min_ess_relevance.map(|r| r as f32),
                    };
                    (s.id.to_string(), info)
                })
                .collect(),
        )
    }

    fn get(&self, source: &str) -> SourceInfo {
        self.0.get(source).cloned().unwrap_or(SourceInfo {
            role: SourceRole::InstitutionalRepository,
            institution: None,
            region: None,
            min_relevance: None,
        })
    }
}

/// Writes a work (with its feed entry, under the sets it belongs to); `was` is its liveness
/// before, for the counts. Both the incremental and the bulk path write works through here.
pub fn write_work(tx: &mut WorksTx<'_>, work: &Work, was: Option<bool>) -> Result<(), StoreError> {
    let specs = sets::set_specs(work);
    tx.put_work(
        &work.id,
        work,
        was,
        work.is_live(),
        &work.datestamp,
        specs.as_deref(),
    )
}

/// How far `merged_into` links are followed (a longer chain means a damaged store).
const MAX_MERGE_CHAIN: usize = 16;

/// The work an id stands for today: itself, or the work it was merged into (following later
/// merges). `None` for an unknown id or a broken chain.
pub fn resolve(store: &Store, id: &str) -> Result<Option<Work>, StoreError> {
    let mut current = id.to_owned();
    for _ in 0..MAX_MERGE_CHAIN {
        let Some(work) = store.work::<Work>(&current)? else {
            return Ok(None);
        };
        match &work.merged_into {
            Some(next) => current = next.clone(),
            None => return Ok(Some(work)),
        }
    }
    Ok(None)
}

/// What dedup keeps of each record in the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFeatures {
    features: Features,
    keys: Vec<String>,
}

/// A record normalised, classified and ready for dedup.
struct Analysed {
    normalized: Normalized,
    classification: Classification,
    features: Features,
    keys: Vec<String>,
}

/// Normalises and classifies a stored record; `None` if it makes no work (deleted, unmapped,
/// or below its source's ESS relevance threshold).
fn analyse(record: &StoredRecord, info: &SourceInfo, thesaurus: &Thesaurus) -> Option<Analysed> {
    if record.deleted {
        return None;
    }
    let mapped = record.record.as_ref()?;
    let context = normalize::Context {
        source: &record.source,
        identifier: &record.identifier,
        format: record.format.as_deref(),
        sets: &record.sets,
        institution: info.institution.as_deref(),
        region: info.region.as_deref(),
    };
    let normalized = normalize::normalize(mapped, &context);
    let classification = thesaurus.classify(&normalized);
    if info
        .min_relevance
        .is_some_and(|minimum| classification.relevance < minimum)
    {
        return None;
    }
    Some(Analysed {
        features: Features::of(&normalized),
        keys: dedup::blocking_keys(&normalized),
        normalized,
        classification,
    })
}

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

/// Brings the works up to date with the store's records.
pub fn update(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<UpdateReport, StoreError> {
    update_in_slices(store, sources, thesaurus, PIPELINE_SLICES)
}

/// [`update`], each batch read ahead in `slices` slices (the works are the same whatever their
/// number: the tests compare them).
fn update_in_slices(
    store: &Store,
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
    slices: usize,
) -> Result<UpdateReport, StoreError> {
    if store.blocks_need_migration()? {
        tracing::info!("rebuilding the blocking index (store schema 2 to 3)");
        let entries = store.migrate_blocks(|stored: &StoredFeatures| {
            let keys = stored.keys.iter().map(|k| BlockKey::of(k).id()).collect();
            (keys, Sketch::of(&stored.features).0)
        })?;
        tracing::info!(entries, "blocking index rebuilt");
    }
    if rebuild::is_fresh(store)? && !store.changes_since(0, 1)?.records.is_empty() {
        return rebuild::rebuild(store, sources, thesaurus);
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
        let analysed = analyse_all(store, &changes.records, sources, thesaurus)?;
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
        let changed: HashSet<(String, String)> =
            analysed.iter().map(|(key, _)| key.clone()).collect();
        let slice = wanted.len().div_ceil(slices.max(1)).max(1);
        let mut waited = std::time::Duration::ZERO;
        std::thread::scope(|scope| {
            // Slice after slice is read ahead on all cores while the batch applies the slice
            // before: reading waits on the page cache, applying on one core.
            let (ready, ahead) = std::sync::mpsc::sync_channel(slices.max(1));
            let (wanted, changed) = (&wanted, &changed);
            scope.spawn(move || {
                for part in wanted.chunks(slice) {
                    let rows = prefetch::rows(store, part, changed, sources, thesaurus);
                    if ready.send(rows).is_err() {
                        return;
                    }
                }
            });
            store.update_works(|tx| {
                let mut batch = Batch {
                    tx,
                    sources,
                    thesaurus,
                    now: now_rfc3339(),
                    report: &mut report,
                    analysed: HashMap::new(),
                    cache: &mut cache,
                    created: BTreeSet::new(),
                    pending: BTreeMap::new(),
                    liveness: HashMap::new(),
                    moved: BTreeMap::new(),
                    block_writes: 0,
                    works_written: 0,
                    prefetched: Prefetched::default(),
                };
                let mut dirty = BTreeSet::new();
                let mut records = analysed.into_iter();
                loop {
                    let part: Vec<_> = records.by_ref().take(slice).collect();
                    if part.is_empty() {
                        break;
                    }
                    let waiting = std::time::Instant::now();
                    let rows = ahead.recv().map_err(|_| StoreError::Corrupt {
                        table: "records",
                        error: "the works read-ahead thread stopped".into(),
                    })??;
                    waited += waiting.elapsed();
                    batch
                        .prefetched
                        .absorb(rows, batch.cache, &mut batch.analysed);
                    batch.apply(part, &mut dirty)?;
                }
                batch.settle(dirty)?;
                tracing::debug!(
                    records = changes.records.len(),
                    analysed_ms = analysed_in.as_millis() as u64,
                    waited_ms = waited.as_millis() as u64,
                    applied_ms = (started.elapsed() - analysed_in).as_millis() as u64,
                    block_writes = batch.block_writes,
                    works_written = batch.works_written,
                    features_read_ahead = batch.prefetched.features_read,
                    candidates_skipped = batch.prefetched.candidates_skipped,
                    "works batch applied, committing"
                );
                batch.tx.set_cursor(changes.next)
            })
        })?;
        tracing::debug!(
            total_ms = started.elapsed().as_millis() as u64,
            "works batch committed"
        );
    }
}

/// Maps slices of `items` on all cores (a thread per core, each a contiguous slice) and joins
/// the results in order.
fn on_all_cores<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&[T]) -> Result<Vec<R>, StoreError> + Sync,
) -> Result<Vec<R>, StoreError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(1);
    let chunk = items.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for handle in handles {
            let part = handle.join().map_err(|_| StoreError::Corrupt {
                table: "records",
                error: "a works thread panicked".into(),
            })??;
            all.extend(part);
        }
        Ok(all)
    })
}

/// Loads and analyses records on all cores (it is the costly part: normalising, classifying).
fn analyse_all(
    store: &Store,
    keys: &[(String, String)],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<((String, String), Option<Analysed>)>, StoreError> {
    on_all_cores(keys, |part| {
        part.iter()
            .map(|(source, identifier)| {
                let analysed = store
                    .record(source, identifier)?
                    .and_then(|record| analyse(&record, &sources.get(source), thesaurus));
                Ok(((source.clone(), identifier.clone()), analysed))
            })
            .collect()
    })
}

/// The merge reasons of a work that `member` has just joined (again): those naming it are kept
/// only for records it is still the same work as, one per pair, the newest (it was compared
/// with new features). A record edited a hundred times keeps its reasons, not a hundred.
fn current_reasons(
    merges: Vec<MergeReason>,
    member: &Member,
    same_now: &BTreeSet<Member>,
) -> Vec<MergeReason> {
    let mut pairs = BTreeSet::new();
    let mut kept: Vec<MergeReason> = merges
        .into_iter()
        .rev()
        .filter(|reason| {
            let other = if reason.a == *member {
                &reason.b
            } else if reason.b == *member {
                &reason.a
            } else {
                return true;
            };
            same_now.contains(other) && pairs.insert(other.clone())
        })
        .collect();
    kept.reverse();
    kept
}

/// One batch of changes inside one transaction.
struct Batch<'b, 't> {
    tx: &'b mut WorksTx<'t>,
    sources: &'b SourceInfos,
    thesaurus: &'b Thesaurus,
    now: String,
    report: &'b mut UpdateReport,
    /// Records of this batch, analysed, by key.
    analysed: HashMap<(String, String), Analysed>,
    /// Features read or written during this update, so that candidates met again are not read
    /// and decoded again.
    cache: &'b mut FeatureCache,
    /// Works created in this batch (reported as created, not also as changed).
    created: BTreeSet<String>,
    /// Works changed in this batch, written once at its end ([`Batch::flush`]): a work is
    /// saved several times while records join it and its fields are rebuilt, and each write
    /// moves it in a dozen feed sets.
    pending: BTreeMap<String, Work>,
    /// Whether each work read from the store was live, for the live/deleted counts.
    liveness: HashMap<String, bool>,
    /// The work of each record this batch moved (`None`: in none), written by
    /// [`Batch::flush`]; `prefetched.record_work` keeps the committed rows.
    moved: BTreeMap<(String, String), Option<String>>,
    /// Rows of the blocking index and works written (the debug log shows them).
    block_writes: usize,
    works_written: usize,
    prefetched: Prefetched,
}

/// Dedup features by record, kept across the batches of one update (bounded).
pub type FeatureCache = HashMap<(String, String), std::sync::Arc<StoredFeatures>>;
/// Beyond this many cached records the cache starts afresh (about 1 KiB each).
const CACHE_RECORDS: usize = 1_000_000;

impl Batch<'_, '_> {
    fn features(
        &mut self,
        record: (&str, &str),
    ) -> Result<Option<std::sync::Arc<StoredFeatures>>, StoreError> {
        let key = (record.0.to_owned(), record.1.to_owned());
        if let Some(found) = self.cache.get(&key) {
            return Ok(Some(found.clone()));
        }
        let Some(stored) = self.tx.features::<StoredFeatures>(record)? else {
            return Ok(None);
        };
        if self.cache.len() >= CACHE_RECORDS {
            self.cache.clear();
        }
        let stored = std::sync::Arc::new(stored);
        self.cache.insert(key, stored.clone());
        Ok(Some(stored))
    }

    /// The work of a record as this batch has it: moved by it, or as committed.
    fn record_work(&self, record: (&str, &str)) -> Result<Option<String>, StoreError> {
        let key = (record.0.to_owned(), record.1.to_owned());
        if let Some(work) = self.moved.get(&key) {
            return Ok(work.clone());
        }
        match self.prefetched.record_work.get(&key) {
            Some(work) => Ok(work.clone()),
            None => self.tx.record_work(record),
        }
    }

    fn set_record_work(&mut self, record: (&str, &str), work: &str) -> Result<(), StoreError> {
        let key = (record.0.to_owned(), record.1.to_owned());
        self.moved.insert(key, Some(work.to_owned()));
        Ok(())
    }

    fn remove_record_work(&mut self, record: (&str, &str)) -> Result<(), StoreError> {
        let key = (record.0.to_owned(), record.1.to_owned());
        self.moved.insert(key, None);
        Ok(())
    }

    fn block(&mut self, block: &str) -> Result<Option<Vec<BlockMember>>, StoreError> {
        let block = BlockKey::of(block);
        if let Some(members) = self.prefetched.blocks.get(&block.id()) {
            return Ok(members.clone());
        }
        let members = self.tx.block(block.id(), block.limit())?;
        self.prefetched.blocks.insert(block.id(), members.clone());
        Ok(members)
    }

    fn add_to_block(
        &mut self,
        block: &str,
        record: (&str, &str),
        sketch: Sketch,
    ) -> Result<(), StoreError> {
        let block = BlockKey::of(block);
        if let Some(Some(members)) = self.prefetched.blocks.get_mut(&block.id()) {
            let member = BlockMember {
                record: (record.0.to_owned(), record.1.to_owned()),
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
        self.tx.add_to_block(block.id(), record, sketch.0)
    }

    fn remove_from_block(
        &mut self,
        block: &str,
        record: (&str, &str),
        sketch: Sketch,
    ) -> Result<(), StoreError> {
        let block = BlockKey::of(block);
        match self.prefetched.blocks.get_mut(&block.id()) {
            Some(Some(members)) => members.retain(|m| {
                (m.record.0.as_str(), m.record.1.as_str()) != record || m.sketch != sketch.0
            }),
            // Over the limit before: perhaps not after, read it again when asked.
            Some(None) => {
                self.prefetched.blocks.remove(&block.id());
            }
            None => {}
        }
        self.block_writes += 1;
        self.prefetched.blocks_written.insert(block.id());
        self.tx.remove_from_block(block.id(), record, sketch.0)
    }

    /// Moves changed records out of their works and into the works they now belong to; the
    /// works they touched are added to `dirty`, for [`Batch::settle`].
    fn apply(
        &mut self,
        changes: Vec<((String, String), Option<Analysed>)>,
        dirty: &mut BTreeSet<String>,
    ) -> Result<(), StoreError> {
        for (key, analysed) in changes {
            let record = (key.0.as_str(), key.1.as_str());
            let old = self.features(record)?;
            let previous = self.record_work(record)?;
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
                    self.analysed.insert(key, analysed);
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
                        self.remove_from_block(block, record, sketch)?;
                    }
                }
            }
            if let Some(sketch) = new_sketch {
                for block in new_keys {
                    if !same_sketch || old_keys.binary_search(block).is_err() {
                        self.add_to_block(block, record, sketch)?;
                    }
                }
            }
            self.prefetched.features_written.insert(key.clone());
            if old.is_some() {
                self.cache.remove(&key);
                if stored.is_none() {
                    self.tx.remove_features(record)?;
                }
            }
            if let Some(work) = &previous {
                self.remove_record_work(record)?;
                dirty.insert(work.clone());
            }
            let (Some(analysed), Some(stored)) = (analysed, stored) else {
                continue;
            };
            self.tx.set_features(record, &stored)?;
            self.cache
                .insert(key.clone(), std::sync::Arc::new(stored.clone()));
            let work = self.attach(record, &stored, previous.as_deref())?;
            dirty.insert(work);
            self.analysed.insert(key, analysed);
        }
        Ok(())
    }

    /// Regroups the works the batch touched, rebuilds their fields and writes them.
    fn settle(&mut self, dirty: BTreeSet<String>) -> Result<(), StoreError> {
        for id in dirty {
            self.refresh(&id)?;
        }
        self.flush()
    }

    /// Puts a record into the work it belongs to (merging works it bridges), or a new one.
    /// A record that changed but still stands alone goes back to its `previous` work, if that
    /// work has no other member: editing a record must not change its work's id.
    fn attach(
        &mut self,
        record: (&str, &str),
        stored: &StoredFeatures,
        previous: Option<&str>,
    ) -> Result<String, StoreError> {
        let member = Member {
            source: record.0.to_owned(),
            identifier: record.1.to_owned(),
        };
        // Only candidates that may be the same work: the others cannot join this one.
        let sketch = Sketch::of(&stored.features);
        let mut candidates: BTreeSet<(String, String)> = BTreeSet::new();
        for block in &stored.keys {
            if let Some(members) = self.block(block)? {
                candidates.extend(
                    members
                        .into_iter()
                        .filter(|m| sketch.may_be_same(Sketch(m.sketch)))
                        .map(|m| m.record),
                );
            }
        }
        candidates.remove(&(member.source.clone(), member.identifier.clone()));
        // Verdicts first: the works of the candidates matter only if one of them is the same.
        let mut verdicts = Vec::new();
        for (source, identifier) in &candidates {
            let Some(other) = self.features((source, identifier))? else {
                continue;
            };
            match dedup::compare(&stored.features, &other.features) {
                Verdict::Unsure { .. } => {}
                verdict => verdicts.push((source, identifier, verdict)),
            }
        }
        if !verdicts
            .iter()
            .any(|(_, _, verdict)| matches!(verdict, Verdict::Same { .. }))
        {
            verdicts.clear();
        }
        // The records this one is the same work as, now: the reasons that name it must be
        // among these.
        let same_now: BTreeSet<Member> = verdicts
            .iter()
            .filter(|(_, _, verdict)| matches!(verdict, Verdict::Same { .. }))
            .map(|(source, identifier, _)| Member {
                source: (*source).clone(),
                identifier: (*identifier).clone(),
            })
            .collect();
        let mut best: BTreeMap<String, MergeReason> = BTreeMap::new();
        let mut refused: BTreeSet<String> = BTreeSet::new();
        for (source, identifier, verdict) in verdicts {
            let Some(work) = self.record_work((source, identifier))? else {
                continue;
            };
            match verdict {
                Verdict::Same { rule, score } => {
                    let reason = MergeReason {
                        a: member.clone(),
                        b: Member {
                            source: source.clone(),
                            identifier: identifier.clone(),
                        },
                        rule: rule.to_owned(),
                        score,
                    };
                    if best.get(&work).is_none_or(|r| r.score < score) {
                        best.insert(work, reason);
                    }
                }
                Verdict::Different { .. } => {
                    refused.insert(work);
                }
                Verdict::Unsure { .. } => {}
            }
        }
        let mut targets: Vec<(String, MergeReason)> = Vec::new();
        for (work, reason) in best {
            if refused.contains(&work)
                || !self.compatible(std::slice::from_ref(&stored.features), &work)?
            {
                continue;
            }
            targets.push((work, reason));
        }
        let Some((survivor_id, reason)) = targets.first().cloned() else {
            if let Some(previous) = previous
                && let Some(mut work) = self.get(previous)?
                && work.merged_into.is_none()
                && !self.has_other_members(&work, record)?
            {
                work.members = vec![member];
                work.deleted = false;
                self.save(work)?;
                self.set_record_work(record, previous)?;
                return Ok(previous.to_owned());
            }
            let id = self.tx.new_work_id()?;
            let work = Work {
                id: id.clone(),
                datestamp: self.now.clone(),
                deleted: false,
                merged_into: None,
                aliases: Vec::new(),
                members: vec![member],
                merges: Vec::new(),
                fields: None,
            };
            self.save(work)?;
            self.report.works_created += 1;
            self.created.insert(id.clone());
            self.set_record_work(record, &id)?;
            return Ok(id);
        };
        // The oldest work survives (ids grow with time).
        let mut survivor: Work = self.load(&survivor_id)?;
        survivor.members.push(member.clone());
        survivor.merges.push(reason);
        self.set_record_work(record, &survivor_id)?;
        for (other_id, reason) in targets.into_iter().skip(1) {
            let mut other: Work = self.load(&other_id)?;
            let survivor_features = self.member_features(&survivor.members)?;
            if !self.compatible(&survivor_features, &other_id)? {
                continue;
            }
            for moved in &other.members {
                self.set_record_work((&moved.source, &moved.identifier), &survivor_id)?;
            }
            survivor.members.append(&mut other.members);
            survivor.merges.append(&mut other.merges);
            survivor.merges.push(reason);
            survivor.aliases.push(other_id.clone());
            survivor.aliases.append(&mut other.aliases);
            other.merged_into = Some(survivor_id.clone());
            other.fields = None;
            other.datestamp = self.now.clone();
            self.save(other)?;
            self.report.works_merged += 1;
        }
        survivor.merges = current_reasons(std::mem::take(&mut survivor.merges), &member, &same_now);
        self.save(survivor)?;
        Ok(survivor_id)
    }

    /// Whether any member of `work` other than `record` still belongs to it.
    fn has_other_members(&self, work: &Work, record: (&str, &str)) -> Result<bool, StoreError> {
        for member in &work.members {
            let key = (member.source.as_str(), member.identifier.as_str());
            if key != record && self.record_work(key)?.as_deref() == Some(work.id.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether records with `features` can join work `id` without any pair called different.
    fn compatible(&mut self, features: &[Features], id: &str) -> Result<bool, StoreError> {
        let work: Work = self.load(id)?;
        let members = self.member_features(&work.members)?;
        Ok(!features.iter().any(|a| {
            members
                .iter()
                .any(|b| matches!(dedup::compare(a, b), Verdict::Different { .. }))
        }))
    }

    fn member_features(&mut self, members: &[Member]) -> Result<Vec<Features>, StoreError> {
        let mut out = Vec::with_capacity(members.len());
        for member in members {
            if let Some(stored) = self.features((&member.source, &member.identifier))? {
                out.push(stored.features.clone());
            }
        }
        Ok(out)
    }

    /// A work as this batch has it: changed and not yet written, or as stored.
    fn get(&mut self, id: &str) -> Result<Option<Work>, StoreError> {
        if let Some(work) = self.pending.get(id) {
            return Ok(Some(work.clone()));
        }
        let work: Option<Work> = match self.prefetched.works.remove(id) {
            Some(work) => Some(work),
            None => self.tx.work(id)?,
        };
        if let Some(work) = &work {
            self.liveness.entry(id.to_owned()).or_insert(work.is_live());
        }
        Ok(work)
    }

    fn load(&mut self, id: &str) -> Result<Work, StoreError> {
        self.get(id)?.ok_or_else(|| StoreError::Corrupt {
            table: "works",
            error: format!("work {id} is referenced but missing"),
        })
    }

    /// Keeps a changed work for [`Batch::flush`].
    fn save(&mut self, work: Work) -> Result<(), StoreError> {
        self.pending.insert(work.id.clone(), work);
        Ok(())
    }

    /// Writes the works this batch changed, each once, keeping the live/deleted counts and the
    /// feed index right.
    fn flush(&mut self) -> Result<(), StoreError> {
        for (id, work) in std::mem::take(&mut self.pending) {
            self.works_written += 1;
            write_work(self.tx, &work, self.liveness.get(&id).copied())?;
        }
        // A changed record mostly joins the work it left: only the rows that differ in the
        // end are written.
        for (key, work) in std::mem::take(&mut self.moved) {
            let record = (key.0.as_str(), key.1.as_str());
            let committed = match self.prefetched.record_work.get(&key) {
                Some(committed) => committed.clone(),
                None => self.tx.record_work(record)?,
            };
            match work {
                _ if work == committed => {}
                Some(work) => self.tx.set_record_work(record, &work)?,
                None => self.tx.remove_record_work(record)?,
            }
        }
        Ok(())
    }

    /// Recomputes a work whose members changed: its members, connectivity, fields.
    fn refresh(&mut self, id: &str) -> Result<(), StoreError> {
        let mut work: Work = self.load(id)?;
        if work.merged_into.is_some() {
            return Ok(());
        }
        let mut members = Vec::new();
        for member in std::mem::take(&mut work.members) {
            if self
                .record_work((&member.source, &member.identifier))?
                .as_deref()
                == Some(id)
                && !members.contains(&member)
            {
                members.push(member);
            }
        }
        members.sort();
        if members.is_empty() {
            if !work.deleted {
                work.deleted = true;
                work.fields = None;
                work.merges.clear();
                work.datestamp = self.now.clone();
                self.report.works_deleted += 1;
            }
            return self.save(work);
        }
        // A record that left may have been the only link between the others: split if so.
        let groups = self.regroup(&members)?;
        let mut groups = groups.into_iter();
        let kept = groups.next().unwrap_or_default();
        for group in groups {
            let new_id = self.tx.new_work_id()?;
            for member in &group {
                self.set_record_work((&member.source, &member.identifier), &new_id)?;
            }
            let split = Work {
                id: new_id,
                datestamp: self.now.clone(),
                deleted: false,
                merged_into: None,
                aliases: Vec::new(),
                merges: work
                    .merges
                    .iter()
                    .filter(|m| group.contains(&m.a) && group.contains(&m.b))
                    .cloned()
                    .collect(),
                members: group,
                fields: None,
            };
            self.report.works_created += 1;
            self.finish(split)?;
        }
        work.merges
            .retain(|m| kept.contains(&m.a) && kept.contains(&m.b));
        work.members = kept;
        work.deleted = false;
        if !self.created.contains(&work.id) {
            self.report.works_changed += 1;
        }
        self.finish(work)
    }

    /// Groups members by the links dedup finds between them, largest group first.
    fn regroup(&mut self, members: &[Member]) -> Result<Vec<Vec<Member>>, StoreError> {
        if members.len() < 2 {
            return Ok(vec![members.to_vec()]);
        }
        let mut features = Vec::new();
        let mut keys = Vec::new();
        for member in members {
            let stored = self
                .features((&member.source, &member.identifier))?
                .ok_or_else(|| StoreError::Corrupt {
                    table: "record_features",
                    error: format!("no features for {}:{}", member.source, member.identifier),
                })?;
            features.push(stored.features.clone());
            // Within one work every pair is worth comparing: give all members one shared key.
            keys.push([dedup::BlockKey::unbounded("work")]);
        }
        let clustering = dedup::cluster(&features, &keys);
        let mut groups: Vec<Vec<Member>> = clustering
            .groups
            .iter()
            .map(|group| group.iter().map(|&i| members[i].clone()).collect())
            .collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Ok(groups)
    }

    /// Fills a work's fields from its members and saves it.
    fn finish(&mut self, mut work: Work) -> Result<(), StoreError> {
        let mut loaded: Vec<(Member, SourceInfo, Analysed)> = Vec::new();
        for member in &work.members {
            let key = (member.source.clone(), member.identifier.clone());
            let info = self.sources.get(&member.source);
            let analysed = match self.analysed.remove(&key) {
                Some(analysed) => Some(analysed),
                None => self
                    .tx
                    .record(&member.source, &member.identifier)?
                    .and_then(|record| analyse(&record, &info, self.thesaurus)),
            };
            if let Some(analysed) = analysed {
                loaded.push((member.clone(), info, analysed));
            }
        }
        let data: Vec<MemberData<'_>> = loaded
            .iter()
            .map(|(member, info, analysed)| MemberData {
                source: &member.source,
                identifier: &member.identifier,
                role: info.role,
                region: info.region.as_deref(),
                normalized: &analysed.normalized,
                classification: &analysed.classification,
            })
            .collect();
        work.fields = (!data.is_empty()).then(|| fields::build(&data));
        work.datestamp = self.now.clone();
        let result = self.save(work);
        // Keep the analyses of this batch for other works that may need them.
        for (member, _, analysed) in loaded {
            self.analysed
                .insert((member.source, member.identifier), analysed);
        }
        result
    }
}
