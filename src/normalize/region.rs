//! The regions an institution's name places it in ("Université Lumière - Lyon II" →
//! Auvergne-Rhône-Alpes). A work's region is where its research was done: a national archive or
//! catalogue (HAL, DUMAS, theses.fr) holds theses from every region, so its own seat says
//! nothing about them, while the degree grantor its records name does. Pure.

/// (folded words of a city, a region or an institution's distinctive name; ISO 3166-2 code,
/// empty for a phrase that only stops a shorter one from matching: "new orleans").
/// Sorted by phrase for the binary search; a phrase has at most [`LONGEST`] words and the
/// longest phrase at a position wins. Ambiguous single words are listed only inside a longer
/// phrase ("universite laval" is in Québec; Laval in Mayenne has none of its own; "jura" and
/// "maine" name several places).
const PLACES: &[(&str, &str)] = &[
    ("abitibi", "CA-QC"),
    ("agroparistech", "FR-IDF"),
    ("aix", "FR-PAC"),
    ("albi", "FR-OCC"),
    ("alsace", "FR-GES"),
    ("amiens", "FR-HDF"),
    ("angers", "FR-PDL"),
    ("anjou", "FR-PDL"),
    ("antilles", "FR-GP"),
    ("antwerp", "BE-VLG"),
    ("antwerpen", "BE-VLG"),
    ("anvers", "BE-VLG"),
    ("ardenne", "FR-GES"),
    ("artois", "FR-HDF"),
    ("auvergne", "FR-ARA"),
    ("avignon", "FR-PAC"),
    ("bern", "CH-BE"),
    ("berne", "CH-BE"),
    ("besancon", "FR-BFC"),
    ("bordeaux", "FR-NAQ"),
    ("bourgogne", "FR-BFC"),
    ("brest", "FR-BRE"),
    ("bretagne", "FR-BRE"),
    ("brussel", "BE-BRU"),
    ("brussels", "BE-BRU"),
    ("bruxelles", "BE-BRU"),
    ("caen", "FR-NOR"),
    ("cergy", "FR-IDF"),
    ("champagne", "FR-GES"),
    ("charleroi", "BE-WAL"),
    ("chicoutimi", "CA-QC"),
    ("clermont", "FR-ARA"),
    ("cnam", "FR-IDF"),
    ("compiegne", "FR-HDF"),
    ("concordia university", "CA-QC"),
    ("conservatoire national des arts et metiers", "FR-IDF"),
    ("corse", "FR-COR"),
    ("corte", "FR-COR"),
    ("cote d azur", "FR-PAC"),
    ("cote d opale", "FR-HDF"),
    ("creteil", "FR-IDF"),
    ("dauphine", "FR-IDF"),
    ("dijon", "FR-BFC"),
    ("ehess", "FR-IDF"),
    ("enap", "CA-QC"),
    ("epfl", "CH-VD"),
    ("essec", "FR-IDF"),
    ("evry", "FR-IDF"),
    ("franche comte", "FR-BFC"),
    ("fribourg", "CH-FR"),
    ("gand", "BE-VLG"),
    ("gembloux", "BE-WAL"),
    ("geneva", "CH-GE"),
    ("geneve", "CH-GE"),
    ("gent", "BE-VLG"),
    ("ghent", "BE-VLG"),
    ("grenoble", "FR-ARA"),
    ("guadeloupe", "FR-GP"),
    ("guyane", "FR-GF"),
    ("haute alsace", "FR-GES"),
    ("hauts de france", "FR-HDF"),
    ("ile de france", "FR-IDF"),
    ("inalco", "FR-IDF"),
    ("inrs", "CA-QC"),
    ("la reunion", "FR-RE"),
    ("la rochelle", "FR-NAQ"),
    ("laurentian", "CA-ON"),
    ("laurentienne", "CA-ON"),
    ("lausanne", "CH-VD"),
    ("le havre", "FR-NOR"),
    ("le mans", "FR-PDL"),
    ("leuven", "BE-VLG"),
    ("liege", "BE-WAL"),
    ("lille", "FR-HDF"),
    ("limoges", "FR-NAQ"),
    ("lorient", "FR-BRE"),
    ("lorraine", "FR-GES"),
    ("louvain", "BE-WAL"),
    ("lyon", "FR-ARA"),
    ("manitoba", "CA-MB"),
    ("marne la vallee", "FR-IDF"),
    ("marseille", "FR-PAC"),
    ("martinique", "FR-MQ"),
    ("mayotte", "FR-YT"),
    ("mcgill", "CA-QC"),
    ("metz", "FR-GES"),
    ("mirail", "FR-OCC"),
    ("moncton", "CA-NB"),
    ("mons", "BE-WAL"),
    ("montpellier", "FR-OCC"),
    ("montreal", "CA-QC"),
    ("mulhouse", "FR-GES"),
    ("namur", "BE-WAL"),
    ("nancy", "FR-GES"),
    ("nanterre", "FR-IDF"),
    ("nantes", "FR-PDL"),
    ("neuchatel", "CH-NE"),
    ("new orleans", ""),
    ("nice", "FR-PAC"),
    ("nimes", "FR-OCC"),
    ("normandie", "FR-NOR"),
    ("nouvelle caledonie", "FR-NC"),
    ("orleans", "FR-CVL"),
    ("ottawa", "CA-ON"),
    ("outaouais", "CA-QC"),
    ("paris", "FR-IDF"),
    ("pau", "FR-NAQ"),
    ("pays de l adour", "FR-NAQ"),
    ("perpignan", "FR-OCC"),
    ("picardie", "FR-HDF"),
    ("poitiers", "FR-NAQ"),
    ("polynesie", "FR-PF"),
    ("provence", "FR-PAC"),
    ("quebec", "CA-QC"),
    ("reims", "FR-GES"),
    ("rennes", "FR-BRE"),
    ("reunion", "FR-RE"),
    ("rimouski", "CA-QC"),
    ("rouen", "FR-NOR"),
    ("saclay", "FR-IDF"),
    ("saint boniface", "CA-MB"),
    ("saint etienne", "FR-ARA"),
    ("saint quentin en yvelines", "FR-IDF"),
    ("savoie", "FR-ARA"),
    ("sherbrooke", "CA-QC"),
    ("sorbonne", "FR-IDF"),
    ("strasbourg", "FR-GES"),
    ("teluq", "CA-QC"),
    ("toulon", "FR-PAC"),
    ("toulouse", "FR-OCC"),
    ("tours", "FR-CVL"),
    ("trois rivieres", "CA-QC"),
    ("troyes", "FR-GES"),
    ("uclouvain", "BE-WAL"),
    ("ulb", "BE-BRU"),
    ("universite du maine", "FR-PDL"),
    ("universite laval", "CA-QC"),
    ("uqac", "CA-QC"),
    ("uqam", "CA-QC"),
    ("uqar", "CA-QC"),
    ("uqo", "CA-QC"),
    ("uqtr", "CA-QC"),
    ("valenciennes", "FR-HDF"),
    ("vannes", "FR-BRE"),
    ("versailles", "FR-IDF"),
];

