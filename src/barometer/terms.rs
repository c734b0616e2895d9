//! The terms of a work: content words of its titles, keywords and abstracts, French and English
//! read alike, and the pairs of words that follow each other ("plateformes coopératives"), each
//! under a key that groups variants and the two languages.
//!
//! Words are read by [`crate::classify::for_each_content_word`] (folded, the thesaurus's stop
//! words set aside, plural and feminine endings reduced), so "coopératives", "coopérative" and
//! "cooperatives" are one word. Then a short lexicon maps the French stems of ESS words whose
//! English differs to the English one ("plateforme" → "platform", "numérique" → "digital").
//! A pair's key is its two word keys sorted, so French noun–adjective order and English
//! adjective–noun order meet: "plateformes coopératives" = "platform cooperatives".

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

use foldhash::fast::FixedState;

/// One term of a work: its key (one word key, or two sorted and joined by a space) and how it
/// was written (folded, in text order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub surface: String,
}

/// The distinct terms of a work, packed: every key and surface is a slice of one string, so a
/// work's terms cost two allocations, not two per term (a 200-word abstract has some 300).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkTerms {
    text: String,
    /// (start of the key, end of the key and start of the surface, end of the surface).
    spans: Vec<(u32, u32, u32)>,
}

impl WorkTerms {
    /// `(key, surface)` of each term, in the order first met in the texts.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|&(start, middle, end)| {
            (
                &self.text[start as usize..middle as usize],
                &self.text[middle as usize..end as usize],
            )
        })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn key(&self, index: usize) -> &str {
        let (start, middle, _) = self.spans[index];
        &self.text[start as usize..middle as usize]
    }
}

/// French stems whose English counterpart stems differently, and that counterpart. The rest of
/// the vocabulary meets through the stemmer (économie = economy, sociale = social, coopératif =
/// cooperative) or not at all: the lexicon is short on purpose, and a term it misses is merely
/// counted twice, once per language.
const LEXICON: &[(&str, &str)] = &[
    ("alimentaire", "food"),
    ("artificiel", "artificial"),
    ("banque", "bank"),
    ("circulaire", "circular"),
    ("climat", "climate"),
    ("commun", "common"),
    ("communaute", "communitie"),
    ("developpement", "development"),
    ("durable", "sustainable"),
    ("ecologique", "ecological"),
    ("economique", "economic"),
    ("emploi", "employment"),
    ("enseignement", "teaching"),
    ("entreprise", "enterprise"),
    ("formation", "training"),
    ("gouvernance", "governance"),
    ("logement", "housing"),
    ("monnaie", "currencie"),
    ("mutuel", "mutual"),
    ("numerique", "digital"),
    ("plateforme", "platform"),
    ("politique", "policie"),
    ("recherche", "research"),
    ("solidarite", "solidaritie"),
    ("territoire", "territorie"),
    ("travail", "work"),
];

/// Words too common in any abstract to say anything (beyond the thesaurus's stop words): function
/// words and the verbs of an abstract's first sentence ("cette thèse étudie"), folded.
/// Also left out: numbers and words of fewer than three letters.
const STOP_WORDS: &[&str] = &[
    "about", "after", "ainsi", "alors", "also", "among", "apres", "are", "aussi", "autre",
    "autres", "avant", "avec", "avoir", "been", "before", "both", "but", "can", "car", "cela",
    "celle", "celles", "celui", "ces", "cet", "cette", "ceux", "chez", "comme", "could", "donc",
    "dont", "each", "elle", "elles", "entre", "est", "etre", "etudie", "examine", "examines",
    "faire", "fait", "from", "has", "have", "here", "how", "ils", "into", "its", "leur", "leurs",
    "lors", "mais", "many", "may", "meme", "memes", "moins", "montre", "more", "most", "much",
    "non", "nous", "ont", "other", "our", "over", "pas", "peu", "plus", "propose", "proposes",
    "que", "quel", "quelle", "quelles", "quels", "qui", "sans", "selon", "ses", "should", "shows",
    "some", "son", "sont", "sous", "studies", "study", "such", "than", "that", "their", "them",
    "there", "these", "thesis", "they", "this", "those", "through", "tous", "tout", "toute",
    "toutes", "tres", "under", "vers", "very", "was", "well", "were", "what", "when", "where",
    "which", "while", "who", "whose", "will", "within", "would",
];

