//! The harvest's side of the store: pages of records and rejects written with their
//! checkpoint, runs, the change log later stages follow, and the listings of what is stored.

use std::sync::atomic::Ordering;

use redb::{Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::encode::{
    RejectHeader, decompress, from_json, stored_record, stored_record_mapped, to_json, was_deleted,
};
use super::tables::{
    CHANGES, CHECKPOINTS, COUNTS, META, ORIGINS, RECORDS, REJECTS, RUNS, meta_key,
};
use super::{
    Checkpoint, PreparedItem, RecordKey, RecordKeyRef, RunCounters, RunRecord, Store, StoreError,
    StoredRecord, StoredReject, marked_on_first_record,
};

/// A change-log position and the records changed after it.
pub struct Changes {
    pub records: Vec<RecordKey>,
    /// The position after the last change returned.
    pub next: u64,
}

impl Store {
    pub fn checkpoint(&self, source: &str) -> Result<Checkpoint, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CHECKPOINTS)?;
        match table.get(source)? {
            Some(value) => from_json("checkpoints", value.value()),
            None => Ok(Checkpoint::default()),
        }
    }

    /// Starts a run: allocates its id, records it as running and saves the checkpoint that
    /// points at it, atomically.
    pub fn begin_run(
        &self,
        run: &mut RunRecord,
        checkpoint: &mut Checkpoint,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut runs = tx.open_table(RUNS)?;
            let next_id = runs.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
            run.run_id = next_id;
            if let Some(active) = checkpoint.active.as_mut() {
                active.run_id = next_id;
            }
            runs.insert(next_id, to_json(run).as_slice())?;
            let mut checkpoints = tx.open_table(CHECKPOINTS)?;
            checkpoints.insert(run.source.as_str(), to_json(checkpoint).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Appends a run to the history without touching any checkpoint (a run that failed before
    /// it could begin, such as an unreachable repository).
    pub fn append_run(&self, run: &mut RunRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut runs = tx.open_table(RUNS)?;
            run.run_id = runs.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
            runs.insert(run.run_id, to_json(run).as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves a run's state and its checkpoint together (resumption, completion, failure).
    pub fn save_run(&self, run: &RunRecord, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.save_run_durable(run, checkpoint, true)
    }

    /// [`Store::save_run`] without the sync to disk, for a caller that commits durably next (the
    /// works stage following the harvest) or calls [`Store::sync`]: the run's pages are then
    /// synced with that commit, not ~60 ms before it on their own (a 1 M store's change batch).
    /// A crash before it may lose the run's end with its last pages, never half of them.
    pub fn save_run_unsynced(
        &self,
        run: &RunRecord,
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        self.save_run_durable(run, checkpoint, false)
    }

    fn save_run_durable(
        &self,
        run: &RunRecord,
        checkpoint: &Checkpoint,
        durable: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write()?;
        if !durable {
            tx.set_durability(Durability::None)?;
        }
        {
            let mut runs = tx.open_table(RUNS)?;
            runs.insert(run.run_id, to_json(run).as_slice())?;
            let mut checkpoints = tx.open_table(CHECKPOINTS)?;
            checkpoints.insert(run.source.as_str(), to_json(checkpoint).as_slice())?;
        }
        self.note_sync(durable);
        tx.commit()?;
        Ok(())
    }

    /// Records, before a harvest's commit and while its write transaction holds the store's
    /// writer (so in commit order), whether commits are left unsynced after it: a durable
    /// commit makes every earlier one durable, so that [`Store::sync_unsynced`] does not commit
    /// twice more after a server's run's end, synced already. A commit that fails after this
    /// leaves at worst one sync too many or too few, which is only speed: durability comes
    /// from the durable commits themselves.
    fn note_sync(&self, durable: bool) {
        self.unsynced.store(!durable, Ordering::Release);
    }

    /// Makes every commit so far durable (an empty durable commit): after commits left unsynced
    /// ([`Store::save_run_unsynced`]) that no durable commit followed.
    pub fn sync(&self) -> Result<(), StoreError> {
        self.db.begin_write()?.commit()?;
        Ok(())
    }

    /// [`Store::sync`] if a harvest's commit was left unsynced since the last call; whether it
    /// synced. Until a durable commit, redb keeps such commits' pages in its write buffer and
    /// every read that misses its cache writes one of them back, or scans the buffer's 131
    /// stripes for one once it is empty: the works stage following a harvest calls this beside
    /// its analysis, so that its read-ahead reads without that. Twice: a durable commit that
    /// frees pages is followed by an epilogue of redb's own, a commit left unsynced (redb 4.5,
    /// `process_data_freed_pages_after_commit`) that marks the buffer again; the second commit
    /// frees nothing, so nothing follows it.
    pub fn sync_unsynced(&self) -> Result<bool, StoreError> {
        if !self.unsynced.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        if let Err(error) = self.sync().and_then(|()| self.sync()) {
            self.unsynced.store(true, Ordering::Release);
            return Err(error);
        }
        Ok(true)
    }

    pub fn run(&self, run_id: u64) -> Result<Option<RunRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RUNS)?;
        table
            .get(run_id)?
            .map(|v| from_json("runs", v.value()))
            .transpose()
    }

    /// Writes one page of a harvest with the checkpoint that follows it. The checkpoint's run
    /// counters are advanced by what this page did, which is also returned. Items come ready
    /// (serialised, hashed, compressed): the harvest serialises a page
    /// ([`super::serialise_items`]) and packs it ([`super::UnpackedItems::pack`]) before this
    /// call; other callers use [`super::prepare_items`].
    ///
    /// `durable = false` skips the fsync: a crash may then lose this commit, but never half of
    /// it, and the checkpoint lost with it makes the rerun fetch the page again.
    pub fn commit_page(
        &self,
        source: &str,
        items: &[PreparedItem],
        checkpoint: &mut Checkpoint,
        durable: bool,
    ) -> Result<RunCounters, StoreError> {
        self.write_page(source, items, checkpoint, durable, false)
    }

    /// [`Store::commit_page`] for a run that stages its records ([`Store::stages`]): the page's
    /// items are appended to the source's staged items (after the earlier pages', sorted by
    /// identifier: a run to merge), with the checkpoint;
    /// [`Store::settle`] moves them into the records in key order at the run's end. The counters
    /// returned (and added to the run's) are provisional: every record new (or deleted), every
    /// reject rejected; the settle corrects them.
    pub fn stage_page(
        &self,
        source: &str,
        items: &[PreparedItem],
        checkpoint: &mut Checkpoint,
        durable: bool,
    ) -> Result<RunCounters, StoreError> {
        self.write_page(source, items, checkpoint, durable, true)
    }

    fn write_page(
        &self,
        source: &str,
        items: &[PreparedItem],
        checkpoint: &mut Checkpoint,
        durable: bool,
        staged: bool,
    ) -> Result<RunCounters, StoreError> {
        self.ensure_space(super::space::Writer::Harvest)?;
        let mut tx = self.db.begin_write()?;
        if !durable {
            tx.set_durability(Durability::None)?;
        }
        let mut page = if staged {
            super::staged::append(&tx, source, items)?
        } else {
            let mut writer = ItemWriter::open(&tx, source)?;
            let mut page = RunCounters::default();
            for item in items {
                writer.apply(item.as_ref(), &mut page)?;
            }
            writer.close()?;
            page
        };
        page.pages = 1;
        if let Some(active) = checkpoint.active.as_mut() {
            active.counters.add(&page);
        }
        tx.open_table(CHECKPOINTS)?
            .insert(source, to_json(checkpoint).as_slice())?;
        let marks_schema = !staged && self.mark_schema(&tx)?;
        self.note_sync(durable);
        tx.commit()?;
        if marks_schema {
            self.older_schema.store(false, Ordering::Relaxed);
        }
        Ok(page)
    }

    /// Writes the schema a store of an older one takes once records of this essor's form are
    /// in it (in `tx`, which writes some); whether it did. Call `older_schema.store(false)` once
    /// `tx` has committed.
    pub(super) fn mark_schema(&self, tx: &redb::WriteTransaction) -> Result<bool, StoreError> {
        if !self.older_schema.load(Ordering::Relaxed) {
            return Ok(false);
        }
        // Records of this form are unreadable to an essor of the file's schema; it says that
        // schema still unless the works stage has migrated its blocks since the store opened.
        let mut meta = tx.open_table(META)?;
        let marked = meta
            .get(meta_key::SCHEMA_VERSION)?
            .and_then(|v| marked_on_first_record(v.value()));
        if let Some(marked) = marked {
            meta.insert(meta_key::SCHEMA_VERSION, marked.to_string().as_str())?;
        }
        Ok(true)
    }

    /// Harvest runs, oldest first, optionally of one source.
    pub fn runs(&self, source: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RUNS)?;
        let mut runs = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            let run: RunRecord = from_json("runs", value.value())?;
            if source.is_none_or(|s| s == run.source) {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    /// Calls `visit` for each stored record in (source, identifier) order.
    pub fn for_each_record(
        &self,
        source: Option<&str>,
        mut visit: impl FnMut(StoredRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(RECORDS, source, |key, (_, blob)| {
            visit(stored_record(key, blob)?)
        })
    }

    /// Calls `visit` for each reject in (source, key) order.
    pub fn for_each_reject(
        &self,
        source: Option<&str>,
        mut visit: impl FnMut(StoredReject) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(REJECTS, source, |key, (header, raw)| {
            let header: RejectHeader = from_json("rejects", header)?;
            visit(StoredReject {
                source: key.source().to_owned(),
                identifier: header.identifier,
                datestamp: header.datestamp,
                reason: header.reason,
                raw: decompress("rejects", raw)?,
            })
        })
    }

    /// Visits the entries of a table keyed by (source, identifier), all or one source's, in key
    /// order.
    fn scan<V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<(&'static str, &'static str), V>,
        source: Option<&str>,
        mut visit: impl FnMut(RecordKeyRef<'_>, V::SelfType<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(definition)?;
        let range = match source {
            Some(source) => table.range((source, "")..)?,
            None => table.range::<(&str, &str)>(..)?,
        };
        for entry in range {
            let (key, value) = entry?;
            let (record_source, identifier) = key.value();
            if source.is_some_and(|s| s != record_source) {
                break;
            }
            visit(RecordKeyRef::new(record_source, identifier), value.value())?;
        }
        Ok(())
    }

    /// One stored record.
    pub fn record(&self, key: RecordKeyRef<'_>) -> Result<Option<StoredRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        read_record(&tx.open_table(RECORDS)?, key, stored_record)
    }

    /// The records of `keys` as the works stage reads them: without their raw XML (`raw` is
    /// `None`), all through one read transaction; `each` is given every key with its record
    /// (`None`: not stored) and its results are returned in order.
    pub fn records_mapped<R>(
        &self,
        keys: &[RecordKey],
        mut each: impl FnMut(&RecordKey, Option<StoredRecord>) -> R,
    ) -> Result<Vec<R>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORDS)?;
        keys.iter()
            .map(|key| Ok(each(key, read_record_mapped(&table, key.as_ref())?)))
            .collect()
    }

    /// The records as committed now, to be read later (on another thread) as they are now.
    pub fn records_view(&self) -> Result<RecordsView, StoreError> {
        Ok(RecordsView(self.db.begin_read()?.open_table(RECORDS)?))
    }

    /// Each record's [`blob_digest`](super::blob_digest) as stored (`None`: not stored), in
    /// `keys`' order, through one read transaction.
    pub fn record_digests<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k RecordKey>,
    ) -> Result<Vec<Option<u64>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORDS)?;
        keys.into_iter()
            .map(|key| {
                Ok(table
                    .get(key.as_ref().pair())?
                    .map(|v| super::blob_digest(v.value().1)))
            })
            .collect()
    }

    /// Up to `limit` records changed after `cursor`, each once, in change order.
    pub fn changes_since(&self, cursor: u64, limit: usize) -> Result<Changes, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CHANGES)?;
        let mut records = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = cursor;
        for entry in table.range(cursor + 1..)? {
            let (sequence, key) = entry?;
            let (source, identifier) = key.value();
            next = sequence.value();
            let key = RecordKey::new(source, identifier);
            if !seen.contains(&key) {
                seen.insert(key.clone());
                records.push(key);
            }
            if records.len() >= limit {
                break;
            }
        }
        Ok(Changes { records, next })
    }
}

