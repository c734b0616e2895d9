//! A set of a segment's documents, one bit a document: what the filters keep per value
//! (`filter_sets.rs`) and the themes per theme (`themes.rs`) make and AND word by word.

use std::sync::Arc;

use tantivy::{DocId, DocSet, TERMINATED};

/// One document a bit, in words of 64.
#[derive(Debug, Default)]
pub struct Bits {
    pub(super) words: Vec<u64>,
    /// The bits set.
    pub(super) len: u32,
}

impl Bits {
    pub(super) fn with_max_doc(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
            len: 0,
        }
    }

    /// The documents of a segment of `max_doc` documents for which `holds` is true.
    pub(super) fn from_docs(max_doc: DocId, holds: impl Fn(DocId) -> bool) -> Bits {
        let mut bits = Bits::with_max_doc(max_doc);
        for doc in (0..max_doc).filter(|&doc| holds(doc)) {
            bits.words[(doc / 64) as usize] |= 1 << (doc % 64);
            bits.len += 1;
        }
        bits
    }

    /// The documents of `docs`, for a segment of `max_doc` documents.
    pub(super) fn of(docs: &mut dyn DocSet, max_doc: DocId) -> Bits {
        let mut bits = Bits::with_max_doc(max_doc);
        let mut doc = docs.doc();
        while doc != TERMINATED && doc < max_doc {
            bits.words[(doc / 64) as usize] |= 1 << (doc % 64);
            bits.len += 1;
            doc = docs.advance();
        }
        bits
    }

    /// The documents in every one of `sets` (at least one), each a union of bit sets.
    pub(super) fn all_of(sets: &[Vec<Arc<Bits>>], max_doc: DocId) -> Bits {
        let mut bits = Bits::with_max_doc(max_doc);
        let mut len = 0u32;
        for (at, word) in bits.words.iter_mut().enumerate() {
            let mut all = u64::MAX;
            for any in sets {
                all &= any.iter().fold(0, |union, set| {
                    union | set.words.get(at).copied().unwrap_or(0)
                });
                if all == 0 {
                    break;
                }
            }
            *word = all;
            len += all.count_ones();
        }
        bits.len = len;
        bits
    }

    /// The first document from `doc` on in the set, or `TERMINATED`.
    pub(super) fn next_from(&self, doc: DocId) -> DocId {
        let mut at = (doc / 64) as usize;
        let Some(&first) = self.words.get(at) else {
            return TERMINATED;
        };
        let mut word = first & (u64::MAX << (doc % 64));
        loop {
            if word != 0 {
                return at as DocId * 64 + word.trailing_zeros();
            }
            at += 1;
            match self.words.get(at) {
                Some(&next) => word = next,
                None => return TERMINATED,
            }
        }
    }

    pub(super) fn contains(&self, doc: DocId) -> bool {
        self.words
            .get((doc / 64) as usize)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    pub(super) fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}