/// The lexicon and the stop words as hash tables: they are looked up for every word of every
/// work (a binary search costs some ten string comparisons a word).
struct Lookups {
    lexicon: HashMap<&'static str, &'static str, FixedState>,
    stop_words: HashSet<&'static str, FixedState>,
}

fn lookups() -> &'static Lookups {
    static LOOKUPS: OnceLock<Lookups> = OnceLock::new();
    LOOKUPS.get_or_init(|| Lookups {
        lexicon: LEXICON.iter().copied().collect(),
        stop_words: STOP_WORDS.iter().copied().collect(),
    })
}

/// The key of one stemmed word: the lexicon's English counterpart or the stem itself.
pub fn word_key(stem: &str) -> &str {
    lookups().lexicon.get(stem).copied().unwrap_or(stem)
}

fn is_noise(folded: &str) -> bool {
    folded.len() < 3
        || folded.bytes().all(|b| b.is_ascii_digit())
        || lookups().stop_words.contains(folded)
}

/// A term met in a work's text, before it is written out: its key and writing are built only
/// when asked ([`MetTerm::push_key`], [`MetTerm::push_surface`]), which counting never does.
pub enum MetTerm<'t> {
    Word {
        key: &'t str,
        folded: &'t str,
    },
    /// Two neighbouring words, in text order.
    Pair {
        first_key: &'t str,
        first_folded: &'t str,
        key: &'t str,
        folded: &'t str,
    },
}

impl MetTerm<'_> {
    /// Appends the key: a word's, or a pair's two word keys sorted and joined by a space.
    pub fn push_key(&self, out: &mut String) {
        match *self {
            MetTerm::Word { key, .. } => out.push_str(key),
            MetTerm::Pair { first_key, key, .. } => {
                let (low, high) = if first_key < key {
                    (first_key, key)
                } else {
                    (key, first_key)
                };
                out.push_str(low);
                out.push(' ');
                out.push_str(high);
            }
        }
    }

    /// Appends how it was written (folded, in text order).
    pub fn push_surface(&self, out: &mut String) {
        match *self {
            MetTerm::Word { folded, .. } => out.push_str(folded),
            MetTerm::Pair {
                first_folded,
                folded,
                ..
            } => {
                out.push_str(first_folded);
                out.push(' ');
                out.push_str(folded);
            }
        }
    }
}

/// The hash of a word key (foldhash, fixed seed: the same in every pass and on every thread).
fn word_hash(key: &str) -> u64 {
    FixedState::default().hash_one(key)
}

/// The hash of a pair from its two word hashes, in either order ("plateformes coopératives" and
/// "platform cooperatives" meet), so that no pair key is built to count it.
fn pair_hash(first: u64, second: u64) -> u64 {
    FixedState::default().hash_one((first.min(second), first.max(second)))
}

/// Calls `each` with every term of the texts and its key's hash, in text order, repeats
/// included: each word and each pair of neighbouring words. A pair never spans a noise word
/// ("the cooperatives which platform" gives no pair "cooperatives platform") nor punctuation.
pub fn for_each_term<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    mut each: impl FnMut(u64, MetTerm<'_>),
) {
    // The previous kept word's key, folded form and hash, when it was next to this one.
    let mut previous_key = String::new();
    let mut previous_folded = String::new();
    let mut previous_hash = 0;
    let mut has_previous;
    let clauses = texts.into_iter().flat_map(|text| {
        text.split([
            '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '/', '|', '«', '»', '"',
        ])
    });
    for clause in clauses {
        has_previous = false;
        crate::classify::for_each_content_word(clause, |folded, stem| {
            if is_noise(folded) {
                has_previous = false;
                return;
            }
            let key = word_key(stem);
            let hash = word_hash(key);
            if has_previous && previous_key != key {
                each(
                    pair_hash(previous_hash, hash),
                    MetTerm::Pair {
                        first_key: &previous_key,
                        first_folded: &previous_folded,
                        key,
                        folded,
                    },
                );
            }
            each(hash, MetTerm::Word { key, folded });
            previous_key.clear();
            previous_key.push_str(key);
            previous_folded.clear();
            previous_folded.push_str(folded);
            previous_hash = hash;
            has_previous = true;
        });
    }
}

