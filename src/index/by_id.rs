//! Searches without words, by relevance: every match scores the same, so a page is the matches
//! with the smallest ids, and a segment's first `limit + 1` matches in id order are all it can
//! give. They are found by taking the segment's documents in id order (`Columns::by_id`, read
//! once per segment) a slice at a time, each slice leapfrogging the query's matches, until a
//! slice fills the page. Walking every match instead cost ~17 ms for `type=masters-dissertation`
//! (325,000 matches at 1 M works): a fifth of the REST mix's CPU went to filters without words.
//!
//! The slices cost about the documents they hold, so the walk is taken only when the query's
//! matches are dense enough in the segment for the page to fill in a small part of it, and it
//! gives up (the matches are then walked whole, as before) when it has read more than a
//! fraction of the query's matches' worth of documents without filling the page: filters that
//! exclude each other match nothing while each of them is large.

use tantivy::collector::SegmentCollector;
use tantivy::query::Weight;
use tantivy::{DocSet, SegmentReader, TERMINATED};

use super::by_year::matching_in;

use super::columns::Columns;
use super::cursor::Sort;
use super::schema::names;
use super::segment_page::SegmentPage;

/// The walk in id order is taken when it is expected to read at most this fraction (1 in N) of
/// the documents the query matches in the segment, and given up beyond twice that.
const AT_MOST_ONE_IN: u64 = 8;

/// The first slice of documents in id order: at least this many.
const FIRST_SLICE: usize = 64;

/// Walks the matches of `weight` (whose every match scores the same) in `reader` in id order
/// into `page`, as the module says. Returns `false` when the segment is to be walked whole
/// instead (`page` is then as it was given).
pub fn walk(
    weight: &dyn Weight,
    reader: &SegmentReader,
    columns: &Columns,
    page: &mut SegmentPage,
) -> tantivy::Result<bool> {
    let mut query = weight.scorer(reader, 1.0)?;
    let matches = u64::from(query.size_hint());
    let max_doc = u64::from(reader.max_doc());
    let keep = page.keep() as u64;
    // Documents read before `keep` matches are found, if the matches are spread evenly.
    let expected = keep.saturating_mul(max_doc) / matches.max(1);
    if query.doc() == TERMINATED || expected.saturating_mul(AT_MOST_ONE_IN) > matches {
        return Ok(false);
    }
    let rank = Sort::Relevance.rank(query.score(), 0);
    let (Some(ordered), Some(ids)) = (columns.by_id(reader)?, columns.str(reader, names::ID)?)
    else {
        return Ok(false);
    };
    let mut at = match page.after() {
        None => 0,
        Some((after, _)) if rank < after => return Ok(true),
        Some((after, _)) if rank > after => 0,
        Some((_, first_greater)) => {
            let ords = ids.ords();
            ordered.partition_point(|&doc| ords.first(doc).is_some_and(|ord| ord < first_greater))
        }
    };
    let alive = reader.alive_bitset();
    let give_up_after = (matches / AT_MOST_ONE_IN).saturating_mul(2) as usize;
    let mut slice_len = (expected as usize).saturating_mul(2).max(FIRST_SLICE);
    let (mut read, mut slice) = (0usize, Vec::new());
    while at < ordered.len() && !page.is_full() {
        if read > give_up_after {
            page.clear();
            return Ok(false);
        }
        let end = at.saturating_add(slice_len).min(ordered.len());
        slice.clear();
        slice.extend_from_slice(&ordered[at..end]);
        slice.sort_unstable();
        if read > 0 {
            query = weight.scorer(reader, 1.0)?;
        }
        matching_in(&slice, query.as_mut(), &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                page.collect(doc, score);
            }
        });
        read += end - at;
        at = end;
        slice_len = slice_len.saturating_mul(4);
    }
    Ok(true)
}
