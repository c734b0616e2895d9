//! Harvesting JSON sources, read whole like CSV files and committed the same way
//! (`Harvest::commit_rows`): kind "json" (a document or an API; the list at `records`, pages
//! by a `next` link or by offset parameters) and kind "opendatasoft" (a dataset through the
//! Explore API v2.1: `/records` in pages of 100; a dataset larger than the API's 10,000-record
//! wall (`offset + limit <= 10000`) is read from `/exports/json` instead, with the same `where`;
//! nothing is read when the dataset's `metas.default.modified` has not moved since the last
//! complete harvest; when `[fields] modified` names the records' modification date, later
//! harvests ask only for the records modified since the last value seen (`where`), and only a
//! whole read (the first, or `--full`) turns the records it did not find into deletions).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::HarvestError;
use super::saved::{read_saved, saved_files};
use super::state::{Harvest, RunState};
use super::table::mapped_item;
use crate::map::{JsonRow, RowValues, json_path};
use crate::oai::{PageItem, RejectedRecord};
use crate::source::{Field, JsonEndpoint, Location, OdsEndpoint, Paging, Source};

pub(super) const JSON_FORMAT: &str = "json";
/// OpenDataSoft's largest page, and the wall `/records` cannot page past.
const ODS_PAGE: u64 = 100;
const ODS_WALL: u64 = 10_000;
/// A guard against an API whose `next` links never end.
const MAX_PAGES: usize = 100_000;

impl Harvest {
    pub(super) async fn harvest_json(
        &self,
        json: &JsonEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        self.begin(state, None, None).await?;
        let mut records = Vec::new();
        match &json.location {
            Location::Path(path) => {
                let location = path.display().to_string();
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| HarvestError::File {
                        location: location.clone(),
                        message: e.to_string(),
                    })?;
                let document = parse_json(&bytes, &location)?;
                records = list_at(document, &json.records, &location)?;
            }
            Location::Url(first) => {
                let mut current = Some(first.clone());
                let mut seen = HashSet::new();
                let mut offset = 0usize;
                while let Some(mut url) = current.take() {
                    if let Paging::Offset {
                        offset_param,
                        limit_param,
                        page_size,
                    } = &json.paging
                    {
                        url = with_params(
                            &url,
                            &[
                                (offset_param, offset.to_string()),
                                (limit_param, page_size.to_string()),
                            ],
                        );
                    }
                    if !seen.insert(url.to_string()) || seen.len() > MAX_PAGES {
                        break;
                    }
                    let document = self.fetch_json(&url, state).await?;
                    let next = match &json.paging {
                        Paging::Next(path) => json_path(&document, path)
                            .first()
                            .and_then(|v| v.as_str())
                            .filter(|href| !href.trim().is_empty())
                            .and_then(|href| url.join(href).ok()),
                        _ => None,
                    };
                    let page = list_at(document, &json.records, url.as_str())?;
                    if let Paging::Offset { page_size, .. } = &json.paging
                        && !page.is_empty()
                        && page.len() >= *page_size as usize
                    {
                        offset += page.len();
                        current = Some(first.clone());
                    } else {
                        current = next;
                    }
                    records.extend(page);
                    self.progress.set_total(records.len() as u64);
                }
            }
        }
        let items = json_items(&self.source, &json.id, &records);
        self.commit_rows(state, items, true).await
    }

    pub(super) async fn harvest_ods(
        &self,
        ods: &OdsEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        if let Some(path) = &ods.saved {
            self.begin(state, None, None).await?;
            let records = saved_records(path, "results").await?;
            let items = json_items(&self.source, &ods.id, &records);
            return self.commit_rows(state, items, true).await;
        }
        let dataset = ods_url(&ods.base_url, &ods.dataset, None, &[]);
        let metadata = self.fetch_json(&dataset, state).await?;
        let modified = JsonRow(&metadata)
            .values("metas.default.modified")
            .into_iter()
            .next();
        let previous = OdsMark::parse(state.checkpoint.watermark.as_deref());
        let unchanged = !self.full
            && state.checkpoint.active.is_none()
            && modified.is_some()
            && modified == previous.modified;
        // Incremental: only the records whose modified field reached the last value seen.
        let field = ods_modified_field(&self.source);
        let from = match (&field, self.full) {
            (Some(_), false) => previous.last.clone(),
            _ => None,
        };
        self.begin(state, from, None).await?;
        if unchanged {
            tracing::info!(source = %self.source.id, "dataset not modified since the last harvest");
            if let Some(active) = state.checkpoint.active.as_mut() {
                active.until = state.checkpoint.watermark.clone();
            }
            return Ok(());
        }
        // A resumed run asks for what the interrupted one asked for.
        let from = state
            .checkpoint
            .active
            .as_ref()
            .and_then(|a| a.from.clone());
        let mut clauses: Vec<String> = ods.filter.iter().map(|w| format!("({w})")).collect();
        if let (Some(field), Some(from)) = (&field, &from) {
            // `>=`, not `>`: a field with day precision may change again on the day last seen;
            // those records are read again and, unchanged, cost no write.
            clauses.push(format!("{field} >= date'{}'", from.replace('\'', "")));
        }
        let mut filter: Vec<(&str, String)> = Vec::new();
        if !clauses.is_empty() {
            filter.push(("where", clauses.join(" AND ")));
        }
        if let Some(field) = &field {
            filter.push(("order_by", format!("{field} asc")));
        }
        let mut records = Vec::new();
        let mut offset = 0u64;
        loop {
            let mut params = filter.clone();
            params.push(("limit", ODS_PAGE.to_string()));
            params.push(("offset", offset.to_string()));
            let url = ods_url(&ods.base_url, &ods.dataset, Some("records"), &params);
            let page = self.fetch_json(&url, state).await?;
            let total = page.get("total_count").and_then(Value::as_u64).unwrap_or(0);
            if total > ODS_WALL {
                // /records cannot reach the end: the export has every record, in one answer.
                let url = ods_url(&ods.base_url, &ods.dataset, Some("exports/json"), &filter);
                records = list_at(self.fetch_json(&url, state).await?, "", url.as_str())?;
                break;
            }
            let results = list_at(page, "results", url.as_str())?;
            let count = results.len() as u64;
            records.extend(results);
            offset += count;
            self.progress.set_total(total);
            if count < ODS_PAGE || offset >= total || offset + ODS_PAGE > ODS_WALL {
                break;
            }
        }
        let last = field.as_deref().and_then(|field| {
            records
                .iter()
                .filter_map(|r| JsonRow(r).values(field).into_iter().next())
                .chain(from.clone())
                .max()
        });
        if let Some(active) = state.checkpoint.active.as_mut() {
            active.until = Some(OdsMark { modified, last }.to_string());
        }
        let items = json_items(&self.source, &ods.id, &records);
        // A partial read says nothing of the records it did not ask for: only a whole read
        // turns the records it did not find into deletions.
        self.commit_rows(state, items, from.is_none()).await
    }

    /// GETs and parses a JSON answer (a UTF-8 BOM is dropped).
    pub(super) async fn fetch_json(
        &self,
        url: &url::Url,
        state: &RunState,
    ) -> Result<Value, HarvestError> {
        let bytes = self
            .fetcher
            .fetch_bytes(&self.source, url, &state.count)
            .await?;
        let location = url.to_string();
        tokio::task::spawn_blocking(move || parse_json(&bytes, &location))
            .await
            .map_err(|e| HarvestError::Setup(e.to_string()))?
    }
}

