//! Store invariants: idempotent upserts, counts, rejects and checkpoints move together.

use redb::{ReadableTableMetadata, TableHandle};

use super::*;
use crate::map::{LangText, Record};
use crate::oai::{HarvestedRecord, PageItem, RejectedRecord};

fn commit(
    store: &Store,
    source: &str,
    items: &[PageItem],
    checkpoint: &mut Checkpoint,
    durable: bool,
) -> RunCounters {
    store
        .commit_page(source, &prepare_items(items).unwrap(), checkpoint, durable)
        .unwrap()
}

fn record(identifier: &str, datestamp: &str, title: &str) -> PageItem {
    PageItem::Record(HarvestedRecord {
        identifier: identifier.to_owned(),
        datestamp: datestamp.to_owned(),
        deleted: false,
        sets: vec!["type:THESE".into()],
        format: Some("oai_dc"),
        raw: Some(format!("<dc><title>{title}</title></dc>")),
        record: Some(Record {
            titles: vec![LangText {
                value: title.to_owned(),
                lang: None,
            }],
            ..Record::default()
        }),
    })
}

fn deletion(identifier: &str, datestamp: &str) -> PageItem {
    PageItem::Record(HarvestedRecord {
        identifier: identifier.to_owned(),
        datestamp: datestamp.to_owned(),
        deleted: true,
        sets: vec![],
        format: None,
        raw: None,
        record: None,
    })
}

fn reject(identifier: &str) -> PageItem {
    PageItem::Reject(RejectedRecord {
        identifier: Some(identifier.to_owned()),
        datestamp: None,
        reason: "no title".into(),
        raw: "<record/>".into(),
    })
}

fn active_checkpoint(token: &str) -> Checkpoint {
    Checkpoint {
        watermark: None,
        active: Some(ActiveHarvest {
            token: Some(token.to_owned()),
            ..ActiveHarvest::default()
        }),
    }
}

#[test]
fn pages_upsert_count_and_checkpoint_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut checkpoint = active_checkpoint("t1");
    let first = commit(
        &store,
        "hal",
        &[
            record("a", "2026-01-01", "A"),
            record("b", "2026-01-01", "B"),
            reject("c"),
        ],
        &mut checkpoint,
        false,
    );
    assert_eq!((first.new, first.rejected), (2, 1));
    assert_eq!(
        store
            .checkpoint("hal")
            .unwrap()
            .active
            .unwrap()
            .token
            .as_deref(),
        Some("t1")
    );

    // Same content again: nothing rewritten. Changed, deleted, and a reject that now maps.
    let mut checkpoint = active_checkpoint("t2");
    let second = commit(
        &store,
        "hal",
        &[
            record("a", "2026-01-01", "A"),
            record("b", "2026-02-01", "B2"),
            deletion("a", "2026-03-01"),
            record("c", "2026-01-01", "C"),
        ],
        &mut checkpoint,
        true,
    );
    assert_eq!(
        (second.unchanged, second.updated, second.deleted, second.new),
        (1, 1, 1, 1)
    );
    let counters = store.checkpoint("hal").unwrap().active.unwrap().counters;
    assert_eq!(counters.pages, 1);

    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.records, stats.deleted_records, stats.rejected_records),
        (2, 1, 0)
    );
    let mut listed = Vec::new();
    store
        .for_each_record(Some("hal"), |r| {
            listed.push((r.identifier, r.deleted, r.raw));
            Ok(())
        })
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0], ("a".into(), true, None));
    assert_eq!(listed[1].2.as_deref(), Some("<dc><title>B2</title></dc>"));
}

#[test]
fn sources_are_listed_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut checkpoint = Checkpoint::default();
    commit(
        &store,
        "a",
        &[record("x", "2026-01-01", "X")],
        &mut checkpoint,
        false,
    );
    commit(
        &store,
        "ab",
        &[record("x", "2026-01-01", "X")],
        &mut checkpoint,
        false,
    );
    let mut count = 0;
    store
        .for_each_record(Some("a"), |_| {
            count += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(store.stats().unwrap().sources, 2);
}

/// Issue 17: the works stage reads a record's mapped values without its raw XML, the same
/// through the store, a read-only view and a write transaction; a missing record is `None`.
#[test]
fn a_record_read_without_its_raw_xml_has_every_other_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut checkpoint = Checkpoint::default();
    commit(
        &store,
        "hal",
        &[
            record("a", "2026-01-01", "Économie sociale"),
            deletion("d", "2026-01-02"),
        ],
        &mut checkpoint,
        false,
    );
    for identifier in ["a", "d"] {
        let key = RecordKeyRef::new("hal", identifier);
        let whole = store.record(key).unwrap().expect("stored");
        assert_eq!(whole.raw.is_some(), identifier == "a");
        let expected = StoredRecord { raw: None, ..whole };
        let mapped = store
            .records_mapped(&[RecordKey::from(key)], |_, record| record)
            .unwrap();
        assert_eq!(mapped, vec![Some(expected.clone())]);
        let viewed = store.dedup_view().unwrap().record_mapped(key).unwrap();
        assert_eq!(viewed.as_ref(), Some(&expected));
        let in_tx = store.update_works(|tx| tx.record_mapped(key)).unwrap();
        assert_eq!(in_tx.as_ref(), Some(&expected));
    }
    let missing = RecordKeyRef::new("hal", "none");
    assert!(
        store
            .dedup_view()
            .unwrap()
            .record_mapped(missing)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .update_works(|tx| tx.record_mapped(missing))
            .unwrap()
            .is_none()
    );
}

#[test]
fn schema_version_mismatch_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let tx = store.db.begin_write().unwrap();
        tx.open_table(tables::META)
            .unwrap()
            .insert("schema_version", "999")
            .unwrap();
        tx.commit().unwrap();
    }
    let error = Store::open(dir.path()).err().unwrap().to_string();
    assert!(error.contains("schema version 999"), "{error}");
}

#[test]
fn an_open_writes_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let tx = store.db.begin_read().unwrap();
        assert!(
            tables::all_exist(&tx).unwrap(),
            "a new store has every table"
        );
        drop(tx);
        // A table an older essor did not have, and a table an older one left behind.
        let tx = store.db.begin_write().unwrap();
        tx.delete_table(tables::FEED_DEAD).unwrap();
        tx.open_table(redb::TableDefinition::<(&str, &str), (u64, &[u8])>::new(
            "feed_records",
        ))
        .unwrap();
        tx.commit().unwrap();
        let tx = store.db.begin_read().unwrap();
        assert!(!tables::all_exist(&tx).unwrap());
    }
    let store = Store::open(dir.path()).unwrap();
    let tx = store.db.begin_read().unwrap();
    assert!(tables::all_exist(&tx).unwrap(), "the open made them right");
    assert!(
        !tx.list_tables()
            .unwrap()
            .any(|t| t.name() == "feed_records")
    );
    tx.open_table(tables::FEED_DEAD).unwrap();
}

