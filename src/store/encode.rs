//! How values are encoded in the store: records and rejects, works, dedup features, the JSON
//! of the bookkeeping rows. Pure, no redb: the harvest serialises a page ([`serialise_items`])
//! and packs it (each record's hash, its header's echo, LZ4: [`UnpackedItems::pack`]) before the
//! write, so the redb transaction only inserts ready bytes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::record_bytes::{self, HeaderRef, RecordHeader};
use super::record_echo;
use super::{RecordKeyRef, StoreError, StoredRecord};
use crate::map::Record;
#[cfg(test)]
use crate::oai::HarvestedRecord;
use crate::oai::{PageItem, RejectedRecord};

/// A page item ready to be written.
#[derive(Debug, Clone)]
pub enum PreparedItem {
    Record {
        identifier: String,
        deleted: bool,
        /// What the repository sent, hashed: equal hashes mean nothing changed (`0` in
        /// [`UnpackedItems`] until [`UnpackedItems::pack`]: [`hash_of_plain`]).
        hash: u64,
        /// The header and raw XML as [`Packing::pack_split`] writes them (empty in
        /// [`UnpackedItems`], which holds the plain bytes).
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
pub fn prepare_items(items: &[PageItem]) -> Result<Vec<PreparedItem>, StoreError> {
    serialise_items(items).pack()
}

/// A page's items serialised, their records not yet hashed nor compressed
/// ([`UnpackedItems::pack`]): a fetched page's on its parsing thread, a table source's rows on
/// the store's writer thread (`harvest::commit`'s `PageItems` says why).
#[derive(Debug, Default)]
pub struct UnpackedItems {
    /// The items, each record's `blob` empty until [`UnpackedItems::pack`].
    items: Vec<PreparedItem>,
    /// Every record's plain bytes, one after another, in a buffer of [`PLAIN_BUFFERS`].
    plain: Vec<u8>,
    /// Each record's span in `plain`, in item order.
    spans: Vec<RecordSpan>,
}

/// Where a record's plain bytes lie in [`UnpackedItems::plain`]: its header (`record_bytes`'
/// layout) from `start` to `raw`, its raw XML from `raw` to `end`.
#[derive(Debug)]
struct RecordSpan {
    start: usize,
    raw: usize,
    end: usize,
}

impl UnpackedItems {
    /// The items ready to write: each record's plain bytes compressed as
    /// [`PreparedItem::Record::blob`] says, against its header's echo written here
    /// ([`Packing::pack_split`]).
    ///
    /// An error only if a header written by [`serialise_items`] could not be read back for its
    /// echo: a bug, refused rather than stored unreadable.
    pub fn pack(self) -> Result<Vec<PreparedItem>, StoreError> {
        let UnpackedItems {
            mut items,
            plain,
            spans,
        } = self;
        let packed = PACKING.with_borrow_mut(|packing| {
            let mut spans = spans.into_iter();
            for item in &mut items {
                if let PreparedItem::Record {
                    blob, origin, hash, ..
                } = item
                    && let Some(span) = spans.next()
                {
                    let header = plain.get(span.start..span.raw).unwrap_or_default();
                    let raw = plain.get(span.raw..span.end).unwrap_or_default();
                    *hash = hash_of_plain(header, raw)?;
                    *blob = packing.pack_split(header, raw, &origin.1)?;
                }
            }
            Ok(())
        });
        give_back(plain);
        packed.map(|()| items)
    }
}

/// Buffers of plain bytes handed back by [`UnpackedItems::pack`] for the next pages. Why: a
/// buffer of its own per record, allocated by one thread and freed by another (when the writer
/// packed every page), was taken each time from memory the allocator had given back, which
/// the kernel zeroed again (`clear_page_erms`, 2–3% of a harvest's CPU: BENCHMARKS.md, issue 17).
static PLAIN_BUFFERS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
/// Buffers kept: about the pages a harvest has between parsing and writing.
const KEPT_BUFFERS: usize = 4;
/// A buffer grown past this (a page of unusually large records) is freed, not kept.
const MAX_KEPT_BUFFER_BYTES: usize = 4 << 20;

fn take_buffer() -> Vec<u8> {
    PLAIN_BUFFERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .unwrap_or_default()
}

fn give_back(mut buffer: Vec<u8>) {
    if buffer.capacity() == 0 || buffer.capacity() > MAX_KEPT_BUFFER_BYTES {
        return;
    }
    buffer.clear();
    let mut kept = PLAIN_BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
    if kept.len() < KEPT_BUFFERS {
        kept.push(buffer);
    }
}

/// Serialises and hashes a page's items; records are compressed by [`UnpackedItems::pack`].
pub fn serialise_items(items: &[PageItem]) -> UnpackedItems {
    let now = now_rfc3339();
    let mut plain = take_buffer();
    let mut spans = Vec::with_capacity(items.len());
    let items = items
        .iter()
        .map(|item| match item {
            PageItem::Record(harvested) => {
                let header = HeaderRef {
                    datestamp: &harvested.datestamp,
                    deleted: harvested.deleted,
                    format: harvested.format,
                    sets: &harvested.sets,
                    record: harvested.record.as_ref(),
                    stored_at: &now,
                };
                let start = plain.len();
                let raw = harvested.raw.as_deref().unwrap_or_default();
                record_bytes::write_header(&mut plain, &header);
                let raw_at = plain.len();
                plain.extend_from_slice(raw.as_bytes());
                spans.push(RecordSpan {
                    start,
                    raw: raw_at,
                    end: plain.len(),
                });
                PreparedItem::Record {
                    identifier: harvested.identifier.clone(),
                    deleted: harvested.deleted,
                    hash: 0,
                    blob: Vec::new(),
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
    UnpackedItems {
        items,
        plain,
        spans,
    }
}

/// A record's header and raw XML as one plain value (`record_bytes`), which
/// [`Packing::compress_as`] turns into the stored blob.
#[cfg(test)]
fn plain_record(header: &RecordHeader<&Record>, raw: &str) -> Vec<u8> {
    let mut plain = Vec::with_capacity(2 * raw.len() + 256);
    record_bytes::write_record(&mut plain, header, raw);
    plain
}

/// Packs a record's header and raw XML into one blob, as the harvest writes it (encoding 2).
#[cfg(test)]
fn pack_record(header: &RecordHeader<&Record>, raw: &str) -> Vec<u8> {
    let mut plain = Vec::new();
    record_bytes::write_record(&mut plain, header, "");
    let format = header.format.as_deref().unwrap_or_default();
    PACKING
        .with_borrow_mut(|packing| packing.pack_split(&plain, raw.as_bytes(), format))
        .unwrap()
}

/// Packs a record in encoding 1, as essor wrote it before encoding 2: stores hold such blobs.
#[cfg(test)]
fn pack_record_1(header: &RecordHeader<&Record>, raw: &str) -> Vec<u8> {
    let plain = plain_record(header, raw);
    let format = header.format.as_deref().unwrap_or_default();
    PACKING.with_borrow_mut(|packing| packing.compress_as(&plain, format))
}

thread_local! {
    /// Each writing thread's compression buffer, reused record after record: allocating (and
    /// zeroing) it per record cost more than the copy it saves.
    static PACKING: std::cell::RefCell<Packing> = std::cell::RefCell::new(Packing::default());
}

/// The first four bytes of a record blob in a numbered encoding: a plain length no blob of the
/// first encoding (`lz4_flex::compress_prepend_size` of `[u32 JSON length][JSON header][raw
/// XML]`) can have, since nothing essor stores comes near 4 GiB (pages are refused past 256 MiB,
/// files past 1 GiB). Those older blobs are read as they are, and so are those of encoding 1,
/// `[MARKER][1][u32 plain length][LZ4 block against DICTIONARY_1]`, the plain bytes in
/// `record_bytes`'s layout. What essor writes is encoding 2 ([`Packing::pack_split`]):
/// `[MARKER][2][u32 header length][header][u32 raw length][LZ4 block of the raw XML against
/// DICTIONARY_1 followed by the header's echo]`, the header in `record_bytes`'s layout without
/// raw XML, its echo the XML `record_echo` writes back from it.
const ENCODING_MARKER: [u8; 4] = [0xff; 4];

/// The dictionary records are compressed against: the boilerplate every stored record repeats
/// (the namespace declarations and element names of oai_dc, ETD-MS, TEF and TEI, common
/// vocabulary URIs), none of any repository's content. Why: a record was ~2.1 KB compressed
/// alone, just over half a redb leaf, so each took a 4 KiB page of its own (a `pwrite` each,
/// the file 40% empty); against this prefix, its header binary, two share a page
/// (BENCHMARKS.md, issue 17).
///
/// **Frozen**: stored blobs name it by number and are read with exactly these bytes (a test pins
/// its hash). A better dictionary is a new file under a new number, the old one kept to read.
const DICTIONARY_1: &[u8] = include_bytes!("record_dictionary.txt");

/// Where oai_dc's boilerplate begins in [`DICTIONARY_1`]: its last part, up to the end.
const OAI_DC_PART: &[u8] = b"<oai_dc:dc ";

/// The part of [`DICTIONARY_1`] a record of `format` is compressed against: for oai_dc (nearly
/// every record) only the dictionary's oai_dc end. Why: `lz4_flex` hashes the whole dictionary
/// at every call, ~1.5 µs a record (BENCHMARKS.md, issue 17), and an oai_dc record finds its
/// matches in that end. A suffix of the dictionary is the same bytes at the same distances
/// before the record, so what it writes reads back with the whole dictionary, as every blob is.
fn dictionary_for(format: &str) -> &'static [u8] {
    static OAI_DC_AT: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
        memchr::memmem::find(DICTIONARY_1, OAI_DC_PART).unwrap_or_default()
    });
    match format {
        "oai_dc" => &DICTIONARY_1[*OAI_DC_AT..],
        _ => DICTIONARY_1,
    }
}

#[derive(Default)]
struct Packing {
    compressed: Vec<u8>,
    /// The dictionary a record's raw XML is compressed against: [`dictionary_for`] its format,
    /// then its header's echo.
    dictionary: Vec<u8>,
}

impl Packing {
    /// A record of `format` in encoding 2 ([`ENCODING_MARKER`]): its `header` plain, its `raw`
    /// XML compressed against the dictionary ([`dictionary_for`]) followed by the header's
    /// echo (`record_echo`), written here from the header's bytes.
    ///
    /// Why: LZ4 of header and raw XML together was a fifth of a harvest's CPU, most of it
    /// scanning the header's text (the mapped record's words) for matches it rarely has. Kept
    /// plain, the header costs no scan, and a reader of the header alone (the works stage, the
    /// feed's origins) decompresses nothing. The raw XML finds its words, with their tags, in
    /// the echo: a row is then ~1,820 B, under half a 4 KiB leaf (against the header itself,
    /// ~2,150 B, and the `records` table 62% larger) (BENCHMARKS.md, issue 17).
    fn pack_split(
        &mut self,
        header: &[u8],
        raw: &[u8],
        format: &str,
    ) -> Result<Vec<u8>, StoreError> {
        self.dictionary.clear();
        self.dictionary.extend_from_slice(dictionary_for(format));
        record_echo::write_echo(&mut self.dictionary, header)?;
        let bound = lz4_flex::block::get_maximum_output_size(raw.len());
        if self.compressed.len() < bound {
            self.compressed.resize(bound, 0);
        }
        let compressed = match lz4_flex::block::compress_into_with_dict(
            raw,
            &mut self.compressed,
            &self.dictionary,
        ) {
            Ok(length) => std::borrow::Cow::Borrowed(&self.compressed[..length]),
            // Not reached: the buffer has the bound's size.
            Err(_) => lz4_flex::block::compress_with_dict(raw, &self.dictionary).into(),
        };
        let mut blob = Vec::with_capacity(13 + header.len() + compressed.len());
        blob.extend_from_slice(&ENCODING_MARKER);
        blob.push(2);
        blob.extend_from_slice(&(header.len() as u32).to_le_bytes());
        blob.extend_from_slice(header);
        blob.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        blob.extend_from_slice(&compressed);
        Ok(blob)
    }

    /// `plain`, a record of `format`, compressed against [`DICTIONARY_1`] (or the end of it
    /// that serves `format`: [`dictionary_for`]) in encoding 1, which essor wrote before 2.
    #[cfg(test)]
    fn compress_as(&mut self, plain: &[u8], format: &str) -> Vec<u8> {
        let dictionary = dictionary_for(format);
        let bound = lz4_flex::block::get_maximum_output_size(plain.len());
        if self.compressed.len() < bound {
            self.compressed.resize(bound, 0);
        }
        match lz4_flex::block::compress_into_with_dict(plain, &mut self.compressed, dictionary) {
            Ok(length) => {
                let mut blob = Vec::with_capacity(9 + length);
                blob.extend_from_slice(&ENCODING_MARKER);
                blob.push(1);
                blob.extend_from_slice(&(plain.len() as u32).to_le_bytes());
                blob.extend_from_slice(&self.compressed[..length]);
                blob
            }
            // Not reached: the buffer has the bound's size.
            Err(_) => {
                let mut blob = ENCODING_MARKER.to_vec();
                blob.push(1);
                blob.extend_from_slice(&lz4_flex::block::compress_prepend_size_with_dict(
                    plain, dictionary,
                ));
                blob
            }
        }
    }
}

pub(super) fn unpack_record(blob: &[u8]) -> Result<(RecordHeader<Record>, String), StoreError> {
    if let Some(split) = split_record_2(blob)? {
        let header = read_header_2(split.header)?;
        let raw = split.raw()?;
        let raw =
            String::from_utf8(raw).map_err(|_| corrupt_record("raw XML is not UTF-8".into()))?;
        return Ok((header, raw));
    }
    let plain = decompress_record(blob)?;
    let (header, raw) = read_plain(&plain)?;
    let raw = simdutf8::basic::from_utf8(raw)
        .map_err(|_| corrupt_record("raw XML is not UTF-8".into()))?
        .to_owned();
    Ok((header, raw))
}

/// Only the header of a stored record (its mapped record included), the raw XML neither checked
/// nor copied.
pub(super) fn unpack_header(blob: &[u8]) -> Result<RecordHeader<Record>, StoreError> {
    if let Some(split) = split_record_2(blob)? {
        return read_header_2(split.header);
    }
    let plain = decompress_record(blob)?;
    read_plain(&plain).map(|(header, _)| header)
}

/// A blob of encoding 2 in its parts ([`ENCODING_MARKER`]).
struct Split<'a> {
    header: &'a [u8],
    raw_length: usize,
    compressed: &'a [u8],
}

impl Split<'_> {
    /// The raw XML's bytes, decompressed against [`DICTIONARY_1`] and the echo of this blob's
    /// header, written from its bytes as the writer wrote it.
    fn raw(&self) -> Result<Vec<u8>, StoreError> {
        thread_local! {
            /// Each reading thread's dictionary buffer, reused record after record.
            static DICTIONARY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        DICTIONARY.with_borrow_mut(|dictionary| {
            dictionary.clear();
            dictionary.extend_from_slice(DICTIONARY_1);
            record_echo::write_echo(dictionary, self.header)?;
            let raw =
                lz4_flex::block::decompress_with_dict(self.compressed, self.raw_length, dictionary)
                    .map_err(|e| corrupt_record(e.to_string()))?;
            if raw.len() != self.raw_length {
                return Err(corrupt_record(format!(
                    "{} bytes where {} were stored",
                    raw.len(),
                    self.raw_length
                )));
            }
            Ok(raw)
        })
    }
}

/// `blob`'s parts if it is of encoding 2, `None` if of an older one.
fn split_record_2(blob: &[u8]) -> Result<Option<Split<'_>>, StoreError> {
    let Some([2, rest @ ..]) = blob.strip_prefix(&ENCODING_MARKER) else {
        return Ok(None);
    };
    let (header, rest) = length_prefixed(rest)?;
    let (raw_length, compressed) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| corrupt_record("short value".into()))?;
    Ok(Some(Split {
        header,
        raw_length: u32::from_le_bytes(*raw_length) as usize,
        compressed,
    }))
}

