//! ESS themes: which themes of the social and solidarity economy a normalised record is about,
//! and how relevant it is to the ESS at all, with the terms that matched where. Pure: a
//! [`Thesaurus`] (from `thesaurus/ess-themes.toml`, whose header documents the format) is compiled
//! once, then [`Thesaurus::classify`] only tokenises and looks words up.
//!
//! Scores. Each matched term counts once per field: 3 in a title, 2 in keywords, 1 in an
//! abstract, times its theme's weight, times 0.3 for a weak (ambiguous) term, which counts only
//! when the record holds strong evidence of some theme. A theme's score is `1 - e^(-sum/3)`;
//! relevance is the same function of the sum over all themes. So "Économie sociale et
//! solidaire" as a keyword alone gives 0.63, in a title 0.78, a core term once in an abstract
//! 0.28; a record with no strong term scores 0. [`MIN_RELEVANCE`] is the threshold we
//! recommend for keeping a record of a mixed source.

use std::collections::HashMap;

use foldhash::fast::FixedState;
use serde::{Deserialize, Serialize};

use crate::normalize::Normalized;

/// Relevance at and above which a record is about the ESS: a core term in the title or
/// keywords, or several in the abstract. Tested on the sample dumps and hand-written cases.
pub const MIN_RELEVANCE: f32 = 0.5;

const BUILTIN: &str = include_str!("../thesaurus/ess-themes.toml");

/// Weight of a match by field, in [`FIELDS`] order.
const FIELD_WEIGHTS: [f32; 3] = [3.0, 2.0, 1.0];
const FIELDS: [&str; 3] = ["title", "keywords", "abstract"];
/// A weak term counts this fraction of a strong one (and only beside strong evidence).
const WEAK_FACTOR: f32 = 0.3;
/// Raw evidence at which a score reaches 1 - 1/e (0.63).
const SCALE: f32 = 3.0;
const NONE: u32 = u32::MAX;

/// The themes and, for each, its terms compiled for matching.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    themes: Vec<Theme>,
    terms: Vec<TermInfo>,
    phrases: Vec<Phrase>,
    /// For each token id, the phrases starting with it, longest and most specific first.
    starts: Vec<Box<[u32]>>,
    stems: HashMap<Box<str>, u32, FixedState>,
    exact: HashMap<Box<str>, u32, FixedState>,
    /// Bit n set when an exact word has n bytes (63: longer): most words skip that lookup.
    exact_lengths: u64,
    /// The first three bytes of every stem and exact word, as bits (see [`prefix_bit`]). Long
    /// words keep their first three bytes when stemmed, so a long word whose prefix is absent
    /// is skipped without stemming or hashing.
    prefixes: Box<[u64]>,
    acronyms: HashMap<Box<str>, u32, FixedState>,
}

/// A theme as the thesaurus defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Stable kebab-case id, as stored and published.
    pub id: String,
    pub fr: String,
    pub en: String,
    /// Contribution to relevance (1.0 core ESS, 0.5 often-but-not-always ESS).
    pub weight: f32,
}

#[derive(Debug, Clone)]
struct TermInfo {
    theme: u16,
    /// As written in the thesaurus, without the "=" marker: what explanations show.
    text: Box<str>,
    weak: bool,
}

#[derive(Debug, Clone)]
struct Phrase {
    tokens: Box<[u32]>,
    /// Exact and acronym tokens: between phrases of one length, the more specific wins.
    specificity: u8,
    /// At most one term per theme; empty for an exclusion.
    terms: Vec<u32>,
}

/// Why a thesaurus text was refused; names the entry at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThesaurusError {
    #[error("thesaurus: {0}")]
    Toml(String),
    #[error("thesaurus has no theme")]
    NoTheme,
    #[error("thesaurus theme #{index} \"{id}\": {reason}")]
    BadTheme {
        index: usize,
        id: String,
        reason: String,
    },
    #[error("thesaurus theme \"{theme}\", term \"{term}\": {reason}")]
    BadTerm {
        theme: String,
        term: String,
        reason: String,
    },
    #[error("thesaurus exclude \"{phrase}\": {reason}")]
    BadExclude { phrase: String, reason: String },
}

/// The thesaurus file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThesaurusSpec {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    theme: Vec<ThemeSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeSpec {
    id: String,
    fr: String,
    en: String,
    #[serde(default = "default_weight")]
    weight: f32,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
}

fn default_weight() -> f32 {
    1.0
}

