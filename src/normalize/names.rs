//! Person names as catalogues write them ("Dupont, Marie", "Marie Dupont", "DUPONT M.",
//! "La Fontaine, Anne de", "Dupont, Marie, 1975-") split into family and given names, with
//! organisations (labs, universities) told apart, and authority ids (ORCID, IdRef) made canonical.

use serde::{Deserialize, Serialize};

use super::text::{clean_cow, fold};

/// An author or advisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// With its particles, as usually cited: "de La Fontaine", "Le Goff", "van der Berg".
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// "Marie Dupont": given name first, for display.
    pub display: String,
    /// Authority URI, canonical: "https://orcid.org/…", "https://www.idref.fr/…".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Why a name string is not a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("\"{0}\" is an organisation, not a person")]
    Organisation(String),
    #[error("empty name")]
    Empty,
}

/// Lowercase particles that belong to the family name but are not sorted on.
const PARTICLES: &[&str] = &[
    "de", "d'", "d’", "du", "des", "de la", "van", "von", "der", "den", "ter", "ten", "da", "di",
    "do", "dos", "das", "del", "della", "degli", "y", "zu", "af", "al", "el", "ben", "bin", "ibn",
];

/// Particles that, capitalised before the last word of a "Given Family" name, begin the family
/// name ("Marie-Laure Le Gall", "Luis Da Silva", "Anna Van Dyck").
const CAPITALISED_PARTICLES: &[&str] = &[
    "le", "la", "de", "du", "des", "da", "di", "do", "dos", "del", "della", "van", "von", "mac",
    "st", "saint", "sainte", "ben", "ibn", "abu", "abou", "ait", "ould", "al", "el",
];

/// Arabic and Berber particles that begin a family name, capitalised as often as not: a
/// cataloguer who inverts "El-Fassi, Leïla" may leave them after the given name ("Fassi, Leïla
/// El"), where they move back to the family name.
const NAME_PREFIX_PARTICLES: &[&str] = &[
    "el", "al", "ben", "bin", "ibn", "abu", "abou", "ait", "ould",
];

/// Folded words that only organisations' names contain (whole words).
fn is_organisation_word(word: &str) -> bool {
    matches!(
        word,
        "academie"
            | "academy"
            | "ademe"
            | "agence"
            | "agency"
            | "association"
            | "banque"
            | "bibliotheque"
            | "cabinet"
            | "caisse"
            | "ccsd"
            | "cea"
            | "cegep"
            | "cemagref"
            | "center"
            | "centre"
            | "cereq"
            | "chambre"
            | "chu"
            | "cirad"
            | "cnam"
            | "cnrs"
            | "collectif"
            | "college"
            | "collegium"
            | "comite"
            | "commission"
            | "committee"
            | "compagnie"
            | "company"
            | "conseil"
            | "conservatoire"
            | "consortium"
            | "cooperative"
            | "council"
            | "credoc"
            | "departement"
            | "department"
            | "doctoral"
            | "doctorale"
            | "ecole"
            | "editions"
            | "ehess"
            | "equipe"
            | "espe"
            | "essec"
            | "etudes"
            | "faculte"
            | "faculty"
            | "federation"
            | "fondation"
            | "foundation"
            | "gmbh"
            | "gouvernement"
            | "government"
            | "graduate"
            | "group"
            | "groupe"
            | "hec"
            | "hopital"
            | "hospital"
            | "iae"
            | "ifremer"
            | "inc"
            | "ined"
            | "inra"
            | "inrae"
            | "inria"
            | "insa"
            | "insee"
            | "inserm"
            | "inspe"
            | "institut"
            | "institute"
            | "instituto"
            | "ird"
            | "irstea"
            | "iut"
            | "labex"
            | "laboratoire"
            | "laboratory"
            | "library"
            | "ltd"
            | "lycee"
            | "mairie"
            | "ministere"
            | "ministry"
            | "museum"
            | "mutuelle"
            | "network"
            | "ngo"
            | "observatoire"
            | "observatory"
            | "office"
            | "ong"
            | "polytechnique"
            | "presses"
            | "programme"
            | "publishing"
            | "recherche"
            | "region"
            | "research"
            | "reseau"
            | "sarl"
            | "school"
            | "sciences"
            | "societe"
            | "society"
            | "studies"
            | "syndicat"
            | "umr"
            | "ums"
            | "union"
            | "unite"
            | "univ"
            | "universidad"
            | "universidade"
            | "universita"
            | "universitat"
            | "universite"
            | "universiteit"
            | "university"
            | "upr"
            | "ville"
    )
}

