//! OAI-PMH 2.0 responses, parsed: ListRecords/GetRecord pages (streamed; each record's metadata
//! mapped through [`crate::map`]), Identify, and `<error>`s. Pure: bytes in, values out.
//!
//! A page is parsed in one pass. Each record's metadata is read into a small tree (for the
//! crosswalk) and its exact bytes are kept (for provenance and re-mapping), with the namespace
//! declarations it inherited from the envelope added so the stored XML stands on its own.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};

use crate::map::{self, Record};
use crate::xml::tree::{self, Element, TreeError, configure, next_event, syntax};

pub const OAI_NS: &str = "http://www.openarchives.org/OAI/2.0/";

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    /// One of the codes of OAI-PMH 2.0 §3.6 (`noRecordsMatch`, `badResumptionToken`, ...).
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for OaiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "OAI-PMH error {}", self.code)
        } else {
            write!(f, "OAI-PMH error {}: {}", self.code, self.message)
        }
    }
}

/// What one `<record>` of a page became.
#[derive(Debug)]
pub enum PageItem {
    Record(HarvestedRecord),
    /// Could not be mapped; kept aside with its reason and raw bytes.
    Reject(RejectedRecord),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HarvestedRecord {
    pub identifier: String,
    pub datestamp: String,
    pub deleted: bool,
    pub sets: Vec<String>,
    /// Crosswalk that mapped the metadata (`oai_dc`, `etdms`, `tef`); `None` for deletions.
    pub format: Option<&'static str>,
    /// The metadata element's XML as served (plus inherited namespace declarations).
    pub raw: Option<String>,
    pub record: Option<Record>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRecord {
    pub identifier: Option<String>,
    pub datestamp: Option<String>,
    pub reason: String,
    /// The whole `<record>` element as served.
    pub raw: String,
}

/// Identify's answer, the parts a harvester needs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Identify {
    pub repository_name: String,
    pub base_url: String,
    pub protocol_version: String,
    pub earliest_datestamp: String,
    pub deleted_record: String,
    pub granularity: String,
    pub admin_emails: Vec<String>,
    pub response_date: Option<String>,
    pub errors: Vec<OaiError>,
}

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

fn new_reader(text: &str) -> NsReader<&[u8]> {
    let mut reader = NsReader::from_str(text);
    configure(&mut reader);
    reader
}

/// Reads up to the root element and checks it is `OAI-PMH` in the OAI namespace.
fn open_envelope<'i>(
    reader: &mut NsReader<&'i [u8]>,
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
    if !text.contains("http://www.openarchives.org/OAI/2.0/") {
        let root = text.trim_start().chars().take(40).collect::<String>();
        return Err(ParseError::NotOai(root));
    }
    Ok(())
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
                "responseDate" => page.response_date = Some(read_text(&mut reader)?),
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
    let first = records
        .first()
        .map_or(text.find("<resumptionToken")?, |span| span.0);
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
            Err(error) => page.items.push(PageItem::Reject(RejectedRecord {
                identifier: between(slice, "<identifier>", "</identifier>")
                    .map(|s| s.trim().to_owned()),
                datestamp: between(slice, "<datestamp>", "</datestamp>")
                    .map(|s| s.trim().to_owned()),
                reason: format!("record is not well-formed XML: {error}"),
                raw: slice.to_owned(),
            })),
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

fn read_list<'i>(
    reader: &mut NsReader<&'i [u8]>,
    text: &'i str,
    declarations: &[(String, String)],
    page: &mut Page,
) -> Result<(), ParseError> {
    loop {
        let (namespace, event, position) = next_event(reader)?;
        let in_oai = namespace == OAI_NS;
        match event {
            Event::Start(start) if in_oai && start.local_name().into_inner() == "record" => {
                let mut inner = declarations.to_vec();
                collect_declarations(&start, &mut inner);
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

#[derive(Default)]
struct Header {
    identifier: Option<String>,
    datestamp: Option<String>,
    deleted: bool,
    sets: Vec<String>,
}

/// Reads one `<record>` (its start tag already read at byte `record_start`).
fn read_record<'i>(
    reader: &mut NsReader<&'i [u8]>,
    text: &'i str,
    record_start: usize,
    declarations: &[(String, String)],
) -> Result<PageItem, ParseError> {
    let mut header = Header::default();
    let mut saw_header = false;
    let mut metadata: Option<Result<(Element<'i>, String), String>> = None;
    loop {
        let (namespace, event, position) = next_event(reader)?;
        let in_oai = namespace == OAI_NS;
        match event {
            Event::Start(start) if in_oai && start.local_name().into_inner() == "header" => {
                saw_header = true;
                header.deleted = is_deleted(&start);
                read_header(reader, &mut header)?;
            }
            Event::Empty(start) if in_oai && start.local_name().into_inner() == "header" => {
                saw_header = true;
                header.deleted = is_deleted(&start);
            }
            Event::Start(start) if in_oai && start.local_name().into_inner() == "metadata" => {
                let mut inner = declarations.to_vec();
                collect_declarations(&start, &mut inner);
                metadata = Some(read_metadata(reader, text, &inner)?);
            }
            Event::Empty(start) if in_oai && start.local_name().into_inner() == "metadata" => {
                metadata = Some(Err("empty <metadata> element".to_owned()));
            }
            Event::Start(start) => skip(reader, &start)?,
            Event::End(_) => break,
            Event::Eof => return Err(syntax(position, "document ends inside a record").into()),
            _ => {}
        }
    }
    let record_end = reader.buffer_position() as usize;
    let raw_record = || {
        text.get(record_start..record_end)
            .unwrap_or_default()
            .to_owned()
    };
    let reject = |header: &Header, reason: String| {
        PageItem::Reject(RejectedRecord {
            identifier: header.identifier.clone(),
            datestamp: header.datestamp.clone(),
            reason,
            raw: raw_record(),
        })
    };
    if !saw_header {
        return Ok(reject(&header, "record has no <header>".to_owned()));
    }
    let Some(identifier) = header.identifier.clone() else {
        return Ok(reject(&header, "header has no <identifier>".to_owned()));
    };
    let Some(datestamp) = header.datestamp.clone() else {
        return Ok(reject(&header, "header has no <datestamp>".to_owned()));
    };
    if !is_datestamp(&datestamp) {
        return Ok(reject(
            &header,
            format!("datestamp {datestamp:?} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
        ));
    }
    if header.deleted {
        return Ok(PageItem::Record(HarvestedRecord {
            identifier,
            datestamp,
            deleted: true,
            sets: header.sets,
            format: None,
            raw: None,
            record: None,
        }));
    }
    let (root, raw) = match metadata {
        None => {
            return Ok(reject(
                &header,
                "record is not deleted but has no <metadata>".to_owned(),
            ));
        }
        Some(Err(reason)) => return Ok(reject(&header, reason)),
        Some(Ok(found)) => found,
    };
    match map::map_metadata(&root) {
        Ok((format, record)) => Ok(PageItem::Record(HarvestedRecord {
            identifier,
            datestamp,
            deleted: false,
            sets: header.sets,
            format: Some(format),
            raw: Some(raw),
            record: Some(record),
        })),
        Err(error) => Ok(reject(&header, error.to_string())),
    }
}

fn is_deleted(start: &BytesStart<'_>) -> bool {
    start
        .try_get_attribute("status")
        .ok()
        .flatten()
        .is_some_and(|a| a.value.trim() == "deleted")
}

fn read_header<'i>(reader: &mut NsReader<&'i [u8]>, header: &mut Header) -> Result<(), ParseError> {
    loop {
        let (_, event, position) = next_event(reader)?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().into_inner().to_owned();
                let value = read_text(reader)?.trim().to_owned();
                match name.as_str() {
                    "identifier" if !value.is_empty() => header.identifier = Some(value),
                    "datestamp" if !value.is_empty() => header.datestamp = Some(value),
                    "setSpec" if !value.is_empty() => header.sets.push(value),
                    _ => {}
                }
            }
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(syntax(position, "document ends inside a header").into()),
            _ => {}
        }
    }
}

/// Reads the content of `<metadata>`: exactly one element, returned as a tree and as raw XML.
fn read_metadata<'i>(
    reader: &mut NsReader<&'i [u8]>,
    text: &'i str,
    declarations: &[(String, String)],
) -> Result<Result<(Element<'i>, String), String>, ParseError> {
    let mut found: Option<(Element<'i>, String)> = None;
    loop {
        let (namespace, event, position) = next_event(reader)?;
        let (start, is_empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                return Ok(found.ok_or_else(|| "empty <metadata> element".to_owned()));
            }
            Event::Eof => return Err(syntax(position, "document ends inside metadata").into()),
            _ => continue,
        };
        let own_declarations = {
            let mut own = Vec::new();
            collect_declarations(&start, &mut own);
            own
        };
        let element = tree::read_element(reader, text, &start, namespace, is_empty)?;
        let end = reader.buffer_position() as usize;
        let slice = text.get(position as usize..end).unwrap_or_default();
        if found.is_none() {
            let raw = with_inherited_namespaces(
                slice,
                declarations,
                &own_declarations,
                start.name().into_inner(),
            );
            found = Some((element, raw));
        }
    }
}

/// Adds to the root start tag of `slice` the namespace declarations it inherits from the
/// envelope and uses, so the stored XML parses alone.
fn with_inherited_namespaces(
    slice: &str,
    inherited: &[(String, String)],
    own: &[(String, String)],
    root_qname: &str,
) -> String {
    let mut extra = String::new();
    for (prefix, uri) in inherited.iter().rev() {
        if own.iter().any(|(p, _)| p == prefix) || extra.contains(&format!("xmlns:{prefix}=")) {
            continue;
        }
        if prefix.is_empty() {
            // The default namespace only matters for an unprefixed root.
            if !root_qname.contains(':') && !extra.contains("xmlns=") {
                extra.push_str(&format!(" xmlns=\"{}\"", escape_attribute(uri)));
            }
        } else if slice.contains(&format!("{prefix}:")) {
            extra.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape_attribute(uri)));
        }
    }
    if extra.is_empty() {
        return slice.to_owned();
    }
    let insert_at = 1 + root_qname.len();
    let mut raw = String::with_capacity(slice.len() + extra.len());
    raw.push_str(&slice[..insert_at.min(slice.len())]);
    raw.push_str(&extra);
    raw.push_str(&slice[insert_at.min(slice.len())..]);
    raw
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

