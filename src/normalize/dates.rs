//! Dates as repositories write them ("2019-06-12", "12/06/2019", "juin 2019", "c2019",
//! "2018-2019") parsed to a [`PartialDate`] that keeps only the precision the source gave.

use serde::{Deserialize, Serialize};

use super::Problem;
use super::text::fold;
use crate::map::Record;

/// A date known to the year, the month or the day. Ordered chronologically, a less precise date
/// before a more precise one of the same period (2019 < 2019-06 < 2019-06-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// Only set when `month` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
}

impl PartialDate {
    /// The year, or the full date when known (ISO 8601: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }
}

/// Why a date string gave no date. The message is what a record's problem list shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("unparseable date \"{0}\"")]
    Unparseable(String),
    #[error("impossible date \"{0}\"")]
    Impossible(String),
}

/// Years outside this range are typing errors ("0219", "20019"), not dates of theses.
const YEARS: std::ops::RangeInclusive<i32> = 1000..=2200;

impl PartialDate {
    pub fn year(year: i32) -> Self {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }

    /// Parses one date as found in `dc:date`, ETD-MS `date` or TEF `dateAccepted`.
    ///
    /// A range ("2018-2019", "2018/19") is an academic year and gives its last year, when the
    /// degree was awarded; an ISO interval ("2019-06-12/2019-06-13") gives its start.
    pub fn parse(text: &str) -> Result<PartialDate, DateError> {
        let trimmed = text.trim();
        let unparseable = || DateError::Unparseable(trimmed.to_owned());
        if trimmed.is_empty() {
            return Err(unparseable());
        }
        if let Some(date) = parse_iso(trimmed) {
            return date.validated(trimmed);
        }
        if let Some((start, _)) = trimmed.split_once('/')
            && let Some(date) = parse_iso(start.trim())
            && date.month.is_some()
        {
            return date.validated(trimmed);
        }
        let folded = fold(trimmed);
        if let Some(date) = parse_numeric(&folded) {
            return date.validated(trimmed);
        }
        if let Some(year) = parse_range(&folded) {
            return PartialDate::year(year).validated(trimmed);
        }
        if let Some(date) = parse_words(&folded) {
            return date.validated(trimmed);
        }
        // Last resort: a single plausible year somewhere ("c2019", "[2019?]", "soutenue en 2019").
        let years: Vec<i32> = numbers(&folded)
            .filter(|(digits, _)| digits.len() == 4)
            .map(|(_, value)| value as i32)
            .filter(|y| YEARS.contains(y))
            .collect();
        match years.as_slice() {
            [year] => Ok(PartialDate::year(*year)),
            _ => Err(unparseable()),
        }
    }

    fn validated(self, original: &str) -> Result<PartialDate, DateError> {
        let impossible = || DateError::Impossible(original.to_owned());
        if !YEARS.contains(&self.year) {
            return Err(impossible());
        }
        match (self.month, self.day) {
            (None, None) => Ok(self),
            (Some(month), None) if (1..=12).contains(&month) => Ok(self),
            (Some(month), Some(day))
                if (1..=12).contains(&month)
                    && day >= 1
                    && day <= days_in_month(self.year, month) =>
            {
                Ok(self)
            }
            _ => Err(impossible()),
        }
    }

    /// How many of year, month and day are known (1 to 3).
    pub fn precision(&self) -> u8 {
        1 + u8::from(self.month.is_some()) + u8::from(self.day.is_some())
    }
}