/// A durable harvest commit makes the unsynced ones before it durable: a server's run, its
/// end synced, leaves [`Store::sync_unsynced`] nothing to commit after it.
#[test]
fn a_durable_harvest_commit_leaves_nothing_unsynced_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut checkpoint = active_checkpoint("t1");
    let page = |id: &str, durable: bool, checkpoint: &mut Checkpoint| {
        commit(
            &store,
            "hal",
            &[record(id, "2026-01-01", id)],
            checkpoint,
            durable,
        )
    };
    page("a", false, &mut checkpoint);
    page("b", true, &mut checkpoint);
    assert!(!store.sync_unsynced().unwrap(), "a durable page after it");
    page("c", false, &mut checkpoint);
    let run = completed("hal");
    store.save_run(&run, &checkpoint).unwrap();
    assert!(
        !store.sync_unsynced().unwrap(),
        "a durable run's end after it"
    );
    page("d", true, &mut checkpoint);
    page("e", false, &mut checkpoint);
    assert!(store.sync_unsynced().unwrap(), "an unsynced page last");
}

/// A harvest's commits left unsynced are synced once by [`Store::sync_unsynced`], and only
/// those: a durable page or a store just opened leaves nothing to sync.
#[test]
fn sync_unsynced_syncs_once_after_a_harvest_commit_left_unsynced() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(!store.sync_unsynced().unwrap(), "nothing committed yet");
    let mut checkpoint = active_checkpoint("t1");
    commit(
        &store,
        "hal",
        &[record("a", "2026-01-01", "A")],
        &mut checkpoint,
        true,
    );
    assert!(
        !store.sync_unsynced().unwrap(),
        "a durable page leaves nothing"
    );
    commit(
        &store,
        "hal",
        &[record("b", "2026-01-01", "B")],
        &mut checkpoint,
        false,
    );
    assert!(store.sync_unsynced().unwrap(), "an unsynced page is synced");
    assert!(!store.sync_unsynced().unwrap(), "and only once");
    let run = completed("hal");
    store.save_run(&run, &checkpoint).unwrap();
    assert!(
        !store.sync_unsynced().unwrap(),
        "a durable run's end leaves nothing"
    );
    store.save_run_unsynced(&run, &checkpoint).unwrap();
    assert!(
        store.sync_unsynced().unwrap(),
        "an unsynced run's end is synced"
    );
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert!(
        !store.sync_unsynced().unwrap(),
        "a store opened has nothing of its own"
    );
    assert_eq!(
        store.run(1).unwrap().map(|r| r.status),
        Some(RunStatus::Complete)
    );
}

/// A run of `source` just started, before the store gives it an id.
/// Run 1 of `source`, ended complete.
fn completed(source: &str) -> RunRecord {
    let mut run = running(source);
    run.run_id = 1;
    run.status = RunStatus::Complete;
    run
}

fn running(source: &str) -> RunRecord {
    RunRecord {
        source: source.into(),
        run_id: 0,
        started_at: now_rfc3339(),
        finished_at: None,
        status: RunStatus::Running,
        error: None,
        from: None,
        until: None,
        full: false,
        resumed: 0,
        counters: RunCounters::default(),
    }
}

#[test]
fn runs_get_increasing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let active = ActiveHarvest::default();
    let mut run = running("hal");
    let mut checkpoint = Checkpoint {
        watermark: None,
        active: Some(active),
    };
    store.begin_run(&mut run, &mut checkpoint).unwrap();
    assert_eq!(run.run_id, 1);
    assert_eq!(checkpoint.active.as_ref().unwrap().run_id, 1);
    store.append_run(&mut run.clone()).unwrap();
    assert_eq!(store.runs(Some("hal")).unwrap().len(), 2);
}

/// Work numbers reserved for a slice of works made before its transaction are those the
/// transaction would have given out one by one; a reservation from a stale number fails.
#[test]
fn reserved_work_ids_are_the_ones_given_out_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = store.update_works(|tx| tx.new_work_id()).unwrap();
    assert_eq!(first, work_id(1));
    let after = store.work_sequence().unwrap();
    assert_eq!(after, 1);
    store
        .update_works(|tx| tx.reserve_work_ids(after, 3))
        .unwrap();
    assert_eq!(store.work_sequence().unwrap(), 4);
    assert_eq!(
        store.update_works(|tx| tx.new_work_id()).unwrap(),
        "w00000005"
    );
    let stale = store.update_works(|tx| tx.reserve_work_ids(after, 3));
    assert!(stale.is_err(), "numbers 2 to 4 were given out already");
    assert_eq!(store.work_sequence().unwrap(), 5);
    // A work encoded apart is stored as `put_work` stores it.
    let work = serde_json::json!({ "id": "w00000002", "deleted": false });
    store
        .update_works(|tx| {
            tx.put_encoded_work(
                "w00000002",
                &EncodedWork::of(&work),
                None,
                true,
                "2024-01-01T00:00:00Z",
                Some(&[]),
            )
        })
        .unwrap();
    assert_eq!(
        store.work::<serde_json::Value>("w00000002").unwrap(),
        Some(work)
    );
}

/// Writes `id` into the feed at `datestamp` under `sets` (a work is any JSON here).
fn move_in_feed(store: &Store, id: &str, datestamp: &str, sets: &[&str], was: Option<bool>) {
    write_live(store, id, datestamp, sets, was, None);
}

/// Writes work `id` (live, in `sets`) with `row` as its stored `oai_dc` record.
fn move_with_record(store: &Store, id: &str, datestamp: &str, sets: &[&str], row: &str) {
    write_live(store, id, datestamp, sets, Some(true), Some(row));
}

fn write_live(
    store: &Store,
    id: &str,
    datestamp: &str,
    sets: &[&str],
    was: Option<bool>,
    row: Option<&str>,
) {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    store
        .update_works(|tx| {
            tx.put_work(
                id,
                &serde_json::json!({ "id": id }),
                was,
                true,
                datestamp,
                Some(&sets),
            )?;
            match row {
                Some(row) => tx.put_feed_records(id, vec![("oai_dc", row.as_bytes().to_vec())]),
                None => Ok(()),
            }
        })
        .unwrap();
}

fn feed_ids(store: &Store, set: &str, from: u64, limit: usize) -> (Vec<String>, bool) {
    let range = FeedRange {
        set,
        from,
        until: u64::MAX,
        after: None,
    };
    let (page, more) = store
        .feed_page::<serde_json::Value>(range, limit, false, |_| Vec::new())
        .unwrap();
    (page.into_iter().map(|item| item.entry.id).collect(), more)
}

/// Writes live work `id` under one leaf `set` inside a transaction.
fn put_in_set(
    tx: &mut WorksTx<'_>,
    id: &str,
    stamp: &str,
    set: &str,
    was: Option<bool>,
) -> Result<(), StoreError> {
    let sets = vec![set.to_owned()];
    tx.put_work(
        id,
        &serde_json::json!({ "id": id }),
        was,
        true,
        stamp,
        Some(&sets),
    )
}

/// The current entries under `set`, counted as the feed counts them.
fn set_count(store: &Store, set: &str) -> u64 {
    let range = FeedRange {
        set,
        from: 0,
        until: u64::MAX,
        after: None,
    };
    store.feed_count(range).unwrap()
}

