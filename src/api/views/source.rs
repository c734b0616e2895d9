//! The published source (`/api/v1/sources`): its configuration as users wrote it, with the
//! store's counts and its last harvest run.

use serde::Serialize;
use utoipa::ToSchema;

use super::registration::{RegistrationStatusView, ValidationReportView};
use crate::source::{Source, SourceRole};
use crate::store::{
    Registration, RegistrationStatus, RunCounters, RunRecord, RunStatus, SourceCounts, Stats,
};

/// A source with its counts and last harvest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceInfo {
    pub id: String,
    pub name: String,
    /// OAI-PMH base URL (absent for local dumps).
    pub base_url: Option<String>,
    pub metadata_prefix: String,
    pub sets: Vec<String>,
    pub institution: Option<String>,
    /// ISO 3166-2.
    pub region: Option<String>,
    pub homepage: Option<String>,
    pub role: SourceRoleView,
    pub enabled: bool,
    /// Seconds between scheduled harvests.
    pub harvest_every_seconds: Option<u64>,
    pub counts: SourceCountsView,
    pub last_harvest: Option<RunRecordView>,
    /// Registered through the API: where it stands and its validation (absent for the
    /// configured sources of `harvest-sources/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationHealthView>,
}

/// A registered repository's public record: its status and dates, the validation report it
/// was registered with (and its median response time). The contact e-mail is not published.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RegistrationHealth)]
pub struct RegistrationHealthView {
    pub status: RegistrationStatusView,
    /// RFC 3339, UTC.
    pub registered_at: String,
    pub approved_at: Option<String>,
    pub status_changed_at: String,
    /// The median answer time at validation, in milliseconds.
    pub median_response_ms: Option<u64>,
    /// The last harvest's error, if it did not complete.
    pub last_error: Option<String>,
    /// Harvests that failed in a row (0 after one that did not fail): the next one waits a
    /// minute after the first failure, then twice as long after each, up to the interval.
    pub consecutive_failures: u32,
    /// A harvest is running now.
    pub harvesting: bool,
    /// When the next scheduled harvest starts (RFC 3339, UTC; now or past when due at once);
    /// absent while the repository is not active or is being harvested.
    pub next_harvest: Option<String>,
    /// Live works with at least one record from this repository.
    pub works: u64,
    pub report: Option<ValidationReportView>,
}

/// What the scheduler and the search index know of a registered repository, beside the
/// store's counts.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// Its harvest interval.
    pub every: std::time::Duration,
    pub plan: crate::schedule::Plan,
    pub harvesting: bool,
    pub works: u64,
}

/// A page of a source's harvest runs, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RunsPage)]
pub struct RunsPage {
    pub items: Vec<RunRecordView>,
    /// Runs of this source in all.
    pub total: usize,
    /// The `offset` of the next page; absent on the last one.
    pub next_offset: Option<usize>,
}

impl RunsPage {
    /// Runs `offset..offset + limit` of `runs` (oldest first, as the store lists them),
    /// newest first.
    pub fn of(runs: &[RunRecord], limit: usize, offset: usize) -> RunsPage {
        let items: Vec<RunRecordView> = runs
            .iter()
            .rev()
            .skip(offset)
            .take(limit)
            .map(RunRecordView::from)
            .collect();
        let end = offset.saturating_add(items.len());
        RunsPage {
            total: runs.len(),
            next_offset: (end < runs.len() && !items.is_empty()).then_some(end),
            items,
        }
    }
}

impl SourceInfo {
    /// A configured source with what the store knows of it (zero counts before its first
    /// harvest).
    pub fn new(source: &Source, stats: &Stats) -> SourceInfo {
        let stored = stats.by_source.get(source.id.as_str());
        SourceInfo {
            id: source.id.to_string(),
            name: source.name.clone(),
            base_url: source.base_url().map(|u| u.to_string()),
            metadata_prefix: source.metadata_prefix.clone(),
            sets: source.sets.clone(),
            institution: source.institution.clone(),
            region: source.region.clone(),
            homepage: source.homepage.clone(),
            role: SourceRoleView::from(source.role),
            enabled: source.enabled,
            harvest_every_seconds: source.harvest_every.map(|d| d.as_secs()),
            counts: SourceCountsView::from(&stored.map(|s| s.counts).unwrap_or_default()),
            last_harvest: stored
                .and_then(|s| s.last_harvest.as_ref())
                .map(RunRecordView::from),
            registration: None,
        }
    }

