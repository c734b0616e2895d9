//! `abstract:` answered from the `text` field instead of a field of its own. An abstract is
//! most of a work's words, and indexing it a third time (after `text` and `pairs`) cost ~8.5%
//! of a fresh build's CPU at 100,000 records (BENCHMARKS.md, issue 17).
//!
//! A document's abstracts are the first values of its `text` field, and `abstract_end` (a fast
//! field) holds the position where they end: a word or phrase is in an abstract when it
//! occurs in `text` before it. [`Positions`] works that position out without analysing the
//! texts: the words analyser keeps the positions of the simple tokenizer's words and drops
//! only over-long ones, so counting the words (and which of them are dropped) is enough; a
//! test compares it with the analyser's positions.
//!
//! [`InAbstract`] is the check a query's `abstract:` literal becomes: unscored, beside the same
//! literal over `text`, which scores it and is walked with pruning like any word
//! (`query.rs`, `checked.rs`). The check reads the words' positions before the end: a phrase
//! exactly; with slop, each word within the slop of its place after the first (tantivy's own
//! rule for two words; for more it spends one budget over the words, so a longer phrase with
//! slop is checked a little more loosely, the literal over `text` still requiring it); with a
//! prefix, the words before the prefix (the literal over `text` finds the prefix).

use tantivy::columnar::Column;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    BooleanQuery, EmptyScorer, EnableScoring, Explanation, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenStream;
use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, TantivyError, Term,
};

use super::schema::{self, Fields, MAX_TOKEN_BYTES, names};

/// The positions tantivy leaves between two values of one field (its `POSITION_GAP`): no
/// phrase spans two values.
const POSITION_GAP: u64 = 1;

/// The end of a document's abstracts in `text`'s positions, as values are added.
#[derive(Debug, Default, Clone, Copy)]
pub struct Positions {
    end: u64,
}

impl Positions {
    /// One more value of `text`: tantivy starts the next one past the last position this one
    /// takes, plus the gap (an empty value takes the gap alone).
    pub fn add(&mut self, text: &str) {
        self.end += taken(text) + POSITION_GAP;
    }

    /// Every position of the values added is below it, and every later value's at or above.
    pub fn end(&self) -> u64 {
        self.end
    }
}

/// One past the position of the last word of `text` the words analyser keeps, 0 when it keeps
/// none: its words are the simple tokenizer's (runs of letters and digits, numbered from 0),
/// of which it drops those of [`MAX_TOKEN_BYTES`] bytes or more.
fn taken(text: &str) -> u64 {
    let (mut position, mut end) = (0u64, 0u64);
    let mut start: Option<usize> = None;
    let mut word_ends = |from: usize, to: usize, position: &mut u64| {
        if to - from < MAX_TOKEN_BYTES {
            end = *position + 1;
        }
        *position += 1;
    };
    for (offset, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(offset),
            (false, Some(from)) => {
                word_ends(from, offset, &mut position);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        word_ends(from, text.len(), &mut position);
    }
    end
}

/// The check of an `abstract:` literal: see the module's documentation.
#[derive(Debug, Clone)]
pub struct InAbstract {
    /// The analysed words over `text`, each with its position relative to the first.
    words: Vec<(u32, Term)>,
    /// How far each word may be from its place in the phrase after the first (0: exact).
    slop: u32,
}

impl InAbstract {
    /// The check of `phrase` as the query parser reads it, with its `slop`; a `prefix`'s last
    /// word is left to the literal over `text`. `None` when no word is left to check.
    pub fn of(fields: &Fields, phrase: &str, slop: u32, prefix: bool) -> Option<InAbstract> {
        let mut analyzer = schema::words();
        let mut words: Vec<(usize, String)> = Vec::new();
        let mut stream = analyzer.token_stream(phrase);
        while stream.advance() {
            let token = stream.token();
            words.push((token.position, token.text.clone()));
        }
        if prefix {
            words.pop();
        }
        let first = words.first()?.0;
        Some(InAbstract {
            words: words
                .into_iter()
                .map(|(position, word)| {
                    let offset = u32::try_from(position - first).unwrap_or(u32::MAX);
                    (offset, Term::from_field_text(fields.text, &word))
                })
                .collect(),
            slop,
        })
    }

    /// The words, for the size of the check (`checked.rs`).
    pub fn words(&self) -> Vec<Term> {
        self.words.iter().map(|(_, word)| word.clone()).collect()
    }
}

/// `query` with each placeholder of `checks` (a term of `field`, the check's index: the query
/// parser cannot build our queries) replaced by its check. `None` if a placeholder is left
/// where it could not be reached: searching for it would silently match nothing.
pub fn put_checks(
    query: Box<dyn Query>,
    checks: &[InAbstract],
    field: Field,
) -> Option<Box<dyn Query>> {
    let replaced = replace(query, checks, field);
    let mut left = false;
    replaced.query_terms(&mut |term, _| left |= term.field() == field);
    (!left).then_some(replaced)
}

fn replace(query: Box<dyn Query>, checks: &[InAbstract], field: Field) -> Box<dyn Query> {
    if let Some(term) = query.downcast_ref::<TermQuery>().map(TermQuery::term)
        && term.field() == field
    {
        let check = term
            .value()
            .as_str()
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| checks.get(index));
        if let Some(check) = check {
            return Box::new(check.clone());
        }
    }
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        let clauses = boolean
            .clauses()
            .iter()
            .map(|(occur, clause)| (*occur, replace(clause.box_clone(), checks, field)))
            .collect();
        return Box::new(BooleanQuery::new(clauses));
    }
    query
}

