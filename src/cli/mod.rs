//! The command line's longer commands, apart from argument parsing (`main.rs`). Part of the
//! binary, not of the library: what they compute comes from the library, they only print it.

pub mod backup;
pub mod barometer;
pub mod bench;
pub mod check;
pub mod dedup_eval;
pub mod output;
pub mod sources;
pub mod store_check;
