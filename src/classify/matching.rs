//! Matching and scoring: a record's titles, keywords and abstracts become word positions, the
//! longest phrases found there become term hits (once per term and field), and the hits become
//! theme scores and the ESS relevance.

use std::borrow::Cow;

use super::compiled::Thesaurus;
use super::words::{Case, PREFIX_SAFE_LENGTH, for_each_word, is_stop_word, prefix_bit, stem};
use super::{Classification, TermMatch, ThemeMatch, known_lang};
use crate::normalize::Normalized;

/// Weight of a match by field, in [`FIELDS`] order.
const FIELD_WEIGHTS: [f32; 3] = [3.0, 2.0, 1.0];
const FIELDS: [&str; 3] = ["title", "keywords", "abstract"];
/// A weak term counts this fraction of a strong one (and only beside strong evidence).
const WEAK_FACTOR: f32 = 0.3;
/// Raw evidence at which a score reaches 1 - 1/e (0.63).
const SCALE: f32 = 3.0;
const NONE: u32 = u32::MAX;

/// One word position of a text: the ids its word has in each vocabulary (`NONE` if absent).
#[derive(Debug, Clone, Copy)]
struct Position {
    stem: u32,
    exact: u32,
    acronym: u32,
}

impl Position {
    fn has(&self, token: u32) -> bool {
        self.stem == token || self.exact == token || self.acronym == token
    }

    fn is_unknown(&self) -> bool {
        self.stem == NONE && self.exact == NONE && self.acronym == NONE
    }
}

