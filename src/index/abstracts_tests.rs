//! `abstract:` searched through the whole index against the works' abstracts read directly:
//! words, phrases, phrases that would run from an abstract into the title after it, over-long
//! words that shift the positions, and the query forms around a literal (exclusions, `OR`,
//! sets, boosts, slop and prefixes).

use std::collections::BTreeSet;

use tantivy::tokenizer::TokenStream;

use super::*;
use crate::index::SearchQuery;
use crate::index::tests::{fixture, ids, query, work};
use crate::normalize::Text;
use crate::works::{Sourced, Work};

/// A word over the analyser's limit: dropped, it leaves a hole in the positions.
fn long() -> String {
    format!("interdisciplinaire{}", "x".repeat(MAX_TOKEN_BYTES))
}

const WORDS: &[&str] = &[
    "cheval",
    "coopérative",
    "économie",
    "sociale",
    "solidaire",
    "mutuelle",
    "travail",
    "territoire",
    "2019",
    "LONG",
];

fn text(value: String) -> Sourced<Text> {
    Sourced {
        value: Text {
            text: value,
            lang: None,
        },
        sources: vec!["test".into()],
    }
}

/// Works whose titles, abstracts (none to three) and keywords are drawn from [`WORDS`].
fn works() -> Vec<Work> {
    let mut seed: u64 = 34;
    let mut next = |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) % below) as usize
    };
    let mut words = |count: usize| {
        (0..count)
            .map(|_| match WORDS[next(WORDS.len() as u64)] {
                "LONG" => long(),
                word => word.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut all = Vec::new();
    for n in 0..300 {
        let title = words(2 + n % 4);
        let mut one = work(&format!("w{n}"), &title);
        let fields = one.fields.as_mut().expect("test works have fields");
        fields.abstracts = (0..n % 4).map(|k| text(words(k * 3 + n % 5))).collect();
        fields.keywords = (0..n % 3).map(|_| text(words(2))).collect();
        all.push(one);
    }
    // An abstract ending where its title begins: no phrase runs from one into the other.
    let mut edge = work("edge", "solidaire travail");
    edge.fields.as_mut().expect("fields").abstracts = vec![text("économie sociale".into())];
    all.push(edge);
    all
}

/// Each abstract's analysed words with their positions.
fn analysed(work: &Work) -> Vec<Vec<(usize, String)>> {
    let mut analyzer = schema::words();
    let fields = work.fields.as_ref().expect("fields");
    fields
        .abstracts
        .iter()
        .map(|text| {
            let mut words = Vec::new();
            let mut stream = analyzer.token_stream(&text.value.text);
            while stream.advance() {
                words.push((stream.token().position, stream.token().text.clone()));
            }
            words
        })
        .collect()
}

/// The works with `phrase` in their abstracts: its words in order, each within `slop` of its
/// place after the first (adjacent when 0), their positions those of the abstracts one after
/// the other as `text` holds them (a gap between two).
fn expected(works: &[Work], phrase: &str, slop: usize) -> BTreeSet<String> {
    let wanted = &analysed_phrase(phrase);
    works
        .iter()
        .filter(|work| {
            let mut base = 0;
            let mut band: Vec<(usize, String)> = Vec::new();
            for words in analysed(work) {
                let taken = words.last().map_or(0, |(position, _)| position + 1);
                band.extend(words.into_iter().map(|(p, w)| (base + p, w)));
                base += taken + 1;
            }
            band.iter().any(|(start, first)| {
                *first == wanted[0].1
                    && wanted.iter().all(|(offset, word)| {
                        let place = start + offset - wanted[0].0;
                        band.iter()
                            .any(|(p, w)| w == word && p.abs_diff(place) <= slop)
                    })
            })
        })
        .map(|work| work.id.clone())
        .collect()
}

fn analysed_phrase(phrase: &str) -> Vec<(usize, String)> {
    let mut analyzer = schema::words();
    let mut words = Vec::new();
    let mut stream = analyzer.token_stream(phrase);
    while stream.advance() {
        words.push((stream.token().position, stream.token().text.clone()));
    }
    words
}

#[test]
fn abstract_queries_match_what_the_abstracts_hold() {
    let works = works();
    let f = fixture(&works);
    let search = |q: &str| {
        let search = SearchQuery {
            limit: 1_000,
            ..query(q)
        };
        ids(&f.index, &search)
    };
    let words: Vec<&str> = WORDS.iter().copied().filter(|w| *w != "LONG").collect();
    let mut matched = 0;
    for first in &words {
        let found = search(&format!("abstract:{first}"));
        assert_eq!(found, expected(&works, first, 0), "abstract:{first}");
        matched += found.len();
        assert_eq!(search(&format!("resume:{first}^3")), found, "boosted");
        for second in &words {
            let phrase = format!("{first} {second}");
            let found = search(&format!("abstract:\"{phrase}\""));
            assert_eq!(found, expected(&works, &phrase, 0), "abstract:\"{phrase}\"");
            for slop in [1, 2] {
                assert_eq!(
                    search(&format!("abstract:\"{phrase}\"~{slop}")),
                    expected(&works, &phrase, slop),
                    "abstract:\"{phrase}\"~{slop}"
                );
            }
            // With a prefix: the words before it in the abstracts, the prefix in `text`.
            let prefixed: BTreeSet<String> = search(&format!("\"{phrase}\"*"))
                .intersection(&expected(&works, first, 0))
                .cloned()
                .collect();
            assert_eq!(search(&format!("abstract:\"{phrase}\"*")), prefixed);
            let either: BTreeSet<String> = expected(&works, first, 0)
                .union(&expected(&works, second, 0))
                .cloned()
                .collect();
            assert_eq!(search(&format!("abstract: IN [{first} {second}]")), either);
            let or_title: BTreeSet<String> = expected(&works, first, 0)
                .union(&search(&format!("title:{second}")))
                .cloned()
                .collect();
            assert_eq!(
                search(&format!("abstract:{first} OR title:{second}")),
                or_title
            );
            let but: BTreeSet<String> = search(second)
                .difference(&expected(&works, first, 0))
                .cloned()
                .collect();
            assert_eq!(search(&format!("{second} -abstract:{first}")), but);
            let third = words[(first.len() + second.len()) % words.len()];
            let phrase = format!("{first} {second} {third}");
            assert_eq!(
                search(&format!("abstract:\"{phrase}\"")),
                expected(&works, &phrase, 0),
                "abstract:\"{phrase}\""
            );
        }
    }
    assert!(
        matched > 300,
        "the words are found in the abstracts: {matched}"
    );
    assert!(search("abstract:\"économie sociale\"").contains("edge"));
    assert!(!search("abstract:\"sociale solidaire\"").contains("edge"));
    assert!(search("sociale solidaire").contains("edge"), "in `text`");
    assert!(
        !search("abstract:travail").contains("edge"),
        "a title's word"
    );
}