/// The rows of the `feed` table and the stale entries among them (listed, and as counted).
fn feed_and_stale_rows(store: &Store) -> (u64, u64) {
    let tx = store.db.begin_read().unwrap();
    let mut listed = 0;
    super::feed_tx::each_stale(
        &tx.open_table(tables::FEED_STALE_MOVES).unwrap(),
        &tx.open_table(tables::FEED_STALE).unwrap(),
        |_, _, _| listed += 1,
    )
    .unwrap();
    let meta = tx.open_table(tables::META).unwrap();
    if let Some(counted) = meta.get(tables::meta_key::FEED_STALE_ENTRIES).unwrap() {
        assert_eq!(counted.value().parse::<u64>().unwrap(), listed);
    }
    (tx.open_table(tables::FEED).unwrap().len().unwrap(), listed)
}

/// The rows of the table listing stale entries by move.
fn stale_move_rows(store: &Store) -> u64 {
    let tx = store.db.begin_read().unwrap();
    tx.open_table(tables::FEED_STALE_MOVES)
        .unwrap()
        .len()
        .unwrap()
}

/// A work written twice in one transaction is filed once, under its last sets, and the sets'
/// sizes count it once; the entries of other works keep their order.
#[test]
fn a_work_moved_twice_in_one_transaction_is_filed_once_under_its_last_sets() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    move_in_feed(&store, "w0", "2025-11-01T00:00:00Z", &["type:a"], None);
    store
        .update_works(|tx| {
            put_in_set(tx, "w1", "2025-12-01T00:00:00Z", "type:a", None)?;
            put_in_set(tx, "w2", "2025-12-02T00:00:00Z", "type:b", None)?;
            put_in_set(tx, "w1", "2025-12-03T00:00:00Z", "type:b", Some(true))?;
            put_in_set(tx, "w0", "2025-12-04T00:00:00Z", "theme:x", Some(true))
        })
        .unwrap();
    let ids = |set: &str| feed_ids(&store, set, 0, 10).0;
    assert_eq!(ids(""), ["w2", "w1", "w0"]);
    assert_eq!(ids("type:a"), Vec::<String>::new());
    assert_eq!(ids("type:b"), ["w2", "w1"]);
    assert_eq!(ids("theme:x"), ["w0"]);
    let count = |set| set_count(&store, set);
    assert_eq!(
        (count(""), count("type:a"), count("type:b"), count("theme")),
        (3, 0, 2, 1)
    );
}

/// w1 and w2 filed under `type:a`, then w1 moved to `type:b`: its first place is stale.
fn w1_and_w2_in_a_then_w1_moved_to_b(store: &Store) {
    move_in_feed(store, "w1", "2025-12-01T00:00:00Z", &["type:a"], None);
    move_in_feed(store, "w2", "2026-01-01T00:00:00Z", &["type:a"], None);
    move_in_feed(store, "w1", "2026-02-01T00:00:00Z", &["type:b"], Some(true));
}

#[test]
fn a_moved_work_is_listed_once_and_its_stale_entries_are_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    w1_and_w2_in_a_then_w1_moved_to_b(&store);
    move_in_feed(
        &store,
        "w1",
        "2026-03-01T00:00:00Z",
        &["type:b"],
        Some(true),
    );

    // w1's first two places are stale: skipped, not counted, not the earliest datestamp.
    assert_eq!(
        feed_ids(&store, "", 0, 10),
        (vec!["w2".into(), "w1".into()], false)
    );
    assert_eq!(feed_ids(&store, "", 0, 1), (vec!["w2".into()], true));
    assert_eq!(
        feed_ids(&store, "type:a", 0, 10),
        (vec!["w2".into()], false)
    );
    assert_eq!(feed_ids(&store, "type:a", 0, 1), (vec!["w2".into()], false));
    let range = |set, from| FeedRange {
        set,
        from,
        until: u64::MAX,
        after: None,
    };
    assert_eq!(store.feed_count(range("", 0)).unwrap(), 2);
    assert_eq!(store.feed_count(range("", 1)).unwrap(), 2);
    assert_eq!(store.feed_count(range("type:a", 1)).unwrap(), 1);
    assert_eq!(store.feed_count(range("type:b", 0)).unwrap(), 1);
    let w2_stamp = 1_767_225_600; // 2026-01-01T00:00:00Z
    assert_eq!(store.feed_earliest().unwrap(), Some(w2_stamp));

    // "", "type", "type:x" per place: 4 places, 2 current; under "" the old places are gone.
    // Each of w1's two moves marked its entries stale with one row.
    assert_eq!(feed_and_stale_rows(&store), (10, 4));
    assert_eq!(stale_move_rows(&store), 2);
    store.update_works(|tx| tx.feed.prune()).unwrap();
    assert_eq!(feed_and_stale_rows(&store), (6, 0));
    assert_eq!(stale_move_rows(&store), 0);
    assert_eq!(
        feed_ids(&store, "", 0, 10),
        (vec!["w2".into(), "w1".into()], false)
    );
    assert_eq!(store.feed_count(range("", 1)).unwrap(), 2);
}

/// Issue 17: an older store's stale entries (a row each in `feed_stale`, not counted) are
/// counted by the next works transaction and pruned with those it marks.
#[test]
fn an_older_stores_stale_rows_are_counted_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    w1_and_w2_in_a_then_w1_moved_to_b(&store);
    // As an older version left it: w1's old entries a row each, and no count.
    let tx = store.db.begin_write().unwrap();
    {
        let mut moves = tx.open_table(tables::FEED_STALE_MOVES).unwrap();
        let mut legacy = tx.open_table(tables::FEED_STALE).unwrap();
        let (sequence, (stamp, old, sets)) = {
            let (key, value) = moves.first().unwrap().unwrap();
            let (stamp, old, sets) = value.value();
            (key.value(), (stamp, old, sets.to_owned()))
        };
        assert_eq!(moves.len().unwrap(), 1);
        moves.remove(sequence).unwrap();
        for set in ["type", "type:a"] {
            legacy.insert((sequence, set), (stamp, old)).unwrap();
        }
        assert_eq!(sets, "type:a");
        let mut meta = tx.open_table(tables::META).unwrap();
        meta.remove(tables::meta_key::FEED_STALE_ENTRIES).unwrap();
    }
    tx.commit().unwrap();
    // "" 2, "type" 3, "type:a" 2, "type:b" 1; w1's first place stale under "type" and "type:a".
    assert_eq!(feed_and_stale_rows(&store), (8, 2));

    move_in_feed(
        &store,
        "w2",
        "2026-03-01T00:00:00Z",
        &["type:b"],
        Some(true),
    );
    assert_eq!(feed_and_stale_rows(&store), (10, 4));
    assert_eq!(stale_move_rows(&store), 1);
    let ids = |set: &str| feed_ids(&store, set, 0, 10).0;
    assert_eq!(ids("type"), ["w1", "w2"]);
    assert_eq!(ids("type:a"), Vec::<String>::new());
    store.update_works(|tx| tx.feed.prune()).unwrap();
    assert_eq!(feed_and_stale_rows(&store), (6, 0));
    assert_eq!(stale_move_rows(&store), 0);
    assert_eq!(ids("type"), ["w1", "w2"]);
    assert_eq!(ids("type:b"), ["w1", "w2"]);
}

