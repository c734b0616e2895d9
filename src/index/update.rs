//! Keeping the index in step with the store: walk the feed after the index's cursor, replace
//! each work's document (or remove it when the work is deleted or merged away), and commit with
//! the new cursor in the commit's payload, so the cursor and the documents never disagree.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{IndexWriter, TantivyDocument};

use super::document::put_document;
use super::{Index, IndexError};
use crate::store::FeedRange;
use crate::store::Store;
use crate::works::Work;

/// Works read from the feed per store read.
const BATCH: usize = 1_000;
/// An update commits at least this often, so a long one keeps its progress if interrupted.
/// (A rebuild commits once at the end: until then searches see the old index whole.)
const COMMIT_EVERY: u64 = 100_000;
/// The writer's indexing memory for an update (tantivy wants ≥ 15 MB per thread).
pub(super) const WRITER_HEAP: usize = 50_000_000;
/// The writer's indexing memory for a rebuild (every work, then one merge): each time the
/// indexing thread's memory fills, it writes a segment, and the rebuild ends by merging them all
/// (`merge_into_one`). With 50 MB on two threads, 80,000 works made 18 segments, and writing
/// then merging them cost a quarter more CPU than indexing into one (BENCHMARKS.md, issue 17);
/// tantivy takes the memory as it fills, so a small store's rebuild holds no more than it needs.
pub(super) const REBUILD_HEAP: usize = 384_000_000;

/// What an update or rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexReport {
    /// Live works (re)indexed.
    pub indexed: u64,
    /// Deleted or merged-away works whose document was removed (if there was one).
    pub removed: u64,
    /// True when the whole index was rebuilt (asked for, or the store was not the one the
    /// index was built from).
    pub rebuilt: bool,
    /// The feed key (datestamp, sequence) the index is now up to date with.
    pub cursor: Option<(u64, u64)>,
}

/// Reports of successive updates summed: counts added, rebuilt if any was, the later cursor.
impl std::ops::AddAssign for IndexReport {
    fn add_assign(&mut self, more: Self) {
        let IndexReport {
            indexed,
            removed,
            rebuilt,
            cursor,
        } = more;
        self.indexed += indexed;
        self.removed += removed;
        self.rebuilt |= rebuilt;
        self.cursor = cursor.or(self.cursor);
    }
}

/// Who merges the segments an update or rebuild of the index leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merges {
    /// Tantivy's merge policy as the update commits (a rebuild: all into one), waited for;
    /// only the small segments while the index is marked (`small_segments_only`).
    Now,
    /// The server, later ([`Index::merge_left_segments`]): the commits marked, only the small
    /// segments merged here.
    LeftToServer,
}

/// How an update follows the feed.
struct Follow<'a> {
    /// Every document replaced (the index cleared first).
    rebuild: bool,
    merges: Merges,
    /// The works whose documents stay as they are ([`Index::update_leaving_merge_but`]).
    themes_only: Option<&'a HashSet<String>>,
}

impl Follow<'_> {
    fn rebuild(merges: Merges) -> Follow<'static> {
        Follow {
            rebuild: true,
            merges,
            themes_only: None,
        }
    }
}

/// Saved in each commit's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Payload {
    /// A fingerprint of the store the index follows: a cursor means nothing in another store.
    store: String,
    cursor: Option<(u64, u64)>,
    /// The segments a build beside the works left for the server to merge
    /// ([`Index::merge_left_segments`]); kept by later commits until then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    unmerged: bool,
}

impl Index {
    /// Brings the index up to date with the store: the works changed since the last update are
    /// reindexed or removed. Rebuilds instead when the index was built from another store.
    pub fn update(&self, store: &Store) -> Result<IndexReport, IndexError> {
        self.update_merged(store, Merges::Now, None)
    }

    /// [`Index::update`] after `essor works rebuild`, which leaves its segments' merge to the
    /// server ([`Index::merge_left_segments`], the commit marked), as a build beside the works
    /// does: the rebuild's works make large segments, and the deletes it leaves in the others
    /// are purged by the one merge the server makes.
    pub fn update_leaving_merge(&self, store: &Store) -> Result<IndexReport, IndexError> {
        self.update_merged(store, Merges::LeftToServer, None)
    }

