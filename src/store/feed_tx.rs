//! The feed index's writes inside a works transaction (`feed.rs` says what the index is and
//! keeps; its invariants hold at every commit of this writer): a work's entry moved to the end of
//! the list under each set it is filed in, set sizes kept, stale entries pruned in bulk.

use redb::{ReadableTable, ReadableTableMetadata};

use super::StoreError;
use super::feed::{filed_under, parse_stamp, split_sets};
use super::packed;
use super::tables::{
    FEED, FEED_BLOCKS, FEED_DEAD, FEED_ENTRIES, FEED_RECORDS, FEED_SETS, FEED_STALE,
    FEED_STALE_MOVES, ORIGINS, meta_key, read_by_id,
};

/// Stale entries are pruned once there are this many, and as many as current ones: pruning
/// rewrites most of the index, so it must come rarely and remove much.
const PRUNE_AT_LEAST: u64 = 50_000;

/// The entries one works transaction adds to the list of all works, once it commits: what
/// the search index follows, so that it can take a batch's works before the commit
/// (`index::Following`) and still know it misses none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedSpan {
    /// The last sequence given out before the transaction: the key of the list's last entry
    /// then (every sequence given out is an entry of a committed transaction).
    pub after_sequence: u64,
    /// The key (datestamp, sequence) of the transaction's last entry: the list's new end.
    pub last: (u64, u64),
}

/// The feed tables inside a works write transaction.
pub struct FeedTx<'t> {
    feed: redb::Table<'t, (&'static str, u64, u64), &'static str>,
    pub(super) entries: redb::Table<'t, &'static str, (u64, u64, bool, &'static str)>,
    sets: redb::Table<'t, &'static str, u64>,
    /// The moves whose entries are stale ([`FEED_STALE_MOVES`]), and older stores' stale
    /// entries ([`FEED_STALE`], only pruned).
    stale_moves: redb::Table<'t, u64, (u64, u64, &'static str)>,
    stale: redb::Table<'t, (u64, &'static str), (u64, u64)>,
    /// How many entries of `feed` those list ([`meta_key::FEED_STALE_ENTRIES`]).
    stale_entries: u64,
    /// Feed keys whose stored rows moved works left behind ([`FEED_DEAD`]).
    dead: redb::Table<'t, u64, (u64, u64)>,
    /// Whether a moved work's committed stored rows are left where they are, their key listed
    /// in `dead` ([`FeedTx::leave_moved_rows`]), instead of removed at [`FeedTx::close`].
    leave_moved_rows: bool,
    /// Whether the set entries a moved work leaves are removed at [`FeedTx::close`], in key
    /// order, instead of marked stale ([`FeedTx::remove_moved_entries`]).
    remove_moved_entries: bool,
    /// Those entries (set number, datestamp, sequence), when they are removed.
    left_in_sets: Vec<(u32, u64, u64)>,
    /// The sequences the works those entries are of had before they moved: what lies between
    /// two of a set's entries to remove ([`remove_runs`]).
    left_sequences: Vec<u64>,
    /// Each work's rows read by id (`feed_records.rs`, [`read_by_id`]).
    pub(super) rendered: redb::Table<'t, (&'static str, u64, u64), &'static [u8]>,
    /// Each work's records as the feed serves them, packed (`packed.rs`).
    pub(super) blocks: packed::Blocks<'t>,
    /// The metadata prefixes `rendered` and `blocks` have rows under: a work that moves leaves
    /// none behind.
    pub(super) rendered_prefixes: Vec<String>,
    /// Rows for `blocks` written by this transaction, appended in key order at
    /// [`FeedTx::close`] (each block written once, not once per row); a work that moves again
    /// in the same transaction takes its rows out.
    pub(super) appended: std::collections::BTreeMap<(String, u64, u64), Vec<u8>>,
    /// Read for the provenance of the works written.
    pub(super) origins:
        redb::Table<'t, (&'static str, &'static str), (&'static str, &'static str, &'static str)>,
    /// The sets this transaction filed or unfiled works in, by number (`set_numbers`): the
    /// entries and deltas below name each by its number, not by a copy of its name.
    set_names: Vec<String>,
    set_numbers: std::collections::HashMap<String, u32>,
    /// Changes to the sets' sizes, by set number, written once at [`FeedTx::close`] (a work
    /// moves in and out of a dozen sets).
    set_deltas: Vec<i64>,
    /// New `feed` entries (set number, datestamp, sequence, work number in `ids`), written in
    /// key order at [`FeedTx::close`]: a batch files a thousand works under a dozen sets each,
    /// and inserts in key order find their page at hand. Sorted once there: kept in a
    /// `BTreeMap` of names instead, they cost a sixth of a fresh build's writing thread.
    added: Vec<(u32, u64, u64, u32)>,
    ids: Vec<String>,
    /// Sequences of entries this transaction added and then moved again: not written.
    moved: std::collections::HashSet<u64>,
    /// The last sequence given out before this transaction: the entries after it are its own.
    first_sequence: u64,
    /// Committed rows a moved work leaves behind, removed in key order at [`FeedTx::close`]:
    /// its entry in the list of all works (`""`, datestamp, sequence) and its stored records
    /// (prefix, datestamp, sequence), unless those are left dead ([`FeedTx::leave_moved_rows`]). Removed as each work moved, they fell at random places
    /// of four large tables, and the branch pages above them, touched again and again between
    /// evictions from redb's small write buffer, were written many times over (a 1,000-change
    /// batch at 1 M records: see BENCHMARKS.md, issue 17).
    left: std::collections::BTreeSet<(String, u64, u64)>,
    sequence: u64,
    last_stamp: u64,
}

