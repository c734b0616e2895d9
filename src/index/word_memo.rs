//! A memo in front of the analysers' per-word filters: each word a tokenizer emits is lowercased,
//! folded and stemmed once per analyser instance, then looked up. Indexing spent a third of its
//! time stemming the same few thousand words again (issue 17).
//!
//! The filters behind the memo (`RemoveLongFilter`, `LowerCaser`, `AsciiFoldingFilter`,
//! `Stemmer`) each map one token to at most one token, never looking at its neighbours, so a
//! word's result depends on the word alone: the memo gives exactly the tokens the plain chain
//! gives (same text, positions and offsets; tested), and the index's format does not change.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use foldhash::fast::{FixedState, RandomState};
use tantivy::tokenizer::{RawTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};

/// Words remembered per analyser instance before the memo starts afresh: about 100 bytes each,
/// and tantivy holds one instance per field analyser and indexing thread.
pub(super) const MEMO_WORDS: usize = 50_000;

/// Texts whose tokens a thread remembers ([`Replays`]): a work's document holds each text it
/// indexes three or four times (in its own field, in `text`, titles twice, in `pairs`), and
/// tantivy analyses a document's values field after field, so the texts of one document must
/// all fit.
const REPLAY_TEXTS: usize = 64;

/// The token filter: `words` is the per-word chain (built over [`RawTokenizer`], so that it
/// sees one word as one token), applied to each token of the tokenizer it follows.
#[derive(Clone)]
pub struct WordMemo {
    words: TextAnalyzer,
    /// This memo's identity, kept by its clones (tantivy clones an analyser per field and
    /// thread): texts analysed by one of them are replayed to the others ([`Replays`]), never to
    /// another chain's.
    chain: u64,
}

impl WordMemo {
    /// `words` must be a chain of per-token filters over [`RawTokenizer`]: its result for a word
    /// is remembered. Clone it into every analyser that tokenizes texts the same way before it
    /// (the same tokenizer), so that they replay each other's texts.
    pub fn new(words: TextAnalyzer) -> WordMemo {
        static CHAINS: AtomicU64 = AtomicU64::new(0);
        WordMemo {
            words,
            chain: CHAINS.fetch_add(1, Ordering::Relaxed),
        }
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
            chain: self.chain,
            memo: Memo::default(),
        }
    }
}

#[derive(Clone)]
pub struct WordMemoFilter<T> {
    inner: T,
    words: TextAnalyzer,
    chain: u64,
    /// word as tokenized → what the chain makes of it (`None`: dropped, e.g. too long).
    memo: Memo,
}

/// The tokens of the last [`REPLAY_TEXTS`] texts this thread's memos analysed to the end, by
/// (chain, text): a text analysed again (the same text in another field of the same document)
/// is replayed, not tokenized and looked up word by word again, which was most of the
/// analysers' part of indexing (BENCHMARKS.md, issue 17). The same chain over the same text
/// gives the same tokens, so a replay is exact.
#[derive(Default)]
struct Replays {
    texts: VecDeque<Replay>,
    /// What the replays dropped left: taken by the next text analysed.
    spare: Spare,
}

struct Replay {
    chain: u64,
    hash: u64,
    text: String,
    tokens: Rc<Vec<Token>>,
}

/// The buffers of replays dropped, for the next texts recorded: a recorded token's text was a
/// string allocated per token analysed (and freed when its replay was dropped), 1.5% of a fresh
/// build's CPU (BENCHMARKS.md, issue 17); a token taken from here is written into the text's
/// buffer it already has.
#[derive(Default)]
struct Spare {
    tokens: Vec<Token>,
    lists: Vec<Vec<Token>>,
    texts: Vec<String>,
}

/// Tokens kept spare at most (~100 bytes each with their text): more than the longest texts'.
const SPARE_TOKENS: usize = 8_192;

impl Spare {
    /// `from`'s tokens, copied into a spare token (a new one when none is left).
    fn token(&mut self, from: &Token) -> Token {
        let mut token = self.tokens.pop().unwrap_or_default();
        token.text.clear();
        token.text.push_str(&from.text);
        token.offset_from = from.offset_from;
        token.offset_to = from.offset_to;
        token.position = from.position;
        token.position_length = from.position_length;
        token
    }

    /// A dropped replay's buffers, kept while there are not too many.
    fn keep(&mut self, replay: Replay) {
        if self.texts.len() < REPLAY_TEXTS {
            self.texts.push(replay.text);
        }
        let Ok(mut tokens) = Rc::try_unwrap(replay.tokens) else {
            return; // a stream still replays them
        };
        let room = SPARE_TOKENS.saturating_sub(self.tokens.len());
        self.tokens.extend(tokens.drain(..).take(room));
        tokens.clear();
        if self.lists.len() < REPLAY_TEXTS {
            self.lists.push(tokens);
        }
    }

