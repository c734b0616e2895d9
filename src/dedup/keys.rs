//! Blocking keys: which records are worth comparing at all (strong identifiers, from
//! `features.rs`, first). Comparing every
//! pair of a million records is out of the question; records that share no key are never
//! compared.
//!
//! Keys come in two kinds. *Broad* keys (the first or last significant title words, a doctoral
//! author's family name) find typos and translations but grow with the corpus: "économie
//! sociale solidaire" starts thousands of titles. *Narrow* keys are a broad key refined by
//! something a true duplicate shares too (an author's family name, the year of a study, the whole
//! title), so every pair a narrow key proposes is also proposed by its broad key. Blocks are
//! compared only up to a size that depends on their kind ([`block_limit`]): on a small corpus the
//! broad keys alone decide; on a large one the narrow keys keep the candidates of each record
//! bounded, so that clustering a million records, or adding one, costs what the record needs,
//! not what the corpus holds.

use super::features::Shared;
use crate::normalize::{DegreeType, Normalized};

/// A broad block larger than this is too generic to compare all pairs of; its records still
/// meet through their narrow keys.
const BROAD_LIMIT: usize = 24;
/// A narrow block larger than this (a common name on a generic title) is skipped too.
const NARROW_LIMIT: usize = 64;
/// Records sharing a strong identifier are the same work: compared in blocks up to this size.
const IDENTIFIER_LIMIT: usize = 200;

/// Words too common in ESS titles to start a block with.
pub(super) const STOPWORDS: &[&str] = &[
    "l", "la", "le", "les", "de", "des", "du", "d", "un", "une", "et", "en", "a", "au", "aux",
    "the", "of", "and", "in", "a", "an", "pour", "par", "sur", "dans", "on", "for", "to",
];

/// Blocking keys of a record. Broad: strong identifiers (`i:`), the first (`t:`) and last (`e:`)
/// three significant words of each title (a typo at either end still leaves one key), each
/// author's name letters in order (`n:`, names across orders and scripts), and, for
/// doctoral theses and HDRs, the author's family name (`a:`, translated titles). Narrow (after a
/// `|`): each title key with each author's family name, its letters sorted so that a swap of two
/// letters still meets (`title and author`), with the year for
/// studies (`study title and year`), the whole subtitle-free title (`f:`, records without
/// authors), and the family name with the initial and the years around the defence.
pub fn blocking_keys(record: &Normalized) -> Vec<String> {
    keys_of(record, &Shared::of(record))
}