/// Issue 17: a transaction that moves most of a run of works (a rebuild after a thesaurus change)
/// removes the entries they leave in their sets when it closes, instead of marking them stale:
/// the feed is what a prune would leave, and lists and counts the same.
#[test]
fn moved_works_may_leave_no_stale_entries_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .update_works(|tx| {
            put_in_set(tx, "w1", "2025-12-01T00:00:00Z", "type:a", None)?;
            put_in_set(tx, "w2", "2025-12-02T00:00:00Z", "type:a", None)?;
            put_in_set(tx, "w3", "2025-12-03T00:00:00Z", "theme:x", None)
        })
        .unwrap();
    store
        .update_works(|tx| {
            tx.remove_moved_feed_entries();
            put_in_set(tx, "w1", "2026-01-01T00:00:00Z", "type:b", Some(true))?;
            put_in_set(tx, "w3", "2026-01-02T00:00:00Z", "theme:y", Some(true))?;
            // Moved twice here: its first new entries were never written.
            put_in_set(tx, "w3", "2026-01-03T00:00:00Z", "theme:x", Some(true))
        })
        .unwrap();
    // "", the set and its parent for each of the three works: no other entry, none stale.
    assert_eq!(feed_and_stale_rows(&store), (9, 0));
    let ids = |set: &str| feed_ids(&store, set, 0, 10).0;
    assert_eq!(ids(""), ["w2", "w1", "w3"]);
    assert_eq!(ids("type"), ["w2", "w1"]);
    assert_eq!(ids("type:a"), ["w2"]);
    assert_eq!(ids("type:b"), ["w1"]);
    assert_eq!(ids("theme:x"), ["w3"]);
    assert_eq!(ids("theme:y"), Vec::<String>::new());
    let count = |set| set_count(&store, set);
    assert_eq!(
        (count(""), count("type"), count("type:a"), count("theme:y")),
        (3, 2, 1, 0)
    );
}

/// Dedup features, for the check's tests.
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckFeatures {
    f: u32,
}

/// A work as `essor check` sees it, for the check's tests.
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckWork {
    live: bool,
    members: Vec<(String, String)>,
    merged_into: Option<String>,
}

impl CheckedWork for CheckWork {
    fn is_live(&self) -> bool {
        self.live
    }
    fn member_keys(&self) -> Vec<(&str, &str)> {
        self.members
            .iter()
            .map(|(s, i)| (s.as_str(), i.as_str()))
            .collect()
    }
    fn merged_into(&self) -> Option<&str> {
        self.merged_into.as_deref()
    }
}

/// Two records of `hal` in work w1, one work w2 merged into it, as the works stage writes them.
fn store_with_works(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    let mut checkpoint = Checkpoint::default();
    let page = [
        record("oai:a", "2026-01-01", "Les SCOP"),
        record("oai:b", "2026-01-02", "Les SCIC"),
        reject("oai:c"),
    ];
    commit(&store, "hal", &page, &mut checkpoint, true);
    store
        .update_works(|tx| {
            let members = vec![
                ("hal".into(), "oai:a".into()),
                ("hal".into(), "oai:b".into()),
            ];
            let w1 = CheckWork {
                live: true,
                members,
                merged_into: None,
            };
            let w2 = CheckWork {
                live: false,
                members: vec![],
                merged_into: Some("w1".into()),
            };
            let sets = vec!["type:thesis".to_owned()];
            tx.put_work("w1", &w1, None, true, "2026-01-03T00:00:00Z", Some(&sets))?;
            tx.put_work("w2", &w2, None, false, "2026-01-03T00:00:00Z", Some(&sets))?;
            tx.set_features(
                RecordKeyRef::new("hal", "oai:a"),
                &serde_json::json!({"f": 1}),
            )?;
            tx.set_record_work(RecordKeyRef::new("hal", "oai:a"), "w1")?;
            tx.set_record_work(RecordKeyRef::new("hal", "oai:b"), "w1")
        })
        .unwrap();
    store
}

#[test]
fn check_finds_a_consistent_store_sound() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_works(dir.path());
    store
        .update_works(|tx| {
            tx.add_to_block(7, RecordKeyRef::new("hal", "oai:b"), 2)?;
            tx.add_to_block(7, RecordKeyRef::new("hal", "oai:a"), 1)?;
            tx.add_to_block(9, RecordKeyRef::new("hal", "oai:a"), 1)
        })
        .unwrap();
    drop(store);
    let store = Store::open_checked(dir.path()).unwrap();
    let report = store.check_rows::<CheckWork, CheckFeatures>().unwrap();
    assert!(report.is_sound(), "{:#?}", report.problems);
    assert_eq!(report.rows["block_chunks"], 2);
    assert_eq!(report.rows["block_members"], 3);
    assert_eq!(report.works, (1, 1));
    assert_eq!(report.rows["records"], 2);
    assert_eq!(report.rows["rejects"], 1);
    assert_eq!(report.rows["record_work"], 2);
    assert!(report.feed_last.is_some());
}

/// A schema 4 store's blocks wait, one entry a member, for the next works update to pack them:
/// a check before it counts them rather than an empty blocking index.
#[test]
fn check_counts_the_block_members_a_schema_4_store_has_not_packed_yet() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_works(dir.path());
    let tx = store.db.begin_write().unwrap();
    {
        let mut old = tx.open_multimap_table(tables::BLOCK_MEMBERS).unwrap();
        for (block, identifier) in [(7, "oai:a"), (7, "oai:b"), (9, "oai:a")] {
            old.insert(block, ("hal", identifier, 1)).unwrap();
        }
        let mut meta = tx.open_table(tables::META).unwrap();
        meta.insert(tables::meta_key::SCHEMA_VERSION, "4").unwrap();
    }
    tx.commit().unwrap();
    drop(store);
    let store = Store::open_checked(dir.path()).unwrap();
    assert!(store.blocks_need_migration().unwrap());
    let report = store.check_rows::<CheckWork, CheckFeatures>().unwrap();
    assert_eq!(report.rows["block_members"], 3);
    assert_eq!(report.rows.get("block_chunks"), None);
}

