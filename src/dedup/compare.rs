//! Deciding whether two normalised records describe the same work, with the rule that decided.
//!
//! Hard differences win over similar titles: a master's dissertation and a doctoral thesis by the
//! same person, two volumes of one work, two editions of a yearly study, or two people's theses
//! with the same generic title are different works however alike their titles are.

use super::distance::normalized_levenshtein;
use super::features::{AuthorKey, CUT_LENGTHS, Features, strip_volumes, unpack_given};
use crate::normalize::DegreeType;

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

impl AuthorKey {
    /// Same family name (allowing a typo, a dropped second name: "Jégou" and "Jégou-Perrot"),
    /// and initials that do not contradict each other; or the same letters in another order
    /// (a family name first or last, or read as a given name).
    fn matches(&self, other: &AuthorKey) -> bool {
        let same_family = self
            .families
            .iter()
            .any(|f| other.families.iter().any(|g| families_match(f, g)));
        let initials_agree = match (self.initial, other.initial) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        (same_family && initials_agree && !given_names_conflict(self.given, other.given))
            || (self.letters != 0 && self.letters == other.letters)
    }
}

/// Two given names written in full that are not forms of one name: neither begins the other
/// ("Marie" / "Marie-Hélène" agree) and they differ by more than a spelling ("Mohamed" /
/// "Mohammed", "Youssef" / "Youcef" agree; "Anaïs" / "Antoine", "Marie" / "Maël" do not).
fn given_names_conflict(a: u64, b: u64) -> bool {
    if a == 0 || b == 0 || a == b {
        return false;
    }
    let (a, b) = (unpack_given(a), unpack_given(b));
    !(a.starts_with(&b) || b.starts_with(&a))
        && strsim::normalized_damerau_levenshtein(&a, &b) < SAME_GIVEN_NAME
        && consonants(&a) != consonants(&b)
}

