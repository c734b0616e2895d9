//! The keys of a `kind = "csv"` source: where the file is (`url` or `path`), the ZIP `member`,
//! `delimiter`, `encoding` and the `id` column, checked into a [`CsvEndpoint`].

use std::path::{Path, PathBuf};

use super::SourceSpec;

/// Where a file comes from: downloaded, or read from the sources folder.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Url(url::Url),
    Path(PathBuf),
}

/// The text encodings a CSV file may be declared in (otherwise sniffed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    #[default]
    Utf8,
    /// Windows-1252, which is also what "Latin-1" files are in practice.
    Windows1252,
}

/// A CSV source, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvEndpoint {
    pub location: Location,
    /// In a ZIP, the members to read: a file-name pattern with `*` and `?` (accents and case
    /// ignored: RNCP's names come in NFC or NFD).
    pub member: Option<String>,
    pub delimiter: Option<u8>,
    pub encoding: Option<TextEncoding>,
    /// The column holding each row's stable identifier.
    pub id: String,
}

/// The CSV keys of a source file, checked; an error names the key.
pub(super) fn csv_endpoint(
    file: &Path,
    spec: &SourceSpec,
) -> Result<CsvEndpoint, (&'static str, String)> {
    let location = location(file, spec)?;
    let delimiter = match spec.delimiter.as_deref() {
        None => None,
        Some(text) if text.len() == 1 && text != "\"" && text != "\n" => text.bytes().next(),
        Some("\\t" | "tab") => Some(b'\t'),
        Some(other) => {
            return Err((
                "delimiter",
                format!("one ASCII character such as \";\" or \",\" is expected, got {other:?}"),
            ));
        }
    };
    let encoding = match spec
        .encoding
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("utf-8" | "utf8") => Some(TextEncoding::Utf8),
        Some("windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1") => {
            Some(TextEncoding::Windows1252)
        }
        Some(other) => {
            return Err((
                "encoding",
                format!("\"utf-8\", \"windows-1252\" or \"latin-1\" is expected, got {other:?}"),
            ));
        }
    };
    let id = id_key(spec)?;
    if spec.member.as_deref().is_some_and(str::is_empty) {
        return Err((
            "member",
            "a file-name pattern such as \"*.csv\" is expected".into(),
        ));
    }
    Ok(CsvEndpoint {
        location,
        member: spec.member.clone(),
        delimiter,
        encoding,
        id,
    })
}

/// `url` or `path` (relative to the sources folder), exactly one of them; never a base_url.
pub(super) fn location(file: &Path, spec: &SourceSpec) -> Result<Location, (&'static str, String)> {
    if spec.base_url.is_some() {
        return Err((
            "base_url",
            "this kind of source has a `url` or a `path`, not a base_url".into(),
        ));
    }
    match (&spec.url, &spec.path) {
        (Some(raw), None) => {
            let url = url::Url::parse(raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or(("url", format!("an http(s) URL is expected, got {raw:?}")))?;
            Ok(Location::Url(url))
        }
        (None, Some(raw)) => Ok(Location::Path(
            file.parent().unwrap_or(Path::new(".")).join(raw),
        )),
        _ => Err((
            "url",
            "exactly one of `url` and `path` (relative to the sources folder) is required".into(),
        )),
    }
}

/// The `id` key: where each record's stable identifier is.
pub(super) fn id_key(spec: &SourceSpec) -> Result<String, (&'static str, String)> {
    spec.id.clone().filter(|id| !id.trim().is_empty()).ok_or((
        "id",
        "the column (or dotted path) holding each record's stable identifier is required".into(),
    ))
}