/// The most words a phrase of [`PLACES`] has ("conservatoire national des arts et metiers").
const LONGEST: usize = 6;

/// The regions (ISO 3166-2, sorted, each once) an institution's name places it in: usually one,
/// two for a name that joins institutions of two regions (a cotutelle), none when it names no
/// place this table knows (then the source's own region, if it declares one, stands).
pub fn institution_regions(institution: &str) -> Vec<&'static str> {
    let folded = super::words_key(institution);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut found = Vec::new();
    let mut phrase = String::new();
    let mut at = 0;
    while at < words.len() {
        if !starts_a_phrase(words[at]) {
            at += 1; // most words ("universite", "de"): one search, no phrase built
            continue;
        }
        let mut matched = None;
        for length in (1..=LONGEST.min(words.len() - at)).rev() {
            phrase.clear();
            for (index, word) in words[at..at + length].iter().enumerate() {
                if index > 0 {
                    phrase.push(' ');
                }
                phrase.push_str(word);
            }
            if let Ok(entry) = PLACES.binary_search_by(|(known, _)| (*known).cmp(&phrase)) {
                matched = Some((length, PLACES[entry].1));
                break;
            }
        }
        match matched {
            Some((length, code)) => {
                if !code.is_empty() {
                    found.push(code);
                }
                at += length;
            }
            None => at += 1,
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Whether some phrase of [`PLACES`] is `word` or begins with it: those sort first among the
/// phrases from `word` on (a space sorts before every letter and digit).
fn starts_a_phrase(word: &str) -> bool {
    let from = PLACES.partition_point(|(phrase, _)| *phrase < word);
    PLACES.get(from).is_some_and(|(phrase, _)| {
        phrase
            .strip_prefix(word)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_sorted_once_each_with_known_codes_and_short_enough() {
        for pair in PLACES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} before {:?}", pair[0], pair[1]);
        }
        for (phrase, code) in PLACES {
            assert!(
                code.is_empty() || crate::vocab::region_name(code).is_some(),
                "{phrase}: {code}"
            );
            assert!(phrase.split(' ').count() <= LONGEST, "{phrase}");
            assert_eq!(super::super::words_key(phrase), *phrase, "folded already");
        }
    }

    #[test]
    fn the_degree_grantors_of_the_sample_sources_are_placed() {
        for (institution, regions) in [
            ("Université Lumière - Lyon II", vec!["FR-ARA"]),
            ("Université de Bretagne occidentale - Brest", vec!["FR-BRE"]),
            (
                "Université Toulouse le Mirail - Toulouse II",
                vec!["FR-OCC"],
            ),
            ("Université Paris 1 Panthéon-Sorbonne", vec!["FR-IDF"]),
            (
                "Université Paris-Est Créteil Val-de-Marne - Paris 12",
                vec!["FR-IDF"],
            ),
            (
                "Conservatoire national des arts et métiers - CNAM",
                vec!["FR-IDF"],
            ),
            ("Université de Haute-Alsace", vec!["FR-GES"]),
            ("Université de Reims Champagne-Ardenne", vec!["FR-GES"]),
            ("Université de la Réunion", vec!["FR-RE"]),
            ("Aix-Marseille Université (AMU)", vec!["FR-PAC"]),
            ("Nantes Université", vec!["FR-PDL"]),
            ("Université d'Angers", vec!["FR-PDL"]),
            ("Université Clermont Auvergne", vec!["FR-ARA"]),
            ("Université de Caen Normandie", vec!["FR-NOR"]),
            ("Université du Québec en Outaouais", vec!["CA-QC"]),
            ("Université du Québec à Montréal", vec!["CA-QC"]),
            ("HEC Montréal", vec!["CA-QC"]),
            ("Université Laval", vec!["CA-QC"]),
            ("Concordia University", vec!["CA-QC"]),
            ("Université de Moncton", vec!["CA-NB"]),
            ("Le Mans Université", vec!["FR-PDL"]),
            ("Université Côte d'Azur", vec!["FR-PAC"]),
            ("UCLouvain", vec!["BE-WAL"]),
            ("Archipel UQAM", vec!["CA-QC"]),
            ("Université catholique de Louvain", vec!["BE-WAL"]),
        ] {
            assert_eq!(institution_regions(institution), regions, "{institution}");
        }
    }

    #[test]
    fn two_seats_give_two_regions_and_unknown_or_ambiguous_names_none() {
        assert_eq!(
            institution_regions("Université de Montréal ; Université Lumière Lyon 2"),
            vec!["CA-QC", "FR-ARA"]
        );
        assert_eq!(
            institution_regions("Université Grenoble Alpes, Grenoble"),
            vec!["FR-ARA"]
        );
        for none in [
            "CCSD (CNRS, Inria, INRAE)",
            "ministère chargé de l'enseignement supérieur",
            "University of New Orleans",
            "Laval",
            "University of Maine",
            "",
        ] {
            assert!(
                institution_regions(none).is_empty(),
                "{none}: {:?}",
                institution_regions(none)
            );
        }
    }
}
