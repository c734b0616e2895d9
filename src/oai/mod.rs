//! OAI-PMH 2.0: its vocabulary ([`protocol`]: error codes, datestamps and granularity, set
//! specs), shared by the harvester and the provider, and the parsing of the responses essor
//! harvests: ListRecords/GetRecord pages (streamed; each record's metadata mapped through
//! [`crate::map`]), Identify, and `<error>`s. Pure: bytes in, values out.
//!
//! A page is parsed in one pass. Each record's metadata is read into a small tree (for the
//! crosswalk) and its exact bytes are kept (for provenance and re-mapping), with the namespace
//! declarations it inherited from the envelope added so the stored XML stands on its own.

mod envelope;
mod identify;
mod page;
pub mod protocol;
mod record;

pub use envelope::{ParseError, check_envelope};
pub use identify::{Identify, parse_identify};
pub use page::{Page, ResumptionToken, parse_page, scan_resumption_token};
pub use protocol::{Datestamp, ErrorCode, Granularity, OAI_NS, OaiError, SetSpec, with_ancestors};
pub use record::{HarvestedRecord, PageItem, RejectedRecord};

#[cfg(test)]
mod tests;
