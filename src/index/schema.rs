//! The index's schema: which fields a work becomes, how their text is analysed, and the version
//! number that says when an index on disk no longer matches this code.

use std::collections::HashMap;

use super::pairs::PairFilter;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    TokenizerManager,
};

use super::stems::EssStemmer;
use super::word_memo::{MEMO_WORDS, WordMemo};

/// Bumped whenever the fields or analysers change: an index written with another version is
/// deleted and rebuilt from the store at open (it is derived data).
pub const SCHEMA_VERSION: u32 = 7;

/// Words: lowercased, accents folded, then stemmed by the English stemmer and the result by the
/// French one (chevaux → cheval, economies → econom, shaped → shap), except the ESS words of
/// [`super::stems`]' table, which get a fixed stem (coopératives → cooperatif, apart from
/// coopération → cooperation). One chain for both
/// languages, so that a word is one term: the `lang` of harvested values is too often missing or
/// wrong to pick a stemmer, and two analysed copies of every text made each query word a union
/// of terms, which block-max pruning cannot skip through. Folding comes first so that a query
/// typed without accents stems the same way; English goes first because the French stemmer
/// cuts English endings (`-ed`, `-ing`) it does not know into stems the English one no longer
/// recognises.
pub const WORDS: &str = "essor_words";
/// The buckets of adjacent word pairs of [`WORDS`] (see [`super::pairs`]): phrases.
pub const PAIRS: &str = "essor_pairs";
/// Names: lowercased and folded, never stemmed (Dupont must not match Duponts' stem).
pub const FOLDED: &str = "essor_folded";

/// Tokens longer than this are dropped: URLs and glued words that nobody searches for.
pub(super) const MAX_TOKEN_BYTES: usize = 40;

/// The analysers the schema names, registered on every open (tantivy does not persist them).
pub fn register_tokenizers(manager: &TokenizerManager) {
    // One memo for both: `pairs` replays the words of the texts `text` and the fields analysed
    // in the same document (`word_memo::Replays`).
    let memo = WordMemo::new(stemmed_word());
    manager.register(WORDS, words_with(memo.clone()));
    manager.register(
        PAIRS,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(memo)
            .filter(PairFilter)
            .build(),
    );
    manager.register(
        FOLDED,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

/// The [`WORDS`] analyser (also used by the query side to see how many words a phrase has).
pub fn words() -> TextAnalyzer {
    words_with(WordMemo::new(stemmed_word()))
}

fn words_with(memo: WordMemo) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(memo)
        .build()
}

/// What [`words`] makes of each word, remembered by [`WordMemo`] (stemming is most of the
/// cost of indexing a text).
fn stemmed_word() -> TextAnalyzer {
    TextAnalyzer::builder(WordMemo::word_tokenizer())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(EssStemmer)
        .build()
}

/// The fields, by role.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The work id: stored (returned with hits), indexed (updates delete by it) and fast (the
    /// cursor's tie-break compares it).
    pub id: Field,
    /// Everything a query without `field:` searches, in one field so that a word is one term
    /// (one posting list: block-max WAND for one word, block-max intersection for several):
    /// abstracts (first: `abstract:` reads their positions, `abstracts.rs`), titles (twice: a
    /// title's words weigh more than an abstract's), keywords, discipline, persons and
    /// institution.
    pub text: Field,
    /// The buckets of the adjacent word pairs of the same texts (once each): the candidates of
    /// a phrase.
    pub pairs: Field,
    pub title: Field,
    /// Never given a value: `abstract:` is answered from `text`, whose first values are the
    /// abstracts (`abstracts.rs`). The query parser only names it, in the placeholders of
    /// [`super::abstracts::InAbstract`].
    pub abstract_check: Field,
    /// Where the abstracts end in `text`'s positions (`abstracts::positions_end`).
    pub abstract_end: Field,
    pub keyword: Field,
    pub discipline: Field,
    /// Authors' display and family names, folded.
    pub author: Field,
    /// Advisors' display and family names, folded.
    pub advisor: Field,
    /// The institution as words, folded (the exact string is `f_institution`).
    pub institution: Field,
    /// Keyword fields for filters and facets (exact strings, fast). Not the themes: kept beside
    /// the documents (`themes.rs`), a change of themes alone indexes no text again.
    pub f_type: Field,
    pub f_institution: Field,
    pub f_region: Field,
    pub f_language: Field,
    pub f_source: Field,
    pub f_access: Field,
    /// The year of the work's date, absent when it has none.
    pub year: Field,
    /// year × 10000 + month × 100 + day (0 for an unknown part), 0 when there is no date: the
    /// date sort's key, missing dates lowest.
    pub date: Field,
}

