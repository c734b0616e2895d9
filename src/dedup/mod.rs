//! Deduplication: which normalised records describe the same work. Pure: features and keys of
//! records in, groups and the reasons that built them out. The `works` stage applies it to the
//! store.

mod cluster;
mod compare;
mod distance;
mod eval;
mod keys;
mod sketch;

pub use cluster::{Clustering, Link, cluster};
pub use compare::{AuthorKey, Features, Verdict, compare};
pub use eval::{
    EvalLineError, EvalRecord, EvalReport, LabelledRecord, PairError, PairScores, evaluate,
    pair_scores, prepare_lines,
};
pub use keys::{BlockKey, block_limit, blocking_keys, strong_ids};
pub use sketch::Sketch;