impl<'t> FeedTx<'t> {
    pub(super) fn open(
        tx: &'t redb::WriteTransaction,
        meta: &impl ReadableTable<&'static str, &'static str>,
    ) -> Result<FeedTx<'t>, StoreError> {
        let number = |name: &str| -> Result<u64, StoreError> {
            Ok(meta
                .get(name)?
                .and_then(|v| v.value().parse().ok())
                .unwrap_or(0))
        };
        let rendered = tx.open_table(FEED_RECORDS)?;
        let blocks = tx.open_table(FEED_BLOCKS)?;
        let mut rendered_prefixes = super::tables::prefixes(&rendered)?;
        for prefix in super::tables::prefixes(&blocks)? {
            if !rendered_prefixes.contains(&prefix) {
                rendered_prefixes.push(prefix);
            }
        }
        let sequence = number(meta_key::FEED_SEQUENCE)?;
        let stale_moves = tx.open_table(FEED_STALE_MOVES)?;
        let stale = tx.open_table(FEED_STALE)?;
        let counted = meta
            .get(meta_key::FEED_STALE_ENTRIES)?
            .and_then(|count| count.value().parse().ok());
        let stale_entries = match counted {
            Some(count) => count,
            None => count_stale(&stale_moves, &stale)?,
        };
        Ok(FeedTx {
            feed: tx.open_table(FEED)?,
            entries: tx.open_table(FEED_ENTRIES)?,
            sets: tx.open_table(FEED_SETS)?,
            stale_moves,
            stale,
            stale_entries,
            dead: tx.open_table(FEED_DEAD)?,
            leave_moved_rows: false,
            remove_moved_entries: false,
            left_in_sets: Vec::new(),
            left_sequences: Vec::new(),
            rendered_prefixes,
            rendered,
            blocks,
            appended: std::collections::BTreeMap::new(),
            origins: tx.open_table(ORIGINS)?,
            set_names: Vec::new(),
            set_numbers: std::collections::HashMap::new(),
            set_deltas: Vec::new(),
            added: Vec::new(),
            ids: Vec::new(),
            moved: std::collections::HashSet::new(),
            first_sequence: sequence,
            left: std::collections::BTreeSet::new(),
            sequence,
            last_stamp: number(meta_key::FEED_LAST_STAMP)?,
        })
    }

    /// From now on, a work this transaction moves leaves its committed stored rows where they
    /// are, dead: its old key is listed in [`FEED_DEAD`] (one appended row) and the rows are
    /// removed in bulk later (`Store::compact_feed_rows`). For the incremental update: a work
    /// moved from a random place of the feed rewrote ~4 random 16 KiB blocks (each format,
    /// plain and precompressed), half the pages a batch of 1,000 records changed at random
    /// wrote (BENCHMARKS.md, issue 17).
    pub(super) fn leave_moved_rows(&mut self) {
        self.leave_moved_rows = true;
    }

    /// From now on, the entries a work this transaction moves leaves in its sets are removed
    /// when it closes, in key order, instead of marked stale for a later prune. For a
    /// transaction that moves most of a run of works written one after the other (a rebuild
    /// after a thesaurus change): their old entries are neighbours in each set, so removing them
    /// rewrites each page once, where marking them wrote a stale row for each and left the
    /// feed table twice its size until a prune read them all again. Scattered moves (an
    /// incremental batch) stay marked: removed one by one they would rewrite a page each.
    pub(super) fn remove_moved_entries(&mut self) {
        self.remove_moved_entries = true;
    }

    /// The last sequence given out before this transaction.
    pub(super) fn first_sequence(&self) -> u64 {
        self.first_sequence
    }

    /// The entries this transaction has added so far; `None` while it has moved no work.
    pub(super) fn span(&self) -> Option<FeedSpan> {
        (self.sequence > self.first_sequence).then_some(FeedSpan {
            after_sequence: self.first_sequence,
            last: (self.last_stamp, self.sequence),
        })
    }

    /// Saves the counters this transaction advanced.
    pub(super) fn close(
        mut self,
        meta: &mut redb::Table<'_, &'static str, &'static str>,
    ) -> Result<(), StoreError> {
        self.remove_left()?;
        // Each set's rank among the names: entries sorted by (name, datestamp, sequence).
        let mut by_name: Vec<u32> = (0..self.set_names.len() as u32).collect();
        by_name
            .sort_unstable_by(|a, b| self.set_names[*a as usize].cmp(&self.set_names[*b as usize]));
        let mut rank = vec![0u32; by_name.len()];
        for (place, set) in by_name.iter().enumerate() {
            rank[*set as usize] = place as u32;
        }
        let mut left_in_sets = std::mem::take(&mut self.left_in_sets);
        left_in_sets
            .sort_unstable_by_key(|&(set, stamp, sequence)| (rank[set as usize], stamp, sequence));
        let mut moved_from = std::mem::take(&mut self.left_sequences);
        moved_from.sort_unstable();
        for of_set in left_in_sets.chunk_by(|a, b| a.0 == b.0) {
            let set = self.set_names[of_set[0].0 as usize].as_str();
            let keys: Vec<(u64, u64)> = of_set.iter().map(|&(_, s, q)| (s, q)).collect();
            remove_runs(&mut self.feed, set, &keys, &moved_from)?;
        }
        let mut added = std::mem::take(&mut self.added);
        added.sort_unstable_by_key(|&(set, stamp, sequence, _)| {
            (rank[set as usize], stamp, sequence)
        });
        for (set, stamp, sequence, work) in added {
            if self.moved.contains(&sequence) {
                continue;
            }
            let (set, id) = (&self.set_names[set as usize], &self.ids[work as usize]);
            self.feed
                .insert((set.as_str(), stamp, sequence), id.as_str())?;
        }
        let mut appended = std::mem::take(&mut self.appended).into_iter().peekable();
        while let Some(((prefix, stamp, sequence), row)) = appended.next() {
            let mut rows = vec![((stamp, sequence), row)];
            while let Some(((_, stamp, sequence), row)) =
                appended.next_if(|((next, _, _), _)| *next == prefix)
            {
                rows.push(((stamp, sequence), row));
            }
            packed::append(&mut self.blocks, &prefix, rows)?;
        }
        for set in by_name {
            let (set, delta) = (
                self.set_names[set as usize].as_str(),
                self.set_deltas[set as usize],
            );
            if delta == 0 {
                continue;
            }
            let current = self.sets.get(set)?.map_or(0, |v| v.value());
            match current.saturating_add_signed(delta) {
                0 => self.sets.remove(set)?,
                next => self.sets.insert(set, next)?,
            };
        }
        if self.stale_entries >= PRUNE_AT_LEAST && self.stale_entries * 2 >= self.feed.len()? {
            // Logged: a prune is one transaction's work for every entry left stale since the
            // last, seconds at 1 M works, in the batch that crosses the mark.
            let (started, entries) = (std::time::Instant::now(), self.stale_entries);
            self.prune()?;
            let pruned_ms = started.elapsed().as_millis() as u64;
            tracing::info!(entries, pruned_ms, "the feed's stale entries pruned");
        }
        meta.insert(
            meta_key::FEED_STALE_ENTRIES,
            self.stale_entries.to_string().as_str(),
        )?;
        meta.insert(meta_key::FEED_SEQUENCE, self.sequence.to_string().as_str())?;
        meta.insert(
            meta_key::FEED_LAST_STAMP,
            self.last_stamp.to_string().as_str(),
        )?;
        Ok(())
    }

    /// Moves a work to the end of the feed. `datestamp` is the work's (RFC 3339); `sets` its
    /// leaf sets, or `None` to keep those it had (a deleted work stays in its sets).
    pub fn index(
        &mut self,
        id: &str,
        datestamp: &str,
        deleted: bool,
        sets: Option<&[String]>,
    ) -> Result<(), StoreError> {
        let previous = self.entries.get(id)?.map(|v| {
            let (stamp, sequence, _, sets) = v.value();
            (stamp, sequence, sets.to_owned())
        });
        let old_sets: Vec<String> = previous
            .as_ref()
            .map(|(_, _, sets)| split_sets(sets))
            .unwrap_or_default();
        self.sequence += 1;
        if let Some((stamp, sequence, old_joined)) = &previous {
            // An entry added by this transaction is simply not written.
            let added_here = *sequence > self.first_sequence;
            if self.leave_moved_rows && !added_here {
                if !self.rendered_prefixes.is_empty() {
                    self.dead.insert(self.sequence, (*stamp, *sequence))?;
                }
            } else {
                for prefix in &self.rendered_prefixes {
                    let key = (prefix.clone(), *stamp, *sequence);
                    // A packed row this transaction appended is simply not written.
                    if read_by_id(prefix) || self.appended.remove(&key).is_none() {
                        self.left.insert(key);
                    }
                }
            }
            if added_here {
                self.moved.insert(*sequence);
            }
            let filed = filed_under(&old_sets);
            // Its entries under its sets (all but `""`) marked stale with one row.
            let marked = !added_here && !self.remove_moved_entries && filed.len() > 1;
            if marked {
                self.stale_moves
                    .insert(self.sequence, (*stamp, *sequence, old_joined.as_str()))?;
                self.stale_entries += filed.len() as u64 - 1;
            }
            for set in filed {
                // The list of all works stays exact (Identify's earliest datestamp, full
                // harvests and the search index read it): one removal per move.
                if added_here {
                    // Never written: nothing to remove or mark.
                } else if set.is_empty() {
                    self.left.insert((String::new(), *stamp, *sequence));
                } else if self.remove_moved_entries {
                    let number = self.set_number(set);
                    self.left_in_sets.push((number, *stamp, *sequence));
                    if self.left_sequences.last() != Some(sequence) {
                        self.left_sequences.push(*sequence);
                    }
                }
                self.bump(set, -1);
            }
        }
        let new_sets = sets.map_or(old_sets, <[String]>::to_vec);
        let stamp = parse_stamp(datestamp).unwrap_or(0).max(self.last_stamp);
        self.last_stamp = stamp;
        let work = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        for set in filed_under(&new_sets) {
            let number = self.set_number(set);
            self.added.push((number, stamp, self.sequence, work));
            self.set_deltas[number as usize] += 1;
        }
        let joined = new_sets.join("\n");
        self.entries
            .insert(id, (stamp, self.sequence, deleted, joined.as_str()))?;
        Ok(())
    }

    /// Removes the rows moved works left behind ([`FeedTx::left`]) in key order, which is table
    /// by table (the list of all works' entries are keyed `""`, the rows by their prefix):
    /// neighbours share their leaf and branch pages, each rewritten once. A work moved twice in
    /// this transaction leaves the rows of its first move too (a CSV row was written at once;
    /// its entry and packed rows never reached the tables).
    fn remove_left(&mut self) -> Result<(), StoreError> {
        let mut left = std::mem::take(&mut self.left).into_iter().peekable();
        while let Some((prefix, stamp, sequence)) = left.next() {
            if prefix.is_empty() {
                // Every work is in the list of all works: the moved ones are all its keys
                // here, and runs of them neighbours.
                let mut keys = vec![(stamp, sequence)];
                while let Some((_, stamp, sequence)) = left.next_if(|(next, _, _)| next.is_empty())
                {
                    keys.push((stamp, sequence));
                }
                let mut moved: Vec<u64> = keys.iter().map(|&(_, sequence)| sequence).collect();
                moved.sort_unstable();
                remove_runs(&mut self.feed, "", &keys, &moved)?;
            } else if read_by_id(&prefix) {
                self.rendered.remove((prefix.as_str(), stamp, sequence))?;
            } else {
                // A packed prefix's rows at once: each block rewritten once, not once per row
                // it loses (a rebuild that moves every work empties whole blocks).
                let mut keys = vec![(stamp, sequence)];
                while let Some((_, stamp, sequence)) = left.next_if(|(next, _, _)| *next == prefix)
                {
                    keys.push((stamp, sequence));
                }
                packed::remove_many(&mut self.blocks, &prefix, &keys)?;
            }
        }
        Ok(())
    }

    /// Removes every stale entry from the index, in key order (neighbours share pages).
    pub(super) fn prune(&mut self) -> Result<(), StoreError> {
        let mut keys: Vec<(String, u64, u64)> = Vec::with_capacity(self.stale_entries as usize);
        each_stale(&self.stale_moves, &self.stale, |set, stamp, sequence| {
            keys.push((set.to_owned(), stamp, sequence));
        })?;
        keys.sort_unstable();
        for (set, stamp, sequence) in &keys {
            self.feed.remove((set.as_str(), *stamp, *sequence))?;
        }
        self.stale_moves.retain(|_, _| false)?;
        self.stale.retain(|_, _| false)?;
        self.stale_entries = 0;
        Ok(())
    }

    fn bump(&mut self, set: &str, delta: i64) {
        let number = self.set_number(set);
        self.set_deltas[number as usize] += delta;
    }

    /// `set`'s number in this transaction (given at its first mention).
    fn set_number(&mut self, set: &str) -> u32 {
        if let Some(number) = self.set_numbers.get(set) {
            return *number;
        }
        let number = self.set_names.len() as u32;
        self.set_names.push(set.to_owned());
        self.set_numbers.insert(set.to_owned(), number);
        self.set_deltas.push(0);
        number
    }
}