impl Thesaurus {
    /// Classifies one record by its titles, keywords and abstracts.
    pub fn classify(&self, normalized: &Normalized) -> Classification {
        // Buffers are kept per thread: classifying a million records should not allocate a
        // million times. `classify` does not recurse, so the cell is never borrowed twice; the
        // fallback only keeps this free of panics.
        SCAN.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scan) => self.classify_with(normalized, &mut scan),
            Err(_) => self.classify_with(normalized, &mut Scan::default()),
        })
    }

    fn classify_with(&self, normalized: &Normalized, scan: &mut Scan) -> Classification {
        scan.hits.clear();
        let bits = (self.terms.len() * FIELDS.len()).div_ceil(64);
        if scan.seen.len() != bits {
            scan.seen = vec![0; bits];
        }
        let titles = normalized
            .titles
            .iter()
            .map(|t| (t.text.as_str(), t.lang.as_deref()));
        let keywords = normalized
            .keywords
            .iter()
            .map(|k| (k.text.as_str(), k.lang.as_deref()));
        let abstracts = normalized
            .abstracts
            .iter()
            .map(|a| (a.text.as_str(), a.lang.as_deref()));
        let texts = titles
            .map(|t| (0u8, t))
            .chain(keywords.map(|k| (1u8, k)))
            .chain(abstracts.map(|a| (2u8, a)));
        for (index, (field, (text, _))) in texts.clone().enumerate() {
            self.positions(text, scan);
            let Scan {
                positions,
                hits,
                seen,
                ..
            } = &mut *scan;
            self.find_phrases(positions, |phrase| {
                for &term in &self.phrases[phrase as usize].terms {
                    let bit = term as usize * FIELDS.len() + usize::from(field);
                    if let Some(word) = seen.get_mut(bit / 64)
                        && *word & (1 << (bit % 64)) == 0
                    {
                        *word |= 1 << (bit % 64);
                        hits.push(Hit {
                            term,
                            field,
                            text: index as u32,
                        });
                    }
                }
            });
        }
        for hit in &scan.hits {
            let bit = hit.term as usize * FIELDS.len() + usize::from(hit.field);
            if let Some(word) = scan.seen.get_mut(bit / 64) {
                *word = 0;
            }
        }
        let langs: Vec<Option<&str>> = if scan.hits.is_empty() {
            Vec::new()
        } else {
            texts.map(|(_, (_, lang))| lang).collect()
        };
        self.score(&scan.hits, &langs)
    }

    /// Scores the hits of one record. Hits come in field order (titles, keywords, abstracts),
    /// which is the order explanations list them in.
    fn score(&self, hits: &[Hit], langs: &[Option<&str>]) -> Classification {
        let strong_evidence = hits.iter().any(|h| !self.terms[h.term as usize].weak);
        let counted = |hit: &&Hit| strong_evidence || !self.terms[hit.term as usize].weak;
        let saturate = |value: f32| round3(1.0 - (-value / SCALE).exp());
        let mut themes: Vec<u16> = hits
            .iter()
            .filter(counted)
            .map(|h| self.terms[h.term as usize].theme)
            .collect();
        themes.sort_unstable();
        themes.dedup();
        let mut total = 0.0;
        let mut found: Vec<ThemeMatch> = Vec::with_capacity(themes.len());
        for theme in themes {
            let of_theme = || {
                hits.iter()
                    .filter(counted)
                    .filter(move |h| self.terms[h.term as usize].theme == theme)
            };
            let weight = self.themes[usize::from(theme)].weight;
            let mut raw = 0.0;
            let mut matches = Vec::with_capacity(of_theme().count());
            for hit in of_theme() {
                let info = &self.terms[hit.term as usize];
                let factor = if info.weak { WEAK_FACTOR } else { 1.0 };
                raw += weight * FIELD_WEIGHTS[usize::from(hit.field)] * factor;
                matches.push(TermMatch {
                    term: String::from(&*info.text),
                    field: Cow::Borrowed(FIELDS[usize::from(hit.field)]),
                    lang: langs
                        .get(hit.text as usize)
                        .copied()
                        .flatten()
                        .map(known_lang),
                });
            }
            total += raw;
            found.push(ThemeMatch {
                theme: self.themes[usize::from(theme)].id.clone(),
                score: saturate(raw),
                matches,
            });
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        Classification {
            relevance: saturate(total),
            themes: found,
        }
    }

    /// Tokenises `text` into word positions (stop words dropped), looking each word up once.
    /// Runs of words the thesaurus does not know become one position: they only separate
    /// phrases.
    fn positions(&self, text: &str, scan: &mut Scan) {
        scan.positions.clear();
        let Scan {
            positions,
            word,
            stemmed,
            ..
        } = scan;
        for_each_word(text, word, |folded, case| {
            let acronym = match case {
                Case::Capitals => self.acronyms.get(folded),
                Case::CapitalsPlural => folded.strip_suffix('s').and_then(|k| self.acronyms.get(k)),
                Case::Other => None,
            }
            .copied()
            .unwrap_or(NONE);
            let (stem, exact) = if is_stop_word(folded) {
                // Small words never count, unless capitals make them a known acronym.
                if acronym == NONE {
                    return;
                }
                (NONE, NONE)
            } else if folded.len() >= PREFIX_SAFE_LENGTH && !self.has_prefix(folded) {
                (NONE, NONE)
            } else {
                let exact = if self.exact_lengths & (1u64 << folded.len().min(63)) != 0 {
                    self.exact.get(folded).copied().unwrap_or(NONE)
                } else {
                    NONE
                };
                (
                    self.stems
                        .get(stem(folded, stemmed))
                        .copied()
                        .unwrap_or(NONE),
                    exact,
                )
            };
            let position = Position {
                stem,
                exact,
                acronym,
            };
            let unknown = stem == NONE && exact == NONE && acronym == NONE;
            if unknown && positions.last().is_some_and(Position::is_unknown) {
                return;
            }
            positions.push(position);
        });
    }

    pub(super) fn has_prefix(&self, word: &str) -> bool {
        prefix_bit(word).is_some_and(|bit| self.prefixes[bit / 64] & (1u64 << (bit % 64)) != 0)
    }

    /// Calls `found` with each phrase matched, longest first at each position, without overlap.
    fn find_phrases(&self, positions: &[Position], mut found: impl FnMut(u32)) {
        let mut index = 0;
        while index < positions.len() {
            let position = positions[index];
            let mut best: Option<(usize, u8, u32)> = None;
            for id in [position.stem, position.exact, position.acronym] {
                let Some(candidates) = self.starts.get(id as usize) else {
                    continue;
                };
                for &candidate in candidates.iter() {
                    let phrase = &self.phrases[candidate as usize];
                    let length = phrase.tokens.len();
                    if best.is_some_and(|(l, s, _)| (length, phrase.specificity) <= (l, s)) {
                        break;
                    }
                    let fits = index + length <= positions.len()
                        && phrase
                            .tokens
                            .iter()
                            .zip(&positions[index..])
                            .all(|(token, position)| position.has(*token));
                    if fits {
                        best = Some((length, phrase.specificity, candidate));
                        break;
                    }
                }
            }
            match best {
                Some((length, _, phrase)) => {
                    found(phrase);
                    index += length;
                }
                None => index += 1,
            }
        }
    }
}

/// A term found in a field; `text` is the index of the text (titles, then keywords, then
/// abstracts) it was first found in, for its language.
#[derive(Debug, Clone, Copy)]
struct Hit {
    term: u32,
    field: u8,
    text: u32,
}

/// Buffers reused from record to record.
#[derive(Debug, Default)]
struct Scan {
    positions: Vec<Position>,
    word: String,
    stemmed: String,
    hits: Vec<Hit>,
    /// Bit (term × 3 + field) set for each hit: one check instead of a scan of `hits`.
    seen: Vec<u64>,
}

thread_local! {
    static SCAN: std::cell::RefCell<Scan> = std::cell::RefCell::new(Scan::default());
}

pub(super) fn round3(value: f32) -> f32 {
    (value * 1000.0).round() / 1000.0
}
