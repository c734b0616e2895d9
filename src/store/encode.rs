//! How values are encoded in the store: records and rejects, works, dedup features, the JSON
//! of the bookkeeping rows. Pure, no redb: [`prepare_items`] runs on the harvest's parsing
//! threads, so the single redb writer only inserts ready bytes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{RecordKeyRef, StoreError, StoredRecord};
use crate::map::Record;
use crate::oai::{HarvestedRecord, PageItem, RejectedRecord};

/// A page item ready to be written.
#[derive(Debug, Clone)]
pub enum PreparedItem {
    Record {
        identifier: String,
        deleted: bool,
        /// What the repository sent, hashed: equal hashes mean nothing changed.
        hash: u64,
        /// LZ4 of [u32 header length][JSON header][raw XML], its plain length prepended (those
        /// plain bytes themselves in [`UnpackedItems`]).
        blob: Vec<u8>,
        /// (datestamp, format, stored at): what provenance needs, kept apart so that the feed
        /// does not decompress the record to name it.
        origin: (String, String, String),
    },
    Reject {
        key: String,
        header: Vec<u8>,
        blob: Vec<u8>,
    },
}

/// Our clock, second precision, UTC: when a record version was stored (and every other time
/// essor writes down).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serialises, hashes and compresses a page's items.
pub fn prepare_items(items: &[PageItem]) -> Vec<PreparedItem> {
    serialise_items(items).pack()
}

/// A page's items serialised and hashed, their records not yet compressed: the harvest
/// compresses them on the store's writer thread, just before the write ([`UnpackedItems::pack`]).
///
/// Why: compressing was a quarter of the parsing thread's CPU, and that thread set the pace of
/// a harvest while the writer waited for it half the time (BENCHMARKS.md, issue 17).
#[derive(Debug, Default)]
pub struct UnpackedItems(Vec<PreparedItem>);

impl UnpackedItems {
    /// The items ready to write: each record's plain bytes compressed as
    /// [`PreparedItem::Record::blob`] says.
    pub fn pack(self) -> Vec<PreparedItem> {
        let mut items = self.0;
        for item in &mut items {
            if let PreparedItem::Record { blob, .. } = item {
                *blob = PACKING.with_borrow_mut(|packing| packing.compress(blob));
            }
        }
        items
    }
}

/// Serialises and hashes a page's items; records are compressed by [`UnpackedItems::pack`].
pub fn serialise_items(items: &[PageItem]) -> UnpackedItems {
    let now = now_rfc3339();
    let items = items
        .iter()
        .map(|item| match item {
            PageItem::Record(harvested) => {
                let header = RecordHeader {
                    datestamp: harvested.datestamp.clone(),
                    deleted: harvested.deleted,
                    format: harvested.format.map(str::to_owned),
                    sets: harvested.sets.clone(),
                    record: harvested.record.as_ref(),
                    stored_at: now.clone(),
                };
                PreparedItem::Record {
                    identifier: harvested.identifier.clone(),
                    deleted: harvested.deleted,
                    hash: record_hash(harvested),
                    blob: plain_record(&header, harvested.raw.as_deref().unwrap_or_default()),
                    origin: (
                        harvested.datestamp.clone(),
                        harvested.format.unwrap_or_default().to_owned(),
                        now.clone(),
                    ),
                }
            }
            PageItem::Reject(reject) => {
                let header = RejectHeader {
                    identifier: reject.identifier.clone(),
                    datestamp: reject.datestamp.clone(),
                    reason: reject.reason.clone(),
                    stored_at: now.clone(),
                };
                PreparedItem::Reject {
                    key: reject_key(reject),
                    header: to_json(&header),
                    blob: compress(&reject.raw),
                }
            }
        })
        .collect();
    UnpackedItems(items)
}

/// The JSON part of a stored record.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RecordHeader<R> {
    pub datestamp: String,
    pub deleted: bool,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub sets: Vec<String>,
    #[serde(default)]
    pub record: Option<R>,
    /// Our clock, when this version was written.
    pub stored_at: String,
}

/// A record's header and raw XML as one plain value, [u32 header length][JSON header][raw
/// XML], which [`Packing::compress`] turns into the stored blob.
fn plain_record<H: Serialize>(header: &H, raw: &str) -> Vec<u8> {
    let mut plain = Vec::with_capacity(4 + 2 * raw.len() + 256);
    plain.extend_from_slice(&[0; 4]);
    // Serialising our own plain structs into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut plain, header);
    let header_length = (plain.len() - 4) as u32;
    plain[..4].copy_from_slice(&header_length.to_le_bytes());
    plain.extend_from_slice(raw.as_bytes());
    plain
}

/// Packs a record's header and raw XML into one compressed blob.
#[cfg(test)]
fn pack_record<H: Serialize>(header: &H, raw: &str) -> Vec<u8> {
    let plain = plain_record(header, raw);
    PACKING.with_borrow_mut(|packing| packing.compress(&plain))
}

