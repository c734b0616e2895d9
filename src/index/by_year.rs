//! Date orders without reading the date of every match: a segment's matches are taken year by
//! year in the order asked (the `year` field's postings: one list of documents per year), and
//! the walk stops after the first year that fills the page, since every work of a later year
//! ranks after every work of an earlier one (a date's sort key is year × 10,000 + month × 100 +
//! day). Works without a date come first oldest first and last newest first: they are a list
//! of their own, read once per segment (`Columns::undated`). At 1 M works a date order over
//! half of them (`type=doctoral-thesis&sort=date_desc`) read the date of 500,000 matches (10%
//! of the REST mix's CPU went to date orders); year by year it reads those of one year.
//!
//! Each year's list leads a leapfrog with the query's matches (a scorer of the query per year
//! walked), so the walk costs about the year's works, not the query's matches: it is taken only
//! when the query has many matches in the segment ([`BY_YEAR_FROM`]); fewer are walked whole.

use tantivy::collector::SegmentCollector;
use tantivy::postings::TermInfo;
use tantivy::query::{Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::columns::Columns;
use super::cursor::Sort;
use super::schema::names;
use super::segment_page::SegmentPage;

/// Matches of the query in a segment (its scorer's size hint) from which its date order is
/// walked year by year; fewer are walked whole (a scorer per year would cost more).
pub const BY_YEAR_FROM: u32 = 4_096;

/// The years a search's filters allow, both ends included (`None`: no bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Years {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Years {
    fn contains(self, year: i64) -> bool {
        self.from.is_none_or(|from| year >= from) && self.to.is_none_or(|to| year <= to)
    }

    fn bounded(self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

/// The works of one year of a segment (or its undated works), and the ranks they can have.
enum Bucket {
    Year(TermInfo),
    Undated,
}

/// Walks the matches of `weight` in `reader` year by year into `page`, as the module says, when
/// the query has at least `from` matches in the segment ([`BY_YEAR_FROM`]). Returns `false`,
/// having walked nothing, when the segment is better walked whole (fewer matches, or no year
/// postings to read).
pub fn walk(
    weight: &dyn Weight,
    reader: &SegmentReader,
    columns: &Columns,
    sort: Sort,
    years: Years,
    from: u32,
    page: &mut SegmentPage,
) -> tantivy::Result<bool> {
    if sort == Sort::Relevance {
        return Ok(false);
    }
    let first = weight.scorer(reader, 1.0)?;
    if first.size_hint() < from {
        return Ok(false);
    }
    let mut spare = Some(first);
    let Ok(field) = reader.schema().get_field(names::YEAR) else {
        return Ok(false);
    };
    let inverted = reader.inverted_index(field)?;
    // (lowest rank, highest rank, bucket), in the order of the walk.
    let mut buckets = Vec::new();
    let mut stream = inverted.terms().stream()?;
    while stream.advance() {
        let Ok(bytes) = <[u8; 8]>::try_from(stream.key()) else {
            return Ok(false);
        };
        let year = tantivy::u64_to_i64(u64::from_be_bytes(bytes));
        if !years.contains(year) {
            continue;
        }
        let (first, last) = (
            sort.rank(0.0, year.saturating_mul(10_000)),
            sort.rank(0.0, year.saturating_mul(10_000).saturating_add(1_231)),
        );
        buckets.push((
            first.min(last),
            first.max(last),
            Bucket::Year(stream.value().clone()),
        ));
    }
    let undated = if years.bounded() {
        None
    } else {
        Some(columns.undated(reader)?)
    };
    if undated.as_ref().is_some_and(|docs| !docs.is_empty()) {
        let rank = sort.rank(0.0, 0);
        buckets.push((rank, rank, Bucket::Undated));
    }
    buckets.sort_by_key(|(low, high, _)| (*low, *high));
    let alive = reader.alive_bitset();
    let mut walked_up_to: Option<u64> = None;
    for (low, high, bucket) in buckets {
        if walked_up_to.is_some_and(|up_to| page.is_full() && low > up_to) {
            break;
        }
        if page.before_cursor(high) {
            continue;
        }
        let mut query = match spare.take() {
            Some(scorer) => scorer,
            None => weight.scorer(reader, 1.0)?,
        };
        let mut each = |doc: DocId| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                page.collect(doc, 0.0);
            }
        };
        match bucket {
            Bucket::Year(info) => {
                let mut works =
                    inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                leapfrog(&mut works, query.as_mut(), &mut each);
            }
            Bucket::Undated => {
                let docs = undated.as_deref().map_or(&[][..], Vec::as_slice);
                matching_in(docs, query.as_mut(), &mut |doc, _| each(doc));
            }
        }
        walked_up_to = Some(walked_up_to.map_or(high, |up_to| up_to.max(high)));
    }
    Ok(true)
}

/// Calls `each` with every document of `docs` (increasing) that `query` matches, and its score.
pub fn matching_in(docs: &[DocId], query: &mut dyn Scorer, each: &mut dyn FnMut(DocId, Score)) {
    for &doc in docs {
        match seek_to(query, doc) {
            TERMINATED => return,
            found if found == doc => each(doc, query.score()),
            _ => {}
        }
    }
}

/// Calls `each` with every document of both `works` and `query`, in order; `works` leads.
fn leapfrog(works: &mut dyn DocSet, query: &mut dyn DocSet, each: &mut dyn FnMut(DocId)) {
    let mut doc = works.doc();
    while doc != TERMINATED {
        match seek_to(query, doc) {
            TERMINATED => return,
            found if found == doc => {
                each(doc);
                doc = works.advance();
            }
            found => doc = works.seek(found),
        }
    }
}

/// The first match of `query` from `doc` on (`query` is moved only forward).
fn seek_to(query: &mut dyn DocSet, doc: DocId) -> DocId {
    if query.doc() < doc {
        query.seek(doc)
    } else {
        query.doc()
    }
}
