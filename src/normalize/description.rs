//! What a record says it is about: its titles (subtitle split off), keywords (packed subjects
//! split, HAL domains set aside as discipline hints) and abstracts (notes dropped), cleaned and
//! each kept once.

use super::languages::lang_attribute;
use super::text::{clean_cow, split_subtitle, words_key};
use super::{Text, Title, clean_label, clean_text, fold, strip_tags, trim_label};
use crate::map::{LangText, Record};

/// Titles cleaned, each once (by folded text), with their subtitle split off.
pub(super) fn titles(record: &Record) -> Vec<Title> {
    let mut titles: Vec<Title> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for title in record.titles.iter().chain(&record.alternative_titles) {
        let text = clean_label(&title.value);
        if text.is_empty() {
            continue;
        }
        let key = words_key(&text);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let subtitle = split_subtitle(&text).map(|(_, sub)| sub.to_owned());
        titles.push(Title {
            lang: lang_attribute(title.lang.as_deref()),
            subtitle,
            text,
        });
    }
    titles
}

/// Keywords from subjects: packed lists split, HAL domain codes set aside as discipline hints
/// ("[SHS.ECO]Humanities and Social Sciences/Economics and Finance" → "Economics and Finance"),
/// classification numbers and form subdivisions dropped, each keyword once per language.
pub(super) fn keywords(subjects: &[LangText], domain_hints: &mut Vec<String>) -> Vec<Text> {
    let mut keywords: Vec<Text> = Vec::new();
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    for subject in subjects {
        let value = clean_cow(&subject.value);
        if let Some(hint) = hal_domain(&value) {
            if !domain_hints.contains(&hint) {
                domain_hints.push(hint);
            }
            continue;
        }
        if value
            .get(..13)
            .is_some_and(|p| p.eq_ignore_ascii_case("info:eu-repo/"))
            || value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ' ' | '-'))
        {
            continue;
        }
        let lang = lang_attribute(subject.lang.as_deref());
        for keyword in split_keywords(&value) {
            let keyword = trim_label(keyword);
            if keyword.is_empty() || is_form_subdivision(keyword) {
                continue;
            }
            // Case and accents: "ÉCONOMIE SOCIALE" repeats "Économie sociale".
            let key = (fold(keyword), lang.clone());
            if key.0.is_empty() || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            keywords.push(Text {
                text: keyword.to_owned(),
                lang: lang.clone(),
            });
        }
    }
    keywords
}

/// "[SHS.ECO]Humanities and Social Sciences/Economics and Finance" → "Economics and Finance".
fn hal_domain(value: &str) -> Option<String> {
    let rest = value.strip_prefix('[')?;
    let (code, label) = rest.split_once(']')?;
    let code_ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !code_ok {
        return None;
    }
    let last = label.rsplit('/').next().unwrap_or(label);
    // "Computer Science [cs]/Robotics [cs.RO]": drop the arXiv-like code.
    let last = match last.find(" [") {
        Some(index) => &last[..index],
        None => last,
    };
    let last = clean_label(last);
    (!last.is_empty()).then_some(last)
}

/// Splits a subject that packs several keywords: on ";" and " -- " (RAMEAU subdivisions)
/// always, on "," when it separates a list ("coopératives, mutuelles, associations") rather
/// than inverting a heading ("Raies, absorption", "Quasar, spectre").
fn split_keywords(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in value.split(';') {
        // " -- " is rare: the substring search only runs where a "--" is.
        if part.as_bytes().windows(2).any(|pair| pair == b"--") {
            for subdivision in part.split(" -- ") {
                split_list(subdivision, &mut out);
            }
        } else {
            split_list(part, &mut out);
        }
    }
    out
}

fn split_list<'a>(part: &'a str, out: &mut Vec<&'a str>) {
    let part = part.trim();
    if part.is_empty() {
        return;
    }
    let commas = part.bytes().filter(|b| *b == b',').count();
    let split = match commas {
        0 => false,
        1 => {
            let (first, second) = part.split_once(',').unwrap_or((part, ""));
            let first_upper = first.trim().starts_with(char::is_uppercase);
            let second_lower = second.trim().starts_with(char::is_lowercase);
            !(first_upper && second_lower)
        }
        _ => true,
    };
    if split && !is_form_subdivision(part) {
        out.extend(part.split(',').map(str::trim).filter(|p| !p.is_empty()));
    } else {
        out.push(part);
    }
}

fn is_form_subdivision(keyword: &str) -> bool {
    // Both headings are 20 to 40 bytes long: most keywords are not folded to find out.
    (20..=40).contains(&keyword.len())
        && matches!(
            fold(keyword).trim(),
            "theses et ecrits academiques" | "dissertations, academic" | "dissertations academic"
        )
}

/// Abstracts cleaned (entities, escaped HTML, the indentation HAL keeps), placeholders and
/// administrative notes dropped, each once.
pub(super) fn abstracts(values: &[LangText]) -> Vec<Text> {
    let mut abstracts: Vec<Text> = Vec::new();
    for value in values {
        let cleaned = clean_text(&value.value);
        let text = if cleaned.contains('<') {
            clean_text(&strip_tags(&cleaned))
        } else {
            cleaned
        };
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < 40 || is_note(&text) {
            continue;
        }
        if abstracts.iter().any(|a| a.text == text) {
            continue;
        }
        abstracts.push(Text {
            text,
            lang: lang_attribute(value.lang.as_deref()),
        });
    }
    abstracts
}

/// Descriptions that are cataloguing notes, not abstracts.
fn is_note(text: &str) -> bool {
    let start: String = text.chars().take(80).collect();
    let folded = fold(&start);
    [
        "these numerisee",
        "memoire numerise",
        "includes bibliographical references",
        "comprend des references bibliographiques",
        "bibliogr.",
        "ce memoire a ete depose",
        "cette these a ete deposee",
    ]
    .iter()
    .any(|note| folded.starts_with(note))
}