/// [`blocking_keys`] from the forms of the record's titles and names worked out already. Each
/// key is written once into a string of its size, not formatted from joined parts; the strings
/// themselves stay as they were: the features rows store them and the blocking index files
/// their hashes.
pub(super) fn keys_of(record: &Normalized, shared: &Shared) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(16);
    for id in &shared.strong_ids {
        keys.push(joined(&["i:", id]));
    }
    let mut families: Vec<String> = Vec::with_capacity(2 * shared.authors.len());
    for author in &shared.authors {
        for family in [&author.compact, &author.without_particles] {
            if family.is_empty() {
                continue;
            }
            // Letters sorted: a transposition typo ("Cœrudevey") leaves the key unchanged.
            let mut letters: Vec<char> = family.chars().collect();
            letters.sort_unstable();
            families.push(letters.into_iter().collect());
        }
    }
    // The whole name's letters (`n:`): a name in another order or script has no family name
    // in common with its other forms.
    for author in &shared.authors {
        if let Some(letters) = &author.letters {
            keys.push(joined(&["n:", letters]));
        }
    }
    let year = record.date.as_ref().map(|d| d.year.to_string());
    // Studies (and records of unknown type, which may be studies) match on title and year alone.
    let study_like = matches!(
        record.degree_type,
        DegreeType::ReportStudy | DegreeType::Other
    );
    let mut words: Vec<&str> = Vec::new();
    for title in &shared.titles {
        words.clear();
        words.extend((title.key.split(' ')).filter(|w| !w.is_empty() && !STOPWORDS.contains(w)));
        if words.is_empty() {
            continue;
        }
        let head = &words[..words.len().min(3)];
        let tail = &words[words.len().saturating_sub(3)..];
        for (prefix, part) in [("t:", head), ("e:", tail)] {
            let mut broad =
                String::with_capacity(2 + part.iter().map(|w| w.len() + 1).sum::<usize>());
            broad.push_str(prefix);
            push_words(&mut broad, part);
            for family in &families {
                keys.push(joined(&[&broad, "|", family]));
            }
            if study_like && let Some(year) = &year {
                keys.push(joined(&[&broad, "|", year]));
            }
            keys.push(broad);
        }
        let mut whole = String::with_capacity(
            title.key.len() + head.iter().map(|w| w.len() + 1).sum::<usize>() + 5,
        );
        whole.push_str("t:");
        push_words(&mut whole, head);
        whole.push_str("|f:");
        push_words(&mut whole, &words);
        keys.push(whole);
    }
    if matches!(
        record.degree_type,
        DegreeType::DoctoralThesis | DegreeType::Hdr
    ) {
        for author in &shared.authors {
            let family = &author.family;
            if family.is_empty() {
                continue;
            }
            // Years one apart on each side: two records at most two years apart share one.
            if let (Some(initial), Some(year)) = (author.initial, record.date.as_ref()) {
                let mut initial_buffer = [0u8; 4];
                let initial: &str = initial.encode_utf8(&mut initial_buffer);
                for around in year.year - 1..=year.year + 1 {
                    keys.push(joined(&["a:", family, "|", initial, &around.to_string()]));
                }
            }
            keys.push(joined(&["a:", family]));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The parts one after the other, in a string of their size.
fn joined(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Appends `words` separated by single spaces.
fn push_words(out: &mut String, words: &[&str]) {
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// How many records a block may hold and still be compared pair by pair.
pub fn block_limit(key: &str) -> usize {
    BlockKey::of(key).limit()
}

/// A blocking key as the in-memory clustering holds it: a 64-bit hash whose two low bits say
/// the kind of block, hence its size limit (a million records have some fifteen million keys:
/// strings would take gigabytes). Two keys colliding only adds candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockKey(u64);

/// Kinds of block, in the two low bits of a [`BlockKey`].
const BROAD: u64 = 0;
const NARROW: u64 = 1;
const IDENTIFIER: u64 = 2;
const UNBOUNDED: u64 = 3;

impl BlockKey {
    pub fn of(key: &str) -> BlockKey {
        let kind = if key.starts_with("i:") {
            IDENTIFIER
        } else if key.contains('|') {
            NARROW
        } else {
            BROAD
        };
        BlockKey((xxhash_rust::xxh3::xxh3_64(key.as_bytes()) & !3) | kind)
    }

    /// One key shared by records that must all be compared with each other, however many
    /// (the members of one work, when it is regrouped).
    pub fn unbounded(key: &str) -> BlockKey {
        BlockKey((xxhash_rust::xxh3::xxh3_64(key.as_bytes()) & !3) | UNBOUNDED)
    }

    /// The key as the store files it.
    pub fn id(self) -> u64 {
        self.0
    }

    pub fn limit(self) -> usize {
        match self.0 & 3 {
            BROAD => BROAD_LIMIT,
            NARROW => NARROW_LIMIT,
            IDENTIFIER => IDENTIFIER_LIMIT,
            _ => usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_narrow_key_refines_a_broad_key_of_the_same_record() {
        let record: Normalized = serde_json::from_value(serde_json::json!({
            "titles": [{"text": "L'économie sociale et solidaire en Bretagne : gouvernance des SCIC",
                        "lang": "fr", "subtitle": "gouvernance des SCIC"}],
            "authors": [{"family": "de La Fontaine", "given": "Marie",
                         "display": "Marie de La Fontaine"}],
            "advisors": [], "degree_type": "doctoral-thesis", "discipline": null,
            "institution": null, "date": {"year": 2019}, "language": "fr", "abstracts": [],
            "keywords": [], "identifiers": [], "access": "open", "embargo_until": null,
            "licence": null, "problems": []
        }))
        .expect("a normalised record");
        let keys = blocking_keys(&record);
        assert!(keys.contains(&"t:economie sociale solidaire".to_owned()));
        assert!(keys.contains(&"t:economie sociale solidaire|aadeefilnnot".to_owned()));
        for key in &keys {
            if let Some((broad, _)) = key.split_once('|') {
                assert!(keys.contains(&broad.to_owned()), "{key} refines nothing");
            }
        }
    }
}
