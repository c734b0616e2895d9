//! `essor check` in the store: every row of every table decoded and the tables' cross-references
//! followed, so that bit rot or a bug that left the store inconsistent is found before a reader
//! meets it. Page checksums are verified by the open ([`Store::open_checked`]); this reads
//! what the checksums cannot judge: values that do not decode, rows pointing to rows that do
//! not exist, counts that disagree with what they count.
//!
//! The works' and features' types belong to the stages above the store: the caller names them
//! ([`CheckedWork`]), so that a work is decoded exactly as its readers decode it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable, ReadableTableMetadata};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::blocks;
use super::encode::{RejectHeader, decode_features, decode_work, decompress, from_json};
use super::feed::filed_under;
use super::packed::{self, RowKey};
use super::tables::{
    BAROMETER_EDITIONS, BLOCK_CHUNKS, BLOCK_MEMBERS, CHANGES, CHECKPOINTS, COUNTS, FEED,
    FEED_BLOCKS, FEED_DEAD, FEED_ENTRIES, FEED_RECORDS, FEED_SETS, FEED_STALE, FEED_STALE_MOVES,
    META, ORIGINS, RECORD_FEATURES, RECORD_WORK, RECORDS, REGISTRATIONS, REJECTS, RUNS, STAGED,
    WORK_COUNTS, WORKS, meta_key,
};
use super::{Checkpoint, RunRecord, Store, StoreError};

/// Problems listed in a report; more are counted, not listed (one bad page can spoil thousands
/// of rows saying the same thing).
const LISTED_PROBLEMS: usize = 100;

/// What the store check needs to know of a work: whether it is live, and its member records.
pub trait CheckedWork: DeserializeOwned {
    fn is_live(&self) -> bool;
    /// (source, identifier) of each member record.
    fn member_keys(&self) -> Vec<(&str, &str)>;
    /// The work this one was merged into, if it was.
    fn merged_into(&self) -> Option<&str>;
}

/// One thing found wrong: the table, the row's key and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub table: &'static str,
    pub key: String,
    pub problem: String,
}

/// What the check read and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Rows read, per table.
    pub rows: BTreeMap<&'static str, u64>,
    /// (live, deleted) works, as counted row by row.
    pub works: (u64, u64),
    /// The last entry of the feed's list of every work (datestamp, sequence): what an
    /// up-to-date search index has followed.
    pub feed_last: Option<(u64, u64)>,
    /// The first problems found (100 at most).
    pub problems: Vec<Problem>,
    /// Every problem found, listed or not.
    pub problem_count: u64,
    /// What each table takes in the file (redb's own figures), by table name: where the
    /// store's bytes go.
    pub sizes: BTreeMap<String, TableSize>,
}

/// A table's share of the store file, from redb's `TableStats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableSize {
    /// Keys and values as inserted, without the tree's overhead.
    pub stored_bytes: u64,
    /// Branch pages' keys and other metadata.
    pub metadata_bytes: u64,
    /// Unused space in the table's pages.
    pub fragmented_bytes: u64,
    pub leaf_pages: u64,
    pub branch_pages: u64,
}

impl From<redb::TableStats> for TableSize {
    fn from(stats: redb::TableStats) -> TableSize {
        TableSize {
            stored_bytes: stats.stored_bytes(),
            metadata_bytes: stats.metadata_bytes(),
            fragmented_bytes: stats.fragmented_bytes(),
            leaf_pages: stats.leaf_pages(),
            branch_pages: stats.branch_pages(),
        }
    }
}

/// Every table's [`TableSize`], multimap tables included.
fn table_sizes(tx: &redb::ReadTransaction) -> Result<BTreeMap<String, TableSize>, StoreError> {
    let mut sizes = BTreeMap::new();
    for handle in tx.list_tables()? {
        let name = redb::TableHandle::name(&handle).to_owned();
        let table = tx.open_untyped_table(handle)?;
        sizes.insert(name, TableSize::from(table.stats()?));
    }
    for handle in tx.list_multimap_tables()? {
        let name = redb::MultimapTableHandle::name(&handle).to_owned();
        let table = tx.open_untyped_multimap_table(handle)?;
        sizes.insert(name, TableSize::from(table.stats()?));
    }
    Ok(sizes)
}