/// A stored record without its raw XML (`raw` is `None`), for the works stage, which describes
/// records from their mapped values only: since encoding 2 the header is stored plain, so this
/// decompresses nothing, where [`Store::record`] writes the header's echo again and decompresses
/// the raw XML against it (a change batch reads the other members of every work it touches).
pub(super) fn read_record_mapped(
    table: &impl ReadableTable<(&'static str, &'static str), (u64, &'static [u8])>,
    key: RecordKeyRef<'_>,
) -> Result<Option<StoredRecord>, StoreError> {
    read_record(table, key, stored_record_mapped)
}

/// A stored record as `decode` reads its blob.
fn read_record(
    table: &impl ReadableTable<(&'static str, &'static str), (u64, &'static [u8])>,
    key: RecordKeyRef<'_>,
    decode: fn(RecordKeyRef<'_>, &[u8]) -> Result<StoredRecord, StoreError>,
) -> Result<Option<StoredRecord>, StoreError> {
    table
        .get(key.pair())?
        .map(|value| decode(key, value.value().1))
        .transpose()
}

type Table<'tx, K, V> = redb::Table<'tx, K, V>;
type ByRecord<'tx, V> = Table<'tx, (&'static str, &'static str), V>;

/// One item of a page, borrowed: from a [`PreparedItem`] or from a staged item's bytes.
#[derive(Debug, Clone, Copy)]
pub(super) enum ItemRef<'a> {
    Record {
        identifier: &'a str,
        deleted: bool,
        hash: u64,
        blob: &'a [u8],
        origin: (&'a str, &'a str, &'a str),
    },
    Reject {
        key: &'a str,
        header: &'a [u8],
        blob: &'a [u8],
    },
}

impl PreparedItem {
    pub(super) fn as_ref(&self) -> ItemRef<'_> {
        match self {
            PreparedItem::Record {
                identifier,
                deleted,
                hash,
                blob,
                origin,
            } => ItemRef::Record {
                identifier,
                deleted: *deleted,
                hash: *hash,
                blob,
                origin: (&origin.0, &origin.1, &origin.2),
            },
            PreparedItem::Reject { key, header, blob } => ItemRef::Reject { key, header, blob },
        }
    }
}

/// The tables one source's records are written to, open in a write transaction: every record
/// and reject is written through [`ItemWriter::apply`], a page's as it is committed and a
/// staged run's as it is settled, so that both count and log alike.
pub(super) struct ItemWriter<'tx, 's> {
    source: &'s str,
    records: ByRecord<'tx, (u64, &'static [u8])>,
    rejects: ByRecord<'tx, (&'static [u8], &'static [u8])>,
    counts_table: Table<'tx, &'static str, (u64, u64, u64)>,
    changes: Table<'tx, u64, (&'static str, &'static str)>,
    origins: ByRecord<'tx, (&'static str, &'static str, &'static str)>,
    next_change: u64,
    /// The source's (live, deleted, rejected) records.
    counts: (u64, u64, u64),
    had_rejects: bool,
}

