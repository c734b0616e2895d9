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
//!
//! Files, each using only those listed after it (and the [`Store`] handle they add methods
//! to): `mod.rs` (open, schema version, stats); `open.rs` (the file's open and close: a damaged
//! file refused, redb's panics caught); `dedup.rs` (features, the blocking index,
//! [`DedupView`]); `works.rs` (works, `record_work`, [`WorksTx`]); `feed.rs` (the OAI feed
//! index, written with every work); `feed_records.rs` (each work's records as the feed serves
//! them, written with it, the feed's formats packed several to a value by `packed.rs`);
//! `feed_derived.rs` (rows made later from those: the gzip pages' precompressed records);
//! `feed_dead.rs` (the rows moved works left behind at their old keys, removed in bulk);
//! `records.rs` (the harvest's writes, the change log, record
//! listings); `scan.rs` (every work decoded on all cores, in id order); `barometer.rs` (the
//! barometer's frozen editions); `check.rs` (`essor check`: every row decoded, the
//! cross-references followed); `encode.rs` (values' bytes,
//! pure); `tables.rs` (every table); `key.rs`
//! ([`RecordKey`]); `model.rs`; `error.rs`.

mod backup;
mod barometer;
mod blocks;
mod check;
mod dedup;
mod encode;
mod error;
mod feed;
mod feed_dead;
mod feed_derived;
mod feed_records;
mod feed_tx;
mod key;
mod model;
mod open;
mod packed;
mod record_bytes;
mod record_echo;
mod records;
mod registrations;
mod scan;
mod space;
mod staged;
mod tables;
mod works;

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable};

pub use backup::{BackupReport, RestoreReport, restore};
pub use barometer::EditionSaved;
pub use check::{CheckReport, CheckedWork, Problem as CheckProblem, TableSize};
pub use dedup::{BlockMember, DedupView, FeaturesMined, FeaturesRow};
pub use encode::{PreparedItem, UnpackedItems, now_rfc3339, prepare_items, serialise_items};
pub use error::StoreError;
pub use feed::{FeedEntry, FeedItem, FeedRange, RecordOrigin, theme_ids};
pub use feed_records::RenderedRecords;
pub use feed_tx::{FeedSpan, FeedTx};
pub use key::{RecordKey, RecordKeyRef};
pub use model::*;
pub use records::{Changes, RecordsView};
pub use registrations::{Registration, RegistrationAction, RegistrationStatus, Transition};
pub use scan::WorksSnapshot;
pub use staged::{Settled, StagingGuard};
pub use works::{EncodedWork, PlainWork, StoredWork, WorksDerived, WorksTx, work_id};

use tables::{COUNTS, META, meta_key};

/// Bumped whenever a table's layout changes; a store of another version is refused at open, so
/// an older essor refuses a newer store rather than misreading it. 4: records stored with a
/// binary header (`record_bytes.rs`), which essor before 4 would take for damage. 5: the
/// blocking index packed into chunks (`blocks.rs`). 6: records stored in encoding 2, their
/// header beside the compressed raw XML (`encode.rs`), which essor before 6 would take for
/// damage.
pub const SCHEMA_VERSION: u32 = 6;
/// Stores of these schemas open as they are (their records read as before, `encode.rs`) and
/// are marked the version beside by the first harvested page committed in the new form
/// ([`Store::commit_page`]): until then an essor of their schema still opens them. A schema 3
/// store is marked 4 (its blocks still unpacked: a schema 4 or 5 essor would open it, and
/// report its newer records as damage); its blocks' migration then marks it
/// [`SCHEMA_VERSION`].
const MARKED_ON_FIRST_RECORD: [(u32, u32); 2] = [(3, 4), (5, 6)];
/// Stores of schemas 2 to 4 open too: their blocking index differs (schema 2's keyed by
/// strings, 3 and 4's one multimap entry per member), rebuilt or packed by
/// [`Store::migrate_blocks`] (which then writes [`SCHEMA_VERSION`]) before the works stage
/// uses it.
pub(crate) const BLOCKS_MIGRATABLE_VERSIONS: [u32; 3] = [2, 3, 4];
const STORE_FILE: &str = "essor.redb";
/// redb's page cache for the CLI's runs (harvests, works updates, checks). Its default (1 GiB)
/// would dominate essor's memory. Half of it is redb's write buffer: with 16 MiB, a transaction
/// that dirtied more than 8 MiB had pages written out early, then modified and written again (a
/// batch of 1,000 changed titles at 1 M: 22,300 page writes of 12,400 distinct pages; 15,350 with
/// 64 MiB), and a fresh 1 M store's write phase took 110–125 s against 121–143 (BENCHMARKS.md,
/// issue 17). 64 MiB keeps the memory targets (a fresh 1 M store < 2 GiB, 50,000 records
/// < 400 MiB).
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The store. Its methods are grouped by who calls them: the harvest's (`records.rs`), the
/// works stage's (`works.rs`, `dedup.rs`), the feed's (`feed.rs`).
pub struct Store {
    db: open::OpenDb,
    path: PathBuf,
    /// Set while the stored feed records are another renderer version's than the one the
    /// caller writes ([`Store::expect_feed_records_version`]): reads then ignore them, so that
    /// the server serves from the works while it renders them again in the background.
    stale_feed_records: std::sync::atomic::AtomicBool,
    /// Set while the file says a schema of [`MARKED_ON_FIRST_RECORD`]: the next page of
    /// records committed writes the version beside it.
    older_schema: std::sync::atomic::AtomicBool,
    /// Set by a harvest's commit left unsynced (a page, a run's end), cleared by a durable one
    /// and by [`Store::sync_unsynced`]: redb keeps such a commit's pages in its write buffer, and until
    /// a durable commit every read that misses its cache writes one back or looks for one.
    unsynced: std::sync::atomic::AtomicBool,
    /// The sources runs of this process are staging, and the lock one settle at a time takes.
    staging: staged::Staging,
}

