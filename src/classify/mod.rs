//! ESS themes: which themes of the social and solidarity economy a normalised record is about,
//! and how relevant it is to the ESS at all, with the terms that matched where. Pure: a
//! [`Thesaurus`] (from `thesaurus/ess-themes.toml`, whose header documents the format) is compiled
//! once, then [`Thesaurus::classify`] only tokenises and looks words up.
//!
//! Scores. Each matched term counts once per field: 3 in a title, 2 in keywords, 1 in an
//! abstract, times its theme's weight, times 0.3 for a weak (ambiguous) term, which counts only
//! when the record holds strong evidence of some theme. A theme's score is `1 - e^(-sum/3)`;
//! relevance is the same function of the sum over all themes. So "Économie sociale et
//! solidaire" as a keyword alone gives 0.63, in a title 0.78, a core term once in an abstract
//! 0.28; a record with no strong term scores 0. [`MIN_RELEVANCE`] is the threshold we
//! recommend for keeping a record of a mixed source.
//!
//! - `thesaurus.rs`: the file format and its checks ([`Thesaurus::parse`]);
//! - `compile.rs`: terms → phrases of token ids, and the lookup tables matching reads;
//! - `compiled.rs`: the compiled [`Thesaurus`] those tables make up;
//! - `words.rs`: the tokenizer (folding) and the light French/English stemmer, shared by terms
//!   and texts so that both are read alike;
//! - `matching.rs`: a record's texts → word positions → phrases found → scores.

mod compile;
mod compiled;
mod matching;
mod thesaurus;
mod words;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use compiled::{Theme, Thesaurus};
pub use thesaurus::ThesaurusError;

/// Relevance at and above which a record is about the ESS: a core term in the title or
/// keywords, or several in the abstract. Tested on the sample dumps and hand-written cases.
pub const MIN_RELEVANCE: f32 = 0.5;

/// The themes of one record, best first, and its ESS relevance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub themes: Vec<ThemeMatch>,
    /// 0.0 (no ESS evidence) to 1.0; see [`MIN_RELEVANCE`].
    pub relevance: f32,
}

/// A theme found in a record, with what made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeMatch {
    /// Theme id.
    pub theme: String,
    /// 0.0 to 1.0.
    pub score: f32,
    /// What counted, titles first.
    pub matches: Vec<TermMatch>,
}

/// A thesaurus term found in a record, and where. `field` is one of three names and `lang`
/// nearly always one of a few codes: both are lent from constants ([`known_lang`]) rather than
/// a string made for each match of each record, then copied into its work and freed (~1% of a
/// fresh build's CPU, BENCHMARKS.md, issue 17); they serialise as the strings they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermMatch {
    /// The thesaurus term.
    pub term: String,
    /// "title", "keywords" or "abstract".
    pub field: Cow<'static, str>,
    /// Language of the text it was found in (ISO 639-1), when known.
    pub lang: Option<Cow<'static, str>>,
}

/// `lang` lent from a constant when it is one of the languages most texts are in, else copied.
pub fn known_lang(lang: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 8] = ["fr", "en", "es", "pt", "de", "it", "ca", "eu"];
    match KNOWN.iter().find(|known| **known == lang) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(lang.to_owned()),
    }
}

/// Calls `each(folded, stem)` for every content word of `text`, read exactly as the thesaurus
/// reads texts (folded, stop words set aside, lightly stemmed), so that other stages (the
/// barometer's terms) group "Coopératives" with "coopérative" and "cooperatives" as
/// classification does.
pub fn for_each_content_word(text: &str, mut each: impl FnMut(&str, &str)) {
    let mut word = String::new();
    let mut buffer = String::new();
    words::for_each_word(text, &mut word, |folded, _case| {
        if !words::is_stop_word(folded) {
            let stem = words::stem(folded, &mut buffer);
            each(folded, stem);
        }
    });
}

#[cfg(test)]
mod tests;
