//! A metadata element whose children are all leaves (oai_dc, as nearly every repository serves
//! it), read straight from the parser's events into a list of fields, without building an
//! element tree.
//!
//! Why: building the tree (an owned node, attribute list and text per element) cost more than
//! parsing the XML itself in a harvest (BENCHMARKS.md, issue 17). Anything this reader does not
//! handle exactly as [`super::tree::read_element`] would (a nested element, an attribute that
//! could bind `lang` to the XML namespace by another prefix, a text or attribute near the size
//! limit) makes it answer `None`: the caller then reads the element again as a tree, from a copy
//! of the reader taken before, so the two readings cannot differ.

use std::borrow::Cow;

use crate::xml::reader::XmlReader;
use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::{BytesStart, Event};

use super::tree::{TreeError, next_event, next_unresolved_event, push_reference};

/// One child element of the root: its namespace, local name, `xml:lang` and text, as the tree
/// would hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatField<'a> {
    pub namespace: Cow<'static, str>,
    pub name: Cow<'a, str>,
    /// `xml:lang` when given and not blank (the tree's `Element::lang`).
    pub lang: Option<Cow<'a, str>>,
    /// The element's character data, entities resolved (whitespace not yet collapsed).
    pub text: Cow<'a, str>,
}

/// Reads the children of the element whose start tag `root` was just read (not an empty one),
/// up to its end tag, as fields. `None` (the reader then stands somewhere inside the element)
/// when an element is nested below a child, or a text or attribute value may exceed
/// `max_text` bytes: the tree decides those cases.
pub fn read_flat_children<'i>(
    reader: &mut XmlReader<'i>,
    document: &'i str,
    root: &BytesStart<'i>,
    max_text: usize,
) -> Result<Option<Vec<FlatField<'i>>>, TreeError> {
    if !attributes_are_plain(root, max_text) {
        return Ok(None);
    }
    let mut fields = Vec::with_capacity(32);
    // The root's own text (whitespace between children, usually): only its raw length is kept,
    // an upper bound of the text the tree would hold.
    let mut root_text_bytes = 0usize;
    loop {
        // Most children are one-line leaves: read from the text when they are plain.
        if let Some(leaf) = reader.read_plain_leaf(max_text, |raw| plain_lang(raw, max_text)) {
            root_text_bytes += leaf.whitespace;
            if root_text_bytes > max_text {
                return Ok(None);
            }
            fields.push(FlatField {
                namespace: leaf.namespace,
                name: Cow::Borrowed(leaf.local_name),
                lang: leaf
                    .attributes
                    .filter(|value| !value.is_empty())
                    .map(Cow::Borrowed),
                text: leaf.text,
            });
            continue;
        }
        let (namespace, event, position) = next_event(reader)?;
        match event {
            Event::Start(start) => {
                let Some(mut field) = open_field(document, &start, namespace, max_text) else {
                    return Ok(None);
                };
                if !read_leaf_text(reader, &mut field.text, max_text)? {
                    return Ok(None);
                }
                fields.push(field);
            }
            Event::Empty(start) => {
                let Some(field) = open_field(document, &start, namespace, max_text) else {
                    return Ok(None);
                };
                fields.push(field);
            }
            Event::End(_) => return Ok(Some(fields)),
            Event::Text(text) => root_text_bytes += text.len(),
            Event::CData(data) => root_text_bytes += data.len(),
            Event::GeneralRef(reference) => root_text_bytes += reference.len() + 2,
            Event::Eof => {
                return Err(super::tree::syntax(
                    position,
                    "document ends inside an element",
                ));
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
        if root_text_bytes > max_text {
            return Ok(None);
        }
    }
}

/// Reads a child's text up to its end tag; `false` when it holds an element or too much text.
fn read_leaf_text<'i>(
    reader: &mut XmlReader<'i>,
    text: &mut Cow<'i, str>,
    max_text: usize,
) -> Result<bool, TreeError> {
    loop {
        let (event, position) = next_unresolved_event(reader)?;
        match event {
            Event::Text(piece) => append(text, piece.xml10_content()),
            Event::CData(data) => append(text, data.xml10_content()),
            Event::GeneralRef(reference) => push_reference(text.to_mut(), &reference),
            Event::End(_) => return Ok(text.len() <= max_text),
            Event::Start(_) | Event::Empty(_) => return Ok(false),
            Event::Eof => {
                return Err(super::tree::syntax(
                    position,
                    "document ends inside an element",
                ));
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
        if text.len() > max_text {
            return Ok(false);
        }
    }
}

/// Appends a piece of text, borrowing it when it is the first (as the tree does).
fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// A child's field with its `xml:lang`; `None` when its attributes need the tree.
fn open_field<'i>(
    document: &'i str,
    start: &BytesStart<'i>,
    namespace: Cow<'static, str>,
    max_text: usize,
) -> Option<FlatField<'i>> {
    let name = super::tree::within(document, start.local_name().into_inner());
    if let Some(lang) = plain_lang(start.attributes_raw(), max_text) {
        return Some(FlatField {
            namespace,
            name,
            lang: lang
                .filter(|value| !value.is_empty())
                .map(|value| super::tree::within(document, value)),
            text: Cow::Borrowed(""),
        });
    }
    let mut lang = None;
    for attribute in start.attributes().with_checks(false) {
        let attribute = plain_attribute(attribute, max_text)?;
        if attribute.key.into_inner() != "xml:lang" || lang.is_some() {
            continue;
        }
        // As the tree reads an attribute's value: normalised, else as written.
        let value = match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
            Ok(Cow::Borrowed(value)) => super::tree::within(document, value),
            Ok(Cow::Owned(value)) => Cow::Owned(value),
            Err(_) => Cow::Owned(attribute.value.clone().into_owned()),
        };
        // The first `xml:lang` decides, blank or not (`Element::lang`).
        lang = Some(value);
    }
    Some(FlatField {
        namespace,
        name,
        lang: lang.filter(|value| !value.trim().is_empty()),
        text: Cow::Borrowed(""),
    })
}

