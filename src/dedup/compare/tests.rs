//! The decision on pairs of records as the labelled sets show them: editions, parts, numbers,
//! studies, hard negatives.

use super::*;
use crate::normalize::{self, Normalized};

fn features(title: &str, author: &str, year: i32, degree: DegreeType) -> Features {
    let record = Normalized {
        titles: vec![normalize::Title {
            text: title.to_owned(),
            lang: None,
            subtitle: None,
        }],
        authors: vec![normalize::Person {
            family: author.to_owned(),
            given: None,
            display: author.to_owned(),
            id: None,
        }],
        advisors: Vec::new(),
        degree_type: degree,
        discipline: None,
        level: None,
        institution: None,
        date: Some(normalize::PartialDate {
            year,
            month: None,
            day: None,
        }),
        language: None,
        abstracts: Vec::new(),
        keywords: Vec::new(),
        identifiers: Vec::new(),
        access: Default::default(),
        embargo_until: None,
        licence: None,
        problems: Vec::new(),
    };
    Features::of(&record)
}

fn same(a: &Features, b: &Features) -> bool {
    matches!(compare(a, b), Verdict::Same { .. })
}

#[test]
fn a_study_is_dated_by_the_edition_in_its_title() {
    let hal = features(
        "Observatoire des associations du Sud 2000",
        "Monbelignac",
        1999,
        DegreeType::ReportStudy,
    );
    let site = features(
        "Observatoire des associations du Sud 2000",
        "Monbelignac",
        2000,
        DegreeType::ReportStudy,
    );
    assert_eq!((hal.edition, site.edition), (Some(2000), Some(2000)));
    assert!(same(&hal, &site), "{:?}", compare(&hal, &site));
    let next = features(
        "Observatoire des associations du Sud 2001",
        "Monbelignac",
        2000,
        DegreeType::ReportStudy,
    );
    assert_eq!(
        compare(&site, &next),
        Verdict::Different {
            reason: "different editions"
        }
    );
    // A period is what a work studies, not its edition.
    let period = features(
        "Les Scop à Lyon : le financement (1982-2022)",
        "Beauloel",
        2023,
        DegreeType::DoctoralThesis,
    );
    assert_eq!(period.edition, None);
}

#[test]
fn editions_parts_and_numbers_in_corner_cases() {
    // The edition dates a study for the title rule too.
    let hal = features(
        "Panorama de l'ESS en Bretagne 2021",
        "",
        2022,
        DegreeType::ReportStudy,
    );
    let site = features(
        "Panorama de l'économie sociale en Bretagne",
        "",
        2021,
        DegreeType::ReportStudy,
    );
    assert_eq!(hal.edition, Some(2021));
    assert!(
        !matches!(compare(&hal, &site), Verdict::Different { .. }),
        "{:?}",
        compare(&hal, &site)
    );
    // Two years in a title name no single edition.
    let two_years = features(
        "Bilan des Scop 2008 et 2009",
        "Dupont",
        2008,
        DegreeType::DoctoralThesis,
    );
    assert_eq!(two_years.edition, None);
    // A summary is a summary in either language.
    let mut bilingual = features(
        "Synthèse : les Scop en Bretagne",
        "",
        2020,
        DegreeType::ReportStudy,
    );
    let english = features(
        "Summary: Scop in Brittany",
        "",
        2020,
        DegreeType::ReportStudy,
    );
    bilingual
        .title_numbers
        .extend(english.title_numbers.clone());
    bilingual.title_numbers.sort();
    bilingual.title_numbers.dedup();
    let french = features(
        "Synthèse : les Scop en Bretagne",
        "",
        2020,
        DegreeType::ReportStudy,
    );
    assert_eq!(bilingual.title_numbers, vec!["part:summary"]);
    assert!(
        same(&bilingual, &french),
        "{:?}",
        compare(&bilingual, &french)
    );
    // A number after a colon on one side and a comma on the other is the same number.
    let colon = features(
        "La Scop Callune : 25 ans d'histoire",
        "Kerard",
        2012,
        DegreeType::MastersDissertation,
    );
    let comma = features(
        "La Scop Callune, 25 ans d'histoire",
        "Kerard",
        2012,
        DegreeType::MastersDissertation,
    );
    assert!(same(&colon, &comma), "{:?}", compare(&colon, &comma));
}

