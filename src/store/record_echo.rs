//! A stored record's mapped values written back as the Dublin Core XML they most often came
//! from: the dictionary its raw XML is compressed against (encoding 2, `encode.rs`). Pure.
//!
//! Why: the raw XML holds the mapped record's words again, between tags. Against the header's
//! binary layout, LZ4 found each word and each tag apart (a match for each); against this echo,
//! an element whose text the mapping kept as it was is one match with its tags and the next
//! element's start. On the 50,000-record benchmark a row with its header stored plain is then
//! ~1,820 B instead of ~2,150: under half a 4 KiB redb leaf again, so two rows share a leaf
//! (BENCHMARKS.md, issue 17).
//! What the echo gets wrong (another order, prefix or indentation, a value the mapping changed)
//! costs bytes, never correctness: it is only a dictionary.
//!
//! **Frozen** like every stored encoding: blobs are read back by writing the same echo from
//! the stored header, so these bytes must never change for a given header (a test pins them).
//! A better echo is a new encoding number in `encode.rs`, this one kept to read older rows.

use super::StoreError;
use super::record_bytes::{HAS_RECORD, HeaderBytes, Reader};

/// Appends the echo of a record header in `record_bytes`' layout (`header`: the bytes
/// `write_header` wrote, with no raw XML after them) to `out`, read from those bytes as they
/// lie; nothing for a header without a mapped record (a deletion).
///
/// Why from the bytes, not from the mapped record: the echo is written just before compressing
/// against it ([`super::UnpackedItems::pack`]), where only the header's bytes are at hand
/// (BENCHMARKS.md, issue 17). A reader writes it from the same bytes, so writer and reader
/// cannot disagree. Nothing is decoded or checked as UTF-8: the texts are copied as bytes.
pub(super) fn write_echo(out: &mut Vec<u8>, header: &[u8]) -> Result<(), StoreError> {
    let header = HeaderBytes::read(header)?;
    if header.flags & HAS_RECORD == 0 {
        return Ok(());
    }
    out.extend_from_slice(b"</identifier><datestamp>");
    escaped(out, header.datestamp);
    out.extend_from_slice(b"</datestamp>");
    header.for_each_set(|set| element(out, b"<setSpec>", set, b"</setSpec>"))?;
    out.extend_from_slice(b"</header><metadata>");
    let mut reader = header.rest;
    for name in ["title", "title"] {
        lang_texts(out, name, &mut reader)?;
    }
    for name in ["creator", "contributor"] {
        agents(out, name, &mut reader)?;
    }
    for name in ["subject", "description"] {
        lang_texts(out, name, &mut reader)?;
    }
    // The lists of plain texts, in the layout's order; the echo names them in Dublin Core's.
    let mut lists: [&[u8]; 10] = [&[]; 10];
    for list in &mut lists {
        let at = reader.0;
        for _ in 0..reader.count()? {
            reader.text_bytes()?;
        }
        *list = &at[..at.len() - reader.0.len()];
    }
    let [
        publishers,
        dates,
        types,
        formats,
        identifiers,
        languages,
        rights,
        relations,
        sources,
        coverage,
    ] = lists;
    for (name, list) in [
        ("publisher", publishers),
        ("date", dates),
        ("type", types),
        ("format", formats),
        ("identifier", identifiers),
        ("source", sources),
        ("language", languages),
        ("relation", relations),
        ("coverage", coverage),
        ("rights", rights),
    ] {
        let mut list = Reader(list);
        for _ in 0..list.count()? {
            dc(out, name, None, list.text_bytes()?);
        }
    }
    if reader.byte()? != 0 {
        // The degree's name, level, discipline and grantor.
        for _ in 0..4 {
            if let Some(part) = reader.optional_bytes()? {
                dc(out, "degree", None, part);
            }
        }
    }
    out.extend_from_slice(b"\n</oai_dc:dc></metadata></record>");
    Ok(())
}

/// A list of `LangText`s (value, optional lang) as `dc` elements.
fn lang_texts(out: &mut Vec<u8>, name: &str, reader: &mut Reader<'_>) -> Result<(), StoreError> {
    for _ in 0..reader.count()? {
        let value = reader.text_bytes()?;
        let lang = reader.optional_bytes()?;
        dc(out, name, lang, value);
    }
    Ok(())
}

