//! Harvesting a CSV source: the file (or the matching members of a ZIP) is fetched or read
//! whole, each row mapped through the source's `[fields]` (`map::map_row`) and committed in
//! pages with the checkpoint that follows them, like OAI-PMH pages. Catalogues have no
//! modified-since, so every harvest re-reads everything: the store's content hash makes an
//! unchanged row cost no write, and the stored records no row named this time are deleted.
//!
//! The checkpoint's token is `row:N@fingerprint` (rows committed so far, and the read they
//! belong to: a crashed run resumes after them if the source reads the same again, else from
//! the start) and then `deletions`.

use std::collections::HashSet;
use std::io::Read;

use super::HarvestError;
use super::commit::{PageItems, ReadyPage};
use super::state::{Harvest, Position, RunState};
use crate::csv::{NamedRow, Table};
use crate::map::{RowValues, map_row, modified_date};
use crate::oai::{HarvestedRecord, PageItem, RejectedRecord};
use crate::source::{CsvEndpoint, Location, Source};
use crate::store::serialise_items;

/// A row with its id through the source's mapping: a record, or a reject with the reason.
pub(super) fn mapped_item(
    source: &Source,
    format: &'static str,
    id: String,
    raw: String,
    row: &impl RowValues,
    location: &str,
) -> PageItem {
    match map_row(row, &source.fields, source.record_type) {
        Ok(record) => PageItem::Record(HarvestedRecord {
            datestamp: modified_date(row, &source.fields).unwrap_or_default(),
            identifier: id,
            deleted: false,
            sets: Vec::new(),
            format: Some(format),
            raw: Some(raw),
            record: Some(record),
        }),
        Err(error) => PageItem::Reject(RejectedRecord {
            identifier: Some(id),
            datestamp: None,
            reason: format!("{location}: {error}"),
            raw,
        }),
    }
}

/// Rows per committed page.
const PAGE_ROWS: usize = 500;
/// The format name stored with each record (provenance).
pub(super) const CSV_FORMAT: &str = "csv";

impl Harvest {
    pub(super) async fn harvest_csv(
        &self,
        csv: &CsvEndpoint,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        self.begin(state, None, None).await?;
        let (bytes, location) = match &csv.location {
            Location::Url(url) => (
                self.fetcher
                    .fetch_bytes(&self.source, url, &state.count)
                    .await?,
                url.to_string(),
            ),
            Location::Path(path) => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| HarvestError::File {
                        location: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                (bytes, path.display().to_string())
            }
        };
        let (source, endpoint) = (self.source.clone(), csv.clone());
        let items = tokio::task::spawn_blocking(move || {
            let tables = read_tables(&bytes, &endpoint)
                .map_err(|message| HarvestError::File { location, message })?;
            Ok::<_, HarvestError>(row_items(&source, &endpoint, &tables))
        })
        .await
        .map_err(|e| HarvestError::Setup(e.to_string()))??;
        self.commit_rows(state, items, true).await
    }

