//! The normalised record: what normalisation makes of a harvested record ([`Normalized`]), the
//! harvest context it reads beside the record ([`Context`]), and the problems it met.

use serde::{Deserialize, Serialize};

use super::{Access, DegreeType, Identifier, PartialDate, Person};

/// Where a record comes from: what the record itself does not say but its harvest does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Source id (the harvest-sources file stem).
    pub source: &'a str,
    /// The record's OAI identifier: provenance, not an identifier of the work, except that
    /// HAL's ("oai:HAL:tel-02955615v1") reveals the HAL id.
    pub identifier: &'a str,
    /// Crosswalk that mapped the record ("oai_dc", "etdms", "tef").
    pub format: Option<&'a str>,
    /// OAI sets the record is in (HAL's "type:THESE", "collection:DUMAS"…).
    pub sets: &'a [String],
    /// The source's institution from its configuration: the last fallback for `institution`.
    pub institution: Option<&'a str>,
    /// The source's region (ISO 3166-2) from its configuration. Not used by normalisation: it
    /// travels with the context for the stages that group works by region.
    pub region: Option<&'a str>,
}

/// A record in the work model's terms, ready for dedup and classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalized {
    /// Main title first, then translations and alternative titles.
    pub titles: Vec<Title>,
    pub authors: Vec<Person>,
    pub advisors: Vec<Person>,
    pub degree_type: DegreeType,
    pub discipline: Option<String>,
    /// Certification level on the European (EQF) scale, 1 to 8: training programmes (RNCP,
    /// Idéo, which the crosswalk brings to `EQF n`).
    #[serde(default)]
    pub level: Option<u8>,
    /// Degree grantor, else the institution the record names, else the source's.
    pub institution: Option<String>,
    /// Defence or publication date.
    pub date: Option<PartialDate>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub abstracts: Vec<Text>,
    pub keywords: Vec<Text>,
    /// Canonical, strongest kinds first (NNT, DOI, HAL, handle, …).
    pub identifiers: Vec<Identifier>,
    pub access: Access,
    pub embargo_until: Option<String>,
    /// Canonical short id ("CC-BY-NC-ND-4.0", "etalab-2.0").
    pub licence: Option<String>,
    pub problems: Vec<Problem>,
}

/// A title, with its language and subtitle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title {
    /// The whole title, subtitle included.
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
    /// What follows " : " (or a spaced dash), when the title has a subtitle.
    pub subtitle: Option<String>,
}

/// A keyword or an abstract, with its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
}

/// Something wrong or missing in a record, counted and shown, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The `Normalized` field concerned ("date", "language", "authors", …).
    pub field: String,
    pub message: String,
}

impl Problem {
    pub(super) fn new(field: &str, message: impl Into<String>) -> Self {
        Problem {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}