thread_local! {
    /// Each writing thread's compression buffer and table, reused record after record:
    /// allocating (and zeroing) them per record cost more than the copy they save.
    static PACKING: std::cell::RefCell<Packing> = std::cell::RefCell::new(Packing::default());
}

#[derive(Default)]
struct Packing {
    compressed: Vec<u8>,
    table: lz4_flex::block::CompressTable,
}

impl Packing {
    /// LZ4 of `plain`, its length prepended: what `lz4_flex::compress_prepend_size` writes, so
    /// readers see the same bytes.
    fn compress(&mut self, plain: &[u8]) -> Vec<u8> {
        let bound = lz4_flex::block::get_maximum_output_size(plain.len());
        if self.compressed.len() < bound {
            self.compressed.resize(bound, 0);
        }
        match lz4_flex::block::compress_into_with_table(
            plain,
            &mut self.compressed,
            &mut self.table,
        ) {
            Ok(length) => {
                let mut blob = Vec::with_capacity(4 + length);
                blob.extend_from_slice(&(plain.len() as u32).to_le_bytes());
                blob.extend_from_slice(&self.compressed[..length]);
                blob
            }
            // Not reached: the buffer has the bound's size.
            Err(_) => lz4_flex::compress_prepend_size(plain),
        }
    }
}

pub(super) fn unpack_record(blob: &[u8]) -> Result<(RecordHeader<Record>, String), StoreError> {
    let plain = decompress_record(blob)?;
    let (header, raw) = split_record(&plain)?;
    let header = from_json("records", header)?;
    let raw = String::from_utf8(raw.to_vec()).map_err(|e| corrupt_record(e.to_string()))?;
    Ok((header, raw))
}

/// Only the header of a stored record, read as `H` (any subset of [`RecordHeader`]'s fields).
pub(super) fn record_header<H: DeserializeOwned>(blob: &[u8]) -> Result<H, StoreError> {
    let plain = decompress_record(blob)?;
    from_json("records", split_record(&plain)?.0)
}

fn decompress_record(blob: &[u8]) -> Result<Vec<u8>, StoreError> {
    lz4_flex::decompress_size_prepended(blob).map_err(|e| corrupt_record(e.to_string()))
}

/// [u32 header length][header][raw] → (header, raw).
fn split_record(plain: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    let length = plain
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| corrupt_record("short value".into()))?;
    let header = plain
        .get(4..4 + length)
        .ok_or_else(|| corrupt_record("short header".into()))?;
    Ok((header, &plain[4 + length..]))
}

fn corrupt_record(error: String) -> StoreError {
    StoreError::corrupt("records", error)
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RejectHeader {
    pub identifier: Option<String>,
    pub datestamp: Option<String>,
    pub reason: String,
    pub stored_at: String,
}

/// A stored record as the listings and later stages see it.
pub(super) fn stored_record(
    key: RecordKeyRef<'_>,
    blob: &[u8],
) -> Result<StoredRecord, StoreError> {
    let (header, raw) = unpack_record(blob)?;
    let raw = (!header.deleted).then_some(raw);
    Ok(record_from(key, header, raw))
}

/// A stored record without its raw XML (`raw` is `None`), for the stages that read only the
/// mapped record: the raw text is neither validated nor copied.
pub(super) fn stored_record_mapped(
    key: RecordKeyRef<'_>,
    blob: &[u8],
) -> Result<StoredRecord, StoreError> {
    let header: RecordHeader<Record> = record_header(blob)?;
    Ok(record_from(key, header, None))
}

fn record_from(
    key: RecordKeyRef<'_>,
    header: RecordHeader<Record>,
    raw: Option<String>,
) -> StoredRecord {
    StoredRecord {
        source: key.source().to_owned(),
        identifier: key.identifier().to_owned(),
        datestamp: header.datestamp,
        deleted: header.deleted,
        format: header.format,
        sets: header.sets,
        record: header.record,
        raw,
    }
}

/// Whether a stored blob is a deletion; only read when a record changed.
pub(super) fn was_deleted(blob: &[u8]) -> bool {
    unpack_record(blob)
        .map(|(header, _)| header.deleted)
        .unwrap_or(false)
}

/// What identifies a version of a record: if none of it changed, the record is not rewritten.
fn record_hash(record: &HarvestedRecord) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(record.datestamp.as_bytes());
    hasher.update(&[u8::from(record.deleted), 0]);
    for set in &record.sets {
        hasher.update(set.as_bytes());
        hasher.update(&[0]);
    }
    hasher.update(record.raw.as_deref().unwrap_or_default().as_bytes());
    hasher.digest()
}

