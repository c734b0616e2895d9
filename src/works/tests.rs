//! The incremental path on the labelled set's records: the works are the same whether a batch
//! is read ahead in one slice or in many (reading ahead only caches what the batch would read
//! itself, and the batch keeps its own writes apart), and whether its records were analysed
//! while their page was written or after.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::attach::current_reasons;
use super::update::update_in_slices;
use super::*;
use crate::classify::Thesaurus;
use crate::dedup::{BlockKey, LabelledRecord, Sketch};
use crate::harvest::PageWatch;
use crate::oai::{HarvestedRecord, PageItem};
use crate::store::{Checkpoint, PreparedItem, RecordKey, prepare_items};

fn labelled() -> Vec<LabelledRecord> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/dedup-eval/records.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the labelled set");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a labelled record"))
        .collect()
}

/// Writes records as harvested, a page per source.
fn harvest(store: &Store, records: &[(LabelledRecord, bool)], datestamp: &str) {
    harvest_in_order(store, records, datestamp, false, None);
}

/// [`harvest`], the sources in reverse order if `reverse` (as concurrent harvests may end),
/// each page shown to `watch` before its write, as the harvester shows it.
fn harvest_in_order(
    store: &Store,
    records: &[(LabelledRecord, bool)],
    datestamp: &str,
    reverse: bool,
    watch: Option<&dyn PageWatch>,
) {
    let mut pages = pages_of(records, datestamp);
    if reverse {
        pages.reverse();
    }
    for (source, items) in pages {
        let items = Arc::new(items);
        if let Some(watch) = watch {
            watch.page_ready(&source, items.clone());
        }
        store
            .commit_page(&source, &items, &mut Checkpoint::default(), true)
            .unwrap();
    }
}

/// `records` as the harvester prepares them, a page per source.
fn pages_of(
    records: &[(LabelledRecord, bool)],
    datestamp: &str,
) -> Vec<(String, Vec<PreparedItem>)> {
    let mut by_source: BTreeMap<&str, Vec<PageItem>> = BTreeMap::new();
    for (record, deleted) in records {
        by_source
            .entry(&record.source)
            .or_default()
            .push(PageItem::Record(HarvestedRecord {
                identifier: record.identifier.clone(),
                datestamp: datestamp.to_owned(),
                deleted: *deleted,
                sets: record.sets.clone(),
                format: (!deleted).then_some("oai_dc"),
                raw: (!deleted).then(|| "<oai_dc:dc/>".to_owned()),
                record: (!deleted).then(|| record.record.clone()),
            }));
    }
    by_source
        .into_iter()
        .map(|(source, items)| (source.to_owned(), prepare_items(&items).unwrap()))
        .collect()
}

/// What a test batch does to one of the records already harvested.
enum Edit {
    Delete,
    /// A revised title: most blocking keys change.
    Retitle,
    /// Another date: the sketch changes.
    Redate,
}

/// A batch of changes (record, deleted): the records of `first` edited as `edit` says by their
/// index (left out when `None`), then every record of `later` as new.
fn edited(
    first: &[LabelledRecord],
    later: &[LabelledRecord],
    edit: impl Fn(usize) -> Option<Edit>,
) -> Vec<(LabelledRecord, bool)> {
    let mut changes = Vec::new();
    for (i, record) in first.iter().enumerate() {
        let mut record = record.clone();
        match edit(i) {
            Some(Edit::Delete) => changes.push((record, true)),
            Some(Edit::Retitle) => {
                for title in &mut record.record.titles {
                    title.value.push_str(" (version révisée)");
                }
                changes.push((record, false));
            }
            Some(Edit::Redate) => {
                record.record.dates = vec!["1987".into()];
                changes.push((record, false));
            }
            None => {}
        }
    }
    changes.extend(later.iter().map(|record| (record.clone(), false)));
    changes
}

/// Every work as stored, without the datestamps (the time of each run).
fn works(store: &Store) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    store
        .for_each_work(|mut work: serde_json::Value| {
            work.as_object_mut().unwrap().remove("datestamp");
            all.push(work);
            Ok(())
        })
        .unwrap();
    all
}

/// The blocking index holds, for every record with features, one entry per blocking key,
/// carrying the sketch of those features; nothing else.
fn assert_blocks_follow_features(store: &Store) {
    let view = store.dedup_view().unwrap();
    let mut expected = Vec::new();
    let mut records: Vec<RecordKey> = store
        .block_entries()
        .into_iter()
        .map(|(_, record, _)| record)
        .collect();
    records.extend(store.feature_records());
    records.sort();
    records.dedup();
    for record in records {
        let Some(stored) = view.features::<StoredFeatures>(record.as_ref()).unwrap() else {
            continue;
        };
        let sketch = Sketch::of(&stored.features).0;
        for key in &stored.keys {
            expected.push((BlockKey::of(key).id(), record.clone(), sketch));
        }
    }
    expected.sort();
    expected.dedup();
    let mut found = store.block_entries();
    found.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_rejoining_record_keeps_one_reason_per_record_it_is_still_the_same_as() {
    let member = |id: &str| Member {
        source: "s".into(),
        identifier: id.into(),
    };
    let reason = |a: &str, b: &str, score| MergeReason {
        a: member(a),
        b: member(b),
        rule: "title and author".into(),
        score,
    };
    let merges = vec![
        reason("x", "y", 0.9),  // not about r: kept
        reason("r", "x", 0.8),  // r's old reason for x, replaced below
        reason("v", "r", 0.9),  // v joined through r, still the same: kept
        reason("r", "z", 0.9),  // z no longer the same as r: dropped
        reason("r", "x", 0.95), // the new reason
    ];
    let same_now = BTreeSet::from([member("x"), member("v")]);
    let kept = current_reasons(merges, &member("r"), &same_now);
    assert_eq!(
        kept,
        vec![
            reason("x", "y", 0.9),
            reason("v", "r", 0.9),
            reason("r", "x", 0.95)
        ]
    );
}

/// How a test batch's records reach the update: analysed by it, analysed while their page was
/// written ([`PreAnalysis`]), or shown in another version than the one written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Analysis {
    After,
    WhileWritten,
    OfAnotherVersion,
}

