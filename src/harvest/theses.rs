//! Harvesting theses.fr's search API (`kind = "theses-fr"`): `q`, `filtres=[a&b]`,
//! `tri=dateAsc`, pages of `nombre` theses from `debut` until `totalHits` (exact) is reached or
//! a page comes back empty. Each thesis goes through `map::map_these` (its `dd/MM/yyyy` dates,
//! persons with IdRef PPNs, jury roles), or through the source's `[fields]` when it has one.
//! theses.fr has no modified-since: every harvest reads the whole query, an unchanged thesis
//! costing no write, and a thesis no longer found (a thesis in preparation, `s…`, once defended
//! comes back under its NNT) becomes a deletion, through the commit path of the other non-OAI
//! sources.

use std::collections::HashSet;

use serde_json::Value;

use super::HarvestError;
use super::json::json_items_as;
use super::state::{Harvest, RunState};
use crate::map::{JsonRow, RowValues, THESES_FR_FORMAT, map_these};
use crate::oai::{HarvestedRecord, PageItem, RejectedRecord};
use crate::source::{Source, ThesesEndpoint};

/// A guard against a server whose `totalHits` never stops growing.
const MAX_PAGES: u64 = 100_000;

impl Harvest {
    pub(super) async fn harvest_theses(
        &self,
        theses: &ThesesEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        self.begin(state, None, None).await?;
        if let Some(path) = &theses.saved {
            let docs = super::json::saved_records(path, "theses").await?;
            let items = these_items(&self.source, &theses.id, &docs);
            return self.commit_rows(state, items, true).await;
        }
        let mut docs = Vec::new();
        let mut start = 0u64;
        for _ in 0..MAX_PAGES {
            let url = theses_url(theses, start);
            let page = self.fetch_json(&url, state).await?;
            let found = match page.get("theses") {
                Some(Value::Array(found)) => found.clone(),
                Some(Value::Null) | None if page.get("totalHits").is_some() => Vec::new(),
                _ => {
                    return Err(HarvestError::File {
                        location: url.to_string(),
                        message: "no list `theses` in theses.fr's answer".into(),
                    });
                }
            };
            let total = page.get("totalHits").and_then(Value::as_u64).unwrap_or(0);
            self.progress.set_total(total);
            start += found.len() as u64;
            let empty = found.is_empty();
            docs.extend(found);
            if empty || start >= total {
                break;
            }
        }
        let items = these_items(&self.source, &theses.id, &docs);
        self.commit_rows(state, items, true).await
    }
}

/// The page from `start`: parameters percent-encoded by the URL builder.
pub(super) fn theses_url(theses: &ThesesEndpoint, start: u64) -> url::Url {
    let mut url = theses.base_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("q", &theses.query);
        if !theses.filters.is_empty() {
            query.append_pair("filtres", &format!("[{}]", theses.filters.join("&")));
        }
        query
            .append_pair("debut", &start.to_string())
            .append_pair("nombre", &theses.page_size.to_string())
            .append_pair("tri", "dateAsc");
    }
    url
}

/// Each thesis as a record or a reject: through the source's `[fields]` when it maps them,
/// else through theses.fr's crosswalk. A thesis met twice with the same content (pages sorted
/// by date shift when theses are added between two requests) is read once.
pub(super) fn these_items(source: &Source, id_path: &str, docs: &[Value]) -> Vec<PageItem> {
    let mut unique = Vec::with_capacity(docs.len());
    let mut seen = HashSet::new();
    for doc in docs {
        if seen.insert(doc.to_string()) {
            unique.push(doc.clone());
        }
    }
    if !source.fields.rules.is_empty() {
        return json_items_as(source, THESES_FR_FORMAT, id_path, &unique);
    }
    let mut ids = HashSet::new();
    unique
        .iter()
        .enumerate()
        .map(|(index, these)| {
            let raw = these.to_string();
            let reject = |identifier, reason: String| {
                PageItem::Reject(RejectedRecord {
                    identifier,
                    datestamp: None,
                    reason: format!("thesis {}: {reason}", index + 1),
                    raw: raw.clone(),
                })
            };
            let id = JsonRow(these)
                .values(id_path)
                .into_iter()
                .map(|v| v.trim().to_owned())
                .find(|v| !v.is_empty());
            let Some(id) = id else {
                return reject(None, format!("no value at the id path {id_path:?}"));
            };
            if !ids.insert(id.clone()) {
                return reject(None, format!("id {id:?} was already read"));
            }
            match map_these(these, source.record_type) {
                Ok(record) => PageItem::Record(HarvestedRecord {
                    identifier: id,
                    datestamp: String::new(),
                    deleted: false,
                    sets: Vec::new(),
                    format: Some(THESES_FR_FORMAT),
                    raw: Some(raw),
                    record: Some(record),
                }),
                Err(error) => reject(Some(id), error.to_string()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_the_query_filters_and_offsets_encoded() {
        let theses = ThesesEndpoint {
            base_url: url::Url::parse("https://theses.fr/api/v1/theses/recherche/").unwrap(),
            query: "\"économie sociale\" AND status:soutenue".into(),
            filters: vec!["langues=\"fr\"".into(), "discipline=\"sociologie\"".into()],
            id: "id".into(),
            page_size: 50,
            saved: None,
        };
        let url = theses_url(&theses, 150);
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("q"), Some("\"économie sociale\" AND status:soutenue"));
        assert_eq!(
            get("filtres"),
            Some("[langues=\"fr\"&discipline=\"sociologie\"]")
        );
        assert_eq!((get("debut"), get("nombre")), (Some("150"), Some("50")));
        assert_eq!(get("tri"), Some("dateAsc"));
        // `&` inside the filters is encoded, not a parameter separator.
        assert!(!url.query().unwrap_or_default().contains("&discipline"));
    }
}
