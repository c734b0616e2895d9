//! The keys of `kind = "json"` sources (`url` or `path`, `records`, `id`, paging by a `next`
//! link or by offset parameters) and `kind = "opendatasoft"` ones (`base_url`, `dataset`, `id`,
//! `where`) and `kind = "feed"` ones (`url`, optional `id`), checked.

use std::path::Path;

use super::csv::{id_key, location};
use super::{Location, SourceSpec};

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
}

/// An RSS 2.0 or Atom feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEndpoint {
    pub url: url::Url,
    /// The element holding each item's identifier; by default RSS's `guid` (else `link`) and
    /// Atom's `id`.
    pub id: Option<String>,
}

pub(super) fn feed_endpoint(
    file: &Path,
    spec: &SourceSpec,
) -> Result<FeedEndpoint, (&'static str, String)> {
    match location(file, spec)? {
        Location::Url(url) => Ok(FeedEndpoint {
            url,
            id: spec.id.clone().filter(|id| !id.trim().is_empty()),
        }),
        Location::Path(_) => Err(("path", "a feed is read from its `url`".into())),
    }
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