/// Calls `each` with every stale entry (set, datestamp, sequence) the two tables list: each
/// move's entries under its sets and their ancestors but `""`, and older stores' rows.
pub(super) fn each_stale(
    moves: &impl ReadableTable<u64, (u64, u64, &'static str)>,
    legacy: &impl ReadableTable<(u64, &'static str), (u64, u64)>,
    mut each: impl FnMut(&str, u64, u64),
) -> Result<(), StoreError> {
    for item in moves.iter()? {
        let (_, value) = item?;
        let (stamp, sequence, sets) = value.value();
        for set in filed_under(&split_sets(sets)) {
            if !set.is_empty() {
                each(set, stamp, sequence);
            }
        }
    }
    for item in legacy.iter()? {
        let (key, value) = item?;
        let (_, set) = key.value();
        let (stamp, sequence) = value.value();
        each(set, stamp, sequence);
    }
    Ok(())
}

/// How many stale entries the two tables list, for a store that has not counted them.
fn count_stale(
    moves: &impl ReadableTable<u64, (u64, u64, &'static str)>,
    legacy: &impl ReadableTable<(u64, &'static str), (u64, u64)>,
) -> Result<u64, StoreError> {
    let mut count = 0;
    each_stale(moves, legacy, |_, _, _| count += 1)?;
    Ok(count)
}

/// Entries of the works that did not move a run of a set's removals may pass over
/// ([`remove_runs`]).
const KEPT_IN_A_RUN: u64 = 4;

/// Removes `keys` ((datestamp, sequence), sorted) from `set`'s entries, those that are
/// neighbours in the table a run at a time: one pass of the table's cursor over the run
/// (`retain_in`), each leaf rewritten once, where a removal each descended the tree from its
/// root (half a rebuild's writing thread after a new theme went to the set entries of the works
/// it moved: BENCHMARKS.md, issue 17). `moved_from` (sorted) are the sequences the moved works
/// had: a set's entries are in sequence order (datestamps never go back), so between two of its
/// keys lie at most the sequences between them that no moved work had, and a run is cut where
/// more than [`KEPT_IN_A_RUN`] such may lie. Only the listed keys are removed, whatever lies
/// between them.
fn remove_runs(
    feed: &mut redb::Table<'_, (&'static str, u64, u64), &'static str>,
    set: &str,
    keys: &[(u64, u64)],
    moved_from: &[u64],
) -> Result<(), StoreError> {
    let moved_below = |sequence: u64| moved_from.partition_point(|&s| s < sequence) as u64;
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() {
            let (a, b) = (keys[end - 1].1, keys[end].1);
            let between = b.saturating_sub(a).saturating_sub(1);
            let moved = moved_below(b).saturating_sub(moved_below(a.saturating_add(1)));
            if b <= a || between.saturating_sub(moved) > KEPT_IN_A_RUN {
                break;
            }
            end += 1;
        }
        let run = &keys[start..end];
        if let [(stamp, sequence)] = run {
            feed.remove((set, *stamp, *sequence))?;
        } else {
            let (first, last) = (run[0], run[run.len() - 1]);
            let mut next = run.iter().peekable();
            feed.retain_in(
                (set, first.0, first.1)..=(set, last.0, last.1),
                |(_, stamp, sequence), _| {
                    while next.next_if(|&&key| key < (stamp, sequence)).is_some() {}
                    next.next_if(|&&key| key == (stamp, sequence)).is_none()
                },
            )?;
        }
        start = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{FEED, remove_runs};
    use redb::ReadableTable;

    /// A set's entries removed run by run are exactly those listed, whatever lies between
    /// them: entries of works that did not move, of other sets, runs cut and not.
    #[test]
    fn removing_a_sets_entries_in_runs_removes_exactly_those_listed() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("feed.redb")).unwrap();
        // Sequences 1..=400 in "a", every third in "b"; datestamps never go back.
        let entries: Vec<(&str, u64, u64)> = (1..=400u64)
            .flat_map(|q| {
                let stamp = 1_000 + q / 7;
                let b = (q % 3 == 0).then_some(("b", stamp, q));
                std::iter::once(("a", stamp, q)).chain(b)
            })
            .collect();
        // Moved: 10..=120 (a dense run), 200..=260 but every fifth, 300 and 390 (alone).
        let moved: Vec<u64> = (10..=120)
            .chain((200..=260).filter(|q| q % 5 != 0))
            .chain([300, 390])
            .collect();
        for set in ["a", "b"] {
            let tx = db.begin_write().unwrap();
            {
                let mut feed = tx.open_table(FEED).unwrap();
                for &(s, stamp, q) in &entries {
                    feed.insert((s, stamp, q), "w").unwrap();
                }
                let keys: Vec<(u64, u64)> = entries
                    .iter()
                    .filter(|(s, _, q)| *s == set && moved.contains(q))
                    .map(|&(_, stamp, q)| (stamp, q))
                    .collect();
                remove_runs(&mut feed, set, &keys, &moved).unwrap();
                let left: Vec<(String, u64, u64)> = feed
                    .iter()
                    .unwrap()
                    .map(|entry| {
                        let (key, _) = entry.unwrap();
                        let (s, stamp, q) = key.value();
                        (s.to_owned(), stamp, q)
                    })
                    .collect();
                let mut expected: Vec<(String, u64, u64)> = entries
                    .iter()
                    .filter(|(s, _, q)| *s != set || !moved.contains(q))
                    .map(|&(s, stamp, q)| (s.to_owned(), stamp, q))
                    .collect();
                expected.sort();
                assert_eq!(left, expected, "set {set}");
            }
            tx.abort().unwrap();
        }
    }
}
