//! Works as files people and their tools open: CSV (RFC 4180, UTF-8 with a byte-order mark so
//! that spreadsheets detect the encoding; pandas skips it), JSON lines, RIS and BibTeX for
//! reference managers. Pure: a work in, text out; the caller streams.

mod csl;
mod summary;

use std::fmt::Write;

pub use csl::csl_json;
pub use summary::{Summary, summary};

use crate::vocab::DegreeType;
use crate::works::Work;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Jsonl,
    Ris,
    Bibtex,
}

impl ExportFormat {
    pub fn parse(name: &str) -> Option<ExportFormat> {
        Some(match name {
            "csv" => ExportFormat::Csv,
            "jsonl" => ExportFormat::Jsonl,
            "ris" => ExportFormat::Ris,
            "bibtex" => ExportFormat::Bibtex,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8; header=present",
            ExportFormat::Jsonl => "application/x-ndjson; charset=utf-8",
            ExportFormat::Ris => "application/x-research-info-systems; charset=utf-8",
            ExportFormat::Bibtex => "application/x-bibtex; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Ris => "ris",
            ExportFormat::Bibtex => "bib",
        }
    }

    /// What comes before the first work (the CSV header row).
    pub fn header(self) -> String {
        match self {
            ExportFormat::Csv => {
                let mut out = String::from("\u{feff}");
                csv_row(&mut out, CSV_COLUMNS.iter().copied());
                out
            }
            _ => String::new(),
        }
    }

    /// Appends one live work.
    pub fn write(self, work: &Work, out: &mut String) {
        let s = summary(work);
        match self {
            ExportFormat::Csv => write_csv(&s, out),
            ExportFormat::Jsonl => {
                out.push_str(&serde_json::to_string(&s).unwrap_or_default());
                out.push('\n');
            }
            ExportFormat::Ris => write_ris(&s, out),
            ExportFormat::Bibtex => write_bibtex(&s, out),
        }
    }
}

/// Under this name (a metadata prefix no OAI request can name) the feed's renderer stores each
/// live work's [`work_csv_row`] beside its OAI records, written with the work: a CSV export copies
/// the stored rows instead of decoding every work (issue 16).
pub const CSV_ROW_PREFIX: &str = "export:csv";

/// A live work's CSV row (what [`ExportFormat::Csv`] appends), CRLF included.
pub fn work_csv_row(work: &Work) -> String {
    let mut out = String::new();
    ExportFormat::Csv.write(work, &mut out);
    out
}

const CSV_COLUMNS: [&str; 17] = [
    "id",
    "title",
    "authors",
    "advisors",
    "year",
    "date",
    "type",
    "discipline",
    "institution",
    "language",
    "access",
    "licence",
    "themes",
    "regions",
    "identifiers",
    "sources",
    "url",
];

/// Several values in one cell.
const LIST_SEPARATOR: &str = " | ";

fn write_csv(s: &Summary, out: &mut String) {
    let year = s.year.map(|y| y.to_string()).unwrap_or_default();
    let cells: [String; 17] = [
        s.id.clone(),
        s.title.clone().unwrap_or_default(),
        s.authors.join(LIST_SEPARATOR),
        s.advisors.join(LIST_SEPARATOR),
        year,
        s.date.clone().unwrap_or_default(),
        s.r#type.clone(),
        s.discipline.clone().unwrap_or_default(),
        s.institution.clone().unwrap_or_default(),
        s.language.clone().unwrap_or_default(),
        s.access.clone(),
        s.licence.clone().unwrap_or_default(),
        s.themes.join(LIST_SEPARATOR),
        s.regions.join(LIST_SEPARATOR),
        s.identifiers.join(LIST_SEPARATOR),
        s.sources.join(LIST_SEPARATOR),
        s.url.clone().unwrap_or_default(),
    ];
    csv_row(out, cells.iter().map(String::as_str));
}

/// One RFC 4180 row: fields quoted when they hold a comma, quote, CR or LF (quotes doubled),
/// CRLF at the end. Cells starting with `=`, `+`, `-` or `@` get a leading apostrophe, so that a
/// spreadsheet never runs a harvested title as a formula.
fn csv_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.push(',');
        }
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@']) {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell
        };
        if cell.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

fn ris_type(slug: &str) -> &'static str {
    match DegreeType::from_slug(slug) {
        Some(degree) if degree.is_thesis() => "THES",
        Some(DegreeType::ReportStudy) => "RPRT",
        _ => "GEN",
    }
}

fn write_ris(s: &Summary, out: &mut String) {
    let mut tag = |name: &str, value: &str| {
        let value = value.replace(['\r', '\n'], " ");
        if !value.trim().is_empty() {
            let _ = write!(out, "{name}  - {}\r\n", value.trim());
        }
    };
    tag("TY", ris_type(&s.r#type));
    tag("ID", &s.id);
    tag("TI", s.title.as_deref().unwrap_or(""));
    for author in &s.cited_authors {
        tag("AU", author);
    }
    for advisor in &s.cited_advisors {
        tag("A3", advisor);
    }
    if let Some(year) = s.year {
        tag("PY", &year.to_string());
    }
    tag("DA", s.date.as_deref().unwrap_or(""));
    tag("PB", s.institution.as_deref().unwrap_or(""));
    tag("M3", &s.type_label);
    tag("LA", s.language.as_deref().unwrap_or(""));
    tag("AB", s.abstract_text.as_deref().unwrap_or(""));
    for keyword in s.keywords.iter().chain(&s.themes) {
        tag("KW", keyword);
    }
    if let Some(doi) = s.doi.as_deref() {
        tag("DO", doi);
    }
    tag("UR", s.url.as_deref().unwrap_or(""));
    out.push_str("ER  - \r\n\r\n");
}

fn bibtex_type(slug: &str) -> &'static str {
    match DegreeType::from_slug(slug) {
        Some(DegreeType::DoctoralThesis | DegreeType::Hdr) => "phdthesis",
        Some(DegreeType::MastersDissertation) => "mastersthesis",
        Some(DegreeType::ReportStudy) => "techreport",
        Some(DegreeType::TrainingProgramme | DegreeType::Other) | None => "misc",
    }
}

/// BibTeX braces protect capitals and special characters; `{`, `}` and `\` in harvested text
/// are escaped so that an entry always parses.
fn bibtex_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '{' | '}' | '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\textbackslash{}"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn write_bibtex(s: &Summary, out: &mut String) {
    let _ = write!(out, "@{}{{essor:{},\r\n", bibtex_type(&s.r#type), s.id);
    let mut field = |name: &str, value: &str| {
        if !value.trim().is_empty() {
            let _ = write!(out, "  {name} = {{{}}},\r\n", bibtex_text(value.trim()));
        }
    };
    field("title", s.title.as_deref().unwrap_or(""));
    field("author", &s.cited_authors.join(" and "));
    if let Some(year) = s.year {
        field("year", &year.to_string());
    }
    let institution = s.institution.as_deref().unwrap_or("");
    field(
        if s.r#type == DegreeType::ReportStudy.slug() {
            "institution"
        } else {
            "school"
        },
        institution,
    );
    field("type", &s.type_label);
    field("language", s.language.as_deref().unwrap_or(""));
    field("keywords", &s.keywords.join(", "));
    field("abstract", s.abstract_text.as_deref().unwrap_or(""));
    field("doi", s.doi.as_deref().unwrap_or(""));
    field("url", s.url.as_deref().unwrap_or(""));
    field("note", &format!("essor work {}", s.id));
    out.push_str("}\r\n\r\n");
}

#[cfg(test)]
mod tests;
