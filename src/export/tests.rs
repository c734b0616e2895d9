use super::*;
use crate::normalize::{Access, DegreeType, IdKind, Identifier, PartialDate, Person, Title};
use crate::works::{Member, Sourced, WorkFields};

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        sources: vec!["hal".into()],
    }
}

fn work() -> Work {
    let person = |family: &str, given: &str| Person {
        family: family.into(),
        given: Some(given.into()),
        display: format!("{given} {family}"),
        id: None,
    };
    let title = Title {
        text: "Les SCOP, \"entreprises\" de salariés, en Bretagne\n2e partie".into(),
        lang: Some("fr".into()),
        subtitle: None,
    };
    Work {
        id: "w00000042".into(),
        datestamp: "2026-11-22T10:00:00Z".into(),
        deleted: false,
        merged_into: None,
        aliases: vec![],
        members: vec![
            Member {
                source: "hal".into(),
                identifier: "oai:HAL:tel-01v1".into(),
            },
            Member {
                source: "theses-fr".into(),
                identifier: "oai:theses.fr:2019REN20001".into(),
            },
        ],
        merges: vec![],
        fields: Some(WorkFields {
            title: Some(sourced(title.clone())),
            titles: vec![sourced(title)],
            authors: Some(sourced(vec![
                person("Le Goff", "Anne"),
                person("Dupont", "Marie"),
            ])),
            advisors: Some(sourced(vec![person("Martin", "Paul")])),
            degree_type: sourced(DegreeType::DoctoralThesis),
            discipline: Some(sourced("Économie".into())),
            level: None,
            institution: Some(sourced("Université Rennes 2".into())),
            date: Some(sourced(PartialDate {
                year: 2019,
                month: Some(6),
                day: Some(12),
            })),
            language: Some(sourced("fr".into())),
            abstracts: vec![],
            keywords: vec![],
            identifiers: vec![
                sourced(Identifier {
                    kind: IdKind::Nnt,
                    value: "2019REN20001".into(),
                }),
                sourced(Identifier {
                    kind: IdKind::Doi,
                    value: "10.1234/x{y}".into(),
                }),
            ],
            access: sourced(Access::Open),
            licence: Some(sourced("=cmd|' /C calc'!A0".into())),
            regions: vec!["FR-BRE".into()],
            themes: vec![],
            relevance: 0.9,
        }),
    }
}

#[test]
fn csv_quotes_per_rfc_4180_and_defuses_formulas() {
    let mut out = ExportFormat::Csv.header();
    ExportFormat::Csv.write(&work(), &mut out);
    assert!(out.starts_with("\u{feff}id,title,authors,"));
    let row = out.split("\r\n").nth(1).unwrap_or_default();
    assert!(row.starts_with(
        "w00000042,\"Les SCOP, \"\"entreprises\"\" de salariés, en Bretagne\n2e partie\",Anne Le Goff | Marie Dupont,"
    ) || out.contains("\"Les SCOP, \"\"entreprises\"\" de salariés, en Bretagne\n2e partie\""));
    assert!(out.contains(",'=cmd|' /C calc'!A0,"), "{out}");
    assert!(out.contains("nnt:2019REN20001 | doi:10.1234/x{y}"));
    assert!(out.contains(",https://doi.org/10.1234/x{y}\r\n"));
    assert!(out.ends_with("\r\n"));
}

#[test]
fn ris_has_one_tag_per_line_and_ends_each_record() {
    let mut out = String::new();
    ExportFormat::Ris.write(&work(), &mut out);
    assert!(out.starts_with("TY  - THES\r\n"));
    assert!(out.contains("AU  - Le Goff, Anne\r\nAU  - Dupont, Marie\r\n"));
    assert!(out.contains("TI  - Les SCOP, \"entreprises\" de salariés, en Bretagne 2e partie\r\n"));
    assert!(out.contains("DO  - 10.1234/x{y}\r\n"));
    assert!(out.ends_with("ER  - \r\n\r\n"));
}

#[test]
fn bibtex_escapes_braces_and_names_the_school() {
    let mut out = String::new();
    ExportFormat::Bibtex.write(&work(), &mut out);
    assert!(out.starts_with("@phdthesis{essor:w00000042,\r\n"), "{out}");
    assert!(out.contains("  author = {Le Goff, Anne and Dupont, Marie},"));
    assert!(out.contains("  school = {Université Rennes 2},"));
    assert!(out.contains("  doi = {10.1234/x\\{y\\}},"));
    assert_eq!(
        out.matches('{').count() - out.matches("\\{").count(),
        out.matches('}').count() - out.matches("\\}").count()
    );
}

#[test]
fn jsonl_is_one_summary_per_line() {
    let mut out = String::new();
    ExportFormat::Jsonl.write(&work(), &mut out);
    assert_eq!(out.lines().count(), 1);
    let value: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_default();
    assert_eq!(value["id"], "w00000042");
    assert_eq!(value["type"], "doctoral-thesis");
    assert_eq!(value["year"], 2019);
    assert_eq!(value["members"][1]["source"], "theses-fr");
    assert!(value.get("cited_authors").is_none());
}
