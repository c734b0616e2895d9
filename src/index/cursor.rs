//! Sort keys and the opaque paging cursor.
//!
//! Every sort is reduced to one order, (rank ascending, id ascending), where `rank` is a `u64`
//! built from the score or the date so that "earlier in the results" is "smaller". The cursor is
//! the last returned item's (rank, id): the next page is the matches strictly after it, so each
//! match is returned exactly once however deep the paging goes (no offset, no 10,000 wall).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// The order of the results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best score first, ties by id.
    #[default]
    Relevance,
    /// Oldest first (works without a date first), ties by id.
    DateAsc,
    /// Newest first (works without a date last), ties by id.
    DateDesc,
}

impl Sort {
    /// One letter in the cursor, so that a cursor is refused by a query sorted otherwise.
    fn letter(self) -> char {
        match self {
            Sort::Relevance => 'r',
            Sort::DateAsc => 'a',
            Sort::DateDesc => 'd',
        }
    }

    /// The rank of a match: smaller comes first.
    pub fn rank(self, score: f32, date: i64) -> u64 {
        match self {
            Sort::Relevance => u64::from(u32::MAX - ordered_f32(score)),
            Sort::DateAsc => ordered_i64(date),
            Sort::DateDesc => u64::MAX - ordered_i64(date),
        }
    }
}

/// An order-preserving map of f32 to u32 (negative scores included, for safety).
fn ordered_f32(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits >> 31 == 0 {
        bits | 0x8000_0000
    } else {
        !bits
    }
}

/// An order-preserving map of i64 to u64.
fn ordered_i64(value: i64) -> u64 {
    (value as u64) ^ (1 << 63)
}

/// A position in a sorted result list: the (rank, id) of the last item returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub sort: Sort,
    pub rank: u64,
    pub id: String,
}

/// Why a cursor was refused. The message is for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not one this API returned (copy `next_cursor` unchanged)")]
    Malformed,
    #[error("the cursor was made for another sort order: keep `sort` the same while paging")]
    OtherSort,
}

impl Cursor {
    /// `<sort letter><rank in hex>.<id>`, base64url without padding.
    pub fn encode(&self) -> String {
        let plain = format!("{}{:x}.{}", self.sort.letter(), self.rank, self.id);
        URL_SAFE_NO_PAD.encode(plain.as_bytes())
    }

    /// Decodes a cursor sent back for a query sorted by `sort`.
    pub fn parse(text: &str, sort: Sort) -> Result<Cursor, CursorError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim().as_bytes())
            .map_err(|_| CursorError::Malformed)?;
        let plain = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
        let mut chars = plain.chars();
        let letter = chars.next().ok_or(CursorError::Malformed)?;
        let (rank, id) = chars
            .as_str()
            .split_once('.')
            .ok_or(CursorError::Malformed)?;
        let rank = u64::from_str_radix(rank, 16).map_err(|_| CursorError::Malformed)?;
        if id.is_empty() {
            return Err(CursorError::Malformed);
        }
        let found = [Sort::Relevance, Sort::DateAsc, Sort::DateDesc]
            .into_iter()
            .find(|s| s.letter() == letter)
            .ok_or(CursorError::Malformed)?;
        if found != sort {
            return Err(CursorError::OtherSort);
        }
        Ok(Cursor {
            sort,
            rank,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = Cursor {
            sort: Sort::DateDesc,
            rank: 12_345_678_901,
            id: "w00000042".into(),
        };
        let text = cursor.encode();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(Cursor::parse(&text, Sort::DateDesc), Ok(cursor));
    }

    #[test]
    fn foreign_or_damaged_cursors_are_refused() {
        let cursor = Cursor {
            sort: Sort::Relevance,
            rank: 7,
            id: "w1".into(),
        }
        .encode();
        assert_eq!(
            Cursor::parse(&cursor, Sort::DateAsc),
            Err(CursorError::OtherSort)
        );
        for bad in [
            "",
            "!!!",
            "eHl6",
            &URL_SAFE_NO_PAD.encode("rzz.w1"),
            &URL_SAFE_NO_PAD.encode("r1."),
        ] {
            assert_eq!(
                Cursor::parse(bad, Sort::Relevance),
                Err(CursorError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn ranks_follow_each_sort() {
        let relevance = |score| Sort::Relevance.rank(score, 0);
        assert!(relevance(2.5) < relevance(1.0));
        assert!(relevance(0.0) < relevance(-1.0));
        assert!(Sort::DateAsc.rank(0.0, 0) < Sort::DateAsc.rank(0.0, 20_190_612));
        assert!(Sort::DateDesc.rank(0.0, 20_190_612) < Sort::DateDesc.rank(0.0, 20_180_000));
        assert!(Sort::DateDesc.rank(0.0, 20_180_000) < Sort::DateDesc.rank(0.0, 0));
    }
}
