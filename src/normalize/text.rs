//! Text cleaning and folding shared by every normaliser and by `classify`: entity repair,
//! whitespace, accent/case folding, title keys.

use deunicode::deunicode_char;

/// Accent and case folding: "Économie Sociale, Cœur" → "economie sociale, coeur". Punctuation
/// and spacing are kept (only no-break and zero-width spaces become plain spaces), so the result
/// can still be split into words. Ligatures are expanded (œ → oe, ß → ss) and other scripts are
/// transliterated, so two spellings of a name or title compare equal once folded.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// [`fold`] appending to a buffer the caller reuses (hot paths fold millions of strings).
pub fn fold_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index].is_ascii() {
            // Runs of ASCII are copied at once, then lowercased in place.
            let start = index;
            while index < bytes.len() && bytes[index].is_ascii() {
                index += 1;
            }
            let appended = out.len();
            out.push_str(&text[start..index]);
            out.as_mut_str()[appended..].make_ascii_lowercase();
            continue;
        }
        let Some(c) = text[index..].chars().next() else {
            break;
        };
        index += c.len_utf8();
        match deunicode_char(c) {
            Some(ascii) => {
                let appended = out.len();
                out.push_str(ascii);
                out.as_mut_str()[appended..].make_ascii_lowercase();
            }
            None => out.extend(c.to_lowercase()),
        }
    }
}

/// The key two titles of the same work share: folded, punctuation removed, whitespace collapsed,
/// subtitle dropped (after " : ", " - ", ". "). Leading articles are kept: "Les communs" and
/// "Communs" are different titles more often than they are the same one.
pub fn title_key(text: &str) -> String {
    let cleaned = clean_cow(text);
    let main = main_title_for_key(&cleaned);
    words_key(main)
}

