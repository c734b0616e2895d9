//! The store as dedup reads it: each record's features (what `dedup::compare` reads, and its
//! blocking keys) and the blocking index (the records having a key, each with its sketch). Read
//! through a [`WorksTx`] while a batch applies, or through read-only [`DedupView`]s by the
//! threads that read a batch's candidates ahead. Also the migration of schema 2's blocks.

use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable};

use super::blocks;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encode::{decode_features, encode_features};
use super::records::read_record_mapped;
use super::tables::{
    BLOCK_CHUNKS, BLOCK_MEMBERS, FEED, FEED_ENTRIES, META, OLD_BLOCKS, RECORD_FEATURES,
    RECORD_WORK, RECORDS, WORKS, meta_key,
};
use super::works::{WorksTx, read_record_work, read_work};
use super::{
    BLOCKS_MIGRATABLE_VERSIONS, RecordKey, RecordKeyRef, SCHEMA_VERSION, Store, StoreError,
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
    blocks: redb::ReadOnlyTable<blocks::ChunkKey<'static>, &'static [u8]>,
    feed: redb::ReadOnlyTable<(&'static str, u64, u64), &'static str>,
    feed_entries: redb::ReadOnlyTable<&'static str, (u64, u64, bool, &'static str)>,
}

impl Store {
    /// A read-only view of what dedup compares, as last committed: several threads read
    /// candidates through their own views before a batch's write transaction (and the feed
    /// entries its writer will read: [`DedupView::touch_feed_entry`]).
    pub fn dedup_view(&self) -> Result<DedupView, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(DedupView {
            works: tx.open_table(WORKS)?,
            records: tx.open_table(RECORDS)?,
            record_work: tx.open_table(RECORD_WORK)?,
            features: tx.open_table(RECORD_FEATURES)?,
            blocks: tx.open_table(BLOCK_CHUNKS)?,
            feed: tx.open_table(FEED)?,
            feed_entries: tx.open_table(FEED_ENTRIES)?,
        })
    }
}

impl DedupView {
    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        read_work(&self.works, id)
    }

    /// A record without its raw XML: what describing a work's member reads.
    pub fn record_mapped(&self, key: RecordKeyRef<'_>) -> Result<Option<StoredRecord>, StoreError> {
        read_record_mapped(&self.records, key)
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
        blocks::read(&self.blocks, key, limit)
    }

    /// Reads what writing work `id` again will read of the feed index (its entry, and its row
    /// in the list of all works, which the move removes), only so that those pages are in
    /// memory when the batch's writer gets to them: on a store not in the page cache each was a
    /// disk read on the writer's thread, one after the other (BENCHMARKS.md, issue 17).
    pub fn touch_feed_entry(&self, id: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.feed_entries.get(id)? {
            let (stamp, sequence, _, _) = entry.value();
            self.feed.get(("", stamp, sequence))?;
        }
        Ok(())
    }
}

/// A features row as the store writes it, encoded off the writer's thread
/// ([`WorksTx::set_features_row`]).
pub struct FeaturesRow(Vec<u8>);

impl FeaturesRow {
    pub fn of<F: Serialize>(features: &F) -> Result<FeaturesRow, StoreError> {
        encode_features(features).map(FeaturesRow)
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
        self.set_features_row(key, &FeaturesRow::of(features)?)
    }

    /// Writes a features row encoded beforehand ([`FeaturesRow::of`]): a build from scratch
    /// encodes its rows on the cores that mine them, and inserts them beside the next slice's
    /// mining.
    pub fn set_features_row(
        &mut self,
        key: RecordKeyRef<'_>,
        row: &FeaturesRow,
    ) -> Result<(), StoreError> {
        self.features.insert(key.pair(), row.0.as_slice())?;
        Ok(())
    }

    pub fn remove_features(&mut self, key: RecordKeyRef<'_>) -> Result<(), StoreError> {
        self.features.remove(key.pair())?;
        Ok(())
    }

    /// The records with a blocking key, or `None` when there are more than `limit` (a key too
    /// common to compare on).
    pub fn block(&self, key: u64, limit: usize) -> Result<Option<Vec<BlockMember>>, StoreError> {
        blocks::read(&self.blocks, key, limit)
    }