impl CheckReport {
    fn problem(&mut self, table: &'static str, key: impl std::fmt::Display, problem: String) {
        self.problem_count += 1;
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(Problem {
                table,
                key: key.to_string(),
                problem,
            });
        }
    }

    fn read(&mut self, table: &'static str) {
        *self.rows.entry(table).or_default() += 1;
    }

    fn read_rows(&mut self, table: &'static str, rows: u64) {
        if rows > 0 {
            *self.rows.entry(table).or_default() += rows;
        }
    }

    pub fn is_sound(&self) -> bool {
        self.problem_count == 0
    }
}

impl Store {
    /// Opens the store in `data_dir` checking the checksum of every page, whatever the last
    /// close was: a page that fails is [`StoreError::Damaged`]. Does not create a store.
    pub fn open_checked(data_dir: &std::path::Path) -> Result<Store, StoreError> {
        let path = Store::file_in(data_dir);
        if !path.is_file() {
            return Err(StoreError::Missing { path });
        }
        if super::open::in_use(&path) {
            return Err(StoreError::InUse { path });
        }
        let db = super::open::open_intact(&path, super::CACHE_BYTES, |db| {
            if !super::has_schema_version(db)? {
                return Err(StoreError::corrupt(
                    "meta",
                    "no schema version: not an essor store",
                ));
            }
            super::initialise(db, &path)
        })?;
        Ok(Store::from_db(db, path))
    }

    /// Reads every row of every table in one snapshot and follows the cross-references: the
    /// records' counts, the change log and origins against the records, every work decoded
    /// as `W` with its feed entry and its members' `record_work` rows, the features decoded as
    /// `F`, the feed index against the works and its set sizes.
    pub fn check_rows<W: CheckedWork, F: DeserializeOwned>(
        &self,
    ) -> Result<CheckReport, StoreError> {
        let tx = self.db.begin_read()?;
        let mut report = CheckReport::default();
        check_meta(&tx, &mut report)?;
        check_records(&tx, &mut report)?;
        check_bookkeeping(&tx, &mut report)?;
        let live = check_works::<W>(&tx, &mut report)?;
        check_record_work(&tx, &live, &mut report)?;
        check_features::<F>(&tx, &mut report)?;
        let current = check_feed(&tx, &live, &mut report)?;
        check_feed_rows(&tx, &current, &mut report)?;
        report.sizes = table_sizes(&tx)?;
        Ok(report)
    }
}

fn check_meta(tx: &redb::ReadTransaction, report: &mut CheckReport) -> Result<(), StoreError> {
    let meta = tx.open_table(META)?;
    for entry in meta.iter()? {
        let (name, value) = entry?;
        report.read("meta");
        let (name, value) = (name.value(), value.value());
        let numeric = [
            meta_key::WORKS_CURSOR,
            meta_key::WORK_SEQUENCE,
            meta_key::FEED_SEQUENCE,
            meta_key::FEED_LAST_STAMP,
        ];
        if numeric.contains(&name) && value.parse::<u64>().is_err() {
            report.problem("meta", name, format!("not a number: {value:?}"));
        }
        let feed_key =
            name.starts_with(meta_key::DERIVED) || name == meta_key::FEED_RECORDS_MISSING;
        if feed_key && super::feed_derived::parse_cursor(value).is_none() {
            report.problem("meta", name, format!("not a feed key: {value:?}"));
        }
        if name == meta_key::FEATURES_MINED && super::FeaturesMined::parse(value).is_none() {
            report.problem("meta", name, format!("not `rules cursor`: {value:?}"));
        }
        if name.starts_with(meta_key::SETTLED)
            && let Err(error) = super::staged::check_mark(value)
        {
            report.problem("meta", name, error.to_string());
        }
        if name == meta_key::WORKS_DERIVED && super::WorksDerived::parse(value).is_none() {
            report.problem(
                "meta",
                name,
                format!("not `rules sources cursor`: {value:?}"),
            );
        }
    }
    let cursor = meta
        .get(meta_key::WORKS_CURSOR)?
        .and_then(|v| v.value().parse::<u64>().ok())
        .unwrap_or(0);
    let last_change = tx
        .open_table(CHANGES)?
        .last()?
        .map_or(0, |(key, _)| key.value());
    if cursor > last_change {
        report.problem(
            "meta",
            meta_key::WORKS_CURSOR,
            format!("the works stage says it applied change {cursor}, the change log ends at {last_change}"),
        );
    }
    Ok(())
}

