//! The search index built beside a build of works from scratch: the works stage hands over the
//! works of each slice as it makes them ready to write ([`BuiltWorks::made`], before their
//! transaction commits: tantivy's indexing thread sets the pace of a fresh build's write phase,
//! and waiting for each commit left it idle while the blocking index was written), and a thread
//! of its own turns them into documents for tantivy's indexing threads, on the cores the single
//! store writer leaves idle. After the works it then remains to commit and merge, instead of
//! reading every work back from the feed and decoding it (49 s after the works of a fresh 1 M
//! store).
//!
//! Crash safety is [`Index::update`]'s: nothing is committed before the works' last (durable)
//! transaction has committed and [`Beside::finish`] is called, and the commit carries the feed
//! key of the last work the store committed ([`BuiltWorks::stored`]), so an index killed before
//! it has no commit of this store and is rebuilt from the feed by the next update, and one
//! committed follows the feed from there. A build that fails drops the [`Beside`] unfinished:
//! works indexed but never stored are never committed.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;

use tantivy::indexer::NoMergePolicy;
use tantivy::{IndexWriter, TantivyDocument, TantivyError};

use super::document::put_document;
use super::schema::Fields;
use super::update::{IndexReport, REBUILD_HEAP, store_fingerprint};
use super::{Index, IndexError};
use crate::store::Store;
use crate::works::{BuiltWorks, Work};

/// Slices of works waiting for the indexing thread beyond the one it indexes: none, the works
/// stage makes the next one meanwhile and hands it over once the index is done with the last (a
/// slice of works waiting is ~20 MiB more peak memory at 100,000 records).
const WAITING: usize = 0;

/// What the indexing thread gives back: the writer, the works indexed and removed.
type Indexed = (IndexWriter<TantivyDocument>, u64, u64);

/// A build of the whole index fed by the works stage; see the module's comment.
pub struct Beside<'i> {
    index: &'i Index,
    /// Held until the end: one writer at a time in this process.
    _writing: MutexGuard<'i, ()>,
    store_id: String,
    sender: Mutex<Option<SyncSender<Vec<Work>>>>,
    thread: Option<JoinHandle<Result<Indexed, TantivyError>>>,
    /// The feed key of the last work the store has committed: the index's cursor once every
    /// work handed over is indexed and the build's last transaction has committed.
    stored: Mutex<Option<(u64, u64)>>,
}

impl Index {
    /// Starts a build of the whole index from the works `store` is about to be given by a build
    /// from scratch: the index's documents are deleted (in its next commit), and the works are
    /// indexed as they are handed to the [`Beside`], which commits them in
    /// [`Beside::finish`].
    pub fn beside(&self, store: &Store) -> Result<Beside<'_>, IndexError> {
        let writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let store_id = store_fingerprint(store)?;
        let fail = |e| self.tantivy_error(e);
        // A rebuild's memory, shared by tantivy's indexing threads (one per core): each time a
        // thread's share fills it writes a segment, and `finish` merges them all. With 50 MB a
        // fresh 1 M store made ~180 segments, merged in 14 s after the works; with 384 MB, 10
        // merged in 8 s, the works written as fast. Two threads, unlike a rebuild: one alone set
        // the write phase's pace. tantivy takes the memory as it fills: ~300 MiB more through
        // the write phase of 1 M records (~800 MiB, under the clustering's ~1,860), 50 MiB more
        // for 50,000 (BENCHMARKS.md, issue 17).
        let writer: IndexWriter<TantivyDocument> = self.index.writer(REBUILD_HEAP).map_err(fail)?;
        writer.delete_all_documents().map_err(fail)?;
        // One merge at the end, as `Index::rebuild` does (`merge_into_one`).
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let (sender, receiver) = sync_channel(WAITING);
        let fields = self.fields.clone();
        let thread = std::thread::Builder::new()
            .name("index-beside".into())
            .spawn(move || index_works(writer, &fields, receiver))
            .map_err(|source| IndexError::Io {
                path: self.dir.clone(),
                source,
            })?;
        Ok(Beside {
            index: self,
            _writing: writing,
            store_id,
            sender: Mutex::new(Some(sender)),
            thread: Some(thread),
            stored: Mutex::new(None),
        })
    }
}

/// The indexing thread: documents of the works received, until the sender is dropped.
fn index_works(
    writer: IndexWriter<TantivyDocument>,
    fields: &Fields,
    receiver: Receiver<Vec<Work>>,
) -> Result<Indexed, TantivyError> {
    let (mut indexed, mut removed) = (0, 0);
    for works in receiver {
        let count = works.len();
        // Each work dropped once its document is made: tantivy's queue holds the documents.
        for work in works {
            match put_document(&writer, fields, &work.id, Some(&work), false)? {
                true => indexed += 1,
                false => removed += 1,
            }
        }
        tracing::debug!(works = count, "works indexed beside their build");
    }
    Ok((writer, indexed, removed))
}

impl BuiltWorks for Beside<'_> {
    fn made(&self, works: Vec<Work>) {
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        // A thread that failed has dropped its end: `finish` reports its error.
        if let Some(sender) = sender.as_ref() {
            let _ = sender.send(works);
        }
    }

    fn stored(&self, feed_key: (u64, u64)) {
        *self.stored.lock().unwrap_or_else(|e| e.into_inner()) = Some(feed_key);
    }
}

impl Beside<'_> {
    /// Commits the works handed over (call it once the works' last transaction has committed,
    /// durably), with the feed key of the last one. Its segments (one each time an indexing
    /// thread's memory filled) are left for the server to merge ([`Index::merge_left_segments`],
    /// marked in the commit): searches over them are right, a quarter dearer, and the merge
    /// after the works was the build's tail on one core (8 s of a fresh 1 M store, 1.6 of
    /// 100,000 records; BENCHMARKS.md, issue 17). An error leaves the index as it was before
    /// [`Index::beside`]: the next [`Index::update`] builds it from the feed.
    pub fn finish(mut self) -> Result<IndexReport, IndexError> {
        let (mut writer, indexed, removed) = self.join()?;
        let cursor = *self.stored.lock().unwrap_or_else(|e| e.into_inner());
        let index = self.index;
        let started = std::time::Instant::now();
        index.commit_marked(&mut writer, &self.store_id, cursor, true)?;
        let segments = index
            .index
            .searchable_segment_ids()
            .map_or(0, |ids| ids.len());
        writer
            .wait_merging_threads()
            .map_err(|e| index.tantivy_error(e))?;
        tracing::info!(
            segments,
            index_commit_ms = started.elapsed().as_millis() as u64,
            "search index built beside the works committed"
        );
        Ok(IndexReport {
            indexed,
            removed,
            rebuilt: true,
            cursor,
        })
    }

    fn join(&mut self) -> Result<Indexed, IndexError> {
        drop(self.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
        let thread = self.thread.take().ok_or_else(|| IndexError::Io {
            path: self.index.dir.clone(),
            source: std::io::Error::other("the index was built beside the works already"),
        })?;
        let joined = thread.join().map_err(|_| IndexError::Io {
            path: self.index.dir.clone(),
            source: std::io::Error::other("the thread indexing the works panicked"),
        })?;
        joined.map_err(|e| self.index.tantivy_error(e))
    }
}

/// Dropped without [`Beside::finish`] (the works build failed): the thread ends, and its writer
/// is dropped uncommitted, so the index stays as it was.
impl Drop for Beside<'_> {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}