impl Query for InAbstract {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        // Positions are read even for one word (to place it before the end).
        for (_, word) in &self.words {
            visitor(word, true);
        }
    }
}

impl Weight for InAbstract {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut postings = Vec::with_capacity(self.words.len());
        for (offset, word) in &self.words {
            let inverted = reader.inverted_index(word.field())?;
            match inverted.read_postings(word, IndexRecordOption::WithFreqsAndPositions)? {
                Some(one) => postings.push((*offset, one)),
                None => return Ok(Box::new(EmptyScorer)),
            }
        }
        let ends = reader.fast_fields().u64(names::ABSTRACT_END)?;
        Ok(Box::new(InAbstractScorer::new(postings, ends, self.slop)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("in an abstract (unscored)", 0.0))
    }
}

/// The documents holding the words before their `abstract_end`: an intersection of the
/// words' postings, each common document's positions read.
struct InAbstractScorer {
    /// Each word's offset in the phrase and its postings in `text`.
    postings: Vec<(u32, SegmentPostings)>,
    ends: Column<u64>,
    slop: u32,
    doc: DocId,
    /// False after a `seek_danger` that found no match: `doc` is then only a lower bound.
    on_match: bool,
    /// The first word's positions in the document tested, then each other word's.
    first: Vec<u32>,
    other: Vec<u32>,
}

impl InAbstractScorer {
    fn new(postings: Vec<(u32, SegmentPostings)>, ends: Column<u64>, slop: u32) -> Self {
        let doc = postings.first().map_or(TERMINATED, |(_, p)| p.doc());
        let mut scorer = InAbstractScorer {
            postings,
            ends,
            slop,
            doc,
            on_match: true,
            first: Vec::new(),
            other: Vec::new(),
        };
        scorer.doc = scorer.settle(doc);
        scorer
    }