    /// Gives `other`'s buffers back beside these.
    fn absorb(&mut self, mut other: Spare) {
        if self.tokens.is_empty() {
            std::mem::swap(self, &mut other);
        }
        let room = SPARE_TOKENS.saturating_sub(self.tokens.len());
        self.tokens.extend(other.tokens.into_iter().take(room));
        let room = REPLAY_TEXTS.saturating_sub(self.lists.len());
        self.lists.extend(other.lists.into_iter().take(room));
        let room = REPLAY_TEXTS.saturating_sub(self.texts.len());
        self.texts.extend(other.texts.into_iter().take(room));
    }
}

thread_local! {
    static REPLAYS: RefCell<Replays> = RefCell::new(Replays::default());
}

fn text_hash(text: &str) -> u64 {
    FixedState::default().hash_one(text)
}

impl Replays {
    /// The tokens kept of `text` (`hash`) by `chain`. Newest first: a text is replayed a few
    /// fields after it was analysed, in the same document, so the scan oldest first went past
    /// most of the texts kept (470 instructions a call, 1.1% of a fresh build's: BENCHMARKS.md,
    /// issue 17). Any copy kept is exact, whichever is found.
    fn find(&self, chain: u64, hash: u64, text: &str) -> Option<Rc<Vec<Token>>> {
        self.texts
            .iter()
            .rev()
            .find(|one| one.chain == chain && one.hash == hash && one.text == text)
            .map(|one| one.tokens.clone())
    }

    /// Keeps the tokens `recorded` of `text` (`spare`: what the recording left of the buffers
    /// it took), dropping the oldest text kept when there are [`REPLAY_TEXTS`].
    fn keep(
        &mut self,
        (chain, hash, text): (u64, u64, &str),
        tokens: Rc<Vec<Token>>,
        spare: Spare,
    ) {
        self.spare.absorb(spare);
        if self.texts.len() >= REPLAY_TEXTS
            && let Some(dropped) = self.texts.pop_front()
        {
            self.spare.keep(dropped);
        }
        let mut kept = self.spare.texts.pop().unwrap_or_default();
        kept.clear();
        kept.push_str(text);
        self.texts.push_back(Replay {
            chain,
            hash,
            text: kept,
            tokens,
        });
    }
}

/// Each word remembered with what the per-word chain makes of it (`None`: dropped). Hashed with
/// foldhash: std's SipHash of every word took 8% of the indexing CPU (the words are ours to
/// index, not an attacker's to collide: a memo holds at most [`MEMO_WORDS`] and is seeded per
/// process anyway).
#[derive(Clone, Default)]
struct Memo {
    /// The words that fit in a [`Slot`] with their result (nearly all of them), kept in the
    /// table itself, so that a lookup reads one place of memory. As a `HashMap<String,
    /// Option<String>>` it read three (the table, the word's bytes it compared, the result's it
    /// copied), and the lookups were 4.9% of a fresh build's CPU, most of it waiting for memory
    /// (BENCHMARKS.md, issue 17).
    short: HashSet<Slot, RandomState>,
    /// The other words.
    long: HashMap<String, Option<String>, RandomState>,
}

impl Memo {
    /// What the chain made of `word` (`Some(None)`: it dropped it), `None` if not remembered.
    fn get(&self, word: &str) -> Option<Option<&str>> {
        if let Some(slot) = self.short.get(word.as_bytes()) {
            return Some(slot.analysed());
        }
        if self.long.is_empty() {
            return None;
        }
        self.long.get(word).map(Option::as_deref)
    }

    /// Remembers `word`'s result, starting afresh once [`MEMO_WORDS`] are remembered.
    fn insert(&mut self, word: &str, analysed: Option<&str>) {
        if self.short.len() + self.long.len() >= MEMO_WORDS {
            self.short.clear();
            self.long.clear();
        }
        match Slot::new(word, analysed) {
            Some(slot) => {
                self.short.insert(slot);
            }
            None => {
                self.long
                    .insert(word.to_owned(), analysed.map(str::to_owned));
            }
        }
    }
}

/// A word and its result in 32 bytes: the word's length, the result's ([`DROPPED`]: none), the
/// word's bytes, then the result's. Compared and hashed by the word alone (the result follows
/// from it), so that the memo is looked up by the word's bytes.
#[derive(Clone, Copy)]
struct Slot([u8; SLOT]);

const SLOT: usize = 32;
/// A slot's result length when the chain dropped the word (no length is: at most 30).
const DROPPED: u8 = u8::MAX;

