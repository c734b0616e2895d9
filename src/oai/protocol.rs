//! The words of OAI-PMH 2.0 that the harvester reads and the provider writes: error codes,
//! datestamps and their granularity, set specs and their hierarchy. One definition, so that
//! what essor accepts from a repository and what it serves agree. Pure, no I/O.

use std::fmt;

/// The namespace of OAI-PMH 2.0 responses.
pub const OAI_NS: &str = "http://www.openarchives.org/OAI/2.0/";

/// The error codes of OAI-PMH 2.0 (§3.6). The provider uses each exactly in its case; a
/// harvested `<error>` may carry anything, kept as [`ErrorCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoMetadataFormats,
    NoSetHierarchy,
    /// A code the protocol does not define, as a repository sent it (trimmed).
    Other(String),
}

impl ErrorCode {
    /// The codes the protocol defines, in the order of its table.
    pub const DEFINED: [ErrorCode; 8] = [
        ErrorCode::BadArgument,
        ErrorCode::BadResumptionToken,
        ErrorCode::BadVerb,
        ErrorCode::CannotDisseminateFormat,
        ErrorCode::IdDoesNotExist,
        ErrorCode::NoRecordsMatch,
        ErrorCode::NoMetadataFormats,
        ErrorCode::NoSetHierarchy,
    ];

    /// The code as written in `<error code="…">`.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::BadArgument => "badArgument",
            ErrorCode::BadResumptionToken => "badResumptionToken",
            ErrorCode::BadVerb => "badVerb",
            ErrorCode::CannotDisseminateFormat => "cannotDisseminateFormat",
            ErrorCode::IdDoesNotExist => "idDoesNotExist",
            ErrorCode::NoRecordsMatch => "noRecordsMatch",
            ErrorCode::NoMetadataFormats => "noMetadataFormats",
            ErrorCode::NoSetHierarchy => "noSetHierarchy",
            ErrorCode::Other(code) => code,
        }
    }

    /// Reads a `code` attribute. Never fails: a code outside the protocol (matched exactly, as
    /// the protocol spells them) is kept as [`ErrorCode::Other`], since a real repository may
    /// send anything and the harvest reports it as sent.
    pub fn parse(code: &str) -> ErrorCode {
        ErrorCode::DEFINED
            .into_iter()
            .find(|defined| defined.as_str() == code)
            .unwrap_or_else(|| ErrorCode::Other(code.to_owned()))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAI-PMH `<error>`: its code and a message an operator can act on. The harvester reads
/// them from responses; the provider answers with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    pub code: ErrorCode,
    /// The element's text, whitespace collapsed; may be empty.
    pub message: String,
}

impl OaiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> OaiError {
        OaiError {
            code,
            message: message.into(),
        }
    }

    /// Whether the `<request>` element of the answer must leave out the arguments (§3.2: after
    /// badVerb or badArgument only the base URL is echoed).
    pub fn hides_arguments(&self) -> bool {
        matches!(self.code, ErrorCode::BadVerb | ErrorCode::BadArgument)
    }
}

impl fmt::Display for OaiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "OAI-PMH error {}", self.code)
        } else {
            write!(f, "OAI-PMH error {}: {}", self.code, self.message)
        }
    }
}

/// The two datestamp granularities of OAI-PMH 2.0, as a repository declares its own in
/// Identify and as `from`/`until` must be written to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM-DDThh:mm:ssZ`
    Second,
}

