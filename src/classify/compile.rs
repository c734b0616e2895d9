//! The thesaurus compiler: each term becomes a phrase of token ids (a stem, an exact word or an
//! acronym per word), and the tables matching looks words up in.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::compiled::{Phrase, TermInfo, Theme, Thesaurus};
use super::words::{PREFIX_BITS, for_each_word, is_stop_word, prefix_bit, stem};

/// One word of a term, in the vocabulary it is matched against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Stem(String),
    Exact(String),
    Acronym(String),
}

/// The tables of a thesaurus being compiled, term by term.
#[derive(Debug, Default)]
pub(super) struct Builder {
    pub(super) themes: Vec<Theme>,
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
    pub(super) fn add_term(
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
    pub(super) fn add_exclusion(&mut self, keys: Vec<Key>) -> Result<(), String> {
        let phrase = self.phrase(&keys);
        match self.phrases[phrase].terms.first() {
            Some(term) => Err(format!(
                "same words as the term \"{}\"",
                self.terms[*term as usize].text
            )),
            None => Ok(()),
        }
    }

    pub(super) fn finish(self) -> Thesaurus {
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
pub(super) fn term_keys(term: &str) -> Result<Vec<Key>, String> {
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