#[test]
fn a_study_a_year_apart_is_the_same_only_for_the_same_persons() {
    let hal = features(
        "Panorama des Scop du réemploi dans la Sarthe",
        "Petit",
        2022,
        DegreeType::ReportStudy,
    );
    let site = features(
        "Panorama des Scop du réemploi dans la Sarthe",
        "Petit",
        2021,
        DegreeType::ReportStudy,
    );
    assert!(same(&hal, &site), "{:?}", compare(&hal, &site));
    let mut yearly = site.clone();
    yearly.authors.clear();
    let mut next_year = hal.clone();
    next_year.authors.clear();
    assert!(matches!(
        compare(&yearly, &next_year),
        Verdict::Different { .. }
    ));
}

#[test]
fn a_study_by_other_persons_needs_a_close_title() {
    let a = features(
        "L'économie sociale et solidaire dans l'espace méditerranéen : le leadership",
        "Martin",
        2015,
        DegreeType::ReportStudy,
    );
    let b = features(
        "L'économie sociale et solidaire dans le Pas-de-Calais",
        "Schneider",
        2015,
        DegreeType::ReportStudy,
    );
    assert!(!same(&a, &b), "{:?}", compare(&a, &b));
    let same_study = features(
        "L'économie sociale et solidaire dans l'espace méditerranéen",
        "Rodrigues",
        2015,
        DegreeType::ReportStudy,
    );
    assert!(same(&a, &same_study), "{:?}", compare(&a, &same_study));
}

