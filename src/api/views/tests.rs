//! The published JSON, written out: a view is a contract, so its tests spell the expected text
//! rather than compare it with the stored type's serialisation (which may change on its own).

use super::source::RunRecordView;
use super::*;
use crate::classify::{TermMatch, ThemeMatch};
use crate::normalize::{Access, DegreeType, IdKind, Identifier, PartialDate, Person, Text, Title};
use crate::store::{RunCounters, RunRecord, RunStatus};
use crate::works::{Member, MergeReason, Sourced, Work, WorkFields};

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        sources: vec!["hal".into(), "theses-fr".into()],
    }
}

fn member(source: &str, identifier: &str) -> Member {
    Member {
        source: source.into(),
        identifier: identifier.into(),
    }
}

/// A work with every optional part present (and some absent inside: a person without
/// authority id, a text without language).
fn full_work() -> Work {
    let title = Title {
        text: "Les SCOP : une histoire".into(),
        lang: Some("fr".into()),
        subtitle: Some("une histoire".into()),
    };
    Work {
        id: "w00000042".into(),
        datestamp: "2026-11-22T10:00:00Z".into(),
        deleted: false,
        merged_into: Some("w00000007".into()),
        aliases: vec!["w00000043".into()],
        members: vec![member("hal", "oai:HAL:tel-01v1")],
        merges: vec![MergeReason {
            a: member("hal", "oai:HAL:tel-01v1"),
            b: member("theses-fr", "oai:theses.fr:2019REN20001"),
            rule: "nnt".into(),
            score: 1.0,
        }],
        fields: Some(WorkFields {
            title: Some(sourced(title.clone())),
            titles: vec![sourced(title)],
            authors: Some(sourced(vec![Person {
                family: "Dupont".into(),
                given: Some("Marie".into()),
                display: "Marie Dupont".into(),
                id: Some("https://orcid.org/0000-0002-1825-0097".into()),
            }])),
            advisors: Some(sourced(vec![Person {
                family: "Martin".into(),
                given: None,
                display: "Martin".into(),
                id: None,
            }])),
            degree_type: sourced(DegreeType::MastersDissertation),
            discipline: Some(sourced("Économie".into())),
            level: None,
            institution: None,
            date: Some(sourced(PartialDate {
                year: 2019,
                month: Some(6),
                day: None,
            })),
            language: Some(sourced("fr".into())),
            abstracts: vec![sourced(Text {
                text: "Résumé.".into(),
                lang: None,
            })],
            keywords: vec![],
            identifiers: vec![sourced(Identifier {
                kind: IdKind::Nnt,
                value: "2019REN20001".into(),
            })],
            access: sourced(Access::Embargoed),
            licence: None,
            regions: vec!["FR-BRE".into()],
            themes: vec![ThemeMatch {
                theme: "cooperatives".into(),
                score: 0.78,
                matches: vec![TermMatch {
                    term: "SCOP".into(),
                    field: "title".into(),
                    lang: Some("fr".into()),
                }],
            }],
            relevance: 0.78,
        }),
    }
}