/// Records, rejects, their per-source counts, the change log and the origins.
fn check_records(tx: &redb::ReadTransaction, report: &mut CheckReport) -> Result<(), StoreError> {
    let records = tx.open_table(RECORDS)?;
    let mut counted: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for entry in records.iter()? {
        let (key, value) = entry?;
        report.read("records");
        let (source, identifier) = key.value();
        let (_, blob) = value.value();
        match super::encode::unpack_record(blob) {
            Ok((header, _)) => {
                let count = counted.entry(source.to_owned()).or_default();
                if header.deleted {
                    count.1 += 1;
                } else {
                    count.0 += 1;
                }
            }
            Err(error) => report.problem("records", pair(source, identifier), error.to_string()),
        }
    }
    let rejects = tx.open_table(REJECTS)?;
    for entry in rejects.iter()? {
        let (key, value) = entry?;
        report.read("rejects");
        let (source, identifier) = key.value();
        let (header, raw) = value.value();
        counted.entry(source.to_owned()).or_default().2 += 1;
        let decoded = from_json::<RejectHeader>("rejects", header)
            .and_then(|_| decompress("rejects", raw).map(drop));
        if let Err(error) = decoded {
            report.problem("rejects", pair(source, identifier), error.to_string());
        }
    }
    let counts = tx.open_table(COUNTS)?;
    let mut stored: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for entry in counts.iter()? {
        let (source, value) = entry?;
        report.read("source_counts");
        stored.insert(source.value().to_owned(), value.value());
    }
    for source in counted.keys().chain(stored.keys()).collect::<BTreeSet<_>>() {
        let found = counted.get(source).copied().unwrap_or_default();
        let said = stored.get(source).copied().unwrap_or_default();
        if found != said {
            report.problem(
                "source_counts",
                source,
                format!(
                    "says (live, deleted, rejected) = {said:?}, the records and rejects are {found:?}"
                ),
            );
        }
    }
    let changes = tx.open_table(CHANGES)?;
    for entry in changes.iter()? {
        let (sequence, key) = entry?;
        report.read("changes");
        let (source, identifier) = key.value();
        if records.get((source, identifier))?.is_none() {
            report.problem(
                "changes",
                sequence.value(),
                format!("names {} which is not in records", pair(source, identifier)),
            );
        }
    }
    let origins = tx.open_table(ORIGINS)?;
    for entry in origins.iter()? {
        let (key, _) = entry?;
        report.read("record_origins");
        let (source, identifier) = key.value();
        if records.get((source, identifier))?.is_none() {
            report.problem(
                "record_origins",
                pair(source, identifier),
                "no such record".to_owned(),
            );
        }
    }
    Ok(())
}

/// Checkpoints, runs, registrations and barometer editions: each row's JSON decodes; and the
/// items a harvest staged decode.
fn check_bookkeeping(
    tx: &redb::ReadTransaction,
    report: &mut CheckReport,
) -> Result<(), StoreError> {
    for entry in tx.open_table(STAGED)?.iter()? {
        let (key, value) = entry?;
        report.read("staged_items");
        if let Err(error) = super::staged::check_item(value.value()) {
            let (source, arrival) = key.value();
            report.problem(
                "staged_items",
                format!("{source} {arrival}"),
                error.to_string(),
            );
        }
    }
    for entry in tx.open_table(CHECKPOINTS)?.iter()? {
        let (source, value) = entry?;
        report.read("checkpoints");
        if let Err(error) = from_json::<Checkpoint>("checkpoints", value.value()) {
            report.problem("checkpoints", source.value(), error.to_string());
        }
    }
    for entry in tx.open_table(RUNS)?.iter()? {
        let (run, value) = entry?;
        report.read("runs");
        if let Err(error) = from_json::<RunRecord>("runs", value.value()) {
            report.problem("runs", run.value(), error.to_string());
        }
    }
    for entry in tx.open_table(REGISTRATIONS)?.iter()? {
        let (id, value) = entry?;
        report.read("registrations");
        if let Err(error) = from_json::<super::Registration>("registrations", value.value()) {
            report.problem("registrations", id.value(), error.to_string());
        }
    }
    for entry in tx.open_table(BAROMETER_EDITIONS)?.iter()? {
        let (id, value) = entry?;
        report.read("barometer_editions");
        let (_, json) = value.value();
        if let Err(error) = from_json::<IgnoredAny>("barometer_editions", json) {
            report.problem("barometer_editions", id.value(), error.to_string());
        }
    }
    Ok(())
}

