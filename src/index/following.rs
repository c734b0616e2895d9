//! The search index following an incremental works update batch by batch: the works stage
//! hands over each batch's works as soon as they are made, before the batch writes them
//! ([`StagedWorks`]), and a thread of its own turns them into documents and prepares the
//! index's commit (the new segment written) while the store writes and commits them; the index
//! commits, with the feed key of the batch's last entry, once the store has. Reading the works
//! back from the feed after the commit, then indexing and committing, was 0.10 s of a 0.73 s
//! change batch of 1,000 records at 1 M (BENCHMARKS.md, issue 17).
//!
//! Crash safety is [`Index::update`]'s: the index never commits a batch the store has not
//! committed, and its commit carries the feed key of the batch's last work. A batch is taken
//! only if its transaction begins exactly where the index's cursor is (the last feed sequence
//! given out before it is the cursor's), so no work is skipped: otherwise (an index behind the
//! store, another update between two batches) nothing more is taken, and the update ends by
//! following the feed from the cursor as before ([`Following::finish`] says `None`).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use tantivy::{IndexReader, IndexWriter, TantivyDocument, TantivyError};

use super::Index;
use super::document::put_document;
use super::schema::Fields;
use super::themes::Themes;
use super::update::{
    IndexReport, WRITER_HEAP, committed_cursor, left_unmerged, payload_text, small_segments_only,
    store_fingerprint,
};
use crate::store::{FeedSpan, Store, theme_ids};
use crate::works::sets::set_specs;
use crate::works::{StagedWorks, Work};

/// What the works stage tells the indexing thread, in order: a batch's works (before it writes
/// them) and the last feed sequence before its transaction, then the entries that transaction
/// added if it committed (after every batch).
enum Message {
    Stage(Arc<[Work]>, u64),
    Committed(Option<FeedSpan>),
}

/// What the indexing thread gives back: what it committed, and whether every batch was taken.
struct Followed {
    report: IndexReport,
    caught_up: bool,
}

/// The index following an update's batches; see the module's comment.
pub struct Following<'i> {
    index: &'i Index,
    /// Held until the end: one writer at a time in this process.
    _writing: MutexGuard<'i, ()>,
    sender: Mutex<Option<Sender<Message>>>,
    thread: Option<JoinHandle<Result<Followed, TantivyError>>>,
}

impl Index {
    /// The index ready to take the batches of a works update of `store`; `None` when it cannot
    /// (another update of the index is running in this process, the index has no commit of
    /// this store yet, its writer cannot be opened): then the update is followed from the
    /// feed afterwards, as [`Index::update`] does.
    pub fn following(&self, store: &Store) -> Option<Following<'_>> {
        let writing = self.writing.try_lock().ok()?;
        let store_id = store_fingerprint(store).ok()?;
        let cursor = committed_cursor(self, &store_id)?;
        let unmerged = left_unmerged(self, &store_id);
        // One indexing thread, as an update's (`Index::update`).
        let writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_HEAP).ok()?;
        if unmerged {
            writer.set_merge_policy(Box::new(small_segments_only()));
        }
        let (sender, receiver) = channel();
        let (fields, reader) = (self.fields.clone(), self.reader.clone());
        let batches = Batches {
            themes: self.themes.is_loaded().then(|| self.themes.clone()),
            writer,
            fields,
            reader,
            store_id,
            cursor,
            unmerged,
        };
        let thread = std::thread::Builder::new()
            .name("index-following".into())
            .spawn(move || batches.follow(receiver))
            .ok()?;
        Some(Following {
            index: self,
            _writing: writing,
            sender: Mutex::new(Some(sender)),
            thread: Some(thread),
        })
    }
}

impl StagedWorks for Following<'_> {
    fn stage(&self, works: Arc<[Work]>, after_sequence: u64) {
        self.send(Message::Stage(works, after_sequence));
    }

    fn committed(&self, span: Option<FeedSpan>) {
        self.send(Message::Committed(span));
    }
}

