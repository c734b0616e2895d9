//! The command line's arguments (`args.rs`) and its longer commands, apart from the dispatch
//! (`main.rs`). Part of the binary, not of the library: what they compute comes from the
//! library, they only print it.

pub mod args;
pub mod backup;
pub mod barometer;
pub mod bench;
pub mod check;
pub mod dedup_eval;
pub mod output;
pub mod run;
pub mod sources;
pub mod store_check;
