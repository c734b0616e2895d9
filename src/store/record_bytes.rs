//! A stored record's header and mapped record in a compact binary form, which the `records`
//! table stores plain beside the compressed raw XML (encoding 2; encoding 1 compressed both
//! together: `encode.rs`). Pure.
//!
//! Why not JSON: the header was serialised for every harvested record and parsed for every
//! record the works stage reads (twice per record on a fresh build); JSON's keys and escapes
//! made it the larger half of what LZ4 compressed, and its parse the dearer part of a read
//! (BENCHMARKS.md, issue 17). Older stores keep their JSON headers, read as they are.
//!
//! Layout, every number an unsigned LEB128 varint, every text its length then its UTF-8 bytes,
//! an optional text `0` when absent or its length + 1 then its bytes:
//! `[flags][datestamp][format, if flagged][sets: count, texts][stored at][record, if flagged]`
//! then the raw XML to the end. Flags: 1 deleted, 2 a format, 4 a mapped record. The record is
//! [`Record`]'s list fields in declaration order (each a count then its items: a `LangText` is
//! value, optional lang; an `Agent` name, optional role, optional id; a `String` a text), then
//! its degree (`0`, or `1` and four optional texts) and its record type's slug (optional).
//!
//! **Frozen** like every stored encoding: a field added to [`Record`] needs a new encoding
//! number in `encode.rs`, this one kept to read older rows.

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::map::{Agent, Degree, LangText, Record};
use crate::vocab::RecordType;

/// What a stored record holds besides its raw XML: binary (this module) in what essor
/// writes, JSON in stores written before.
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

pub(super) const DELETED: u8 = 1;
const HAS_FORMAT: u8 = 2;
pub(super) const HAS_RECORD: u8 = 4;

/// Appends a record's header and raw XML to `out` in the binary layout (the tests' way in;
/// the harvest writes borrowed values, [`write_header`]).
#[cfg(test)]
pub(super) fn write_record(out: &mut Vec<u8>, header: &RecordHeader<&Record>, raw: &str) {
    write_header(
        out,
        &HeaderRef {
            datestamp: &header.datestamp,
            deleted: header.deleted,
            format: header.format.as_deref(),
            sets: &header.sets,
            record: header.record,
            stored_at: &header.stored_at,
        },
    );
    out.extend_from_slice(raw.as_bytes());
}

/// A [`RecordHeader`]'s values borrowed from wherever they lie: what the harvest's parsing
/// thread writes for each record ([`write_header`]).
///
/// Why not a `RecordHeader` of its own: its owned texts were copied from the harvested record
/// for each record (datestamp, format, sets, the time stored), only to be written here and
/// freed, on the thread that sets a harvest's pace (BENCHMARKS.md, issue 17).
pub(super) struct HeaderRef<'a> {
    pub datestamp: &'a str,
    pub deleted: bool,
    pub format: Option<&'a str>,
    pub sets: &'a [String],
    pub record: Option<&'a Record>,
    pub stored_at: &'a str,
}

/// Appends a record's header, without raw XML, to `out` in the binary layout.
pub(super) fn write_header(out: &mut Vec<u8>, header: &HeaderRef<'_>) {
    let mut flags = 0;
    if header.deleted {
        flags |= DELETED;
    }
    if header.format.is_some() {
        flags |= HAS_FORMAT;
    }
    if header.record.is_some() {
        flags |= HAS_RECORD;
    }
    out.push(flags);
    text(out, header.datestamp);
    if let Some(format) = header.format {
        text(out, format);
    }
    texts(out, header.sets);
    text(out, header.stored_at);
    if let Some(record) = header.record {
        write_mapped(out, record);
    }
}

fn write_mapped(out: &mut Vec<u8>, record: &Record) {
    lang_texts(out, &record.titles);
    lang_texts(out, &record.alternative_titles);
    agents(out, &record.creators);
    agents(out, &record.contributors);
    lang_texts(out, &record.subjects);
    lang_texts(out, &record.abstracts);
    for list in [
        &record.publishers,
        &record.dates,
        &record.types,
        &record.formats,
        &record.identifiers,
        &record.languages,
        &record.rights,
        &record.relations,
        &record.sources,
        &record.coverage,
    ] {
        texts(out, list);
    }
    match &record.degree {
        None => out.push(0),
        Some(degree) => {
            out.push(1);
            for part in [
                &degree.name,
                &degree.level,
                &degree.discipline,
                &degree.grantor,
            ] {
                optional(out, part.as_deref());
            }
        }
    }
    optional(out, record.record_type.map(RecordType::slug));
}

