//! Harvest sources: one TOML file per source in `harvest-sources/`, the file stem being its id.
//!
//! The keys of a source file are a contract with users and scripts: `SourceSpec` mirrors the file
//! exactly (unknown keys are refused), and `Source` is the validated form the harvester uses.
//! Non-OAI sources (`kind = "csv"`) add a `[fields]` mapping, validated in `fields.rs`.

mod csv;
mod fields;
mod json;
mod values;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use crate::vocab::RecordType;
use csv::csv_endpoint;
pub use csv::{CsvEndpoint, Location, TextEncoding};
pub use fields::{Field, FieldMap, FieldRule, LevelScale};
pub use json::{FeedEndpoint, HalEndpoint, JsonEndpoint, OdsEndpoint, Paging, ThesesEndpoint};
use json::{
    check_keys_by_kind, feed_endpoint, hal_endpoint, json_endpoint, ods_endpoint, theses_endpoint,
};
use values::{describe_toml_error, parse_base_url};
pub use values::{is_iso_3166_2, parse_duration};

/// A source id: the file stem of its TOML file (`hal-theses.toml` → `hal-theses`).
///
/// Ids appear in URLs, set specs (`source:hal-theses`) and store keys, so they are restricted to
/// lowercase ASCII letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(String);

impl SourceId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(SourceId(raw.to_owned()))
        } else {
            Err(format!(
                "source id `{raw}` must be 1-64 characters among a-z, 0-9, `-` and `_`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How records are obtained from a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SourceKind {
    /// A live OAI-PMH 2.0 endpoint.
    #[serde(rename = "oai-pmh")]
    OaiPmh,
    /// A folder of saved ListRecords responses (`*.xml`, `*.xml.gz`), read in file-name order
    /// through the same parser as live responses.
    #[serde(rename = "oai-pmh-dump")]
    OaiPmhDump,
    /// A CSV file (or CSV files in a ZIP), by `url` or `path`, re-read whole each harvest.
    #[serde(rename = "csv")]
    Csv,
    /// A JSON document or API: the list at `records`, paged by a `next` link or offsets.
    #[serde(rename = "json")]
    Json,
    /// An OpenDataSoft portal's dataset (Explore API v2.1).
    #[serde(rename = "opendatasoft")]
    OpenDataSoft,
    /// An RSS 2.0 or Atom feed: its latest items, fetched conditionally.
    #[serde(rename = "feed")]
    Feed,
    /// HAL's search API (Solr), paged by cursor.
    #[serde(rename = "hal-api")]
    HalApi,
    /// theses.fr's search API, paged by `debut`/`nombre`.
    #[serde(rename = "theses-fr")]
    ThesesFr,
}

impl SourceKind {
    /// The name in source files (`kind = "…"`).
    pub const fn slug(self) -> &'static str {
        match self {
            SourceKind::OaiPmh => "oai-pmh",
            SourceKind::OaiPmhDump => "oai-pmh-dump",
            SourceKind::Csv => "csv",
            SourceKind::Json => "json",
            SourceKind::OpenDataSoft => "opendatasoft",
            SourceKind::Feed => "feed",
            SourceKind::HalApi => "hal-api",
            SourceKind::ThesesFr => "theses-fr",
        }
    }

    /// Sources read through a `[fields]` mapping rather than an OAI-PMH crosswalk.
    pub fn is_mapped(self) -> bool {
        matches!(
            self,
            SourceKind::Csv
                | SourceKind::Json
                | SourceKind::OpenDataSoft
                | SourceKind::Feed
                | SourceKind::HalApi
                | SourceKind::ThesesFr
        )
    }
}

/// A source file exactly as written. Every field but `name` and `kind` is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub name: String,
    pub kind: SourceKind,
    pub base_url: Option<String>,
    pub path: Option<String>,
    pub metadata_prefix: Option<String>,
    #[serde(default)]
    pub sets: Vec<String>,
    pub institution: Option<String>,
    pub region: Option<String>,
    pub homepage: Option<String>,
    pub requests_per_second: Option<f64>,
    pub harvest_every: Option<String>,
    pub enabled: Option<bool>,
    pub max_retries: Option<u32>,
    pub retry_backoff: Option<String>,
    pub timeout: Option<String>,
    pub role: Option<SourceRole>,
    pub min_ess_relevance: Option<f64>,
    pub url: Option<String>,
    pub member: Option<String>,
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub id: Option<String>,
    pub record_type: Option<RecordType>,
    pub fields: Option<toml::Table>,
    pub records: Option<String>,
    pub next: Option<String>,
    pub offset_param: Option<String>,
    pub limit_param: Option<String>,
    pub page_size: Option<u32>,
    pub dataset: Option<String>,
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub query: Option<String>,
    pub filters: Option<Vec<String>>,
}