/// Schema field names, also used to read fast fields by name.
pub mod names {
    pub const ID: &str = "id";
    pub const PAIRS: &str = "pairs";
    pub const ABSTRACT_CHECK: &str = "abstract_check";
    pub const ABSTRACT_END: &str = "abstract_end";
    pub const F_TYPE: &str = "f_type";
    pub const F_INSTITUTION: &str = "f_institution";
    pub const F_REGION: &str = "f_region";
    pub const F_LANGUAGE: &str = "f_language";
    pub const F_SOURCE: &str = "f_source";
    pub const F_ACCESS: &str = "f_access";
    pub const YEAR: &str = "year";
    pub const DATE: &str = "date";
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let keyword = STRING | FAST;
        let fields = Fields {
            id: builder.add_text_field(names::ID, STRING | STORED | FAST),
            text: builder.add_text_field("text", text(WORDS)),
            // Frequencies (phrases are scored), no positions: the phrase over `text` checks
            // them.
            pairs: builder.add_text_field(
                names::PAIRS,
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(PAIRS)
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
            title: builder.add_text_field("title", text(WORDS)),
            // Each placeholder one raw term: the query parser turns it into a `TermQuery`.
            abstract_check: builder.add_text_field(names::ABSTRACT_CHECK, STRING),
            abstract_end: builder.add_u64_field(names::ABSTRACT_END, FAST),
            keyword: builder.add_text_field("keyword", text(WORDS)),
            discipline: builder.add_text_field("discipline", text(WORDS)),
            author: builder.add_text_field("author", text(FOLDED)),
            advisor: builder.add_text_field("advisor", text(FOLDED)),
            institution: builder.add_text_field("institution", text(FOLDED)),
            f_type: builder.add_text_field(names::F_TYPE, keyword.clone()),
            f_institution: builder.add_text_field(names::F_INSTITUTION, keyword.clone()),
            f_region: builder.add_text_field(names::F_REGION, keyword.clone()),
            f_language: builder.add_text_field(names::F_LANGUAGE, keyword.clone()),
            f_source: builder.add_text_field(names::F_SOURCE, keyword.clone()),
            f_access: builder.add_text_field(names::F_ACCESS, keyword),
            year: builder.add_i64_field(names::YEAR, INDEXED | FAST),
            date: builder.add_i64_field(names::DATE, FAST),
        };
        (builder.build(), fields)
    }
}

/// Single words stemmed as the index's text field stems them, for the pages' highlighting: a
/// word of a result is marked when its stem is a query word's stem, so the page marks exactly
/// what the search matched (coopération is not marked for "coopératives").
pub struct WordStems {
    words: TextAnalyzer,
    /// Each word's stem as asked (`None`: dropped), in front of the analyser: a page asks for
    /// the same words again and again, and a lookup costs less than the analyser's token
    /// stream (bounded as the analyser's own memo).
    memo: HashMap<Box<str>, Option<Box<str>>>,
}

impl Default for WordStems {
    fn default() -> WordStems {
        WordStems {
            words: words(),
            memo: HashMap::new(),
        }
    }
}