/// `value` as an unsigned LEB128 varint (the blocking index's chunks use it too, `blocks.rs`).
pub(super) fn number(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn text(out: &mut Vec<u8>, value: &str) {
    number(out, value.len() as u64);
    out.extend_from_slice(value.as_bytes());
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(value) => {
            number(out, value.len() as u64 + 1);
            out.extend_from_slice(value.as_bytes());
        }
    }
}

fn texts(out: &mut Vec<u8>, values: &[String]) {
    number(out, values.len() as u64);
    for value in values {
        text(out, value);
    }
}

fn lang_texts(out: &mut Vec<u8>, values: &[LangText]) {
    number(out, values.len() as u64);
    for value in values {
        text(out, &value.value);
        optional(out, value.lang.as_deref());
    }
}

fn agents(out: &mut Vec<u8>, values: &[Agent]) {
    number(out, values.len() as u64);
    for agent in values {
        text(out, &agent.name);
        optional(out, agent.role.as_deref());
        optional(out, agent.id.as_deref());
    }
}

/// Reads the binary layout: the header, its mapped record included, and the raw XML's bytes.
pub(super) fn read_record(plain: &[u8]) -> Result<(RecordHeader<Record>, &[u8]), StoreError> {
    let mut reader = Reader(plain);
    let flags = reader.byte()?;
    let datestamp = reader.text()?;
    let format = if flags & HAS_FORMAT != 0 {
        Some(reader.text()?)
    } else {
        None
    };
    let sets = reader.texts()?;
    let stored_at = reader.text()?;
    let record = if flags & HAS_RECORD != 0 {
        Some(reader.mapped()?)
    } else {
        None
    };
    let header = RecordHeader {
        datestamp,
        deleted: flags & DELETED != 0,
        format,
        sets,
        record,
        stored_at,
    };
    Ok((header, reader.0))
}

/// A header's values before its mapped record as they lie in the bytes, neither checked as
/// UTF-8 nor copied: what the harvest's writer hashes (`encode::hash_of_plain`) and writes the
/// echo of (`record_echo`), read here so that the layout is walked in this module only.
pub(super) struct HeaderBytes<'a> {
    pub(super) flags: u8,
    pub(super) datestamp: &'a [u8],
    /// The sets' count and texts, in the layout ([`HeaderBytes::for_each_set`]).
    sets: &'a [u8],
    /// The bytes after the header's values: the mapped record, if flagged, then the raw XML.
    pub(super) rest: Reader<'a>,
}

impl<'a> HeaderBytes<'a> {
    pub(super) fn read(plain: &'a [u8]) -> Result<Self, StoreError> {
        let mut reader = Reader(plain);
        let flags = reader.byte()?;
        let datestamp = reader.text_bytes()?;
        if flags & HAS_FORMAT != 0 {
            reader.text_bytes()?;
        }
        let at = reader.0;
        for _ in 0..reader.count()? {
            reader.text_bytes()?;
        }
        let sets = &at[..at.len() - reader.0.len()];
        // When this version was stored.
        reader.text_bytes()?;
        Ok(HeaderBytes {
            flags,
            datestamp,
            sets,
            rest: reader,
        })
    }

    /// Calls `each` with every set's bytes, in order.
    pub(super) fn for_each_set(&self, mut each: impl FnMut(&'a [u8])) -> Result<(), StoreError> {
        let mut sets = Reader(self.sets);
        for _ in 0..sets.count()? {
            each(sets.text_bytes()?);
        }
        Ok(())
    }
}

/// Reads what the writers above wrote (`blocks.rs` reads its numbers and bytes with it too).
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    #[inline]
    pub(super) fn byte(&mut self) -> Result<u8, StoreError> {
        let (first, rest) = self.0.split_first().ok_or_else(short)?;
        self.0 = rest;
        Ok(*first)
    }

