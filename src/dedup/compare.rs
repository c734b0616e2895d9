//! Deciding whether two normalised records describe the same work, with the rule that decided.
//!
//! Hard differences win over similar titles: a master's dissertation and a doctoral thesis by the
//! same person, two volumes of one work, two editions of a yearly study, or two people's theses
//! with the same generic title are different works however alike their titles are.

use super::distance::normalized_levenshtein;
use crate::normalize::{self, DegreeType, Normalized};

/// The outcome of comparing two records.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The same work, by `rule`, with a confidence `score` in 0..=1.
    Same { rule: &'static str, score: f32 },
    /// Different works, for a reason that also forbids joining their clusters.
    Different { reason: &'static str },
    /// Not enough evidence either way: not merged.
    Unsure { score: f32 },
}

/// Title similarity at or above which titles are taken as the same (with matching authors).
pub const TITLE_SAME: f32 = 0.86;
/// Without authors on one side, titles must match this closely.
const TITLE_SAME_WITHOUT_AUTHORS: f32 = 0.96;
/// Years further apart than this are different works (defence, deposit and cataloguing years
/// differ by one or two).
pub(super) const MAX_YEAR_GAP: i32 = 2;
/// A study's copies (a CRESS site, HAL) retitle it more freely; same year required.
const STUDY_TITLE_SAME: f32 = 0.70;

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

impl Features {
    pub fn of(record: &Normalized) -> Features {
        let mut title_keys = Vec::new();
        let mut full_title_keys = Vec::new();
        let mut title_words = Vec::new();
        let mut title_numbers = Vec::new();
        let mut subtitle_numbers = Vec::new();
        let mut proper_nouns = Vec::new();
        let year = record.date.as_ref().map(|d| d.year);
        let edition = record
            .titles
            .iter()
            .find_map(|title| edition_year(&title.text, year?));
        for title in &record.titles {
            let key = normalize::title_key(&title.text);
            let full = normalize::fold(&title.text);
            // The edition's year says no more than the date (and is compared as `edition`).
            let not_edition = |n: &String| Some(n) != edition.map(|e| e.to_string()).as_ref();
            let main: Vec<String> = numbers_in(&key).into_iter().filter(not_edition).collect();
            for (number, after_volume_word) in numbers_with_context(&full) {
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
                proper_nouns.push(sorted_set(proper_nouns_in(&title.text)));
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
        let authors = record.authors.iter().filter_map(AuthorKey::of).collect();
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
            strong_ids: sorted_set(super::keys::strong_ids(record)),
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
/// without particles: "de La Fontaine", "La Fontaine", "Delafontaine" all meet), and the first
/// initial when known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorKey {
    pub families: Vec<String>,
    pub initial: Option<char>,
}

impl AuthorKey {
    fn of(person: &normalize::Person) -> Option<AuthorKey> {
        let compact: String = normalize::fold(&person.family)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if compact.is_empty() {
            return None;
        }
        let key = normalize::name_key(person);
        let without_particles = key.split(' ').next().unwrap_or_default().to_owned();
        let mut families = vec![compact];
        if !without_particles.is_empty() && !families.contains(&without_particles) {
            families.push(without_particles);
        }
        let initial = person
            .given
            .as_deref()
            .map(normalize::fold)
            .and_then(|given| given.chars().find(|c| c.is_alphanumeric()));
        Some(AuthorKey { families, initial })
    }

    /// Same family name (allowing a typo, a dropped second name: "Jégou" and "Jégou-Perrot"),
    /// and initials that do not contradict each other.
    fn matches(&self, other: &AuthorKey) -> bool {
        let same_family = self
            .families
            .iter()
            .any(|f| other.families.iter().any(|g| families_match(f, g)));
        let initials_agree = match (self.initial, other.initial) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        same_family && initials_agree
    }
}

/// Capitalised words after the first, folded; none for titles written in capitals.
fn proper_nouns_in(title: &str) -> Vec<String> {
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
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
        .map(|w| normalize::fold(w))
        .collect()
}

/// The pair of titles (one of each record) that are most alike, and their similarity: the
/// proper nouns of a French title are not compared with those of an English one.
fn closest_titles(a: &Features, b: &Features) -> Option<(usize, usize, f64)> {
    let mut best: Option<(usize, usize, f64)> = None;
    for (i, wa) in a.title_words.iter().enumerate() {
        for (j, wb) in b.title_words.iter().enumerate() {
            let similarity = normalized_levenshtein(wa, wb);
            if best.is_none_or(|(_, _, s)| similarity > s) {
                best = Some((i, j, similarity));
            }
        }
    }
    best
}

/// Each side names a place or organisation the other does not (allowing a typo).
fn proper_nouns_conflict(a: &[String], b: &[String]) -> bool {
    let unmatched = |x: &[String], y: &[String]| {
        x.iter()
            .any(|word| !y.iter().any(|other| families_match(word, other)))
    };
    !a.is_empty() && !b.is_empty() && unmatched(a, b) && unmatched(b, a)
}

/// Alphanumeric words of a folded title, bracketed parts removed, joined by single spaces.
fn plain_words(folded: &str) -> String {
    let mut depth = 0usize;
    let mut kept = String::with_capacity(folded.len());
    for c in folded.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() => kept.push(c),
            _ => kept.push(' '),
        }
    }
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn families_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 4 && long.starts_with(short) {
        return true;
    }
    short.chars().count() >= 5 && strsim::normalized_damerau_levenshtein(a, b) >= 0.8
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
        "no",
        "n",
    ];
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut numbers = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let after_volume_word = index > 0 && VOLUME_WORDS.contains(&tokens[index - 1]);
        if token.chars().all(|c| c.is_ascii_digit()) {
            numbers.push((token.trim_start_matches('0').to_owned(), after_volume_word));
        } else if after_volume_word && let Some(value) = roman(token) {
            numbers.push((value.to_string(), true));
        } else if let Some((_, part)) = PART_WORDS.iter().find(|(word, _)| word == token) {
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

/// Compares two records.
pub fn compare(a: &Features, b: &Features) -> Verdict {
    if a.strong_ids
        .iter()
        .any(|id| b.strong_ids.binary_search(id).is_ok())
    {
        return Verdict::Same {
            rule: "shared identifier",
            score: 1.0,
        };
    }
    if degrees_conflict(a.degree, b.degree) {
        return Verdict::Different {
            reason: "different degree types",
        };
    }
    let is_thesis = |f: &Features| {
        matches!(
            f.degree,
            DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr
        )
    };
    if (a.book && is_thesis(b)) || (b.book && is_thesis(a)) {
        return Verdict::Different {
            reason: "a book and a thesis",
        };
    }
    // Studies are signed by an organisation on one site and by persons on another, or by the
    // coordinator here and the writers there (different names alone prove nothing), and come in
    // yearly editions (the year must be the same).
    let is_study = a.degree == DegreeType::ReportStudy || b.degree == DegreeType::ReportStudy;
    if a.title_numbers != b.title_numbers
        && !(a.title_numbers.is_empty() || b.title_numbers.is_empty())
    {
        return Verdict::Different {
            reason: "different volume, part or edition numbers",
        };
    }
    if let (Some(ea), Some(eb)) = (a.edition, b.edition)
        && ea != eb
    {
        return Verdict::Different {
            reason: "different editions",
        };
    }
    // Authors first: the cheapest test that tells most candidate pairs apart (a generic title
    // by two people), before any edit distance is computed.
    let authors = author_agreement(a, b);
    let years_apart = match (a.year, b.year) {
        (Some(_), Some(_)) if is_study => !study_years_agree(a, b, &authors),
        (Some(ya), Some(yb)) => (ya - yb).abs() > MAX_YEAR_GAP,
        _ => false,
    };
    if years_apart {
        return Verdict::Different {
            reason: "years too far apart",
        };
    }
    if authors == Agreement::Conflict && !is_study {
        return Verdict::Different {
            reason: "different authors",
        };
    }
    let closest = closest_titles(a, b);
    if let Some((i, j, _)) = closest
        && let (Some(nouns_a), Some(nouns_b)) = (a.proper_nouns.get(i), b.proper_nouns.get(j))
        && proper_nouns_conflict(nouns_a, nouns_b)
    {
        return Verdict::Different {
            reason: "titles name different places or organisations",
        };
    }
    let title = title_similarity(a, b, closest.map_or(0.0, |(_, _, s)| s as f32));
    // One title carries a number (a volume, an edition) the other lacks: not enough alone.
    let numbers_differ = numbers_differ(a, b);
    match authors {
        Agreement::Match if title >= TITLE_SAME && !numbers_differ => Verdict::Same {
            rule: "title and author",
            score: title,
        },
        Agreement::Unknown | Agreement::Conflict
            if title >= TITLE_SAME_WITHOUT_AUTHORS
                && !numbers_differ
                && a.year.is_some()
                && b.year.is_some() =>
        {
            Verdict::Same {
                rule: "title and year, authors not comparable",
                score: title,
            }
        }
        // Two sets of persons with no name in common: only a close title (organisations are
        // not among `authors`, so this is not the CRESS-signed copy of a study).
        _ if is_study
            && title
                >= if authors == Agreement::Conflict {
                    TITLE_SAME
                } else {
                    STUDY_TITLE_SAME
                }
            && a.year.is_some()
            && b.year.is_some()
            && a.edition.or(a.year) == b.edition.or(b.year)
            && !numbers_differ =>
        {
            Verdict::Same {
                rule: "study title and year",
                score: title,
            }
        }
        _ => Verdict::Unsure { score: title },
    }
}

/// Whether the titles' numbers tell the records apart: a number of one main title (or a volume)
/// that the other title lacks altogether, or subtitles that both carry numbers, and not the same
/// ones. A number one copy writes after a colon and the other after a comma counts as shared.
fn numbers_differ(a: &Features, b: &Features) -> bool {
    let lacks = |numbers: &[String], other: &Features| {
        numbers.iter().any(|n| {
            other.title_numbers.binary_search(n).is_err()
                && other.subtitle_numbers.binary_search(n).is_err()
        })
    };
    let both_subtitles = !a.subtitle_numbers.is_empty() && !b.subtitle_numbers.is_empty();
    lacks(&a.title_numbers, b)
        || lacks(&b.title_numbers, a)
        || (both_subtitles && (lacks(&a.subtitle_numbers, b) || lacks(&b.subtitle_numbers, a)))
}

/// Whether two records, one of them a study, are of the same year: the edition a title names
/// stands for its record's date; two dates a year apart are the same year only for the same
/// persons' study (yearly editions by an organisation keep their title, and are told apart by
/// their year alone).
fn study_years_agree(a: &Features, b: &Features, authors: &Agreement) -> bool {
    match (a.edition, b.edition, a.year, b.year) {
        (Some(x), Some(y), _, _) => x == y,
        (Some(x), None, _, Some(y)) | (None, Some(x), Some(y), _) => x == y,
        (None, None, Some(x), Some(y)) => {
            x == y || ((x - y).abs() == 1 && *authors == Agreement::Match)
        }
        _ => true,
    }
}

pub(super) fn degrees_conflict(a: DegreeType, b: DegreeType) -> bool {
    a != b && a != DegreeType::Other && b != DegreeType::Other
}

#[derive(Debug, PartialEq, Eq)]
enum Agreement {
    Match,
    Conflict,
    Unknown,
}

fn author_agreement(a: &Features, b: &Features) -> Agreement {
    if a.authors.is_empty() || b.authors.is_empty() {
        return Agreement::Unknown;
    }
    if a.authors
        .iter()
        .any(|x| b.authors.iter().any(|y| x.matches(y)))
    {
        Agreement::Match
    } else {
        Agreement::Conflict
    }
}

/// The best similarity between any title of `a` and any title of `b`, in 0..=1, given the best
/// similarity of their plain words (typos, other subtitle separators, "[Texte imprimé]"), which
/// [`closest_titles`] has computed already.
fn title_similarity(a: &Features, b: &Features, words_similarity: f32) -> f32 {
    let mut best = words_similarity;
    for ka in &a.title_keys {
        for kb in &b.title_keys {
            best = best.max(key_similarity(ka, kb));
        }
    }
    // A title truncated or without its subtitle on one side.
    for fa in &a.full_title_keys {
        for fb in &b.full_title_keys {
            let (short, long) = if fa.len() <= fb.len() {
                (fa, fb)
            } else {
                (fb, fa)
            };
            if short.split(' ').count() >= 4 && long.starts_with(short.as_str()) {
                best = best.max(0.95);
            }
        }
    }
    best
}

fn key_similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let edit = normalized_levenshtein(a, b) as f32;
    let mut tokens_a: Vec<&str> = a.split(' ').collect();
    let mut tokens_b: Vec<&str> = b.split(' ').collect();
    tokens_a.sort_unstable();
    tokens_a.dedup();
    tokens_b.sort_unstable();
    tokens_b.dedup();
    let shared = tokens_a
        .iter()
        .filter(|t| tokens_b.binary_search(t).is_ok())
        .count();
    let union = (tokens_a.len() + tokens_b.len() - shared).max(1) as f32;
    edit.max(shared as f32 / union)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(title: &str, author: &str, year: i32, degree: DegreeType) -> Features {
        let record = Normalized {
            titles: vec![normalize::Title {
                text: title.to_owned(),
                lang: None,
                subtitle: None,
            }],
            authors: vec![normalize::Person {
                family: author.to_owned(),
                given: None,
                display: author.to_owned(),
                id: None,
            }],
            advisors: Vec::new(),
            degree_type: degree,
            discipline: None,
            institution: None,
            date: Some(normalize::PartialDate {
                year,
                month: None,
                day: None,
            }),
            language: None,
            abstracts: Vec::new(),
            keywords: Vec::new(),
            identifiers: Vec::new(),
            access: Default::default(),
            embargo_until: None,
            licence: None,
            problems: Vec::new(),
        };
        Features::of(&record)
    }

    fn same(a: &Features, b: &Features) -> bool {
        matches!(compare(a, b), Verdict::Same { .. })
    }

    #[test]
    fn a_study_is_dated_by_the_edition_in_its_title() {
        let hal = features(
            "Observatoire des associations du Sud 2000",
            "Monbelignac",
            1999,
            DegreeType::ReportStudy,
        );
        let site = features(
            "Observatoire des associations du Sud 2000",
            "Monbelignac",
            2000,
            DegreeType::ReportStudy,
        );
        assert_eq!((hal.edition, site.edition), (Some(2000), Some(2000)));
        assert!(same(&hal, &site), "{:?}", compare(&hal, &site));
        let next = features(
            "Observatoire des associations du Sud 2001",
            "Monbelignac",
            2000,
            DegreeType::ReportStudy,
        );
        assert_eq!(
            compare(&site, &next),
            Verdict::Different {
                reason: "different editions"
            }
        );
        // A period is what a work studies, not its edition.
        let period = features(
            "Les Scop à Lyon : le financement (1982-2022)",
            "Beauloel",
            2023,
            DegreeType::DoctoralThesis,
        );
        assert_eq!(period.edition, None);
    }

    #[test]
    fn editions_parts_and_numbers_in_corner_cases() {
        // The edition dates a study for the title rule too.
        let hal = features(
            "Panorama de l'ESS en Bretagne 2021",
            "",
            2022,
            DegreeType::ReportStudy,
        );
        let site = features(
            "Panorama de l'économie sociale en Bretagne",
            "",
            2021,
            DegreeType::ReportStudy,
        );
        assert_eq!(hal.edition, Some(2021));
        assert!(
            !matches!(compare(&hal, &site), Verdict::Different { .. }),
            "{:?}",
            compare(&hal, &site)
        );
        // Two years in a title name no single edition.
        let two_years = features(
            "Bilan des Scop 2008 et 2009",
            "Dupont",
            2008,
            DegreeType::DoctoralThesis,
        );
        assert_eq!(two_years.edition, None);
        // A summary is a summary in either language.
        let mut bilingual = features(
            "Synthèse : les Scop en Bretagne",
            "",
            2020,
            DegreeType::ReportStudy,
        );
        let english = features(
            "Summary: Scop in Brittany",
            "",
            2020,
            DegreeType::ReportStudy,
        );
        bilingual
            .title_numbers
            .extend(english.title_numbers.clone());
        bilingual.title_numbers.sort();
        bilingual.title_numbers.dedup();
        let french = features(
            "Synthèse : les Scop en Bretagne",
            "",
            2020,
            DegreeType::ReportStudy,
        );
        assert_eq!(bilingual.title_numbers, vec!["part:summary"]);
        assert!(
            same(&bilingual, &french),
            "{:?}",
            compare(&bilingual, &french)
        );
        // A number after a colon on one side and a comma on the other is the same number.
        let colon = features(
            "La Scop Callune : 25 ans d'histoire",
            "Kerard",
            2012,
            DegreeType::MastersDissertation,
        );
        let comma = features(
            "La Scop Callune, 25 ans d'histoire",
            "Kerard",
            2012,
            DegreeType::MastersDissertation,
        );
        assert!(same(&colon, &comma), "{:?}", compare(&colon, &comma));
    }

    #[test]
    fn a_study_a_year_apart_is_the_same_only_for_the_same_persons() {
        let hal = features(
            "Panorama des Scop du réemploi dans la Sarthe",
            "Petit",
            2022,
            DegreeType::ReportStudy,
        );
        let site = features(
            "Panorama des Scop du réemploi dans la Sarthe",
            "Petit",
            2021,
            DegreeType::ReportStudy,
        );
        assert!(same(&hal, &site), "{:?}", compare(&hal, &site));
        let mut yearly = site.clone();
        yearly.authors.clear();
        let mut next_year = hal.clone();
        next_year.authors.clear();
        assert!(matches!(
            compare(&yearly, &next_year),
            Verdict::Different { .. }
        ));
    }

    #[test]
    fn a_study_by_other_persons_needs_a_close_title() {
        let a = features(
            "L'économie sociale et solidaire dans l'espace méditerranéen : le leadership",
            "Martin",
            2015,
            DegreeType::ReportStudy,
        );
        let b = features(
            "L'économie sociale et solidaire dans le Pas-de-Calais",
            "Schneider",
            2015,
            DegreeType::ReportStudy,
        );
        assert!(!same(&a, &b), "{:?}", compare(&a, &b));
        let same_study = features(
            "L'économie sociale et solidaire dans l'espace méditerranéen",
            "Rodrigues",
            2015,
            DegreeType::ReportStudy,
        );
        assert!(same(&a, &same_study), "{:?}", compare(&a, &same_study));
    }

    #[test]
    fn numbers_only_in_one_subtitle_do_not_part_copies() {
        let long = features(
            "Les sociétés d'assurance mutuelle et la transition : une enquête auprès de 55 structures",
            "Durbelens",
            1997,
            DegreeType::MastersDissertation,
        );
        let short = features(
            "Les sociétés d'assurance mutuelle et la transition",
            "Durbelens",
            1997,
            DegreeType::MastersDissertation,
        );
        assert_eq!(long.subtitle_numbers, vec!["55"]);
        assert!(same(&long, &short), "{:?}", compare(&long, &short));
        let other_sample = features(
            "Les sociétés d'assurance mutuelle et la transition : une enquête auprès de 12 structures",
            "Durbelens",
            1997,
            DegreeType::MastersDissertation,
        );
        assert!(!same(&long, &other_sample));
        // A volume number, a summary, are significant wherever they are written.
        let summary = features(
            "Égalité femmes-hommes dans l'ESS en Occitanie. Édition 2023 : synthèse",
            "",
            2024,
            DegreeType::ReportStudy,
        );
        let report = features(
            "Égalité femmes-hommes dans l'ESS en Occitanie. Édition 2023",
            "",
            2023,
            DegreeType::ReportStudy,
        );
        assert_eq!(summary.edition, Some(2023));
        assert!(!same(&summary, &report), "{:?}", compare(&summary, &report));
        let volume = features(
            "Histoire de la mutualité. Tome 2",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        let whole = features(
            "Histoire de la mutualité",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        assert_eq!(volume.title_numbers, vec!["2"]);
        assert!(!same(&volume, &whole));
    }

    #[test]
    fn same_thesis_with_case_accents_and_subtitle_differences() {
        let a = features(
            "L'Économie sociale et solidaire en Bretagne : gouvernance des SCIC",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        let b = features(
            "l'economie sociale et solidaire en bretagne",
            "Dupont",
            2020,
            DegreeType::DoctoralThesis,
        );
        assert!(
            matches!(compare(&a, &b), Verdict::Same { .. }),
            "{:?}",
            compare(&a, &b)
        );
    }

    #[test]
    fn hard_negatives_are_different() {
        let phd = features(
            "Les coopératives d'activité et d'emploi",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        let master = features(
            "Les coopératives d'activité et d'emploi",
            "Dupont",
            2014,
            DegreeType::MastersDissertation,
        );
        assert!(matches!(compare(&phd, &master), Verdict::Different { .. }));
        let other_author = features(
            "Les coopératives d'activité et d'emploi",
            "Martin",
            2019,
            DegreeType::DoctoralThesis,
        );
        assert!(matches!(
            compare(&phd, &other_author),
            Verdict::Different { .. }
        ));
        let tome1 = features(
            "Histoire de la mutualité. Tome 1",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        let tome2 = features(
            "Histoire de la mutualité. Tome 2",
            "Dupont",
            2019,
            DegreeType::DoctoralThesis,
        );
        assert!(matches!(compare(&tome1, &tome2), Verdict::Different { .. }));
        let edition_2019 = features(
            "Panorama de l'ESS en Occitanie 2019",
            "CRESS",
            2019,
            DegreeType::ReportStudy,
        );
        let edition_2020 = features(
            "Panorama de l'ESS en Occitanie 2020",
            "CRESS",
            2020,
            DegreeType::ReportStudy,
        );
        assert!(matches!(
            compare(&edition_2019, &edition_2020),
            Verdict::Different { .. }
        ));
    }

    #[test]
    fn roman_numerals_after_volume_words_count() {
        assert_eq!(numbers_in("histoire volume ii"), vec!["2"]);
        assert_eq!(numbers_in("vivre et agir"), Vec::<String>::new());
    }
}