/// `[u32 length][that many bytes][rest]` → (bytes, rest).
fn length_prefixed(bytes: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    let (length, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| corrupt_record("short value".into()))?;
    let length = u32::from_le_bytes(*length) as usize;
    if rest.len() < length {
        return Err(corrupt_record("short header".into()));
    }
    Ok(rest.split_at(length))
}

/// An encoding 2 header: `record_bytes`' layout with nothing after it.
fn read_header_2(bytes: &[u8]) -> Result<RecordHeader<Record>, StoreError> {
    let (header, rest) = record_bytes::read_record(bytes)?;
    if !rest.is_empty() {
        return Err(corrupt_record("bytes after the header".into()));
    }
    Ok(header)
}

/// A record blob's plain bytes, as the encoding it was written in lays them out.
enum Plain {
    /// `[u32 header length][JSON header][raw XML]`, stores written before [`ENCODING_MARKER`].
    Json(Vec<u8>),
    /// `record_bytes`'s layout.
    Binary(Vec<u8>),
}

fn decompress_record(blob: &[u8]) -> Result<Plain, StoreError> {
    let Some(rest) = blob.strip_prefix(&ENCODING_MARKER) else {
        return lz4_flex::decompress_size_prepended(blob)
            .map(Plain::Json)
            .map_err(|e| corrupt_record(e.to_string()));
    };
    let (dictionary, length, compressed) = match rest {
        [1, a, b, c, d, compressed @ ..] => (
            DICTIONARY_1,
            u32::from_le_bytes([*a, *b, *c, *d]) as usize,
            compressed,
        ),
        [number, ..] => return Err(corrupt_record(format!("unknown encoding {number}"))),
        [] => return Err(corrupt_record("short value".into())),
    };
    let plain = lz4_flex::block::decompress_with_dict(compressed, length, dictionary)
        .map_err(|e| corrupt_record(e.to_string()))?;
    if plain.len() != length {
        return Err(corrupt_record(format!(
            "{} bytes where {length} were stored",
            plain.len()
        )));
    }
    Ok(Plain::Binary(plain))
}

