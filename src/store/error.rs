//! The store's one error type. redb's many error types (one per kind of call) convert into it,
//! so that `?` works on any redb call; they all say "store: " and redb's own message.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: there is no store file (nothing harvested into this data folder yet?)")]
    Missing { path: PathBuf },
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
    /// The file failed a check or could not be read: essor refuses to serve or change it.
    #[error(
        "{path} is damaged ({detail}); essor will not use it: restore a backup of it, or move it away and harvest again (the search index is rebuilt from the store)"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the disk holding {path} is almost full: {free_mib} MiB free, and essor keeps {reserve_mib} MiB free (ESSOR_MIN_FREE_MIB); free some space, then harvest again: the harvest resumes from its last page"
    )]
    DiskFull {
        path: PathBuf,
        free_mib: u64,
        reserve_mib: u64,
    },
    #[error("backup to {path}: {reason}")]
    Backup { path: PathBuf, reason: String },
    #[error("restore into {path}: {reason}")]
    Restore { path: PathBuf, reason: String },
    #[error("cannot remove the store's clean-close marker {path}: {error}")]
    Marker {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot create data folder {path}: {error}")]
    CreateDir {
        path: PathBuf,
        error: std::io::Error,
    },
    /// redb's message is shown here, not also as a source: `{:#}` would print it twice.
    #[error("store: {0}")]
    Redb(redb::Error),
    #[error("store: corrupt value in {table}: {error}")]
    Corrupt { table: &'static str, error: String },
    /// A thread of essor's own could not start or panicked: not the store's data, so not
    /// `Corrupt` (which `open` turns into "damaged").
    #[error("{what}: {detail} (an essor bug, not damage to the store: please report it)")]
    Thread { what: &'static str, detail: String },
}

impl StoreError {
    /// A thread doing `what` that could not start (`detail`: the OS's reason) or panicked.
    pub fn thread(what: &'static str, detail: impl ToString) -> StoreError {
        StoreError::Thread {
            what,
            detail: detail.to_string(),
        }
    }

    /// A value of `table` that cannot be read (or a row another table points to is missing).
    pub fn corrupt(table: &'static str, error: impl ToString) -> StoreError {
        StoreError::Corrupt {
            table,
            error: error.to_string(),
        }
    }
}

impl From<redb::Error> for StoreError {
    fn from(error: redb::Error) -> StoreError {
        StoreError::Redb(error)
    }
}

/// `From` for each of redb's error types, through `redb::Error` (which keeps their messages).
macro_rules! from_redb {
    ($($kind:ident),* $(,)?) => {
        $(
            impl From<redb::$kind> for StoreError {
                fn from(error: redb::$kind) -> StoreError {
                    StoreError::Redb(error.into())
                }
            }
        )*
    };
}

from_redb!(
    DatabaseError,
    TransactionError,
    TableError,
    StorageError,
    CommitError,
    SetDurabilityError,
);
