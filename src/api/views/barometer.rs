//! The published barometer (`/api/v1/barometer/…`): an edition with its provenance, its volumes
//! and its findings (each with its evidence), and the list of editions. Built from the stored
//! `barometer::Edition`, field by field, so the stored shape can change without this contract.

use serde::Serialize;
use utoipa::ToSchema;

use crate::barometer::{
    Changes, Edition, EditionStatus, ExampleWork, Finding, NewlyActive, Note, Row, Side,
    SideStatus, Table,
};

/// An edition in the list of editions.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerEditionSummary)]
pub struct EditionSummaryView {
    /// `2026-S1` (January–June) or `2026-S2` (July–December).
    pub id: String,
    /// `published` (frozen) or `draft`.
    pub status: String,
    pub built_at: String,
    /// Research works of the edition's semester.
    pub works: u32,
    /// Where the edition is: `/api/v1/barometer/{id}`.
    pub href: String,
}

impl From<&Edition> for EditionSummaryView {
    fn from(edition: &Edition) -> EditionSummaryView {
        EditionSummaryView {
            id: edition.id.to_string(),
            status: status(edition.status).to_owned(),
            built_at: edition.built_at.clone(),
            works: edition.research.works.last().copied().unwrap_or(0),
            href: format!("/api/v1/barometer/{}", edition.id),
        }
    }
}

fn status(status: EditionStatus) -> &'static str {
    match status {
        EditionStatus::Draft => "draft",
        EditionStatus::Published => "published",
    }
}

/// An edition of the trends barometer: one semester and the seven before it. `emerging` is the
/// research side's rising themes and terms, strongest first (the same as `research.emerging`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerEdition)]
pub struct EditionView {
    pub id: String,
    /// `published` (frozen: never rebuilt) or `draft`.
    pub status: String,
    pub built_at: String,
    /// The semesters every `counts` list follows, oldest first, ending with the edition's.
    pub window: Vec<String>,
    pub emerging: Vec<FindingView>,
    pub research: SideView,
    pub teaching: SideView,
    pub changes: ChangesView,
    pub parameters: ParametersView,
    pub provenance: ProvenanceView,
    /// Where the method is explained.
    pub methodology: String,
}

impl From<&Edition> for EditionView {
    fn from(edition: &Edition) -> EditionView {
        let research = SideView::from(&edition.research);
        EditionView {
            id: edition.id.to_string(),
            status: status(edition.status).to_owned(),
            built_at: edition.built_at.clone(),
            window: edition.window.iter().map(ToString::to_string).collect(),
            emerging: research.emerging.clone(),
            research,
            teaching: SideView::from(&edition.teaching),
            changes: ChangesView::from(&edition.changes),
            parameters: ParametersView {
                semesters: edition.parameters.semesters as u32,
                min_support: edition.parameters.min_support,
                min_sources: edition.parameters.min_sources,
                min_score: edition.parameters.min_score,
                min_current_works: edition.parameters.min_current_works,
                min_baseline_works: edition.parameters.min_baseline_works,
            },
            provenance: ProvenanceView {
                essor_version: edition.provenance.essor_version.clone(),
                sources: edition
                    .provenance
                    .sources
                    .iter()
                    .map(|s| SourceRecordsView {
                        source: s.source.clone(),
                        records: s.records,
                    })
                    .collect(),
                works: edition.provenance.works,
                works_cursor: edition.provenance.works_cursor,
            },
            methodology: "docs/barometer.md".to_owned(),
        }
    }
}

/// The method's settings the edition was computed with.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerParameters)]
pub struct ParametersView {
    pub semesters: u32,
    pub min_support: u32,
    pub min_sources: u32,
    /// G² threshold (15.13: p < 0.0001).
    pub min_score: f64,
    pub min_current_works: u32,
    pub min_baseline_works: u32,
}

/// What the edition was computed from.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerProvenance)]
pub struct ProvenanceView {
    pub essor_version: String,
    pub sources: Vec<SourceRecordsView>,
    pub works: u64,
    pub works_cursor: u64,
}

// A source and its live records when the edition was built.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerSourceRecords)]
pub struct SourceRecordsView {
    pub source: String,
    pub records: u64,
}

/// One side (research or teaching): volumes, findings and plain notes.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerSide)]
pub struct SideView {
    /// `ok`, `too-little-data` (volumes only) or `no-data`.
    pub status: String,
    /// Works per semester, all sources.
    pub works: Vec<u32>,
    /// Works per semester from the established sources (what findings are computed on).
    pub covered_works: Vec<u32>,
    pub year_only_works: u32,
    pub established_sources: Vec<String>,
    pub excluded_sources: Vec<ExcludedSourceView>,
    pub notes: Vec<NoteView>,
    pub tables: Vec<TableView>,
    pub emerging: Vec<FindingView>,
    pub declining: Vec<FindingView>,
    pub newly_active: Vec<NewlyActiveView>,
}

