//! Opening and closing the store file, so that a damaged file is refused with a clear message and
//! never served: redb trusts a file it closed cleanly and may panic on one altered since, so
//! essor remembers how it left the file and checks every page when the file is not as it was.
//!
//! At a clean close essor writes `essor.redb.clean` beside the file: its length and modification
//! time. At open, a file that no longer matches its marker (changed by something else than essor,
//! truncated, or left by a crash: the marker is removed once the file is open) is opened with
//! redb's integrity check, which verifies the checksum of every page. Damage found, or a panic
//! inside redb, becomes [`StoreError::Damaged`], naming the file and what to do.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use redb::Database;

use super::StoreError;

thread_local! {
    /// Set while [`guarded`] runs redb on this thread: its panics are caught and reported as
    /// damage, so the panic hook must not print them as if essor had crashed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (redb reading a file that may be damaged), catching its panic without the default
/// hook's "thread panicked" message and backtrace on stderr: the caller turns the panic into a
/// [`StoreError::Damaged`] with a message that says what to do. Panics elsewhere, or on other
/// threads, still print as before (the hook installed once here hands them to the previous one).
fn guarded<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(f);
    GUARDED.with(|g| g.set(outer));
    result
}

/// The marker's name: the store file's name with this appended.
pub(super) const CLEAN_SUFFIX: &str = ".clean";

/// The store's redb database, closed on drop with any panic of redb's caught: dropping a damaged
/// database may panic, and a panic in a drop can abort the process.
pub(super) struct OpenDb {
    /// Always `Some` until dropped.
    db: Option<Database>,
    path: PathBuf,
}

impl std::ops::Deref for OpenDb {
    type Target = Database;

    fn deref(&self) -> &Database {
        match &self.db {
            Some(db) => db,
            None => unreachable!("the database is only taken by drop"),
        }
    }
}

impl Drop for OpenDb {
    fn drop(&mut self) {
        let Some(db) = self.db.take() else { return };
        match guarded(AssertUnwindSafe(move || db.close())) {
            Ok(Ok(())) => write_clean_marker(&self.path),
            Ok(Err(error)) => {
                tracing::warn!(path = %self.path.display(), %error, "the store did not close cleanly; its next open checks every page");
            }
            Err(panic) => {
                tracing::error!(path = %self.path.display(), error = panic_message(&*panic), "the store file looks damaged: closing it failed; its next open checks every page");
            }
        }
    }
}

/// Opens (or creates) the redb file at `path`, checking every page unless essor closed it
/// cleanly and nothing touched it since; `initialise` runs on the open database under the same
/// panic guard (its first reads are the first to meet a damaged page).
pub(super) fn open_db(
    path: &Path,
    cache_bytes: usize,
    initialise: impl FnOnce(&Database) -> Result<(), StoreError>,
) -> Result<OpenDb, StoreError> {
    let check = needs_check(path);
    // A file held by a running essor has no marker either (it is removed at open): say it is in
    // use, not that a page-by-page check begins.
    if check && in_use(path) {
        return Err(StoreError::InUse {
            path: path.to_owned(),
        });
    }
    if check {
        tracing::info!(path = %path.display(), "the store was not closed cleanly by essor: checking every page");
    }
    let check = if check { Check::Repair } else { Check::None };
    open_with(path, cache_bytes, check, initialise)
}

/// [`open_db`] for a file that must be intact (a backup being restored): every page is checked
/// whatever the marker says, and one that redb would have to repair counts as damaged.
pub(super) fn open_intact(
    path: &Path,
    cache_bytes: usize,
    initialise: impl FnOnce(&Database) -> Result<(), StoreError>,
) -> Result<OpenDb, StoreError> {
    open_with(path, cache_bytes, Check::Intact, initialise)
}

/// How much of the file an open checks.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// Trust it (essor closed it cleanly and nothing touched it since).
    None,
    /// Every page, repairing what a crash left (the last commits may roll back).
    Repair,
    /// Every page; anything to repair is damage.
    Intact,
}

/// Whether another process holds the file open (redb's lock), probed by a read-only open.
pub(super) fn in_use(path: &Path) -> bool {
    let probe = guarded(|| Database::builder().open_read_only(path).map(drop));
    matches!(probe, Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)))
}

fn open_with(
    path: &Path,
    cache_bytes: usize,
    check: Check,
    initialise: impl FnOnce(&Database) -> Result<(), StoreError>,
) -> Result<OpenDb, StoreError> {
    let opened = guarded(AssertUnwindSafe(|| {
        let mut db = Database::builder()
            .set_cache_size(cache_bytes)
            .set_check_integrity_on_open(check == Check::Repair)
            .create(path)?;
        if check == Check::Intact && !db.check_integrity()? {
            return Err(StoreError::Redb(redb::Error::Corrupted(
                "some pages failed their checksum".to_owned(),
            )));
        }
        let db = OpenDb {
            db: Some(db),
            path: path.to_owned(),
        };
        initialise(&db)?;
        Ok::<_, StoreError>(db)
    }));
    let db = match opened {
        Ok(Ok(db)) => db,
        Ok(Err(error)) => return Err(classify(path, error)),
        Err(panic) => {
            return Err(StoreError::Damaged {
                path: path.to_owned(),
                detail: format!("redb failed reading it: {}", panic_message(&*panic)),
            });
        }
    };
    // From now on the file changes: a crash must leave no marker behind.
    match std::fs::remove_file(marker_path(path)) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(StoreError::Marker {
                path: marker_path(path),
                error,
            });
        }
    }
    Ok(db)
}

/// Whether the file at `path` must be checked page by page: it exists, holds something, and does
/// not match the marker of essor's last clean close.
fn needs_check(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.len() > 0 => {
            let marker = std::fs::read_to_string(marker_path(path)).ok();
            marker.as_deref().map(str::trim) != file_state(path).as_deref()
        }
        // A new or empty file, or one that cannot be read: redb reports the latter itself.
        _ => false,
    }
}

/// The store file's state as the marker records it: `<length> <modified, ns since 1970>`.
fn file_state(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!("{} {}", metadata.len(), modified.as_nanos()))
}

fn marker_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(CLEAN_SUFFIX);
    PathBuf::from(name)
}

fn write_clean_marker(path: &Path) {
    let written = file_state(path)
        .ok_or_else(|| std::io::Error::other("cannot read the file's length and time"))
        .and_then(|state| std::fs::write(marker_path(path), state));
    if let Err(error) = written {
        // Only costs a full check at the next open.
        tracing::warn!(path = %path.display(), %error, "cannot record the store's clean close");
    }
}

/// A redb error at open: damage (corruption, a failed repair) becomes [`StoreError::Damaged`];
/// the file being held by another process [`StoreError::InUse`].
fn classify(path: &Path, error: StoreError) -> StoreError {
    let damaged = |detail: String| StoreError::Damaged {
        path: path.to_owned(),
        detail,
    };
    match error {
        StoreError::Redb(redb::Error::DatabaseAlreadyOpen) => StoreError::InUse {
            path: path.to_owned(),
        },
        StoreError::Redb(redb::Error::Corrupted(detail)) => damaged(detail),
        StoreError::Redb(redb::Error::RepairAborted) => {
            damaged("redb could not repair it".to_owned())
        }
        StoreError::Redb(redb::Error::UpgradeRequired(version)) => damaged(format!(
            "not a redb file of this version (format {version})"
        )),
        StoreError::Corrupt { table, error } => damaged(format!("{table}: {error}")),
        other => other,
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic".to_owned()
    }
}