impl std::fmt::Display for PartialDate {
    /// ISO 8601 at the known precision: "2019", "2019-06", "2019-06-12".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// "2019", "2019-06", "2019-06-12", W3CDTF with a time ("2019-06-12T10:00:00Z"), "2019-6-1".
fn parse_iso(text: &str) -> Option<PartialDate> {
    let date_part = text.split(['T', ' ']).next()?;
    let mut parts = date_part.split('-');
    let year = parts.next()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let mut component = |max_len: usize| -> Option<Option<u8>> {
        match parts.next() {
            None => Some(None),
            Some(p)
                if !p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()) =>
            {
                p.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let month = component(2)?;
    let day = if month.is_some() { component(2)? } else { None };
    if parts.next().is_some() {
        return None;
    }
    // A time part is only allowed after a full date.
    if date_part.len() != text.len() && day.is_none() {
        return None;
    }
    Some(PartialDate { year, month, day })
}

/// "12/06/2019", "12-06-2019", "12.06.2019", "06/2019", "2019/06/12"; day first (European
/// order) unless the first number cannot be a month's day and the second can.
fn parse_numeric(folded: &str) -> Option<PartialDate> {
    let fields: Vec<&str> = folded.split(['/', '-', '.']).map(str::trim).collect();
    if fields.len() < 2
        || fields.len() > 3
        || !fields
            .iter()
            .all(|f| !f.is_empty() && f.len() <= 4 && f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let values: Vec<u32> = fields.iter().filter_map(|f| f.parse().ok()).collect();
    match (fields.as_slice(), values.as_slice()) {
        ([_, y], [m, year]) if y.len() == 4 && *m <= 12 => Some(PartialDate {
            year: *year as i32,
            month: Some(*m as u8),
            day: None,
        }),
        ([y, _, _], [year, m, d]) if y.len() == 4 => Some(PartialDate {
            year: *year as i32,
            month: Some(u8::try_from(*m).ok()?),
            day: Some(u8::try_from(*d).ok()?),
        }),
        ([_, _, y], [a, b, year]) if y.len() == 4 => {
            let (day, month) = if *b > 12 && *a <= 12 {
                (*b, *a)
            } else {
                (*a, *b)
            };
            Some(PartialDate {
                year: *year as i32,
                month: Some(u8::try_from(month).ok()?),
                day: Some(u8::try_from(day).ok()?),
            })
        }
        _ => None,
    }
}

/// "2018-2019", "2018 – 2019", "2018/19": the later year when the two are consecutive (an
/// academic year), the first one otherwise.
fn parse_range(folded: &str) -> Option<i32> {
    let (start, end) = folded.split_once(['-', '/'])?;
    let (start, end) = (start.trim(), end.trim());
    if start.len() != 4 || !start.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if end.is_empty() || !end.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let start: i32 = start.parse().ok()?;
    let end: i32 = match end.len() {
        4 => end.parse().ok()?,
        2 => start / 100 * 100 + end.parse::<i32>().ok()?,
        _ => return None,
    };
    Some(if end == start + 1 { end } else { start })
}

/// Dates with a month name, French or English: "juin 2019", "12 juin 2019", "1er juin 2019",
/// "June 12, 2019", "12 June 2019", "janv. 2019".
fn parse_words(folded: &str) -> Option<PartialDate> {
    let mut month = None;
    let mut year = None;
    let mut day = None;
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if let Some(m) = month_number(word) {
            if month.replace(m).is_some() {
                return None;
            }
            continue;
        }
        let digits = word.trim_end_matches(|c: char| c.is_alphabetic());
        let suffix = &word[digits.len()..];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            if matches!(word, "le" | "the" | "of" | "de" | "du" | "en" | "in" | "on") {
                continue;
            }
            return None;
        }
        if !matches!(suffix, "" | "er" | "st" | "nd" | "rd" | "th") {
            return None;
        }
        let value: u32 = digits.parse().ok()?;
        if digits.len() == 4 && year.is_none() {
            year = Some(value as i32);
        } else if digits.len() <= 2 && day.is_none() {
            day = Some(u8::try_from(value).ok()?);
        } else {
            return None;
        }
    }
    let (year, month) = (year?, month?);
    Some(PartialDate {
        year,
        month: Some(month),
        day,
    })
}

fn month_number(word: &str) -> Option<u8> {
    Some(match word {
        "janvier" | "janv" | "january" | "jan" => 1,
        "fevrier" | "fevr" | "fev" | "february" | "feb" => 2,
        "mars" | "march" | "mar" => 3,
        "avril" | "avr" | "april" | "apr" => 4,
        "mai" | "may" => 5,
        "juin" | "june" | "jun" => 6,
        "juillet" | "juil" | "july" | "jul" => 7,
        "aout" | "august" | "aug" => 8,
        "septembre" | "sept" | "september" | "sep" => 9,
        "octobre" | "october" | "oct" => 10,
        "novembre" | "november" | "nov" => 11,
        "decembre" | "december" | "dec" => 12,
        _ => return None,
    })
}

/// Runs of ASCII digits with their value (values too large to matter are skipped).
fn numbers(text: &str) -> impl Iterator<Item = (&str, u64)> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|d| !d.is_empty() && d.len() <= 9)
        .filter_map(|d| d.parse().ok().map(|v| (d, v)))
}

