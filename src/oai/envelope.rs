//! What every OAI-PMH response shares: the `<OAI-PMH>` envelope (checked before anything else
//! is read), its `<error>`s, and the element readers the page and Identify parsers are built
//! from. [`ParseError`] is why a response could not be read at all.

use std::borrow::Cow;

use crate::xml::reader::XmlReader;
use quick_xml::events::{BytesStart, Event};

use super::protocol::{ErrorCode, OAI_NS, OaiError};
use crate::xml::tree::{self, TreeError, next_event, syntax};

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("an HTML page, not an OAI-PMH response")]
    Html,
    #[error("not an OAI-PMH response: root element is <{0}>")]
    NotOai(String),
    #[error(transparent)]
    Xml(#[from] TreeError),
}

/// Rejects pages that are obviously HTML before the XML parser gives a confusing message.
fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

pub(super) fn new_reader(text: &str) -> XmlReader<'_> {
    XmlReader::new(text)
}

/// Reads up to the root element and checks it is `OAI-PMH` in the OAI namespace.
pub(super) fn open_envelope(
    reader: &mut XmlReader<'_>,
    text: &str,
    declarations: &mut Vec<(String, String)>,
) -> Result<(), ParseError> {
    if looks_like_html(text) {
        return Err(ParseError::Html);
    }
    loop {
        let (namespace, event, _) = next_event(reader)?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().into_inner().to_owned();
                if name.eq_ignore_ascii_case("html") {
                    return Err(ParseError::Html);
                }
                if name != "OAI-PMH" || namespace != OAI_NS {
                    return Err(ParseError::NotOai(start.name().into_inner().to_owned()));
                }
                collect_declarations(&start, declarations);
                return Ok(());
            }
            Event::Empty(start) => {
                return Err(ParseError::NotOai(start.name().into_inner().to_owned()));
            }
            Event::Eof => return Err(TreeError::NoRoot.into()),
            _ => {}
        }
    }
}

/// Whether `text` is a whole OAI-PMH document: not HTML, and ending with `</OAI-PMH>` (a
/// truncated response does not). Cheap; the full parse comes later.
pub fn check_envelope(text: &str) -> Result<(), ParseError> {
    if looks_like_html(text) {
        return Err(ParseError::Html);
    }
    let end = text.trim_end();
    if !end.ends_with("OAI-PMH>") {
        return Err(ParseError::Xml(TreeError::Syntax {
            position: end.len() as u64,
            message: "the response ends before </OAI-PMH> (truncated?)".into(),
        }));
    }
    if !text.contains(OAI_NS) {
        let root = text.trim_start().chars().take(40).collect::<String>();
        return Err(ParseError::NotOai(root));
    }
    Ok(())
}

/// `declarations` with those `start` adds: borrowed when it declares none, as nearly every
/// `<record>` and `<metadata>` tag (a copy of the envelope's per record and per metadata cost
/// allocations for nothing).
pub(super) fn with_declarations<'d>(
    start: &BytesStart<'_>,
    declarations: &'d [(String, String)],
) -> Cow<'d, [(String, String)]> {
    let declares = start
        .attributes()
        .with_checks(false)
        .flatten()
        .any(|attribute| {
            let key = attribute.key.into_inner();
            key == "xmlns" || key.starts_with("xmlns:")
        });
    if !declares {
        return Cow::Borrowed(declarations);
    }
    let mut inner = declarations.to_vec();
    collect_declarations(start, &mut inner);
    Cow::Owned(inner)
}

pub(super) fn collect_declarations(
    start: &BytesStart<'_>,
    declarations: &mut Vec<(String, String)>,
) {
    for attribute in start.attributes().with_checks(false).flatten() {
        let key = attribute.key.into_inner();
        let prefix = if key == "xmlns" {
            ""
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            prefix
        } else {
            continue;
        };
        declarations.retain(|(p, _)| p != prefix);
        declarations.push((prefix.to_owned(), attribute.value.clone().into_owned()));
    }
}

pub(super) fn read_error(
    reader: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    is_empty: bool,
) -> Result<OaiError, ParseError> {
    let code = start
        .try_get_attribute("code")
        .ok()
        .flatten()
        .map(|a| ErrorCode::parse(a.value.trim()))
        .unwrap_or_else(|| ErrorCode::Other(String::new()));
    let message = if is_empty {
        String::new()
    } else {
        tree::collapse_whitespace(&read_text(reader)?)
    };
    Ok(OaiError { code, message })
}

/// Text content of the element just opened, up to its end; nested elements' text included.
/// Borrowed from the document when it is one piece needing no unescaping (a header's
/// identifier, datestamp and sets nearly always are: two allocations each saved per record).
pub(super) fn read_text<'i>(reader: &mut XmlReader<'i>) -> Result<Cow<'i, str>, ParseError> {
    let mut out: Cow<'i, str> = Cow::Borrowed("");
    let mut depth = 0usize;
    loop {
        let position = reader.buffer_position();
        match reader.read_event().map_err(|e| syntax(position, e))? {
            Event::Text(text) => tree::append(&mut out, text.xml10_content()),
            Event::CData(data) => tree::append(&mut out, data.xml10_content()),
            Event::GeneralRef(reference) => tree::push_reference(out.to_mut(), &reference),
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(out),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(syntax(position, "document ends inside an element").into()),
            _ => {}
        }
    }
}

pub(super) fn skip<'i>(
    reader: &mut XmlReader<'i>,
    start: &BytesStart<'i>,
) -> Result<(), ParseError> {
    let position = reader.buffer_position();
    reader
        .read_to_end(start.name())
        .map_err(|e| syntax(position, e))?;
    Ok(())
}
