//! Semesters, the barometer's unit of time: `2026-S1` is January to June 2026, `2026-S2` July
//! to December, by a work's defence or publication date.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::normalize::PartialDate;

/// A half-year. Ordered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Semester {
    year: i32,
    /// 1 (January–June) or 2 (July–December).
    half: u8,
}

/// An edition id that is not `YYYY-S1` or `YYYY-S2`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a semester: expected YYYY-S1 (January–June) or YYYY-S2 (July–December)")]
pub struct SemesterError(pub String);

impl Semester {
    /// Reads `2026-S1` or `2026-S2` (years 1000 to 9999).
    pub fn parse(text: &str) -> Result<Semester, SemesterError> {
        let error = || SemesterError(text.to_owned());
        let (year, half) = text.split_once("-S").ok_or_else(error)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let year: i32 = year.parse().map_err(|_| error())?;
        let half = match half {
            "1" => 1,
            "2" => 2,
            _ => return Err(error()),
        };
        if year < 1000 {
            return Err(error());
        }
        Ok(Semester { year, half })
    }

    /// The semester of a date; `None` when only the year is known (it cannot be placed).
    pub fn of_date(date: &PartialDate) -> Option<Semester> {
        let month = date.month?;
        Some(Semester::of_month(date.year, month))
    }

    /// The semester of a month (1 to 12).
    pub fn of_month(year: i32, month: u8) -> Semester {
        Semester {
            year,
            half: if month <= 6 { 1 } else { 2 },
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn half(self) -> u8 {
        self.half
    }

    /// The semester before this one.
    pub fn previous(self) -> Semester {
        match self.half {
            2 => Semester {
                year: self.year,
                half: 1,
            },
            _ => Semester {
                year: self.year - 1,
                half: 2,
            },
        }
    }

    /// The `count` semesters ending with this one, oldest first.
    pub fn window(self, count: usize) -> Vec<Semester> {
        let mut semesters = vec![self];
        while semesters.len() < count {
            let oldest = semesters[semesters.len() - 1];
            semesters.push(oldest.previous());
        }
        semesters.reverse();
        semesters
    }

    /// Whether the semester is over on `today` (`(year, month, day)`): its edition can then be
    /// published; before, it is a draft.
    pub fn has_ended(self, today: (i32, u8, u8)) -> bool {
        let (year, month, _) = today;
        year > self.year || (year == self.year && self.half == 1 && month >= 7)
    }

    /// The last semester that has ended on `today`.
    pub fn last_ended(today: (i32, u8, u8)) -> Semester {
        Semester::of_month(today.0, today.1).previous()
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-S{}", self.year, self.half)
    }
}

impl Serialize for Semester {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Semester {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Semester::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semesters_read_back_and_refuse_other_shapes() {
        let s1 = Semester::parse("2026-S1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s1.to_string(), "2026-S1");
        assert_eq!(s1.previous().to_string(), "2025-S2");
        assert_eq!(s1.previous().previous().to_string(), "2025-S1");
        for bad in [
            "2026", "2026-S3", "26-S1", "2026-s1", "2026-S1x", "abcd-S1", "",
        ] {
            assert!(Semester::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_window_ends_with_its_semester() {
        let s = Semester::of_month(2026, 3);
        let window: Vec<String> = s.window(4).iter().map(Semester::to_string).collect();
        assert_eq!(window, ["2024-S2", "2025-S1", "2025-S2", "2026-S1"]);
    }

    #[test]
    fn a_semester_ends_with_its_last_month() {
        let s1 = Semester::of_month(2026, 1);
        assert!(!s1.has_ended((2026, 6, 30)));
        assert!(s1.has_ended((2026, 7, 1)));
        let s2 = Semester::of_month(2026, 12);
        assert!(!s2.has_ended((2026, 12, 31)));
        assert!(s2.has_ended((2027, 1, 1)));
        assert_eq!(Semester::last_ended((2026, 12, 3)).to_string(), "2026-S1");
        assert_eq!(Semester::last_ended((2027, 2, 1)).to_string(), "2026-S2");
    }

    #[test]
    fn year_only_dates_have_no_semester() {
        let date = PartialDate {
            year: 2025,
            month: None,
            day: None,
        };
        assert_eq!(Semester::of_date(&date), None);
        let date = PartialDate {
            year: 2025,
            month: Some(9),
            day: None,
        };
        assert_eq!(
            Semester::of_date(&date).map(|s| s.to_string()).as_deref(),
            Some("2025-S2")
        );
    }
}
