//! Every table of the store file, in one place: its key, its value, what it holds and who
//! writes it. Their names and types are the file's format: changing one is a schema change
//! ([`super::SCHEMA_VERSION`]). Keys about one record are (source, OAI identifier) pairs, the
//! stored form of [`super::RecordKey`].

// The types are spelled out: they are the file's format, read here at a glance.
#![allow(clippy::type_complexity)]

use redb::{
    Key, MultimapTableDefinition, ReadTransaction, ReadableTable, TableDefinition, TableError,
    TableHandle, Value, WriteTransaction,
};

use super::StoreError;

/// name → value: the schema version, counters and cursors (the names are in [`meta_key`]).
/// Written at open, by the works stage and the feed index.
pub(super) const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// The names of the `meta` table's entries.
pub(super) mod meta_key {
    /// The store's [`SCHEMA_VERSION`](crate::store::SCHEMA_VERSION), checked at open.
    pub const SCHEMA_VERSION: &str = "schema_version";
    /// The change-log position the works stage has applied up to.
    pub const WORKS_CURSOR: &str = "works_cursor";
    /// The last work id's number (ids are never reused).
    pub const WORK_SEQUENCE: &str = "work_sequence";
    /// The last feed sequence number given out.
    pub const FEED_SEQUENCE: &str = "feed_sequence";
    /// The last feed datestamp given out (seconds): later ones never sort before it.
    pub const FEED_LAST_STAMP: &str = "feed_last_stamp";
    /// How many `feed` entries are stale ([`super::FEED_STALE_MOVES`] and
    /// [`super::FEED_STALE`] list them): what decides a prune. Missing in older stores: counted
    /// from those tables.
    pub const FEED_STALE_ENTRIES: &str = "feed_stale_entries";
    /// The renderer version (`feed::stored`) the stored feed records were written by.
    pub const FEED_RECORDS_VERSION: &str = "feed_records_version";
    /// The feed key (`datestamp sequence`) of the first work a bulk build or a change batch
    /// wrote without its feed records, until the server has rendered them
    /// (`Store::fill_missing_feed_records`).
    pub const FEED_RECORDS_MISSING: &str = "feed_records_missing";
    /// What made the stored dedup features (`Store::features_mined`): `rules cursor`, the dedup
    /// rules' version they were mined by and the change-log position up to which every record
    /// that makes a work has its row.
    pub const FEATURES_MINED: &str = "features_mined";
    /// What derived the stored works' fields (`Store::works_derived`): `rules sources cursor`,
    /// the version of the rules that derive a work's fields from its records, the digest of the
    /// sources' settings they read, and the change-log position of the build or rebuild.
    pub const WORKS_DERIVED: &str = "works_derived";
    /// The secret resumption tokens are signed with.
    pub const TOKEN_SECRET: &str = "token_secret";
    /// Before a derived prefix's name (`Store::derive_feed_rows`): the feed key up to which its
    /// rows were derived, as `datestamp sequence`.
    pub const DERIVED: &str = "feed_derived:";
    /// Before a source's id: how far a settle of its staged items went (`staged.rs`), while it
    /// is unfinished: `last-arrival-it-reads last-identifier-it-wrote`.
    pub const SETTLED: &str = "settled:";
}

// The harvest's tables, written by `Store::commit_page` (a page at a time) and the run
// bookkeeping in records.rs.

/// (source, OAI identifier) → (content hash, LZ4 of [u32 header length][JSON header][raw XML]).
/// The hash sits outside the blob so "unchanged?" needs no decompression; header and raw are
/// compressed together because the mapped record repeats the raw text (titles, abstracts).
pub(super) const RECORDS: TableDefinition<(&str, &str), (u64, &[u8])> =
    TableDefinition::new("records");
/// (source, identifier or `sha:<hash>`) → (JSON reject header, LZ4 raw record XML).
pub(super) const REJECTS: TableDefinition<(&str, &str), (&[u8], &[u8])> =
    TableDefinition::new("rejects");
