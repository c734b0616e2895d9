//! Records rendered when their work is written and stored under its feed entry's key, so that a
//! ListRecords page is a range read of the feed index and a copy of stored bytes (what a static
//! file server does), instead of decoding every work and writing its XML on every page of every
//! harvest.
//!
//! A stored record is a live work's whole `<record>` in one format: the header of its feed entry,
//! its `<metadata>` and its provenance `<about>`s. What depends on the serving process's settings
//! is left as a *hole*, filled when the page is written: the work's OAI identifier (it names the
//! repository identifier, a `serve` option) and each source's base URL (source files and
//! registrations).
//!
//! Layout (before LZ4): `[u32 literal length][literal][u16 holes]` then per hole
//! `[u32 offset in literal][u8 kind][u16 argument length][argument]`, little-endian, holes in
//! offset order. Kinds: [`HOLE_ITEM`] (no argument), [`HOLE_BASE_URL`] (the source id).

use std::fmt::Write;
use std::hash::{Hash, Hasher};

use quick_xml::escape::escape;

use super::formats::{self, FORMATS, Origin, ThemeLabels};
use super::row::{Damaged, HOLE_BASE_URL, HOLE_ITEM, Reader};
use crate::classify::Thesaurus;
use crate::export;
use crate::store::{FeedEntry, RecordKey, RecordOrigin, StoreError};
use crate::works::Work;

/// Bump when what [`Renderer::render`] writes changes (the OAI records, or the CSV row of
/// exports): stores rendered by another version are rendered again when opened
/// ([`Renderer::version`]). 3: the CSV row. 4: each format's record also precompressed for
/// gzip pages (`gzip.rs`). 5: the same rows, packed several to a value by the store (the
/// precompressed ones since made from the plain ones in the background, [`precompressed`]:
/// the same bytes, so no new version).
const RENDER_VERSION: u32 = 5;

/// Renders the stored records of works (the works stage calls it for every work it writes,
/// through [`crate::works::RecordRenderer`]).
pub struct Renderer {
    themes: ThemeLabels,
}

impl Renderer {
    pub fn new(thesaurus: &Thesaurus) -> Renderer {
        Renderer {
            themes: super::theme_labels(thesaurus),
        }
    }

    /// What stored records depend on besides the work: the code's version and the theme labels
    /// (written as subjects). Stored in the store; another value means "render them again".
    pub fn version(&self) -> String {
        let mut labels: Vec<_> = self.themes.iter().collect();
        labels.sort_unstable();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        labels.hash(&mut hasher);
        format!("{RENDER_VERSION}:{:016x}", hasher.finish())
    }

    /// Each format's stored `<record>` of `work` under its feed `entry` (none for a work that is
    /// not live; the same precompressed for gzip pages is made later from it, [`precompressed`]),
    /// its members' `origins` in member order (`None`: record no longer stored, no
    /// provenance); and, under [`export::CSV_ROW_PREFIX`], the work's CSV row as exports write
    /// it, plain text (stored here because this is what the works stage calls for every work it
    /// writes, and the rows then move, fill and back up with the records).
    pub fn render(
        &self,
        work: &Work,
        entry: &FeedEntry,
        origins: &[(RecordKey, Option<RecordOrigin>)],
    ) -> Vec<(&'static str, Vec<u8>)> {
        if !work.is_live() || entry.deleted {
            return Vec::new();
        }
        let mut header = Template::default();
        header.text.push_str("<record><header><identifier>");
        header
            .holes
            .push((header.text.len(), HOLE_ITEM, String::new()));
        let _ = write!(
            header.text,
            "</identifier><datestamp>{}</datestamp>",
            super::datestamp(entry.stamp)
        );
        for set in &entry.sets {
            let _ = write!(header.text, "<setSpec>{}</setSpec>", escape(set.as_str()));
        }
        header.text.push_str("</header>");
        let mut abouts = Template::default();
        for (key, origin) in origins {
            let Some(origin) = origin else { continue };
            let source = key.source();
            formats::write_provenance(
                &mut abouts.text,
                &Origin {
                    identifier: key.identifier(),
                    datestamp: &origin.datestamp,
                    namespace: formats::format_namespace(origin.format.as_deref()),
                    harvest_date: &origin.stored_at,
                },
                &mut |out| {
                    abouts
                        .holes
                        .push((out.len(), HOLE_BASE_URL, source.to_owned()))
                },
            );
        }
        let csv_row = (
            export::CSV_ROW_PREFIX,
            export::work_csv_row(work).into_bytes(),
        );
        FORMATS
            .iter()
            .flat_map(|format| {
                let mut record = Template::default();
                record.append(&header);
                record.text.push_str("<metadata>");
                let holes = &mut record.holes;
                formats::write_metadata(
                    &mut record.text,
                    format.prefix,
                    work,
                    &self.themes,
                    &mut |out| holes.push((out.len(), HOLE_ITEM, String::new())),
                );
                record.text.push_str("</metadata>");
                record.append(&abouts);
                record.text.push_str("</record>");
                [(format.prefix, record.encode())]
            })
            .chain([csv_row])
            .collect()
    }
}

