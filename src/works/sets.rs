//! The sets a work belongs to, as OAI-PMH set specs. Membership is a property of the work (its
//! degree type, themes, regions and sources), so it is computed here, where works are written,
//! and indexed with them; the feed only reads the index.
//!
//! Sets are hierarchical with `:` (`type:doctoral-thesis` is in `type`). A work is listed in
//! its leaf sets; the index also files it under each parent so that a harvest of `theme`
//! gets every work that has a theme.

use super::model::Work;
use crate::normalize::DegreeType;

/// The top-level sets, each the parent of one kind of leaf.
pub const SET_KINDS: [&str; 4] = ["type", "theme", "region", "source"];

/// The leaf set specs of a live work, sorted; `None` for a deleted or merged-away work, which
/// keeps the sets it had when it was last live (harvesters of a set must see its deletions).
pub fn set_specs(work: &Work) -> Option<Vec<String>> {
    let fields = work.fields.as_ref().filter(|_| work.is_live())?;
    let mut specs = vec![format!("type:{}", degree_slug(fields.degree_type.value))];
    specs.extend(fields.themes.iter().map(|t| format!("theme:{}", t.theme)));
    specs.extend(fields.regions.iter().map(|r| format!("region:{r}")));
    specs.extend(work.members.iter().map(|m| format!("source:{}", m.source)));
    specs.retain(|spec| is_set_spec(spec));
    specs.sort();
    specs.dedup();
    Some(specs)
}

/// The set specs a leaf is filed under: itself and each ancestor.
pub fn with_ancestors(leaf: &str) -> impl Iterator<Item = &str> {
    leaf.match_indices(':')
        .map(|(at, _)| &leaf[..at])
        .chain(std::iter::once(leaf))
}

/// The degree type as it appears in set specs and APIs (`doctoral-thesis`).
pub fn degree_slug(degree: DegreeType) -> &'static str {
    match degree {
        DegreeType::DoctoralThesis => "doctoral-thesis",
        DegreeType::MastersDissertation => "masters-dissertation",
        DegreeType::Hdr => "hdr",
        DegreeType::ReportStudy => "report-study",
        DegreeType::Other => "other",
    }
}

/// OAI-PMH's setSpec syntax: `:`-separated parts of unreserved URI characters.
pub fn is_set_spec(spec: &str) -> bool {
    !spec.is_empty()
        && spec.split(':').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(
                            b,
                            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                        )
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_come_first() {
        let all: Vec<&str> = with_ancestors("theme:cooperatives").collect();
        assert_eq!(all, ["theme", "theme:cooperatives"]);
        assert_eq!(with_ancestors("type").collect::<Vec<_>>(), ["type"]);
    }

    #[test]
    fn set_spec_syntax() {
        assert!(is_set_spec("region:FR-BRE"));
        assert!(is_set_spec("source:hal_ess"));
        assert!(!is_set_spec("region:"));
        assert!(!is_set_spec("a b"));
        assert!(!is_set_spec("type::x"));
    }

    #[test]
    fn degree_slugs_match_the_json_names() {
        for degree in [
            DegreeType::DoctoralThesis,
            DegreeType::MastersDissertation,
            DegreeType::Hdr,
            DegreeType::ReportStudy,
            DegreeType::Other,
        ] {
            let json = serde_json::to_value(degree).unwrap_or_default();
            assert_eq!(json.as_str(), Some(degree_slug(degree)));
        }
    }
}
