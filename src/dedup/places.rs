//! A small gazetteer: the regions, countries and continents ESS titles name, in French and
//! English, folded to one name each ("Latin America" and "Amérique latine" are one place), so
//! that a record titled in one language is not taken for a study of another place than its
//! copy titled in the other. Pure.

/// Each place: its one name (folded French, without spaces), then its forms as folded words.
/// The longest form found at a position wins ("Afrique de l'Ouest" before "Afrique",
/// "Île-de-France" before "France").
const PLACES: &[(&str, &[&str])] = &[
    // Continents and world regions.
    ("afrique", &["afrique", "africa"]),
    (
        "afriquedelouest",
        &["afrique de l ouest", "west africa", "western africa"],
    ),
    (
        "afriquedelest",
        &["afrique de l est", "east africa", "eastern africa"],
    ),
    ("afriquedunord", &["afrique du nord", "north africa"]),
    (
        "afriquesubsaharienne",
        &[
            "afrique subsaharienne",
            "afrique sub saharienne",
            "sub saharan africa",
            "subsaharan africa",
        ],
    ),
    ("ameriquelatine", &["amerique latine", "latin america"]),
    ("ameriquedunord", &["amerique du nord", "north america"]),
    ("ameriquedusud", &["amerique du sud", "south america"]),
    ("asie", &["asie", "asia"]),
    (
        "asiedusudest",
        &["asie du sud est", "south east asia", "southeast asia"],
    ),
    ("europe", &["europe"]),
    (
        "europedelest",
        &["europe de l est", "eastern europe", "east europe"],
    ),
    ("oceanie", &["oceanie", "oceania"]),
    ("caraibes", &["caraibes", "caribbean", "antilles"]),
    ("mediterranee", &["mediterranee", "mediterranean"]),
    ("maghreb", &["maghreb"]),
    // Countries.
    ("france", &["france"]),
    ("belgique", &["belgique", "belgium"]),
    ("suisse", &["suisse", "switzerland"]),
    ("allemagne", &["allemagne", "germany"]),
    ("espagne", &["espagne", "spain"]),
    ("italie", &["italie", "italy"]),
    ("portugal", &["portugal"]),
    (
        "royaumeuni",
        &["royaume uni", "united kingdom", "great britain"],
    ),
    ("paysbas", &["pays bas", "netherlands"]),
    ("etatsunis", &["etats unis", "united states", "usa"]),
    ("canada", &["canada"]),
    ("bresil", &["bresil", "brazil"]),
    ("argentine", &["argentine", "argentina"]),
    ("mexique", &["mexique", "mexico"]),
    ("chili", &["chili", "chile"]),
    ("colombie", &["colombie", "colombia"]),
    ("perou", &["perou", "peru"]),
    ("bolivie", &["bolivie", "bolivia"]),
    ("equateur", &["equateur", "ecuador"]),
    ("haiti", &["haiti"]),
    ("maroc", &["maroc", "morocco"]),
    ("algerie", &["algerie", "algeria"]),
    ("tunisie", &["tunisie", "tunisia"]),
    ("senegal", &["senegal"]),
    ("mali", &["mali"]),
    ("burkinafaso", &["burkina faso", "burkina"]),
    ("cotedivoire", &["cote d ivoire", "ivory coast"]),
    ("cameroun", &["cameroun", "cameroon"]),
    ("benin", &["benin"]),
    ("madagascar", &["madagascar"]),
    ("inde", &["inde", "india"]),
    ("chine", &["chine", "china"]),
    ("japon", &["japon", "japan"]),
    ("coree", &["coree", "korea"]),
    ("vietnam", &["vietnam", "viet nam"]),
    ("grece", &["grece", "greece"]),
    ("pologne", &["pologne", "poland"]),
    ("suede", &["suede", "sweden"]),
    // Regions.
    ("quebec", &["quebec"]),
    ("wallonie", &["wallonie", "wallonia"]),
    ("flandre", &["flandre", "flandres", "flanders"]),
    ("bruxelles", &["bruxelles", "brussels"]),
    ("bretagne", &["bretagne", "brittany"]),
    ("normandie", &["normandie", "normandy"]),
    ("corse", &["corse", "corsica"]),
    ("occitanie", &["occitanie"]),
    ("nouvelleaquitaine", &["nouvelle aquitaine"]),
    ("paysdelaloire", &["pays de la loire"]),
    ("hautsdefrance", &["hauts de france"]),
    ("grandest", &["grand est"]),
    ("iledefrance", &["ile de france"]),
    ("auvergnerhonealpes", &["auvergne rhone alpes"]),
    ("bourgognefranchecomte", &["bourgogne franche comte"]),
    ("centrevaldeloire", &["centre val de loire"]),
    (
        "provencealpescotedazur",
        &["provence alpes cote d azur", "paca"],
    ),
    ("sardaigne", &["sardaigne", "sardinia"]),
];

