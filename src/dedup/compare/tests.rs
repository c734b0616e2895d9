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
