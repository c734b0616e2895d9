//! Records stored precompressed, so that a gzip ListRecords page is copies too: each record's
//! text is kept as raw DEFLATE pieces that end with a full flush (byte-aligned, not final, no
//! reference to what came before), and a page is one gzip member spliced from them: its header,
//! the page's own text as stored blocks, each record's pieces, a final empty block, then the
//! CRC-32 of the whole text (each piece's CRC combined with the one before, zlib's
//! `crc32_combine_op`) and its length. Every gzip reader reads it (one member, ordinary blocks).
//!
//! The holes of a stored record (`stored.rs`: the OAI identifier, sources' base URLs) are
//! written as stored blocks when the page is spliced.
//!
//! Row layout: `[u16 pieces]` then per piece `[u8 kind]` and, for a compressed piece
//! ([`PIECE_DEFLATE`]), `[u32 CRC-32][u32 length][u32 CRC shift operator][u32 DEFLATE
//! length][DEFLATE bytes]`, for a hole `[u16 argument length][argument]` (kinds of `stored.rs`),
//! little-endian.

use flate2::{Compress, Compression, FlushCompress, Status};
use quick_xml::escape::escape;

use super::Feed;
use super::row::{Damaged, HOLE_BASE_URL, HOLE_ITEM, Reader};
use crate::store::StoreError;

/// A piece of a record compressed apart (the other kinds are `stored.rs`'s holes).
const PIECE_DEFLATE: u8 = 0;

/// A gzip header: DEFLATE, no name or time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// A final empty fixed-Huffman block, after a byte-aligned piece.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];
/// The largest stored block.
const MAX_STORED: usize = 65_535;

/// The row of `text` with its `holes` (byte offset, kind, argument: `stored.rs`'s template), each
/// stretch between holes compressed apart at [`LEVEL`].
pub fn encode_row(text: &[u8], holes: &[(usize, u8, String)]) -> Vec<u8> {
    let mut row = Vec::with_capacity(text.len() / 2 + 64);
    let pieces = holes.len().min(usize::from(u16::MAX) / 2);
    let mut count: u16 = 0;
    row.extend([0, 0]);
    with_compressor(|compress| {
        let mut copied = 0;
        for (at, kind, argument) in holes.iter().take(pieces) {
            let at = (*at).clamp(copied, text.len());
            count += push_piece(&mut row, compress, &text[copied..at]);
            let argument = &argument.as_bytes()[..argument.len().min(usize::from(u16::MAX))];
            row.push(*kind);
            row.extend((argument.len() as u16).to_le_bytes());
            row.extend(argument);
            count += 1;
            copied = at;
        }
        count += push_piece(&mut row, compress, &text[copied..]);
    });
    row[..2].copy_from_slice(&count.to_le_bytes());
    row
}

/// zlib's default level: on records of a few KB it gives the best level's bytes (100,000 works'
/// rows: 607.0 MiB at 6 against 608.7 MiB at 9) for less CPU (a fresh 100,000-record build: 2–3
/// CPU-s less of 38); level 1 cost 13% more bytes, sent on every spliced page, for 5 CPU-s less.
/// Rows are written once per change of their work, sent on every gzip page that holds them.
const LEVEL: u32 = 6;

thread_local! {
    /// One compressor per thread, reset before each piece: a new one allocates and zeroes a few
    /// hundred KiB of state, which cost more than compressing a record.
    static COMPRESSOR: std::cell::RefCell<Compress> =
        std::cell::RefCell::new(Compress::new(Compression::new(LEVEL), false));
}

/// Runs `compress` with this thread's compressor (a fresh one if it is in use already).
fn with_compressor(compress: impl FnOnce(&mut Compress)) {
    let mut compress = Some(compress);
    COMPRESSOR.with(|cell| {
        if let Ok(mut shared) = cell.try_borrow_mut()
            && let Some(compress) = compress.take()
        {
            compress(&mut shared);
        }
    });
    if let Some(compress) = compress {
        compress(&mut Compress::new(Compression::new(LEVEL), false));
    }
}

