//! How records and rejects are encoded in the store. Pure: [`prepare_items`] runs on the
//! harvest's parsing threads, so the single redb writer only inserts ready bytes.

use serde::{Deserialize, Serialize};

use super::{StoreError, from_json, now_rfc3339, to_json};
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
        /// LZ4 of [u32 header length][JSON header][raw XML].
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

/// Serialises, hashes and compresses a page's items.
pub fn prepare_items(items: &[PageItem]) -> Vec<PreparedItem> {
    let now = now_rfc3339();
    items
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
                    blob: pack_record(
                        &to_json(&header),
                        harvested.raw.as_deref().unwrap_or_default(),
                    ),
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
        .collect()
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

/// Packs a record's header and raw XML into one compressed blob.
fn pack_record(header: &[u8], raw: &str) -> Vec<u8> {
    let mut plain = Vec::with_capacity(4 + header.len() + raw.len());
    plain.extend_from_slice(&(header.len() as u32).to_le_bytes());
    plain.extend_from_slice(header);
    plain.extend_from_slice(raw.as_bytes());
    lz4_flex::compress_prepend_size(&plain)
}

pub(super) fn unpack_record(blob: &[u8]) -> Result<(RecordHeader<Record>, String), StoreError> {
    let plain = decompress_record(blob)?;
    let (header, raw) = split_record(&plain)?;
    let header = from_json("records", header)?;
    let raw = String::from_utf8(raw.to_vec()).map_err(|e| corrupt_record(e.to_string()))?;
    Ok((header, raw))
}

/// Only the header of a stored record, read as `H` (any subset of [`RecordHeader`]'s fields).
pub(super) fn record_header<H: serde::de::DeserializeOwned>(blob: &[u8]) -> Result<H, StoreError> {
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
    StoreError::Corrupt {
        table: "records",
        error,
    }
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
    source: &str,
    identifier: &str,
    blob: &[u8],
) -> Result<super::StoredRecord, StoreError> {
    let (header, raw) = unpack_record(blob)?;
    Ok(super::StoredRecord {
        source: source.to_owned(),
        identifier: identifier.to_owned(),
        datestamp: header.datestamp,
        deleted: header.deleted,
        format: header.format,
        sets: header.sets,
        record: header.record,
        raw: (!header.deleted).then_some(raw),
    })
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
    let corrupt = |error: String| StoreError::Corrupt { table, error };
    let raw = lz4_flex::decompress_size_prepended(bytes).map_err(|e| corrupt(e.to_string()))?;
    String::from_utf8(raw).map_err(|e| corrupt(e.to_string()))
}