    #[inline]
    pub(super) fn number(&mut self) -> Result<u64, StoreError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(damaged("a number runs on"))
    }

    #[inline]
    pub(super) fn bytes(&mut self, length: u64) -> Result<&'a [u8], StoreError> {
        let length = usize::try_from(length).map_err(|_| short())?;
        if length > self.0.len() {
            return Err(short());
        }
        let (taken, rest) = self.0.split_at(length);
        self.0 = rest;
        Ok(taken)
    }

    /// A text's bytes (its length, then them), neither checked nor copied.
    #[inline]
    pub(super) fn text_bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let length = self.number()?;
        self.bytes(length)
    }

    /// An optional text's bytes (`0`, or its length + 1 then them), neither checked nor copied.
    #[inline]
    pub(super) fn optional_bytes(&mut self) -> Result<Option<&'a [u8]>, StoreError> {
        match self.number()? {
            0 => Ok(None),
            length => self.bytes(length - 1).map(Some),
        }
    }

    fn text(&mut self) -> Result<String, StoreError> {
        let length = self.number()?;
        self.utf8(length)
    }

    /// A text, checked by simdutf8's vector scan: std's byte loop was 1.3% of a fresh build's
    /// CPU (every stored record's texts are read twice, for dedup and for the works' fields).
    fn utf8(&mut self, length: u64) -> Result<String, StoreError> {
        let bytes = self.bytes(length)?;
        simdutf8::basic::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| damaged("a text is not UTF-8"))
    }

    fn optional(&mut self) -> Result<Option<String>, StoreError> {
        match self.number()? {
            0 => Ok(None),
            length => self.utf8(length - 1).map(Some),
        }
    }

    /// A count of items, each at least one byte: a count past the bytes left is damage, not an
    /// allocation.
    pub(super) fn count(&mut self) -> Result<usize, StoreError> {
        let count = self.number()?;
        match usize::try_from(count) {
            Ok(count) if count <= self.0.len() => Ok(count),
            _ => Err(short()),
        }
    }

    fn texts(&mut self) -> Result<Vec<String>, StoreError> {
        let count = self.count()?;
        (0..count).map(|_| self.text()).collect()
    }

    fn lang_texts(&mut self) -> Result<Vec<LangText>, StoreError> {
        let count = self.count()?;
        (0..count)
            .map(|_| {
                Ok(LangText {
                    value: self.text()?,
                    lang: self.optional()?,
                })
            })
            .collect()
    }

    fn agents(&mut self) -> Result<Vec<Agent>, StoreError> {
        let count = self.count()?;
        (0..count)
            .map(|_| {
                Ok(Agent {
                    name: self.text()?,
                    role: self.optional()?,
                    id: self.optional()?,
                })
            })
            .collect()
    }

    fn mapped(&mut self) -> Result<Record, StoreError> {
        let mut record = Record {
            titles: self.lang_texts()?,
            alternative_titles: self.lang_texts()?,
            creators: self.agents()?,
            contributors: self.agents()?,
            subjects: self.lang_texts()?,
            abstracts: self.lang_texts()?,
            ..Record::default()
        };
        for list in [
            &mut record.publishers,
            &mut record.dates,
            &mut record.types,
            &mut record.formats,
            &mut record.identifiers,
            &mut record.languages,
            &mut record.rights,
            &mut record.relations,
            &mut record.sources,
            &mut record.coverage,
        ] {
            *list = self.texts()?;
        }
        record.degree = match self.byte()? {
            0 => None,
            _ => Some(Degree {
                name: self.optional()?,
                level: self.optional()?,
                discipline: self.optional()?,
                grantor: self.optional()?,
            }),
        };
        record.record_type = match self.optional()? {
            None => None,
            Some(slug) => Some(
                RecordType::from_slug(&slug).ok_or_else(|| damaged("an unknown record type"))?,
            ),
        };
        Ok(record)
    }
}

fn short() -> StoreError {
    damaged("the value ends early")
}

fn damaged(what: &str) -> StoreError {
    StoreError::corrupt("records", format!("binary record header: {what}"))
}

