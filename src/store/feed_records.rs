//! Each work's records as the OAI feed serves them, stored under its feed entry's key: written
//! with the work in the works stage's transaction ([`WorksTx::put_feed_records`]), read by
//! [`Store::feed_records_page`] instead of the work. The bytes are the feed's (`feed::stored`), opaque
//! here; the renderer's version is kept in `meta` so that a store rendered by another version
//! (or by none: stores older than this table) is filled again ([`Store::fill_feed_records`]).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use redb::{ReadableDatabase, ReadableTable};
use serde::de::DeserializeOwned;

use super::encode::decode_work;
use super::feed::{FeedEntry, read_entry, read_origin};
use super::feed_derived::{cursor_text, read_cursor};
use super::packed::{self, RowKey};
use super::tables::{
    FEED, FEED_BLOCKS, FEED_ENTRIES, FEED_RECORDS, META, ORIGINS, RECORDS, WORKS, meta_key,
    read_by_id,
};
use super::{RecordKey, RecordOrigin, Store, StoreError, WorksTx};

/// Works rendered per transaction when a store is filled.
const FILL_SLICE: usize = 2_000;

/// Each format's stored record of a work: (metadataPrefix, bytes).
pub type RenderedRecords = Vec<(&'static str, Vec<u8>)>;

impl WorksTx<'_> {
    /// Where each of `keys` (a work's members) came from, for its provenance; `None` for a
    /// record no longer stored.
    pub fn origins(
        &self,
        keys: Vec<RecordKey>,
    ) -> Result<Vec<(RecordKey, Option<RecordOrigin>)>, StoreError> {
        keys.into_iter()
            .map(|key| {
                let origin = read_origin(&self.feed.origins, &self.records, key.as_ref())?;
                Ok((key, origin))
            })
            .collect()
    }

    /// The current feed entry of work `id` (what its records' headers say).
    pub fn feed_entry(&self, id: &str) -> Result<Option<FeedEntry>, StoreError> {
        read_entry(&self.feed.entries, id)
    }

    /// Leaves the feed's records of the works written from work `first` on (a bulk build's or
    /// a change batch's, in this transaction, after [`WorksTx::put_work`]) to be rendered
    /// later, by [`Store::fill_missing_feed_records`]: the feed serves those works from the
    /// works meanwhile, as any work without stored rows.
    pub fn defer_feed_records(&mut self, first: &str) -> Result<(), StoreError> {
        let Some(entry) = read_entry(&self.feed.entries, first)? else {
            return Err(StoreError::corrupt(
                "feed",
                format!("records of {first} deferred before its feed entry"),
            ));
        };
        let marked = read_cursor(&self.meta, meta_key::FEED_RECORDS_MISSING)?;
        if marked.is_none_or(|marked| entry.key() < marked) {
            let value = cursor_text(entry.key());
            self.meta
                .insert(meta_key::FEED_RECORDS_MISSING, value.as_str())?;
        }
        Ok(())
    }

    /// Stores the feed's records of work `id` under the feed entry [`WorksTx::put_work`] just
    /// gave it (the rows of its previous entry went when it moved); none for a work not live.
    pub fn put_feed_records(
        &mut self,
        id: &str,
        records: RenderedRecords,
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let Some(entry) = read_entry(&self.feed.entries, id)? else {
            return Err(StoreError::corrupt(
                "feed",
                format!("records of {id} written before its feed entry"),
            ));
        };
        for (prefix, bytes) in records {
            if !self.feed.rendered_prefixes.iter().any(|p| p == prefix) {
                self.feed.rendered_prefixes.push(prefix.to_owned());
            }
            if read_by_id(prefix) {
                self.feed
                    .rendered
                    .insert((prefix, entry.stamp, entry.sequence), bytes.as_slice())?;
            } else {
                self.feed
                    .appended
                    .insert((prefix.to_owned(), entry.stamp, entry.sequence), bytes);
            }
        }
        Ok(())
    }
}

