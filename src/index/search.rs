//! Searching: one page of hits with the total, facets and the next cursor; and every matching
//! id in order, for exports, paged internally over one snapshot of the index.

use std::collections::VecDeque;

use serde::Serialize;
use tantivy::Searcher;
use tantivy::query::Query;

use super::collector::{Collected, PageCollector};
use super::cursor::{Cursor, Sort};
use super::query::{SearchQuery, build};
use super::{Index, MAX_LIMIT, SearchError};

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    /// Every work that matches, on all pages.
    pub total: u64,
    pub items: Vec<Hit>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    pub facets: Facets,
}

/// A matching work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    /// Relevance (BM25); 0 when the results are sorted by date, which does not score.
    pub score: f32,
}

/// Counts of the matching works by value, most frequent first (at most 50 values), except
/// `year`: every year, in order. Works without a value for a facet are not counted in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    pub r#type: Vec<(String, u64)>,
    pub year: Vec<(String, u64)>,
    pub theme: Vec<(String, u64)>,
    pub region: Vec<(String, u64)>,
    pub institution: Vec<(String, u64)>,
    pub language: Vec<(String, u64)>,
}

impl Index {
    /// One page of a search. Relevance order is stable while the index does not change; date
    /// orders are stable across updates too (a work changed meanwhile may move).
    pub fn search(&self, search: &SearchQuery) -> Result<SearchPage, SearchError> {
        let query = build(&self.parser, &self.fields, search)?;
        let after = parse_cursor(search)?;
        let collector = PageCollector {
            sort: search.sort,
            after: after.map(|c| (c.rank, c.id)),
            limit: search.limit.min(MAX_LIMIT),
            facets: true,
        };
        let fruit = self.reader.searcher().search(&query, &collector)?;
        let next_cursor = next_cursor(search.sort, &fruit.hits, fruit.after_cursor);
        let counts = fruit.facets.unwrap_or_default();
        let mut fields = counts.fields.into_iter();
        let mut next = || fields.next().unwrap_or_default();
        let facets = Facets {
            r#type: next(),
            theme: next(),
            region: next(),
            institution: next(),
            language: next(),
            year: counts
                .years
                .into_iter()
                .map(|(year, count)| (year.to_string(), count))
                .collect(),
        };
        Ok(SearchPage {
            total: fruit.total,
            items: fruit.hits.into_iter().map(hit(search.sort)).collect(),
            next_cursor,
            facets,
        })
    }

    /// Every id matching `search` (its `limit` ignored, its cursor honoured), in its order,
    /// fetched in batches from one snapshot of the index: the export sees no update that
    /// happens while it runs, and holds one batch in memory. The iterator owns what it needs
    /// (`Send + 'static`), so it can run on a blocking thread.
    pub fn ids(&self, search: &SearchQuery) -> Result<Ids, SearchError> {
        self.ids_in_batches(search, IDS_BATCH)
    }

    pub(super) fn ids_in_batches(
        &self,
        search: &SearchQuery,
        batch_size: usize,
    ) -> Result<Ids, SearchError> {
        let query = build(&self.parser, &self.fields, search)?;
        let after = parse_cursor(search)?.map(|c| (c.rank, c.id));
        Ok(Ids {
            searcher: self.reader.searcher(),
            query,
            sort: search.sort,
            after,
            batch_size: batch_size.max(1),
            batch: VecDeque::new(),
            done: false,
        })
    }
}

/// Ids per internal page of [`Ids`]: each page is a pass over the matches, so larger pages
/// mean fewer passes; 10,000 ids are well under a megabyte.
const IDS_BATCH: usize = 10_000;

/// The ids of [`Index::ids`], in order. Yields an error (then stops) if the index cannot be
/// read.
pub struct Ids {
    searcher: Searcher,
    query: Box<dyn Query>,
    sort: Sort,
    after: Option<(u64, String)>,
    batch_size: usize,
    batch: VecDeque<String>,
    done: bool,
}

impl Iterator for Ids {
    type Item = Result<String, SearchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(id) = self.batch.pop_front() {
            return Some(Ok(id));
        }
        if self.done {
            return None;
        }
        let collector = PageCollector {
            sort: self.sort,
            after: self.after.take(),
            limit: self.batch_size,
            facets: false,
        };
        let fruit = match self.searcher.search(&self.query, &collector) {
            Ok(fruit) => fruit,
            Err(error) => {
                self.done = true;
                return Some(Err(error.into()));
            }
        };
        self.done = fruit.after_cursor <= fruit.hits.len() as u64;
        self.after = fruit.hits.last().map(|last| (last.rank, last.id.clone()));
        self.batch = fruit.hits.into_iter().map(|hit| hit.id).collect();
        self.batch.pop_front().map(Ok)
    }
}

fn parse_cursor(search: &SearchQuery) -> Result<Option<Cursor>, SearchError> {
    search
        .cursor
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|text| {
            Cursor::parse(text, search.sort).map_err(|error| SearchError::BadCursor {
                message: error.to_string(),
            })
        })
        .transpose()
}

fn next_cursor(sort: Sort, hits: &[Collected], after_cursor: u64) -> Option<String> {
    let last = hits.last()?;
    (after_cursor > hits.len() as u64).then(|| {
        Cursor {
            sort,
            rank: last.rank,
            id: last.id.clone(),
        }
        .encode()
    })
}

fn hit(sort: Sort) -> impl Fn(Collected) -> Hit {
    move |collected| Hit {
        id: collected.id,
        score: if sort == Sort::Relevance {
            collected.score
        } else {
            0.0
        },
    }
}
