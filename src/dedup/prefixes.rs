//! The labels repositories add to a title to say what kind of document it is ("Mémoire de master
//! : …", "Thèse de doctorat en sociologie : …", "[Thesis] …", "… (Thèse)"): removed before titles
//! are compared, since another copy of the same work has the bare title. Pure.
//!
//! A label is a run of the words in [`LABEL_WORDS`] holding one of [`CORE_WORDS`]; at the start
//! of a title it must be followed by a separator (":", a dash, "."), so that "Mémoire et
//! territoire" keeps its first word; in brackets it may stand at either end. After "Thèse de
//! doctorat" or "Mémoire de master", "en <discipline>" up to the separator belongs to the label.

/// Words a document label is made of (folded).
const LABEL_WORDS: &[&str] = &[
    "these",
    "thesis",
    "memoire",
    "dissertation",
    "de",
    "d",
    "of",
    "doctorat",
    "doctorate",
    "doctoral",
    "phd",
    "ph",
    "master",
    "masters",
    "s",
    "m1",
    "m2",
    "1",
    "2",
    "fin",
    "etudes",
    "recherche",
    "research",
    "professionnel",
    "professionnelle",
    "msc",
    "ma",
];

/// A label names the kind of document with one of these.
const CORE_WORDS: &[&str] = &["these", "thesis", "memoire", "dissertation"];

/// Words of a discipline after "en" / "in" that may follow a label before its separator.
const MAX_DISCIPLINE_WORDS: usize = 5;

/// `title` without the document labels a repository put before or after it; the title itself
/// when it has none (or is nothing but a label).
pub fn strip_document_labels(title: &str) -> &str {
    let mut rest = title.trim();
    loop {
        let before = rest.len();
        rest = strip_leading_bracket(rest);
        rest = strip_leading_label(rest);
        rest = strip_trailing_bracket(rest);
        if rest.len() == before {
            break;
        }
    }
    if rest.chars().any(char::is_alphanumeric) {
        rest
    } else {
        title
    }
}

/// Folded alphanumeric words of `text`.
fn words(text: &str) -> Vec<String> {
    crate::normalize::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_label(words: &[String]) -> bool {
    !words.is_empty()
        && words.iter().all(|w| LABEL_WORDS.contains(&w.as_str()))
        && words.iter().any(|w| CORE_WORDS.contains(&w.as_str()))
}

/// "[Thesis] …", "(Thèse) …".
fn strip_leading_bracket(text: &str) -> &str {
    let close = match text.chars().next() {
        Some('[') => ']',
        Some('(') => ')',
        _ => return text,
    };
    match text.find(close) {
        Some(end) if is_label(&words(&text[1..end])) => text[end + 1..].trim_start(),
        _ => text,
    }
}

/// "… (Thèse)", "… [Thèse de doctorat]".
fn strip_trailing_bracket(text: &str) -> &str {
    let open = match text.chars().next_back() {
        Some(']') => '[',
        Some(')') => '(',
        _ => return text,
    };
    match text.rfind(open) {
        Some(start) if is_label(&words(&text[start + 1..text.len() - 1])) => {
            text[..start].trim_end()
        }
        _ => text,
    }
}

/// "Mémoire de Master 2 - …", "Thèse de doctorat en sociologie : …", "Master's thesis: …".
fn strip_leading_label(text: &str) -> &str {
    // The first separator: a colon, a dash between spaces or a full stop followed by a space.
    let Some((start, end)) = first_separator(text) else {
        return text;
    };
    let head = words(&text[..start]);
    let label_end = head
        .iter()
        .position(|w| !LABEL_WORDS.contains(&w.as_str()))
        .unwrap_or(head.len());
    let (label, discipline) = head.split_at(label_end);
    // "Thèse de doctorat en sociologie", not "Mémoire en Lorraine".
    let discipline_ok = discipline.is_empty()
        || (label.len() > 1
            && matches!(discipline[0].as_str(), "en" | "in")
            && discipline.len() <= MAX_DISCIPLINE_WORDS + 1);
    if is_label(label) && discipline_ok && text[end..].chars().any(char::is_alphanumeric) {
        text[end..].trim_start()
    } else {
        text
    }
}

fn first_separator(text: &str) -> Option<(usize, usize)> {
    let mut previous_space = false;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let next_space = chars.peek().is_some_and(|(_, n)| n.is_whitespace());
        let after = index + c.len_utf8();
        match c {
            ':' => return Some((index, after)),
            '-' | '–' | '—' if previous_space && next_space => return Some((index, after)),
            '.' if next_space => return Some((index, after)),
            _ => {}
        }
        previous_space = c.is_whitespace();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_prefixes_a_repository_adds_are_removed() {
        let bare = "Faire commun : les AMAP en Bretagne";
        for decorated in [
            "Mémoire de master : Faire commun : les AMAP en Bretagne",
            "Mémoire de Master 2 - Faire commun : les AMAP en Bretagne",
            "Mémoire de master 2 : Faire commun : les AMAP en Bretagne",
            "Mémoire de fin d'études : Faire commun : les AMAP en Bretagne",
            "Thèse de doctorat : Faire commun : les AMAP en Bretagne",
            "Thèse de doctorat en sociologie : Faire commun : les AMAP en Bretagne",
            "Thèse : Faire commun : les AMAP en Bretagne",
            "[Thesis] Faire commun : les AMAP en Bretagne",
            "[Mémoire] Faire commun : les AMAP en Bretagne",
            "Master's thesis: Faire commun : les AMAP en Bretagne",
            "Faire commun : les AMAP en Bretagne (Thèse)",
            "Faire commun : les AMAP en Bretagne [Thèse de doctorat]",
        ] {
            assert_eq!(strip_document_labels(decorated), bare, "{decorated}");
        }
    }

    #[test]
    fn titles_that_begin_with_a_label_word_keep_it() {
        for title in [
            "Mémoire et territoire : les AMAP",
            "Mémoire ouvrière en Lorraine",
            "Mémoire en Lorraine : les mines",
            "Thèses et antithèses de l'ESS",
            "La thèse du tiers secteur : une relecture",
            "Les coopératives (Bretagne)",
            "[Thèse]",
        ] {
            assert_eq!(strip_document_labels(title), title);
        }
    }
}
