//! The thesaurus file format (documented at the top of `thesaurus/ess-themes.toml`) and its
//! checks: [`Thesaurus::parse`] reads a file and hands each term to the compiler.

use serde::Deserialize;

use super::compile::{Builder, term_keys};
use super::compiled::{Theme, Thesaurus};

pub(super) const BUILTIN: &str = include_str!("../../thesaurus/ess-themes.toml");

/// Why a thesaurus text was refused; names the entry at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThesaurusError {
    #[error("thesaurus: {0}")]
    Toml(String),
    #[error("thesaurus has no theme")]
    NoTheme,
    #[error("thesaurus theme #{index} \"{id}\": {reason}")]
    BadTheme {
        index: usize,
        id: String,
        reason: String,
    },
    #[error("thesaurus theme \"{theme}\", term \"{term}\": {reason}")]
    BadTerm {
        theme: String,
        term: String,
        reason: String,
    },
    #[error("thesaurus exclude \"{phrase}\": {reason}")]
    BadExclude { phrase: String, reason: String },
}

/// The thesaurus file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThesaurusSpec {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    theme: Vec<ThemeSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeSpec {
    id: String,
    fr: String,
    en: String,
    #[serde(default = "default_weight")]
    weight: f32,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
}

fn default_weight() -> f32 {
    1.0
}

impl Thesaurus {
    /// The thesaurus shipped with essor (`thesaurus/ess-themes.toml`, embedded at build time).
    /// Fails only if that file is broken, which its tests rule out.
    pub fn builtin() -> Result<Thesaurus, ThesaurusError> {
        Thesaurus::parse(BUILTIN)
    }

    /// Parses and compiles a thesaurus in the format documented at the top of
    /// `thesaurus/ess-themes.toml`.
    pub fn parse(text: &str) -> Result<Thesaurus, ThesaurusError> {
        let spec: ThesaurusSpec =
            toml::from_str(text).map_err(|e| ThesaurusError::Toml(e.to_string()))?;
        if spec.theme.is_empty() {
            return Err(ThesaurusError::NoTheme);
        }
        let mut builder = Builder::default();
        for (index, theme) in spec.theme.iter().enumerate() {
            let bad = |reason: &str| ThesaurusError::BadTheme {
                index: index + 1,
                id: theme.id.clone(),
                reason: reason.to_owned(),
            };
            if !is_kebab_case(&theme.id) {
                return Err(bad("id must be kebab-case (a-z, 0-9, single hyphens)"));
            }
            if builder.themes.iter().any(|t| t.id == theme.id) {
                return Err(bad("duplicate id"));
            }
            if theme.fr.trim().is_empty() || theme.en.trim().is_empty() {
                return Err(bad("fr and en labels are required"));
            }
            if !(theme.weight.is_finite() && theme.weight > 0.0 && theme.weight <= 3.0) {
                return Err(bad("weight must be above 0 and at most 3"));
            }
            if theme.terms.is_empty() {
                return Err(bad("at least one (strong) term is required"));
            }
            if builder.themes.len() >= usize::from(u16::MAX) {
                return Err(bad("too many themes"));
            }
            let theme_index = builder.themes.len() as u16;
            builder.themes.push(Theme {
                id: theme.id.clone(),
                fr: theme.fr.trim().to_owned(),
                en: theme.en.trim().to_owned(),
                weight: theme.weight,
            });
            for (list, weak) in [(&theme.terms, false), (&theme.weak, true)] {
                for term in list {
                    let bad_term = |reason| ThesaurusError::BadTerm {
                        theme: theme.id.clone(),
                        term: term.clone(),
                        reason,
                    };
                    let keys = term_keys(term).map_err(bad_term)?;
                    builder
                        .add_term(theme_index, term.trim_start_matches('='), weak, keys)
                        .map_err(bad_term)?;
                }
            }
        }
        for phrase in &spec.exclude {
            let keys = term_keys(phrase).map_err(|reason| ThesaurusError::BadExclude {
                phrase: phrase.clone(),
                reason,
            })?;
            builder
                .add_exclusion(keys)
                .map_err(|reason| ThesaurusError::BadExclude {
                    phrase: phrase.clone(),
                    reason,
                })?;
        }
        Ok(builder.finish())
    }

    /// The themes, in thesaurus order.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }
}

/// Theme ids as stored and published: a-z, 0-9, single hyphens.
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