#[test]
fn slices_read_ahead_and_records_analysed_while_written_give_the_same_works_as_one() {
    let records = labelled();
    let (first, later) = records.split_at(records.len() * 4 / 5);
    // Edits: titles (most keys change), dates (the sketch changes), deletions, new records;
    // copies of one work are edited in different slices of the batch.
    let changes = edited(first, later, |i| match i % 6 {
        0 => Some(Edit::Delete),
        1 | 4 => Some(Edit::Retitle),
        3 => Some(Edit::Redate),
        _ => None,
    });

    // Another version of every changed record: shown, never written.
    let others = edited(first, later, |i| match i % 6 {
        0 | 1 | 4 => Some(Edit::Redate),
        3 => Some(Edit::Retitle),
        _ => None,
    });

    let thesaurus = Arc::new(Thesaurus::builtin().unwrap());
    let sources = SourceInfos::default();
    let mut results = Vec::new();
    let runs = [
        (1, Analysis::After),
        (9, Analysis::After),
        (9, Analysis::WhileWritten),
        (1, Analysis::OfAnotherVersion),
    ];
    for (slices, analysis) in runs {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let initial: Vec<_> = first.iter().map(|r| (r.clone(), false)).collect();
        harvest(&store, &initial, "2026-01-01T00:00:00Z");
        update_in_slices(&store, &sources, &thesaurus, None, None, slices, None).unwrap();
        let before = works(&store);
        assert_blocks_follow_features(&store);
        let store = Arc::new(store);
        let pre = PreAnalysis::new(store.clone(), Arc::new(sources.clone()), thesaurus.clone());
        let stamp = "2026-02-01T00:00:00Z";
        match analysis {
            Analysis::After => harvest(&store, &changes, stamp),
            Analysis::WhileWritten => {
                // The first batch shown again as it is: the writes leave it, and so does the
                // analysis.
                for (source, items) in pages_of(&initial, "2026-01-01T00:00:00Z") {
                    pre.page_ready(&source, Arc::new(items));
                }
                harvest_in_order(&store, &changes, stamp, false, Some(&pre))
            }
            Analysis::OfAnotherVersion => {
                for (source, items) in pages_of(&others, stamp) {
                    pre.page_ready(&source, Arc::new(items));
                }
                harvest(&store, &changes, stamp);
            }
        }
        pre.finish();
        let report =
            update_in_slices(&store, &sources, &thesaurus, None, None, slices, Some(&pre)).unwrap();
        // Every record analysed while written is taken; of another version, only those the
        // two batches share (the new records).
        let used = match analysis {
            Analysis::After => 0,
            Analysis::WhileWritten => changes.len(),
            Analysis::OfAnotherVersion => later.len(),
        };
        assert_eq!(pre.used(), used as u64, "{analysis:?}");
        assert_eq!(pre.waiting(), 0, "{analysis:?}");
        assert_eq!(report.records as usize, changes.len());
        assert!(
            report.works_merged + report.works_created > 10,
            "{report:?}"
        );
        assert!(report.works_deleted > 10, "{report:?}");
        let after = works(&store);
        assert_ne!(before, after);
        assert_blocks_follow_features(&store);
        results.push((report, after));
    }
    for (run, result) in runs.iter().zip(&results).skip(1) {
        assert_eq!(results[0].0, result.0, "{run:?}");
        assert!(results[0].1 == result.1, "the works differ: {run:?}");
    }
}

#[test]
fn a_first_update_gives_the_same_works_whatever_order_the_sources_were_harvested_in() {
    let records: Vec<_> = labelled().into_iter().map(|r| (r, false)).collect();
    let thesaurus = Thesaurus::builtin().unwrap();
    let sources = SourceInfos::default();
    let mut results = Vec::new();
    for reverse in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        harvest_in_order(&store, &records, "2026-01-01T00:00:00Z", reverse, None);
        update(&store, &sources, &thesaurus, None, None, None).unwrap();
        results.push(works(&store));
    }
    assert!(results[0].len() > 500, "{}", results[0].len());
    assert_eq!(results[0].len(), results[1].len());
    for (a, b) in results[0].iter().zip(&results[1]) {
        assert_eq!(a, b);
    }
}

/// Every record's stored features, and the blocking index's entries (key, record, sketch).
type DedupIndex = (Vec<(RecordKey, StoredFeatures)>, Vec<(u64, RecordKey, u64)>);

/// A store's [`DedupIndex`], for comparing two stores.
fn dedup_index(store: &Store) -> DedupIndex {
    let view = store.dedup_view().unwrap();
    let features = store
        .feature_records()
        .into_iter()
        .map(|record| {
            let stored = view.features(record.as_ref()).unwrap().unwrap();
            (record, stored)
        })
        .collect();
    let mut blocks = store.block_entries();
    blocks.sort();
    (features, blocks)
}

/// A store with the whole labelled set harvested, no works yet.
fn labelled_harvested() -> (tempfile::TempDir, Store) {
    let records: Vec<_> = labelled().into_iter().map(|r| (r, false)).collect();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    harvest(&store, &records, "2026-01-01T00:00:00Z");
    (dir, store)
}

/// Four fifths of the labelled set, then changes to them: edited titles and dates (features
/// and keys change), deletions (features and blocks go), and the last fifth as new records.
fn initial_and_changes() -> [Vec<(LabelledRecord, bool)>; 2] {
    let records = labelled();
    let (first, later) = records.split_at(records.len() * 4 / 5);
    let changes = edited(first, later, |i| match i % 5 {
        0 => Some(Edit::Delete),
        1 => Some(Edit::Retitle),
        2 => Some(Edit::Redate),
        _ => None,
    });
    [first.iter().map(|r| (r.clone(), false)).collect(), changes]
}