/// Folds `text` and keeps only its alphanumeric words, separated by single spaces.
pub(crate) fn words_key(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    fold_into(text, &mut folded);
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// The part of a title before its subtitle, for keys: a colon followed by a space, a spaced
/// dash, or a full stop after a word of three letters or more (so "J. Dupont" or "St. Louis"
/// are not cut). Falls back to the whole title when the part before is empty.
fn main_title_for_key(title: &str) -> &str {
    let cut = [subtitle_colon_or_dash(title), sentence_stop(title)]
        .into_iter()
        .flatten()
        .min_by_key(|(start, _)| *start);
    match cut {
        Some((start, _)) if title[..start].chars().any(char::is_alphanumeric) => &title[..start],
        _ => title,
    }
}

/// Splits "Titre : sous-titre" (also "Title: subtitle", "Titre - sous-titre", "Titre — …") into
/// the main title and the subtitle. `None` when there is no separator or either side is empty.
pub(crate) fn split_subtitle(title: &str) -> Option<(&str, &str)> {
    let (start, end) = subtitle_colon_or_dash(title)?;
    let main = title[..start].trim_end();
    let sub = title[end..].trim_start();
    (main.chars().any(char::is_alphanumeric) && sub.chars().any(char::is_alphanumeric))
        .then_some((main, sub))
}

/// Byte range of the first subtitle separator: ":" followed by whitespace (with or without a
/// space before, as French and English typography differ), or a dash with spaces around it.
///
/// Found by bytes: ':' and '-' never occur inside a multi-byte character and 0xE2 0x80 starts
/// both long dashes, so only those bytes are looked at (title keys call this for every title
/// of every record, twice in a fresh build: char by char it was 1.1–1.6% of its CPU).
fn subtitle_colon_or_dash(title: &str) -> Option<(usize, usize)> {
    let bytes = title.as_bytes();
    let mut index = 0;
    while let Some(found) = bytes[index..]
        .iter()
        .position(|&b| matches!(b, b':' | b'-' | 0xE2))
    {
        let at = index + found;
        let (length, colon) = match (bytes[at], bytes.get(at + 1), bytes.get(at + 2)) {
            (b':', _, _) => (1, true),
            (b'-', _, _) => (1, false),
            // '–' (U+2013) and '—' (U+2014).
            (_, Some(0x80), Some(0x93 | 0x94)) => (3, false),
            _ => {
                index = at + 1;
                continue;
            }
        };
        let after = at + length;
        let next_is_space = title[after..]
            .chars()
            .next()
            .is_some_and(char::is_whitespace);
        let separator = next_is_space && (colon || title[..at].ends_with(char::is_whitespace));
        if separator {
            return Some((title[..at].trim_end().len(), after));
        }
        index = after;
    }
    None
}

/// ". " ending a word of three letters or more, as a subtitle separator for keys.
fn sentence_stop(title: &str) -> Option<(usize, usize)> {
    let mut search = 0;
    while let Some(found) = title[search..].find(". ") {
        let index = search + found;
        let word = title[..index]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        if word.chars().count() >= 3 && word.chars().all(char::is_alphabetic) {
            return Some((index, index + 2));
        }
        search = index + 2;
    }
    None
}

/// Repairs what repositories do to text: entities escaped twice (HAL's `&#x27E8;`), HTML
/// named entities, no-break and zero-width spaces, soft hyphens; collapses whitespace.
pub fn clean_text(text: &str) -> String {
    clean_cow(text).into_owned()
}

/// [`clean_text`] without a copy when the text is clean already (most text is).
pub(crate) fn clean_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if is_clean(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut current = std::borrow::Cow::Borrowed(text);
    // Twice: "&amp;#x27E8;" needs two rounds to become "⟨".
    for _ in 0..2 {
        if !current.contains('&') {
            break;
        }
        current = std::borrow::Cow::Owned(decode_entities(&current));
    }
    let mut out = String::with_capacity(current.len());
    let mut pending_space = false;
    for c in current.chars() {
        if is_removed(c) {
            continue;
        }
        if is_space(c) {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

/// Text [`clean_text`] would return unchanged: most of it, as the crosswalks already collapse
/// whitespace. One pass over the bytes; only the lead bytes of the characters to clean (C1
/// controls, no-break and other Unicode spaces, zero-width characters, BOM, soft hyphen) are
/// decoded.
fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    // Bytes that may need cleaning: controls, "&", and the lead bytes of C1 controls, Unicode
    // spaces, zero-width characters, BOMs and soft hyphens. Whole chunks are tested without
    // branches (`|`, not `||`), which the compiler vectorises; a flagged chunk is then looked
    // at byte by byte, decoding only at those lead bytes.
    let suspicious = |byte: u8| {
        (byte < 0x20)
            | (byte == 0x7f)
            | (byte == b'&')
            | (byte == 0xc2)
            | (byte == 0xe1)
            | (byte == 0xe2)
            | (byte == 0xe3)
            | (byte == 0xef)
    };
    const CHUNK: usize = 64;
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + CHUNK).min(bytes.len());
        // Pairs overlap the previous chunk by one byte, so "  " across chunks is seen.
        let pairs_start = start.saturating_sub(1);
        let double_space = bytes[pairs_start..end - 1]
            .iter()
            .zip(&bytes[pairs_start + 1..end])
            .fold(false, |flag, (a, b)| flag | ((*a == b' ') & (*b == b' ')));
        if double_space {
            return false;
        }
        let flagged = bytes[start..end]
            .iter()
            .fold(false, |flag, byte| flag | suspicious(*byte));
        if flagged {
            for (index, byte) in bytes.iter().enumerate().take(end).skip(start) {
                if !suspicious(*byte) {
                    continue;
                }
                if byte.is_ascii() {
                    return false;
                }
                // A lead byte: `index` is a character boundary.
                match text.get(index..).and_then(|rest| rest.chars().next()) {
                    Some(c) if is_removed(c) || is_space(c) => return false,
                    Some(_) => {}
                    None => return false,
                }
            }
        }
        start = end;
    }
    true
}

/// Invisible characters repositories leave in text: zero-width spaces and joiners, BOMs, soft
/// hyphens.
fn is_removed(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    )
}

