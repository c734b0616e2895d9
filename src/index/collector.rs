//! The collector behind cursor paging and facets: one pass over the matches that counts them
//! all, counts their facet values, and keeps the best `limit` of those strictly after the
//! cursor. Cost O(matches · log limit) per page whatever the page's depth.
//!
//! Within a segment, ids are compared by their fast-field ordinal (the segment's dictionary is
//! sorted, so ordinal order is id order); strings are read only for the few kept per segment.

use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyError};

use super::cursor::Sort;
use super::schema::names;

/// Facet values kept per facet (the years are all kept: they are few and charted in order).
pub const FACET_TOP: usize = 50;

/// The facets, in the order `Facets` lists them.
pub const FACET_FIELDS: [&str; 5] = [
    names::F_TYPE,
    names::F_THEME,
    names::F_REGION,
    names::F_INSTITUTION,
    names::F_LANGUAGE,
];

/// One collected match, ready to be returned or compared across segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub rank: u64,
    pub id: String,
    pub score: f32,
}

/// What a page collection gives.
#[derive(Debug, Default)]
pub struct PageFruit {
    /// Every match of the query.
    pub total: u64,
    /// Matches after the cursor (so the caller knows whether another page follows).
    pub after_cursor: u64,
    /// The first `limit` matches after the cursor, in order.
    pub hits: Vec<Collected>,
    pub facets: Option<FacetCounts>,
}

/// Facet counts of all the matches.
#[derive(Debug, Default)]
pub struct FacetCounts {
    /// Per field of `FACET_FIELDS`, (value, count), most frequent first, at most `FACET_TOP`.
    pub fields: Vec<Vec<(String, u64)>>,
    /// (year, count) by year.
    pub years: Vec<(i64, u64)>,
}

/// One segment's facet counts, by value.
pub struct SegmentFacetCounts {
    fields: Vec<HashMap<String, u64>>,
    years: HashMap<i64, u64>,
}

pub struct PageCollector {
    pub sort: Sort,
    /// (rank, id) of the last item already returned.
    pub after: Option<(u64, String)>,
    pub limit: usize,
    pub facets: bool,
}

/// A kept candidate within a segment; ordered by (rank, id ordinal), the max-heap's top being
/// the worst kept.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    rank: u64,
    id_ord: u64,
    score: f32,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.rank, self.id_ord).cmp(&(other.rank, other.id_ord))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

pub struct SegmentPage {
    sort: Sort,
    ids: Option<StrColumn>,
    dates: Column<i64>,
    /// The cursor within this segment: its rank and the first id ordinal greater than its id.
    after: Option<(u64, u64)>,
    limit: usize,
    heap: BinaryHeap<Candidate>,
    total: u64,
    after_cursor: u64,
    facets: Option<SegmentFacets>,
}

struct SegmentFacets {
    columns: Vec<Option<(StrColumn, Vec<u64>)>>,
    years: Column<i64>,
    year_counts: HashMap<i64, u64>,
}

pub struct SegmentFruit {
    total: u64,
    after_cursor: u64,
    hits: Vec<Collected>,
    facets: Option<SegmentFacetCounts>,
}

