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

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{Score, SegmentOrdinal, SegmentReader};

use super::by_id;
use super::by_year::{self, Years};
use super::columns::Columns;
use super::cursor::Sort;
use super::schema::names;
pub use super::segment_page::Collected;
use super::segment_page::{Kept, SegmentFruit, SegmentPage};

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

impl Collector for PageCollector {
    type Fruit = PageFruit;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        SegmentPage::new(
            segment,
            reader,
            &self.columns,
            self.sort,
            self.after.as_ref(),
            self.limit,
        )
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
                page.set_ordered_walk();
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
            page.set_ordered_walk();
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
