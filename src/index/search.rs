//! Searching: one page of hits with the total, the asked facets and the next cursor; and every
//! matching id in order, for exports, paged internally over one snapshot of the index.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;
use tantivy::Searcher;
use tantivy::query::{AllQuery, EnableScoring, Query, TermQuery};

use super::by_year::Years;
use super::collector::{Collected, PageCollector, PageFruit};
use super::columns::Columns;
use super::cursor::{Cursor, Sort};
use super::facets::{FacetCollector, Facets, count_sample};
use super::filter_sets::FilterQuery;
use super::query::{SearchQuery, build};
use super::sample::Sample;
use super::{Index, MAX_LIMIT, SearchError};

/// Matches counted one by one before the rest are estimated (unless an exact total is asked):
/// the cost of a total is bounded by about this many matches walked (see `count`).
pub const COUNT_EXACT_UP_TO: u64 = 1_000;

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    /// Every work that matches, on all pages: exact when `total_exact`, else an estimate.
    pub total: u64,
    /// Whether `total` was counted (facets asked, a date order, an exact total asked, or at
    /// most [`COUNT_EXACT_UP_TO`] matches) rather than estimated.
    pub total_exact: bool,
    pub items: Vec<Hit>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The facets asked for (the others are empty).
    pub facets: Facets,
    /// Whether the facets were counted over every match; false when they are estimated from a
    /// sample (`SearchQuery::facets_sample`).
    pub facets_exact: bool,
}

/// A matching work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    /// Relevance (BM25); 0 when the results are sorted by date, which does not score.
    pub score: f32,
}

impl Index {
    /// The current searcher, with what is kept per segment (columns, filter sets, themes)
    /// forgotten for the segments it no longer holds.
    fn searcher(&self) -> tantivy::Searcher {
        let searcher = self.reader.searcher();
        self.columns.keep_only(&searcher);
        self.filter_sets.keep_only(&searcher);
        self.themes.keep_only(&searcher);
        searcher
    }

    /// One page of a search. Relevance order is stable while the index does not change; date
    /// orders are stable across updates too (a work changed meanwhile may move).
    ///
    /// What it costs: the page itself is a pruned walk by relevance (broad queries cost little
    /// more than narrow ones) and a walk over every match by date; facets add a walk over every
    /// match reading their columns (or over at most `facets_sample` matches, which also counts
    /// the total); without facets or a date order, the total is counted up to
    /// [`COUNT_EXACT_UP_TO`] matches and extrapolated beyond, unless `exact_total` asks for
    /// a full count.
    pub fn search(&self, search: &SearchQuery) -> Result<SearchPage, SearchError> {
        self.search_counting_up_to(search, COUNT_EXACT_UP_TO)
    }