    /// [`Index::update_leaving_merge`] after a works rebuild that changed the works of
    /// `themes_only` by their themes alone (and the index was up to date before it): their
    /// documents are kept as they are, only their themes taken (`themes.rs`). A new theme
    /// changes every work's themes, and indexing every text again was ~42% of the rebuild's CPU.
    pub fn update_leaving_merge_but(
        &self,
        store: &Store,
        themes_only: &HashSet<String>,
    ) -> Result<IndexReport, IndexError> {
        self.update_merged(store, Merges::LeftToServer, Some(themes_only))
    }

    fn update_merged(
        &self,
        store: &Store,
        merges: Merges,
        themes_only: Option<&HashSet<String>>,
    ) -> Result<IndexReport, IndexError> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let store_id = store_fingerprint(store)?;
        match self.payload()? {
            Some(payload) if payload.store == store_id => {
                let follow = Follow {
                    rebuild: false,
                    merges,
                    themes_only,
                };
                self.follow(store, store_id, payload.cursor, follow)
            }
            // A new index (no commit yet) or another store's: everything from the start.
            _ => self.follow(store, store_id, None, Follow::rebuild(merges)),
        }
    }

    /// Clears the index and indexes every live work of the store. Searches see the old index
    /// until the new one is committed whole.
    pub fn rebuild(&self, store: &Store) -> Result<IndexReport, IndexError> {
        self.rebuild_merged(store, Merges::Now)
    }

    /// [`Index::rebuild`] with its segments' merge left to the server, as
    /// [`Index::update_leaving_merge`].
    pub fn rebuild_leaving_merge(&self, store: &Store) -> Result<IndexReport, IndexError> {
        self.rebuild_merged(store, Merges::LeftToServer)
    }

    fn rebuild_merged(&self, store: &Store, merges: Merges) -> Result<IndexReport, IndexError> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let store_id = store_fingerprint(store)?;
        self.follow(store, store_id, None, Follow::rebuild(merges))
    }

    /// Whether the index has followed every work the store wrote (its cursor is the feed's last
    /// entry): what a rebuild must know before it keeps documents as they are.
    pub fn is_up_to_date(&self, store: &Store) -> Result<bool, IndexError> {
        let store_id = store_fingerprint(store)?;
        let generation = store.feed_generation()?;
        Ok(committed_cursor(self, &store_id).map(|cursor| cursor.1) == Some(generation))
    }

    /// The feed key the index is up to date with, `None` before the first update.
    pub fn cursor(&self) -> Result<Option<(u64, u64)>, IndexError> {
        Ok(self.payload()?.and_then(|p| p.cursor))
    }

    fn payload(&self) -> Result<Option<Payload>, IndexError> {
        let metas = self.index.load_metas().map_err(|e| self.tantivy_error(e))?;
        // A payload we cannot read is treated as none: the index is rebuilt.
        Ok(metas
            .payload
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    fn follow(
        &self,
        store: &Store,
        store_id: String,
        mut after: Option<(u64, u64)>,
        follow: Follow<'_>,
    ) -> Result<IndexReport, IndexError> {
        let Follow {
            rebuild,
            merges,
            themes_only,
        } = follow;
        let fail = |e| self.tantivy_error(e);
        let started = std::time::Instant::now();
        // One indexing thread: the calling thread reads and decodes the works meanwhile, so
        // two cores are busy, and every thread's memory filling makes a segment of its own.
        let heap = if rebuild { REBUILD_HEAP } else { WRITER_HEAP };
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, heap).map_err(fail)?;
        let opened = started.elapsed();
        let mut read = std::time::Duration::ZERO;
        let mut report = IndexReport {
            rebuilt: rebuild,
            ..IndexReport::default()
        };
        if rebuild {
            writer.delete_all_documents().map_err(fail)?;
        }
        let left = merges == Merges::LeftToServer;
        // A rebuild merging at once (`essor reindex`) leaves nothing to merge.
        let unmerged = left || (!rebuild && left_unmerged(self, &store_id));
        if rebuild {
            // One merge of every segment at the end (`merge_into_one`), unless left to the
            // server: background merges of the policy's would race it once the rebuild commits
            // (at 1 M works the explicit merge then failed on segments a background merge had
            // just replaced).
            writer.set_merge_policy(Box::new(NoMergePolicy));
        } else if unmerged {
            writer.set_merge_policy(Box::new(small_segments_only()));
        }
        let mut since_commit = 0u64;
        loop {
            let range = FeedRange {
                set: "",
                from: 0,
                until: u64::MAX,
                after,
            };
            let reading = std::time::Instant::now();
            // The works whose themes alone changed are not read: their documents stay.
            let with_works = themes_only.is_none();
            let (page, more) = store.feed_page::<Work>(range, BATCH, with_works, |_| Vec::new())?;
            read += reading.elapsed();
            self.follow_themes(store, page.iter().map(|item| &item.entry))?;
            for item in &page {
                let entry = &item.entry;
                after = Some(entry.key());
                since_commit += 1;
                let read_alone;
                let work = match themes_only {
                    None => item.work.as_ref(),
                    Some(_) if entry.deleted => None,
                    Some(same) if same.contains(&entry.id) => continue,
                    Some(_) => {
                        read_alone = store.feed_work::<Work>(&entry.id, |_| Vec::new())?;
                        read_alone.as_ref().and_then(|item| item.work.as_ref())
                    }
                };
                match put_document(&writer, &self.fields, &entry.id, work, !rebuild)
                    .map_err(fail)?
                {
                    true => report.indexed += 1,
                    false => report.removed += 1,
                }
            }
            if !more || page.is_empty() {
                break;
            }
            if !rebuild && since_commit >= COMMIT_EVERY {
                self.commit_marked(&mut writer, &store_id, after, unmerged)?;
                since_commit = 0;
            }
        }
        let added = started.elapsed();
        // A new index gets a first commit even when the store is empty, to record the store.
        if since_commit > 0 || rebuild {
            self.commit_marked(&mut writer, &store_id, after, unmerged)?;
        }
        let committed = started.elapsed();
        // Committed already: a merge that fails (a full disk: it writes a second copy) leaves
        // a correct index in more segments.
        if rebuild
            && !left
            && let Err(error) = self.merge_into_one(&mut writer)
        {
            tracing::warn!(%error, "search index segments not merged: searches stay right, slower");
        }
        writer.wait_merging_threads().map_err(fail)?;
        tracing::debug!(
            writer_ms = opened.as_millis() as u64,
            read_ms = read.as_millis() as u64,
            added_ms = (added - opened - read).as_millis() as u64,
            index_commit_ms = (committed - added).as_millis() as u64,
            merged_ms = (started.elapsed() - committed).as_millis() as u64,
            "index followed the feed"
        );
        report.cursor = after;
        Ok(report)
    }

    /// Merges every segment into one. After a rebuild, what the indexing thread left (a segment
    /// each time its heap filled) becomes one segment: a search opens a scorer per segment and
    /// word, and the REST mix cost 25% less CPU over one segment than over fifteen (BENCHMARKS.md). 1 M works merge in ~14 s; later
    /// updates add small segments, which the merge policy merges among themselves.
    /// Merges into one the segments a build beside the works ([`Beside::finish`]) or a works
    /// rebuild ([`Index::update_leaving_merge`]) left, and clears their mark; does nothing when
    /// none left any. The server calls it in the
    /// background: until then the index answers the same, over several segments (at 1 M works
    /// ~10, merged in ~8 s of one core, which the build no longer waits for). Not stoppable:
    /// a server told to stop meanwhile waits for the merge. True when it merged.
    ///
    /// [`Beside::finish`]: super::Beside::finish
    pub fn merge_left_segments(&self) -> Result<bool, IndexError> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let Some(payload) = self.payload()?.filter(|payload| payload.unmerged) else {
            return Ok(false);
        };
        let fail = |e| self.tantivy_error(e);
        let started = std::time::Instant::now();
        let segments = self.index.searchable_segment_ids().map_err(fail)?.len();
        // Merging takes no indexing memory; tantivy wants 15 MB per thread all the same.
        let mut writer: IndexWriter<TantivyDocument> = self
            .index
            .writer_with_num_threads(1, WRITER_HEAP)
            .map_err(fail)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        self.merge_into_one(&mut writer)?;
        self.commit_marked(&mut writer, &payload.store, payload.cursor, false)?;
        writer.wait_merging_threads().map_err(fail)?;
        tracing::info!(
            segments,
            merged_ms = started.elapsed().as_millis() as u64,
            "search index segments left by the works build merged"
        );
        Ok(true)
    }

    pub(super) fn merge_into_one(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
    ) -> Result<(), IndexError> {
        let fail = |e| self.tantivy_error(e);
        let segments = self.index.searchable_segment_ids().map_err(fail)?;
        if segments.len() > 1 {
            writer.merge(&segments).wait().map_err(fail)?;
            self.reader.reload().map_err(fail)?;
        }
        Ok(())
    }

    /// Commits with `cursor` in the payload, and `unmerged` as the mark of segments left for
    /// [`Index::merge_left_segments`].
    pub(super) fn commit_marked(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
        store_id: &str,
        cursor: Option<(u64, u64)>,
        unmerged: bool,
    ) -> Result<(), IndexError> {
        let fail = |e| self.tantivy_error(e);
        let started = std::time::Instant::now();
        let mut prepared = writer.prepare_commit().map_err(fail)?;
        let prepared_in = started.elapsed();
        prepared.set_payload(&payload_text(store_id, cursor, unmerged));
        prepared.commit().map_err(fail)?;
        tracing::debug!(
            index_prepared_ms = prepared_in.as_millis() as u64,
            index_published_ms = (started.elapsed() - prepared_in).as_millis() as u64,
            "index committed"
        );
        // This process's searches see the update at once; others on their next reload.
        self.reader.reload().map_err(fail)?;
        Ok(())
    }
}

