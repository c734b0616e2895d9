//! The index's schema: which fields a work becomes, how their text is analysed, and the version
//! number that says when an index on disk no longer matches this code.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenizerManager,
};

use super::word_memo::WordMemo;

/// Bumped whenever the fields or analysers change: an index written with another version is
/// deleted and rebuilt from the store at open (it is derived data).
pub const SCHEMA_VERSION: u32 = 1;

/// French: lowercased, accents folded, then stemmed (chevaux → cheval, coopératives →
/// cooperat). Folding comes first so that a query typed without accents stems the same way.
pub const FRENCH: &str = "essor_fr";
/// English: the same chain with the English stemmer (cooperatives → cooper).
pub const ENGLISH: &str = "essor_en";
/// Names: lowercased and folded, never stemmed (Dupont must not match Duponts' stem).
pub const FOLDED: &str = "essor_folded";

/// Tokens longer than this are dropped: URLs and glued words that nobody searches for.
const MAX_TOKEN_BYTES: usize = 40;

/// The analysers the schema names, registered on every open (tantivy does not persist them).
pub fn register_tokenizers(manager: &TokenizerManager) {
    manager.register(FRENCH, stemmed(Language::French));
    manager.register(ENGLISH, stemmed(Language::English));
    manager.register(
        FOLDED,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

fn stemmed(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(WordMemo::new(stemmed_word(language)))
        .build()
}

/// What [`stemmed`] makes of each word, remembered by [`WordMemo`] (stemming is most of the
/// cost of indexing a text).
pub(super) fn stemmed_word(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(WordMemo::word_tokenizer())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
}

/// The fields, by role. Texts written in either language are indexed twice, once per
/// analyser: the `lang` of harvested values is too often missing or wrong to pick one.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The work id: stored (returned with hits), indexed (updates delete by it) and fast (the
    /// cursor's tie-break compares it).
    pub id: Field,
    pub title_fr: Field,
    pub title_en: Field,
    pub abstract_fr: Field,
    pub abstract_en: Field,
    pub keyword_fr: Field,
    pub keyword_en: Field,
    pub discipline_fr: Field,
    pub discipline_en: Field,
    /// Authors' display and family names, folded.
    pub author: Field,
    /// Advisors' display and family names, folded.
    pub advisor: Field,
    /// The institution as words, folded (the exact string is `f_institution`).
    pub institution: Field,
    /// Keyword fields for filters and facets (exact strings, fast).
    pub f_type: Field,
    pub f_institution: Field,
    pub f_region: Field,
    pub f_language: Field,
    pub f_theme: Field,
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
    pub const F_TYPE: &str = "f_type";
    pub const F_INSTITUTION: &str = "f_institution";
    pub const F_REGION: &str = "f_region";
    pub const F_LANGUAGE: &str = "f_language";
    pub const F_THEME: &str = "f_theme";
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
            title_fr: builder.add_text_field("title_fr", text(FRENCH)),
            title_en: builder.add_text_field("title_en", text(ENGLISH)),
            abstract_fr: builder.add_text_field("abstract_fr", text(FRENCH)),
            abstract_en: builder.add_text_field("abstract_en", text(ENGLISH)),
            keyword_fr: builder.add_text_field("keyword_fr", text(FRENCH)),
            keyword_en: builder.add_text_field("keyword_en", text(ENGLISH)),
            discipline_fr: builder.add_text_field("discipline_fr", text(FRENCH)),
            discipline_en: builder.add_text_field("discipline_en", text(ENGLISH)),
            author: builder.add_text_field("author", text(FOLDED)),
            advisor: builder.add_text_field("advisor", text(FOLDED)),
            institution: builder.add_text_field("institution", text(FOLDED)),
            f_type: builder.add_text_field(names::F_TYPE, keyword.clone()),
            f_institution: builder.add_text_field(names::F_INSTITUTION, keyword.clone()),
            f_region: builder.add_text_field(names::F_REGION, keyword.clone()),
            f_language: builder.add_text_field(names::F_LANGUAGE, keyword.clone()),
            f_theme: builder.add_text_field(names::F_THEME, keyword.clone()),
            f_source: builder.add_text_field(names::F_SOURCE, keyword.clone()),
            f_access: builder.add_text_field(names::F_ACCESS, keyword),
            year: builder.add_i64_field(names::YEAR, INDEXED | FAST),
            date: builder.add_i64_field(names::DATE, FAST),
        };
        (builder.build(), fields)
    }

    /// The fields a query without `field:` searches, with their boosts: a word in a title or
    /// keyword says more about a work than one in its abstract.
    pub fn default_search(&self) -> Vec<(Field, f32)> {
        vec![
            (self.title_fr, 3.0),
            (self.title_en, 3.0),
            (self.keyword_fr, 2.0),
            (self.keyword_en, 2.0),
            (self.author, 2.0),
            (self.advisor, 1.0),
            (self.abstract_fr, 1.0),
            (self.abstract_en, 1.0),
            (self.discipline_fr, 1.0),
            (self.discipline_en, 1.0),
            (self.institution, 1.0),
        ]
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
    fn french_analyser_folds_then_stems() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        assert_eq!(
            tokens(&manager, FRENCH, "chevaux"),
            tokens(&manager, FRENCH, "cheval")
        );
        let accented = tokens(&manager, FRENCH, "Coopératives");
        assert_eq!(accented, tokens(&manager, FRENCH, "cooperatives"));
        assert_eq!(accented, tokens(&manager, FRENCH, "coopérative"));
    }

    #[test]
    fn english_analyser_stems() {
        let manager = TokenizerManager::default();
        register_tokenizers(&manager);
        assert_eq!(
            tokens(&manager, ENGLISH, "cooperatives"),
            tokens(&manager, ENGLISH, "cooperative")
        );
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
