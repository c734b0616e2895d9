//! Loading and analysing records, on all cores: the costly part of an update (normalising,
//! classifying), done before a batch's transaction opens.

use super::{SourceInfo, SourceInfos};
use crate::classify::{Classification, Thesaurus};
use crate::dedup::{self, Features};
use crate::normalize::{self, Normalized};
use crate::store::{RecordKey, Store, StoreError, StoredRecord};

/// A record normalised, classified and ready for dedup.
pub(super) struct Analysed {
    pub normalized: Normalized,
    pub classification: Classification,
    pub features: Features,
    /// Blocking keys, sorted.
    pub keys: Vec<String>,
}

/// Normalises and classifies a stored record; `None` if it makes no work (deleted, unmapped,
/// or below its source's ESS relevance threshold).
pub(super) fn analyse(
    record: &StoredRecord,
    info: &SourceInfo,
    thesaurus: &Thesaurus,
) -> Option<Analysed> {
    if record.deleted {
        return None;
    }
    let mapped = record.record.as_ref()?;
    let normalized = normalize::normalize(mapped, &context(record, info));
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

/// What normalisation knows of a record's origin.
fn context<'a>(record: &'a StoredRecord, info: &'a SourceInfo) -> normalize::Context<'a> {
    normalize::Context {
        source: &record.source,
        identifier: &record.identifier,
        format: record.format.as_deref(),
        sets: &record.sets,
        institution: info.institution.as_deref(),
        region: info.region.as_deref(),
    }
}

/// Maps slices of `items` on all cores (a thread per core, each a contiguous slice) and joins
/// the results in order.
pub(super) fn on_all_cores<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&[T]) -> Result<Vec<R>, StoreError> + Sync,
) -> Result<Vec<R>, StoreError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    on_threads(items, cores, work)
}

/// Maps `threads` contiguous slices of `items` on threads of their own and joins the results
/// in order.
pub(super) fn on_threads<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&[T]) -> Result<Vec<R>, StoreError> + Sync,
) -> Result<Vec<R>, StoreError> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| StoreError::corrupt("records", "a works thread panicked"))??;
            all.extend(part);
        }
        Ok(all)
    })
}

/// Loads and analyses records on all cores (it is the costly part: normalising, classifying).
pub(super) fn analyse_all(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Analysed>)>, StoreError> {
    on_all_cores(keys, |part| {
        store.records_mapped(part, |key, record| {
            let analysed =
                record.and_then(|record| analyse(&record, &sources.get(key.source()), thesaurus));
            (key.clone(), analysed)
        })
    })
}

/// A record's dedup features and its blocking keys (sorted).
pub(super) type DedupFeatures = (Features, Vec<String>);

/// Only what the clustering compares (features and blocking keys) of each record, on all
/// cores: dedup reads titles, authors, date, degree type and identifiers, which
/// `normalize_for_dedup` gives as `normalize` does, without abstracts, keywords, language or
/// the thesaurus. A record of a source with an ESS relevance threshold is classified in full,
/// since it makes a work only above it. `None` as [`analyse`].
pub(super) fn dedup_features_all(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<DedupFeatures>)>, StoreError> {
    on_all_cores(keys, |part| {
        store.records_mapped(part, |key, record| {
            let info = sources.get(key.source());
            let features = record.and_then(|record| {
                if info.min_relevance.is_some() {
                    let analysed = analyse(&record, &info, thesaurus)?;
                    return Some((analysed.features, analysed.keys));
                }
                if record.deleted {
                    return None;
                }
                let mapped = record.record.as_ref()?;
                let normalized = normalize::normalize_for_dedup(mapped, &context(&record, &info));
                Some((Features::of(&normalized), dedup::blocking_keys(&normalized)))
            });
            (key.clone(), features)
        })
    })
}
