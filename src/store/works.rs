//! The works tables: which records form which work, the works themselves, their aliases, and
//! the blocking index dedup looks candidates up in. The `works` stage drives them through
//! [`WorksTx`], one write transaction per batch of changes, so a crash never leaves a record
//! in two works or in none.

use redb::{
    MultimapTableDefinition, ReadableDatabase, ReadableMultimapTable, ReadableTable,
    TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encode::stored_record;
use super::feed::FeedTx;
use super::{CHANGES, META, RECORDS, Store, StoreError, StoredRecord, db, from_json, to_json};

/// work id → LZ4 JSON of the work (live, tombstone, or merged away).
pub(super) const WORKS: TableDefinition<&str, &[u8]> = TableDefinition::new("works");
/// (source, identifier) → the id of the work the record belongs to.
const RECORD_WORK: TableDefinition<(&str, &str), &str> = TableDefinition::new("record_work");
/// (source, identifier) → what dedup compares (features and blocking keys), see
/// [`encode_features`].
const RECORD_FEATURES: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("record_features");
/// blocking key (its 64-bit hash, `dedup::BlockKey`) → (source, identifier, sketch) of the
/// records having it. The sketch (`dedup::Sketch`) lets an update skip candidates that cannot be
/// the same work without reading their features.
const BLOCK_MEMBERS: MultimapTableDefinition<u64, (&str, &str, u64)> =
    MultimapTableDefinition::new("block_members");
/// Schema 2's blocks (key string → record), rebuilt as [`BLOCK_MEMBERS`] by
/// [`Store::migrate_blocks`].
const OLD_BLOCKS: MultimapTableDefinition<&str, (&str, &str)> =
    MultimapTableDefinition::new("blocks");
/// ("live" | "deleted") → number of works.
const WORK_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("work_counts");

const CURSOR: &str = "works_cursor";
const SEQUENCE: &str = "work_sequence";

pub(super) fn create_tables(tx: &WriteTransaction) -> Result<(), StoreError> {
    tx.open_table(WORKS).map_err(db)?;
    tx.open_table(RECORD_WORK).map_err(db)?;
    tx.open_table(RECORD_FEATURES).map_err(db)?;
    tx.open_multimap_table(BLOCK_MEMBERS).map_err(db)?;
    tx.open_table(WORK_COUNTS).map_err(db)?;
    Ok(())
}

/// A change-log position and the records changed after it.
pub struct Changes {
    pub records: Vec<(String, String)>,
    /// The position after the last change returned.
    pub next: u64,
}

impl Store {
    /// Up to `limit` records changed after `cursor`, each once, in change order.
    pub fn changes_since(&self, cursor: u64, limit: usize) -> Result<Changes, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(CHANGES).map_err(db)?;
        let mut records = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = cursor;
        for entry in table.range(cursor + 1..).map_err(db)? {
            let (sequence, key) = entry.map_err(db)?;
            let (source, identifier) = key.value();
            next = sequence.value();
            if seen.insert((source.to_owned(), identifier.to_owned())) {
                records.push((source.to_owned(), identifier.to_owned()));
            }
            if records.len() >= limit {
                break;
            }
        }
        Ok(Changes { records, next })
    }

    /// Where the works stage stands in the change log.
    pub fn works_cursor(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let meta = tx.open_table(META).map_err(db)?;
        Ok(meta
            .get(CURSOR)
            .map_err(db)?
            .and_then(|v| v.value().parse().ok())
            .unwrap_or(0))
    }

    /// One stored record.
    pub fn record(
        &self,
        source: &str,
        identifier: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        read_record(&tx.open_table(RECORDS).map_err(db)?, source, identifier)
    }

    /// A work by id (live, tombstone or merged away), without alias resolution.
    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        Ok(self.works([id])?.pop().flatten())
    }

    /// Several works by id in one read transaction (a page of search hits), `None` for an
    /// unknown id.
    pub fn works<W: DeserializeOwned>(
        &self,
        ids: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<Option<W>>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(WORKS).map_err(db)?;
        ids.into_iter()
            .map(|id| read_work(&table, id.as_ref()))
            .collect()
    }

    /// Calls `visit` for every work in id order.
    pub fn for_each_work<W: DeserializeOwned>(
        &self,
        mut visit: impl FnMut(W) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(WORKS).map_err(db)?;
        for entry in table.iter().map_err(db)? {
            let (_, value) = entry.map_err(db)?;
            visit(decode_work(value.value())?)?;
        }
        Ok(())
    }

    /// (live, deleted) works.
    pub fn work_counts(&self) -> Result<(u64, u64), StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(WORK_COUNTS).map_err(db)?;
        let count = |name: &str| -> Result<u64, StoreError> {
            Ok(table.get(name).map_err(db)?.map(|v| v.value()).unwrap_or(0))
        };
        Ok((count("live")?, count("deleted")?))
    }

    /// A read-only view of what dedup compares, as last committed: several threads read
    /// candidates through their own views before a batch's write transaction.
    pub fn dedup_view(&self) -> Result<DedupView, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        Ok(DedupView {
            works: tx.open_table(WORKS).map_err(db)?,
            records: tx.open_table(RECORDS).map_err(db)?,
            record_work: tx.open_table(RECORD_WORK).map_err(db)?,
            features: tx.open_table(RECORD_FEATURES).map_err(db)?,
            blocks: tx.open_multimap_table(BLOCK_MEMBERS).map_err(db)?,
        })
    }

    /// Runs `update` in one write transaction over the works tables and commits it.
    pub fn update_works<T>(
        &self,
        update: impl FnOnce(&mut WorksTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.update_works_bulk(true, update)
    }

    /// [`Store::update_works`] for one of several transactions of a bulk write: unless
    /// `durable`, the commit is not synced to disk (a crash may lose it, never half of it), and
    /// the last transaction of the series, durable, makes all of them so.
    pub fn update_works_bulk<T>(
        &self,
        durable: bool,
        update: impl FnOnce(&mut WorksTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.db.begin_write().map_err(db)?;
        if !durable {
            tx.set_durability(redb::Durability::None).map_err(db)?;
        }
        let result = {
            let meta = tx.open_table(META).map_err(db)?;
            let feed = FeedTx::open(&tx, &meta)?;
            let mut works = WorksTx {
                works: tx.open_table(WORKS).map_err(db)?,
                record_work: tx.open_table(RECORD_WORK).map_err(db)?,
                features: tx.open_table(RECORD_FEATURES).map_err(db)?,
                blocks: tx.open_multimap_table(BLOCK_MEMBERS).map_err(db)?,
                counts: tx.open_table(WORK_COUNTS).map_err(db)?,
                meta,
                records: tx.open_table(RECORDS).map_err(db)?,
                feed,
            };
            let result = update(&mut works)?;
            works.feed.close(&mut works.meta)?;
            result
        };
        tx.commit().map_err(db)?;
        Ok(result)
    }
}

impl Store {
    /// Whether the blocking index predates schema 3 and must be rebuilt
    /// ([`Store::migrate_blocks`]) before the works stage uses it.
    pub fn blocks_need_migration(&self) -> Result<bool, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let meta = tx.open_table(META).map_err(db)?;
        let version = meta.get("schema_version").map_err(db)?;
        Ok(version.is_some_and(|v| v.value() != super::SCHEMA_VERSION.to_string()))
    }

    /// Rebuilds the blocking index from the stored features (`entries` gives a record's block
    /// keys and sketch from its features) and moves the store to schema 3. Written in key order
    /// over several transactions; the version changes with the last, so an interrupted
    /// migration starts again from the beginning. Holds every (key, record) pair in memory
    /// (about 340 MiB for a million records); a features row that cannot be decoded stops it
    /// (the store is damaged: `works update` would fail on that record anyway).
    pub fn migrate_blocks<F: DeserializeOwned>(
        &self,
        entries: impl Fn(&F) -> (Vec<u64>, u64),
    ) -> Result<u64, StoreError> {
        let mut records: Vec<(String, String, u64)> = Vec::new();
        let mut rows: Vec<(u64, u32)> = Vec::new();
        {
            let tx = self.db.begin_read().map_err(db)?;
            let table = tx.open_table(RECORD_FEATURES).map_err(db)?;
            for entry in table.iter().map_err(db)? {
                let (key, value) = entry.map_err(db)?;
                let (source, identifier) = key.value();
                let features: F = decode_features(value.value())?;
                let (keys, sketch) = entries(&features);
                let index = u32::try_from(records.len()).map_err(|_| StoreError::Corrupt {
                    table: "record_features",
                    error: "too many records to migrate".into(),
                })?;
                rows.extend(keys.into_iter().map(|key| (key, index)));
                records.push((source.to_owned(), identifier.to_owned(), sketch));
            }
        }
        let value = |&(key, index): &(u64, u32)| {
            let (source, identifier, sketch) = &records[index as usize];
            (key, source.as_str(), identifier.as_str(), *sketch)
        };
        // Features are read in record order, so (key, index) is the table's (key, value) order.
        rows.sort_unstable();
        rows.dedup();
        const SLICE: usize = 2_000_000;
        let slices = rows.len().div_ceil(SLICE).max(1);
        for number in 0..slices {
            let mut tx = self.db.begin_write().map_err(db)?;
            let last = number + 1 == slices;
            if !last {
                tx.set_durability(redb::Durability::None).map_err(db)?;
            }
            if number == 0 {
                tx.delete_multimap_table(BLOCK_MEMBERS).map_err(db)?;
            }
            {
                let mut blocks = tx.open_multimap_table(BLOCK_MEMBERS).map_err(db)?;
                for row in rows.iter().skip(number * SLICE).take(SLICE) {
                    let (key, source, identifier, sketch) = value(row);
                    blocks
                        .insert(key, (source, identifier, sketch))
                        .map_err(db)?;
                }
            }
            if last {
                tx.delete_multimap_table(OLD_BLOCKS).map_err(db)?;
                let mut meta = tx.open_table(META).map_err(db)?;
                meta.insert("schema_version", super::SCHEMA_VERSION.to_string().as_str())
                    .map_err(db)?;
            }
            tx.commit().map_err(db)?;
        }
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
impl Store {
    /// Every entry of the blocking index: (key, source, identifier, sketch), for tests.
    pub fn block_entries(&self) -> Vec<(u64, String, String, u64)> {
        let tx = self.db.begin_read().unwrap();
        let table = tx.open_multimap_table(BLOCK_MEMBERS).unwrap();
        let mut all = Vec::new();
        for entry in table.iter().unwrap() {
            let (key, values) = entry.unwrap();
            for value in values {
                let value = value.unwrap();
                let (source, identifier, sketch) = value.value();
                all.push((
                    key.value(),
                    source.to_owned(),
                    identifier.to_owned(),
                    sketch,
                ));
            }
        }
        all
    }

    /// Every record that has stored features, for tests.
    pub fn feature_records(&self) -> Vec<(String, String)> {
        let tx = self.db.begin_read().unwrap();
        let table = tx.open_table(RECORD_FEATURES).unwrap();
        let keys = table.iter().unwrap().map(|entry| {
            let (key, _) = entry.unwrap();
            let (source, identifier) = key.value();
            (source.to_owned(), identifier.to_owned())
        });
        keys.collect()
    }
}

/// See [`Store::dedup_view`].
pub struct DedupView {
    works: redb::ReadOnlyTable<&'static str, &'static [u8]>,
    records: redb::ReadOnlyTable<(&'static str, &'static str), (u64, &'static [u8])>,
    record_work: redb::ReadOnlyTable<(&'static str, &'static str), &'static str>,
    features: redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>,
    blocks: redb::ReadOnlyMultimapTable<u64, (&'static str, &'static str, u64)>,
}

impl DedupView {
    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        read_work(&self.works, id)
    }

    pub fn record(
        &self,
        source: &str,
        identifier: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        read_record(&self.records, source, identifier)
    }

    pub fn record_work(&self, key: (&str, &str)) -> Result<Option<String>, StoreError> {
        read_record_work(&self.record_work, key)
    }

    pub fn features<F: DeserializeOwned>(
        &self,
        key: (&str, &str),
    ) -> Result<Option<F>, StoreError> {
        read_features(&self.features, key)
    }

    /// As [`WorksTx::block`].
    pub fn block(&self, key: u64, limit: usize) -> Result<Option<Vec<BlockMember>>, StoreError> {
        block_members(self.blocks.get(key).map_err(db)?, limit)
    }
}

/// A work, from a write transaction's table or a read-only view's.
fn read_work<W: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<W>, StoreError> {
    table
        .get(id)
        .map_err(db)?
        .map(|v| decode_work(v.value()))
        .transpose()
}

/// A stored record, from a write transaction's table or a read-only view's.
fn read_record(
    table: &impl ReadableTable<(&'static str, &'static str), (u64, &'static [u8])>,
    source: &str,
    identifier: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    match table.get((source, identifier)).map_err(db)? {
        None => Ok(None),
        Some(value) => stored_record(source, identifier, value.value().1).map(Some),
    }
}

/// The work of a record, from a write transaction's table or a read-only view's.
fn read_record_work(
    table: &impl ReadableTable<(&'static str, &'static str), &'static str>,
    key: (&str, &str),
) -> Result<Option<String>, StoreError> {
    Ok(table.get(key).map_err(db)?.map(|v| v.value().to_owned()))
}

/// A record's stored features, from a write transaction's table or a read-only view's.
fn read_features<F: DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: (&str, &str),
) -> Result<Option<F>, StoreError> {
    table
        .get(key)
        .map_err(db)?
        .map(|v| decode_features(v.value()))
        .transpose()
}

/// A record in a block: its key and its sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMember {
    pub record: (String, String),
    pub sketch: u64,
}

/// The records of a block, `None` beyond `limit`.
fn block_members(
    values: redb::MultimapValue<'_, (&'static str, &'static str, u64)>,
    limit: usize,
) -> Result<Option<Vec<BlockMember>>, StoreError> {
    let mut members = Vec::new();
    for entry in values {
        let value = entry.map_err(db)?;
        let (source, identifier, sketch) = value.value();
        members.push(BlockMember {
            record: (source.to_owned(), identifier.to_owned()),
            sketch,
        });
        if members.len() > limit {
            return Ok(None);
        }
    }
    Ok(Some(members))
}

/// Typed access to the works tables inside one write transaction.
pub struct WorksTx<'t> {
    works: redb::Table<'t, &'static str, &'static [u8]>,
    record_work: redb::Table<'t, (&'static str, &'static str), &'static str>,
    features: redb::Table<'t, (&'static str, &'static str), &'static [u8]>,
    blocks: redb::MultimapTable<'t, u64, (&'static str, &'static str, u64)>,
    counts: redb::Table<'t, &'static str, u64>,
    meta: redb::Table<'t, &'static str, &'static str>,
    records: redb::Table<'t, (&'static str, &'static str), (u64, &'static [u8])>,
    /// The OAI feed's index, written with each work by [`WorksTx::put_work`].
    pub(super) feed: FeedTx<'t>,
}

