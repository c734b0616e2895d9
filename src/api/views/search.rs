//! The published search results (`/api/v1/works`: a page of work summaries with facet counts)
//! and totals (`/api/v1/stats`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::export::Summary;
use crate::index::{Facet, Facets};

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorksPage {
    /// Works matching the query and filters, on all pages: counted when `total_exact`, else
    /// estimated (more than 1,000 matches, no facets, no `total=exact`).
    pub total: u64,
    /// Whether `total` was counted rather than estimated.
    pub total_exact: bool,
    pub items: Vec<SummaryView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The facets asked for with `facets`, and only those (an empty object by default).
    pub facets: FacetCounts,
}

/// Counts of the matching works by value (most frequent first, at most 50; years in order),
/// for each facet asked.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FacetCounts {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Vec<FacetValue>>,
}

// A value of a facet and how many works have it (the schema has no description).
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

impl FacetValue {
    /// The counts of one facet, in the order the index gives them.
    pub fn list(counts: &[(String, u64)]) -> Vec<FacetValue> {
        counts
            .iter()
            .map(|(value, count)| FacetValue {
                value: value.clone(),
                count: *count,
            })
            .collect()
    }
}

impl FacetCounts {
    /// The counts of the facets in `asked`.
    pub fn asked(f: &Facets, asked: &[Facet]) -> FacetCounts {
        let list = |facet: Facet, counts: &[(String, u64)]| {
            asked.contains(&facet).then(|| FacetValue::list(counts))
        };
        FacetCounts {
            r#type: list(Facet::Type, &f.r#type),
            year: list(Facet::Year, &f.year),
            theme: list(Facet::Theme, &f.theme),
            region: list(Facet::Region, &f.region),
            institution: list(Facet::Institution, &f.institution),
            language: list(Facet::Language, &f.language),
        }
    }
}

/// Totals and distributions of the live works.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub works: u64,
    pub deleted_works: u64,
    /// Live records harvested (a work has one or more).
    pub records: u64,
    pub sources: u64,
    pub by_year: Vec<FacetValue>,
    pub by_type: Vec<FacetValue>,
    pub by_theme: Vec<FacetValue>,
    pub by_region: Vec<FacetValue>,
}

impl Stats {
    /// The store's totals, and the distributions of the facets of every live work.
    pub fn new(stored: &crate::store::Stats, facets: &Facets) -> Stats {
        Stats {
            works: stored.works,
            deleted_works: stored.deleted_works,
            records: stored.records,
            sources: stored.sources,
            by_year: FacetValue::list(&facets.year),
            by_type: FacetValue::list(&facets.r#type),
            by_theme: FacetValue::list(&facets.theme),
            by_region: FacetValue::list(&facets.region),
        }
    }
}

// A work in a page of results: the flat fields of its summary (the schema has no description).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Summary)]
pub struct SummaryView {
    /// Stable work id (`w` and eight digits).
    pub id: String,
    pub title: Option<String>,
    /// "Given Family", in the order of the chosen source.
    pub authors: Vec<String>,
    pub advisors: Vec<String>,
    pub year: Option<i32>,
    /// Defence or publication date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `doctoral-thesis`, `masters-dissertation`, `hdr`, `report-study`, `training-programme` or `other`.
    #[serde(rename = "type")]
    pub r#type: String,
    pub discipline: Option<String>,
    pub institution: Option<String>,
    /// ISO 639-1.
    pub language: Option<String>,
    /// `open`, `embargoed`, `restricted` or `unknown`.
    pub access: String,
    pub licence: Option<String>,
    /// ESS theme ids (`cooperatives`, `solidarity-finance`, …), most relevant first.
    pub themes: Vec<String>,
    /// ESS relevance, 0 to 1.
    pub relevance: Option<f32>,
    /// ISO 3166-2 codes.
    pub regions: Vec<String>,
    pub keywords: Vec<String>,
    /// The first abstract (in the work's language when there are several).
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    /// `kind:value` (`nnt:2019REN20001`, `doi:10.…`, `hal:tel-…`, `handle:…`, `url:…`).
    pub identifiers: Vec<String>,
    pub doi: Option<String>,
    /// Where to read the work: DOI, HAL, theses.fr, handle, then any URL.
    pub url: Option<String>,
    /// Sources the work's records come from.
    pub sources: Vec<String>,
    pub members: Vec<SummaryMemberView>,
    /// The work's last change (UTC).
    pub datestamp: String,
}

impl From<Summary> for SummaryView {
    fn from(summary: Summary) -> SummaryView {
        SummaryView {
            id: summary.id,
            title: summary.title,
            authors: summary.authors,
            advisors: summary.advisors,
            year: summary.year,
            date: summary.date,
            r#type: summary.r#type,
            discipline: summary.discipline,
            institution: summary.institution,
            language: summary.language,
            access: summary.access,
            licence: summary.licence,
            themes: summary.themes,
            relevance: summary.relevance,
            regions: summary.regions,
            keywords: summary.keywords,
            abstract_text: summary.abstract_text,
            identifiers: summary.identifiers,
            doi: summary.doi,
            url: summary.url,
            sources: summary.sources,
            members: summary
                .members
                .into_iter()
                .map(|m| SummaryMemberView {
                    source: m.source,
                    identifier: m.identifier,
                })
                .collect(),
            datestamp: summary.datestamp,
        }
    }
}

/// A record of a source that the work was built from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = SummaryMember)]
pub struct SummaryMemberView {
    pub source: String,
    /// The record's OAI identifier in that source.
    pub identifier: String,
}
