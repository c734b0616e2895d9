//! The namespace-aware XML reader every parse of a document goes through: quick-xml's slice
//! reader with the namespace bookkeeping of its `NsReader` kept here, plus a reading of plain
//! leaf elements straight from the document's text ([`XmlReader::read_plain_leaf`]).
//!
//! Why: quick-xml 0.42 checks every tag and text it hands out for UTF-8 again (the page was
//! checked once, whole, when decoded), looks each start tag's attributes over for namespace
//! declarations and each end tag's name against its start's: for the ~20 one-line leaves of an
//! oai_dc record (`<dc:title xml:lang="fr">…</dc:title>`) that was most of the parsing thread's
//! instructions, and that thread sets a harvest's pace (BENCHMARKS.md, issue 17). Its
//! `NsReader` gives no way to step over bytes read elsewhere and keep its positions true; its
//! plain `Reader` does (`stream`), so the namespace scopes are kept here, as `NsReader` keeps
//! them.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::events::{BytesRef, BytesText, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::Span;

use super::tree::{append, namespace_of, push_reference};

/// quick-xml's slice reader over a document, with its namespace scopes.
#[derive(Debug, Clone)]
pub struct XmlReader<'i> {
    reader: quick_xml::Reader<&'i [u8]>,
    resolver: NamespaceResolver,
    /// The scope of the element whose end (or empty tag) was read last, dropped before the next
    /// event is read (as `NsReader` does: that event's name is resolved in the scope).
    pending_pop: bool,
    document: &'i str,
    /// Whether the reader stands just after a tag (its parser looks for text next), where a
    /// plain leaf may be read from the text: not after a text piece (it then stands at markup
    /// or at a reference), an error or the end.
    after_tag: bool,
    /// Tests turn the plain leaves off to compare both readings.
    plain_leaves: bool,
}

/// A leaf element read from the text by [`XmlReader::read_plain_leaf`]: what the events of its
/// start tag, text and end tag would have given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainLeaf<'i, A> {
    /// Bytes of whitespace before the start tag (text of the parent).
    pub whitespace: usize,
    pub namespace: Cow<'static, str>,
    pub local_name: &'i str,
    /// What the caller read from the start tag's attributes (all that follows its name).
    pub attributes: A,
    /// The character data, references resolved and line ends normalised, as
    /// [`super::tree::read_element`] joins the text events.
    pub text: Cow<'i, str>,
}

impl<'i> XmlReader<'i> {
    /// A reader of `document` with the settings every parse shares: tolerate what real
    /// repositories send.
    pub fn new(document: &'i str) -> XmlReader<'i> {
        let mut reader = quick_xml::Reader::from_str(document);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        // A bare `&` in text is common in badly escaped repositories; keep it as text.
        config.allow_dangling_amp = true;
        XmlReader {
            reader,
            resolver: NamespaceResolver::default(),
            pending_pop: false,
            document,
            after_tag: false,
            plain_leaves: plain_leaves_on(),
        }
    }

    /// The byte offset in the document the next event starts at.
    pub fn buffer_position(&self) -> u64 {
        self.reader.buffer_position()
    }

    pub fn resolver(&self) -> &NamespaceResolver {
        &self.resolver
    }

    fn pop(&mut self) {
        if self.pending_pop {
            self.resolver.pop();
            self.pending_pop = false;
        }
    }

    /// The next event, its namespace scopes kept (`NsReader::read_event`).
    pub fn read_event(&mut self) -> quick_xml::Result<Event<'i>> {
        self.pop();
        let event = self.reader.read_event();
        self.after_tag = matches!(event, Ok(Event::Start(_) | Event::End(_) | Event::Empty(_)));
        match event {
            Ok(Event::Start(start)) => {
                self.resolver.push(&start)?;
                Ok(Event::Start(start))
            }
            Ok(Event::Empty(start)) => {
                self.resolver.push(&start)?;
                self.pending_pop = true;
                Ok(Event::Empty(start))
            }
            Ok(Event::End(end)) => {
                self.pending_pop = true;
                Ok(Event::End(end))
            }
            other => other,
        }
    }