/// Whether the work at feed `key` has a row under any of `prefixes`.
fn has_row(
    blocks: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    prefixes: &[String],
    key: RowKey,
) -> Result<bool, StoreError> {
    for prefix in prefixes {
        if packed::get(blocks, prefix, key)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Store {
    /// Says which renderer version the caller writes the feed records with; returns whether
    /// the stored ones are that version's. Until [`Store::fill_feed_records`] has rendered them
    /// again, feed pages and exports ignore the stored records and are written from the works
    /// (slower, never stale), so a server can listen while it fills them.
    pub fn expect_feed_records_version(&self, version: &str) -> Result<bool, StoreError> {
        let current = self.feed_records_version()?.as_deref() == Some(version);
        self.stale_feed_records.store(!current, Ordering::Release);
        Ok(current)
    }

    /// Whether reads ignore the stored feed records (see above).
    pub fn feed_records_stale(&self) -> bool {
        self.stale_feed_records.load(Ordering::Acquire)
    }

    /// Renders and stores the feed records of every live work unless the store says they were
    /// rendered by `version` already (stores older than the table, or rendered by another
    /// version of the renderer); returns how many works were rendered. Slice by slice, in the
    /// feed's order (the list of all works), so that packed rows fill their blocks: works read
    /// and rendered from a snapshot, each row written only if its work has not moved since (the
    /// works stage, running beside, writes its own). Checks `stopped` before each slice: a fill
    /// stopped early keeps the old version's mark and starts again at the next fill.
    pub fn fill_feed_records<W: DeserializeOwned>(
        &self,
        version: &str,
        stopped: impl Fn() -> bool,
        members: impl Fn(&W) -> Vec<RecordKey>,
        render: impl Fn(&W, &FeedEntry, &[(RecordKey, Option<RecordOrigin>)]) -> RenderedRecords,
    ) -> Result<u64, StoreError> {
        if self.expect_feed_records_version(version)? {
            return Ok(0);
        }
        let mut first = true;
        let (rendered, finished) = self.fill_slices(
            None,
            false,
            stopped,
            members,
            render,
            |tx, written, last| {
                if std::mem::take(&mut first) {
                    // The first slice: rows of the feed's formats left one to a value by an
                    // older version go (they are packed now).
                    let mut table = tx.open_table(FEED_RECORDS)?;
                    table.retain(|(prefix, _, _), _| read_by_id(prefix))?;
                    // So do the rows the renderer does not write (derived from the old version's
                    // rows, `feed_derived.rs`: derived again from these), and how far they were.
                    let mut blocks = tx.open_table(FEED_BLOCKS)?;
                    for prefix in super::tables::prefixes(&blocks)? {
                        if !written.contains(&prefix.as_str()) {
                            let all =
                                (prefix.as_str(), 0, 0)..=(prefix.as_str(), u64::MAX, u64::MAX);
                            blocks.retain_in(all, |_, _| false)?;
                        }
                    }
                    let mut meta = tx.open_table(META)?;
                    meta.retain(|key, _| !key.starts_with(meta_key::DERIVED))?;
                }
                if last {
                    // Every live work rendered: none is missing any more either.
                    let mut meta = tx.open_table(META)?;
                    meta.insert(meta_key::FEED_RECORDS_VERSION, version)?;
                    meta.remove(meta_key::FEED_RECORDS_MISSING)?;
                }
                Ok(())
            },
        )?;
        if finished {
            self.stale_feed_records.store(false, Ordering::Release);
        }
        Ok(rendered)
    }

    /// Renders and stores the feed records of the live works a bulk build or a change batch wrote
    /// without them (`WorksTx::defer_feed_records`): from the first of them on, each current work
    /// with no stored row. `essor serve` runs it in the background, as it derives the precompressed
    /// rows: rendering them was an eighth of a fresh build's CPU, on the way to searchable works,
    /// and until they are stored a page or an export writes those works from the works (as for any
    /// work without rows). Returns how many works were rendered; checks `stopped` before each slice
    /// (a fill stopped early goes on at the next one, skipping the rows stored).
    pub fn fill_missing_feed_records<W: DeserializeOwned>(
        &self,
        stopped: impl Fn() -> bool,
        members: impl Fn(&W) -> Vec<RecordKey>,
        render: impl Fn(&W, &FeedEntry, &[(RecordKey, Option<RecordOrigin>)]) -> RenderedRecords,
    ) -> Result<u64, StoreError> {
        let Some(missing) = self.feed_records_missing()? else {
            return Ok(0);
        };
        if self.feed_records_stale() {
            return Ok(0); // every work is rendered again by `fill_feed_records` first
        }
        let (rendered, _) = self.fill_slices(
            Some(missing),
            true,
            stopped,
            members,
            render,
            |tx, _, last| {
                if last {
                    let mut meta = tx.open_table(META)?;
                    // Unless a later build or batch marked works of its own meanwhile.
                    let now = read_cursor(&meta, meta_key::FEED_RECORDS_MISSING)?;
                    if now == Some(missing) {
                        meta.remove(meta_key::FEED_RECORDS_MISSING)?;
                    }
                }
                Ok(())
            },
        )?;
        Ok(rendered)
    }

    /// The feed key of the first work written without its feed records, while any may be.
    pub fn feed_records_missing(&self) -> Result<Option<(u64, u64)>, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        read_cursor(&meta, meta_key::FEED_RECORDS_MISSING)
    }

    /// The fills' walk: the list of all works from `from` (inclusive; `None`: the start) a
    /// slice at a time, each current live work (only those without a stored row when
    /// `only_missing`) read and rendered from a snapshot, then its rows written in a
    /// transaction of their own if the work has not moved since; `also` adds to each slice's
    /// transaction, given the prefixes rendered and whether the slice is the last. Rows written
    /// below how far a derived prefix went (`feed_derived.rs`) take its cursor back, so that
    /// they are derived too. Gives the works rendered and whether the walk reached the end.
    fn fill_slices<W: DeserializeOwned>(
        &self,
        from: Option<RowKey>,
        only_missing: bool,
        stopped: impl Fn() -> bool,
        members: impl Fn(&W) -> Vec<RecordKey>,
        render: impl Fn(&W, &FeedEntry, &[(RecordKey, Option<RecordOrigin>)]) -> RenderedRecords,
        mut also: impl FnMut(&redb::WriteTransaction, &[&str], bool) -> Result<(), StoreError>,
    ) -> Result<(u64, bool), StoreError> {
        let mut start =
            std::ops::Bound::Included(("", from.map_or(0, |k| k.0), from.map_or(0, |k| k.1)));
        let mut rendered = 0;
        loop {
            if stopped() {
                return Ok((rendered, false));
            }
            let mut slice: Vec<(String, RowKey, RenderedRecords)> = Vec::with_capacity(FILL_SLICE);
            let mut read = 0;
            {
                let tx = self.db.begin_read()?;
                let feed = tx.open_table(FEED)?;
                let entries = tx.open_table(FEED_ENTRIES)?;
                let works = tx.open_table(WORKS)?;
                let origins = tx.open_table(ORIGINS)?;
                let records = tx.open_table(RECORDS)?;
                let blocks = tx.open_table(FEED_BLOCKS)?;
                let stored_prefixes = if only_missing {
                    super::tables::prefixes(&blocks)?
                } else {
                    Vec::new()
                };
                let end = std::ops::Bound::Included(("", u64::MAX, u64::MAX));
                for row in feed.range((start, end))?.take(FILL_SLICE) {
                    read += 1;
                    let (key, id) = row?;
                    let (_, stamp, sequence) = key.value();
                    start = std::ops::Bound::Excluded(("", stamp, sequence));
                    let id = id.value().to_owned();
                    let Some(entry) = read_entry(&entries, &id)? else {
                        continue;
                    };
                    if entry.deleted || entry.key() != (stamp, sequence) {
                        continue;
                    }
                    if has_row(&blocks, &stored_prefixes, entry.key())? {
                        continue; // rendered when its work was written
                    }
                    let Some(bytes) = works.get(id.as_str())? else {
                        continue;
                    };
                    let work: W = decode_work(bytes.value())?;
                    let mut found = Vec::new();
                    for key in members(&work) {
                        let origin = read_origin(&origins, &records, key.as_ref())?;
                        found.push((key, origin));
                    }
                    let records = render(&work, &entry, &found);
                    slice.push((id, entry.key(), records));
                }
            }
            let last = read < FILL_SLICE;
            rendered += slice.len() as u64;
            let tx = self.db.begin_write()?;
            {
                let written: Vec<&str> = slice
                    .iter()
                    .flat_map(|(_, _, records)| records.iter().map(|(prefix, _)| *prefix))
                    .collect();
                also(&tx, &written, last)?;
                let entries = tx.open_table(FEED_ENTRIES)?;
                let mut table = tx.open_table(FEED_RECORDS)?;
                let mut blocks = tx.open_table(FEED_BLOCKS)?;
                let mut packed_rows: BTreeMap<&str, Vec<(RowKey, Vec<u8>)>> = BTreeMap::new();
                let mut lowest: Option<RowKey> = None;
                for (id, key, records) in slice {
                    let current = entries.get(id.as_str())?.map(|v| {
                        let (stamp, sequence, _, _) = v.value();
                        (stamp, sequence)
                    });
                    if current != Some(key) {
                        continue; // moved since: the works stage wrote its records
                    }
                    lowest.get_or_insert(key); // the slice is in key order
                    for (prefix, bytes) in records {
                        if read_by_id(prefix) {
                            table.insert((prefix, key.0, key.1), bytes.as_slice())?;
                        } else {
                            packed_rows.entry(prefix).or_default().push((key, bytes));
                        }
                    }
                }
                // In key order: appended to their blocks when past every stored row (a bulk
                // build's), inserted one by one otherwise.
                for (prefix, rows) in packed_rows {
                    packed::append(&mut blocks, prefix, rows)?;
                }
                if let Some(lowest) = lowest {
                    super::feed_derived::rewind_cursors(&tx, lowest)?;
                }
            }
            tx.commit()?;
            if last {
                return Ok((rendered, true));
            }
        }
    }

    /// The row each of `ids` has under `prefix` at its current feed entry, in the order asked,
    /// in one read transaction: `None` for a work with no such row (unknown, not live, or
    /// written before the renderer wrote that prefix).
    pub fn rendered_rows(
        &self,
        ids: &[impl AsRef<str>],
        prefix: &str,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if self.feed_records_stale() {
            return Ok(vec![None; ids.len()]);
        }
        let tx = self.db.begin_read()?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        let rendered = tx.open_table(FEED_RECORDS)?;
        let blocks = tx.open_table(FEED_BLOCKS)?;
        ids.iter()
            .map(|id| {
                let Some(entry) = entries.get(id.as_ref())? else {
                    return Ok(None);
                };
                let (stamp, sequence, deleted, _) = entry.value();
                if deleted {
                    return Ok(None);
                }
                if !read_by_id(prefix) {
                    return packed::get(&blocks, prefix, (stamp, sequence));
                }
                Ok(rendered
                    .get((prefix, stamp, sequence))?
                    .map(|row| row.value().to_vec()))
            })
            .collect()
    }

    /// The renderer version the stored feed records were written by, if any.
    pub fn feed_records_version(&self) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        Ok(meta
            .get(meta_key::FEED_RECORDS_VERSION)?
            .map(|v| v.value().to_owned()))
    }
}