/// A start tag's attributes (`raw`: what follows its name) read without quick-xml's attribute
/// iterator when they are none, or an `xml:lang` alone whose value is letters, digits and
/// hyphens (no reference, nothing to normalise), as nearly every Dublin Core element writes
/// them: `Some(None)` for none, `Some(Some(value))` for the `xml:lang`; `None` when the
/// iterator must decide. The same answer the iterator gives (a test compares them).
///
/// Why: iterating each child's attributes was 3–4% of the parsing thread's instructions, which
/// sets a harvest's pace (BENCHMARKS.md, issue 17).
fn plain_lang(raw: &str, max_text: usize) -> Option<Option<&str>> {
    // Bytes, not `str` searches: their setup was most of this function's cost.
    const LANG: &[u8] = b"xml:lang=\"";
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let bytes = raw.as_bytes();
    let Some(start) = bytes.iter().position(|b| !is_space(b)) else {
        return Some(None);
    };
    if start == 0 {
        return None;
    }
    let value_start = start + LANG.len();
    let rest = bytes.get(start..)?.strip_prefix(LANG)?;
    let length = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))?;
    let plain =
        rest[length] == b'"' && length <= max_text && rest[length + 1..].iter().all(is_space);
    plain
        .then(|| raw.get(value_start..value_start + length))?
        .map(Some)
}

/// Whether every attribute of `start` is read here as the tree would ([`plain_attribute`]).
fn attributes_are_plain(start: &BytesStart<'_>, max_text: usize) -> bool {
    start
        .attributes()
        .with_checks(false)
        .all(|attribute| plain_attribute(attribute, max_text).is_some())
}