impl WorksTx<'_> {
    pub fn record(
        &self,
        source: &str,
        identifier: &str,
    ) -> Result<Option<StoredRecord>, StoreError> {
        read_record(&self.records, source, identifier)
    }

    pub fn record_work(&self, key: (&str, &str)) -> Result<Option<String>, StoreError> {
        read_record_work(&self.record_work, key)
    }

    pub fn set_record_work(&mut self, key: (&str, &str), work: &str) -> Result<(), StoreError> {
        self.record_work.insert(key, work).map_err(db)?;
        Ok(())
    }

    pub fn remove_record_work(&mut self, key: (&str, &str)) -> Result<(), StoreError> {
        self.record_work.remove(key).map_err(db)?;
        Ok(())
    }

    pub fn features<F: DeserializeOwned>(
        &self,
        key: (&str, &str),
    ) -> Result<Option<F>, StoreError> {
        read_features(&self.features, key)
    }

    pub fn set_features<F: Serialize>(
        &mut self,
        key: (&str, &str),
        features: &F,
    ) -> Result<(), StoreError> {
        self.features
            .insert(key, encode_features(features)?.as_slice())
            .map_err(db)?;
        Ok(())
    }

    pub fn remove_features(&mut self, key: (&str, &str)) -> Result<(), StoreError> {
        self.features.remove(key).map_err(db)?;
        Ok(())
    }

    /// The records with a blocking key, or `None` when there are more than `limit` (a key too
    /// common to compare on).
    pub fn block(&self, key: u64, limit: usize) -> Result<Option<Vec<BlockMember>>, StoreError> {
        block_members(self.blocks.get(key).map_err(db)?, limit)
    }

    pub fn add_to_block(
        &mut self,
        key: u64,
        record: (&str, &str),
        sketch: u64,
    ) -> Result<(), StoreError> {
        self.blocks
            .insert(key, (record.0, record.1, sketch))
            .map_err(db)?;
        Ok(())
    }

    pub fn remove_from_block(
        &mut self,
        key: u64,
        record: (&str, &str),
        sketch: u64,
    ) -> Result<(), StoreError> {
        self.blocks
            .remove(key, (record.0, record.1, sketch))
            .map_err(db)?;
        Ok(())
    }

    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        read_work(&self.works, id)
    }

    /// Writes a work; `was`/`now` are its liveness before and after, for the counts.
    ///
    /// The work also moves to the end of the feed index, with its `datestamp` and its leaf
    /// `sets` (`None`: those it had, for a work that is no longer live): a work cannot be
    /// written without its feed entry.
    pub fn put_work<W: Serialize>(
        &mut self,
        id: &str,
        work: &W,
        was: Option<bool>,
        now: bool,
        datestamp: &str,
        sets: Option<&[String]>,
    ) -> Result<(), StoreError> {
        let bytes = lz4_flex::compress_prepend_size(&to_json(work));
        self.works.insert(id, bytes.as_slice()).map_err(db)?;
        if was != Some(now) {
            if let Some(was_live) = was {
                self.bump(if was_live { "live" } else { "deleted" }, -1)?;
            }
            self.bump(if now { "live" } else { "deleted" }, 1)?;
        }
        self.feed.index(id, datestamp, !now, sets)
    }

    fn bump(&mut self, name: &str, delta: i64) -> Result<(), StoreError> {
        let current = self
            .counts
            .get(name)
            .map_err(db)?
            .map(|v| v.value())
            .unwrap_or(0);
        let next = current.saturating_add_signed(delta);
        self.counts.insert(name, next).map_err(db)?;
        Ok(())
    }

    /// A new work id, never reused: `w` and a zero-padded sequence number.
    pub fn new_work_id(&mut self) -> Result<String, StoreError> {
        let next = self
            .meta
            .get(SEQUENCE)
            .map_err(db)?
            .and_then(|v| v.value().parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        self.meta
            .insert(SEQUENCE, next.to_string().as_str())
            .map_err(db)?;
        Ok(format!("w{next:08}"))
    }

    pub fn set_cursor(&mut self, cursor: u64) -> Result<(), StoreError> {
        self.meta
            .insert(CURSOR, cursor.to_string().as_str())
            .map_err(db)?;
        Ok(())
    }
}

