//! A work as CSL-JSON (the Citation Style Language's input: Zotero, Pandoc, citeproc), for the
//! work page's citation export. Pure.

use serde_json::{Value, json};

use crate::normalize::IdKind;
use crate::vocab::{DegreeType, Lang};
use crate::works::Work;

/// The CSL item of a live work (an array of one item, as CSL-JSON files hold).
pub fn csl_json(work: &Work) -> Value {
    let mut item = serde_json::Map::new();
    item.insert("id".into(), json!(format!("essor:{}", work.id)));
    let Some(fields) = work.fields.as_ref() else {
        return json!([item]);
    };
    let degree = fields.degree_type.value;
    let kind = match degree {
        DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr => "thesis",
        DegreeType::ReportStudy => "report",
        DegreeType::TrainingProgramme | DegreeType::Other => "document",
    };
    item.insert("type".into(), json!(kind));
    if let Some(title) = &fields.title {
        item.insert("title".into(), json!(title.value.text));
    }
    let names = |persons: &crate::normalize::Person| {
        let mut name = serde_json::Map::new();
        name.insert("family".into(), json!(persons.family));
        if let Some(given) = &persons.given {
            name.insert("given".into(), json!(given));
        }
        Value::Object(name)
    };
    if let Some(authors) = &fields.authors {
        item.insert(
            "author".into(),
            Value::Array(authors.value.iter().map(names).collect()),
        );
    }
    if let Some(advisors) = &fields.advisors {
        item.insert(
            "contributor".into(),
            Value::Array(advisors.value.iter().map(names).collect()),
        );
    }
    if let Some(date) = &fields.date {
        let mut parts = vec![json!(date.value.year)];
        if let Some(month) = date.value.month {
            parts.push(json!(month));
            if let Some(day) = date.value.day {
                parts.push(json!(day));
            }
        }
        item.insert("issued".into(), json!({ "date-parts": [parts] }));
    }
    if let Some(institution) = &fields.institution {
        item.insert("publisher".into(), json!(institution.value));
    }
    if kind == "thesis" {
        item.insert("genre".into(), json!(degree.label(Lang::Fr)));
    }
    if let Some(language) = &fields.language {
        item.insert("language".into(), json!(language.value));
    }
    if let Some(abstract_text) = fields.abstracts.first() {
        item.insert("abstract".into(), json!(abstract_text.value.text));
    }
    if !fields.keywords.is_empty() {
        let keywords: Vec<&str> = fields
            .keywords
            .iter()
            .map(|k| k.value.text.as_str())
            .collect();
        item.insert("keyword".into(), json!(keywords.join(", ")));
    }
    let identifiers: Vec<_> = fields.identifiers.iter().map(|i| &i.value).collect();
    if let Some(doi) = identifiers.iter().find(|i| i.kind == IdKind::Doi) {
        item.insert("DOI".into(), json!(doi.value));
    }
    if let Some(url) = crate::export::summary(work).url {
        item.insert("URL".into(), json!(url));
    }
    if let Some(nnt) = identifiers.iter().find(|i| i.kind == IdKind::Nnt) {
        item.insert("number".into(), json!(nnt.value));
    }
    json!([item])
}