    /// A repository registered through the API, with what the store knows of it.
    pub fn registered(
        registration: &Registration,
        stats: &Stats,
        scheduled: &Scheduled,
    ) -> SourceInfo {
        let stored = stats.by_source.get(registration.id.as_str());
        let report = crate::registry::report_of(registration);
        let role = match registration.role.as_str() {
            "open-archive" => SourceRoleView::OpenArchive,
            "thesis-catalogue" => SourceRoleView::ThesisCatalogue,
            "observatory" => SourceRoleView::Observatory,
            _ => SourceRoleView::InstitutionalRepository,
        };
        SourceInfo {
            id: registration.id.clone(),
            name: registration.name.clone(),
            base_url: Some(registration.base_url.clone()),
            metadata_prefix: registration.metadata_prefix.clone(),
            sets: registration.sets.clone(),
            institution: Some(registration.institution.clone()),
            region: Some(registration.region.clone()),
            homepage: None,
            role,
            enabled: registration.status == RegistrationStatus::Active,
            harvest_every_seconds: Some(scheduled.every.as_secs()),
            counts: SourceCountsView::from(&stored.map(|s| s.counts).unwrap_or_default()),
            last_harvest: stored
                .and_then(|s| s.last_harvest.as_ref())
                .map(RunRecordView::from),
            registration: Some(RegistrationHealthView {
                status: registration.status.into(),
                registered_at: registration.registered_at.clone(),
                approved_at: registration.approved_at.clone(),
                status_changed_at: registration.status_changed_at.clone(),
                median_response_ms: report.as_ref().map(|r| r.median_response_ms),
                last_error: stored
                    .and_then(|s| s.last_harvest.as_ref())
                    .and_then(|run| run.error.clone()),
                consecutive_failures: scheduled.plan.failures,
                harvesting: scheduled.harvesting,
                next_harvest: (registration.status == RegistrationStatus::Active
                    && !scheduled.harvesting)
                    .then(|| {
                        scheduled
                            .plan
                            .next
                            .map_or_else(crate::store::now_rfc3339, |at| {
                                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                            })
                    }),
                works: scheduled.works,
                report: report.as_ref().map(ValidationReportView::from),
            }),
        }
    }
}

/// What kind of repository a source is. When several sources describe one work, each field is
/// taken from the most authoritative source that has it, in this order (doctoral metadata is
/// catalogued by theses.fr, deposited in HAL, mirrored by institutions, cited by observatories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SourceRole)]
#[serde(rename_all = "kebab-case")]
pub enum SourceRoleView {
    ThesisCatalogue,
    OpenArchive,
    InstitutionalRepository,
    Observatory,
}

impl From<SourceRole> for SourceRoleView {
    fn from(role: SourceRole) -> SourceRoleView {
        match role {
            SourceRole::ThesisCatalogue => SourceRoleView::ThesisCatalogue,
            SourceRole::OpenArchive => SourceRoleView::OpenArchive,
            SourceRole::InstitutionalRepository => SourceRoleView::InstitutionalRepository,
            SourceRole::Observatory => SourceRoleView::Observatory,
        }
    }
}

/// Per-source counts, maintained transactionally with the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SourceCounts)]
pub struct SourceCountsView {
    /// Live (not deleted) records.
    pub records: u64,
    pub deleted_records: u64,
    pub rejected_records: u64,
}

impl From<&SourceCounts> for SourceCountsView {
    fn from(counts: &SourceCounts) -> SourceCountsView {
        SourceCountsView {
            records: counts.records,
            deleted_records: counts.deleted_records,
            rejected_records: counts.rejected_records,
        }
    }
}

/// One harvest run in the history.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RunRecord)]
pub struct RunRecordView {
    pub source: String,
    pub run_id: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: RunStatusView,
    pub error: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub full: bool,
    /// Times this run was resumed after an interruption.
    #[serde(default)]
    pub resumed: u32,
    #[serde(flatten)]
    pub counters: RunCountersView,
}

impl From<&RunRecord> for RunRecordView {
    fn from(run: &RunRecord) -> RunRecordView {
        RunRecordView {
            source: run.source.clone(),
            run_id: run.run_id,
            started_at: run.started_at.clone(),
            finished_at: run.finished_at.clone(),
            status: RunStatusView::from(run.status),
            error: run.error.clone(),
            from: run.from.clone(),
            until: run.until.clone(),
            full: run.full,
            resumed: run.resumed,
            counters: RunCountersView::from(&run.counters),
        }
    }
}

// How a harvest run ended, or that it is running (the schema has no description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RunStatus)]
#[serde(rename_all = "lowercase")]
pub enum RunStatusView {
    Running,
    Complete,
    Incomplete,
    Failed,
}

impl From<RunStatus> for RunStatusView {
    fn from(status: RunStatus) -> RunStatusView {
        match status {
            RunStatus::Running => RunStatusView::Running,
            RunStatus::Complete => RunStatusView::Complete,
            RunStatus::Incomplete => RunStatusView::Incomplete,
            RunStatus::Failed => RunStatusView::Failed,
        }
    }
}

/// Counts of one harvest run. `unchanged` records were received again but were identical to
/// what was stored, so nothing was rewritten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RunCounters)]
#[serde(default)]
pub struct RunCountersView {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub rejected: u64,
    pub pages: u64,
    pub requests: u64,
    pub retries: u64,
}

impl From<&RunCounters> for RunCountersView {
    fn from(counters: &RunCounters) -> RunCountersView {
        RunCountersView {
            new: counters.new,
            updated: counters.updated,
            unchanged: counters.unchanged,
            deleted: counters.deleted,
            rejected: counters.rejected,
            pages: counters.pages,
            requests: counters.requests,
            retries: counters.retries,
        }
    }
}