/// The themes of one record, best first, and its ESS relevance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub themes: Vec<ThemeMatch>,
    /// 0.0 (no ESS evidence) to 1.0; see [`MIN_RELEVANCE`].
    pub relevance: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeMatch {
    /// Theme id.
    pub theme: String,
    /// 0.0 to 1.0.
    pub score: f32,
    /// What counted, titles first.
    pub matches: Vec<TermMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TermMatch {
    /// The thesaurus term.
    pub term: String,
    /// "title", "keywords" or "abstract".
    pub field: String,
    /// Language of the text it was found in (ISO 639-1), when known.
    pub lang: Option<String>,
}

/// One word of a term, in the vocabulary it is matched against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Stem(String),
    Exact(String),
    Acronym(String),
}

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
    /// The thesaurus shipped with essor (`thesaurus/ess-themes.toml`, embedded at build time).
    /// Fails only if that file is broken, which its tests rule out.
    pub fn builtin() -> Result<Thesaurus, ThesaurusError> {
        Thesaurus::parse(BUILTIN)
    }

    /// Parses and compiles a thesaurus in the format documented at the top of
    /// `thesaurus/ess-themes.toml`.
    pub fn parse(text: &str) -> Result<Thesaurus, ThesaurusError> {
        let spec: ThesaurusSpec =
            toml::from_str(text).map_err(|e| ThesaurusError::Toml(e.to_string()))?;
        if spec.theme.is_empty() {
            return Err(ThesaurusError::NoTheme);
        }
        let mut builder = Builder::default();
        for (index, theme) in spec.theme.iter().enumerate() {
            let bad = |reason: &str| ThesaurusError::BadTheme {
                index: index + 1,
                id: theme.id.clone(),
                reason: reason.to_owned(),
            };
            if !is_kebab_case(&theme.id) {
                return Err(bad("id must be kebab-case (a-z, 0-9, single hyphens)"));
            }
            if builder.themes.iter().any(|t| t.id == theme.id) {
                return Err(bad("duplicate id"));
            }
            if theme.fr.trim().is_empty() || theme.en.trim().is_empty() {
                return Err(bad("fr and en labels are required"));
            }
            if !(theme.weight.is_finite() && theme.weight > 0.0 && theme.weight <= 3.0) {
                return Err(bad("weight must be above 0 and at most 3"));
            }
            if theme.terms.is_empty() {
                return Err(bad("at least one (strong) term is required"));
            }
            if builder.themes.len() >= usize::from(u16::MAX) {
                return Err(bad("too many themes"));
            }
            let theme_index = builder.themes.len() as u16;
            builder.themes.push(Theme {
                id: theme.id.clone(),
                fr: theme.fr.trim().to_owned(),
                en: theme.en.trim().to_owned(),
                weight: theme.weight,
            });
            for (list, weak) in [(&theme.terms, false), (&theme.weak, true)] {
                for term in list {
                    let bad_term = |reason| ThesaurusError::BadTerm {
                        theme: theme.id.clone(),
                        term: term.clone(),
                        reason,
                    };
                    let keys = term_keys(term).map_err(bad_term)?;
                    builder
                        .add_term(theme_index, term.trim_start_matches('='), weak, keys)
                        .map_err(bad_term)?;
                }
            }
        }
        for phrase in &spec.exclude {
            let keys = term_keys(phrase).map_err(|reason| ThesaurusError::BadExclude {
                phrase: phrase.clone(),
                reason,
            })?;
            builder
                .add_exclusion(keys)
                .map_err(|reason| ThesaurusError::BadExclude {
                    phrase: phrase.clone(),
                    reason,
                })?;
        }
        Ok(builder.finish())
    }

    /// The themes, in thesaurus order.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

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
                    field: String::from(FIELDS[usize::from(hit.field)]),
                    lang: langs
                        .get(hit.text as usize)
                        .copied()
                        .flatten()
                        .map(String::from),
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

    fn has_prefix(&self, word: &str) -> bool {
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

#[derive(Debug, Default)]
struct Builder {
    themes: Vec<Theme>,
    terms: Vec<TermInfo>,
    phrases: Vec<Phrase>,
    by_tokens: HashMap<Vec<u32>, u32>,
    stems: HashMap<Box<str>, u32, FixedState>,
    exact: HashMap<Box<str>, u32, FixedState>,
    acronyms: HashMap<Box<str>, u32, FixedState>,
    next_id: u32,
}

impl Builder {
    fn id(&mut self, key: &Key) -> u32 {
        let (map, word) = match key {
            Key::Stem(word) => (&mut self.stems, word),
            Key::Exact(word) => (&mut self.exact, word),
            Key::Acronym(word) => (&mut self.acronyms, word),
        };
        if let Some(id) = map.get(word.as_str()) {
            return *id;
        }
        let id = self.next_id;
        map.insert(word.clone().into_boxed_str(), id);
        self.next_id += 1;
        id
    }

    fn phrase(&mut self, keys: &[Key]) -> usize {
        let specificity = keys
            .iter()
            .filter(|k| !matches!(k, Key::Stem(_)))
            .count()
            .min(usize::from(u8::MAX)) as u8;
        let tokens: Vec<u32> = keys.iter().map(|k| self.id(k)).collect();
        if let Some(index) = self.by_tokens.get(&tokens) {
            return *index as usize;
        }
        let index = self.phrases.len();
        self.by_tokens.insert(tokens.clone(), index as u32);
        self.phrases.push(Phrase {
            tokens: tokens.into_boxed_slice(),
            specificity,
            terms: Vec::new(),
        });
        index
    }

    /// Adds a term. Spellings that compile to the same words share a phrase and, within a
    /// theme, one term, so a match counts once. A weak term with the words of a strong one
    /// (or the reverse) is refused: one of the two would be silently overridden.
    fn add_term(
        &mut self,
        theme: u16,
        text: &str,
        weak: bool,
        keys: Vec<Key>,
    ) -> Result<(), String> {
        let phrase = self.phrase(&keys);
        let existing = self.phrases[phrase]
            .terms
            .iter()
            .map(|t| &self.terms[*t as usize])
            .find(|t| t.theme == theme);
        match existing {
            Some(other) if other.weak != weak => Err(format!(
                "same words as the {} term \"{}\" (use \"=\" to match one form exactly)",
                if other.weak { "weak" } else { "strong" },
                other.text
            )),
            Some(_) => Ok(()),
            None => {
                let term = self.terms.len() as u32;
                self.terms.push(TermInfo {
                    theme,
                    text: text.into(),
                    weak,
                });
                self.phrases[phrase].terms.push(term);
                Ok(())
            }
        }
    }

    /// An exclusion matches like a term and counts for nothing. One with the very words of a
    /// term would silence the term everywhere: refused.
    fn add_exclusion(&mut self, keys: Vec<Key>) -> Result<(), String> {
        let phrase = self.phrase(&keys);
        match self.phrases[phrase].terms.first() {
            Some(term) => Err(format!(
                "same words as the term \"{}\"",
                self.terms[*term as usize].text
            )),
            None => Ok(()),
        }
    }

    fn finish(self) -> Thesaurus {
        let mut starts: Vec<Vec<u32>> = vec![Vec::new(); self.next_id as usize];
        for (index, phrase) in self.phrases.iter().enumerate() {
            if let Some(first) = phrase.tokens.first() {
                starts[*first as usize].push(index as u32);
            }
        }
        for list in &mut starts {
            list.sort_by_key(|p| {
                let phrase = &self.phrases[*p as usize];
                std::cmp::Reverse((phrase.tokens.len(), phrase.specificity))
            });
        }
        let exact_lengths = self
            .exact
            .keys()
            .fold(0u64, |mask, word| mask | 1u64 << word.len().min(63));
        let mut prefixes = vec![0u64; PREFIX_BITS.div_ceil(64)].into_boxed_slice();
        for word in self.stems.keys().chain(self.exact.keys()) {
            if let Some(bit) = prefix_bit(word) {
                prefixes[bit / 64] |= 1u64 << (bit % 64);
            }
        }
        Thesaurus {
            themes: self.themes,
            terms: self.terms,
            phrases: self.phrases,
            starts: starts.into_iter().map(Vec::into_boxed_slice).collect(),
            stems: self.stems,
            exact: self.exact,
            exact_lengths,
            prefixes,
            acronyms: self.acronyms,
        }
    }
}

/// The words of a thesaurus term, in the vocabulary each is matched against.
fn term_keys(term: &str) -> Result<Vec<Key>, String> {
    let (exact, body) = match term.strip_prefix('=') {
        Some(body) => (true, body),
        None => (false, term),
    };
    let acronym = !exact && is_acronym_spelling(body);
    let mut keys = Vec::new();
    let mut word = String::new();
    let mut stemmed = String::new();
    for_each_word(body, &mut word, |folded, _case| {
        if is_stop_word(folded) && !acronym {
            return;
        }
        keys.push(if acronym {
            Key::Acronym(folded.to_owned())
        } else if exact {
            Key::Exact(folded.to_owned())
        } else {
            Key::Stem(stem(folded, &mut stemmed).to_owned())
        });
    });
    if keys.is_empty() {
        return Err("no content word (only small words or punctuation)".to_owned());
    }
    if keys.len() > 12 {
        return Err("more than 12 words".to_owned());
    }
    Ok(keys)
}

/// "IAE", "CAE", "NGO": capitals only (two letters or more), one word.
fn is_acronym_spelling(term: &str) -> bool {
    term.chars().filter(char::is_ascii_uppercase).count() >= 2
        && term
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// How a word was written, for acronyms that match only in capitals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// "IAE", "CRESS": two capitals or more, no lowercase.
    Capitals,
    /// "NGOs": capitals and one final lowercase "s".
    CapitalsPlural,
    Other,
}

/// Splits text into words and folds each (case, accents, ligatures) into `word`, calling
/// `each(folded, case)`. The hot loop of classification: ASCII is handled byte by byte, other
/// characters through `deunicode`, whose ASCII spelling also tells letters from punctuation and
/// capitals from small letters ("É" → "E", "’" → "'", a combining accent → nothing).
fn for_each_word(text: &str, word: &mut String, mut each: impl FnMut(&str, Case)) {
    let mut upper = 0u32;
    let mut lower = 0u32;
    let mut last_lower_s = false;
    let mut flush =
        |word: &mut String, upper: &mut u32, lower: &mut u32, last_lower_s: &mut bool| {
            if !word.is_empty() {
                let case = match (*upper >= 2, *lower) {
                    (true, 0) => Case::Capitals,
                    (true, 1) if *last_lower_s => Case::CapitalsPlural,
                    _ => Case::Other,
                };
                each(word, case);
                word.clear();
            }
            *upper = 0;
            *lower = 0;
            *last_lower_s = false;
        };
    word.clear();
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii() {
            if !byte.is_ascii_alphanumeric() {
                if !word.is_empty() {
                    flush(word, &mut upper, &mut lower, &mut last_lower_s);
                }
                index += 1;
                continue;
            }
            // A run of ASCII letters and digits is copied at once.
            let start = index;
            let mut run_upper = 0u32;
            let mut run_digits = 0u32;
            while index < bytes.len() {
                match bytes[index] {
                    b'a'..=b'z' => {}
                    b'A'..=b'Z' => run_upper += 1,
                    b'0'..=b'9' => run_digits += 1,
                    _ => break,
                }
                index += 1;
            }
            lower += (index - start) as u32 - run_upper - run_digits;
            last_lower_s = bytes[index - 1] == b's';
            let appended = word.len();
            word.push_str(&text[start..index]);
            if run_upper > 0 {
                word.as_mut_str()[appended..].make_ascii_lowercase();
                upper += run_upper;
            }
            continue;
        }
        let Some(c) = text[index..].chars().next() else {
            break;
        };
        index += c.len_utf8();
        last_lower_s = false;
        match deunicode::deunicode_char(c) {
            Some(ascii) => {
                for a in ascii.bytes() {
                    match a {
                        b'a'..=b'z' => {
                            word.push(char::from(a));
                            lower += 1;
                        }
                        b'A'..=b'Z' => {
                            word.push(char::from(a | 0x20));
                            upper += 1;
                        }
                        b'0'..=b'9' => word.push(char::from(a)),
                        _ => flush(word, &mut upper, &mut lower, &mut last_lower_s),
                    }
                }
            }
            None if c.is_alphanumeric() => word.extend(c.to_lowercase()),
            None => flush(word, &mut upper, &mut lower, &mut last_lower_s),
        }
    }
    flush(word, &mut upper, &mut lower, &mut last_lower_s);
}