    pub(super) fn search_counting_up_to(
        &self,
        search: &SearchQuery,
        count_up_to: u64,
    ) -> Result<SearchPage, SearchError> {
        let query = build(&self.parser, &self.fields, &self.filter_sets, search)?;
        let after = parse_cursor(search)?;
        let searcher = self.searcher();
        let limit = search.limit.min(MAX_LIMIT);
        let fruit = if limit == 0 {
            PageFruit::default()
        } else {
            let collector = PageCollector {
                sort: search.sort,
                after: after.map(|c| (c.rank, c.id)),
                limit,
                columns: self.columns.clone(),
                years: years(search),
                by_year_from: self.by_year_from,
                constant_score: without_words(search),
            };
            searcher.search(&query, &collector)?
        };
        let sampled = search.facets_sample.filter(|_| !search.facets.is_empty());
        let facet_collector = FacetCollector {
            facets: search.facets.clone(),
            columns: self.columns.clone(),
            themes: self.themes.clone(),
        };
        let (total, total_exact, facets, facets_exact) = if let Some(budget) = sampled {
            let sample = Sample::walk(&searcher, query.as_ref(), budget as u64)?;
            let (total, exact) = match fruit.total {
                Some(total) => (total, true),
                None if sample.exact => (sample.total, true),
                None if search.exact_total => count(&searcher, query.as_ref(), None)?,
                None => free_count(&searcher, query.as_ref())?
                    .map_or((sample.total, false), |total| (total, true)),
            };
            let facets_exact = sample.exact;
            let facets = count_sample(&searcher, &facet_collector, &sample.scaled_to(total))?;
            (total, exact, facets, facets_exact)
        } else if !search.facets.is_empty() {
            let counted = searcher.search(&query, &facet_collector)?;
            (counted.total, true, counted.facets, true)
        } else if let Some(total) = fruit.total {
            (total, true, Facets::default(), true)
        } else {
            let budget = (!search.exact_total).then_some(count_up_to);
            let (total, exact) = count(&searcher, query.as_ref(), budget)?;
            (total, exact, Facets::default(), true)
        };
        let next_cursor = fruit
            .more
            .then(|| fruit.hits.last().map(|last| cursor(search.sort, last)))
            .flatten();
        Ok(SearchPage {
            total,
            total_exact,
            items: fruit.hits.into_iter().map(hit(search.sort)).collect(),
            next_cursor,
            facets,
            facets_exact,
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
        let query = build(&self.parser, &self.fields, &self.filter_sets, search)?;
        let after = parse_cursor(search)?.map(|c| (c.rank, c.id));
        let searcher = self.searcher();
        Ok(Ids {
            columns: self.columns.clone(),
            years: years(search),
            by_year_from: self.by_year_from,
            constant_score: without_words(search),
            searcher,
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
    columns: Arc<Columns>,
    query: Box<dyn Query>,
    sort: Sort,
    years: Years,
    by_year_from: u32,
    constant_score: bool,
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
            columns: self.columns.clone(),
            years: self.years,
            by_year_from: self.by_year_from,
            constant_score: self.constant_score,
        };
        let fruit = match self.searcher.search(&self.query, &collector) {
            Ok(fruit) => fruit,
            Err(error) => {
                self.done = true;
                return Some(Err(error.into()));
            }
        };
        self.done = !fruit.more;
        self.after = fruit.hits.last().map(|last| (last.rank, last.id.clone()));
        self.batch = fruit.hits.into_iter().map(|hit| hit.id).collect();
        self.batch.pop_front().map(Ok)
    }
}

/// Whether `search` has no words: every match then scores the same (`query::build` makes it
/// the filters' intersection, or every work).
fn without_words(search: &SearchQuery) -> bool {
    search.q.as_deref().is_none_or(|q| q.trim().is_empty())
}

/// The years `search`'s filters allow.
fn years(search: &SearchQuery) -> Years {
    Years {
        from: search.filters.year_from.map(i64::from),
        to: search.filters.year_to.map(i64::from),
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

fn cursor(sort: Sort, last: &Collected) -> String {
    Cursor {
        sort,
        rank: last.rank,
        id: last.id.clone(),
    }
    .encode()
}

/// The matches of `query`: exactly without a budget or when that is free (tantivy's count,
/// which skips scoring and reads document frequencies where it can), else walked up to `budget`
/// matches spread over the whole index (`sample.rs`): exact when there are no more, else
/// estimated from the windows walked. Returns (total, exact).
///
/// The bound is what `track_total_hits` is to Elasticsearch: walking the first 10,000 matches
/// was 15–17% of the REST mix's CPU at 1 M works (a phrase's positions checked at each one);
/// the spread walk also estimates better than the first matches did (documents follow the
/// order of harvests).
fn count(
    searcher: &Searcher,
    query: &dyn Query,
    budget: Option<u64>,
) -> Result<(u64, bool), SearchError> {
    let Some(budget) = budget else {
        return Ok((exact_count(searcher, query)?, true));
    };
    if let Some(total) = free_count(searcher, query)? {
        return Ok((total, true));
    }
    let sample = Sample::walk(searcher, query, budget)?;
    Ok((sample.total, sample.exact))
}

/// The matches of one word alone, of no words, or of filters alone: tantivy counts each
/// segment's matches from its document frequency (or size), and the filters' set its bits,
/// exactly and without walking them, unless documents were deleted. `None` for other queries.
fn free_count(searcher: &Searcher, query: &dyn Query) -> Result<Option<u64>, SearchError> {
    let counted_for_free = (query.downcast_ref::<TermQuery>().is_some()
        || query.downcast_ref::<AllQuery>().is_some()
        || query.downcast_ref::<FilterQuery>().is_some())
        && searcher
            .segment_readers()
            .iter()
            .all(|reader| reader.alive_bitset().is_none());
    Ok(if counted_for_free {
        Some(exact_count(searcher, query)?)
    } else {
        None
    })
}

/// Every match, counted by tantivy (from document frequencies where it can).
fn exact_count(searcher: &Searcher, query: &dyn Query) -> Result<u64, SearchError> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut total = 0;
    for reader in searcher.segment_readers() {
        total += u64::from(weight.count(reader)?);
    }
    Ok(total)
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