/// A list of `Agent`s (name, optional role, optional id): the name as a `dc` element, the role
/// and id after it, bare.
fn agents(out: &mut Vec<u8>, name: &str, reader: &mut Reader<'_>) -> Result<(), StoreError> {
    for _ in 0..reader.count()? {
        dc(out, name, None, reader.text_bytes()?);
        for _ in 0..2 {
            if let Some(extra) = reader.optional_bytes()? {
                escaped(out, extra);
            }
        }
    }
    Ok(())
}

/// `\n  <dc:NAME xml:lang="LANG">VALUE</dc:NAME>`: how oai_dc records are most often laid out.
fn dc(out: &mut Vec<u8>, name: &str, lang: Option<&[u8]>, value: &[u8]) {
    out.extend_from_slice(b"\n  <dc:");
    out.extend_from_slice(name.as_bytes());
    if let Some(lang) = lang {
        out.extend_from_slice(b" xml:lang=\"");
        escaped(out, lang);
        out.push(b'"');
    }
    out.push(b'>');
    escaped(out, value);
    out.extend_from_slice(b"</dc:");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn element(out: &mut Vec<u8>, open: &[u8], value: &[u8], close: &[u8]) {
    out.extend_from_slice(open);
    escaped(out, value);
    out.extend_from_slice(close);
}

/// `bytes` as XML text: `&`, `<` and `>` escaped, as serialisers write them.
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut from = 0;
    for at in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
        out.extend_from_slice(&bytes[from..at]);
        out.extend_from_slice(match bytes[at] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            _ => b"&gt;",
        });
        from = at + 1;
    }
    out.extend_from_slice(&bytes[from..]);
}