impl Slot {
    /// `None` when the word and its result are too long for a slot together.
    fn new(word: &str, analysed: Option<&str>) -> Option<Slot> {
        let result = analysed.unwrap_or("");
        let end = 2 + word.len() + result.len();
        if end > SLOT {
            return None;
        }
        let mut bytes = [0u8; SLOT];
        bytes[0] = u8::try_from(word.len()).ok()?;
        bytes[1] = match analysed {
            Some(result) => u8::try_from(result.len()).ok()?,
            None => DROPPED,
        };
        bytes[2..2 + word.len()].copy_from_slice(word.as_bytes());
        bytes[2 + word.len()..end].copy_from_slice(result.as_bytes());
        Some(Slot(bytes))
    }

    fn word(&self) -> &[u8] {
        &self.0[2..2 + usize::from(self.0[0])]
    }

    fn analysed(&self) -> Option<&str> {
        let length = self.0[1];
        if length == DROPPED {
            return None;
        }
        let start = 2 + usize::from(self.0[0]);
        // The bytes of a `str`, copied whole: always UTF-8.
        std::str::from_utf8(&self.0[start..start + usize::from(length)]).ok()
    }
}

impl PartialEq for Slot {
    fn eq(&self, other: &Slot) -> bool {
        self.word() == other.word()
    }
}

impl Eq for Slot {}

/// As the word's bytes hash: the memo is looked up by them ([`Borrow`]).
impl Hash for Slot {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.word().hash(state);
    }
}

impl Borrow<[u8]> for Slot {
    fn borrow(&self) -> &[u8] {
        self.word()
    }
}

impl<T: Tokenizer> Tokenizer for WordMemoFilter<T> {
    type TokenStream<'a> = WordMemoStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let hash = text_hash(text);
        let found = REPLAYS.with_borrow(|replays| replays.find(self.chain, hash, text));
        let source = match found {
            Some(tokens) => Source::Replay {
                tokens,
                next: 0,
                changed: None,
            },
            None => {
                let mut spare =
                    REPLAYS.with_borrow_mut(|replays| std::mem::take(&mut replays.spare));
                Source::Analyse {
                    recorded: spare.lists.pop().unwrap_or_default(),
                    spare,
                    key: (self.chain, hash, text),
                }
            }
        };
        WordMemoStream {
            tail: self.inner.token_stream(text),
            words: &mut self.words,
            memo: &mut self.memo,
            source,
        }
    }
}

pub struct WordMemoStream<'a, T> {
    tail: T,
    words: &'a mut TextAnalyzer,
    memo: &'a mut Memo,
    source: Source<'a>,
}

/// Where a stream's tokens come from.
enum Source<'a> {
    /// A text analysed before: its tokens and the next to give. The one given is lent from
    /// `tokens` (copying each token's text into a token of the stream's own was a copy per
    /// token of most of what the index analyses), unless a filter after this one asked to
    /// change it: then it is `changed`, a copy of its own.
    Replay {
        tokens: Rc<Vec<Token>>,
        next: usize,
        changed: Option<Token>,
    },
    /// Analysed word by word, the tokens recorded (into buffers taken from `spare`) to be
    /// replayed once the text has been read to its end, under (chain, hash, text).
    Analyse {
        recorded: Vec<Token>,
        spare: Spare,
        key: (u64, u64, &'a str),
    },
}

impl<T: TokenStream> TokenStream for WordMemoStream<'_, T> {
    fn advance(&mut self) -> bool {
        if let Source::Replay {
            tokens,
            next,
            changed,
        } = &mut self.source
        {
            if *next >= tokens.len() {
                return false;
            }
            *next += 1;
            *changed = None;
            return true;
        }
        let more = self.advance_analysing();
        if let Source::Analyse {
            recorded,
            spare,
            key,
        } = &mut self.source
        {
            if more {
                recorded.push(spare.token(self.tail.token()));
                return true;
            }
            // Read to its end: kept for the next analysis of the same text, and this stream
            // ends as a replay that has given every token.
            let tokens = Rc::new(std::mem::take(recorded));
            let next = tokens.len();
            let spare = std::mem::take(spare);
            REPLAYS.with_borrow_mut(|replays| replays.keep(*key, tokens.clone(), spare));
            self.source = Source::Replay {
                tokens,
                next,
                changed: Some(Token::default()),
            };
        }
        more
    }

    fn token(&self) -> &Token {
        match &self.source {
            Source::Replay {
                changed: Some(token),
                ..
            } => token,
            Source::Replay { tokens, next, .. } => given(tokens, *next),
            Source::Analyse { .. } => self.tail.token(),
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match &mut self.source {
            Source::Replay {
                tokens,
                next,
                changed,
            } => changed.get_or_insert_with(|| given(tokens, *next).clone()),
            Source::Analyse { .. } => self.tail.token_mut(),
        }
    }
}

