//! The store as dedup reads it: each record's features (what `dedup::compare` reads, and its
//! blocking keys) and the blocking index (the records having a key, each with its sketch). Read
//! through a [`WorksTx`] while a batch applies, or through read-only [`DedupView`]s by the
//! threads that read a batch's candidates ahead. Also the migration of schema 2's blocks.

use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encode::{decode_features, encode_features};
use super::records::read_record;
use super::tables::{
    BLOCK_MEMBERS, META, OLD_BLOCKS, RECORD_FEATURES, RECORD_WORK, RECORDS, WORKS, meta_key,
};
use super::works::{WorksTx, read_record_work, read_work};
use super::{
    BLOCKS_MIGRATABLE_VERSION, RecordKey, RecordKeyRef, SCHEMA_VERSION, Store, StoreError,
    StoredRecord,
};

/// A record in a block: its key and its sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMember {
    pub record: RecordKey,
    pub sketch: u64,
}

/// See [`Store::dedup_view`].
pub struct DedupView {
    works: redb::ReadOnlyTable<&'static str, &'static [u8]>,
    records: redb::ReadOnlyTable<(&'static str, &'static str), (u64, &'static [u8])>,
    record_work: redb::ReadOnlyTable<(&'static str, &'static str), &'static str>,
    features: redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>,
    blocks: redb::ReadOnlyMultimapTable<u64, (&'static str, &'static str, u64)>,
}

impl Store {
    /// A read-only view of what dedup compares, as last committed: several threads read
    /// candidates through their own views before a batch's write transaction.
    pub fn dedup_view(&self) -> Result<DedupView, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(DedupView {
            works: tx.open_table(WORKS)?,
            records: tx.open_table(RECORDS)?,
            record_work: tx.open_table(RECORD_WORK)?,
            features: tx.open_table(RECORD_FEATURES)?,
            blocks: tx.open_multimap_table(BLOCK_MEMBERS)?,
        })
    }
}

impl DedupView {
    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        read_work(&self.works, id)
    }

    pub fn record(&self, key: RecordKeyRef<'_>) -> Result<Option<StoredRecord>, StoreError> {
        read_record(&self.records, key)
    }

    pub fn record_work(&self, key: RecordKeyRef<'_>) -> Result<Option<String>, StoreError> {
        read_record_work(&self.record_work, key)
    }

    pub fn features<F: DeserializeOwned>(
        &self,
        key: RecordKeyRef<'_>,
    ) -> Result<Option<F>, StoreError> {
        read_features(&self.features, key)
    }

    /// As [`WorksTx::block`].
    pub fn block(&self, key: u64, limit: usize) -> Result<Option<Vec<BlockMember>>, StoreError> {
        block_members(self.blocks.get(key)?, limit)
    }
}

/// What made the stored features rows: every record that made a work at change-log position
/// `cursor` and has not changed since has its row, as version `rules` of the dedup rules mines
/// it (`crate::dedup::RULES`). A build from scratch and `essor works rebuild` write it (they
/// mine every record, or compare what they mine with the stored rows); a later rebuild with
/// the same rules reads those rows instead of mining them again (a thesaurus change changes no
/// features). Incremental updates leave it: the records they write rows for changed after
/// `cursor`, so they are mined again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeaturesMined {
    pub rules: u32,
    pub cursor: u64,
}

impl FeaturesMined {
    /// `rules cursor`, as stored.
    pub(super) fn parse(value: &str) -> Option<FeaturesMined> {
        let (rules, cursor) = value.split_once(' ')?;
        Some(FeaturesMined {
            rules: rules.parse().ok()?,
            cursor: cursor.parse().ok()?,
        })
    }
}

impl Store {
    /// What made the stored features rows, if a build or rebuild said so.
    pub fn features_mined(&self) -> Result<Option<FeaturesMined>, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        let value = meta.get(meta_key::FEATURES_MINED)?;
        Ok(value.and_then(|value| FeaturesMined::parse(value.value())))
    }
}

impl WorksTx<'_> {
    /// Says what made the stored features rows once this transaction commits.
    pub fn set_features_mined(&mut self, mined: FeaturesMined) -> Result<(), StoreError> {
        let value = format!("{} {}", mined.rules, mined.cursor);
        self.meta.insert(meta_key::FEATURES_MINED, value.as_str())?;
        Ok(())
    }

    pub fn features<F: DeserializeOwned>(
        &self,
        key: RecordKeyRef<'_>,
    ) -> Result<Option<F>, StoreError> {
        read_features(&self.features, key)
    }

    pub fn set_features<F: Serialize>(
        &mut self,
        key: RecordKeyRef<'_>,
        features: &F,
    ) -> Result<(), StoreError> {
        self.features
            .insert(key.pair(), encode_features(features)?.as_slice())?;
        Ok(())
    }

    pub fn remove_features(&mut self, key: RecordKeyRef<'_>) -> Result<(), StoreError> {
        self.features.remove(key.pair())?;
        Ok(())
    }

    /// The records with a blocking key, or `None` when there are more than `limit` (a key too
    /// common to compare on).
    pub fn block(&self, key: u64, limit: usize) -> Result<Option<Vec<BlockMember>>, StoreError> {
        block_members(self.blocks.get(key)?, limit)
    }

    pub fn add_to_block(
        &mut self,
        key: u64,
        record: RecordKeyRef<'_>,
        sketch: u64,
    ) -> Result<(), StoreError> {
        self.blocks
            .insert(key, (record.source(), record.identifier(), sketch))?;
        Ok(())
    }

    pub fn remove_from_block(
        &mut self,
        key: u64,
        record: RecordKeyRef<'_>,
        sketch: u64,
    ) -> Result<(), StoreError> {
        self.blocks
            .remove(key, (record.source(), record.identifier(), sketch))?;
        Ok(())
    }
}

