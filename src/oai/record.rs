//! One `<record>` of a page: its header checked, its metadata read into a tree for the
//! crosswalk and kept as exact bytes (with the namespace declarations it inherited from the
//! envelope, so the stored XML stands on its own), and mapped; or rejected with its reason.

use crate::xml::reader::XmlReader;
use quick_xml::events::{BytesStart, Event};

use super::envelope::{ParseError, read_text, skip, with_declarations};
use super::protocol::{Datestamp, OAI_NS};
use crate::map::{self, Record};
use crate::xml::flat::{FlatField, read_flat_children};
use crate::xml::tree::{self, Element, TreeError, next_event, syntax};

/// A `<record>` larger than this is rejected: real ones, TEF with its METS wrapper included,
/// stay under a few hundred KiB, and everything downstream (works, feed, index) holds a record
/// whole in memory.
pub const MAX_RECORD_BYTES: usize = 4 << 20;
/// A metadata element whose text (or an attribute value) is longer than this is refused with
/// its record: a title or an abstract is a few KiB; a book's text pasted into one is not
/// metadata.
pub const MAX_FIELD_BYTES: usize = 256 << 10;
/// A rejected record's raw bytes are kept up to this size (the reason says when they are cut),
/// so a hostile record cannot grow the store without bound.
pub const MAX_REJECT_RAW_BYTES: usize = 1 << 20;

/// What one `<record>` of a page became.
// Records are the common case and rejects the rare one: boxing records would cost an
// allocation each to save memory only on rejects.
#[allow(clippy::large_enum_variant)]
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

