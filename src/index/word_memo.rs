//! A memo in front of the analysers' per-word filters: each word a tokenizer emits is lowercased,
//! folded and stemmed once per analyser instance, then looked up. Indexing spent a third of its
//! time stemming the same few thousand words again (issue 17).
//!
//! The filters behind the memo (`RemoveLongFilter`, `LowerCaser`, `AsciiFoldingFilter`,
//! `Stemmer`) each map one token to at most one token, never looking at its neighbours, so a
//! word's result depends on the word alone: the memo gives exactly the tokens the plain chain
//! gives (same text, positions and offsets; tested), and the index's format does not change.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use tantivy::tokenizer::{RawTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};

/// Words remembered per analyser instance before the memo starts afresh: about 100 bytes each,
/// and tantivy holds one instance per field analyser and indexing thread.
pub(super) const MEMO_WORDS: usize = 50_000;

/// The token filter: `words` is the per-word chain (built over [`RawTokenizer`], so that it
/// sees one word as one token), applied to each token of the tokenizer it follows.
#[derive(Clone)]
pub struct WordMemo {
    words: TextAnalyzer,
}

impl WordMemo {
    /// `words` must be a chain of per-token filters over [`RawTokenizer`]: its result for a word
    /// is remembered.
    pub fn new(words: TextAnalyzer) -> WordMemo {
        WordMemo { words }
    }

    /// The per-word chain's base: one token per text.
    pub fn word_tokenizer() -> RawTokenizer {
        RawTokenizer::default()
    }
}

impl TokenFilter for WordMemo {
    type Tokenizer<T: Tokenizer> = WordMemoFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordMemoFilter<T> {
        WordMemoFilter {
            inner: tokenizer,
            words: self.words,
            memo: Memo::default(),
        }
    }
}

#[derive(Clone)]
pub struct WordMemoFilter<T> {
    inner: T,
    words: TextAnalyzer,
    /// word as tokenized → what the chain makes of it (`None`: dropped, e.g. too long).
    memo: Memo,
}

/// Hashed with foldhash: std's SipHash of every word took 8% of the indexing CPU (the words are
/// ours to index, not an attacker's to collide: each memo holds at most [`MEMO_WORDS`] and is
/// seeded per process anyway).
type Memo = HashMap<String, Option<String>, RandomState>;

impl<T: Tokenizer> Tokenizer for WordMemoFilter<T> {
    type TokenStream<'a> = WordMemoStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordMemoStream {
            tail: self.inner.token_stream(text),
            words: &mut self.words,
            memo: &mut self.memo,
        }
    }
}

pub struct WordMemoStream<'a, T> {
    tail: T,
    words: &'a mut TextAnalyzer,
    memo: &'a mut Memo,
}

impl<T: TokenStream> TokenStream for WordMemoStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            match self.memo.get(token.text.as_str()) {
                Some(Some(analysed)) => {
                    token.text.clear();
                    token.text.push_str(analysed);
                    return true;
                }
                Some(None) => continue,
                None => {}
            }
            let analysed = {
                let mut stream = self.words.token_stream(&token.text);
                stream.advance().then(|| stream.token().text.clone())
            };
            if self.memo.len() >= MEMO_WORDS {
                self.memo.clear();
            }
            self.memo.insert(token.text.clone(), analysed.clone());
            if let Some(analysed) = analysed {
                token.text = analysed;
                return true;
            }
        }
        false
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
    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    };

    use super::*;

    fn plain(language: Language) -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(12))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build()
    }

    fn memoized(language: Language) -> TextAnalyzer {
        let words = TextAnalyzer::builder(WordMemo::word_tokenizer())
            .filter(RemoveLongFilter::limit(12))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build();
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(WordMemo::new(words))
            .build()
    }

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        analyzer.token_stream(text).process(&mut |token: &Token| {
            out.push((
                token.text.clone(),
                token.position,
                token.offset_from,
                token.offset_to,
            ))
        });
        out
    }

    /// Texts of words drawn from accented, upper-case, long and repeated pieces, so that the
    /// memo both misses and hits, and drops words too long.
    fn texts() -> Vec<String> {
        let pieces = [
            "Coopératives",
            "coopérative",
            "CHEVAUX",
            "cheval",
            "l'économie",
            "sociale",
            "solidaire",
            "Économies",
            "anticonstitutionnellement",
            "ÉTÉ",
            "été",
            "œuvre",
            "Straße",
            "cooperatives",
            "running",
            "runs",
            "ΣΟΦΊΑ",
            "x",
            "12",
            "2024-2025",
            "inter-entreprises",
            "acteurs…",
            "naïveté",
            "d’insertion",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        (0..40)
            .map(|_| {
                (0..60)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        pieces[(state % pieces.len() as u64) as usize]
                    })
                    .collect::<Vec<_>>()
                    .join(if state.is_multiple_of(3) { ", " } else { " " })
            })
            .collect()
    }

    #[test]
    fn memoized_analysis_gives_the_tokens_of_the_plain_chain() {
        for language in [Language::French, Language::English] {
            let (mut plain, mut memoized) = (plain(language), memoized(language));
            for text in texts() {
                let expected = tokens(&mut plain, &text);
                assert!(!expected.is_empty());
                assert_eq!(tokens(&mut memoized, &text), expected, "{text}");
            }
        }
    }

    #[test]
    fn long_words_are_dropped_from_the_memo_too() {
        let mut memoized = memoized(Language::French);
        for _ in 0..2 {
            let found = tokens(&mut memoized, "anticonstitutionnellement chevaux");
            assert_eq!(found, vec![("cheval".to_owned(), 1, 26, 33)]);
        }
    }
}