#[test]
fn check_lists_rows_that_do_not_decode_and_broken_references() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_works(dir.path());
    {
        let tx = store.db.begin_write().unwrap();
        {
            let mut works = tx.open_table(tables::WORKS).unwrap();
            works.insert("w3", b"not lz4".as_slice()).unwrap();
            let mut record_work = tx.open_table(tables::RECORD_WORK).unwrap();
            record_work.insert(("hal", "oai:b"), "w9").unwrap();
            let mut counts = tx.open_table(tables::COUNTS).unwrap();
            counts.insert("hal", (5, 0, 1)).unwrap();
            let mut chunks = tx.open_table(tables::BLOCK_CHUNKS).unwrap();
            chunks
                .insert((1, "hal", "x", 0), b"\xff".as_slice())
                .unwrap();
            // A chunk not under its first member's key: [0, 3, "hal"][0, 1, "a"][sketch 0].
            let chunk = b"\x00\x03hal\x00\x01a\x00\x00\x00\x00\x00\x00\x00\x00";
            chunks.insert((2, "hal", "z", 0), chunk.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    drop(store);
    let store = Store::open_checked(dir.path()).unwrap();
    let report = store.check_rows::<CheckWork, CheckFeatures>().unwrap();
    let found = problems_found(&report);
    for expected in [
        ("works", "w3"),
        ("record_work", "hal/oai:b"),
        ("works", "w1"),
        ("source_counts", "hal"),
        ("block_chunks", "0000000000000001 hal/x"),
        ("block_chunks", "0000000000000002 hal/z"),
    ] {
        assert!(found.contains(&expected), "{expected:?} in {found:?}");
    }
    assert_eq!(report.problem_count, report.problems.len() as u64);
    assert!(!report.is_sound());
}

/// The rendered record of a `feed_records_page` item, or `"work"` when the page read the work.
fn stored_records(store: &Store, set: &str) -> Vec<(String, String)> {
    let range = FeedRange {
        set,
        from: 0,
        until: u64::MAX,
        after: None,
    };
    let (page, _) = store
        .feed_records_page::<serde_json::Value>(range, 10, "oai_dc", |_| Vec::new())
        .unwrap();
    page.into_iter()
        .map(|item| {
            let read = match (item.rendered, item.work) {
                (Some(bytes), _) => String::from_utf8(bytes).unwrap(),
                (None, Some(_)) => "work".to_owned(),
                (None, None) => "nothing".to_owned(),
            };
            (item.entry.id, read)
        })
        .collect()
}

#[test]
fn feed_records_are_filled_once_per_version_and_never_served_for_a_moved_work() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // Works written without records (a store older than them): the page reads the works.
    move_in_feed(&store, "w1", "2026-01-01T00:00:00Z", &["type:a"], None);
    move_in_feed(&store, "w2", "2026-01-02T00:00:00Z", &["type:a"], None);
    let work = |id: &str| ("work".to_owned(), id.to_owned());
    // The list of all works reads its stored records beside it, a set's looks them up: same.
    let read = |store: &Store| -> Vec<(String, String)> {
        let all = stored_records(store, "");
        let mut in_sets = stored_records(store, "type");
        in_sets.sort_by_key(|(id, _)| all.iter().position(|(other, _)| other == id));
        assert_eq!(all, in_sets);
        all.into_iter().map(|(id, read)| (read, id)).collect()
    };
    assert_eq!(read(&store), vec![work("w1"), work("w2")]);
    assert_eq!(store.feed_records_version().unwrap(), None);

    let render = |version: &'static str| {
        move |work: &serde_json::Value, _: &FeedEntry, _: &[(RecordKey, Option<RecordOrigin>)]| {
            let id = work["id"].as_str().unwrap_or_default();
            vec![("oai_dc", format!("{version} {id}").into_bytes())]
        }
    };
    let filled = store
        .fill_feed_records(
            "v1",
            || false,
            |_: &serde_json::Value| Vec::new(),
            render("v1"),
        )
        .unwrap();
    assert_eq!(filled, 2);
    assert_eq!(store.feed_records_version().unwrap().as_deref(), Some("v1"));
    let stored = |text: &str, id: &str| (text.to_owned(), id.to_owned());
    assert_eq!(
        read(&store),
        vec![stored("v1 w1", "w1"), stored("v1 w2", "w2")]
    );
    // Once per version.
    let again = store
        .fill_feed_records(
            "v1",
            || false,
            |_: &serde_json::Value| Vec::new(),
            render("v1"),
        )
        .unwrap();
    assert_eq!(again, 0);

    // w1 changes, written without records (an older essor): its row is not served again.
    move_in_feed(
        &store,
        "w1",
        "2026-02-01T00:00:00Z",
        &["type:b"],
        Some(true),
    );
    assert_eq!(read(&store), vec![stored("v1 w2", "w2"), work("w1")]);
    // Written with its records: served.
    move_with_record(
        &store,
        "w1",
        "2026-03-01T00:00:00Z",
        &["type:b"],
        "fresh w1",
    );
    assert_eq!(
        read(&store),
        vec![stored("v1 w2", "w2"), stored("fresh w1", "w1")]
    );
    // Deleted: its rows go, the page reads the work (its header and successor).
    store
        .update_works(|tx| {
            tx.put_work(
                "w2",
                &serde_json::json!({ "id": "w2" }),
                Some(true),
                false,
                "2026-04-01T00:00:00Z",
                None,
            )?;
            tx.put_feed_records("w2", Vec::new())
        })
        .unwrap();
    assert_eq!(read(&store), vec![stored("fresh w1", "w1"), work("w2")]);
    // Another version renders every live work again.
    let filled = store
        .fill_feed_records(
            "v2",
            || false,
            |_: &serde_json::Value| Vec::new(),
            render("v2"),
        )
        .unwrap();
    assert_eq!(filled, 1);
    assert_eq!(read(&store), vec![stored("v2 w1", "w1"), work("w2")]);
}

#[test]
fn stored_records_of_another_version_are_not_served_until_filled_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    move_in_feed(&store, "w1", "2026-01-01T00:00:00Z", &["type:a"], None);
    let render = |version: &'static str| {
        move |work: &serde_json::Value, _: &FeedEntry, _: &[(RecordKey, Option<RecordOrigin>)]| {
            let id = work["id"].as_str().unwrap_or_default();
            vec![
                ("oai_dc", format!("{version} {id}").into_bytes()),
                (
                    crate::export::CSV_ROW_PREFIX,
                    format!("{version} row").into_bytes(),
                ),
            ]
        }
    };
    let no_members = |_: &serde_json::Value| Vec::new();
    store
        .fill_feed_records("v1", || false, no_members, render("v1"))
        .unwrap();
    let served = |store: &Store| {
        let page = stored_records(store, "");
        let row = store
            .rendered_rows(&["w1"], crate::export::CSV_ROW_PREFIX)
            .unwrap();
        (
            page[0].1.clone(),
            row[0].clone().map(|r| String::from_utf8(r).unwrap()),
        )
    };
    assert_eq!(
        served(&store),
        ("v1 w1".to_owned(), Some("v1 row".to_owned()))
    );

    // A newer renderer: v1's rows are stale, pages and rows come from the works.
    assert!(!store.expect_feed_records_version("v2").unwrap());
    assert_eq!(served(&store), ("work".to_owned(), None));
    // A fill stopped before its first slice leaves them stale and the version unchanged.
    let filled = store
        .fill_feed_records("v2", || true, no_members, render("v2"))
        .unwrap();
    assert_eq!(filled, 0);
    assert_eq!(store.feed_records_version().unwrap().as_deref(), Some("v1"));
    assert_eq!(served(&store), ("work".to_owned(), None));
    // Filled to the end: served again, from the new version's rows.
    store
        .fill_feed_records("v2", || false, no_members, render("v2"))
        .unwrap();
    assert_eq!(
        served(&store),
        ("v2 w1".to_owned(), Some("v2 row".to_owned()))
    );
    assert!(store.expect_feed_records_version("v2").unwrap());
}

