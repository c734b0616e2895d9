//! Unit tests of `checked.rs`: a checked query finds exactly what tantivy's own query finds.
use std::collections::BTreeSet;

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::{FAST, INDEXED, IndexRecordOption, STRING, Schema, TEXT};
use tantivy::{DocAddress, Index, Term, doc};

use super::*;

/// Documents of words drawn with very different frequencies (`w0` in most, `w9` in few),
/// so that some checks are rarer than the lead and others are not.
fn index() -> (Index, Field, Field, Field) {
    let mut builder = Schema::builder();
    let text = builder.add_text_field("text", TEXT);
    let tag = builder.add_text_field("tag", STRING);
    let year = builder.add_i64_field(names::YEAR, INDEXED | FAST);
    let index = Index::create_in_ram(builder.build());
    let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("writer");
    let mut seed: u64 = 16;
    let mut next = |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % below
    };
    for _ in 0..3_000 {
        let words: Vec<String> = (0..(3 + next(12)))
            .map(|_| {
                // Word k with a chance of about 1/(k+1).
                let k = (0..10).find(|&k| next(k + 2) == 0).unwrap_or(9);
                format!("w{k}")
            })
            .collect();
        let tag_value = format!("t{}", next(50).min(next(50)));
        // One work in ten has no date.
        let document = match next(10) {
            0 => doc!(text => words.join(" "), tag => tag_value),
            _ => {
                doc!(text => words.join(" "), tag => tag_value, year => 1990 + next(40) as i64)
            }
        };
        writer.add_document(document).expect("add");
    }
    writer.commit().expect("commit");
    (index, text, tag, year)
}

fn term(field: Field, word: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, word),
        IndexRecordOption::WithFreqs,
    ))
}

fn phrase(field: Field, words: &[&str]) -> Box<dyn Query> {
    Box::new(PhraseQuery::new(
        words
            .iter()
            .map(|word| Term::from_field_text(field, word))
            .collect(),
    ))
}

/// The same query as one conjunction, scored by the lead only: the reference.
fn reference(
    lead: &dyn Query,
    checks: &[Box<dyn Query>],
    years: Option<YearRange>,
) -> Box<dyn Query> {
    let mut clauses = vec![(Occur::Must, lead.box_clone())];
    let years = years.map(|years| years.query());
    clauses.extend(checks.iter().chain(years.iter()).map(|check| {
        (
            Occur::Must,
            Box::new(tantivy::query::ConstScoreQuery::new(check.box_clone(), 0.0))
                as Box<dyn Query>,
        )
    }));
    Box::new(BooleanQuery::new(clauses))
}

#[test]
fn checked_queries_match_and_rank_as_the_conjunction_does() {
    let (index, text, tag, year) = index();
    let searcher = index.reader().expect("reader").searcher();
    let leads: Vec<Box<dyn Query>> = vec![
        term(text, "w0"),
        term(text, "w5"),
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, term(text, "w0")),
            (Occur::Must, term(text, "w1")),
        ])),
    ];
    let check_sets: Vec<Vec<Box<dyn Query>>> = vec![
        // Common: the lead's pruned walk, each candidate checked.
        vec![term(text, "w1")],
        // Rare: the check leads the walk.
        vec![term(tag, "t40")],
        vec![term(tag, "t0"), term(text, "w2")],
        // Positions: adjacent words in order only.
        vec![phrase(text, &["w0", "w1"])],
        vec![phrase(text, &["w1", "w0", "w2"]), term(tag, "t1")],
        // Nothing passes.
        vec![term(tag, "absent")],
        // The year range alone.
        vec![],
    ];
    let range = |from, to| YearRange {
        field: year,
        from,
        to,
    };
    let year_ranges = [
        None,
        Some(range(Some(2000), Some(2005))),
        Some(range(None, Some(1995))),
        Some(range(Some(2010), None)),
        Some(range(Some(2001), Some(2000))),
    ];
    let mut compared = 0;
    let mut cases = Vec::new();
    for lead in &leads {
        for checks in &check_sets {
            for years in year_ranges {
                cases.push((lead, checks, years));
            }
        }
    }
    for (lead, checks, years) in cases {
        let checked = CheckedQuery::build(
            lead.box_clone(),
            checks.iter().map(|check| check.box_clone()).collect(),
            years,
        );
        let plain = reference(lead.as_ref(), checks, years);
        let all = |query: &dyn Query| -> BTreeSet<DocAddress> {
            searcher
                .search(query, &DocSetCollector)
                .expect("search")
                .into_iter()
                .collect()
        };
        let expected = all(plain.as_ref());
        assert_eq!(all(checked.as_ref()), expected, "{checked:?}");
        assert_eq!(
            checked.count(&searcher).expect("count"),
            expected.len(),
            "{checked:?}"
        );
        let top = |query: &dyn Query| -> Vec<(u32, DocAddress)> {
            searcher
                .search(query, &TopDocs::with_limit(10).order_by_score())
                .expect("top")
                .into_iter()
                .map(|(score, doc)| ((score * 1000.0).round() as u32, doc))
                .collect()
        };
        let (checked_top, plain_top) = (top(checked.as_ref()), top(plain.as_ref()));
        // Same scores; equal scores may come in another order of documents.
        assert_eq!(
            checked_top.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            plain_top.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            "{checked:?}"
        );
        compared += usize::from(!expected.is_empty());
    }
    assert!(compared >= 50, "most cases have matches: {compared}");
}

