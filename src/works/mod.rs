//! Works: the records of every source normalised, classified and deduplicated into works, kept
//! in the store. Follows the store's change log from its own cursor, so a harvest that changed
//! 100 records costs work for those 100 (and the works they touch), not for the whole store.
//!
//! Invariants:
//! - a live record is in exactly one work; a deleted (or filtered-out) record is in none;
//! - work ids never change; a merged-away id stays as an alias (`merged_into`), a work with no
//!   record left stays as a tombstone, both with the datestamp of that change;
//! - a batch of changes is applied in one store transaction, with the cursor that follows it.
//!
//! The way through: [`update`] (`update.rs`) follows the change log a batch at a time; the
//! batch's records are analysed on all cores (`analyse.rs`: normalise, classify, dedup features
//! and keys), unless a [`PreAnalysis`] analysed them while the harvest wrote their page
//! (`pre_analysis.rs`), while `prefetch.rs` reads ahead what the batch will look up; a [`Batch`]
//! (`batch.rs`) applies them in one transaction: each changed record leaves its work and is
//! attached to the work(s) dedup finds it the same as (`attach.rs`, merging the works it
//! bridges), then the works it touched are regrouped and their fields rebuilt (`regroup.rs`,
//! `fields.rs`). The first update of a store takes `fresh.rs` instead; `essor works rebuild`
//! takes `rederive.rs` (every work derived again, ids kept; written by `rewrite.rs`).

mod analyse;
mod attach;
mod batch;
mod clusters;
mod fields;
mod fresh;
mod model;
mod pre_analysis;
mod prefetch;
mod prepared;
mod rederive;
mod regroup;
mod rewrite;
mod stored_compare;
pub mod sets;
#[cfg(test)]
mod tests;
mod update;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use fields::MemberData;
pub use fresh::{builds_from_scratch, is_fresh};
pub use model::{Member, MergeReason, Sourced, Work, WorkFields};
pub use pre_analysis::PreAnalysis;
pub use rederive::{Rederivation, rederive};
pub use update::{UpdateReport, build_from_scratch, update};

use crate::dedup::Features;
use crate::source::{Source, SourceRole};
use crate::store::{
    EncodedWork, FeaturesRow, FeedEntry, FeedSpan, RecordKey, RecordOrigin, RenderedRecords, Store,
    StoreError, WorksTx,
};

