//! The institution of a record (degree grantor, university, HAL citation, corporate author,
//! publisher, the source's own), and what HAL's `dc:source` citation tells (discipline and
//! grantor).

use super::{Context, clean_label, clean_text, fold};
use crate::map::Record;

/// What HAL's `dc:source` citation says: "Cancer. Université Montpellier, 2018. Français.
/// ⟨NNT : 2018MONTT090⟩" gives the discipline and the degree grantor.
pub(super) struct HalCitation {
    pub(super) discipline: Option<String>,
    pub(super) institution: Option<String>,
}

pub(super) fn hal_citation(source: &str) -> Option<HalCitation> {
    let cleaned = clean_text(source);
    if !cleaned.contains('⟨') {
        return None;
    }
    let segments: Vec<&str> = cleaned.split(". ").map(str::trim).collect();
    let is_year = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    let dated = segments.iter().position(|segment| {
        is_year(segment)
            || segment
                .rsplit_once(", ")
                .is_some_and(|(_, year)| is_year(year.trim_end_matches('.')))
    })?;
    let institution = segments[dated]
        .rsplit_once(", ")
        .map(|(name, _)| clean_label(name))
        .filter(|name| !name.is_empty());
    let discipline = (dated > 0)
        .then(|| segments[0])
        .filter(|s| !s.contains('⟨') && !s.chars().any(|c| c.is_ascii_digit()))
        .map(clean_label)
        .filter(|s| !s.is_empty());
    Some(HalCitation {
        discipline,
        institution,
    })
}

/// The institution of a record, from the most to the least specific: degree grantor; a
/// university among the contributors (HAL lists it after the labs); HAL's citation; a
/// corporate author; a publisher that is not the repository platform; the source's own.
pub(super) fn institution(
    record: &Record,
    citations: &[HalCitation],
    corporate_authors: &[String],
    context: &Context<'_>,
) -> Option<String> {
    let grantor = record
        .degree
        .as_ref()
        .and_then(|d| d.grantor.as_deref())
        .map(clean_label);
    let contributor = record
        .contributors
        .iter()
        .filter(|a| {
            a.role
                .as_deref()
                .is_none_or(|r| fold(r).contains("grantor"))
        })
        .map(|a| clean_label(&a.name))
        .find(|name| !name.contains(';') && is_degree_granting(name));
    let cited = citations.iter().find_map(|c| c.institution.clone());
    let corporate = corporate_authors.first().map(|name| clean_label(name));
    let publisher = record
        .publishers
        .iter()
        .map(|p| clean_label(p))
        .find(|p| !is_platform(p));
    let configured = context.institution.map(clean_label);
    [
        grantor,
        contributor,
        cited,
        corporate,
        publisher,
        configured,
    ]
    .into_iter()
    .flatten()
    .find(|name| !name.is_empty() && !is_platform(name))
}

/// Universities and schools, as opposed to labs and teams.
fn is_degree_granting(name: &str) -> bool {
    let folded = fold(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let granting = [
        "universite",
        "university",
        "universitat",
        "universidad",
        "universita",
        "universidade",
        "ecole",
        "school",
        "conservatoire",
        "cnam",
        "hec",
        "ehess",
        "insa",
        "polytechnique",
        "college",
        "institut",
        "institute",
        "sorbonne",
    ];
    let lab = [
        "laboratoire",
        "laboratory",
        "umr",
        "equipe",
        "team",
        "centre",
        "center",
        "unite",
    ];
    words.iter().any(|w| granting.contains(w)) && !words.iter().any(|w| lab.contains(w))
}

/// The repository platform named as publisher ("HAL CCSD"), not the work's institution.
fn is_platform(name: &str) -> bool {
    let folded = fold(name);
    folded.contains("ccsd")
        || folded.contains("zenodo")
        || folded.contains("archives-ouvertes")
        || folded.contains("archives ouvertes")
        || matches!(
            folded.trim(),
            "hal" | "hal shs" | "tel" | "theses.fr" | "dumas"
        )
}