impl<'tx, 's> ItemWriter<'tx, 's> {
    pub(super) fn open(
        tx: &'tx redb::WriteTransaction,
        source: &'s str,
    ) -> Result<ItemWriter<'tx, 's>, StoreError> {
        let rejects = tx.open_table(REJECTS)?;
        let counts_table = tx.open_table(COUNTS)?;
        let changes = tx.open_table(CHANGES)?;
        let next_change = changes.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
        let counts = counts_table
            .get(source)?
            .map(|v| v.value())
            .unwrap_or_default();
        let had_rejects = !rejects.is_empty()?;
        Ok(ItemWriter {
            source,
            records: tx.open_table(RECORDS)?,
            rejects,
            counts_table,
            changes,
            origins: tx.open_table(ORIGINS)?,
            next_change,
            counts,
            had_rejects,
        })
    }

    /// Writes one item, counting what it did in `page`: a record equal to the stored one is
    /// only counted; a changed one is written with its origin and logged in the change log.
    pub(super) fn apply(
        &mut self,
        item: ItemRef<'_>,
        page: &mut RunCounters,
    ) -> Result<(), StoreError> {
        let source = self.source;
        let (live, deleted, rejected) = &mut self.counts;
        match item {
            ItemRef::Record {
                identifier,
                deleted: now_deleted,
                hash,
                blob,
                origin,
            } => {
                let key = (source, identifier);
                let previous = self.records.get(key)?.map(|v| {
                    let (old_hash, old_blob) = v.value();
                    (old_hash, old_hash != hash && was_deleted(old_blob))
                });
                // A record that maps now clears an earlier rejection of it.
                if self.had_rejects && self.rejects.remove(key)?.is_some() {
                    *rejected = rejected.saturating_sub(1);
                }
                match previous {
                    Some((old_hash, _)) if old_hash == hash => {
                        page.unchanged += 1;
                        return Ok(());
                    }
                    Some((_, old_deleted)) => match (old_deleted, now_deleted) {
                        (false, true) => {
                            page.deleted += 1;
                            *live = live.saturating_sub(1);
                            *deleted += 1;
                        }
                        (true, false) => {
                            page.updated += 1;
                            *live += 1;
                            *deleted = deleted.saturating_sub(1);
                        }
                        _ => page.updated += 1,
                    },
                    None if now_deleted => {
                        page.deleted += 1;
                        *deleted += 1;
                    }
                    None => {
                        page.new += 1;
                        *live += 1;
                    }
                }
                self.records.insert(key, (hash, blob))?;
                self.origins.insert(key, origin)?;
                self.changes.insert(self.next_change, key)?;
                self.next_change += 1;
            }
            ItemRef::Reject { key, header, blob } => {
                page.rejected += 1;
                let previous = self.rejects.insert((source, key), (header, blob))?;
                if previous.is_none() {
                    *rejected += 1;
                    self.had_rejects = true;
                }
            }
        }
        Ok(())
    }

    /// Saves the source's counts.
    pub(super) fn close(mut self) -> Result<(), StoreError> {
        self.counts_table.insert(self.source, self.counts)?;
        Ok(())
    }
}

/// The records as committed when [`Store::records_view`] was called.
pub struct RecordsView(redb::ReadOnlyTable<(&'static str, &'static str), (u64, &'static [u8])>);

impl RecordsView {
    /// Each record's hash (`None`: not stored): a page's record with the same hash is one its
    /// write leaves as it is ([`ItemWriter::apply`]).
    pub fn hashes(&self, keys: &[RecordKey]) -> Result<Vec<Option<u64>>, StoreError> {
        keys.iter()
            .map(|key| Ok(self.0.get(key.as_ref().pair())?.map(|v| v.value().0)))
            .collect()
    }
}
