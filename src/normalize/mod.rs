//! Normalisation: a harvested [`Record`], as any crosswalk left it, becomes the work model's
//! [`Normalized`] (persons split, dates parsed, languages and identifiers canonical, degree type
//! and access decided), with the problems met on the way. Pure: no I/O, no store, no clock; a
//! bad value is a [`Problem`] beside the result, never a failure.
//!
//! Also the keys dedup compares records on: [`title_key`], [`name_key`], [`fold`].
//!
//! One file per concern: `model.rs` (the types), the readers of one kind of value (`dates.rs`,
//! `degree.rs`, `identifiers.rs`, `languages.rs`, `names.rs`, `rights.rs`, `text.rs`), and the
//! gatherers that pick a field's values out of a whole record (`description.rs`,
//! `institution.rs`, `persons.rs`, `work_identifiers.rs`), and the places an institution's name
//! names (`region.rs`). This file puts them together.

mod dates;
mod degree;
mod description;
mod identifiers;
mod institution;
mod languages;
mod model;
mod names;
mod persons;
mod region;
mod rights;
mod text;
mod work_identifiers;

use crate::map::Record;

pub use dates::{DateError, PartialDate, best_date};
pub use degree::{DegreeType, certification_level, degree_type};
pub use identifiers::{IdKind, Identifier, IdentifierError};
pub use languages::{LanguageError, language_code};
pub use model::{Context, Normalized, Problem, Text, Title};
pub use names::{
    NameError, Person, canonical_person_id, is_organisation, name_key, name_key_folded,
};
pub use region::institution_regions;
pub use rights::{Access, Rights, licence_id, rights};
pub use text::{clean_text, fold, fold_into, strip_tags, title_key};
pub(crate) use text::{split_subtitle, words_key};

use dates::record_date;
use description::{abstracts, keywords, titles};
use institution::{HalCitation, hal_citation, institution};
use languages::{assume_language, language};
use persons::{advisors, authors};
use text::{clean_label, trim_label};
use work_identifiers::identifiers;

/// Normalises one record. Never fails: what cannot be read is reported in `problems`.
pub fn normalize(record: &Record, context: &Context<'_>) -> Normalized {
    let mut problems = Vec::new();
    let degree_type = degree_type(record, context.sets, context.format);

    let (authors, corporate_authors) = authors(record, &mut problems);
    if authors.is_empty() {
        problems.push(Problem::new("authors", "no author"));
    }
    let advisors = advisors(record, degree_type);

    let citations: Vec<HalCitation> = record
        .sources
        .iter()
        .filter_map(|s| hal_citation(s))
        .collect();
    let mut domain_hints = Vec::new();
    let keywords = keywords(&record.subjects, &mut domain_hints);

    let discipline = record
        .degree
        .as_ref()
        .and_then(|d| d.discipline.as_deref())
        .map(clean_label)
        .filter(|d| !d.is_empty())
        .or_else(|| citations.iter().find_map(|c| c.discipline.clone()))
        .or_else(|| domain_hints.first().cloned());

    let institution = institution(record, &citations, &corporate_authors, context);

    let date = record_date(record, &mut problems);

    let (titles, abstracts, language) = texts(record, &mut problems);

    let identifiers = identifiers(record, context, &mut problems);
    let rights = rights(
        record.rights.iter().map(String::as_str),
        record.dates.iter().map(String::as_str),
    );

    Normalized {
        titles,
        authors,
        advisors,
        degree_type,
        discipline,
        level: certification_level(record),
        institution,
        date,
        language,
        abstracts,
        keywords,
        identifiers,
        access: rights.access,
        embargo_until: rights.embargo_until,
        licence: rights.licence,
        problems,
    }
}

/// A record's titles and abstracts, each with its language (the record's language, found
/// from them, assumed for the first untagged one), and that language: one place for
/// [`normalize`] and [`normalize_for_classify`], so that a rebuild classifying records alone
/// reads the values a full normalisation gives.
fn texts(record: &Record, problems: &mut Vec<Problem>) -> (Vec<Title>, Vec<Text>, Option<String>) {
    let mut titles = titles(record);
    if titles.is_empty() {
        problems.push(Problem::new("titles", "no title"));
    }
    let mut abstracts = abstracts(&record.abstracts);
    let language = language(record, &titles, &abstracts, problems);
    if let Some(language) = &language {
        assume_language(&mut titles, language, |t| &mut t.lang);
        assume_language(&mut abstracts, language, |t| &mut t.lang);
    }
    (titles, abstracts, language)
}

/// What deduplication reads of a record, with the same values as [`normalize`] gives them:
/// titles, authors, degree type, date and identifiers. The other fields are left empty and no
/// problems are listed: evaluating dedup over a million records skips abstracts, keywords,
/// rights and language detection, which it never looks at.
pub fn normalize_for_dedup(record: &Record, context: &Context<'_>) -> Normalized {
    let mut problems = Vec::new();
    let (authors, _) = authors(record, &mut problems);
    let date = record_date(record, &mut problems);
    let identifiers = identifiers(record, context, &mut problems);
    Normalized {
        titles: titles(record),
        authors,
        advisors: Vec::new(),
        degree_type: degree_type(record, context.sets, context.format),
        discipline: None,
        level: None,
        institution: None,
        date,
        language: None,
        abstracts: Vec::new(),
        keywords: Vec::new(),
        identifiers,
        access: Access::default(),
        embargo_until: None,
        licence: None,
        problems: Vec::new(),
    }
}

/// What the thesaurus reads of a record (`Thesaurus::classify`), with the same values as
/// [`normalize`] gives them: titles, keywords and abstracts, each with its language (the
/// record's language assumed for the first untagged one, as there). The other fields are left
/// empty and no problems are listed: after a thesaurus change alone, `essor works rebuild`
/// classifies every record again but keeps the rest of each work as stored, and persons,
/// dates, identifiers, institutions and rights were most of normalising a record.
pub fn normalize_for_classify(record: &Record) -> Normalized {
    let (titles, abstracts, language) = texts(record, &mut Vec::new());
    let keywords = keywords(&record.subjects, &mut Vec::new());
    Normalized {
        titles,
        authors: Vec::new(),
        advisors: Vec::new(),
        degree_type: DegreeType::Other,
        discipline: None,
        level: None,
        institution: None,
        date: None,
        language,
        abstracts,
        keywords,
        identifiers: Vec::new(),
        access: Access::default(),
        embargo_until: None,
        licence: None,
        problems: Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
