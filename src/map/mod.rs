//! Metadata crosswalks: one module per format (oai_dc, ETD-MS, TEF, HAL's xml-tei; `row.rs` for
//! non-OAI sources, `theses_fr.rs` for theses.fr's JSON), each turning a metadata element tree into the
//! same [`Record`]. Pure; the format is recognised by the root element's namespace, not by the
//! metadataPrefix a repository chose to call it.

mod etdms;
mod hal_tei;
mod oai_dc;
mod row;
mod tef;
mod theses_fr;

pub use row::{JsonRow, RowValues, european_level, iso_date, json_path, map_row, modified_date};
pub use theses_fr::{FORMAT as THESES_FR_FORMAT, map_these};

use serde::{Deserialize, Serialize};

use crate::vocab::RecordType;
use crate::xml::Element;
use crate::xml::flat::FlatField;

pub const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub const DCTERMS_NS: &str = "http://purl.org/dc/terms/";

/// A harvested record in a format-neutral model close to Dublin Core, with the thesis fields of
/// ETD-MS. Values are kept as the repository wrote them (whitespace collapsed); normalising them
/// is a later stage's job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<LangText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternative_titles: Vec<LangText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub creators: Vec<Agent>,
    /// Advisors, jury members, other contributors, with their role when given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Agent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<LangText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub abstracts: Vec<LangText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publishers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rights: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degree: Option<Degree>,
    /// The type a non-OAI source declares for all its records (`record_type`): decisive over
    /// whatever the record's own words suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<RecordType>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangText {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// As written: "Dupont, Marie" or "Marie Dupont".
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role: Option<String>,
    /// ORCID, IdRef or other authority URI when the format carries one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
}

/// The degree a thesis was submitted for (ETD-MS `degree`, TEF `thesis.degree`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Degree {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discipline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantor: Option<String>,
}

/// Why a record could not be mapped. The record goes to the rejects table with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("unsupported metadata format: root element {{{namespace}}}{name}")]
    UnsupportedFormat { namespace: String, name: String },
    #[error("{format} record has no title")]
    NoTitle { format: &'static str },
}

/// Maps a metadata element with the crosswalk its namespace calls for.
pub fn map_metadata(root: &Element) -> Result<(&'static str, Record), MapError> {
    let (format, record) = match (root.namespace.as_ref(), root.name.as_ref()) {
        (oai_dc::NAMESPACE, "dc") => ("oai_dc", oai_dc::map(root)),
        (etdms::NAMESPACE_1_0 | etdms::NAMESPACE_1_1, "thesis") => ("etdms", etdms::map(root)),
        (tef::METS_NAMESPACE, "mets") if tef::is_tef(root) => ("tef", tef::map(root)),
        (hal_tei::NAMESPACE, "TEI") => ("xml-tei", hal_tei::map(root)),
        // Some repositories serve qualified DC under oai_dc with a bare dc root.
        (DC_NS, "dc") => ("oai_dc", oai_dc::map(root)),
        (namespace, name) => {
            return Err(MapError::UnsupportedFormat {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            });
        }
    };
    if record.titles.is_empty() {
        return Err(MapError::NoTitle { format });
    }
    Ok((format, record))
}

/// Maps stored raw metadata XML again (re-mapping after a crosswalk improves).
pub fn map_raw(raw: &str) -> Result<(&'static str, Record), String> {
    let root = crate::xml::parse_document(raw).map_err(|e| e.to_string())?;
    map_metadata(&root).map_err(|e| e.to_string())
}

/// Element text with whitespace collapsed; `None` when empty.
fn clean(element: &Element) -> Option<String> {
    let text = element.deep_text();
    (!text.is_empty()).then_some(text)
}

fn lang_text(element: &Element) -> Option<LangText> {
    clean(element).map(|value| LangText {
        value,
        lang: element.lang().map(str::to_owned),
    })
}

/// Appends `value` unless already present: repositories repeat values (HAL repeats subjects).
fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// The Dublin Core elements shared by oai_dc, TEF and many qualified-DC variants, read from the
/// direct children of `parent` whatever the prefix (`dc:` or `dcterms:`).
fn map_dublin_core_children(parent: &Element, record: &mut Record) {
    for child in &parent.children {
        if child.namespace != DC_NS && child.namespace != DCTERMS_NS {
            continue;
        }
        let Some(value) = clean(child) else { continue };
        map_dublin_core_value(record, &child.name, child.lang(), value);
    }
}

/// Maps an oai_dc root read flat ([`crate::xml::flat`]: its children all leaves), as
/// [`map_metadata`] maps the same element read as a tree: the same fields, by the same code.
pub fn map_flat_dublin_core(fields: &[FlatField<'_>]) -> Result<(&'static str, Record), MapError> {
    let mut record = Record::default();
    for field in fields {
        if field.namespace != DC_NS && field.namespace != DCTERMS_NS {
            continue;
        }
        let value = crate::xml::tree::collapse_whitespace(&field.text);
        if value.is_empty() {
            continue;
        }
        map_dublin_core_value(&mut record, &field.name, field.lang.as_deref(), value);
    }
    if record.titles.is_empty() {
        return Err(MapError::NoTitle { format: "oai_dc" });
    }
    Ok(("oai_dc", record))
}

/// Whether a metadata root is one [`map_flat_dublin_core`] maps (the crosswalk
/// [`map_metadata`] picks for it is oai_dc's).
pub fn is_dublin_core_root(namespace: &str, name: &str) -> bool {
    name == "dc" && (namespace == oai_dc::NAMESPACE || namespace == DC_NS)
}

/// One Dublin Core element's value (whitespace collapsed, not empty), by its local name.
fn map_dublin_core_value(record: &mut Record, name: &str, lang: Option<&str>, value: String) {
    let lang_text = |value| LangText {
        value,
        lang: lang.map(str::to_owned),
    };
    let agent = |name| Agent {
        name,
        role: None,
        id: None,
    };
    match name {
        "title" => push_unique(&mut record.titles, lang_text(value)),
        "alternative" => push_unique(&mut record.alternative_titles, lang_text(value)),
        "creator" => push_unique(&mut record.creators, agent(value)),
        "contributor" => push_unique(&mut record.contributors, agent(value)),
        "subject" => push_unique(&mut record.subjects, lang_text(value)),
        "description" | "abstract" => push_unique(&mut record.abstracts, lang_text(value)),
        "publisher" => push_unique(&mut record.publishers, value),
        "date" | "issued" | "created" | "dateAccepted" | "available" => {
            push_unique(&mut record.dates, value)
        }
        "type" => push_unique(&mut record.types, value),
        "format" | "medium" | "extent" => push_unique(&mut record.formats, value),
        "identifier" => push_unique(&mut record.identifiers, value),
        "language" => push_unique(&mut record.languages, value),
        "rights" | "accessRights" | "license" => push_unique(&mut record.rights, value),
        "relation" | "isPartOf" | "hasVersion" | "isVersionOf" => {
            push_unique(&mut record.relations, value)
        }
        "source" => push_unique(&mut record.sources, value),
        "coverage" | "spatial" | "temporal" => push_unique(&mut record.coverage, value),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