impl Following<'_> {
    fn send(&self, message: Message) {
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        // A thread that failed has dropped its end: `finish` says so.
        if let Some(sender) = sender.as_ref() {
            let _ = sender.send(message);
        }
    }

    /// What the index committed of the update's batches, once the update has ended: `None`
    /// unless it took every batch (and at least one), in which case it is up to date with the
    /// feed; else the caller follows the feed from the index's cursor ([`Index::update`]).
    pub fn finish(mut self) -> Option<IndexReport> {
        match self.join() {
            Ok(Followed {
                report,
                caught_up: true,
            }) if report.cursor.is_some() => Some(report),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "the search index did not follow the works' batches: following the feed");
                None
            }
        }
    }

    fn join(&mut self) -> Result<Followed, TantivyError> {
        drop(self.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
        let thread = self.thread.take().ok_or_else(|| {
            TantivyError::InternalError("the index followed these batches already".into())
        })?;
        thread.join().map_err(|_| {
            TantivyError::InternalError("the thread indexing the works' batches panicked".into())
        })?
    }
}

/// Dropped without [`Following::finish`] (the works update failed): the thread ends, aborting
/// what it prepared, and the index stays at its last commit.
impl Drop for Following<'_> {
    fn drop(&mut self) {
        if self.thread.is_some()
            && let Err(error) = self.join()
        {
            tracing::warn!(%error, path = %self.index.dir.display(), "search index writer");
        }
    }
}

/// The indexing thread's state.
struct Batches {
    /// The works' themes kept beside the index, set from each committed batch's works (none
    /// when not loaded: the first update loads them all).
    themes: Option<Arc<Themes>>,
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    reader: IndexReader,
    store_id: String,
    /// The feed key the index's last commit is up to date with.
    cursor: (u64, u64),
    /// Its mark of segments left to merge, kept in each commit.
    unmerged: bool,
}

impl Batches {
    /// Takes batches until the works stage hangs up; after the first batch not taken, none.
    fn follow(mut self, receiver: Receiver<Message>) -> Result<Followed, TantivyError> {
        let mut report = IndexReport::default();
        let mut caught_up = true;
        while let Ok(message) = receiver.recv() {
            // A batch that moved no work has nothing to stage: its commit changes nothing here.
            let Message::Stage(works, after_sequence) = message else {
                continue;
            };
            if !caught_up || after_sequence != self.cursor.1 {
                caught_up = false;
                continue;
            }
            if !self.take(works, after_sequence, &receiver, &mut report)? {
                caught_up = false;
            }
        }
        // Logged: an update waits here for the merges its commits set off.
        let merging = Instant::now();
        self.writer.wait_merging_threads()?;
        let merges_waited_ms = merging.elapsed().as_millis() as u64;
        tracing::debug!(merges_waited_ms, "index merges of the update waited for");
        Ok(Followed { report, caught_up })
    }

