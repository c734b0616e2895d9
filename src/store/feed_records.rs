//! Each work's records as the OAI feed serves them, stored beside its feed entry: written with
//! the work in the works stage's transaction ([`WorksTx::put_feed_records`]), read by
//! [`Store::feed_page`] instead of the work. The bytes are the feed's (`feed::stored`), opaque
//! here; the renderer's version is kept in `meta` so that a store rendered by another version
//! (or by none: stores older than this table) is filled again ([`Store::fill_feed_records`]).

use redb::{ReadableDatabase, ReadableTable};
use serde::de::DeserializeOwned;

use super::encode::decode_work;
use super::feed::{read_entry, read_origin};
use super::tables::{FEED_ENTRIES, FEED_RECORDS, META, ORIGINS, RECORDS, WORKS, meta_key};
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

    /// Stores the feed's records of work `id` beside the feed entry [`WorksTx::put_work`] just
    /// gave it; `records` empty (a work no longer live) removes those it had.
    pub fn put_feed_records(
        &mut self,
        id: &str,
        records: &[(&'static str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return remove_rows(&mut self.feed.rendered, id);
        }
        let Some(entry) = read_entry(&self.feed.entries, id)? else {
            return Err(StoreError::corrupt(
                "feed",
                format!("records of {id} written before its feed entry"),
            ));
        };
        for (prefix, bytes) in records {
            self.feed
                .rendered
                .insert((id, *prefix), (entry.sequence, bytes.as_slice()))?;
        }
        Ok(())
    }
}

fn remove_rows(
    table: &mut redb::Table<'_, (&'static str, &'static str), (u64, &'static [u8])>,
    id: &str,
) -> Result<(), StoreError> {
    let mut prefixes = Vec::new();
    for row in table.range((id, "")..)? {
        let (key, _) = row?;
        let (work, prefix) = key.value();
        if work != id {
            break;
        }
        prefixes.push(prefix.to_owned());
    }
    for prefix in &prefixes {
        table.remove((id, prefix.as_str()))?;
    }
    Ok(())
}

impl Store {
    /// Renders and stores the feed records of every live work unless the store says they were
    /// rendered by `version` already (stores older than the table, or rendered by another
    /// version of the renderer); returns how many works were rendered. Slice by slice: works
    /// read and rendered from a snapshot, each row written only if its work has not moved since
    /// (the works stage, running beside, writes its own).
    pub fn fill_feed_records<W: DeserializeOwned>(
        &self,
        version: &str,
        members: impl Fn(&W) -> Vec<RecordKey>,
        render: impl Fn(&W, &[(RecordKey, Option<RecordOrigin>)]) -> RenderedRecords,
    ) -> Result<u64, StoreError> {
        if self.feed_records_version()?.as_deref() == Some(version) {
            return Ok(0);
        }
        let mut after: Option<String> = None;
        let mut rendered = 0;
        loop {
            let mut slice: Vec<(String, u64, RenderedRecords)> = Vec::with_capacity(FILL_SLICE);
            let mut read = 0;
            {
                let tx = self.db.begin_read()?;
                let entries = tx.open_table(FEED_ENTRIES)?;
                let works = tx.open_table(WORKS)?;
                let origins = tx.open_table(ORIGINS)?;
                let records = tx.open_table(RECORDS)?;
                let rows = match &after {
                    Some(id) => entries.range::<&str>((
                        std::ops::Bound::Excluded(id.as_str()),
                        std::ops::Bound::Unbounded,
                    ))?,
                    None => entries.range::<&str>(..)?,
                };
                for row in rows.take(FILL_SLICE) {
                    read += 1;
                    let (id, value) = row?;
                    let (_, sequence, deleted, _) = value.value();
                    let id = id.value().to_owned();
                    after = Some(id.clone());
                    if deleted {
                        continue;
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
                    slice.push((id, sequence, render(&work, &found)));
                }
            }
            let last = read < FILL_SLICE;
            rendered += slice.len() as u64;
            let tx = self.db.begin_write()?;
            {
                let entries = tx.open_table(FEED_ENTRIES)?;
                let mut table = tx.open_table(FEED_RECORDS)?;
                for (id, sequence, records) in &slice {
                    let current = entries.get(id.as_str())?.map(|v| v.value().1);
                    if current != Some(*sequence) {
                        continue; // moved since: the works stage wrote its records
                    }
                    for (prefix, bytes) in records {
                        table.insert((id.as_str(), *prefix), (*sequence, bytes.as_slice()))?;
                    }
                }
                if last {
                    let mut meta = tx.open_table(META)?;
                    meta.insert(meta_key::FEED_RECORDS_VERSION, version)?;
                }
            }
            tx.commit()?;
            if last {
                return Ok(rendered);
            }
        }
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
