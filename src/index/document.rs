//! A live work as a tantivy document: every title, abstract and keyword twice (French and
//! English analysers), persons by display and family name, and the keyword fields filters and
//! facets read.

use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::normalize::{Access, PartialDate, Person};
use crate::works::Work;

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
    let both = |doc: &mut TantivyDocument, french, english, text: &str| {
        doc.add_text(french, text);
        doc.add_text(english, text);
    };
    for title in &work_fields.titles {
        both(
            &mut doc,
            fields.title_fr,
            fields.title_en,
            &title.value.text,
        );
    }
    if work_fields.titles.is_empty()
        && let Some(title) = &work_fields.title
    {
        both(
            &mut doc,
            fields.title_fr,
            fields.title_en,
            &title.value.text,
        );
    }
    for text in &work_fields.abstracts {
        both(
            &mut doc,
            fields.abstract_fr,
            fields.abstract_en,
            &text.value.text,
        );
    }
    for keyword in &work_fields.keywords {
        both(
            &mut doc,
            fields.keyword_fr,
            fields.keyword_en,
            &keyword.value.text,
        );
    }
    if let Some(discipline) = &work_fields.discipline {
        both(
            &mut doc,
            fields.discipline_fr,
            fields.discipline_en,
            &discipline.value,
        );
    }
    for person in work_fields.authors.iter().flat_map(|a| &a.value) {
        add_person(&mut doc, fields.author, person);
    }
    for person in work_fields.advisors.iter().flat_map(|a| &a.value) {
        add_person(&mut doc, fields.advisor, person);
    }
    if let Some(institution) = &work_fields.institution {
        doc.add_text(fields.institution, &institution.value);
        doc.add_text(fields.f_institution, &institution.value);
    }
    doc.add_text(fields.f_type, work_fields.degree_type.value.slug());
    for region in sorted_unique(work_fields.regions.iter().map(String::as_str)) {
        doc.add_text(fields.f_region, region);
    }
    for theme in sorted_unique(work_fields.themes.iter().map(|t| t.theme.as_str())) {
        doc.add_text(fields.f_theme, theme);
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
fn add_person(doc: &mut TantivyDocument, field: tantivy::schema::Field, person: &Person) {
    doc.add_text(field, &person.display);
    if !person.display.contains(person.family.as_str()) {
        doc.add_text(field, &person.family);
    }
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
