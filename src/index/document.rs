//! A live work as a tantivy document: every text in the combined `text` and `pairs` fields the
//! default query searches and, but for the abstracts (`abstracts.rs`), in its own field (for
//! `title:`...), persons by display and family name, and the keyword fields filters and facets
//! read (not the themes: `themes.rs`).

use tantivy::schema::Field;
use tantivy::{IndexWriter, TantivyDocument, TantivyError, Term};

use super::abstracts;
use super::schema::Fields;
use crate::normalize::{Access, PartialDate, Person};
use crate::works::Work;

/// Puts the document of work `id` into `writer`: its old one deleted first when `replace`, then
/// `work`'s added if it is live. True when a document was added, false when the work is gone
/// (deleted, merged away, or no longer stored): every path that indexes works counts both.
pub(super) fn put_document(
    writer: &IndexWriter<TantivyDocument>,
    fields: &Fields,
    id: &str,
    work: Option<&Work>,
    replace: bool,
) -> Result<bool, TantivyError> {
    if replace {
        writer.delete_term(Term::from_field_text(fields.id, id));
    }
    match work.and_then(|work| work_document(fields, work)) {
        Some(doc) => writer.add_document(doc).map(|_| true),
        None => Ok(false),
    }
}

/// The document of a live work; `None` for a deleted or merged-away one, which the index must
/// not hold.
pub fn work_document(fields: &Fields, work: &Work) -> Option<TantivyDocument> {
    if !work.is_live() {
        return None;
    }
    let mut doc = TantivyDocument::new();
    doc.add_text(fields.id, &work.id);
    let mut sources: Vec<&str> = work.members.iter().map(|m| m.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    for source in sources {
        doc.add_text(fields.f_source, source);
    }
    // A live work without fields has not been built yet: it is still listed (by id, source and
    // match-all queries) rather than missing.
    let Some(work_fields) = &work.fields else {
        doc.add_i64(fields.date, 0);
        return Some(doc);
    };
    // Every text the default query searches goes into `text` and `pairs`, and most into their
    // own field as well (for `title:`...); a title goes into `text` twice (its words weigh
    // more). Each field analyses it with its own analyser, the query side's: behind the word
    // memo, analysing a text again is a lookup per word. (Pre-tokenized texts were tried:
    // tantivy 0.27 keeps them in the document as JSON and parses them back, a fifth of the
    // indexing CPU.)
    let searched = |doc: &mut TantivyDocument, own: Option<Field>, text: &str, times: usize| {
        if let Some(own) = own {
            doc.add_text(own, text);
        }
        for _ in 0..times {
            doc.add_text(fields.text, text);
        }
        doc.add_text(fields.pairs, text);
    };
    // The abstracts first, without a field of their own: `abstract:` is answered from the
    // positions of `text` before `abstract_end` (`abstracts.rs`).
    let mut positions = abstracts::Positions::default();
    for text in &work_fields.abstracts {
        searched(&mut doc, None, &text.value.text, 1);
        positions.add(&text.value.text);
    }
    doc.add_u64(fields.abstract_end, positions.end());
    let titles: Vec<&str> = if work_fields.titles.is_empty() {
        work_fields
            .title
            .iter()
            .map(|t| t.value.text.as_str())
            .collect()
    } else {
        work_fields
            .titles
            .iter()
            .map(|t| t.value.text.as_str())
            .collect()
    };
    for title in titles {
        searched(&mut doc, Some(fields.title), title, 2);
    }
    for keyword in &work_fields.keywords {
        searched(&mut doc, Some(fields.keyword), &keyword.value.text, 1);
    }
    if let Some(discipline) = &work_fields.discipline {
        searched(&mut doc, Some(fields.discipline), &discipline.value, 1);
    }
    // Names in their own fields are folded, not stemmed (their own analyser); in `text`, as
    // the default query reads them.
    let persons = [
        (fields.author, &work_fields.authors),
        (fields.advisor, &work_fields.advisors),
    ];
    for (field, persons) in persons {
        for person in persons.iter().flat_map(|p| &p.value) {
            for name in person_names(person) {
                doc.add_text(field, name);
                searched(&mut doc, None, name, 1);
            }
        }
    }
    if let Some(institution) = &work_fields.institution {
        doc.add_text(fields.institution, &institution.value);
        searched(&mut doc, None, &institution.value, 1);
        doc.add_text(fields.f_institution, &institution.value);
    }
    doc.add_text(fields.f_type, work_fields.degree_type.value.slug());
    for region in sorted_unique(work_fields.regions.iter().map(String::as_str)) {
        doc.add_text(fields.f_region, region);
    }
    if let Some(language) = &work_fields.language {
        doc.add_text(fields.f_language, &language.value);
    }
    doc.add_text(fields.f_access, access_slug(work_fields.access.value));
    let date = work_fields.date.as_ref().map(|d| d.value);
    if let Some(date) = date {
        doc.add_i64(fields.year, i64::from(date.year));
    }
    doc.add_i64(fields.date, date.map_or(0, date_key));
    Some(doc)
}

/// The display name and, when it differs, the family name: "Dupont" finds "Marie Dupont", and
/// a family name with particles ("de La Fontaine") is searchable as written.
fn person_names(person: &Person) -> impl Iterator<Item = &str> {
    let family_apart = !person.display.contains(person.family.as_str());
    std::iter::once(person.display.as_str()).chain(family_apart.then_some(person.family.as_str()))
}

/// The date sort's key: year × 10000 + month × 100 + day, unknown parts 0, so that a date known
/// to the year sorts before the precise dates of that year (as `PartialDate` orders them).
pub fn date_key(date: PartialDate) -> i64 {
    i64::from(date.year) * 10_000
        + i64::from(date.month.unwrap_or(0)) * 100
        + i64::from(date.day.unwrap_or(0))
}

/// The access value as the API and the work JSON spell it.
pub fn access_slug(access: Access) -> &'static str {
    match access {
        Access::Open => "open",
        Access::Embargoed => "embargoed",
        Access::Restricted => "restricted",
        Access::Unknown => "unknown",
    }
}

fn sorted_unique<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut all: Vec<&str> = values.filter(|v| !v.is_empty()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_keys_order_like_partial_dates() {
        let year = date_key(PartialDate::year(2019));
        let month = date_key(PartialDate {
            year: 2019,
            month: Some(6),
            day: None,
        });
        let day = date_key(PartialDate {
            year: 2019,
            month: Some(6),
            day: Some(12),
        });
        assert!(year < month && month < day);
        assert_eq!(day, 20_190_612);
        assert!(date_key(PartialDate::year(2018)) < year);
    }

    #[test]
    fn access_slugs_match_the_json_names() {
        for access in [
            Access::Open,
            Access::Embargoed,
            Access::Restricted,
            Access::Unknown,
        ] {
            let json = serde_json::to_value(access).unwrap_or_default();
            assert_eq!(json.as_str(), Some(access_slug(access)));
        }
    }
}