impl Collector for PageCollector {
    type Fruit = PageFruit;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        let ids = fast.str(names::ID)?;
        let after = match (&self.after, &ids) {
            (Some((rank, id)), Some(ids)) => {
                let first_greater = match ids.dictionary().term_ord_or_next(id.as_bytes())? {
                    TermOrdHit::Exact(ord) => ord + 1,
                    TermOrdHit::Next(ord) => ord,
                };
                Some((*rank, first_greater))
            }
            (Some((rank, _)), None) => Some((*rank, 0)),
            (None, _) => None,
        };
        let facets = if self.facets {
            let mut columns = Vec::with_capacity(FACET_FIELDS.len());
            for name in FACET_FIELDS {
                columns.push(fast.str(name)?.map(|column| {
                    let counts = vec![0; column.num_terms()];
                    (column, counts)
                }));
            }
            Some(SegmentFacets {
                columns,
                years: fast.i64(names::YEAR)?,
                year_counts: HashMap::new(),
            })
        } else {
            None
        };
        Ok(SegmentPage {
            sort: self.sort,
            ids,
            dates: fast.i64(names::DATE)?,
            after,
            limit: self.limit,
            heap: BinaryHeap::with_capacity(self.limit.min(10_000) + 1),
            total: 0,
            after_cursor: 0,
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFruit>>,
    ) -> tantivy::Result<PageFruit> {
        let mut page = PageFruit::default();
        let mut facet_sums: Vec<HashMap<String, u64>> = vec![HashMap::new(); FACET_FIELDS.len()];
        let mut year_sums: HashMap<i64, u64> = HashMap::new();
        for fruit in fruits {
            let fruit = fruit?;
            page.total += fruit.total;
            page.after_cursor += fruit.after_cursor;
            page.hits.extend(fruit.hits);
            if let Some(facets) = fruit.facets {
                for (sum, counts) in facet_sums.iter_mut().zip(facets.fields) {
                    for (value, count) in counts {
                        *sum.entry(value).or_default() += count;
                    }
                }
                for (year, count) in facets.years {
                    *year_sums.entry(year).or_default() += count;
                }
            }
        }
        page.hits
            .sort_by(|a, b| (a.rank, &a.id).cmp(&(b.rank, &b.id)));
        page.hits.truncate(self.limit);
        if self.facets {
            let fields = facet_sums
                .into_iter()
                .map(|sums| {
                    let mut counts: Vec<(String, u64)> = sums.into_iter().collect();
                    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    counts.truncate(FACET_TOP);
                    counts
                })
                .collect();
            let mut years: Vec<(i64, u64)> = year_sums.into_iter().collect();
            years.sort_unstable();
            page.facets = Some(FacetCounts { fields, years });
        }
        Ok(page)
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = Result<SegmentFruit, TantivyError>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some(facets) = &mut self.facets {
            for (column, counts) in facets.columns.iter_mut().flatten() {
                for ord in column.term_ords(doc) {
                    if let Some(count) = counts.get_mut(ord as usize) {
                        *count += 1;
                    }
                }
            }
            if let Some(year) = facets.years.first(doc) {
                *facets.year_counts.entry(year).or_default() += 1;
            }
        }
        let Some(id_ord) = self.ids.as_ref().and_then(|ids| ids.ords().first(doc)) else {
            return;
        };
        let date = match self.sort {
            Sort::Relevance => 0,
            Sort::DateAsc | Sort::DateDesc => self.dates.first(doc).unwrap_or(0),
        };
        let candidate = Candidate {
            rank: self.sort.rank(score, date),
            id_ord,
            score,
        };
        if let Some(after) = self.after
            && (candidate.rank, candidate.id_ord) < after
        {
            return;
        }
        self.after_cursor += 1;
        if self.limit == 0 {
            return;
        }
        if self.heap.len() < self.limit {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut hits = Vec::with_capacity(self.heap.len());
        if let Some(ids) = &self.ids {
            let candidates = self.heap.into_sorted_vec();
            let ords: Vec<u64> = candidates.iter().map(|c| c.id_ord).collect();
            let id_strings = ords_to_strings(ids, ords)?;
            for (candidate, id) in candidates.into_iter().zip(id_strings) {
                hits.push(Collected {
                    rank: candidate.rank,
                    id,
                    score: candidate.score,
                });
            }
        }
        let facets = match self.facets {
            None => None,
            Some(facets) => {
                let mut fields = Vec::with_capacity(facets.columns.len());
                for column in facets.columns {
                    let mut values = HashMap::new();
                    if let Some((column, counts)) = column {
                        let (ords, counts): (Vec<u64>, Vec<u64>) = counts
                            .into_iter()
                            .enumerate()
                            .filter(|(_, count)| *count > 0)
                            .map(|(ord, count)| (ord as u64, count))
                            .unzip();
                        let names = ords_to_strings(&column, ords)?;
                        values.extend(names.into_iter().zip(counts));
                    }
                    fields.push(values);
                }
                Some(SegmentFacetCounts {
                    fields,
                    years: facets.year_counts,
                })
            }
        };
        Ok(SegmentFruit {
            total: self.total,
            after_cursor: self.after_cursor,
            hits,
            facets,
        })
    }
}

/// The strings of term ordinals, in the order given, reading the dictionary once in ordinal
/// order (a lookup per ordinal would decode a dictionary block each time).
fn ords_to_strings(column: &StrColumn, ords: Vec<u64>) -> std::io::Result<Vec<String>> {
    let mut by_ord: Vec<(u64, usize)> = ords.into_iter().enumerate().map(|(i, o)| (o, i)).collect();
    by_ord.sort_unstable();
    let sorted: Vec<u64> = by_ord.iter().map(|(ord, _)| *ord).collect();
    let mut found = Vec::with_capacity(sorted.len());
    column
        .dictionary()
        .sorted_ords_to_term_cb(&sorted, |bytes| {
            found.push(String::from_utf8_lossy(bytes).into_owned());
        })?;
    let mut strings = vec![String::new(); sorted.len()];
    for ((_, position), string) in by_ord.into_iter().zip(found) {
        strings[position] = string;
    }
    Ok(strings)
}