impl Granularity {
    /// The value of Identify's `<granularity>`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "YYYY-MM-DD",
            Granularity::Second => "YYYY-MM-DDThh:mm:ssZ",
        }
    }

    /// Reads a `<granularity>` value; `None` for anything else.
    pub fn parse(value: &str) -> Option<Granularity> {
        match value.trim() {
            "YYYY-MM-DD" => Some(Granularity::Day),
            "YYYY-MM-DDThh:mm:ssZ" => Some(Granularity::Second),
            _ => None,
        }
    }

    /// The granularity to harvest a repository at: days if its Identify declares days,
    /// seconds otherwise (an unreadable declaration included).
    pub fn from_identify(value: &str) -> Granularity {
        Granularity::parse(value).unwrap_or(Granularity::Second)
    }

    /// Writes a datestamp at this granularity (`2026-11-22T10:00:00Z` ↔ `2026-11-22`). Works on
    /// the text: a value of another shape (one essor did not write) is passed through as it is
    /// rather than refused, and the repository judges it.
    pub fn format(self, datestamp: &str) -> String {
        match self {
            Granularity::Day => datestamp.get(..10).unwrap_or(datestamp).to_owned(),
            Granularity::Second if datestamp.len() == 10 => format!("{datestamp}T00:00:00Z"),
            Granularity::Second => datestamp.to_owned(),
        }
    }

    /// The chrono pattern of this granularity.
    const fn pattern(self) -> &'static str {
        match self {
            Granularity::Day => "%Y-%m-%d",
            Granularity::Second => "%Y-%m-%dT%H:%M:%SZ",
        }
    }

    /// The shape of this granularity, `9` for a digit.
    const fn shape(self) -> &'static str {
        match self {
            Granularity::Day => "9999-99-99",
            Granularity::Second => "9999-99-99T99:99:99Z",
        }
    }
}

/// An OAI-PMH datestamp: a UTC instant at one of the two granularities. A day stands for all
/// of its seconds: [`Datestamp::first_second`] as a `from`, [`Datestamp::last_second`] as an
/// `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Datestamp {
    /// Seconds since the Unix epoch; for a day, its first second.
    seconds: i64,
    granularity: Granularity,
}

impl Datestamp {
    /// Reads `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`, exactly: four-digit years, two-digit
    /// fields, `T` and `Z`, a date and time that exist. `None` otherwise.
    pub fn parse(value: &str) -> Option<Datestamp> {
        let granularity = [Granularity::Day, Granularity::Second]
            .into_iter()
            .find(|granularity| has_shape(value, granularity.shape()))?;
        // The shape is checked: every field is its digits. Read here rather than by chrono's
        // `parse_from_str`, whose format parsing was 1.7% of the parsing thread's instructions,
        // which sets a harvest's pace (BENCHMARKS.md, issue 17); the same dates and times
        // exist (a test compares them).
        let bytes = value.as_bytes();
        let number = |from: usize, to: usize| {
            bytes[from..to]
                .iter()
                .fold(0u32, |n, digit| n * 10 + u32::from(digit - b'0'))
        };
        let date = chrono::NaiveDate::from_ymd_opt(
            i32::try_from(number(0, 4)).ok()?,
            number(5, 7),
            number(8, 10),
        )?;
        let time = match granularity {
            Granularity::Day => chrono::NaiveTime::MIN,
            // chrono reads a second of 60 as a leap second, at the 59th's timestamp.
            Granularity::Second => {
                let second = match number(17, 19) {
                    60 => 59,
                    second => second,
                };
                chrono::NaiveTime::from_hms_opt(number(11, 13), number(14, 16), second)?
            }
        };
        let seconds = date.and_time(time).and_utc().timestamp();
        Some(Datestamp {
            seconds,
            granularity,
        })
    }

    /// An instant, at the granularity of seconds. One chrono cannot write (beyond year
    /// 262,143) is written as the epoch.
    pub fn from_seconds(seconds: i64) -> Datestamp {
        Datestamp {
            seconds,
            granularity: Granularity::Second,
        }
    }

    pub fn granularity(self) -> Granularity {
        self.granularity
    }

    /// The first second it covers (the instant itself at the granularity of seconds).
    pub fn first_second(self) -> i64 {
        self.seconds
    }

    /// The last second it covers: a day's `23:59:59`, so that `until` a day includes that day.
    pub fn last_second(self) -> i64 {
        match self.granularity {
            Granularity::Day => self.seconds + 86_399,
            Granularity::Second => self.seconds,
        }
    }
}