#[test]
fn a_work_is_published_with_every_field_in_order() {
    let json = serde_json::to_string(&WorkView::from(&full_work())).unwrap();
    let sources = r#""sources":["hal","theses-fr"]"#;
    let expected = [
        r#"{"id":"w00000042","datestamp":"2026-11-22T10:00:00Z","deleted":false,"merged_into":"w00000007","aliases":["w00000043"],"#,
        r#""members":[{"source":"hal","identifier":"oai:HAL:tel-01v1"}],"#,
        r#""merges":[{"a":{"source":"hal","identifier":"oai:HAL:tel-01v1"},"b":{"source":"theses-fr","identifier":"oai:theses.fr:2019REN20001"},"rule":"nnt","score":1.0}],"#,
        r#""fields":{"title":{"value":{"text":"Les SCOP : une histoire","lang":"fr","subtitle":"une histoire"},SOURCES},"#,
        r#""titles":[{"value":{"text":"Les SCOP : une histoire","lang":"fr","subtitle":"une histoire"},SOURCES}],"#,
        r#""authors":{"value":[{"family":"Dupont","given":"Marie","display":"Marie Dupont","id":"https://orcid.org/0000-0002-1825-0097"}],SOURCES},"#,
        r#""advisors":{"value":[{"family":"Martin","display":"Martin"}],SOURCES},"#,
        r#""degree_type":{"value":"masters-dissertation",SOURCES},"#,
        r#""discipline":{"value":"Économie",SOURCES},"institution":null,"#,
        r#""date":{"value":{"year":2019,"month":6},SOURCES},"language":{"value":"fr",SOURCES},"#,
        r#""abstracts":[{"value":{"text":"Résumé.","lang":null},SOURCES}],"keywords":[],"#,
        r#""identifiers":[{"value":{"kind":"nnt","value":"2019REN20001"},SOURCES}],"#,
        r#""access":{"value":"embargoed",SOURCES},"licence":null,"regions":["FR-BRE"],"#,
        r#""themes":[{"theme":"cooperatives","score":0.78,"matches":[{"term":"SCOP","field":"title","lang":"fr"}]}],"#,
        r#""relevance":0.78}}"#,
    ]
    .concat()
    .replace("SOURCES", sources);
    assert_eq!(json, expected);
}

#[test]
fn a_bare_work_leaves_out_what_it_does_not_have() {
    let work = Work {
        merged_into: None,
        aliases: vec![],
        merges: vec![],
        fields: None,
        ..full_work()
    };
    assert_eq!(
        serde_json::to_string(&WorkView::from(&work)).unwrap(),
        r#"{"id":"w00000042","datestamp":"2026-11-22T10:00:00Z","deleted":false,"members":[{"source":"hal","identifier":"oai:HAL:tel-01v1"}]}"#
    );
}

#[test]
fn a_harvest_run_is_published_with_its_counters_inline() {
    let run = RunRecord {
        source: "hal".into(),
        run_id: 3,
        started_at: "2026-11-22T10:00:00Z".into(),
        finished_at: None,
        status: RunStatus::Incomplete,
        error: Some("token loop".into()),
        from: Some("2026-11-01".into()),
        until: None,
        full: false,
        resumed: 1,
        counters: RunCounters {
            new: 1,
            updated: 2,
            unchanged: 3,
            deleted: 4,
            rejected: 5,
            pages: 6,
            requests: 7,
            retries: 8,
        },
    };
    assert_eq!(
        serde_json::to_string(&RunRecordView::from(&run)).unwrap(),
        r#"{"source":"hal","run_id":3,"started_at":"2026-11-22T10:00:00Z","finished_at":null,"status":"incomplete","error":"token loop","from":"2026-11-01","until":null,"full":false,"resumed":1,"new":1,"updated":2,"unchanged":3,"deleted":4,"rejected":5,"pages":6,"requests":7,"retries":8}"#
    );
}

#[test]
fn a_search_result_is_the_summary_without_its_citation_forms() {
    let summary = crate::export::summary(&Work {
        merged_into: None,
        ..full_work()
    });
    let json = serde_json::to_string(&SummaryView::from(summary)).unwrap();
    assert_eq!(
        json,
        [
            r#"{"id":"w00000042","title":"Les SCOP : une histoire","authors":["Marie Dupont"],"advisors":["Martin"],"#,
            r#""year":2019,"date":"2019-06","type":"masters-dissertation","discipline":"Économie","institution":null,"#,
            r#""language":"fr","access":"embargoed","licence":null,"themes":["cooperatives"],"relevance":0.78,"#,
            r#""regions":["FR-BRE"],"keywords":[],"abstract":"Résumé.","identifiers":["nnt:2019REN20001"],"#,
            r#""doi":null,"url":"https://theses.fr/2019REN20001","sources":["hal"],"#,
            r#""members":[{"source":"hal","identifier":"oai:HAL:tel-01v1"}],"datestamp":"2026-11-22T10:00:00Z"}"#,
        ]
        .concat()
    );
}
