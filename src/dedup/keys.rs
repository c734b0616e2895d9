//! Strong identifiers and blocking keys: which records are worth comparing at all. Comparing every
//! pair of a million records is out of the question; records that share no key are never
//! compared.

use crate::normalize::{self, DegreeType, IdKind, Normalized};

/// Identifiers that name one work wherever it is deposited. URLs and handles name a copy in one
/// repository; ISBNs name a book, which may be published from a thesis (another work).
pub fn strong_ids(record: &Normalized) -> Vec<String> {
    let mut ids: Vec<String> = record
        .identifiers
        .iter()
        .filter_map(|identifier| {
            let kind = match identifier.kind {
                IdKind::Nnt => "nnt",
                IdKind::Doi => "doi",
                IdKind::Hal => "hal",
                IdKind::Urn => "urn",
                IdKind::Ark => "ark",
                _ => return None,
            };
            Some(format!("{kind}:{}", identifier.value.to_lowercase()))
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Words too common in ESS titles to start a block with.
const STOPWORDS: &[&str] = &[
    "l", "la", "le", "les", "de", "des", "du", "d", "un", "une", "et", "en", "a", "au", "aux",
    "the", "of", "and", "in", "a", "an", "pour", "par", "sur", "dans", "on", "for", "to",
];

/// Blocking keys of a record: strong identifiers, the first and the last significant words of
/// each title (a typo at either end still leaves one key), and, for doctoral theses and HDRs,
/// the author's family name (translated titles).
pub fn blocking_keys(record: &Normalized) -> Vec<String> {
    let mut keys: Vec<String> = strong_ids(record)
        .into_iter()
        .map(|id| format!("i:{id}"))
        .collect();
    for title in &record.titles {
        let key = normalize::title_key(&title.text);
        let words: Vec<&str> = key
            .split(' ')
            .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
            .collect();
        if words.is_empty() {
            continue;
        }
        let head = words.iter().take(3).copied().collect::<Vec<_>>().join(" ");
        let tail = words
            .iter()
            .rev()
            .take(3)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        keys.push(format!("t:{head}"));
        keys.push(format!("e:{tail}"));
    }
    if matches!(
        record.degree_type,
        DegreeType::DoctoralThesis | DegreeType::Hdr
    ) {
        for author in &record.authors {
            let family = normalize::fold(&author.family);
            if !family.is_empty() {
                keys.push(format!("a:{family}"));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}