/// A store with `initial` harvested and built into works, then `changes` harvested: changes the
/// works stage has not applied when a rebuild runs.
fn built_then_changed(
    [initial, changes]: &[Vec<(LabelledRecord, bool)>; 2],
    sources: &SourceInfos,
    thesaurus: &Thesaurus,
) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    harvest(&store, initial, "2026-01-01T00:00:00Z");
    update(&store, sources, thesaurus, None, None, None).unwrap();
    harvest(&store, changes, "2026-02-01T00:00:00Z");
    (dir, store)
}

#[test]
fn a_rebuild_rewrites_only_the_features_that_changed_and_leaves_those_of_a_fresh_build() {
    let records = initial_and_changes();
    let [initial, changes] = &records;
    let thesaurus = Thesaurus::builtin().unwrap();
    let sources = SourceInfos::default();

    let (_rebuilt_dir, rebuilt) = built_then_changed(&records, &sources, &thesaurus);
    let report = rederive(&rebuilt, &sources, &thesaurus, None, None)
        .unwrap()
        .report;
    assert!(
        report.works_deleted + report.works_merged > 10,
        "{report:?}"
    );
    assert_blocks_follow_features(&rebuilt);

    // The same records in a fresh store, built at once.
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(fresh_dir.path()).unwrap();
    harvest(&fresh, initial, "2026-01-01T00:00:00Z");
    harvest(&fresh, changes, "2026-02-01T00:00:00Z");
    update(&fresh, &sources, &thesaurus, None, None, None).unwrap();
    let (rebuilt_features, rebuilt_blocks) = dedup_index(&rebuilt);
    let (fresh_features, fresh_blocks) = dedup_index(&fresh);
    assert!(rebuilt_features.len() > 500, "{}", rebuilt_features.len());
    assert!(rebuilt_features == fresh_features, "the features differ");
    assert!(rebuilt_blocks == fresh_blocks, "the blocking index differs");
}

/// The built-in thesaurus without its "cooperatives" theme: the works it classified change.
fn builtin_without_cooperatives() -> Thesaurus {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("thesaurus/ess-themes.toml"),
    )
    .unwrap();
    let start = text.find("id = \"cooperatives\"").unwrap();
    let (theme_start, theme_end) = (
        text[..start].rfind("[[theme]]").unwrap(),
        start + text[start..].find("[[theme]]").unwrap(),
    );
    Thesaurus::parse(&format!("{}{}", &text[..theme_start], &text[theme_end..])).unwrap()
}

/// Issue 17: a rebuild after a thesaurus change takes the features rows this essor's dedup
/// rules mined for the records unchanged since, instead of mining every record again, and
/// derives the same works, feed, features and blocking index as a rebuild that mines them all
/// (the store says other rules mined its rows). Records changed since the last build are mined.
#[test]
fn a_rebuild_taking_the_stored_features_derives_what_one_mining_them_all_does() {
    let records = initial_and_changes();
    let sources = SourceInfos::default();
    let builtin = Thesaurus::builtin().unwrap();
    let changed = builtin_without_cooperatives();
    let (_taking_dir, taking) = built_then_changed(&records, &sources, &builtin);
    let (_mining_dir, mining) = built_then_changed(&records, &sources, &builtin);
    let mined = taking
        .features_mined()
        .unwrap()
        .expect("a fresh build says so");
    assert_eq!(mined.rules, crate::dedup::RULES);
    assert!(mined.cursor > 0 && mined.cursor < taking.changes_since(0, 1 << 20).unwrap().next);
    mining
        .update_works(|tx| {
            tx.set_features_mined(crate::store::FeaturesMined {
                rules: crate::dedup::RULES + 1,
                ..mined
            })
        })
        .unwrap();
    // Every work derived in full in both (a work with a record mined again is anyway), so that
    // both reports count the normalisation problems of every record.
    for store in [&taking, &mining] {
        store.update_works(|tx| tx.set_works_derived(None)).unwrap();
    }

    let taken = rederive(&taking, &sources, &changed, None, None).unwrap();
    let all_mined = rederive(&mining, &sources, &changed, None, None).unwrap();
    assert!(taken.report.works_changed > 10, "{:?}", taken.report);
    assert_eq!(taken.report, all_mined.report);
    assert!(works(&taking) == works(&mining), "the works differ");
    assert_eq!(
        taking.record_works().unwrap(),
        mining.record_works().unwrap()
    );
    let (taking_index, mining_index) = (dedup_index(&taking), dedup_index(&mining));
    assert!(taking_index == mining_index, "the dedup index differs");
    assert_blocks_follow_features(&taking);
    let everything = |store: &Store| {
        let entries = feed_entries(store).into_iter();
        entries.map(|entry| entry.id).collect::<Vec<_>>()
    };
    assert_eq!(everything(&taking), everything(&mining));
    // Both now say this essor's rules mined every row, up to the change log's end.
    let end = taking.changes_since(0, 1 << 20).unwrap().next;
    for store in [&taking, &mining] {
        let after = store.features_mined().unwrap();
        assert_eq!(
            after.map(|m| (m.rules, m.cursor)),
            Some((crate::dedup::RULES, end))
        );
    }
}