/// Appends `bytes` compressed (full flush) to `row` as a piece; none for no bytes. Returns how
/// many pieces it wrote.
fn push_piece(row: &mut Vec<u8>, compress: &mut Compress, bytes: &[u8]) -> u16 {
    if bytes.is_empty() {
        return 0;
    }
    let mut deflated = Vec::with_capacity(bytes.len() + bytes.len() / 8 + 64);
    compress.reset();
    let start_in = compress.total_in();
    loop {
        let consumed = (compress.total_in() - start_in) as usize;
        let status = compress.compress_vec(&bytes[consumed..], &mut deflated, FlushCompress::Full);
        let consumed = (compress.total_in() - start_in) as usize;
        let room_left = deflated.len() < deflated.capacity();
        match status {
            Ok(Status::Ok | Status::BufError) if consumed == bytes.len() && room_left => break,
            Ok(_) => deflated.reserve(bytes.len() / 4 + 64),
            Err(_) => break,
        }
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(bytes);
    row.push(PIECE_DEFLATE);
    row.extend(crc.finalize().to_le_bytes());
    row.extend((bytes.len() as u32).to_le_bytes());
    row.extend(shift_operator(bytes.len() as u64).to_le_bytes());
    row.extend((deflated.len() as u32).to_le_bytes());
    row.extend(&deflated);
    1
}

/// A document as it is sent: gzipped (spliced from precompressed records), or plain text for
/// the caller to compress if it wants (other verbs, errors, pages without such records).
pub enum Answer {
    Gzipped(Vec<u8>),
    /// The document's bytes ([`Feed::respond_bytes`]).
    Plain(Vec<u8>),
}

/// A precompressed record left out of a page's text: where it goes, its work, its row.
pub(super) struct Splice {
    pub at: usize,
    pub id: String,
    pub row: Vec<u8>,
}

impl Feed {
    /// [`Feed::respond`] for a client that takes gzip: a ListRecords page whose records are
    /// stored precompressed is spliced from them (a page of copies, as for plain text); any
    /// other answer is [`Answer::Plain`].
    pub fn respond_gzip(
        &self,
        args: &[(String, String)],
        base_url: &str,
        now: u64,
    ) -> Result<Answer, StoreError> {
        let mut splices = Vec::new();
        let text = self.respond_into(args, base_url, now, Some(&mut splices))?;
        if splices.is_empty() {
            return Ok(Answer::Plain(text));
        }
        match self.splice(&text, &splices) {
            Ok(gzipped) => Ok(Answer::Gzipped(gzipped)),
            Err(Damaged) => {
                tracing::warn!("a precompressed feed record is damaged: the page is written plain");
                Ok(Answer::Plain(self.respond_bytes(args, base_url, now)?))
            }
        }
    }

    fn splice(&self, text: &[u8], splices: &[Splice]) -> Result<Vec<u8>, Damaged> {
        let rows: usize = splices.iter().map(|splice| splice.row.len()).sum();
        let mut page = Page::with_capacity(rows + text.len() + splices.len() * 64 + 64);
        let mut copied = 0;
        for splice in splices {
            page.text(text.get(copied..splice.at).ok_or(Damaged)?);
            copied = splice.at;
            let item = self.oai_identifier(&splice.id);
            let escaped_item = escape(item.as_str());
            page.row(&splice.row, &mut |kind, argument, out| {
                match kind {
                    HOLE_ITEM => out.push_str(&escaped_item),
                    HOLE_BASE_URL => out.push_str(&self.base_url(argument)),
                    _ => return Err(Damaged),
                }
                Ok(())
            })?;
        }
        page.text(text.get(copied..).ok_or(Damaged)?);
        Ok(page.finish())
    }
}

/// One gzip page being spliced: text and stored rows in order.
pub struct Page {
    out: Vec<u8>,
    crc: u32,
    length: u64,
}

impl Page {
    pub fn with_capacity(capacity: usize) -> Page {
        let mut out = Vec::with_capacity(capacity);
        out.extend(GZIP_HEADER);
        Page {
            out,
            crc: 0,
            length: 0,
        }
    }

    /// Appends text as stored blocks.
    pub fn text(&mut self, text: &[u8]) {
        for chunk in text.chunks(MAX_STORED) {
            let length = chunk.len() as u16;
            self.out.push(0); // not final, stored; byte-aligned after a full flush
            self.out.extend(length.to_le_bytes());
            self.out.extend((!length).to_le_bytes());
            self.out.extend(chunk);
        }
        let mut crc = crc32fast::Hasher::new_with_initial(self.crc);
        crc.update(text);
        self.crc = crc.finalize();
        self.length += text.len() as u64;
    }

    /// Appends stored row `row` ([`encode_row`]), holes filled by `hole(kind, argument, out)`
    /// (the text to write, `Err` for a kind it does not know). On [`Damaged`], the page is left
    /// as it was.
    pub fn row(
        &mut self,
        row: &[u8],
        hole: &mut dyn FnMut(u8, &str, &mut String) -> Result<(), Damaged>,
    ) -> Result<(), Damaged> {
        let (out_len, crc, length) = (self.out.len(), self.crc, self.length);
        let written = self.row_into(row, hole);
        if written.is_err() {
            self.out.truncate(out_len);
            (self.crc, self.length) = (crc, length);
        }
        written
    }

    fn row_into(
        &mut self,
        row: &[u8],
        hole: &mut dyn FnMut(u8, &str, &mut String) -> Result<(), Damaged>,
    ) -> Result<(), Damaged> {
        let mut reader = Reader(row);
        let pieces = reader.u16()?;
        let mut filled = String::new();
        for _ in 0..pieces {
            match reader.u8()? {
                PIECE_DEFLATE => {
                    let crc = reader.u32()?;
                    let length = reader.u32()?;
                    let operator = reader.u32()?;
                    let deflated_len = reader.u32()? as usize;
                    self.out.extend(reader.take(deflated_len)?);
                    self.crc = multiply_mod_p(operator, self.crc) ^ crc;
                    self.length += u64::from(length);
                }
                kind => {
                    let argument_len = usize::from(reader.u16()?);
                    let argument =
                        std::str::from_utf8(reader.take(argument_len)?).map_err(|_| Damaged)?;
                    filled.clear();
                    hole(kind, argument, &mut filled)?;
                    self.text(filled.as_bytes());
                }
            }
        }
        if reader.0.is_empty() {
            Ok(())
        } else {
            Err(Damaged)
        }
    }

    /// The gzip member: the final block and the trailer (CRC-32, length mod 2^32).
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend(FINAL_BLOCK);
        self.out.extend(self.crc.to_le_bytes());
        self.out.extend((self.length as u32).to_le_bytes());
        self.out
    }
}

