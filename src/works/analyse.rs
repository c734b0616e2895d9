//! Loading and analysing records, on all cores: the costly part of an update (normalising,
//! classifying), done before a batch's transaction opens.

use super::{SourceInfo, SourceInfos, StoredFeatures};
use crate::classify::{Classification, Thesaurus};
use crate::dedup::{self, BlockKey, Features};
use crate::normalize::{self, Normalized};
use crate::store::{FeaturesRow, RecordKey, Store, StoreError, StoredRecord};

/// A record normalised, classified and ready for dedup.
pub(super) struct Analysed {
    pub normalized: Normalized,
    pub classification: Classification,
    pub features: Features,
    /// Blocking keys, sorted.
    pub keys: Vec<String>,
}

/// A record normalised and classified: what a work's fields are built from. The bulk paths
/// (`fresh.rs`, `rederive.rs`) take it instead of [`Analysed`]: their features pass computed
/// the dedup features already, and mining them a second time was 4.7% of a fresh build's CPU
/// at 100,000 records (`Features::of` and the blocking keys were 45% of the full analysis).
pub(super) struct Described {
    pub normalized: Normalized,
    pub classification: Classification,
}

impl Analysed {
    /// What a work's fields are built from: the dedup features dropped.
    pub fn described(self) -> Described {
        Described {
            normalized: self.normalized,
            classification: self.classification,
        }
    }
}

/// Normalises and classifies a stored record; `None` if it makes no work (deleted, unmapped,
/// or below its source's ESS relevance threshold).
pub(super) fn analyse(
    record: &StoredRecord,
    info: &SourceInfo,
    thesaurus: &Thesaurus,
) -> Option<Analysed> {
    let Described {
        normalized,
        classification,
    } = describe(record, info, thesaurus)?;
    let (features, keys) = dedup::mine(&normalized);
    Some(Analysed {
        features,
        keys,
        normalized,
        classification,
    })
}

/// [`analyse`] without the dedup features.
pub(super) fn describe(
    record: &StoredRecord,
    info: &SourceInfo,
    thesaurus: &Thesaurus,
) -> Option<Described> {
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
    Some(Described {
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
                .map_err(|_| StoreError::thread("analysing records", "a thread panicked"))??;
            all.extend(part);
        }
        Ok(all)
    })
}

/// Maps `items` on all cores a few at a time: each thread takes the next `chunk` items left
/// until none is, and the results are joined in order. Where the items' costs vary (works of
/// one to dozens of records), no thread waits long for another at the end, as threads given
/// one contiguous half each may ([`on_threads`]).
pub(super) fn on_all_cores_pulled<T: Send, R: Send>(
    items: Vec<T>,
    chunk: usize,
    work: impl Fn(Vec<T>) -> Result<Vec<R>, StoreError> + Sync,
) -> Result<Vec<R>, StoreError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        parts.push(items.by_ref().take(chunk.max(1)).collect());
    }
    let done = crate::cores::map_pulled(parts, cores, work)
        .map_err(|_| StoreError::thread("analysing records", "a thread panicked"))?;
    let mut all = Vec::new();
    for part in done {
        all.extend(part?);
    }
    Ok(all)
}

/// Loads records on all cores and maps each (with its source's settings) by `each`; `None` for
/// a record no longer stored or that `each` finds makes no work.
fn map_all<R: Send>(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    each: impl Fn(&StoredRecord, &SourceInfo) -> Option<R> + Sync,
) -> Result<Vec<(RecordKey, Option<R>)>, StoreError> {
    on_all_cores(keys, |part| {
        store.records_mapped(part, |key, record| {
            let mapped = record.and_then(|record| each(&record, &sources.get(key.source())));
            (key.clone(), mapped)
        })
    })
}

/// Loads and analyses records on all cores (it is the costly part: normalising, classifying).
pub(super) fn analyse_all(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Analysed>)>, StoreError> {
    map_all(store, keys, sources, |record, info| {
        analyse(record, info, thesaurus)
    })
}

/// Loads, normalises and classifies records on all cores (the costly part of writing works).
pub(super) fn describe_all(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Described>)>, StoreError> {
    map_all(store, keys, sources, |record, info| {
        describe(record, info, thesaurus)
    })
}

