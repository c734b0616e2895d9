//! Highlighted matches in titles and abstracts: the words of a text whose stem, as the index's
//! analyser makes it (folded, stemmed in French and English, ESS words kept apart), is a query
//! word's stem, so that the page marks what the search matched. Pure; the template escapes
//! every part.

use crate::index::WordStems;

/// A run of text, marked when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub mark: bool,
}

/// The stems of the words a query searches for: field prefixes (`title:`), operators (`OR`,
/// `AND`, `NOT`), excluded words (`-word`) and one-letter words left out.
pub fn query_terms(query: &str, stems: &mut WordStems) -> Vec<String> {
    let mut terms = Vec::new();
    for token in query.split_whitespace() {
        if token.starts_with('-') || matches!(token, "OR" | "AND" | "NOT") {
            continue;
        }
        let token = token.rsplit(':').next().unwrap_or(token);
        for word in token.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().count() < 2 {
                continue;
            }
            if let Some(stem) = stems.of(word)
                && !terms.iter().any(|term| term == stem)
            {
                terms.push(stem.to_owned());
            }
        }
    }
    terms
}

/// `text` cut into parts, the words whose stem is one of `terms` marked.
pub fn highlight(text: &str, terms: &[String], stems: &mut WordStems) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut push = |piece: &str, mark: bool| match parts.last_mut() {
        Some(last) if last.mark == mark => last.text.push_str(piece),
        _ => parts.push(Part {
            text: piece.to_owned(),
            mark,
        }),
    };
    let mut start = 0;
    let mut in_word = false;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let word_char = c.is_alphanumeric();
        if word_char == in_word {
            continue;
        }
        if at > start {
            let piece = &text[start..at];
            let mark = in_word
                && !terms.is_empty()
                && piece.chars().count() >= 2
                && stems
                    .of(piece)
                    .is_some_and(|stem| terms.iter().any(|term| term == stem));
            push(piece, mark);
        }
        start = at;
        in_word = word_char;
    }
    if start < text.len() {
        push(&text[start..], false);
    }
    parts
}

/// The first `limit` characters of `text`, cut at a word, with an ellipsis when cut.
pub fn excerpt(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut
        .rsplit_once(char::is_whitespace)
        .map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, query: &str) -> Vec<String> {
        let mut stems = WordStems::default();
        let terms = query_terms(query, &mut stems);
        highlight(text, &terms, &mut stems)
            .into_iter()
            .filter(|part| part.mark)
            .map(|part| part.text)
            .collect()
    }

    #[test]
    fn inflections_and_accents_match() {
        assert_eq!(
            marked(
                "Les Coopératives d'habitants, une coopérative et des cooperatives",
                "coopérative"
            ),
            ["Coopératives", "coopérative", "cooperatives"]
        );
        assert_eq!(
            marked("Économie sociale et habitat", "economie sociales"),
            ["Économie", "sociale"]
        );
        assert_eq!(
            marked("Worker cooperatives and the chevaux", "coopératif cheval"),
            ["cooperatives", "chevaux"]
        );
    }

    #[test]
    fn cooperation_is_not_marked_for_cooperatives_nor_the_reverse() {
        // The demo's search for "coopératives" marked "coopération" (the index matched it too).
        let title = "La coopération inter-organisationnelle entre coopératives";
        assert_eq!(marked(title, "coopératives"), ["coopératives"]);
        assert_eq!(marked(title, "cooperation"), ["coopération"]);
    }

    #[test]
    fn operators_fields_and_exclusions_are_not_terms() {
        let mut stems = WordStems::default();
        let expected: Vec<String> = ["finance", "monnaies", "locales"]
            .into_iter()
            .filter_map(|word| stems.of(word).map(str::to_owned))
            .collect();
        assert_eq!(expected.len(), 3);
        assert_eq!(
            query_terms("title:finance OR -banque \"monnaies locales\"", &mut stems),
            expected
        );
    }

    #[test]
    fn parts_give_back_the_text() {
        let text = "Finance solidaire : l'exemple (2019) des <SCIC>";
        let mut stems = WordStems::default();
        let terms = query_terms("scic finance", &mut stems);
        let parts = highlight(text, &terms, &mut stems);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(marked(text, "scic finance"), ["Finance", "SCIC"]);
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("un deux trois", 20), "un deux trois");
        assert_eq!(excerpt("un deux trois", 9), "un deux…");
    }
}
