//! A query split into a *lead* that scores and a list of *checks* every match must also pass,
//! unscored: filters, and the positions of a phrase. tantivy skips blocks of postings only for
//! a lone term or a conjunction of terms (block-max WAND); a filter or a phrase in the same
//! conjunction made it score every match instead (a phrase of two frequent words checked the
//! positions of a quarter of a million works). Here the lead alone is walked with pruning,
//! and only the candidates that could enter the page are checked. When a check is much
//! rarer than the lead (a narrow filter), it leads the walk instead, as an intersection would.
//!
//! The year range is a check of its own, read from the year column per candidate: as a range
//! query's document set it was walked forward from candidate to candidate (a rare word with
//! four filters cost 25–35 ms at 1 M works).
//!
//! The matches are exactly those of the lead and the checks together; the score is the lead's.

use std::ops::Bound;

use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, PhraseQuery, Query,
    RangeQuery, Scorer, Weight,
};
use tantivy::schema::Field;
use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, TantivyError, Term,
};

use super::abstracts::InAbstract;
use super::filter_sets::FilterQuery;
use super::schema::names;

/// A check is "much rarer" than the lead below this fraction of its size: the check then
/// drives (leapfrog), since walking the lead would visit mostly candidates the check rejects.
const CHECK_LEADS_BELOW: u32 = 32;

/// The years a work's date must fall in, both ends included (the `year` field, indexed and
/// fast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    pub field: Field,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl YearRange {
    /// The same range as a query: the document set that drives a walk without words.
    fn query(&self) -> Box<dyn Query> {
        let bound = |year: Option<i64>| match year {
            Some(year) => Bound::Included(Term::from_field_i64(self.field, year)),
            None => Bound::Unbounded,
        };
        Box::new(RangeQuery::new(bound(self.from), bound(self.to)))
    }

    fn contains(&self, year: i64) -> bool {
        self.from.is_none_or(|from| year >= from) && self.to.is_none_or(|to| year <= to)
    }
}

/// See the module's documentation.
#[derive(Debug)]
pub struct CheckedQuery {
    lead: Box<dyn Query>,
    checks: Vec<Box<dyn Query>>,
    years: Option<YearRange>,
}

impl Clone for CheckedQuery {
    fn clone(&self) -> Self {
        CheckedQuery {
            lead: self.lead.box_clone(),
            checks: self.checks.iter().map(|check| check.box_clone()).collect(),
            years: self.years,
        }
    }
}

impl CheckedQuery {
    /// `lead` alone when there is no check.
    pub fn build(
        lead: Box<dyn Query>,
        checks: Vec<Box<dyn Query>>,
        years: Option<YearRange>,
    ) -> Box<dyn Query> {
        if checks.is_empty() && years.is_none() {
            lead
        } else {
            Box::new(CheckedQuery {
                lead,
                checks,
                years,
            })
        }
    }

    /// `query` with the phrases over `phrase_field` of its top conjunction taken out as
    /// checks (their pairs' buckets stay in the lead), and `filters` and `years` added as
    /// checks. A query that is not a conjunction (`OR`, exclusions) keeps its phrases inside.
    pub fn split(
        query: Box<dyn Query>,
        phrase_field: Field,
        mut filters: Vec<Box<dyn Query>>,
        years: Option<YearRange>,
    ) -> Box<dyn Query> {
        if query.downcast_ref::<AllQuery>().is_some() {
            // No words: nothing to prune by, every match scores the same (1, as `AllQuery`).
            // The filters' document set (`filter_sets.rs`) leads, and the year range is a
            // check of its matches: as a range query's document set (fast-field backed) it
            // scanned its column forward at every seek (`type=doctoral-thesis&year_from=2022&
            // year_to=2022`, 18,000 matches, cost as much as walking 325,000).
            if filters.is_empty() {
                let Some(years) = years else {
                    return query;
                };
                let range: Box<dyn Query> = Box::new(ConstScoreQuery::new(years.query(), 0.0));
                return Box::new(BooleanQuery::new(vec![
                    (Occur::Must, query),
                    (Occur::Must, range),
                ]));
            }
            let lead: Box<dyn Query> =
                if filters.len() == 1 && filters[0].downcast_ref::<FilterQuery>().is_some() {
                    filters.remove(0)
                } else {
                    let mut clauses = vec![(Occur::Must, query)];
                    clauses.extend(filters.into_iter().map(|filter| {
                        let unscored: Box<dyn Query> = Box::new(ConstScoreQuery::new(filter, 0.0));
                        (Occur::Must, unscored)
                    }));
                    Box::new(BooleanQuery::new(clauses))
                };
            return CheckedQuery::build(lead, Vec::new(), years);
        }
        let mut leads = Vec::new();
        let mut checks = filters;
        let Some(clauses) = conjunction(query.as_ref()) else {
            return CheckedQuery::build(query, checks, years);
        };
        for clause in clauses {
            let phrase = clause
                .downcast_ref::<PhraseQuery>()
                .is_some_and(|phrase| phrase.field() == phrase_field);
            if phrase || clause.downcast_ref::<InAbstract>().is_some() {
                checks.push(clause);
            } else {
                leads.push(clause);
            }
        }
        let lead: Box<dyn Query> = match leads.len() {
            // A conjunction of phrases only (without their pairs: cannot happen from our
            // parser, but a check needs a lead).
            0 => return CheckedQuery::build(query, checks, years),
            1 => leads.remove(0),
            _ => Box::new(BooleanQuery::new(
                leads.into_iter().map(|lead| (Occur::Must, lead)).collect(),
            )),
        };
        CheckedQuery::build(lead, checks, years)
    }
}

