//! The sets a work belongs to, as OAI-PMH set specs. Membership is a property of the work (its
//! degree type, themes, regions and sources), so it is computed here, where works are written,
//! and indexed with them; the feed only reads the index.
//!
//! Sets are hierarchical with `:` (`type:doctoral-thesis` is in `type`). A work is listed in
//! its leaf sets; the index also files it under each parent (the syntax and the hierarchy are
//! OAI-PMH's, in [`crate::oai::protocol`]) so that a harvest of `theme` gets every work that
//! has a theme.

use super::model::Work;
use crate::oai::SetSpec;

/// The top-level sets, each the parent of one kind of leaf.
pub const SET_KINDS: [&str; 4] = ["type", "theme", "region", "source"];

/// The leaf set specs of a live work, sorted; `None` for a deleted or merged-away work, which
/// keeps the sets it had when it was last live (harvesters of a set must see its deletions).
/// A theme, region or source id that is not a valid set spec part is left out.
pub fn set_specs(work: &Work) -> Option<Vec<String>> {
    let fields = work.fields.as_ref().filter(|_| work.is_live())?;
    let mut specs = vec![format!("type:{}", fields.degree_type.value.slug())];
    specs.extend(fields.themes.iter().map(|t| format!("theme:{}", t.theme)));
    specs.extend(fields.regions.iter().map(|r| format!("region:{r}")));
    specs.extend(work.members.iter().map(|m| format!("source:{}", m.source)));
    specs.retain(|spec| SetSpec::is_valid(spec));
    specs.sort();
    specs.dedup();
    Some(specs)
}
