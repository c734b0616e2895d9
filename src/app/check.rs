//! `essor check`: the data folder verified for bit rot and inconsistency — the store's pages
//! (checksums), its rows (each decodes as its readers decode it) and cross-references
//! ([`crate::store::Store::check_rows`]), and the search index against the store's count of
//! live works. Read-only apart from what any open of the store does.

use std::path::Path;

use serde::Serialize;

use super::AppError;
use crate::store::{CheckReport, CheckedWork, Store};
use crate::works::{StoredFeatures, Work};

impl CheckedWork for Work {
    fn is_live(&self) -> bool {
        Work::is_live(self)
    }

    fn member_keys(&self) -> Vec<(&str, &str)> {
        self.members
            .iter()
            .map(|member| (member.source.as_str(), member.identifier.as_str()))
            .collect()
    }

    fn merged_into(&self) -> Option<&str> {
        self.merged_into.as_deref()
    }
}

/// The search index as the check found it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IndexCheck {
    /// Up to date with the store and holding one document per live work.
    Matches { works: u64 },
    /// Up to date with the store, but holding another number of documents: damaged.
    Differs { indexed: u64, live: u64 },
    /// Behind the store (a harvest or works update did not reach it): the next `essor serve`,
    /// harvest or `essor reindex` brings it up to date.
    Behind { indexed: u64, live: u64 },
    /// No index: the next open builds it from the store.
    Missing,
    /// It cannot be opened: `essor reindex` rebuilds it.
    Unreadable { error: String },
}

/// What `essor check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub store: std::path::PathBuf,
    #[serde(flatten)]
    pub report: CheckReport,
    pub index: IndexCheck,
}

impl CheckOutcome {
    /// Whether the data folder is sound: no problem in the store, an index that is not damaged
    /// (missing or behind is not damage: it is rebuilt or caught up by itself).
    pub fn is_sound(&self) -> bool {
        self.report.is_sound()
            && !matches!(
                self.index,
                IndexCheck::Differs { .. } | IndexCheck::Unreadable { .. }
            )
    }
}

/// Checks the data folder `data`. A store whose pages fail their checksums is an error
/// ([`crate::store::StoreError::Damaged`]), as is one in use by a running essor.
pub fn check(data: &Path) -> Result<CheckOutcome, AppError> {
    let store = Store::open_checked(data).map_err(|error| match error {
        crate::store::StoreError::InUse { path } => AppError::Config(format!(
            "{}: in use by a running essor; stop `essor serve` first, or check a backup: `essor --data OTHER restore BACKUP`, then `essor --data OTHER check`",
            path.display()
        )),
        error => AppError::Store {
            dir: data.to_owned(),
            error,
        },
    })?;
    let report = store
        .check_rows::<Work, StoredFeatures>()
        .map_err(|error| AppError::Store {
            dir: data.to_owned(),
            error,
        })?;
    let index = check_index(data, &report);
    Ok(CheckOutcome {
        store: store.path().to_owned(),
        report,
        index,
    })
}

fn check_index(data: &Path, report: &CheckReport) -> IndexCheck {
    let dir = data.join("index");
    if !dir.join("meta.json").is_file() {
        return IndexCheck::Missing;
    }
    let index = match crate::index::Index::open(&dir) {
        Ok(index) => index,
        Err(error) => {
            return IndexCheck::Unreadable {
                error: error.to_string(),
            };
        }
    };
    let cursor = match index.cursor() {
        Ok(cursor) => cursor,
        Err(error) => {
            return IndexCheck::Unreadable {
                error: error.to_string(),
            };
        }
    };
    let (indexed, live) = (index.num_works(), report.works.0);
    if cursor != report.feed_last {
        IndexCheck::Behind { indexed, live }
    } else if indexed == live {
        IndexCheck::Matches { works: live }
    } else {
        IndexCheck::Differs { indexed, live }
    }
}
