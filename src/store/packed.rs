//! Rows packed several to a redb value: the feed's stored records (`feed_records.rs`), read a
//! page at a time by range. A record is ~2 KB and a redb leaf page 4 KiB, so with one row per
//! value a page of 100 records was ~100 leaf reads, each missing redb's cache on a walk larger
//! than it (a zeroed page allocated, a `pread`, the cache's eviction: a third of a page's CPU),
//! with the leaves half empty. Packed into blocks of up to [`BLOCK_BYTES`], a page is a dozen
//! reads of full pages.
//!
//! A block is the value under the key of its first row, `(prefix, datestamp, sequence)`; its
//! bytes are its rows in key order, each `[u64 datestamp][u64 sequence][u32 length][bytes]`,
//! little-endian. Invariants: the blocks of a prefix do not overlap and none is empty; a row's
//! block is the last one keyed at or before it.

use redb::ReadableTable;

use super::StoreError;

/// A block is not grown past this many bytes by an insert (a row larger than it has a block of
/// its own): with its key it fills a 16 KiB leaf, one read.
pub(super) const BLOCK_BYTES: usize = 16_000;

/// A row's header: datestamp, sequence, length.
const ROW_HEADER: usize = 20;

/// A row's key within its prefix: (datestamp, sequence).
pub(super) type RowKey = (u64, u64);