/// Issue 17: a rebuild derives each slice's works on all cores, a part of its groups at a time;
/// the report, works, ids, `record_work`, dedup index, feed and the works handed to the index are
/// the same whatever the parts (one group each, pulled by the cores in turn, or the whole slice
/// on one core), on a store whose works absorb, split and lose records.
#[test]
fn a_rebuild_derives_the_same_works_whatever_parts_its_slices_are_cut_in() {
    let records = initial_and_changes();
    let sources = SourceInfos::default();
    let builtin = Thesaurus::builtin().unwrap();
    let changed = builtin_without_cooperatives();
    let (_parted_dir, parted) = built_then_changed(&records, &sources, &builtin);
    let (_whole_dir, whole) = built_then_changed(&records, &sources, &builtin);
    let (parted_made, whole_made) = (MadeWorks::default(), MadeWorks::default());
    let by_group =
        rederive::rederive_in_parts(&parted, &sources, &changed, None, Some(&parted_made), 1)
            .unwrap();
    let by_slice = rederive::rederive_in_parts(
        &whole,
        &sources,
        &changed,
        None,
        Some(&whole_made),
        usize::MAX,
    )
    .unwrap();
    let report = &by_group.report;
    assert!(report.works_changed > 10, "{report:?}");
    assert!(report.works_created > 10, "{report:?}");
    assert!(
        report.works_merged + report.works_deleted > 10,
        "{report:?}"
    );
    assert_eq!(by_group.report, by_slice.report);
    assert_eq!(by_group.indexed, by_slice.indexed);
    assert!(works(&parted) == works(&whole), "the works differ");
    assert_eq!(
        parted.record_works().unwrap(),
        whole.record_works().unwrap()
    );
    assert!(
        dedup_index(&parted) == dedup_index(&whole),
        "the dedup index differs"
    );
    assert_blocks_follow_features(&parted);
    let ids = |store: &Store| {
        let entries = feed_entries(store).into_iter();
        entries.map(|entry| entry.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&parted), ids(&whole));
    assert_eq!(
        *parted_made.ids.lock().unwrap(),
        *whole_made.ids.lock().unwrap()
    );
}

/// A rebuild takes a stored features row as it is only when the rules that mined it are this
/// essor's and its record has not changed since: a row these rules would not give (as an older
/// essor's) stays while the store says these rules mined it, and is mined again otherwise.
#[test]
fn a_rebuild_takes_a_features_row_only_from_these_rules_and_an_unchanged_record() {
    let (_dir, store) = labelled_harvested();
    let sources = SourceInfos::default();
    let builtin = Thesaurus::builtin().unwrap();
    update(&store, &sources, &builtin, None, None, None).unwrap();
    let mined = store.features_mined().unwrap().unwrap();
    // The record of the build's last change: the one changed since the change before.
    let record = store.changes_since(mined.cursor - 1, 1).unwrap().records[0].clone();
    let features = |store: &Store| {
        let view = store.dedup_view().unwrap();
        view.features::<StoredFeatures>(record.as_ref())
            .unwrap()
            .unwrap()
    };
    let right = features(&store);
    let mut wrong = features(&store);
    wrong.features.year = Some(wrong.features.year.unwrap_or(1900) + 1);
    let plant = |store: &Store, mined: Option<crate::store::FeaturesMined>| {
        store
            .update_works(|tx| {
                if let Some(mined) = mined {
                    tx.set_features_mined(mined)?;
                }
                tx.set_features(record.as_ref(), &wrong)
            })
            .unwrap();
    };

    plant(&store, None);
    rederive(&store, &sources, &builtin, None, None).unwrap();
    assert!(features(&store) == wrong, "taken as stored");

    let older = crate::store::FeaturesMined {
        rules: crate::dedup::RULES - 1,
        ..mined
    };
    plant(&store, Some(older));
    rederive(&store, &sources, &builtin, None, None).unwrap();
    assert!(features(&store) == right, "mined again: other rules");

    // Mined after the last build by these rules: its record changed since.
    let before = crate::store::FeaturesMined {
        cursor: mined.cursor - 1,
        ..mined
    };
    plant(&store, Some(mined));
    rederive(&store, &sources, &builtin, None, None).unwrap();
    assert!(features(&store) == wrong, "taken as stored again");
    plant(&store, Some(before));
    rederive(&store, &sources, &builtin, None, None).unwrap();
    assert!(features(&store) == right, "mined again: changed since");
}

/// Renders one row per live work and counts its calls.
#[derive(Default)]
struct Counting(std::sync::atomic::AtomicUsize);

impl RecordRenderer for Counting {
    fn render(
        &self,
        work: &Work,
        _: &crate::store::FeedEntry,
        _: &[(RecordKey, Option<crate::store::RecordOrigin>)],
    ) -> crate::store::RenderedRecords {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        vec![("oai_dc", work.id.clone().into_bytes())]
    }
}

#[test]
fn a_rebuild_leaves_the_feed_records_of_the_works_it_changes_to_the_server() {
    let (_dir, store) = labelled_harvested();
    let sources = SourceInfos::default();
    let builtin = Thesaurus::builtin().unwrap();
    let renderer = Counting::default();
    update(&store, &sources, &builtin, Some(&renderer), None, None).unwrap();
    let members = |work: &Work| work.members.iter().map(|m| m.key().into()).collect();
    let render = |work: &Work, entry: &crate::store::FeedEntry, origins: &[_]| {
        renderer.render(work, entry, origins)
    };
    let live = store.work_counts().unwrap().0;
    let filled = store
        .fill_missing_feed_records(|| false, members, render)
        .unwrap();
    assert_eq!(
        filled, live,
        "a fresh build leaves every work's records to the server"
    );
    assert_eq!(store.feed_records_missing().unwrap(), None);

    // A theme gone from the thesaurus: the works it classified change, nothing is rendered.
    let changed = builtin_without_cooperatives();
    let calls = renderer.0.load(std::sync::atomic::Ordering::Relaxed);
    let made = MadeWorks::default();
    let rederived = rederive(&store, &sources, &changed, Some(&renderer), Some(&made)).unwrap();
    let report = rederived.report;
    assert!(report.works_changed > 10, "{report:?}");
    // Works go to the index all or none; all when most of the first slice's changed.
    let made_ids = made.ids.into_inner().unwrap();
    assert_eq!(rederived.indexed, !made_ids.is_empty());
    if rederived.indexed {
        assert_every_live_work_was_made(&store, made_ids, *made.stored.lock().unwrap());
    }
    assert_eq!(renderer.0.load(std::sync::atomic::Ordering::Relaxed), calls);
    assert!(store.feed_records_missing().unwrap().is_some());
    // The server renders exactly the works that changed, once.
    let filled = store
        .fill_missing_feed_records(|| false, members, render)
        .unwrap();
    assert_eq!(filled, report.works_changed + report.works_created);
    assert_eq!(store.feed_records_missing().unwrap(), None);
    assert_eq!(
        store
            .fill_missing_feed_records(|| false, members, render)
            .unwrap(),
        0
    );
}

