//! ESS words the stemmers must not merge or split: a small override table applied to each word
//! after folding and before the English and French stemmers (Elasticsearch's
//! `stemmer_override`). A word found in the table gets its fixed stem, which neither stemmer
//! touches; every other word goes through both stemmers as before.
//!
//! Why a table: the two Snowball stemmers cut "coopératives" and "coopération" to one stem
//! (`coop`), while in ESS research the cooperative (the enterprise) and cooperation (the
//! practice) are different concepts; they also cut "coopératif" apart from "coopérative",
//! "monnaie" to the possessive "mon", "logement" to "log". Each entry below is a folded
//! (lowercase, unaccented) word, so typed accents or not still match both ways, with its plural
//! forms, French and English, beside it.
//!
//! Decided and left to the stemmers (no entry): solidaire / solidarité (the chain keeps the
//! sector's adjective apart from the value, `solidair` / `solidar`, and solidarity joins
//! solidarité); économie / économique (the head noun of "économie sociale" apart from the
//! generic adjective; the English stemmer's economic = economy is left to it); social /
//! sociale / sociaux (one stem, as it should); commun / communs / commune (the adjective's
//! feminine cannot be told from the municipality word by word); communal (already apart);
//! associé / associate (`assoc`, partners, now apart from associations).

use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Folded word → its fixed stem, grouped by concept. Looked up only when the word memo in front
/// of the analyser misses, so a linear scan is enough. Most stems are words the stemmers would
/// cut further (tested), so an overridden word meets only the words of its own group; the
/// exceptions, `JOINED_STEMS`, deliberately join a stemmer's stem.
const OVERRIDES: &[(&str, &str)] = &[
    // The cooperative (the enterprise): French noun and adjective, English noun and adjective,
    // and a coop; the stemmers cut coopératif apart from coopérative and merge both with
    // coopération.
    ("cooperative", "cooperatif"),
    ("cooperatives", "cooperatif"),
    ("cooperatif", "cooperatif"),
    ("cooperatifs", "cooperatif"),
    ("coop", "cooperatif"),
    ("coops", "cooperatif"),
    // Cooperation (the practice), apart from the cooperative.
    ("cooperation", "cooperation"),
    ("cooperations", "cooperation"),
    ("cooperer", "cooperation"),
    ("cooperate", "cooperation"),
    ("cooperates", "cooperation"),
    ("cooperated", "cooperation"),
    ("cooperating", "cooperation"),
    // The cooperator (a member), in both languages and genders.
    ("cooperateur", "cooperateur"),
    ("cooperateurs", "cooperateur"),
    ("cooperatrice", "cooperateur"),
    ("cooperatrices", "cooperateur"),
    ("cooperator", "cooperateur"),
    ("cooperators", "cooperateur"),
    // The doctrine.
    ("cooperativisme", "cooperativisme"),
    ("cooperativism", "cooperativisme"),
    // The mutual (the mutual society, its adjective, the movement), its French and English
    // names joined; the stemmers merge mutualité and English mutual with mutualisation.
    ("mutuelle", "mutuelle"),
    ("mutuelles", "mutuelle"),
    ("mutuel", "mutuelle"),
    ("mutuels", "mutuelle"),
    ("mutual", "mutuelle"),
    ("mutuals", "mutuelle"),
    ("mutualite", "mutuelle"),
    ("mutualites", "mutuelle"),
    ("mutualiste", "mutuelle"),
    ("mutualistes", "mutuelle"),
    ("mutualist", "mutuelle"),
    ("mutualists", "mutuelle"),
    // Pooling (mutualisation) is a practice, apart from the mutual.
    ("mutualisation", "mutualisation"),
    ("mutualisations", "mutualisation"),
    ("mutualization", "mutualisation"),
    ("mutualiser", "mutualisation"),
    ("mutualise", "mutualisation"),
    ("mutualises", "mutualisation"),
    ("mutualisee", "mutualisation"),
    ("mutualisees", "mutualisation"),
    // The doctrine (also biology's).
    ("mutualisme", "mutualisme"),
    ("mutualism", "mutualisme"),
    // The association (the organisation) with its adjective associatif / associative, apart
    // from associé / associate (a partner), which the stemmers merge with it.
    ("association", "association"),
    ("associations", "association"),
    ("associatif", "association"),
    ("associatifs", "association"),
    ("associative", "association"),
    ("associatives", "association"),
    ("associationnisme", "associationnisme"),
    ("associationism", "associationnisme"),
    // entreprise = enterprise ("entreprise sociale" = "social enterprise"), which the stemmers
    // cut to two stems; entrepreneurship (the activity) stays apart from the firm.
    ("entreprise", "entreprise"),
    ("entreprises", "entreprise"),
    ("enterprise", "entreprise"),
    ("enterprises", "entreprise"),
    ("entreprenariat", "entrepreneuriat"),
    ("entrepreneurship", "entrepreneuriat"),
    // Socialism is not the social economy: the English stemmer cuts socialism to "social".
    ("socialisme", "socialisme"),
    ("socialism", "socialisme"),
    ("socialiste", "socialiste"),
    ("socialistes", "socialiste"),
    ("socialist", "socialiste"),
    ("socialists", "socialiste"),
    // les communs = the commons, apart from common (the adjective), as the thesaurus keeps
    // them ("=commons"); communauté = community in both languages.
    ("commons", "commun"),
    ("communaute", "communaute"),
    ("communautes", "communaute"),
    ("community", "communaute"),
    ("communities", "communaute"),
    // Currencies ("monnaies locales"): the French stemmer cuts monnaie to "mon" (my).
    ("monnaie", "monnaie"),
    ("monnaies", "monnaie"),
    // Housing: the French stemmer cuts logement to "log".
    ("logement", "logement"),
    ("logements", "logement"),
    // Finance ("finance solidaire"): the stemmers cut the feminine financière apart from
    // finance and financier.
    ("financiere", "financ"),
    ("financieres", "financ"),
    // The organisation, in both spellings and languages, apart from organ (the stemmers'
    // `organ`).
    ("organisation", "organisation"),
    ("organisations", "organisation"),
    ("organization", "organisation"),
    ("organizations", "organisation"),
];

