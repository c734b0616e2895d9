//! The feed index: every work (live, deleted or merged away) in the order of its last change,
//! whole and per set, so that the OAI-PMH provider pages with a key (datestamp, sequence)
//! instead of an offset: a work that changes during a harvest moves to the end of the list, and
//! no other work is skipped or repeated.
//!
//! Invariants:
//! - each work has exactly one *current* entry, under the set `""` (all works) and under each
//!   set it is filed in, written in the same transaction as the work: the one whose (datestamp,
//!   sequence) its `feed_entries` row names. Entries a work left behind in its sets when it moved
//!   are *stale*: readers skip them, and they are removed in bulk once they are many (removing
//!   them one by one would rewrite a page of the index for every set of every changed work).
//!   Under `""` the old entry is removed in the same transaction (with the work's stored records,
//!   in key order when the transaction closes: `FeedTx::close`): the list of all works has no
//!   stale entry;
//! - set sizes count current entries only;
//! - datestamps never decrease from one write to the next (a clock that steps back is clamped),
//!   and sequence numbers always grow, so a new entry always sorts after every existing one.

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::encode::{decode_work, unpack_header};
use super::packed;
use super::tables::{
    FEED, FEED_BLOCKS, FEED_ENTRIES, FEED_SETS, META, ORIGINS, RECORDS, WORKS, meta_key,
};
use super::{RecordKey, RecordKeyRef, Store, StoreError};

/// One work's place in the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub id: String,
    /// Seconds since the Unix epoch (UTC): the datestamp the feed publishes.
    pub stamp: u64,
    pub sequence: u64,
    pub deleted: bool,
    /// Leaf set specs.
    pub sets: Vec<String>,
}

impl FeedEntry {
    /// The paging key: entries are listed in this order.
    pub fn key(&self) -> (u64, u64) {
        (self.stamp, self.sequence)
    }
}

/// A feed entry with, when asked, its stored record in the format asked for, else its work and
/// the origin of each member record (`None` for a record no longer stored).
pub struct FeedItem<W> {
    pub entry: FeedEntry,
    /// The record as the feed serves it after its header (`feed::stored`'s bytes), stored with
    /// the work's current entry; `None` when there is none (the work is then read).
    pub rendered: Option<Vec<u8>>,
    pub work: Option<W>,
    pub origins: Vec<(RecordKey, Option<RecordOrigin>)>,
}

/// Which part of the feed to list: a set (`""` for all), a datestamp range (inclusive), and the
/// key of the last entry already listed.
#[derive(Debug, Clone, Copy)]
pub struct FeedRange<'a> {
    pub set: &'a str,
    pub from: u64,
    pub until: u64,
    pub after: Option<(u64, u64)>,
}

/// Where a member record came from, for provenance.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordOrigin {
    pub datestamp: String,
    #[serde(default)]
    pub format: Option<String>,
    pub stored_at: String,
}

/// `""` (every work), then each leaf set and its ancestors, once each: where the feed files a
/// work (the check reads it to find the entries a work should have).
pub(super) fn filed_under(leaves: &[String]) -> Vec<&str> {
    let mut all = vec![""];
    for leaf in leaves {
        all.extend(crate::oai::with_ancestors(leaf));
    }
    all.sort_unstable();
    all.dedup();
    all
}

