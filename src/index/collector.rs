//! The collector behind cursor paging: keeps the best `limit` matches strictly after the
//! cursor (and says whether one more follows). By relevance it lets tantivy skip the blocks
//! of postings that cannot beat the worst kept match (block-max WAND), so a broad query costs
//! about as much as a narrow one and the matches are not counted; by date it visits the
//! matches year by year until the page is full (`by_year.rs`), or every match, reading the date
//! column, and counts them when they are few. Cost per page whatever its depth.
//!
//! Within a segment, ids are compared by their fast-field ordinal (the segment's dictionary is
//! sorted, so ordinal order is id order). Strings are read only once the segments' matches are
//! merged by rank, for the few that can make the page, from the segment's ids read once
//! (`names.rs`): naming the first 21 of each of 15 segments from the dictionary cost a third of
//! a one-word search at 1 M works.

use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::query::Weight;
use tantivy::{
    DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyError, index::SegmentId,
};

use super::by_id;
use super::by_year::{self, Years};
use super::columns::Columns;
use super::cursor::Sort;
use super::schema::names;

/// One collected match, ready to be returned or compared across segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub rank: u64,
    /// Empty beyond the first [`PageCollector::limit`] matches (the one after the page, whose
    /// id is not needed, has none).
    pub id: String,
    pub score: f32,
    /// Where the match is in this searcher's snapshot (to read its columns again).
    pub doc: DocAddress,
}

/// What a page collection gives.
#[derive(Debug, Default)]
pub struct PageFruit {
    /// Every match of the query, when the collection visited them all (date orders of few
    /// matches, or any page that never filled in any segment); `None` when block-max pruning
    /// skipped some (relevance) or the matches were taken in an order of their own.
    pub total: Option<u64>,
    /// Whether more matches follow the page.
    pub more: bool,
    /// The first `limit` matches after the cursor, in order.
    pub hits: Vec<Collected>,
}

pub struct PageCollector {
    pub sort: Sort,
    /// (rank, id) of the last item already returned.
    pub after: Option<(u64, String)>,
    pub limit: usize,
    /// Where the ids of the page are read (once per segment).
    pub columns: Arc<Columns>,
    /// The years the search's filters allow: a date order walked year by year skips the others.
    pub years: Years,
    /// Matches in a segment from which a date order is walked year by year
    /// ([`by_year::BY_YEAR_FROM`]; tests walk every segment so).
    pub by_year_from: u32,
    /// Whether every match scores the same (no words): by relevance, the page is then the
    /// matches of smallest id, walked in id order (`by_id.rs`).
    pub constant_score: bool,
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
    segment: SegmentOrdinal,
    segment_id: SegmentId,
    total: u64,
    counted_all: bool,
    /// In the segment's order, ids not read yet.
    hits: Vec<Kept>,
    ids: Option<StrColumn>,
}

/// A match kept by a segment, before the merge names the few that make the page.
struct Kept {
    hit: Collected,
    /// Its id's ordinal in its segment's dictionary.
    id_ord: u64,
    /// Its place among its segment's kept matches: one at place `n` or beyond has `n` matches
    /// before it, so it is not among the first `n` of all.
    place: usize,
}

impl Collector for PageCollector {
    type Fruit = PageFruit;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let ids = self.columns.str(reader, names::ID)?;
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
        let keep = self.limit.saturating_add(1);
        Ok(SegmentPage {
            segment,
            segment_id: reader.segment_id(),
            sort: self.sort,
            ids,
            dates: self.columns.i64(reader, names::DATE)?,
            after,
            keep,
            heap: BinaryHeap::with_capacity(keep.min(10_001)),
            total: 0,
            ordered_walk: false,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    /// By relevance, tantivy's pruning walk: each match it hands over scores above the
    /// threshold returned for the previous one, which is (just below) the worst kept score once
    /// the heap is full, so blocks whose best possible score is lower are skipped.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<tantivy::Result<SegmentFruit>> {
        let mut page = self.for_segment(segment_ord, reader)?;
        if self.sort != Sort::Relevance {
            if by_year::walk(
                weight,
                reader,
                &self.columns,
                self.sort,
                self.years,
                self.by_year_from,
                &mut page,
            )? {
                page.ordered_walk = true;
                return Ok(page.harvest());
            }
            let alive = reader.alive_bitset();
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    if alive.is_none_or(|alive| alive.is_alive(doc)) {
                        page.collect(doc, 0.0);
                    }
                }
            })?;
            return Ok(page.harvest());
        }
        if self.constant_score && by_id::walk(weight, reader, &self.columns, &mut page)? {
            page.ordered_walk = true;
            return Ok(page.harvest());
        }
        let alive = reader.alive_bitset();
        let mut threshold = Score::MIN;
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                page.collect(doc, score);
                threshold = page.threshold();
            }
            threshold
        })?;
        Ok(page.harvest())
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFruit>>,
    ) -> tantivy::Result<PageFruit> {
        let mut total = 0;
        let mut counted_all = true;
        let mut hits = Vec::new();
        let mut columns = Vec::new();
        for fruit in fruits {
            let fruit = fruit?;
            total += fruit.total;
            counted_all &= fruit.counted_all;
            hits.extend(fruit.hits);
            columns.push((fruit.segment, fruit.segment_id, fruit.ids));
        }
        hits.sort_unstable_by_key(|kept| kept.hit.rank);
        // The first `decided` matches of all (the page, or an export's batch) are decided by
        // rank, then by id among equal ranks: only the matches up to the rank of the last of
        // them can be among them, and of those only the first `decided` of each segment.
        let decided = self.limit;
        let named_up_to = match decided.checked_sub(1).and_then(|last| hits.get(last)) {
            Some(last) => {
                let boundary = last.hit.rank;
                hits.partition_point(|kept| kept.hit.rank <= boundary)
            }
            None if decided > 0 => hits.len(),
            None => 0,
        };
        for (segment, segment_id, ids) in &columns {
            let Some(ids) = ids else { continue };
            let unnamed: Vec<&mut Kept> = hits[..named_up_to]
                .iter_mut()
                .filter(|kept| kept.hit.doc.segment_ord == *segment && kept.place < decided)
                .collect();
            let ords = unnamed.iter().map(|kept| kept.id_ord).collect();
            let strings = self.columns.strings(*segment_id, names::ID, ids, ords)?;
            for (kept, id) in unnamed.into_iter().zip(strings) {
                kept.hit.id = id;
            }
        }
        // A match left without its id is not among the first `decided`: at equal rank it goes
        // after the named ones.
        hits[..named_up_to].sort_by(|a, b| {
            let key = |kept: &Kept| (kept.hit.rank, kept.hit.id.is_empty());
            key(a).cmp(&key(b)).then_with(|| a.hit.id.cmp(&b.hit.id))
        });
        let mut hits: Vec<Collected> = hits.into_iter().map(|kept| kept.hit).collect();
        let more = hits.len() > self.limit;
        hits.truncate(self.limit);
        Ok(PageFruit {
            total: counted_all.then_some(total),
            more,
            hits,
        })
    }
}

impl SegmentPage {
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
    fn threshold(&self) -> Score {
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

/// The strings of term ordinals, in the order given, reading the dictionary once in ordinal
/// order (a lookup per ordinal would decode a dictionary block each time).
pub(super) fn ords_to_strings(column: &StrColumn, ords: Vec<u64>) -> std::io::Result<Vec<String>> {
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
