//! Backups of the store and their restore. A backup is a fresh redb file written from ONE read
//! transaction, table by table: a consistent snapshot of every commit made before it began,
//! taken while the store keeps serving and harvesting (readers never block the writer). The
//! search index is not backed up: it is derived from the store and rebuilt from it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use redb::{
    Database, Durability, Key, MultimapTableDefinition, MultimapTableHandle, ReadTransaction,
    ReadableDatabase, ReadableMultimapTable, ReadableTable, TableDefinition, TableError,
    TableHandle, Value, WriteTransaction,
};

use super::tables::{self, OLD_BLOCKS};
use super::{STORE_FILE, Store, StoreError, open};

/// The backup file's page cache: it is written once, in key order.
const BACKUP_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BackupReport {
    pub file: PathBuf,
    pub tables: usize,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// What a restore put back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    pub store: PathBuf,
    pub from: PathBuf,
    pub bytes: u64,
}

impl Store {
    /// Writes a consistent copy of the store to `dest`, a file that must not exist yet (it is
    /// written as `<dest>.partial` and renamed when complete and synced).
    pub fn backup_to(&self, dest: &Path) -> Result<BackupReport, StoreError> {
        let started = Instant::now();
        if dest.exists() {
            return Err(StoreError::Backup {
                path: dest.to_owned(),
                reason: "the file exists already; name a new one".to_owned(),
            });
        }
        let partial = with_suffix(dest, ".partial");
        let io = |error: std::io::Error| StoreError::Backup {
            path: dest.to_owned(),
            reason: error.to_string(),
        };
        match std::fs::remove_file(&partial) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(error)),
        }
        let snapshot = self.db.begin_read()?;
        let (tables, rows) = {
            let target = Database::builder()
                .set_cache_size(BACKUP_CACHE_BYTES)
                .create(&partial)?;
            let copied = copy_all(&snapshot, &target)?;
            target.close()?;
            copied
        };
        drop(snapshot);
        File::open(&partial)
            .and_then(|file| file.sync_all())
            .map_err(io)?;
        std::fs::rename(&partial, dest).map_err(io)?;
        let bytes = std::fs::metadata(dest).map_err(io)?.len();
        Ok(BackupReport {
            file: dest.to_owned(),
            tables,
            rows,
            bytes,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Puts the backup `from` back as the store of `data_dir`. The backup is copied beside the store,
/// checked page by page and for its schema version, then renamed over the store. Refused while
/// a process holds the store, and when a store exists unless `replace`.
pub fn restore(from: &Path, data_dir: &Path, replace: bool) -> Result<RestoreReport, StoreError> {
    let store = data_dir.join(STORE_FILE);
    let refuse = |reason: &str| StoreError::Restore {
        path: store.clone(),
        reason: reason.to_owned(),
    };
    let io = |error: std::io::Error| StoreError::Restore {
        path: store.clone(),
        reason: error.to_string(),
    };
    if !from.is_file() {
        return Err(StoreError::Restore {
            path: from.to_owned(),
            reason: "no such backup file".to_owned(),
        });
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    if store.exists() {
        if open::in_use(&store) {
            return Err(refuse(
                "the store is in use by another essor process (stop essor serve first)",
            ));
        }
        if !replace {
            return Err(refuse(
                "a store exists there; pass --force to replace it with the backup",
            ));
        }
    }
    let restoring = with_suffix(&store, ".restoring");
    std::fs::copy(from, &restoring).map_err(io)?;
    let checked = open::open_intact(&restoring, BACKUP_CACHE_BYTES, |db| {
        if !super::has_schema_version(db)? {
            return Err(StoreError::Restore {
                path: from.to_owned(),
                reason: "not an essor store (no schema version)".to_owned(),
            });
        }
        super::initialise(db, from)
    })
    .map(drop);
    // The check's own marker is about the copy's name, not the store's.
    let _ = std::fs::remove_file(with_suffix(&restoring, open::CLEAN_SUFFIX));
    if let Err(error) = checked {
        let _ = std::fs::remove_file(&restoring);
        return Err(match error {
            StoreError::Damaged { detail, .. } => StoreError::Damaged {
                path: from.to_owned(),
                detail,
            },
            other => other,
        });
    }
    File::open(&restoring)
        .and_then(|file| file.sync_all())
        .map_err(io)?;
    let _ = std::fs::remove_file(with_suffix(&store, open::CLEAN_SUFFIX));
    std::fs::rename(&restoring, &store).map_err(io)?;
    let bytes = std::fs::metadata(&store).map_err(io)?.len();
    Ok(RestoreReport {
        store,
        from: from.to_owned(),
        bytes,
    })
}

/// Copies every table of `snapshot` into `target`, each in its own non-durable transaction, the
/// last commit durable; checks that no table of the store was left out.
fn copy_all(snapshot: &ReadTransaction, target: &Database) -> Result<(usize, u64), StoreError> {
    let mut copier = Copier {
        snapshot,
        target,
        rows: 0,
    };
    copier.table(tables::META)?;
    copier.table(tables::RECORDS)?;
    copier.table(tables::REJECTS)?;
    copier.table(tables::CHECKPOINTS)?;
    copier.table(tables::RUNS)?;
    copier.table(tables::COUNTS)?;
    copier.table(tables::CHANGES)?;
    copier.table(tables::ORIGINS)?;
    copier.table(tables::STAGED)?;
    copier.table(tables::REGISTRATIONS)?;
    copier.table(tables::WORKS)?;
    copier.table(tables::RECORD_WORK)?;
    copier.table(tables::RECORD_FEATURES)?;
    copier.table(tables::BLOCK_CHUNKS)?;
    copier.multimap(tables::BLOCK_MEMBERS)?;
    copier.multimap(OLD_BLOCKS)?;
    copier.table(tables::WORK_COUNTS)?;
    copier.table(tables::FEED)?;
    copier.table(tables::FEED_ENTRIES)?;
    copier.table(tables::FEED_SETS)?;
    copier.table(tables::FEED_STALE)?;
    copier.table(tables::FEED_STALE_MOVES)?;
    copier.table(tables::FEED_RECORDS)?;
    copier.table(tables::FEED_BLOCKS)?;
    copier.table(tables::FEED_DEAD)?;
    copier.table(tables::BAROMETER_EDITIONS)?;
    let mut last = target.begin_write()?;
    last.set_durability(Durability::Immediate)?;
    last.commit()?;
    let names = |tx: &ReadTransaction| -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = tx.list_tables()?.map(|t| t.name().to_owned()).collect();
        names.extend(tx.list_multimap_tables()?.map(|t| t.name().to_owned()));
        names.sort();
        Ok(names)
    };
    let expected = names(snapshot)?;
    let written = names(&target.begin_read()?)?;
    if expected != written {
        return Err(StoreError::corrupt(
            "backup",
            format!("tables {expected:?} in the store, {written:?} in the backup"),
        ));
    }
    Ok((written.len(), copier.rows))
}

/// Copies tables from a snapshot to a new file (see [`copy_all`]).
struct Copier<'a> {
    snapshot: &'a ReadTransaction,
    target: &'a Database,
    rows: u64,
}

impl Copier<'_> {
    fn begin(&self) -> Result<WriteTransaction, StoreError> {
        let mut tx = self.target.begin_write()?;
        tx.set_durability(Durability::None)?;
        Ok(tx)
    }

    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let source = match self.snapshot.open_table(definition) {
            Ok(table) => table,
            Err(TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let tx = self.begin()?;
        {
            let mut target = tx.open_table(definition)?;
            for entry in source.iter()? {
                let (key, value) = entry?;
                target.insert(key.value(), value.value())?;
                self.rows += 1;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn multimap<K: Key + 'static, V: Key + 'static>(
        &mut self,
        definition: MultimapTableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let source = match self.snapshot.open_multimap_table(definition) {
            Ok(table) => table,
            Err(TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let tx = self.begin()?;
        {
            let mut target = tx.open_multimap_table(definition)?;
            for entry in source.iter()? {
                let (key, values) = entry?;
                for value in values {
                    target.insert(key.value(), value?.value())?;
                    self.rows += 1;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
