//! Crosswalk for TEF (Thèses électroniques françaises, ABES/theses.fr): a METS document whose
//! `tef:thesisRecord` holds Dublin Core and whose `tef:thesisAdmin` holds the author, advisors,
//! jury, NNT, defence date and degree.

use super::{Agent, Degree, Record, clean, map_dublin_core_children, push_unique};
use crate::xml::Element;

pub const METS_NAMESPACE: &str = "http://www.loc.gov/METS/";
pub const TEF_NAMESPACE: &str = "http://www.abes.fr/abes/documents/tef";

/// METS wraps many profiles (DSpace's METS has no TEF): only TEF is mapped.
pub fn is_tef(root: &Element) -> bool {
    root.descendants()
        .iter()
        .any(|e| e.namespace == TEF_NAMESPACE && e.name == "thesisRecord")
}

pub fn map(root: &Element) -> Record {
    let mut record = Record::default();
    let descendants = root.descendants();
    let tef =
        |element: &&Element, name: &str| element.namespace == TEF_NAMESPACE && element.name == name;
    for thesis_record in descendants.iter().filter(|e| tef(e, "thesisRecord")) {
        map_dublin_core_children(thesis_record, &mut record);
        // dc:description in TEF is rare; abstracts are dcterms:abstract, handled above.
    }
    for admin in descendants.iter().filter(|e| tef(e, "thesisAdmin")) {
        for child in &admin.children {
            let role = match (child.namespace.as_ref(), child.name.as_ref()) {
                (TEF_NAMESPACE, "auteur") => {
                    if let Some(agent) = person(child, None) {
                        push_unique(&mut record.creators, agent);
                    }
                    continue;
                }
                (TEF_NAMESPACE, "directeurThese") => "advisor",
                (TEF_NAMESPACE, "presidentJury") => "jury president",
                (TEF_NAMESPACE, "membreJury") => "jury member",
                (TEF_NAMESPACE, "rapporteur") => "reviewer",
                (TEF_NAMESPACE, "thesis.degree") => {
                    record.degree = Some(degree(child));
                    continue;
                }
                (TEF_NAMESPACE, "ecoleDoctorale") => {
                    if let Some(name) = child.child(TEF_NAMESPACE, "nom").and_then(clean) {
                        push_unique(&mut record.publishers, name);
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(agent) = person(child, Some(role)) {
                push_unique(&mut record.contributors, agent);
            }
        }
        // NNT, defence date and other identifiers sit as dc:/dcterms: children of thesisAdmin.
        map_dublin_core_children(admin, &mut record);
    }
    record
}

/// "Nom, Prénom" from `tef:nom` / `tef:prenom`, with the IdRef authority when present.
fn person(element: &Element, role: Option<&str>) -> Option<Agent> {
    let family = element.child(TEF_NAMESPACE, "nom").and_then(clean)?;
    let name = match element.child(TEF_NAMESPACE, "prenom").and_then(clean) {
        Some(given) => format!("{family}, {given}"),
        None => family,
    };
    let id = element
        .child(TEF_NAMESPACE, "autoriteExterne")
        .and_then(clean)
        .filter(|id| !id.is_empty());
    Some(Agent {
        name,
        role: role.map(str::to_owned),
        id,
    })
}

fn degree(element: &Element) -> Degree {
    let part = |name: &str| element.child(TEF_NAMESPACE, name);
    Degree {
        name: None,
        level: part("thesis.degree.level").and_then(clean),
        discipline: part("thesis.degree.discipline").and_then(clean),
        grantor: part("thesis.degree.grantor").and_then(|g| {
            g.child(TEF_NAMESPACE, "nom")
                .and_then(clean)
                .or_else(|| clean(g))
        }),
    }
}
