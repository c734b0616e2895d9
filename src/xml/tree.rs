//! A small namespace-resolved element tree for one metadata record.
//!
//! Pages are streamed (they can be megabytes), but one record's metadata is a few kilobytes: a
//! tree makes the crosswalks short and readable, and the same tree is built when a stored raw
//! record is re-mapped, so harvest-time and later mappings cannot diverge.

use std::borrow::Cow;

use crate::xml::reader::XmlReader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;

/// Nesting deeper than this is refused: no real metadata needs it, and it bounds the work a hostile
/// document can cause.
const MAX_DEPTH: usize = 256;

/// An element borrowing from the document it was read from: names always, text and attribute
/// values when they need no unescaping (most do not), so building a tree costs few allocations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element<'a> {
    /// Namespace URI, empty when unbound. Well-known namespaces are shared, not allocated.
    pub namespace: Cow<'static, str>,
    pub name: Cow<'a, str>,
    pub attributes: Vec<Attribute<'a>>,
    pub children: Vec<Element<'a>>,
    /// The element's own character data (child elements' text excluded), entities resolved.
    pub text: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Namespace URI, empty for unprefixed attributes.
    pub namespace: Cow<'static, str>,
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// The `xml:` namespace, bound by definition.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("XML is not well-formed at byte {position}: {message}")]
    Syntax { position: u64, message: String },
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("no root element")]
    NoRoot,
}

impl<'d> Element<'d> {
    /// Direct children with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element<'d>> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name == name && c.namespace == namespace)
    }

    pub fn child(&self, namespace: &str, name: &str) -> Option<&Element<'d>> {
        self.children
            .iter()
            .find(|c| c.name == name && c.namespace == namespace)
    }

    /// Value of an unprefixed attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attr_ns("", name)
    }

    pub fn attr_ns(&self, namespace: &str, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name && a.namespace == namespace)
            .map(|a| a.value.as_ref())
    }

    /// `xml:lang`, if given on this element.
    pub fn lang(&self) -> Option<&str> {
        self.attr_ns(XML_NS, "lang")
            .filter(|l| !l.trim().is_empty())
    }

    /// All text below this element, in document order, whitespace collapsed.
    pub fn deep_text(&self) -> String {
        if self.children.is_empty() {
            return collapse_whitespace(&self.text);
        }
        let mut out = String::new();
        self.push_deep_text(&mut out);
        collapse_whitespace(&out)
    }

    fn push_deep_text(&self, out: &mut String) {
        out.push_str(&self.text);
        for child in &self.children {
            out.push(' ');
            child.push_deep_text(out);
        }
    }

    /// All elements below this one (self excluded), depth first.
    pub fn descendants(&self) -> Vec<&Element<'d>> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element<'d>> = self.children.iter().rev().collect();
        while let Some(element) = stack.pop() {
            out.push(element);
            stack.extend(element.children.iter().rev());
        }
        out
    }
}

/// Collapses runs of ASCII whitespace into one space and trims.
pub fn collapse_whitespace(text: &str) -> String {
    if is_collapsed(text.as_bytes()) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    // ASCII whitespace only: a no-break space in a name or title is meaningful.
    for word in text.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `bytes` are already clean: not empty, no leading, trailing or doubled space, no other
/// ASCII whitespace. Most values are. Checked eight bytes at a time (SWAR): a byte below 0x20
/// anywhere (tab, line feeds, form feed, or another control character) answers `false`, which
/// only sends the value through [`collapse_whitespace`]'s slower path, whose result is then the
/// same text.
///
/// Why: the byte loop for short values and the three vector scans (memchr, memchr, memmem) for
/// long ones were 7% of the parsing thread's instructions, which sets a harvest's pace
/// (BENCHMARKS.md, issue 17).
fn is_collapsed(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    let mut after_space = false;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if !clean_word(u64::from_le_bytes(word), &mut after_space) {
            return false;
        }
    }
    // The tail padded with letters, which are clean.
    let rest = chunks.remainder();
    let mut word = [b'a'; 8];
    word[..rest.len()].copy_from_slice(rest);
    clean_word(u64::from_le_bytes(word), &mut after_space)
}