    /// The next event with the namespace of its element (`NsReader::read_resolved_event`).
    pub fn read_resolved_event(&mut self) -> quick_xml::Result<(ResolveResult<'_>, Event<'i>)> {
        let event = self.read_event()?;
        Ok(self.resolver.resolve_event(event))
    }

    /// Reads up to the end of the element whose start tag was just read
    /// (`NsReader::read_to_end`).
    pub fn read_to_end(&mut self, end: QName<'_>) -> quick_xml::Result<Span> {
        self.after_tag = false;
        let span = self.reader.read_to_end(end)?;
        // Its end tag is read: its scope is dropped now.
        self.resolver.pop();
        self.after_tag = true;
        Ok(span)
    }

    /// Reads, when the reader stands just after a tag and the text there is optional whitespace
    /// then one leaf element written plainly, that element; `None` (nothing read) otherwise, for
    /// the events to read it. Plainly: a name of ASCII letters, digits and `_.:-`; after it
    /// what `attributes` reads (all that follows the name up to the first `>`), which must
    /// answer `None` to anything with a quote that could hide a `>`, a namespace declaration or
    /// a `/` (an empty element); text without
    /// markup (no element, CDATA, comment) up to `</` the same name `>`; the text no longer
    /// than `max_text` bytes.
    ///
    /// What it answers is what the events give for the same bytes, the same positions after
    /// it (tests read every fixture both ways): the text's pieces split at `&` as quick-xml
    /// splits them (a `&` with no `;` before the next `&` or `<` stays text), references
    /// resolved by [`push_reference`], line ends normalised per piece; the namespace resolved
    /// in the scope the start tag's event would have been resolved in.
    pub fn read_plain_leaf<A>(
        &mut self,
        max_text: usize,
        attributes: impl FnOnce(&'i str) -> Option<A>,
    ) -> Option<PlainLeaf<'i, A>> {
        if !self.after_tag || !self.plain_leaves {
            return None;
        }
        let document = self.document;
        // Where the reader's slice starts (a suffix of the document's bytes, after a tag: a
        // character boundary).
        let start = document.len().checked_sub(self.reader.get_ref().len())?;
        let rest = document.get(start..)?;
        let bytes = rest.as_bytes();
        let whitespace = bytes
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))?;
        if bytes[whitespace] != b'<' {
            return None;
        }
        let name_start = whitespace + 1;
        let name_length = bytes[name_start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-')))?;
        if name_length == 0 {
            return None;
        }
        let name_end = name_start + name_length;
        if !matches!(bytes[name_end], b'>' | b' ' | b'\t' | b'\r' | b'\n') {
            return None;
        }
        let tag_end = name_end + memchr::memchr(b'>', &bytes[name_end..])?;
        let raw_attributes = &rest[name_end..tag_end];
        // An empty element: the events decide (and its scope).
        if raw_attributes.ends_with('/') {
            return None;
        }
        let attributes = attributes(raw_attributes)?;
        let qname = &rest[name_start..name_end];
        let mut text: Cow<'i, str> = Cow::Borrowed("");
        let mut at = tag_end + 1;
        let end = loop {
            let next = at + memchr::memchr2(b'<', b'&', &bytes[at..])?;
            append(&mut text, normalised(&rest[at..next]));
            if bytes[next] == b'<' {
                break next;
            }
            // A reference, or a `&` kept as text up to the next `&` or `<` (quick-xml's
            // `allow_dangling_amp`).
            let stop = next + 1 + memchr::memchr3(b';', b'&', b'<', &bytes[next + 1..])?;
            if bytes[stop] == b';' {
                push_reference(text.to_mut(), &BytesRef::new(&rest[next + 1..stop]));
                at = stop + 1;
            } else {
                append(&mut text, normalised(&rest[next..stop]));
                at = stop;
            }
            if text.len() > max_text {
                return None;
            }
        };
        let close = bytes[end..]
            .strip_prefix(b"</")?
            .strip_prefix(qname.as_bytes())?;
        if close.first() != Some(&b'>') || text.len() > max_text {
            return None;
        }
        let consumed = end + 2 + qname.len() + 1;
        // The start tag's event would have dropped the last ended element's scope first; its
        // name is resolved in what is left (its own attributes declare nothing).
        self.pop();
        let name = QName(qname);
        let namespace = namespace_of(&self.resolver.resolve_element(name).0);
        self.reader.stream().consume(consumed);
        Some(PlainLeaf {
            whitespace,
            namespace,
            local_name: name.local_name().into_inner(),
            attributes,
            text,
        })
    }
}

