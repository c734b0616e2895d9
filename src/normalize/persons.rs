//! The persons of a record: its authors (creators that are persons; the organisations among
//! them set aside for the institution) and its advisors (contributors by role, or by position in
//! a thesis record).

use super::{DegreeType, NameError, Person, Problem, fold, is_organisation, name_key};
use crate::map::Record;

/// Creators that are persons, and those that are organisations (corporate authors of reports,
/// used as institution). A creator packing several persons ("Dupont, Marie ; Martin, Jean") is
/// split.
pub(super) fn authors(record: &Record, problems: &mut Vec<Problem>) -> (Vec<Person>, Vec<String>) {
    let mut persons: Vec<Person> = Vec::new();
    let mut organisations = Vec::new();
    for agent in &record.creators {
        for name in split_people(&agent.name) {
            match Person::parse(name, agent.id.as_deref()) {
                Ok(person) => push_person(&mut persons, person),
                Err(NameError::Organisation(name)) => {
                    problems.push(Problem::new(
                        "authors",
                        format!("creator \"{name}\" is an organisation"),
                    ));
                    organisations.push(name);
                }
                Err(NameError::Empty) => {}
            }
        }
    }
    (persons, organisations)
}

fn split_people(name: &str) -> Vec<&str> {
    if name.contains(';') {
        let parts: Vec<&str> = name.split(';').map(str::trim).collect();
        if parts.len() > 1
            && parts
                .iter()
                .all(|p| p.chars().any(char::is_alphabetic) && !is_organisation(p))
        {
            return parts;
        }
    }
    vec![name]
}

fn push_person(persons: &mut Vec<Person>, person: Person) {
    let key = name_key(&person);
    match persons.iter_mut().find(|p| name_key(p) == key) {
        Some(existing) => {
            if existing.id.is_none() {
                existing.id = person.id;
            }
        }
        None => persons.push(person),
    }
}

/// Advisors: contributors with an advisor role (ETD-MS "directeur(trice) de recherche/advisor",
/// TEF "advisor", MARC "ths"), and, in a thesis record, contributors without a role that are
/// persons (HAL lists the advisor as a plain `dc:contributor` beside labs and universities).
pub(super) fn advisors(record: &Record, degree_type: DegreeType) -> Vec<Person> {
    let thesis = matches!(
        degree_type,
        DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr
    );
    let mut advisors = Vec::new();
    for agent in &record.contributors {
        let advisor = match agent.role.as_deref().map(fold) {
            Some(role) => is_advisor_role(&role),
            None => thesis,
        };
        if !advisor {
            continue;
        }
        if let Ok(person) = Person::parse(&agent.name, agent.id.as_deref()) {
            push_person(&mut advisors, person);
        }
    }
    advisors
}

fn is_advisor_role(folded_role: &str) -> bool {
    let jury = [
        "jury",
        "rapporteur",
        "reviewer",
        "examinat",
        "examiner",
        "president",
        "member",
    ];
    if jury.iter().any(|j| folded_role.contains(j)) {
        return false;
    }
    let advisor = [
        "advisor",
        "adviser",
        "directeur",
        "directrice",
        "director",
        "supervisor",
        "promoteur",
        "promotor",
        "encadrant",
        "dir.",
    ];
    advisor.iter().any(|a| folded_role.contains(a))
        || matches!(folded_role.trim(), "ths" | "dgs" | "dir")
}
