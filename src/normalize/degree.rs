//! The kind of work a record describes (doctoral thesis, master's dissertation, HDR,
//! report/study, other), from every place repositories say it: ETD-MS/TEF degree level and
//! name, `info:eu-repo/semantics/*` types, `dc:type` text in French or English, HAL sets. The
//! type itself, with its slugs and labels, is in [`crate::vocab`].

use super::text::fold;
use crate::map::Record;
pub use crate::vocab::DegreeType;

/// The degree type of a record: the type its source declares, if any. Otherwise sources are read from the most to the least specific, and the
/// first that decides wins: an HDR mention anywhere; the degree level, then the degree name;
/// `info:eu-repo` types; `dc:type` text; HAL sets; and last the format (TEF only carries
/// doctoral theses). Generic labels ("Thèse ou mémoire numérique", "Electronic Thesis or
/// Dissertation") decide nothing.
pub fn degree_type(record: &Record, sets: &[String], format: Option<&str>) -> DegreeType {
    if let Some(declared) = record.record_type {
        return declared.degree_type();
    }
    let degree = record.degree.as_ref();
    let level = degree.and_then(|d| d.level.as_deref());
    let name = degree.and_then(|d| d.name.as_deref());

    let mentions_hdr = record
        .types
        .iter()
        .map(String::as_str)
        .chain(level)
        .chain(name)
        .any(|text| from_text(&fold(text)) == Some(DegreeType::Hdr))
        || sets.iter().any(|s| s.eq_ignore_ascii_case("type:HDR"));
    if mentions_hdr {
        return DegreeType::Hdr;
    }
    if let Some(found) = level.and_then(|l| from_text(&fold(l))) {
        return found;
    }
    if let Some(found) = name.and_then(from_degree_name) {
        return found;
    }
    if let Some(found) = record.types.iter().find_map(|t| from_eu_repo(t)) {
        return found;
    }
    if let Some(found) = record.types.iter().find_map(|t| from_text(&fold(t))) {
        return found;
    }
    if let Some(found) = sets.iter().find_map(|s| from_set(s)) {
        return found;
    }
    if format == Some("tef") {
        return DegreeType::DoctoralThesis;
    }
    DegreeType::Other
}

/// The certification level a record declares on the European scale (`EQF 6`, as
/// `map::row` writes RNCP's and Idéo's levels), 1 to 8; other level texts ("doctoral") are
/// degree types, not levels.
pub fn certification_level(record: &Record) -> Option<u8> {
    let level = record.degree.as_ref()?.level.as_deref()?;
    let number: u8 = level.trim().strip_prefix("EQF")?.trim().parse().ok()?;
    (1..=8).contains(&number).then_some(number)
}

/// `info:eu-repo/semantics/<type>` (OpenAIRE): decisive, "article" or "book" included.
fn from_eu_repo(text: &str) -> Option<DegreeType> {
    let lower = text.trim().to_ascii_lowercase();
    let kind = lower.strip_prefix("info:eu-repo/semantics/")?;
    Some(match kind {
        "doctoralthesis" => DegreeType::DoctoralThesis,
        "masterthesis" => DegreeType::MastersDissertation,
        "report" | "researchreport" | "technicalreport" | "workingpaper" | "reportpart"
        | "policyreport" | "projectdeliverable" => DegreeType::ReportStudy,
        // "studentThesis" and "thesis" say nothing about the level.
        "studentthesis" | "thesis" => return None,
        _ => DegreeType::Other,
    })
}

/// HAL's document-type sets; DUMAS holds master's dissertations.
fn from_set(set: &str) -> Option<DegreeType> {
    match set.to_ascii_uppercase().as_str() {
        "TYPE:THESE" => Some(DegreeType::DoctoralThesis),
        "TYPE:MEM" | "COLLECTION:DUMAS" => Some(DegreeType::MastersDissertation),
        "TYPE:HDR" => Some(DegreeType::Hdr),
        "TYPE:REPORT" | "TYPE:OTHERREPORT" => Some(DegreeType::ReportStudy),
        _ => None,
    }
}

