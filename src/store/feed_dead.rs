//! Stored feed rows left dead by the works an incremental update moved ([`FEED_DEAD`]), removed
//! in bulk. A work moved by a change leaves its rows at its old feed key under every prefix
//! (each format's record, plain and precompressed, and its export rows): removing them at once
//! rewrote ~4 random 16 KiB blocks per work, half of what a batch of 1,000 records changed at
//! random wrote at 1 M works, on the way to searchable works. Left there, they cost nothing to
//! readers (every reader reads a work's rows at its current key: a page of the list of all
//! works skips the rows its entries do not name, a set's page and an export look each row up),
//! and [`Store::compact_feed_rows`] removes them later, in key order, each block rewritten once
//! per slice: the server in the background (as it derives the gzip rows), an update only once
//! there are many ([`Store::compact_feed_rows_if_many`]), so that a store never served does not
//! grow without bound.

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::packed::{self, RowKey};
use super::tables::{FEED_BLOCKS, FEED_DEAD, FEED_RECORDS, WORK_COUNTS};
use super::{Store, StoreError};

/// Dead keys compacted per write transaction: the rows of ~2,000 works under each prefix, a
/// fraction of a second of the single writer, which a works batch may wait for.
const COMPACT_SLICE: usize = 2_000;

/// An update compacts once this many keys are dead, and a tenth as many as live works: the
/// server compacts in the background long before, so this only bounds a store never served
/// (a dead key holds ~5 KB of rows).
const COMPACT_AT_LEAST: u64 = 50_000;