/// Each listed work's stored record under the first of `prefixes` that has one: (id, which
/// prefix, text), `"work"` when the page read the work.
fn stored_under(store: &Store, set: &str, prefixes: &[&str]) -> Vec<(String, String)> {
    let range = FeedRange {
        set,
        from: 0,
        until: u64::MAX,
        after: None,
    };
    let mut read = Vec::new();
    store
        .visit_feed_records_page::<serde_json::Value>(
            range,
            10,
            prefixes,
            |_| Vec::new(),
            |item, stored| {
                let text = match stored {
                    Some((which, row)) => {
                        format!("{}={}", prefixes[which], String::from_utf8_lossy(row))
                    }
                    None => "work".to_owned(),
                };
                read.push((item.entry.id, text));
                Ok(())
            },
        )
        .unwrap();
    read
}

/// Each work of the list of all works as `id:prefix=row`, its `oai_dc:gzip` row else its
/// `oai_dc` one, or `id:work`. The list of all works reads its rows beside it, a set's (`type`)
/// looks them up: checked to be the same.
fn derived_or_plain(store: &Store) -> Vec<String> {
    let prefixes = ["oai_dc:gzip", "oai_dc"];
    let all = stored_under(store, "", &prefixes);
    let mut in_set = stored_under(store, "type", &prefixes);
    in_set.sort_by_key(|(id, _)| all.iter().position(|(other, _)| other == id));
    assert_eq!(all, in_set);
    all.into_iter()
        .map(|(id, text)| format!("{id}:{text}"))
        .collect()
}

/// Derives the `oai_dc:gzip` rows as the `oai_dc` ones in upper case; gives how many.
pub(super) fn derive_upper(store: &Store) -> u64 {
    store
        .derive_feed_rows(
            "oai_dc",
            "oai_dc:gzip",
            || false,
            |row| Some(row.to_ascii_uppercase()),
        )
        .unwrap()
}

#[test]
fn derived_rows_are_made_once_from_the_plain_ones_which_pages_read_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    move_in_feed(&store, "w1", "2026-01-01T00:00:00Z", &["type:a"], None);
    move_in_feed(&store, "w2", "2026-01-02T00:00:00Z", &["type:a"], None);
    let render = |version: &'static str| {
        move |work: &serde_json::Value, _: &FeedEntry, _: &[(RecordKey, Option<RecordOrigin>)]| {
            let id = work["id"].as_str().unwrap_or_default();
            vec![("oai_dc", format!("{version} {id}").into_bytes())]
        }
    };
    let no_members = |_: &serde_json::Value| Vec::new();
    store
        .fill_feed_records("v1", || false, no_members, render("v1"))
        .unwrap();
    let read = derived_or_plain;
    assert_eq!(read(&store), ["w1:oai_dc=v1 w1", "w2:oai_dc=v1 w2"]);
    let upper = |row: &[u8]| Some(row.to_ascii_uppercase());
    let derive = derive_upper;
    assert_eq!(derive(&store), 2);
    assert_eq!(
        read(&store),
        ["w1:oai_dc:gzip=V1 W1", "w2:oai_dc:gzip=V1 W2"]
    );
    // Once: nothing more until works are written.
    assert_eq!(derive(&store), 0);
    // A stopped derivation makes nothing.
    assert_eq!(
        store
            .derive_feed_rows("oai_dc", "oai_dc:gzip", || true, upper)
            .unwrap(),
        0
    );

    // w1 moves, written with its plain row only: read plain until derived, then derived; its
    // old derived row went with its old entry.
    move_with_record(
        &store,
        "w1",
        "2026-03-01T00:00:00Z",
        &["type:a"],
        "fresh w1",
    );
    assert_eq!(read(&store), ["w2:oai_dc:gzip=V1 W2", "w1:oai_dc=fresh w1"]);
    // A row the derivation refuses (damaged) is left plain.
    assert_eq!(
        store
            .derive_feed_rows("oai_dc", "oai_dc:gzip", || false, |_| None)
            .unwrap(),
        0
    );
    assert_eq!(read(&store), ["w2:oai_dc:gzip=V1 W2", "w1:oai_dc=fresh w1"]);
    move_with_record(
        &store,
        "w1",
        "2026-03-02T00:00:00Z",
        &["type:a"],
        "fresher w1",
    );
    assert_eq!(derive(&store), 1);
    assert_eq!(
        read(&store),
        ["w2:oai_dc:gzip=V1 W2", "w1:oai_dc:gzip=FRESHER W1"]
    );

    // Another renderer version: the derived rows of the old one go with them, and are derived
    // again from the new plain rows.
    store
        .fill_feed_records("v2", || false, no_members, render("v2"))
        .unwrap();
    assert_eq!(read(&store), ["w2:oai_dc=v2 w2", "w1:oai_dc=v2 w1"]);
    assert_eq!(derive(&store), 2);
    assert_eq!(
        read(&store),
        ["w2:oai_dc:gzip=V2 W2", "w1:oai_dc:gzip=V2 W1"]
    );
}

/// A bulk build writes its works without their feed records and marks them missing: pages
/// read those works from the works until the server renders their rows, once, skipping works
/// that have rows (written since by an update); rows derived already are derived on from the
/// first one filled.
#[test]
fn feed_records_a_bulk_build_defers_are_rendered_once_and_derived_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let no_members = |_: &serde_json::Value| Vec::new();
    let render =
        |work: &serde_json::Value, _: &FeedEntry, _: &[(RecordKey, Option<RecordOrigin>)]| {
            let id = work["id"].as_str().unwrap_or_default();
            vec![("oai_dc", format!("late {id}").into_bytes())]
        };
    store
        .fill_feed_records("v1", || false, no_members, render)
        .unwrap();
    move_with_record(&store, "w1", "2026-01-01T00:00:00Z", &["type:a"], "w1 row");
    let derive = derive_upper;
    assert_eq!(derive(&store), 1);
    // The bulk build: w2 and w3 in one transaction, their records deferred.
    assert_eq!(store.feed_records_missing().unwrap(), None);
    store
        .update_works(|tx| {
            for (id, stamp) in [
                ("w2", "2026-01-02T00:00:00Z"),
                ("w3", "2026-01-03T00:00:00Z"),
            ] {
                let sets = vec!["type:a".to_owned()];
                tx.put_work(
                    id,
                    &serde_json::json!({ "id": id }),
                    None,
                    true,
                    stamp,
                    Some(&sets),
                )?;
            }
            tx.defer_feed_records("w2")
        })
        .unwrap();
    let missing = store.feed_records_missing().unwrap();
    assert!(missing.is_some());
    // w3 changes by an update, with its row, before the fill.
    move_with_record(&store, "w3", "2026-01-04T00:00:00Z", &["type:a"], "w3 row");
    let read = derived_or_plain;
    assert_eq!(
        read(&store),
        ["w1:oai_dc:gzip=W1 ROW", "w2:work", "w3:oai_dc=w3 row"]
    );
    assert_eq!(derive(&store), 1);
    // A stopped fill renders nothing and keeps the mark.
    assert_eq!(
        store
            .fill_missing_feed_records(|| true, no_members, render)
            .unwrap(),
        0
    );
    assert_eq!(store.feed_records_missing().unwrap(), missing);
    // Filled: only w2 (w3 has its row), the mark gone, w2's row derived too.
    assert_eq!(
        store
            .fill_missing_feed_records(|| false, no_members, render)
            .unwrap(),
        1
    );
    assert_eq!(store.feed_records_missing().unwrap(), None);
    assert_eq!(
        read(&store),
        [
            "w1:oai_dc:gzip=W1 ROW",
            "w2:oai_dc=late w2",
            "w3:oai_dc:gzip=W3 ROW"
        ]
    );
    assert_eq!(derive(&store), 1);
    assert_eq!(
        read(&store),
        [
            "w1:oai_dc:gzip=W1 ROW",
            "w2:oai_dc:gzip=LATE W2",
            "w3:oai_dc:gzip=W3 ROW"
        ]
    );
    // Once.
    assert_eq!(
        store
            .fill_missing_feed_records(|| false, no_members, render)
            .unwrap(),
        0
    );
}

