//! The store file's dirty pages handed to the disk while a durable write transaction is still
//! being written, so that its commit's sync waits for what is left, not for all of it.
//!
//! A change batch's works transaction writes ~36 MB of pages (1,000 changed records on a 1 M
//! store): redb's small write buffer writes many of them to the file while the batch inserts
//! (pages evicted), the rest at the commit, and the commit's `fdatasync` then waits for the
//! disk to take all of them, the round's one core idle meanwhile (BENCHMARKS.md, issue 17).
//! [`Writeback`] asks the kernel every few milliseconds to start writing the file's dirty
//! pages (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`: it starts the writes and waits for
//! none), on a thread of its own, for as long as the transaction lasts.
//!
//! Crash safety is redb's as before: the kernel may write any dirty page at any moment on its
//! own (its background writeback), so redb's commit never relies on a page staying unwritten
//! until its sync; this only makes that happen sooner. The commit still syncs everything.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How often the writes are started: a few hundred pages written between two calls, while a
/// call on a file with nothing to write costs a walk of its (few) dirty tags.
const EVERY: Duration = Duration::from_millis(5);

/// Starts the writes of the file's dirty pages every [`EVERY`] until dropped (the drop waits
/// for the thread's last call, well under a millisecond).
pub(super) struct Writeback {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writeback {
    /// `None` where there is no such call (not Linux) or the file or thread could not be had:
    /// the commit then syncs everything itself, as without this.
    pub(super) fn start(path: &Path) -> Option<Writeback> {
        let file = std::fs::File::open(path).ok()?;
        if !start_writes(&file) {
            return None;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let thread = std::thread::Builder::new()
            .name("store-writeback".into())
            .spawn({
                let stop = stop.clone();
                move || run(&file, &stop)
            })
            .ok()?;
        Some(Writeback {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Writeback {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(file: &std::fs::File, stop: &(Mutex<bool>, Condvar)) {
    let (stopped, wake) = stop;
    let mut done = stopped.lock().unwrap_or_else(|e| e.into_inner());
    while !*done {
        done = wake
            .wait_timeout(done, EVERY)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        if *done {
            break;
        }
        drop(done);
        start_writes(file);
        done = stopped.lock().unwrap_or_else(|e| e.into_inner());
    }
}

/// Starts the writes of every dirty page of `file` without waiting for them; whether the call
/// exists and succeeded.
#[cfg(target_os = "linux")]
fn start_writes(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `sync_file_range` reads no memory of ours; the descriptor is open for as long as
    // `file` is borrowed. Offset 0 and length 0 name the whole file.
    let result = unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE)
    };
    result == 0
}

#[cfg(not(target_os = "linux"))]
fn start_writes(_file: &std::fs::File) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_stops_on_a_file_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, vec![1u8; 1 << 20]).unwrap();
        let writeback = Writeback::start(&path);
        assert_eq!(writeback.is_some(), cfg!(target_os = "linux"));
        std::fs::write(&path, vec![2u8; 1 << 20]).unwrap();
        std::thread::sleep(EVERY * 3);
        drop(writeback);
        assert_eq!(std::fs::read(&path).unwrap(), vec![2u8; 1 << 20]);
    }

    #[test]
    fn a_missing_file_starts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Writeback::start(&dir.path().join("none")).is_none());
    }
}
