//! The search index: a tantivy index of the live works, derived from the store and rebuilt
//! from it at will. It follows the store's feed (every work in order of last change) from its
//! own cursor, saved in each tantivy commit's payload, so an update costs what changed.
//!
//! Searching pages with an opaque cursor (the last item's sort key and id) through a collector
//! that keeps the matches strictly after it: every match is returned exactly once however deep
//! the paging, at the cost of one pass over the matches per page.

mod abstracts;
mod beside;
mod bits;
mod by_id;
mod by_year;
mod checked;
mod collector;
mod cursor;
mod document;
mod facets;
mod columns;
mod filter_sets;
mod following;
mod pairs;
mod query;
mod sample;
mod schema;
mod search;
mod segment_page;
mod stems;
mod themes;
mod update;
mod word_memo;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::query::QueryParser;
use tantivy::{IndexReader, ReloadPolicy, TantivyError};

use crate::store::{FeedEntry, Store, StoreError, theme_ids};

pub use beside::Beside;
pub use cursor::Sort;
pub use facets::{FACET_TOP, Facet, Facets};
pub use following::Following;
pub use query::{Filters, SearchQuery};
pub use schema::SCHEMA_VERSION;
pub use schema::WordStems;
pub use search::{COUNT_EXACT_UP_TO, Hit, Ids, SearchPage};
pub use update::IndexReport;

use schema::Fields;

/// The largest page `search` returns; larger limits are reduced to it.
pub const MAX_LIMIT: usize = 10_000;

/// Why the index could not be opened or updated.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "search index in {path} is being written by another process (is `essor reindex` or a \
         server running?): {source}"
    )]
    Locked { path: PathBuf, source: TantivyError },
    #[error("search index in {path}: {source}")]
    Tantivy { path: PathBuf, source: TantivyError },
    #[error("search index: reading the store: {0}")]
    Store(#[from] StoreError),
}

/// Why a search failed. `BadQuery` and `BadCursor` are the client's to fix (their messages say
/// how); `Failed` is ours.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{message}")]
    BadQuery { message: String },
    #[error("{message}")]
    BadCursor { message: String },
    #[error("search failed: {0}")]
    Failed(#[from] TantivyError),
}

/// The search index of one data directory.
pub struct Index {
    dir: PathBuf,
    index: tantivy::Index,
    fields: Fields,
    /// Reloads by itself shortly after a commit (even another process's, such as
    /// `essor reindex`), and at once after our own updates.
    reader: IndexReader,
    parser: QueryParser,
    /// One update at a time in this process: a second writer would fail on tantivy's lock.
    writing: Mutex<()>,
    /// The ids and facet values of the segments searched, read once per segment.
    columns: Arc<columns::Columns>,
    /// The filters' documents per segment and value, kept while searched.
    filter_sets: Arc<filter_sets::FilterSets>,
    /// The works' themes, kept beside the documents (`themes.rs`): loaded from the store
    /// ([`Index::load_themes`], or by the first update), then kept up to date by each update.
    themes: Arc<themes::Themes>,
    /// Whether this process searches the index (the default): if not, an update leaves the
    /// themes unloaded instead of reading every work's (~1 s at 1 M works) for nobody.
    searched: bool,
    /// Matches in a segment from which a date order is walked year by year
    /// ([`by_year::BY_YEAR_FROM`]; tests lower it to walk every segment so).
    by_year_from: u32,
}

/// Written beside the index: the schema version it was built with.
const VERSION_FILE: &str = "essor-index-version";

impl Index {
    /// Opens the index in `dir`, creating it if missing, and deleting and recreating it (empty:
    /// the next update fills it from the store) when it was built by another schema version.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        let io = |source| IndexError::Io {
            path: dir.to_owned(),
            source,
        };
        let tantivy = |source| IndexError::Tantivy {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = Fields::schema();
        let version_path = dir.join(VERSION_FILE);
        let version = std::fs::read_to_string(&version_path).ok();
        let current = version.as_deref().map(str::trim) == Some(&SCHEMA_VERSION.to_string());
        let exists = dir.join("meta.json").exists();
        let index = if exists && current {
            tantivy::Index::open_in_dir(dir).map_err(tantivy)?
        } else {
            if exists {
                tracing::info!(
                    dir = %dir.display(),
                    "search index built by another version: rebuilding it"
                );
                remove_index_files(dir).map_err(io)?;
            }
            let index = tantivy::Index::create_in_dir(dir, schema).map_err(tantivy)?;
            std::fs::write(&version_path, format!("{SCHEMA_VERSION}\n")).map_err(io)?;
            index
        };
        schema::register_tokenizers(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(tantivy)?;
        let parser = query::parser(&index, &fields);
        let columns: Arc<columns::Columns> = Arc::default();
        let themes: Arc<themes::Themes> = Arc::default();
        Ok(Index {
            dir: dir.to_owned(),
            index,
            fields,
            reader,
            parser,
            writing: Mutex::new(()),
            filter_sets: Arc::new(filter_sets::FilterSets::new(
                themes.clone(),
                columns.clone(),
            )),
            columns,
            themes,
            searched: true,
            by_year_from: by_year::BY_YEAR_FROM,
        })
    }

    /// The index of a process that updates it but never searches it (a command-line harvest,
    /// works update or rebuild): its updates do not load the works' themes.
    pub fn never_searched(mut self) -> Index {
        self.searched = false;
        self
    }

    /// Loads every work's themes from the store (`themes.rs`), as a server does at start: the
    /// theme filter and facet answer from them. An update loads them too when not loaded yet.
    pub fn load_themes(&self, store: &Store) -> Result<(), IndexError> {
        let started = std::time::Instant::now();
        let works = store.work_themes()?;
        let themed = works.len();
        self.themes.load(works);
        tracing::debug!(
            themed,
            ms = started.elapsed().as_millis() as u64,
            "works' themes loaded for the search index"
        );
        Ok(())
    }

    /// Loads every work's themes again if they were loaded (a server's), after the index was
    /// built beside the works, which follows no feed entry.
    pub fn reload_themes(&self, store: &Store) -> Result<(), IndexError> {
        match self.themes.is_loaded() {
            true => self.load_themes(store),
            false => Ok(()),
        }
    }

    /// The themes of the works an update followed (their feed entries' sets), or all of them
    /// read again when not loaded yet (unless the index is [never searched](Index::never_searched)).
    fn follow_themes<'a>(
        &self,
        store: &Store,
        entries: impl IntoIterator<Item = &'a FeedEntry>,
    ) -> Result<(), IndexError> {
        if !self.themes.is_loaded() {
            return match self.searched {
                true => self.load_themes(store),
                false => Ok(()),
            };
        }
        self.themes.apply(entries.into_iter().map(|entry| {
            let themes = match entry.deleted {
                true => Vec::new(),
                false => theme_ids(entry.sets.iter().map(String::as_str)),
            };
            (entry.id.as_str(), themes)
        }));
        Ok(())
    }

    /// Live works in the index (as of the reader's last reload).
    pub fn num_works(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn tantivy_error(&self, source: TantivyError) -> IndexError {
        match source {
            TantivyError::LockFailure(..) => IndexError::Locked {
                path: self.dir.clone(),
                source,
            },
            source => IndexError::Tantivy {
                path: self.dir.clone(),
                source,
            },
        }
    }
}

/// Deletes the files of an index (tantivy keeps them flat in its directory); subdirectories and
/// the directory itself are left alone, so a wrong path cannot lose more than files.
fn remove_index_files(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