pub(super) fn split_sets(joined: &str) -> Vec<String> {
    joined
        .split('\n')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn parse_stamp(datestamp: &str) -> Option<u64> {
    let time = chrono::DateTime::parse_from_rfc3339(datestamp).ok()?;
    u64::try_from(time.timestamp()).ok()
}

impl Store {
    /// Up to `limit` entries of a feed range in order, with the works they point to (when
    /// `with_works`) and the origins of each work's `members`, and whether more follow. One read
    /// transaction: the page is a consistent snapshot.
    pub fn feed_page<W: DeserializeOwned>(
        &self,
        range: FeedRange<'_>,
        limit: usize,
        with_works: bool,
        members: impl Fn(&W) -> Vec<RecordKey>,
    ) -> Result<(Vec<FeedItem<W>>, bool), StoreError> {
        self.collect_feed_page(range, limit, with_works.then_some(None), members)
    }

    /// [`Store::feed_page`] for a ListRecords page in `prefix`: each live entry comes with its
    /// stored record in that format (`feed_records.rs`), or, when none was stored with its
    /// current entry (and for deleted works), with its work and the origins of its `members`.
    pub fn feed_records_page<W: DeserializeOwned>(
        &self,
        range: FeedRange<'_>,
        limit: usize,
        prefix: &str,
        members: impl Fn(&W) -> Vec<RecordKey>,
    ) -> Result<(Vec<FeedItem<W>>, bool), StoreError> {
        self.collect_feed_page(range, limit, Some(Some(&[prefix])), members)
    }

    /// [`Store::read_feed_page`]'s items in a list, stored records copied out.
    fn collect_feed_page<W: DeserializeOwned>(
        &self,
        range: FeedRange<'_>,
        limit: usize,
        read: Option<Option<&[&str]>>,
        members: impl Fn(&W) -> Vec<RecordKey>,
    ) -> Result<(Vec<FeedItem<W>>, bool), StoreError> {
        let mut page = Vec::new();
        let more = self.read_feed_page(range, limit, read, members, |mut item, stored| {
            item.rendered = stored.map(|(_, row)| row.to_vec());
            page.push(item);
            Ok(())
        })?;
        Ok((page, more))
    }

    /// [`Store::feed_records_page`] handed to `visit` item by item, in order, each stored record
    /// borrowed from the store's page (not copied out) with the index in `prefixes` of the
    /// prefix it was found under: the first of `prefixes` a row is stored under at the work's
    /// current entry (a gzip page's precompressed records, else the plain ones not compressed
    /// yet: `feed_derived.rs`); returns whether more follow.
    pub fn visit_feed_records_page<W: DeserializeOwned>(
        &self,
        range: FeedRange<'_>,
        limit: usize,
        prefixes: &[&str],
        members: impl Fn(&W) -> Vec<RecordKey>,
        visit: impl FnMut(FeedItem<W>, Option<(usize, &[u8])>) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        self.read_feed_page(range, limit, Some(Some(prefixes)), members, visit)
    }

    /// `read`: `None` for entries only, `Some(None)` for works, `Some(Some(prefixes))` for
    /// stored records where there are, under the first of the prefixes that has one (works
    /// while the stored ones are stale).
    fn read_feed_page<W: DeserializeOwned>(
        &self,
        range: FeedRange<'_>,
        limit: usize,
        read: Option<Option<&[&str]>>,
        members: impl Fn(&W) -> Vec<RecordKey>,
        mut visit: impl FnMut(FeedItem<W>, Option<(usize, &[u8])>) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        let read = match read {
            Some(Some(_)) if self.feed_records_stale() => Some(None),
            read => read,
        };
        let tx = self.db.begin_read()?;
        let feed = tx.open_table(FEED)?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        let rendered = tx.open_table(FEED_BLOCKS)?;
        let works = tx.open_table(WORKS)?;
        let origins = tx.open_table(ORIGINS)?;
        let records = tx.open_table(RECORDS)?;
        let start = match range.after {
            Some((stamp, sequence)) if stamp >= range.from => (stamp, sequence.saturating_add(1)),
            _ => (range.from, 0),
        };
        // The list of all works has no stale entry: its stored records are read beside it, in
        // the same key order, instead of looked up one by one.
        let mut beside: Vec<StoredBeside<'_>> = match read {
            Some(Some(prefixes)) if range.set.is_empty() => prefixes
                .iter()
                .map(|prefix| {
                    let end = (range.until, u64::MAX);
                    Ok(StoredBeside::new(packed::blocks_from(
                        &rendered, prefix, start, end,
                    )?))
                })
                .collect::<Result<_, StoreError>>()?,
            _ => Vec::new(),
        };
        let mut listed = 0;
        for item in
            feed.range((range.set, start.0, start.1)..=(range.set, range.until, u64::MAX))?
        {
            let (key, id) = item?;
            if listed == limit {
                // More only if a current entry follows (stale ones are skipped).
                if is_current(&entries, &key.value(), id.value())? {
                    return Ok(true);
                }
                continue;
            }
            let id = id.value();
            let (_, stamp, sequence) = key.value();
            let mut found = false;
            for (which, beside) in beside.iter_mut().enumerate() {
                let Some(stored) = beside.at((stamp, sequence))? else {
                    continue;
                };
                // The record holds its header: the entry's sets and status are not read.
                let entry = FeedEntry {
                    id: id.to_owned(),
                    stamp,
                    sequence,
                    deleted: false,
                    sets: Vec::new(),
                };
                let item = FeedItem {
                    entry,
                    rendered: None,
                    work: None,
                    origins: Vec::new(),
                };
                listed += 1;
                visit(item, Some((which, stored)))?;
                found = true;
                break;
            }
            if found {
                continue;
            }
            let Some(entry) = read_entry(&entries, id)? else {
                return Err(corrupt(format!("feed lists {id}, which has no entry")));
            };
            if entry.key() != (stamp, sequence) {
                continue; // stale: the work has moved on
            }
            let mut item = FeedItem {
                entry,
                rendered: None,
                work: None,
                origins: Vec::new(),
            };
            listed += 1;
            let Some(prefix) = read else {
                visit(item, None)?;
                continue;
            };
            let mut stored = None;
            if let Some(prefixes) = prefix
                && !item.entry.deleted
            {
                for (which, prefix) in prefixes.iter().enumerate() {
                    if let Some(row) = read_rendered(&rendered, &item.entry, prefix)? {
                        stored = Some((which, row));
                        break;
                    }
                }
            }
            if stored.is_none() {
                let bytes = works
                    .get(id)?
                    .ok_or_else(|| corrupt(format!("feed lists {id}, which is missing")))?;
                let work: W = decode_work(bytes.value())?;
                for key in members(&work) {
                    let origin = read_origin(&origins, &records, key.as_ref())?;
                    item.origins.push((key, origin));
                }
                item.work = Some(work);
            }
            visit(
                item,
                stored.as_ref().map(|(which, row)| (*which, row.as_slice())),
            )?;
        }
        Ok(false)
    }

    /// How many works a range holds (from its start, whatever `after` says).
    pub fn feed_count(&self, range: FeedRange<'_>) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        if range.from == 0 && range.until == u64::MAX {
            let sets = tx.open_table(FEED_SETS)?;
            return Ok(sets.get(range.set)?.map_or(0, |v| v.value()));
        }
        let feed = tx.open_table(FEED)?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        let mut count = 0;
        for item in feed.range((range.set, range.from, 0)..=(range.set, range.until, u64::MAX))? {
            let (key, id) = item?;
            if is_current(&entries, &key.value(), id.value())? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The feed's generation: the last sequence number given out, moved on by every work
    /// written (what was counted in the feed holds until it changes).
    pub fn feed_generation(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        Ok(meta
            .get(meta_key::FEED_SEQUENCE)?
            .and_then(|v| v.value().parse().ok())
            .unwrap_or(0))
    }

    /// The oldest datestamp in the feed (deleted works included), if any.
    pub fn feed_earliest(&self) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read()?;
        let feed = tx.open_table(FEED)?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        for item in feed.range(("", 0, 0)..=("", u64::MAX, u64::MAX))? {
            let (key, id) = item?;
            if is_current(&entries, &key.value(), id.value())? {
                return Ok(Some(key.value().1));
            }
        }
        Ok(None)
    }

    /// Every set that has works, with how many (deleted ones included).
    pub fn feed_sets(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let tx = self.db.begin_read()?;
        let sets = tx.open_table(FEED_SETS)?;
        let mut all = Vec::with_capacity(sets.len()? as usize);
        for item in sets.iter()? {
            let (set, count) = item?;
            if !set.value().is_empty() {
                all.push((set.value().to_owned(), count.value()));
            }
        }
        Ok(all)
    }

    /// The themes of every live work, from the sets its feed entry files it under
    /// (`theme:<id>`): what the search index answers the theme filter and facet from, kept
    /// out of its documents so that a change of themes alone indexes no text again. Works
    /// without a theme are left out.
    pub fn work_themes(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        let mut all = Vec::new();
        for item in entries.iter()? {
            let (id, entry) = item?;
            let (_, _, deleted, sets) = entry.value();
            if deleted {
                continue;
            }
            let themes = theme_ids(sets.split('\n'));
            if !themes.is_empty() {
                all.push((id.value().to_owned(), themes));
            }
        }
        Ok(all)
    }

    /// A work's feed entry, the work, and the origins of its `members`.
    pub fn feed_work<W: DeserializeOwned>(
        &self,
        id: &str,
        members: impl Fn(&W) -> Vec<RecordKey>,
    ) -> Result<Option<FeedItem<W>>, StoreError> {
        let tx = self.db.begin_read()?;
        let entries = tx.open_table(FEED_ENTRIES)?;
        let works = tx.open_table(WORKS)?;
        let origins = tx.open_table(ORIGINS)?;
        let records = tx.open_table(RECORDS)?;
        let Some(entry) = read_entry(&entries, id)? else {
            return Ok(None);
        };
        let Some(bytes) = works.get(id)? else {
            return Ok(None);
        };
        let work: W = decode_work(bytes.value())?;
        let mut found = Vec::new();
        for key in members(&work) {
            let origin = read_origin(&origins, &records, key.as_ref())?;
            found.push((key, origin));
        }
        Ok(Some(FeedItem {
            entry,
            rendered: None,
            work: Some(work),
            origins: found,
        }))
    }

    /// The store's secret for signing what it hands out (resumption tokens), created at first
    /// use: tokens stay valid across restarts and cannot be forged without the store file.
    pub fn secret(&self) -> Result<Vec<u8>, StoreError> {
        {
            let tx = self.db.begin_read()?;
            let meta = tx.open_table(META)?;
            if let Some(found) = meta.get(meta_key::TOKEN_SECRET)? {
                return Ok(found.value().as_bytes().to_vec());
            }
        }
        let tx = self.db.begin_write()?;
        let secret = {
            let mut meta = tx.open_table(META)?;
            let existing = meta
                .get(meta_key::TOKEN_SECRET)?
                .map(|v| v.value().to_owned());
            match existing {
                Some(found) => found,
                None => {
                    let fresh = random_hex(32);
                    meta.insert(meta_key::TOKEN_SECRET, fresh.as_str())?;
                    fresh
                }
            }
        };
        tx.commit()?;
        Ok(secret.into_bytes())
    }
}

