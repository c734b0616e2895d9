//! What searches read of each segment's columns, kept while the segment is searched: the
//! columns opened (opening a fast field parses its header and codec: eight per segment and
//! request, fifteen segments, 4–8% of a search), and the strings of keyword columns (work ids,
//! facet values) by term ordinal. tantivy names an ordinal from the column's dictionary, whose
//! blocks are zstd-compressed: each block read sets up a decompressor and decodes the block up
//! to the ordinal, ~20 µs, and a page named its twenty ids in fifteen segments (13% of the HTML
//! search page; ties of date orders named 300). Here one pass over a dictionary keeps every term
//! in one buffer (a million ids: ~13 MB), and naming is an index.
//!
//! A segment never changes: what is kept is keyed by its id, and dropped once a newer searcher
//! no longer holds the segment (merged, or emptied by deletes).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::fastfield::FastFieldReaders;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::schema::names;

/// Every term of one column of one segment, in ordinal order.
pub struct Terms {
    bytes: Vec<u8>,
    /// Where each term ends in `bytes` (term `n` starts where `n - 1` ends).
    ends: Vec<u32>,
}

impl Terms {
    fn read(column: &StrColumn) -> std::io::Result<Terms> {
        let dictionary = column.dictionary();
        let mut terms = Terms {
            bytes: Vec::new(),
            ends: Vec::with_capacity(dictionary.num_terms()),
        };
        let mut stream = dictionary.stream()?;
        while stream.advance() {
            terms.bytes.extend_from_slice(stream.key());
            let end = u32::try_from(terms.bytes.len()).map_err(std::io::Error::other)?;
            terms.ends.push(end);
        }
        Ok(terms)
    }

    fn get(&self, ord: u64) -> Option<&[u8]> {
        let at = usize::try_from(ord).ok()?;
        let end = *self.ends.get(at)? as usize;
        let start = match at.checked_sub(1) {
            Some(before) => self.ends[before] as usize,
            None => 0,
        };
        self.bytes.get(start..end)
    }
}

/// A term list being read by one search while others wait for it; `None` if it could not be
/// read (the dictionary is asked directly then).
type Slot = Arc<OnceLock<Option<Arc<Terms>>>>;