/// Every work decoded, its alias target present, its members pointing back to it, the counts;
/// returns each work's liveness by id.
fn check_works<W: CheckedWork>(
    tx: &redb::ReadTransaction,
    report: &mut CheckReport,
) -> Result<HashMap<String, bool>, StoreError> {
    let works = tx.open_table(WORKS)?;
    let record_work = tx.open_table(RECORD_WORK)?;
    let mut live_by_id = HashMap::new();
    let mut merged = Vec::new();
    for entry in works.iter()? {
        let (id, value) = entry?;
        report.read("works");
        let id = id.value();
        let work: W = match decode_work(value.value()) {
            Ok(work) => work,
            Err(error) => {
                report.problem("works", id, error.to_string());
                continue;
            }
        };
        let live = work.is_live();
        if live {
            report.works.0 += 1;
            for (source, identifier) in work.member_keys() {
                let points_to = record_work.get((source, identifier))?;
                let points_to = points_to.as_ref().map(|v| v.value());
                if points_to != Some(id) {
                    report.problem(
                        "works",
                        id,
                        format!(
                            "member {} belongs to {} in record_work",
                            pair(source, identifier),
                            points_to.unwrap_or("no work")
                        ),
                    );
                }
            }
        } else {
            report.works.1 += 1;
        }
        if let Some(target) = work.merged_into() {
            merged.push((id.to_owned(), target.to_owned()));
        }
        live_by_id.insert(id.to_owned(), live);
    }
    for (id, target) in merged {
        if !live_by_id.contains_key(&target) {
            report.problem(
                "works",
                id,
                format!("merged into {target}, which is not in works"),
            );
        }
    }
    let counts = tx.open_table(WORK_COUNTS)?;
    let said =
        |name: &str| -> Result<u64, StoreError> { Ok(counts.get(name)?.map_or(0, |v| v.value())) };
    let said = (said("live")?, said("deleted")?);
    report.rows.insert("work_counts", counts.len()?);
    if said != report.works {
        report.problem(
            "work_counts",
            "live, deleted",
            format!("says {said:?}, the works are {:?}", report.works),
        );
    }
    Ok(live_by_id)
}

/// Each live record's work exists and is live.
fn check_record_work(
    tx: &redb::ReadTransaction,
    live: &HashMap<String, bool>,
    report: &mut CheckReport,
) -> Result<(), StoreError> {
    let records = tx.open_table(RECORDS)?;
    for entry in tx.open_table(RECORD_WORK)?.iter()? {
        let (key, work) = entry?;
        report.read("record_work");
        let (source, identifier) = key.value();
        let work = work.value();
        match live.get(work) {
            Some(true) => {}
            Some(false) => report.problem(
                "record_work",
                pair(source, identifier),
                format!("belongs to {work}, which is not live"),
            ),
            None => report.problem(
                "record_work",
                pair(source, identifier),
                format!("belongs to {work}, which is not in works"),
            ),
        }
        if records.get((source, identifier))?.is_none() {
            report.problem(
                "record_work",
                pair(source, identifier),
                "no such record".to_owned(),
            );
        }
    }
    Ok(())
}

/// Every record's dedup features decode; the blocking index is counted.
fn check_features<F: DeserializeOwned>(
    tx: &redb::ReadTransaction,
    report: &mut CheckReport,
) -> Result<(), StoreError> {
    for entry in tx.open_table(RECORD_FEATURES)?.iter()? {
        let (key, value) = entry?;
        report.read("record_features");
        if let Err(error) = decode_features::<F>(value.value()) {
            let (source, identifier) = key.value();
            report.problem(
                "record_features",
                pair(source, identifier),
                error.to_string(),
            );
        }
    }
    // Each chunk of the blocking index decodes, is not empty, holds its members in order after
    // the previous chunk's of its block, under its first member's key (the block's first
    // chunk under `blocks::START`).
    let mut previous: Option<(u64, blocks::Member)> = None;
    let mut members = 0u64;
    for entry in tx.open_table(BLOCK_CHUNKS)?.iter()? {
        let (key, value) = entry?;
        report.read("block_chunks");
        let (block, source, identifier, sketch) = key.value();
        let name = || format!("{block:016x} {}", pair(source, identifier));
        let chunk = match blocks::decode(value.value()) {
            Ok(chunk) => chunk,
            Err(error) => {
                report.problem("block_chunks", name(), error.to_string());
                continue;
            }
        };
        let keyed = (source.to_owned(), identifier.to_owned(), sketch);
        let follows = previous
            .as_ref()
            .filter(|(last_block, _)| *last_block == block);
        let rightly_keyed = match follows {
            None => (source, identifier, sketch) == blocks::START && !chunk.is_empty(),
            Some(_) => chunk.first() == Some(&keyed),
        };
        let in_order = chunk.windows(2).all(|pair| pair[0] < pair[1])
            && follows.is_none_or(|(_, last)| chunk.first().is_some_and(|first| last < first));
        if !rightly_keyed || !in_order {
            report.problem(
                "block_chunks",
                name(),
                "members out of order, or not under the first one's key".to_owned(),
            );
        }
        members += chunk.len() as u64;
        if let Some(last) = chunk.into_iter().last() {
            previous = Some((block, last));
        }
    }
    members += unmigrated_block_members(tx, report)?;
    report.rows.insert("block_members", members);
    Ok(())
}