impl WordStems {
    /// The stem of `word` (one word: letters and digits), `None` when the analyser drops it.
    pub fn of(&mut self, word: &str) -> Option<&str> {
        if !self.memo.contains_key(word) {
            let mut stream = self.words.token_stream(word);
            let stem = stream
                .advance()
                .then(|| stream.token().text.as_str().into());
            if self.memo.len() >= MEMO_WORDS {
                self.memo.clear();
            }
            self.memo.insert(word.into(), stem);
        }
        self.memo.get(word).and_then(|stem| stem.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenStream;

    fn tokens(manager: &TokenizerManager, name: &str, text: &str) -> Vec<String> {
        let Some(mut analyzer) = manager.get(name) else {
            return Vec::new();
        };
        let mut stream = analyzer.token_stream(text);
        let mut all = Vec::new();
        while stream.advance() {
            all.push(stream.token().text.clone());
        }
        all
    }

    #[test]
    fn words_are_folded_then_stemmed_in_french_and_english() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        let same = |a: &str, b: &str| {
            assert_eq!(
                tokens(&manager, WORDS, a),
                tokens(&manager, WORDS, b),
                "{a} ~ {b}"
            );
        };
        same("chevaux", "cheval");
        same("Coopératives", "cooperatives");
        same("Coopératives", "coopérative");
        same("cooperatives", "cooperative");
        same("shaped", "shape");
        same("economies", "économie");
        same("workers", "worker");
        assert_ne!(
            tokens(&manager, WORDS, "cheval"),
            tokens(&manager, WORDS, "chèvre")
        );
    }

    #[test]
    fn ess_words_keep_their_meaning_through_the_stemmers() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        let stem = |word: &str| tokens(&manager, WORDS, word);
        let group = |words: &[&str]| {
            for word in words {
                assert_eq!(stem(word), stem(words[0]), "{word} ~ {}", words[0]);
            }
            stem(words[0])
        };
        // The enterprise and the practice, each in French and English, accents typed or not,
        // singular and plural, in capitals too.
        let cooperative = group(&[
            "coopérative",
            "Coopératives",
            "cooperatives",
            "COOPERATIVE",
            "coopératif",
            "coopératifs",
            "coops",
        ]);
        let cooperation = group(&[
            "coopération",
            "cooperations",
            "cooperation",
            "coopérer",
            "cooperating",
        ]);
        assert_ne!(cooperative, cooperation);
        let mutual = group(&["mutuelle", "Mutuelles", "mutuel", "mutuals", "mutualité"]);
        let pooling = group(&["mutualisation", "mutualiser", "mutualization"]);
        assert_ne!(mutual, pooling);
        let association = group(&["association", "associations", "associatif", "associatives"]);
        assert_ne!(association, stem("associés"));
        let enterprise = group(&["entreprise", "entreprises", "enterprise", "enterprises"]);
        let entrepreneurship = group(&["entrepreneuriat", "entrepreneurship"]);
        assert_ne!(enterprise, entrepreneurship);
        let socialism = group(&["socialisme", "socialism"]);
        assert_ne!(socialism, group(&["social", "sociale", "sociaux"]));
        let commons = group(&["commons", "communs", "commun"]);
        assert_ne!(commons, stem("common"));
        group(&["communauté", "communautés", "community", "communities"]);
        assert_ne!(group(&["monnaie", "monnaies"]), stem("mon"));
        assert_ne!(group(&["logement", "logements"]), stem("logs"));
        assert_ne!(group(&["organisation", "organizations"]), stem("organ"));
        // Left to the stemmers, on purpose (see `stems`).
        assert_ne!(stem("solidaire"), stem("solidarité"));
        assert_eq!(stem("solidarité"), stem("solidarity"));
        assert_ne!(stem("économie"), stem("économique"));
    }

    #[test]
    fn pairs_are_one_bucket_per_adjacent_stemmed_words() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        let phrase = tokens(&manager, PAIRS, "Économie sociale et solidaire");
        assert_eq!(phrase.len(), 3);
        assert_eq!(phrase[0], tokens(&manager, PAIRS, "economies sociales")[0]);
        assert_eq!(phrase[2], tokens(&manager, PAIRS, "et solidaires")[0]);
    }

    #[test]
    fn names_are_folded_not_stemmed() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        assert_eq!(
            tokens(&manager, FOLDED, "Hélène DUPONTS"),
            ["helene", "duponts"]
        );
    }
}