#[cfg(not(test))]
fn plain_leaves_on() -> bool {
    true
}

#[cfg(test)]
thread_local! {
    static PLAIN_LEAVES_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn plain_leaves_on() -> bool {
    !PLAIN_LEAVES_OFF.get()
}

/// Runs `f` with every reader it makes on this thread reading all elements through quick-xml's
/// events ([`XmlReader::read_plain_leaf`] declining), as before the plain leaves: tests compare
/// both readings.
#[cfg(test)]
pub(crate) fn without_plain_leaves<T>(f: impl FnOnce() -> T) -> T {
    PLAIN_LEAVES_OFF.set(true);
    let answer = f();
    PLAIN_LEAVES_OFF.set(false);
    answer
}

/// A piece of text with its line ends normalised as quick-xml's `xml10_content` does (the
/// same function, when there is a carriage return to normalise).
fn normalised(piece: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', piece.as_bytes()).is_none() {
        return Cow::Borrowed(piece);
    }
    BytesText::from_escaped(piece).xml10_content()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oai::parse_page;

    /// A page's parse (records, rejects, token, errors and their positions), as text.
    fn parsed(text: &str) -> String {
        format!("{:?}", parse_page(text))
    }

    fn both_ways(text: &str) -> (String, String) {
        (parsed(text), without_plain_leaves(|| parsed(text)))
    }

    fn page(header: &str, leaves: &str) -> String {
        format!(
            concat!(
                r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" "#,
                r#"xmlns:x="urn:x"><responseDate>2026-01-01T00:00:00Z</responseDate>"#,
                "<ListRecords><record><header>{}</header><metadata>",
                r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" "#,
                r#"xmlns:dc="http://purl.org/dc/elements/1.1/">{}</oai_dc:dc></metadata></record>"#,
                "<resumptionToken>t</resumptionToken></ListRecords></OAI-PMH>"
            ),
            header, leaves
        )
    }

    const HEADERS: &[&str] = &[
        "<identifier>oai:x:1</identifier><datestamp>2026-01-01</datestamp>",
        "\n <identifier> oai:x:&amp;2 </identifier>\r\n<datestamp>2026-01-01T00:00:00Z</datestamp><setSpec>a</setSpec><setSpec/>",
        r#"<identifier a="1">oai:x:3</identifier><datestamp >2026-01-01</datestamp ><setSpec>b&c</setSpec>"#,
        "<identifier>oai:x:4<!-- c --></identifier><datestamp>2026-01-01</datestamp>",
        "<identifier>oai:x:5</identifier><datestamp>2026-01-01</datestamp><setSpec>a</setspec>",
    ];

    const LEAVES: &[&str] = &[
        "<dc:title>plain</dc:title>",
        "\n  <dc:title xml:lang=\"fr\">L&apos;économie &amp; la &#233;&#6;thique</dc:title>",
        r#"<dc:title xml:lang="">empty lang</dc:title>"#,
        r#"<dc:title xml:lang="  ">blank lang</dc:title>"#,
        r#"<dc:subject xml:lang="en" xml:lang="fr">two langs</dc:subject>"#,
        "<dc:description><![CDATA[a <b> c]]> and caf&eacute; &unknown;\r\n end</dc:description>",
        "<dc:creator/>",
        "<dc:creator />",
        r#"<x:other a="1">kept</x:other>"#,
        r#"<dc:title xmlns:dc="urn:other">redeclared</dc:title>"#,
        r#"<dc:title xmlns:x="urn:y">declares</dc:title><x:other>after</x:other>"#,
        r#"<x:empty xmlns:x="urn:z"/><x:other>after an empty</x:other>"#,
        "<dc:date>a & b &c d</dc:date>",
        "<dc:date>a &; b &&amp; c&</dc:date>",
        "<dc:date>&#xZZ; &#0; &#1114112; &#x41;&#65;</dc:date>",
        "<dc:title>end with space</dc:title >",
        "<dc:title>x<!-- c -->y</dc:title>",
        "<dc:title>a<i>nested</i></dc:title>",
        "<dc:title>\r\nline\rtwo\r\n</dc:title>",
        "<dc:title>a\r&amp;\nb\r</dc:title>",
        "<dc:title xml:lang='fr'>single quotes</dc:title>",
        r#"<dc:title a=">">quote hides</dc:title>"#,
        "<dc:title>mismatched</dc:titlex>",
        "<dc:title>mismatched</dc:other>",
        "<dc:title\n>newline</dc:title>",
        "<dc:title\txml:lang=\"fr-CA\"\n>tab</dc:title>",
        "<dc:title>é&lt;ü&gt;</dc:title>",
        "<unbound:title>unbound prefix</unbound:title>",
        "<title>default namespace</title>",
        "  junk text  ",
        "<dc:ti\"tle>odd name</dc:ti\"tle>",
        "<dc:title>&amp;</dc:title>",
        "<dc:title></dc:title>",
        "<dc:title>a<?pi x?>b</dc:title>",
        "<dc:title>unclosed",
    ];

    #[test]
    fn plain_leaves_read_as_the_events_read_them() {
        let mut compared = 0;
        for header in HEADERS {
            for (i, first) in LEAVES.iter().enumerate() {
                for second in LEAVES.iter().skip(i % 7).step_by(3) {
                    let text = page(header, &format!("{first}{second}\n<dc:type>t</dc:type>\n"));
                    let (fast, events) = both_ways(&text);
                    assert_eq!(fast, events, "{text}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000);
    }

    #[test]
    fn a_plain_leaf_is_what_its_events_give() {
        let document = "<r xmlns:dc=\"urn:dc\"><dc:title xml:lang=\"fr\">a &amp; b</dc:title>\n<dc:x>y</dc:x></r>";
        let mut reader = XmlReader::new(document);
        assert!(matches!(reader.read_event(), Ok(Event::Start(_))));
        let leaf = reader
            .read_plain_leaf(100, |raw| Some(raw.to_owned()))
            .expect("plain");
        assert_eq!(leaf.namespace, "urn:dc");
        assert_eq!(leaf.local_name, "title");
        assert_eq!(leaf.attributes, " xml:lang=\"fr\"");
        assert_eq!(leaf.text, "a & b");
        assert_eq!(leaf.whitespace, 0);
        assert_eq!(
            reader.buffer_position() as usize,
            document.find('\n').unwrap()
        );
        // Too long a text, or attributes the caller refuses: nothing read.
        assert_eq!(reader.read_plain_leaf(0, |_| Some(())), None);
        assert_eq!(reader.read_plain_leaf(100, |_| None::<()>), None);
        let leaf = reader.read_plain_leaf(1, |_| Some(())).expect("plain");
        assert_eq!((leaf.whitespace, leaf.text), (1, Cow::Borrowed("y")));
        assert!(matches!(reader.read_event(), Ok(Event::End(_))));
        // After a text event the reader stands at markup: never read there.
        let mut reader = XmlReader::new("<r>t<a>b</a></r>");
        assert!(matches!(reader.read_event(), Ok(Event::Start(_))));
        assert!(matches!(reader.read_event(), Ok(Event::Text(_))));
        assert_eq!(reader.read_plain_leaf(100, |_| Some(())), None);
    }

    /// Pages mutated at random (bytes, markup, references, cuts) parse the same both ways.
    #[test]
    fn mutated_pages_parse_the_same_both_ways() {
        let seeds: Vec<String> = HEADERS
            .iter()
            .zip(LEAVES.chunks(LEAVES.len() / HEADERS.len()))
            .map(|(header, leaves)| page(header, &leaves.concat()))
            .collect();
        let seeds: Vec<&[u8]> = seeds.iter().map(|s| s.as_bytes()).collect();
        crate::test_support::fuzz("plain leaves", &seeds, |bytes| {
            let Ok(decoded) = crate::xml::decode(bytes, None) else {
                return;
            };
            let (fast, events) = both_ways(&decoded.text);
            assert_eq!(fast, events);
        });
    }
}
