//! Language codes and names as repositories write them ("fre", "fra", "French", "français",
//! "fr_FR", "en-US") reduced to ISO 639-1.

use super::text::fold;
use super::{Problem, Text, Title};
use crate::map::Record;

/// Why a language value gave no ISO 639-1 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LanguageError {
    #[error("unknown language \"{0}\"")]
    Unknown(String),
}

/// (ISO 639-1, ISO 639-2/T, ISO 639-2/B, folded names in English, French and the language itself).
/// The languages theses of French-speaking repositories are written in, and their neighbours.
const LANGUAGES: &[(&str, &str, &str, &[&str])] = &[
    ("fr", "fra", "fre", &["french", "francais", "francaise"]),
    ("en", "eng", "eng", &["english", "anglais", "anglaise"]),
    (
        "es",
        "spa",
        "spa",
        &["spanish", "espagnol", "espanol", "castellano", "castillan"],
    ),
    (
        "pt",
        "por",
        "por",
        &["portuguese", "portugais", "portugues"],
    ),
    ("de", "deu", "ger", &["german", "allemand", "deutsch"]),
    ("it", "ita", "ita", &["italian", "italien", "italiano"]),
    (
        "nl",
        "nld",
        "dut",
        &["dutch", "neerlandais", "nederlands", "flemish", "flamand"],
    ),
    ("ca", "cat", "cat", &["catalan", "catala"]),
    ("eu", "eus", "baq", &["basque", "euskara"]),
    ("br", "bre", "bre", &["breton", "brezhoneg"]),
    ("oc", "oci", "oci", &["occitan"]),
    ("co", "cos", "cos", &["corsican", "corse"]),
    ("ar", "ara", "ara", &["arabic", "arabe"]),
    ("zh", "zho", "chi", &["chinese", "chinois", "mandarin"]),
    ("ja", "jpn", "jpn", &["japanese", "japonais"]),
    ("ko", "kor", "kor", &["korean", "coreen"]),
    ("ru", "rus", "rus", &["russian", "russe"]),
    ("pl", "pol", "pol", &["polish", "polonais", "polski"]),
    ("cs", "ces", "cze", &["czech", "tcheque"]),
    ("sk", "slk", "slo", &["slovak", "slovaque"]),
    ("hu", "hun", "hun", &["hungarian", "hongrois", "magyar"]),
    ("ro", "ron", "rum", &["romanian", "roumain", "romana"]),
    ("bg", "bul", "bul", &["bulgarian", "bulgare"]),
    ("el", "ell", "gre", &["greek", "grec"]),
    ("tr", "tur", "tur", &["turkish", "turc", "turkce"]),
    ("sv", "swe", "swe", &["swedish", "suedois", "svenska"]),
    ("da", "dan", "dan", &["danish", "danois", "dansk"]),
    ("no", "nor", "nor", &["norwegian", "norvegien", "norsk"]),
    ("nb", "nob", "nob", &["norwegian bokmal", "bokmal"]),
    ("fi", "fin", "fin", &["finnish", "finnois", "suomi"]),
    ("et", "est", "est", &["estonian", "estonien"]),
    ("lv", "lav", "lav", &["latvian", "letton"]),
    ("lt", "lit", "lit", &["lithuanian", "lituanien"]),
    ("uk", "ukr", "ukr", &["ukrainian", "ukrainien"]),
    ("hr", "hrv", "hrv", &["croatian", "croate"]),
    ("sr", "srp", "srp", &["serbian", "serbe"]),
    ("sl", "slv", "slv", &["slovenian", "slovene"]),
    ("he", "heb", "heb", &["hebrew", "hebreu"]),
    ("fa", "fas", "per", &["persian", "persan", "farsi"]),
    ("hi", "hin", "hin", &["hindi"]),
    ("vi", "vie", "vie", &["vietnamese", "vietnamien"]),
    ("th", "tha", "tha", &["thai", "thailandais"]),
    ("id", "ind", "ind", &["indonesian", "indonesien"]),
    ("ms", "msa", "may", &["malay", "malais"]),
    ("sw", "swa", "swa", &["swahili"]),
    ("wo", "wol", "wol", &["wolof"]),
    (
        "ht",
        "hat",
        "hat",
        &["haitian", "haitian creole", "creole haitien"],
    ),
    ("la", "lat", "lat", &["latin"]),
    ("gl", "glg", "glg", &["galician", "galicien", "galego"]),
    ("ga", "gle", "gle", &["irish", "irlandais"]),
    ("cy", "cym", "wel", &["welsh", "gallois"]),
    ("is", "isl", "ice", &["icelandic", "islandais"]),
    ("sq", "sqi", "alb", &["albanian", "albanais"]),
    ("hy", "hye", "arm", &["armenian", "armenien"]),
    ("ka", "kat", "geo", &["georgian", "georgien"]),
    ("mg", "mlg", "mlg", &["malagasy", "malgache"]),
    ("eo", "epo", "epo", &["esperanto"]),
];