/// Every field of [`Record`] set, none left to `..Default::default()`: a field added to
/// `Record` stops this test's build, since it needs a new encoding (see the module's
/// documentation). The store's other tests use it too.
#[cfg(test)]
pub(super) fn full_record() -> Record {
    let lang_text = |value: &str, lang: Option<&str>| LangText {
        value: value.into(),
        lang: lang.map(str::to_owned),
    };
    let list = |name: &str| vec![format!("{name} 1"), format!("{name} « 2 »")];
    Record {
        titles: vec![
            lang_text("Économie sociale", Some("fr")),
            lang_text("", None),
        ],
        alternative_titles: vec![lang_text("Social economy", Some("en"))],
        creators: vec![Agent {
            name: "Dupont, Marie".into(),
            role: None,
            id: Some("https://www.idref.fr/1".into()),
        }],
        contributors: vec![Agent {
            name: "Martin, Luc".into(),
            role: Some("ths".into()),
            id: None,
        }],
        subjects: vec![lang_text("SCOP", Some("fr"))],
        abstracts: vec![lang_text(&"Un résumé. ".repeat(40), Some("fr"))],
        publishers: list("publisher"),
        dates: list("date"),
        types: list("type"),
        formats: list("format"),
        identifiers: list("identifier"),
        languages: list("language"),
        rights: list("rights"),
        relations: list("relation"),
        sources: list("source"),
        coverage: list("coverage"),
        degree: Some(Degree {
            name: Some("Doctorat".into()),
            level: None,
            discipline: Some("Économie".into()),
            grantor: Some("Université Rennes 2".into()),
        }),
        record_type: Some(RecordType::Panorama),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(header: &RecordHeader<&Record>, raw: &str) -> Vec<u8> {
        let mut plain = Vec::new();
        write_record(&mut plain, header, raw);
        plain
    }

    #[test]
    fn every_field_reads_back_as_written() {
        let record = full_record();
        let header = RecordHeader {
            datestamp: "2024-01-02T03:04:05Z".into(),
            deleted: false,
            format: Some("oai_dc".into()),
            sets: vec!["type:THESE".into(), "région:bretagne".into()],
            record: Some(&record),
            stored_at: "2026-12-05T01:00:00Z".into(),
        };
        let raw = "<dc>Économie sociale</dc>";
        let plain = encoded(&header, raw);
        let (read, read_raw) = read_record(&plain).unwrap();
        assert_eq!(read_raw, raw.as_bytes());
        assert_eq!(
            (&read.datestamp, read.deleted, &read.format),
            (&header.datestamp, false, &header.format)
        );
        assert_eq!(
            (&read.sets, &read.stored_at),
            (&header.sets, &header.stored_at)
        );
        assert_eq!(read.record.as_ref(), Some(&record));
        // The same record and header as JSON: the binary form is the smaller.
        let json = serde_json::to_vec(&header).unwrap();
        assert!(plain.len() < json.len(), "{} ≥ {}", plain.len(), json.len());
    }

    #[test]
    fn deletions_and_empty_records_read_back() {
        let header = RecordHeader::<&Record> {
            datestamp: "2024-01-02".into(),
            deleted: true,
            format: None,
            sets: Vec::new(),
            record: None,
            stored_at: "2026-12-05T01:00:00Z".into(),
        };
        let plain = encoded(&header, "");
        let (read, raw) = read_record(&plain).unwrap();
        assert!(read.deleted && read.format.is_none() && read.record.is_none());
        assert!(raw.is_empty());
        let empty = Record::default();
        let header = RecordHeader {
            deleted: false,
            record: Some(&empty),
            ..header
        };
        let (read, _) = read_record(&encoded(&header, "<x/>")).unwrap();
        assert_eq!(read.record, Some(Record::default()));
    }

    /// A damaged value is an error, never a panic nor a huge allocation.
    #[test]
    fn cut_or_damaged_values_are_errors() {
        let record = full_record();
        let header = RecordHeader {
            datestamp: "2024-01-02".into(),
            deleted: false,
            format: Some("oai_dc".into()),
            sets: vec!["a".into()],
            record: Some(&record),
            stored_at: "2026-12-05T01:00:00Z".into(),
        };
        let plain = encoded(&header, "");
        for cut in 0..plain.len() {
            assert!(read_record(&plain[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge_count = plain.clone();
        huge_count.truncate(1 + 1 + "2024-01-02".len() + 1 + "oai_dc".len());
        huge_count.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(read_record(&huge_count).is_err());
        assert!(read_record(&[0x80; 12]).is_err());
    }
}
