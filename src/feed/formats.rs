//! The metadata formats the feed disseminates, written from a work's fields: `oai_dc` (Simple
//! Dublin Core, as OpenAIRE/DRIVER read it) and `etdms` (ETD-MS 1.1, the thesis format of
//! NDLTD), and the `about` blocks (OAI provenance) naming the records a work was built from.

use std::fmt::Write;

use quick_xml::escape::escape;

use crate::normalize::{Access, DegreeType};
use crate::works::{Work, WorkFields};

/// A metadata format: prefix, schema, namespace.
pub struct Format {
    pub prefix: &'static str,
    /// The prefix its records are stored under precompressed for gzip pages (`gzip.rs`).
    pub gzip_prefix: &'static str,
    pub schema: &'static str,
    pub namespace: &'static str,
}

pub const FORMATS: [Format; 2] = [
    Format {
        prefix: "oai_dc",
        gzip_prefix: "oai_dc:gzip",
        schema: "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        namespace: "http://www.openarchives.org/OAI/2.0/oai_dc/",
    },
    Format {
        prefix: "etdms",
        gzip_prefix: "etdms:gzip",
        schema: "http://www.ndltd.org/standards/metadata/etdms/1-1/etdms11.xsd",
        namespace: "http://www.ndltd.org/standards/metadata/etdms/1.1/",
    },
];

pub fn format(prefix: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.prefix == prefix)
}

/// Writes `<name attrs>text</name>` with the text escaped; nothing for empty text.
fn element(out: &mut String, name: &str, attributes: &[(&str, Option<&str>)], text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    out.push('<');
    out.push_str(name);
    for (key, value) in attributes {
        if let Some(value) = value {
            let _ = write!(out, " {key}=\"{}\"", escape(*value));
        }
    }
    let _ = write!(out, ">{}</{name}>", escape(text));
}

/// The COAR/info:eu-repo type OpenAIRE expects.
fn eu_repo_type(degree: DegreeType) -> &'static str {
    match degree {
        DegreeType::DoctoralThesis => "info:eu-repo/semantics/doctoralThesis",
        DegreeType::MastersDissertation => "info:eu-repo/semantics/masterThesis",
        DegreeType::Hdr => "info:eu-repo/semantics/doctoralThesis",
        DegreeType::ReportStudy => "info:eu-repo/semantics/report",
        DegreeType::TrainingProgramme | DegreeType::Other => "info:eu-repo/semantics/other",
    }
}

fn degree_level(degree: DegreeType) -> Option<&'static str> {
    match degree {
        DegreeType::DoctoralThesis | DegreeType::Hdr => Some("2"),
        DegreeType::MastersDissertation => Some("1"),
        DegreeType::ReportStudy | DegreeType::TrainingProgramme | DegreeType::Other => None,
    }
}

fn degree_name(degree: DegreeType) -> Option<&'static str> {
    match degree {
        DegreeType::DoctoralThesis => Some("Doctorat"),
        DegreeType::Hdr => Some("Habilitation à diriger des recherches"),
        DegreeType::MastersDissertation => Some("Master"),
        DegreeType::ReportStudy | DegreeType::TrainingProgramme | DegreeType::Other => None,
    }
}

fn access_right(access: Access) -> Option<&'static str> {
    match access {
        Access::Open => Some("info:eu-repo/semantics/openAccess"),
        Access::Embargoed => Some("info:eu-repo/semantics/embargoedAccess"),
        Access::Restricted => Some("info:eu-repo/semantics/restrictedAccess"),
        Access::Unknown => None,
    }
}

/// Theme labels (French, English) by theme id.
pub type ThemeLabels = std::collections::HashMap<String, (String, String)>;

/// Writes the `<metadata>` content of a live work in `prefix` (a known format).
/// `item` writes the work's OAI identifier, escaped: ETD-MS requires an identifier, and a work
/// whose sources gave none still has that one (a stored record leaves a hole there, filled
/// with the serving repository's identifier: see `stored.rs`).
pub fn write_metadata(
    out: &mut String,
    prefix: &str,
    work: &Work,
    themes: &ThemeLabels,
    item: &mut dyn FnMut(&mut String),
) {
    let Some(fields) = work.fields.as_ref() else {
        return;
    };
    if prefix == "etdms" {
        write_etdms(out, fields, themes, item);
    } else {
        write_oai_dc(out, fields, themes);
    }
}