/// Issue 17: a change batch leaves the feed records of the works it writes to the server, as a
/// fresh build and a rebuild do: the feed serves those works from the works until the server
/// renders them (exactly those, once), and serves every other work's stored records meanwhile.
#[test]
fn a_change_batch_leaves_the_feed_records_of_the_works_it_writes_to_the_server() {
    let records = initial_and_changes();
    let sources = SourceInfos::default();
    let builtin = Thesaurus::builtin().unwrap();
    let renderer = Counting::default();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    harvest(&store, &records[0], "2026-01-01T00:00:00Z");
    update(&store, &sources, &builtin, Some(&renderer), None, None).unwrap();
    let members = |work: &Work| work.members.iter().map(|m| m.key().into()).collect();
    let render = |work: &Work, entry: &crate::store::FeedEntry, origins: &[_]| {
        renderer.render(work, entry, origins)
    };
    store
        .fill_missing_feed_records(|| false, members, render)
        .unwrap();
    assert_eq!(store.feed_records_missing().unwrap(), None);
    let stored_before = feed_entries(&store).len();

    harvest(&store, &records[1], "2026-02-01T00:00:00Z");
    let calls = renderer.0.load(std::sync::atomic::Ordering::Relaxed);
    let report = update(&store, &sources, &builtin, Some(&renderer), None, None).unwrap();
    assert!(
        report.works_changed > 10 && report.works_created > 0,
        "{report:?}"
    );
    assert_eq!(
        renderer.0.load(std::sync::atomic::Ordering::Relaxed),
        calls,
        "nothing rendered by the batch"
    );
    let missing = store.feed_records_missing().unwrap().expect("marked");
    // The page a harvester reads: the works the batch wrote come with their work, no stored
    // record; every work before them with its stored record.
    let all = crate::store::FeedRange {
        set: "",
        from: 0,
        until: u64::MAX,
        after: None,
    };
    let page = |store: &Store| {
        store
            .feed_records_page::<Work>(all, 1_000_000, "oai_dc", members)
            .unwrap()
            .0
    };
    let items = page(&store);
    assert!(items.len() >= stored_before);
    let live_written: Vec<&str> = items
        .iter()
        .filter(|item| !item.entry.deleted && item.entry.key() >= missing)
        .map(|item| item.entry.id.as_str())
        .collect();
    for item in items.iter().filter(|item| !item.entry.deleted) {
        let written = item.entry.key() >= missing;
        assert_eq!(item.rendered.is_none(), written, "{}", item.entry.id);
        assert_eq!(item.work.is_some(), written, "{}", item.entry.id);
    }
    let rendered = store
        .fill_missing_feed_records(|| false, members, render)
        .unwrap();
    assert_eq!(rendered as usize, live_written.len());
    assert!(rendered > 10, "{rendered}");
    assert_eq!(store.feed_records_missing().unwrap(), None);
    let after = page(&store);
    assert!(after.iter().filter(|item| !item.entry.deleted).all(|item| {
        item.rendered.as_deref() == Some(item.entry.id.as_bytes()) && item.work.is_none()
    }));
}

/// The works made are the store's live works, and the feed key said stored is the feed's end.
fn assert_every_live_work_was_made(
    store: &Store,
    mut made: Vec<String>,
    stored: Option<(u64, u64)>,
) {
    let mut live: Vec<String> = Vec::new();
    store
        .for_each_work(|work: Work| {
            if work.is_live() {
                live.push(work.id);
            }
            Ok(())
        })
        .unwrap();
    made.sort();
    assert_eq!(made, live);
    let last = feed_entries(store).last().map(crate::store::FeedEntry::key);
    assert_eq!(stored, last);
}

/// Every entry of the list of all works, in the feed's order.
fn feed_entries(store: &Store) -> Vec<crate::store::FeedEntry> {
    let all = crate::store::FeedRange {
        set: "",
        from: 0,
        until: u64::MAX,
        after: None,
    };
    let (page, _) = store
        .feed_page::<serde::de::IgnoredAny>(all, 1_000_000, false, |_| Vec::new())
        .unwrap();
    page.into_iter().map(|item| item.entry).collect()
}

/// The works a rebuild hands to the index, and the feed key it says they are stored up to.
#[derive(Default)]
struct MadeWorks {
    ids: std::sync::Mutex<Vec<String>>,
    stored: std::sync::Mutex<Option<(u64, u64)>>,
}

impl BuiltWorks for MadeWorks {
    fn made(&self, works: Vec<Work>) {
        let mut ids = self.ids.lock().unwrap();
        ids.extend(works.into_iter().map(|work| work.id));
    }

    fn stored(&self, feed_key: (u64, u64)) {
        *self.stored.lock().unwrap() = Some(feed_key);
    }
}

