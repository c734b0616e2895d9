//! The works tables: the works themselves (live, tombstones, aliases), which work each record
//! belongs to, and the live/deleted counts. The `works` stage drives them through [`WorksTx`],
//! one write transaction per batch of changes, so a crash never leaves a record in two works or
//! in none. What dedup reads in the same transaction (features, the blocking index) is in
//! `dedup.rs`.

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encode::{
    decode_plain_work, decode_work, encode_work, pack_work, plain_work, unpack_work,
};
use super::feed_tx::FeedTx;
use super::records::read_record_mapped;
use super::tables::{
    BLOCK_CHUNKS, META, RECORD_FEATURES, RECORD_WORK, RECORDS, WORK_COUNTS, WORKS, meta_key,
};
use super::{RecordKey, RecordKeyRef, Store, StoreError, StoredRecord};

/// What derived the stored works' fields: every live work whose records have not changed since
/// change-log position `cursor` has the fields version `rules` of the works stage's rules
/// (normalising its records and choosing its fields: `crate::works::FIELDS_RULES`) derives
/// from them with the sources' settings whose digest is `sources`, but for its themes and ESS
/// relevance, which the thesaurus decides. A build from scratch and `essor works rebuild`
/// write it; an update whose rules or settings differ takes it back. A later rebuild after a
/// change of the thesaurus alone keeps those works' other fields instead of deriving them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorksDerived {
    pub rules: u32,
    pub sources: u64,
    pub cursor: u64,
}

impl WorksDerived {
    /// `rules sources cursor` (the digest in hexadecimal), as stored.
    pub(super) fn parse(value: &str) -> Option<WorksDerived> {
        let mut parts = value.split(' ');
        let derived = WorksDerived {
            rules: parts.next()?.parse().ok()?,
            sources: u64::from_str_radix(parts.next()?, 16).ok()?,
            cursor: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(derived)
    }
}

impl Store {
    /// What derived the stored works' fields ([`WorksDerived`]), if a build or rebuild said so.
    pub fn works_derived(&self) -> Result<Option<WorksDerived>, StoreError> {
        let tx = self.db.begin_read()?;
        let meta = tx.open_table(META)?;
        let value = meta.get(meta_key::WORKS_DERIVED)?;
        Ok(value.and_then(|value| WorksDerived::parse(value.value())))
    }

    /// Where the works stage stands in the change log.
    pub fn works_cursor(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        Ok(table
            .get(meta_key::WORKS_CURSOR)?
            .and_then(|v| v.value().parse().ok())
            .unwrap_or(0))
    }

    /// A work by id (live, tombstone or merged away), without alias resolution.
    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        Ok(self.works([id])?.pop().flatten())
    }

    /// Several works by id in one read transaction (a page of search hits), `None` for an
    /// unknown id.
    pub fn works<W: DeserializeOwned>(
        &self,
        ids: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<Option<W>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(WORKS)?;
        ids.into_iter()
            .map(|id| read_work(&table, id.as_ref()))
            .collect()
    }

    /// Several works by id as stored, undecoded (`None` for an unknown id): `essor works
    /// rebuild` reads every work to compare it with the one derived again, and decoding them
    /// whole was a sixth of its CPU when nothing changed.
    pub fn stored_works(
        &self,
        ids: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<Option<StoredWork>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(WORKS)?;
        ids.into_iter()
            .map(|id| {
                table
                    .get(id.as_ref())?
                    .map(|value| StoredWork::unpack(value.value()))
                    .transpose()
            })
            .collect()
    }

    /// Calls `visit` for every work in id order.
    pub fn for_each_work<W: DeserializeOwned>(
        &self,
        mut visit: impl FnMut(W) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(WORKS)?;
        for entry in table.iter()? {
            let (_, value) = entry?;
            visit(decode_work(value.value())?)?;
        }
        Ok(())
    }