/// Writes `version` as the file's schema version, as an essor of that version would have.
fn set_schema_version(store: &Store, version: &str) {
    let tx = store.db.begin_write().unwrap();
    tx.open_table(META)
        .unwrap()
        .insert(tables::meta_key::SCHEMA_VERSION, version)
        .unwrap();
    tx.commit().unwrap();
}

#[test]
fn schema_3_and_5_stores_are_marked_by_their_first_page_and_a_newer_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let version = |store: &Store| store.schema_version().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(version(&store), SCHEMA_VERSION.to_string());
        set_schema_version(&store, "3");
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        version(&store),
        "3",
        "opened, not yet changed: an older essor still opens it"
    );
    assert!(
        store.blocks_need_migration().unwrap(),
        "its blocks are packed later"
    );
    let mut checkpoint = Checkpoint::default();
    commit(
        &store,
        "s",
        &[record("a", "2024-01-01", "T")],
        &mut checkpoint,
        true,
    );
    assert_eq!(version(&store), "4", "records of the new form are written");
    assert!(store.blocks_need_migration().unwrap());
    // Once its blocks are packed (schema 5), a later page leaves the version.
    store
        .migrate_blocks(|_: &serde_json::Value| (vec![], 0))
        .unwrap();
    assert_eq!(version(&store), SCHEMA_VERSION.to_string());
    commit(
        &store,
        "s",
        &[record("b", "2024-01-01", "T")],
        &mut checkpoint,
        true,
    );
    assert_eq!(version(&store), SCHEMA_VERSION.to_string());
    // A schema 5 store opens as it is, its blocks not migrated again, and is marked 6 by its
    // first page: its records of encoding 2 are unreadable to an essor of schema 5.
    set_schema_version(&store, "5");
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(version(&store), "5", "opened, not yet changed");
    assert!(!store.blocks_need_migration().unwrap());
    commit(
        &store,
        "s",
        &[record("c", "2024-01-01", "T")],
        &mut checkpoint,
        true,
    );
    assert_eq!(version(&store), "6");
    assert_eq!(SCHEMA_VERSION, 6);
    let read = |id: &str| {
        store
            .record(RecordKeyRef::new("s", id))
            .unwrap()
            .unwrap()
            .record
    };
    assert!(read("a").is_some() && read("c").is_some());
    // What an essor of schema 6 wrote is refused by an older one, as this one refuses 7.
    set_schema_version(&store, "7");
    drop(store);
    match Store::open(dir.path()) {
        Err(StoreError::SchemaVersion {
            found, expected, ..
        }) => {
            assert_eq!((found.as_str(), expected), ("7", SCHEMA_VERSION));
        }
        other => panic!("a newer store opened: {:?}", other.map(|_| ())),
    }
}

/// Pages of one source in which identifiers come back (a reject then its record, a record
/// updated then deleted, one unchanged twice), after an earlier harvest of some of them.
fn staging_pages() -> (Vec<PageItem>, Vec<Vec<PreparedItem>>) {
    let earlier = vec![
        record("oai:x:1", "2024-01-01", "one"),
        record("oai:x:9", "2023-12-01", "nine"),
        reject("oai:x:7"),
    ];
    let pages = [
        vec![
            record("oai:x:5", "2024-01-01", "five"),
            reject("oai:x:3"),
            record("oai:x:1", "2024-01-01", "one"),
        ],
        vec![
            record("oai:x:3", "2024-01-02", "three"),
            deletion("oai:x:9", "2024-01-02"),
            record("oai:x:5", "2024-01-02", "five again"),
            record("oai:x:2", "2024-01-02", "two"),
        ],
        vec![
            record("oai:x:1", "2024-01-01", "one"),
            reject("oai:x:7"),
            deletion("oai:x:5", "2024-01-03"),
            deletion("oai:x:4", "2024-01-03"),
        ],
    ];
    let prepared = pages
        .iter()
        .map(|page| prepare_items(page).unwrap())
        .collect();
    (earlier, prepared)
}

/// What a store holds of source `s`, as the listings and the works stage read it.
fn holdings(
    store: &Store,
    since: u64,
) -> (
    Vec<StoredRecord>,
    Vec<StoredReject>,
    SourceCounts,
    Vec<RecordKey>,
) {
    let mut records = Vec::new();
    store
        .for_each_record(Some("s"), |r| {
            records.push(r);
            Ok(())
        })
        .unwrap();
    let mut rejects = Vec::new();
    store
        .for_each_reject(Some("s"), |r| {
            rejects.push(r);
            Ok(())
        })
        .unwrap();
    let counts = store.stats().unwrap().by_source["s"].counts;
    let mut changed = store.changes_since(since, 1000).unwrap().records;
    changed.sort();
    (records, rejects, counts, changed)
}

/// Two stores given the same earlier harvest, then `pages` committed to the first and staged
/// (not settled) in the second; the change-log position after the earlier harvest.
fn committed_and_staged(
    earlier: &[PageItem],
    pages: &[Vec<PreparedItem>],
) -> (
    [tempfile::TempDir; 2],
    Store,
    Store,
    Checkpoint,
    Checkpoint,
    u64,
) {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let direct = Store::open(dirs[0].path()).unwrap();
    let staged = Store::open(dirs[1].path()).unwrap();
    let (mut a, mut b) = (active_checkpoint("t"), active_checkpoint("t"));
    commit(&direct, "s", earlier, &mut a, true);
    commit(&staged, "s", earlier, &mut b, true);
    let since = direct.changes_since(0, 1000).unwrap().next;
    for page in pages {
        direct.commit_page("s", page, &mut a, false).unwrap();
        staged.stage_page("s", page, &mut b, true).unwrap();
    }
    (dirs, direct, staged, a, b, since)
}