impl crate::works::RecordRenderer for Renderer {
    fn render(
        &self,
        work: &Work,
        entry: &FeedEntry,
        origins: &[(RecordKey, Option<RecordOrigin>)],
    ) -> crate::store::RenderedRecords {
        Renderer::render(self, work, entry, origins)
    }
}

/// Text with holes at byte offsets, while it is rendered.
#[derive(Default)]
struct Template {
    text: String,
    holes: Vec<(usize, u8, String)>,
}

impl Template {
    fn append(&mut self, other: &Template) {
        let shift = self.text.len();
        self.text.push_str(&other.text);
        self.holes.extend(
            other
                .holes
                .iter()
                .map(|(at, kind, argument)| (at + shift, *kind, argument.clone())),
        );
    }

    fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.text.len() + 8 + self.holes.len() * 24);
        bytes.extend((self.text.len() as u32).to_le_bytes());
        bytes.extend(self.text.as_bytes());
        bytes.extend((self.holes.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        for (at, kind, argument) in self.holes.iter().take(usize::from(u16::MAX)) {
            let argument = &argument.as_bytes()[..argument.len().min(usize::from(u16::MAX))];
            bytes.extend((*at as u32).to_le_bytes());
            bytes.push(*kind);
            bytes.extend((argument.len() as u16).to_le_bytes());
            bytes.extend(argument);
        }
        lz4_flex::compress_prepend_size(&bytes)
    }
}

/// Appends stored record `stored` (as [`Renderer::render`] made it, LZ4 included) to `out`,
/// holes filled: `item` is the work's OAI identifier, `base_url` writes a source's base URL,
/// escaped. On [`Damaged`], `out` is left as it was. The text is copied as it was written, from
/// a string, without checking its UTF-8 again (that check was 4–5% of a page's CPU); a record
/// damaged on disk in a way LZ4 and the layout do not notice is sent as it reads.
pub fn expand(
    stored: &[u8],
    out: &mut Vec<u8>,
    item: &str,
    base_url: &mut dyn FnMut(&str, &mut Vec<u8>),
) -> Result<(), Damaged> {
    let start = out.len();
    let written = expand_into(stored, out, item, base_url);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// Makes the precompressed rows gzip pages splice (under each format's `gzip_prefix`) of every
/// stored record that has none yet, from its plain row ([`precompressed`]):
/// the works stage writes only the plain rows, and DEFLATE was a fifth of a fresh build's CPU;
/// the server calls this in the background once listening and after each works update. Until
/// a record's row is made, gzip pages read its plain row (sent uncompressed inside the spliced
/// page, or the page compressed whole when none of its records has one). Stops between slices
/// once `stopped` says so (going on from there next time); returns how many rows were made.
pub fn compress_stored(
    store: &crate::store::Store,
    stopped: impl Fn() -> bool,
) -> Result<u64, StoreError> {
    let mut made = 0;
    for format in super::FORMATS {
        made +=
            store.derive_feed_rows(format.prefix, format.gzip_prefix, &stopped, precompressed)?;
    }
    Ok(made)
}

/// The row a gzip page splices (`gzip::encode_row`) of stored record `stored` (as
/// [`Renderer::render`] made it): the same text and holes, precompressed. `None` for a damaged
/// row (pages then read it plain, and say so).
pub fn precompressed(stored: &[u8]) -> Option<Vec<u8>> {
    let mut scratch = Vec::new();
    let (size, compressed) = lz4_flex::block::uncompressed_size(stored).ok()?;
    if size > MAX_RECORD_BYTES {
        return None;
    }
    scratch.resize(size, 0);
    let decoded = lz4_flex::block::decompress_into(compressed, &mut scratch).ok()?;
    if decoded != size {
        return None;
    }
    let mut reader = Reader(&scratch);
    let literal_len = reader.u32().ok()? as usize;
    let literal = reader.take(literal_len).ok()?;
    let count = reader.u16().ok()?;
    let mut holes = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let at = reader.u32().ok()? as usize;
        let kind = reader.u8().ok()?;
        let argument_len = usize::from(reader.u16().ok()?);
        let argument = std::str::from_utf8(reader.take(argument_len).ok()?).ok()?;
        if at > literal.len() || holes.last().is_some_and(|(before, _, _)| *before > at) {
            return None;
        }
        holes.push((at, kind, argument.to_owned()));
    }
    Some(super::gzip::encode_row(literal, &holes))
}

/// A stored record larger than this once decoded is damaged (records are a few KiB): its size
/// prefix is not trusted with an allocation.
const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;
/// A thread's decoding buffer is kept between records up to this capacity (one larger record
/// does not keep its memory).
const KEPT_SCRATCH_BYTES: usize = 1024 * 1024;