impl Store {
    /// How many feed keys have dead rows waiting to be compacted.
    pub fn dead_feed_keys(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(FEED_DEAD)?.len()?)
    }

    /// [`Store::compact_feed_rows`] once at least [`COMPACT_AT_LEAST`] keys are dead and a
    /// tenth as many as live works; returns the keys compacted.
    pub fn compact_feed_rows_if_many(&self) -> Result<u64, StoreError> {
        let (dead, live) = {
            let tx = self.db.begin_read()?;
            let counts = tx.open_table(WORK_COUNTS)?;
            let live = counts.get("live")?.map_or(0, |v| v.value());
            (tx.open_table(FEED_DEAD)?.len()?, live)
        };
        if dead < COMPACT_AT_LEAST || dead.saturating_mul(10) < live {
            return Ok(0);
        }
        self.compact_feed_rows(|| false)
    }

    /// Removes the stored rows of every dead feed key under every prefix, and the keys: in key
    /// order, [`COMPACT_SLICE`] keys a transaction, each block holding some of them rewritten
    /// once. Keys made dead meanwhile wait for the next compaction. Checks `stopped` before
    /// each slice (a stopped compaction leaves the rest listed); returns the keys compacted.
    /// The slices' commits are not synced but the last: one lost to a crash is done again.
    pub fn compact_feed_rows(&self, stopped: impl Fn() -> bool) -> Result<u64, StoreError> {
        let mut dead: Vec<(RowKey, u64)> = {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(FEED_DEAD)?;
            let mut dead = Vec::with_capacity(table.len()? as usize);
            for row in table.iter()? {
                let (moved, key) = row?;
                dead.push((key.value(), moved.value()));
            }
            dead
        };
        if dead.is_empty() {
            return Ok(0);
        }
        dead.sort_unstable();
        let slices = dead.len().div_ceil(COMPACT_SLICE);
        let mut compacted = 0;
        for (number, slice) in dead.chunks(COMPACT_SLICE).enumerate() {
            let last = number + 1 == slices;
            if stopped() {
                if compacted > 0 {
                    // An empty durable commit makes the ones before it durable too.
                    self.db.begin_write()?.commit()?;
                }
                return Ok(compacted);
            }
            let mut tx = self.db.begin_write()?;
            if !last {
                tx.set_durability(redb::Durability::None)?;
            }
            {
                let mut keys: Vec<RowKey> = slice.iter().map(|(key, _)| *key).collect();
                keys.dedup();
                let mut blocks = tx.open_table(FEED_BLOCKS)?;
                for prefix in super::tables::prefixes(&blocks)? {
                    packed::remove_many(&mut blocks, &prefix, &keys)?;
                }
                let mut rendered = tx.open_table(FEED_RECORDS)?;
                for prefix in super::tables::prefixes(&rendered)? {
                    for key in &keys {
                        rendered.remove((prefix.as_str(), key.0, key.1))?;
                    }
                }
                let mut table = tx.open_table(FEED_DEAD)?;
                for (_, moved) in slice {
                    table.remove(moved)?;
                }
            }
            tx.commit()?;
            compacted += slice.len() as u64;
        }
        Ok(compacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::derive_upper as derive;
    use crate::store::{CheckedWork, FeedRange};

    /// A work as the check sees it: live, no members.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Live {
        id: String,
    }

    impl CheckedWork for Live {
        fn is_live(&self) -> bool {
            true
        }
        fn member_keys(&self) -> Vec<(&str, &str)> {
            Vec::new()
        }
        fn merged_into(&self) -> Option<&str> {
            None
        }
    }

    /// Writes each work of `moves` (id, its record's text), live, in one transaction, its
    /// `oai_dc` record and its `export:csv` row with it; `leave`: as an update does.
    fn write(store: &Store, leave: bool, day: u32, moves: &[(&str, &str)]) {
        store
            .update_works(|tx| {
                if leave {
                    tx.leave_moved_feed_rows();
                }
                for (id, text) in moves {
                    let was = tx.feed_entry(id)?.map(|_| true);
                    let stamp = format!("2026-01-{day:02}T00:00:00Z");
                    let sets = vec!["type:a".to_owned()];
                    tx.put_work(
                        id,
                        &Live { id: (*id).into() },
                        was,
                        true,
                        &stamp,
                        Some(&sets),
                    )?;
                    let records = vec![
                        ("oai_dc", text.as_bytes().to_vec()),
                        ("export:csv", format!("csv {text}").into_bytes()),
                    ];
                    tx.put_feed_records(id, records)?;
                }
                Ok(())
            })
            .unwrap();
    }

    /// What pages read: each work of the list of all works (and, the same, of set `type`) with
    /// its `oai_dc:gzip` row, else its `oai_dc` one.
    fn pages(store: &Store) -> Vec<String> {
        let read = |set: &str| {
            let range = FeedRange {
                set,
                from: 0,
                until: u64::MAX,
                after: None,
            };
            let prefixes = ["oai_dc:gzip", "oai_dc"];
            let mut read = Vec::new();
            store
                .visit_feed_records_page::<Live>(
                    range,
                    10,
                    &prefixes,
                    |_| Vec::new(),
                    |item, row| {
                        let row = row.map(|(which, row)| {
                            format!("{}={}", prefixes[which], String::from_utf8_lossy(row))
                        });
                        read.push(format!("{}:{}", item.entry.id, row.unwrap_or_default()));
                        Ok(())
                    },
                )
                .unwrap();
            read
        };
        let all = read("");
        let mut in_set = read("type");
        in_set.sort_by_key(|line| all.iter().position(|other| other == line));
        assert_eq!(all, in_set);
        all
    }

    /// Rows stored under each prefix, dead ones included.
    fn stored_rows(store: &Store) -> Vec<(String, usize)> {
        let tx = store.db.begin_read().unwrap();
        let blocks = tx.open_table(FEED_BLOCKS).unwrap();
        let mut counts = Vec::new();
        for prefix in super::super::tables::prefixes(&blocks).unwrap() {
            let mut rows = 0;
            packed::for_each_row(&blocks, &prefix, (0, 0), (u64::MAX, u64::MAX), |_, _| {
                rows += 1;
                true
            })
            .unwrap();
            counts.push((prefix, rows));
        }
        let rendered = tx.open_table(FEED_RECORDS).unwrap();
        counts.push(("export:csv".to_owned(), rendered.len().unwrap() as usize));
        counts
    }

    fn csv(store: &Store, ids: &[&str]) -> Vec<Option<String>> {
        let rows = store.rendered_rows(ids, "export:csv").unwrap();
        rows.into_iter()
            .map(|row| row.map(|row| String::from_utf8(row).unwrap()))
            .collect()
    }

    fn sound(store: &Store) {
        let report = store.check_rows::<Live, serde_json::Value>().unwrap();
        assert!(report.is_sound(), "{:#?}", report.problems);
    }

    /// Issue 17: the rows a work moved by an update leaves behind stay, dead, until compacted:
    /// pages, set pages and exports never read them, the check knows them, and the compaction
    /// removes them under every prefix (derived ones too) and nothing else.
    #[test]
    fn rows_moved_works_leave_dead_are_never_read_and_go_at_the_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        write(
            &store,
            false,
            1,
            &[("w1", "a1"), ("w2", "b1"), ("w3", "c1")],
        );
        assert_eq!(derive(&store), 3);
        let before = [
            "w1:oai_dc:gzip=A1",
            "w2:oai_dc:gzip=B1",
            "w3:oai_dc:gzip=C1",
        ];
        assert_eq!(pages(&store), before);

        // w1 moves; w2 moves twice in one transaction (its first new rows never written).
        write(&store, true, 2, &[("w1", "a2"), ("w2", "b2"), ("w2", "b3")]);
        assert_eq!(store.dead_feed_keys().unwrap(), 2);
        let after = ["w3:oai_dc:gzip=C1", "w1:oai_dc=a2", "w2:oai_dc=b3"];
        assert_eq!(pages(&store), after);
        assert_eq!(
            csv(&store, &["w1", "w2", "w3"]),
            [
                Some("csv a2".into()),
                Some("csv b3".into()),
                Some("csv c1".into())
            ]
        );
        let all_rows = |plain, derived, csv| {
            vec![
                ("oai_dc".to_owned(), plain),
                ("oai_dc:gzip".to_owned(), derived),
                ("export:csv".to_owned(), csv),
            ]
        };
        assert_eq!(stored_rows(&store), all_rows(5, 3, 5), "the dead ones stay");
        sound(&store);
        // Derived from the new rows only.
        assert_eq!(derive(&store), 2);
        let derived = [
            "w3:oai_dc:gzip=C1",
            "w1:oai_dc:gzip=A2",
            "w2:oai_dc:gzip=B3",
        ];
        assert_eq!(pages(&store), derived);

        // A stopped compaction removes nothing; a compaction every dead row, once.
        assert_eq!(store.compact_feed_rows(|| true).unwrap(), 0);
        assert_eq!(
            store.compact_feed_rows_if_many().unwrap(),
            0,
            "only when many"
        );
        assert_eq!(store.compact_feed_rows(|| false).unwrap(), 2);
        assert_eq!(store.compact_feed_rows(|| false).unwrap(), 0);
        assert_eq!(store.dead_feed_keys().unwrap(), 0);
        assert_eq!(stored_rows(&store), all_rows(3, 3, 3));
        assert_eq!(pages(&store), derived);
        assert_eq!(
            csv(&store, &["w1", "w2", "w3"]),
            [
                Some("csv a2".into()),
                Some("csv b3".into()),
                Some("csv c1".into())
            ]
        );
        sound(&store);
    }

    /// The check tells a dead key that is a current one (its compaction would remove a live
    /// work's rows) and a row at no live work's current key that is not listed dead.
    #[test]
    fn the_check_finds_a_current_key_listed_dead_and_a_row_neither_current_nor_dead() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        write(&store, false, 1, &[("w1", "a1"), ("w2", "b1")]);
        sound(&store);
        let w1 = store
            .update_works(|tx| Ok(tx.feed_entry("w1")?.map(|entry| entry.key())))
            .unwrap()
            .unwrap();
        let tx = store.db.begin_write().unwrap();
        {
            tx.open_table(FEED_DEAD).unwrap().insert(99, w1).unwrap();
            let mut blocks = tx.open_table(FEED_BLOCKS).unwrap();
            packed::insert(&mut blocks, "oai_dc", (1, 1), b"stray").unwrap();
        }
        tx.commit().unwrap();
        let report = store.check_rows::<Live, serde_json::Value>().unwrap();
        let found: Vec<(&str, &str)> = report
            .problems
            .iter()
            .map(|p| (p.table, p.key.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("feed_dead", "99"),
                ("feed_rendered_blocks", "(\"oai_dc\", 1, 1)")
            ]
        );
    }
}
