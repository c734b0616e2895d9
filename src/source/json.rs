//! The keys of `kind = "json"` sources (`url` or `path`, `records`, `id`, paging by a `next`
//! link or by offset parameters) and `kind = "opendatasoft"` ones (`base_url`, `dataset`, `id`,
//! `where`), `kind = "feed"` ones (`url`, optional `id`), `kind = "hal-api"` and
//! `kind = "theses-fr"` ones (`base_url`, `query`, `filters`, `page_size`), checked.

use std::path::{Path, PathBuf};

use super::csv::{id_key, location};
use super::{Location, SourceKind, SourceSpec};

/// How a JSON API's pages follow each other.
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// One document.
    None,
    /// Each page gives the next one's URL at this dotted path; the last has none.
    Next(String),
    /// Pages asked for with `offset_param` and `limit_param`; a short page is the last.
    Offset {
        offset_param: String,
        limit_param: String,
        page_size: u32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonEndpoint {
    pub location: Location,
    /// Dotted path to the list of records; empty when the document is the list.
    pub records: String,
    /// Dotted path to each record's stable identifier.
    pub id: String,
    pub paging: Paging,
}

/// An OpenDataSoft dataset through the Explore API v2.1.
#[derive(Debug, Clone, PartialEq)]
pub struct OdsEndpoint {
    /// The portal's `…/api/explore/v2.1`.
    pub base_url: url::Url,
    pub dataset: String,
    pub id: String,
    /// An ODSQL filter (`where`), such as `date_publication >= date'2020-01-01'`.
    pub filter: Option<String>,
    /// Saved answers read instead of the network (`path`: a file, or a folder of pages read in
    /// file-name order), for offline samples and replays; the URL stays as provenance.
    pub saved: Option<PathBuf>,
}

/// An RSS 2.0 or Atom feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEndpoint {
    pub url: url::Url,
    /// The element holding each item's identifier; by default RSS's `guid` (else `link`) and
    /// Atom's `id`.
    pub id: Option<String>,
    /// Saved answers read instead of the network (`path`: a file, or a folder of pages read in
    /// file-name order), for offline samples and replays; the URL stays as provenance.
    pub saved: Option<PathBuf>,
}

pub(super) fn feed_endpoint(
    file: &Path,
    spec: &SourceSpec,
) -> Result<FeedEndpoint, (&'static str, String)> {
    if spec.url.is_none() {
        return Err((
            "url",
            "the feed's http(s) URL is required (a `path` is a saved copy, read instead of it)"
                .into(),
        ));
    }
    let without_path = SourceSpec {
        path: None,
        ..spec.clone()
    };
    match location(file, &without_path)? {
        Location::Url(url) => Ok(FeedEndpoint {
            url,
            id: spec.id.clone().filter(|id| !id.trim().is_empty()),
            saved: saved_path(file, spec),
        }),
        Location::Path(_) => Err(("url", "an http(s) URL is expected".into())),
    }
}

/// `path`, relative to the sources folder: saved answers of an API or feed source.
fn saved_path(file: &Path, spec: &SourceSpec) -> Option<PathBuf> {
    let raw = spec.path.as_deref().filter(|raw| !raw.trim().is_empty())?;
    Some(file.parent().unwrap_or(Path::new(".")).join(raw))
}

pub(super) fn json_endpoint(
    file: &Path,
    spec: &SourceSpec,
) -> Result<JsonEndpoint, (&'static str, String)> {
    let location = location(file, spec)?;
    let offset = spec.offset_param.is_some() || spec.limit_param.is_some();
    let paging = match (&spec.next, offset) {
        (Some(_), true) => {
            return Err((
                "next",
                "pages follow either a `next` link or `offset_param`/`limit_param`, not both"
                    .into(),
            ));
        }
        (Some(next), false) => Paging::Next(non_empty("next", next)?),
        (None, true) => Paging::Offset {
            offset_param: spec.offset_param.clone().unwrap_or_else(|| "offset".into()),
            limit_param: spec.limit_param.clone().unwrap_or_else(|| "limit".into()),
            page_size: match spec.page_size.unwrap_or(100) {
                0 => return Err(("page_size", "a page size above 0 is expected".into())),
                size => size,
            },
        },
        (None, false) => Paging::None,
    };
    if matches!(location, Location::Path(_)) && paging != Paging::None {
        return Err(("path", "a local file has no pages: use `url`".into()));
    }
    Ok(JsonEndpoint {
        location,
        records: spec.records.clone().unwrap_or_default(),
        id: id_key(spec)?,
        paging,
    })
}

