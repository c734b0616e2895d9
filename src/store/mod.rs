//! The store: one redb file in the data folder, the source of truth for everything essor serves.
//! Only this module knows redb.
//!
//! Invariants:
//! - a page's records, its rejects, the per-source counts, the change log and the checkpoint
//!   pointing past that page are written in ONE transaction, so a crash at any moment leaves a
//!   store that a rerun completes without loss or duplicates;
//! - a record received again identical to what is stored (same datestamp, status, sets and raw
//!   bytes) is not rewritten: incremental harvests cost writes only for what changed;
//! - raw metadata XML is kept (LZ4-compressed) for provenance and re-mapping.

mod encode;
mod feed;
mod model;
mod works;

use std::path::{Path, PathBuf};

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};

pub use encode::{PreparedItem, prepare_items};
pub use feed::{FeedEntry, FeedItem, FeedRange, FeedTx, RecordOrigin};
pub use model::*;
pub use works::{BlockMember, Changes, DedupView, WorksTx};

use encode::{RejectHeader, decompress, stored_record, was_deleted};

/// Bumped whenever a table's layout changes; a store of another version is refused at open.
pub const SCHEMA_VERSION: u32 = 3;
/// Stores of this version open too: only their blocking index differs, rebuilt from the stored
/// features by [`Store::migrate_blocks`] before the works stage uses it.
const MIGRATABLE_VERSION: u32 = 2;
const STORE_FILE: &str = "essor.redb";
/// redb's page cache. Its default (1 GiB) would dominate essor's memory; harvest writes are
/// sequential per source and gain little from more.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// (source, OAI identifier) → (content hash, LZ4 of [u32 header length][JSON header][raw XML]).
/// The hash sits outside the blob so "unchanged?" needs no decompression; header and raw are
/// compressed together because the mapped record repeats the raw text (titles, abstracts).
const RECORDS: TableDefinition<(&str, &str), (u64, &[u8])> = TableDefinition::new("records");
/// (source, identifier or `sha:<hash>`) → (JSON reject, LZ4 raw record XML).
const REJECTS: TableDefinition<(&str, &str), (&[u8], &[u8])> = TableDefinition::new("rejects");
/// source → JSON [`Checkpoint`].
const CHECKPOINTS: TableDefinition<&str, &[u8]> = TableDefinition::new("checkpoints");
/// run id → JSON [`RunRecord`].
const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
/// source → (live, deleted, rejected).
const COUNTS: TableDefinition<&str, (u64, u64, u64)> = TableDefinition::new("source_counts");
/// Sequence → (source, identifier) of every record written: later stages (dedup, index) follow
/// this log from their own cursor, so their work is proportional to what changed.
const CHANGES: TableDefinition<u64, (&str, &str)> = TableDefinition::new("changes");
/// (source, identifier) → (datestamp, format, stored at) of the stored version: the OAI feed's
/// provenance reads this instead of decompressing records.
const ORIGINS: TableDefinition<(&str, &str), (&str, &str, &str)> =
    TableDefinition::new("record_origins");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: the store is in use by another essor process")]
    InUse { path: PathBuf },
    #[error(
        "{path}: store schema version {found}, but this essor uses version {expected}; use a new --data folder (and re-harvest) or the essor version that wrote it"
    )]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("cannot create data folder {path}: {error}")]
    CreateDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("store: {0}")]
    Redb(#[from] redb::Error),
    #[error("store: corrupt value in {table}: {error}")]
    Corrupt { table: &'static str, error: String },
}

/// Shorthand for redb's many error types, all convertible into `redb::Error`.
fn db<E: Into<redb::Error>>(error: E) -> StoreError {
    StoreError::Redb(error.into())
}

pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(data_dir, CACHE_BYTES)
    }

    /// Opens the store with a page cache of `cache_bytes`: the server, which reads works all
    /// over the file, wants more than the harvester's sequential writes.
    pub fn open_with_cache(data_dir: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|error| StoreError::CreateDir {
            path: data_dir.to_owned(),
            error,
        })?;
        let path = data_dir.join(STORE_FILE);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|error| match error {
                redb::DatabaseError::DatabaseAlreadyOpen => {
                    StoreError::InUse { path: path.clone() }
                }
                other => db(other),
            })?;
        let store = Store { db, path };
        store.initialise()?;
        Ok(store)
    }

    fn initialise(&self) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut meta = tx.open_table(META).map_err(db)?;
            let found = meta
                .get("schema_version")
                .map_err(db)?
                .map(|v| v.value().to_owned());
            match found {
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION.to_string().as_str())
                        .map_err(db)?;
                }
                Some(found)
                    if found == SCHEMA_VERSION.to_string()
                        || found == MIGRATABLE_VERSION.to_string() => {}
                Some(found) => {
                    return Err(StoreError::SchemaVersion {
                        path: self.path.clone(),
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
            tx.open_table(RECORDS).map_err(db)?;
            tx.open_table(REJECTS).map_err(db)?;
            tx.open_table(CHECKPOINTS).map_err(db)?;
            tx.open_table(RUNS).map_err(db)?;
            tx.open_table(COUNTS).map_err(db)?;
            tx.open_table(CHANGES).map_err(db)?;
            tx.open_table(ORIGINS).map_err(db)?;
            works::create_tables(&tx)?;
            feed::create_tables(&tx)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn checkpoint(&self, source: &str) -> Result<Checkpoint, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(CHECKPOINTS).map_err(db)?;
        match table.get(source).map_err(db)? {
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
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut runs = tx.open_table(RUNS).map_err(db)?;
            let next_id = runs
                .last()
                .map_err(db)?
                .map(|(k, _)| k.value() + 1)
                .unwrap_or(1);
            run.run_id = next_id;
            if let Some(active) = checkpoint.active.as_mut() {
                active.run_id = next_id;
            }
            runs.insert(next_id, to_json(run).as_slice()).map_err(db)?;
            let mut checkpoints = tx.open_table(CHECKPOINTS).map_err(db)?;
            checkpoints
                .insert(run.source.as_str(), to_json(checkpoint).as_slice())
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// Appends a run to the history without touching any checkpoint (a run that failed before
    /// it could begin, such as an unreachable repository).
    pub fn append_run(&self, run: &mut RunRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut runs = tx.open_table(RUNS).map_err(db)?;
            run.run_id = runs
                .last()
                .map_err(db)?
                .map(|(k, _)| k.value() + 1)
                .unwrap_or(1);
            runs.insert(run.run_id, to_json(run).as_slice())
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// Saves a run's state and its checkpoint together (resumption, completion, failure).
    pub fn save_run(&self, run: &RunRecord, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db)?;
        {
            let mut runs = tx.open_table(RUNS).map_err(db)?;
            runs.insert(run.run_id, to_json(run).as_slice())
                .map_err(db)?;
            let mut checkpoints = tx.open_table(CHECKPOINTS).map_err(db)?;
            checkpoints
                .insert(run.source.as_str(), to_json(checkpoint).as_slice())
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    pub fn run(&self, run_id: u64) -> Result<Option<RunRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(RUNS).map_err(db)?;
        table
            .get(run_id)
            .map_err(db)?
            .map(|v| from_json("runs", v.value()))
            .transpose()
    }

    /// Writes one page of a harvest with the checkpoint that follows it. The checkpoint's run
    /// counters are advanced by what this page did, which is also returned. Items are prepared
    /// (serialised, hashed, compressed) beforehand by [`prepare_items`], off the writer thread.
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
        let mut page = RunCounters::default();
        let mut tx = self.db.begin_write().map_err(db)?;
        if !durable {
            tx.set_durability(Durability::None).map_err(db)?;
        }
        {
            let mut records = tx.open_table(RECORDS).map_err(db)?;
            let mut rejects = tx.open_table(REJECTS).map_err(db)?;
            let mut counts_table = tx.open_table(COUNTS).map_err(db)?;
            let mut changes = tx.open_table(CHANGES).map_err(db)?;
            let mut origins = tx.open_table(ORIGINS).map_err(db)?;
            let mut next_change = changes
                .last()
                .map_err(db)?
                .map(|(k, _)| k.value() + 1)
                .unwrap_or(1);
            let (mut live, mut deleted, mut rejected) = counts_table
                .get(source)
                .map_err(db)?
                .map(|v| v.value())
                .unwrap_or_default();
            let had_rejects = !rejects.is_empty().map_err(db)?;

            for item in items {
                match item {
                    PreparedItem::Record {
                        identifier,
                        deleted: now_deleted,
                        hash,
                        blob,
                        origin,
                    } => {
                        let key = (source, identifier.as_str());
                        let previous = records.get(key).map_err(db)?.map(|v| {
                            let (old_hash, old_blob) = v.value();
                            (old_hash, old_hash != *hash && was_deleted(old_blob))
                        });
                        // A record that maps now clears an earlier rejection of it.
                        if had_rejects && rejects.remove(key).map_err(db)?.is_some() {
                            rejected = rejected.saturating_sub(1);
                        }
                        match previous {
                            Some((old_hash, _)) if old_hash == *hash => {
                                page.unchanged += 1;
                                continue;
                            }
                            Some((_, old_deleted)) => match (old_deleted, *now_deleted) {
                                (false, true) => {
                                    page.deleted += 1;
                                    live = live.saturating_sub(1);
                                    deleted += 1;
                                }
                                (true, false) => {
                                    page.updated += 1;
                                    live += 1;
                                    deleted = deleted.saturating_sub(1);
                                }
                                _ => page.updated += 1,
                            },
                            None if *now_deleted => {
                                page.deleted += 1;
                                deleted += 1;
                            }
                            None => {
                                page.new += 1;
                                live += 1;
                            }
                        }
                        records.insert(key, (*hash, blob.as_slice())).map_err(db)?;
                        origins
                            .insert(
                                key,
                                (origin.0.as_str(), origin.1.as_str(), origin.2.as_str()),
                            )
                            .map_err(db)?;
                        changes.insert(next_change, key).map_err(db)?;
                        next_change += 1;
                    }
                    PreparedItem::Reject { key, header, blob } => {
                        page.rejected += 1;
                        let previous = rejects
                            .insert((source, key.as_str()), (header.as_slice(), blob.as_slice()))
                            .map_err(db)?;
                        if previous.is_none() {
                            rejected += 1;
                        }
                    }
                }
            }
            counts_table
                .insert(source, (live, deleted, rejected))
                .map_err(db)?;
            page.pages = 1;
            if let Some(active) = checkpoint.active.as_mut() {
                active.counters.add(&page);
            }
            let mut checkpoints = tx.open_table(CHECKPOINTS).map_err(db)?;
            checkpoints
                .insert(source, to_json(checkpoint).as_slice())
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(page)
    }

    /// Harvest runs, oldest first, optionally of one source.
    pub fn runs(&self, source: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(RUNS).map_err(db)?;
        let mut runs = Vec::new();
        for entry in table.iter().map_err(db)? {
            let (_, value) = entry.map_err(db)?;
            let run: RunRecord = from_json("runs", value.value())?;
            if source.is_none_or(|s| s == run.source) {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut stats = Stats::default();
        {
            let tx = self.db.begin_read().map_err(db)?;
            let counts = tx.open_table(COUNTS).map_err(db)?;
            for entry in counts.iter().map_err(db)? {
                let (source, value) = entry.map_err(db)?;
                let (records, deleted_records, rejected_records) = value.value();
                stats.records += records;
                stats.deleted_records += deleted_records;
                stats.rejected_records += rejected_records;
                stats.by_source.insert(
                    source.value().to_owned(),
                    SourceStats {
                        counts: SourceCounts {
                            records,
                            deleted_records,
                            rejected_records,
                        },
                        last_harvest: None,
                    },
                );
            }
        }
        for run in self.runs(None)? {
            let entry = stats.by_source.entry(run.source.clone()).or_default();
            entry.last_harvest = Some(run);
        }
        stats.sources = stats.by_source.len() as u64;
        (stats.works, stats.deleted_works) = self.work_counts()?;
        Ok(stats)
    }

    /// Calls `visit` for each stored record in (source, identifier) order.
    pub fn for_each_record(
        &self,
        source: Option<&str>,
        mut visit: impl FnMut(StoredRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(RECORDS, source, |(record_source, identifier), (_, blob)| {
            visit(stored_record(record_source, identifier, blob)?)
        })
    }

    /// Calls `visit` for each reject in (source, key) order.
    pub fn for_each_reject(
        &self,
        source: Option<&str>,
        mut visit: impl FnMut(StoredReject) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(REJECTS, source, |(reject_source, _), (header, raw)| {
            let header: RejectHeader = from_json("rejects", header)?;
            visit(StoredReject {
                source: reject_source.to_owned(),
                identifier: header.identifier,
                datestamp: header.datestamp,
                reason: header.reason,
                raw: decompress("rejects", raw)?,
            })
        })
    }

    /// Visits the entries of a table keyed by (source, …), all or one source's, in key order.
    fn scan<V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<(&'static str, &'static str), V>,
        source: Option<&str>,
        mut visit: impl FnMut((&str, &str), V::SelfType<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(definition).map_err(db)?;
        let range = match source {
            Some(source) => table.range((source, "")..).map_err(db)?,
            None => table.range::<(&str, &str)>(..).map_err(db)?,
        };
        for entry in range {
            let (key, value) = entry.map_err(db)?;
            let key = key.value();
            if source.is_some_and(|s| s != key.0) {
                break;
            }
            visit(key, value.value())?;
        }
        Ok(())
    }
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn from_json<'a, T: Deserialize<'a>>(
    table: &'static str,
    bytes: &'a [u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|error| StoreError::Corrupt {
        table,
        error: error.to_string(),
    })
}

/// Our clock, second precision, UTC.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