impl Person {
    /// Parses one name as a repository wrote it. `id` is an authority reference if the format
    /// carries one (ETD-MS `@resource`, TEF `autoriteExterne`).
    pub fn parse(name: &str, id: Option<&str>) -> Result<Person, NameError> {
        let cleaned = clean_cow(name);
        if is_organisation(&cleaned) {
            return Err(NameError::Organisation(cleaned.into_owned()));
        }
        let stripped = strip_dates_and_roles(&cleaned);
        let stripped = stripped.trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
        if !stripped.chars().any(char::is_alphabetic) {
            return Err(NameError::Empty);
        }
        let (family, given) = match stripped.split_once(',') {
            Some((family, given)) => inverted(family, given),
            None => direct(stripped),
        };
        let family = recase(&family);
        let given = given.map(|g| recase(&g)).filter(|g| !g.is_empty());
        if family.is_empty() {
            return Err(NameError::Empty);
        }
        let display = match &given {
            Some(given) => format!("{given} {family}"),
            None => family.clone(),
        };
        Ok(Person {
            family,
            given,
            display,
            id: id.and_then(canonical_person_id),
        })
    }
}

/// "Family, Given": a particle the cataloguer left after the given name ("La Fontaine, Anne de")
/// moves back to the family name; a third part ("Jr.", dates) is dropped.
fn inverted(family: &str, given: &str) -> (String, Option<String>) {
    let given = given.split(',').next().unwrap_or("").trim();
    let mut given_words: Vec<&str> = given.split_whitespace().collect();
    let mut moved: Vec<&str> = Vec::new();
    while let Some(last) = given_words.last() {
        let prefix_particle = NAME_PREFIX_PARTICLES.contains(&fold(last).as_str());
        if given_words.len() > 1 && (is_particle(last) || prefix_particle) {
            moved.insert(0, last);
            given_words.pop();
        } else {
            break;
        }
    }
    let family = if moved.is_empty() {
        family.trim().to_owned()
    } else {
        format!("{} {}", moved.join(" "), family.trim())
    };
    let given = given_words.join(" ");
    (family, (!given.is_empty()).then_some(given))
}

/// Names without a comma: "DUPONT Marie", "Marie DUPONT", "Dupont J.-P.", "Marie Dupont",
/// "Anne-Sophie van der Meer", "Marie-Laure Le Gall".
fn direct(name: &str) -> (String, Option<String>) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let joined = |range: &[&str]| range.join(" ");
    if words.len() == 1 {
        return (words[0].to_owned(), None);
    }
    // Family name in capitals, before or after the given name.
    let caps: Vec<bool> = words.iter().map(|w| is_capitalised_word(w)).collect();
    if !caps.iter().all(|c| *c) {
        let leading = caps.iter().take_while(|c| **c).count();
        let trailing = caps.iter().rev().take_while(|c| **c).count();
        if leading > 0 {
            return (joined(&words[..leading]), Some(joined(&words[leading..])));
        }
        if trailing > 0 {
            let split = words.len() - trailing;
            return (joined(&words[split..]), Some(joined(&words[..split])));
        }
    }
    // "P.-H. Leclerc Faure", "J. Dupont": initials before the family name.
    let leading_initials = words.iter().take_while(|w| is_initials(w)).count();
    if leading_initials > 0 && leading_initials < words.len() {
        return (
            joined(&words[leading_initials..]),
            Some(joined(&words[..leading_initials])),
        );
    }
    // "Dupont J.-P.", "Dupont M.": initials after the family name.
    let initials = words.iter().rev().take_while(|w| is_initials(w)).count();
    if initials > 0 && initials < words.len() {
        let split = words.len() - initials;
        return (joined(&words[..split]), Some(joined(&words[split..])));
    }
    // "Lumley Henry de" (theses.fr's "Nom Prénom" with the particle last).
    let last = words.len() - 1;
    if last >= 2 && is_particle(words[last]) {
        let family = format!("{} {}", words[last], words[0]);
        return (family, Some(joined(&words[1..last])));
    }
    // "Given Family": the family name starts at the first lowercase particle, or at a
    // capitalised particle just before the last word.
    if let Some(start) = (1..words.len()).find(|&i| is_particle(words[i])) {
        return (joined(&words[start..]), Some(joined(&words[..start])));
    }
    if last >= 2 && CAPITALISED_PARTICLES.contains(&fold(words[last - 1]).as_str()) {
        return (joined(&words[last - 1..]), Some(joined(&words[..last - 1])));
    }
    (words[last].to_owned(), Some(joined(&words[..last])))
}