/// Abbreviated degree names ("Ph. D.", "M. Sc.", "M.A.", "M. Serv. soc.").
fn from_degree_name(name: &str) -> Option<DegreeType> {
    let folded = fold(name);
    let compact: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    match compact.as_str() {
        "phd" | "dphil" | "edd" | "dba" | "dsc" | "drphil" | "doctorat" | "doctorate" => {
            return Some(DegreeType::DoctoralThesis);
        }
        "ma" | "msc" | "mba" | "mphil" | "ms" | "llm" | "med" | "mfa" | "mpa" | "meng" | "mres"
        | "msw" | "march" | "maitrise" | "master" | "masters" => {
            return Some(DegreeType::MastersDissertation);
        }
        _ => {}
    }
    if let Some(found) = from_text(&folded) {
        return Some(found);
    }
    // "M. Serv. soc.", "M. Ed.": master's degrees abbreviate with an "M." first.
    let trimmed = folded.trim_start();
    if trimmed.starts_with("m.") {
        return Some(DegreeType::MastersDissertation);
    }
    if trimmed.starts_with("ph.") || trimmed.starts_with("d.") {
        return Some(DegreeType::DoctoralThesis);
    }
    None
}

/// A type or level written in words, French or English, already folded.
fn from_text(folded: &str) -> Option<DegreeType> {
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if has(&["habilitation", "hdr"]) {
        return Some(DegreeType::Hdr);
    }
    let doctoral = has(&[
        "doctorat",
        "doctoral",
        "doctorate",
        "phd",
        "docteur",
        "doctorale",
    ]);
    let thesis = has(&["these", "theses", "thesis", "dissertation", "dissertations"]);
    let masters = has(&[
        "memoire", "memoires", "master", "masters", "maitrise", "msc", "mba", "dea", "dess",
        "magister", "mastere",
    ]);
    let report = has(&[
        "rapport", "rapports", "report", "reports", "etude", "etudes", "study",
    ]) || folded.contains("working paper")
        || folded.contains("document de travail")
        || folded.contains("cahier de recherche");
    let bachelor = has(&["bachelor", "licence", "baccalaureat", "undergraduate"]);
    // "Thèse ou mémoire numérique", "Electronic Thesis or Dissertation": one label for all.
    let alternative = has(&["ou", "or"]);
    if doctoral && !masters {
        return Some(DegreeType::DoctoralThesis);
    }
    if masters && !doctoral && !(thesis && alternative) {
        return Some(DegreeType::MastersDissertation);
    }
    if bachelor && !doctoral && !masters {
        return Some(DegreeType::Other);
    }
    if thesis && !masters && !alternative {
        return Some(DegreeType::DoctoralThesis);
    }
    if report && !thesis && !masters && !doctoral {
        return Some(DegreeType::ReportStudy);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Degree;

    fn with_types(types: &[&str]) -> Record {
        Record {
            types: types.iter().map(|t| t.to_string()).collect(),
            ..Record::default()
        }
    }

    fn with_degree(level: Option<&str>, name: Option<&str>) -> Record {
        Record {
            degree: Some(Degree {
                level: level.map(str::to_owned),
                name: name.map(str::to_owned),
                ..Degree::default()
            }),
            types: vec![
                "Thèse ou mémoire numérique".into(),
                "Electronic Thesis or Dissertation".into(),
            ],
            ..Record::default()
        }
    }

    #[test]
    fn eu_repo_and_dc_type_text() {
        let cases = [
            (
                "info:eu-repo/semantics/doctoralThesis",
                DegreeType::DoctoralThesis,
            ),
            (
                "info:eu-repo/semantics/masterThesis",
                DegreeType::MastersDissertation,
            ),
            ("info:eu-repo/semantics/report", DegreeType::ReportStudy),
            ("info:eu-repo/semantics/article", DegreeType::Other),
            ("Thèse", DegreeType::DoctoralThesis),
            ("Theses", DegreeType::DoctoralThesis),
            ("Thèse de doctorat", DegreeType::DoctoralThesis),
            ("Doctoral thesis", DegreeType::DoctoralThesis),
            ("Mémoire de master", DegreeType::MastersDissertation),
            ("Master thesis", DegreeType::MastersDissertation),
            ("Mémoire de fin d'études", DegreeType::MastersDissertation),
            ("Habilitation à diriger des recherches", DegreeType::Hdr),
            ("Rapport", DegreeType::ReportStudy),
            ("Étude", DegreeType::ReportStudy),
            ("Rapport de recherche", DegreeType::ReportStudy),
            ("Working paper", DegreeType::ReportStudy),
        ];
        for (text, expected) in cases {
            assert_eq!(
                degree_type(&with_types(&[text]), &[], None),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn generic_etd_labels_decide_nothing() {
        let record = with_types(&[
            "Thèse ou mémoire numérique",
            "Electronic Thesis or Dissertation",
        ]);
        assert_eq!(degree_type(&record, &[], None), DegreeType::Other);
        assert_eq!(
            degree_type(&record, &[], Some("tef")),
            DegreeType::DoctoralThesis
        );
    }

    #[test]
    fn etd_ms_degree_level_and_name() {
        for (level, name, expected) in [
            (Some("Doctoral"), Some("Ph. D."), DegreeType::DoctoralThesis),
            (Some("Doctorat"), None, DegreeType::DoctoralThesis),
            (
                Some("Master's"),
                Some("M. Sc."),
                DegreeType::MastersDissertation,
            ),
            (Some("Masters"), None, DegreeType::MastersDissertation),
            (Some("Maîtrise"), None, DegreeType::MastersDissertation),
            (None, Some("Ph. D."), DegreeType::DoctoralThesis),
            (None, Some("M.A."), DegreeType::MastersDissertation),
            (None, Some("M. Serv. soc."), DegreeType::MastersDissertation),
            (
                None,
                Some("Maîtrise ès sciences (M. Sc.)"),
                DegreeType::MastersDissertation,
            ),
        ] {
            assert_eq!(
                degree_type(&with_degree(level, name), &[], None),
                expected,
                "{level:?} {name:?}"
            );
        }
    }

    #[test]
    fn a_declared_record_type_decides() {
        // A master's programme in a training catalogue is a programme, not a dissertation.
        let mut record = with_types(&["info:eu-repo/semantics/masterThesis"]);
        record.record_type = Some(crate::vocab::RecordType::Training);
        assert_eq!(
            degree_type(&record, &[], None),
            DegreeType::TrainingProgramme
        );
        record.record_type = Some(crate::vocab::RecordType::Note);
        assert_eq!(degree_type(&record, &[], None), DegreeType::ReportStudy);
    }

    #[test]
    fn hal_sets_and_hdr_precedence() {
        let sets = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let empty = Record::default();
        assert_eq!(
            degree_type(&empty, &sets(&["type:THESE", "collection:STAR"]), None),
            DegreeType::DoctoralThesis
        );
        assert_eq!(
            degree_type(&empty, &sets(&["type:MEM"]), None),
            DegreeType::MastersDissertation
        );
        assert_eq!(
            degree_type(&empty, &sets(&["type:REPORT"]), None),
            DegreeType::ReportStudy
        );
        // HAL may type an HDR as a doctoral thesis; the HDR set or label wins.
        let hdr = with_types(&["info:eu-repo/semantics/doctoralThesis"]);
        assert_eq!(
            degree_type(&hdr, &sets(&["type:HDR"]), None),
            DegreeType::Hdr
        );
        // The degree level wins over a contradicting set.
        assert_eq!(
            degree_type(
                &with_degree(Some("Masters"), None),
                &sets(&["type:THESE"]),
                None
            ),
            DegreeType::MastersDissertation
        );
    }

    #[test]
    fn the_european_level_is_read_and_nothing_else() {
        let level = |text: &str| certification_level(&with_degree(Some(text), None));
        assert_eq!(level("EQF 6"), Some(6));
        assert_eq!(level(" EQF 8 "), Some(8));
        for other in ["EQF 9", "EQF 0", "EQF", "doctoral", "Master", "niveau 7"] {
            assert_eq!(level(other), None, "{other}");
        }
        assert_eq!(certification_level(&with_types(&["training"])), None);
    }
}
