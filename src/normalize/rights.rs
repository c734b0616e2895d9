//! Access status, embargo end and licence from `dc:rights`-like statements: OpenAIRE's
//! `info:eu-repo/semantics/*Access` and `info:eu-repo/date/embargoEnd/…`, licence URLs and
//! names (Creative Commons, Etalab's Licence Ouverte), free text in French or English.

use serde::{Deserialize, Serialize};

use super::dates::PartialDate;
use super::text::fold;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Open,
    /// Closed until `embargo_until` (compare with today: this stage has no clock).
    Embargoed,
    /// Restricted or closed access.
    Restricted,
    #[default]
    Unknown,
}

/// What the rights statements of a record say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights {
    pub access: Access,
    /// ISO date ("2025-01-01", or less precise) the embargo ends.
    pub embargo_until: Option<String>,
    /// Canonical short id ("CC-BY-NC-ND-4.0", "CC0-1.0", "etalab-2.0").
    pub licence: Option<String>,
}

const EMBARGO_END: &str = "info:eu-repo/date/embargoend/";

/// Reads rights statements (and dates, where OpenAIRE puts the embargo end). Explicit
/// `info:eu-repo` access wins over free text, which wins over what a licence implies (a
/// Creative Commons licence means the text is open).
pub fn rights<'a>(
    statements: impl IntoIterator<Item = &'a str>,
    dates: impl IntoIterator<Item = &'a str>,
) -> Rights {
    let mut explicit = None;
    let mut textual = None;
    let mut embargo_until = None;
    let mut licence = None;
    for date in dates {
        if let Some(end) = embargo_end(date) {
            embargo_until.get_or_insert(end);
        }
    }
    for statement in statements {
        let lower = statement.trim().to_ascii_lowercase();
        if let Some(end) = embargo_end(statement) {
            embargo_until.get_or_insert(end);
            continue;
        }
        if let Some(kind) = lower.strip_prefix("info:eu-repo/semantics/") {
            let access = match kind {
                "openaccess" => Some(Access::Open),
                "embargoedaccess" => Some(Access::Embargoed),
                "restrictedaccess" | "closedaccess" => Some(Access::Restricted),
                _ => None,
            };
            if explicit.is_none() {
                explicit = access;
            }
            continue;
        }
        if licence.is_none() {
            licence = licence_id(statement);
        }
        let folded = fold(statement);
        if textual.is_none() {
            textual = access_from_text(&folded);
        }
        if embargo_until.is_none() && folded.contains("embargo") {
            embargo_until = date_in_text(statement);
        }
    }
    let access = explicit
        .or(textual)
        .or(embargo_until.as_ref().map(|_| Access::Embargoed))
        .or(licence.as_ref().map(|_| Access::Open))
        .unwrap_or(Access::Unknown);
    Rights {
        access,
        embargo_until,
        licence,
    }
}

fn embargo_end(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix(EMBARGO_END)?;
    PartialDate::parse(rest).ok().map(|d| d.to_string())
}

/// "Embargo jusqu'au 2025-01-01", "embargoed until 1 June 2025": the most precise date found in
/// a window of one to three words.
fn date_in_text(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut best: Option<PartialDate> = None;
    for start in 0..words.len() {
        for length in 1..=3 {
            if start + length > words.len() {
                break;
            }
            let candidate = words[start..start + length]
                .join(" ")
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_owned();
            if candidate.chars().filter(char::is_ascii_digit).count() < 4 {
                continue;
            }
            if let Ok(date) = PartialDate::parse(&candidate)
                && best.is_none_or(|b| date.precision() > b.precision())
            {
                best = Some(date);
            }
        }
    }
    best.map(|date| date.to_string())
}

fn access_from_text(folded: &str) -> Option<Access> {
    let any = |list: &[&str]| list.iter().any(|p| folded.contains(p));
    if any(&["embargo"]) {
        return Some(Access::Embargoed);
    }
    if any(&[
        "acces restreint",
        "restricted access",
        "closed access",
        "acces reserve",
        "acces ferme",
        "confidentiel",
        "confidential",
        "intranet",
        "non communicable",
    ]) {
        return Some(Access::Restricted);
    }
    if any(&[
        "open access",
        "openaccess",
        "acces libre",
        "libre acces",
        "acces ouvert",
        "en libre acces",
        "freely available",
    ]) {
        return Some(Access::Open);
    }
    None
}

