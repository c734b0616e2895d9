//! Crosswalk tests on real records (ETD-MS from Université de Montréal, TEF from ABES).

use super::*;
use crate::xml::parse_document;

fn fixture(relative: &str) -> String {
    let path = crate::test_support::fixtures_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn etdms_thesis_maps_degree_roles_and_orcid() {
    let text = fixture("oai/umontreal-record-etdms-excerpt.xml");
    let record = parse_document(&text).unwrap();
    let oai = "http://www.openarchives.org/OAI/2.0/";
    let thesis = &record.child(oai, "metadata").unwrap().children[0];
    let (format, mapped) = map_metadata(thesis).unwrap();
    assert_eq!(format, "etdms");
    assert_eq!(
        mapped.titles[0].value,
        "Covérification des systèmes intégrés"
    );
    assert_eq!(mapped.creators[0].name, "Azizi, Mostafa");
    assert_eq!(
        mapped.creators[0].id.as_deref(),
        Some("https://orcid.org/0000-0003-2823-504X")
    );
    assert_eq!(mapped.contributors.len(), 2);
    assert!(
        mapped.contributors[0]
            .role
            .as_deref()
            .unwrap()
            .contains("advisor")
    );
    let degree = mapped.degree.unwrap();
    assert_eq!(degree.name.as_deref(), Some("Ph. D."));
    assert_eq!(degree.level.as_deref(), Some("Doctoral"));
    assert_eq!(degree.discipline.as_deref(), Some("Informatique"));
    assert_eq!(degree.grantor.as_deref(), Some("Université de Montréal"));
    assert_eq!(mapped.languages, vec!["fra"]);
    assert_eq!(mapped.subjects.len(), 9);
    // description@role="note" is an administrative note, not an abstract.
    assert!(mapped.abstracts.is_empty());
    assert!(
        mapped
            .identifiers
            .contains(&"http://hdl.handle.net/1866/30688".to_owned())
    );
}

#[test]
fn tef_record_maps_author_advisor_jury_nnt_and_degree() {
    let text = fixture("other/tef-mets-abes-example-jussieu-2004PA066509.xml");
    let root = parse_document(&text).unwrap();
    let (format, mapped) = map_metadata(&root).unwrap();
    assert_eq!(format, "tef");
    assert!(
        mapped.titles[0]
            .value
            .starts_with("Méthodes d'analyse et Propriétés Physiques")
    );
    assert_eq!(mapped.titles[0].lang.as_deref(), Some("fr"));
    assert_eq!(mapped.creators[0].name, "Aracil, Bastien");
    assert!(
        mapped
            .contributors
            .iter()
            .any(|c| c.name == "Petitjean, Patrick" && c.role.as_deref() == Some("advisor"))
    );
    assert!(
        mapped
            .contributors
            .iter()
            .any(|c| c.role.as_deref() == Some("reviewer"))
    );
    assert!(mapped.identifiers.contains(&"2004PA066509".to_owned()));
    assert!(mapped.dates.contains(&"2004-01-26".to_owned()));
    assert_eq!(mapped.abstracts.len(), 2);
    let degree = mapped.degree.unwrap();
    assert_eq!(degree.level.as_deref(), Some("Doctorat"));
    assert_eq!(degree.discipline.as_deref(), Some("Astrophysique"));
    assert_eq!(degree.grantor.as_deref(), Some("Paris 6"));
}

#[test]
fn oai_dc_repeated_values_are_kept_once_and_languages_kept() {
    let root = parse_document(
        r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <dc:title xml:lang="fr">  L'économie sociale
           et solidaire en Bretagne </dc:title>
        <dc:subject>coopératives</dc:subject><dc:subject>coopératives</dc:subject>
        <dc:creator>Le Goff, Anne</dc:creator><dc:date>2019-06-12</dc:date>
        <dc:description xml:lang="en">A study of SCICs.</dc:description>
        </oai_dc:dc>"#,
    )
    .unwrap();
    let (format, mapped) = map_metadata(&root).unwrap();
    assert_eq!(format, "oai_dc");
    assert_eq!(
        mapped.titles[0].value,
        "L'économie sociale et solidaire en Bretagne"
    );
    assert_eq!(mapped.subjects.len(), 1);
    assert_eq!(mapped.abstracts[0].lang.as_deref(), Some("en"));
    assert_eq!(mapped.dates, vec!["2019-06-12"]);
}

#[test]
fn unknown_formats_name_their_root() {
    let root =
        parse_document(r#"<resource xmlns="http://datacite.org/schema/kernel-4"/>"#).unwrap();
    let error = map_metadata(&root).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unsupported metadata format: root element {http://datacite.org/schema/kernel-4}resource"
    );
}

#[test]
fn record_json_omits_empty_fields() {
    let record = Record {
        titles: vec![LangText {
            value: "T".into(),
            lang: None,
        }],
        ..Record::default()
    };
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(json, r#"{"titles":[{"value":"T"}]}"#);
    let back: Record = serde_json::from_str(&json).unwrap();
    assert_eq!(back, record);
}

#[test]
fn hal_xml_tei_thesis_keeps_what_oai_dc_loses() {
    let text = fixture("non-oai/hal-oai-getrecord-xml-tei-thesis-tel-01238742.xml");
    let page = crate::oai::parse_page(&text).expect("the GetRecord parses");
    let Some(crate::oai::PageItem::Record(harvested)) = page.items.first() else {
        panic!("no record: {:?}", page.items)
    };
    assert_eq!(harvested.format, Some("xml-tei"));
    let mapped = harvested.record.clone().expect("mapped");
    assert_eq!(mapped.titles.len(), 2);
    assert_eq!(mapped.titles[0].lang.as_deref(), Some("en"));
    assert_eq!(
        mapped.titles[1].value,
        "Ordres non conventionnels et entrelacés du modèle de Hubbard à basse dimensionnalité"
    );
    // One author, with the HAL author id (spelt `halauthor` here).
    assert_eq!(mapped.creators.len(), 1, "{:?}", mapped.creators);
    assert_eq!(mapped.creators[0].name, "Leprévost, A.");
    assert_eq!(mapped.creators[0].id.as_deref(), Some("hal-author:1082727"));
    // The defence date, not the deposit's dates.
    assert_eq!(mapped.dates, ["2015-11-20"]);
    let roles = |role: &str| -> Vec<&str> {
        mapped
            .contributors
            .iter()
            .filter(|c| c.role.as_deref() == Some(role))
            .map(|c| c.name.as_str())
            .collect()
    };
    assert_eq!(roles("advisor"), ["Juillet O.", "Frésard R."]);
    assert_eq!(roles("jury member").len(), 4);
    assert_eq!(roles("doctoral school"), ["SIMEM"]);
    let degree = mapped.degree.as_ref().expect("degree");
    assert_eq!(degree.grantor.as_deref(), Some("Université de Caen"));
    assert_eq!(
        degree.discipline.as_deref(),
        Some("Physics [physics]/Condensed Matter [cond-mat]")
    );
    assert!(
        mapped
            .types
            .contains(&"info:eu-repo/semantics/doctoralThesis".to_owned())
    );
    assert!(mapped.identifiers.contains(&"tel-01238742".to_owned()));
    assert_eq!(mapped.languages, ["fr"]);
    assert_eq!(mapped.abstracts.len(), 2);
    // 16 author keywords (HAL cut one in two; kept as served) and the 2 HAL domains.
    assert_eq!(mapped.subjects.len(), 18);
    assert_eq!(
        mapped.rights,
        ["http://creativecommons.org/licenses/by/4.0/"]
    );
    // The stored raw XML maps again on its own, the same way.
    let (format, remapped) = map_raw(harvested.raw.as_deref().expect("raw")).expect("remaps");
    assert_eq!((format, remapped), ("xml-tei", mapped));
}

#[test]
fn hal_author_ids_are_read_in_all_three_spellings() {
    for spelling in ["halauthor", "halAuthorId", "halauthorid"] {
        let text = format!(
            r#"<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listBibl><biblFull><titleStmt><title>T</title><author role="aut"><persName><forename>Marie</forename><surname>Dupont</surname></persName><idno type="{spelling}">42</idno></author></titleStmt></biblFull></listBibl></body></text></TEI>"#
        );
        let (format, mapped) = map_raw(&text).expect("maps");
        assert_eq!(format, "xml-tei");
        assert_eq!(mapped.creators[0].name, "Dupont, Marie");
        assert_eq!(
            mapped.creators[0].id.as_deref(),
            Some("hal-author:42"),
            "{spelling}"
        );
    }
}