/// Elisions, articles, prepositions and conjunctions of French and English, and single letters:
/// ignored in terms and texts alike, so "économie sociale et solidaire" matches "économie
/// sociale, solidaire" and "l'insertion par l'activité économique" its term.
fn is_stop_word(folded: &str) -> bool {
    if folded.len() > 4 {
        return false;
    }
    folded.len() == 1 && folded.bytes().all(|b| b.is_ascii_alphabetic())
        || matches!(
            folded,
            "de" | "du"
                | "des"
                | "la"
                | "le"
                | "les"
                | "et"
                | "au"
                | "aux"
                | "en"
                | "un"
                | "une"
                | "the"
                | "of"
                | "and"
                | "an"
                | "in"
                | "for"
                | "to"
                | "on"
                | "par"
                | "pour"
                | "sur"
                | "dans"
                | "with"
                | "by"
                | "or"
                | "ou"
                | "qu"
        )
}

/// Light stemming that makes one form of a French or English word match its others: plural
/// (-s, -x, -aux → -al, -ies → -ie), feminine and adjective endings (-ale → -al, -elle → -el,
/// -ive → -if, -ée → -e), and English -y after a consonant → -ie (economy = économie).
/// Words of three letters or fewer are left alone (ESS, IAE). Most stems are a prefix of the
/// word and are returned as such; `buffer` holds the others.
fn stem<'a>(word: &'a str, buffer: &'a mut String) -> &'a str {
    let bytes = word.as_bytes();
    let length = bytes.len();
    if length <= 3 || !word.is_ascii() {
        return word;
    }
    let base = match bytes[length - 1] {
        b's' => match (bytes[length - 3], bytes[length - 2]) {
            (b'i', b'e') => &word[..length - 1],
            (_, b's' | b'u' | b'i') => word,
            _ => &word[..length - 1],
        },
        b'x' => match (bytes[length - 3], bytes[length - 2]) {
            // "réseaux" → "réseau"; "sociaux" → "social" (which no ending below changes).
            (b'a', b'u') if bytes[length - 4] == b'e' => &word[..length - 1],
            (b'a', b'u') => {
                buffer.clear();
                buffer.push_str(&word[..length - 3]);
                buffer.push_str("al");
                return buffer;
            }
            _ => &word[..length - 1],
        },
        _ => word,
    };
    let stem = base.as_bytes();
    let length = stem.len();
    if length <= 3 {
        return base;
    }
    let (kept, suffix) = match (stem[length - 3], stem[length - 2], stem[length - 1]) {
        (b'a', b'l', b'e') | (_, b'e', b'e') => (length - 1, ""),
        (b'l', b'l', b'e') if stem[length - 4] == b'e' => (length - 2, ""),
        (b'i', b'v', b'e') => (length - 2, "f"),
        (_, consonant, b'y') if !matches!(consonant, b'a' | b'e' | b'i' | b'o' | b'u') => {
            (length - 1, "ie")
        }
        _ => (length, ""),
    };
    if suffix.is_empty() {
        return &base[..kept];
    }
    buffer.clear();
    buffer.push_str(&base[..kept]);
    buffer.push_str(suffix);
    buffer
}