/// The token a replay gave last (`next` tokens given): before the first, a default token, as
/// a stream's token is before it advances.
fn given(tokens: &[Token], next: usize) -> &Token {
    static BEFORE: std::sync::OnceLock<Token> = std::sync::OnceLock::new();
    next.checked_sub(1)
        .and_then(|last| tokens.get(last))
        .unwrap_or_else(|| BEFORE.get_or_init(Token::default))
}

impl<T: TokenStream> WordMemoStream<'_, T> {
    /// The tail's next word through the memo (the per-word chain on a miss).
    fn advance_analysing(&mut self) -> bool {
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
            self.memo.insert(&token.text, analysed.as_deref());
            if let Some(analysed) = analysed {
                token.text = analysed;
                return true;
            }
        }
        false
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

    /// A text analysed again, by the same analyser or a clone of its memo, is replayed with the
    /// same tokens; a stream left before its end is not kept; another chain is never given the
    /// first one's tokens.
    #[test]
    fn texts_analysed_again_are_replayed_exactly_and_only_within_their_chain() {
        let mut plain_french = plain(Language::French);
        let mut french = memoized(Language::French);
        let mut clone = french.clone();
        for text in texts() {
            let expected = tokens(&mut plain_french, &text);
            let mut partial = french.token_stream(&text);
            assert!(partial.advance());
            drop(partial);
            for _ in 0..2 {
                assert_eq!(tokens(&mut french, &text), expected, "{text}");
                assert_eq!(tokens(&mut clone, &text), expected, "{text}");
            }
        }
        let text = "running cooperatives chevaux";
        tokens(&mut french, text);
        let mut english = memoized(Language::English);
        assert_eq!(
            tokens(&mut english, text),
            tokens(&mut plain(Language::English), text)
        );
        assert_ne!(tokens(&mut english, text), tokens(&mut french, text));
    }

    /// A filter after the memo that changes the tokens it is given (the stemmer here) changes
    /// the replayed ones as it changes analysed ones, and never the tokens kept for the next
    /// replay: an analyser sharing the memo without that filter still gets them unchanged.
    #[test]
    fn replayed_tokens_changed_after_the_memo_stay_unchanged_in_the_replay() {
        let folded = || {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(12))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build()
        };
        let memo = WordMemo::new(
            TextAnalyzer::builder(WordMemo::word_tokenizer())
                .filter(RemoveLongFilter::limit(12))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let mut stemmed = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(memo.clone())
            .filter(Stemmer::new(Language::English))
            .build();
        let mut unstemmed = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(memo)
            .build();
        let (mut plain, mut folded) = (plain(Language::English), folded());
        for text in texts() {
            let (expected_stemmed, expected_folded) =
                (tokens(&mut plain, &text), tokens(&mut folded, &text));
            assert_ne!(expected_stemmed, expected_folded);
            for _ in 0..2 {
                assert_eq!(tokens(&mut stemmed, &text), expected_stemmed, "{text}");
                assert_eq!(tokens(&mut unstemmed, &text), expected_folded, "{text}");
            }
        }
    }

    /// Words kept in a slot with their result and words too long for one come back alike, at
    /// a slot's bounds too.
    #[test]
    fn the_memo_gives_back_each_word_s_result_short_or_long() {
        let long_result = "coopérativesagricolesdelouest";
        let words: [(&str, Option<&str>); 9] = [
            ("Chevaux", Some("cheval")),
            ("x", None),
            ("", Some("")),
            ("Économies", Some("econom")),
            // 2 + 24 + 6 = 32: a slot's last byte.
            ("abcdefghijklmnopqrstuvwx", Some("abcdef")),
            // 33: one byte too many.
            ("abcdefghijklmnopqrstuvwxy", Some("abcdef")),
            ("anticonstitutionnellementaussiloin", None),
            (long_result, Some(long_result)),
            ("ΣΟΦΊΑ", Some("σοφια")),
        ];
        let mut memo = Memo::default();
        for (word, result) in words {
            assert_eq!(memo.get(word), None, "{word}");
            memo.insert(word, result);
        }
        for (word, result) in words {
            assert_eq!(memo.get(word), Some(result), "{word}");
        }
        assert_eq!(memo.get("Cheval"), None);
        assert_eq!((memo.short.len(), memo.long.len()), (6, 3));
    }

    #[test]
    fn long_words_are_dropped_from_the_memo_too() {
        let mut memoized = memoized(Language::French);
        for _ in 0..2 {
            let found = tokens(
                &mut memoized,
                "anticonstitutionnellement chevaux anticonstitutionnellementaussiloin",
            );
            assert_eq!(found, vec![("cheval".to_owned(), 1, 26, 33)]);
        }
    }
}