    /// Every record's work, in key order.
    pub fn record_works(&self) -> Result<Vec<(RecordKey, String)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORD_WORK)?;
        let mut all = Vec::new();
        for entry in table.iter()? {
            let (key, work) = entry?;
            let (source, identifier) = key.value();
            all.push((RecordKey::new(source, identifier), work.value().to_owned()));
        }
        Ok(all)
    }

    /// The number of the last work id given out (0 before the first): a build from scratch
    /// numbers its works from it before its transactions run ([`WorksTx::reserve_work_ids`]).
    pub fn work_sequence(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        read_work_sequence(&table)
    }

    /// (live, deleted) works.
    pub fn work_counts(&self) -> Result<(u64, u64), StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(WORK_COUNTS)?;
        let count = |name: &str| -> Result<u64, StoreError> {
            Ok(table.get(name)?.map(|v| v.value()).unwrap_or(0))
        };
        Ok((count("live")?, count("deleted")?))
    }

    /// Runs `update` in one write transaction over the works tables and commits it.
    pub fn update_works<T>(
        &self,
        update: impl FnOnce(&mut WorksTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.update_works_bulk(true, update)
    }

    /// [`Store::update_works`] for one of several transactions of a bulk write: unless
    /// `durable`, the commit is not synced to disk (a crash may lose it, never half of it), and
    /// the last transaction of the series, durable, makes all of them so.
    pub fn update_works_bulk<T>(
        &self,
        durable: bool,
        update: impl FnOnce(&mut WorksTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.ensure_space(super::space::Writer::Works)?;
        let mut tx = self.db.begin_write()?;
        if !durable {
            tx.set_durability(redb::Durability::None)?;
        }
        let result = {
            let mut works = WorksTx::open(&tx)?;
            let result = update(&mut works)?;
            works.feed.close(&mut works.meta)?;
            result
        };
        tx.commit()?;
        Ok(result)
    }
}

/// A work as the `works` table holds it, unpacked but not decoded: decode only what is needed
/// ([`StoredWork::decode`] takes any subset of a work's fields), and tell whether a work would
/// be stored as these same bytes ([`StoredWork::is`]) without decoding it.
pub struct StoredWork {
    plain: Vec<u8>,
}

impl StoredWork {
    fn unpack(bytes: &[u8]) -> Result<StoredWork, StoreError> {
        Ok(StoredWork {
            plain: unpack_work(bytes)?,
        })
    }

    /// The work, or the part of it `W` names.
    pub fn decode<W: DeserializeOwned>(&self) -> Result<W, StoreError> {
        decode_plain_work(&self.plain)
    }

    /// Whether `work` is stored as exactly these bytes. Equal bytes decode to an equal work;
    /// different bytes may still (a row an older essor wrote, without a field added since):
    /// decode to compare then.
    pub fn is<W: Serialize>(&self, work: &W) -> bool {
        plain_work(work) == self.plain
    }

    /// The work's plain bytes (its JSON), to compare a [`PlainWork`] with parts of them.
    pub fn plain(&self) -> &[u8] {
        &self.plain
    }

    /// The stored work's bytes with their first `head` bytes replaced by `new_head` and their
    /// last `tail` by `new_tail`: a work whose datestamp, themes and relevance alone change
    /// (its JSON's first and last fields) made without serialising it again. `None` when
    /// `head` and `tail` overlap.
    pub fn respliced(
        &self,
        head: usize,
        new_head: &[u8],
        tail: usize,
        new_tail: &[u8],
    ) -> Option<PlainWork> {
        let kept = self.plain.get(head..self.plain.len().checked_sub(tail)?)?;
        let mut bytes = Vec::with_capacity(new_head.len() + kept.len() + new_tail.len());
        bytes.extend_from_slice(new_head);
        bytes.extend_from_slice(kept);
        bytes.extend_from_slice(new_tail);
        Some(PlainWork(bytes))
    }
}

/// A work's plain bytes (its JSON), made once where a rebuild both compares a changed work with
/// the stored one and encodes it ([`PlainWork::encode`]): serialising it for each was a
/// twentieth of a rebuild's CPU after a new theme (BENCHMARKS.md, issue 17).
pub struct PlainWork(Vec<u8>);

impl PlainWork {
    pub fn of<W: Serialize>(work: &W) -> PlainWork {
        PlainWork(plain_work(work))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The work, or the part of it `W` names.
    pub fn decode<W: DeserializeOwned>(&self) -> Result<W, StoreError> {
        decode_plain_work(&self.0)
    }

    /// The work encoded as [`EncodedWork::of`] encodes it.
    pub fn encode(&self) -> EncodedWork {
        EncodedWork(pack_work(&self.0))
    }
}

/// A work encoded as the `works` table holds it, made apart from the transaction that writes it:
/// a build from scratch encodes its works on another thread than the store's single writer,
/// whose time sets the pace of the build ([`WorksTx::put_encoded_work`]).
pub struct EncodedWork(Vec<u8>);

impl EncodedWork {
    pub fn of<W: Serialize>(work: &W) -> EncodedWork {
        EncodedWork(encode_work(work))
    }
}

/// The id of the work numbered `number`: `w` and the number zero-padded to eight digits, so
/// that ids sort as they were given out (up to 99,999,999 works).
pub fn work_id(number: u64) -> String {
    format!("w{number:08}")
}

/// The last work number given out, from a write transaction's `meta` or a read-only view's.
fn read_work_sequence(
    meta: &impl ReadableTable<&'static str, &'static str>,
) -> Result<u64, StoreError> {
    Ok(meta
        .get(meta_key::WORK_SEQUENCE)?
        .and_then(|v| v.value().parse::<u64>().ok())
        .unwrap_or(0))
}

/// A work, from a write transaction's table or a read-only view's.
pub(super) fn read_work<W: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<W>, StoreError> {
    table.get(id)?.map(|v| decode_work(v.value())).transpose()
}

/// The work of a record, from a write transaction's table or a read-only view's.
pub(super) fn read_record_work(
    table: &impl ReadableTable<(&'static str, &'static str), &'static str>,
    key: RecordKeyRef<'_>,
) -> Result<Option<String>, StoreError> {
    Ok(table.get(key.pair())?.map(|v| v.value().to_owned()))
}

/// Typed access to the works tables inside one write transaction. Its methods on features and
/// blocks are in `dedup.rs`.
pub struct WorksTx<'t> {
    works: redb::Table<'t, &'static str, &'static [u8]>,
    record_work: redb::Table<'t, (&'static str, &'static str), &'static str>,
    pub(super) features: redb::Table<'t, (&'static str, &'static str), &'static [u8]>,
    pub(super) blocks: super::blocks::Chunks<'t>,
    counts: redb::Table<'t, &'static str, u64>,
    pub(super) meta: redb::Table<'t, &'static str, &'static str>,
    pub(super) records: redb::Table<'t, (&'static str, &'static str), (u64, &'static [u8])>,
    /// The OAI feed's index, written with each work by [`WorksTx::put_work`].
    pub(super) feed: FeedTx<'t>,
}

