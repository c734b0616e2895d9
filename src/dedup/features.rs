//! What dedup reads of a record: its [`Features`], mined once from its `Normalized` form (title
//! keys and plain words, numbers and part words, the edition a title names, proper nouns,
//! author keys, strong identifiers) and stored with the record for incremental updates. Pure.

use crate::normalize::{self, DegreeType, IdKind, Normalized};

/// What `compare` needs of a record, computed once per record (and stored, for incremental
/// dedup).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Features {
    /// Folded, subtitle-free keys of every title (all languages).
    pub title_keys: Vec<String>,
    /// Folded keys of every title with its subtitle, for prefix/truncation checks.
    pub full_title_keys: Vec<String>,
    /// The authors, as comparable keys.
    pub authors: Vec<AuthorKey>,
    pub year: Option<i32>,
    pub degree: DegreeType,
    /// Numbers written in the main titles, and volume or part numbers anywhere: different sets
    /// mean different works.
    pub title_numbers: SortedSet,
    /// Other numbers of the subtitles (periods, sample sizes: "… auprès de 146 structures"),
    /// which a copy with the short title lacks: they tell works apart only when both sides have
    /// some.
    #[serde(default)]
    pub subtitle_numbers: SortedSet,
    /// The edition a title names by its year ("Panorama 2021"), when that year is within a year
    /// of the record's date: a study's copies are dated by their edition, whatever year each
    /// site gives.
    #[serde(default)]
    pub edition: Option<i32>,
    /// Canonical strong identifiers, `kind:value`.
    pub strong_ids: SortedSet,
    /// Every title as plain words (brackets such as "[Texte imprimé]" and punctuation dropped),
    /// to see through typos and other subtitle separators.
    #[serde(default)]
    pub title_words: Vec<String>,
    /// A book (it has an ISBN and no degree): not the thesis it may be drawn from.
    #[serde(default)]
    pub book: bool,
    /// Capitalised words inside each title (places, organisations), folded, in the order of
    /// `title_words`: "Panorama de l'ESS en Bretagne" and "… en Occitanie" are different
    /// studies.
    #[serde(default)]
    pub proper_nouns: Vec<SortedSet>,
}

/// What both the features and the blocking keys read of a record's titles, authors and
/// identifiers, worked out once: each title's comparable form and key, each name's folds. Mined
/// apart, they folded every name five times and keyed every title twice (`Features::of` and
/// `blocking_keys` were 6.4% of a fresh build's CPU at 100,000 records).
pub(super) struct Shared {
    pub titles: Vec<TitleForms>,
    pub authors: Vec<AuthorForms>,
    /// [`strong_ids`], sorted and distinct.
    pub strong_ids: Vec<String>,
}

/// A title as dedup reads it.
pub(super) struct TitleForms {
    /// [`comparable_title`] of the text.
    pub comparable: String,
    /// `normalize::title_key` of `comparable`.
    pub key: String,
}

/// An author's name as dedup reads it.
pub(super) struct AuthorForms {
    /// The family name folded.
    pub family: String,
    /// Its letters and digits alone.
    pub compact: String,
    /// The first word of `normalize::name_key`: the family name without its particles.
    pub without_particles: String,
    /// The first letter or digit of the folded given name.
    pub initial: Option<char>,
    /// [`name_letters`].
    pub letters: Option<String>,
    /// [`pack_given`] of the given name.
    pub given: u64,
}

impl Shared {
    pub fn of(record: &Normalized) -> Shared {
        Shared {
            titles: record
                .titles
                .iter()
                .map(|title| {
                    let comparable = comparable_title(&title.text);
                    let key = normalize::title_key(&comparable);
                    TitleForms { comparable, key }
                })
                .collect(),
            authors: record.authors.iter().map(AuthorForms::of).collect(),
            strong_ids: strong_ids(record),
        }
    }
}