/// The attribute, when it is read here as the tree would read it: well-formed, its value no
/// longer than `max_text` bytes as written (normalising never lengthens one), and not a
/// prefixed `lang` other than `xml:lang` (the tree resolves such a prefix).
fn plain_attribute<'a>(
    attribute: Result<Attribute<'a>, AttrError>,
    max_text: usize,
) -> Option<Attribute<'a>> {
    let attribute = attribute.ok()?;
    let key = attribute.key.into_inner();
    let odd_lang = key != "xml:lang" && key.ends_with(":lang");
    (attribute.value.len() <= max_text && !odd_lang).then_some(attribute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::tree::read_element;

    /// The flat reading of a document's root, or `None`.
    fn flat(document: &str, max_text: usize) -> Option<Vec<FlatField<'_>>> {
        let mut reader = XmlReader::new(document);
        loop {
            let (_, event, _) = next_event(&mut reader).unwrap();
            if let Event::Start(start) = event {
                return read_flat_children(&mut reader, document, &start, max_text).unwrap();
            }
        }
    }

    /// The same fields, read from the tree.
    fn from_tree(document: &str) -> Vec<FlatField<'_>> {
        let mut reader = XmlReader::new(document);
        let root = loop {
            let (namespace, event, _) = next_event(&mut reader).unwrap();
            if let Event::Start(start) = event {
                break read_element(&mut reader, document, &start, namespace, false).unwrap();
            }
        };
        root.children
            .into_iter()
            .map(|child| FlatField {
                lang: child.lang().map(|l| Cow::Owned(l.to_owned())),
                namespace: child.namespace,
                name: child.name,
                text: child.text,
            })
            .collect()
    }

    #[test]
    fn leaves_read_as_the_tree_reads_them() {
        let document = concat!(
            r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:x="urn:x">"#,
            "\n  <dc:title xml:lang=\"fr\">L&apos;économie &amp; la &#233;&#6;thique</dc:title>\n",
            "  <dc:title xml:lang=\"  \">blank lang</dc:title>\n",
            "  <dc:subject xml:lang=\"en\" xml:lang=\"fr\">first lang wins</dc:subject>\n",
            "  <dc:description><![CDATA[a <b> c]]> and caf&eacute; &unknown;\r\n end</dc:description>\n",
            "  <dc:creator/><x:other a=\"1\">kept</x:other><!-- c --><?pi x?>\n",
            "  <dc:date xml:lang=\"e&amp;n\">2012</dc:date>\n",
            "</oai_dc:dc>"
        );
        let fields = flat(document, 1 << 20).expect("flat");
        assert_eq!(fields, from_tree(document));
        assert_eq!(fields[0].text, "L'économie & la éthique");
        assert_eq!(fields[0].lang.as_deref(), Some("fr"));
        assert_eq!(fields[1].lang, None);
        assert_eq!(fields[3].text, "a <b> c and café &unknown;\n end");
    }

    /// The attributes read without the iterator are read as the iterator reads them: the same
    /// field, its `xml:lang` included, or the iterator left to decide.
    #[test]
    fn plain_langs_read_as_the_attribute_iterator_reads_them() {
        let dc = r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#;
        for attributes in [
            "",
            " ",
            " \n\t",
            r#" xml:lang="fr""#,
            r#" xml:lang="fr-CA" "#,
            r#"  xml:lang="""#,
            r#" xml:lang="  ""#,
            r#" xml:lang='fr'"#,
            r#" xml:lang = "fr""#,
            r#" xml:lang="f&amp;r""#,
            r#" xml:lang="fr" xml:lang="en""#,
            r#" xml:lang="fr" a="1""#,
            r#" a="1""#,
            r#" xml:lang="fr"x"#,
        ] {
            let document = format!("<r {dc}><dc:title{attributes}>t</dc:title></r>");
            let plain = plain_lang(attributes, 100);
            let Some(fields) = flat(&document, 100) else {
                // Left to the tree (a malformed attribute): never read here.
                assert_eq!(plain, None, "{attributes:?}");
                continue;
            };
            if let Some(lang) = plain {
                assert_eq!(
                    fields[0].lang.as_deref(),
                    lang.filter(|l| !l.is_empty()),
                    "{attributes:?}"
                );
            }
            assert_eq!(fields, from_tree(&document), "{attributes:?}");
        }
        assert_eq!(plain_lang(r#" xml:lang="fr""#, 1), None);
        assert_eq!(plain_lang(r#" xml:lang="fr""#, 2), Some(Some("fr")));
        assert_eq!(plain_lang(r#"xml:lang="fr""#, 2), None);
    }

    #[test]
    fn what_the_tree_must_decide_is_left_to_it() {
        let dc = r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#;
        // A nested element.
        assert!(flat(&format!("<r {dc}><dc:title>a <i>b</i></dc:title></r>"), 100).is_none());
        // A `lang` attribute of another prefix (the tree resolves it; quick-xml refuses to bind
        // a prefix other than `xml` to the XML namespace, so it is never `xml:lang`).
        let other = r#"xmlns:l="urn:l""#;
        assert!(
            flat(
                &format!("<r {dc} {other}><dc:title l:lang=\"fr\">a</dc:title></r>"),
                100
            )
            .is_none()
        );
        // Texts and attributes over the limit (64 bytes here), the root's own text included.
        let long = "a".repeat(65);
        let title = |inner: &str| format!("<r {dc}>{inner}</r>");
        assert!(flat(&title(&format!("<dc:title>{long}</dc:title>")), 64).is_none());
        assert!(flat(&title(&format!("<dc:title a=\"{long}\">a</dc:title>")), 64).is_none());
        assert!(
            flat(
                &title(&format!("{}<dc:title>a</dc:title>", " ".repeat(65))),
                64
            )
            .is_none()
        );
        assert!(flat(&title(&format!("<dc:title>{}</dc:title>", &long[1..])), 64).is_some());
    }
}