impl<'t> WorksTx<'t> {
    fn open(tx: &'t WriteTransaction) -> Result<WorksTx<'t>, StoreError> {
        let meta = tx.open_table(META)?;
        let feed = FeedTx::open(tx, &meta)?;
        Ok(WorksTx {
            works: tx.open_table(WORKS)?,
            record_work: tx.open_table(RECORD_WORK)?,
            features: tx.open_table(RECORD_FEATURES)?,
            blocks: tx.open_table(BLOCK_CHUNKS)?,
            counts: tx.open_table(WORK_COUNTS)?,
            meta,
            records: tx.open_table(RECORDS)?,
            feed,
        })
    }

    /// A record without its raw XML: what describing a work's member reads.
    pub fn record_mapped(&self, key: RecordKeyRef<'_>) -> Result<Option<StoredRecord>, StoreError> {
        read_record_mapped(&self.records, key)
    }

    pub fn record_work(&self, key: RecordKeyRef<'_>) -> Result<Option<String>, StoreError> {
        read_record_work(&self.record_work, key)
    }

    pub fn set_record_work(&mut self, key: RecordKeyRef<'_>, work: &str) -> Result<(), StoreError> {
        self.record_work.insert(key.pair(), work)?;
        Ok(())
    }

    pub fn remove_record_work(&mut self, key: RecordKeyRef<'_>) -> Result<(), StoreError> {
        self.record_work.remove(key.pair())?;
        Ok(())
    }

    pub fn work<W: DeserializeOwned>(&self, id: &str) -> Result<Option<W>, StoreError> {
        read_work(&self.works, id)
    }

    /// Writes a work; `was`/`now` are its liveness before and after, for the counts.
    ///
    /// The work also moves to the end of the feed index, with its `datestamp` and its leaf
    /// `sets` (`None`: those it had, for a work that is no longer live): a work cannot be
    /// written without its feed entry.
    pub fn put_work<W: Serialize>(
        &mut self,
        id: &str,
        work: &W,
        was: Option<bool>,
        now: bool,
        datestamp: &str,
        sets: Option<&[String]>,
    ) -> Result<(), StoreError> {
        self.put_encoded_work(id, &EncodedWork::of(work), was, now, datestamp, sets)
    }

    /// [`WorksTx::put_work`] of a work encoded already.
    pub fn put_encoded_work(
        &mut self,
        id: &str,
        work: &EncodedWork,
        was: Option<bool>,
        now: bool,
        datestamp: &str,
        sets: Option<&[String]>,
    ) -> Result<(), StoreError> {
        self.works.insert(id, work.0.as_slice())?;
        if was != Some(now) {
            if let Some(was_live) = was {
                self.bump(if was_live { "live" } else { "deleted" }, -1)?;
            }
            self.bump(if now { "live" } else { "deleted" }, 1)?;
        }
        self.feed.index(id, datestamp, !now, sets)
    }

    fn bump(&mut self, name: &str, delta: i64) -> Result<(), StoreError> {
        let current = self.counts.get(name)?.map(|v| v.value()).unwrap_or(0);
        let next = current.saturating_add_signed(delta);
        self.counts.insert(name, next)?;
        Ok(())
    }

    /// A new work id, never reused: `w` and a zero-padded sequence number.
    pub fn new_work_id(&mut self) -> Result<String, StoreError> {
        let next = read_work_sequence(&self.meta)? + 1;
        self.meta
            .insert(meta_key::WORK_SEQUENCE, next.to_string().as_str())?;
        Ok(work_id(next))
    }

    /// Gives out the `count` work numbers after `after` at once, as `count` calls of
    /// [`WorksTx::new_work_id`] would (their ids are [`work_id`] of `after + 1` on): for works
    /// numbered before this transaction from [`Store::work_sequence`]. An error if another
    /// number was given out since (the ids made would not be new).
    pub fn reserve_work_ids(&mut self, after: u64, count: u64) -> Result<(), StoreError> {
        let current = read_work_sequence(&self.meta)?;
        if current != after {
            return Err(StoreError::corrupt(
                "meta",
                format!("work ids reserved after {after}, but the last one given out is {current}"),
            ));
        }
        self.meta.insert(
            meta_key::WORK_SEQUENCE,
            (after + count).to_string().as_str(),
        )?;
        Ok(())
    }

    /// Leaves the stored feed rows of the works this transaction moves where they are, dead,
    /// to be removed in bulk later ([`Store::compact_feed_rows`]); see `FeedTx::leave_moved_rows`.
    pub fn leave_moved_feed_rows(&mut self) {
        self.feed.leave_moved_rows();
    }

    /// Removes the set entries of the works this transaction moves when it commits, in key
    /// order, instead of marking them stale; for a transaction that moves most of a run of
    /// works (see `FeedTx::remove_moved_entries`).
    pub fn remove_moved_feed_entries(&mut self) {
        self.feed.remove_moved_entries();
    }

    /// The last feed sequence given out before this transaction: its entries come after it
    /// ([`super::FeedSpan::after_sequence`] once it has moved a work).
    pub fn feed_sequence_before(&self) -> u64 {
        self.feed.first_sequence()
    }

    /// The entries of the list of all works this transaction has added so far (`None`: it has
    /// moved no work).
    pub fn feed_span(&self) -> Option<super::FeedSpan> {
        self.feed.span()
    }

    /// What derived the stored works' fields, if a build or rebuild said so and nothing took
    /// it back since.
    pub fn works_derived(&self) -> Result<Option<WorksDerived>, StoreError> {
        Ok(self
            .meta
            .get(meta_key::WORKS_DERIVED)?
            .and_then(|value| WorksDerived::parse(value.value())))
    }

    /// Says what derived the stored works' fields once this transaction commits; `None` takes
    /// it back (works were written by other rules or settings).
    pub fn set_works_derived(&mut self, derived: Option<WorksDerived>) -> Result<(), StoreError> {
        match derived {
            Some(derived) => {
                let value = format!(
                    "{} {:016x} {}",
                    derived.rules, derived.sources, derived.cursor
                );
                self.meta.insert(meta_key::WORKS_DERIVED, value.as_str())?;
            }
            None => {
                self.meta.remove(meta_key::WORKS_DERIVED)?;
            }
        }
        Ok(())
    }

    pub fn set_cursor(&mut self, cursor: u64) -> Result<(), StoreError> {
        self.meta
            .insert(meta_key::WORKS_CURSOR, cursor.to_string().as_str())?;
        Ok(())
    }
}