fn collect_declarations(start: &BytesStart<'_>, declarations: &mut Vec<(String, String)>) {
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

fn read_error<'i>(
    reader: &mut NsReader<&'i [u8]>,
    start: &BytesStart<'_>,
    is_empty: bool,
) -> Result<OaiError, ParseError> {
    let code = start
        .try_get_attribute("code")
        .ok()
        .flatten()
        .map(|a| a.value.trim().to_owned())
        .unwrap_or_default();
    let message = if is_empty {
        String::new()
    } else {
        tree::collapse_whitespace(&read_text(reader)?)
    };
    Ok(OaiError { code, message })
}

/// Text content of the element just opened, up to its end; nested elements' text included.
fn read_text<'i>(reader: &mut NsReader<&'i [u8]>) -> Result<String, ParseError> {
    let mut out = String::new();
    let mut depth = 0usize;
    loop {
        let position = reader.buffer_position();
        match reader.read_event().map_err(|e| syntax(position, e))? {
            Event::Text(text) => out.push_str(&text.xml10_content()),
            Event::CData(data) => out.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) => tree::push_reference(&mut out, &reference),
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(out),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(syntax(position, "document ends inside an element").into()),
            _ => {}
        }
    }
}

fn skip<'i>(reader: &mut NsReader<&'i [u8]>, start: &BytesStart<'i>) -> Result<(), ParseError> {
    let position = reader.buffer_position();
    reader
        .read_to_end(start.name())
        .map_err(|e| syntax(position, e))?;
    Ok(())
}

/// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`, the two granularities of OAI-PMH 2.0.
pub fn is_datestamp(value: &str) -> bool {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10;
    match value.len() {
        10 => day(value),
        20 => chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%SZ").is_ok(),
        _ => false,
    }
}

/// Parses an Identify response.
pub fn parse_identify(text: &str) -> Result<Identify, ParseError> {
    let mut reader = new_reader(text);
    open_envelope(&mut reader, text, &mut Vec::new())?;
    let mut identify = Identify::default();
    loop {
        let (namespace, event, position) = next_event(&mut reader)?;
        let in_oai = namespace == OAI_NS;
        match event {
            Event::Start(start) if in_oai => match start.local_name().into_inner() {
                "responseDate" => {
                    identify.response_date = Some(read_text(&mut reader)?.trim().to_owned())
                }
                "error" => identify
                    .errors
                    .push(read_error(&mut reader, &start, false)?),
                "Identify" => read_identify_fields(&mut reader, &mut identify)?,
                _ => skip(&mut reader, &start)?,
            },
            Event::Empty(start) if in_oai && start.local_name().into_inner() == "error" => {
                identify.errors.push(read_error(&mut reader, &start, true)?);
            }
            Event::Start(start) => skip(&mut reader, &start)?,
            Event::End(_) => return Ok(identify),
            Event::Eof => return Err(syntax(position, "document ends before </OAI-PMH>").into()),
            _ => {}
        }
    }
}

fn read_identify_fields<'i>(
    reader: &mut NsReader<&'i [u8]>,
    identify: &mut Identify,
) -> Result<(), ParseError> {
    loop {
        let (_, event, position) = next_event(reader)?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().into_inner().to_owned();
                if name == "description" {
                    skip(reader, &start)?;
                    continue;
                }
                let value = read_text(reader)?.trim().to_owned();
                match name.as_str() {
                    "repositoryName" => identify.repository_name = value,
                    "baseURL" => identify.base_url = value,
                    "protocolVersion" => identify.protocol_version = value,
                    "earliestDatestamp" => identify.earliest_datestamp = value,
                    "deletedRecord" => identify.deleted_record = value,
                    "granularity" => identify.granularity = value,
                    "adminEmail" => identify.admin_emails.push(value),
                    _ => {}
                }
            }
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(syntax(position, "document ends inside Identify").into()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
