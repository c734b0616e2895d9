//! Crosswalk for HAL's `xml-tei` OAI-PMH format: the deposit's `biblFull`, which carries what
//! oai_dc loses for a thesis: the defence date (`monogr/imprint/date[@type="dateDefended"]`),
//! the institution and doctoral school, supervisors and jury (`monogr/authority[@type]`), HAL
//! domains (`classCode[@scheme="halDomain"]`) and the author's HAL id, spelt `halauthor`,
//! `halAuthorId` or `halauthorid` depending on the record's vintage. Read by namespace URI:
//! HAL prefixes TEI with `tei:` in OAI responses and uses the default namespace in exports.

use super::{Agent, Degree, LangText, Record, clean, lang_text, push_unique};
use crate::xml::Element;

pub const NAMESPACE: &str = "http://www.tei-c.org/ns/1.0";

pub fn map(root: &Element) -> Record {
    let mut record = Record::default();
    let Some(bibl) = root
        .descendants()
        .into_iter()
        .find(|e| e.namespace == NAMESPACE && e.name == "biblFull")
    else {
        return record;
    };
    if let Some(statement) = child(bibl, "titleStmt") {
        for title in statement.children_named(NAMESPACE, "title") {
            if let Some(text) = lang_text(title) {
                push_unique(&mut record.titles, text);
            }
        }
        for author in statement.children_named(NAMESPACE, "author") {
            if author.attr("role").is_some_and(|r| r != "aut") {
                continue;
            }
            if let Some(agent) = person(author) {
                push_unique(&mut record.creators, agent);
            }
        }
    }
    if let Some(publication) = child(bibl, "publicationStmt") {
        for idno in publication.children_named(NAMESPACE, "idno") {
            if matches!(idno.attr("type"), Some("halId" | "halUri" | "nnt" | "doi"))
                && let Some(value) = clean(idno)
            {
                let value = match idno.attr("type") {
                    Some("nnt") => format!("NNT: {value}"),
                    _ => value,
                };
                push_unique(&mut record.identifiers, value);
            }
        }
    }
    let monogr = child(bibl, "sourceDesc")
        .and_then(|d| child(d, "biblStruct"))
        .and_then(|s| child(s, "monogr"));
    let mut degree = Degree::default();
    if let Some(monogr) = monogr {
        let defended = child(monogr, "imprint").and_then(|imprint| {
            imprint
                .children_named(NAMESPACE, "date")
                .find(|d| d.attr("type") == Some("dateDefended"))
                .and_then(clean)
        });
        if let Some(date) = defended {
            push_unique(&mut record.dates, date);
        }
        for authority in monogr.children_named(NAMESPACE, "authority") {
            let Some(value) = clean(authority) else {
                continue;
            };
            match authority.attr("type") {
                Some("institution") => {
                    degree.grantor.get_or_insert(value);
                }
                Some(role @ ("school" | "supervisor" | "jury")) => {
                    let role = match role {
                        "school" => "doctoral school",
                        "supervisor" => "advisor",
                        _ => "jury member",
                    };
                    push_unique(
                        &mut record.contributors,
                        Agent {
                            name: value,
                            role: Some(role.to_owned()),
                            id: None,
                        },
                    );
                }
                _ => {}
            }
        }
    }
    // Without a defence date, the date the work was produced (a year, or a day).
    if record.dates.is_empty()
        && let Some(produced) = child(bibl, "editionStmt")
            .and_then(|s| child(s, "edition"))
            .and_then(|edition| {
                edition
                    .children_named(NAMESPACE, "date")
                    .find(|d| d.attr("type") == Some("whenProduced"))
                    .and_then(clean)
            })
    {
        push_unique(&mut record.dates, produced);
    }
    if let Some(profile) = child(bibl, "profileDesc") {
        profile_fields(profile, &mut record, &mut degree);
    }
    if degree != Degree::default() {
        record.degree = Some(degree);
    }
    if let Some(licence) = root
        .descendants()
        .into_iter()
        .find(|e| e.namespace == NAMESPACE && e.name == "licence")
        .and_then(|l| l.attr("target"))
    {
        push_unique(&mut record.rights, licence.to_owned());
    }
    record
}

fn child<'e, 'd>(parent: &'e Element<'d>, name: &str) -> Option<&'e Element<'d>> {
    parent.child(NAMESPACE, name)
}

/// Language, keywords, HAL domains, the HAL document type, abstracts.
fn profile_fields(profile: &Element, record: &mut Record, degree: &mut Degree) {
    for element in profile.descendants() {
        if element.namespace != NAMESPACE {
            continue;
        }
        match element.name.as_ref() {
            "language" => {
                if let Some(code) = element.attr("ident") {
                    push_unique(&mut record.languages, code.to_owned());
                }
            }
            "term" => {
                if let Some(text) = lang_text(element) {
                    push_unique(&mut record.subjects, text);
                }
            }
            "classCode" => match element.attr("scheme") {
                Some("halDomain") => {
                    if let Some(value) = clean(element) {
                        degree.discipline.get_or_insert_with(|| value.clone());
                        push_unique(
                            &mut record.subjects,
                            LangText {
                                value,
                                lang: Some("en".into()),
                            },
                        );
                    }
                }
                Some("halTypology") => {
                    let kind = match element.attr("n").unwrap_or_default() {
                        "THESE" => "info:eu-repo/semantics/doctoralThesis",
                        "MEM" => "info:eu-repo/semantics/masterThesis",
                        "HDR" => "HDR",
                        "REPORT" => "info:eu-repo/semantics/report",
                        _ => continue,
                    };
                    push_unique(&mut record.types, kind.to_owned());
                }
                _ => {}
            },
            "abstract" => {
                if let Some(text) = lang_text(element) {
                    push_unique(&mut record.abstracts, text);
                }
            }
            _ => {}
        }
    }
}

/// "Surname, Forename" from a `persName`, with the best identifier the author carries: ORCID,
/// then IdRef, then the HAL author id in any of its three spellings.
fn person(author: &Element) -> Option<Agent> {
    let name = match author.child(NAMESPACE, "persName") {
        Some(pers) => {
            let part = |name: &str| pers.child(NAMESPACE, name).and_then(clean);
            match (part("surname"), part("forename")) {
                (Some(surname), Some(forename)) => format!("{surname}, {forename}"),
                (Some(surname), None) => surname,
                _ => clean(pers)?,
            }
        }
        None => clean(author)?,
    };
    let idno = |kinds: &[&str]| {
        author
            .children_named(NAMESPACE, "idno")
            .find(|i| {
                i.attr("type")
                    .is_some_and(|t| kinds.iter().any(|k| t.eq_ignore_ascii_case(k)))
            })
            .and_then(clean)
    };
    let id = idno(&["ORCID"])
        .map(|orcid| match orcid.starts_with("http") {
            true => orcid,
            false => format!("https://orcid.org/{orcid}"),
        })
        .or_else(|| {
            idno(&["IDREF"]).map(|idref| match idref.starts_with("http") {
                true => idref,
                false => format!("https://www.idref.fr/{idref}"),
            })
        })
        .or_else(|| {
            idno(&["halauthor", "halAuthorId", "halauthorid"]).map(|id| format!("hal-author:{id}"))
        });
    Some(Agent {
        name,
        role: None,
        id,
    })
}
