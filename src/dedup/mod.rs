//! Deduplication: which normalised records describe the same work. Pure: features and keys of
//! records in, groups and the reasons that built them out. The `works` stage applies it to the
//! store.
//!
//! `features.rs` mines what is compared of a record, `compare.rs` decides on a pair; `keys.rs`
//! (blocking keys) and `sketch.rs` (the facts that part two records at a glance) say which pairs
//! are worth comparing; `cluster.rs` groups records from the verdicts; `eval.rs` measures it all
//! against labelled sets. `prefixes.rs` (document labels repositories add to titles) and
//! `places.rs` (a French–English gazetteer) prepare titles for comparison.

mod cluster;
mod compare;
mod distance;
mod eval;
mod features;
mod keys;
mod places;
mod prefixes;
mod sketch;

pub use cluster::{Clustering, Link, cluster};
pub use compare::{Verdict, compare};
pub use eval::{
    CaseScores, EvalLineError, EvalRecord, EvalReport, EvalSet, LabelledRecord, PairError,
    PairScores, evaluate, pair_scores,
};
pub use features::{AuthorKey, Features, strong_ids};
pub use keys::{BlockKey, block_limit, blocking_keys};
pub use sketch::Sketch;

/// Dedup's features and blocking keys (sorted) of a record, its titles and names read once for
/// both (`features::Shared`): what [`Features::of`] and [`blocking_keys`] give. Here, where both
/// halves meet, so that `features.rs` and `keys.rs` do not import each other.
pub fn mine(record: &crate::normalize::Normalized) -> (Features, Vec<String>) {
    let shared = features::Shared::of(record);
    let keys = keys::keys_of(record, &shared);
    (Features::from_shared(record, shared), keys)
}

/// The version of what dedup mines from a record: `Features::of`, `blocking_keys`, and what
/// `normalize::normalize_for_dedup` gives them. The store says which version mined its features
/// rows (`store::FeaturesMined`), and `essor works rebuild` reads the rows instead of mining
/// every record again only when it is this one: bump it with any change to those, or a rebuild
/// would cluster on features the new rules no longer give (the test
/// `the_dedup_rules_version_follows_the_features_mined` fails until it is bumped).
pub const RULES: u32 = 1;
