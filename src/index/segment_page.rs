//! One segment's share of a page (the collector's child, `collector.rs`): the best `limit + 1`
//! matches after the cursor in a bounded heap, ids compared by their fast-field ordinal. The
//! walks that fill it in an order of their own (`by_year.rs`, `by_id.rs`) and the collector's
//! pruning walk all hand their matches to [`SegmentPage::collect`].

use std::collections::BinaryHeap;

use tantivy::collector::SegmentCollector;
use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::{
    DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyError, index::SegmentId,
};

use super::columns::Columns;
use super::cursor::Sort;
use super::schema::names;

/// One collected match, ready to be returned or compared across segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub rank: u64,
    /// Empty beyond the page's first `limit` matches (`PageCollector::limit`; the one after
    /// the page, whose id is not needed, has none).
    pub id: String,
    pub score: f32,
    /// Where the match is in this searcher's snapshot (to read its columns again).
    pub doc: DocAddress,
}

/// A kept candidate within a segment; ordered by (rank, id ordinal), the max-heap's top being
/// the worst kept.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    rank: u64,
    id_ord: u64,
    score: f32,
    doc: DocId,
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
    segment: SegmentOrdinal,
    segment_id: SegmentId,
    sort: Sort,
    ids: Option<StrColumn>,
    dates: Column<i64>,
    /// The cursor within this segment: its rank and the first id ordinal greater than its id.
    after: Option<(u64, u64)>,
    /// `limit + 1`: the one beyond the page says that another page follows.
    keep: usize,
    heap: BinaryHeap<Candidate>,
    total: u64,
    /// Whether the matches were taken in an order of their own (`by_year.rs`, `by_id.rs`), which
    /// stops once the page is full and skips what comes before the cursor.
    ordered_walk: bool,
}

pub struct SegmentFruit {
    pub(super) segment: SegmentOrdinal,
    pub(super) segment_id: SegmentId,
    pub(super) total: u64,
    pub(super) counted_all: bool,
    /// In the segment's order, ids not read yet.
    pub(super) hits: Vec<Kept>,
    pub(super) ids: Option<StrColumn>,
}

/// A match kept by a segment, before the merge names the few that make the page.
pub(super) struct Kept {
    pub(super) hit: Collected,
    /// Its id's ordinal in its segment's dictionary.
    pub(super) id_ord: u64,
    /// Its place among its segment's kept matches: one at place `n` or beyond has `n` matches
    /// before it, so it is not among the first `n` of all.
    pub(super) place: usize,
}

impl SegmentPage {
    /// The page of segment `segment` for the best `limit` after the cursor `after` (the last
    /// item returned: its rank and id), placed within the segment by the id's ordinal.
    pub(super) fn new(
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        columns: &Columns,
        sort: Sort,
        after: Option<&(u64, String)>,
        limit: usize,
    ) -> tantivy::Result<SegmentPage> {
        let ids = columns.str(reader, names::ID)?;
        let after = match (after, &ids) {
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
        let keep = limit.saturating_add(1);
        Ok(SegmentPage {
            segment,
            segment_id: reader.segment_id(),
            sort,
            ids,
            dates: columns.i64(reader, names::DATE)?,
            after,
            keep,
            heap: BinaryHeap::with_capacity(keep.min(10_001)),
            total: 0,
            ordered_walk: false,
        })
    }

    /// Says the matches were taken in an order of their own (`by_year.rs`, `by_id.rs`).
    pub(super) fn set_ordered_walk(&mut self) {
        self.ordered_walk = true;
    }

    /// Whether the page (and the one match beyond it) is kept: a later match must rank better
    /// than the worst kept to enter.
    pub(super) fn is_full(&self) -> bool {
        self.heap.len() >= self.keep
    }

    /// Whether every match of the segment was handed over (and so counted): by date over every
    /// match; by relevance when the page never filled, since pruning starts only then (a
    /// search of few matches needs no count walk); in an order of its own when it never stopped
    /// early nor skipped to the cursor.
    fn counted_all(&self) -> bool {
        if self.ordered_walk {
            !self.is_full() && self.after.is_none()
        } else {
            self.sort != Sort::Relevance || !self.is_full()
        }
    }

    /// How many matches the page keeps (`limit + 1`).
    pub(super) fn keep(&self) -> usize {
        self.keep
    }

    /// The cursor within this segment: its rank and the first id ordinal after its id.
    pub(super) fn after(&self) -> Option<(u64, u64)> {
        self.after
    }

    /// Forgets what was collected (a walk given up, to be done otherwise).
    pub(super) fn clear(&mut self) {
        self.heap.clear();
        self.total = 0;
    }

    /// Whether a match of this rank comes before the cursor (and so is not on the page).
    pub(super) fn before_cursor(&self, rank: u64) -> bool {
        self.after.is_some_and(|(after, _)| rank < after)
    }

    /// The score a match must exceed to enter the full heap: just below the worst kept one's,
    /// since an equal score with a smaller id still enters.
    pub(super) fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(worst) if self.heap.len() >= self.keep => worst.score.next_down(),
            _ => Score::MIN,
        }
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = Result<SegmentFruit, TantivyError>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let date = match self.sort {
            Sort::Relevance => 0,
            Sort::DateAsc | Sort::DateDesc => self.dates.first(doc).unwrap_or(0),
        };
        let rank = self.sort.rank(score, date);
        // Most matches of a broad query rank below the kept ones (or before the cursor): they
        // are dropped before their id is read.
        if self.after.is_some_and(|(after, _)| rank < after)
            || (self.heap.len() >= self.keep && self.heap.peek().is_some_and(|w| rank > w.rank))
        {
            return;
        }
        let Some(id_ord) = self.ids.as_ref().and_then(|ids| ids.ords().first(doc)) else {
            return;
        };
        let candidate = Candidate {
            rank,
            id_ord,
            score,
            doc,
        };
        if let Some(after) = self.after
            && (candidate.rank, candidate.id_ord) < after
        {
            return;
        }
        if self.heap.len() < self.keep {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let counted_all = self.counted_all();
        let hits = self
            .heap
            .into_sorted_vec()
            .into_iter()
            .enumerate()
            .map(|(place, candidate)| Kept {
                hit: Collected {
                    rank: candidate.rank,
                    id: String::new(),
                    score: candidate.score,
                    doc: DocAddress::new(self.segment, candidate.doc),
                },
                id_ord: candidate.id_ord,
                place,
            })
            .collect();
        Ok(SegmentFruit {
            segment: self.segment,
            segment_id: self.segment_id,
            total: self.total,
            counted_all,
            hits,
            ids: self.ids,
        })
    }
}