/// The columns searched and their terms, by segment and field (see the module's
/// documentation).
#[derive(Default)]
pub struct Columns {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    by_column: HashMap<(SegmentId, &'static str), Slot>,
    strs: HashMap<(SegmentId, &'static str), Option<StrColumn>>,
    i64s: HashMap<(SegmentId, &'static str), Column<i64>>,
    /// Each segment's documents in id order (`Columns::by_id`).
    by_id: HashMap<SegmentId, Arc<Vec<DocId>>>,
    /// Each segment's documents without a year (`Columns::undated`).
    undated: HashMap<SegmentId, Arc<Vec<DocId>>>,
    /// The searcher generation the slots were last pruned for.
    generation: Option<u64>,
}

/// The segments `searcher` holds: what is kept per segment for searches (here and in
/// `filter_sets.rs`) is forgotten for the others.
fn live_segments(searcher: &Searcher) -> HashSet<SegmentId> {
    searcher
        .segment_readers()
        .iter()
        .map(|reader| reader.segment_id())
        .collect()
}

/// The segments `searcher` holds, the first time it is asked for `searcher`'s generation
/// (`pruned` remembers the last one): `None` when what is kept was pruned for it already.
pub fn live_once(pruned: &mut Option<u64>, searcher: &Searcher) -> Option<HashSet<SegmentId>> {
    let generation = searcher.generation().generation_id();
    if *pruned == Some(generation) {
        return None;
    }
    *pruned = Some(generation);
    Some(live_segments(searcher))
}

impl Columns {
    /// Forgets the segments `searcher` no longer holds (once per searcher generation).
    pub fn keep_only(&self, searcher: &Searcher) {
        let Ok(mut slots) = self.slots.lock() else {
            return;
        };
        let Some(live) = live_once(&mut slots.generation, searcher) else {
            return;
        };
        slots
            .by_column
            .retain(|(segment, _), _| live.contains(segment));
        slots.strs.retain(|(segment, _), _| live.contains(segment));
        slots.i64s.retain(|(segment, _), _| live.contains(segment));
        slots.undated.retain(|segment, _| live.contains(segment));
        slots.by_id.retain(|segment, _| live.contains(segment));
    }

    /// The keyword column `field` of a segment (`None`: no document of it has a value).
    pub fn str(
        &self,
        reader: &SegmentReader,
        field: &'static str,
    ) -> tantivy::Result<Option<StrColumn>> {
        self.opened(
            reader,
            field,
            |slots| &mut slots.strs,
            |fast| fast.str(field),
        )
    }

    /// The i64 column `field` of a segment.
    pub fn i64(&self, reader: &SegmentReader, field: &'static str) -> tantivy::Result<Column<i64>> {
        self.opened(
            reader,
            field,
            |slots| &mut slots.i64s,
            |fast| fast.i64(field),
        )
    }

    /// The documents of a segment in the order of their ids (deleted ones included), for the
    /// searches without words (`by_id.rs`): read once per segment from the id column (a
    /// million documents: 4 MB). `None` when the segment has no id column.
    pub fn by_id(&self, reader: &SegmentReader) -> tantivy::Result<Option<Arc<Vec<DocId>>>> {
        let key = reader.segment_id();
        if let Ok(slots) = self.slots.lock()
            && let Some(docs) = slots.by_id.get(&key)
        {
            return Ok(Some(docs.clone()));
        }
        let Some(ids) = self.str(reader, names::ID)? else {
            return Ok(None);
        };
        let ords = ids.ords();
        let mut by_ord: Vec<(u64, DocId)> = (0..reader.max_doc())
            .filter_map(|doc| ords.first(doc).map(|ord| (ord, doc)))
            .collect();
        by_ord.sort_unstable();
        let docs = Arc::new(by_ord.into_iter().map(|(_, doc)| doc).collect::<Vec<_>>());
        if let Ok(mut slots) = self.slots.lock() {
            slots.by_id.insert(key, docs.clone());
        }
        Ok(Some(docs))
    }

    /// The documents of a segment without a year (works without a date), in order: a date
    /// order walked year by year reads them as one more "year" (`by_year.rs`). Read once per
    /// segment from the year column; none when every document has a year.
    pub fn undated(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Vec<DocId>>> {
        let key = reader.segment_id();
        if let Ok(slots) = self.slots.lock()
            && let Some(docs) = slots.undated.get(&key)
        {
            return Ok(docs.clone());
        }
        let docs = match reader.fast_fields().column_opt::<i64>(names::YEAR)? {
            Some(years) if years.get_cardinality() == Cardinality::Full => Vec::new(),
            Some(years) => (0..reader.max_doc())
                .filter(|&doc| years.first(doc).is_none())
                .collect(),
            None => (0..reader.max_doc()).collect(),
        };
        let docs = Arc::new(docs);
        if let Ok(mut slots) = self.slots.lock() {
            slots.undated.insert(key, docs.clone());
        }
        Ok(docs)
    }

    /// A column kept in `kept`, or opened by `open` and kept.
    fn opened<C: Clone>(
        &self,
        reader: &SegmentReader,
        field: &'static str,
        kept: impl Fn(&mut Slots) -> &mut HashMap<(SegmentId, &'static str), C>,
        open: impl FnOnce(&FastFieldReaders) -> tantivy::Result<C>,
    ) -> tantivy::Result<C> {
        let key = (reader.segment_id(), field);
        if let Ok(mut slots) = self.slots.lock()
            && let Some(column) = kept(&mut slots).get(&key)
        {
            return Ok(column.clone());
        }
        let column = open(reader.fast_fields())?;
        if let Ok(mut slots) = self.slots.lock() {
            kept(&mut slots).insert(key, column.clone());
        }
        Ok(column)
    }

    /// The strings of `ords` in `column` (of segment `segment`, field `field`), in the order
    /// given; an ordinal out of the column's range gives an empty string.
    pub fn strings(
        &self,
        segment: SegmentId,
        field: &'static str,
        column: &StrColumn,
        ords: Vec<u64>,
    ) -> std::io::Result<Vec<String>> {
        let Some(terms) = self.terms(segment, field, column) else {
            return ords_to_strings(column, ords);
        };
        Ok(ords
            .into_iter()
            .map(|ord| {
                terms
                    .get(ord)
                    .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                    .unwrap_or_default()
            })
            .collect())
    }

    /// `f` of each term of `column` (of segment `segment`, field `field`), by ordinal.
    pub fn each_term<T>(
        &self,
        segment: SegmentId,
        field: &'static str,
        column: &StrColumn,
        mut f: impl FnMut(&[u8]) -> T,
    ) -> std::io::Result<Vec<T>> {
        if let Some(terms) = self.terms(segment, field, column) {
            return Ok((0..terms.ends.len() as u64)
                .map(|ord| f(terms.get(ord).unwrap_or_default()))
                .collect());
        }
        let mut all = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            all.push(f(stream.key()));
        }
        Ok(all)
    }

    fn terms(
        &self,
        segment: SegmentId,
        field: &'static str,
        column: &StrColumn,
    ) -> Option<Arc<Terms>> {
        let slot = {
            let mut slots = self.slots.lock().ok()?;
            slots.by_column.entry((segment, field)).or_default().clone()
        };
        slot.get_or_init(|| match Terms::read(column) {
            Ok(terms) => Some(Arc::new(terms)),
            Err(error) => {
                tracing::warn!(%error, field, "a column's terms could not be read at once");
                None
            }
        })
        .clone()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_found_by_ordinal() {
        let terms = Terms {
            bytes: b"w1w22w333".to_vec(),
            ends: vec![2, 5, 9],
        };
        assert_eq!(terms.get(0), Some(&b"w1"[..]));
        assert_eq!(terms.get(1), Some(&b"w22"[..]));
        assert_eq!(terms.get(2), Some(&b"w333"[..]));
        assert_eq!(terms.get(3), None);
    }
}
