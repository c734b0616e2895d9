//! Reading every work on all cores, for whole-store computations (the barometer): one thread
//! walks the works table in id order and hands out chunks of raw rows, worker threads decode
//! them (into a struct of only the fields wanted) and apply the caller's function, and the
//! results come back to the caller in id order, so that what it computes is the same as from a
//! sequential read whatever the number of threads.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use redb::{ReadTransaction, ReadableDatabase, ReadableTable};
use serde::de::DeserializeOwned;

use super::encode::decode_work;
use super::tables::WORKS;
use super::{Store, StoreError};

/// Rows per chunk: large enough that the channels cost nothing per row, small enough that a few
/// chunks per thread in flight stay a few megabytes.
const CHUNK_ROWS: usize = 256;

/// Raw rows, packed: row `n` is `bytes[ends[n - 1]..ends[n]]`.
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Chunk {
    fn rows(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.bytes[start..end])
    }
}

type Work = (u64, Chunk);
type Done<T> = (u64, Result<Vec<T>, StoreError>);

/// The works as they stand at one moment: several scans of a snapshot see the same works
/// whatever is written meanwhile (a barometer edition's passes must agree with each other even
/// while a harvest runs).
pub struct WorksSnapshot {
    tx: ReadTransaction,
}

impl Store {
    /// A snapshot of the works to scan several times ([`WorksSnapshot::scan_works`]).
    pub fn works_snapshot(&self) -> Result<WorksSnapshot, StoreError> {
        Ok(WorksSnapshot {
            tx: self.db.begin_read()?,
        })
    }