/// A digest of a record's stored bytes, mapped values included: equal digests, the same record
/// for the works stage. (A record's `hash` is of what the repository sent: a record stored by
/// an older crosswalk keeps it.)
pub fn blob_digest(blob: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(blob)
}

/// The record a prepared item's blob stores, as the works stage reads it back
/// ([`Store::records_mapped`]): what analysing a page before its write sees.
pub fn mapped_record(
    source: &str,
    identifier: &str,
    blob: &[u8],
) -> Result<StoredRecord, StoreError> {
    encode::stored_record_mapped(RecordKeyRef::new(source, identifier), blob)
}

impl Store {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(data_dir, CACHE_BYTES)
    }

    fn from_db(db: open::OpenDb, path: PathBuf) -> Store {
        Store {
            db,
            path,
            stale_feed_records: std::sync::atomic::AtomicBool::new(false),
            older_schema: std::sync::atomic::AtomicBool::new(false),
            unsynced: std::sync::atomic::AtomicBool::new(false),
            staging: staged::Staging::default(),
        }
    }

    /// The store's file in `data_dir`.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join(STORE_FILE)
    }

    /// Opens the store with a page cache of `cache_bytes`: the server, which reads works all
    /// over the file, wants more than the harvester's sequential writes.
    pub fn open_with_cache(data_dir: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|error| StoreError::CreateDir {
            path: data_dir.to_owned(),
            error,
        })?;
        let path = data_dir.join(STORE_FILE);
        let db = open::open_db(&path, cache_bytes, |db| initialise(db, &path))?;
        let store = Store::from_db(db, path);
        let older = marked_on_first_record(&store.schema_version()?).is_some();
        store
            .older_schema
            .store(older, std::sync::atomic::Ordering::Relaxed);
        Ok(store)
    }

    /// The schema version the file records.
    fn schema_version(&self) -> Result<String, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        let found = meta.get(meta_key::SCHEMA_VERSION)?;
        Ok(found.map(|v| v.value().to_owned()).unwrap_or_default())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The version a store of schema `found` is marked by its first page of records committed, if
/// it is one of [`MARKED_ON_FIRST_RECORD`].
fn marked_on_first_record(found: &str) -> Option<u32> {
    MARKED_ON_FIRST_RECORD
        .iter()
        .find(|(older, _)| found == older.to_string())
        .map(|(_, marked)| *marked)
}

/// Whether the file records a schema version: every essor store does from its first open.
fn has_schema_version(db: &Database) -> Result<bool, StoreError> {
    let tx = db.begin_read()?;
    match tx.open_table(META) {
        Ok(meta) => Ok(meta.get(meta_key::SCHEMA_VERSION)?.is_some()),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Whether the file records a schema version this essor opens and has every table: then an open
/// writes nothing. A version it refuses is refused here.
fn has_every_table(db: &Database, path: &Path) -> Result<bool, StoreError> {
    let tx = db.begin_read()?;
    let found = match tx.open_table(META) {
        Ok(meta) => meta
            .get(meta_key::SCHEMA_VERSION)?
            .map(|v| v.value().to_owned()),
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    match found {
        None => Ok(false),
        Some(found) if opens(&found) => tables::all_exist(&tx),
        Some(found) => Err(StoreError::SchemaVersion {
            path: path.to_owned(),
            found,
            expected: SCHEMA_VERSION,
        }),
    }
}

/// Whether a store of schema `found` opens (as it is, or migrated by the works stage).
fn opens(found: &str) -> bool {
    found == SCHEMA_VERSION.to_string()
        || marked_on_first_record(found).is_some()
        || BLOCKS_MIGRATABLE_VERSIONS
            .iter()
            .any(|version| found == version.to_string())
}

/// Checks the schema version (or writes it into a new store) and creates missing tables; a
/// store with both opens without a write transaction.
fn initialise(db: &Database, path: &Path) -> Result<(), StoreError> {
    if has_every_table(db, path)? {
        return Ok(());
    }
    let tx = db.begin_write()?;
    {
        let mut meta = tx.open_table(META)?;
        let found = meta
            .get(meta_key::SCHEMA_VERSION)?
            .map(|v| v.value().to_owned());
        match found {
            None => {
                meta.insert(
                    meta_key::SCHEMA_VERSION,
                    SCHEMA_VERSION.to_string().as_str(),
                )?;
            }
            Some(found) if opens(&found) => {}
            Some(found) => {
                return Err(StoreError::SchemaVersion {
                    path: path.to_owned(),
                    found,
                    expected: SCHEMA_VERSION,
                });
            }
        }
        tables::create_all(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

impl Store {
    /// What `essor stats` reports: records per source, their last harvest, works.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut stats = Stats::default();
        {
            let tx = self.db.begin_read()?;
            let counts = tx.open_table(COUNTS)?;
            for entry in counts.iter()? {
                let (source, value) = entry?;
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
                            staged_records: 0,
                        },
                        last_harvest: None,
                    },
                );
            }
            for (source, staged) in staged::staged_counts(&tx)? {
                stats.staged_records += staged;
                let entry = stats.by_source.entry(source).or_default();
                entry.counts.staged_records = staged;
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
}

#[cfg(test)]
mod tests;