/// source → JSON [`Checkpoint`](super::Checkpoint), saved with every page.
pub(super) const CHECKPOINTS: TableDefinition<&str, &[u8]> = TableDefinition::new("checkpoints");
/// run id → JSON [`RunRecord`](super::RunRecord).
pub(super) const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
/// source → (live, deleted, rejected) records.
pub(super) const COUNTS: TableDefinition<&str, (u64, u64, u64)> =
    TableDefinition::new("source_counts");
/// sequence → (source, identifier) of every record written: later stages (works, index)
/// follow this log from their own cursor, so their work is proportional to what changed.
pub(super) const CHANGES: TableDefinition<u64, (&str, &str)> = TableDefinition::new("changes");
/// (source, identifier) → (datestamp, format, stored at) of the stored version: the OAI feed's
/// provenance reads this instead of decompressing records. Stores written before it have no
/// rows for older records (the record's header says the same).
pub(super) const ORIGINS: TableDefinition<(&str, &str), (&str, &str, &str)> =
    TableDefinition::new("record_origins");

/// (source, arrival) → a staged item (`staged.rs`): the records and rejects of a run staging
/// them, in the order they came, until the run's end settles them into [`RECORDS`] in key order.
pub(super) const STAGED: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("staged_items");

/// registration id → JSON [`Registration`](super::Registration): repositories registered
/// through the API (registrations.rs).
pub(super) const REGISTRATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("registrations");

// The works stage's tables, written through `WorksTx` (works.rs, dedup.rs).

/// work id → LZ4 JSON of the work (live, tombstone, or merged away).
pub(super) const WORKS: TableDefinition<&str, &[u8]> = TableDefinition::new("works");
/// (source, identifier) → the id of the work the record belongs to (live records only).
pub(super) const RECORD_WORK: TableDefinition<(&str, &str), &str> =
    TableDefinition::new("record_work");
/// (source, identifier) → what dedup compares (features and blocking keys): postcard after a
/// `0` byte, JSON in older stores (see `encode::encode_features`).
pub(super) const RECORD_FEATURES: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("record_features");
/// (blocking key (its 64-bit hash, `dedup::BlockKey`), first member's source, identifier,
/// sketch) → a chunk of the block's members, packed (`blocks.rs`): the (source, identifier,
/// sketch) of the records having the key. The sketch (`dedup::Sketch`) lets an update skip
/// candidates that cannot be the same work without reading their features.
pub(super) const BLOCK_CHUNKS: TableDefinition<(u64, &str, &str, u64), &[u8]> =
    TableDefinition::new("block_chunks");
/// Schemas 3 and 4's blocks, one entry per member: only read by `Store::migrate_blocks`, which
/// packs them into [`BLOCK_CHUNKS`], then deleted.
pub(super) const BLOCK_MEMBERS: MultimapTableDefinition<u64, (&str, &str, u64)> =
    MultimapTableDefinition::new("block_members");
/// Schema 2's blocks (key string → record): only deleted, once `Store::migrate_blocks` has
/// rebuilt them as [`BLOCK_CHUNKS`] from the features.
pub(super) const OLD_BLOCKS: MultimapTableDefinition<&str, (&str, &str)> =
    MultimapTableDefinition::new("blocks");
/// ("live" | "deleted") → number of works.
pub(super) const WORK_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("work_counts");

// The feed index (feed.rs), written with every work by `WorksTx::put_work`.

/// (set, datestamp in seconds, sequence) → work id. Set `""` holds every work.
pub(super) const FEED: TableDefinition<(&str, u64, u64), &str> = TableDefinition::new("feed");
/// work id → (datestamp, sequence, deleted, its leaf sets joined by `\n`): its current entry.
pub(super) const FEED_ENTRIES: TableDefinition<&str, (u64, u64, bool, &str)> =
    TableDefinition::new("feed_entries");