/// Whitespace of any kind (no-break, thin, ideographic…) and control characters: one space.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Decodes numeric character references and the common named entities left in text by
/// double escaping; anything else that starts with "&" is kept as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        // Entities are short: look for the ";" in the next few bytes only.
        let Some(semi) = tail.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{00a0}'),
            "laquo" => Some('«'),
            "raquo" => Some('»'),
            "rsquo" => Some('’'),
            "lsquo" => Some('‘'),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            "hellip" => Some('…'),
            _ => entity.strip_prefix('#').and_then(|number| {
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse::<u32>().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes HTML/XML tags from text that a repository escaped into an abstract (Zenodo's
/// `&lt;p&gt;`): "<p>Texte</p>" → " Texte ". Only tag-shaped runs are removed, so "a < b" stays.
pub fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let after = &tail[1..];
        let looks_like_tag = after
            .trim_start_matches('/')
            .starts_with(|c: char| c.is_ascii_alphabetic())
            || after.starts_with("!--");
        let close = tail.bytes().take(400).position(|b| b == b'>');
        match close {
            Some(close) if looks_like_tag && !tail[1..close].contains('<') => {
                out.push(' ');
                rest = &tail[close + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Cleans a title, label or keyword: entities, whitespace, trailing cataloguing punctuation
/// ("Titre /", "Titre :", "Titre.") but not the dot of a final abbreviation ("Ph. D.").
pub(super) fn clean_label(text: &str) -> String {
    trim_label(&clean_cow(text)).to_owned()
}

/// [`clean_label`] of text already cleaned: the cataloguing punctuation trimmed, no copy.
pub(super) fn trim_label(text: &str) -> &str {
    let mut cleaned = text;
    loop {
        let trimmed = cleaned.trim_end_matches([' ', '/', ':', ';', ',']);
        let mut length = trimmed.len();
        if trimmed.ends_with('.') && !trimmed.ends_with("..") {
            let last_word = trimmed[..trimmed.len() - 1]
                .rsplit(|c: char| c.is_whitespace() || c == '.')
                .next()
                .unwrap_or("");
            if last_word.chars().count() > 2 {
                length -= 1;
            }
        }
        if length == cleaned.len() {
            return cleaned;
        }
        cleaned = &cleaned[..length];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_accents_case_and_ligatures() {
        assert_eq!(fold("Économie Sociale"), "economie sociale");
        assert_eq!(fold("Cœur ŒUVRE straße"), "coeur oeuvre strasse");
        assert_eq!(fold("Gwenaëlle N’Diaye"), "gwenaelle n'diaye");
        // Decomposed accents (NFD) fold like composed ones.
        assert_eq!(fold("e\u{301}conomie"), "economie");
        assert_eq!(fold("l\u{a0}: x"), "l : x");
    }

    #[test]
    fn clean_text_decodes_hal_double_escaped_brackets() {
        // What HAL's dc:source holds once the XML parser has decoded one level.
        assert_eq!(
            clean_text(
                "Cancer. Université Montpellier, 2018. Français. &#x27E8;NNT : 2018MONTT090&#x27E9;"
            ),
            "Cancer. Université Montpellier, 2018. Français. ⟨NNT : 2018MONTT090⟩"
        );
        assert_eq!(clean_text("A &amp;amp; B"), "A & B");
        assert_eq!(
            clean_text("  Titre\n   sur\tdeux  lignes "),
            "Titre sur deux lignes"
        );
        assert_eq!(clean_text("R&D et AT&T;"), "R&D et AT&T;");
        // Multibyte text after "&" or "<" is not cut inside a character.
        assert_eq!(clean_text("&éééééééé; x"), "&éééééééé; x");
        assert_eq!(strip_tags("<ééééé"), "<ééééé");
        assert_eq!(clean_text("co\u{ad}opé\u{200b}ration"), "coopération");
        // Double spaces are found across the 64-byte chunks the fast check works in.
        let long = format!("{}  {}", "a".repeat(63), "b".repeat(70));
        assert_eq!(
            clean_text(&long),
            format!("{} {}", "a".repeat(63), "b".repeat(70))
        );
        let clean = format!("{} l’économie {}", "a".repeat(100), "b".repeat(100));
        assert!(matches!(clean_cow(&clean), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn strip_tags_removes_escaped_html_but_not_comparisons() {
        assert_eq!(
            clean_text(&strip_tags(&clean_text("&lt;p&gt;Une thèse&lt;/p&gt;"))),
            "Une thèse"
        );
        assert_eq!(strip_tags("si a < b et b > c"), "si a < b et b > c");
    }

    #[test]
    fn title_key_drops_subtitle_punctuation_accents_and_case() {
        let a =
            title_key("Gouverner une coopérative de solidarité : le cas des coopératives de santé");
        let b =
            title_key("Gouverner une coopérative de solidarité - Le cas des coopératives de santé");
        let c = title_key("Gouverner une coopérative de solidarité\u{a0}: le cas.");
        assert_eq!(a, "gouverner une cooperative de solidarite");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            title_key("Towards an economy of reciprocity? Social innovation in AMAP"),
            "towards an economy of reciprocity social innovation in amap"
        );
        // Typographic apostrophes and no-break spaces (the DUMAS twin deposit).
        assert_eq!(
            title_key("Les monnaies locales, outils de relocalisation de l'économie ? L'exemple"),
            title_key(
                "Les monnaies locales, outils de relocalisation de l\u{2019}économie\u{a0}? l\u{2019}exemple"
            )
        );
        assert_eq!(
            title_key("Histoire des SCOP en France. Une approche institutionnaliste"),
            "histoire des scop en france"
        );
        // Initials are not sentence ends; a hyphen inside a word is not a separator.
        assert_eq!(
            title_key("J. Dupont et les tiers-lieux"),
            "j dupont et les tiers lieux"
        );
        // A title that starts with its separator keeps its words.
        assert_eq!(title_key(": sous-titre seul"), "sous titre seul");
    }

    /// The separator as first written, char by char: the byte scan must find the same.
    fn subtitle_colon_or_dash_by_chars(title: &str) -> Option<(usize, usize)> {
        let mut chars = title.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            let next_is_space = chars.peek().is_some_and(|(_, n)| n.is_whitespace());
            let after = index + c.len_utf8();
            let before_is_space = index > 0 && title[..index].ends_with(char::is_whitespace);
            let separator = match c {
                ':' => next_is_space,
                '-' | '–' | '—' => before_is_space && next_is_space,
                _ => false,
            };
            if separator {
                return Some((title[..index].trim_end().len(), after));
            }
        }
        None
    }

    #[test]
    fn subtitle_separator_by_bytes_matches_by_chars() {
        let mut titles: Vec<String> = [
            "Titre : sous-titre",
            "Title: subtitle",
            "Titre - sous-titre",
            "Titre – sous-titre",
            "Titre — sous-titre",
            "Titre —sous-titre — fin",
            "Titre\u{a0}:\u{a0}sous-titre",
            "L'économie sociale–solidaire : enjeux",
            "a-b-c - d",
            "Œuvre ⁓ x — y",
            "€ — € : ",
            ":",
            "-",
            " - ",
            "—",
            "",
            "x :",
            "x:\ty",
            "x\u{2003}— y",
            "Ⓐ: b",
            "\u{2012} \u{2015} \u{2014}",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        for (source, harvested) in crate::normalize::tests::sample_records() {
            let normalized = crate::normalize::tests::normalize_harvested(&source, &harvested);
            titles.extend(normalized.titles.into_iter().map(|t| t.text));
        }
        let mut separated = 0;
        for title in &titles {
            let found = subtitle_colon_or_dash(title);
            assert_eq!(found, subtitle_colon_or_dash_by_chars(title), "{title:?}");
            separated += usize::from(found.is_some());
        }
        assert!(
            titles.len() > 200 && separated > 20,
            "{} {separated}",
            titles.len()
        );
    }

    #[test]
    fn split_subtitle_needs_text_on_both_sides() {
        assert_eq!(
            split_subtitle("Les SCOP : une approche"),
            Some(("Les SCOP", "une approche"))
        );
        assert_eq!(
            split_subtitle("Cooperatives: a review"),
            Some(("Cooperatives", "a review"))
        );
        assert_eq!(split_subtitle("Ratio 3:2 en musique"), None);
        assert_eq!(split_subtitle("Titre :"), None);
        assert_eq!(split_subtitle("Pays-Bas et Belgique"), None);
    }
}