/// Rejects are keyed by identifier so a re-harvest replaces rather than duplicates them; a
/// record without an identifier is keyed by the hash of its bytes.
fn reject_key(reject: &RejectedRecord) -> String {
    match &reject.identifier {
        Some(identifier) => identifier.clone(),
        None => format!(
            "sha:{:016x}",
            xxhash_rust::xxh3::xxh3_64(reject.raw.as_bytes())
        ),
    }
}

fn compress(text: &str) -> Vec<u8> {
    lz4_flex::compress_prepend_size(text.as_bytes())
}

pub(super) fn decompress(table: &'static str, bytes: &[u8]) -> Result<String, StoreError> {
    let raw = lz4_flex::decompress_size_prepended(bytes)
        .map_err(|error| StoreError::corrupt(table, error))?;
    String::from_utf8(raw).map_err(|error| StoreError::corrupt(table, error))
}

/// A work, as the `works` table holds it: LZ4 of its JSON.
pub(super) fn encode_work<W: Serialize>(work: &W) -> Vec<u8> {
    lz4_flex::compress_prepend_size(&to_json(work))
}

pub(super) fn decode_work<W: DeserializeOwned>(bytes: &[u8]) -> Result<W, StoreError> {
    let plain = lz4_flex::decompress_size_prepended(bytes)
        .map_err(|error| StoreError::corrupt("works", error))?;
    from_json("works", &plain)
}

/// First byte of a binary features row. Features are read at random, thousands per update, so
/// they are stored compact and quick to decode (postcard); stores written before hold JSON,
/// which starts with `{` and is still read.
const BINARY_FEATURES: u8 = 0;

pub(super) fn encode_features<F: Serialize>(features: &F) -> Result<Vec<u8>, StoreError> {
    let bytes = vec![BINARY_FEATURES];
    postcard::to_extend(features, bytes)
        .map_err(|error| StoreError::corrupt("record_features", error))
}

pub(super) fn decode_features<F: DeserializeOwned>(bytes: &[u8]) -> Result<F, StoreError> {
    match bytes.split_first() {
        Some((&BINARY_FEATURES, rest)) => postcard::from_bytes(rest)
            .map_err(|error| StoreError::corrupt("record_features", error)),
        _ => from_json("record_features", bytes),
    }
}

/// The JSON of the bookkeeping rows (checkpoints, runs, reject headers, works).
pub(super) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub(super) fn from_json<'a, T: Deserialize<'a>>(
    table: &'static str,
    bytes: &'a [u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|error| StoreError::corrupt(table, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        words: Vec<String>,
        year: Option<i32>,
        degree: crate::normalize::DegreeType,
        nested: Vec<Vec<String>>,
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn packed_records_read_back_as_written_with_lz4_prepend_size() {
        let header = RecordHeader::<Record> {
            datestamp: "2024-01-02".into(),
            deleted: false,
            format: Some("oai_dc".into()),
            sets: vec!["a".into()],
            record: Some(Record {
                titles: vec![crate::map::LangText {
                    value: "Économie sociale".into(),
                    lang: Some("fr".into()),
                }],
                ..Record::default()
            }),
            stored_at: "2024-01-03T00:00:00Z".into(),
        };
        let raw = "<dc>Économie sociale</dc>".repeat(50);
        // Twice: the second record reuses the first one's buffers and table.
        for _ in 0..2 {
            let blob = pack_record(&header, &raw);
            let mut plain = (to_json(&header).len() as u32).to_le_bytes().to_vec();
            plain.extend_from_slice(&to_json(&header));
            plain.extend_from_slice(raw.as_bytes());
            assert_eq!(lz4_flex::decompress_size_prepended(&blob).unwrap(), plain);
            let (read, read_raw) = unpack_record(&blob).unwrap();
            assert_eq!(
                (read.record, read_raw),
                (header.record.clone(), raw.clone())
            );
        }
    }

    #[test]
    fn features_are_stored_binary_and_json_rows_are_still_read() {
        let sample = Sample {
            words: vec!["économie".into(), "sociale".into()],
            year: Some(2019),
            degree: crate::normalize::DegreeType::ReportStudy,
            nested: vec![vec![], vec!["bretagne".into()]],
            flag: true,
        };
        let bytes = encode_features(&sample).unwrap();
        assert_eq!(bytes[0], BINARY_FEATURES);
        assert!(bytes.len() < to_json(&sample).len() / 2, "{}", bytes.len());
        assert_eq!(decode_features::<Sample>(&bytes).unwrap(), sample);
        let legacy = br#"{"words":["a"],"year":null,"degree":"other","nested":[]}"#;
        let read: Sample = decode_features(legacy).unwrap();
        assert_eq!((read.words, read.flag), (vec!["a".to_owned()], false));
        assert!(decode_features::<Sample>(&[BINARY_FEATURES, 0xff]).is_err());
    }
}
