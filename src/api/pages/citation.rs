//! What makes a work page found and cited: Highwire Press `citation_*` meta tags (Google
//! Scholar's inclusion guidelines), schema.org JSON-LD (`Thesis`, `Report`,
//! `ScholarlyArticle`), the "cite as" line, and the citation files (`/works/{id}/cite.bib`,
//! `.ris`, `.json` as CSL-JSON).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Visit, not_found, theme_label, unavailable};
use crate::api::AppState;
use crate::export::{ExportFormat, csl_json, summary};
use crate::normalize::{Access, IdKind, Person};
use crate::vocab::{DegreeType, Lang};
use crate::works::Work;

/// The citation files of a work, by the name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiteFormat {
    Bibtex,
    Ris,
    CslJson,
}

impl CiteFormat {
    pub const ALL: [CiteFormat; 3] = [CiteFormat::Bibtex, CiteFormat::Ris, CiteFormat::CslJson];

    fn parse(file: &str) -> Option<CiteFormat> {
        match file {
            "cite.bib" => Some(CiteFormat::Bibtex),
            "cite.ris" => Some(CiteFormat::Ris),
            "cite.json" => Some(CiteFormat::CslJson),
            _ => None,
        }
    }

    /// The file's name under `/works/{id}/`.
    pub fn file(self) -> &'static str {
        match self {
            CiteFormat::Bibtex => "cite.bib",
            CiteFormat::Ris => "cite.ris",
            CiteFormat::CslJson => "cite.json",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CiteFormat::Bibtex => "BibTeX",
            CiteFormat::Ris => "RIS",
            CiteFormat::CslJson => "CSL-JSON",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            CiteFormat::Bibtex => ExportFormat::Bibtex.content_type(),
            CiteFormat::Ris => ExportFormat::Ris.content_type(),
            CiteFormat::CslJson => "application/vnd.citationstyles.csl+json; charset=utf-8",
        }
    }

    /// The file's text for a live work.
    pub fn write(self, work: &Work) -> String {
        match self {
            CiteFormat::Bibtex | CiteFormat::Ris => {
                let format = if self == CiteFormat::Bibtex {
                    ExportFormat::Bibtex
                } else {
                    ExportFormat::Ris
                };
                let mut text = format.header();
                format.write(work, &mut text);
                text
            }
            CiteFormat::CslJson => {
                serde_json::to_string_pretty(&csl_json(work)).unwrap_or_default()
            }
        }
    }
}

/// `GET /works/{id}/{file}`: `cite.bib`, `cite.ris` or `cite.json`, as a download. A merged
/// id's file is the surviving work's.
pub async fn cite(
    State(state): State<AppState>,
    visit: Visit,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((id, file))) = path else {
        return not_found(&visit, "");
    };
    let Some(format) = CiteFormat::parse(&file) else {
        return not_found(&visit, format!("/works/{id}/{file}"));
    };
    let store = state.store.clone();
    let asked = id.clone();
    let found = tokio::task::spawn_blocking(move || crate::works::resolve(&store, &asked)).await;
    let work = match found {
        Ok(Ok(Some(work))) if work.is_live() && work.fields.is_some() => work,
        Ok(Ok(_)) => return not_found(&visit, format!("/works/{id}")),
        Ok(Err(error)) => {
            tracing::error!(%error, "citation");
            return unavailable(&visit);
        }
        Err(_) => return unavailable(&visit),
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"essor-{}-{}\"",
                    work.id,
                    format.file()
                ),
            ),
        ],
        format.write(&work),
    )
        .into_response()
}

/// "Family, G." as reference lists write a person.
fn initials(person: &Person) -> String {
    match &person.given {
        Some(given) => {
            let initials: Vec<String> = given
                .split([' ', '-'])
                .filter_map(|part| part.chars().next())
                .map(|c| format!("{c}."))
                .collect();
            format!("{}, {}", person.family, initials.join(" "))
        }
        None => person.family.clone(),
    }
}

/// The "cite as" line (APA-like): authors, year, title, [kind, institution], link.
pub fn cite_as(work: &Work, lang: Lang, page_url: &str) -> String {
    let Some(fields) = work.fields.as_ref() else {
        return String::new();
    };
    let authors: Vec<String> = fields
        .authors
        .as_ref()
        .map(|a| a.value.iter().map(initials).collect())
        .unwrap_or_default();
    let authors = match authors.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} & {last}", rest.join(", ")),
    };
    let year = fields
        .date
        .as_ref()
        .map_or_else(|| "s. d.".to_owned(), |d| d.value.year.to_string());
    let title = fields
        .title
        .as_ref()
        .map_or(work.id.as_str(), |t| t.value.text.as_str());
    let mut bracket = fields.degree_type.value.label(lang).to_owned();
    if let Some(institution) = &fields.institution {
        bracket.push_str(", ");
        bracket.push_str(&institution.value);
    }
    let link = summary(work)
        .doi
        .map(|doi| format!("https://doi.org/{doi}"))
        .unwrap_or_else(|| page_url.to_owned());
    let mut line = String::new();
    if !authors.is_empty() {
        line.push_str(&authors);
        line.push(' ');
    }
    line.push_str(&format!("({year}). {title} [{bracket}]. {link}"));
    line
}

