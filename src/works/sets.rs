//! The sets a work belongs to, as OAI-PMH set specs. Membership is a property of the work (its
//! degree type, themes, regions and sources), so it is computed here, where works are written,
//! and indexed with them; the feed only reads the index.
//!
//! Sets are hierarchical with `:` (`type:doctoral-thesis` is in `type`). A work is listed in
//! its leaf sets; the index also files it under each parent (the syntax and the hierarchy are
//! OAI-PMH's, in [`crate::oai::protocol`]) so that a harvest of `theme` gets every work that
//! has a theme.

use super::model::{Member, Work};
use crate::classify::ThemeMatch;
use crate::normalize::DegreeType;
use crate::oai::SetSpec;

/// The top-level sets, each the parent of one kind of leaf.
pub const SET_KINDS: [&str; 4] = ["type", "theme", "region", "source"];

/// The leaf set specs of a live work, sorted; `None` for a deleted or merged-away work, which
/// keeps the sets it had when it was last live (harvesters of a set must see its deletions).
/// A theme, region or source id that is not a valid set spec part is left out.
pub fn set_specs(work: &Work) -> Option<Vec<String>> {
    let fields = work.fields.as_ref().filter(|_| work.is_live())?;
    Some(live_set_specs(
        fields.degree_type.value,
        &fields.themes,
        &fields.regions,
        &work.members,
    ))
}

/// The leaf set specs of a live work of this degree type, themes, regions and members, sorted
/// ([`set_specs`]).
pub(super) fn live_set_specs(
    degree_type: DegreeType,
    themes: &[ThemeMatch],
    regions: &[String],
    members: &[Member],
) -> Vec<String> {
    let mut specs = vec![format!("type:{}", degree_type.slug())];
    specs.extend(themes.iter().map(|t| format!("theme:{}", t.theme)));
    specs.extend(regions.iter().map(|r| format!("region:{r}")));
    specs.extend(members.iter().map(|m| format!("source:{}", m.source)));
    specs.retain(|spec| SetSpec::is_valid(spec));
    specs.sort();
    specs.dedup();
    specs
}
