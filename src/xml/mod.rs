//! XML plumbing shared by the harvester and the crosswalks: byte-level repair and decoding
//! ([`decode`]) and a small namespace-resolved element tree ([`tree`]).

pub mod decode;
pub mod tree;

pub use decode::{DecodeError, Decoded, MAX_DOCUMENT_BYTES, Repair, decode};
pub use tree::{Attribute, Element, TreeError, parse_document};