    /// Commits a full read's items in pages with `row:N` checkpoints (skipping those a crashed
    /// run already committed), then, when `prune` (the read was the whole source, not a feed's
    /// latest items), deletes the source's live records no item named.
    pub(super) async fn commit_rows(
        &self,
        state: &mut RunState,
        items: Vec<PageItem>,
        prune: bool,
    ) -> Result<(), HarvestError> {
        self.progress.set_total(items.len() as u64);

        let token = state
            .checkpoint
            .active
            .as_ref()
            .and_then(|a| a.token.clone());
        let fingerprint = fingerprint(&items);
        let done = match token.as_deref() {
            Some("deletions") => items.len(),
            Some(token) => resume_position(token, &fingerprint),
            None => 0,
        };
        let seen: HashSet<String> = items
            .iter()
            .filter_map(|item| match item {
                PageItem::Record(record) => Some(record.identifier.clone()),
                PageItem::Reject(_) => None,
            })
            .collect();
        let mut position = done.min(items.len());
        for chunk in items[position..].chunks(PAGE_ROWS) {
            position += chunk.len();
            let page = ReadyPage {
                page: Default::default(),
                items: PageItems::Unpacked(serialise_items(chunk)),
            };
            let next = Position {
                set_index: 0,
                token: Some(format!("row:{position}@{fingerprint}")),
            };
            state.commit(page, next, &self.progress).await?;
        }
        // Rows that are gone: every live record of the source not named this time.
        state.wait_for_writes(&self.progress).await?;
        if !prune {
            return Ok(());
        }
        let store = self.store.clone();
        let id = self.source.id.to_string();
        let gone = tokio::task::spawn_blocking(move || {
            let mut gone = Vec::new();
            store.for_each_record(Some(&id), |record| {
                if !record.deleted && !seen.contains(&record.identifier) {
                    gone.push(record.identifier);
                }
                Ok(())
            })?;
            Ok::<_, HarvestError>(gone)
        })
        .await
        .map_err(|e| HarvestError::Setup(e.to_string()))??;
        if !gone.is_empty() {
            let deletions: Vec<PageItem> = gone
                .into_iter()
                .map(|identifier| {
                    PageItem::Record(HarvestedRecord {
                        identifier,
                        datestamp: crate::store::now_rfc3339(),
                        deleted: true,
                        sets: Vec::new(),
                        format: None,
                        raw: None,
                        record: None,
                    })
                })
                .collect();
            let page = ReadyPage {
                page: Default::default(),
                items: PageItems::Unpacked(serialise_items(&deletions)),
            };
            let next = Position {
                set_index: 0,
                token: Some("deletions".into()),
            };
            state.commit(page, next, &self.progress).await?;
        }
        Ok(())
    }
}

/// What a run resumes from a `row:N@fingerprint` checkpoint: the rows after N when the source
/// reads the same as when they were committed, else everything again (a file that changed
/// between the crash and the resume must not have its first N rows skipped; rows committed
/// already cost no write the second time). Older `row:N` tokens read as a changed source.
fn resume_position(token: &str, fingerprint: &str) -> usize {
    token
        .strip_prefix("row:")
        .and_then(|rest| rest.split_once('@'))
        .filter(|(_, committed)| *committed == fingerprint)
        .and_then(|(rows, _)| rows.parse().ok())
        .unwrap_or(0)
}

/// The read's identity: xxh3 of every item's identifier and raw form, in order.
fn fingerprint(items: &[PageItem]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for item in items {
        let (identifier, raw) = match item {
            PageItem::Record(record) => (Some(&record.identifier), record.raw.as_deref()),
            PageItem::Reject(reject) => (reject.identifier.as_ref(), Some(reject.raw.as_str())),
        };
        hasher.update(identifier.map_or("", String::as_str).as_bytes());
        hasher.update(&[0]);
        hasher.update(raw.unwrap_or_default().as_bytes());
        hasher.update(&[0]);
    }
    format!("{:016x}", hasher.digest())
}

/// The CSV tables in `bytes`: the file itself, or the members of a ZIP whose names match the
/// source's `member` pattern (every `*.csv` without one), in name order.
pub(super) fn read_tables(bytes: &[u8], csv: &CsvEndpoint) -> Result<Vec<(String, Table)>, String> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(vec![(
            String::new(),
            crate::csv::parse(bytes, csv.encoding, csv.delimiter),
        )]);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable ZIP: {e}"))?;
    let pattern = csv.member.as_deref().unwrap_or("*.csv");
    let all: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .collect();
    let mut names: Vec<&String> = all
        .iter()
        .filter(|name| {
            let file_name = name.rsplit('/').next().unwrap_or(name);
            !name.ends_with('/') && matches_pattern(pattern, file_name)
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!(
            "no member matches {pattern:?} (members: {})",
            all.join(", ")
        ));
    }
    let mut tables = Vec::new();
    for name in names {
        let mut member = archive
            .by_name(name)
            .map_err(|e| format!("member {name}: {e}"))?;
        let mut bytes = Vec::new();
        member
            .read_to_end(&mut bytes)
            .map_err(|e| format!("member {name}: {e}"))?;
        tables.push((
            name.clone(),
            crate::csv::parse(&bytes, csv.encoding, csv.delimiter),
        ));
    }
    Ok(tables)
}

