//! The values the store keeps besides records: checkpoints, harvest runs, counts. Serialised as
//! JSON inside redb so they stay readable with any redb tool and evolve with serde defaults.

use serde::{Deserialize, Serialize};

use crate::map::Record;

/// Where a source's harvesting stands. Saved in the same transaction as each page's records, so
/// after a crash it always describes exactly what is stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Checkpoint {
    /// The `until` of the last harvest that completed (repository clock, at the repository's
    /// granularity): the next incremental harvest asks `from` here.
    pub watermark: Option<String>,
    /// A harvest that started and has not completed.
    pub active: Option<ActiveHarvest>,
}

/// An unfinished harvest: enough to resume it after a crash or a failure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActiveHarvest {
    pub run_id: u64,
    pub full: bool,
    /// The list request's `from` and `until`, fixed for the whole harvest so a resumed or
    /// restarted list asks for exactly the same records.
    pub from: Option<String>,
    pub until: Option<String>,
    /// Index in the source's `sets` of the set being harvested (0 when there are no sets).
    pub set_index: usize,
    /// The resumption token to ask for next within the current set; `None` starts the set's
    /// list from the beginning. For dumps, the name of the next file.
    pub token: Option<String>,
    pub started_at: String,
    pub counters: RunCounters,
}

/// Counts of one harvest run. `unchanged` records were received again but were identical to
/// what was stored, so nothing was rewritten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunCounters {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub rejected: u64,
    pub pages: u64,
    pub requests: u64,
    pub retries: u64,
}

impl RunCounters {
    pub fn add(&mut self, other: &RunCounters) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.deleted += other.deleted;
        self.rejected += other.rejected;
        self.pages += other.pages;
        self.requests += other.requests;
        self.retries += other.retries;
    }

    /// Records received in this run, whatever became of them.
    pub fn received(&self) -> u64 {
        self.new + self.updated + self.unchanged + self.deleted + self.rejected
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Complete,
    /// Stopped by a protocol problem the harvester refuses to paper over (a resumption token
    /// loop): what was received is kept, the watermark does not move.
    Incomplete,
    Failed,
}

impl RunStatus {
    /// The name used in JSON and in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Complete => "complete",
            RunStatus::Incomplete => "incomplete",
            RunStatus::Failed => "failed",
        }
    }
}

/// One harvest run in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub source: String,
    pub run_id: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: RunStatus,
    pub error: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub full: bool,
    /// Times this run was resumed after an interruption.
    #[serde(default)]
    pub resumed: u32,
    #[serde(flatten)]
    pub counters: RunCounters,
}

/// A record as stored, for listings and later pipeline stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub source: String,
    pub identifier: String,
    pub datestamp: String,
    pub deleted: bool,
    pub format: Option<String>,
    pub sets: Vec<String>,
    pub record: Option<Record>,
    pub raw: Option<String>,
}

/// A record kept aside because it could not be mapped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReject {
    pub source: String,
    pub identifier: Option<String>,
    pub datestamp: Option<String>,
    pub reason: String,
    pub raw: String,
}

/// Per-source counts, maintained transactionally with the records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCounts {
    /// Live (not deleted) records.
    pub records: u64,
    pub deleted_records: u64,
    pub rejected_records: u64,
    /// Records and rejects a harvest staged and has not settled yet (`Store::settle`): a
    /// staging run's, or what a crash left for the next run or works update.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub staged_records: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// What `essor stats` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub sources: u64,
    pub records: u64,
    pub deleted_records: u64,
    pub rejected_records: u64,
    /// See [`SourceCounts::staged_records`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub staged_records: u64,
    /// Live works (deduplicated records).
    pub works: u64,
    /// Works with no live record left, and works merged into another (both published as deleted).
    pub deleted_works: u64,
    pub by_source: std::collections::BTreeMap<String, SourceStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceStats {
    #[serde(flatten)]
    pub counts: SourceCounts,
    pub last_harvest: Option<RunRecord>,
}