/// The canonical short id of a licence named or linked in a statement.
pub fn licence_id(statement: &str) -> Option<String> {
    let folded = fold(statement);
    if folded.contains("publicdomain/zero") || has_word(&folded, "cc0") {
        return Some("CC0-1.0".to_owned());
    }
    if folded.contains("publicdomain/mark") {
        return Some("PDM-1.0".to_owned());
    }
    if let Some(index) = folded.find("creativecommons.org/licenses/") {
        let path = &folded[index + "creativecommons.org/licenses/".len()..];
        let mut segments = path.split('/');
        let code = segments.next().filter(|c| !c.is_empty())?;
        let version = segments.next().filter(|v| is_version(v));
        return Some(cc_id(&code.to_ascii_uppercase(), version));
    }
    if folded.contains("licence ouverte")
        || folded.contains("open licence")
        || folded.contains("open license")
        || folded.contains("etalab")
    {
        let version = if folded.contains("1.0") { "1.0" } else { "2.0" };
        return Some(format!("etalab-{version}"));
    }
    if has_word(&folded, "odbl") {
        return Some("ODbL-1.0".to_owned());
    }
    let creative_commons = folded.contains("creative commons")
        || folded.contains("creativecommons")
        || has_word(&folded, "cc");
    if !creative_commons {
        return None;
    }
    let words: Vec<&str> = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let contains = |list: &[&str]| list.iter().any(|p| folded.contains(p));
    let by = has(&["by", "attribution", "paternite"]);
    if !by {
        return None;
    }
    let mut code = String::from("BY");
    if has(&["nc", "noncommercial"])
        || contains(&[
            "non commercial",
            "non-commercial",
            "pas d'utilisation commerciale",
        ])
    {
        code.push_str("-NC");
    }
    if has(&["nd", "noderivs", "noderivatives"])
        || contains(&["no derivative", "no-derivative", "pas de modification"])
    {
        code.push_str("-ND");
    } else if has(&["sa", "sharealike"])
        || contains(&[
            "share alike",
            "share-alike",
            "partage dans les memes conditions",
        ])
    {
        code.push_str("-SA");
    }
    let version = words.iter().copied().find(|w| is_version(w));
    Some(cc_id(&code, version))
}

fn cc_id(code: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("CC-{code}-{version}"),
        None => format!("CC-{code}"),
    }
}

fn is_version(text: &str) -> bool {
    matches!(text, "1.0" | "2.0" | "2.5" | "3.0" | "4.0")
}

fn has_word(folded: &str, word: &str) -> bool {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(statements: &[&str]) -> Rights {
        rights(statements.iter().copied(), [])
    }

    #[test]
    fn eu_repo_access_values() {
        assert_eq!(
            of(&["info:eu-repo/semantics/OpenAccess"]).access,
            Access::Open
        );
        assert_eq!(
            of(&["info:eu-repo/semantics/openAccess"]).access,
            Access::Open
        );
        assert_eq!(
            of(&["info:eu-repo/semantics/embargoedAccess"]).access,
            Access::Embargoed
        );
        assert_eq!(
            of(&["info:eu-repo/semantics/restrictedAccess"]).access,
            Access::Restricted
        );
        assert_eq!(
            of(&["info:eu-repo/semantics/closedAccess"]).access,
            Access::Restricted
        );
        assert_eq!(of(&["© Maxime Ouellet, 2017"]).access, Access::Unknown);
    }

    #[test]
    fn embargo_end_from_openaire_dates_and_text() {
        let found = rights(
            ["info:eu-repo/semantics/embargoedAccess"],
            ["2019-06-12", "info:eu-repo/date/embargoEnd/2025-01-01"],
        );
        assert_eq!(found.access, Access::Embargoed);
        assert_eq!(found.embargo_until.as_deref(), Some("2025-01-01"));
        let text = of(&["Thèse sous embargo jusqu'au 01/06/2027"]);
        assert_eq!(text.access, Access::Embargoed);
        assert_eq!(text.embargo_until.as_deref(), Some("2027-06-01"));
    }

    #[test]
    fn free_text_access() {
        assert_eq!(of(&["Open Access"]).access, Access::Open);
        assert_eq!(of(&["Accès libre"]).access, Access::Open);
        assert_eq!(
            of(&["Accès restreint à l'Université"]).access,
            Access::Restricted
        );
        assert_eq!(of(&["Document confidentiel"]).access, Access::Restricted);
        // Explicit OpenAIRE value wins over text.
        assert_eq!(
            of(&["Accès restreint", "info:eu-repo/semantics/openAccess"]).access,
            Access::Open
        );
        // A Creative Commons licence alone means open.
        let licensed = of(&["http://creativecommons.org/licenses/by/4.0/"]);
        assert_eq!(licensed.access, Access::Open);
    }

    #[test]
    fn licences_from_urls_and_names() {
        let cases = [
            (
                "http://creativecommons.org/licenses/by-nc-nd/4.0/",
                "CC-BY-NC-ND-4.0",
            ),
            (
                "https://creativecommons.org/licenses/by/4.0/deed.fr",
                "CC-BY-4.0",
            ),
            (
                "http://creativecommons.org/licenses/by-sa/3.0/fr/",
                "CC-BY-SA-3.0",
            ),
            (
                "https://creativecommons.org/publicdomain/zero/1.0/",
                "CC0-1.0",
            ),
            ("CC BY-NC-ND 4.0", "CC-BY-NC-ND-4.0"),
            ("CC-BY 4.0", "CC-BY-4.0"),
            (
                "Attribution - NonCommercial - NoDerivatives 4.0 International (CC BY-NC-ND 4.0)",
                "CC-BY-NC-ND-4.0",
            ),
            (
                "Creative Commons Paternité - Pas d'Utilisation Commerciale - Pas de Modification 4.0",
                "CC-BY-NC-ND-4.0",
            ),
            (
                "Creative Commons Attribution - Partage dans les Mêmes Conditions 4.0",
                "CC-BY-SA-4.0",
            ),
            ("Licence Ouverte / Open Licence version 2.0", "etalab-2.0"),
            (
                "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
                "etalab-2.0",
            ),
            ("Creative Commons BY", "CC-BY"),
        ];
        for (text, expected) in cases {
            assert_eq!(licence_id(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(licence_id("© Maxime Ouellet, 2017"), None);
        assert_eq!(licence_id("Tous droits réservés"), None);
        assert_eq!(licence_id("Accès libre"), None);
    }
}