impl AuthorForms {
    fn of(person: &normalize::Person) -> AuthorForms {
        let family = normalize::fold(&person.family);
        let given = person.given.as_deref().map(normalize::fold);
        let compact = family.chars().filter(|c| c.is_alphanumeric()).collect();
        let without_particles = normalize::name_key_folded(&family, given.as_deref())
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        AuthorForms {
            initial: given
                .as_deref()
                .and_then(|given| given.chars().find(|c| c.is_alphanumeric())),
            letters: name_letters(&family, given.as_deref()),
            given: given.as_deref().map_or(0, pack_given),
            family,
            compact,
            without_particles,
        }
    }
}

impl Features {
    pub fn of(record: &Normalized) -> Features {
        Features::from_shared(record, Shared::of(record))
    }

    pub(super) fn from_shared(record: &Normalized, shared: Shared) -> Features {
        let mut title_keys = Vec::new();
        let mut full_title_keys = Vec::new();
        let mut title_words = Vec::new();
        let mut title_numbers = Vec::new();
        let mut subtitle_numbers = Vec::new();
        let mut proper_nouns = Vec::new();
        let year = record.date.as_ref().map(|d| d.year);

        let edition =
            (shared.titles.iter()).find_map(|title| edition_year(&title.comparable, year?));
        let edition_text = edition.map(|e| e.to_string());
        for title in shared.titles {
            let text = &title.comparable;
            // The key is moved, not copied, when it names no volume (most titles).
            let key = if has_volume_designation(&title.key, 1) {
                without_volume_designations(&title.key)
            } else {
                title.key
            };
            let full = normalize::fold(text);
            // The edition's year says no more than the date (and is compared as `edition`).
            let not_edition = |n: &String| Some(n) != edition_text.as_ref();
            let mut main: Vec<String> = numbers_in(&key).into_iter().filter(not_edition).collect();
            let mut numbers = numbers_with_context(&full);
            // A title a repository may have cut has lost the numbers of its end ("(2010-20" of
            // "(2010-2020)"), and may end with part of one: its last number is not compared,
            // and its others tell it apart only from titles that have numbers of their own
            // where it has them (as a subtitle's do). Volume numbers still count in full.
            let cut = may_be_cut(text);
            if cut && ends_with_digit(&full) {
                numbers.pop();
            }
            if cut {
                main.clear();
            }
            for (number, after_volume_word) in numbers {
                if !not_edition(&number) {
                    continue;
                }
                if after_volume_word || main.contains(&number) {
                    title_numbers.push(number);
                } else {
                    subtitle_numbers.push(number);
                }
            }
            title_numbers.extend(main);
            let words = plain_words(&full);
            if !words.is_empty() && !title_words.contains(&words) {
                title_words.push(words);
                proper_nouns.push(sorted_set(proper_nouns_in(text)));
            }
            if !key.is_empty() && !title_keys.contains(&key) {
                title_keys.push(key);
            }
            if !full.is_empty() && !full_title_keys.contains(&full) {
                full_title_keys.push(full);
            }
        }
        // Folding reserves room for the unfolded text: give it back (they are kept a long time).
        for text in title_keys
            .iter_mut()
            .chain(&mut full_title_keys)
            .chain(&mut title_words)
        {
            text.shrink_to_fit();
        }
        let authors = (shared.authors.into_iter())
            .filter_map(AuthorKey::of_forms)
            .collect();
        Features {
            title_keys,
            full_title_keys,
            authors,
            year: record.date.as_ref().map(|d| d.year),
            // Only doctoral theses get an NNT: theses.fr's "Electronic Thesis or Dissertation"
            // says no more.
            degree: if record.degree_type == DegreeType::Other
                && record
                    .identifiers
                    .iter()
                    .any(|i| i.kind == normalize::IdKind::Nnt)
            {
                DegreeType::DoctoralThesis
            } else {
                record.degree_type
            },
            title_numbers: sorted_set(title_numbers),
            subtitle_numbers: sorted_set(subtitle_numbers),
            edition,
            strong_ids: sorted_set(shared.strong_ids),
            title_words,
            book: record.degree_type == DegreeType::Other
                && record
                    .identifiers
                    .iter()
                    .any(|i| i.kind == normalize::IdKind::Isbn),
            proper_nouns,
        }
    }
}