/// The Highwire Press meta tags of a work: (name, content), in the order Google Scholar reads
/// them.
pub fn meta_tags(work: &Work, page_url: &str, pdf: Option<&str>) -> Vec<(&'static str, String)> {
    let mut tags = Vec::new();
    let Some(fields) = work.fields.as_ref() else {
        return tags;
    };
    if let Some(title) = &fields.title {
        tags.push(("citation_title", title.value.text.clone()));
    }
    for person in fields.authors.iter().flat_map(|a| &a.value) {
        let name = match &person.given {
            Some(given) => format!("{}, {given}", person.family),
            None => person.family.clone(),
        };
        tags.push(("citation_author", name));
    }
    if let Some(date) = &fields.date {
        let date = &date.value;
        let text = match (date.month, date.day) {
            (Some(m), Some(d)) => format!("{:04}/{m:02}/{d:02}", date.year),
            (Some(m), None) => format!("{:04}/{m:02}", date.year),
            _ => format!("{:04}", date.year),
        };
        tags.push(("citation_publication_date", text));
    }
    if let Some(institution) = &fields.institution {
        let name = match fields.degree_type.value {
            DegreeType::ReportStudy => "citation_technical_report_institution",
            _ => "citation_dissertation_institution",
        };
        tags.push((name, institution.value.clone()));
    }
    if let Some(language) = &fields.language {
        tags.push(("citation_language", language.value.clone()));
    }
    for keyword in &fields.keywords {
        tags.push(("citation_keywords", keyword.value.text.clone()));
    }
    for identifier in fields.identifiers.iter().map(|i| &i.value) {
        match identifier.kind {
            IdKind::Doi => tags.push(("citation_doi", identifier.value.clone())),
            IdKind::Isbn => tags.push(("citation_isbn", identifier.value.clone())),
            _ => {}
        }
    }
    tags.push(("citation_abstract_html_url", page_url.to_owned()));
    if let Some(pdf) = pdf {
        tags.push(("citation_pdf_url", pdf.to_owned()));
    }
    tags
}

/// The schema.org description of a work, as JSON-LD.
pub fn json_ld(work: &Work, lang: Lang, page_url: &str) -> Value {
    let Some(fields) = work.fields.as_ref() else {
        return json!({});
    };
    let degree = fields.degree_type.value;
    let kind = match degree {
        DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr => "Thesis",
        DegreeType::ReportStudy => "Report",
        DegreeType::TrainingProgramme | DegreeType::Other => "ScholarlyArticle",
    };
    let person = |person: &Person| {
        let mut value =
            json!({"@type": "Person", "name": person.display, "familyName": person.family});
        if let Some(given) = &person.given {
            value["givenName"] = json!(given);
        }
        if let Some(id) = &person.id {
            value["sameAs"] = json!(id);
        }
        value
    };
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "@id": page_url,
        "url": page_url,
        "identifier": work.id,
    });
    if let Some(title) = &fields.title {
        value["name"] = json!(title.value.text);
        value["headline"] = json!(title.value.text);
    }
    if let Some(authors) = &fields.authors {
        value["author"] = Value::Array(authors.value.iter().map(person).collect());
    }
    if let Some(advisors) = &fields.advisors {
        value["contributor"] = Value::Array(advisors.value.iter().map(person).collect());
    }
    if let Some(date) = &fields.date {
        value["datePublished"] = json!(date.value.iso());
    }
    if let Some(language) = &fields.language {
        value["inLanguage"] = json!(language.value);
    }
    if let Some(institution) = &fields.institution {
        value["sourceOrganization"] = json!({"@type": "Organization", "name": institution.value});
    }
    if kind == "Thesis" {
        value["inSupportOf"] = json!(degree.label(lang));
    }
    if let Some(abstract_text) = summary(work).abstract_text {
        value["abstract"] = json!(abstract_text);
    }
    if !fields.keywords.is_empty() {
        let keywords: Vec<&str> = fields
            .keywords
            .iter()
            .map(|k| k.value.text.as_str())
            .collect();
        value["keywords"] = json!(keywords.join(", "));
    }
    if !fields.themes.is_empty() {
        value["about"] = Value::Array(
            fields
                .themes
                .iter()
                .map(|theme| json!({"@type": "Thing", "name": theme_label(&theme.theme, lang)}))
                .collect(),
        );
    }
    let same_as: Vec<String> = fields
        .identifiers
        .iter()
        .map(|i| i.value.uri())
        .filter(|uri| uri.starts_with("http"))
        .collect();
    if !same_as.is_empty() {
        value["sameAs"] = json!(same_as);
    }
    if fields.access.value == Access::Open {
        value["isAccessibleForFree"] = json!(true);
    }
    if let Some(licence) = &fields.licence {
        value["license"] = json!(licence.value);
    }
    value
}

/// JSON-LD as it may sit inside `<script>`: `<` escaped so no `</script>` can end it early.
pub fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}