#[test]
fn numbers_only_in_one_subtitle_do_not_part_copies() {
    let long = features(
        "Les sociétés d'assurance mutuelle et la transition : une enquête auprès de 55 structures",
        "Durbelens",
        1997,
        DegreeType::MastersDissertation,
    );
    let short = features(
        "Les sociétés d'assurance mutuelle et la transition",
        "Durbelens",
        1997,
        DegreeType::MastersDissertation,
    );
    assert_eq!(long.subtitle_numbers, vec!["55"]);
    assert!(same(&long, &short), "{:?}", compare(&long, &short));
    let other_sample = features(
        "Les sociétés d'assurance mutuelle et la transition : une enquête auprès de 12 structures",
        "Durbelens",
        1997,
        DegreeType::MastersDissertation,
    );
    assert!(!same(&long, &other_sample));
    // A volume number, a summary, are significant wherever they are written.
    let summary = features(
        "Égalité femmes-hommes dans l'ESS en Occitanie. Édition 2023 : synthèse",
        "",
        2024,
        DegreeType::ReportStudy,
    );
    let report = features(
        "Égalité femmes-hommes dans l'ESS en Occitanie. Édition 2023",
        "",
        2023,
        DegreeType::ReportStudy,
    );
    assert_eq!(summary.edition, Some(2023));
    assert!(!same(&summary, &report), "{:?}", compare(&summary, &report));
    let volume = features(
        "Histoire de la mutualité. Tome 2",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    let whole = features(
        "Histoire de la mutualité",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    assert_eq!(volume.title_numbers, vec!["2"]);
    assert!(!same(&volume, &whole));
}

#[test]
fn same_thesis_with_case_accents_and_subtitle_differences() {
    let a = features(
        "L'Économie sociale et solidaire en Bretagne : gouvernance des SCIC",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    let b = features(
        "l'economie sociale et solidaire en bretagne",
        "Dupont",
        2020,
        DegreeType::DoctoralThesis,
    );
    assert!(
        matches!(compare(&a, &b), Verdict::Same { .. }),
        "{:?}",
        compare(&a, &b)
    );
}

#[test]
fn hard_negatives_are_different() {
    let phd = features(
        "Les coopératives d'activité et d'emploi",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    let master = features(
        "Les coopératives d'activité et d'emploi",
        "Dupont",
        2014,
        DegreeType::MastersDissertation,
    );
    assert!(matches!(compare(&phd, &master), Verdict::Different { .. }));
    let other_author = features(
        "Les coopératives d'activité et d'emploi",
        "Martin",
        2019,
        DegreeType::DoctoralThesis,
    );
    assert!(matches!(
        compare(&phd, &other_author),
        Verdict::Different { .. }
    ));
    let tome1 = features(
        "Histoire de la mutualité. Tome 1",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    let tome2 = features(
        "Histoire de la mutualité. Tome 2",
        "Dupont",
        2019,
        DegreeType::DoctoralThesis,
    );
    assert!(matches!(compare(&tome1, &tome2), Verdict::Different { .. }));
    let edition_2019 = features(
        "Panorama de l'ESS en Occitanie 2019",
        "CRESS",
        2019,
        DegreeType::ReportStudy,
    );
    let edition_2020 = features(
        "Panorama de l'ESS en Occitanie 2020",
        "CRESS",
        2020,
        DegreeType::ReportStudy,
    );
    assert!(matches!(
        compare(&edition_2019, &edition_2020),
        Verdict::Different { .. }
    ));
}

/// A record as a repository gives it: its titles and author names as written (parsed as
/// harvesting parses them).
fn record(titles: &[&str], authors: &[&str], year: i32, degree: DegreeType) -> Features {
    let mut base: Normalized = serde_json::from_value(serde_json::json!({
        "titles": [], "authors": [], "advisors": [], "degree_type": "other",
        "discipline": null, "institution": null, "date": {"year": year}, "language": null,
        "abstracts": [], "keywords": [], "identifiers": [], "access": "open",
        "embargo_until": null, "licence": null, "problems": []
    }))
    .expect("a normalised record");
    base.degree_type = degree;
    base.titles = titles
        .iter()
        .map(|text| normalize::Title {
            text: (*text).to_owned(),
            lang: None,
            subtitle: None,
        })
        .collect();
    base.authors = authors
        .iter()
        .map(|name| normalize::Person::parse(name, None).expect("a person"))
        .collect();
    Features::of(&base)
}

fn thesis(title: &str, author: &str, year: i32) -> Features {
    record(&[title], &[author], year, DegreeType::DoctoralThesis)
}

fn study(title: &str, year: i32) -> Features {
    record(&[title], &[], year, DegreeType::ReportStudy)
}

fn different(a: &Features, b: &Features) -> bool {
    matches!(compare(a, b), Verdict::Different { .. })
}

#[test]
fn transliterated_and_reordered_names_are_one_person() {
    let title = "Financer la transition : les monnaies locales";
    for forms in [
        &[
            "Đỗ, Minh Châu",
            "Chau Do Minh",
            "DO Minh Chau",
            "Minh Châu Đỗ",
        ][..],
        &["Nguyễn Thị Minh", "Nguyen Thi Minh", "Minh Nguyen Thi"],
        &["Wang, Xiaoming", "Xiaoming Wang", "王小明", "WANG Xiaoming"],
        &["Kim, Min-jun", "Min-jun Kim", "Kim Min-jun", "Minjun Kim"],
        &["Benali, Mohamed", "Mohammed Benali", "BENALI Muhammad"],
        &["Haddad, Youssef", "Youcef Haddad", "HADDAD Yusuf"],
    ] {
        let first = thesis(title, forms[0], 2015);
        for form in &forms[1..] {
            let other = thesis(title, form, 2015);
            assert!(same(&first, &other), "{} / {form}", forms[0]);
        }
    }
    // Another person of the same family name is not.
    assert!(different(
        &thesis(title, "Đỗ, Minh Châu", 2015),
        &thesis(title, "Đỗ, Văn Nam", 2015)
    ));
}

#[test]
fn compound_names_and_particles_are_one_person() {
    let title = "Coopérer autrement : les régies de quartier";
    for (a, b) in [
        ("Leclerc-Faure, Paul-Henri", "P.-H. Leclerc Faure"),
        ("Leclerc-Faure, Paul-Henri", "Leclerc Faure, P.-H."),
        ("El-Fassi, Leïla", "Fassi, Leïla El"),
        ("El-Fassi, Leïla", "Leïla El Fassi"),
        ("Ben-Salah, Karim", "Salah, Karim Ben"),
        ("Ben-Salah, Karim", "BEN SALAH Karim"),
    ] {
        assert!(
            same(&thesis(title, a, 2012), &thesis(title, b, 2012)),
            "{a} / {b}: {:?}",
            compare(&thesis(title, a, 2012), &thesis(title, b, 2012))
        );
    }
    // One particle, two families.
    assert!(!same(
        &thesis(title, "El-Fassi, Leïla", 2012),
        &thesis(title, "El-Amrani, Leïla", 2012)
    ));
}

#[test]
fn title_prefixes_a_repository_adds_are_not_the_title() {
    let bare = "Faire commun : les AMAP en Bretagne";
    let master = |title: &str| {
        record(
            &[title],
            &["Dupont, Marie"],
            2019,
            DegreeType::MastersDissertation,
        )
    };
    for decorated in [
        "Mémoire de master : Faire commun : les AMAP en Bretagne",
        "Mémoire de Master 2 - Faire commun : les AMAP en Bretagne",
        "[Mémoire] Faire commun : les AMAP en Bretagne",
        "Faire commun : les AMAP en Bretagne (Mémoire de master)",
    ] {
        assert!(same(&master(bare), &master(decorated)), "{decorated}");
    }
    for decorated in [
        "Thèse de doctorat : Faire commun : les AMAP en Bretagne",
        "[Thesis] Faire commun : les AMAP en Bretagne",
        "Faire commun : les AMAP en Bretagne (Thèse)",
    ] {
        let a = thesis(bare, "Dupont, Marie", 2019);
        assert!(
            same(&a, &thesis(decorated, "Dupont, Marie", 2019)),
            "{decorated}"
        );
    }
}

#[test]
fn place_names_in_french_and_english_titles_are_one_place() {
    let fr = "Les monnaies locales en Afrique de l'Ouest : une approche par les territoires";
    let en = "Local Currencies in West Africa: a Territorial Approach";
    let both = record(
        &[fr, en],
        &["Dupont, Anaïs"],
        2015,
        DegreeType::DoctoralThesis,
    );
    let fr_only = thesis(fr, "DUPONT Anaïs", 2015);
    let en_only = thesis(en, "Anaïs Dupont", 2016);
    assert!(same(&both, &fr_only));
    assert!(same(&both, &en_only));
    // Not alike enough to join on their own, but not different places either: nothing keeps
    // them out of the work their bilingual copy joins.
    assert!(
        !different(&fr_only, &en_only),
        "{:?}",
        compare(&fr_only, &en_only)
    );
    for (a, b) in [
        ("en Amérique latine", "in Latin America"),
        ("au Brésil", "in Brazil"),
        ("en Bretagne", "in Brittany"),
    ] {
        let fr = thesis(&format!("Les monnaies locales {a}"), "Dupont, Anaïs", 2015);
        let en = thesis(&format!("Local currencies {b}"), "Dupont, Anaïs", 2015);
        assert!(!different(&fr, &en), "{a} / {b}");
    }
    // Two regions are two places.
    assert!(different(
        &study("Panorama de l'ESS en Bretagne", 2020),
        &study("Panorama de l'ESS en Normandie", 2020)
    ));
}

#[test]
fn series_issue_numbers_and_editions_are_a_hard_difference() {
    let name = "Baromètre de l'emploi associatif en Pays de la Loire";
    let n11 = study(&format!("{name} n°11"), 2021);
    for other in ["n°9", "n°10", "N° 12", "no 10", "numéro 10"] {
        let issue = study(&format!("{name} {other}"), 2021);
        assert_eq!(
            compare(&n11, &issue),
            Verdict::Different {
                reason: "different volume, part or edition numbers"
            },
            "{other}"
        );
    }
    // The same issue described twice, in other words and a year apart, is one work.
    for form in ["N°11", ", no 11", " - numéro 11", " nº11"] {
        let issue = study(&format!("{name}{form}"), 2022);
        assert!(same(&n11, &issue), "{form}: {:?}", compare(&n11, &issue));
    }
    let note = "Note de conjoncture ESS Occitanie";
    assert!(different(
        &study(&format!("{note} n°10"), 2019),
        &study(&format!("{note} n°11"), 2019)
    ));
    // An edition, dated by the site and a year later by HAL, is one work; the next is not.
    let key_figures = "Chiffres clés de l'ESS en Nouvelle-Aquitaine";
    let site = study(&format!("{key_figures}, édition 2020"), 2020);
    let hal = study(&format!("{key_figures} - édition 2020"), 2021);
    assert!(same(&site, &hal), "{:?}", compare(&site, &hal));
    assert!(different(
        &site,
        &study(&format!("{key_figures}, édition 2021"), 2021)
    ));
}

#[test]
fn volume_vocabulary_tome_and_vol_name_one_volume_and_annexes_is_no_number() {
    let base = "Les sociétés de secours mutuels dans le Nord au XIXe siècle";
    let annexes = thesis(&format!("{base}. Tome 2 : annexes"), "DUPONT Marie", 1987);
    for other in [
        ". Vol. 2",
        ", volume II",
        " - T. 2",
        ". Volume II : Annexes",
    ] {
        let volume = thesis(&format!("{base}{other}"), "Dupont, Marie", 1987);
        assert!(
            same(&annexes, &volume),
            "{other}: {:?}",
            compare(&annexes, &volume)
        );
    }
    let first = thesis(&format!("{base}. Tome 1 : texte"), "Dupont, Marie", 1987);
    assert!(different(&annexes, &first));
    assert!(different(
        &thesis(&format!("{base}, volume I"), "Dupont, Marie", 1987),
        &thesis(&format!("{base}, volume II"), "Dupont, Marie", 1987)
    ));
    // Without a volume number, the annexes of a study are a document of their own.
    let report = study("Les associations employeuses en Bretagne", 2020);
    let its_annexes = study("Les associations employeuses en Bretagne : annexes", 2020);
    assert!(!same(&report, &its_annexes));
}

#[test]
fn truncated_titles_do_not_read_as_another_place_or_subject() {
    let full = "Innovation sociale et transformation des pratiques d'accompagnement dans les réseaux \
                de l'ESS en Bourgogne-Franche-Comté (2010-2020)";
    let whole = thesis(full, "Dupont, Hugo", 2018);
    let cut_at_100: String = full.chars().take(100).collect();
    for cut in [
        cut_at_100.clone(),
        format!("{}…", full.chars().take(97).collect::<String>()),
        format!("{}...", full.chars().take(90).collect::<String>()),
    ] {
        let truncated = thesis(&cut, "DUPONT Hugo", 2018);
        assert!(
            same(&whole, &truncated),
            "{cut}: {:?}",
            compare(&whole, &truncated)
        );
    }
    // Cut at 100 characters inside the period: "(2010-" is no period of its own.
    let period = "Les dynamiques de coopération entre associations, collectivités locales et \
                  l'ESS en Normandie (2010-2020)";
    let cut: String = period.chars().take(100).collect();
    assert!(cut.ends_with("(2010-"), "{cut}");
    let whole = thesis(period, "Dupont, Hugo", 2018);
    let truncated = thesis(&cut, "DUPONT Hugo", 2018);
    assert!(
        same(&whole, &truncated),
        "{:?}",
        compare(&whole, &truncated)
    );
    let cut_in_number: String = period.chars().take(102).collect();
    let truncated = thesis(&cut_in_number, "DUPONT Hugo", 2018);
    assert!(
        same(&whole, &truncated),
        "{:?}",
        compare(&whole, &truncated)
    );
    // A short title that a longer one merely begins with is no truncation: the volume the
    // longer one names still tells them apart.
    let title = "Les sociétés de secours mutuels dans le Nord";
    assert!(!same(
        &thesis(title, "Dupont, Hugo", 1990),
        &thesis(&format!("{title}, tome 2"), "Dupont, Hugo", 1990)
    ));
}

#[test]
fn same_main_title_by_two_people_with_different_subtitles_is_two_works() {
    let a = thesis(
        "Entre marché et réciprocité : les sociétés coopératives et participatives dans les \
         quartiers prioritaires",
        "Leroy, Anaïs",
        2005,
    );
    let b = thesis(
        "Entre marché et réciprocité : les mutuelles de santé au Québec",
        "Leroy, Antoine",
        2003,
    );
    // Their given names tell them apart.
    assert_eq!(
        compare(&a, &b),
        Verdict::Different {
            reason: "different authors"
        }
    );
    // So do the subtitles, where the given names do not: an initial on one side, or one
    // student's M1 and M2 dissertations.
    let initial = thesis(
        "Entre marché et réciprocité : les mutuelles de santé au Québec",
        "Leroy, A.",
        2005,
    );
    for other in [
        &initial,
        &thesis(
            "Entre marché et réciprocité : les mutuelles de santé au Québec",
            "Leroy, Anaïs",
            2004,
        ),
    ] {
        assert_eq!(
            compare(&a, other),
            Verdict::Different {
                reason: "same main title, different subtitles"
            }
        );
    }
    // One person's copies: without the subtitle, with an initial, with another subtitle
    // separator.
    for copy in [
        thesis("Entre marché et réciprocité", "Leroy, A.", 2005),
        thesis(
            "Entre marché et réciprocité - les sociétés coopératives et participatives dans les \
             quartiers prioritaires",
            "Anaïs Leroy",
            2006,
        ),
    ] {
        assert!(same(&a, &copy), "{:?}", compare(&a, &copy));
    }
}

#[test]
fn same_title_same_family_and_initial_but_other_given_names_are_two_people() {
    // As 3,000 generated theses showed: one title, one family name and initial, two persons.
    let title = "La finance solidaire face à la financiarisation : enjeux de gouvernance";
    for (a, b) in [
        ("Aït-Ahmed, Chloé", "Aït-Ahmed, Clémence"),
        ("Boëdec, Marie", "Boëdec, Maël"),
        ("Chevalier, Jérôme", "Chevalier, Jean-Baptiste"),
    ] {
        assert_eq!(
            compare(&thesis(title, a, 2019), &thesis(title, b, 2019)),
            Verdict::Different {
                reason: "different authors"
            },
            "{a} / {b}"
        );
    }
    // Forms of one given name still agree.
    for (a, b) in [
        ("Chevalier, Jean-Baptiste", "Chevalier, Jean Baptiste"),
        ("Chevalier, Marie", "Chevalier, Marie-Hélène"),
        ("Chevalier, Hélène", "CHEVALIER Helene"),
        ("Chevalier, J.-B.", "Chevalier, Jean-Baptiste"),
    ] {
        assert!(
            same(&thesis(title, a, 2019), &thesis(title, b, 2019)),
            "{a} / {b}"
        );
    }
}

#[test]
fn two_records_with_different_nnts_are_two_theses() {
    let mut a = thesis(
        "Les mutuelles de santé : évaluation",
        "Lemaître, Hélène",
        2018,
    );
    let mut b = a.clone();
    a.strong_ids = vec!["nnt:2018aixmh203".to_owned()];
    b.strong_ids = vec!["nnt:2019gread472".to_owned()];
    assert_eq!(
        compare(&a, &b),
        Verdict::Different {
            reason: "different NNTs"
        }
    );
    // An NNT on one side only says nothing.
    b.strong_ids = vec!["hal:tel-09800001".to_owned()];
    assert!(same(&a, &b));
}
