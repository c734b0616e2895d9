//! Identify responses: what a repository says about itself, the parts a harvester needs.

use crate::xml::reader::XmlReader;
use quick_xml::events::Event;

use super::envelope::{ParseError, new_reader, open_envelope, read_error, read_text, skip};
use super::protocol::{OAI_NS, OaiError};
use crate::xml::tree::{next_event, syntax};

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

fn read_identify_fields(
    reader: &mut XmlReader<'_>,
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