/// Stems of [`OVERRIDES`] that are also what the stemmers make of other words, on purpose:
/// "commons" joins the French "communs" (`commun`), "entreprenariat" and "entrepreneurship" join
/// "entrepreneuriat", which the stemmers leave whole, financière joins finance (`financ`).
#[cfg(test)]
const JOINED_STEMS: &[&str] = &["commun", "entrepreneuriat", "financ"];

/// The fixed stem of a folded word, if the table has one.
pub fn overridden(folded: &str) -> Option<&'static str> {
    OVERRIDES
        .iter()
        .find(|(word, _)| *word == folded)
        .map(|(_, stem)| *stem)
}

/// The token filter: a word of [`OVERRIDES`] becomes its stem, any other goes through the
/// English stemmer and then the French one. Expects lowercased, folded tokens.
#[derive(Clone)]
pub struct EssStemmer;

impl TokenFilter for EssStemmer {
    type Tokenizer<T: Tokenizer> = EssStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EssStemmerFilter<T> {
        EssStemmerFilter {
            inner: tokenizer,
            stemmers: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .filter(Stemmer::new(Language::French))
                .build(),
        }
    }
}

#[derive(Clone)]
pub struct EssStemmerFilter<T> {
    inner: T,
    /// Both stemmers over one word.
    stemmers: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for EssStemmerFilter<T> {
    type TokenStream<'a> = EssStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EssStemmerStream {
            tail: self.inner.token_stream(text),
            stemmers: &mut self.stemmers,
        }
    }
}

pub struct EssStemmerStream<'a, T> {
    tail: T,
    stemmers: &'a mut TextAnalyzer,
}

impl<T: TokenStream> TokenStream for EssStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = overridden(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
        } else {
            let stem = {
                let mut stream = self.stemmers.token_stream(&token.text);
                stream.advance().then(|| stream.token().text.clone())
            };
            if let Some(stem) = stem {
                token.text = stem;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn stemmed(stemmers: &mut TextAnalyzer, word: &str) -> String {
        let mut stream = stemmers.token_stream(word);
        assert!(stream.advance());
        stream.token().text.clone()
    }

    fn plain_stemmers() -> TextAnalyzer {
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .filter(Stemmer::new(Language::French))
            .build()
    }

    #[test]
    fn the_table_holds_each_folded_word_once() {
        for (at, (word, stem)) in OVERRIDES.iter().enumerate() {
            assert_eq!(*word, crate::normalize::fold(word), "{word} is folded");
            assert!(stem.chars().all(|c| c.is_ascii_lowercase()), "{stem}");
            assert!(
                OVERRIDES[at + 1..].iter().all(|(other, _)| other != word),
                "{word} twice"
            );
        }
    }

    #[test]
    fn overridden_stems_meet_no_other_word_unless_joined_on_purpose() {
        // A stem the stemmers cut further is reached by no word outside the table.
        let mut stemmers = plain_stemmers();
        for (_, stem) in OVERRIDES {
            if JOINED_STEMS.contains(stem) {
                assert_eq!(&stemmed(&mut stemmers, stem), stem);
            } else {
                assert_ne!(&stemmed(&mut stemmers, stem), stem, "{stem}");
            }
        }
    }

    #[test]
    fn each_overridden_word_was_misread_by_the_stemmers() {
        // The table fixes what the stemmers get wrong; an entry they already agree with
        // would be dead weight. Each group's words reach one stem only through the table.
        let mut stemmers = plain_stemmers();
        let stems = |stemmers: &mut TextAnalyzer, target: &str| -> BTreeSet<String> {
            OVERRIDES
                .iter()
                .filter(|(_, stem)| *stem == target)
                .map(|(word, _)| stemmed(stemmers, word))
                .collect()
        };
        for target in [
            "cooperatif",
            "mutuelle",
            "association",
            "entreprise",
            "communaute",
        ] {
            assert!(stems(&mut stemmers, target).len() > 1, "{target}");
        }
        // And the pairs the review found merged were merged.
        assert_eq!(
            stemmed(&mut stemmers, "cooperatives"),
            stemmed(&mut stemmers, "cooperation")
        );
        assert_eq!(stemmed(&mut stemmers, "monnaie"), "mon");
        assert_eq!(
            stemmed(&mut stemmers, "socialism"),
            stemmed(&mut stemmers, "social")
        );
    }
}