#[test]
fn phrases_of_a_conjunction_become_checks_and_other_queries_stay_whole() {
    let (_, text, tag, _) = index();
    let conjunction = Box::new(BooleanQuery::new(vec![
        (Occur::Must, term(text, "w0")),
        (
            Occur::Must,
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, term(tag, "t1")),
                (Occur::Must, phrase(text, &["w0", "w1"])),
            ])) as Box<dyn Query>,
        ),
    ]));
    let split = CheckedQuery::split(conjunction, text, vec![term(tag, "t2")], None);
    let checked = split.downcast_ref::<CheckedQuery>().expect("checked");
    assert_eq!(checked.checks.len(), 2, "the filter and the phrase");
    assert!(checked.checks[1].downcast_ref::<PhraseQuery>().is_some());
    let lead = checked.lead.downcast_ref::<BooleanQuery>().expect("lead");
    assert_eq!(lead.clauses().len(), 2, "both terms lead");

    let either = Box::new(BooleanQuery::new(vec![
        (Occur::Should, term(text, "w0")),
        (Occur::Should, phrase(text, &["w0", "w1"])),
    ]));
    let kept = CheckedQuery::split(either, text, Vec::new(), None);
    assert!(
        kept.downcast_ref::<BooleanQuery>().is_some(),
        "OR kept whole"
    );
}

/// A phrase check is judged by the works holding all its words (whose positions it reads when
/// it leads), not by tantivy's hint of a tenth per word: a phrase of frequent words does not
/// lead the walk of its own pair's bucket (issue 16: `"dippvpu coopérative"` checked the
/// positions of its 61,000 matches, 8–10 ms at 1 M works), and a phrase of a rare word does.
#[test]
fn a_phrase_leads_only_when_its_words_are_together_rare() {
    let (index, text, _, _) = index();
    let searcher = index.reader().expect("reader").searcher();
    let reader = searcher.segment_reader(0);
    let scoring = EnableScoring::disabled_from_searcher(&searcher);
    let word = |w: &str| Term::from_field_text(text, w);
    let frequency = |w: &str| {
        reader
            .inverted_index(text)
            .expect("inverted index")
            .doc_freq(&word(w))
            .expect("doc freq")
    };
    let decides = |lead: &str, words: &[&str]| {
        let weight = CheckedWeight {
            lead: term(text, lead).weight(scoring).expect("lead"),
            checks: vec![(
                phrase(text, words).weight(scoring).expect("phrase"),
                Some(words.iter().map(|w| word(w)).collect()),
            )],
            years: None,
        };
        let checks = weight.checks(reader).expect("checks");
        let lead_size = weight.lead.scorer(reader, 1.0).expect("scorer").size_hint();
        (
            checks[0].size,
            leapfrog_pays(lead_size, &checks, reader.max_doc()),
        )
    };
    let (frequent, leads) = decides("w0", &["w0", "w1"]);
    assert!(
        frequent <= frequency("w1") && frequent > frequency("w1") / 4,
        "{frequent} of {}",
        frequency("w1")
    );
    assert!(
        !leads,
        "the frequent phrase is checked on the lead's pruned walk"
    );
    let (rare, leads) = decides("w0", &["w0", "w9"]);
    assert!(rare <= frequency("w9"));
    assert!(
        rare.saturating_mul(CHECK_LEADS_BELOW) >= frequency("w0") || leads,
        "the rare phrase leads when much rarer than the lead"
    );
}
