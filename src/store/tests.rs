//! Store invariants: idempotent upserts, counts, rejects and checkpoints move together.

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
        .commit_page(source, &prepare_items(items), checkpoint, durable)
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

#[test]
fn schema_version_mismatch_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let tx = store.db.begin_write().unwrap();
        tx.open_table(META)
            .unwrap()
            .insert("schema_version", "999")
            .unwrap();
        tx.commit().unwrap();
    }
    let error = Store::open(dir.path()).err().unwrap().to_string();
    assert!(error.contains("schema version 999"), "{error}");
}

#[test]
fn runs_get_increasing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let active = ActiveHarvest::default();
    let mut run = RunRecord {
        source: "hal".into(),
        run_id: 0,
        started_at: now_rfc3339(),
        finished_at: None,
        status: RunStatus::Running,
        error: None,
        from: None,
        until: None,
        full: false,
        resumed: 0,
        counters: active.counters,
    };
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