/// The members of a schema 3 or 4 store's blocks, one multimap entry each, until the next
/// works update packs them (`Store::migrate_blocks`): counted, so that a check before the
/// migration does not report an empty blocking index.
fn unmigrated_block_members(
    tx: &redb::ReadTransaction,
    report: &mut CheckReport,
) -> Result<u64, StoreError> {
    let table = match tx.open_multimap_table(BLOCK_MEMBERS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(error) => return Err(error.into()),
    };
    let mut members = 0;
    for entry in table.iter()? {
        let (_, values) = entry?;
        for value in values {
            value?;
            report.read("block_members");
            members += 1;
        }
    }
    Ok(members)
}

/// The feed index: one current entry per work, flagged deleted when the work is not live,
/// filed in the list of every work and in each of its sets; every other `feed` row waiting in
/// `feed_stale` to be pruned; each set's size its number of current entries. Gives each
/// current entry's key: the work's id and whether it is live.
fn check_feed(
    tx: &redb::ReadTransaction,
    live: &HashMap<String, bool>,
    report: &mut CheckReport,
) -> Result<HashMap<RowKey, (String, bool)>, StoreError> {
    let feed = tx.open_table(FEED)?;
    let entries = tx.open_table(FEED_ENTRIES)?;
    let mut filed: HashMap<String, u64> = HashMap::new();
    let mut current: HashMap<RowKey, (String, bool)> = HashMap::new();
    for entry in entries.iter()? {
        let (id, value) = entry?;
        report.read("feed_entries");
        let id = id.value();
        let (stamp, sequence, deleted, sets) = value.value();
        if let Some((other, _)) = current.insert((stamp, sequence), (id.to_owned(), !deleted)) {
            report.problem(
                "feed_entries",
                id,
                format!("has the feed key ({stamp}, {sequence}) of {other} too"),
            );
        }
        match live.get(id) {
            None => report.problem("feed_entries", id, "no such work".to_owned()),
            Some(live) if *live == deleted => report.problem(
                "feed_entries",
                id,
                format!("flagged deleted = {deleted}, the work is live = {live}"),
            ),
            Some(_) => {}
        }
        let leaves: Vec<String> = sets
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for set in filed_under(&leaves) {
            *filed.entry(set.to_owned()).or_default() += 1;
            let row = feed.get((set, stamp, sequence))?;
            if row.as_ref().map(|v| v.value()) != Some(id) {
                report.problem(
                    "feed",
                    format!("({set:?}, {stamp}, {sequence})"),
                    format!("{id}'s current entry is missing"),
                );
            }
        }
    }
    let mut ids: Vec<&String> = live.keys().collect();
    ids.sort_unstable();
    for id in ids {
        if entries.get(id.as_str())?.is_none() {
            report.problem("feed_entries", id, "the work has no feed entry".to_owned());
        }
    }
    let mut stale = HashSet::new();
    let mut listed = 0u64;
    let (moves, legacy) = (tx.open_table(FEED_STALE_MOVES)?, tx.open_table(FEED_STALE)?);
    super::feed_tx::each_stale(&moves, &legacy, |set, stamp, sequence| {
        listed += 1;
        stale.insert((set.to_owned(), stamp, sequence));
    })?;
    report.read_rows("feed_stale_moves", moves.len()?);
    report.read_rows("feed_stale", legacy.len()?);
    let counted = tx
        .open_table(META)?
        .get(meta_key::FEED_STALE_ENTRIES)?
        .map(|v| v.value().to_owned());
    if let Some(counted) = counted
        && counted.parse::<u64>().ok() != Some(listed)
    {
        report.problem(
            "meta",
            meta_key::FEED_STALE_ENTRIES,
            format!("says {counted} stale feed entries, {listed} are listed"),
        );
    }
    for entry in feed.iter()? {
        let (key, id) = entry?;
        report.read("feed");
        let (set, stamp, sequence) = key.value();
        if set.is_empty() {
            report.feed_last = Some((stamp, sequence));
        }
        let current = entries
            .get(id.value())?
            .is_some_and(|v| (v.value().0, v.value().1) == (stamp, sequence));
        if !current && !stale.contains(&(set.to_owned(), stamp, sequence)) {
            report.problem(
                "feed",
                format!("({set:?}, {stamp}, {sequence})"),
                format!("points to {} but is neither current nor stale", id.value()),
            );
        }
    }
    for entry in tx.open_table(FEED_SETS)?.iter()? {
        let (set, size) = entry?;
        report.read("feed_sets");
        let (set, size) = (set.value(), size.value());
        let found = filed.remove(set).unwrap_or(0);
        if found != size {
            report.problem(
                "feed_sets",
                format!("{set:?}"),
                format!("says {size} works, {found} are filed there"),
            );
        }
    }
    let mut unlisted: Vec<(String, u64)> = filed.into_iter().collect();
    unlisted.sort_unstable();
    for (set, found) in unlisted {
        report.problem(
            "feed_sets",
            format!("{set:?}"),
            format!("missing, {found} works are filed there"),
        );
    }
    Ok(current)
}

