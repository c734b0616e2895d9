//! A work reduced to what the barometer counts: its semester, sources, type, discipline,
//! institution, regions, themes and terms. Pure: the store's works go in, facts come out.

use std::collections::BTreeSet;

use super::Semester;
use super::regions::canonical_region;
use super::terms::{Term, work_terms};
use crate::works::Work;

/// The slug of training programmes, the teaching side's record type.
pub const TRAINING_SLUG: &str = crate::vocab::DegreeType::TrainingProgramme.slug();

/// What the barometer counts of one live work placed in a semester.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkFacts {
    pub id: String,
    pub title: String,
    pub semester: Semester,
    /// Sources of its member records, sorted, distinct.
    pub sources: Vec<String>,
    /// `vocab::DegreeType` slug.
    pub degree_type: String,
    pub discipline: Option<String>,
    pub institution: Option<String>,
    /// ISO 3166-2, one code per region (see `regions::canonical_region`).
    pub regions: Vec<String>,
    /// Theme ids.
    pub themes: Vec<String>,
    /// Empty unless asked for (the coverage pass does not need them).
    pub terms: Vec<Term>,
}

impl WorkFacts {
    /// A training programme (the teaching side) rather than research.
    pub fn is_teaching(&self) -> bool {
        self.degree_type == TRAINING_SLUG
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

/// Places a work in the window `first..=last`; terms are read only when `with_terms`.
pub fn place(work: &Work, first: Semester, last: Semester, with_terms: bool) -> Placement {
    let Some(fields) = work.fields.as_ref().filter(|_| work.is_live()) else {
        return Placement::Outside;
    };
    let Some(date) = fields.date.as_ref().map(|date| &date.value) else {
        return Placement::Outside;
    };
    let degree_type = fields.degree_type.value.slug().to_owned();
    let Some(semester) = Semester::of_date(date) else {
        if (first.year()..=last.year()).contains(&date.year) {
            return Placement::YearOnly {
                teaching: degree_type == TRAINING_SLUG,
            };
        }
        return Placement::Outside;
    };
    if semester < first || semester > last {
        return Placement::Outside;
    }
    let sources: BTreeSet<&str> = work.members.iter().map(|m| m.source.as_str()).collect();
    let regions: BTreeSet<&str> = fields.regions.iter().map(|r| canonical_region(r)).collect();
    let title = fields
        .title
        .as_ref()
        .map(|title| title.value.text.clone())
        .unwrap_or_default();
    let terms = if with_terms {
        let titles = fields
            .titles
            .iter()
            .map(|t| (t.value.text.as_str(), t.value.lang.as_deref()));
        let keywords = fields
            .keywords
            .iter()
            .map(|k| (k.value.text.as_str(), k.value.lang.as_deref()));
        let abstracts = fields
            .abstracts
            .iter()
            .map(|a| (a.value.text.as_str(), a.value.lang.as_deref()));
        work_terms(titles.chain(keywords).chain(abstracts))
    } else {
        Vec::new()
    };
    Placement::Placed(Box::new(WorkFacts {
        id: work.id.clone(),
        title,
        semester,
        sources: sources.into_iter().map(str::to_owned).collect(),
        degree_type,
        discipline: fields.discipline.as_ref().map(|d| d.value.clone()),
        institution: fields.institution.as_ref().map(|i| i.value.clone()),
        regions: regions.into_iter().map(str::to_owned).collect(),
        themes: fields.themes.iter().map(|t| t.theme.clone()).collect(),
        terms,
    }))
}