/// Issue 17: a rebuild tells a changed stored work apart by its themes and relevance before
/// decoding it whole, and still rewrites one that differs elsewhere, and leaves an equal one,
/// however its row was written.
#[test]
fn a_stored_work_is_told_changed_by_its_themes_relevance_or_anything_else() {
    let (_dir, store) = labelled_harvested();
    let sources = SourceInfos::default();
    update(
        &store,
        &sources,
        &Thesaurus::builtin().unwrap(),
        None,
        None,
        None,
    )
    .unwrap();
    let work = a_work_with_two_themes(&store);
    let stored = |store: &Store| {
        let mut found = store.stored_works([work.id.as_str()]).unwrap();
        found.pop().flatten().expect("the work is stored")
    };
    // Bytes first and themes first (a slice after one most of whose works changed) tell the same.
    for is_stored_as in [
        super::stored_compare::is_stored_as,
        super::stored_compare::is_stored_classes_first,
    ] {
        told_changed(&store, &work, &stored, is_stored_as);
    }
}

/// The first stored work with two themes or more.
fn a_work_with_two_themes(store: &Store) -> Work {
    let mut themed: Option<Work> = None;
    store
        .for_each_work(|work: Work| {
            let has_themes = work.fields.as_ref().is_some_and(|f| f.themes.len() > 1);
            if themed.is_none() && has_themes {
                themed = Some(work);
            }
            Ok(())
        })
        .unwrap();
    themed.expect("a work with two themes")
}

fn told_changed(
    store: &Store,
    work: &Work,
    stored: &dyn Fn(&Store) -> crate::store::StoredWork,
    is_stored_as: fn(&Work, &crate::store::StoredWork) -> Result<bool, crate::store::StoreError>,
) {
    let work = work.clone();
    // The row as the works stage writes it (a former call may have left it reordered).
    store
        .update_works(|tx| tx.put_work(&work.id, &work, Some(true), true, &work.datestamp, None))
        .unwrap();
    assert!(stored(store).is(&work), "the row's bytes are the work's");
    assert!(is_stored_as(&work, &stored(store)).unwrap());

    let changed = |change: &dyn Fn(&mut Work)| {
        let mut other = work.clone();
        change(&mut other);
        assert_ne!(other, work);
        is_stored_as(&other, &stored(store)).unwrap()
    };
    fn fields(work: &mut Work) -> &mut WorkFields {
        work.fields.as_mut().unwrap()
    }
    assert!(!changed(&|w| drop(fields(w).themes.pop())));
    assert!(!changed(&|w| fields(w).themes[0].score /= 2.0));
    assert!(!changed(&|w| fields(w).relevance /= 2.0));
    // The same themes and relevance, another work: decoded whole, and told apart there.
    assert!(!changed(&|w| fields(w).title = None));
    assert!(!changed(&|w| drop(w.members.pop())));
    assert!(!changed(&|w| w.aliases.push("w99999999".into())));

    // The same work in other bytes (its fields in another order, as an older essor may have
    // written it): equal, once decoded whole.
    let reordered = serde_json::to_value(&work).unwrap();
    store
        .update_works(|tx| {
            tx.put_work(
                &work.id,
                &reordered,
                Some(true),
                true,
                &work.datestamp,
                None,
            )
        })
        .unwrap();
    assert!(!stored(store).is(&work), "the row's bytes differ");
    assert!(is_stored_as(&work, &stored(store)).unwrap());
    assert!(!changed(&|w| fields(w).relevance /= 2.0));
}

/// Issue 17: a rebuild tells a changed work whose themes, relevance and datestamp alone differ
/// from the stored one by splicing its new bytes into the stored ones' head and tail; it must
/// tell what serialising the work again with the stored themes tells, for a row as the works
/// stage writes it and for one an older essor wrote (then bytes differ: indexed again).
#[test]
fn a_work_told_changed_by_its_themes_alone_spliced_as_serialised_again() {
    let (_dir, store) = labelled_harvested();
    update(
        &store,
        &SourceInfos::default(),
        &Thesaurus::builtin().unwrap(),
        None,
        None,
        None,
    )
    .unwrap();
    let work = a_work_with_two_themes(&store);
    fn put<W: serde::Serialize>(store: &Store, work: &Work, row: &W) -> crate::store::StoredWork {
        store
            .update_works(|tx| tx.put_work(&work.id, row, Some(true), true, &work.datestamp, None))
            .unwrap();
        let mut found = store.stored_works([work.id.as_str()]).unwrap();
        found.pop().flatten().expect("the work is stored")
    }
    let now = "2031-01-02T03:04:05Z";
    fn fields(work: &mut Work) -> &mut WorkFields {
        work.fields.as_mut().unwrap()
    }
    type Case<'a> = (&'a str, &'a dyn Fn(&mut Work), bool);
    let cases: [Case<'_>; 7] = [
        ("the datestamp alone", &|_| {}, true),
        ("a theme less", &|w| drop(fields(w).themes.pop()), true),
        (
            "a theme's score",
            &|w| fields(w).themes[0].score /= 2.0,
            true,
        ),
        ("the relevance", &|w| fields(w).relevance /= 2.0, true),
        ("the title", &|w| fields(w).title = None, false),
        ("a member less", &|w| drop(w.members.pop()), false),
        (
            "an alias more, and a theme less",
            &|w| {
                w.aliases.push("w99999999".into());
                fields(w).themes.pop();
            },
            false,
        ),
    ];
    // The row as the works stage writes it: spliced, as serialised again.
    let stored = put(&store, &work, &work);
    for (what, change, themes_only) in &cases {
        let mut other = work.clone();
        change(&mut other);
        let (spliced, serialised) =
            super::stored_compare::themes_only_both_ways(&other, &stored, now).unwrap();
        assert_eq!(spliced, Some(*themes_only), "{what}: spliced");
        assert_eq!(serialised, *themes_only, "{what}: serialised again");
    }
    // A row an older essor wrote (its fields in another order): neither tells it the same
    // bytes but for the themes.
    let reordered = serde_json::to_value(&work).unwrap();
    let stored = put(&store, &work, &reordered);
    for (what, change, _) in &cases {
        let mut other = work.clone();
        change(&mut other);
        let (spliced, serialised) =
            super::stored_compare::themes_only_both_ways(&other, &stored, now).unwrap();
        assert_eq!(spliced, Some(false), "{what}: spliced, older row");
        assert!(!serialised, "{what}: serialised again, older row");
    }
}