/// set → number of works filed in it (current entries only).
pub(super) const FEED_SETS: TableDefinition<&str, u64> = TableDefinition::new("feed_sets");
/// sequence of the move → (datestamp, sequence, leaf sets joined by `\n`) of the entry a work
/// left when it moved: its `feed` entries under those sets and their ancestors (not `""`,
/// removed at once) are stale until `FeedTx::close` prunes them. Appended in move order, so
/// cheap to write; one row a move, not one a set: a work is filed under a dozen sets with
/// their ancestors, and a row each cost 2.2% of a 1,000-change round's instructions
/// (BENCHMARKS.md, issue 17).
pub(super) const FEED_STALE_MOVES: TableDefinition<u64, (u64, u64, &str)> =
    TableDefinition::new("feed_stale_moves");
/// Older stores' stale entries, one row a set: (sequence of the move, set) → (datestamp,
/// sequence). Never written now; pruned with [`FEED_STALE_MOVES`].
pub(super) const FEED_STALE: TableDefinition<(u64, &str), (u64, u64)> =
    TableDefinition::new("feed_stale");

/// (metadataPrefix, datestamp, sequence) → a live work's `<record>` as the feed serves it
/// (`feed::stored`'s bytes, opaque here), keyed like the work's current feed entry so that a page
/// of the list of all works is two range reads side by side; under `export:csv`, the work's CSV
/// row as exports write it (`export::work_csv_row`), read by id. Written with the work by
/// `WorksTx::put_feed_records`; removed when the work moves (`FeedTx::index`, in key order when the
/// transaction closes), or left dead there by an incremental update ([`FEED_DEAD`]). A work with no row
/// at its current entry's key is rendered by the page itself.
pub(super) const FEED_RECORDS: TableDefinition<(&str, u64, u64), &[u8]> =
    TableDefinition::new("feed_rendered");

/// The rows of [`FEED_RECORDS`] that feed pages read by range (every prefix but those
/// [`read_by_id`]), packed several to a value (`packed.rs`): (metadataPrefix, datestamp,
/// sequence) of a block's first row → its rows.
pub(super) const FEED_BLOCKS: TableDefinition<(&str, u64, u64), &[u8]> =
    TableDefinition::new("feed_rendered_blocks");

/// sequence of the move → (datestamp, sequence) of a feed key whose stored rows (under every
/// prefix of [`FEED_RECORDS`] and [`FEED_BLOCKS`]) are dead: the key a work's entry had before a
/// works update moved it. Its rows are left where they are (removing them rewrote ~4 random
/// 16 KiB blocks per moved work, half of what a batch of records changed at random wrote) and
/// removed in bulk later, each block rewritten once (`feed_dead.rs`). Readers never meet them:
/// they read rows at a work's current key only. A dead key is never a current one (feed keys
/// are not given out twice). Appended in move order, so cheap to write.
pub(super) const FEED_DEAD: TableDefinition<u64, (u64, u64)> = TableDefinition::new("feed_dead");

/// Whether rows under `prefix` are read one by one by work (`export:` rows: exports read the
/// rows of search results, in any order), kept one to a value in [`FEED_RECORDS`]; the feed's
/// formats are read a page at a time and packed in [`FEED_BLOCKS`].
pub(super) fn read_by_id(prefix: &str) -> bool {
    prefix.starts_with("export:")
}

// The barometer's editions (barometer.rs), written by `essor barometer build` and the server.

/// edition id (`2026-S1`) → (published, JSON edition). A published row is never rewritten.
pub(super) const BAROMETER_EDITIONS: TableDefinition<&str, (bool, &[u8])> =
    TableDefinition::new("barometer_editions");

/// Creates every table that does not exist yet (redb creates a table when a write transaction
/// first opens it), so that readers never meet a missing one.
pub(super) fn create_all(tx: &WriteTransaction) -> Result<(), StoreError> {
    each_table(tx).map(drop)
}