/// A form of a place: its folded words and the place's one name.
struct Form {
    words: Vec<&'static str>,
    name: &'static str,
}

/// The forms by their first word, in the order of [`PLACES`]: a title's word is looked up once
/// instead of being matched against every form (this was a seventh of a fresh store's works
/// stage).
fn forms_by_first_word() -> &'static std::collections::HashMap<&'static str, Vec<Form>> {
    static FORMS: std::sync::OnceLock<std::collections::HashMap<&'static str, Vec<Form>>> =
        std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        let mut by_first: std::collections::HashMap<&'static str, Vec<Form>> =
            std::collections::HashMap::new();
        for (name, forms) in PLACES {
            for form in *forms {
                let words: Vec<&'static str> = form.split(' ').collect();
                by_first
                    .entry(words[0])
                    .or_default()
                    .push(Form { words, name });
            }
        }
        by_first
    })
}

/// The places named in `words` (a title's folded words, in order): for each, the range of words
/// it takes and its one name.
pub fn places_in(words: &[&str]) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let by_first = forms_by_first_word();
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let mut best: Option<(usize, &'static str)> = None;
        for form in by_first.get(words[at]).map_or(&[][..], Vec::as_slice) {
            let length = form.words.len();
            let matches = words.len() >= at + length
                && form.words.iter().zip(&words[at..]).all(|(f, w)| f == w);
            if matches && best.is_none_or(|(longest, _)| length > longest) {
                best = Some((length, form.name));
            }
        }
        match best {
            Some((length, name)) => {
                found.push((at..at + length, name));
                at += length;
            }
            None => at += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        let folded = crate::normalize::fold(text);
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        places_in(&words)
            .into_iter()
            .map(|(_, name)| name)
            .collect()
    }

    #[test]
    fn place_names_fold_across_french_and_english() {
        assert_eq!(
            names("Les monnaies locales en Amérique latine"),
            ["ameriquelatine"]
        );
        assert_eq!(
            names("Local currencies in Latin America"),
            ["ameriquelatine"]
        );
        assert_eq!(names("… en Afrique de l'Ouest"), ["afriquedelouest"]);
        assert_eq!(names("… in West Africa"), ["afriquedelouest"]);
        assert_eq!(
            names("Coopératives au Brésil"),
            names("Cooperatives in Brazil")
        );
        assert_eq!(names("L'ESS en Bretagne"), names("The SSE in Brittany"));
        // The longest form wins.
        assert_eq!(names("Les SCOP en Île-de-France"), ["iledefrance"]);
        assert_eq!(
            names("La Provence-Alpes-Côte d'Azur"),
            ["provencealpescotedazur"]
        );
        assert_eq!(names("Afrique et Europe"), ["afrique", "europe"]);
        assert!(names("Les communs urbains").is_empty());
    }

    #[test]
    fn every_form_alone_is_its_place() {
        for (name, forms) in PLACES {
            for form in *forms {
                let words: Vec<&str> = form.split(' ').collect();
                assert_eq!(places_in(&words), [(0..words.len(), *name)], "{form}");
            }
        }
    }
}