/// The echo as session 25 defined it, from the mapped record (the writer then ran on the
/// parsing thread): the frozen bytes [`write_echo`] must write from the header's bytes. Tests
/// only: the reference the store's echo is checked against.
#[cfg(test)]
pub(super) fn echo_of_record(
    out: &mut Vec<u8>,
    datestamp: &str,
    sets: &[String],
    record: &crate::map::Record,
) {
    use crate::map::{Agent, LangText};
    let text = |out: &mut Vec<u8>, value: &str| escaped(out, value.as_bytes());
    let dc_text = |out: &mut Vec<u8>, name: &str, lang: Option<&str>, value: &str| {
        dc(out, name, lang.map(str::as_bytes), value.as_bytes());
    };
    out.extend_from_slice(b"</identifier><datestamp>");
    text(out, datestamp);
    out.extend_from_slice(b"</datestamp>");
    for set in sets {
        element(out, b"<setSpec>", set.as_bytes(), b"</setSpec>");
    }
    out.extend_from_slice(b"</header><metadata>");
    let lang_texts = |out: &mut Vec<u8>, name: &str, values: &[LangText]| {
        for value in values {
            dc_text(out, name, value.lang.as_deref(), &value.value);
        }
    };
    let agents = |out: &mut Vec<u8>, name: &str, values: &[Agent]| {
        for agent in values {
            dc_text(out, name, None, &agent.name);
            for extra in [&agent.role, &agent.id].into_iter().flatten() {
                text(out, extra);
            }
        }
    };
    lang_texts(out, "title", &record.titles);
    lang_texts(out, "title", &record.alternative_titles);
    agents(out, "creator", &record.creators);
    agents(out, "contributor", &record.contributors);
    lang_texts(out, "subject", &record.subjects);
    lang_texts(out, "description", &record.abstracts);
    for (name, values) in [
        ("publisher", &record.publishers),
        ("date", &record.dates),
        ("type", &record.types),
        ("format", &record.formats),
        ("identifier", &record.identifiers),
        ("source", &record.sources),
        ("language", &record.languages),
        ("relation", &record.relations),
        ("coverage", &record.coverage),
        ("rights", &record.rights),
    ] {
        for value in values {
            dc_text(out, name, None, value);
        }
    }
    if let Some(degree) = &record.degree {
        for part in [
            &degree.name,
            &degree.level,
            &degree.discipline,
            &degree.grantor,
        ]
        .into_iter()
        .flatten()
        {
            dc_text(out, "degree", None, part);
        }
    }
    out.extend_from_slice(b"\n</oai_dc:dc></metadata></record>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Agent, Degree, LangText, Record};
    use crate::store::record_bytes::{RecordHeader, write_record};

    /// A header's bytes as the store writes them.
    fn header_bytes(datestamp: &str, sets: &[String], record: Option<&Record>) -> Vec<u8> {
        let header = RecordHeader {
            datestamp: datestamp.into(),
            deleted: record.is_none(),
            format: record.map(|_| "oai_dc".to_owned()),
            sets: sets.to_vec(),
            record,
            stored_at: "2026-12-06T13:00:00Z".into(),
        };
        let mut out = Vec::new();
        write_record(&mut out, &header, "");
        out
    }

    fn echo(header: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_echo(&mut out, header).unwrap();
        out
    }

    fn sample() -> Record {
        Record {
            titles: vec![LangText {
                value: "L'économie <sociale> & solidaire".into(),
                lang: Some("fr".into()),
            }],
            creators: vec![Agent {
                name: "Côté, Élodie".into(),
                role: Some("aut".into()),
                id: None,
            }],
            abstracts: vec![LangText {
                value: "Un résumé.".into(),
                lang: None,
            }],
            identifiers: vec!["https://example.org/1".into()],
            rights: vec!["open".into()],
            degree: Some(Degree {
                name: Some("Doctorat".into()),
                level: None,
                discipline: None,
                grantor: Some("Rennes 2".into()),
            }),
            ..Record::default()
        }
    }

    /// The echo is part of the stored encoding: these bytes never change.
    #[test]
    fn the_echo_is_frozen() {
        let header = header_bytes("2024-01-02", &["a:b".into()], Some(&sample()));
        assert_eq!(
            String::from_utf8(echo(&header)).unwrap(),
            concat!(
                "</identifier><datestamp>2024-01-02</datestamp><setSpec>a:b</setSpec>",
                "</header><metadata>",
                "\n  <dc:title xml:lang=\"fr\">L'économie &lt;sociale&gt; &amp; solidaire</dc:title>",
                "\n  <dc:creator>Côté, Élodie</dc:creator>aut",
                "\n  <dc:description>Un résumé.</dc:description>",
                "\n  <dc:identifier>https://example.org/1</dc:identifier>",
                "\n  <dc:rights>open</dc:rights>",
                "\n  <dc:degree>Doctorat</dc:degree>\n  <dc:degree>Rennes 2</dc:degree>",
                "\n</oai_dc:dc></metadata></record>"
            )
        );
        // A deletion (no mapped record) has no echo.
        assert!(echo(&header_bytes("2024-01-02", &[], None)).is_empty());
    }

    /// Written from the header's bytes, the echo is byte for byte the one written from the
    /// mapped record, whatever the record holds: every field, several values, none.
    #[test]
    fn the_echo_of_the_bytes_is_the_echo_of_the_record() {
        // Every field set (`record_bytes`' test record), and values to escape, empty ones,
        // several of a kind.
        let mut full = crate::store::record_bytes::full_record();
        full.titles.push(LangText {
            value: "a & <b>".into(),
            lang: Some("e&n".into()),
        });
        full.contributors.push(Agent {
            name: "".into(),
            role: None,
            id: Some("x<y".into()),
        });
        full.identifiers.push("https://example.org/?a=1&b=2".into());
        let sets: Vec<String> = vec!["type:THESE".into(), "a&b".into()];
        for record in [full, sample(), Record::default()] {
            for sets in [&sets[..], &[]] {
                let mut expected = Vec::new();
                echo_of_record(&mut expected, "2018-01-03T07:32:00Z", sets, &record);
                let header = header_bytes("2018-01-03T07:32:00Z", sets, Some(&record));
                assert_eq!(echo(&header), expected);
                // Appended after what `out` already holds (the dictionary's bytes).
                let mut out = b"dictionary".to_vec();
                write_echo(&mut out, &header).unwrap();
                assert_eq!(out[10..], expected);
            }
        }
    }

    /// A cut header is an error, never a panic (but for its last byte, the record type's, which
    /// the echo does not read).
    #[test]
    fn a_cut_header_is_an_error() {
        let header = header_bytes("2024-01-02", &["a".into()], Some(&sample()));
        for cut in 0..header.len() - 1 {
            assert!(
                write_echo(&mut Vec::new(), &header[..cut]).is_err(),
                "{cut}"
            );
        }
    }
}