/// Segments of at most this many documents are merged among themselves by the updates of an
/// index whose larger segments are left to the server ([`small_segments_only`]).
const SMALL_SEGMENT: usize = 10_000;

/// The merge policy of an update while segments are left for the server to merge (the commit
/// marked `unmerged`): tantivy's, over the small segments only (an update's batches), so that
/// the segments a build left are not merged while the update waits, only to be merged again by
/// the server: 1,000 changes after a fresh 1 M store's build waited 12.4 s for it, a rebuild
/// after a thesaurus term 15 s (BENCHMARKS.md, issue 17).
pub(super) fn small_segments_only() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(SMALL_SEGMENT);
    policy
}

/// A commit's payload: the store followed, the feed key the index is up to date with, and
/// whether segments are left to merge.
pub(super) fn payload_text(store_id: &str, cursor: Option<(u64, u64)>, unmerged: bool) -> String {
    serde_json::to_string(&Payload {
        store: store_id.to_owned(),
        cursor,
        unmerged,
    })
    .unwrap_or_default()
}

/// The index's cursor in the feed of the store `store_id` names, from its last commit; `None`
/// before its first commit, or when it was built from another store.
pub(super) fn committed_cursor(index: &Index, store_id: &str) -> Option<(u64, u64)> {
    index
        .payload()
        .ok()
        .flatten()
        .filter(|payload| payload.store == store_id)
        .and_then(|payload| payload.cursor)
}

/// Whether the index's last commit, of the store `store_id` names, left segments to merge.
pub(super) fn left_unmerged(index: &Index, store_id: &str) -> bool {
    index
        .payload()
        .ok()
        .flatten()
        .is_some_and(|payload| payload.unmerged && payload.store == store_id)
}

/// A fingerprint of the store (from its random secret, which it does not reveal).
pub(super) fn store_fingerprint(store: &Store) -> Result<String, IndexError> {
    let secret = store.secret()?;
    let mut hasher = Sha256::new();
    hasher.update(b"essor search index\0");
    hasher.update(&secret);
    Ok(hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