fn is_particle(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_lowercase) && PARTICLES.contains(&word)
        || word.starts_with("d'") && word.len() > 2
        || word.starts_with("d’") && word.len() > 4
}

/// A word written in capitals: two letters or more, no lowercase ("DUPONT", "N'DIAYE",
/// "LE"); initials with dots are not ("J.-P.").
fn is_capitalised_word(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2 && !word.contains('.') && !word.chars().any(char::is_lowercase)
}

/// "J.", "J.-P.", "M.A.", "J-P".
fn is_initials(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    (1..=3).contains(&letters)
        && word
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, '.' | '-'))
        && (word.contains('.') || letters == 1)
}

/// Words written in capitals get their usual case back ("DUPONT-MARTIN" → "Dupont-Martin",
/// "N'DIAYE" → "N'Diaye", "DE LA FONTAINE" → "de La Fontaine"); other words are left as written.
fn recase(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (index, word) in words.iter().enumerate() {
        if !is_capitalised_word(word) {
            out.push((*word).to_owned());
            continue;
        }
        let lower = word.to_lowercase();
        let followed = index + 1 < words.len();
        if followed && PARTICLES.contains(&lower.as_str()) && index == 0 {
            out.push(lower);
            continue;
        }
        let mut cased = String::with_capacity(word.len());
        let mut start = true;
        for c in lower.chars() {
            if start {
                cased.extend(c.to_uppercase());
            } else {
                cased.push(c);
            }
            start = matches!(c, '-' | '\'' | '’');
        }
        out.push(cased);
    }
    out.join(" ")
}

/// Removes life dates and role notes: "Dupont, Marie, 1975-", "Dupont, Marie (1975-....)",
/// "Dupont, Marie 1950-2020", "Dupont, Marie (dir.)".
fn strip_dates_and_roles(name: &str) -> String {
    let mut text = name.trim().to_owned();
    loop {
        let before = text.len();
        if text.ends_with(')')
            && let Some(open) = text.rfind('(')
        {
            let inside = fold(&text[open + 1..text.len() - 1]);
            let role = matches!(
                inside.trim_end_matches('.').trim(),
                "dir"
                    | "ed"
                    | "eds"
                    | "coord"
                    | "directeur de these"
                    | "directrice de these"
                    | "co-dir"
                    | "codir"
                    | "trad"
                    | "sous la dir"
            );
            if role || inside.chars().any(|c| c.is_ascii_digit()) {
                text.truncate(open);
            }
        }
        let trimmed_len = text
            .trim_end_matches(|c: char| {
                c.is_ascii_digit() || matches!(c, '-' | '.' | '?' | ' ' | ',' | '–')
            })
            .len();
        // Only cut a run that holds a year (four digits), not an initial's dot.
        if text[trimmed_len..]
            .chars()
            .filter(char::is_ascii_digit)
            .count()
            >= 4
        {
            text.truncate(trimmed_len);
        }
        text = text.trim_end().to_owned();
        if text.len() == before {
            return text;
        }
    }
}

/// Organisations' names: labs, universities, companies, departments. Recognised by the words
/// they use (whole folded words) and by shapes persons' names do not have: a ";" joining a lab
/// to its institutions, an acronym in parentheses, a number (UMR 8019), many words.
pub fn is_organisation(name: &str) -> bool {
    let without_dates = strip_dates_and_roles(name);
    if without_dates.contains(';') || without_dates.contains('&') {
        return true;
    }
    if without_dates.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    if has_parenthesised_acronym(&without_dates) {
        return true;
    }
    let folded = fold(&without_dates);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.len() > 6 || words.iter().any(|w| is_organisation_word(w))
}