/// A record's header and its raw XML's bytes, from either layout.
fn read_plain(plain: &Plain) -> Result<(RecordHeader<Record>, &[u8]), StoreError> {
    match plain {
        Plain::Binary(plain) => record_bytes::read_record(plain),
        Plain::Json(plain) => {
            let (header, raw) = split_record(plain)?;
            Ok((from_json("records", header)?, raw))
        }
    }
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
    Ok(record_from(key, unpack_header(blob)?, None))
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
    unpack_header(blob)
        .map(|header| header.deleted)
        .unwrap_or(false)
}

/// What identifies a version of a record, as the harvest hashed it before [`hash_of_plain`] (the
/// same hash, from the same values): the tests' reference.
#[cfg(test)]
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

/// What identifies a version of a record (its datestamp, deletion, sets and raw XML): if none of
/// it changed, the record is not rewritten. Read from its header's bytes (`record_bytes`) and
/// its raw XML when the page is packed ([`UnpackedItems::pack`]), so that packing needs only
/// the serialised bytes, on whichever thread does it (BENCHMARKS.md, issue 17). **Frozen**:
/// stored hashes are compared with it, so a change makes every record of the next harvest look
/// changed (a test checks it against the values it covers).
fn hash_of_plain(header: &[u8], raw: &[u8]) -> Result<u64, StoreError> {
    let header = record_bytes::HeaderBytes::read(header)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(header.datestamp);
    hasher.update(&[u8::from(header.flags & record_bytes::DELETED != 0), 0]);
    header.for_each_set(|set| {
        hasher.update(set);
        hasher.update(&[0]);
    })?;
    hasher.update(raw);
    Ok(hasher.digest())
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

/// Room a thread keeps for a work's JSON between works (most are 2–6 KB; a larger one's
/// buffer is let go after it).
const PLAIN_KEPT: usize = 64 * 1024;

std::thread_local! {
    /// The JSON of the last work this thread encoded, its room kept for the next: grown from
    /// empty, each work's JSON was reallocated about ten times, copying its bytes each time,
    /// on the thread that prepares a fresh build's works (BENCHMARKS.md, issue 17).
    static PLAIN: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A work, as the `works` table holds it: LZ4 of its JSON.
pub(super) fn encode_work<W: Serialize>(work: &W) -> Vec<u8> {
    PLAIN.with(|cell| {
        let Ok(mut plain) = cell.try_borrow_mut() else {
            return pack_work(&plain_work(work)); // not reentrant; kept free of panics
        };
        plain.clear();
        // Serialising our own plain structs into a `Vec` cannot fail.
        if serde_json::to_writer(&mut *plain, work).is_err() {
            plain.clear();
        }
        let packed = pack_work(&plain);
        if plain.capacity() > PLAIN_KEPT {
            *plain = Vec::new();
        }
        packed
    })
}

/// A work's plain bytes ([`plain_work`]) compressed as the `works` table holds them.
pub(super) fn pack_work(plain: &[u8]) -> Vec<u8> {
    lz4_flex::compress_prepend_size(plain)
}

pub(super) fn decode_work<W: DeserializeOwned>(bytes: &[u8]) -> Result<W, StoreError> {
    decode_plain_work(&unpack_work(bytes)?)
}

/// A work's bytes before compression (its JSON).
pub(super) fn plain_work<W: Serialize>(work: &W) -> Vec<u8> {
    to_json(work)
}

/// A stored work's bytes decompressed.
pub(super) fn unpack_work(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    lz4_flex::decompress_size_prepended(bytes).map_err(|error| StoreError::corrupt("works", error))
}

pub(super) fn decode_plain_work<W: DeserializeOwned>(plain: &[u8]) -> Result<W, StoreError> {
    from_json("works", plain)
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
    fn packed_records_read_back_as_written_and_older_json_blobs_too() {
        let record = Record {
            titles: vec![crate::map::LangText {
                value: "Économie sociale".into(),
                lang: Some("fr".into()),
            }],
            ..Record::default()
        };
        let header = RecordHeader::<&Record> {
            datestamp: "2024-01-02".into(),
            deleted: false,
            format: Some("oai_dc".into()),
            sets: vec!["a".into()],
            record: Some(&record),
            stored_at: "2024-01-03T00:00:00Z".into(),
        };
        let raw = "<dc>Économie sociale</dc>".repeat(50);
        // Twice: the second record reuses the first one's buffer.
        for _ in 0..2 {
            let blob = pack_record(&header, &raw);
            assert_eq!(blob[..5], [0xff, 0xff, 0xff, 0xff, 2]);
            // The header plain, the raw XML compressed against the dictionary and the header's
            // echo.
            let mut plain_header = Vec::new();
            record_bytes::write_record(&mut plain_header, &header, "");
            let length = plain_header.len();
            assert_eq!(blob[5..9], (length as u32).to_le_bytes());
            assert_eq!(blob[9..9 + length], plain_header);
            assert_eq!(
                blob[9 + length..13 + length],
                (raw.len() as u32).to_le_bytes()
            );
            let mut dictionary = DICTIONARY_1.to_vec();
            record_echo::write_echo(&mut dictionary, &plain_header).unwrap();
            assert_eq!(
                lz4_flex::block::decompress_with_dict(&blob[13 + length..], raw.len(), &dictionary)
                    .unwrap(),
                raw.as_bytes()
            );
            assert!(blob.len() < 13 + length + raw.len() / 4, "{}", blob.len());
            let (read, read_raw) = unpack_record(&blob).unwrap();
            assert_eq!(
                (read.record.as_ref(), read_raw.as_str()),
                (Some(&record), raw.as_str())
            );
            assert_eq!(unpack_header(&blob).unwrap().sets, ["a"]);
            // The header alone is read without the compressed raw XML.
            let cut = &blob[..13 + length];
            assert_eq!(unpack_header(cut).unwrap().datestamp, "2024-01-02");
            assert!(unpack_record(cut).is_err());
            assert!(unpack_record(&blob[..blob.len() - 1]).is_err());
            assert!(unpack_header(&blob[..8 + length]).is_err());
        }
        // Stores written before encoding 2 hold encoding 1: `record_bytes`' layout, LZ4'd whole.
        let blob = pack_record_1(&header, &raw);
        assert_eq!(blob[..5], [0xff, 0xff, 0xff, 0xff, 1]);
        let plain = plain_record(&header, &raw);
        assert_eq!(
            lz4_flex::block::decompress_with_dict(&blob[9..], plain.len(), DICTIONARY_1).unwrap(),
            plain
        );
        let (read, read_raw) = unpack_record(&blob).unwrap();
        assert_eq!(
            (read.record.as_ref(), read_raw.as_str()),
            (Some(&record), raw.as_str())
        );
        assert_eq!(unpack_header(&blob).unwrap().sets, ["a"]);
        // A store written before holds `compress_prepend_size` of [u32 length][JSON][raw].
        let json = to_json(&header);
        let mut plain = (json.len() as u32).to_le_bytes().to_vec();
        plain.extend_from_slice(&json);
        plain.extend_from_slice(raw.as_bytes());
        let old = lz4_flex::compress_prepend_size(&plain);
        let (read, read_raw) = unpack_record(&old).unwrap();
        assert_eq!(
            (read.record.as_ref(), read_raw.as_str()),
            (Some(&record), raw.as_str())
        );
        assert_eq!(unpack_header(&old).unwrap().datestamp, "2024-01-02");
        let unknown = [0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0];
        assert!(unpack_record(&unknown).is_err());
        assert!(unpack_header(&unknown).is_err());
        assert!(unpack_record(&[0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0]).is_err());
        assert!(unpack_record(&[0xff; 4]).is_err());
    }

    /// An oai_dc record is compressed against the dictionary's end alone and read back with the
    /// whole of it; other formats against the whole.
    #[test]
    fn oai_dc_records_use_the_end_of_the_dictionary_and_read_back_with_all_of_it() {
        let end = dictionary_for("oai_dc");
        assert!(end.starts_with(OAI_DC_PART) && DICTIONARY_1.ends_with(end));
        assert!(end.len() < DICTIONARY_1.len());
        assert_eq!(dictionary_for("etdms"), DICTIONARY_1);
        let raw = concat!(
            r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
            "\n  <dc:title xml:lang=\"fr\">L'économie</dc:title>\n</oai_dc:dc>"
        );
        for format in ["oai_dc", "etdms"] {
            let header = RecordHeader::<&Record> {
                datestamp: "2024-01-02".into(),
                deleted: false,
                format: Some(format.into()),
                sets: vec![],
                record: None,
                stored_at: "2024-01-03T00:00:00Z".into(),
            };
            for blob in [pack_record(&header, raw), pack_record_1(&header, raw)] {
                let (read, read_raw) = unpack_record(&blob).unwrap();
                assert_eq!(
                    (read.format.as_deref(), read_raw.as_str()),
                    (Some(format), raw)
                );
            }
        }
    }

    /// A header past LZ4's 64 KiB window (a long abstract) and a deletion's empty raw XML read
    /// back as written.
    #[test]
    fn large_headers_and_empty_raw_xml_read_back() {
        let record = Record {
            abstracts: vec![crate::map::LangText {
                value: "économie sociale et solidaire ".repeat(4000),
                lang: None,
            }],
            ..Record::default()
        };
        let raw = format!(
            "<oai_dc:dc><dc:description>{}</dc:description></oai_dc:dc>",
            record.abstracts[0].value
        );
        for (deleted, raw) in [(false, raw.as_str()), (true, "")] {
            let header = RecordHeader::<&Record> {
                datestamp: "2024-01-02".into(),
                deleted,
                format: Some("oai_dc".into()),
                sets: vec![],
                record: (!deleted).then_some(&record),
                stored_at: "2024-01-03T00:00:00Z".into(),
            };
            let blob = pack_record(&header, raw);
            let (read, read_raw) = unpack_record(&blob).unwrap();
            assert_eq!(
                (read.deleted, read.record.as_ref(), read_raw.as_str()),
                (deleted, header.record, raw)
            );
            assert!(was_deleted(&blob) == deleted);
        }
    }

    /// An oai_dc record laid out as most repositories write it costs little beside its plain
    /// header: its raw XML is found, tags and words together, in the header's echo.
    #[test]
    fn an_oai_dc_record_finds_its_raw_xml_in_the_echo() {
        let lang_text = |value: &str, lang: Option<&str>| crate::map::LangText {
            value: value.into(),
            lang: lang.map(str::to_owned),
        };
        let agent = |name: &str| crate::map::Agent {
            name: name.into(),
            role: None,
            id: None,
        };
        let title = "L'utilité sociale dans les coopératives d'habitants en Bretagne";
        let summary = "Cette thèse analyse l'utilité sociale des coopératives d'habitants.";
        let record = Record {
            titles: vec![lang_text(title, Some("fr"))],
            creators: vec![agent("Côté, Élodie")],
            contributors: vec![
                agent("Ségolène Bélanger"),
                agent("Espaces et Sociétés (ESO)"),
            ],
            subjects: vec![
                lang_text("Insertion", Some("fr")),
                lang_text("Mutualité", Some("fr")),
            ],
            abstracts: vec![lang_text(summary, Some("fr"))],
            dates: vec!["2012-01-03".into()],
            types: vec!["Thèse".into()],
            identifiers: vec!["https://bench.essor.test/these/2012CNAM3611".into()],
            languages: vec!["fr".into()],
            ..Record::default()
        };
        let header = RecordHeader::<&Record> {
            datestamp: "2018-01-03T07:32:00Z".into(),
            deleted: false,
            format: Some("oai_dc".into()),
            sets: vec!["type:THESE".into()],
            record: Some(&record),
            stored_at: "2024-01-03T00:00:00Z".into(),
        };
        let raw = format!(
            "<record><header><identifier>oai:bench.essor.test:thesis-000001</identifier>\
             <datestamp>2018-01-03T07:32:00Z</datestamp><setSpec>type:THESE</setSpec></header>\
             <metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ \
             http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">
  <dc:title xml:lang=\"fr\">{title}</dc:title>
  <dc:creator>Côté, Élodie</dc:creator>
  <dc:contributor>Ségolène Bélanger</dc:contributor>
  <dc:contributor>Espaces et Sociétés (ESO)</dc:contributor>
  <dc:subject xml:lang=\"fr\">Insertion</dc:subject>
  <dc:subject xml:lang=\"fr\">Mutualité</dc:subject>
  <dc:description xml:lang=\"fr\">{summary}</dc:description>
  <dc:date>2012-01-03</dc:date>
  <dc:type>Thèse</dc:type>
  <dc:identifier>https://bench.essor.test/these/2012CNAM3611</dc:identifier>
  <dc:language>fr</dc:language>
</oai_dc:dc></metadata></record>"
        );
        let blob = pack_record(&header, &raw);
        let split = split_record_2(&blob).unwrap().unwrap();
        // Against the header's own bytes, a match for each tag and each word apart: more than
        // twice as many bytes.
        let against_header = lz4_flex::block::compress_with_dict(
            raw.as_bytes(),
            &[dictionary_for("oai_dc"), split.header].concat(),
        );
        assert!(
            split.compressed.len() * 2 < against_header.len(),
            "{} against {} of {} bytes",
            split.compressed.len(),
            against_header.len(),
            raw.len()
        );
        let (read, read_raw) = unpack_record(&blob).unwrap();
        assert_eq!(
            (read.record.as_ref(), read_raw.as_str()),
            (Some(&record), raw.as_str())
        );
    }

    /// Stored blobs are read with exactly these bytes: the dictionary never changes.
    #[test]
    fn the_record_dictionary_is_frozen() {
        assert_eq!(
            (DICTIONARY_1.len(), xxhash_rust::xxh3::xxh3_64(DICTIONARY_1)),
            (1936, 12_024_919_523_055_774_503)
        );
    }

    /// Pages serialised one after another share buffers handed back by `pack`: each record
    /// still reads back as itself, never another page's bytes.
    #[test]
    fn pages_packed_through_reused_buffers_read_back_as_their_own_records() {
        let page = |n: usize| -> Vec<PageItem> {
            (0..3)
                .map(|i| {
                    PageItem::Record(HarvestedRecord {
                        identifier: format!("oai:x:{n}-{i}"),
                        datestamp: "2024-01-02".into(),
                        deleted: false,
                        sets: vec![format!("set{n}")],
                        format: Some("oai_dc"),
                        raw: Some(format!("<dc>{}</dc>", "é".repeat(n * 10 + i))),
                        record: Some(Record::default()),
                    })
                })
                .collect()
        };
        for n in 1..=3 {
            let items = serialise_items(&page(n)).pack().unwrap();
            assert_eq!(items.len(), 3);
            for (i, item) in items.iter().enumerate() {
                let PreparedItem::Record { blob, .. } = item else {
                    panic!("a record")
                };
                let (header, raw) = unpack_record(blob).unwrap();
                assert_eq!(raw, format!("<dc>{}</dc>", "é".repeat(n * 10 + i)));
                assert_eq!(header.sets, [format!("set{n}")]);
            }
        }
    }

    /// The blob as written before the echo moved to the writer thread: the raw XML compressed
    /// against the dictionary and the echo the parsing thread wrote from the mapped record.
    fn blob_as_before(header: &[u8], raw: &[u8], harvested: &HarvestedRecord) -> Vec<u8> {
        let mut dictionary = dictionary_for(harvested.format.unwrap_or_default()).to_vec();
        if let Some(record) = &harvested.record {
            record_echo::echo_of_record(
                &mut dictionary,
                &harvested.datestamp,
                &harvested.sets,
                record,
            );
        }
        let mut compressed = vec![0; lz4_flex::block::get_maximum_output_size(raw.len())];
        let length =
            lz4_flex::block::compress_into_with_dict(raw, &mut compressed, &dictionary).unwrap();
        let mut blob = ENCODING_MARKER.to_vec();
        blob.push(2);
        blob.extend_from_slice(&(header.len() as u32).to_le_bytes());
        blob.extend_from_slice(header);
        blob.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        blob.extend_from_slice(&compressed[..length]);
        blob
    }

    /// Every record of the real fixture pages (oai_dc, ETD-MS, TEF, METS, deletions) is stored
    /// byte for byte as before the echo moved from the parsing thread to the writer's, with the
    /// hash of its values as before, and reads back as harvested.
    #[test]
    fn the_harvest_writes_the_same_blobs_as_before_the_echo_moved() {
        let mut compared = 0;
        let mut formats = std::collections::BTreeSet::new();
        for folder in ["oai", "oai-corpus", "oai-corpus/wrapped"] {
            let dir = crate::test_support::fixtures_dir().join(folder);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if !path.is_file() {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let Ok(decoded) = crate::xml::decode(&bytes, None) else {
                    continue;
                };
                let Ok(page) = crate::oai::parse_page(&decoded.text) else {
                    continue;
                };
                let unpacked = serialise_items(&page.items);
                let records = page.items.iter().filter_map(|item| match item {
                    PageItem::Record(harvested) => Some(harvested),
                    PageItem::Reject(_) => None,
                });
                let expected: Vec<Vec<u8>> = records
                    .clone()
                    .zip(&unpacked.spans)
                    .map(|(harvested, span)| {
                        let header = &unpacked.plain[span.start..span.raw];
                        let raw = &unpacked.plain[span.raw..span.end];
                        blob_as_before(header, raw, harvested)
                    })
                    .collect();
                let packed = unpacked.pack().unwrap();
                let blobs = packed.iter().filter_map(|item| match item {
                    PreparedItem::Record { blob, .. } => Some(blob),
                    PreparedItem::Reject { .. } => None,
                });
                assert_eq!(blobs.clone().count(), expected.len());
                let hashes = packed.iter().filter_map(|item| match item {
                    PreparedItem::Record { hash, .. } => Some(*hash),
                    PreparedItem::Reject { .. } => None,
                });
                for (((blob, expected), harvested), hash) in
                    blobs.zip(&expected).zip(records).zip(hashes)
                {
                    assert_eq!(hash, record_hash(harvested), "{}", harvested.identifier);
                    assert!(
                        blob == expected,
                        "{}: {}",
                        path.display(),
                        harvested.identifier
                    );
                    let (header, raw) = unpack_record(blob).unwrap();
                    assert_eq!(header.record.as_ref(), harvested.record.as_ref());
                    assert_eq!(raw, harvested.raw.as_deref().unwrap_or_default());
                    formats.insert(harvested.format.unwrap_or("deleted"));
                    compared += 1;
                }
            }
        }
        assert!(compared >= 500, "{compared} records");
        assert!(formats.len() >= 3, "{formats:?}");
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