thread_local! {
    /// Where a record is decoded before its pieces are copied out: reused by every record a
    /// thread expands, instead of an allocation and a free per record (~4% of a page's CPU).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn expand_into(
    stored: &[u8],
    out: &mut Vec<u8>,
    item: &str,
    base_url: &mut dyn FnMut(&str, &mut Vec<u8>),
) -> Result<(), Damaged> {
    SCRATCH.with(|scratch| {
        let Ok(mut scratch) = scratch.try_borrow_mut() else {
            // Re-entered from `base_url` (it never expands records): decode apart.
            return expand_with(stored, &mut Vec::new(), out, item, base_url);
        };
        let expanded = expand_with(stored, &mut scratch, out, item, base_url);
        if scratch.capacity() > KEPT_SCRATCH_BYTES {
            *scratch = Vec::new();
        }
        expanded
    })
}

fn expand_with(
    stored: &[u8],
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
    item: &str,
    base_url: &mut dyn FnMut(&str, &mut Vec<u8>),
) -> Result<(), Damaged> {
    let (size, compressed) = lz4_flex::block::uncompressed_size(stored).map_err(|_| Damaged)?;
    if size > MAX_RECORD_BYTES {
        return Err(Damaged);
    }
    if scratch.len() < size {
        scratch.resize(size, 0);
    }
    let decoded =
        lz4_flex::block::decompress_into(compressed, &mut scratch[..size]).map_err(|_| Damaged)?;
    if decoded != size {
        return Err(Damaged);
    }
    let mut reader = Reader(&scratch[..size]);
    let literal_len = reader.u32()? as usize;
    let literal = reader.take(literal_len)?;
    let holes = reader.u16()?;
    let escaped_item = escape(item);
    let mut copied = 0;
    for _ in 0..holes {
        let at = reader.u32()? as usize;
        let kind = reader.u8()?;
        let argument_len = usize::from(reader.u16()?);
        let argument = std::str::from_utf8(reader.take(argument_len)?).map_err(|_| Damaged)?;
        let piece = literal.get(copied..at).ok_or(Damaged)?;
        out.extend_from_slice(piece);
        copied = at;
        match kind {
            HOLE_ITEM => out.extend_from_slice(escaped_item.as_bytes()),
            HOLE_BASE_URL => base_url(argument, out),
            _ => return Err(Damaged),
        }
    }
    out.extend_from_slice(literal.get(copied..).ok_or(Damaged)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        Template {
            text: "<record><header><identifier></identifier></header><about>x</about></record>"
                .into(),
            holes: vec![
                (28, HOLE_ITEM, String::new()),
                (57, HOLE_BASE_URL, "hal".into()),
            ],
        }
    }

    fn expand_to_string(stored: &[u8]) -> Result<String, Damaged> {
        let mut out = b"<page>".to_vec();
        let expanded = expand(stored, &mut out, "oai:e:w1&2", &mut |source, out| {
            out.extend_from_slice(b"https://");
            out.extend_from_slice(source.as_bytes());
        });
        expanded.map(|()| String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn holes_are_filled_record_after_record_with_the_reused_buffer() {
        let stored = template().encode();
        let short = Template {
            text: "<record/>".into(),
            holes: Vec::new(),
        }
        .encode();
        for _ in 0..2 {
            assert_eq!(
                expand_to_string(&stored).ok().as_deref(),
                Some(
                    "<page><record><header><identifier>oai:e:w1&amp;2</identifier></header>\
                     <about>https://halx</about></record>"
                )
            );
            // A shorter record after a longer one reads only its own bytes.
            assert_eq!(
                expand_to_string(&short).ok().as_deref(),
                Some("<page><record/>")
            );
        }
    }

    #[test]
    fn the_precompressed_row_is_the_one_the_renderer_would_have_compressed() {
        let template = template();
        let stored = template.encode();
        assert_eq!(
            precompressed(&stored),
            Some(super::super::gzip::encode_row(
                template.text.as_bytes(),
                &template.holes
            ))
        );
        assert_eq!(precompressed(&stored[..stored.len() - 3]), None);
        assert_eq!(precompressed(&[]), None);
    }

    #[test]
    fn a_damaged_row_is_refused_and_leaves_the_page_as_it_was() {
        let stored = template().encode();
        // A size prefix that no record has.
        let mut huge = stored.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        // A size prefix larger than what the block decodes to.
        let mut longer = stored.clone();
        let size = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
        longer[..4].copy_from_slice(&(size + 7).to_le_bytes());
        let truncated = &stored[..stored.len() - 3];
        for damaged in [&huge[..], &longer[..], truncated, &stored[..2]] {
            let mut out = b"<page>".to_vec();
            assert!(expand(damaged, &mut out, "i", &mut |_, _| {}).is_err());
            assert_eq!(out, b"<page>");
        }
    }
}
