//! Normalisation of real records: the HAL, Université de Montréal (ETD-MS) and ABES (TEF)
//! fixtures, theses.fr index values, and every record of the sample dumps.

use std::path::{Path, PathBuf};

use super::*;
use crate::map::{Agent, Degree, LangText, map_metadata};
use crate::oai::{HarvestedRecord, PageItem, parse_page};
use crate::test_support::fixtures_dir;
use crate::xml::parse_document;

fn fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every live record of the sample dumps (gzipped pages included), with its source id.
pub(crate) fn sample_records() -> Vec<(String, HarvestedRecord)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("harvest-sources/samples/dumps");
    let mut out = Vec::new();
    for source in ["sample-hal-ess", "sample-dumas-ess", "sample-etd-etdms"] {
        let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join(source))
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .map(|entry| entry.unwrap().path())
            .collect();
        pages.sort();
        for page in pages {
            let bytes = std::fs::read(&page).unwrap();
            let decoded = crate::xml::decode(&bytes, None).unwrap();
            let parsed = parse_page(&decoded.text).unwrap();
            for item in parsed.items {
                if let PageItem::Record(record) = item
                    && !record.deleted
                {
                    out.push((source.to_owned(), record));
                }
            }
        }
    }
    out
}

pub(crate) fn normalize_harvested(source: &str, harvested: &HarvestedRecord) -> Normalized {
    let record = harvested.record.as_ref().expect("live records are mapped");
    normalize(
        record,
        &Context {
            source,
            identifier: &harvested.identifier,
            format: harvested.format,
            sets: &harvested.sets,
            institution: Some("CCSD (synthetic sample)"),
            region: None,
        },
    )
}

fn person(family: &str, given: &str) -> (String, Option<String>) {
    (family.to_owned(), Some(given.to_owned()))
}

fn names(persons: &[Person]) -> Vec<(String, Option<String>)> {
    persons
        .iter()
        .map(|p| (p.family.clone(), p.given.clone()))
        .collect()
}

fn id(kind: IdKind, value: &str) -> Identifier {
    Identifier {
        kind,
        value: value.to_owned(),
    }
}

#[test]
fn hal_thesis_fixture_normalises_completely() {
    let page = parse_page(&fixture(
        "oai/hal-listrecords-oai_dc-tel-thesis-excerpt-from-js.xml",
    ))
    .unwrap();
    let Some(PageItem::Record(harvested)) = page.items.first() else {
        panic!("one record expected");
    };
    let normalized = normalize_harvested("hal-theses", harvested);

    assert_eq!(normalized.titles.len(), 2);
    let main = &normalized.titles[0];
    assert_eq!(main.lang.as_deref(), Some("en"));
    assert!(main.text.starts_with("Analysis of isoforms"));
    assert_eq!(
        main.subtitle.as_deref(),
        Some("towards a therapeutic targeting using antibodies in cancerology")
    );
    assert_eq!(normalized.titles[1].lang.as_deref(), Some("fr"));

    assert_eq!(
        names(&normalized.authors),
        vec![person("Lanotte", "Romain")]
    );
    assert_eq!(normalized.authors[0].display, "Romain Lanotte");
    // HAL lists the advisor as a plain contributor beside the lab and the university.
    assert_eq!(
        names(&normalized.advisors),
        vec![person("Chardès", "Thierry")]
    );
    assert_eq!(normalized.degree_type, DegreeType::DoctoralThesis);
    assert_eq!(
        normalized.institution.as_deref(),
        Some("Université Montpellier")
    );
    assert_eq!(normalized.discipline.as_deref(), Some("Cancer"));
    assert_eq!(
        normalized.date.map(|d| d.to_string()).as_deref(),
        Some("2018-11-29")
    );
    assert_eq!(normalized.language.as_deref(), Some("fr"));
    assert_eq!(
        normalized.identifiers,
        vec![
            id(IdKind::Nnt, "2018MONTT090"),
            id(IdKind::Hal, "tel-02955615")
        ]
    );
    assert_eq!(normalized.access, Access::Open);
    assert_eq!(normalized.licence, None);
    assert_eq!(normalized.abstracts.len(), 2);
    assert!(
        normalized.abstracts[0]
            .text
            .starts_with("HER family is composed")
    );
    assert!(normalized.abstracts[1].text.starts_with("Les récepteurs"));
    // The HAL domain code is a discipline hint, not a keyword; keywords keep their language.
    assert!(normalized.keywords.iter().all(|k| !k.text.starts_with('[')));
    assert_eq!(normalized.keywords.len(), 8);
    assert!(normalized.keywords.contains(&Text {
        text: "Anticorps".into(),
        lang: Some("fr".into())
    }));
    assert_eq!(normalized.problems, vec![]);
}

