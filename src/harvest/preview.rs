//! A non-OAI source's mapping tried on its first page, without the store: what `essor sources
//! check` shows before a source is enabled. The page is fetched (or the file read) with the
//! source's own politeness and retries, and read through the same code as a harvest (`csv`,
//! `json`, `opendatasoft`, `feed`, `hal-api`, `theses-fr`), so the records and rejects shown are
//! those a harvest would store. Nothing is written.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::fetch::{Fetcher, RequestCount};
use super::json::saved_records;
use super::json::{json_items, list_at, ods_url, parse_json, with_params};
use super::saved::read_saved;
use super::{HarvestError, guard};
use crate::oai::PageItem;
use crate::source::{Endpoint, Location, Paging, Source};

/// The first page of a source as a harvest would read it.
#[derive(Debug)]
pub struct Preview {
    /// Where the page was read: a URL or a file.
    pub location: String,
    /// How many records the source says it has, when it says (`total_count`, `numFound`,
    /// `totalHits`).
    pub total: Option<u64>,
    /// Every record and reject of the page, in order.
    pub items: Vec<PageItem>,
    pub requests: u64,
}

/// Reads the first page of `source` (at most `limit` records asked for where the API takes a
/// page size; a file is read whole). OAI-PMH sources have their own live check.
pub async fn preview(source: &Source, limit: usize) -> Result<Preview, HarvestError> {
    let fetcher = Arc::new(Fetcher::new(guard::NetworkPolicy::from_env())?);
    fetcher.register(source);
    let count = RequestCount::default();
    let limit = limit.clamp(1, 100);
    let get = async |url: &url::Url| -> Result<Value, HarvestError> {
        let bytes = fetcher.fetch_bytes(source, url, &count).await?;
        parse_json(&bytes, url.as_str())
    };
    let (location, total, items) = match &source.endpoint {
        Endpoint::Oai { .. } | Endpoint::Dump { .. } => {
            return Err(HarvestError::Setup(format!(
                "{}: a preview is for sources read through [fields]; check an OAI-PMH repository with `essor sources check URL`",
                source.id
            )));
        }
        Endpoint::Csv(csv) => {
            let (bytes, location) = match &csv.location {
                Location::Url(url) => (
                    fetcher.fetch_bytes(source, url, &count).await?,
                    url.to_string(),
                ),
                Location::Path(path) => (
                    tokio::fs::read(path)
                        .await
                        .map_err(|e| HarvestError::File {
                            location: path.display().to_string(),
                            message: e.to_string(),
                        })?,
                    path.display().to_string(),
                ),
            };
            let tables =
                super::table::read_tables(&bytes, csv).map_err(|message| HarvestError::File {
                    location: location.clone(),
                    message,
                })?;
            let items = super::table::row_items(source, csv, &tables);
            (location, Some(items.len() as u64), items)
        }
        Endpoint::Json(json) => {
            let (document, location) = match &json.location {
                Location::Path(path) => {
                    let location = path.display().to_string();
                    let bytes = tokio::fs::read(path)
                        .await
                        .map_err(|e| HarvestError::File {
                            location: location.clone(),
                            message: e.to_string(),
                        })?;
                    (parse_json(&bytes, &location)?, location)
                }
                Location::Url(url) => {
                    let url = match &json.paging {
                        Paging::Offset {
                            offset_param,
                            limit_param,
                            page_size,
                        } => with_params(
                            url,
                            &[
                                (offset_param, "0".into()),
                                (limit_param, page_size.to_string()),
                            ],
                        ),
                        _ => url.clone(),
                    };
                    (get(&url).await?, url.to_string())
                }
            };
            let records = list_at(document, &json.records, &location)?;
            (location, None, json_items(source, &json.id, &records))
        }
        Endpoint::OpenDataSoft(ods) if ods.saved.is_some() => {
            let path = ods.saved.as_deref().unwrap_or(Path::new(""));
            let records = saved_records(path, "results").await?;
            let total = Some(records.len() as u64);
            let items = json_items(source, &ods.id, &records);
            (path.display().to_string(), total, items)
        }
        Endpoint::OpenDataSoft(ods) => {
            let mut params: Vec<(&str, String)> =
                ods.filter.iter().map(|w| ("where", w.clone())).collect();
            params.push(("limit", limit.to_string()));
            let url = ods_url(&ods.base_url, &ods.dataset, Some("records"), &params);
            let page = get(&url).await?;
            let total = page.get("total_count").and_then(Value::as_u64);
            let records = list_at(page, "results", url.as_str())?;
            (
                url.to_string(),
                total,
                json_items(source, &ods.id, &records),
            )
        }
        Endpoint::Feed(feed) => {
            let bytes = match &feed.saved {
                Some(path) => read_saved(path).await?,
                None => fetcher.fetch_bytes(source, &feed.url, &count).await?,
            };
            let (format, items) =
                super::feed::read_feed(&bytes).map_err(|message| HarvestError::File {
                    location: feed.url.to_string(),
                    message,
                })?;
            let total = Some(items.len() as u64);
            let items = super::feed::feed_items(source, feed, format, items);
            (feed.url.to_string(), total, items)
        }
        Endpoint::HalApi(hal) if hal.saved.is_some() => {
            let path = hal.saved.as_deref().unwrap_or(Path::new(""));
            let docs = saved_records(path, "response.docs").await?;
            let total = Some(docs.len() as u64);
            let items = super::hal::hal_items(source, hal, docs);
            (path.display().to_string(), total, items)
        }
        Endpoint::HalApi(hal) => {
            let mut hal = hal.clone();
            hal.rows = limit as u32;
            let url = super::hal::hal_url(&hal, "*");
            let page = get(&url).await?;
            let total = page.pointer("/response/numFound").and_then(Value::as_u64);
            let docs = list_at(page, "response.docs", url.as_str())?;
            let items = super::hal::hal_items(source, &hal, docs);
            (url.to_string(), total, items)
        }
        Endpoint::ThesesFr(theses) if theses.saved.is_some() => {
            let path = theses.saved.as_deref().unwrap_or(Path::new(""));
            let docs = saved_records(path, "theses").await?;
            let total = Some(docs.len() as u64);
            let items = super::theses::these_items(source, &theses.id, &docs);
            (path.display().to_string(), total, items)
        }
        Endpoint::ThesesFr(theses) => {
            let mut theses = theses.clone();
            theses.page_size = limit as u32;
            let url = super::theses::theses_url(&theses, 0);
            let page = get(&url).await?;
            let total = page.get("totalHits").and_then(Value::as_u64);
            let docs = list_at(page, "theses", url.as_str())?;
            let items = super::theses::these_items(source, &theses.id, &docs);
            (url.to_string(), total, items)
        }
    };
    Ok(Preview {
        location,
        total,
        items,
        requests: count.requests(),
    })
}

/// A source file published at `url` (a TOML entry someone proposes), fetched with the
/// default politeness and retries.
pub async fn fetch_source_file(url: &url::Url) -> Result<String, HarvestError> {
    // The fetcher's politeness and retries come from a source: a plain one for this host.
    let probe = Source::parse(
        std::path::Path::new("proposed.toml"),
        &format!("name = \"proposed\"\nkind = \"feed\"\nurl = \"{url}\"\n"),
    )
    .map_err(|e| HarvestError::Setup(e.to_string()))?;
    let fetcher = Fetcher::new(guard::NetworkPolicy::from_env())?;
    fetcher.register(&probe);
    let bytes = fetcher
        .fetch_bytes(&probe, url, &RequestCount::default())
        .await?;
    String::from_utf8(bytes).map_err(|_| HarvestError::File {
        location: url.to_string(),
        message: "a source file is UTF-8 text".into(),
    })
}