/// The table of blocks: (prefix, datestamp, sequence) of the first row → the rows.
pub(super) type Blocks<'t> = redb::Table<'t, (&'static str, u64, u64), &'static [u8]>;

/// Blocks in key order, as read.
pub(super) type BlockRange<'t> = redb::Range<'t, (&'static str, u64, u64), &'static [u8]>;

/// The rows of a block in order, borrowed; a damaged block ends early with an error.
pub(super) struct Rows<'a>(pub(super) &'a [u8]);

impl<'a> Iterator for Rows<'a> {
    type Item = Result<(RowKey, &'a [u8]), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let parsed = parse_row(self.0);
        match parsed {
            Some((key, row, rest)) => {
                self.0 = rest;
                Some(Ok((key, row)))
            }
            None => {
                self.0 = &[];
                Some(Err(damaged()))
            }
        }
    }
}

fn parse_row(bytes: &[u8]) -> Option<(RowKey, &[u8], &[u8])> {
    let header = bytes.get(..ROW_HEADER)?;
    let number = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&header[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let mut length = [0u8; 4];
    length.copy_from_slice(&header[16..20]);
    let length = u32::from_le_bytes(length) as usize;
    let end = ROW_HEADER.checked_add(length)?;
    let row = bytes.get(ROW_HEADER..end)?;
    Some(((number(0), number(8)), row, &bytes[end..]))
}

fn push_row(block: &mut Vec<u8>, key: RowKey, row: &[u8]) {
    block.extend(key.0.to_le_bytes());
    block.extend(key.1.to_le_bytes());
    block.extend((row.len() as u32).to_le_bytes());
    block.extend(row);
}

fn damaged() -> StoreError {
    StoreError::corrupt(
        "feed",
        "a block of stored feed records is damaged".to_owned(),
    )
}

/// The key of the block that holds (or would hold) `key`: the last one at or before it.
fn block_at(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefix: &str,
    key: RowKey,
) -> Result<Option<RowKey>, StoreError> {
    let found = table
        .range((prefix, 0, 0)..=(prefix, key.0, key.1))?
        .next_back();
    match found {
        Some(row) => {
            let (block_key, _) = row?;
            let (_, stamp, sequence) = block_key.value();
            Ok(Some((stamp, sequence)))
        }
        None => Ok(None),
    }
}

/// The rows of block `at`, owned.
fn read_block(
    table: &Blocks<'_>,
    prefix: &str,
    at: RowKey,
) -> Result<Vec<(RowKey, Vec<u8>)>, StoreError> {
    let Some(bytes) = table.get((prefix, at.0, at.1))? else {
        return Ok(Vec::new());
    };
    Rows(bytes.value())
        .map(|row| row.map(|(key, bytes)| (key, bytes.to_vec())))
        .collect()
}

/// Writes `rows` (in key order) as blocks of at most [`BLOCK_BYTES`], each under its first
/// row's key.
fn write_blocks(
    table: &mut Blocks<'_>,
    prefix: &str,
    rows: impl IntoIterator<Item = (RowKey, impl AsRef<[u8]>)>,
) -> Result<(), StoreError> {
    let mut block: Vec<u8> = Vec::with_capacity(BLOCK_BYTES);
    let mut first: Option<RowKey> = None;
    for (key, row) in rows {
        let row = row.as_ref();
        if let Some(at) = first
            && block.len() + ROW_HEADER + row.len() > BLOCK_BYTES
        {
            table.insert((prefix, at.0, at.1), block.as_slice())?;
            block.clear();
            first = None;
        }
        first.get_or_insert(key);
        push_row(&mut block, key, row);
    }
    if let Some(at) = first {
        table.insert((prefix, at.0, at.1), block.as_slice())?;
    }
    Ok(())
}

/// Stores `row` under `key`, replacing the row there if any. The block it falls in is
/// rewritten (split in two when it outgrows [`BLOCK_BYTES`]); a row past the last one of a full
/// block starts a new block, so rows written in key order fill their blocks.
pub(super) fn insert(
    table: &mut Blocks<'_>,
    prefix: &str,
    key: RowKey,
    row: &[u8],
) -> Result<(), StoreError> {
    let Some(at) = block_at(table, prefix, key)? else {
        return write_blocks(table, prefix, [(key, row)]);
    };
    let mut rows = read_block(table, prefix, at)?;
    let size: usize = rows.iter().map(|(_, r)| ROW_HEADER + r.len()).sum();
    match rows.binary_search_by_key(&key, |(k, _)| *k) {
        Ok(found) => rows[found].1 = row.to_vec(),
        Err(place) if place == rows.len() && size + ROW_HEADER + row.len() > BLOCK_BYTES => {
            return write_blocks(table, prefix, [(key, row)]);
        }
        Err(place) => rows.insert(place, (key, row.to_vec())),
    }
    // Still under the same first key (`key` is at or after it): rewritten in place, split if
    // it grew too large.
    write_blocks(table, prefix, rows)
}

/// Appends `rows`, in key order and all past every row stored under `prefix` (a works
/// transaction's new entries): the last block is topped up, then full blocks are written, each
/// once. Rows not past the last one stored are inserted one by one.
pub(super) fn append(
    table: &mut Blocks<'_>,
    prefix: &str,
    rows: Vec<(RowKey, Vec<u8>)>,
) -> Result<(), StoreError> {
    let Some(first_new) = rows.first().map(|(key, _)| *key) else {
        return Ok(());
    };
    let last = table
        .range((prefix, 0, 0)..=(prefix, u64::MAX, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(key, _)| {
            let (_, stamp, sequence) = key.value();
            (stamp, sequence)
        });
    let mut merged = match last {
        Some(at) => read_block(table, prefix, at)?,
        None => Vec::new(),
    };
    if merged.last().is_some_and(|(key, _)| *key >= first_new) {
        for (key, row) in rows {
            insert(table, prefix, key, &row)?;
        }
        return Ok(());
    }
    merged.extend(rows);
    write_blocks(table, prefix, merged)
}

/// Removes the row under `key`, if any: the one-row form [`remove_many`] is tested against (the
/// feed removes rows in bulk, each block rewritten once).
#[cfg(test)]
pub(super) fn remove(table: &mut Blocks<'_>, prefix: &str, key: RowKey) -> Result<(), StoreError> {
    let Some(at) = block_at(table, prefix, key)? else {
        return Ok(());
    };
    let mut rows = read_block(table, prefix, at)?;
    let Ok(found) = rows.binary_search_by_key(&key, |(k, _)| *k) else {
        return Ok(());
    };
    rows.remove(found);
    if found == 0 {
        // The block's key was this row's: it moves to the next row's, if any.
        table.remove((prefix, at.0, at.1))?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    // Smaller than it was: one block.
    let mut block = Vec::with_capacity(rows.iter().map(|(_, r)| ROW_HEADER + r.len()).sum());
    for (key, row) in &rows {
        push_row(&mut block, *key, row);
    }
    let first = rows[0].0;
    table.insert((prefix, first.0, first.1), block.as_slice())?;
    Ok(())
}

/// Removes the rows under `keys` (in increasing order; absent ones are skipped), each block
/// that holds some of them rewritten once: the bulk compaction of rows left dead
/// (`feed_dead.rs`), where [`remove`] would rewrite a block once per row. Returns how many
/// rows were removed.
pub(super) fn remove_many(
    table: &mut Blocks<'_>,
    prefix: &str,
    keys: &[RowKey],
) -> Result<u64, StoreError> {
    let mut removed = 0;
    let mut next = 0;
    while let Some(&key) = keys.get(next) {
        let Some(at) = block_at(table, prefix, key)? else {
            next += 1; // before the prefix's first block: not stored
            continue;
        };
        let rows = read_block(table, prefix, at)?;
        // The keys this block may hold: up to its last row (the next block starts after it).
        let last = rows.last().map_or(at, |(row_key, _)| *row_key);
        let mut doomed = Vec::new();
        while let Some(&key) = keys.get(next).filter(|key| **key <= last) {
            doomed.push(key);
            next += 1;
        }
        if doomed.is_empty() {
            next += 1; // past the block's last row, before the next block: not stored
            continue;
        }
        let kept: Vec<&(RowKey, Vec<u8>)> = rows
            .iter()
            .filter(|(row_key, _)| doomed.binary_search(row_key).is_err())
            .collect();
        if kept.len() == rows.len() {
            continue;
        }
        removed += (rows.len() - kept.len()) as u64;
        if kept.first().is_none_or(|(first, _)| *first != at) {
            // The block's first row went: it moves to the next kept row's key, if any.
            table.remove((prefix, at.0, at.1))?;
        }
        let Some(((first_stamp, first_sequence), _)) = kept.first() else {
            continue;
        };
        let mut block = Vec::with_capacity(kept.iter().map(|(_, r)| ROW_HEADER + r.len()).sum());
        for (key, row) in &kept {
            push_row(&mut block, *key, row);
        }
        table.insert((prefix, *first_stamp, *first_sequence), block.as_slice())?;
    }
    Ok(removed)
}

/// The row under `key`, if any.
pub(super) fn get(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefix: &str,
    key: RowKey,
) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(at) = block_at(table, prefix, key)? else {
        return Ok(None);
    };
    let Some(block) = table.get((prefix, at.0, at.1))? else {
        return Ok(None);
    };
    for row in Rows(block.value()) {
        let (found, bytes) = row?;
        if found == key {
            return Ok(Some(bytes.to_vec()));
        }
        if found > key {
            break;
        }
    }
    Ok(None)
}

/// The blocks that hold the rows of `prefix` from `start` to `end` (inclusive), in order: the
/// caller skips the rows of the first block before `start` and stops after `end`.
pub(super) fn blocks_from<'t>(
    table: &'t impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefix: &str,
    start: RowKey,
    end: RowKey,
) -> Result<BlockRange<'t>, StoreError> {
    let first = block_at(table, prefix, start)?.unwrap_or(start);
    Ok(table.range((prefix, first.0, first.1)..=(prefix, end.0, end.1))?)
}

/// Visits the rows of `prefix` from `start` to `end` (inclusive) in key order, borrowed, while
/// `visit` answers `true`.
pub(super) fn for_each_row(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefix: &str,
    start: RowKey,
    end: RowKey,
    mut visit: impl FnMut(RowKey, &[u8]) -> bool,
) -> Result<(), StoreError> {
    for block in blocks_from(table, prefix, start, end)? {
        let (_, value) = block?;
        for row in Rows(value.value()) {
            let (key, bytes) = row?;
            if key < start {
                continue;
            }
            if key > end || !visit(key, bytes) {
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{Database, ReadableDatabase, TableDefinition};

    const TABLE: TableDefinition<(&str, u64, u64), &[u8]> = TableDefinition::new("blocks");

    fn row(n: u64, size: usize) -> Vec<u8> {
        vec![(n % 251) as u8; size]
    }

    /// Every row of `prefix` in order, and the number of blocks.
    fn all(db: &Database, prefix: &str) -> (Vec<(RowKey, Vec<u8>)>, usize) {
        let tx = db.begin_read().unwrap();
        let table = tx.open_table(TABLE).unwrap();
        let mut rows = Vec::new();
        let mut blocks = 0;
        for block in blocks_from(&table, prefix, (0, 0), (u64::MAX, u64::MAX)).unwrap() {
            let (key, value) = block.unwrap();
            let (_, stamp, sequence) = key.value();
            let block_rows: Vec<_> = Rows(value.value()).map(|r| r.unwrap()).collect();
            assert_eq!(
                block_rows[0].0,
                (stamp, sequence),
                "a block is keyed by its first row"
            );
            assert!(value.value().len() <= BLOCK_BYTES || block_rows.len() == 1);
            rows.extend(block_rows.into_iter().map(|(k, r)| (k, r.to_vec())));
            blocks += 1;
        }
        (rows, blocks)
    }

    fn write(db: &Database, f: impl FnOnce(&mut Blocks<'_>)) {
        let tx = db.begin_write().unwrap();
        {
            let mut table = tx.open_table(TABLE).unwrap();
            f(&mut table);
        }
        tx.commit().unwrap();
    }

    #[test]
    fn rows_written_in_order_fill_their_blocks_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("db")).unwrap();
        write(&db, |table| {
            for n in 0..100 {
                insert(table, "oai_dc", (7, n), &row(n, 1_500)).unwrap();
            }
            insert(table, "etdms", (7, 3), &row(3, 10)).unwrap();
        });
        let (rows, blocks) = all(&db, "oai_dc");
        assert_eq!(rows.len(), 100);
        assert!(
            rows.iter()
                .enumerate()
                .all(|(n, (k, r))| *k == (7, n as u64) && *r == row(n as u64, 1_500))
        );
        assert_eq!(blocks, 100usize.div_ceil(BLOCK_BYTES / 1_520));
        // Appended after them: the last block topped up, in order.
        write(&db, |table| {
            append(
                table,
                "oai_dc",
                (100..130).map(|n| ((8, n), row(n, 700))).collect(),
            )
            .unwrap();
        });
        let (rows, _) = all(&db, "oai_dc");
        assert_eq!(rows.len(), 130);
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(all(&db, "etdms").0, vec![((7, 3), row(3, 10))]);
    }

    #[test]
    fn inserts_replace_split_and_removals_rekey_or_drop_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("db")).unwrap();
        let mut expected: std::collections::BTreeMap<RowKey, Vec<u8>> = Default::default();
        // Out of order, some replaced, one larger than a block.
        let keys: Vec<u64> = (0..300).map(|n| (n * 7919) % 300).collect();
        write(&db, |table| {
            for (i, n) in keys.iter().enumerate() {
                let size = if *n == 42 {
                    BLOCK_BYTES * 2
                } else {
                    200 + (i % 5) * 300
                };
                insert(table, "p", (1, *n), &row(*n + i as u64, size)).unwrap();
                expected.insert((1, *n), row(*n + i as u64, size));
            }
            for n in [0, 5, 42, 299] {
                insert(table, "p", (1, n), &row(n, 50)).unwrap();
                expected.insert((1, n), row(n, 50));
            }
        });
        assert_eq!(
            all(&db, "p").0,
            expected.clone().into_iter().collect::<Vec<_>>()
        );
        // Removed: firsts of blocks, middles, the last, absent ones.
        let (_, blocks_before) = all(&db, "p");
        write(&db, |table| {
            for n in (0..300).step_by(3).chain([1000]) {
                remove(table, "p", (1, n)).unwrap();
                expected.remove(&(1, n));
            }
            remove(table, "q", (1, 1)).unwrap();
        });
        let (rows, blocks) = all(&db, "p");
        assert_eq!(rows, expected.clone().into_iter().collect::<Vec<_>>());
        assert!(blocks <= blocks_before);
        let tx = db.begin_read().unwrap();
        let table = tx.open_table(TABLE).unwrap();
        assert_eq!(
            get(&table, "p", (1, 1)).unwrap(),
            expected.get(&(1, 1)).cloned()
        );
        assert_eq!(get(&table, "p", (1, 3)).unwrap(), None);
        assert_eq!(get(&table, "p", (0, 9)).unwrap(), None);
        assert_eq!(get(&table, "q", (1, 1)).unwrap(), None);
    }

    /// Issue 17: rows left dead by moved works are removed in bulk, each block rewritten once,
    /// leaving the same rows as removing them one by one.
    #[test]
    fn removing_many_rows_at_once_leaves_what_removing_them_one_by_one_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let (bulk, single) = (
            Database::create(dir.path().join("bulk")).unwrap(),
            Database::create(dir.path().join("single")).unwrap(),
        );
        for db in [&bulk, &single] {
            write(db, |table| {
                let rows: Vec<(RowKey, Vec<u8>)> = (0..400)
                    .map(|n| ((n / 10, n), row(n, 300 + (n as usize % 7) * 200)))
                    .collect();
                append(table, "p", rows).unwrap();
                append(table, "q", vec![((0, 0), row(0, 10))]).unwrap();
            });
        }
        // Firsts and lasts of blocks, whole blocks, runs, absent keys between and after rows.
        let mut doomed: Vec<RowKey> = (0..400)
            .filter(|n| n % 3 == 0 || (100..140).contains(n))
            .map(|n| (n / 10, n))
            .collect();
        doomed.extend([(0, 1_000), (99, 5), (1_000, 0)]);
        doomed.sort_unstable();
        write(&bulk, |table| {
            let removed = remove_many(table, "p", &doomed).unwrap();
            assert_eq!(removed, doomed.len() as u64 - 3);
            assert_eq!(remove_many(table, "r", &doomed).unwrap(), 0);
        });
        write(&single, |table| {
            for key in &doomed {
                remove(table, "p", *key).unwrap();
            }
        });
        let (rows, blocks) = all(&bulk, "p");
        assert_eq!(rows, all(&single, "p").0);
        assert_eq!(rows.len(), 400 - (doomed.len() - 3));
        assert!(blocks > 1);
        assert_eq!(all(&bulk, "q").0, vec![((0, 0), row(0, 10))]);
    }
}