fn write_oai_dc(out: &mut String, f: &WorkFields, themes: &ThemeLabels) {
    out.push_str(
        "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ \
         http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">",
    );
    for title in &f.titles {
        element(
            out,
            "dc:title",
            &[("xml:lang", title.value.lang.as_deref())],
            &title.value.text,
        );
    }
    for person in f.authors.iter().flat_map(|a| &a.value) {
        element(out, "dc:creator", &[], &cited_name(person));
    }
    for person in f.advisors.iter().flat_map(|a| &a.value) {
        element(out, "dc:contributor", &[], &cited_name(person));
    }
    for keyword in &f.keywords {
        element(
            out,
            "dc:subject",
            &[("xml:lang", keyword.value.lang.as_deref())],
            &keyword.value.text,
        );
    }
    write_theme_subjects(out, "dc:subject", f, themes);
    for text in &f.abstracts {
        element(
            out,
            "dc:description",
            &[("xml:lang", text.value.lang.as_deref())],
            &text.value.text,
        );
    }
    if let Some(institution) = &f.institution {
        element(out, "dc:publisher", &[], &institution.value);
    }
    if let Some(date) = &f.date {
        element(out, "dc:date", &[], &date.value.iso());
    }
    element(out, "dc:type", &[], eu_repo_type(f.degree_type.value));
    for id in &f.identifiers {
        element(out, "dc:identifier", &[], &id.value.uri());
    }
    if let Some(language) = &f.language {
        element(out, "dc:language", &[], &language.value);
    }
    for region in &f.regions {
        element(out, "dc:coverage", &[], region);
    }
    if let Some(right) = access_right(f.access.value) {
        element(out, "dc:rights", &[], right);
    }
    if let Some(licence) = &f.licence {
        element(out, "dc:rights", &[], &licence.value);
    }
    out.push_str("</oai_dc:dc>");
}

/// ETD-MS 1.1 in its element order: title, alternativeTitle, creator, subject, description,
/// publisher, contributor, date, type, format, identifier, language, coverage, rights, degree.
fn write_etdms(
    out: &mut String,
    f: &WorkFields,
    themes: &ThemeLabels,
    item: &mut dyn FnMut(&mut String),
) {
    out.push_str(
        "<thesis xmlns=\"http://www.ndltd.org/standards/metadata/etdms/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.ndltd.org/standards/metadata/etdms/1.1/ \
         http://www.ndltd.org/standards/metadata/etdms/1-1/etdms11.xsd\">",
    );
    let mut titles = f.titles.iter();
    if let Some(title) = titles.next() {
        element(
            out,
            "title",
            &[("xml:lang", title.value.lang.as_deref())],
            &title.value.text,
        );
    }
    for title in titles {
        element(
            out,
            "alternativeTitle",
            &[("xml:lang", title.value.lang.as_deref())],
            &title.value.text,
        );
    }
    for person in f.authors.iter().flat_map(|a| &a.value) {
        element(out, "creator", &[], &cited_name(person));
    }
    for keyword in &f.keywords {
        element(
            out,
            "subject",
            &[("xml:lang", keyword.value.lang.as_deref())],
            &keyword.value.text,
        );
    }
    write_theme_subjects(out, "subject", f, themes);
    for text in &f.abstracts {
        element(
            out,
            "description",
            &[("xml:lang", text.value.lang.as_deref())],
            &text.value.text,
        );
    }
    if let Some(institution) = &f.institution {
        element(out, "publisher", &[], &institution.value);
    }
    for person in f.advisors.iter().flat_map(|a| &a.value) {
        element(
            out,
            "contributor",
            &[("role", Some("advisor"))],
            &cited_name(person),
        );
    }
    if let Some(date) = &f.date {
        element(out, "date", &[], &date.value.iso());
    }
    element(out, "type", &[], "Electronic Thesis or Dissertation");
    element(out, "type", &[], eu_repo_type(f.degree_type.value));
    for id in &f.identifiers {
        element(out, "identifier", &[], &id.value.uri());
    }
    if f.identifiers.is_empty() {
        out.push_str("<identifier>");
        item(out);
        out.push_str("</identifier>");
    }
    if let Some(language) = &f.language {
        element(out, "language", &[], &language.value);
    }
    for region in &f.regions {
        element(out, "coverage", &[], region);
    }
    if let Some(right) = access_right(f.access.value) {
        element(out, "rights", &[], right);
    }
    if let Some(licence) = &f.licence {
        element(out, "rights", &[], &licence.value);
    }
    let degree = f.degree_type.value;
    let discipline = f.discipline.as_ref().map(|d| d.value.as_str());
    if degree_name(degree).is_some() || discipline.is_some() {
        out.push_str("<degree>");
        if let Some(name) = degree_name(degree) {
            element(out, "name", &[], name);
        }
        if let Some(level) = degree_level(degree) {
            element(out, "level", &[], level);
        }
        if let Some(discipline) = discipline {
            element(out, "discipline", &[], discipline);
        }
        if let Some(institution) = &f.institution {
            element(out, "grantor", &[], &institution.value);
        }
        out.push_str("</degree>");
    }
    out.push_str("</thesis>");
}

