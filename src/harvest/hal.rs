//! Harvesting HAL's search API (Solr): `q`, one `fq` per filter, `sort=docid asc`, paged by
//! cursor (`cursorMark=*`, then each answer's `nextCursorMark`, URL-encoded: it holds `+`, `/`
//! and `=`) until the cursor comes back unchanged or a page is empty. Single values come as
//! arrays and `_fs` facet fields pack `name_FacetSep_id_FacetSep_idHal`: the JSON path reads
//! arrays as values, and packs are cut to their first part here. Without `[fields]`, HAL's
//! usual fields are mapped. Every harvest reads the whole query (deletions included), through
//! the same commit path as the other non-OAI sources.

use std::collections::HashSet;

use serde_json::Value;

use super::HarvestError;
use super::json::json_items_as;
use super::state::{Harvest, RunState};
use crate::oai::PageItem;
use crate::source::{FieldMap, HalEndpoint, Source};

const HAL_FIELDS: &str = "title = \"title_s\"\nauthors = \"authFullName_s\"\ndate = \"producedDate_s\"\nabstract = \"abstract_s\"\nkeywords = \"keyword_s\"\nurl = \"uri_s\"\nidentifiers = \"halId_s\"\nlanguage = \"language_s\"\ndiscipline = \"domainAllCode_s\"\n";
/// A guard against a server that never repeats nor empties its cursor.
const MAX_PAGES: usize = 100_000;

impl Harvest {
    pub(super) async fn harvest_hal(
        &self,
        hal: &HalEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        self.begin(state, None, None).await?;
        if let Some(path) = &hal.saved {
            let docs = super::json::saved_records(path, "response.docs").await?;
            let items = hal_items(&self.source, hal, docs);
            return self.commit_rows(state, items, true).await;
        }
        let mut docs = Vec::new();
        let mut cursor = "*".to_owned();
        let mut seen = HashSet::new();
        while seen.insert(cursor.clone()) && seen.len() <= MAX_PAGES {
            let url = hal_url(hal, &cursor);
            let page = self.fetch_json(&url, state).await?;
            let found = page
                .pointer("/response/docs")
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| HarvestError::File {
                    location: url.to_string(),
                    message: "no response.docs in HAL's answer".into(),
                })?;
            if let Some(total) = page.pointer("/response/numFound").and_then(Value::as_u64) {
                self.progress.set_total(total);
            }
            let empty = found.is_empty();
            docs.extend(found);
            match page.get("nextCursorMark").and_then(Value::as_str) {
                Some(next) if !empty => cursor = next.to_owned(),
                _ => break,
            }
        }
        let items = hal_items(&self.source, hal, docs);
        self.commit_rows(state, items, true).await
    }
}

/// HAL's documents (facet packs cut) through the source's `[fields]`, or HAL's usual fields.
pub(super) fn hal_items(source: &Source, hal: &HalEndpoint, docs: Vec<Value>) -> Vec<PageItem> {
    let mut source = source.clone();
    if source.fields.rules.is_empty() {
        source.fields = HAL_FIELDS
            .parse::<toml::Table>()
            .ok()
            .and_then(|table| FieldMap::parse(&table).ok())
            .unwrap_or_default();
    }
    let docs: Vec<Value> = docs.into_iter().map(unpack_facets).collect();
    json_items_as(&source, "hal-api", &hal.id, &docs)
}

/// The page at `cursor`: parameters percent-encoded by the URL builder (`+` → `%2B`).
pub(super) fn hal_url(hal: &HalEndpoint, cursor: &str) -> url::Url {
    let mut url = hal.base_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("q", &hal.query);
        for filter in &hal.filters {
            query.append_pair("fq", filter);
        }
        query
            .append_pair("wt", "json")
            .append_pair("fl", "*")
            .append_pair("rows", &hal.rows.to_string())
            .append_pair("sort", "docid asc")
            .append_pair("cursorMark", cursor);
    }
    url
}

/// `_fs` values (`Sylvia Brunet_FacetSep_180767_FacetSep_sylvia-brunet`) cut to their first
/// part, the name.
fn unpack_facets(mut doc: Value) -> Value {
    if let Some(object) = doc.as_object_mut() {
        for (key, value) in object.iter_mut() {
            if !key.ends_with("_fs") {
                continue;
            }
            if let Some(values) = value.as_array_mut() {
                for item in values.iter_mut() {
                    if let Some(text) = item.as_str()
                        && let Some((first, _)) = text.split_once("_FacetSep_")
                    {
                        *item = Value::String(first.to_owned());
                    }
                }
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_marks_and_filters_are_encoded() {
        let hal = HalEndpoint {
            base_url: url::Url::parse("https://api.archives-ouvertes.fr/search/").unwrap(),
            query: "text:(économie sociale)".into(),
            filters: vec![
                "docType_s:THESE".into(),
                "producedDateY_i:[2015 TO *]".into(),
            ],
            id: "docid".into(),
            rows: 100,
            saved: None,
        };
        let url = hal_url(&hal, "AoJwwL/LvawCJzUzNDYwMjQ=");
        let query = url.query().unwrap_or_default();
        assert!(
            query.contains("cursorMark=AoJwwL%2FLvawCJzUzNDYwMjQ%3D"),
            "{query}"
        );
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "fq").count(), 2);
        assert!(query.contains("sort=docid+asc"), "{query}");
        let doc = unpack_facets(serde_json::json!({
            "authFullNamePersonIDIDHal_fs": ["Sylvia Brunet_FacetSep_180767_FacetSep_sylvia-brunet"],
            "title_s": ["A_FacetSep_B"]
        }));
        assert_eq!(doc["authFullNamePersonIDIDHal_fs"][0], "Sylvia Brunet");
        assert_eq!(doc["title_s"][0], "A_FacetSep_B");
    }
}
