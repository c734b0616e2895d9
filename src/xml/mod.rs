//! XML plumbing shared by the harvester and the crosswalks: byte-level repair and decoding
//! ([`decode`]), a small namespace-resolved element tree ([`tree`]), the tree-less reading
//! of a flat metadata element ([`flat`]), and the reader they share ([`reader`]).

pub mod decode;
pub mod flat;
pub mod reader;
pub mod tree;

pub use decode::{DecodeError, Decoded, MAX_DOCUMENT_BYTES, Repair, decode};
pub use tree::{Attribute, Element, TreeError, parse_document};
