//! Word pairs ("shingles"), hashed: a token filter that turns a stream of analysed words into
//! one token per pair of adjacent words, the pair's bucket among [`BUCKETS`] (`"econom
//! solidair"` → `"p3f2a"`). A phrase's pairs are much rarer than its words, so the works
//! holding the buckets of all its pairs are few, and only theirs need their positions checked
//! (the query keeps the phrase itself as the judge: a bucket also holds other pairs).
//!
//! Hashed rather than the pairs themselves: every distinct pair of words would be a term, tens
//! of millions of them over a million abstracts, and indexing them cost five times the rest of
//! the index (BENCHMARKS.md); collisions add false candidates, which the positions reject.
//! Words a filter before this one removed (an over-long token) leave a gap in positions: no
//! pair spans a gap, as no phrase does.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Buckets of pairs: enough that a bucket is rare (about 3,000 works each at a million
/// 200-word abstracts, a few hundred for a short text), few enough that the term dictionary
/// stays small: at 2^20 buckets indexing cost three times main's (dictionaries of a million
/// terms per segment to build and merge), at 2^16 twice (BENCHMARKS.md).
pub const BUCKETS: u64 = 1 << 16;

/// The bucket of a pair of analysed words, as the token indexed: FNV-1a (stable across
/// versions and runs, unlike std's hasher: an index outlives the process), reduced to [`BUCKETS`].
fn bucket(first: &str, second: &str, out: &mut String) {
    let mut hash = crate::fnv::Fnv1a::default();
    hash.write(first.as_bytes());
    hash.write(b" ");
    hash.write(second.as_bytes());
    out.clear();
    out.push('p');
    push_hex(hash.finish() % BUCKETS, out);
}

/// `value` in lower-case hexadecimal without leading zeros, as `{:x}` writes it: by hand, since
/// `write!` was 2.2% of a fresh build's CPU (once per pair token; BENCHMARKS.md, issue 17).
fn push_hex(value: u64, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = (u64::BITS - value.leading_zeros()).div_ceil(4).max(1);
    for digit in (0..digits).rev() {
        out.push(char::from(DIGITS[((value >> (4 * digit)) & 0xf) as usize]));
    }
}

/// The filter: see the module's documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct PairFilter;

impl TokenFilter for PairFilter {
    type Tokenizer<T: Tokenizer> = PairTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> PairTokenizer<T> {
        PairTokenizer { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct PairTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for PairTokenizer<T> {
    type TokenStream<'a> = PairStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        PairStream {
            tail: self.inner.token_stream(text),
            previous: None,
            previous_text: String::new(),
            pair: Token::default(),
        }
    }
}

pub struct PairStream<S> {
    tail: S,
    /// The last word read: (position, start offset); its text is `previous_text`.
    previous: Option<(usize, usize)>,
    /// The last word's text, in a buffer reused from word to word: a copy allocated per word
    /// was a malloc and a free for every pair token indexed.
    previous_text: String,
    pair: Token,
}

impl<S: TokenStream> TokenStream for PairStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let word = self.tail.token();
            let previous = self.previous.replace((word.position, word.offset_from));
            let adjacent = previous.filter(|&(position, _)| position + 1 == word.position);
            if adjacent.is_some() {
                bucket(&self.previous_text, &word.text, &mut self.pair.text);
            }
            self.previous_text.clear();
            self.previous_text.push_str(&word.text);
            let Some((position, offset_from)) = adjacent else {
                continue;
            };
            self.pair.position = position;
            self.pair.offset_from = offset_from;
            self.pair.offset_to = word.offset_to;
            self.pair.position_length = 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.pair
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pair
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer, TextAnalyzer};

    use super::*;

    fn pairs(text: &str) -> Vec<(usize, String)> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(8))
            .filter(PairFilter)
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut all = Vec::new();
        while stream.advance() {
            let token = stream.token();
            all.push((token.position, token.text.clone()));
        }
        all
    }

    fn bucket_of(first: &str, second: &str) -> String {
        let mut out = String::new();
        bucket(first, second, &mut out);
        out
    }

    #[test]
    fn hex_by_hand_is_what_format_writes() {
        let values = (0..=BUCKETS + 17).chain([u64::MAX, u64::MAX >> 3, 1 << 63, 0xabc_def0]);
        for value in values {
            let mut out = String::from("stale");
            out.clear();
            push_hex(value, &mut out);
            assert_eq!(out, format!("{value:x}"));
        }
    }

    #[test]
    fn adjacent_words_become_buckets_at_the_first_word_position() {
        assert_eq!(
            pairs("le cheval blanc"),
            [
                (0, bucket_of("le", "cheval")),
                (1, bucket_of("cheval", "blanc"))
            ]
        );
        assert_ne!(
            bucket_of("le", "cheval"),
            bucket_of("cheval", "le"),
            "ordered"
        );
        // Stable across runs and versions: indexes on disk depend on it (FNV-1a of
        // "econom solidair", modulo 2^16, computed apart).
        assert_eq!(bucket_of("econom", "solidair"), "pab4d");
        assert!(
            bucket_of("a", "b").len() <= 6,
            "p and five hex digits at most"
        );
    }

    /// Every pair with its position and offsets, as the words the filter reads give them: the
    /// first word's position and start, the second's end, the bucket of both.
    #[test]
    fn pairs_are_those_of_the_adjacent_words_read() {
        let texts = [
            "le cheval blanc du roi",
            "a overlongword b c overlongword overlongword d e",
            "Économie sociale et solidaire, économie sociale",
            "x",
            "un deux trois quatre cinq six sept huit neuf dix onze douze treize",
        ];
        let mut words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(8))
            .build();
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(8))
            .filter(PairFilter)
            .build();
        for text in texts {
            let mut read = Vec::new();
            words
                .token_stream(text)
                .process(&mut |token: &Token| read.push(token.clone()));
            let expected: Vec<(usize, usize, usize, String)> = read
                .windows(2)
                .filter(|two| two[0].position + 1 == two[1].position)
                .map(|two| {
                    let text = bucket_of(&two[0].text, &two[1].text);
                    (two[0].position, two[0].offset_from, two[1].offset_to, text)
                })
                .collect();
            let mut found = Vec::new();
            analyzer.token_stream(text).process(&mut |token: &Token| {
                found.push((
                    token.position,
                    token.offset_from,
                    token.offset_to,
                    token.text.clone(),
                ))
            });
            assert_eq!(found, expected, "{text}");
        }
    }

    #[test]
    fn one_word_makes_no_pair_and_no_pair_spans_a_removed_word() {
        assert!(pairs("cheval").is_empty());
        assert!(pairs("").is_empty());
        // "overlongword" is removed (8 bytes at most): "a" and "b" are not adjacent.
        assert_eq!(pairs("a overlongword b c"), [(2, bucket_of("b", "c"))]);
    }
}