/// Whether eight bytes (little-endian) hold no byte below 0x20 and no two spaces side by side,
/// `after_space` saying whether the byte before them was a space (and set for the next word).
fn clean_word(word: u64, after_space: &mut bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Some byte < 0x20 (exact for "some": Hacker's Delight's `hasless`).
    if word.wrapping_sub(0x20 * ONES) & !word & HIGH != 0 {
        return false;
    }
    // The spaces, byte by byte: 0x80 where `word ^ 0x20…` has a zero byte (exact per byte).
    let other = word ^ (0x20 * ONES);
    let spaces = !(((other & LOW) + LOW) | other | LOW);
    let doubled = spaces & (spaces << 8) != 0 || (*after_space && spaces & 0x80 != 0);
    *after_space = spaces >> 63 == 1;
    !doubled
}

/// Parses a standalone document (a stored raw record, a fixture) into its root element.
pub fn parse_document(text: &str) -> Result<Element<'_>, TreeError> {
    let mut reader = XmlReader::new(text);
    loop {
        let (namespace, event, _) = next_event(&mut reader)?;
        match event {
            Event::Start(start) => {
                return read_element(&mut reader, text, &start, namespace, false);
            }
            Event::Empty(start) => return read_element(&mut reader, text, &start, namespace, true),
            Event::Eof => return Err(TreeError::NoRoot),
            _ => {}
        }
    }
}

/// Reads the next event with the namespace of its element (empty if none) and the byte
/// position it starts at; errors carry that position.
pub(crate) fn next_event<'i>(
    reader: &mut XmlReader<'i>,
) -> Result<(Cow<'static, str>, Event<'i>, u64), TreeError> {
    let position = reader.buffer_position();
    let (resolved, event) = reader
        .read_resolved_event()
        .map_err(|e| syntax(position, e))?;
    Ok((namespace_of(&resolved), event, position))
}

/// [`next_event`] without the element's namespace (the reader still tracks declarations): for
/// a leaf's text and end tag, whose namespace nobody reads. Why: resolving every end tag's
/// prefix and naming its namespace was ~2% of a harvest's CPU (BENCHMARKS.md, issue 17).
pub(crate) fn next_unresolved_event<'i>(
    reader: &mut XmlReader<'i>,
) -> Result<(Event<'i>, u64), TreeError> {
    let position = reader.buffer_position();
    let event = reader.read_event().map_err(|e| syntax(position, e))?;
    Ok((event, position))
}

pub(crate) fn syntax(position: u64, error: impl std::fmt::Display) -> TreeError {
    TreeError::Syntax {
        position,
        message: error.to_string(),
    }
}

/// Namespaces met in nearly every record, compared instead of allocated.
const KNOWN_NAMESPACES: &[&str] = &[
    "http://www.openarchives.org/OAI/2.0/",
    "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.ndltd.org/standards/metadata/etdms/1.0/",
    "http://www.ndltd.org/standards/metadata/etdms/1.1/",
    "http://www.loc.gov/METS/",
    "http://www.abes.fr/abes/documents/tef",
    "http://www.tei-c.org/ns/1.0",
    XML_NS,
];

pub(crate) fn namespace_of(resolved: &ResolveResult<'_>) -> Cow<'static, str> {
    match resolved {
        ResolveResult::Bound(ns) => {
            let uri = ns.into_inner();
            match KNOWN_NAMESPACES.iter().find(|known| **known == uri) {
                Some(known) => Cow::Borrowed(known),
                None => Cow::Owned(uri.to_owned()),
            }
        }
        _ => Cow::Borrowed(""),
    }
}

/// Reads events until `open` elements have ended, counting any opened on the way.
fn skip_open_elements(reader: &mut XmlReader<'_>, mut open: usize) -> Result<(), TreeError> {
    while open > 0 {
        let (_, event, position) = next_event(reader)?;
        match event {
            Event::Start(_) => open += 1,
            Event::End(_) => open -= 1,
            Event::Eof => return Err(syntax(position, "document ends inside an element")),
            _ => {}
        }
    }
    Ok(())
}

/// Reads the element whose start tag was just read, up to its end tag, into a tree.
pub fn read_element<'i>(
    reader: &mut XmlReader<'i>,
    document: &'i str,
    start: &BytesStart<'i>,
    namespace: Cow<'static, str>,
    is_empty: bool,
) -> Result<Element<'i>, TreeError> {
    let root = open_element(reader, document, start, namespace);
    if is_empty {
        return Ok(root);
    }
    let mut stack = vec![root];
    loop {
        let (namespace, event, position) = next_event(reader)?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    // Read on to the element's end first: a caller that refuses this element
                    // can go on with what follows it.
                    skip_open_elements(reader, stack.len() + 1)?;
                    return Err(TreeError::TooDeep);
                }
                let element = open_element(reader, document, &start, namespace);
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(reader, document, &start, namespace);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(syntax(position, "unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    append(&mut current.text, text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    append(&mut current.text, data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = stack.last_mut() {
                    push_reference(current.text.to_mut(), &reference);
                }
            }
            Event::Eof => return Err(syntax(position, "document ends inside an element")),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
    }
}

