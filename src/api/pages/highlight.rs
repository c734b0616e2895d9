//! Highlighted matches in titles and abstracts: the words of a text that the query's words
//! match once folded (case, accents) and reduced to a stem-like prefix, as the index's French
//! and English stemming would. Pure; the template escapes every part.

use crate::normalize::fold;

/// A run of text, marked when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub mark: bool,
}

/// The words a query searches for, folded and cut to their stem: field prefixes (`title:`),
/// operators (`OR`, `AND`, `NOT`), excluded words (`-word`) and one-letter words left out.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for token in query.split_whitespace() {
        if token.starts_with('-') || matches!(token, "OR" | "AND" | "NOT") {
            continue;
        }
        let token = token.rsplit(':').next().unwrap_or(token);
        for word in token.split(|c: char| !c.is_alphanumeric()) {
            let folded = fold(word);
            if folded.chars().count() < 2 {
                continue;
            }
            let stem = stem(&folded);
            if !terms.contains(&stem) {
                terms.push(stem);
            }
        }
    }
    terms
}

/// A folded word cut to what its inflections share: plurals and feminine endings fall off
/// (coopératives, coopératif, cooperative → "cooperati").
fn stem(folded: &str) -> String {
    let chars: Vec<char> = folded.chars().collect();
    let keep = if chars.len() > 5 {
        (chars.len() * 7 / 10).max(5)
    } else {
        chars.len()
    };
    chars[..keep].iter().collect()
}

/// `text` cut into parts, the words that start with one of `terms` marked.
pub fn highlight(text: &str, terms: &[String]) -> Vec<Part> {
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
            let mark = in_word && {
                let folded = fold(piece);
                folded.chars().count() >= 2
                    && terms.iter().any(|term| folded.starts_with(term.as_str()))
            };
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
        highlight(text, &query_terms(query))
            .into_iter()
            .filter(|part| part.mark)
            .map(|part| part.text)
            .collect()
    }

    #[test]
    fn inflections_and_accents_match() {
        assert_eq!(
            marked(
                "Les Coopératives d'habitants et la coopération",
                "coopérative"
            ),
            ["Coopératives", "coopération"]
        );
        assert_eq!(
            marked("Économie sociale et habitat", "economie sociales"),
            ["Économie", "sociale"]
        );
    }

    #[test]
    fn operators_fields_and_exclusions_are_not_terms() {
        assert_eq!(
            query_terms("title:finance OR -banque \"monnaies locales\""),
            ["finan", "monna", "local"]
        );
    }

    #[test]
    fn parts_give_back_the_text() {
        let text = "Finance solidaire : l'exemple (2019) des <SCIC>";
        let parts = highlight(text, &query_terms("scic finance"));
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
