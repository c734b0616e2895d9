//! Unit tests of person names: inverted and direct forms, particles, organisations, identifiers, name keys.

use super::*;

fn parse(name: &str) -> Person {
    Person::parse(name, None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn family_given(name: &str) -> (String, Option<String>) {
    let person = parse(name);
    (person.family, person.given)
}

fn fg(family: &str, given: &str) -> (String, Option<String>) {
    (family.to_owned(), Some(given.to_owned()))
}

#[test]
fn inverted_and_direct_orders() {
    assert_eq!(family_given("Dupont, Marie"), fg("Dupont", "Marie"));
    assert_eq!(family_given("Marie Dupont"), fg("Dupont", "Marie"));
    assert_eq!(family_given("Thierry Chardès"), fg("Chardès", "Thierry"));
    assert_eq!(
        family_given("Dupont-Martin, Jean-Pierre"),
        fg("Dupont-Martin", "Jean-Pierre")
    );
    assert_eq!(
        family_given("Aboulhamid, El Mostapha"),
        fg("Aboulhamid", "El Mostapha")
    );
    assert_eq!(parse("Marie Dupont").display, "Marie Dupont");
    assert_eq!(parse("Dupont, Marie").display, "Marie Dupont");
}

#[test]
fn capitals_mark_the_family_name() {
    assert_eq!(family_given("DUPONT Marie"), fg("Dupont", "Marie"));
    assert_eq!(family_given("Marie DUPONT"), fg("Dupont", "Marie"));
    assert_eq!(family_given("DUPONT M."), fg("Dupont", "M."));
    assert_eq!(family_given("LE GOFF Anne"), fg("Le Goff", "Anne"));
    assert_eq!(family_given("N'DIAYE Aïcha"), fg("N'Diaye", "Aïcha"));
    assert_eq!(
        family_given("DUPONT-MARTIN, JEAN-PIERRE"),
        fg("Dupont-Martin", "Jean-Pierre")
    );
    assert_eq!(
        family_given("DE LA FONTAINE, Jean"),
        fg("de La Fontaine", "Jean")
    );
    assert_eq!(family_given("Dupont J.-P."), fg("Dupont", "J.-P."));
    assert_eq!(family_given("J.-P. Dupont"), fg("Dupont", "J.-P."));
}

#[test]
fn particles_stay_with_the_family_name() {
    assert_eq!(
        family_given("de La Fontaine, Jean"),
        fg("de La Fontaine", "Jean")
    );
    assert_eq!(
        family_given("La Fontaine, Anne de"),
        fg("de La Fontaine", "Anne")
    );
    assert_eq!(family_given("Le Goff, Anne"), fg("Le Goff", "Anne"));
    assert_eq!(
        family_given("van der Berg, Pieter"),
        fg("van der Berg", "Pieter")
    );
    assert_eq!(
        family_given("Anne-Sophie van der Meer"),
        fg("van der Meer", "Anne-Sophie")
    );
    assert_eq!(
        family_given("Marie-Laure Le Gall"),
        fg("Le Gall", "Marie-Laure")
    );
    assert_eq!(
        family_given("Jean de La Fontaine"),
        fg("de La Fontaine", "Jean")
    );
    assert_eq!(family_given("Luis Da Silva"), fg("Da Silva", "Luis"));
    assert_eq!(
        family_given("Gérard d'Argenson"),
        fg("d'Argenson", "Gérard")
    );
    // theses.fr writes both orders with the particle after the given name.
    assert_eq!(family_given("Lumley, Henry de"), fg("de Lumley", "Henry"));
    assert_eq!(family_given("Lumley Henry de"), fg("de Lumley", "Henry"));
}

#[test]
fn life_dates_and_role_notes_are_stripped() {
    assert_eq!(family_given("Dupont, Marie, 1975-"), fg("Dupont", "Marie"));
    assert_eq!(
        family_given("Dupont, Marie (1975-....)"),
        fg("Dupont", "Marie")
    );
    assert_eq!(
        family_given("Dupont, Marie 1950-2020"),
        fg("Dupont", "Marie")
    );
    assert_eq!(family_given("Dupont, Marie (dir.)"), fg("Dupont", "Marie"));
    assert_eq!(family_given("Dupont, M."), fg("Dupont", "M."));
    assert_eq!(family_given("Dupont"), ("Dupont".to_owned(), None));
}

#[test]
fn organisations_are_not_persons() {
    for name in [
        "Université Montpellier",
        "Nantes Université",
        "Institut de Recherche en Cancérologie de Montpellier (IRCM - U1194 Inserm - UM) ; CRLCC Val d'Aurelle",
        "Centre Max Weber (CMW) ; Université Lumière - Lyon 2 (UL2)-Centre National de la Recherche Scientifique (CNRS)",
        "Conservatoire national des arts et métiers - CNAM",
        "Aix-Marseille Université (AMU)",
        "HEC Montréal",
        "Concordia University",
        "Laboratoire d'économie et gestion REGARDS",
        "Observatoire national de l'ESS",
        "HAL CCSD",
    ] {
        assert!(is_organisation(name), "{name}");
        assert!(matches!(
            Person::parse(name, None),
            Err(NameError::Organisation(_))
        ));
    }
    for name in [
        "Dupont, Marie, 1975-",
        "Thierry Chardès",
        "Le Goff, Anne",
        "Anne-Sophie van der Meer",
        "DUPONT M.",
        "Lanotte, Romain",
        "Saint-Pierre, Marie-Ève",
    ] {
        assert!(!is_organisation(name), "{name}");
    }
    assert_eq!(Person::parse(" , ", None), Err(NameError::Empty));
}

#[test]
fn authority_ids_are_canonical() {
    let orcid = Some("https://orcid.org/0000-0003-2823-504X".to_owned());
    assert_eq!(
        canonical_person_id("https://orcid.org/0000-0003-2823-504X"),
        orcid
    );
    assert_eq!(
        canonical_person_id("http://orcid.org/0000-0003-2823-504x"),
        orcid
    );
    assert_eq!(canonical_person_id("0000-0003-2823-504X"), orcid);
    // Wrong check character: not an ORCID.
    assert_eq!(canonical_person_id("0000-0003-2823-5041"), None);
    assert_eq!(
        canonical_person_id("089024729"),
        Some("https://www.idref.fr/089024729".to_owned())
    );
    assert_eq!(
        canonical_person_id("http://www.idref.fr/02778708X/id"),
        Some("https://www.idref.fr/02778708X".to_owned())
    );
    assert_eq!(canonical_person_id("Sudoc"), None);
    assert_eq!(
        Person::parse(
            "Azizi, Mostafa",
            Some("https://orcid.org/0000-0003-2823-504X")
        )
        .map(|p| p.id),
        Ok(orcid)
    );
}

#[test]
fn name_keys_match_across_spellings() {
    let key = |name: &str| name_key(&parse(name));
    assert_eq!(key("de La Fontaine, Anne"), "lafontaine a");
    assert_eq!(key("La Fontaine, Anne de"), "lafontaine a");
    assert_eq!(key("Anne de La Fontaine"), "lafontaine a");
    assert_eq!(key("Dupont, Marie"), "dupont m");
    assert_eq!(key("DUPONT M."), "dupont m");
    assert_eq!(key("Marie DUPONT"), "dupont m");
    assert_eq!(key("Dupont-Martin, Jean-Pierre"), "dupontmartin j");
    assert_eq!(key("Élodie Lefèvre"), "lefevre e");
    assert_eq!(key("Le Goff, Anne"), "legoff a");
    assert_eq!(key("van der Berg, Pieter"), "berg p");
    assert_eq!(key("Gérard d'Argenson"), "argenson g");
    assert_ne!(key("Dupont, Marie"), key("Dupond, Marie"));
}

#[test]
fn compound_names_and_particles_keep_their_family_name() {
    // Initials before a compound family name written without its hyphen.
    assert_eq!(
        family_given("P.-H. Leclerc Faure"),
        fg("Leclerc Faure", "P.-H.")
    );
    // A capitalised Arabic particle left after the given name goes back to the family name.
    assert_eq!(family_given("Fassi, Leïla El"), fg("El Fassi", "Leïla"));
    assert_eq!(family_given("Salah, Karim Ben"), fg("Ben Salah", "Karim"));
    assert_eq!(family_given("Ahmed, Rachid Aït"), fg("Aït Ahmed", "Rachid"));
    assert_eq!(family_given("Rachid Aït Ahmed"), fg("Aït Ahmed", "Rachid"));
    assert_eq!(family_given("Omar Abou Zeid"), fg("Abou Zeid", "Omar"));
    // A particle inside the given name stays there.
    assert_eq!(
        family_given("Aboulhamid, El Mostapha"),
        fg("Aboulhamid", "El Mostapha")
    );
}
