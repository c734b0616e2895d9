//! The count's walk for a page that shows facets without paying for them over every match (the
//! HTML search page): the matches are walked up to a budget, and each one walked is kept for
//! the facets. With at most `budget` matches every one is walked: the total and the facets are
//! exact, so a facet link finds as many works as it says. With more, the walk is a sample
//! spread over the whole index rather than its first documents (documents are in the order
//! they were indexed, which follows harvests: the first ten thousand may all come from one
//! source): the segments are cut into [`WINDOWS`] windows of documents, each walked from its
//! start up to its share of the budget, and what a window walked stands for its whole length.
//! Budget a window leaves unused goes to the windows that ran out, in a few more rounds, so that
//! matches gathered in a few windows are still counted exactly when they are few.

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocId, DocSet, Searcher, SegmentOrdinal, TERMINATED};

/// Windows over the whole index (a segment has at least one): a spread of the sample, at the
/// cost of a seek each.
const WINDOWS: u64 = 64;

/// Rounds in which unused budget goes to the windows that ran out of theirs.
const ROUNDS: usize = 4;

/// The matches walked, and what they stand for.
#[derive(Debug, Default)]
pub struct Sample {
    /// Every match when `exact`, else the matches estimated from the windows walked.
    pub total: u64,
    /// Whether every match was walked.
    pub exact: bool,
    /// The windows, in segment and document order.
    pub windows: Vec<Window>,
}

/// A window of one segment's documents and the matches walked in it.
#[derive(Debug)]
pub struct Window {
    pub segment: SegmentOrdinal,
    start: DocId,
    end: DocId,
    /// The first document not walked yet (`end` once the window is walked whole).
    next: DocId,
    /// Its share of the budget in the round under way.
    allowance: u64,
    /// The live matches walked, in order.
    pub docs: Vec<DocId>,
    /// The matches each walked one stands for: 1 when the window was walked whole, else the
    /// window's length over the length walked.
    pub weight: f64,
}

impl Window {
    fn walked_whole(&self) -> bool {
        self.next >= self.end
    }
}

impl Sample {
    /// Walks the matches of `query` up to `budget` (at least 1), spread as the module says.
    pub fn walk(searcher: &Searcher, query: &dyn Query, budget: u64) -> tantivy::Result<Sample> {
        let budget = budget.max(1);
        let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
        let readers = searcher.segment_readers();
        let all_docs: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
        if all_docs == 0 {
            return Ok(Sample {
                exact: true,
                ..Sample::default()
            });
        }
        let mut windows = Vec::new();
        for (segment, reader) in readers.iter().enumerate() {
            let max_doc = u64::from(reader.max_doc());
            if max_doc == 0 {
                continue;
            }
            let count = (WINDOWS * max_doc).div_ceil(all_docs).clamp(1, max_doc);
            for at in 0..count {
                let start = (max_doc * at / count) as DocId;
                let end = (max_doc * (at + 1) / count) as DocId;
                windows.push(Window {
                    segment: segment as SegmentOrdinal,
                    start,
                    end,
                    next: start,
                    allowance: (budget * u64::from(end - start) / all_docs).max(1),
                    docs: Vec::new(),
                    weight: 1.0,
                });
            }
        }
        let mut walked = 0u64;
        for round in 0..=ROUNDS {
            if round > 0 {
                let short = windows.iter().filter(|w| !w.walked_whole()).count() as u64;
                let left = budget.saturating_sub(walked);
                if short == 0 || left < short {
                    break;
                }
                for window in windows.iter_mut().filter(|w| !w.walked_whole()) {
                    window.allowance = left / short;
                }
            }
            for group in windows.chunk_by_mut(|a, b| a.segment == b.segment) {
                if group.iter().all(|w| w.walked_whole() || w.allowance == 0) {
                    continue;
                }
                let reader = searcher.segment_reader(group[0].segment);
                let alive = reader.alive_bitset();
                let mut scorer = weight.scorer(reader, 1.0)?;
                for window in group.iter_mut().filter(|w| !w.walked_whole()) {
                    let mut doc = scorer.doc();
                    if doc < window.next {
                        doc = scorer.seek(window.next);
                    }
                    loop {
                        if doc == TERMINATED || doc >= window.end {
                            window.next = window.end;
                            break;
                        }
                        if window.allowance == 0 {
                            window.next = doc;
                            break;
                        }
                        if alive.is_none_or(|alive| alive.is_alive(doc)) {
                            window.docs.push(doc);
                            window.allowance -= 1;
                            walked += 1;
                        }
                        doc = scorer.advance();
                    }
                    window.allowance = 0;
                }
            }
        }
        let exact = windows.iter().all(Window::walked_whole);
        let mut estimate = 0.0;
        for window in &mut windows {
            if !window.walked_whole() {
                window.weight =
                    f64::from(window.end - window.start) / f64::from(window.next - window.start);
            }
            estimate += window.docs.len() as f64 * window.weight;
        }
        windows.retain(|window| !window.docs.is_empty());
        Ok(Sample {
            total: if exact {
                walked
            } else {
                (estimate.round() as u64).min(searcher.num_docs())
            },
            exact,
            windows,
        })
    }

    /// The same sample standing for `total` matches (an exact total known otherwise: the
    /// weights scaled so that the facets add up to it).
    pub fn scaled_to(mut self, total: u64) -> Sample {
        if !self.exact && self.total > 0 {
            let scale = total as f64 / self.total as f64;
            for window in &mut self.windows {
                window.weight *= scale;
            }
        }
        self.total = total;
        self
    }
}