/// What kind of repository a source is. When several sources describe one work, each field is
/// taken from the most authoritative source that has it, in this order (doctoral metadata is
/// catalogued by theses.fr, deposited in HAL, mirrored by institutions, cited by observatories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceRole {
    /// theses.fr / STAR: the national catalogue of doctoral theses.
    ThesisCatalogue,
    /// HAL, TEL, DUMAS: national open archives.
    OpenArchive,
    /// A university's own repository (DSpace, EPrints).
    InstitutionalRepository,
    /// A regional ESS observatory (CRESS) or study centre.
    Observatory,
}

/// Where a source's records come from, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Oai {
        base_url: url::Url,
    },
    Dump {
        folder: PathBuf,
        base_url: Option<url::Url>,
    },
    Csv(CsvEndpoint),
    Json(JsonEndpoint),
    OpenDataSoft(OdsEndpoint),
    Feed(FeedEndpoint),
    HalApi(HalEndpoint),
    ThesesFr(ThesesEndpoint),
}

/// A validated source, ready to harvest.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: SourceId,
    pub name: String,
    pub endpoint: Endpoint,
    pub metadata_prefix: String,
    /// Empty means the whole repository.
    pub sets: Vec<String>,
    pub institution: Option<String>,
    /// ISO 3166-2 code such as `FR-BRE`: where the source's records come from, for a regional
    /// repository or observatory. A national archive declares none: each record is placed by
    /// the institution it names (`normalize::institution_regions`), which also wins over this.
    pub region: Option<String>,
    pub homepage: Option<String>,
    /// Politeness towards the source's host; shared by every source on that host.
    pub requests_per_second: f64,
    pub harvest_every: Option<Duration>,
    pub enabled: bool,
    /// Retries per request after the first attempt, on transient faults only.
    pub max_retries: u32,
    /// First backoff delay; doubled each retry (with jitter) up to [`MAX_BACKOFF`].
    pub retry_backoff: Duration,
    /// Whole-request timeout (connect + headers + body).
    pub timeout: Duration,
    /// The file the source was read from, for messages.
    pub file: PathBuf,
    /// Precedence of this source's fields in works (default: institutional repository).
    pub role: SourceRole,
    /// Records whose ESS relevance (0 to 1) is below this are kept as records but not made into
    /// works: for repositories that mix ESS and other research.
    pub min_ess_relevance: Option<f64>,
    /// The type of every record of a non-OAI source.
    pub record_type: Option<RecordType>,
    /// How a non-OAI source's rows become records (empty for OAI-PMH sources).
    pub fields: FieldMap,
    /// Its URL was submitted by a stranger (a registered repository), not written by the
    /// operators: fetched through the guarded client (`harvest::guard`), whose address rules
    /// hold at every connection and redirect.
    pub untrusted: bool,
}

/// Backoff never grows beyond this, whatever the retry count.
pub const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// A source file that cannot be used, with a message naming the file, the key and what is expected.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{file}: cannot read: {error}")]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: PathBuf, message: String },
    #[error("{file}: key `{key}`: {expected}")]
    Invalid {
        file: PathBuf,
        key: &'static str,
        expected: String,
    },
    #[error("{file}: {message}")]
    Id { file: PathBuf, message: String },
    #[error("{dir}: cannot list source files: {error}")]
    Dir { dir: PathBuf, error: std::io::Error },
    #[error("{file}: no source `{id}` in {dir} (known: {known})")]
    Unknown {
        id: String,
        file: PathBuf,
        dir: PathBuf,
        known: String,
    },
    #[error("two source files have the id `{id}`: {first} and {second}")]
    DuplicateId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
}

impl Source {
    /// Reads and validates one source file.
    pub fn load(file: &Path) -> Result<Source, SourceError> {
        let text = std::fs::read_to_string(file).map_err(|error| SourceError::Read {
            file: file.to_owned(),
            error,
        })?;
        Source::parse(file, &text)
    }

    /// Validates the text of a source file; `file` gives the id and resolves relative paths.
    pub fn parse(file: &Path, text: &str) -> Result<Source, SourceError> {
        let spec: SourceSpec = toml::from_str(text).map_err(|error| SourceError::Syntax {
            file: file.to_owned(),
            message: describe_toml_error(text, &error),
        })?;
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let id = SourceId::parse(stem).map_err(|message| SourceError::Id {
            file: file.to_owned(),
            message,
        })?;
        let invalid = |key: &'static str, expected: String| SourceError::Invalid {
            file: file.to_owned(),
            key,
            expected,
        };