impl From<&Side> for SideView {
    fn from(side: &Side) -> SideView {
        SideView {
            status: match side.status {
                SideStatus::Ok => "ok",
                SideStatus::TooLittleData => "too-little-data",
                SideStatus::NoData => "no-data",
            }
            .to_owned(),
            works: side.works.clone(),
            covered_works: side.covered_works.clone(),
            year_only_works: side.year_only_works,
            established_sources: side.established_sources.clone(),
            excluded_sources: side
                .excluded_sources
                .iter()
                .map(|s| ExcludedSourceView {
                    source: s.source.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            notes: side.notes.iter().map(NoteView::from).collect(),
            tables: side.tables.iter().map(TableView::from).collect(),
            emerging: side.emerging.iter().map(FindingView::from).collect(),
            declining: side.declining.iter().map(FindingView::from).collect(),
            newly_active: side
                .newly_active
                .iter()
                .map(NewlyActiveView::from)
                .collect(),
        }
    }
}

// A source left out of the findings: `new` (nothing before) or `silent` (nothing now).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerExcludedSource)]
pub struct ExcludedSourceView {
    pub source: String,
    pub reason: String,
}

/// A plain statement in French and English.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerNote)]
pub struct NoteView {
    pub code: String,
    pub fr: String,
    pub en: String,
}

impl From<&Note> for NoteView {
    fn from(note: &Note) -> NoteView {
        NoteView {
            code: note.code.clone(),
            fr: note.fr.clone(),
            en: note.en.clone(),
        }
    }
}

/// Volumes of one dimension (`theme`, `type`, `discipline`, `region`, `institution`; on the
/// teaching side also `level`, the certification level: `eqf-3` … `eqf-8`, `none`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerTable)]
pub struct TableView {
    pub dimension: String,
    pub rows: Vec<RowView>,
    pub rows_left_out: u64,
}

impl From<&Table> for TableView {
    fn from(table: &Table) -> TableView {
        TableView {
            dimension: table.dimension.clone(),
            rows: table.rows.iter().map(RowView::from).collect(),
            rows_left_out: table.rows_left_out as u64,
        }
    }
}

/// One value's works per semester, and its growth (0.25 = +25 %; absent when too few works).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerRow)]
pub struct RowView {
    pub key: String,
    pub label: String,
    pub counts: Vec<u32>,
    pub covered_counts: Vec<u32>,
    pub growth: Option<f64>,
}

impl From<&Row> for RowView {
    fn from(row: &Row) -> RowView {
        RowView {
            key: row.key.clone(),
            label: row.label.clone(),
            counts: row.counts.clone(),
            covered_counts: row.covered_counts.clone(),
            growth: row.growth,
        }
    }
}

/// A rising or falling theme or term with its evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerFinding)]
pub struct FindingView {
    /// `term` or `theme`.
    pub kind: String,
    /// The grouping key (stems, sorted) or the theme id.
    pub key: String,
    /// How the term is most often written, or the theme's French label.
    pub term: String,
    /// Other writings (the other language), or the theme's English label.
    pub variants: Vec<String>,
    /// G² against the earlier semesters (higher is stronger).
    pub score: f64,
    /// Works per semester of the window, established sources only.
    pub counts: Vec<u32>,
    /// Per thousand works of the edition's semester, and of the semesters before.
    pub share_current: f64,
    pub share_before: f64,
    pub sources: u32,
    pub examples: Vec<ExampleWorkView>,
}

impl From<&Finding> for FindingView {
    fn from(finding: &Finding) -> FindingView {
        FindingView {
            kind: finding.kind.clone(),
            key: finding.key.clone(),
            term: finding.term.clone(),
            variants: finding.variants.clone(),
            score: finding.score,
            counts: finding.counts.clone(),
            share_current: finding.share_current,
            share_before: finding.share_before,
            sources: finding.sources,
            examples: finding.examples.iter().map(ExampleWorkView::from).collect(),
        }
    }
}

/// A work given as evidence, with its REST link.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerExampleWork)]
pub struct ExampleWorkView {
    pub id: String,
    pub title: String,
    pub href: String,
}

impl From<&ExampleWork> for ExampleWorkView {
    fn from(work: &ExampleWork) -> ExampleWorkView {
        ExampleWorkView {
            id: work.id.clone(),
            title: work.title.clone(),
            href: format!("/api/v1/works/{}", work.id),
        }
    }
}

/// An institution or region with works this semester and none before in the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerNewlyActive)]
pub struct NewlyActiveView {
    pub dimension: String,
    pub key: String,
    pub label: String,
    pub works: u32,
    pub examples: Vec<ExampleWorkView>,
}

impl From<&NewlyActive> for NewlyActiveView {
    fn from(active: &NewlyActive) -> NewlyActiveView {
        NewlyActiveView {
            dimension: active.dimension.clone(),
            key: active.key.clone(),
            label: active.label.clone(),
            works: active.works,
            examples: active.examples.iter().map(ExampleWorkView::from).collect(),
        }
    }
}

/// Against the previous semester's edition (`previous` absent when there is none).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = BarometerChanges)]
pub struct ChangesView {
    pub previous: Option<String>,
    pub new_emerging: Vec<String>,
    pub no_longer_emerging: Vec<String>,
    pub notes: Vec<NoteView>,
}

impl From<&Changes> for ChangesView {
    fn from(changes: &Changes) -> ChangesView {
        ChangesView {
            previous: changes.previous.map(|p| p.to_string()),
            new_emerging: changes.new_emerging.clone(),
            no_longer_emerging: changes.no_longer_emerging.clone(),
            notes: changes.notes.iter().map(NoteView::from).collect(),
        }
    }
}
