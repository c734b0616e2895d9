//! Feed rows derived from other feed rows after the works stage has written them: the feed's
//! records precompressed for gzip pages (`feed::gzip`), made from each work's plain stored
//! record. Compressing them (DEFLATE) was a fifth of a fresh build's CPU, on the path a user
//! waits for (records to searchable works), for rows that only a loaded server's gzip pages
//! read; so the works stage writes the plain rows and the server derives the others in the
//! background ([`Store::derive_feed_rows`]). Until it has, a page finds no derived row and
//! reads the plain one (`Store::visit_feed_records_page` tries prefixes in order).
//!
//! How far a prefix has been derived is kept in `meta` (`feed_derived:<prefix>`: the feed key
//! of the last row read). Feed keys only grow (`feed.rs`), so every row the works stage writes
//! later sorts after it: a derivation goes on from there, never over the whole feed again.

use std::collections::HashSet;

use redb::{ReadableDatabase, ReadableTable};

use super::packed::{self, RowKey};
use super::tables::{FEED_BLOCKS, META, meta_key};
use super::{Store, StoreError};

/// Rows derived per write transaction (each a few KB of DEFLATE: ~0.1 s of one core).
const DERIVE_SLICE: usize = 1_000;

/// Slices committed without waiting for the disk before one that does: the rows are derived
/// (a crash only loses work to redo, the cursor goes back with them), and a first start over a
/// store whose rows were all derived already moved its cursor with one fsync per slice (1,000
/// at 1 M works, most of the 35 s that scan took).
const SLICES_PER_SYNC: usize = 64;

/// The `meta` key of how far `prefix` was derived.
pub(super) fn cursor_key(prefix: &str) -> String {
    format!("{}{prefix}", meta_key::DERIVED)
}

/// A cursor's value (`datestamp sequence`); `None` for anything else (`essor check` says so).
pub(super) fn parse_cursor(text: &str) -> Option<RowKey> {
    let (stamp, sequence) = text.split_once(' ')?;
    Some((stamp.parse().ok()?, sequence.parse().ok()?))
}

/// A feed key as `meta` keeps it, read back by [`parse_cursor`].
pub(super) fn cursor_text((stamp, sequence): RowKey) -> String {
    format!("{stamp} {sequence}")
}

/// The feed key `meta` keeps under `name`, if any (and well formed).
pub(super) fn read_cursor(
    meta: &impl ReadableTable<&'static str, &'static str>,
    name: &str,
) -> Result<Option<RowKey>, StoreError> {
    Ok(meta.get(name)?.and_then(|v| parse_cursor(v.value())))
}