    /// [`WorksSnapshot::scan_works`] over a snapshot taken now.
    pub fn scan_works<W, T>(
        &self,
        threads: usize,
        map: impl Fn(W) -> T + Sync,
        visit: impl FnMut(T) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>
    where
        W: DeserializeOwned,
        T: Send,
    {
        self.works_snapshot()?.scan_works(threads, map, visit)
    }
}

impl WorksSnapshot {
    /// Calls `visit` with `map(work)` for every work (live or not) in id order. Each row is
    /// decoded as `W` (serde skips the fields `W` does not name) and mapped on `threads` worker
    /// threads; `visit` runs on the calling thread. At most a few chunks per thread are in
    /// flight, so memory does not grow with the store.
    pub fn scan_works<W, T>(
        &self,
        threads: usize,
        map: impl Fn(W) -> T + Sync,
        mut visit: impl FnMut(T) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>
    where
        W: DeserializeOwned,
        T: Send,
    {
        let threads = threads.max(1);
        let table = self.tx.open_table(WORKS)?;
        std::thread::scope(|scope| {
            let (work_sender, work_receiver) = sync_channel::<Work>(threads * 2);
            let (done_sender, done_receiver) = sync_channel::<Done<T>>(threads * 2);
            // Shared by the workers only: when they have all stopped, the reader's sends fail.
            let work_receiver = Arc::new(Mutex::new(work_receiver));
            for _ in 0..threads {
                let work_receiver = work_receiver.clone();
                let done_sender = done_sender.clone();
                let map = &map;
                scope.spawn(move || decode_chunks(&work_receiver, &done_sender, map));
            }
            drop(work_receiver);
            drop(done_sender);
            let reader = scope.spawn(move || -> Result<(), StoreError> {
                let mut chunk = Chunk::default();
                let mut sequence = 0;
                for entry in table.iter()? {
                    let (_, value) = entry?;
                    chunk.bytes.extend_from_slice(value.value());
                    chunk.ends.push(chunk.bytes.len());
                    if chunk.ends.len() == CHUNK_ROWS {
                        if send(&work_sender, sequence, &mut chunk).is_err() {
                            return Ok(());
                        }
                        sequence += 1;
                    }
                }
                if !chunk.ends.is_empty() {
                    let _ = send(&work_sender, sequence, &mut chunk);
                }
                Ok(())
            });
            let visited = in_order(done_receiver, &mut visit);
            let read = reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            visited.and(read)
        })
    }
}

fn send(sender: &SyncSender<Work>, sequence: u64, chunk: &mut Chunk) -> Result<(), ()> {
    sender
        .send((sequence, std::mem::take(chunk)))
        .map_err(|_| ())
}

/// A worker: decodes and maps chunks until there are none left or the caller stopped.
fn decode_chunks<W: DeserializeOwned, T>(
    work: &Mutex<Receiver<Work>>,
    done: &SyncSender<Done<T>>,
    map: &impl Fn(W) -> T,
) {
    loop {
        let next = match work.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok((sequence, chunk)) = next else {
            return;
        };
        let mapped = chunk
            .rows()
            .map(|row| decode_work::<W>(row).map(map))
            .collect::<Result<Vec<T>, StoreError>>();
        if done.send((sequence, mapped)).is_err() {
            return;
        }
    }
}

/// Hands the workers' results to `visit` in sequence order; stops at the first error, which
/// drops the receiver and so stops the workers and then the reader.
fn in_order<T>(
    done: Receiver<Done<T>>,
    visit: &mut impl FnMut(T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut waiting: BTreeMap<u64, Vec<T>> = BTreeMap::new();
    let mut next = 0;
    for (sequence, mapped) in done {
        waiting.insert(sequence, mapped?);
        while let Some(chunk) = waiting.remove(&next) {
            for item in chunk {
                visit(item)?;
            }
            next += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Row {
        id: String,
        n: u32,
    }

    #[derive(serde::Deserialize)]
    struct OnlyN {
        n: u32,
    }

    fn store_of(count: u32) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let tx = store.db.begin_write().unwrap_or_else(|e| panic!("{e}"));
        {
            let mut table = tx.open_table(WORKS).unwrap_or_else(|e| panic!("{e}"));
            for n in 0..count {
                let id = format!("w{n:08}");
                let row = super::super::encode::encode_work(&Row { id: id.clone(), n });
                table
                    .insert(id.as_str(), row.as_slice())
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        tx.commit().unwrap_or_else(|e| panic!("{e}"));
        (dir, store)
    }

    #[test]
    fn works_come_back_in_id_order_whatever_the_threads() {
        let count = (CHUNK_ROWS * 7 + 13) as u32;
        let (_dir, store) = store_of(count);
        for threads in [1, 2, 5] {
            let mut seen = Vec::new();
            store
                .scan_works(
                    threads,
                    |row: OnlyN| row.n * 2,
                    |doubled| {
                        seen.push(doubled);
                        Ok(())
                    },
                )
                .unwrap_or_else(|e| panic!("{e}"));
            let expected: Vec<u32> = (0..count).map(|n| n * 2).collect();
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[test]
    fn a_snapshot_does_not_see_works_written_after_it() {
        let (_dir, store) = store_of(10);
        let snapshot = store.works_snapshot().unwrap_or_else(|e| panic!("{e}"));
        let tx = store.db.begin_write().unwrap_or_else(|e| panic!("{e}"));
        {
            let mut table = tx.open_table(WORKS).unwrap_or_else(|e| panic!("{e}"));
            let row = super::super::encode::encode_work(&Row {
                id: "w99999999".into(),
                n: 99,
            });
            table
                .insert("w99999999", row.as_slice())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().unwrap_or_else(|e| panic!("{e}"));
        let count = |scan: &dyn Fn(&mut u32) -> Result<(), StoreError>| {
            let mut seen = 0;
            scan(&mut seen).unwrap_or_else(|e| panic!("{e}"));
            seen
        };
        let before = count(&|seen| {
            snapshot.scan_works(
                2,
                |row: OnlyN| row.n,
                |_| {
                    *seen += 1;
                    Ok(())
                },
            )
        });
        let now = count(&|seen| {
            store.scan_works(
                2,
                |row: OnlyN| row.n,
                |_| {
                    *seen += 1;
                    Ok(())
                },
            )
        });
        assert_eq!((before, now), (10, 11));
    }

    #[test]
    fn an_error_of_the_caller_stops_the_scan() {
        let (_dir, store) = store_of((CHUNK_ROWS * 20) as u32);
        let mut visited = 0;
        let result = store.scan_works(
            2,
            |row: OnlyN| row.n,
            |n| {
                visited += 1;
                if n == 300 {
                    return Err(StoreError::corrupt("works", "stop here"));
                }
                Ok(())
            },
        );
        assert!(result.is_err());
        assert_eq!(visited, 301);
    }

    #[test]
    fn a_row_that_does_not_decode_is_an_error_not_a_panic() {
        let (_dir, store) = store_of(10);
        #[derive(serde::Deserialize)]
        struct Missing {
            #[allow(dead_code)]
            absent: String,
        }
        let result = store.scan_works(2, |_: Missing| (), |()| Ok(()));
        assert!(result.is_err());
    }
}
