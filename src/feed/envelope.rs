//! The OAI-PMH envelope every answer shares, and Identify, which describes the repository.

use std::fmt::Write;

use quick_xml::escape::escape;

use super::{Feed, datestamp, unix_now};
use crate::oai::Granularity;
use crate::store::StoreError;

impl Feed {
    pub(super) fn identify(&self, base_url: &str, out: &mut String) -> Result<(), StoreError> {
        let earliest = match self.store.feed_earliest()? {
            Some(stamp) => stamp,
            None => unix_now(),
        };
        let repository = &self.config.repository_identifier;
        let _ = write!(
            out,
            "<Identify><repositoryName>{}</repositoryName><baseURL>{}</baseURL>\
             <protocolVersion>2.0</protocolVersion>",
            escape(&self.config.repository_name),
            escape(base_url)
        );
        for email in &self.config.admin_emails {
            let _ = write!(out, "<adminEmail>{}</adminEmail>", escape(email));
        }
        let _ = write!(
            out,
            "<earliestDatestamp>{}</earliestDatestamp><deletedRecord>persistent</deletedRecord>\
             <granularity>{}</granularity>\
             <compression>gzip</compression><compression>deflate</compression>\
             <description><oai-identifier xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier \
             http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\">\
             <scheme>oai</scheme><repositoryIdentifier>{}</repositoryIdentifier>\
             <delimiter>:</delimiter><sampleIdentifier>oai:{}:w00000001</sampleIdentifier>\
             </oai-identifier></description></Identify>",
            datestamp(earliest),
            Granularity::Second.as_str(),
            escape(repository),
            escape(repository),
        );
        Ok(())
    }
}

/// The start of every OAI-PMH document, up to the verb's (or the error's) content.
pub(super) fn envelope_head(out: &mut String, args: &[(String, String)], base_url: &str, now: u64) {
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ \
         http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\
         <responseDate>{}</responseDate><request",
        datestamp(now)
    );
    for (key, value) in args {
        let _ = write!(out, " {key}=\"{}\"", escape(value));
    }
    let _ = write!(out, ">{}</request>", escape(base_url));
}

pub(super) const ENVELOPE_TAIL: &str = "</OAI-PMH>\n";