/// A record's stored features, from a write transaction's table or a read-only view's.
fn read_features<F: DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: RecordKeyRef<'_>,
) -> Result<Option<F>, StoreError> {
    table
        .get(key.pair())?
        .map(|v| decode_features(v.value()))
        .transpose()
}

/// The records of a block, `None` beyond `limit`.
fn block_members(
    values: redb::MultimapValue<'_, (&'static str, &'static str, u64)>,
    limit: usize,
) -> Result<Option<Vec<BlockMember>>, StoreError> {
    let mut members = Vec::new();
    for entry in values {
        let value = entry?;
        let (source, identifier, sketch) = value.value();
        members.push(BlockMember {
            record: RecordKey::new(source, identifier),
            sketch,
        });
        if members.len() > limit {
            return Ok(None);
        }
    }
    Ok(Some(members))
}

impl Store {
    /// Empties the features and the blocking index, in a transaction that is not durable (a
    /// build from scratch writes them again, in key order, and makes them durable at its end).
    pub fn clear_dedup_index(&self) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(redb::Durability::None)?;
        tx.delete_table(RECORD_FEATURES)?;
        tx.delete_multimap_table(BLOCK_MEMBERS)?;
        tx.open_table(RECORD_FEATURES)?;
        tx.open_multimap_table(BLOCK_MEMBERS)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the blocking index predates schema 3 and must be rebuilt
    /// ([`Store::migrate_blocks`]) before the works stage uses it.
    pub fn blocks_need_migration(&self) -> Result<bool, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        let version = table.get(meta_key::SCHEMA_VERSION)?;
        Ok(version.is_some_and(|v| v.value() == BLOCKS_MIGRATABLE_VERSION.to_string()))
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
        let mut records: Vec<(RecordKey, u64)> = Vec::new();
        let mut rows: Vec<(u64, u32)> = Vec::new();
        {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(RECORD_FEATURES)?;
            for entry in table.iter()? {
                let (key, value) = entry?;
                let (source, identifier) = key.value();
                let features: F = decode_features(value.value())?;
                let (keys, sketch) = entries(&features);
                let index = u32::try_from(records.len()).map_err(|_| {
                    StoreError::corrupt("record_features", "too many records to migrate")
                })?;
                rows.extend(keys.into_iter().map(|key| (key, index)));
                records.push((RecordKey::new(source, identifier), sketch));
            }
        }
        // Features are read in record order, so (key, index) is the table's (key, value) order.
        rows.sort_unstable();
        rows.dedup();
        const SLICE: usize = 2_000_000;
        let slices = rows.len().div_ceil(SLICE).max(1);
        for number in 0..slices {
            let mut tx = self.db.begin_write()?;
            let last = number + 1 == slices;
            if !last {
                tx.set_durability(redb::Durability::None)?;
            }
            if number == 0 {
                tx.delete_multimap_table(BLOCK_MEMBERS)?;
            }
            {
                let mut blocks = tx.open_multimap_table(BLOCK_MEMBERS)?;
                for &(key, index) in rows.iter().skip(number * SLICE).take(SLICE) {
                    let (record, sketch) = &records[index as usize];
                    blocks.insert(key, (record.source(), record.identifier(), *sketch))?;
                }
            }
            if last {
                tx.delete_multimap_table(OLD_BLOCKS)?;
                let mut table = tx.open_table(META)?;
                table.insert(
                    meta_key::SCHEMA_VERSION,
                    SCHEMA_VERSION.to_string().as_str(),
                )?;
            }
            tx.commit()?;
        }
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
impl Store {
    /// Every entry of the blocking index: (key, record, sketch), for tests.
    pub fn block_entries(&self) -> Vec<(u64, RecordKey, u64)> {
        let tx = self.db.begin_read().unwrap();
        let table = tx.open_multimap_table(BLOCK_MEMBERS).unwrap();
        let mut all = Vec::new();
        for entry in table.iter().unwrap() {
            let (key, values) = entry.unwrap();
            for value in values {
                let value = value.unwrap();
                let (source, identifier, sketch) = value.value();
                all.push((key.value(), RecordKey::new(source, identifier), sketch));
            }
        }
        all
    }

    /// Every record that has stored features, for tests.
    pub fn feature_records(&self) -> Vec<RecordKey> {
        let tx = self.db.begin_read().unwrap();
        let table = tx.open_table(RECORD_FEATURES).unwrap();
        let keys = table.iter().unwrap().map(|entry| {
            let (key, _) = entry.unwrap();
            let (source, identifier) = key.value();
            RecordKey::new(source, identifier)
        });
        keys.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Keyed {
        keys: Vec<u64>,
        sketch: u64,
    }

    fn set_version(store: &Store, version: &str) {
        let tx = store.db.begin_write().unwrap();
        tx.open_table(META)
            .unwrap()
            .insert(meta_key::SCHEMA_VERSION, version)
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
                        let key = RecordKeyRef::new(source, identifier);
                        tx.set_features(key, &Keyed { keys, sketch })?;
                    }
                    // What schema 2 kept: gone after the migration.
                    tx.add_to_block(5, RecordKeyRef::new("s", "stale"), 0)?;
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
            record: RecordKey::new("s", identifier),
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
}