#[test]
fn a_staged_run_settles_into_what_committing_its_pages_stores_counts_and_logs() {
    let (earlier, pages) = staging_pages();
    let (_dirs, direct, staged, a, mut b, since) = committed_and_staged(&earlier, &pages);
    // Staged, nothing of the run is stored yet; the counters are provisional.
    assert!(staged.has_staged("s").unwrap());
    assert_eq!(
        staged.stats().unwrap().by_source["s"].counts.staged_records,
        11
    );
    assert!(
        staged
            .changes_since(since, 1000)
            .unwrap()
            .records
            .is_empty()
    );
    // 2 of the earlier harvest, then each record staged (none deleted) counted new for now.
    assert_eq!(b.active.as_ref().unwrap().counters.new, 2 + 2 + 3 + 1);
    assert_ne!(a, b);

    let settled = staged.settle("s").unwrap().expect("staged items");
    b.active.as_mut().unwrap().counters.correct(&settled);
    assert_eq!(b, a, "the run's counters");
    assert_eq!(
        staged.checkpoint("s").unwrap(),
        a,
        "the stored checkpoint, corrected"
    );
    assert_eq!(holdings(&staged, since), holdings(&direct, since));
    let counters = a.active.unwrap().counters;
    // With the earlier harvest's 2 new and 1 rejected: 2, 3, 5 new; 1 unchanged twice; 5
    // updated; 9, 5 and 4 deleted; 3 and 7 rejected.
    assert_eq!(
        (
            counters.new,
            counters.unchanged,
            counters.updated,
            counters.deleted,
            counters.rejected
        ),
        (2 + 3, 2, 1, 3, 1 + 2)
    );
    assert!(!staged.has_staged("s").unwrap());
    assert_eq!(staged.stats().unwrap().staged_records, 0);
    assert!(
        staged.settle("s").unwrap().is_none(),
        "nothing is settled twice"
    );
}

#[test]
fn a_settle_interrupted_between_chunks_ends_as_one_uninterrupted() {
    let (earlier, pages) = staging_pages();
    for (chunk_items, chunks) in [(1, 1), (2, 1), (2, 3), (4, 2), (5, 1)] {
        let (_dirs, direct, staged, a, mut b, since) = committed_and_staged(&earlier, &pages);
        let first = staged
            .settle_interrupted("s", chunk_items, chunks)
            .unwrap()
            .unwrap();
        assert!(staged.settle_begun("s").unwrap(), "{chunk_items} {chunks}");
        // Items of one identifier are never split between chunks.
        let stored_first = staged.stats().unwrap().by_source["s"].counts;
        assert!(stored_first.staged_records == 11, "{stored_first:?}");
        // The rest, as the next run or works update takes it up.
        assert_eq!(staged.settle_idle().unwrap(), 1);
        assert!(!staged.settle_begun("s").unwrap());
        let mut stored = staged.checkpoint("s").unwrap();
        b.active.as_mut().unwrap().counters.correct(&first);
        // The stored checkpoint was corrected chunk by chunk, the whole way.
        assert_eq!(stored, a, "{chunk_items} {chunks}");
        stored.active.as_mut().unwrap().counters = a.active.as_ref().unwrap().counters;
        assert_eq!(
            holdings(&staged, since),
            holdings(&direct, since),
            "{chunk_items} {chunks}"
        );
    }
}

#[test]
fn an_idle_settle_leaves_a_source_a_run_is_staging() {
    let (earlier, pages) = staging_pages();
    let (_dirs, _direct, staged, _a, _b, _since) = committed_and_staged(&earlier, &pages);
    // Sources before and after "s", each with items staged.
    for other in ["a", "t"] {
        let mut checkpoint = active_checkpoint("t");
        let page = prepare_items(&[record("oai:y:1", "2024-01-01", "y")]).unwrap();
        staged
            .stage_page(other, &page, &mut checkpoint, true)
            .unwrap();
    }
    let counts: Vec<(String, u64)> = (staged.stats().unwrap().by_source.into_iter())
        .map(|(source, stats)| (source, stats.counts.staged_records))
        .collect();
    let expected = [("a", 1), ("s", 11), ("t", 1)].map(|(s, n)| (s.to_owned(), n));
    assert_eq!(counts, expected);
    let guard = staged.staging("s");
    assert_eq!(staged.settle_idle().unwrap(), 2);
    assert!(staged.has_staged("s").unwrap());
    drop(guard);
    assert_eq!(staged.settle_idle().unwrap(), 1);
    assert!(!staged.has_staged("s").unwrap());
    assert_eq!(staged.stats().unwrap().staged_records, 0);
}

/// A staged item or a settle mark that does not read fails the settle, and with it every run
/// of its source and every works update: the check names them.
#[test]
fn check_lists_staged_items_and_settle_marks_that_do_not_read() {
    let (earlier, pages) = staging_pages();
    let (dirs, _direct, staged, _a, _b, _since) = committed_and_staged(&earlier, &pages);
    staged.settle_interrupted("s", 2, 1).unwrap();
    let report = staged.check_rows::<CheckWork, CheckFeatures>().unwrap();
    assert!(report.is_sound(), "{:#?}", report.problems);
    assert_eq!(report.rows["staged_items"], 11);
    let tx = staged.db.begin_write().unwrap();
    {
        let mut items = tx.open_table(tables::STAGED).unwrap();
        items.insert(("s", 4), b"\x00short".as_slice()).unwrap();
        let mut meta = tx.open_table(tables::META).unwrap();
        meta.insert("settled:s", "not-a-number oai:x:1").unwrap();
    }
    tx.commit().unwrap();
    drop(staged);
    let store = Store::open_checked(dirs[1].path()).unwrap();
    let report = store.check_rows::<CheckWork, CheckFeatures>().unwrap();
    assert_eq!(
        problems_found(&report),
        [("meta", "settled:s"), ("staged_items", "s 4")]
    );
}

/// The (table, key) of each problem a check found.
fn problems_found(report: &super::check::CheckReport) -> Vec<(&str, &str)> {
    report
        .problems
        .iter()
        .map(|p| (p.table, p.key.as_str()))
        .collect()
}

#[test]
fn a_store_without_works_stages_and_items_staged_after_a_settle_began_are_kept() {
    let (earlier, pages) = staging_pages();
    let (_dirs, _direct, staged, _a, mut b, _since) = committed_and_staged(&earlier, &pages);
    assert!(staged.stages().unwrap(), "no works yet");
    staged.settle_interrupted("s", 2, 1).unwrap();
    // A page staged after the settle began is not taken by the rest of it.
    let late = prepare_items(&[record("oai:x:0", "2024-02-01", "zero")]).unwrap();
    staged.stage_page("s", &late, &mut b, true).unwrap();
    staged.settle("s").unwrap();
    assert!(
        staged.has_staged("s").unwrap(),
        "the late page is still staged"
    );
    assert!(!staged.settle_begun("s").unwrap());
    staged.settle("s").unwrap();
    assert!(!staged.has_staged("s").unwrap());
    let mut identifiers = Vec::new();
    staged
        .for_each_record(Some("s"), |r| {
            identifiers.push(r.identifier);
            Ok(())
        })
        .unwrap();
    assert!(
        identifiers.contains(&"oai:x:0".to_owned()),
        "{identifiers:?}"
    );
}
