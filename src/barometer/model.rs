//! What an edition holds, as frozen in the store: its provenance, its parameters, and for each
//! side (research, teaching) the volumes, the findings with their evidence and plain notes.
//! The REST views in `src/api/views/` publish these; renaming a field here changes stored
//! editions, so fields are only ever added (with `serde(default)`).

use serde::{Deserialize, Serialize};

use super::Semester;

/// An edition of the barometer: one semester, computed once and then frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edition {
    /// `2026-S1`.
    pub id: Semester,
    pub status: EditionStatus,
    /// When it was computed (UTC, RFC 3339).
    pub built_at: String,
    /// The semesters it covers, oldest first, ending with its own.
    pub window: Vec<Semester>,
    pub parameters: Parameters,
    pub provenance: Provenance,
    /// Research works (theses, dissertations, reports…).
    pub research: Side,
    /// Training programmes (record type `training`).
    pub teaching: Side,
    /// What changed since the edition of the semester before, when there is one.
    pub changes: Changes,
}

/// A draft (its semester has not ended, or it may be rebuilt with `--force`) or published
/// (frozen: never rebuilt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditionStatus {
    Draft,
    Published,
}

/// The method's settings, recorded in every edition (the methodology is `docs/barometer.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// Semesters in the window, the edition's included (default 8).
    pub semesters: usize,
    /// Works of the edition's semester a term or theme needs to be a finding.
    pub min_support: u32,
    /// Distinct established sources those works must come from.
    pub min_sources: u32,
    /// G² (log-likelihood, one degree of freedom) a finding must reach: 15.13 is p < 0.0001.
    pub min_score: f64,
    /// Works of established sources the edition's semester needs for any finding.
    pub min_current_works: u32,
    /// Works of established sources the earlier semesters need together.
    pub min_baseline_works: u32,
    /// Works below which a row's growth is not given.
    pub min_row_works: u32,
    /// Findings listed per kind.
    pub max_findings: usize,
    /// Rows kept per table (the largest over the window).
    pub max_rows: usize,
    /// Example works per finding.
    pub examples: usize,
}

impl Default for Parameters {
    fn default() -> Parameters {
        Parameters {
            semesters: 8,
            min_support: 5,
            min_sources: 2,
            min_score: 15.13,
            min_current_works: 30,
            min_baseline_works: 60,
            min_row_works: 5,
            max_findings: 20,
            max_rows: 50,
            examples: 3,
        }
    }
}

/// What an edition was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub essor_version: String,
    /// Live records per source in the store when it was built.
    pub sources: Vec<SourceRecords>,
    /// Live works in the store.
    pub works: u64,
    /// The change-log position the works were up to date with.
    pub works_cursor: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecords {
    pub source: String,
    pub records: u64,
}

/// One side of the barometer (research or teaching): its volumes and findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub status: SideStatus,
    /// Works per semester of the window, all sources.
    pub works: Vec<u32>,
    /// Works per semester from the established sources only (what findings are computed on).
    pub covered_works: Vec<u32>,
    /// Works of the window's years dated by year only, which no semester can hold.
    pub year_only_works: u32,
    /// Sources with works both in the edition's semester and before it: only they count.
    pub established_sources: Vec<String>,
    /// Sources left out of the findings, and why.
    pub excluded_sources: Vec<ExcludedSource>,
    /// Plain statements in French and English (too little data, no data).
    pub notes: Vec<Note>,
    /// Volumes by theme, type, discipline, region, institution.
    pub tables: Vec<Table>,
    /// Rising themes and terms, strongest first.
    pub emerging: Vec<Finding>,
    /// Falling themes and terms, strongest first.
    pub declining: Vec<Finding>,
    /// Institutions and regions with works this semester and none before in the window.
    pub newly_active: Vec<NewlyActive>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SideStatus {
    /// Enough data: findings are computed.
    Ok,
    /// Some works, too few for findings: tables only.
    TooLittleData,
    /// No work at all in the window.
    NoData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedSource {
    pub source: String,
    /// `new` (no work before the edition's semester) or `silent` (none in it).
    pub reason: String,
}

/// A statement for readers, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Stable slug (`too-little-data`, `no-data`, `new-sources`…).
    pub code: String,
    pub fr: String,
    pub en: String,
}

/// Volumes of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// `theme`, `type`, `discipline`, `region`, `institution`; and `level` (certification
    /// level: `eqf-3` to `eqf-8`, `none`) on the teaching side.
    pub dimension: String,
    pub rows: Vec<Row>,
    /// Rows left out beyond `max_rows`.
    pub rows_left_out: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    /// Works per semester of the window, all sources.
    pub counts: Vec<u32>,
    /// Works per semester, established sources only.
    pub covered_counts: Vec<u32>,
    /// The edition's semester against the mean of the earlier ones, established sources only
    /// (0.25 = +25 %); `None` when there are too few works to say.
    pub growth: Option<f64>,
}

/// A rising or falling theme or term, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `term` or `theme`.
    pub kind: String,
    /// The grouping key (stems, sorted) or the theme id.
    pub key: String,
    /// How it is most often written (a term), or its French label (a theme).
    pub term: String,
    /// Other writings (the other language, variants), or the English label of a theme.
    pub variants: Vec<String>,
    /// G² against the earlier semesters of the window (higher is stronger).
    pub score: f64,
    /// Works per semester of the window, established sources only.
    pub counts: Vec<u32>,
    /// Share of the edition's semester's works, and of the earlier semesters' (per thousand).
    pub share_current: f64,
    pub share_before: f64,
    /// Distinct established sources of the edition's semester's works.
    pub sources: u32,
    pub examples: Vec<ExampleWork>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleWork {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewlyActive {
    /// `institution` or `region`.
    pub dimension: String,
    pub key: String,
    pub label: String,
    /// Works in the edition's semester.
    pub works: u32,
    pub examples: Vec<ExampleWork>,
}

/// Against the previous semester's edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The edition compared with; `None` when there is none in the store.
    pub previous: Option<Semester>,
    /// Research findings (keys) emerging now and not then.
    pub new_emerging: Vec<String>,
    /// Research findings emerging then and not now.
    pub no_longer_emerging: Vec<String>,
    pub notes: Vec<Note>,
}