/// The feed's stored records (`feed_rendered` and its packed blocks): every row, under every
/// prefix, is at the current feed key of a live work, or at a key listed dead in `feed_dead`
/// (left by a work that moved, until compacted); no dead key is a current one (compacting it
/// would remove a live work's rows); every block reads back.
fn check_feed_rows(
    tx: &redb::ReadTransaction,
    current: &HashMap<RowKey, (String, bool)>,
    report: &mut CheckReport,
) -> Result<(), StoreError> {
    let mut dead: HashSet<RowKey> = HashSet::new();
    for row in tx.open_table(FEED_DEAD)?.iter()? {
        let (moved, key) = row?;
        report.read("feed_dead");
        let key = key.value();
        if let Some((id, _)) = current.get(&key) {
            report.problem(
                "feed_dead",
                moved.value(),
                format!("lists ({}, {}) dead, {id}'s current feed key", key.0, key.1),
            );
        }
        dead.insert(key);
    }
    let judge = |table: &'static str, prefix: &str, key: RowKey, report: &mut CheckReport| {
        report.read(table);
        let live = current.get(&key).is_some_and(|(_, live)| *live);
        if !live && !dead.contains(&key) {
            report.problem(
                table,
                format!("({prefix:?}, {}, {})", key.0, key.1),
                "a stored record at no live work's current feed key, not listed dead".to_owned(),
            );
        }
    };
    for row in tx.open_table(FEED_RECORDS)?.iter()? {
        let (key, _) = row?;
        let (prefix, stamp, sequence) = key.value();
        judge("feed_rendered", prefix, (stamp, sequence), report);
    }
    for block in tx.open_table(FEED_BLOCKS)?.iter()? {
        let (key, value) = block?;
        let (prefix, stamp, sequence) = key.value();
        for (place, row) in packed::Rows(value.value()).enumerate() {
            match row {
                Ok((row_key, _)) if place > 0 || row_key == (stamp, sequence) => {
                    judge("feed_rendered_blocks", prefix, row_key, report);
                }
                Ok(_) => report.problem(
                    "feed_rendered_blocks",
                    format!("({prefix:?}, {stamp}, {sequence})"),
                    "a block not keyed by its first row".to_owned(),
                ),
                Err(error) => report.problem(
                    "feed_rendered_blocks",
                    format!("({prefix:?}, {stamp}, {sequence})"),
                    error.to_string(),
                ),
            }
        }
    }
    Ok(())
}

fn pair(source: &str, identifier: &str) -> String {
    format!("{source}/{identifier}")
}