    /// Indexes a batch's works, prepares the commit, and commits it with the feed key of the
    /// batch's last entry if the store's transaction committed the entries after
    /// `after_sequence` (the next message says), else aborts it; returns whether it committed.
    fn take(
        &mut self,
        works: Arc<[Work]>,
        after_sequence: u64,
        receiver: &Receiver<Message>,
        report: &mut IndexReport,
    ) -> Result<bool, TantivyError> {
        let started = Instant::now();
        let (mut indexed, mut removed) = (0, 0);
        // Each work's themes as the store files it (its `theme:` sets; none once gone).
        let themes: Vec<(String, Vec<String>)> = match self.themes {
            Some(_) => works
                .iter()
                .map(|work| {
                    let sets = set_specs(work).unwrap_or_default();
                    (work.id.clone(), theme_ids(sets.iter().map(String::as_str)))
                })
                .collect(),
            None => Vec::new(),
        };
        for work in works.iter() {
            match put_document(&self.writer, &self.fields, &work.id, Some(work), true)? {
                true => indexed += 1,
                false => removed += 1,
            }
        }
        let mut prepared = self.writer.prepare_commit()?;
        let prepared_in = started.elapsed();
        let waiting = Instant::now();
        let span = match receiver.recv() {
            Ok(Message::Committed(Some(span))) if span.after_sequence == after_sequence => span,
            _ => {
                prepared.abort()?;
                return Ok(false);
            }
        };
        let waited = waiting.elapsed();
        prepared.set_payload(&payload_text(
            &self.store_id,
            Some(span.last),
            self.unmerged,
        ));
        prepared.commit()?;
        if let Some(kept) = &self.themes {
            kept.apply(
                themes
                    .iter()
                    .map(|(id, themes)| (id.as_str(), themes.clone())),
            );
        }
        // This process's searches see the batch at once; others on their next reload.
        self.reader.reload()?;
        self.cursor = span.last;
        report.indexed += indexed;
        report.removed += removed;
        report.cursor = Some(span.last);
        tracing::debug!(
            indexed,
            removed,
            index_prepared_ms = prepared_in.as_millis() as u64,
            index_waited_ms = waited.as_millis() as u64,
            index_published_ms = (waiting.elapsed() - waited).as_millis() as u64,
            "index followed a works batch"
        );
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::{corpus, fixture, ids, query, set, work, write};
    use crate::index::{Filters, SearchQuery};
    use crate::store::StoreError;

    /// Writes `works` in one transaction as an update's batch does, staged with `following`
    /// before they are written; `fail` makes the transaction fail after the writes (nothing
    /// commits).
    fn write_staged(
        store: &Store,
        following: &Following<'_>,
        works: &[Work],
        fail: bool,
    ) -> Result<(), StoreError> {
        let written = store.update_works(|tx| {
            following.stage(works.into(), tx.feed_sequence_before());
            for work in works {
                let was = tx.work::<Work>(&work.id)?.map(|w| w.is_live());
                crate::works::write_work(tx, work, was, None)?;
            }
            if fail {
                return Err(StoreError::corrupt("works", "the test's failure"));
            }
            Ok(tx.feed_span())
        });
        following.committed(written.as_ref().ok().copied().flatten());
        written.map(drop)
    }

    /// Issue 17: the index takes each batch's works before the store commits them, and ends as
    /// following the feed would have left it.
    #[test]
    fn batches_taken_before_their_commit_index_what_the_feed_would() {
        let mut works = corpus();
        let f = fixture(&works);
        let following = f.index.following(&f.store).expect("following");
        let mut w3 = works[2].clone();
        w3.deleted = true;
        w3.fields = None;
        write_staged(
            &f.store,
            &following,
            &[w3, work("w7", "Le tramway de Grenoble")],
            false,
        )
        .expect("first batch");
        works[0] = work("w1", "Les mutuelles bretonnes");
        write_staged(&f.store, &following, &works[..1], false).expect("second batch");
        let report = following.finish().expect("every batch taken");
        assert_eq!((report.indexed, report.removed), (2, 1));
        assert_eq!(ids(&f.index, &query("tramway")), set(&["w7"]));
        assert_eq!(ids(&f.index, &query("mutuelles")), set(&["w1", "w4"]));
        assert_eq!(f.index.num_works(), 4);
        // The batches' themes (kept beside the documents): w1 lost its theme, w3 is gone.
        let themed = |filters: Filters| {
            ids(
                &f.index,
                &SearchQuery {
                    filters,
                    limit: 100,
                    ..SearchQuery::default()
                },
            )
        };
        let cooperatives = Filters {
            theme: Some("cooperatives".into()),
            ..Filters::default()
        };
        assert_eq!(themed(cooperatives), set(&["w2"]));
        let any = Filters {
            themed: true,
            ..Filters::default()
        };
        assert_eq!(themed(any), set(&["w2"]));
        let after = f.index.update(&f.store).expect("update");
        assert_eq!((after.indexed, after.removed), (0, 0), "up to date already");
        assert_eq!(after.cursor, report.cursor);
    }

    /// Works written while the index was not following (a crash between the works' commit and
    /// the index's): a batch after them is not taken, and the feed is followed from the cursor.
    #[test]
    fn a_batch_after_works_the_index_missed_is_left_to_the_feed() {
        let f = fixture(&corpus());
        write(&f.store, &[work("w7", "Le tramway de Grenoble")]);
        let following = f.index.following(&f.store).expect("following");
        write_staged(
            &f.store,
            &following,
            &[work("w8", "Le tramway nantais")],
            false,
        )
        .expect("batch");
        assert_eq!(following.finish(), None);
        let report = f.index.update(&f.store).expect("update");
        assert_eq!(report.indexed, 2);
        assert_eq!(ids(&f.index, &query("tramway")), set(&["w7", "w8"]));
    }

    /// A batch whose transaction fails is not indexed: the index stays at its last commit.
    #[test]
    fn a_batch_that_did_not_commit_is_not_indexed() {
        let f = fixture(&corpus());
        let before = f.index.cursor().expect("cursor");
        let following = f.index.following(&f.store).expect("following");
        write_staged(
            &f.store,
            &following,
            &[work("w7", "Le tramway de Grenoble")],
            true,
        )
        .expect_err("failed");
        assert_eq!(following.finish(), None);
        assert_eq!(ids(&f.index, &query("tramway")), set(&[]));
        assert_eq!(f.index.cursor().expect("cursor"), before);
        let report = f.index.update(&f.store).expect("update");
        assert_eq!((report.indexed, report.removed), (0, 0));
    }
}