/// Words of this many bytes or more keep their first three bytes when stemmed (shorter ones
/// may not: "taux" → "tal", "elle" → "el"), so the prefix filter applies to them only.
const PREFIX_SAFE_LENGTH: usize = 6;
/// Bytes are a-z, 0-9 or other: 37 values, three of them.
const PREFIX_BITS: usize = 37 * 37 * 37;

/// The bit of a word's first three bytes; `None` for words shorter than three bytes.
fn prefix_bit(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    if bytes.len() < 3 {
        return None;
    }
    let code = |b: u8| match b {
        b'a'..=b'z' => usize::from(b - b'a'),
        b'0'..=b'9' => 26 + usize::from(b - b'0'),
        _ => 36,
    };
    Some((code(bytes[0]) * 37 + code(bytes[1])) * 37 + code(bytes[2]))
}

fn round3(value: f32) -> f32 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::normalize::{Access, DegreeType, Text, Title};

    fn text(value: &str, lang: &str) -> Text {
        Text {
            text: value.to_owned(),
            lang: Some(lang.to_owned()),
        }
    }

    /// A record with only what classification reads.
    fn record(titles: &[&str], keywords: &[&str], abstracts: &[&str]) -> Normalized {
        Normalized {
            titles: titles
                .iter()
                .map(|t| Title {
                    text: (*t).to_owned(),
                    lang: Some("fr".into()),
                    subtitle: None,
                })
                .collect(),
            authors: Vec::new(),
            advisors: Vec::new(),
            degree_type: DegreeType::DoctoralThesis,
            discipline: None,
            institution: None,
            date: None,
            language: None,
            abstracts: abstracts.iter().map(|a| text(a, "fr")).collect(),
            keywords: keywords.iter().map(|k| text(k, "fr")).collect(),
            identifiers: Vec::new(),
            access: Access::Unknown,
            embargo_until: None,
            licence: None,
            problems: Vec::new(),
        }
    }

    fn builtin() -> Thesaurus {
        Thesaurus::builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    fn theme_ids(classification: &Classification) -> Vec<&str> {
        classification
            .themes
            .iter()
            .map(|t| t.theme.as_str())
            .collect()
    }

    fn matched_terms(classification: &Classification) -> Vec<&str> {
        classification
            .themes
            .iter()
            .flat_map(|t| t.matches.iter().map(|m| m.term.as_str()))
            .collect()
    }

    const MECHANICS: &str = r#"
exclude = ["association de malfaiteurs"]

[[theme]]
id = "test-theme"
fr = "Thème"
en = "Theme"
terms = ["économie sociale", "coopérative agricole", "=commons", "Scop", "mutuelle"]
weak = ["association", "CAE", "NGO"]
"#;

    fn mechanics() -> Thesaurus {
        Thesaurus::parse(MECHANICS).unwrap_or_else(|e| panic!("{e}"))
    }

    fn relevance(thesaurus: &Thesaurus, titles: &[&str]) -> f32 {
        thesaurus.classify(&record(titles, &[], &[])).relevance
    }

    #[test]
    fn builtin_thesaurus_has_the_themes_the_issue_names() {
        let thesaurus = builtin();
        let ids: Vec<&str> = thesaurus.themes().iter().map(|t| t.id.as_str()).collect();
        for id in [
            "social-solidarity-economy",
            "cooperatives",
            "mutuals",
            "associations",
            "foundations",
            "social-enterprise",
            "work-integration",
            "fair-trade",
            "solidarity-finance",
            "social-innovation",
            "social-entrepreneurship",
            "commons",
            "short-supply-chains",
            "circular-economy",
            "democratic-governance",
            "social-utility-and-impact",
            "local-development",
            "volunteering",
            "collaborative-economy",
            "social-housing",
            "care-services",
            "popular-education",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(
            thesaurus.terms.len() > 1000,
            "{} terms",
            thesaurus.terms.len()
        );
    }

    #[test]
    fn words_match_folded_in_order_with_plurals_and_feminines() {
        let thesaurus = mechanics();
        for title in [
            "ÉCONOMIES SOCIALES",
            "L'économie sociale en Bretagne",
            "e\u{301}conomie sociale",
            "Les coopératives agricoles",
            "Une coopérative agricole",
            "The commons and the state",
            "Les SCOPs",
            "scop",
            "Les mutuelles",
        ] {
            assert!(relevance(&thesaurus, &[title]) > 0.5, "{title}");
        }
        for title in [
            "L'économie",
            "Sociale économie",
            "Common ground",
            "Un commons",
            "Coopératives et agriculture",
        ] {
            let found = thesaurus.classify(&record(&[title], &[], &[]));
            assert!(
                title == "Un commons" && found.relevance > 0.5 || found.relevance == 0.0,
                "{title}: {found:?}"
            );
        }
    }

    #[test]
    fn weak_terms_and_acronyms_need_context_and_capitals() {
        let thesaurus = mechanics();
        // Alone, weak words are no evidence at all.
        assert_eq!(relevance(&thesaurus, &["Association et CAE"]), 0.0);
        let with_context = thesaurus.classify(&record(
            &["Économie sociale : la CAE et les NGOs"],
            &["association"],
            &[],
        ));
        let terms = matched_terms(&with_context);
        assert!(terms.contains(&"CAE"), "{terms:?}");
        assert!(terms.contains(&"NGO"), "{terms:?}");
        assert!(terms.contains(&"association"), "{terms:?}");
        // Lowercase "cae" is another word; a plural acronym keeps its capitals.
        let lowercase = thesaurus.classify(&record(&["Économie sociale et cae"], &[], &[]));
        assert_eq!(matched_terms(&lowercase), vec!["économie sociale"]);
        // A weak match adds less than a strong one would.
        let strong_only = relevance(&thesaurus, &["Économie sociale"]);
        assert!(with_context.relevance > strong_only);
        assert!(
            with_context.relevance
                < relevance(&thesaurus, &["Économie sociale", "Scop", "mutuelle"])
        );
    }

    #[test]
    fn exclusions_hide_the_words_they_cover() {
        let thesaurus = mechanics();
        let found = thesaurus.classify(&record(
            &["Économie sociale et associations de malfaiteurs"],
            &[],
            &[],
        ));
        assert_eq!(matched_terms(&found), vec!["économie sociale"]);
        let builtin = builtin();
        for title in [
            "Creative Commons licensing of research software",
            "Les associations de malfaiteurs en droit pénal français",
            "Genome-wide association study of type 2 diabetes",
        ] {
            assert_eq!(relevance(&builtin, &[title]), 0.0, "{title}");
        }
    }

    #[test]
    fn title_counts_more_than_keywords_more_than_abstract() {
        let thesaurus = builtin();
        let in_title = thesaurus.classify(&record(&["Les sociétés coopératives"], &[], &[]));
        let in_keywords = thesaurus.classify(&record(&["Titre"], &["Sociétés coopératives"], &[]));
        let in_abstract = thesaurus.classify(&record(
            &["Titre"],
            &[],
            &["Nous étudions les sociétés coopératives."],
        ));
        assert!(in_title.relevance > in_keywords.relevance);
        assert!(in_keywords.relevance > in_abstract.relevance);
        assert!(in_abstract.relevance > 0.0);
        // Repeating a term in one field does not add up.
        let repeated = thesaurus.classify(&record(
            &["Titre"],
            &[],
            &["Les sociétés coopératives. Des sociétés coopératives. Sociétés coopératives !"],
        ));
        assert_eq!(repeated.relevance, in_abstract.relevance);
    }

    #[test]
    fn off_topic_records_with_ess_looking_words_score_low() {
        let thesaurus = builtin();
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "Cooperative localization of autonomous vehicles using V2X communications",
                &["Cooperative systems", "Localization", "Vehicular networks"],
                "We propose a cooperative positioning method where vehicles share GNSS data.",
            ),
            (
                "Jeux coopératifs et allocation des coûts dans les réseaux de distribution",
                &["Théorie des jeux", "Valeur de Shapley"],
                "Nous étudions des jeux coopératifs et la coopération entre opérateurs.",
            ),
            (
                "Coopération internationale et transfert de technologie en chimie verte",
                &["Catalyse", "Chimie verte"],
                "Cette thèse porte sur la synthèse de catalyseurs en coopération internationale.",
            ),
            (
                "Genome-wide association study of type 2 diabetes in West Africa",
                &["GWAS", "Association", "Diabetes"],
                "A significant association was found between variants of TCF7L2 and the disease.",
            ),
            (
                "Association entre obésité et diabète chez l'enfant",
                &["Épidémiologie", "Association"],
                "Nous mesurons l'association entre indice de masse corporelle et glycémie.",
            ),
            (
                "Mutual information based feature selection for hyperspectral imaging",
                &["Mutual information", "Feature selection"],
                "Mutual information between bands guides the selection.",
            ),
            (
                "Mutualisation des coûts de maintenance des réseaux ferroviaires",
                &["Mutualisation", "Maintenance"],
                "La mutualisation des coûts entre gestionnaires réduit la dépense.",
            ),
            (
                "Comportement des fondations superficielles sur sols gonflants",
                &["Fondations", "Géotechnique"],
                "Les fondations superficielles subissent des soulèvements.",
            ),
            (
                "Le sens commun dans la philosophie écossaise",
                &["Sens commun", "Thomas Reid"],
                "Un fonds commun d'idées traverse ces auteurs ; le bien commun n'est pas notre objet.",
            ),
            (
                "Pharmacokinetics of a new antiviral in healthy volunteers",
                &["Pharmacokinetics", "Healthy volunteers"],
                "Twenty-four healthy volunteers received a single dose.",
            ),
            (
                "Social impact assessment of a hydropower dam in Laos",
                &["Hydropower", "Social impact assessment"],
                "We assess the social impact of displacement on riverside villages.",
            ),
            (
                "Home care nursing for elderly patients with heart failure",
                &["Home care", "Heart failure"],
                "A randomised trial of nurse-led home care after discharge.",
            ),
            (
                "Comportement des assemblages solidaires sous sollicitations sismiques",
                &["Génie parasismique"],
                "Les assemblages solidaires résistent mieux ; la solidarité des pièces est étudiée.",
            ),
            (
                "Insertion loss of optical fibre connectors",
                &["Photonics"],
                "Insertion losses below 0.2 dB are obtained.",
            ),
            (
                "Relations mutuelles entre plantes et champignons mycorhiziens",
                &["Associations végétales", "Symbiose"],
                "Les associations entre espèces dépendent des interactions mutuelles.",
            ),
            (
                "Associations between physical activity and depression in adolescents",
                &["Epidemiology"],
                "Associations between exposure and outcome were estimated.",
            ),
            (
                "Foundations of deep learning: a geometric view",
                &["Deep learning", "Foundation models"],
                "We revisit the foundations of representation learning.",
            ),
        ];
        for (title, keywords, abstract_text) in cases {
            let found = thesaurus.classify(&record(&[title], keywords, &[abstract_text]));
            assert!(found.relevance < 0.2, "{title}: {found:?}");
        }
    }

    #[test]
    fn ess_records_without_the_words_social_economy_score_high() {
        let thesaurus = builtin();
        let cases: &[(&str, &[&str], &str, &str)] = &[
            (
                "Les SCOP face à la financiarisation",
                &["Sociétés coopératives", "Gouvernance"],
                "",
                "cooperatives",
            ),
            (
                "Worker cooperatives and workplace democracy in Argentina",
                &["Recovered factories"],
                "",
                "cooperatives",
            ),
            (
                "Le bénévolat dans les associations sportives",
                &["Sport"],
                "",
                "volunteering",
            ),
            (
                "Microcredit and women's empowerment in Bangladesh",
                &["Grameen Bank"],
                "",
                "solidarity-finance",
            ),
            (
                "Les AMAP en Île-de-France : un engagement militant ?",
                &["Circuits courts"],
                "",
                "short-supply-chains",
            ),
            (
                "Les monnaies locales complémentaires : l'exemple de la Gonette",
                &[],
                "",
                "solidarity-finance",
            ),
            (
                "Tiers secteur et politiques sociales au Québec",
                &[],
                "",
                "social-solidarity-economy",
            ),
            (
                "L'insertion par l'activité économique en milieu rural",
                &[],
                "",
                "work-integration",
            ),
            (
                "Commons governance of irrigation systems in Nepal",
                &["Ostrom", "Common-pool resources"],
                "",
                "commons",
            ),
            (
                "Fair trade coffee in Peru",
                &["Fairtrade"],
                "Smallholders sell through certified channels.",
                "fair-trade",
            ),
            (
                "Gouverner une mutuelle de santé",
                &["Mutualité", "Démutualisation"],
                "",
                "mutuals",
            ),
            (
                "Entrepreneurs sociaux et impact : une étude de cas",
                &["Entrepreneuriat social", "Mesure d'impact"],
                "",
                "social-entrepreneurship",
            ),
            ("La gouvernance des mutuelles", &[], "", "mutuals"),
            (
                "Les associations de migrants en France",
                &["Immigration"],
                "",
                "associations",
            ),
            (
                "Les ressourceries, entre réemploi et insertion",
                &["Réemploi", "Chantiers d'insertion"],
                "",
                "work-integration",
            ),
        ];
        for (title, keywords, abstract_text, first_theme) in cases {
            let abstracts: Vec<&str> = [*abstract_text]
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect();
            let found = thesaurus.classify(&record(&[title], keywords, &abstracts));
            assert!(found.relevance >= MIN_RELEVANCE, "{title}: {found:?}");
            assert!(
                theme_ids(&found).contains(first_theme),
                "{title}: {found:?}"
            );
        }
    }

    #[test]
    fn matches_explain_term_field_and_language() {
        let thesaurus = builtin();
        let mut normalized = record(
            &["Les coopératives d'habitants à Genève"],
            &["Habitat participatif"],
            &["This thesis studies housing cooperatives and cohousing."],
        );
        normalized.abstracts[0].lang = Some("en".into());
        let found = thesaurus.classify(&normalized);
        let cooperatives = found
            .themes
            .iter()
            .find(|t| t.theme == "cooperatives")
            .expect("cooperatives theme");
        assert_eq!(
            cooperatives.matches[0],
            TermMatch {
                term: "coopérative d'habitants".into(),
                field: "title".into(),
                lang: Some("fr".into()),
            }
        );
        assert!(cooperatives.matches.iter().any(|m| m.field == "abstract"
            && m.term == "housing cooperative"
            && m.lang.as_deref() == Some("en")));
        assert!(theme_ids(&found).contains(&"social-housing"));
        // Best theme first, scores within 0..=1 and rounded.
        assert!(found.themes.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(found.themes.iter().all(|t| t.score > 0.0 && t.score <= 1.0));
        assert_eq!(found.relevance, round3(found.relevance));
        let json = serde_json::to_value(&found).unwrap();
        assert_eq!(json["themes"][0]["matches"][0]["field"], "title");
        let back: Classification = serde_json::from_value(json).unwrap();
        assert_eq!(back, found);
    }

    #[test]
    fn an_empty_record_has_no_theme() {
        let found = builtin().classify(&record(&[], &[], &[]));
        assert_eq!(found.relevance, 0.0);
        assert!(found.themes.is_empty());
    }

    #[test]
    fn parse_errors_name_the_entry_at_fault() {
        let theme =
            |body: &str| format!("[[theme]]\nid = \"ok\"\nfr = \"A\"\nen = \"B\"\n{body}\n");
        let error = Thesaurus::parse(&theme("terms = [\"x\"]\ncolour = \"red\"")).unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
        let error = Thesaurus::parse(
            "[[theme]]\nid = \"Coops\"\nfr = \"A\"\nen = \"B\"\nterms = [\"coop\"]\n",
        )
        .unwrap_err();
        assert!(matches!(&error, ThesaurusError::BadTheme { index: 1, id, .. } if id == "Coops"));
        let twice = format!("{}{}", theme("terms = [\"a1\"]"), theme("terms = [\"b2\"]"));
        assert!(matches!(
            Thesaurus::parse(&twice),
            Err(ThesaurusError::BadTheme { index: 2, reason, .. }) if reason == "duplicate id"
        ));
        let error = Thesaurus::parse(&theme("terms = [\"coop\", \"de la\"]")).unwrap_err();
        assert_eq!(
            error,
            ThesaurusError::BadTerm {
                theme: "ok".into(),
                term: "de la".into(),
                reason: "no content word (only small words or punctuation)".into(),
            }
        );
        assert!(matches!(
            Thesaurus::parse(&theme("weak = [\"coop\"]")),
            Err(ThesaurusError::BadTheme { .. })
        ));
        let conflict = format!(
            "exclude = [\"les coopératives\"]\n{}",
            theme("terms = [\"coopérative\"]")
        );
        let error = Thesaurus::parse(&conflict).unwrap_err();
        assert!(
            matches!(&error, ThesaurusError::BadExclude { phrase, .. } if phrase == "les coopératives")
        );
        assert_eq!(Thesaurus::parse("").unwrap_err(), ThesaurusError::NoTheme);
        assert!(matches!(
            Thesaurus::parse("[[theme]"),
            Err(ThesaurusError::Toml(_))
        ));
    }

    #[test]
    fn stemming_joins_forms_of_one_word() {
        let stem = |word: &str| {
            let mut buffer = String::new();
            super::stem(word, &mut buffer).to_owned()
        };
        for (a, b) in [
            ("sociaux", "sociale"),
            ("sociales", "social"),
            ("mutuelles", "mutuel"),
            ("cooperatives", "cooperatif"),
            ("communities", "community"),
            ("economies", "economy"),
            ("economie", "economy"),
            ("reseaux", "reseau"),
            ("associees", "associe"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_ne!(stem("commune"), stem("communs"));
        assert_eq!(stem("business"), "business");
        assert_eq!(stem("ess"), "ess");
    }

    /// The prefix filter may skip a word only if no stem or exact word could match it.
    #[test]
    fn prefix_filter_never_hides_a_known_word() {
        use crate::normalize::tests::{normalize_harvested, sample_records};
        let thesaurus = builtin();
        let mut word = String::new();
        let mut stemmed = String::new();
        let mut checked = 0;
        let mut texts: Vec<String> = sample_records()
            .iter()
            .flat_map(|(source, harvested)| {
                let normalized = normalize_harvested(source, harvested);
                normalized
                    .titles
                    .into_iter()
                    .map(|t| t.text)
                    .chain(normalized.keywords.into_iter().map(|k| k.text))
                    .chain(normalized.abstracts.into_iter().map(|a| a.text))
                    .collect::<Vec<_>>()
            })
            .collect();
        texts.push(BUILTIN.to_owned());
        for text in &texts {
            for_each_word(text, &mut word, |folded, _| {
                if folded.len() < PREFIX_SAFE_LENGTH {
                    return;
                }
                let stemmed = stem(folded, &mut stemmed);
                if thesaurus.stems.contains_key(stemmed) || thesaurus.exact.contains_key(folded) {
                    checked += 1;
                    assert!(thesaurus.has_prefix(folded), "{folded} → {stemmed}");
                }
            });
        }
        assert!(checked > 10_000, "{checked}");
    }

    /// The sample dumps: every ESS record at or above `MIN_RELEVANCE`, every off-topic one
    /// (listed in `expected.json`, several with "coopération", "mutualisation", "associations",
    /// "solidaires", "commun" in another sense) well below.
    #[test]
    fn sample_dumps_separate_ess_from_off_topic_records() {
        use crate::normalize::tests::{normalize_harvested, sample_records};
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("harvest-sources/samples/expected.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let off_topic: HashSet<&str> = expected["sources"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|s| {
                s["off_topic"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|v| v.as_str())
            })
            .collect();
        let thesaurus = builtin();
        let (mut lowest_ess, mut highest_off) = (1.0f32, 0.0f32);
        let mut counted = (0, 0);
        for (source, harvested) in sample_records() {
            let found = thesaurus.classify(&normalize_harvested(&source, &harvested));
            if off_topic.contains(harvested.identifier.as_str()) {
                counted.1 += 1;
                highest_off = highest_off.max(found.relevance);
                assert!(found.relevance < 0.2, "{}: {found:?}", harvested.identifier);
            } else {
                counted.0 += 1;
                lowest_ess = lowest_ess.min(found.relevance);
                assert!(
                    found.relevance >= MIN_RELEVANCE,
                    "{}: {found:?}",
                    harvested.identifier
                );
                assert!(
                    found.themes.len() >= 2,
                    "{}: {found:?}",
                    harvested.identifier
                );
            }
        }
        assert_eq!(counted, (503, 45));
        assert!(
            lowest_ess - highest_off > 0.5,
            "{lowest_ess} vs {highest_off}"
        );
    }

    /// Real records from other fields (MIT's DSpace, Zenodo software, arXiv via Citebase, a HAL
    /// cancer thesis): none is taken for ESS.
    #[test]
    fn real_fixture_records_from_other_fields_score_low() {
        let dir = std::env::var_os("ESSOR_FIXTURES")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
            })
            .join("oai");
        let thesaurus = builtin();
        let mut classified = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let Ok(decoded) = crate::xml::decode(&bytes, None) else {
                continue;
            };
            let Ok(page) = crate::oai::parse_page(&decoded.text) else {
                continue;
            };
            for item in page.items {
                let crate::oai::PageItem::Record(harvested) = item else {
                    continue;
                };
                let Some(record) = &harvested.record else {
                    continue;
                };
                let context = crate::normalize::Context {
                    identifier: &harvested.identifier,
                    sets: &harvested.sets,
                    format: harvested.format,
                    ..Default::default()
                };
                let found = thesaurus.classify(&crate::normalize::normalize(record, &context));
                assert!(found.relevance < 0.2, "{}: {found:?}", harvested.identifier);
                classified += 1;
            }
        }
        assert!(classified >= 100, "{classified} records");
    }

    /// `cargo test --release --lib classify::tests::classify_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing: run in release"]
    fn classify_speed() {
        use crate::normalize::tests::{normalize_harvested, sample_records};
        let records: Vec<Normalized> = sample_records()
            .iter()
            .map(|(source, harvested)| normalize_harvested(source, harvested))
            .collect();
        let bytes: usize = records
            .iter()
            .map(|r| {
                r.titles.iter().map(|t| t.text.len()).sum::<usize>()
                    + r.keywords.iter().map(|k| k.text.len()).sum::<usize>()
                    + r.abstracts.iter().map(|a| a.text.len()).sum::<usize>()
            })
            .sum();
        let started = std::time::Instant::now();
        let thesaurus = builtin();
        let compile = started.elapsed();
        let rounds: usize = std::env::var("ESSOR_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(200);
        let started = std::time::Instant::now();
        let mut themes = 0usize;
        for _ in 0..rounds {
            for record in &records {
                themes += thesaurus
                    .classify(std::hint::black_box(record))
                    .themes
                    .len();
            }
        }
        let elapsed = started.elapsed();
        let count = rounds * records.len();
        println!(
            "compile {compile:?}; classified {count} records ({} bytes of text each on average) in {elapsed:?}: {:.0} records/s, {:.0} MB/s ({themes} themes)",
            bytes / records.len(),
            count as f64 / elapsed.as_secs_f64(),
            (bytes * rounds) as f64 / elapsed.as_secs_f64() / 1e6,
        );
    }
}
