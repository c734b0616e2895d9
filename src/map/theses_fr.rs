//! Crosswalk for theses.fr's search API (`/api/v1/theses/recherche/`, ABES's
//! `TheseLiteResponseDto`): one JSON thesis into the same [`Record`] TEF gives. Its quirks:
//! dates are `dd/MM/yyyy` (and `null` for a thesis in preparation), `titrePrincipal` is the
//! thesis's main-language title (English for an English thesis; `titreEN` then repeats it,
//! and is `""` when there is none), persons are `{nom, prenom, ppn}` objects whose PPN is an
//! IdRef authority (a string: leading zeros, a final `X`), and the id is the NNT once the
//! thesis is defended, `s<digits>` before.

use serde_json::Value;

use super::{Agent, Degree, LangText, MapError, Record, push_unique, row::iso_date};
use crate::vocab::{Lang, RecordType};

/// The format name stored with each record (provenance).
pub const FORMAT: &str = "theses-fr";

/// Maps one thesis of a theses.fr answer. A thesis without a title is an error (→ rejects).
pub fn map_these(these: &Value, record_type: Option<RecordType>) -> Result<Record, MapError> {
    let mut record = Record {
        record_type,
        ..Record::default()
    };
    if let Some(kind) = record_type {
        record.types.push(kind.label(Lang::En).to_owned());
    }
    let main_title = text(these, "titrePrincipal");
    let english_title = text(these, "titreEN");
    match (main_title, english_title) {
        (Some(main), Some(english)) if main == english => push_unique(
            &mut record.titles,
            LangText {
                value: main,
                lang: Some("en".into()),
            },
        ),
        (main, english) => {
            if let Some(value) = main {
                push_unique(&mut record.titles, LangText { value, lang: None });
            }
            if let Some(value) = english {
                let title = LangText {
                    value,
                    lang: Some("en".into()),
                };
                match record.titles.is_empty() {
                    true => record.titles.push(title),
                    false => push_unique(&mut record.alternative_titles, title),
                }
            }
        }
    }
    if record.titles.is_empty() {
        return Err(MapError::NoTitle { format: FORMAT });
    }
    for author in persons(these, "auteurs") {
        push_unique(&mut record.creators, author.agent(None));
    }
    for (key, role) in [
        ("directeurs", "advisor"),
        ("president", "jury president"),
        ("rapporteurs", "reviewer"),
        ("examinateurs", "jury member"),
    ] {
        for person in persons(these, key) {
            push_unique(&mut record.contributors, person.agent(Some(role)));
        }
    }
    // Defended: the defence date. In preparation: no date (the first enrolment is not one).
    if let Some(date) = text(these, "dateSoutenance") {
        push_unique(
            &mut record.dates,
            iso_date(&date, Some("%d/%m/%Y")).unwrap_or(date),
        );
    }
    if let Some(nnt) = text(these, "nnt") {
        push_unique(&mut record.identifiers, format!("NNT: {nnt}"));
    }
    if let Some(doi) = text(these, "doi") {
        push_unique(&mut record.identifiers, format!("doi:{doi}"));
    }
    if let Some(id) = text(these, "id") {
        push_unique(&mut record.identifiers, format!("https://theses.fr/{id}"));
    }
    for subject in list(these, "sujets") {
        if let Some(value) = text(subject, "libelle") {
            let lang = text(subject, "langue");
            push_unique(&mut record.subjects, LangText { value, lang });
        }
    }
    for subject in list(these, "sujetsRameau") {
        if let Some(value) = text(subject, "libelle") {
            let lang = Some("fr".to_owned());
            push_unique(&mut record.subjects, LangText { value, lang });
        }
    }
    for school in list(these, "ecolesDoctorale") {
        if let Some(name) = text(school, "nom") {
            push_unique(&mut record.publishers, name);
        }
    }
    let grantor = text(these, "etabSoutenanceN");
    if let Some(grantor) = &grantor {
        push_unique(&mut record.publishers, grantor.clone());
    }
    record.degree = Some(Degree {
        name: None,
        level: Some("Doctorat".into()),
        discipline: text(these, "discipline"),
        grantor,
    });
    Ok(record)
}