pub(super) fn ods_endpoint(
    file: &Path,
    base_url: Option<url::Url>,
    spec: &SourceSpec,
) -> Result<OdsEndpoint, (&'static str, String)> {
    let base_url = base_url.ok_or((
        "base_url",
        "the portal's Explore API, such as \"https://data.example.org/api/explore/v2.1\", is required"
            .into(),
    ))?;
    let dataset = spec
        .dataset
        .as_deref()
        .ok_or(("dataset", "the dataset id is required".into()))
        .and_then(|d| non_empty("dataset", d))?;
    Ok(OdsEndpoint {
        saved: saved_path(file, spec),
        base_url,
        dataset,
        id: id_key(spec)?,
        filter: spec.filter.clone().filter(|f| !f.trim().is_empty()),
    })
}

fn non_empty(key: &'static str, value: &str) -> Result<String, (&'static str, String)> {
    match value.trim() {
        "" => Err((key, "a non-empty value is expected".into())),
        value => Ok(value.to_owned()),
    }
}

/// Keys that only some kinds of source take: any other kind refuses them, naming the kinds.
pub(super) fn check_keys_by_kind(spec: &SourceSpec) -> Result<(), (&'static str, String)> {
    use SourceKind::{Csv, Feed, HalApi, Json, OpenDataSoft, ThesesFr};
    let mapped_keys: [(&'static str, bool, &[SourceKind]); 17] = [
        ("url", spec.url.is_some(), &[Csv, Json, Feed]),
        ("member", spec.member.is_some(), &[Csv]),
        ("delimiter", spec.delimiter.is_some(), &[Csv]),
        ("encoding", spec.encoding.is_some(), &[Csv]),
        (
            "id",
            spec.id.is_some(),
            &[Csv, Json, OpenDataSoft, Feed, HalApi, ThesesFr],
        ),
        (
            "record_type",
            spec.record_type.is_some(),
            &[Csv, Json, OpenDataSoft, Feed, HalApi, ThesesFr],
        ),
        (
            "fields",
            spec.fields.is_some(),
            &[Csv, Json, OpenDataSoft, Feed, HalApi, ThesesFr],
        ),
        ("records", spec.records.is_some(), &[Json]),
        ("next", spec.next.is_some(), &[Json]),
        ("offset_param", spec.offset_param.is_some(), &[Json]),
        ("limit_param", spec.limit_param.is_some(), &[Json]),
        (
            "page_size",
            spec.page_size.is_some(),
            &[Json, HalApi, ThesesFr],
        ),
        ("query", spec.query.is_some(), &[HalApi, ThesesFr]),
        ("filters", spec.filters.is_some(), &[HalApi, ThesesFr]),
        ("dataset", spec.dataset.is_some(), &[OpenDataSoft]),
        ("where", spec.filter.is_some(), &[OpenDataSoft]),
        (
            "metadata_prefix",
            spec.metadata_prefix.is_some() && spec.kind.is_mapped(),
            &[],
        ),
    ];
    if let Some((key, _, kinds)) = mapped_keys
        .iter()
        .find(|(_, given, kinds)| *given && !kinds.contains(&spec.kind))
    {
        let kinds: Vec<String> = kinds.iter().map(|k| format!("\"{}\"", k.slug())).collect();
        return Err((
            key,
            match kinds.is_empty() {
                true => "not a key of this kind of source".into(),
                false => format!("only sources of kind {} have this key", kinds.join(", ")),
            },
        ));
    }
    Ok(())
}

/// HAL's search API.
#[derive(Debug, Clone, PartialEq)]
pub struct HalEndpoint {
    /// `https://api.archives-ouvertes.fr/search/` (or a portal's).
    pub base_url: url::Url,
    /// The Solr query (`q`).
    pub query: String,
    /// Filter queries (`fq`), each sent as its own parameter.
    pub filters: Vec<String>,
    pub id: String,
    pub rows: u32,
    /// Saved answers read instead of the network (`path`: a file, or a folder of pages read in
    /// file-name order), for offline samples and replays; the URL stays as provenance.
    pub saved: Option<PathBuf>,
}

pub(super) fn hal_endpoint(
    file: &Path,
    base_url: Option<url::Url>,
    spec: &SourceSpec,
) -> Result<HalEndpoint, (&'static str, String)> {
    let base_url = base_url.ok_or((
        "base_url",
        "HAL's search API, such as \"https://api.archives-ouvertes.fr/search/\", is required"
            .into(),
    ))?;
    let query = required_query(spec, "a Solr query such as \"text:(économie sociale)\"")?;
    let filters = spec.filters.clone().unwrap_or_default();
    if filters.iter().any(|f| f.trim().is_empty()) {
        return Err(("filters", "filter queries are non-empty".into()));
    }
    Ok(HalEndpoint {
        saved: saved_path(file, spec),
        base_url,
        query,
        filters,
        id: spec.id.clone().unwrap_or_else(|| "docid".into()),
        rows: match spec.page_size.unwrap_or(100) {
            size @ 1..=10_000 => size,
            _ => return Err(("page_size", "HAL serves 1 to 10,000 rows a page".into())),
        },
    })
}

/// A search API's `query`, required and non-empty; `example` shows one in the message.
fn required_query(spec: &SourceSpec, example: &str) -> Result<String, (&'static str, String)> {
    spec.query
        .as_deref()
        .ok_or(("query", format!("{example} is required")))
        .and_then(|q| non_empty("query", q))
}

/// theses.fr's search API (`/api/v1/theses/recherche/`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThesesEndpoint {
    /// `https://theses.fr/api/v1/theses/recherche/`.
    pub base_url: url::Url,
    /// The query (`q`, Lucene syntax: `discipline:"économie"`; a field the index does not know
    /// silently finds nothing).
    pub query: String,
    /// Filters (`discipline="économie"`), sent together as `filtres=[a&b]`.
    pub filters: Vec<String>,
    pub id: String,
    /// Theses per page (`nombre`).
    pub page_size: u32,
    /// Saved answers read instead of the network (`path`: a file, or a folder of pages read in
    /// file-name order), for offline samples and replays; the URL stays as provenance.
    pub saved: Option<PathBuf>,
}

pub(super) fn theses_endpoint(
    file: &Path,
    base_url: Option<url::Url>,
    spec: &SourceSpec,
) -> Result<ThesesEndpoint, (&'static str, String)> {
    let base_url = base_url.ok_or((
        "base_url",
        "theses.fr's search API, such as \"https://theses.fr/api/v1/theses/recherche/\", is required"
            .into(),
    ))?;
    let query = required_query(spec, "a query such as \"économie sociale et solidaire\"")?;
    let filters = spec.filters.clone().unwrap_or_default();
    if filters
        .iter()
        .any(|f| f.trim().is_empty() || f.contains('&'))
    {
        return Err((
            "filters",
            "each filter is non-empty and without `&`, such as `langues=\"fr\"`".into(),
        ));
    }
    Ok(ThesesEndpoint {
        saved: saved_path(file, spec),
        base_url,
        query,
        filters,
        id: spec.id.clone().unwrap_or_else(|| "id".into()),
        page_size: match spec.page_size.unwrap_or(100) {
            size @ 1..=1000 => size,
            _ => return Err(("page_size", "1 to 1,000 theses a page".into())),
        },
    })
}