#[test]
fn etdms_fixture_keeps_roles_orcid_handle_and_degree() {
    let text = fixture("oai/umontreal-record-etdms-excerpt.xml");
    let root = parse_document(&text).unwrap();
    let metadata = root
        .child("http://www.openarchives.org/OAI/2.0/", "metadata")
        .unwrap();
    let (format, record) = map_metadata(&metadata.children[0]).unwrap();
    let normalized = normalize(
        &record,
        &Context {
            source: "papyrus-umontreal",
            identifier: "oai:umontreal.scholaris.ca:1866/30688",
            format: Some(format),
            ..Context::default()
        },
    );
    assert_eq!(names(&normalized.authors), vec![person("Azizi", "Mostafa")]);
    assert_eq!(
        normalized.authors[0].id.as_deref(),
        Some("https://orcid.org/0000-0003-2823-504X")
    );
    assert_eq!(
        names(&normalized.advisors),
        vec![
            person("Aboulhamid", "El Mostapha"),
            person("Tabar", "Sofiene")
        ]
    );
    assert_eq!(normalized.degree_type, DegreeType::DoctoralThesis);
    assert_eq!(
        normalized.institution.as_deref(),
        Some("Université de Montréal")
    );
    assert_eq!(normalized.discipline.as_deref(), Some("Informatique"));
    assert_eq!(normalized.date, Some(PartialDate::year(2000)));
    assert_eq!(normalized.language.as_deref(), Some("fr"));
    assert_eq!(
        normalized.titles[0].lang.as_deref(),
        Some("fr"),
        "assumed from dc:language"
    );
    assert_eq!(
        normalized.identifiers,
        vec![
            id(IdKind::Handle, "1866/30688"),
            id(
                IdKind::Url,
                "https://umontreal.scholaris.ca/bitstreams/5f2249b6-3bd4-4cbe-9ea3-c05c87f9c1b8/download"
            ),
        ]
    );
    assert_eq!(normalized.access, Access::Unknown);
    assert!(normalized.abstracts.is_empty());
    assert_eq!(normalized.keywords.len(), 9);
    assert_eq!(normalized.problems, vec![]);
}

#[test]
fn tef_fixture_author_advisor_jury_nnt_and_placeholder_abstract() {
    let text = fixture("other/tef-mets-abes-example-jussieu-2004PA066509.xml");
    let root = parse_document(&text).unwrap();
    let (format, record) = map_metadata(&root).unwrap();
    let normalized = normalize(
        &record,
        &Context {
            source: "theses-fr",
            identifier: "oai:theses.fr:2004PA066509",
            format: Some(format),
            ..Context::default()
        },
    );
    assert_eq!(
        names(&normalized.authors),
        vec![person("Aracil", "Bastien")]
    );
    assert_eq!(
        normalized.authors[0].id.as_deref(),
        Some("https://www.idref.fr/089024729")
    );
    // Jury members and reviewers are not advisors.
    assert_eq!(
        names(&normalized.advisors),
        vec![person("Petitjean", "Patrick")]
    );
    assert_eq!(normalized.degree_type, DegreeType::DoctoralThesis);
    assert_eq!(normalized.institution.as_deref(), Some("Paris 6"));
    assert_eq!(normalized.discipline.as_deref(), Some("Astrophysique"));
    assert_eq!(
        normalized.date.map(|d| d.to_string()).as_deref(),
        Some("2004-01-26")
    );
    assert_eq!(normalized.language.as_deref(), Some("fr"));
    assert!(
        normalized
            .identifiers
            .contains(&id(IdKind::Nnt, "2004PA066509"))
    );
    assert_eq!(normalized.identifiers[0].kind, IdKind::Nnt);
    // "..............english summary .............." is a placeholder, not an abstract.
    assert_eq!(normalized.abstracts.len(), 1);
    assert_eq!(normalized.abstracts[0].lang.as_deref(), Some("fr"));
    // An inverted RAMEAU-style heading is one keyword.
    let keywords: Vec<&str> = normalized
        .keywords
        .iter()
        .map(|k| k.text.as_str())
        .collect();
    assert!(keywords.contains(&"Quasar, spectre"), "{keywords:?}");
    assert!(keywords.contains(&"Raies, absorption"), "{keywords:?}");
    // The title's line break inside the element is collapsed.
    assert_eq!(
        normalized.titles[0].text,
        "Méthodes d'analyse et Propriétés Physiques des Sytèmes Absorbants dans le Spectre des Quasars"
    );
}