/// A given name's first letter and its consonants, doubled ones once, "c" as "s": the
/// transliterations of one Arabic name agree ("Mohamed", "Muhammad" -> "mhmd"; "Youcef",
/// "Yusuf", "Youssef" -> "ysf").
fn consonants(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (index, c) in name.chars().enumerate() {
        let c = if c == 'c' && index > 0 { 's' } else { c };
        if index > 0 && "aeiouy".contains(c) {
            continue;
        }
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Given names at least this alike are spellings of one name.
const SAME_GIVEN_NAME: f64 = 0.7;

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
    // A thesis has one NNT: two records with NNTs and none in common are two theses.
    let nnt = |id: &&String| id.starts_with("nnt:");
    if a.strong_ids.iter().any(|id| nnt(&id)) && b.strong_ids.iter().any(|id| nnt(&id)) {
        return Verdict::Different {
            reason: "different NNTs",
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
    // One issue of a series ("n°11" on both): its number dates it as an edition's year does.
    let same_issue = !a.title_numbers.is_empty() && a.title_numbers == b.title_numbers;
    let years_apart = match (a.year, b.year) {
        (Some(_), Some(_)) if is_study => !study_years_agree(a, b, &authors, same_issue),
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
        && !truncated_pair(a, b)
        && let (Some(nouns_a), Some(nouns_b)) = (a.proper_nouns.get(i), b.proper_nouns.get(j))
        && proper_nouns_conflict(nouns_a, nouns_b)
    {
        return Verdict::Different {
            reason: "titles name different places or organisations",
        };
    }
    let title = title_similarity(a, b, closest.map_or(0.0, |(_, _, s)| s as f32));
    // One main title over two subtitles: a generic main title ("Entre marché et réciprocité")
    // says little; the subtitles tell two people of one family name and initial apart, or one
    // student's M1 from their M2.
    if title >= TITLE_SAME && !is_study && subtitles_conflict(a, b) {
        return Verdict::Different {
            reason: "same main title, different subtitles",
        };
    }
    // One title carries a number (a volume, an edition) the other lacks: not enough alone,
    // unless one title is the other cut short (the number was in the part cut off).
    let numbers_differ = !truncated_pair(a, b) && numbers_differ(a, b);
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
            && (a.edition.or(a.year) == b.edition.or(b.year) || same_issue)
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
/// their year alone), or for one issue of a series (its number tells it from the others).
fn study_years_agree(a: &Features, b: &Features, authors: &Agreement, same_issue: bool) -> bool {
    match (a.edition, b.edition, a.year, b.year) {
        (Some(x), Some(y), _, _) => x == y,
        (Some(x), None, _, Some(y)) | (None, Some(x), Some(y), _) => x == y,
        (None, None, Some(x), Some(y)) => {
            x == y || ((x - y).abs() == 1 && (*authors == Agreement::Match || same_issue))
        }
        _ => true,
    }
}

/// Different known degree types are different works; a training programme is only ever the
/// same as another programme (an untyped record is not one).
pub(super) fn degrees_conflict(a: DegreeType, b: DegreeType) -> bool {
    let programme = DegreeType::TrainingProgramme;
    a != b
        && ((a == programme || b == programme)
            || (a != DegreeType::Other && b != DegreeType::Other))
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
    // A title truncated (with or without an ellipsis) or without its subtitle on one side.
    for fa in &a.full_title_keys {
        for fb in &b.full_title_keys {
            if let Some((short, long)) = prefix_pair(fa, fb)
                && short.split(' ').count() >= 4
                && long.starts_with(short)
            {
                best = best.max(0.95);
            }
        }
    }
    best
}

/// The shorter of two folded titles, without an ellipsis and the spaces that end it, and the
/// longer one.
fn prefix_pair<'t>(a: &'t str, b: &'t str) -> Option<(&'t str, &'t str)> {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let short = short.trim_end_matches(['.', ' ', '…']);
    (short.len() < long.len()).then_some((short, long))
}

/// A title cut mid-word without an ellipsis is at least this long.
const MIN_CUT_LENGTH: usize = 60;

/// Whether a title of one record is a title of the other cut short by a repository (which cuts
/// at 100 characters, mid-word, with or without "…"): then the numbers and places of the
/// longer title's end, a period or a region cut to "Bou…", say nothing. (A number the cut title
/// ends with is not among its features: see `Features::of`.)
fn truncated_pair(a: &Features, b: &Features) -> bool {
    a.full_title_keys.iter().any(|fa| {
        b.full_title_keys.iter().any(|fb| {
            let (short, _) = if fa.len() <= fb.len() {
                (fa, fb)
            } else {
                (fb, fa)
            };
            let ellipsis = short.trim_end().ends_with(['.', '…']);
            prefix_pair(fa, fb).is_some_and(|(cut, long)| {
                // Cut inside a word of letters ("Bou…"), not after a number ("volume i" of
                // "volume ii", "tome 1" of "tome 12"), in a long title.
                let last_word = cut.rsplit(|c: char| !c.is_alphanumeric()).next();
                let mid_word = cut.chars().count() >= MIN_CUT_LENGTH
                    && last_word.is_some_and(|w| {
                        w.chars().count() >= 2
                            && w.chars().all(char::is_alphabetic)
                            && !w.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l'))
                    })
                    && long[cut.len()..].starts_with(char::is_alphanumeric);
                // Cut at a word's end at one of the usual lengths (give or take a ligature).
                let at_limit = CUT_LENGTHS.contains(&cut.chars().count());
                (ellipsis || mid_word || at_limit)
                    && cut.split(' ').count() >= 4
                    && long.starts_with(cut)
            })
        })
    })
}

/// Whether the two records give one main title with different subtitles (and no pair of titles
/// with the same subtitle, or one a truncation of the other).
fn subtitles_conflict(a: &Features, b: &Features) -> bool {
    use crate::normalize::{split_subtitle, words_key};
    let mut conflict = false;
    for fa in &a.full_title_keys {
        for fb in &b.full_title_keys {
            let (Some((main_a, sub_a)), Some((main_b, sub_b))) =
                (split_subtitle(fa), split_subtitle(fb))
            else {
                continue;
            };
            if key_similarity(&words_key(main_a), &words_key(main_b)) < TITLE_SAME {
                continue;
            }
            // "T. 3" is a volume, not a subtitle.
            let (sub_a, sub_b) = (
                strip_volumes(&words_key(sub_a), 0),
                strip_volumes(&words_key(sub_b), 0),
            );
            if sub_a.is_empty() || sub_b.is_empty() {
                continue;
            }
            if sub_a.starts_with(&sub_b)
                || sub_b.starts_with(&sub_a)
                || key_similarity(&sub_a, &sub_b) >= DIFFERENT_SUBTITLES
            {
                return false;
            }
            conflict = true;
        }
    }
    conflict
}

/// Subtitles less alike than this are different subtitles.
const DIFFERENT_SUBTITLES: f32 = 0.5;

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
mod tests;
