//! The tokenizer and the stemmer, shared by thesaurus terms and record texts so that both are
//! read alike: words folded (case, accents, ligatures), stop words set aside, light French and
//! English stemming, and the three-byte prefixes that let matching skip unknown words.

/// How a word was written, for acronyms that match only in capitals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    /// "IAE", "CRESS": two capitals or more, no lowercase.
    Capitals,
    /// "NGOs": capitals and one final lowercase "s".
    CapitalsPlural,
    Other,
}

/// Splits text into words and folds each (case, accents, ligatures) into `word`, calling
/// `each(folded, case)`. The hot loop of classification: ASCII is handled byte by byte, other
/// characters through `deunicode`, whose ASCII spelling also tells letters from punctuation and
/// capitals from small letters ("É" → "E", "’" → "'", a combining accent → nothing).
pub(super) fn for_each_word(text: &str, word: &mut String, mut each: impl FnMut(&str, Case)) {
    let mut upper = 0u32;
    let mut lower = 0u32;
    let mut last_lower_s = false;
    let mut flush =
        |word: &mut String, upper: &mut u32, lower: &mut u32, last_lower_s: &mut bool| {
            if !word.is_empty() {
                let case = match (*upper >= 2, *lower) {
                    (true, 0) => Case::Capitals,
                    (true, 1) if *last_lower_s => Case::CapitalsPlural,
                    _ => Case::Other,
                };
                each(word, case);
                word.clear();
            }
            *upper = 0;
            *lower = 0;
            *last_lower_s = false;
        };
    word.clear();
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii() {
            if !byte.is_ascii_alphanumeric() {
                if !word.is_empty() {
                    flush(word, &mut upper, &mut lower, &mut last_lower_s);
                }
                index += 1;
                continue;
            }
            // A run of ASCII letters and digits is copied at once.
            let start = index;
            let mut run_upper = 0u32;
            let mut run_digits = 0u32;
            while index < bytes.len() {
                match bytes[index] {
                    b'a'..=b'z' => {}
                    b'A'..=b'Z' => run_upper += 1,
                    b'0'..=b'9' => run_digits += 1,
                    _ => break,
                }
                index += 1;
            }
            lower += (index - start) as u32 - run_upper - run_digits;
            last_lower_s = bytes[index - 1] == b's';
            let appended = word.len();
            word.push_str(&text[start..index]);
            if run_upper > 0 {
                word.as_mut_str()[appended..].make_ascii_lowercase();
                upper += run_upper;
            }
            continue;
        }
        let Some(c) = text[index..].chars().next() else {
            break;
        };
        index += c.len_utf8();
        last_lower_s = false;
        match deunicode::deunicode_char(c) {
            Some(ascii) => {
                for a in ascii.bytes() {
                    match a {
                        b'a'..=b'z' => {
                            word.push(char::from(a));
                            lower += 1;
                        }
                        b'A'..=b'Z' => {
                            word.push(char::from(a | 0x20));
                            upper += 1;
                        }
                        b'0'..=b'9' => word.push(char::from(a)),
                        _ => flush(word, &mut upper, &mut lower, &mut last_lower_s),
                    }
                }
            }
            None if c.is_alphanumeric() => word.extend(c.to_lowercase()),
            None => flush(word, &mut upper, &mut lower, &mut last_lower_s),
        }
    }
    flush(word, &mut upper, &mut lower, &mut last_lower_s);
}

/// Elisions, articles, prepositions and conjunctions of French and English, and single letters:
/// ignored in terms and texts alike, so "économie sociale et solidaire" matches "économie
/// sociale, solidaire" and "l'insertion par l'activité économique" its term.
pub(super) fn is_stop_word(folded: &str) -> bool {
    if folded.len() > 4 {
        return false;
    }
    folded.len() == 1 && folded.bytes().all(|b| b.is_ascii_alphabetic())
        || matches!(
            folded,
            "de" | "du"
                | "des"
                | "la"
                | "le"
                | "les"
                | "et"
                | "au"
                | "aux"
                | "en"
                | "un"
                | "une"
                | "the"
                | "of"
                | "and"
                | "an"
                | "in"
                | "for"
                | "to"
                | "on"
                | "par"
                | "pour"
                | "sur"
                | "dans"
                | "with"
                | "by"
                | "or"
                | "ou"
                | "qu"
        )
}

/// Light stemming that makes one form of a French or English word match its others: plural
/// (-s, -x, -aux → -al, -ies → -ie), feminine and adjective endings (-ale → -al, -elle → -el,
/// -ive → -if, -ée → -e), and English -y after a consonant → -ie (economy = économie).
/// Words of three letters or fewer are left alone (ESS, IAE). Most stems are a prefix of the
/// word and are returned as such; `buffer` holds the others.
pub(super) fn stem<'a>(word: &'a str, buffer: &'a mut String) -> &'a str {
    let bytes = word.as_bytes();
    let length = bytes.len();
    if length <= 3 || !word.is_ascii() {
        return word;
    }
    let base = match bytes[length - 1] {
        b's' => match (bytes[length - 3], bytes[length - 2]) {
            (b'i', b'e') => &word[..length - 1],
            (_, b's' | b'u' | b'i') => word,
            _ => &word[..length - 1],
        },
        b'x' => match (bytes[length - 3], bytes[length - 2]) {
            // "réseaux" → "réseau"; "sociaux" → "social" (which no ending below changes).
            (b'a', b'u') if bytes[length - 4] == b'e' => &word[..length - 1],
            (b'a', b'u') => {
                buffer.clear();
                buffer.push_str(&word[..length - 3]);
                buffer.push_str("al");
                return buffer;
            }
            _ => &word[..length - 1],
        },
        _ => word,
    };
    let stem = base.as_bytes();
    let length = stem.len();
    if length <= 3 {
        return base;
    }
    let (kept, suffix) = match (stem[length - 3], stem[length - 2], stem[length - 1]) {
        (b'a', b'l', b'e') | (_, b'e', b'e') => (length - 1, ""),
        (b'l', b'l', b'e') if stem[length - 4] == b'e' => (length - 2, ""),
        (b'i', b'v', b'e') => (length - 2, "f"),
        (_, consonant, b'y') if !matches!(consonant, b'a' | b'e' | b'i' | b'o' | b'u') => {
            (length - 1, "ie")
        }
        _ => (length, ""),
    };
    if suffix.is_empty() {
        return &base[..kept];
    }
    buffer.clear();
    buffer.push_str(&base[..kept]);
    buffer.push_str(suffix);
    buffer
}

/// Words of this many bytes or more keep their first three bytes when stemmed (shorter ones
/// may not: "taux" → "tal", "elle" → "el"), so the prefix filter applies to them only.
pub(super) const PREFIX_SAFE_LENGTH: usize = 6;
/// Bytes are a-z, 0-9 or other: 37 values, three of them.
pub(super) const PREFIX_BITS: usize = 37 * 37 * 37;

/// The bit of a word's first three bytes; `None` for words shorter than three bytes.
pub(super) fn prefix_bit(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    if bytes.len() < 3 {
        return None;
    }
    let code = |b: u8| match b {
        b'a'..=b'z' => usize::from(b - b'a'),
        b'0'..=b'9' => 26 + usize::from(b - b'0'),
        _ => 36,
    };
    Some((code(bytes[0]) * 37 + code(bytes[1])) * 37 + code(bytes[2]))
}