impl fmt::Display for Datestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = chrono::DateTime::from_timestamp(self.seconds, 0).unwrap_or_default();
        write!(f, "{}", time.format(self.granularity.pattern()))
    }
}

fn has_shape(value: &str, shape: &str) -> bool {
    value.len() == shape.len()
        && value.bytes().zip(shape.bytes()).all(|(v, s)| {
            if s == b'9' {
                v.is_ascii_digit()
            } else {
                v == s
            }
        })
}

/// A set spec (§2.7.2): `:`-separated parts of unreserved URI characters, each part a level of
/// the set hierarchy (`theme:cooperatives` is in `theme`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetSpec(String);

impl SetSpec {
    /// Checks the syntax; `None` for an empty spec, an empty part or a reserved character.
    pub fn parse(spec: &str) -> Option<SetSpec> {
        SetSpec::is_valid(spec).then(|| SetSpec(spec.to_owned()))
    }

    /// Whether `spec` has the setSpec syntax.
    pub fn is_valid(spec: &str) -> bool {
        !spec.is_empty()
            && spec.split(':').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| {
                        b.is_ascii_alphanumeric()
                            || matches!(
                                b,
                                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                            )
                    })
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The sets it is in, outermost first, itself excluded (`theme` for `theme:cooperatives`).
    pub fn ancestors(&self) -> impl Iterator<Item = &str> {
        ancestors(&self.0)
    }

    /// The sets a member of it is listed under: each ancestor, then itself.
    pub fn with_ancestors(&self) -> impl Iterator<Item = &str> {
        with_ancestors(&self.0)
    }
}

impl fmt::Display for SetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// [`SetSpec::ancestors`] of a spec kept as text (the store's rows).
pub fn ancestors(spec: &str) -> impl Iterator<Item = &str> {
    spec.match_indices(':').map(|(at, _)| &spec[..at])
}