/// Every record of the saved JSON pages at `path`: each page's list at `list_path` (or the page
/// itself when it is a list, as OpenDataSoft's exports are), in order.
pub(super) async fn saved_records(
    path: &Path,
    list_path: &str,
) -> Result<Vec<Value>, HarvestError> {
    let mut records = Vec::new();
    for file in saved_files(path).await? {
        let location = file.display().to_string();
        let page = parse_json(&read_saved(&file).await?, &location)?;
        match page {
            Value::Array(items) => records.extend(items),
            page => records.extend(list_at(page, list_path, &location)?),
        }
    }
    Ok(records)
}

pub(super) fn parse_json(bytes: &[u8], location: &str) -> Result<Value, HarvestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| HarvestError::File {
        location: location.to_owned(),
        message: format!("not JSON: {e}"),
    })
}

/// The records at `path`: a list (or one object, a one-record page).
pub(super) fn list_at(
    document: Value,
    path: &str,
    location: &str,
) -> Result<Vec<Value>, HarvestError> {
    let found = json_path(&document, path).into_iter().next().cloned();
    match found {
        Some(Value::Array(items)) => Ok(items),
        Some(object @ Value::Object(_)) if !path.is_empty() => Ok(vec![object]),
        Some(Value::Null) => Ok(Vec::new()),
        _ => Err(HarvestError::File {
            location: location.to_owned(),
            message: format!("no list of records at {path:?}"),
        }),
    }
}

/// An OpenDataSoft source's watermark: the dataset's `modified` metadata when last read whole
/// or in part, and the largest value of the records' modified field seen so far. Stored as
/// the bare `modified` when there is no field (the form older stores hold), else as JSON.
#[derive(Debug, Default, PartialEq)]
struct OdsMark {
    modified: Option<String>,
    last: Option<String>,
}

impl OdsMark {
    fn parse(stored: Option<&str>) -> OdsMark {
        let Some(stored) = stored else {
            return OdsMark::default();
        };
        match serde_json::from_str::<Value>(stored) {
            Ok(Value::Object(object)) => {
                let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
                OdsMark {
                    modified: text("modified"),
                    last: text("last"),
                }
            }
            _ => OdsMark {
                modified: Some(stored.to_owned()),
                last: None,
            },
        }
    }
}

impl std::fmt::Display for OdsMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.modified, &self.last) {
            (Some(modified), None) => f.write_str(modified),
            (modified, last) => {
                let mark = serde_json::json!({ "modified": modified, "last": last });
                write!(f, "{mark}")
            }
        }
    }
}

