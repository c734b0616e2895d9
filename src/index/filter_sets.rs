//! The filters of a search (`type`, `region`, `theme`, `language`, `institution`, `source`,
//! `access`) as one document set: each filter value's documents kept per segment as a bit set
//! (one bit a document: 125 KB for a segment of a million), built once from its postings and
//! then ANDed word by word on each search, as Lucene's query cache and Elasticsearch's filter
//! cache keep a filter's documents. The filters' postings were intersected on every request
//! instead: `type=masters-dissertation&region=FR-ARA&theme=mutuals` leapfrogged three lists of
//! 20,000–500,000 documents to find nothing, 7–8 ms at 1 M works, the REST mix's slowest
//! requests after phrases (a third of its CPU went to searches of filters alone).
//!
//! The set's size is exact (its bits counted), so a walk knows how rare the filters are
//! together, and a search of filters alone is counted without walking its matches.
//!
//! The sets are bounded ([`CACHE_BYTES`], least recently used dropped first) and dropped with
//! their segment (a newer searcher without it: merged, or emptied by deletes). A set holds
//! deleted documents too, as postings do: collectors skip them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, TantivyError, Term};

use super::bits::Bits;
use super::columns::{Columns, live_once};
use super::themes::Themes;

/// What the kept sets may weigh together: 256 sets of a million-document segment. The mix's
/// filters use ~40 values (6 types, regions, themes, languages, access); institutions and
/// sources have many values, each rarely asked, which the least recently used order drops.
pub const CACHE_BYTES: usize = 32 << 20;

/// The kept sets, by segment and term (see the module's documentation).
#[derive(Default)]
pub struct FilterSets {
    kept: Mutex<Kept>,
    /// The works' themes, kept beside the documents (`themes.rs`: a theme's documents are kept
    /// there), and the columns their ids are read from.
    themes: Arc<Themes>,
    columns: Arc<Columns>,
}

#[derive(Default)]
struct Kept {
    sets: HashMap<(SegmentId, Term), (Arc<Bits>, u64)>,
    /// Bumped at each use: the set used longest ago goes first.
    clock: u64,
    bytes: usize,
    /// The searcher generation the sets were last pruned for.
    generation: Option<u64>,
}

impl FilterSets {
    pub fn new(themes: Arc<Themes>, columns: Arc<Columns>) -> FilterSets {
        FilterSets {
            kept: Mutex::default(),
            themes,
            columns,
        }
    }

    /// Forgets the segments `searcher` no longer holds (once per searcher generation).
    pub fn keep_only(&self, searcher: &Searcher) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        let Some(live) = live_once(&mut kept.generation, searcher) else {
            return;
        };
        kept.sets.retain(|(segment, _), _| live.contains(segment));
        kept.bytes = kept.sets.values().map(|(bits, _)| bits.bytes()).sum();
    }

    /// The documents of `term` in a segment: kept, or read from its postings and kept.
    fn set(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Arc<Bits>> {
        let key = (reader.segment_id(), term.clone());
        if let Ok(mut kept) = self.kept.lock() {
            kept.clock += 1;
            let clock = kept.clock;
            if let Some((bits, used)) = kept.sets.get_mut(&key) {
                *used = clock;
                return Ok(bits.clone());
            }
        }
        let inverted = reader.inverted_index(term.field())?;
        let bits = Arc::new(
            match inverted.read_postings(term, IndexRecordOption::Basic)? {
                Some(mut postings) => Bits::of(&mut postings, reader.max_doc()),
                None => Bits::default(),
            },
        );
        if let Ok(mut kept) = self.kept.lock() {
            while kept.bytes + bits.bytes() > CACHE_BYTES && !kept.sets.is_empty() {
                let oldest = kept
                    .sets
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(key, _)| key.clone());
                if let Some((dropped, _)) = oldest.and_then(|key| kept.sets.remove(&key)) {
                    kept.bytes -= dropped.bytes();
                }
            }
            if bits.bytes() <= CACHE_BYTES {
                kept.clock += 1;
                let clock = kept.clock;
                kept.bytes += bits.bytes();
                if let Some((replaced, _)) = kept.sets.insert(key, (bits.clone(), clock)) {
                    kept.bytes -= replaced.bytes();
                }
            }
        }
        Ok(bits)
    }
}

/// The works that pass every filter: each clause a union of exact terms (several types), or
/// the works of a theme (of any theme: the themed works), all clauses required. Every match scores 1, as `AllQuery` does (a search without words ranks
/// its matches by id alone).
#[derive(Clone)]
pub struct FilterQuery {
    clauses: Vec<Vec<Term>>,
    /// Themes each required (`None`: any theme), answered from the themes beside the index.
    themes: Vec<Option<String>>,
    sets: Arc<FilterSets>,
    /// The clauses ANDed, per segment, for this search (its clones share it): one search
    /// opens the filters' scorer several times per segment (the page's walk, its slices in id
    /// order, the count's sample), and the AND was 9% of the index's share of the REST mix.
    anded: Arc<Mutex<HashMap<SegmentId, Arc<Bits>>>>,
}