/// CRC-32's reflected polynomial.
const POLY: u32 = 0xedb8_8320;

/// `a * b mod p` in GF(2) for reflected CRC-32 values (zlib's `multmodp`).
fn multiply_mod_p(a: u32, mut b: u32) -> u32 {
    let mut m: u32 = 1 << 31;
    let mut p: u32 = 0;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    p
}

/// `x^(8 * length) mod p`: what a CRC is multiplied by to append `length` bytes' CRC to it
/// (zlib's `crc32_combine_gen`), computed once per piece when its row is written.
fn shift_operator(length: u64) -> u32 {
    let mut power_of_two = 1u32 << 30; // x^1
    let mut result: u32 = 1 << 31; // x^0
    let mut n = length * 8;
    while n != 0 {
        if n & 1 != 0 {
            result = multiply_mod_p(power_of_two, result);
        }
        power_of_two = multiply_mod_p(power_of_two, power_of_two);
        n >>= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        // The decoder checks the trailer's CRC-32 and length.
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    fn fill(kind: u8, argument: &str, out: &mut String) -> Result<(), Damaged> {
        match kind {
            1 => out.push_str("oai:e:w1"),
            2 => {
                out.push_str("https://");
                out.push_str(argument);
            }
            _ => return Err(Damaged),
        }
        Ok(())
    }

    #[test]
    fn a_spliced_page_is_one_gzip_member_with_the_text_in_order() {
        let record = "<record><header><identifier></identifier></header><about>é</about></record>";
        let holes = vec![(28, 1, String::new()), (57, 2, "hal".to_owned())];
        let row = encode_row(record.as_bytes(), &holes);
        let no_holes = encode_row(b"<record/>", &[]);
        // A hole at either end leaves no empty piece.
        let at_ends = encode_row(b"x", &[(0, 1, String::new()), (1, 1, String::new())]);
        let mut page = Page::with_capacity(1024);
        page.text(b"<page>");
        for stored in [&row, &no_holes, &at_ends, &row] {
            page.row(stored, &mut fill).expect("a whole row");
        }
        page.text(&vec![b'z'; 70_000]); // more than one stored block
        let expected_record = "<record><header><identifier>oai:e:w1</identifier></header><about>https://halé</about></record>";
        assert_eq!(
            gunzip(&page.finish()),
            format!(
                "<page>{expected_record}<record/>oai:e:w1xoai:e:w1{expected_record}{}",
                "z".repeat(70_000)
            )
        );
    }

    #[test]
    fn the_shift_operator_appends_crcs_as_if_hashed_in_one_go() {
        let (a, b) = (b"hello, ".as_slice(), vec![b'w'; 5_000]);
        let mut whole = crc32fast::Hasher::new();
        whole.update(a);
        whole.update(&b);
        let (crc_a, crc_b) = (crc32fast::hash(a), crc32fast::hash(&b));
        assert_eq!(
            multiply_mod_p(shift_operator(b.len() as u64), crc_a) ^ crc_b,
            whole.finalize()
        );
    }

    #[test]
    fn a_damaged_row_is_refused_and_leaves_the_page_as_it_was() {
        let row = encode_row(b"<record></record>", &[(8, 1, String::new())]);
        // The hole's kind follows the first piece: count, kind, CRC, length, operator, size.
        let size = u32::from_le_bytes([row[15], row[16], row[17], row[18]]) as usize;
        let mut unknown_hole = row.clone();
        assert_eq!(unknown_hole[19 + size], 1);
        unknown_hole[19 + size] = 9;
        let mut page = Page::with_capacity(64);
        page.text(b"<p>");
        for damaged in [&row[..row.len() - 1], &row[..1], &unknown_hole[..]] {
            assert!(page.row(damaged, &mut fill).is_err());
        }
        page.text(b"</p>");
        assert_eq!(gunzip(&page.finish()), "<p></p>");
    }
}
