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

use std::collections::BTreeMap;

/// One term of a work: its key (one word key, or two sorted and joined by a space), how it was
/// written (folded, in text order) and the language of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub surface: String,
    pub lang: Option<String>,
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

/// The key of one stemmed word: the lexicon's English counterpart or the stem itself.
pub fn word_key(stem: &str) -> &str {
    match LEXICON.binary_search_by(|(french, _)| (*french).cmp(stem)) {
        Ok(index) => LEXICON[index].1,
        Err(_) => stem,
    }
}

fn is_noise(folded: &str) -> bool {
    folded.len() < 3
        || folded.bytes().all(|b| b.is_ascii_digit())
        || STOP_WORDS.binary_search(&folded).is_ok()
}

/// The distinct terms of a work's texts (`(text, language)`): each word and each pair of
/// neighbouring words, counted once per work. A pair never spans a noise word ("the
/// cooperatives which platform" gives no pair "cooperatives platform") nor punctuation.
pub fn work_terms<'a>(texts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Vec<Term> {
    let mut terms: BTreeMap<String, Term> = BTreeMap::new();
    let mut add = |key: String, surface: String, lang: Option<&str>| {
        terms.entry(key).or_insert_with_key(|key| Term {
            key: key.clone(),
            surface,
            lang: lang.map(str::to_owned),
        });
    };
    let clauses = texts.into_iter().flat_map(|(text, lang)| {
        text.split([
            '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '/', '|', '«', '»', '"',
        ])
        .map(move |clause| (clause, lang))
    });
    for (clause, lang) in clauses {
        // (key, folded) of the previous kept word, when it was next to this one.
        let mut previous: Option<(String, String)> = None;
        crate::classify::for_each_content_word(clause, |folded, stem| {
            if is_noise(folded) {
                previous = None;
                return;
            }
            let key = word_key(stem).to_owned();
            if let Some((previous_key, previous_folded)) = previous.take()
                && previous_key != key
            {
                let pair_key = if previous_key < key {
                    format!("{previous_key} {key}")
                } else {
                    format!("{key} {previous_key}")
                };
                add(pair_key, format!("{previous_folded} {folded}"), lang);
            }
            add(key.clone(), folded.to_owned(), lang);
            previous = Some((key, folded.to_owned()));
        });
    }
    terms.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        work_terms([(text, None)])
            .into_iter()
            .map(|term| term.key)
            .collect()
    }

    #[test]
    fn lists_are_sorted_for_binary_search() {
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
        let terms = work_terms([
            ("Coopératives d'habitants", Some("fr")),
            ("coopératives", Some("fr")),
        ]);
        let cooperative = terms.iter().filter(|t| t.key == "cooperatif").count();
        assert_eq!(cooperative, 1);
    }
}