/// ISO 639 codes that say "no single language" (multiple, undetermined, no linguistic content):
/// not an error, but not a language either.
const NO_LANGUAGE: &[&str] = &["mul", "und", "zxx", "mis", "multilingue", "multilingual"];

/// The ISO 639-1 code of a language value, `Ok(None)` for "multiple"/"undetermined".
pub fn language_code(value: &str) -> Result<Option<&'static str>, LanguageError> {
    // The values nearly every record carries, without folding or scanning the table.
    match value {
        "fr" | "fre" | "fra" => return Ok(Some("fr")),
        "en" | "eng" => return Ok(Some("en")),
        _ => {}
    }
    let folded = fold(value.trim());
    let folded = folded.trim_matches(|c: char| !c.is_alphanumeric());
    if NO_LANGUAGE.contains(&folded) {
        return Ok(None);
    }
    // "fr_FR", "en-US", "pt-BR", "fra-FR": the language subtag comes first.
    let primary = folded
        .split(['-', '_'])
        .next()
        .filter(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    for (code1, code2t, code2b, names) in LANGUAGES {
        let by_code = primary.is_some_and(|p| p == *code1 || p == *code2t || p == *code2b);
        if by_code || names.contains(&folded) {
            return Ok(Some(code1));
        }
    }
    Err(LanguageError::Unknown(value.trim().to_owned()))
}

/// An `xml:lang` attribute as ISO 639-1, `None` when absent or not a language.
pub fn lang_attribute(value: Option<&str>) -> Option<String> {
    value
        .and_then(|v| language_code(v).ok().flatten())
        .map(str::to_owned)
}

/// The record's language: the first `dc:language` that names one, else the majority `xml:lang`
/// of titles and abstracts.
pub(super) fn language(
    record: &Record,
    titles: &[Title],
    abstracts: &[Text],
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut found = None;
    for value in &record.languages {
        match language_code(value) {
            Ok(Some(code)) => {
                found.get_or_insert(code);
            }
            Ok(None) => {}
            Err(error) => problems.push(Problem::new("language", error.to_string())),
        }
    }
    if let Some(code) = found {
        return Some(code.to_owned());
    }
    let langs: Vec<&str> = titles
        .iter()
        .filter_map(|t| t.lang.as_deref())
        .chain(abstracts.iter().filter_map(|a| a.lang.as_deref()))
        .collect();
    let mut best: Option<(&str, usize)> = None;
    for lang in &langs {
        let count = langs.iter().filter(|l| *l == lang).count();
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((lang, count));
        }
    }
    best.map(|(lang, _)| lang.to_owned())
}

/// A text without `xml:lang` is assumed to be in the record's language when no other text of
/// the list already is (the main title of a French thesis whose English title is tagged).
pub(super) fn assume_language<T>(
    items: &mut [T],
    language: &str,
    lang: impl Fn(&mut T) -> &mut Option<String>,
) {
    let mut untagged = None;
    for (index, item) in items.iter_mut().enumerate() {
        match lang(item).as_deref() {
            Some(tagged) if tagged == language => return,
            None if untagged.is_none() => untagged = Some(index),
            _ => {}
        }
    }
    if let Some(index) = untagged {
        *lang(&mut items[index]) = Some(language.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_in_every_form_become_iso_639_1() {
        for value in [
            "fre",
            "fra",
            "fr",
            "French",
            "français",
            "Français",
            "fr_FR",
            "fr-CA",
            "FRE",
        ] {
            assert_eq!(language_code(value), Ok(Some("fr")), "{value}");
        }
        for value in ["eng", "en", "English", "anglais", "en-US", "en_GB"] {
            assert_eq!(language_code(value), Ok(Some("en")), "{value}");
        }
        assert_eq!(language_code("spa"), Ok(Some("es")));
        assert_eq!(language_code("Español"), Ok(Some("es")));
        assert_eq!(language_code("pt-BR"), Ok(Some("pt")));
        assert_eq!(language_code("ger"), Ok(Some("de")));
        assert_eq!(language_code("Deutsch"), Ok(Some("de")));
        assert_eq!(language_code("baq"), Ok(Some("eu")));
    }

    #[test]
    fn multiple_or_undetermined_is_no_language_and_unknown_is_an_error() {
        assert_eq!(language_code("und"), Ok(None));
        assert_eq!(language_code("mul"), Ok(None));
        assert_eq!(
            language_code("xx").unwrap_err().to_string(),
            "unknown language \"xx\""
        );
        assert!(language_code("Klingon").is_err());
        assert_eq!(lang_attribute(Some("fr-FR")), Some("fr".into()));
        assert_eq!(lang_attribute(Some("qq")), None);
        assert_eq!(lang_attribute(None), None);
    }
}