/// Whether a `feed` entry is its work's current one (not left behind by a later move).
fn is_current(
    entries: &impl ReadableTable<&'static str, (u64, u64, bool, &'static str)>,
    key: &(&str, u64, u64),
    id: &str,
) -> Result<bool, StoreError> {
    Ok(entries.get(id)?.is_some_and(|v| {
        let (stamp, sequence, _, _) = v.value();
        (stamp, sequence) == (key.1, key.2)
    }))
}

pub(super) fn read_entry(
    entries: &impl ReadableTable<&'static str, (u64, u64, bool, &'static str)>,
    id: &str,
) -> Result<Option<FeedEntry>, StoreError> {
    Ok(entries.get(id)?.map(|v| {
        let (stamp, sequence, deleted, sets) = v.value();
        FeedEntry {
            id: id.to_owned(),
            stamp,
            sequence,
            deleted,
            sets: split_sets(sets),
        }
    }))
}

/// `bytes` random bytes in hex, from the operating system's generator (fastrand's seed is not
/// meant for secrets); fastrand only if /dev/urandom cannot be read.
fn random_hex(bytes: usize) -> String {
    use std::io::Read;
    let mut buffer = vec![0u8; bytes];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buffer));
    if from_os.is_err() {
        buffer.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A record's origin: from `record_origins`, else (stores written before it existed) from the
/// record's own header.
pub(super) fn read_origin(
    origins: &impl ReadableTable<
        (&'static str, &'static str),
        (&'static str, &'static str, &'static str),
    >,
    records: &impl ReadableTable<(&'static str, &'static str), (u64, &'static [u8])>,
    key: RecordKeyRef<'_>,
) -> Result<Option<RecordOrigin>, StoreError> {
    if let Some(found) = origins.get(key.pair())? {
        let (datestamp, format, stored_at) = found.value();
        return Ok(Some(RecordOrigin {
            datestamp: datestamp.to_owned(),
            format: (!format.is_empty()).then(|| format.to_owned()),
            stored_at: stored_at.to_owned(),
        }));
    }
    records
        .get(key.pair())?
        .map(|v| {
            unpack_header(v.value().1).map(|header| RecordOrigin {
                datestamp: header.datestamp,
                format: header.format,
                stored_at: header.stored_at,
            })
        })
        .transpose()
}

/// The stored record of `entry`'s work in `prefix`, if it was stored with this very entry.
fn read_rendered(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
    entry: &FeedEntry,
    prefix: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    packed::get(table, prefix, (entry.stamp, entry.sequence))
}

/// The stored records of one prefix, read block by block in key order beside the feed index.
struct StoredBeside<'a> {
    blocks: packed::BlockRange<'a>,
    /// The block being read, and how far (bytes of its rows already passed).
    block: Option<(redb::AccessGuard<'a, &'static [u8]>, usize)>,
    done: bool,
}

impl<'a> StoredBeside<'a> {
    fn new(blocks: packed::BlockRange<'a>) -> StoredBeside<'a> {
        StoredBeside {
            blocks,
            block: None,
            done: false,
        }
    }

    /// The stored record at `key`, if there is one, borrowed from its block; `key`s must come
    /// in increasing order.
    fn at(&mut self, key: (u64, u64)) -> Result<Option<&[u8]>, StoreError> {
        // Where the row is in the current block, found first; borrowed once the block is set.
        let found = loop {
            if let Some((block, passed)) = &mut self.block {
                let bytes = block.value();
                let mut rows = packed::Rows(bytes.get(*passed..).unwrap_or_default());
                let mut found = None;
                while let Some(row) = rows.next() {
                    let (row_key, row_bytes) = row?;
                    if row_key > key {
                        return Ok(None);
                    }
                    // Passed: a later key never needs it.
                    let end = bytes.len() - rows.0.len();
                    *passed = end;
                    if row_key == key {
                        found = Some(end - row_bytes.len()..end);
                        break;
                    }
                }
                if found.is_some() {
                    break found;
                }
                self.block = None;
            }
            if self.done {
                return Ok(None);
            }
            match self.blocks.next() {
                Some(block) => self.block = Some((block?.1, 0)),
                None => self.done = true,
            }
        };
        Ok(match (&self.block, found) {
            (Some((block, _)), Some(at)) => block.value().get(at),
            _ => None,
        })
    }
}

fn corrupt(error: String) -> StoreError {
    StoreError::corrupt("feed", error)
}

/// The theme ids among a work's leaf set specs (`theme:<id>`), in their order.
pub fn theme_ids<'a>(sets: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    sets.into_iter()
        .filter_map(|set| set.strip_prefix("theme:"))
        .map(str::to_owned)
        .collect()
}
