//! Crosswalk for ETD-MS (NDLTD's Electronic Thesis and Dissertation Metadata Standard, 1.0 and
//! 1.1): Dublin Core-like elements in the ETD-MS namespace plus `degree`, contributor roles and
//! authority URIs on `resource`.

use super::{
    Agent, Degree, LangText, Record, clean, lang_text, map_dublin_core_children, push_unique,
};
use crate::xml::Element;

pub const NAMESPACE_1_0: &str = "http://www.ndltd.org/standards/metadata/etdms/1.0/";
pub const NAMESPACE_1_1: &str = "http://www.ndltd.org/standards/metadata/etdms/1.1/";

pub fn map(root: &Element) -> Record {
    let mut record = Record::default();
    let ns = root.namespace.as_ref();
    for child in root.children.iter().filter(|c| c.namespace == ns) {
        match child.name.as_ref() {
            "title" => push_lang(&mut record.titles, child),
            "alternativeTitle" => push_lang(&mut record.alternative_titles, child),
            "creator" => push_agent(&mut record.creators, child),
            "contributor" => push_agent(&mut record.contributors, child),
            "subject" => push_lang(&mut record.subjects, child),
            // ETD-MS uses description@role="note" for administrative notes, not abstracts.
            "description"
                if child
                    .attr("role")
                    .is_none_or(|r| r.eq_ignore_ascii_case("abstract")) =>
            {
                push_lang(&mut record.abstracts, child);
            }
            "publisher" => push_text(&mut record.publishers, child),
            "date" => push_text(&mut record.dates, child),
            "type" => push_text(&mut record.types, child),
            "format" => push_text(&mut record.formats, child),
            "identifier" => push_text(&mut record.identifiers, child),
            "language" => push_text(&mut record.languages, child),
            "rights" => push_text(&mut record.rights, child),
            "relation" => push_text(&mut record.relations, child),
            "source" => push_text(&mut record.sources, child),
            "coverage" => push_text(&mut record.coverage, child),
            "degree" => record.degree = Some(degree(child, ns)),
            _ => {}
        }
    }
    // Some providers mix dc:/dcterms: elements into the thesis element.
    map_dublin_core_children(root, &mut record);
    record
}

fn degree(element: &Element, ns: &str) -> Degree {
    // Several levels in different languages: prefer the English one, which is controlled
    // vocabulary in ETD-MS ("Doctoral", "Masters").
    let pick = |name: &str| -> Option<String> {
        let candidates: Vec<&Element> = element.children_named(ns, name).collect();
        candidates
            .iter()
            .find(|c| c.lang() == Some("en"))
            .or_else(|| candidates.first())
            .and_then(|c| clean(c))
    };
    Degree {
        name: pick("name"),
        level: pick("level"),
        discipline: pick("discipline"),
        grantor: pick("grantor"),
    }
}

fn push_lang(list: &mut Vec<LangText>, element: &Element) {
    if let Some(text) = lang_text(element) {
        push_unique(list, text);
    }
}

fn push_text(list: &mut Vec<String>, element: &Element) {
    if let Some(text) = clean(element) {
        push_unique(list, text);
    }
}

fn push_agent(list: &mut Vec<Agent>, element: &Element) {
    if let Some(name) = clean(element) {
        push_unique(
            list,
            Agent {
                name,
                role: element
                    .attr("role")
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
                id: element
                    .attr("resource")
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
            },
        );
    }
}
