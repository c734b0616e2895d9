//! A work flattened for people: the fields a data journalist reads first, each a plain value
//! (provenance and merge reasons stay in the full work). The CSV columns, the JSON lines of
//! `essor export` and the REST API's search results all come from it.

use serde::Serialize;

use crate::normalize::{IdKind, Identifier, Person};
use crate::vocab::{DegreeType, Lang};
use crate::works::Work;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
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
    pub members: Vec<SummaryMember>,
    /// The work's last change (UTC).
    pub datestamp: String,
    #[serde(skip)]
    pub type_label: String,
    /// "Family, Given", as citations want them.
    #[serde(skip)]
    pub cited_authors: Vec<String>,
    #[serde(skip)]
    pub cited_advisors: Vec<String>,
}

/// A record of a source that the work was built from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryMember {
    pub source: String,
    /// The record's OAI identifier in that source.
    pub identifier: String,
}

fn cited(person: &Person) -> String {
    match &person.given {
        Some(given) => format!("{}, {given}", person.family),
        None => person.family.clone(),
    }
}

fn kind_name(id: &Identifier) -> String {
    serde_json::to_value(id.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn summary(work: &Work) -> Summary {
    let fields = work.fields.as_ref();
    let people = |list: Option<&Vec<Person>>, f: fn(&Person) -> String| -> Vec<String> {
        list.map(|l| l.iter().map(f).collect()).unwrap_or_default()
    };
    let authors = fields.and_then(|f| f.authors.as_ref()).map(|a| &a.value);
    let advisors = fields.and_then(|f| f.advisors.as_ref()).map(|a| &a.value);
    let identifiers: Vec<&Identifier> = fields
        .map(|f| f.identifiers.iter().map(|i| &i.value).collect())
        .unwrap_or_default();
    let url = [
        IdKind::Doi,
        IdKind::Hal,
        IdKind::Nnt,
        IdKind::Handle,
        IdKind::Url,
    ]
    .iter()
    .find_map(|kind| identifiers.iter().find(|i| i.kind == *kind))
    .map(|i| i.uri());
    let degree = fields.map_or(DegreeType::Other, |f| f.degree_type.value);
    let mut sources: Vec<String> = work.members.iter().map(|m| m.source.clone()).collect();
    sources.sort();
    sources.dedup();
    let language = fields
        .and_then(|f| f.language.as_ref())
        .map(|l| l.value.clone());
    let abstract_text = fields.and_then(|f| {
        f.abstracts
            .iter()
            .find(|a| a.value.lang.is_some() && a.value.lang == language)
            .or(f.abstracts.first())
            .map(|a| a.value.text.clone())
    });
    Summary {
        id: work.id.clone(),
        title: fields
            .and_then(|f| f.title.as_ref())
            .map(|t| t.value.text.clone()),
        authors: people(authors, |p| p.display.clone()),
        advisors: people(advisors, |p| p.display.clone()),
        year: fields.and_then(|f| f.date.as_ref()).map(|d| d.value.year),
        date: fields.and_then(|f| f.date.as_ref()).map(|d| d.value.iso()),
        r#type: degree.slug().to_owned(),
        discipline: fields
            .and_then(|f| f.discipline.as_ref())
            .map(|d| d.value.clone()),
        institution: fields
            .and_then(|f| f.institution.as_ref())
            .map(|d| d.value.clone()),
        language,
        access: fields
            .and_then(|f| serde_json::to_value(f.access.value).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".into()),
        licence: fields
            .and_then(|f| f.licence.as_ref())
            .map(|l| l.value.clone()),
        themes: fields
            .map(|f| f.themes.iter().map(|t| t.theme.clone()).collect())
            .unwrap_or_default(),
        relevance: fields.map(|f| f.relevance),
        regions: fields.map(|f| f.regions.clone()).unwrap_or_default(),
        keywords: fields
            .map(|f| f.keywords.iter().map(|k| k.value.text.clone()).collect())
            .unwrap_or_default(),
        abstract_text,
        identifiers: identifiers
            .iter()
            .map(|i| format!("{}:{}", kind_name(i), i.value))
            .collect(),
        doi: identifiers
            .iter()
            .find(|i| i.kind == IdKind::Doi)
            .map(|i| i.value.clone()),
        url,
        sources,
        members: work
            .members
            .iter()
            .map(|m| SummaryMember {
                source: m.source.clone(),
                identifier: m.identifier.clone(),
            })
            .collect(),
        datestamp: work.datestamp.clone(),
        type_label: degree.label(Lang::Fr).to_owned(),
        cited_authors: people(authors, cited),
        cited_advisors: people(advisors, cited),
    }
}