impl Store {
    /// Writes under `to` the row `derive` makes of each row under `from` (the feed's packed
    /// rows) written since the last derivation and not derived yet; returns how many rows were
    /// written. A slice at a time: rows read and derived from a snapshot (the works stage may
    /// write beside it), each written only if its `from` row is still there (its work has not
    /// moved since: a feed key is never given out twice). A row `derive` refuses (`None`:
    /// damaged) is left underived: pages read the `from` row. Checks `stopped` before each
    /// slice; a stopped derivation goes on from its last slice next time. Nothing is derived
    /// while the stored rows are another renderer version's ([`Store::feed_records_stale`]).
    pub fn derive_feed_rows(
        &self,
        from: &str,
        to: &str,
        stopped: impl Fn() -> bool,
        derive: impl Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        let cursor_key = cursor_key(to);
        let mut after: Option<RowKey> = {
            let tx = self.db.begin_read()?;
            let meta = tx.open_table(META)?;
            meta.get(cursor_key.as_str())?
                .and_then(|v| parse_cursor(v.value()))
        };
        let mut written = 0;
        // Slices committed since the last durable commit.
        let mut unsynced = 0;
        let sync = |unsynced: usize| -> Result<(), StoreError> {
            if unsynced > 0 {
                // An empty durable commit makes the ones before it durable too.
                self.db.begin_write()?.commit()?;
            }
            Ok(())
        };
        loop {
            if stopped() || self.feed_records_stale() {
                sync(unsynced)?;
                return Ok(written);
            }
            let start = match after {
                Some((stamp, sequence)) => match sequence.checked_add(1) {
                    Some(next) => (stamp, next),
                    None => (stamp.saturating_add(1), 0),
                },
                None => (0, 0),
            };
            let mut rows: Vec<(RowKey, Vec<u8>)> = Vec::new();
            let full;
            {
                let tx = self.db.begin_read()?;
                let blocks = tx.open_table(FEED_BLOCKS)?;
                packed::for_each_row(&blocks, from, start, (u64::MAX, u64::MAX), |key, row| {
                    rows.push((key, row.to_vec()));
                    rows.len() < DERIVE_SLICE
                })?;
                full = rows.len() == DERIVE_SLICE;
                if let (Some((first, _)), Some((last, _))) = (rows.first(), rows.last()) {
                    // Rows derived already (a store written before rows were derived lazily).
                    let done = keys(&blocks, to, *first, *last)?;
                    let last = *last;
                    rows.retain(|(key, _)| !done.contains(key));
                    after = Some(last);
                } else {
                    sync(unsynced)?;
                    return Ok(written);
                }
            }
            let derived: Vec<(RowKey, Vec<u8>)> = rows
                .into_iter()
                .filter_map(|(key, row)| Some((key, derive(&row)?)))
                .collect();
            let mut tx = self.db.begin_write()?;
            unsynced += 1;
            if full && unsynced < SLICES_PER_SYNC {
                tx.set_durability(redb::Durability::None)?;
            } else {
                unsynced = 0;
            }
            {
                let mut blocks = tx.open_table(FEED_BLOCKS)?;
                if let (Some((first, _)), Some((last, _))) = (derived.first(), derived.last()) {
                    let still = keys(&blocks, from, *first, *last)?;
                    let kept: Vec<(RowKey, Vec<u8>)> = derived
                        .into_iter()
                        .filter(|(key, _)| still.contains(key))
                        .collect();
                    written += kept.len() as u64;
                    packed::append(&mut blocks, to, kept)?;
                }
                let mut meta = tx.open_table(META)?;
                if let Some(after) = after {
                    meta.insert(cursor_key.as_str(), cursor_text(after).as_str())?;
                }
            }
            tx.commit()?;
            if !full {
                return Ok(written);
            }
        }
    }
}

/// Takes the cursor of every derived prefix that has gone past `key` back to just before it:
/// rows stored from `key` on after it went past (a fill of works a bulk build wrote without
/// their feed records) are derived too; rows derived already are skipped.
pub(super) fn rewind_cursors(tx: &redb::WriteTransaction, key: RowKey) -> Result<(), StoreError> {
    let mut meta = tx.open_table(META)?;
    let mut past: Vec<String> = Vec::new();
    for entry in meta.range(meta_key::DERIVED..)? {
        let (name, value) = entry?;
        if !name.value().starts_with(meta_key::DERIVED) {
            break;
        }
        if parse_cursor(value.value()).is_some_and(|at| at >= key) {
            past.push(name.value().to_owned());
        }
    }
    let before = match key.1.checked_sub(1) {
        Some(sequence) => (key.0, sequence),
        None => (key.0.saturating_sub(1), u64::MAX),
    };
    let value = cursor_text(before);
    for name in past {
        meta.insert(name.as_str(), value.as_str())?;
    }
    Ok(())
}

/// The keys of the rows under `prefix` from `first` to `last`.
fn keys(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefix: &str,
    first: RowKey,
    last: RowKey,
) -> Result<HashSet<RowKey>, StoreError> {
    let mut found = HashSet::new();
    packed::for_each_row(table, prefix, first, last, |key, _| {
        found.insert(key);
        true
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_feed_key_written() {
        let key: RowKey = (1_764_900_000, 42);
        assert_eq!(parse_cursor(&format!("{} {}", key.0, key.1)), Some(key));
        for bad in ["", "12", "12 x", "x 12", "1 2 3"] {
            assert_eq!(parse_cursor(bad), None, "{bad:?}");
        }
        assert_eq!(cursor_key("oai_dc:gzip"), "feed_derived:oai_dc:gzip");
    }
}
