//! A record's key: the source it was harvested from and its OAI identifier there. Every table
//! about one record is keyed by it (records, rejects, origins, works membership, dedup
//! features), and so are the works stage's maps.

use std::fmt;

/// A record's key, owned: what maps and lists of records hold.
///
/// Ordered by source, then identifier (as the store's tables are): the works stage takes
/// records in this order, and the same records must give the same works.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    source: String,
    identifier: String,
}

impl RecordKey {
    pub fn new(source: impl Into<String>, identifier: impl Into<String>) -> RecordKey {
        RecordKey {
            source: source.into(),
            identifier: identifier.into(),
        }
    }

    /// The id of the source (its file stem in `harvest-sources/`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The record's OAI identifier in its source.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The borrowed form, to read or write the store without copying the strings.
    pub fn as_ref(&self) -> RecordKeyRef<'_> {
        RecordKeyRef {
            source: &self.source,
            identifier: &self.identifier,
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl From<RecordKeyRef<'_>> for RecordKey {
    fn from(key: RecordKeyRef<'_>) -> RecordKey {
        RecordKey::new(key.source, key.identifier)
    }
}

/// A record's key, borrowed: what the store's reads and writes take, so that a caller holding
/// the two strings elsewhere (a work's member) copies neither. Same order as [`RecordKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKeyRef<'a> {
    source: &'a str,
    identifier: &'a str,
}

impl<'a> RecordKeyRef<'a> {
    pub fn new(source: &'a str, identifier: &'a str) -> RecordKeyRef<'a> {
        RecordKeyRef { source, identifier }
    }

    pub fn source(self) -> &'a str {
        self.source
    }

    pub fn identifier(self) -> &'a str {
        self.identifier
    }

    /// The (source, identifier) pair the redb tables are keyed by (their stored type: stores
    /// written before this type existed open unchanged).
    pub(super) fn pair(self) -> (&'a str, &'a str) {
        (self.source, self.identifier)
    }
}

impl fmt::Display for RecordKeyRef<'_> {
    /// `source:identifier`, as error messages and logs name a record.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.identifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_source_then_identifier_as_the_tables_do() {
        let mut keys = [
            RecordKey::new("b", "1"),
            RecordKey::new("a", "2"),
            RecordKey::new("a", "10"),
            RecordKey::new("ab", "0"),
        ];
        keys.sort();
        let pairs: Vec<(&str, &str)> = keys.iter().map(|k| k.as_ref().pair()).collect();
        let mut expected = pairs.clone();
        expected.sort();
        assert_eq!(pairs, expected);
        assert_eq!(pairs[0], ("a", "10"));
        assert_eq!(keys[0].to_string(), "a:10");
        assert_eq!(RecordKey::from(keys[1].as_ref()), keys[1]);
    }
}