/// [`describe_all`] on the calling thread alone, for work already spread over the cores.
pub(super) fn describe_here(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Described>)>, StoreError> {
    store.records_mapped(keys, |key, record| {
        let described =
            record.and_then(|record| describe(&record, &sources.get(key.source()), thesaurus));
        (key.clone(), described)
    })
}

/// Each record classified alone, on the calling thread (for work already spread over the
/// cores): what the thesaurus reads of it normalised as [`describe`] normalises it
/// (`normalize_for_classify`), then classified; `None` as [`describe`] (a record below its
/// source's ESS relevance threshold included). After a change of the thesaurus alone, a
/// rebuild keeps the other fields of a work whose records did not change.
pub(super) fn classify_here(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Classification>)>, StoreError> {
    store.records_mapped(keys, |key, record| {
        let classification = record.and_then(|record| {
            if record.deleted {
                return None;
            }
            let normalized = normalize::normalize_for_classify(record.record.as_ref()?);
            let classification = thesaurus.classify(&normalized);
            match sources
                .min_relevance(key.source())
                .is_some_and(|minimum| classification.relevance < minimum)
            {
                true => None,
                false => Some(classification),
            }
        });
        (key.clone(), classification)
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
    map_all(store, keys, sources, |record, info| {
        dedup_features(record, info, thesaurus)
    })
}

/// [`dedup_features_all`] of one record.
fn dedup_features(
    record: &StoredRecord,
    info: &SourceInfo,
    thesaurus: &Thesaurus,
) -> Option<DedupFeatures> {
    if info.min_relevance.is_some() {
        let analysed = analyse(record, info, thesaurus)?;
        return Some((analysed.features, analysed.keys));
    }
    if record.deleted {
        return None;
    }
    let mapped = record.record.as_ref()?;
    let normalized = normalize::normalize_for_dedup(mapped, &context(record, info));
    Some(dedup::mine(&normalized))
}

/// What a build from scratch keeps of a record it mined: all of it made on the core that mined
/// it, so that the features pass's writer only inserts rows, and the clustering's thread only
/// clusters.
pub(super) struct Mined {
    pub features: Features,
    /// The blocking keys hashed (their strings are dropped once in `row`).
    pub block_keys: Vec<BlockKey>,
    pub sketch: u64,
    /// The features row, encoded.
    pub row: FeaturesRow,
}

/// [`dedup_features_all`] for a build from scratch: each record's [`Mined`].
pub(super) fn mine_all(
    store: &Store,
    keys: &[RecordKey],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> Result<Vec<(RecordKey, Option<Mined>)>, StoreError> {
    let mined = map_all(store, keys, sources, |record, info| {
        mine(record, info, thesaurus)
    })?;
    mined
        .into_iter()
        .map(|(key, mined)| Ok((key, mined.transpose()?)))
        .collect()
}

/// One record's [`Mined`]; `None` as [`analyse`].
fn mine(
    record: &StoredRecord,
    info: &SourceInfo,
    thesaurus: &Thesaurus,
) -> Option<Result<Mined, StoreError>> {
    let (features, keys) = dedup_features(record, info, thesaurus)?;
    Some(StoredFeatures::row(&features, &keys).map(|row| Mined {
        block_keys: keys.iter().map(|key| BlockKey::of(key)).collect(),
        sketch: dedup::Sketch::of(&features).0,
        features,
        row,
    }))
}

#[cfg(test)]
mod tests {
    use super::on_all_cores_pulled;
    use crate::store::StoreError;

    #[test]
    fn parts_pulled_by_the_cores_are_joined_in_order_and_a_failure_is_told() {
        let items: Vec<u32> = (0..1_000).collect();
        for chunk in [1, 7, 1_000, 5_000] {
            let doubled = on_all_cores_pulled(items.clone(), chunk, |part| {
                Ok(part.into_iter().map(|item| 2 * item).collect())
            })
            .unwrap();
            assert_eq!(
                doubled,
                items.iter().map(|item| 2 * item).collect::<Vec<_>>()
            );
        }
        let none = on_all_cores_pulled(Vec::<u32>::new(), 3, Ok).unwrap();
        assert!(none.is_empty());
        let failed = on_all_cores_pulled(items, 10, |part| {
            if part.contains(&503) {
                return Err(StoreError::thread("testing", "part 50 fails"));
            }
            Ok(part)
        });
        assert!(failed.is_err());
    }
}