/// Identifiers that name one work wherever it is deposited. URLs and handles name a copy in one
/// repository; ISBNs name a book, which may be published from a thesis (another work).
pub fn strong_ids(record: &Normalized) -> Vec<String> {
    let mut ids: Vec<String> = record
        .identifiers
        .iter()
        .filter_map(|identifier| {
            let kind = match identifier.kind {
                IdKind::Nnt => "nnt",
                IdKind::Doi => "doi",
                IdKind::Hal => "hal",
                IdKind::Urn => "urn",
                IdKind::Ark => "ark",
                _ => return None,
            };
            Some(format!("{kind}:{}", identifier.value.to_lowercase()))
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A title as dedup reads it: without the document labels a repository adds ("Mémoire de
/// master : …", "… (Thèse)"), and with the degree sign of "n°", "N°", "nº" made a space, so
/// that an issue number reads as a number ("n°11", "no 11" and "numéro 11" agree; folding
/// would otherwise spell it "ndeg11").
pub(super) fn comparable_title(text: &str) -> String {
    super::prefixes::strip_document_labels(text).replace(['°', 'º'], " ")
}

/// The lengths (in characters) at which repositories cut titles: a title that long, or ending
/// with an ellipsis, may have lost its end.
pub(super) const CUT_LENGTHS: std::ops::RangeInclusive<usize> = 98..=102;

/// Whether `title` may be the start of a longer one, cut by a repository.
fn may_be_cut(title: &str) -> bool {
    let trimmed = title.trim_end();
    trimmed.ends_with("...")
        || trimmed.ends_with('…')
        || CUT_LENGTHS.contains(&trimmed.chars().count())
}

/// Whether the last character of a folded title, ellipsis aside, is a digit.
fn ends_with_digit(folded: &str) -> bool {
    folded
        .trim_end_matches(['.', ' ', '…'])
        .ends_with(|c: char| c.is_ascii_digit())
}

/// Words that introduce a volume's number.
const VOLUME_WORDS: &[&str] = &[
    "tome",
    "t",
    "volume",
    "vol",
    "partie",
    "part",
    "livre",
    "book",
    "fascicule",
];

/// A title key without its volume designations ("… volume ii", "… t 2"): volumes are compared
/// by their numbers, and "Vol. 2" and "Tome 2 : annexes" are the same volume.
pub(super) fn without_volume_designations(key: &str) -> String {
    strip_volumes(key, 1)
}

/// [`without_volume_designations`] from the word at `from` on (the first word of a title is
/// kept: "Tome 1" alone is a title).
pub(super) fn strip_volumes(key: &str, from: usize) -> String {
    if !has_volume_designation(key, from) {
        return key.to_owned();
    }
    let tokens: Vec<&str> = key.split(' ').collect();
    let is_number = |t: &str| t.chars().all(|c| c.is_ascii_digit()) || roman(t).is_some();
    let mut kept: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        if VOLUME_WORDS.contains(&tokens[index])
            && tokens.get(index + 1).is_some_and(|t| is_number(t))
            && index >= from
        {
            index += 2;
            continue;
        }
        kept.push(tokens[index]);
        index += 1;
    }
    if kept.len() == tokens.len() {
        key.to_owned()
    } else {
        kept.join(" ")
    }
}

/// Whether [`strip_volumes`] would strip anything from `key` (most titles name no volume: they
/// are kept without splitting them into a list of words).
fn has_volume_designation(key: &str, from: usize) -> bool {
    let mut words = key.split(' ').enumerate().peekable();
    while let Some((index, word)) = words.next() {
        if index >= from
            && VOLUME_WORDS.contains(&word)
            && let Some((_, next)) = words.peek()
            && (next.chars().all(|c| c.is_ascii_digit()) || roman(next).is_some())
        {
            return true;
        }
    }
    false
}

/// Distinct strings in order. A sorted vector rather than a `BTreeSet`: a million records'
/// features are held in memory at once, and a set's first node costs hundreds of bytes even for
/// one element. Serialised the same way (a JSON array).
pub type SortedSet = Vec<String>;

/// Sorts, removes duplicates, and gives back the spare capacity.
fn sorted_set(mut values: Vec<String>) -> SortedSet {
    values.sort_unstable();
    values.dedup();
    values.shrink_to_fit();
    values
}

/// An author as dedup compares them: the family name in the forms it is written in (with and
/// without particles: "de La Fontaine", "La Fontaine", "Delafontaine" all meet), the first
/// initial when known, and the letters of the whole name whatever their order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorKey {
    pub families: Vec<String>,
    pub initial: Option<char>,
    /// A hash of the name's letters, sorted ([`name_letters`]), 0 when too short to tell: "Đỗ,
    /// Minh Châu", "Chau Do Minh" and "DO Minh Chau" are one person whichever part a
    /// repository took for the family name. A hash, not the letters: a million records hold it.
    #[serde(default)]
    pub letters: u64,
    /// The first given name when written in full (not an initial), folded, its first twelve
    /// letters packed five bits each ([`pack_given`]); 0 when unknown. Two full given names
    /// that are not forms of one name ("Anaïs" and "Antoine"; not "Mohamed" and "Mohammed",
    /// nor "Marie" and "Marie-Hélène") are two persons.
    #[serde(default)]
    pub given: u64,
}

/// Letters of a packed given name.
const GIVEN_LETTERS: usize = 12;

/// The first word of a folded given name, packed five bits a letter; 0 for an initial ("J.",
/// "J.-P."), a name of one letter or none.
pub(super) fn pack_given(folded: &str) -> u64 {
    let Some(first) = folded
        .split(|c: char| c.is_whitespace() || c == '-')
        .find(|w| !w.is_empty())
    else {
        return 0;
    };
    if first.contains('.') || first.chars().filter(char::is_ascii_lowercase).count() < 2 {
        return 0;
    }
    first
        .bytes()
        .filter(u8::is_ascii_lowercase)
        .take(GIVEN_LETTERS)
        .fold(0u64, |packed, b| packed << 5 | u64::from(b - b'a' + 1))
}

/// The letters [`pack_given`] packed.
pub(super) fn unpack_given(mut packed: u64) -> String {
    let mut letters = Vec::with_capacity(GIVEN_LETTERS);
    while packed != 0 {
        letters.push(char::from(b'a' + (packed & 31) as u8 - 1));
        packed >>= 5;
    }
    letters.iter().rev().collect()
}

/// The letters of a person's whole name, from its family and given names folded (other scripts
/// transliterated: "王小明" and "Wang Xiaoming" meet), sorted, so that any order of its parts
/// gives the same string; `None` below six letters (initials, short names tell too little).
fn name_letters(family: &str, given: Option<&str>) -> Option<String> {
    let mut letters: Vec<char> = family
        .chars()
        .chain(given.unwrap_or_default().chars())
        .filter(|c| c.is_alphabetic())
        .collect();
    if letters.len() < 6 {
        return None;
    }
    letters.sort_unstable();
    Some(letters.into_iter().collect())
}

impl AuthorKey {
    fn of_forms(forms: AuthorForms) -> Option<AuthorKey> {
        if forms.compact.is_empty() {
            return None;
        }
        let mut families = vec![forms.compact];
        if !forms.without_particles.is_empty() && !families.contains(&forms.without_particles) {
            families.push(forms.without_particles);
        }
        let letters = forms.letters.as_ref().map_or(0, |letters| {
            xxhash_rust::xxh3::xxh3_64(letters.as_bytes()).max(1)
        });
        Some(AuthorKey {
            families,
            initial: forms.initial,
            letters,
            given: forms.given,
        })
    }
}

/// Capitalised words after the first, folded, and the places of the gazetteer
/// ([`super::places`]) by their one name, whatever the language and case they are written in;
/// none for titles written in capitals.
fn proper_nouns_in(title: &str) -> Vec<String> {
    let all: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let words: Vec<&str> = all
        .iter()
        .copied()
        .filter(|w| w.chars().count() > 2)
        .collect();
    let capitalised = |w: &&&str| w.chars().next().is_some_and(char::is_uppercase);
    let upper_words = words
        .iter()
        .filter(|w| w.chars().all(|c| !c.is_lowercase()))
        .count();
    if words.is_empty() || upper_words * 2 > words.len() {
        return Vec::new();
    }
    let folded: Vec<String> = all.iter().map(|w| normalize::fold(w)).collect();
    let folded_words: Vec<&str> = folded.iter().map(String::as_str).collect();
    let places = super::places::places_in(&folded_words);
    // The words of a place, by where they start in the title.
    let in_place: Vec<*const u8> = places
        .iter()
        .flat_map(|(range, _)| all[range.clone()].iter().map(|w| w.as_ptr()))
        .collect();
    // A capital after a separator starts a subtitle ("— Une enquête"), not a name.
    let after_separator = |w: &&&str| {
        let offset = w.as_ptr() as usize - title.as_ptr() as usize;
        let before = title[..offset].trim_end();
        before.ends_with([':', '.', '—', '–', '-', ';', '?', '!', '(', '['])
    };
    words
        .iter()
        .skip(1)
        .filter(capitalised)
        .filter(|w| !after_separator(w))
        .filter(|w| w.chars().any(char::is_lowercase))
        .filter(|w| !in_place.contains(&w.as_ptr()))
        .map(|w| normalize::fold(w))
        .chain(places.iter().map(|(_, name)| (*name).to_owned()))
        .collect()
}

/// Alphanumeric words of a folded title, bracketed parts removed, joined by single spaces.
fn plain_words(folded: &str) -> String {
    let mut depth = 0usize;
    let mut kept = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() => {
                if pending_space && !kept.is_empty() {
                    kept.push(' ');
                }
                pending_space = false;
                kept.push(c);
            }
            _ => pending_space = true,
        }
    }
    kept
}

