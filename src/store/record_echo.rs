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
//! the decoded header, so these bytes must never change for a given header (a test pins them).
//! A better echo is a new encoding number in `encode.rs`, this one kept to read older rows.

use crate::map::{Agent, LangText, Record};

/// Appends the echo of a record's header values to `out`.
pub(super) fn write_echo(out: &mut Vec<u8>, datestamp: &str, sets: &[String], record: &Record) {
    out.extend_from_slice(b"</identifier><datestamp>");
    escaped(out, datestamp);
    out.extend_from_slice(b"</datestamp>");
    for set in sets {
        element(out, b"<setSpec>", set, b"</setSpec>");
    }
    out.extend_from_slice(b"</header><metadata>");
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
            dc(out, name, None, value);
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
            dc(out, "degree", None, part);
        }
    }
    out.extend_from_slice(b"\n</oai_dc:dc></metadata></record>");
}

fn lang_texts(out: &mut Vec<u8>, name: &str, values: &[LangText]) {
    for value in values {
        dc(out, name, value.lang.as_deref(), &value.value);
    }
}

fn agents(out: &mut Vec<u8>, name: &str, values: &[Agent]) {
    for agent in values {
        dc(out, name, None, &agent.name);
        for extra in [&agent.role, &agent.id].into_iter().flatten() {
            escaped(out, extra);
        }
    }
}

/// `\n  <dc:NAME xml:lang="LANG">VALUE</dc:NAME>`: how oai_dc records are most often laid out.
fn dc(out: &mut Vec<u8>, name: &str, lang: Option<&str>, value: &str) {
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

fn element(out: &mut Vec<u8>, open: &[u8], value: &str, close: &[u8]) {
    out.extend_from_slice(open);
    escaped(out, value);
    out.extend_from_slice(close);
}

/// `value` as XML text: `&`, `<` and `>` escaped, as serialisers write them.
fn escaped(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Degree;

    /// The echo is part of the stored encoding: these bytes never change.
    #[test]
    fn the_echo_is_frozen() {
        let record = Record {
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
        };
        let mut out = Vec::new();
        write_echo(&mut out, "2024-01-02", &["a:b".into()], &record);
        assert_eq!(
            String::from_utf8(out).unwrap(),
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
    }
}
