//! Crosswalk for `oai_dc` (unqualified Dublin Core, the format every OAI-PMH repository serves).

use super::{Record, map_dublin_core_children};
use crate::xml::Element;

pub const NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";

pub fn map(root: &Element) -> Record {
    let mut record = Record::default();
    map_dublin_core_children(root, &mut record);
    record
}
