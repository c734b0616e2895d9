//! The compiled thesaurus that matching reads: themes, terms as phrases of token ids, and the
//! lookup tables from words to tokens. Built by `compile.rs`, read by `matching.rs`.

use std::collections::HashMap;

use foldhash::fast::FixedState;

/// The themes and, for each, its terms compiled for matching.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    pub(super) themes: Vec<Theme>,
    pub(super) terms: Vec<TermInfo>,
    pub(super) phrases: Vec<Phrase>,
    /// For each token id, the phrases starting with it, longest and most specific first.
    pub(super) starts: Vec<Box<[u32]>>,
    pub(super) stems: HashMap<Box<str>, u32, FixedState>,
    pub(super) exact: HashMap<Box<str>, u32, FixedState>,
    /// Bit n set when an exact word has n bytes (63: longer): most words skip that lookup.
    pub(super) exact_lengths: u64,
    /// The first three bytes of every stem and exact word, as bits (see
    /// [`prefix_bit`](super::words::prefix_bit)). Long words keep their first three bytes when
    /// stemmed, so a long word whose prefix is absent is skipped without stemming or hashing.
    pub(super) prefixes: Box<[u64]>,
    pub(super) acronyms: HashMap<Box<str>, u32, FixedState>,
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

/// A term of a theme, compiled.
#[derive(Debug, Clone)]
pub(super) struct TermInfo {
    pub(super) theme: u16,
    /// As written in the thesaurus, without the "=" marker: what explanations show.
    pub(super) text: Box<str>,
    pub(super) weak: bool,
}

/// A sequence of token ids that terms (or an exclusion) compile to.
#[derive(Debug, Clone)]
pub(super) struct Phrase {
    pub(super) tokens: Box<[u32]>,
    /// Exact and acronym tokens: between phrases of one length, the more specific wins.
    pub(super) specificity: u8,
    /// At most one term per theme; empty for an exclusion.
    pub(super) terms: Vec<u32>,
}