/// The two records of theses.fr's index sample, written as the TEF crosswalk would give them.
#[test]
fn thesesfr_index_values_normalise() {
    let text = fixture("other/thesesfr-es-sample-2-theses.ndjson");
    let mut normalized_all = Vec::new();
    for line in text.lines() {
        let document: serde_json::Value = serde_json::from_str(line).unwrap();
        let source = &document["_source"];
        let string = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        let agent = |value: &serde_json::Value, role: Option<&str>| Agent {
            name: format!("{}, {}", string(&value["nom"]), string(&value["prenom"])),
            role: role.map(str::to_owned),
            id: value["ppn"].as_str().map(str::to_owned),
        };
        let mut record = Record {
            titles: ["fr", "en"]
                .iter()
                .filter_map(|lang| {
                    source["titres"][lang].as_str().map(|t| LangText {
                        value: t.to_owned(),
                        lang: Some((*lang).to_owned()),
                    })
                })
                .collect(),
            creators: source["auteurs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| agent(a, None))
                .collect(),
            contributors: source["directeurs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| agent(a, Some("advisor")))
                .chain(
                    source["membresJury"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| agent(a, Some("jury member"))),
                )
                .collect(),
            subjects: source["sujetsRameauLibelle"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| LangText {
                    value: string(s),
                    lang: Some("fr".into()),
                })
                .collect(),
            dates: vec![string(&source["dateSoutenance"])],
            identifiers: vec![string(&source["nnt"])],
            languages: source["langues"]
                .as_array()
                .unwrap()
                .iter()
                .map(string)
                .collect(),
            degree: Some(Degree {
                level: Some("Doctorat".into()),
                discipline: source["discipline"].as_str().map(str::to_owned),
                grantor: source["etabSoutenance"]["nom"].as_str().map(str::to_owned),
                ..Degree::default()
            }),
            ..Record::default()
        };
        if let Some(end) = source["dateFinEmbargo"].as_str() {
            record
                .dates
                .push(format!("info:eu-repo/date/embargoEnd/{end}"));
        }
        normalized_all.push(normalize(&record, &Context::default()));
    }
    let [star, sudoc] = normalized_all.as_slice() else {
        panic!("two theses expected");
    };
    assert_eq!(star.identifiers, vec![id(IdKind::Nnt, "2015TOU20116")]);
    assert_eq!(
        star.date.map(|d| d.to_string()).as_deref(),
        Some("2015-12-09")
    );
    assert_eq!(star.embargo_until.as_deref(), Some("2016-12-08"));
    assert_eq!(star.access, Access::Embargoed);
    assert_eq!(star.institution.as_deref(), Some("Toulouse 2"));
    assert_eq!(names(&star.advisors), vec![person("Barbaza", "Michel")]);
    assert_eq!(
        star.advisors[0].id.as_deref(),
        Some("https://www.idref.fr/055768342")
    );
    assert_eq!(
        star.titles[0].subtitle, None,
        "no subtitle separator in this title"
    );
    // "Lumley, Henry de": the particle returns to the family name.
    assert_eq!(names(&sudoc.advisors), vec![person("de Lumley", "Henry")]);
    assert_eq!(sudoc.date, PartialDate::parse("2003-01-01").ok());
    assert_eq!(sudoc.discipline.as_deref(), Some("Préhistoire"));
    let keywords: Vec<&str> = sudoc.keywords.iter().map(|k| k.text.as_str()).collect();
    assert!(keywords.contains(&"Typologie (archéologie)"));
    assert_eq!(sudoc.problems, vec![]);
}

#[test]
fn every_sample_record_normalises_without_problems() {
    let records = sample_records();
    assert_eq!(records.len(), 298 + 149 + 101);
    for (source, harvested) in &records {
        let normalized = normalize_harvested(source, harvested);
        let what = format!("{source} {}", harvested.identifier);
        assert_eq!(normalized.problems, vec![], "{what}");
        assert!(!normalized.titles.is_empty(), "{what}");
        assert_eq!(normalized.authors.len(), 1, "{what}");
        assert!(!normalized.advisors.is_empty(), "{what}");
        assert!(normalized.date.is_some(), "{what}");
        assert!(normalized.language.is_some(), "{what}");
        assert!(normalized.discipline.is_some(), "{what}");
        let institution = normalized.institution.as_deref().unwrap_or_default();
        assert!(
            !institution.is_empty() && !institution.contains("CCSD"),
            "{what}: {institution}"
        );
        for advisor in &normalized.advisors {
            assert!(!is_organisation(&advisor.display), "{what}: {advisor:?}");
        }
        match source.as_str() {
            "sample-hal-ess" => {
                assert_eq!(normalized.degree_type, DegreeType::DoctoralThesis, "{what}");
                assert!(
                    normalized.identifiers.iter().any(|i| i.kind == IdKind::Hal),
                    "{what}"
                );
                assert!(normalized.access != Access::Unknown, "{what}");
            }
            "sample-dumas-ess" => {
                assert_eq!(
                    normalized.degree_type,
                    DegreeType::MastersDissertation,
                    "{what}"
                );
                assert!(
                    normalized.identifiers.iter().any(|i| i.kind == IdKind::Hal),
                    "{what}"
                );
            }
            _ => {
                assert!(
                    matches!(
                        normalized.degree_type,
                        DegreeType::DoctoralThesis | DegreeType::MastersDissertation
                    ),
                    "{what}"
                );
                assert!(
                    normalized
                        .identifiers
                        .iter()
                        .any(|i| i.kind == IdKind::Handle),
                    "{what}"
                );
            }
        }
    }
}

/// The pairs `expected.json` says are (or are not) the same work: their keys agree where they
/// should, and the master's/thesis pair differs in degree type.
#[test]
fn sample_pairs_share_keys_where_expected() {
    let records = sample_records();
    let find = |identifier: &str| {
        let (source, harvested) = records
            .iter()
            .find(|(_, h)| h.identifier == identifier)
            .unwrap_or_else(|| panic!("{identifier} not in samples"));
        normalize_harvested(source, harvested)
    };
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("harvest-sources/samples/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for group in expected["same_work"].as_array().unwrap() {
        let members: Vec<Normalized> = group["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| find(r.as_str().unwrap()))
            .collect();
        let first = &members[0];
        for other in &members[1..] {
            assert_eq!(
                name_key(&first.authors[0]),
                name_key(&other.authors[0]),
                "{group}"
            );
            assert_eq!(
                first.date.map(|d| d.year),
                other.date.map(|d| d.year),
                "{group}"
            );
            let keys = |n: &Normalized| {
                n.titles
                    .iter()
                    .map(|t| title_key(&t.text))
                    .collect::<Vec<_>>()
            };
            assert!(
                keys(first).iter().any(|k| keys(other).contains(k)),
                "{group}: {:?} vs {:?}",
                keys(first),
                keys(other)
            );
        }
    }
    for pair in expected["not_same_work"].as_array().unwrap() {
        let members: Vec<Normalized> = pair["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| find(r.as_str().unwrap()))
            .collect();
        assert_eq!(
            name_key(&members[0].authors[0]),
            name_key(&members[1].authors[0])
        );
        assert_ne!(members[0].degree_type, members[1].degree_type, "{pair}");
    }
}

fn record_with_contributors(contributors: &[(&str, Option<&str>)], types: &[&str]) -> Record {
    Record {
        titles: vec![LangText {
            value: "Titre".into(),
            lang: None,
        }],
        creators: vec![Agent {
            name: "Dupont, Marie".into(),
            ..Agent::default()
        }],
        contributors: contributors
            .iter()
            .map(|(name, role)| Agent {
                name: (*name).into(),
                role: role.map(str::to_owned),
                id: None,
            })
            .collect(),
        types: types.iter().map(|t| t.to_string()).collect(),
        dates: vec!["2020".into()],
        ..Record::default()
    }
}

#[test]
fn unroled_person_contributors_are_advisors_only_in_theses() {
    let contributors = [
        (
            "Centre Max Weber (CMW) ; Université Lumière - Lyon 2 (UL2)",
            None,
        ),
        ("Université Lumière - Lyon II", None),
        ("Mélanie Ollivier", None),
        ("Hachi, Slimane", Some("jury president")),
        ("Roubet, Colette", Some("Rapporteur")),
        (
            "Guilaine, Jean",
            Some("codirecteur(trice) de recherche/coadvisor"),
        ),
    ];
    let thesis =
        record_with_contributors(&contributors, &["info:eu-repo/semantics/doctoralThesis"]);
    let normalized = normalize(&thesis, &Context::default());
    assert_eq!(
        names(&normalized.advisors),
        vec![person("Ollivier", "Mélanie"), person("Guilaine", "Jean")]
    );
    assert_eq!(
        normalized.institution.as_deref(),
        Some("Université Lumière - Lyon II")
    );

    let report = record_with_contributors(&contributors, &["Rapport"]);
    let normalized = normalize(&report, &Context::default());
    assert_eq!(normalized.degree_type, DegreeType::ReportStudy);
    assert_eq!(
        names(&normalized.advisors),
        vec![person("Guilaine", "Jean")]
    );
}

#[test]
fn organisation_creators_become_the_institution_and_a_problem() {
    let mut record = record_with_contributors(&[], &["Étude"]);
    record.creators = vec![Agent {
        name: "Observatoire national de l'ESS".into(),
        ..Agent::default()
    }];
    record.publishers = vec!["HAL CCSD".into()];
    let normalized = normalize(
        &record,
        &Context {
            institution: Some("CRESS Bretagne"),
            ..Context::default()
        },
    );
    assert!(normalized.authors.is_empty());
    assert_eq!(
        normalized.institution.as_deref(),
        Some("Observatoire national de l'ESS")
    );
    let messages: Vec<&str> = normalized
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert!(messages.contains(&"no author"));
    assert!(messages.contains(&"creator \"Observatoire national de l'ESS\" is an organisation"));
}

#[test]
fn institution_falls_back_to_the_source_configuration() {
    let mut record = record_with_contributors(&[], &[]);
    record.publishers = vec!["HAL CCSD".into()];
    let normalized = normalize(
        &record,
        &Context {
            institution: Some("CRESS Bretagne"),
            ..Context::default()
        },
    );
    assert_eq!(normalized.institution.as_deref(), Some("CRESS Bretagne"));
}

#[test]
fn problems_name_bad_dates_languages_and_isbns() {
    let mut record = record_with_contributors(&[], &[]);
    record.creators.clear();
    record.dates = vec!["bientôt".into()];
    record.languages = vec!["xx".into()];
    record.identifiers = vec!["ISBN 978-2-7071-5459-9".into()];
    let normalized = normalize(&record, &Context::default());
    let problems: Vec<(&str, &str)> = normalized
        .problems
        .iter()
        .map(|p| (p.field.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![
            ("authors", "no author"),
            ("date", "unparseable date \"bientôt\""),
            ("language", "unknown language \"xx\""),
            (
                "identifiers",
                "invalid ISBN \"978-2-7071-5459-9\" (check digit)"
            ),
        ]
    );
    record.dates.clear();
    let normalized = normalize(&record, &Context::default());
    assert!(
        normalized
            .problems
            .contains(&Problem::new("date", "no date"))
    );
}

#[test]
fn language_falls_back_on_majority_xml_lang() {
    let lang_text = |value: &str, lang: &str| LangText {
        value: value.into(),
        lang: Some(lang.into()),
    };
    let record = Record {
        titles: vec![
            lang_text("Les SCOP", "fr"),
            lang_text("Worker cooperatives", "en"),
        ],
        abstracts: vec![lang_text(
            "Cette thèse porte sur les sociétés coopératives et participatives en France.",
            "fr",
        )],
        ..Record::default()
    };
    let normalized = normalize(&record, &Context::default());
    assert_eq!(normalized.language.as_deref(), Some("fr"));
}

#[test]
fn keywords_split_packed_subjects_but_not_inverted_headings() {
    let subjects: Vec<LangText> = [
        "Économie sociale et solidaire ; Coopératives ; SCOP",
        "coopératives, mutuelles, associations",
        "Gouvernance, Démocratie",
        "Raies, absorption",
        "Économie sociale -- France -- Thèses et écrits académiques",
        "ÉCONOMIE SOCIALE ET SOLIDAIRE",
        "330",
        "[SHS.ECO]Humanities and Social Sciences/Economics and Finance",
    ]
    .iter()
    .map(|value| LangText {
        value: (*value).into(),
        lang: Some("fr".into()),
    })
    .collect();
    let mut hints = Vec::new();
    let keywords: Vec<String> = keywords(&subjects, &mut hints)
        .into_iter()
        .map(|k| k.text)
        .collect();
    assert_eq!(
        keywords,
        vec![
            "Économie sociale et solidaire",
            "Coopératives",
            "SCOP",
            "mutuelles",
            "associations",
            "Gouvernance",
            "Démocratie",
            "Raies, absorption",
            "Économie sociale",
            "France",
        ]
    );
    assert_eq!(hints, vec!["Economics and Finance"]);
}

#[test]
fn hal_citation_gives_discipline_and_grantor() {
    let citation = hal_citation(
        "Sciences économiques. Université Lumière - Lyon II, 2014. Français. &#x27E8;NNT : 2014LYO20031&#x27E9;",
    )
    .unwrap();
    assert_eq!(citation.discipline.as_deref(), Some("Sciences économiques"));
    assert_eq!(
        citation.institution.as_deref(),
        Some("Université Lumière - Lyon II")
    );
    let without_nnt = hal_citation("Economics. 2010. &#x27E8;dumas-09000239&#x27E9;").unwrap();
    assert_eq!(without_nnt.discipline.as_deref(), Some("Economics"));
    assert_eq!(without_nnt.institution, None);
    assert!(hal_citation("https://theses.hal.science/tel-09010589").is_none());
}

#[test]
fn titles_lose_cataloguing_punctuation_and_duplicates() {
    assert_eq!(
        clean_label("Les coopératives de santé."),
        "Les coopératives de santé"
    );
    assert_eq!(clean_label("Titre propre /"), "Titre propre");
    assert_eq!(
        clean_label("Doctorat en économie, Ph. D."),
        "Doctorat en économie, Ph. D."
    );
    assert_eq!(clean_label("Et après..."), "Et après...");
    let record = Record {
        titles: vec![
            LangText {
                value: "Les SCOP : une histoire".into(),
                lang: Some("fr".into()),
            },
            LangText {
                value: "Les  SCOP : une histoire.".into(),
                lang: None,
            },
        ],
        ..Record::default()
    };
    let normalized = normalize(&record, &Context::default());
    assert_eq!(normalized.titles.len(), 1);
    assert_eq!(
        normalized.titles[0].subtitle.as_deref(),
        Some("une histoire")
    );
}

#[test]
fn normalized_json_uses_the_documented_names() {
    let page = parse_page(&fixture(
        "oai/hal-listrecords-oai_dc-tel-thesis-excerpt-from-js.xml",
    ))
    .unwrap();
    let Some(PageItem::Record(harvested)) = page.items.first() else {
        panic!("one record expected");
    };
    let normalized = normalize_harvested("hal-theses", harvested);
    let json = serde_json::to_value(&normalized).unwrap();
    assert_eq!(json["degree_type"], "doctoral-thesis");
    assert_eq!(json["access"], "open");
    assert_eq!(json["identifiers"][0]["kind"], "nnt");
    assert_eq!(json["date"]["year"], 2018);
    let back: Normalized = serde_json::from_value(json).unwrap();
    assert_eq!(back, normalized);
}