/// The date of a record among those it gives, with the problems met on the way.
///
/// Repositories list deposit, digitisation and availability dates beside the defence or
/// publication date, and those come later: the earliest year wins. Within that year, a date
/// without a time of day (a catalogued date, not a system timestamp) and then the most precise
/// one is taken.
pub fn best_date<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
) -> (Option<PartialDate>, Vec<DateError>) {
    let mut parsed: Vec<(PartialDate, bool)> = Vec::new();
    let mut errors = Vec::new();
    for candidate in candidates {
        match PartialDate::parse(candidate) {
            Ok(date) => parsed.push((date, candidate.contains(':'))),
            Err(error) => errors.push(error),
        }
    }
    let Some(earliest) = parsed.iter().map(|(d, _)| d.year).min() else {
        return (None, errors);
    };
    let best = parsed
        .iter()
        .filter(|(date, _)| date.year == earliest)
        .min_by_key(|(date, timestamp)| (*timestamp, std::cmp::Reverse(date.precision())))
        .map(|(date, _)| *date);
    (best, errors)
}

/// The defence or publication date: the best of the record's dates (OpenAIRE's
/// `info:eu-repo/date/…` embargo markers aside).
pub(super) fn record_date(record: &Record, problems: &mut Vec<Problem>) -> Option<PartialDate> {
    let date_candidates: Vec<&str> = record
        .dates
        .iter()
        .map(String::as_str)
        .filter(|d| {
            !d.trim()
                .to_ascii_lowercase()
                .starts_with("info:eu-repo/date/")
        })
        .collect();
    let (date, date_errors) = best_date(date_candidates.iter().copied());
    problems.extend(
        date_errors
            .iter()
            .map(|e| Problem::new("date", e.to_string())),
    );
    if date.is_none() && date_errors.is_empty() {
        problems.push(Problem::new("date", "no date"));
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: Option<u8>, d: Option<u8>) -> PartialDate {
        PartialDate {
            year: y,
            month: m,
            day: d,
        }
    }

    #[test]
    fn iso_and_w3cdtf_dates_keep_their_precision() {
        assert_eq!(
            PartialDate::parse("2019-06-12"),
            Ok(date(2019, Some(6), Some(12)))
        );
        assert_eq!(PartialDate::parse("2019-06"), Ok(date(2019, Some(6), None)));
        assert_eq!(PartialDate::parse("2019"), Ok(PartialDate::year(2019)));
        assert_eq!(
            PartialDate::parse("2018-06-15T11:45:32Z"),
            Ok(date(2018, Some(6), Some(15)))
        );
        assert_eq!(
            PartialDate::parse("2004-01-26T10:00:00+01:00"),
            Ok(date(2004, Some(1), Some(26)))
        );
        assert_eq!(
            PartialDate::parse(" 2019-6-1 "),
            Ok(date(2019, Some(6), Some(1)))
        );
    }

    #[test]
    fn french_numeric_and_worded_dates() {
        assert_eq!(
            PartialDate::parse("12/06/2019"),
            Ok(date(2019, Some(6), Some(12)))
        );
        assert_eq!(
            PartialDate::parse("12.06.2019"),
            Ok(date(2019, Some(6), Some(12)))
        );
        assert_eq!(PartialDate::parse("06/2019"), Ok(date(2019, Some(6), None)));
        // Month first when the day cannot be a month (US order).
        assert_eq!(
            PartialDate::parse("06/25/2019"),
            Ok(date(2019, Some(6), Some(25)))
        );
        assert_eq!(
            PartialDate::parse("juin 2019"),
            Ok(date(2019, Some(6), None))
        );
        assert_eq!(
            PartialDate::parse("1er juin 2019"),
            Ok(date(2019, Some(6), Some(1)))
        );
        assert_eq!(
            PartialDate::parse("12 Décembre 2019"),
            Ok(date(2019, Some(12), Some(12)))
        );
        assert_eq!(
            PartialDate::parse("Août 2020"),
            Ok(date(2020, Some(8), None))
        );
        assert_eq!(
            PartialDate::parse("June 12, 2019"),
            Ok(date(2019, Some(6), Some(12)))
        );
        assert_eq!(
            PartialDate::parse("janv. 2021"),
            Ok(date(2021, Some(1), None))
        );
    }

    #[test]
    fn catalogue_years_and_ranges() {
        assert_eq!(PartialDate::parse("c2019"), Ok(PartialDate::year(2019)));
        assert_eq!(PartialDate::parse("©2019"), Ok(PartialDate::year(2019)));
        assert_eq!(PartialDate::parse("[2019?]"), Ok(PartialDate::year(2019)));
        assert_eq!(PartialDate::parse("2018-2019"), Ok(PartialDate::year(2019)));
        assert_eq!(PartialDate::parse("2018/19"), Ok(PartialDate::year(2019)));
        assert_eq!(PartialDate::parse("1990-2010"), Ok(PartialDate::year(1990)));
        assert_eq!(
            PartialDate::parse("2019-06-12/2019-06-13"),
            Ok(date(2019, Some(6), Some(12)))
        );
        assert_eq!(
            PartialDate::parse("Soutenue en 2019"),
            Ok(PartialDate::year(2019))
        );
    }

    #[test]
    fn impossible_and_unparseable_dates_are_errors_that_name_the_text() {
        assert_eq!(
            PartialDate::parse("2019-02-30"),
            Err(DateError::Impossible("2019-02-30".into()))
        );
        assert!(PartialDate::parse("2020-02-29").is_ok());
        assert!(PartialDate::parse("2019-13").is_err());
        assert!(PartialDate::parse("0219").is_err());
        let error = PartialDate::parse("s.d.").unwrap_err();
        assert_eq!(error.to_string(), "unparseable date \"s.d.\"");
        assert!(PartialDate::parse("2017 ou 2018").is_err());
        assert!(PartialDate::parse("").is_err());
    }

    #[test]
    fn best_date_prefers_earliest_year_then_catalogued_then_precise() {
        // DSpace: issued year, then accession timestamp of a later year.
        let (best, errors) = best_date(["2018-06-15T11:45:32Z", "2017"]);
        assert_eq!(best, Some(PartialDate::year(2017)));
        assert!(errors.is_empty());
        let (best, _) = best_date(["2017", "2017-03-02"]);
        assert_eq!(best, Some(date(2017, Some(3), Some(2))));
        let (best, _) = best_date(["2017-09-01T00:00:00Z", "2017"]);
        assert_eq!(best, Some(PartialDate::year(2017)));
        let (best, errors) = best_date(["n.d.", "juin 2019"]);
        assert_eq!(best, Some(date(2019, Some(6), None)));
        assert_eq!(errors.len(), 1);
        assert_eq!(best_date([]).0, None);
    }

    #[test]
    fn display_is_iso_at_known_precision() {
        assert_eq!(date(2019, Some(6), Some(2)).to_string(), "2019-06-02");
        assert_eq!(date(2019, Some(6), None).to_string(), "2019-06");
        assert_eq!(PartialDate::year(1987).to_string(), "1987");
        assert!(date(2019, None, None) < date(2019, Some(1), None));
    }
}