/// Numbers in a folded title: digits, and roman numerals after a volume word.
fn numbers_in(folded: &str) -> Vec<String> {
    numbers_with_context(folded)
        .into_iter()
        .map(|(number, _)| number)
        .collect()
}

/// Words that make a document a part of a study rather than the study: an observatory
/// publishes the report, its summary and its appendices as separate documents. Counted as
/// numbers (a "summary" title differs from one without), as volume numbers are.
const PART_WORDS: &[(&str, &str)] = &[
    ("synthese", "summary"),
    ("summary", "summary"),
    ("annexe", "annex"),
    ("annexes", "annex"),
    ("appendix", "annex"),
    ("appendices", "annex"),
];

/// [`numbers_in`], each with whether a volume word ("tome", "vol.", "partie"…) precedes it;
/// part words ([`PART_WORDS`]) as numbers after a volume word.
fn numbers_with_context(folded: &str) -> Vec<(String, bool)> {
    // Issue numbers as well as volumes.
    let after_number_word =
        |token: &str| VOLUME_WORDS.contains(&token) || matches!(token, "no" | "n" | "numero");
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    // "Tome 2 : annexes" is the second volume, whose content is the annexes: a part word names
    // a part only in a title without a volume number.
    let has_volume = tokens.windows(2).any(|pair| {
        VOLUME_WORDS.contains(&pair[0])
            && (pair[1].chars().all(|c| c.is_ascii_digit()) || roman(pair[1]).is_some())
    });
    let mut numbers = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let after_volume_word = index > 0 && after_number_word(tokens[index - 1]);
        if token.chars().all(|c| c.is_ascii_digit()) {
            numbers.push((token.trim_start_matches('0').to_owned(), after_volume_word));
        } else if after_volume_word && let Some(value) = roman(token) {
            numbers.push((value.to_string(), true));
        } else if !has_volume
            && let Some((_, part)) = PART_WORDS.iter().find(|(word, _)| word == token)
        {
            // One name per part, whatever the language: "Synthèse" and "Summary" agree.
            numbers.push((format!("part:{part}"), true));
        }
    }
    numbers
}