    /// Adds a record to a block (its chunk rewritten: `blocks.rs`).
    pub fn add_to_block(
        &mut self,
        key: u64,
        record: RecordKeyRef<'_>,
        sketch: u64,
    ) -> Result<(), StoreError> {
        let member = (record.source(), record.identifier(), sketch);
        blocks::insert(&mut self.blocks, key, member)
    }

    pub fn remove_from_block(
        &mut self,
        key: u64,
        record: RecordKeyRef<'_>,
        sketch: u64,
    ) -> Result<(), StoreError> {
        let member = (record.source(), record.identifier(), sketch);
        blocks::remove(&mut self.blocks, key, member)
    }

    /// Writes a block that has no members yet, `members` in (source, identifier, sketch)
    /// order (a build from scratch, its blocks in key order); gives the number of chunks.
    pub fn write_new_block(
        &mut self,
        key: u64,
        members: &[(&str, &str, u64)],
    ) -> Result<u64, StoreError> {
        blocks::write(&mut self.blocks, key, members)
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

impl Store {
    /// Empties the features and the blocking index, in a transaction that is not durable (a
    /// build from scratch writes them again, in key order, and makes them durable at its end).
    pub fn clear_dedup_index(&self) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(redb::Durability::None)?;
        tx.delete_table(RECORD_FEATURES)?;
        tx.delete_table(BLOCK_CHUNKS)?;
        tx.open_table(RECORD_FEATURES)?;
        tx.open_table(BLOCK_CHUNKS)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the blocking index predates schema 5 and must be rebuilt or packed
    /// ([`Store::migrate_blocks`]) before the works stage uses it.
    pub fn blocks_need_migration(&self) -> Result<bool, StoreError> {
        let version = self.schema_version()?;
        Ok(BLOCKS_MIGRATABLE_VERSIONS
            .iter()
            .any(|v| version == v.to_string()))
    }

    /// Moves the blocking index to schema 5's chunks (`blocks.rs`) and the store to schema 5:
    /// schema 2's from the stored features (`entries` gives a record's block keys and sketch
    /// from its features; every (key, record) pair held in memory, ~340 MiB a million records;
    /// a features row that cannot be decoded stops it: the store is damaged), schemas 3 and 4's
    /// multimap packed as it is read, in key order. Written over several transactions that are
    /// not durable; the version changes with the last, durable one, which deletes the old
    /// tables: an interrupted migration leaves them, and starts again from the beginning.
    pub fn migrate_blocks<F: DeserializeOwned>(
        &self,
        entries: impl Fn(&F) -> (Vec<u64>, u64),
    ) -> Result<MigratedBlocks, StoreError> {
        self.migrate_blocks_in(entries, MIGRATION_SLICE, usize::MAX)
    }

    /// [`Store::migrate_blocks`] writing `slice` members a transaction, stopping with an error
    /// after `slices` transactions (tests interrupt it so).
    fn migrate_blocks_in<F: DeserializeOwned>(
        &self,
        entries: impl Fn(&F) -> (Vec<u64>, u64),
        slice: usize,
        slices: usize,
    ) -> Result<MigratedBlocks, StoreError> {
        let mut writer = MigrationWriter {
            store: self,
            pending: Vec::new(),
            pending_members: 0,
            slice,
            slices_left: slices,
            written: MigratedBlocks::default(),
        };
        if self.schema_version()? == "2" {
            let (records, rows) = self.block_rows_from_features(entries)?;
            for group in rows.chunk_by(|a, b| a.0 == b.0) {
                let members = group.iter().map(|&(_, index)| {
                    let (record, sketch) = &records[index as usize];
                    (
                        record.source().to_owned(),
                        record.identifier().to_owned(),
                        *sketch,
                    )
                });
                writer.block(group[0].0, members.collect())?;
            }
        } else {
            let tx = self.db.begin_read()?;
            match tx.open_multimap_table(BLOCK_MEMBERS) {
                Ok(table) => {
                    for entry in table.iter()? {
                        let (key, values) = entry?;
                        let mut members = Vec::new();
                        for value in values {
                            let value = value?;
                            let (source, identifier, sketch) = value.value();
                            members.push((source.to_owned(), identifier.to_owned(), sketch));
                        }
                        writer.block(key.value(), members)?;
                    }
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        writer.finish()
    }

    /// Each record with its sketch, and its (block key, record index) rows in key order, from
    /// the stored features (schema 2's migration).
    #[allow(clippy::type_complexity)]
    fn block_rows_from_features<F: DeserializeOwned>(
        &self,
        entries: impl Fn(&F) -> (Vec<u64>, u64),
    ) -> Result<(Vec<(RecordKey, u64)>, Vec<(u64, u32)>), StoreError> {
        let mut records: Vec<(RecordKey, u64)> = Vec::new();
        let mut rows: Vec<(u64, u32)> = Vec::new();
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
        // Features are read in record order, so (key, index) is the chunks' order.
        rows.sort_unstable();
        rows.dedup();
        Ok((records, rows))
    }
}

/// Members written a transaction by a migration of the blocking index (~60 MiB held).
const MIGRATION_SLICE: usize = 1_000_000;

/// What a migration of the blocking index wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MigratedBlocks {
    pub members: u64,
    pub blocks: u64,
    pub chunks: u64,
    /// Blocks by their number of members: `sizes[i]` counts those of 2^(i-1) + 1 to 2^i
    /// members (1, 2, 3–4, 5–8, …).
    pub sizes: Vec<u64>,
}

/// Writes a migration's blocks in key order, a slice of members a transaction.
struct MigrationWriter<'s> {
    store: &'s Store,
    pending: Vec<(u64, Vec<blocks::Member>)>,
    pending_members: usize,
    slice: usize,
    slices_left: usize,
    written: MigratedBlocks,
}

impl MigrationWriter<'_> {
    fn block(&mut self, key: u64, mut members: Vec<blocks::Member>) -> Result<(), StoreError> {
        members.sort_unstable();
        members.dedup();
        let bucket = members.len().next_power_of_two().trailing_zeros() as usize;
        if self.written.sizes.len() <= bucket {
            self.written.sizes.resize(bucket + 1, 0);
        }
        self.written.sizes[bucket] += 1;
        self.pending_members += members.len();
        self.pending.push((key, members));
        if self.pending_members >= self.slice {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Writes the pending blocks in a transaction that is not durable; the first one empties
    /// the chunks a migration interrupted before may have left.
    fn write_pending(&mut self) -> Result<(), StoreError> {
        if self.slices_left == 0 {
            return Err(StoreError::corrupt("block_chunks", "migration interrupted"));
        }
        self.slices_left -= 1;
        let mut tx = self.store.db.begin_write()?;
        tx.set_durability(redb::Durability::None)?;
        if self.written.chunks == 0 && self.written.blocks == 0 {
            tx.delete_table(BLOCK_CHUNKS)?;
        }
        {
            let mut table = tx.open_table(BLOCK_CHUNKS)?;
            for (key, members) in self.pending.drain(..) {
                let borrowed: Vec<(&str, &str, u64)> = members
                    .iter()
                    .map(|(source, identifier, sketch)| {
                        (source.as_str(), identifier.as_str(), *sketch)
                    })
                    .collect();
                self.written.chunks += blocks::write(&mut table, key, &borrowed)?;
                self.written.blocks += 1;
                self.written.members += members.len() as u64;
            }
        }
        tx.commit()?;
        self.pending_members = 0;
        Ok(())
    }

    /// The last blocks, the old tables deleted and the version written, durably.
    fn finish(mut self) -> Result<MigratedBlocks, StoreError> {
        if self.written.blocks == 0 || !self.pending.is_empty() {
            self.write_pending()?;
        }
        let mut tx = self.store.db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)?;
        tx.delete_multimap_table(BLOCK_MEMBERS)?;
        tx.delete_multimap_table(OLD_BLOCKS)?;
        tx.open_table(META)?.insert(
            meta_key::SCHEMA_VERSION,
            SCHEMA_VERSION.to_string().as_str(),
        )?;
        tx.commit()?;
        Ok(self.written)
    }
}

#[cfg(test)]
impl Store {
    /// Every member of the blocking index: (key, record, sketch), for tests.
    pub fn block_entries(&self) -> Vec<(u64, RecordKey, u64)> {
        let tx = self.db.begin_read().unwrap();
        let table = tx.open_table(BLOCK_CHUNKS).unwrap();
        let mut all = Vec::new();
        for entry in table.iter().unwrap() {
            let (key, value) = entry.unwrap();
            for (source, identifier, sketch) in blocks::decode(value.value()).unwrap() {
                all.push((key.value().0, RecordKey::new(source, identifier), sketch));
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

    fn member(identifier: &str, sketch: u64) -> BlockMember {
        BlockMember {
            record: RecordKey::new("s", identifier),
            sketch,
        }
    }

    /// Checks that the store's blocks are migrated and `block` holds records a (sketch 1) and
    /// b (sketch 2).
    fn migrated_with_a_and_b(store: &Store, block: u64) -> DedupView {
        assert!(!store.blocks_need_migration().unwrap());
        let view = store.dedup_view().unwrap();
        let found = view.block(block, 10).unwrap();
        assert_eq!(found, Some(vec![member("a", 1), member("b", 2)]));
        view
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
        assert_eq!(entries.members, 3);
        assert_eq!((entries.blocks, entries.chunks), (2, 2));
        assert_eq!(entries.sizes, vec![1, 1], "a block of 1 member, one of 2");
        let view = migrated_with_a_and_b(&store, 7);
        assert_eq!(view.block(9, 10).unwrap(), Some(vec![member("b", 2)]));
        assert_eq!(view.block(7, 1).unwrap(), None, "over the limit");
        assert_eq!(view.block(5, 10).unwrap(), Some(vec![]));
        let tx = store.db.begin_read().unwrap();
        let tables: Vec<String> = tx
            .list_multimap_tables()
            .unwrap()
            .map(|t| redb::MultimapTableHandle::name(&t).to_owned())
            .collect();
        assert!(tables.is_empty(), "{tables:?}");
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

    /// Writes schema 4's blocking index (one multimap entry per member) as it was.
    fn schema_4_blocks(store: &Store, entries: &[(u64, &str, u64)]) {
        let tx = store.db.begin_write().unwrap();
        {
            let mut table = tx.open_multimap_table(BLOCK_MEMBERS).unwrap();
            for &(key, identifier, sketch) in entries {
                table.insert(key, ("s", identifier, sketch)).unwrap();
            }
        }
        tx.commit().unwrap();
        set_version(store, "4");
    }

    #[test]
    fn a_schema_4_store_has_its_blocks_packed_and_an_interrupted_migration_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let many: Vec<String> = (0..300).map(|n| format!("oai:x:{n:05}")).collect();
        let mut entries: Vec<(u64, &str, u64)> = vec![(3, "b", 2), (3, "a", 1), (8, "a", 1)];
        entries.extend(many.iter().map(|id| (5, id.as_str(), 9)));
        {
            let store = Store::open(dir.path()).unwrap();
            schema_4_blocks(&store, &entries);
        }
        let store = Store::open(dir.path()).unwrap();
        assert!(store.blocks_need_migration().unwrap());
        let never = |_: &Keyed| -> (Vec<u64>, u64) { panic!("schema 4 is not read from features") };
        // Interrupted after its first slice (of 10 members): nothing is lost, the version
        // stays, the old table is still there; the next migration starts over.
        let interrupted = store.migrate_blocks_in(never, 10, 1);
        assert!(interrupted.is_err());
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert!(store.blocks_need_migration().unwrap());
        let written = store.migrate_blocks_in(never, 10, usize::MAX).unwrap();
        assert_eq!((written.members, written.blocks), (303, 3));
        assert!(written.chunks > 3, "the block of 300 in several chunks");
        // Blocks of 1, 2 and 257–512 members.
        assert_eq!(written.sizes, vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        let view = migrated_with_a_and_b(&store, 3);
        assert_eq!(view.block(8, 10).unwrap(), Some(vec![member("a", 1)]));
        let big: Vec<BlockMember> = many.iter().map(|id| member(id, 9)).collect();
        assert_eq!(view.block(5, 300).unwrap(), Some(big));
        assert_eq!(view.block(5, 299).unwrap(), None);
        let mut packed = store.block_entries();
        packed.sort();
        let mut expected: Vec<(u64, RecordKey, u64)> = entries
            .iter()
            .map(|&(key, id, sketch)| (key, RecordKey::new("s", id), sketch))
            .collect();
        expected.sort();
        assert_eq!(
            packed, expected,
            "every member once, none from the interrupted run twice"
        );
        let tx = store.db.begin_read().unwrap();
        assert_eq!(
            tx.list_multimap_tables().unwrap().count(),
            0,
            "the multimap deleted"
        );
        drop((tx, view));
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION.to_string());
        // Opened again: nothing to migrate.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert!(!store.blocks_need_migration().unwrap());
    }
}