impl std::fmt::Debug for FilterQuery {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FilterQuery")
            .field("clauses", &self.clauses)
            .field("themes", &self.themes)
            .finish()
    }
}

impl FilterQuery {
    /// `None` without a clause; a clause without a term matches nothing.
    pub fn new(
        clauses: Vec<Vec<Term>>,
        themes: Vec<Option<String>>,
        sets: Arc<FilterSets>,
    ) -> Option<FilterQuery> {
        (!clauses.is_empty() || !themes.is_empty()).then(|| FilterQuery {
            clauses,
            themes,
            sets,
            anded: Arc::default(),
        })
    }
}

impl Query for FilterQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in self.clauses.iter().flatten() {
            visitor(term, false);
        }
    }
}

impl FilterQuery {
    /// The segment's documents passing every clause.
    fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Bits>> {
        let segment = reader.segment_id();
        if let Ok(anded) = self.anded.lock()
            && let Some(bits) = anded.get(&segment)
        {
            return Ok(bits.clone());
        }
        let bits = self.and(reader)?;
        if let Ok(mut anded) = self.anded.lock() {
            anded.insert(segment, bits.clone());
        }
        Ok(bits)
    }

    /// The clauses' sets ANDed (the kept set itself when there is one term).
    fn and(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Bits>> {
        let mut sets = self
            .clauses
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|term| self.sets.set(reader, term))
                    .collect::<tantivy::Result<Vec<_>>>()
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        if !self.themes.is_empty() {
            let themes = self.sets.themes.segment(reader, &self.sets.columns)?;
            sets.extend(
                self.themes
                    .iter()
                    .map(|theme| vec![themes.set(theme.as_deref())]),
            );
        }
        Ok(match sets.as_slice() {
            [one] if one.len() == 1 => one[0].clone(),
            _ => Arc::new(Bits::all_of(&sets, reader.max_doc())),
        })
    }
}

impl Weight for FilterQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.bits(reader)?;
        if bits.len == 0 {
            return Ok(Box::new(EmptyScorer));
        }
        let doc = bits.next_from(0);
        Ok(Box::new(BitsScorer {
            bits,
            doc,
            score: boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.bits(reader)?.contains(doc) {
            Ok(Explanation::new("every filter", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }

    /// Without deleted documents, the bits set: no walk.
    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        let bits = self.bits(reader)?;
        Ok(match reader.alive_bitset() {
            None => bits.len,
            Some(alive) => {
                let mut count = 0;
                let mut doc = bits.next_from(0);
                while doc != TERMINATED {
                    count += u32::from(alive.is_alive(doc));
                    doc = bits.next_from(doc + 1);
                }
                count
            }
        })
    }
}

/// A walk over a segment's [`Bits`].
struct BitsScorer {
    bits: Arc<Bits>,
    doc: DocId,
    score: Score,
}

impl DocSet for BitsScorer {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.bits.next_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = self.bits.next_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.bits.len
    }
}

impl Scorer for BitsScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(docs: &[DocId], max_doc: DocId) -> Bits {
        let mut bits = Bits::with_max_doc(max_doc);
        for &doc in docs {
            bits.words[(doc / 64) as usize] |= 1 << (doc % 64);
            bits.len += 1;
        }
        bits
    }

    fn walk(bits: &Bits) -> Vec<DocId> {
        let mut docs = Vec::new();
        let mut doc = bits.next_from(0);
        while doc != TERMINATED {
            docs.push(doc);
            doc = bits.next_from(doc + 1);
        }
        docs
    }

    #[test]
    fn a_set_is_walked_in_order_across_words() {
        let set = bits(&[0, 63, 64, 200, 299], 300);
        assert_eq!(walk(&set), [0, 63, 64, 200, 299]);
        assert_eq!(set.next_from(65), 200);
        assert_eq!(set.next_from(300), TERMINATED);
        assert_eq!(set.next_from(1_000_000), TERMINATED);
        assert!(set.contains(63) && !set.contains(62) && !set.contains(10_000));
        assert_eq!(walk(&Bits::default()), Vec::<DocId>::new());
    }

    #[test]
    fn clauses_are_anded_and_their_terms_ored() {
        let doctoral = Arc::new(bits(&[1, 5, 70, 130], 200));
        let masters = Arc::new(bits(&[2, 71], 200));
        let occitanie = Arc::new(bits(&[1, 2, 70, 71, 199], 200));
        let empty = Arc::new(Bits::default());
        let types = vec![doctoral.clone(), masters];
        let both = Bits::all_of(&[types.clone(), vec![occitanie.clone()]], 200);
        assert_eq!(walk(&both), [1, 2, 70, 71]);
        assert_eq!(both.len, 4);
        let none = Bits::all_of(&[types, vec![occitanie], vec![empty]], 200);
        assert_eq!((walk(&none), none.len), (Vec::new(), 0));
        let one = Bits::all_of(&[vec![doctoral]], 200);
        assert_eq!(walk(&one), [1, 5, 70, 130]);
    }
}
