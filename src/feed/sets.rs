//! ListSets: the four kinds of sets (degree type, ESS theme, region, source) and every leaf set
//! that has works, with names a person can read.

use std::fmt::Write;

use quick_xml::escape::escape;

use super::formats::ThemeLabels;
use crate::vocab::{DegreeType, Lang, region_name};
use crate::works::sets::SET_KINDS;

/// Writes `<ListSets>`: the kinds first (always, so the list is never empty), then the leaves
/// in spec order.
pub fn write_list_sets<'a>(
    out: &mut String,
    counts: &[(String, u64)],
    themes: &ThemeLabels,
    source_name: impl Fn(&str) -> Option<&'a str>,
) {
    out.push_str("<ListSets>");
    for kind in SET_KINDS {
        write_set(out, kind, kind_name(kind));
    }
    for (spec, _) in counts {
        let Some((kind, leaf)) = spec.split_once(':') else {
            continue;
        };
        let name = match kind {
            "type" => type_name(leaf).to_owned(),
            "theme" => themes
                .get(leaf)
                .map_or_else(|| leaf.to_owned(), |(fr, en)| format!("{en} / {fr}")),
            "region" => region_name(leaf).map_or_else(|| leaf.to_owned(), str::to_owned),
            "source" => source_name(leaf).map_or_else(|| leaf.to_owned(), str::to_owned),
            _ => continue,
        };
        write_set(out, spec, &name);
    }
    out.push_str("</ListSets>");
}

fn write_set(out: &mut String, spec: &str, name: &str) {
    let _ = write!(
        out,
        "<set><setSpec>{}</setSpec><setName>{}</setName></set>",
        escape(spec),
        escape(name)
    );
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "type" => "By degree type",
        "theme" => "By ESS theme",
        "region" => "By region",
        _ => "By source repository",
    }
}

fn type_name(slug: &str) -> &str {
    DegreeType::from_slug(slug).map_or(slug, |degree| degree.plural_label(Lang::En))
}