/// A file-name pattern with `*` and `?`, compared without accents or case: ZIPs store RNCP's
/// accented names decomposed or not, depending on the tool that made them.
fn matches_pattern(pattern: &str, name: &str) -> bool {
    let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
    let (pattern, name): (Vec<char>, Vec<char>) = (
        fold(pattern).chars().collect(),
        fold(name).chars().collect(),
    );
    // Classic wildcard matching with backtracking on the last `*`.
    let (mut p, mut n, mut star, mut mark) = (0, 0, None, 0);
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            n = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Every row of every table as a record or a reject, in file order. A row is rejected, with
/// its reason and raw form, when its cell count differs from the header's, it has no id, its id
/// was already read, or it has no title.
pub(super) fn row_items(
    source: &Source,
    csv: &CsvEndpoint,
    tables: &[(String, Table)],
) -> Vec<PageItem> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    for (name, table) in tables {
        let where_ = |line: usize| match name.as_str() {
            "" => format!("line {line}"),
            name => format!("{name}, line {line}"),
        };
        if !table.headers.contains(&csv.id) {
            items.push(PageItem::Reject(RejectedRecord {
                identifier: None,
                datestamp: None,
                reason: format!(
                    "{}: no id column {:?} in the header ({})",
                    where_(1),
                    csv.id,
                    table.headers.join(", ")
                ),
                raw: table.headers.join(&char::from(table.delimiter).to_string()),
            }));
            continue;
        }
        for row in &table.rows {
            let named = NamedRow {
                headers: &table.headers,
                row,
            };
            let raw = named.to_json();
            let id = named
                .values(&csv.id)
                .into_iter()
                .next()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            let reject = |identifier: Option<String>, reason: String| {
                PageItem::Reject(RejectedRecord {
                    identifier,
                    datestamp: None,
                    reason: format!("{}: {reason}", where_(row.line)),
                    raw: raw.clone(),
                })
            };
            let Some(id) = id else {
                items.push(reject(
                    None,
                    format!("no value in the id column {:?}", csv.id),
                ));
                continue;
            };
            if row.cells.len() != table.headers.len() {
                items.push(reject(
                    Some(id),
                    format!(
                        "{} cells where the header has {}",
                        row.cells.len(),
                        table.headers.len()
                    ),
                ));
                continue;
            }
            if !seen.insert(id.clone()) {
                items.push(reject(None, format!("id {id:?} was already read")));
                continue;
            }
            items.push(mapped_item(
                source,
                CSV_FORMAT,
                id,
                raw,
                &named,
                &where_(row.line),
            ));
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_read_skips_committed_rows_only_when_the_source_reads_the_same() {
        let item = |id: &str, raw: &str| {
            PageItem::Record(HarvestedRecord {
                identifier: id.into(),
                datestamp: String::new(),
                deleted: false,
                sets: Vec::new(),
                format: Some(CSV_FORMAT),
                raw: Some(raw.into()),
                record: None,
            })
        };
        let read = vec![item("a", "1"), item("b", "2")];
        let changed = vec![item("a", "1"), item("b", "3")];
        let print = fingerprint(&read);
        assert_ne!(print, fingerprint(&changed));
        assert_eq!(resume_position(&format!("row:500@{print}"), &print), 500);
        assert_eq!(
            resume_position(&format!("row:500@{print}"), &fingerprint(&changed)),
            0
        );
        assert_eq!(resume_position("row:500", &print), 0);
        assert_eq!(resume_position("row:x@y", &print), 0);
    }

    #[test]
    fn member_patterns_ignore_accents_and_case() {
        let nfd = "export-fiches-csv-2026-10-04/export_fiches_CSV_Standard_2026_10_04.csv";
        let name = nfd.rsplit('/').next().unwrap_or(nfd);
        assert!(matches_pattern("export_fiches_CSV_Standard_*.csv", name));
        assert!(matches_pattern("*standard*", name));
        assert!(!matches_pattern("*Rome*", name));
        assert!(matches_pattern(
            "*Certificateurs*",
            "export_fiches_CSV_Certificateurs_2026.csv"
        ));
        assert!(matches_pattern("voix*", "Voix\u{0300}_d_acce\u{0300}s.csv"));
        assert!(matches_pattern("a?c", "abc"));
        assert!(!matches_pattern("a?c", "abbc"));
    }
}
