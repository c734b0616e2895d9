//! ListRecords and GetRecord responses (and the tokens of ListIdentifiers and ListSets): the
//! list, its resumption token and its errors, read in one streaming pass; a complete page that
//! is not well-formed is read again record by record, so one bad record does not lose the page.

use crate::xml::reader::XmlReader;
use quick_xml::events::{BytesStart, Event};

use super::envelope::{
    ParseError, collect_declarations, new_reader, open_envelope, read_error, read_text, skip,
    with_declarations,
};
use super::protocol::{OAI_NS, OaiError};
use super::record::{PageItem, RejectedRecord, read_record};
use crate::xml::tree::{next_event, syntax};

/// One parsed ListRecords (or GetRecord) response.
#[derive(Debug, Default)]
pub struct Page {
    /// The repository's own clock, `responseDate`.
    pub response_date: Option<String>,
    pub items: Vec<PageItem>,
    /// The resumption token element, if any. An element with empty text ends the list.
    pub token: Option<ResumptionToken>,
    /// OAI-PMH `<error>` elements (usually at most one).
    pub errors: Vec<OaiError>,
}

impl Page {
    /// The token to ask for next; `None` when the list is complete.
    pub fn next_token(&self) -> Option<&str> {
        self.token
            .as_ref()
            .map(|t| t.value.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumptionToken {
    pub value: String,
    pub complete_list_size: Option<u64>,
    pub cursor: Option<u64>,
    pub expiration_date: Option<String>,
}

/// The next resumption token a page announces, found by scanning its end: `Some("")` when the
/// list ends, `None` when a scan cannot tell for sure (CDATA, unusual entities, prefixes). Used
/// only to fetch ahead; the parsed token decides.
pub fn scan_resumption_token(text: &str) -> Option<String> {
    let Some(start) = text.rfind("<resumptionToken") else {
        return Some(String::new());
    };
    let element = &text[start..];
    let open_end = element.find('>')?;
    if element[..open_end].ends_with('/') {
        return Some(String::new());
    }
    let close = element.find("</resumptionToken>")?;
    let value = element.get(open_end + 1..close)?.trim();
    if value.contains('<') {
        return None;
    }
    if !value.contains('&') {
        return Some(value.to_owned());
    }
    let unescaped = value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    // Any other reference: leave it to the parser.
    (value.matches('&').count()
        == value.matches("&amp;").count()
            + value.matches("&lt;").count()
            + value.matches("&gt;").count()
            + value.matches("&quot;").count()
            + value.matches("&apos;").count())
    .then_some(unescaped)
}

/// Parses a ListRecords or GetRecord response.
///
/// A complete response (it ends with `</OAI-PMH>`) that is not well-formed because of one bad
/// record (an unescaped `<` in an abstract, a stray PHP warning) is parsed again record by
/// record: the bad records become rejects and the rest of the page is kept. A response that does
/// not end properly is truncated and stays an error, to be fetched again.
pub fn parse_page(text: &str) -> Result<Page, ParseError> {
    match parse_whole_page(text) {
        Err(ParseError::Xml(error)) if text.trim_end().ends_with("</OAI-PMH>") => {
            recover_page(text).ok_or(ParseError::Xml(error))
        }
        other => other,
    }
}

fn parse_whole_page(text: &str) -> Result<Page, ParseError> {
    let mut reader = new_reader(text);
    let mut declarations = Vec::new();
    open_envelope(&mut reader, text, &mut declarations)?;
    let mut page = Page::default();
    loop {
        let (namespace, event, position) = next_event(&mut reader)?;
        let in_oai = namespace == OAI_NS;
        match event {
            Event::Start(start) if in_oai => match start.local_name().into_inner() {
                "responseDate" => page.response_date = Some(read_text(&mut reader)?.into_owned()),
                "error" => page.errors.push(read_error(&mut reader, &start, false)?),
                "ListRecords" | "GetRecord" | "ListIdentifiers" | "ListSets" => {
                    let mut inner = declarations.clone();
                    collect_declarations(&start, &mut inner);
                    read_list(&mut reader, text, &inner, &mut page)?;
                }
                _ => skip(&mut reader, &start)?,
            },
            Event::Empty(start) if in_oai && start.local_name().into_inner() == "error" => {
                page.errors.push(read_error(&mut reader, &start, true)?);
            }
            Event::Start(start) => skip(&mut reader, &start)?,
            Event::End(_) => return Ok(page),
            Event::Eof => return Err(syntax(position, "document ends before </OAI-PMH>").into()),
            _ => {}
        }
    }
}

/// Record-by-record parsing of a complete but ill-formed page; `None` if even the envelope is
/// unusable.
fn recover_page(text: &str) -> Option<Page> {
    let records = record_spans(text);
    // Not `map_or`: its fallback is evaluated first, and a page without a token (the last page
    // of a list, a GetRecord) would then never be recovered.
    let first = match records.first() {
        Some(span) => span.0,
        None => text.find("<resumptionToken")?,
    };
    let envelope = &text[..first];
    let list = if envelope.contains("<GetRecord") {
        "GetRecord"
    } else {
        "ListRecords"
    };
    let close = format!("</{list}></OAI-PMH>");
    let mut page = Page::default();
    for &(start, end) in &records {
        let slice = &text[start..end];
        match parse_whole_page(&format!("{envelope}{slice}{close}")) {
            Ok(one) => page.items.extend(one.items),
            Err(error) => page.items.push(PageItem::Reject(RejectedRecord::new(
                between(slice, "<identifier>", "</identifier>").map(|s| s.trim().to_owned()),
                between(slice, "<datestamp>", "</datestamp>").map(|s| s.trim().to_owned()),
                format!("record is not well-formed XML: {error}"),
                slice,
            ))),
        }
    }
    let tail_start = records.last().map_or(first, |span| span.1);
    let tail = text[tail_start..].trim_end();
    let tail = tail
        .strip_suffix("</OAI-PMH>")?
        .trim_end()
        .strip_suffix(&format!("</{list}>"))?;
    let rest = parse_whole_page(&format!("{envelope}{tail}{close}")).ok()?;
    page.response_date = rest.response_date;
    page.token = rest.token;
    page.errors = rest.errors;
    Some(page)
}

/// Byte spans of the top-level `<record>` elements, nesting counted (MARCXML uses `<record>`
/// inside OAI records).
fn record_spans(text: &str) -> Vec<(usize, usize)> {
    let is_tag = |at: usize, tag: &str| {
        text[at..].starts_with(tag)
            && matches!(
                text.as_bytes().get(at + tag.len()),
                Some(b'>' | b' ' | b'\n' | b'\t' | b'\r')
            )
    };
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (at, _) in text.match_indices('<') {
        if is_tag(at, "<record") {
            if depth == 0 {
                start = at;
            }
            depth += 1;
        } else if is_tag(at, "</record") && depth > 0 {
            depth -= 1;
            if depth == 0
                && let Some(close) = text[at..].find('>')
            {
                spans.push((start, at + close + 1));
            }
        }
    }
    spans
}

fn between<'t>(text: &'t str, open: &str, close: &str) -> Option<&'t str> {
    let start = text.find(open)? + open.len();
    let end = start + text[start..].find(close)?;
    Some(&text[start..end])
}

/// At most this many items reserved ahead for a page's list (a huge page grows as it reads).
const MAX_RESERVED_ITEMS: usize = 1024;

fn read_list<'i>(
    reader: &mut XmlReader<'i>,
    text: &'i str,
    declarations: &[(String, String)],
    page: &mut Page,
) -> Result<(), ParseError> {
    // Room for a page of ~2 KiB records at once: an item is large (its mapped record inline),
    // and growing the list 4, 8, … 128 moved each one several times (2% of a harvest's CPU).
    page.items
        .reserve((text.len() / 2048).min(MAX_RESERVED_ITEMS));
    loop {
        let (namespace, event, position) = next_event(reader)?;
        let in_oai = namespace == OAI_NS;
        match event {
            Event::Start(start) if in_oai && start.local_name().into_inner() == "record" => {
                let inner = with_declarations(&start, declarations);
                let item = read_record(reader, text, position as usize, &inner)?;
                page.items.push(item);
            }
            Event::Start(start)
                if in_oai && start.local_name().into_inner() == "resumptionToken" =>
            {
                let mut token = token_attributes(&start);
                token.value = read_text(reader)?.trim().to_owned();
                page.token = Some(token);
            }
            Event::Empty(start)
                if in_oai && start.local_name().into_inner() == "resumptionToken" =>
            {
                page.token = Some(token_attributes(&start));
            }
            Event::Start(start) => skip(reader, &start)?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(syntax(position, "document ends inside the list").into()),
            _ => {}
        }
    }
}

fn token_attributes(start: &BytesStart<'_>) -> ResumptionToken {
    let attribute = |name: &str| -> Option<String> {
        start.try_get_attribute(name).ok().flatten().and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_owned())
        })
    };
    ResumptionToken {
        value: String::new(),
        complete_list_size: attribute("completeListSize").and_then(|v| v.parse().ok()),
        cursor: attribute("cursor").and_then(|v| v.parse().ok()),
        expiration_date: attribute("expirationDate"),
    }
}