/// [`SetSpec::with_ancestors`] of a spec kept as text (the store's rows).
pub fn with_ancestors(spec: &str) -> impl Iterator<Item = &str> {
    ancestors(spec).chain(std::iter::once(spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_read_back_and_keep_unknown_ones() {
        for code in ErrorCode::DEFINED {
            assert_eq!(ErrorCode::parse(code.as_str()), code);
        }
        let odd = ErrorCode::parse("serverBusy");
        assert_eq!(odd, ErrorCode::Other("serverBusy".into()));
        assert_eq!(odd.as_str(), "serverBusy");
        assert_eq!(
            ErrorCode::parse("NoRecordsMatch"),
            ErrorCode::Other("NoRecordsMatch".into())
        );
    }

    #[test]
    fn errors_read_as_a_harvest_reports_them() {
        let error = OaiError::new(ErrorCode::NoRecordsMatch, "");
        assert_eq!(error.to_string(), "OAI-PMH error noRecordsMatch");
        let error = OaiError::new(ErrorCode::BadArgument, "from is later than until");
        assert_eq!(
            error.to_string(),
            "OAI-PMH error badArgument: from is later than until"
        );
        assert!(error.hides_arguments());
    }

    #[test]
    fn datestamps_follow_the_repository_granularity() {
        assert_eq!(
            Granularity::Day.format("2026-11-22T10:11:12Z"),
            "2026-11-22"
        );
        assert_eq!(
            Granularity::Second.format("2026-11-22"),
            "2026-11-22T00:00:00Z"
        );
        assert_eq!(
            Granularity::from_identify("YYYY-MM-DDThh:mm:ssZ"),
            Granularity::Second
        );
        assert_eq!(
            Granularity::from_identify(" YYYY-MM-DD\n"),
            Granularity::Day
        );
        assert_eq!(Granularity::from_identify("daily"), Granularity::Second);
        for granularity in [Granularity::Day, Granularity::Second] {
            assert_eq!(Granularity::parse(granularity.as_str()), Some(granularity));
        }
    }

    /// Datestamps read by hand are the instants chrono's parsing of the pattern gives, and
    /// refused where it refuses them.
    #[test]
    fn datestamps_read_as_chrono_reads_them() {
        let chrono_reads = |value: &str| {
            let granularity = [Granularity::Day, Granularity::Second]
                .into_iter()
                .find(|granularity| has_shape(value, granularity.shape()))?;
            let time = match granularity {
                Granularity::Day => chrono::NaiveDate::parse_from_str(value, granularity.pattern())
                    .ok()?
                    .and_time(chrono::NaiveTime::MIN),
                Granularity::Second => {
                    chrono::NaiveDateTime::parse_from_str(value, granularity.pattern()).ok()?
                }
            };
            Some((time.and_utc().timestamp(), granularity))
        };
        let mut values = vec![
            "0000-01-01".to_owned(),
            "9999-12-31T23:59:59Z".to_owned(),
            "2024-02-29".to_owned(),
            "2023-02-29".to_owned(),
            "1900-02-29".to_owned(),
            "2000-02-29T00:00:00Z".to_owned(),
            "2024-00-10".to_owned(),
            "2024-13-10".to_owned(),
            "2024-04-31".to_owned(),
            "2024-04-00".to_owned(),
        ];
        for (hour, minute, second) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (23, 60, 0)]
            .into_iter()
            .chain([(23, 59, 60), (12, 30, 60), (0, 0, 61), (99, 99, 99)])
        {
            values.push(format!("2016-12-31T{hour:02}:{minute:02}:{second:02}Z"));
        }
        for value in &values {
            let read = Datestamp::parse(value).map(|d| (d.first_second(), d.granularity()));
            assert_eq!(read, chrono_reads(value), "{value}");
        }
    }

    #[test]
    fn datestamps_are_days_or_seconds_exactly() {
        let day = Datestamp::parse("1970-01-01").unwrap();
        assert_eq!(day.granularity(), Granularity::Day);
        assert_eq!((day.first_second(), day.last_second()), (0, 86_399));
        assert_eq!(day.to_string(), "1970-01-01");
        let second = Datestamp::parse("2024-01-31T12:00:00Z").unwrap();
        assert_eq!(second.granularity(), Granularity::Second);
        assert_eq!(second.first_second(), second.last_second());
        assert_eq!(second.to_string(), "2024-01-31T12:00:00Z");
        for bad in [
            "2024-02-30",
            "2024-1-01",
            "+2024-1-01",
            "2024-01-01T00:00:00",
            "2024-01-01T25:00:00Z",
            "2024-01-01 00:00:00Z",
            "",
        ] {
            assert_eq!(Datestamp::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Datestamp::from_seconds(1_764_000_000).to_string(),
            "2025-11-24T16:00:00Z"
        );
        assert_eq!(
            Datestamp::from_seconds(i64::MAX).to_string(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn ancestors_come_first() {
        let all: Vec<&str> = with_ancestors("theme:cooperatives").collect();
        assert_eq!(all, ["theme", "theme:cooperatives"]);
        assert_eq!(with_ancestors("type").collect::<Vec<_>>(), ["type"]);
        let spec = SetSpec::parse("a:b:c").unwrap();
        assert_eq!(spec.ancestors().collect::<Vec<_>>(), ["a", "a:b"]);
        assert_eq!(
            spec.with_ancestors().collect::<Vec<_>>(),
            ["a", "a:b", "a:b:c"]
        );
    }

    #[test]
    fn set_spec_syntax() {
        assert!(SetSpec::is_valid("region:FR-BRE"));
        assert!(SetSpec::is_valid("source:hal_ess"));
        assert!(!SetSpec::is_valid("region:"));
        assert!(!SetSpec::is_valid("a b"));
        assert!(!SetSpec::is_valid("type::x"));
        assert!(!SetSpec::is_valid(""));
        assert_eq!(SetSpec::parse("a b"), None);
    }
}