/// The clauses of `query` if it is a conjunction (every clause `Must`, nested conjunctions
/// flattened), else `None`.
fn conjunction(query: &dyn Query) -> Option<Vec<Box<dyn Query>>> {
    let boolean = query.downcast_ref::<BooleanQuery>()?;
    if boolean.clauses().is_empty()
        || !boolean
            .clauses()
            .iter()
            .all(|(occur, _)| *occur == Occur::Must)
    {
        return None;
    }
    let mut clauses = Vec::new();
    for (_, clause) in boolean.clauses() {
        match conjunction(clause.as_ref()) {
            Some(inner) => clauses.extend(inner),
            None => clauses.push(clause.box_clone()),
        }
    }
    Some(clauses)
}

impl Query for CheckedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let unscored = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        Ok(Box::new(CheckedWeight {
            lead: self.lead.weight(enable_scoring)?,
            checks: self
                .checks
                .iter()
                .map(|check| {
                    let words = check
                        .downcast_ref::<PhraseQuery>()
                        .map(PhraseQuery::phrase_terms)
                        .or_else(|| check.downcast_ref::<InAbstract>().map(InAbstract::words));
                    Ok((check.weight(unscored)?, words))
                })
                .collect::<tantivy::Result<_>>()?,
            years: self.years,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.lead.query_terms(visitor);
        for check in &self.checks {
            check.query_terms(visitor);
        }
    }
}

struct CheckedWeight {
    lead: Box<dyn Weight>,
    checks: Vec<CheckWeight>,
    years: Option<YearRange>,
}

/// A check, and a phrase's words (see [`phrase_candidates`]).
type CheckWeight = (Box<dyn Weight>, Option<Vec<Term>>);

impl CheckedWeight {
    /// The checks over a segment, the rarest first: it rejects most candidates; the year
    /// column last (it cannot skip ahead, and its size is unknown).
    fn checks(&self, reader: &SegmentReader) -> tantivy::Result<Vec<Check>> {
        let mut checks = self
            .checks
            .iter()
            .map(|(check, words)| {
                let mut check = Check::new(check.scorer(reader, 1.0)?);
                if let Some(words) = words {
                    check.size = phrase_candidates(reader, words)?;
                }
                Ok(check)
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        checks.sort_by_key(|check| check.size);
        if let Some(years) = self.years {
            checks.push(Check::years(reader.fast_fields().i64(names::YEAR)?, years));
        }
        Ok(checks)
    }
}

impl Weight for CheckedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(CheckedScorer::new(
            self.lead.scorer(reader, boost)?,
            self.checks(reader)?,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        self.lead.explain(reader, doc)
    }

    /// The lead's pruning walk, each candidate it hands over checked; or, when a check is much
    /// rarer than the lead, every match of the intersection (the rare check leading) scored.
    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut checks = self.checks(reader)?;
        let lead = self.lead.scorer(reader, 1.0)?;
        if leapfrog_pays(lead.size_hint(), &checks, reader.max_doc()) {
            let mut scorer = CheckedScorer::new(lead, checks);
            let mut threshold = threshold;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                let score = scorer.score();
                if score > threshold {
                    threshold = callback(doc, score);
                }
                doc = scorer.advance();
            }
            return Ok(());
        }
        let mut current = threshold;
        self.lead
            .for_each_pruning(threshold, reader, &mut |doc, score| {
                if checks
                    .iter_mut()
                    .all(|check| check.test(doc) == Test::Found)
                {
                    current = callback(doc, score);
                }
                current
            })
    }
}

/// Whether the checks together are much rarer than the lead (below 1 in
/// [`CHECK_LEADS_BELOW`]): the rarest alone, or all of them as if independent. The pruned walk
/// then hands over nearly every match of the lead (few candidates pass, so the page fills late
/// and its threshold stays low) and each is checked, while a leapfrog skips the lead forward to
/// each check's next match. A word with three filters matching nothing (`q=rhedp&type=…&
/// region=CA-QC&theme=…`) walked the word's 300,000 matches: 15–23 ms at 1 M works.
fn leapfrog_pays(lead_size: u32, checks: &[Check], max_doc: u32) -> bool {
    let rarest = checks.first().map_or(u32::MAX, |check| check.size);
    if rarest.saturating_mul(CHECK_LEADS_BELOW) < lead_size {
        return true;
    }
    let all = f64::from(max_doc.max(1));
    let together = checks
        .iter()
        .filter(|check| matches!(check.source, Source::Scorer(_)))
        .fold(f64::from(lead_size), |expected, check| {
            expected * (f64::from(check.size) / all).min(1.0)
        });
    together * f64::from(CHECK_LEADS_BELOW) < f64::from(lead_size)
}

/// The size a phrase check is judged by: the works holding all its words, whose positions it
/// reads when it leads (estimated as if the words were independent, at most the rarest word's).
/// tantivy's own hint divides that by ten per word, as if phrases were always rare: a phrase of
/// two frequent words (`"dippvpu coopérative"`, 61,000 matches at 1 M works) then passed for much
/// rarer than its pair's bucket and led, scoring and checking the positions of every one of its
/// matches (8–10 ms), where the bucket's pruned walk checks the few hundred that could make
/// the page.
fn phrase_candidates(reader: &SegmentReader, words: &[Term]) -> tantivy::Result<u32> {
    let all = f64::from(reader.max_doc().max(1));
    let (mut expected, mut rarest) = (all, u32::MAX);
    for word in words {
        let frequency = reader.inverted_index(word.field())?.doc_freq(word)?;
        expected *= f64::from(frequency) / all;
        rarest = rarest.min(frequency);
    }
    Ok((expected as u32).min(rarest))
}

/// One check over a segment, asked about increasing documents.
struct Check {
    source: Source,
    state: State,
    /// The scorer's size hint when created: how rare the check is (the year column: the
    /// segment's size).
    size: u32,
}

/// What a check reads.
enum Source {
    /// A query's document set, sought forward.
    Scorer(Box<dyn Scorer>),
    /// The year column, read at each candidate.
    Years(Column<i64>, YearRange),
}

/// What is known of a check's scorer, which `seek_danger` may leave invalid between calls.
#[derive(Clone, Copy)]
enum State {
    /// On this document, a match (or `TERMINATED`).
    On(DocId),
    /// No match before this document; the scorer may be invalid.
    NoneBefore(DocId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Found,
    /// Not a match; the next match is not before this document.
    NoneBefore(DocId),
}

impl Check {
    fn new(scorer: Box<dyn Scorer>) -> Check {
        Check {
            state: State::On(scorer.doc()),
            size: scorer.size_hint(),
            source: Source::Scorer(scorer),
        }
    }

    fn years(column: Column<i64>, years: YearRange) -> Check {
        Check {
            state: State::NoneBefore(0),
            size: column.num_docs(),
            source: Source::Years(column, years),
        }
    }

    /// Whether `doc` matches. Documents asked must not decrease.
    fn test(&mut self, doc: DocId) -> Test {
        let scorer = match &mut self.source {
            Source::Scorer(scorer) => scorer,
            Source::Years(column, years) => {
                return if column.values_for_doc(doc).any(|year| years.contains(year)) {
                    Test::Found
                } else {
                    Test::NoneBefore(doc.saturating_add(1))
                };
            }
        };
        match self.state {
            State::On(on) if doc == on => return Test::Found,
            State::On(bound) | State::NoneBefore(bound) if doc < bound => {
                return Test::NoneBefore(bound);
            }
            _ => {}
        }
        match scorer.seek_danger(doc) {
            SeekDangerResult::Found => {
                self.state = State::On(doc);
                Test::Found
            }
            SeekDangerResult::SeekLowerBound(bound) => {
                self.state = State::NoneBefore(bound);
                Test::NoneBefore(bound)
            }
        }
    }
}

/// The lead's matches that pass every check, each check's lower bound used to skip the lead
/// forward (a leapfrog intersection).
struct CheckedScorer {
    lead: Box<dyn Scorer>,
    checks: Vec<Check>,
    doc: DocId,
}

impl CheckedScorer {
    fn new(lead: Box<dyn Scorer>, checks: Vec<Check>) -> CheckedScorer {
        let doc = lead.doc();
        let mut scorer = CheckedScorer { lead, checks, doc };
        scorer.doc = scorer.settle(doc);
        scorer
    }

    /// The first document from `doc` (a lead's match) that passes every check.
    fn settle(&mut self, mut doc: DocId) -> DocId {
        'candidates: while doc != TERMINATED {
            for check in &mut self.checks {
                if let Test::NoneBefore(bound) = check.test(doc) {
                    if bound == TERMINATED {
                        return TERMINATED;
                    }
                    doc = self.lead.seek(bound);
                    continue 'candidates;
                }
            }
            return doc;
        }
        TERMINATED
    }
}

impl DocSet for CheckedScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let next = self.lead.advance();
        self.doc = self.settle(next);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let next = self.lead.seek(target);
        self.doc = self.settle(next);
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.checks
            .iter()
            .map(|check| check.size)
            .fold(self.lead.size_hint(), u32::min)
    }
}

impl Scorer for CheckedScorer {
    fn score(&mut self) -> Score {
        self.lead.score()
    }
}

#[cfg(test)]
#[path = "checked_tests.rs"]
mod tests;