/// The version of the rules that derive a work's fields but its themes and relevance from its
/// records (normalisation, `fields.rs`, the work's JSON): the store says which version derived
/// its works ([`crate::store::WorksDerived`]), and `essor works rebuild` keeps the fields of
/// works derived by this one after a change of the thesaurus alone. A change there must bump it
/// (`the_fields_rules_version_follows_the_fields_derived` pins the labelled set's fields).
pub const FIELDS_RULES: u32 = 1;

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
    /// Whether source `id`'s settings are known (it has a source file or a registration).
    pub fn knows(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

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

    /// Whether source `id` keeps a record only above an ESS relevance (the thesaurus then
    /// decides which of its records make works).
    fn filters_by_relevance(&self, source: &str) -> bool {
        self.0
            .get(source)
            .is_some_and(|info| info.min_relevance.is_some())
    }

    /// A digest of every source's settings, stable across runs and builds (FNV-1a over them in
    /// source order): the store keeps the one its works' fields were derived with
    /// ([`crate::store::WorksDerived`]).
    pub fn digest(&self) -> u64 {
        let mut sources: Vec<(&String, &SourceInfo)> = self.0.iter().collect();
        sources.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut digest = crate::fnv::Fnv1a::default();
        let mut add = |bytes: &[u8]| {
            digest.write(bytes);
            digest.write(&[0xff]);
        };
        for (id, info) in sources {
            add(id.as_bytes());
            add(&[info.role as u8]);
            for text in [&info.institution, &info.region] {
                match text {
                    Some(text) => add(text.as_bytes()),
                    None => add(&[0xfe]),
                }
            }
            add(&info.min_relevance.map_or([0xff; 4], f32::to_le_bytes));
        }
        digest.finish()
    }

    /// Source `id`'s role, as [`SourceInfos::get`] gives it.
    fn role(&self, source: &str) -> SourceRole {
        self.0
            .get(source)
            .map_or(SourceRole::InstitutionalRepository, |info| info.role)
    }

    /// Source `id`'s region, as [`SourceInfos::get`] gives it (without copying the source's
    /// settings for each member of each work).
    fn region(&self, source: &str) -> Option<&str> {
        self.0.get(source).and_then(|info| info.region.as_deref())
    }

    /// The ESS relevance below which source `id` keeps no record, if it has one.
    fn min_relevance(&self, source: &str) -> Option<f32> {
        self.0.get(source).and_then(|info| info.min_relevance)
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

/// Renders what the OAI feed serves of a work, to be stored beside its feed entry in the
/// transaction that writes the work. The feed implements it; the pipeline hands it to
/// [`update`] (the works stage sits below the feed and does not know its formats).
pub trait RecordRenderer: Sync {
    /// The work's records, one per format (none for a work that is not live), under its feed
    /// `entry`; `origins` are its members' (`None`: a record no longer stored).
    fn render(
        &self,
        work: &Work,
        entry: &FeedEntry,
        origins: &[(RecordKey, Option<RecordOrigin>)],
    ) -> RenderedRecords;
}

/// Takes the works a build from scratch makes, a slice at a time as each is made ready to
/// write: the search index is built from them on the other cores while the works are written,
/// instead of reading every work back once all are (`index::Beside`; the works stage sits below
/// the index and does not know it). Handed before their transaction commits: the index commits
/// nothing before the build's last, durable transaction has, so a crash or an error leaves it
/// as it was either way.
pub trait BuiltWorks: Sync {
    /// The works of one slice, in the order they are written.
    fn made(&self, works: Vec<Work>);
    /// A transaction has committed its works: the feed key (datestamp, sequence) of the last
    /// work committed so far.
    fn stored(&self, feed_key: (u64, u64));
}

/// Takes the works each batch of an incremental update writes as soon as they are made, before
/// the batch writes them, and hears whether its transaction committed: the search index makes
/// their documents and prepares its commit while the store writes and commits them, and
/// commits only once the store has (`index::Following`; the works stage sits below the index
/// and does not know it).
pub trait StagedWorks: Sync {
    /// The works a batch is about to write, in the order it writes them; `after_sequence` is
    /// the last feed sequence given out before the batch's transaction
    /// ([`FeedSpan::after_sequence`]). Called inside that transaction, before its writes, which
    /// read the same works (shared, not copied).
    fn stage(&self, works: Arc<[Work]>, after_sequence: u64);
    /// How the batch's transaction ended, after every batch, staged or not: the entries it
    /// added to the list of all works if it committed (durably) and moved a work, else `None`.
    fn committed(&self, span: Option<FeedSpan>);
}

/// Writes a work (with its feed entry, under the sets it belongs to, and the feed's records of
/// it when a `renderer` is given); `was` is its liveness before, for the counts. The incremental
/// path and `essor works rebuild` write works through here; a build from scratch encodes them
/// off the writer thread and inserts their rows (`prepared.rs`).
pub fn write_work(
    tx: &mut WorksTx<'_>,
    work: &Work,
    was: Option<bool>,
    renderer: Option<&dyn RecordRenderer>,
) -> Result<(), StoreError> {
    write_encoded_work(tx, work, &Encoded::of(work), was)?;
    if let Some(renderer) = renderer
        && let Some((entry, origins)) = render_inputs(tx, work)?
    {
        tx.put_feed_records(&work.id, renderer.render(work, &entry, &origins))?;
    }
    Ok(())
}

/// What writing a work computes from it alone, before the store is touched: its row and the
/// OAI sets it is filed under. Pure, so a change batch makes them on another thread while it
/// writes its features and block entries ([`batch::Batch`]'s flush), and a fresh build's
/// preparing thread while the writer inserts the slice before (`prepared.rs`).
pub(crate) struct Encoded {
    row: EncodedWork,
    sets: Option<Vec<String>>,
}

impl Encoded {
    pub(crate) fn of(work: &Work) -> Encoded {
        Encoded {
            row: EncodedWork::of(work),
            sets: sets::set_specs(work),
        }
    }
}

/// [`write_work`] of a work [`Encoded`] already, without its feed records (the batch leaves
/// those to the server).
pub(crate) fn write_encoded_work(
    tx: &mut WorksTx<'_>,
    work: &Work,
    encoded: &Encoded,
    was: Option<bool>,
) -> Result<(), StoreError> {
    tx.put_encoded_work(
        &work.id,
        &encoded.row,
        was,
        work.is_live(),
        &work.datestamp,
        encoded.sets.as_deref(),
    )
}

/// The members' records and where each came from (`None`: no longer stored), as the renderer
/// takes them.
type Origins = Vec<(RecordKey, Option<RecordOrigin>)>;

/// What rendering the feed records of `work` (written already) reads: its feed entry and its
/// members' origins; `None` for a work the feed holds no records of (not live).
fn render_inputs(
    tx: &WorksTx<'_>,
    work: &Work,
) -> Result<Option<(FeedEntry, Origins)>, StoreError> {
    if !work.is_live() {
        return Ok(None);
    }
    let Some(entry) = tx.feed_entry(&work.id)? else {
        return Ok(None);
    };
    let origins = tx.origins(work.members.iter().map(|m| m.key().into()).collect())?;
    Ok(Some((entry, origins)))
}

/// Leaves the feed records of a bulk path's works (written without them), from the first live
/// one, `first_live`, on, to be rendered later when the feed keeps records (`renderer` given):
/// `essor serve` renders them in the background ([`WorksTx::defer_feed_records`]), and the feed
/// serves these works from the works until then. Rendering them here was an eighth of a fresh
/// build's CPU at 100,000 records (on all cores, beside the writes; DEFLATE of their gzip copies
/// a fifth before that moved to the server too), on the way to searchable works.
pub(super) fn defer_feed_records(
    tx: &mut WorksTx<'_>,
    first_live: Option<&str>,
    renderer: Option<&dyn RecordRenderer>,
) -> Result<(), StoreError> {
    match first_live {
        Some(first) if renderer.is_some() => tx.defer_feed_records(first),
        _ => Ok(()),
    }
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFeatures {
    features: Features,
    keys: Vec<String>,
}

impl StoredFeatures {
    /// The row [`StoredFeatures`] of `features` and `keys` is stored as, encoded without
    /// owning them: a build from scratch encodes each row on the core that mined it, before
    /// the features move on to the clustering.
    fn row(features: &Features, keys: &[String]) -> Result<FeaturesRow, StoreError> {
        /// [`StoredFeatures`] borrowed: its fields in the same order, so the same bytes.
        #[derive(Serialize)]
        struct Borrowed<'a> {
            features: &'a Features,
            keys: &'a [String],
        }
        FeaturesRow::of(&Borrowed { features, keys })
    }
}

/// Dedup features by record, kept across the batches of one update (bounded): read ahead by
/// `prefetch.rs`, written through by `batch.rs`.
type FeatureCache = HashMap<crate::store::RecordKey, std::sync::Arc<StoredFeatures>>;
/// Beyond this many cached records the cache starts afresh (about 1 KiB each).
const CACHE_RECORDS: usize = 1_000_000;