/// The built-in thesaurus with a theme added whose words many labelled records hold: most works
/// change by their themes alone.
fn builtin_with_a_new_theme() -> Thesaurus {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("thesaurus/ess-themes.toml"),
    )
    .unwrap();
    Thesaurus::parse(&format!(
        "{text}\n[[theme]]\nid = \"field-methods\"\nfr = \"Méthodes\"\nen = \"Methods\"\n\
         weight = 0.3\nterms = [\"économie\", \"economy\", \"social\", \"sociale\"]\n"
    ))
    .unwrap()
}

/// The built-in thesaurus with a term added to a theme: a few works change.
fn builtin_with_a_term() -> Thesaurus {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("thesaurus/ess-themes.toml"),
    )
    .unwrap();
    let start = text.find("id = \"collaborative-economy\"").unwrap();
    let at = start + text[start..].find("terms = [").unwrap() + "terms = [".len();
    Thesaurus::parse(&format!(
        "{}\n    \"développement\",{}",
        &text[..at],
        &text[at..]
    ))
    .unwrap()
}

/// The labelled set's sources with roles (two open archives: members of one role), and one
/// that keeps only records above an ESS relevance.
fn sources_with_a_threshold() -> SourceInfos {
    let info = |role, min_relevance| SourceInfo {
        role,
        institution: None,
        region: None,
        min_relevance,
    };
    use crate::source::SourceRole::*;
    SourceInfos(HashMap::from([
        ("theses-fr".to_owned(), info(ThesisCatalogue, None)),
        ("hal-theses".to_owned(), info(OpenArchive, None)),
        ("tel".to_owned(), info(OpenArchive, None)),
        ("dumas".to_owned(), info(OpenArchive, Some(0.3))),
        (
            "observatoire-ess-france".to_owned(),
            info(Observatory, None),
        ),
    ]))
}

/// What a rebuild leaves that must not depend on how it derived the works: the works (but their
/// datestamps), each record's work, the dedup index, and the feed's list of all works (ids,
/// sets, deletions, in order) and each work's sets.
fn rebuilt_state(store: &Store) -> impl PartialEq + std::fmt::Debug {
    let feed: Vec<(String, Vec<String>, bool)> = feed_entries(store)
        .into_iter()
        .map(|entry| (entry.id, entry.sets, entry.deleted))
        .collect();
    let works: Vec<String> = works(store).iter().map(|w| w.to_string()).collect();
    (
        works,
        store.record_works().unwrap(),
        format!("{:?}", dedup_index(store)),
        feed,
    )
}

/// Issue 17: after a change of the thesaurus alone, a rebuild keeps the stored fields of works
/// whose records did not change (their members classified alone, the themes merged again) and
/// leaves the same works, feed, record works and dedup index as a rebuild deriving every work
/// in full (the store not saying what derived its works): a new theme, a removed one, a term,
/// and the theme back; with every source of one role and with roles and a source with an ESS
/// relevance threshold, whose records leave and join works as the thesaurus moves them across.
#[test]
fn a_rebuild_keeping_the_stored_fields_derives_what_one_deriving_them_all_does() {
    let builtin = Thesaurus::builtin().unwrap();
    let steps = [
        ("a new theme", builtin_with_a_new_theme()),
        ("the theme back", Thesaurus::builtin().unwrap()),
        ("a theme removed", builtin_without_cooperatives()),
        ("the theme back again", Thesaurus::builtin().unwrap()),
        ("a term", builtin_with_a_term()),
    ];
    for sources in [SourceInfos::default(), sources_with_a_threshold()] {
        // Both stores built, changed and updated (works of a build and of updates), then
        // rebuilt: the store says its works' fields were derived by these rules.
        let records = initial_and_changes();
        let (_kept_dir, kept) = built_then_changed(&records, &sources, &builtin);
        let (_full_dir, full) = built_then_changed(&records, &sources, &builtin);
        for store in [&kept, &full] {
            update(store, &sources, &builtin, None, None, None).unwrap();
            rederive(store, &sources, &builtin, None, None).unwrap();
            assert!(store.works_derived().unwrap().is_some());
        }
        let mut in_works = kept.record_works().unwrap().len();
        let mut moved_in_or_out = 0;
        for (step, thesaurus) in &steps {
            full.update_works(|tx| tx.set_works_derived(None)).unwrap();
            let by_keeping = rederive(&kept, &sources, thesaurus, None, None).unwrap();
            let in_full = rederive(&full, &sources, thesaurus, None, None).unwrap();
            let report = by_keeping.report;
            assert!(report.works_changed > 0, "{step}: {report:?}");
            assert!(by_keeping.kept > 0, "{step}: no work kept");
            assert_eq!(in_full.kept, 0, "{step}");
            let problems = |report: UpdateReport| UpdateReport {
                problems: 0,
                ..report
            };
            assert_eq!(problems(report), problems(in_full.report), "{step}");
            assert_eq!(by_keeping.themes_only, in_full.themes_only, "{step}");
            assert_eq!(by_keeping.indexed, in_full.indexed, "{step}");
            assert!(
                rebuilt_state(&kept) == rebuilt_state(&full),
                "{step}: the stores differ"
            );
            assert_blocks_follow_features(&kept);
            let now_in_works = kept.record_works().unwrap().len();
            moved_in_or_out += now_in_works.abs_diff(in_works);
            in_works = now_in_works;
        }
        if sources.filters_by_relevance("dumas") {
            assert!(
                moved_in_or_out > 0,
                "no record crossed its source's threshold"
            );
        }
    }
}