/// A non-empty string at `key` (numbers written as text), whitespace collapsed.
fn text(value: &Value, key: &str) -> Option<String> {
    let raw = match value.get(key)? {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The objects of the list at `key` (one object counts as a list of one); anything else in the
/// list (abbreviation markers in published excerpts) is skipped.
fn list<'v>(value: &'v Value, key: &str) -> Vec<&'v Value> {
    match value.get(key) {
        Some(Value::Array(items)) => items.iter().filter(|item| item.is_object()).collect(),
        Some(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    }
}

struct Person {
    name: String,
    ppn: Option<String>,
}

impl Person {
    fn agent(self, role: Option<&str>) -> Agent {
        Agent {
            name: self.name,
            role: role.map(str::to_owned),
            id: self.ppn.map(|ppn| format!("https://www.idref.fr/{ppn}")),
        }
    }
}

/// "Nom, Prénom" for each person at `key`, with the PPN when given.
fn persons(value: &Value, key: &str) -> Vec<Person> {
    list(value, key)
        .into_iter()
        .filter_map(|person| {
            let family = text(person, "nom")?;
            let name = match text(person, "prenom") {
                Some(given) => format!("{family}, {given}"),
                None => family,
            };
            Some(Person {
                name,
                ppn: text(person, "ppn"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixtures_dir;

    /// The real (abbreviated) payload quoted in the fixtures' notes, section 5.2.
    fn fixture_these() -> Value {
        let notes =
            std::fs::read_to_string(fixtures_dir().join("non-oai/thesesfr-api.md")).unwrap();
        let section = &notes[notes.find("## 5.2").unwrap()..];
        let start = section.find("```json").unwrap() + "```json".len();
        let end = start + section[start..].find("```").unwrap();
        serde_json::from_str(&section[start..end]).unwrap()
    }

    #[test]
    fn a_defended_thesis_keeps_its_jury_nnt_french_date_and_subjects() {
        let record = map_these(&fixture_these(), Some(RecordType::Thesis)).unwrap();
        // titreEN repeats an English main title: one title, in English.
        assert_eq!(record.titles.len(), 1);
        assert_eq!(record.titles[0].lang.as_deref(), Some("en"));
        assert!(record.alternative_titles.is_empty());
        assert_eq!(record.dates, ["2022-09-22"]);
        assert_eq!(record.creators[0].name, "Robert, Léo");
        assert_eq!(
            record.creators[0].id.as_deref(),
            Some("https://www.idref.fr/26761991X")
        );
        let roles = |role: &str| -> Vec<&str> {
            record
                .contributors
                .iter()
                .filter(|c| c.role.as_deref() == Some(role))
                .map(|c| c.name.as_str())
                .collect()
        };
        assert_eq!(
            roles("advisor"),
            ["Lafourcade, Pascal", "Onete, Maria Cristina"]
        );
        assert_eq!(roles("jury president"), ["Pointcheval, David"]);
        assert_eq!(roles("reviewer").len(), 2);
        assert_eq!(roles("jury member").len(), 3);
        // PPNs keep their leading zeros.
        assert!(
            record
                .contributors
                .iter()
                .any(|c| c.id.as_deref() == Some("https://www.idref.fr/07790821X"))
        );
        assert!(record.identifiers.contains(&"NNT: 2022UCFAC034".to_owned()));
        assert!(
            record
                .identifiers
                .contains(&"doi:10.70675/406566ecz9cd7z41dbz8333zda4c1226764f".to_owned())
        );
        // Six real subjects with their language, two RAMEAU ones; the abbreviation markers skipped.
        assert_eq!(record.subjects.len(), 8, "{:?}", record.subjects);
        assert!(
            record
                .subjects
                .iter()
                .any(|s| s.value == "Security protocols" && s.lang.as_deref() == Some("en"))
        );
        let degree = record.degree.unwrap();
        assert_eq!(degree.discipline.as_deref(), Some("Informatique"));
        assert_eq!(
            degree.grantor.as_deref(),
            Some("Université Clermont Auvergne (2021-...)")
        );
        assert!(
            record
                .publishers
                .iter()
                .any(|p| p.starts_with("École doctorale des sciences pour l'ingénieur"))
        );
    }

    #[test]
    fn a_thesis_in_preparation_has_no_date_and_no_nnt() {
        let these = serde_json::json!({
            "id": "s408792", "titrePrincipal": "Les coopératives d'habitants en Bretagne",
            "titreEN": "", "status": "enCours", "nnt": null, "doi": null,
            "dateSoutenance": null, "datePremiereInscriptionDoctorat": "01/10/2024",
            "auteurs": [{"nom": "Le Goff", "prenom": "Anne", "ppn": null}],
            "directeurs": [], "sujets": null
        });
        let record = map_these(&these, Some(RecordType::Thesis)).unwrap();
        assert_eq!(record.titles[0].lang, None);
        assert!(record.dates.is_empty());
        assert_eq!(record.identifiers, ["https://theses.fr/s408792"]);
        assert_eq!(record.creators[0].name, "Le Goff, Anne");
        assert_eq!(record.creators[0].id, None);
        let untitled = serde_json::json!({"id": "s1", "titrePrincipal": " ", "titreEN": ""});
        assert!(map_these(&untitled, None).is_err());
    }
}