/// Appends a piece of text, borrowing it when it is the first.
pub(crate) fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// The same text as `part`, with the lifetime of `document` when `part` lies inside it
/// (the slice reader hands out names that borrow from the document, behind a shorter lifetime).
pub(crate) fn within<'i>(document: &'i str, part: &str) -> Cow<'i, str> {
    let start = (part.as_ptr() as usize).wrapping_sub(document.as_ptr() as usize);
    match document.get(start..start.wrapping_add(part.len())) {
        Some(inside) if inside.as_ptr() == part.as_ptr() => Cow::Borrowed(inside),
        _ => Cow::Owned(part.to_owned()),
    }
}

/// Appends the text an entity or character reference stands for. References to characters XML
/// 1.0 forbids (`&#6;`) are dropped; unknown entities (HTML's `&eacute;` in XML) are kept verbatim
/// rather than lost.
pub fn push_reference(out: &mut String, reference: &BytesRef<'_>) {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => {
            if super::decode::is_xml_char(c) {
                out.push(c);
            }
        }
        Ok(None) => match &**reference {
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            other => match html_entity(other) {
                Some(c) => out.push(c),
                None => {
                    out.push('&');
                    out.push_str(other);
                    out.push(';');
                }
            },
        },
        Err(_) => {}
    }
}

/// The few HTML entities that leak into repository XML in practice.
fn html_entity(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" => '\u{A0}',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "agrave" => 'à',
        "acirc" => 'â',
        "ccedil" => 'ç',
        "ocirc" => 'ô',
        "ucirc" => 'û',
        "ugrave" => 'ù',
        "icirc" => 'î',
        "iuml" => 'ï',
        "euml" => 'ë',
        "Eacute" => 'É',
        "laquo" => '«',
        "raquo" => '»',
        "rsquo" => '’',
        "lsquo" => '‘',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "oelig" => 'œ',
        "euro" => '€',
        _ => return None,
    })
}