/// "Dupont, Marie": the inverted form catalogues and DC guidelines use.
fn cited_name(person: &crate::normalize::Person) -> String {
    match &person.given {
        Some(given) => format!("{}, {given}", person.family),
        None => person.family.clone(),
    }
}

/// Each ESS theme as a subject, in French and English.
fn write_theme_subjects(out: &mut String, name: &str, f: &WorkFields, themes: &ThemeLabels) {
    for theme in &f.themes {
        if let Some((fr, en)) = themes.get(&theme.theme) {
            element(out, name, &[("xml:lang", Some("fr"))], fr);
            element(out, name, &[("xml:lang", Some("en"))], en);
        }
    }
}

/// One member record's origin, for `about/provenance`.
pub struct Origin<'a> {
    pub identifier: &'a str,
    pub datestamp: &'a str,
    pub namespace: &'a str,
    pub harvest_date: &'a str,
}

/// An `<about>` with the OAI provenance of one member record; `altered` because a work is
/// built from normalised fields, not copied. `base_url` writes the record's repository's base
/// URL, escaped (a stored record leaves a hole there: the server's settings name it).
pub fn write_provenance(
    out: &mut String,
    origin: &Origin<'_>,
    base_url: &mut dyn FnMut(&mut String),
) {
    let _ = write!(
        out,
        "<about><provenance xmlns=\"http://www.openarchives.org/OAI/2.0/provenance\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/provenance \
         http://www.openarchives.org/OAI/2.0/provenance.xsd\">\
         <originDescription harvestDate=\"{}\" altered=\"true\"><baseURL>",
        escape(origin.harvest_date),
    );
    base_url(out);
    let _ = write!(
        out,
        "</baseURL><identifier>{}</identifier><datestamp>{}</datestamp>\
         <metadataNamespace>{}</metadataNamespace></originDescription></provenance></about>",
        escape(origin.identifier),
        escape(origin.datestamp),
        escape(origin.namespace),
    );
}

/// The namespace essor's own `about` elements live in.
pub const ABOUT_NAMESPACE: &str = "https://essor.eu/ns/oai-about/1.0";

/// An `<about>` pointing a merged-away work to the work that absorbed it.
pub fn write_successor(out: &mut String, identifier: &str) {
    let _ = write!(
        out,
        "<about><successor xmlns=\"{ABOUT_NAMESPACE}\">{}</successor></about>",
        escape(identifier)
    );
}

/// The namespace of a stored record's format, for provenance.
pub fn format_namespace(format: Option<&str>) -> &'static str {
    match format {
        Some("etdms") => "http://www.ndltd.org/standards/metadata/etdms/1.1/",
        Some("tef") => "http://www.loc.gov/METS/",
        _ => "http://www.openarchives.org/OAI/2.0/oai_dc/",
    }
}
