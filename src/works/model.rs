//! The work model: one work per thesis, dissertation or study, built from the records that
//! describe it, every field saying which sources it came from.

use serde::{Deserialize, Serialize};

use crate::classify::ThemeMatch;
use crate::normalize::{Access, DegreeType, Identifier, PartialDate, Person, Text, Title};

/// A record of a source, as a member of a work.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Member {
    pub source: String,
    pub identifier: String,
}

/// Why two records were put in one work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeReason {
    pub a: Member,
    pub b: Member,
    pub rule: String,
    pub score: f32,
}

/// A value and the sources that gave it (the chosen one first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub sources: Vec<String>,
}

/// A work. Its id never changes; when two works merge, the younger one stays as a record with
/// `merged_into` (an alias), and a work whose records all left stays as a tombstone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub id: String,
    /// When the work last changed (our clock, UTC, seconds).
    pub datestamp: String,
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Ids merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub members: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges: Vec<MergeReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<WorkFields>,
}

impl Work {
    pub fn is_live(&self) -> bool {
        !self.deleted && self.merged_into.is_none()
    }
}

/// A stored work read without its fields, which are skipped, not decoded: a change batch
/// rebuilds the fields of every work it saves from the members (`regroup.rs`), or clears them,
/// and the fields are most of a work's bytes.
#[derive(Deserialize)]
pub(super) struct Unfilled {
    id: String,
    datestamp: String,
    deleted: bool,
    #[serde(default)]
    merged_into: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    members: Vec<Member>,
    #[serde(default)]
    merges: Vec<MergeReason>,
}

impl From<Unfilled> for Work {
    fn from(work: Unfilled) -> Work {
        Work {
            id: work.id,
            datestamp: work.datestamp,
            deleted: work.deleted,
            merged_into: work.merged_into,
            aliases: work.aliases,
            members: work.members,
            merges: work.merges,
            fields: None,
        }
    }
}

/// The fields of a work, each chosen from its members by source precedence, then completeness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkFields {
    pub title: Option<Sourced<Title>>,
    /// Every distinct title (translations, variants), the main one first.
    pub titles: Vec<Sourced<Title>>,
    pub authors: Option<Sourced<Vec<Person>>>,
    pub advisors: Option<Sourced<Vec<Person>>>,
    pub degree_type: Sourced<DegreeType>,
    pub discipline: Option<Sourced<String>>,
    /// Certification level (EQF 1 to 8) of a training programme. Works stored before it
    /// existed have none until their records change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Sourced<u8>>,
    pub institution: Option<Sourced<String>>,
    pub date: Option<Sourced<PartialDate>>,
    pub language: Option<Sourced<String>>,
    /// One abstract per language.
    pub abstracts: Vec<Sourced<Text>>,
    pub keywords: Vec<Sourced<Text>>,
    pub identifiers: Vec<Sourced<Identifier>>,
    pub access: Sourced<Access>,
    pub licence: Option<Sourced<String>>,
    /// ISO 3166-2 regions where the work was done: each member's institution's when its name
    /// places it, else the region its source declares.
    pub regions: Vec<String>,
    pub themes: Vec<ThemeMatch>,
    /// ESS relevance, 0 to 1: the highest of the members'.
    pub relevance: f32,
}

impl Member {
    /// The member record's key in the store, borrowed.
    pub fn key(&self) -> crate::store::RecordKeyRef<'_> {
        crate::store::RecordKeyRef::new(&self.source, &self.identifier)
    }
}

impl From<&crate::store::RecordKey> for Member {
    fn from(key: &crate::store::RecordKey) -> Member {
        Member {
            source: key.source().to_owned(),
            identifier: key.identifier().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: a change batch reads stored works without their fields; everything else must
    /// come back as stored (a field forgotten in `Unfilled` would be lost when the work is saved).
    #[test]
    fn a_work_read_unfilled_is_the_stored_work_without_its_fields() {
        let member = |i: u32| Member {
            source: "hal".into(),
            identifier: format!("oai:{i}"),
        };
        let work = Work {
            id: "w00000007".into(),
            datestamp: "2026-12-06T04:00:00Z".into(),
            deleted: false,
            merged_into: Some("w00000003".into()),
            aliases: vec!["w00000005".into()],
            members: vec![member(1), member(2)],
            merges: vec![MergeReason {
                a: member(1),
                b: member(2),
                rule: "doi".into(),
                score: 0.97,
            }],
            fields: None,
        };
        let mut stored = serde_json::to_value(&work).expect("json");
        stored["fields"] = serde_json::json!({
            "title": {"value": {"text": "Les coopératives"}, "sources": ["hal"]},
            "titles": [], "abstracts": [{"value": {"text": "…", "lang": "fr"}, "sources": []}],
            "relevance": 0.5
        });
        let bytes = serde_json::to_vec(&stored).expect("json");
        let read: Unfilled = serde_json::from_slice(&bytes).expect("decoded");
        assert_eq!(Work::from(read), work);
        // A work with only the fields it must have.
        let plain = Work {
            merged_into: None,
            aliases: vec![],
            merges: vec![],
            ..work
        };
        let bytes = serde_json::to_vec(&plain).expect("json");
        let read: Unfilled = serde_json::from_slice(&bytes).expect("decoded");
        assert_eq!(Work::from(read), plain);
    }
}