/// Issue 17: a rebuild keeps stored fields only when the store says these rules derived them
/// with these sources' settings and the work's records have not changed since: another fields
/// version, other settings, a record changed since, or an update with other settings (which
/// takes the store's word back), and the works are derived in full.
#[test]
fn a_rebuild_keeps_stored_fields_only_from_these_rules_settings_and_unchanged_records() {
    let (_dir, store) = labelled_harvested();
    let sources = sources_with_a_threshold();
    let builtin = Thesaurus::builtin().unwrap();
    let changed = builtin_without_cooperatives();
    update(&store, &sources, &builtin, None, None, None).unwrap();
    let derived = store
        .works_derived()
        .unwrap()
        .expect("a fresh build says so");
    assert_eq!(derived.rules, FIELDS_RULES);
    assert_eq!(derived.sources, sources.digest());
    let kept = |store: &Store, sources: &SourceInfos| {
        rederive(store, sources, &changed, None, None).unwrap().kept
    };
    let say = |derived: Option<crate::store::WorksDerived>| {
        store
            .update_works(|tx| tx.set_works_derived(derived))
            .unwrap();
    };
    let all = kept(&store, &sources);
    assert!(all > 100, "{all}");
    say(Some(crate::store::WorksDerived {
        rules: FIELDS_RULES + 1,
        ..derived
    }));
    assert_eq!(kept(&store, &sources), 0, "other fields rules");
    say(Some(derived));
    assert_eq!(kept(&store, &SourceInfos::default()), 0, "other settings");
    // Records changed since: their works derived in full.
    say(Some(crate::store::WorksDerived {
        cursor: derived.cursor - 20,
        ..derived
    }));
    let fewer = kept(&store, &sources);
    assert!(fewer > 0 && fewer < all, "{fewer} of {all}");
    // An update with other settings takes the store's word back; one with these keeps it.
    let records: Vec<_> = labelled().into_iter().take(3).map(|r| (r, false)).collect();
    harvest(&store, &records, "2026-03-01T00:00:00Z");
    update(&store, &sources, &builtin, None, None, None).unwrap();
    assert!(store.works_derived().unwrap().is_some());
    harvest(&store, &records, "2026-04-01T00:00:00Z");
    update(&store, &SourceInfos::default(), &builtin, None, None, None).unwrap();
    assert_eq!(store.works_derived().unwrap(), None);
    assert_eq!(kept(&store, &sources), 0, "an update with other settings");
}

/// Issue 17: a rebuild keeps a work's stored fields on the word of the store that these rules
/// derived them (`FIELDS_RULES`), so a change to how a work's fields are derived from its records
/// (normalising them, choosing the fields, the work's JSON) must come with a new `FIELDS_RULES`.
/// This pins the fields of the labelled set's works (but their themes): a change there fails here
/// until `FIELDS_RULES` is bumped and the digest updated with it.
#[test]
fn the_fields_rules_version_follows_the_fields_derived() {
    let sources = sources_with_a_threshold();
    let thesaurus = Thesaurus::builtin().unwrap();
    let mut works: BTreeMap<String, Vec<LabelledRecord>> = BTreeMap::new();
    for record in labelled() {
        works.entry(record.work.clone()).or_default().push(record);
    }
    let mut digest = crate::fnv::Fnv1a::default();
    for records in works.values() {
        let described: Vec<(SourceInfo, crate::normalize::Normalized)> = records
            .iter()
            .map(|record| {
                // The labelled sources declare no institution or region.
                let normalized = crate::normalize::normalize(&record.record, &record.context());
                (sources.get(&record.source), normalized)
            })
            .collect();
        let none = crate::classify::Classification {
            themes: Vec::new(),
            relevance: 0.0,
        };
        let mut members: Vec<MemberData<'_>> = records
            .iter()
            .zip(&described)
            .map(|(record, (info, normalized))| MemberData {
                source: &record.source,
                identifier: &record.identifier,
                role: info.role,
                region: info.region.as_deref(),
                normalized: std::borrow::Cow::Borrowed(normalized),
                classification: std::borrow::Cow::Borrowed(&none),
            })
            .collect();
        let fields = fields::build(&mut members);
        digest.write(&serde_json::to_vec(&fields).unwrap());
        // The thesaurus reads what `normalize_for_classify` gives as `normalize` gives it.
        for (record, (_, normalized)) in records.iter().zip(&described) {
            let light = crate::normalize::normalize_for_classify(&record.record);
            assert_eq!(
                thesaurus.classify(&light),
                thesaurus.classify(normalized),
                "{}",
                record.identifier
            );
        }
    }
    assert_eq!(
        (FIELDS_RULES, format!("{:016x}", digest.finish())),
        (1, "bf4db6adb164df0d".to_owned()),
        "how a work's fields are derived changed: bump works::FIELDS_RULES, then this digest"
    );
}

/// Issue 17: `essor works rebuild` takes a store's features rows as they are when the store
/// says `dedup::RULES` mined them, so a change to what dedup mines of a record must come with a
/// new `RULES`. This pins what the rules mine of the labelled set: a change there fails here
/// until `RULES` is bumped and the digest updated with it.
#[test]
fn the_dedup_rules_version_follows_the_features_mined() {
    let mut digest = crate::fnv::Fnv1a::default();
    for record in labelled() {
        let context = crate::normalize::Context {
            source: &record.source,
            identifier: &record.identifier,
            format: record.format.as_deref(),
            sets: &record.sets,
            institution: None,
            region: None,
        };
        let normalized = crate::normalize::normalize_for_dedup(&record.record, &context);
        let mined = (
            Features::of(&normalized),
            crate::dedup::blocking_keys(&normalized),
        );
        digest.write(&serde_json::to_vec(&mined).unwrap());
    }
    assert_eq!(
        (crate::dedup::RULES, format!("{:016x}", digest.finish())),
        (1, "c77a82031a2951de".to_owned()),
        "what dedup mines of a record changed: bump dedup::RULES, then this digest"
    );
}