fn open_element<'i>(
    reader: &XmlReader<'i>,
    document: &'i str,
    start: &BytesStart<'i>,
    namespace: Cow<'static, str>,
) -> Element<'i> {
    let mut attributes = Vec::new();
    for attribute in start.attributes().with_checks(false).flatten() {
        let key = attribute.key.into_inner();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let namespace = if key.starts_with("xml:") {
            Cow::Borrowed(XML_NS)
        } else if key.contains(':') {
            let (resolved, _) = reader.resolver().resolve_attribute(attribute.key);
            namespace_of(&resolved)
        } else {
            Cow::Borrowed("")
        };
        let local = within(document, key.rsplit(':').next().unwrap_or(key));
        let value = match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
            Ok(Cow::Borrowed(value)) => within(document, value),
            Ok(Cow::Owned(value)) => Cow::Owned(value),
            Err(_) => Cow::Owned(attribute.value.clone().into_owned()),
        };
        attributes.push(Attribute {
            namespace,
            name: local,
            value,
        });
    }
    Element {
        namespace,
        name: within(document, start.local_name().into_inner()),
        attributes,
        children: Vec::new(),
        text: Cow::Borrowed(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_text_and_references_resolve() {
        let root = parse_document(
            r#"<?xml version="1.0"?><r xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="fr">L&apos;économie &amp; la &#233;&#6;thique</dc:title><x a="1"/></r>"#,
        )
        .unwrap();
        let title = root
            .child("http://purl.org/dc/elements/1.1/", "title")
            .unwrap();
        assert_eq!(title.text, "L'économie & la éthique");
        assert_eq!(title.lang(), Some("fr"));
        assert_eq!(root.child("", "x").unwrap().attr("a"), Some("1"));
    }

    #[test]
    fn whitespace_is_collapsed_only_where_needed() {
        for (input, expected) in [
            ("", ""),
            ("   ", ""),
            ("a b", "a b"),
            (" a", "a"),
            ("a ", "a"),
            ("a  b", "a b"),
            ("a\tb", "a b"),
            ("a\n  b\r\n", "a b"),
            ("L'économie\u{A0}sociale", "L'économie\u{A0}sociale"),
        ] {
            assert_eq!(collapse_whitespace(input), expected, "{input:?}");
        }
    }

    #[test]
    fn long_values_are_collapsed_as_short_ones_are() {
        let long = "Une économie sociale et solidaire ".repeat(4);
        let clean = long.trim_end();
        for (input, expected) in [
            (clean.to_owned(), clean.to_owned()),
            (format!(" {clean}"), clean.to_owned()),
            (format!("{clean} "), clean.to_owned()),
            (clean.replacen(' ', "  ", 1), clean.to_owned()),
            (clean.replacen(' ', "\t", 1), clean.to_owned()),
            (clean.replacen(' ', "\n", 1), clean.to_owned()),
            (clean.replacen(' ', "\r\n", 1), clean.to_owned()),
            (clean.replacen(' ', "\u{0C}", 1), clean.to_owned()),
            (
                clean.replacen(' ', "\u{A0}", 1),
                clean.replacen(' ', "\u{A0}", 1),
            ),
        ] {
            assert_eq!(collapse_whitespace(&input), expected, "{input:?}");
            assert_eq!(
                is_collapsed(input.as_bytes()),
                input == expected,
                "{input:?}"
            );
        }
    }

    /// The word-at-a-time check answers as a byte-by-byte one does, wherever the whitespace
    /// falls against the eight-byte words; a control character other than whitespace only
    /// takes the slow path, which keeps the text.
    #[test]
    fn the_word_check_answers_as_the_byte_check() {
        // The loop `is_collapsed` used before.
        let byte_check = |bytes: &[u8]| {
            let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
                return false;
            };
            if first == b' ' || last == b' ' {
                return false;
            }
            let mut previous_was_space = false;
            let mut dirty = false;
            for &byte in bytes {
                let space = matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0C);
                dirty |= space & (previous_was_space | (byte != b' '));
                previous_was_space = space;
            }
            !dirty
        };
        let pieces: [&[u8]; 9] = [
            b"a",
            b" ",
            b"  ",
            b"\t",
            b"\n",
            b"\r\n",
            b"\x0c",
            "é".as_bytes(),
            b"\x01",
        ];
        // Every string of up to 4 pieces, at every offset against the words (a prefix of
        // letters).
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        let mut level = inputs.clone();
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|input| pieces.iter().map(move |piece| [&input[..], piece].concat()))
                .collect();
            inputs.extend(level.iter().cloned());
        }
        for input in &inputs {
            for offset in 0..9 {
                let bytes = [&b"xxxxxxxx"[..offset], input].concat();
                let control = bytes.contains(&1);
                if control {
                    assert!(!is_collapsed(&bytes), "{bytes:?}");
                } else {
                    assert_eq!(is_collapsed(&bytes), byte_check(&bytes), "{bytes:?}");
                }
                let text = std::str::from_utf8(&bytes).unwrap();
                let expected = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(collapse_whitespace(text), expected, "{bytes:?}");
            }
        }
    }

    #[test]
    fn truncated_document_is_a_syntax_error() {
        assert!(matches!(
            parse_document("<r><a>text</a><b>"),
            Err(TreeError::Syntax { .. })
        ));
    }

    #[test]
    fn html_entities_are_kept_or_resolved() {
        let root = parse_document("<r>caf&eacute; &unknown; A & B</r>").unwrap();
        assert_eq!(root.text, "café &unknown; A & B");
    }
}