/// Whether every table exists already and no obsolete one is left: then an open has nothing to
/// write ([`create_all`] would commit an empty transaction, durably: two `fdatasync`s of each
/// CLI run's ~0.5 s on a 1 M store).
pub(super) fn all_exist(tx: &ReadTransaction) -> Result<bool, StoreError> {
    each_table(tx)
}

/// Every table of the file, through `tables` (created, or only looked for); whether each was
/// there already. One list for both, so that a table added here is created and looked for.
fn each_table(tables: &impl Tables) -> Result<bool, StoreError> {
    let found = [
        tables.table(RECORDS)?,
        tables.table(REJECTS)?,
        tables.table(CHECKPOINTS)?,
        tables.table(RUNS)?,
        tables.table(COUNTS)?,
        tables.table(CHANGES)?,
        tables.table(ORIGINS)?,
        tables.table(STAGED)?,
        tables.table(WORKS)?,
        tables.table(RECORD_WORK)?,
        tables.table(RECORD_FEATURES)?,
        tables.table(BLOCK_CHUNKS)?,
        tables.table(WORK_COUNTS)?,
        tables.table(FEED)?,
        tables.table(FEED_ENTRIES)?,
        tables.table(FEED_SETS)?,
        tables.table(FEED_STALE)?,
        tables.table(FEED_STALE_MOVES)?,
        tables.table(FEED_RECORDS)?,
        tables.table(FEED_BLOCKS)?,
        tables.table(FEED_DEAD)?,
        // Stored records keyed by work id, from a development version of `FEED_RECORDS`:
        // rendered again under the feed keys (their renderer version differs), so only removed.
        tables.gone("feed_records")?,
        tables.table(REGISTRATIONS)?,
        tables.table(BAROMETER_EDITIONS)?,
    ];
    Ok(found.into_iter().all(|there| there))
}

/// A transaction seen as the store's tables: a write transaction creates what is missing, a
/// read one only tells.
trait Tables {
    /// Whether the table was there (a write transaction creates it).
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        table: TableDefinition<K, V>,
    ) -> Result<bool, StoreError>;
    /// Whether no table is called `name` (a write transaction deletes it).
    fn gone(&self, name: &str) -> Result<bool, StoreError>;
}

impl Tables for WriteTransaction {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        table: TableDefinition<K, V>,
    ) -> Result<bool, StoreError> {
        self.open_table(table)?;
        Ok(true)
    }

    fn gone(&self, name: &str) -> Result<bool, StoreError> {
        self.delete_table(TableDefinition::<(&str, &str), (u64, &[u8])>::new(name))?;
        Ok(true)
    }
}

impl Tables for ReadTransaction {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        table: TableDefinition<K, V>,
    ) -> Result<bool, StoreError> {
        exists(self.open_table(table))
    }

    fn gone(&self, name: &str) -> Result<bool, StoreError> {
        Ok(!self.list_tables()?.any(|table| table.name() == name))
    }
}

/// Whether a read transaction found the table it opened.
fn exists<T>(opened: Result<T, TableError>) -> Result<bool, StoreError> {
    match opened {
        Ok(_) => Ok(true),
        Err(TableError::TableDoesNotExist(_)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The metadata prefixes a table keyed (prefix, …) has rows under (the feed's rendered records),
/// found by skipping from one to the next.
pub(super) fn prefixes(
    table: &impl ReadableTable<(&'static str, u64, u64), &'static [u8]>,
) -> Result<Vec<String>, StoreError> {
    let mut found: Vec<String> = Vec::new();
    loop {
        let next = match found.last() {
            None => table.first()?,
            Some(last) => table
                .range((last.as_str(), u64::MAX, u64::MAX)..)?
                .find(|row| {
                    row.as_ref()
                        .is_ok_and(|(key, _)| key.value().0 != last.as_str())
                })
                .transpose()?,
        };
        match next {
            Some((key, _)) => found.push(key.value().0.to_owned()),
            None => return Ok(found),
        }
    }
}