impl RejectedRecord {
    /// A reject keeping `raw` up to [`MAX_REJECT_RAW_BYTES`] (cut on a character boundary, the
    /// reason saying so).
    pub fn new(
        identifier: Option<String>,
        datestamp: Option<String>,
        mut reason: String,
        raw: &str,
    ) -> RejectedRecord {
        let raw = if raw.len() > MAX_REJECT_RAW_BYTES {
            let mut cut = MAX_REJECT_RAW_BYTES;
            while !raw.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.push_str(&format!(
                " (raw record cut to its first {cut} of {} bytes)",
                raw.len()
            ));
            &raw[..cut]
        } else {
            raw
        };
        RejectedRecord {
            identifier,
            datestamp,
            reason,
            raw: raw.to_owned(),
        }
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
pub(super) fn read_record<'i>(
    reader: &mut XmlReader<'i>,
    text: &'i str,
    record_start: usize,
    declarations: &[(String, String)],
) -> Result<PageItem, ParseError> {
    let mut header = Header::default();
    let mut saw_header = false;
    let mut metadata: Option<Result<(Metadata<'i>, String), String>> = None;
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
                let inner = with_declarations(&start, declarations);
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
    let raw_record = text.get(record_start..record_end).unwrap_or_default();
    let reject = |header: &Header, reason: String| {
        PageItem::Reject(RejectedRecord::new(
            header.identifier.clone(),
            header.datestamp.clone(),
            reason,
            raw_record,
        ))
    };
    if raw_record.len() > MAX_RECORD_BYTES {
        return Ok(reject(
            &header,
            format!(
                "record is {} bytes, more than the {MAX_RECORD_BYTES} a record may have",
                raw_record.len()
            ),
        ));
    }
    if !saw_header {
        return Ok(reject(&header, "record has no <header>".to_owned()));
    }
    let Some(identifier) = header.identifier.clone() else {
        return Ok(reject(&header, "header has no <identifier>".to_owned()));
    };
    let Some(datestamp) = header.datestamp.clone() else {
        return Ok(reject(&header, "header has no <datestamp>".to_owned()));
    };
    if Datestamp::parse(&datestamp).is_none() {
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
    let mapped = match &root {
        Metadata::Tree(root) => map::map_metadata(root),
        Metadata::Flat(fields) => map::map_flat_dublin_core(fields),
    };
    match mapped {
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

fn read_header(reader: &mut XmlReader<'_>, header: &mut Header) -> Result<(), ParseError> {
    let mut keep = |name: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        match name {
            "identifier" => header.identifier = Some(value.to_owned()),
            "datestamp" => header.datestamp = Some(value.to_owned()),
            "setSpec" => header.sets.push(value.to_owned()),
            _ => {}
        }
    };
    loop {
        // A header's children are one-line leaves without attributes: read from the text.
        let no_attributes = |raw: &str| raw.bytes().all(|b| b.is_ascii_whitespace()).then_some(());
        if let Some(leaf) = reader.read_plain_leaf(usize::MAX, no_attributes) {
            keep(leaf.local_name, &leaf.text);
            continue;
        }
        let (_, event, position) = next_event(reader)?;
        match event {
            Event::Start(start) => keep(start.local_name().into_inner(), &read_text(reader)?),
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(syntax(position, "document ends inside a header").into()),
            _ => {}
        }
    }
}

/// A record's metadata element as read: a tree for the crosswalks, or the fields of a flat
/// Dublin Core element read without one ([`crate::xml::flat`], the common case).
enum Metadata<'i> {
    Tree(Element<'i>),
    Flat(Vec<FlatField<'i>>),
}

/// Reads the content of `<metadata>`: exactly one element, returned as read (a tree or flat
/// fields) and as raw XML.
fn read_metadata<'i>(
    reader: &mut XmlReader<'i>,
    text: &'i str,
    declarations: &[(String, String)],
) -> Result<Result<(Metadata<'i>, String), String>, ParseError> {
    let mut found: Option<(Metadata<'i>, String)> = None;
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
        let flat = if found.is_none()
            && !is_empty
            && map::is_dublin_core_root(&namespace, start.local_name().into_inner())
        {
            // Read again as a tree, from here, when it is not flat.
            let before = reader.clone();
            match read_flat_children(reader, text, &start, MAX_FIELD_BYTES)? {
                Some(fields) => Some(fields),
                None => {
                    *reader = before;
                    None
                }
            }
        } else {
            None
        };
        let element = match flat {
            Some(fields) => Metadata::Flat(fields),
            None => match tree::read_element(reader, text, &start, namespace, is_empty) {
                Ok(element) => {
                    if let Some(reason) = oversized_field(&element) {
                        skip_to_metadata_end(reader)?;
                        return Ok(Err(reason));
                    }
                    Metadata::Tree(element)
                }
                // The reader is past the element: the record is refused, its page goes on.
                Err(TreeError::TooDeep) => {
                    skip_to_metadata_end(reader)?;
                    return Ok(Err(TreeError::TooDeep.to_string()));
                }
                Err(error) => return Err(error.into()),
            },
        };
        let end = reader.buffer_position() as usize;
        let slice = text.get(position as usize..end).unwrap_or_default();
        if found.is_none() {
            let raw = with_inherited_namespaces(slice, declarations, &start);
            found = Some((element, raw));
        }
    }
}

/// Reads on to the end of the `<metadata>` element being read (its depth counted, whatever it
/// is), so the record's other parts and the page's other records can be read.
fn skip_to_metadata_end(reader: &mut XmlReader<'_>) -> Result<(), ParseError> {
    let mut depth = 0usize;
    loop {
        let (_, event, position) = next_event(reader)?;
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(()),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(syntax(position, "document ends inside metadata").into()),
            _ => {}
        }
    }
}

/// Why a metadata tree is refused for a text or attribute over [`MAX_FIELD_BYTES`], if it is.
fn oversized_field(root: &Element<'_>) -> Option<String> {
    std::iter::once(root)
        .chain(root.descendants())
        .find_map(|element| {
            let longest = element
                .attributes
                .iter()
                .map(|a| a.value.len())
                .chain([element.text.len()])
                .max()
                .unwrap_or(0);
            (longest > MAX_FIELD_BYTES).then(|| {
                format!(
                    "<{}> holds {longest} bytes of text, more than the {MAX_FIELD_BYTES} a field may have",
                    element.name
                )
            })
        })
}

/// Adds to the root start tag of `slice` the namespace declarations it inherits from the
/// envelope and uses, so the stored XML parses alone.
fn with_inherited_namespaces(
    slice: &str,
    inherited: &[(String, String)],
    root: &BytesStart<'_>,
) -> String {
    let root_qname = root.name().into_inner();
    let prefixed_root = root_qname.contains(':');
    let mut extra = String::new();
    for (prefix, uri) in inherited.iter().rev() {
        // The default namespace only matters for an unprefixed root: not looked for among the
        // root's attributes otherwise (read for each record, they were 3% of the parsing
        // thread's instructions: BENCHMARKS.md, issue 17).
        if prefix.is_empty() && prefixed_root {
            continue;
        }
        if declares(root, prefix) || extra.contains(&format!("xmlns:{prefix}=")) {
            continue;
        }
        if prefix.is_empty() {
            if !extra.contains("xmlns=") {
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

/// Whether the start tag `root` declares `prefix` itself (`xmlns` for the empty prefix): read
/// from its attributes where they are, rather than copied out for every record.
fn declares(root: &BytesStart<'_>, prefix: &str) -> bool {
    root.attributes()
        .with_checks(false)
        .flatten()
        .any(|attribute| {
            let key = attribute.key.into_inner();
            match key.strip_prefix("xmlns") {
                Some("") => prefix.is_empty(),
                Some(rest) => rest.strip_prefix(':') == Some(prefix),
                None => false,
            }
        })
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}