/// The dataset field an incremental read filters on: `[fields] modified` when it names a
/// plain field read as a date (no constant, split or format of its own).
fn ods_modified_field(source: &Source) -> Option<String> {
    let rule = source.fields.get(Field::Modified)?;
    let field = rule.from.as_deref()?;
    let plain = rule.value.is_none()
        && rule.split.is_none()
        && rule.date_format.is_none()
        && !field.is_empty()
        && field.chars().all(|c| c.is_alphanumeric() || c == '_');
    plain.then(|| field.to_owned())
}

/// `url` with these query parameters set (replacing any of the same names).
pub(super) fn with_params(url: &url::Url, params: &[(&String, String)]) -> url::Url {
    let mut url = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| !params.iter().any(|(name, _)| name.as_str() == key))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    url
}

/// `{base}/catalog/datasets/{dataset}[/{tail}]?{params}` (parameters percent-encoded).
pub(super) fn ods_url(
    base: &url::Url,
    dataset: &str,
    tail: Option<&str>,
    params: &[(&str, String)],
) -> url::Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["catalog", "datasets", dataset]);
        if let Some(tail) = tail {
            segments.extend(tail.split('/'));
        }
    }
    if !params.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
}

/// Each record as a mapped record or a reject (no id, an id already read, no title).
pub(super) fn json_items(source: &Source, id_path: &str, records: &[Value]) -> Vec<PageItem> {
    json_items_as(source, JSON_FORMAT, id_path, records)
}

/// [`json_items`] with the format name stored with each record.
pub(super) fn json_items_as(
    source: &Source,
    format: &'static str,
    id_path: &str,
    records: &[Value],
) -> Vec<PageItem> {
    let mut seen = HashSet::new();
    records
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let row = JsonRow(value);
            let raw = value.to_string();
            let location = format!("record {}", index + 1);
            let reject = |identifier, reason: String| {
                PageItem::Reject(RejectedRecord {
                    identifier,
                    datestamp: None,
                    reason: format!("{location}: {reason}"),
                    raw: raw.clone(),
                })
            };
            let id = row
                .values(id_path)
                .into_iter()
                .map(|v| v.trim().to_owned())
                .find(|v| !v.is_empty());
            match id {
                None => reject(None, format!("no value at the id path {id_path:?}")),
                Some(id) if !seen.insert(id.clone()) => {
                    reject(None, format!("id {id:?} was already read"))
                }
                Some(id) => mapped_item(source, format, id, raw, &row, &location),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_paging_parameters_encoded() {
        let base = url::Url::parse("https://data.example.org/api/explore/v2.1/").unwrap();
        let url = ods_url(
            &base,
            "ess-etablissements",
            Some("records"),
            &[
                ("where", "date >= date'2020-01-01'".into()),
                ("limit", "100".into()),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://data.example.org/api/explore/v2.1/catalog/datasets/ess-etablissements/records?where=date+%3E%3D+date%272020-01-01%27&limit=100"
        );
        let page = url::Url::parse("https://x.org/api?q=ess&offset=7").unwrap();
        let (offset, limit) = ("offset".to_owned(), "limit".to_owned());
        assert_eq!(
            with_params(&page, &[(&offset, "200".into()), (&limit, "100".into())]).as_str(),
            "https://x.org/api?q=ess&offset=200&limit=100"
        );
    }

    #[test]
    fn ods_watermarks_read_the_bare_form_of_older_stores() {
        let old = OdsMark::parse(Some("2026-10-01T00:00:00+00:00"));
        assert_eq!(old.modified.as_deref(), Some("2026-10-01T00:00:00+00:00"));
        assert_eq!(old.last, None);
        assert_eq!(old.to_string(), "2026-10-01T00:00:00+00:00");
        let mark = OdsMark {
            modified: Some("2026-11-01".into()),
            last: Some("2024-09-01".into()),
        };
        assert_eq!(OdsMark::parse(Some(&mark.to_string())), mark);
        assert_eq!(OdsMark::parse(None), OdsMark::default());
    }

    /// Fuzzing (issue 18): JSON answers mutated from HAL's real one are read, and their record
    /// lists and fields looked up, without a panic.
    #[test]
    fn fuzzed_json_answers_are_read_without_panicking() {
        let hal = std::fs::read(
            crate::test_support::fixtures_dir().join("non-oai/hal-search-droit-2026-10-04.json"),
        )
        .unwrap();
        let small = br#"{"results": [{"id": 1, "title": {"fr": "Coop\u00e9ratives"}, "a": [1, [2, {"b": null}]]}], "total_count": 1}"#;
        crate::test_support::fuzz("json", &[&hal, small], |bytes| {
            let Ok(document) = parse_json(bytes, "fuzz") else {
                return;
            };
            for path in ["response.docs", "results", "", "a.b.c"] {
                if let Ok(records) = list_at(document.clone(), path, "fuzz") {
                    for record in &records {
                        let _ = json_path(record, "title.fr");
                        let _ = json_path(record, "a.b");
                    }
                }
            }
        });
    }
}