        if spec.name.trim().is_empty() {
            return Err(invalid("name", "a non-empty name is expected".into()));
        }
        let base_url = spec
            .base_url
            .as_deref()
            .map(|raw| parse_base_url(raw).map_err(|e| invalid("base_url", e)))
            .transpose()?;
        let endpoint = match spec.kind {
            SourceKind::OaiPmh => {
                if spec.path.is_some() {
                    return Err(invalid(
                        "path",
                        "only sources of kind \"oai-pmh-dump\" have a path".into(),
                    ));
                }
                let base_url = base_url.ok_or_else(|| {
                    invalid(
                        "base_url",
                        "an http(s) URL is required for kind \"oai-pmh\"".into(),
                    )
                })?;
                Endpoint::Oai { base_url }
            }
            SourceKind::OaiPmhDump => {
                let raw = spec.path.as_deref().ok_or_else(|| {
                    invalid(
                        "path",
                        "a folder of saved ListRecords responses is required for kind \"oai-pmh-dump\"".into(),
                    )
                })?;
                let folder = file.parent().unwrap_or(Path::new(".")).join(raw);
                Endpoint::Dump { folder, base_url }
            }
            SourceKind::Csv => {
                Endpoint::Csv(csv_endpoint(file, &spec).map_err(|(key, e)| invalid(key, e))?)
            }
            SourceKind::Json => {
                Endpoint::Json(json_endpoint(file, &spec).map_err(|(key, e)| invalid(key, e))?)
            }
            SourceKind::OpenDataSoft => Endpoint::OpenDataSoft(
                ods_endpoint(file, base_url.clone(), &spec).map_err(|(key, e)| invalid(key, e))?,
            ),
            SourceKind::Feed => {
                Endpoint::Feed(feed_endpoint(file, &spec).map_err(|(key, e)| invalid(key, e))?)
            }
            SourceKind::HalApi => Endpoint::HalApi(
                hal_endpoint(file, base_url.clone(), &spec).map_err(|(key, e)| invalid(key, e))?,
            ),
            SourceKind::ThesesFr => Endpoint::ThesesFr(
                theses_endpoint(file, base_url.clone(), &spec)
                    .map_err(|(key, e)| invalid(key, e))?,
            ),
        };
        check_keys_by_kind(&spec).map_err(|(key, e)| invalid(key, e))?;
        let fields = match &spec.fields {
            Some(table) => FieldMap::parse(table).map_err(|e| invalid("fields", e))?,
            None if spec.kind.is_mapped()
                && !matches!(
                    spec.kind,
                    SourceKind::Feed | SourceKind::HalApi | SourceKind::ThesesFr
                ) =>
            {
                return Err(invalid(
                    "fields",
                    "a [fields] table mapping at least `title` to a column is required".into(),
                ));
            }
            None => FieldMap::default(),
        };
        let metadata_prefix = spec.metadata_prefix.unwrap_or_else(|| "oai_dc".to_owned());
        if metadata_prefix.is_empty()
            || !metadata_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.!~*'()".contains(c))
        {
            return Err(invalid(
                "metadata_prefix",
                format!(
                    "a metadata prefix such as \"oai_dc\" is expected, got {metadata_prefix:?}"
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for set in &spec.sets {
            if set.is_empty() || set.chars().any(char::is_whitespace) {
                return Err(invalid(
                    "sets",
                    format!("set specs are non-empty and without spaces, got {set:?}"),
                ));
            }
            if !seen.insert(set) {
                return Err(invalid("sets", format!("set {set:?} is listed twice")));
            }
        }
        if let Some(region) = &spec.region
            && !is_iso_3166_2(region)
        {
            return Err(invalid(
                "region",
                format!("an ISO 3166-2 code such as \"FR-BRE\" is expected, got {region:?}"),
            ));
        }
        let requests_per_second = spec.requests_per_second.unwrap_or(1.0);
        if !(requests_per_second.is_finite() && requests_per_second > 0.0) {
            return Err(invalid(
                "requests_per_second",
                format!("a positive number such as 1.0 is expected, got {requests_per_second}"),
            ));
        }
        let duration =
            |key: &'static str, raw: &Option<String>, default: Option<Duration>| match raw {
                None => Ok(default),
                Some(raw) => parse_duration(raw).map(Some).map_err(|e| invalid(key, e)),
            };
        let harvest_every = duration("harvest_every", &spec.harvest_every, None)?;
        let retry_backoff = duration(
            "retry_backoff",
            &spec.retry_backoff,
            Some(Duration::from_secs(1)),
        )?
        .unwrap_or_default();
        let timeout =
            duration("timeout", &spec.timeout, Some(Duration::from_secs(60)))?.unwrap_or_default();
        if timeout.is_zero() {
            return Err(invalid(
                "timeout",
                "a duration above zero is expected".into(),
            ));
        }
        if let Some(threshold) = spec.min_ess_relevance
            && !(0.0..=1.0).contains(&threshold)
        {
            return Err(invalid(
                "min_ess_relevance",
                format!("a relevance between 0.0 and 1.0 is expected, got {threshold}"),
            ));
        }
        let max_retries = spec.max_retries.unwrap_or(5);
        if max_retries > 100 {
            return Err(invalid(
                "max_retries",
                format!("at most 100 retries, got {max_retries}"),
            ));
        }
        Ok(Source {
            id,
            name: spec.name,
            endpoint,
            metadata_prefix,
            sets: spec.sets,
            institution: spec.institution,
            region: spec.region,
            homepage: spec.homepage,
            requests_per_second,
            harvest_every,
            enabled: spec.enabled.unwrap_or(true),
            max_retries,
            retry_backoff,
            timeout,
            file: file.to_owned(),
            role: spec.role.unwrap_or(SourceRole::InstitutionalRepository),
            min_ess_relevance: spec.min_ess_relevance,
            // theses.fr holds theses only: its records are theses unless told otherwise.
            record_type: match spec.kind {
                SourceKind::ThesesFr => spec.record_type.or(Some(RecordType::Thesis)),
                _ => spec.record_type,
            },
            fields,
            untrusted: false,
        })
    }

    /// The repository's own address, for provenance.
    pub fn base_url(&self) -> Option<&url::Url> {
        match &self.endpoint {
            Endpoint::Oai { base_url } => Some(base_url),
            Endpoint::Dump { base_url, .. } => base_url.as_ref(),
            Endpoint::Csv(CsvEndpoint { location, .. })
            | Endpoint::Json(JsonEndpoint { location, .. }) => match location {
                Location::Url(url) => Some(url),
                Location::Path(_) => None,
            },
            Endpoint::OpenDataSoft(ods) => Some(&ods.base_url),
            Endpoint::Feed(feed) => Some(&feed.url),
            Endpoint::HalApi(hal) => Some(&hal.base_url),
            Endpoint::ThesesFr(theses) => Some(&theses.base_url),
        }
    }
}

/// Loads every `*.toml` directly in `dir`, in name order. Subfolders are other collections of
/// sources (`harvest-sources/samples/` holds the offline samples) and are not mixed in. Any
/// invalid file fails the whole load: a harvest from a half-read configuration would silently
/// skip sources.
pub fn load_dir(dir: &Path) -> Result<Vec<Source>, SourceError> {
    let mut files = Vec::new();
    collect_toml_files(dir, &mut files)?;
    files.sort();
    let mut sources: Vec<Source> = Vec::with_capacity(files.len());
    for file in files {
        let source = Source::load(&file)?;
        if let Some(other) = sources.iter().find(|s| s.id == source.id) {
            return Err(SourceError::DuplicateId {
                id: source.id.to_string(),
                first: other.file.clone(),
                second: source.file,
            });
        }
        sources.push(source);
    }
    Ok(sources)
}

/// The sources named by `ids`, in that order; every enabled source when `ids` is empty.
/// An unknown id is an error naming the known ones (a typo must not harvest nothing quietly).
pub fn select(sources: &[Source], ids: &[String]) -> Result<Vec<Source>, SourceError> {
    if ids.is_empty() {
        return Ok(sources.iter().filter(|s| s.enabled).cloned().collect());
    }
    ids.iter()
        .map(|id| {
            sources
                .iter()
                .find(|s| s.id.as_str() == id)
                .cloned()
                .ok_or_else(|| {
                    let dir = sources
                        .first()
                        .and_then(|s| s.file.parent())
                        .map(Path::to_owned)
                        .unwrap_or_default();
                    SourceError::Unknown {
                        id: id.clone(),
                        file: dir.join(format!("{id}.toml")),
                        known: sources
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        dir,
                    }
                })
        })
        .collect()
}

fn collect_toml_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|error| SourceError::Dir {
        dir: dir.to_owned(),
        error,
    })?;
    for entry in entries {
        let entry = entry.map_err(|error| SourceError::Dir {
            dir: dir.to_owned(),
            error,
        })?;
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