    /// Every word's postings on `target` or after it; the first document they all hold
    /// from `target` (`TERMINATED` when none).
    fn align(&mut self, mut target: DocId) -> DocId {
        'candidates: while target != TERMINATED {
            for (_, postings) in &mut self.postings {
                let mut doc = postings.doc();
                if doc < target {
                    doc = postings.seek(target);
                }
                if doc > target {
                    target = doc;
                    continue 'candidates;
                }
            }
            return target;
        }
        TERMINATED
    }

    /// The first match from `target`.
    fn settle(&mut self, target: DocId) -> DocId {
        let mut doc = self.align(target);
        while doc != TERMINATED && !self.in_abstract(doc) {
            doc = self.align(doc + 1);
        }
        doc
    }

    /// Whether the words, which all hold `doc`, occur there before its abstracts' end.
    fn in_abstract(&mut self, doc: DocId) -> bool {
        let end = self.ends.first(doc).unwrap_or(0);
        if end == 0 {
            return false;
        }
        let Some(((_, first), rest)) = self.postings.split_first_mut() else {
            return false;
        };
        first.positions_with_offset(0, &mut self.first);
        self.first.retain(|&position| u64::from(position) < end);
        if self.first.is_empty() {
            return false;
        }
        let slop = self.slop;
        for (offset, postings) in rest {
            postings.positions_with_offset(0, &mut self.other);
            let before_end = self
                .other
                .partition_point(|&position| u64::from(position) < end);
            let other = &self.other[..before_end];
            // The phrase's starts this word continues: within the slop of its place.
            self.first.retain(|&start| {
                let place = start.saturating_add(*offset);
                let from = other.partition_point(|&position| position < place.saturating_sub(slop));
                other
                    .get(from)
                    .is_some_and(|&position| position <= place.saturating_add(slop))
            });
            if self.first.is_empty() {
                return false;
            }
        }
        true
    }
}

impl DocSet for InAbstractScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let from = if self.on_match {
            self.doc + 1
        } else {
            self.doc
        };
        self.doc = self.settle(from);
        self.on_match = true;
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.on_match && self.doc >= target {
            return self.doc;
        }
        self.doc = self.settle(target.max(self.doc));
        self.on_match = true;
        self.doc
    }

    /// Only `target` is tested: a check asks about candidates far apart (`checked.rs`), and
    /// walking to the next match would read the positions of every document between.
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= TERMINATED {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        let doc = self.align(target);
        if doc == target && self.in_abstract(doc) {
            self.doc = doc;
            self.on_match = true;
            return SeekDangerResult::Found;
        }
        // No match before `bound`: `seek` and `advance` find the next from there.
        let bound = if doc == target { target + 1 } else { doc };
        self.doc = bound;
        self.on_match = false;
        SeekDangerResult::SeekLowerBound(bound)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.postings
            .iter()
            .map(|(_, postings)| postings.size_hint())
            .min()
            .unwrap_or(0)
    }
}

impl Scorer for InAbstractScorer {
    /// Nothing: the literal over `text` beside the check scores.
    fn score(&mut self) -> Score {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where tantivy's `text` positions put the end of `values`: the analyser's own positions.
    fn analysed_end(values: &[&str]) -> u64 {
        let mut analyzer = schema::words();
        let mut base = 0u64;
        for value in values {
            let mut end = base;
            let mut stream = analyzer.token_stream(value);
            while stream.advance() {
                end = end.max(base + stream.token().position as u64 + 1);
            }
            base = end + POSITION_GAP;
        }
        base
    }

    #[test]
    fn counted_positions_are_the_analysers() {
        let long = "x".repeat(MAX_TOKEN_BYTES);
        let short = "y".repeat(MAX_TOKEN_BYTES - 1);
        let texts = [
            "",
            " ",
            "cheval",
            "Le cheval blanc, du roi.",
            "  l'économie sociale et solidaire (ESS) : 2019–2024 ",
            "Économie — Ökonomie — экономика — 経済 — اقتصاد",
            "mots_collés-par-des.signes/et\u{a0}espaces\u{2009}fins",
            "chiffres 12 345,67 et 3e",
            &format!("{long} en tête"),
            &format!("en queue {long}"),
            &long,
            &format!("{short} {long} {short}"),
            &format!("mot {long} {long}"),
            "é\u{301}tude combinée",
            "٣٤ ²³ Ⅻ ½",
        ];
        for text in texts {
            let mut positions = Positions::default();
            positions.add(text);
            assert_eq!(positions.end(), analysed_end(&[text]), "{text:?}");
        }
        // And summed over several values, as a document's abstracts are.
        let mut positions = Positions::default();
        for text in texts {
            positions.add(text);
        }
        assert_eq!(positions.end(), analysed_end(&texts));
    }
}

#[cfg(test)]
#[path = "abstracts_tests.rs"]
mod search_tests;