/// The one year written in `title` (not as the end of a period: "(1960-2020)" is what a work
/// studies, not its edition), if it is within a year of the record's `year`. A title naming two
/// years ("2008 et 2009") names no single edition.
fn edition_year(title: &str, year: i32) -> Option<i32> {
    let bytes = title.as_bytes();
    let mut start = 0;
    let mut found = None;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() {
            start += 1;
            continue;
        }
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
        let before = title[..start].trim_end().chars().next_back();
        let after = title[end..].trim_start().chars().next();
        let in_period = [before, after]
            .into_iter()
            .flatten()
            .any(|c| matches!(c, '-' | '–' | '—' | '/'));
        if end - start == 4
            && !in_period
            && let Ok(value) = title[start..end].parse::<i32>()
            && (1000..=2999).contains(&value)
        {
            if found.is_some_and(|other| other != value) {
                return None;
            }
            found = Some(value);
        }
        start = end;
    }
    found.filter(|value| (value - year).abs() <= 1)
}

fn roman(token: &str) -> Option<u32> {
    if token.is_empty() || token.len() > 6 {
        return None;
    }
    let mut total = 0u32;
    let mut previous = 0u32;
    for c in token.chars().rev() {
        let value = match c {
            'i' => 1,
            'v' => 5,
            'x' => 10,
            'l' => 50,
            _ => return None,
        };
        if value < previous {
            total = total.checked_sub(value)?;
        } else {
            total += value;
            previous = value;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores hold each record's features row and its blocking keys (as strings, hashed into
    /// the blocking index's ids): what is mined must not change unless `dedup::RULES` does, or a
    /// store mined by the last essor would no longer match this one's. Mined once for both
    /// (`mine`) they are what mining each apart gives, and their digest over the labelled sets
    /// and the sample dumps is pinned: 065165d's code, which mined them apart, gave the same
    /// rows and keys for every one of these records and for 100,000 generated ones
    /// (BENCHMARKS.md, fresh21). `ESSOR_MINE_RECORDS` names more record files of the labelled
    /// sets' format (the benchmarks' generated `records.jsonl`), compared but not digested.
    #[test]
    fn what_is_mined_is_pinned_and_mined_once_as_apart() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dedup-eval/");
        let pinned: Vec<String> = [
            "records.jsonl",
            "records-hard.jsonl",
            "records-holdout.jsonl",
            "records-hard-holdout.jsonl",
        ]
        .iter()
        .map(|name| format!("{dir}{name}"))
        .collect();
        let more: Vec<String> = std::env::var("ESSOR_MINE_RECORDS")
            .map(|more| more.split(':').map(str::to_owned).collect())
            .unwrap_or_default();
        let mut digest = crate::fnv::Fnv1a::default();
        let (mut checked, mut theses, mut keys_seen) = (0usize, 0usize, 0usize);
        let mut check = |record: &Normalized, digested: bool| {
            let mined = super::super::mine(record);
            assert_eq!(Features::of(record), mined.0, "{:?}", record.titles);
            assert_eq!(
                super::super::blocking_keys(record),
                mined.1,
                "{:?}",
                record.titles
            );
            if digested {
                digest.write(&serde_json::to_vec(&mined).expect("features serialise"));
            }
            checked += 1;
            theses += usize::from(mined.1.iter().any(|key| key.starts_with("a:")));
            keys_seen += mined.1.len();
        };
        for (source, harvested) in crate::normalize::tests::sample_records() {
            check(
                &crate::normalize::tests::normalize_harvested(&source, &harvested),
                true,
            );
        }
        for (file, digested) in pinned
            .iter()
            .map(|file| (file, true))
            .chain(more.iter().map(|file| (file, false)))
        {
            let text = std::fs::read_to_string(file).expect("a record file");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let labelled: crate::dedup::LabelledRecord =
                    serde_json::from_str(line).expect("a labelled record");
                let context = labelled.context();
                check(
                    &crate::normalize::normalize(&labelled.record, &context),
                    digested,
                );
                check(
                    &crate::normalize::normalize_for_dedup(&labelled.record, &context),
                    digested,
                );
            }
        }
        assert!(
            checked > 7_000 && theses > 500 && keys_seen > 10 * checked,
            "{checked} {theses} {keys_seen}"
        );
        assert_eq!(
            (crate::dedup::RULES, format!("{:016x}", digest.finish())),
            (1, "56d1422fd188213d".to_owned()),
            "what dedup mines of a record changed: bump dedup::RULES, then this digest"
        );
    }

    #[test]
    fn roman_numerals_after_volume_words_count() {
        assert_eq!(numbers_in("histoire volume ii"), vec!["2"]);
        assert_eq!(numbers_in("vivre et agir"), Vec::<String>::new());
    }
}