/// The key hashes of the distinct terms of a work's texts, sorted, into `hashes` (cleared
/// first): what counting needs, with no string built.
pub fn term_hashes<'a>(texts: impl IntoIterator<Item = &'a str>, hashes: &mut Vec<u64>) {
    hashes.clear();
    for_each_term(texts, |hash, _| hashes.push(hash));
    hashes.sort_unstable();
    hashes.dedup();
}

/// The distinct terms of a work's texts whose key hash `keep` accepts, each with the first
/// writing met, in the order first met.
pub fn read_terms_among<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    keep: impl Fn(u64) -> bool,
) -> WorkTerms {
    let mut terms = WorkTerms::default();
    // Key hash → index of the first term with that hash.
    let mut seen: HashMap<u64, u32, FixedState> = HashMap::default();
    let mut key = String::new();
    for_each_term(texts, |hash, met| {
        if !keep(hash) {
            return;
        }
        key.clear();
        met.push_key(&mut key);
        if let Some(&index) = seen.get(&hash) {
            // Two keys of one work with the same 64-bit hash: compared in full (never in
            // practice, but a term must not be lost to it).
            if terms.key(index as usize) == key
                || (0..terms.len()).any(|other| terms.key(other) == key)
            {
                return;
            }
        } else {
            seen.insert(hash, terms.len() as u32);
        }
        let start = terms.text.len() as u32;
        terms.text.push_str(&key);
        let middle = terms.text.len() as u32;
        met.push_surface(&mut terms.text);
        terms.spans.push((start, middle, terms.text.len() as u32));
    });
    terms
}

/// The distinct terms of a work's texts, each with the first writing met, in the order first
/// met.
pub fn read_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> WorkTerms {
    read_terms_among(texts, |_| true)
}

/// The distinct terms of a work's texts, one [`Term`] each, sorted by key (tests, examples).
pub fn work_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<Term> {
    let mut terms: Vec<Term> = read_terms(texts)
        .iter()
        .map(|(key, surface)| Term {
            key: key.to_owned(),
            surface: surface.to_owned(),
        })
        .collect();
    terms.sort_by(|a, b| a.key.cmp(&b.key));
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        work_terms([text])
            .into_iter()
            .map(|term| term.key)
            .collect()
    }

    #[test]
    fn lists_are_sorted_without_duplicates() {
        assert!(LEXICON.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(STOP_WORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn french_and_english_pairs_share_a_key() {
        let french = keys("Les plateformes coopératives");
        let english = keys("Platform cooperatives");
        assert!(
            french.contains(&"cooperatif platform".to_owned()),
            "{french:?}"
        );
        assert!(
            english.contains(&"cooperatif platform".to_owned()),
            "{english:?}"
        );
        assert_eq!(keys("économie sociale"), keys("social economy"));
    }

    #[test]
    fn noise_words_are_left_out_and_break_pairs() {
        let found = keys("This study of 2024 cooperatives, which platform");
        assert!(
            !found
                .iter()
                .any(|k| k.contains("this") || k.contains("2024"))
        );
        assert!(
            !found.contains(&"cooperatif platform".to_owned()),
            "{found:?}"
        );
        assert!(found.contains(&"platform".to_owned()));
    }

    #[test]
    fn a_term_counts_once_per_work() {
        let terms = work_terms(["Coopératives d'habitants", "coopératives"]);
        let cooperative = terms.iter().filter(|t| t.key == "cooperatif").count();
        assert_eq!(cooperative, 1);
    }

    #[test]
    fn counting_reads_the_same_terms_as_the_evidence() {
        let texts = [
            "Les plateformes coopératives : coopératives d'habitants et plateformes numériques",
            "Platform cooperatives and the digital commons; platform cooperatives again",
        ];
        let mut hashes = Vec::new();
        term_hashes(texts, &mut hashes);
        let all = read_terms(texts);
        assert_eq!(hashes.len(), all.len());
        assert_eq!(
            read_terms_among(texts, |hash| hashes.binary_search(&hash).is_ok()),
            all
        );
    }

    #[test]
    fn only_kept_terms_are_written_with_their_first_writing() {
        let pair = pair_hash(word_hash("platform"), word_hash("cooperatif"));
        let kept = read_terms_among(
            ["Des plateformes coopératives, puis platform cooperatives"],
            |hash| hash == pair,
        );
        let kept: Vec<(&str, &str)> = kept.iter().collect();
        assert_eq!(
            kept,
            vec![("cooperatif platform", "plateformes cooperatives")]
        );
    }
}
