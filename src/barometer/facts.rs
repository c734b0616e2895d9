//! A work reduced to what the barometer counts: its semester, sources, type, discipline,
//! institution, regions, themes and terms. Pure: stored works go in, facts come out.
//!
//! Works are read from the store as [`WorkRow`] (and, for the coverage pass, [`CoverageRow`]):
//! the few fields of `works::Work` the barometer needs, under the same names, so that decoding
//! skips the rest (authors, identifiers, merge reasons, theme matches) instead of building it.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::Semester;
use super::regions::canonical_region;
use super::terms::WorkTerms;
use crate::normalize::PartialDate;
use crate::vocab::DegreeType;

/// The slug of training programmes, the teaching side's record type.
pub const TRAINING_SLUG: &str = DegreeType::TrainingProgramme.slug();

/// A stored work as the barometer reads it (field names are `works::Work`'s).
#[derive(Debug, Deserialize)]
pub struct WorkRow {
    id: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    merged_into: Option<IgnoredAny>,
    members: Vec<MemberRow>,
    #[serde(default)]
    fields: Option<FieldsRow>,
}

/// A stored work as the coverage pass reads it: liveness, sources and date only.
#[derive(Debug, Deserialize)]
pub struct CoverageRow {
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    merged_into: Option<IgnoredAny>,
    members: Vec<MemberRow>,
    #[serde(default)]
    fields: Option<DateRow>,
}

#[derive(Debug, Deserialize)]
struct MemberRow {
    source: String,
}

/// `works::Sourced<T>`: the value, its sources skipped.
#[derive(Debug, Deserialize)]
struct Value<T> {
    value: T,
}

#[derive(Debug, Deserialize)]
struct TextRow {
    text: String,
}

#[derive(Debug, Deserialize)]
struct ThemeRow {
    theme: String,
}

#[derive(Debug, Deserialize)]
struct DateRow {
    #[serde(default)]
    date: Option<Value<PartialDate>>,
}

#[derive(Debug, Deserialize)]
struct FieldsRow {
    #[serde(default)]
    title: Option<Value<TextRow>>,
    #[serde(default)]
    titles: Vec<Value<TextRow>>,
    degree_type: Value<DegreeType>,
    #[serde(default)]
    discipline: Option<Value<String>>,
    #[serde(default)]
    level: Option<Value<u8>>,
    #[serde(default)]
    institution: Option<Value<String>>,
    #[serde(default)]
    date: Option<Value<PartialDate>>,
    #[serde(default)]
    abstracts: Vec<Value<TextRow>>,
    #[serde(default)]
    keywords: Vec<Value<TextRow>>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    themes: Vec<ThemeRow>,
}

/// What the barometer counts of one live work placed in a semester.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkFacts {
    pub id: String,
    pub title: String,
    pub semester: Semester,
    /// Sources of its member records, sorted, distinct.
    pub sources: Vec<String>,
    pub degree_type: DegreeType,
    pub discipline: Option<String>,
    /// Certification level (EQF 1 to 8), training programmes.
    pub level: Option<u8>,
    pub institution: Option<String>,
    /// ISO 3166-2, one code per region (see `regions::canonical_region`).
    pub regions: Vec<String>,
    /// Theme ids.
    pub themes: Vec<String>,
    /// Its terms among the candidate findings (the evidence pass fills them; empty otherwise).
    pub terms: WorkTerms,
}

impl WorkFacts {
    /// A training programme (the teaching side) rather than research.
    pub fn is_teaching(&self) -> bool {
        self.degree_type == DegreeType::TrainingProgramme
    }
}

/// Where a work falls with respect to a window of semesters.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    Placed(Box<WorkFacts>),
    /// Live, dated by its year only, a year of the window: counted apart.
    YearOnly {
        teaching: bool,
    },
    /// Not live, undated, or outside the window.
    Outside,
}

/// The semester of a live work's date within `first..=last`, or where else it falls.
enum Dated {
    In(Semester),
    YearOnly,
    Outside,
}

fn dated(date: Option<&PartialDate>, first: Semester, last: Semester) -> Dated {
    let Some(date) = date else {
        return Dated::Outside;
    };
    match Semester::of_date(date) {
        Some(semester) if semester >= first && semester <= last => Dated::In(semester),
        Some(_) => Dated::Outside,
        None if (first.year()..=last.year()).contains(&date.year) => Dated::YearOnly,
        None => Dated::Outside,
    }
}

fn distinct_sources(members: Vec<MemberRow>) -> Vec<String> {
    let sources: BTreeSet<String> = members.into_iter().map(|member| member.source).collect();
    sources.into_iter().collect()
}

/// The semester and sources of a live work of the window `first..=last` (the coverage pass).
pub fn cover(
    work: CoverageRow,
    first: Semester,
    last: Semester,
) -> Option<(Semester, Vec<String>)> {
    if work.deleted || work.merged_into.is_some() {
        return None;
    }
    let date = work.fields?.date.map(|date| date.value);
    match dated(date.as_ref(), first, last) {
        Dated::In(semester) => Some((semester, distinct_sources(work.members))),
        Dated::YearOnly | Dated::Outside => None,
    }
}

/// The texts a work's terms are read from (titles, keywords, abstracts), moved out of its row:
/// the caller reads them as it needs (every term's hash to count, or the candidate findings'
/// writings).
#[derive(Debug, Default)]
pub struct WorkTexts(Vec<String>);

impl WorkTexts {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// Places a work in the window `first..=last`, with its texts when it is placed (its facts'
/// `terms` are left empty: the caller reads them from the texts).
pub fn place(work: WorkRow, first: Semester, last: Semester) -> (Placement, WorkTexts) {
    if work.deleted || work.merged_into.is_some() {
        return (Placement::Outside, WorkTexts::default());
    }
    let Some(fields) = work.fields else {
        return (Placement::Outside, WorkTexts::default());
    };
    let degree_type = fields.degree_type.value;
    let semester = match dated(fields.date.as_ref().map(|date| &date.value), first, last) {
        Dated::In(semester) => semester,
        Dated::YearOnly => {
            let teaching = degree_type == DegreeType::TrainingProgramme;
            return (Placement::YearOnly { teaching }, WorkTexts::default());
        }
        Dated::Outside => return (Placement::Outside, WorkTexts::default()),
    };
    let regions: BTreeSet<&str> = fields.regions.iter().map(|r| canonical_region(r)).collect();
    let regions = regions.into_iter().map(str::to_owned).collect();
    let texts = fields
        .titles
        .into_iter()
        .chain(fields.keywords)
        .chain(fields.abstracts)
        .map(|text| text.value.text)
        .collect();
    let facts = WorkFacts {
        id: work.id,
        title: fields
            .title
            .map(|title| title.value.text)
            .unwrap_or_default(),
        semester,
        sources: distinct_sources(work.members),
        degree_type,
        discipline: fields.discipline.map(|d| d.value),
        level: fields.level.map(|level| level.value),
        institution: fields.institution.map(|i| i.value),
        regions,
        themes: fields.themes.into_iter().map(|t| t.theme).collect(),
        terms: WorkTerms::default(),
    };
    (Placement::Placed(Box::new(facts)), WorkTexts(texts))
}