/// First byte of a binary features row. Features are read at random, thousands per update, so
/// they are stored compact and quick to decode (postcard); stores written before hold JSON,
/// which starts with `{` and is still read.
const BINARY_FEATURES: u8 = 0;

fn encode_features<F: Serialize>(features: &F) -> Result<Vec<u8>, StoreError> {
    let bytes = vec![BINARY_FEATURES];
    postcard::to_extend(features, bytes).map_err(|error| StoreError::Corrupt {
        table: "record_features",
        error: error.to_string(),
    })
}

fn decode_features<F: DeserializeOwned>(bytes: &[u8]) -> Result<F, StoreError> {
    match bytes.split_first() {
        Some((&BINARY_FEATURES, rest)) => {
            postcard::from_bytes(rest).map_err(|error| StoreError::Corrupt {
                table: "record_features",
                error: error.to_string(),
            })
        }
        _ => from_json("record_features", bytes),
    }
}

pub(super) fn decode_work<W: DeserializeOwned>(bytes: &[u8]) -> Result<W, StoreError> {
    let plain = lz4_flex::decompress_size_prepended(bytes).map_err(|e| StoreError::Corrupt {
        table: "works",
        error: e.to_string(),
    })?;
    from_json("works", &plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        words: Vec<String>,
        year: Option<i32>,
        degree: crate::normalize::DegreeType,
        nested: Vec<Vec<String>>,
        #[serde(default)]
        flag: bool,
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Keyed {
        keys: Vec<u64>,
        sketch: u64,
    }

    fn set_version(store: &Store, version: &str) {
        let tx = store.db.begin_write().unwrap();
        tx.open_table(META)
            .unwrap()
            .insert("schema_version", version)
            .unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_schema_2_store_opens_and_its_blocks_are_rebuilt_from_the_features() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(!store.blocks_need_migration().unwrap());
            store
                .update_works(|tx| {
                    let rows = [("s", "b", vec![7, 9], 2), ("s", "a", vec![7], 1)];
                    for (source, identifier, keys, sketch) in rows {
                        tx.set_features((source, identifier), &Keyed { keys, sketch })?;
                    }
                    // What schema 2 kept: gone after the migration.
                    tx.add_to_block(5, ("s", "stale"), 0)?;
                    Ok(())
                })
                .unwrap();
            let tx = store.db.begin_write().unwrap();
            tx.open_multimap_table(OLD_BLOCKS)
                .unwrap()
                .insert("t:old key", ("s", "a"))
                .unwrap();
            tx.commit().unwrap();
            set_version(&store, "2");
        }
        let store = Store::open(dir.path()).unwrap();
        assert!(store.blocks_need_migration().unwrap());
        let entries = store
            .migrate_blocks(|keyed: &Keyed| (keyed.keys.clone(), keyed.sketch))
            .unwrap();
        assert_eq!(entries, 3);
        assert!(!store.blocks_need_migration().unwrap());
        let view = store.dedup_view().unwrap();
        let member = |identifier: &str, sketch| BlockMember {
            record: ("s".into(), identifier.into()),
            sketch,
        };
        assert_eq!(
            view.block(7, 10).unwrap(),
            Some(vec![member("a", 1), member("b", 2)])
        );
        assert_eq!(view.block(9, 10).unwrap(), Some(vec![member("b", 2)]));
        assert_eq!(view.block(7, 1).unwrap(), None, "over the limit");
        assert_eq!(view.block(5, 10).unwrap(), Some(vec![]));
        let tx = store.db.begin_read().unwrap();
        let tables: Vec<String> = tx
            .list_multimap_tables()
            .unwrap()
            .map(|t| redb::MultimapTableHandle::name(&t).to_owned())
            .collect();
        assert_eq!(tables, vec!["block_members".to_owned()]);
        drop((tx, view, store));

        // Older stores than schema 2 are still refused.
        let store = Store::open(dir.path()).unwrap();
        set_version(&store, "1");
        drop(store);
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::SchemaVersion { .. })
        ));
    }

    #[test]
    fn features_are_stored_binary_and_json_rows_are_still_read() {
        let sample = Sample {
            words: vec!["économie".into(), "sociale".into()],
            year: Some(2019),
            degree: crate::normalize::DegreeType::ReportStudy,
            nested: vec![vec![], vec!["bretagne".into()]],
            flag: true,
        };
        let bytes = encode_features(&sample).unwrap();
        assert_eq!(bytes[0], BINARY_FEATURES);
        assert!(bytes.len() < to_json(&sample).len() / 2, "{}", bytes.len());
        assert_eq!(decode_features::<Sample>(&bytes).unwrap(), sample);
        let legacy = br#"{"words":["a"],"year":null,"degree":"other","nested":[]}"#;
        let read: Sample = decode_features(legacy).unwrap();
        assert_eq!((read.words, read.flag), (vec!["a".to_owned()], false));
        assert!(decode_features::<Sample>(&[BINARY_FEATURES, 0xff]).is_err());
    }
}