fn has_parenthesised_acronym(text: &str) -> bool {
    text.split('(').skip(1).any(|part| {
        let inside = part.split(')').next().unwrap_or("");
        inside.chars().filter(|c| c.is_uppercase()).count() >= 2
            && !inside.chars().any(char::is_lowercase)
    })
}

/// The canonical form of a person's authority reference: ORCID as "https://orcid.org/XXXX-…"
/// (checksum verified), IdRef/Sudoc PPNs (TEF gives them bare) as "https://www.idref.fr/PPN",
/// other URIs normalised; `None` for anything else.
pub fn canonical_person_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some(orcid) = find_orcid(raw) {
        return Some(format!("https://orcid.org/{orcid}"));
    }
    let lower = raw.to_ascii_lowercase();
    if let Some(index) = lower.find("idref.fr/") {
        let ppn: String = raw[index + 9..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        return is_ppn(&ppn).then(|| format!("https://www.idref.fr/{}", ppn.to_ascii_uppercase()));
    }
    if is_ppn(raw) {
        return Some(format!("https://www.idref.fr/{}", raw.to_ascii_uppercase()));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let mut url = url::Url::parse(raw).ok()?;
        url.set_fragment(None);
        let mut text = url.to_string();
        if text.ends_with('/') {
            text.pop();
        }
        return Some(text);
    }
    None
}

/// A Sudoc/IdRef PPN: eight digits and a check character (digit or X).
fn is_ppn(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 9
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && (bytes[8].is_ascii_digit() || bytes[8] == b'X' || bytes[8] == b'x')
}

/// "0000-0003-2823-504X" anywhere in the text, with a valid ISO 7064 11,2 check character.
fn find_orcid(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(19).find_map(|window| {
        let candidate: String = window.iter().collect();
        let groups: Vec<&str> = candidate.split('-').collect();
        let shaped = candidate.is_ascii()
            && groups.len() == 4
            && groups.iter().all(|g| g.len() == 4)
            && candidate[..18]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-')
            && candidate
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == 'X' || c == 'x');
        if !shaped {
            return None;
        }
        let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
        let total = digits[..15].iter().fold(0u32, |total, d| (total + d) * 2);
        let check = (12 - total % 11) % 11;
        let expected = if check == 10 {
            'X'
        } else {
            char::from_digit(check, 10)?
        };
        (candidate.chars().last()?.to_ascii_uppercase() == expected)
            .then(|| candidate.to_ascii_uppercase())
    })
}

/// The key two spellings of the same person share: folded family name without particles,
/// spaces or hyphens, then the first initial ("de La Fontaine, Anne" and "La Fontaine, Anne de"
/// → "lafontaine a"; "DUPONT M." and "Dupont, Marie" → "dupont m").
pub fn name_key(person: &Person) -> String {
    name_key_folded(
        &fold(&person.family),
        person.given.as_deref().map(fold).as_deref(),
    )
}

/// [`name_key`] of a person whose family and given names are folded already (dedup folds
/// them once for all its keys).
pub fn name_key_folded(folded: &str, folded_given: Option<&str>) -> String {
    let words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let mut start = 0;
    while start + 1 < words.len() && is_sorting_particle(words[start]) {
        start += 1;
    }
    let mut key: String = words[start..]
        .iter()
        .flat_map(|w| w.chars())
        .filter(|c| c.is_alphanumeric())
        .collect();
    // "d'Argenson": the elided particle is glued to the name.
    if let Some(rest) = key.strip_prefix('d')
        && words.get(start).is_some_and(|w| w.starts_with("d'"))
    {
        key = rest.to_owned();
    }
    if let Some(initial) = folded_given.and_then(|g| g.chars().find(|c| c.is_alphanumeric())) {
        key.push(' ');
        key.push(initial);
    }
    key
}

fn is_sorting_particle(folded_word: &str) -> bool {
    matches!(
        folded_word,
        "de" | "du"
            | "des"
            | "van"
            | "von"
            | "der"
            | "den"
            | "ter"
            | "ten"
            | "da"
            | "di"
            | "do"
            | "dos"
            | "das"
            | "del"
            | "della"
            | "degli"
            | "y"
            | "zu"
            | "af"
    )
}

#[cfg(test)]
mod tests;
