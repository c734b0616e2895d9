//! The index against a temporary store filled with works written directly (the works stage's
//! own tests cover how works are made): analysers, field and phrase queries, filters, facets,
//! cursor paging in each order, exports, and following the store's changes.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::classify::ThemeMatch;
use crate::normalize::{Access, DegreeType, PartialDate, Person, Text, Title};
use crate::store::Store;
use crate::works::{Member, Sourced, Work, WorkFields};

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        sources: vec!["test".into()],
    }
}

fn person(family: &str, given: &str) -> Person {
    Person {
        family: family.into(),
        given: Some(given.into()),
        display: format!("{given} {family}"),
        id: None,
    }
}

/// A live work with a title and defaults for the rest.
pub(super) fn work(id: &str, title: &str) -> Work {
    Work {
        id: id.into(),
        datestamp: "2024-01-01T00:00:00Z".into(),
        deleted: false,
        merged_into: None,
        aliases: vec![],
        members: vec![Member {
            source: "hal".into(),
            identifier: format!("oai:{id}"),
        }],
        merges: vec![],
        fields: Some(WorkFields {
            title: Some(sourced(Title {
                text: title.into(),
                lang: None,
                subtitle: None,
            })),
            titles: vec![sourced(Title {
                text: title.into(),
                lang: None,
                subtitle: None,
            })],
            authors: None,
            advisors: None,
            degree_type: sourced(DegreeType::Other),
            discipline: None,
            level: None,
            institution: None,
            date: None,
            language: None,
            abstracts: vec![],
            keywords: vec![],
            identifiers: vec![],
            access: sourced(Access::Unknown),
            licence: None,
            regions: vec![],
            themes: vec![],
            relevance: 1.0,
        }),
    }
}

fn fields(work: &mut Work) -> &mut WorkFields {
    work.fields.as_mut().expect("test works have fields")
}

fn theme(id: &str) -> ThemeMatch {
    ThemeMatch {
        theme: id.into(),
        score: 1.0,
        matches: vec![],
    }
}

fn text(value: &str, lang: &str) -> Sourced<Text> {
    sourced(Text {
        text: value.into(),
        lang: Some(lang.into()),
    })
}

/// Writes works into the store as the works stage does: the work and its feed entry.
pub(super) fn write(store: &Store, works: &[Work]) {
    store
        .update_works(|tx| {
            for work in works {
                let was = tx.work::<Work>(&work.id)?.map(|w| w.is_live());
                crate::works::write_work(tx, work, was, None)?;
            }
            Ok(())
        })
        .expect("works written");
}

/// Four live works, one merged away, one deleted.
pub(super) fn corpus() -> Vec<Work> {
    let mut w1 = work("w1", "Les coopératives agricoles en Occitanie");
    {
        let f = fields(&mut w1);
        f.titles[0].value.lang = Some("fr".into());
        f.abstracts = vec![text(
            "Étude des chevaux de trait dans les exploitations.",
            "fr",
        )];
        f.keywords = vec![text("économie solidaire", "fr")];
        f.authors = Some(sourced(vec![person("Dupont", "Marie")]));
        f.advisors = Some(sourced(vec![person("Martin", "Paul")]));
        f.degree_type = sourced(DegreeType::DoctoralThesis);
        f.discipline = Some(sourced("Sciences économiques".into()));
        f.institution = Some(sourced("Université de Montpellier".into()));
        f.date = Some(sourced(PartialDate {
            year: 2019,
            month: Some(6),
            day: Some(12),
        }));
        f.language = Some(sourced("fr".into()));
        f.regions = vec!["FR-OCC".into()];
        f.themes = vec![theme("cooperatives")];
        f.access = sourced(Access::Open);
    }
    w1.members[0].source = "theses_fr".into();

    let mut w2 = work("w2", "Worker cooperatives and the social economy");
    {
        let f = fields(&mut w2);
        f.abstracts = vec![text("How economies of scale shape democratic firms.", "en")];
        f.keywords = vec![text("social economy", "en")];
        f.authors = Some(sourced(vec![person("Smith", "John")]));
        f.degree_type = sourced(DegreeType::MastersDissertation);
        f.institution = Some(sourced("University of Leeds".into()));
        f.date = Some(sourced(PartialDate::year(2015)));
        f.language = Some(sourced("en".into()));
        f.regions = vec!["GB-LDS".into()];
        f.themes = vec![theme("cooperatives"), theme("social-economy")];
        f.access = sourced(Access::Restricted);
    }

    let mut w3 = work("w3", "Le cheval dans l'économie solidaire");
    {
        let f = fields(&mut w3);
        f.authors = Some(sourced(vec![person("Durand", "Hélène")]));
        f.degree_type = sourced(DegreeType::DoctoralThesis);
        f.institution = Some(sourced("Université de Montpellier".into()));
        f.date = Some(sourced(PartialDate::year(2021)));
        f.language = Some(sourced("fr".into()));
        f.regions = vec!["FR-OCC".into()];
        f.themes = vec![theme("solidarity-finance")];
        f.access = sourced(Access::Embargoed);
    }
    w3.members.push(Member {
        source: "theses_fr".into(),
        identifier: "oai:w3b".into(),
    });

    let mut w4 = work("w4", "Mutuelles et économie sociale");
    {
        let f = fields(&mut w4);
        f.degree_type = sourced(DegreeType::ReportStudy);
        f.language = Some(sourced("fr".into()));
    }
    w4.members[0].source = "observatoire".into();

    let mut w5 = work("w5", "Coopératives et chevaux solidaires");
    w5.merged_into = Some("w1".into());
    let mut w6 = work("w6", "Coopératives et chevaux solidaires");
    w6.deleted = true;
    w6.fields = None;
    vec![w1, w2, w3, w4, w5, w6]
}

pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub store: Store,
    pub index: Index,
}

pub(super) fn fixture(works: &[Work]) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    write(&store, works);
    let index = Index::open(&dir.path().join("index")).expect("index");
    index.update(&store).expect("update");
    Fixture {
        _dir: dir,
        store,
        index,
    }
}

pub(super) fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: Some(q.into()),
        limit: 100,
        ..SearchQuery::default()
    }
}

fn filtered(filters: Filters) -> SearchQuery {
    SearchQuery {
        filters,
        limit: 100,
        ..SearchQuery::default()
    }
}

pub(super) fn ids(index: &Index, search: &SearchQuery) -> BTreeSet<String> {
    let page = index.search(search).expect("search");
    assert_eq!(page.total, page.items.len() as u64, "one page holds all");
    page.items.into_iter().map(|hit| hit.id).collect()
}

pub(super) fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn bad_query(index: &Index, q: &str) -> String {
    match index.search(&query(q)) {
        Err(SearchError::BadQuery { message }) => message,
        other => panic!("{q}: expected BadQuery, got {other:?}"),
    }
}

#[test]
fn french_stemming_and_accents_match_both_ways() {
    let f = fixture(&corpus());
    // chevaux (abstract of w1) ↔ cheval (title of w3).
    assert_eq!(ids(&f.index, &query("cheval")), set(&["w1", "w3"]));
    assert_eq!(ids(&f.index, &query("chevaux")), set(&["w1", "w3"]));
    // Accents and case folded, plural stemmed; the English analyser finds w2's title too.
    for q in ["coopérative", "cooperatives", "Coopératives", "COOPERATIVE"] {
        assert_eq!(ids(&f.index, &query(q)), set(&["w1", "w2"]), "{q}");
    }
    assert_eq!(ids(&f.index, &query("science")), set(&["w1"]), "discipline");
}

/// The demo's case: "coopératives" ranked "La coopération inter-organisationnelle…" first,
/// the stemmers having cut both words to one stem. The cooperative (the enterprise) and
/// cooperation (the practice) are different concepts in ESS research.
#[test]
fn cooperatives_and_cooperation_are_different_words() {
    let mut works = vec![
        work("c1", "Les coopératives d'habitants en France"),
        work(
            "c2",
            "La coopération inter-organisationnelle dans les territoires",
        ),
        work("c3", "Worker cooperatives in Spain"),
        work("c4", "Un coopératif agricole et ses sociétaires"),
        work("c5", "Mutuelles de santé"),
        work("c6", "La mutualisation des moyens entre associations"),
    ];
    fields(&mut works[1]).abstracts = vec![text("Cooperation between firms.", "en")];
    let f = fixture(&works);
    for q in [
        "coopératives",
        "coopérative",
        "cooperatives",
        "cooperative",
        "COOPÉRATIFS",
    ] {
        assert_eq!(ids(&f.index, &query(q)), set(&["c1", "c3", "c4"]), "{q}");
    }
    for q in ["coopération", "cooperation", "cooperations", "coopérer"] {
        assert_eq!(ids(&f.index, &query(q)), set(&["c2"]), "{q}");
    }
    // The demo: the first result for "coopératives" is about cooperatives.
    let page = f.index.search(&query("coopératives")).expect("search");
    assert_ne!(page.items[0].id, "c2");
    // Phrases go through the same words.
    assert_eq!(
        ids(&f.index, &query("\"cooperatives d'habitants\"")),
        set(&["c1"])
    );
    // The mutual society and pooling, in French and English.
    assert_eq!(ids(&f.index, &query("mutual")), set(&["c5"]));
    assert_eq!(ids(&f.index, &query("mutualiser")), set(&["c6"]));
    assert_eq!(ids(&f.index, &query("associatif")), set(&["c6"]));
}

#[test]
fn english_stemming() {
    let f = fixture(&corpus());
    assert_eq!(ids(&f.index, &query("firm")), set(&["w2"]));
    assert_eq!(ids(&f.index, &query("workers")), set(&["w2"]));
    // Each text goes through both analysers: "economies" also meets "économie" (French stem).
    assert_eq!(
        ids(&f.index, &query("economies")),
        set(&["w1", "w2", "w3", "w4"])
    );
    assert_eq!(ids(&f.index, &query("cooperative worker")), set(&["w2"]));
    assert_eq!(ids(&f.index, &query("shaped")), set(&["w2"]), "abstract");
}

#[test]
fn words_are_all_required_unless_or() {
    let f = fixture(&corpus());
    assert_eq!(ids(&f.index, &query("cheval occitanie")), set(&["w1"]));
    assert_eq!(
        ids(&f.index, &query("mutuelles OR leeds")),
        set(&["w2", "w4"])
    );
    assert_eq!(ids(&f.index, &query("cheval -occitanie")), set(&["w3"]));
}

#[test]
fn merged_away_and_deleted_works_are_not_found() {
    let f = fixture(&corpus());
    assert_eq!(ids(&f.index, &query("solidaires")), set(&["w1", "w3"]));
    assert_eq!(f.index.num_works(), 4);
}

#[test]
fn authors_and_advisors_are_folded_not_stemmed() {
    let f = fixture(&corpus());
    assert_eq!(ids(&f.index, &query("dupont")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("helene")), set(&["w3"]));
    assert_eq!(ids(&f.index, &query("author:Hélène")), set(&["w3"]));
    assert_eq!(ids(&f.index, &query("author:dupont")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("author:martin")), set(&[]));
    assert_eq!(ids(&f.index, &query("advisor:martin")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("author:duponts")), set(&[]));
    // Without `author:`, names are searched in the combined text, stemmed as the query is.
    assert_eq!(ids(&f.index, &query("duponts")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("\"marie dupont\"")), set(&["w1"]));
}

#[test]
fn phrase_queries_keep_word_order() {
    let f = fixture(&corpus());
    assert_eq!(
        ids(&f.index, &query("\"économie solidaire\"")),
        set(&["w1", "w3"])
    );
    assert_eq!(ids(&f.index, &query("\"solidaire économie\"")), set(&[]));
    assert_eq!(ids(&f.index, &query("\"economie sociale\"")), set(&["w4"]));
    assert_eq!(
        ids(&f.index, &query("title:\"économie solidaire\"")),
        set(&["w3"])
    );
    // Three words and more: every pair, and the words in order, adjacent.
    assert_eq!(
        ids(&f.index, &query("\"Les coopératives agricoles\"")),
        set(&["w1"])
    );
    assert_eq!(
        ids(&f.index, &query("\"coopératives les agricoles\"")),
        set(&[])
    );
    assert_eq!(ids(&f.index, &query("\"les agricoles\"")), set(&[]));
    // No phrase spans two texts (title, then abstract) or two keywords.
    assert_eq!(ids(&f.index, &query("\"occitanie etude\"")), set(&[]));
    // A phrase of one word is that word; a phrase with slop is read by positions alone.
    assert_eq!(ids(&f.index, &query("\"chevaux\"")), set(&["w1", "w3"]));
    assert_eq!(
        ids(&f.index, &query("\"coopératives occitanie\"~2")),
        set(&["w1"])
    );
    assert_eq!(
        ids(&f.index, &query("cheval -\"coopératives agricoles\"")),
        set(&["w3"])
    );
    // An excluded phrase that matches nothing (its words are there, never in that order):
    // tantivy 0.27's phrase scorer asserts, in debug builds, when top-k pruning asks it about a
    // document before its own position (finished): Cargo.toml turns tantivy's debug assertions
    // off; with them on, the first of these panics (the answers are right either way).
    assert_eq!(
        ids(&f.index, &query("cheval -\"solidaire économie\"")),
        set(&["w1", "w3"])
    );
    assert_eq!(
        ids(&f.index, &query("cheval -\"chevaux solidaire\"~1")),
        set(&["w1", "w3"])
    );
}

/// The default query of plain words is one term per word in one field: the shape tantivy
/// prunes by block-max (issue 16). A phrase also requires its pairs' buckets.
#[test]
fn plain_words_are_single_terms_and_phrases_need_their_pairs() {
    let f = fixture(&corpus());
    let shape = |q: &str| {
        let built = super::query::build(
            &f.index.parser,
            &f.index.fields,
            &f.index.filter_sets,
            &query(q),
        )
        .expect("query builds");
        format!("{built:?}")
    };
    let words = shape("économie solidaire");
    assert_eq!(words.matches("TermQuery").count(), 2, "{words}");
    assert!(
        !words.contains("Phrase") && !words.contains("Boost"),
        "{words}"
    );
    let phrase = shape("\"économie sociale et solidaire\"");
    let pairs = format!("field={},", f.index.fields.pairs.field_id());
    assert_eq!(phrase.matches(&pairs).count(), 3, "{phrase}");
    assert_eq!(phrase.matches("PhraseQuery").count(), 1, "{phrase}");
}

#[test]
fn field_queries_use_friendly_names() {
    let f = fixture(&corpus());
    assert_eq!(ids(&f.index, &query("title:cheval")), set(&["w3"]));
    assert_eq!(ids(&f.index, &query("abstract:cheval")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("keyword:solidaire")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("keywords:democratic")), set(&[]));
    assert_eq!(
        ids(&f.index, &query("keywords:economy")),
        set(&["w1", "w2"])
    );
    assert_eq!(
        ids(&f.index, &query("institution:montpellier")),
        set(&["w1", "w3"])
    );
    assert_eq!(ids(&f.index, &query("discipline:economique")), set(&["w1"]));
    assert_eq!(ids(&f.index, &query("year:2015")), set(&["w2"]));
    assert_eq!(
        ids(&f.index, &query("year:[2016 TO 2030]")),
        set(&["w1", "w3"])
    );
    assert_eq!(ids(&f.index, &query("Title:cheval")), set(&["w3"]), "case");
}

#[test]
fn unreadable_queries_are_searched_as_their_plain_words() {
    let f = fixture(&corpus());
    let cheval = ids(&f.index, &query("cheval"));
    assert_eq!(cheval, set(&["w1", "w3"]));
    // An unclosed phrase or parenthesis, an unknown field, a range on a text field, a stray
    // operator: the words are searched (all required), never a 400 (issue 18).
    for q in [
        "\"cheval", "(cheval", "cheval)", "cheval^", "cheval:", "[cheval]", "*cheval*",
    ] {
        assert_eq!(ids(&f.index, &query(q)), cheval, "{q}");
    }
    assert_eq!(
        ids(&f.index, &query("titel:cheval")),
        set(&[]),
        "titel and cheval both required"
    );
    // An exclusion alone: every work but those.
    assert_eq!(ids(&f.index, &query("-cheval")), set(&["w2", "w4"]));
    for q in [
        "title:",
        ":",
        "(((",
        "\"",
        "a:b:c",
        "[",
        "year:[2015 TO",
        "year:abc",
        "OR",
        "-",
        "title:[cheval TO",
        "cheval AND",
        "\\",
    ] {
        // Never a panic, never an error.
        if let Err(error) = f.index.search(&query(q)) {
            panic!("{q}: {error:?}");
        }
    }
    assert_eq!(ids(&f.index, &query("(((")).len(), 4, "no word: every work");
    // Found by fuzzing: a word over the analysers' length limit left no term, and the query
    // was refused ("only excluding terms given").
    let long_word = format!("c{}", "h".repeat(300));
    assert_eq!(ids(&f.index, &query(&long_word)), set(&[]));
    assert_eq!(
        ids(&f.index, &query(&format!("{long_word}&h=h`h"))),
        set(&[])
    );
}

#[test]
fn huge_queries_are_refused_and_deep_ones_read_as_words() {
    let f = fixture(&corpus());
    let deep = format!("{}cheval{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(ids(&f.index, &query(&deep)), set(&["w1", "w3"]));
    assert!(bad_query(&f.index, &"cheval ".repeat(1_000)).contains("too long"));
    let nested = format!("{}cheval{}", "(".repeat(5), ")".repeat(5));
    assert_eq!(ids(&f.index, &query(&nested)), set(&["w1", "w3"]));
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    fn sent<T: Send + 'static>() {}
    shared::<Index>();
    sent::<Ids>();
}

#[test]
fn no_text_matches_every_live_work() {
    let f = fixture(&corpus());
    assert_eq!(
        ids(
            &f.index,
            &SearchQuery {
                limit: 10,
                ..SearchQuery::default()
            }
        )
        .len(),
        4
    );
    assert_eq!(ids(&f.index, &query("   ")).len(), 4);
}

#[test]
fn each_filter_narrows_the_results() {
    let f = fixture(&corpus());
    let cases: Vec<(Filters, &[&str])> = vec![
        (
            Filters {
                types: vec!["doctoral-thesis".into()],
                ..Filters::default()
            },
            &["w1", "w3"],
        ),
        (
            Filters {
                types: vec!["masters-dissertation".into(), "report-study".into()],
                ..Filters::default()
            },
            &["w2", "w4"],
        ),
        (
            Filters {
                year_from: Some(2016),
                ..Filters::default()
            },
            &["w1", "w3"],
        ),
        (
            Filters {
                year_to: Some(2019),
                ..Filters::default()
            },
            &["w1", "w2"],
        ),
        (
            Filters {
                year_from: Some(2019),
                year_to: Some(2019),
                ..Filters::default()
            },
            &["w1"],
        ),
        (
            Filters {
                institution: Some("Université de Montpellier".into()),
                ..Filters::default()
            },
            &["w1", "w3"],
        ),
        (
            Filters {
                region: Some("FR-OCC".into()),
                ..Filters::default()
            },
            &["w1", "w3"],
        ),
        (
            Filters {
                language: Some("en".into()),
                ..Filters::default()
            },
            &["w2"],
        ),
        (
            Filters {
                theme: Some("cooperatives".into()),
                ..Filters::default()
            },
            &["w1", "w2"],
        ),
        (
            Filters {
                source: Some("theses_fr".into()),
                ..Filters::default()
            },
            &["w1", "w3"],
        ),
        (
            Filters {
                access: Some("open".into()),
                ..Filters::default()
            },
            &["w1"],
        ),
        (
            Filters {
                access: Some("unknown".into()),
                ..Filters::default()
            },
            &["w4"],
        ),
        (
            Filters {
                themed: true,
                ..Filters::default()
            },
            &["w1", "w2", "w3"],
        ),
        (
            Filters {
                region: Some("FR-OCC".into()),
                types: vec!["doctoral-thesis".into()],
                year_from: Some(2020),
                ..Filters::default()
            },
            &["w3"],
        ),
        // A span of years ending before it starts, and a value no work has: nothing.
        (
            Filters {
                year_from: Some(2020),
                year_to: Some(2010),
                ..Filters::default()
            },
            &[],
        ),
        (
            Filters {
                region: Some("FR-XXX".into()),
                types: vec!["doctoral-thesis".into()],
                ..Filters::default()
            },
            &[],
        ),
        // A long span is read from the year column, a short one from the years' sets.
        (
            Filters {
                year_from: Some(1900),
                year_to: Some(2019),
                ..Filters::default()
            },
            &["w1", "w2"],
        ),
    ];
    for (filters, expected) in cases {
        let described = format!("{filters:?}");
        assert_eq!(
            ids(&f.index, &filtered(filters)),
            set(expected),
            "{described}"
        );
    }
    // Text and filter together; the filter does not change the text's scores.
    let mut search = query("cheval");
    let unfiltered = f.index.search(&search).expect("search");
    search.filters.region = Some("FR-OCC".into());
    let page = f.index.search(&search).expect("search");
    assert_eq!(page.items, unfiltered.items);
}

#[test]
fn facets_count_every_match() {
    let f = fixture(&corpus());
    let page = f
        .index
        .search(&SearchQuery {
            limit: 1,
            facets: Facet::ALL.to_vec(),
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(page.total, 4);
    assert!(page.total_exact);
    assert_eq!(page.items.len(), 1);
    let pairs = |values: &[(&str, u64)]| -> Vec<(String, u64)> {
        values.iter().map(|(v, c)| ((*v).to_owned(), *c)).collect()
    };
    let facets = &page.facets;
    assert_eq!(
        facets.r#type,
        pairs(&[
            ("doctoral-thesis", 2),
            ("masters-dissertation", 1),
            ("report-study", 1)
        ])
    );
    assert_eq!(facets.year, pairs(&[("2015", 1), ("2019", 1), ("2021", 1)]));
    assert_eq!(
        facets.theme,
        pairs(&[
            ("cooperatives", 2),
            ("social-economy", 1),
            ("solidarity-finance", 1)
        ])
    );
    assert_eq!(facets.region, pairs(&[("FR-OCC", 2), ("GB-LDS", 1)]));
    assert_eq!(
        facets.institution,
        pairs(&[("Université de Montpellier", 2), ("University of Leeds", 1)])
    );
    assert_eq!(facets.language, pairs(&[("fr", 3), ("en", 1)]));

    // Facets follow the query.
    let mut search = query("cheval");
    search.facets = vec![Facet::Year, Facet::Type];
    let page = f.index.search(&search).expect("search");
    assert_eq!(page.facets.r#type, pairs(&[("doctoral-thesis", 2)]));
    assert_eq!(page.facets.year, pairs(&[("2019", 1), ("2021", 1)]));
    assert!(page.facets.theme.is_empty(), "not asked");
}

#[test]
fn facets_are_counted_only_when_asked() {
    let f = fixture(&corpus());
    let page = f.index.search(&query("cheval")).expect("search");
    assert_eq!(page.facets, Facets::default());
    assert_eq!(page.total, 2);
    assert!(page.total_exact, "few matches are counted");
    let mut search = query("cheval");
    search.facets = vec![Facet::Language];
    let page = f.index.search(&search).expect("search");
    assert_eq!(page.facets.language, vec![("fr".to_owned(), 2)]);
    assert!(page.facets.r#type.is_empty() && page.facets.year.is_empty());
}

#[test]
fn totals_beyond_the_budget_are_estimated_unless_exact_is_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let index = Index::open(&dir.path().join("index")).expect("index");
    for chunk in many(700).chunks(150) {
        write(&store, chunk);
        index.update(&store).expect("update");
    }
    // filler3: one work in seven (100), spread over every segment. One word alone is counted
    // exactly from its document frequency, whatever the budget.
    let mut search = query("filler3");
    search.limit = 10;
    let one_word = index.search_counting_up_to(&search, 20).expect("search");
    assert_eq!((one_word.total, one_word.total_exact), (100, true));
    // Every work holds "coopérative": the conjunction is walked up to the budget.
    let mut search = query("filler3 coopérative");
    search.limit = 10;
    let estimated = index.search_counting_up_to(&search, 20).expect("search");
    assert!(!estimated.total_exact);
    assert!(
        (70..=140).contains(&estimated.total),
        "estimate {}",
        estimated.total
    );
    assert_eq!(estimated.items.len(), 10, "the page is whole");
    assert!(estimated.next_cursor.is_some());
    let counted = index.search_counting_up_to(&search, 1_000).expect("search");
    assert_eq!((counted.total, counted.total_exact), (100, true));
    search.exact_total = true;
    let exact = index.search_counting_up_to(&search, 20).expect("search");
    assert_eq!((exact.total, exact.total_exact), (100, true));
    // Facets count every match, and so do date orders of few matches (walked whole).
    search.exact_total = false;
    search.facets = vec![Facet::Type];
    let with_facets = index.search_counting_up_to(&search, 20).expect("search");
    assert_eq!((with_facets.total, with_facets.total_exact), (100, true));
    search.facets = Vec::new();
    search.sort = Sort::DateDesc;
    let by_date = index.search_counting_up_to(&search, 20).expect("search");
    assert_eq!((by_date.total, by_date.total_exact), (100, true));
    // Filters alone are counted from their document set, exactly, whatever the budget.
    let in_span = (0..700)
        .filter(|n| n % 5 != 0 && (1..=3).contains(&(n % 9)))
        .count() as u64;
    let filters_alone = index
        .search_counting_up_to(
            &SearchQuery {
                limit: 10,
                filters: Filters {
                    year_from: Some(2001),
                    year_to: Some(2003),
                    ..Filters::default()
                },
                ..SearchQuery::default()
            },
            20,
        )
        .expect("search");
    assert_eq!(
        (filters_alone.total, filters_alone.total_exact),
        (in_span, true)
    );
}

/// `count` works whose titles repeat a word a varying number of times (so scores tie in
/// groups), with dates that tie too, some missing.
pub(super) fn many(count: usize) -> Vec<Work> {
    (0..count)
        .map(|n| {
            let repeats = 1 + n % 4;
            let title = format!("{} filler{}", "coopérative ".repeat(repeats), n % 7);
            let mut w = work(&format!("w{n:05}"), &title);
            if n % 5 != 0 {
                fields(&mut w).date = Some(sourced(PartialDate {
                    year: 2000 + (n % 9) as i32,
                    month: (n % 3 == 0).then_some(3),
                    day: None,
                }));
            }
            w
        })
        .collect()
}

/// Every page of a search, following the cursors.
fn all_pages(index: &Index, mut search: SearchQuery) -> (Vec<Hit>, u64) {
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = index.search(&search).expect("page");
        assert!(page.items.len() <= search.limit);
        all.extend(page.items);
        pages += 1;
        assert!(pages < 1_000, "paging does not end");
        match page.next_cursor {
            Some(cursor) => search.cursor = Some(cursor),
            None => return (all, page.total),
        }
    }
}

#[test]
fn cursor_paging_returns_every_match_once_in_each_order() {
    paging_returns_every_match_once(by_year::BY_YEAR_FROM);
}

/// Date orders walked year by year (`by_year.rs`), works without a date among them: the same
/// pages, in the same order, as the walk over every match.
#[test]
fn date_orders_walked_year_by_year_page_the_same() {
    paging_returns_every_match_once(0);
}

fn paging_returns_every_match_once(by_year_from: u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let mut index = Index::open(&dir.path().join("index")).expect("index");
    index.by_year_from = by_year_from;
    // Several updates: several segments, so the cursor is resolved in each.
    let works = many(300);
    for chunk in works.chunks(70) {
        write(&store, chunk);
        index.update(&store).expect("update");
    }
    let dates: std::collections::HashMap<String, i64> = works
        .iter()
        .map(|w| {
            let date = fields(&mut w.clone())
                .date
                .as_ref()
                .map_or(0, |d| document::date_key(d.value));
            (w.id.clone(), date)
        })
        .collect();
    let in_span = dates
        .values()
        .filter(|d| (20_020_000..20_060_000).contains(*d))
        .count();
    for sort in [Sort::Relevance, Sort::DateAsc, Sort::DateDesc] {
        for (q, filters, expected) in [
            (None, Filters::default(), 300),
            (Some("cooperative"), Filters::default(), 300),
            (Some("filler3"), Filters::default(), 43),
            (
                Some("cooperative"),
                Filters {
                    year_from: Some(2004),
                    ..Filters::default()
                },
                dates.values().filter(|d| **d >= 20_040_000).count(),
            ),
            // A span of years: a clause of the filters' set (`filter_sets.rs`).
            (
                Some("cooperative"),
                Filters {
                    year_from: Some(2002),
                    year_to: Some(2005),
                    ..Filters::default()
                },
                in_span,
            ),
            (
                None,
                Filters {
                    types: vec!["other".to_owned()],
                    year_from: Some(2002),
                    year_to: Some(2005),
                    ..Filters::default()
                },
                in_span,
            ),
            // No words: every match scores the same (`by_id.rs` by relevance); a filter leads
            // and the year range is checked.
            (
                None,
                Filters {
                    types: vec!["other".to_owned()],
                    year_from: Some(2004),
                    ..Filters::default()
                },
                dates.values().filter(|d| **d >= 20_040_000).count(),
            ),
            (
                None,
                Filters {
                    year_to: Some(2003),
                    ..Filters::default()
                },
                dates
                    .values()
                    .filter(|d| **d > 0 && **d < 20_040_000)
                    .count(),
            ),
        ] {
            let search = SearchQuery {
                q: q.map(str::to_owned),
                filters,
                sort,
                limit: 7,
                ..SearchQuery::default()
            };
            let (hits, total) = all_pages(&index, search.clone());
            let unique: BTreeSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
            assert_eq!(unique.len(), hits.len(), "{sort:?} {q:?}: an id came twice");
            assert_eq!(hits.len() as u64, total, "{sort:?} {q:?}");
            assert_eq!(total, expected as u64, "{sort:?} {q:?}");
            // The order is the sort's, ties by id.
            let key = |hit: &Hit| match sort {
                Sort::Relevance => (-(hit.score as f64), 0),
                Sort::DateAsc => (0.0, dates[&hit.id]),
                Sort::DateDesc => (0.0, -dates[&hit.id]),
            };
            for pair in hits.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                assert!(
                    (key(a), &a.id) < (key(b), &b.id),
                    "{sort:?} {q:?}: {a:?} before {b:?}"
                );
            }
            // The export sees the same list, batch boundaries included.
            let exported: Vec<String> = index
                .ids_in_batches(&search, 11)
                .expect("ids")
                .collect::<Result<_, _>>()
                .expect("ids");
            let paged: Vec<String> = hits.into_iter().map(|h| h.id).collect();
            assert_eq!(exported, paged, "{sort:?} {q:?}");
        }
    }
}

#[test]
fn last_page_has_no_cursor_and_limit_zero_only_counts() {
    let f = fixture(&corpus());
    let mut search = SearchQuery {
        limit: 4,
        ..SearchQuery::default()
    };
    let page = f.index.search(&search).expect("search");
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.next_cursor, None, "exactly one full page");
    search.limit = 0;
    search.facets = vec![Facet::Language];
    let page = f.index.search(&search).expect("search");
    assert!(page.items.is_empty());
    assert_eq!(page.total, 4);
    assert_eq!(page.facets.language.len(), 2);
}

#[test]
fn malformed_or_foreign_cursors_are_refused() {
    let f = fixture(&corpus());
    let mut search = SearchQuery {
        limit: 1,
        ..SearchQuery::default()
    };
    let first = f.index.search(&search).expect("search");
    let cursor = first.next_cursor.expect("more pages");
    search.sort = Sort::DateAsc;
    search.cursor = Some(cursor);
    assert!(matches!(
        f.index.search(&search),
        Err(SearchError::BadCursor { .. })
    ));
    for bad in ["%%%", "abc", "cjEyMw"] {
        search.cursor = Some(bad.into());
        assert!(
            matches!(f.index.search(&search), Err(SearchError::BadCursor { .. })),
            "{bad}"
        );
        assert!(matches!(
            f.index.ids(&search),
            Err(SearchError::BadCursor { .. })
        ));
    }
}

#[test]
fn updates_follow_changes_deletions_and_merges() {
    let mut works = corpus();
    let f = fixture(&works);
    let cursor = f.index.cursor().expect("cursor").expect("set");

    // w1 retitled, w3 deleted, w2 merged into w4, and a new work.
    let w1 = &mut works[0];
    fields(w1).titles = vec![sourced(Title {
        text: "Les mutuelles bretonnes".into(),
        lang: None,
        subtitle: None,
    })];
    fields(w1).abstracts.clear();
    w1.datestamp = "2024-02-01T00:00:00Z".into();
    let mut w3 = works[2].clone();
    w3.deleted = true;
    w3.fields = None;
    let mut w2 = works[1].clone();
    w2.merged_into = Some("w4".into());
    let w7 = work("w7", "Le cheval de trait");
    write(&f.store, &[works[0].clone(), w3, w2, w7]);

    let report = f.index.update(&f.store).expect("update");
    assert_eq!((report.indexed, report.removed), (2, 2));
    assert!(!report.rebuilt);
    assert!(report.cursor > Some(cursor));
    assert_eq!(ids(&f.index, &query("mutuelles")), set(&["w1", "w4"]));
    assert_eq!(ids(&f.index, &query("cheval")), set(&["w7"]));
    assert_eq!(ids(&f.index, &query("worker")), set(&[]));
    assert_eq!(f.index.num_works(), 3);

    // Nothing changed: nothing to do.
    let again = f.index.update(&f.store).expect("update");
    assert_eq!((again.indexed, again.removed), (0, 0));

    // A rebuild gives the same index, in one segment (the updates left several).
    let segments = |index: &Index| index.reader.searcher().segment_readers().len();
    assert!(segments(&f.index) > 1, "{} segments", segments(&f.index));
    let rebuilt = f.index.rebuild(&f.store).expect("rebuild");
    assert!(rebuilt.rebuilt);
    assert_eq!(rebuilt.indexed, 3);
    assert_eq!(ids(&f.index, &query("mutuelles")), set(&["w1", "w4"]));
    assert_eq!(segments(&f.index), 1);
}

/// Issue 17: themes are kept beside the documents (`themes.rs`). A work whose themes alone
/// move is answered by the theme filter and facet with its new themes, whether its document
/// was indexed again (an update following the feed) or kept (a works rebuild's themes-only
/// works), and a work gone takes its themes with it.
/// A command-line harvest or works update never searches: its updates leave the themes
/// unloaded (reading every work's would cost ~1 s at 1 M works); a searched index loads them.
#[test]
fn an_index_never_searched_does_not_load_the_themes() {
    let works = corpus();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    write(&store, &works);
    let unsearched = Index::open(&dir.path().join("index"))
        .expect("index")
        .never_searched();
    let report = unsearched.update(&store).expect("update");
    assert!(report.indexed > 0, "the works indexed all the same");
    assert!(!unsearched.themes.is_loaded(), "no themes read for nobody");
    drop(unsearched);
    let searched = Index::open(&dir.path().join("index")).expect("index");
    searched.update(&store).expect("update");
    assert!(searched.themes.is_loaded(), "a searched index loads them");
    let themed = ids(
        &searched,
        &filtered(Filters {
            theme: Some("cooperatives".into()),
            ..Filters::default()
        }),
    );
    assert_eq!(themed, set(&["w1", "w2"]));
}

#[test]
fn the_theme_filter_and_facet_follow_the_stored_themes() {
    let mut works = corpus();
    let f = fixture(&works);
    let themed = |theme: &str| {
        ids(
            &f.index,
            &filtered(Filters {
                theme: Some(theme.into()),
                ..Filters::default()
            }),
        )
    };
    let theme_facet = || {
        f.index
            .search(&SearchQuery {
                limit: 0,
                facets: vec![Facet::Theme],
                ..SearchQuery::default()
            })
            .expect("search")
            .facets
            .theme
    };
    assert_eq!(themed("cooperatives"), set(&["w1", "w2"]));

    // A change batch: w1 leaves the cooperatives for a new theme.
    fields(&mut works[0]).themes = vec![theme("field-methods")];
    works[0].datestamp = "2024-02-01T00:00:00Z".into();
    write(&f.store, &[works[0].clone()]);
    let report = f.index.update(&f.store).expect("update");
    assert_eq!(report.indexed, 1);
    assert_eq!(themed("cooperatives"), set(&["w2"]));
    assert_eq!(themed("field-methods"), set(&["w1"]));
    assert!(theme_facet().contains(&("field-methods".to_owned(), 1)));

    // A rebuild's works whose themes alone changed: their documents stay as they are.
    let segments = || {
        let searcher = f.index.reader.searcher();
        searcher
            .segment_readers()
            .iter()
            .map(|reader| (reader.segment_id(), reader.num_docs()))
            .collect::<Vec<_>>()
    };
    let before = segments();
    fields(&mut works[1]).themes = vec![theme("field-methods"), theme("cooperatives")];
    fields(&mut works[2]).themes = vec![];
    write(&f.store, &[works[1].clone(), works[2].clone()]);
    let themes_only: std::collections::HashSet<String> = ["w2".to_owned(), "w3".to_owned()].into();
    let report = f
        .index
        .update_leaving_merge_but(&f.store, &themes_only)
        .expect("update");
    assert_eq!((report.indexed, report.removed), (0, 0));
    assert_eq!(segments(), before, "no document indexed again");
    assert_eq!(themed("field-methods"), set(&["w1", "w2"]));
    assert_eq!(themed("solidarity-finance"), set(&[]));
    assert_eq!(
        ids(
            &f.index,
            &filtered(Filters {
                themed: true,
                ..Filters::default()
            })
        ),
        set(&["w1", "w2"])
    );
    assert_eq!(
        theme_facet(),
        vec![
            ("field-methods".to_owned(), 2),
            ("cooperatives".to_owned(), 1)
        ]
    );
    // The same themes in a process that opens the index afresh (a server's start).
    let reopened = Index::open(&f.index.dir).expect("reopened");
    reopened.load_themes(&f.store).expect("themes");
    assert_eq!(
        ids(
            &reopened,
            &filtered(Filters {
                theme: Some("field-methods".into()),
                ..Filters::default()
            })
        ),
        set(&["w1", "w2"])
    );

    // Deleted: its themes go with it.
    works[1].deleted = true;
    works[1].fields = None;
    write(&f.store, &[works[1].clone()]);
    f.index.update(&f.store).expect("update");
    assert_eq!(themed("field-methods"), set(&["w1"]));
}

#[test]
fn segments_merge_into_one_with_the_same_matches() {
    let f = fixture(&corpus());
    let more: Vec<Work> = (0..3)
        .map(|n| work(&format!("m{n}"), "Mutuelles de santé et coopératives"))
        .collect();
    write(&f.store, &more);
    f.index.update(&f.store).expect("update");
    let segments = |index: &Index| index.reader.searcher().segment_readers().len();
    assert!(segments(&f.index) >= 2, "{} segments", segments(&f.index));
    let before = ids(&f.index, &query("mutuelles"));
    let mut writer = f.index.index.writer(50_000_000).expect("writer");
    f.index.merge_into_one(&mut writer).expect("merged");
    writer.wait_merging_threads().expect("merges ended");
    assert_eq!(segments(&f.index), 1);
    assert_eq!(ids(&f.index, &query("mutuelles")), before);
    assert_eq!(f.index.num_works(), 7);
}

/// A build beside the works leaves its segments to the server: the commit is marked, later
/// commits keep the mark, and `merge_left_segments` merges everything into one segment with the
/// same matches, then clears the mark (a second call does nothing).
#[test]
fn segments_left_by_a_build_beside_the_works_are_merged_later() {
    use crate::works::BuiltWorks;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let index = Index::open(&dir.path().join("index")).expect("index");
    let works = corpus();
    let beside = index.beside(&store).expect("beside");
    beside.made(works.clone());
    write(&store, &works);
    let last = works.last().map(|w| w.id.clone()).expect("works");
    let key = store
        .update_works(|tx| Ok(tx.feed_entry(&last)?.map(|entry| entry.key())))
        .expect("feed entry")
        .expect("a feed entry");
    beside.stored(key);
    let report = beside.finish().expect("finished");
    assert_eq!((report.indexed, report.cursor), (4, Some(key)));
    let store_id = update::store_fingerprint(&store).expect("fingerprint");
    assert!(update::left_unmerged(&index, &store_id), "marked");

    // An update after it keeps the mark, and adds a segment.
    let more: Vec<Work> = (0..3)
        .map(|n| work(&format!("m{n}"), "Mutuelles de santé et coopératives"))
        .collect();
    write(&store, &more);
    assert_eq!(index.update(&store).expect("update").indexed, 3);
    assert!(update::left_unmerged(&index, &store_id), "still marked");
    let segments = |index: &Index| index.reader.searcher().segment_readers().len();
    assert!(segments(&index) >= 2, "{} segments", segments(&index));
    let before = ids(&index, &query("mutuelles"));
    assert!(before.contains("m0") && before.contains("m2"), "{before:?}");
    let cursor = index.cursor().expect("cursor");

    assert!(index.merge_left_segments().expect("merged"));
    assert_eq!(segments(&index), 1);
    assert_eq!(ids(&index, &query("mutuelles")), before);
    assert_eq!(index.num_works(), 7);
    assert!(!update::left_unmerged(&index, &store_id), "mark cleared");
    assert_eq!(index.cursor().expect("cursor"), cursor, "the same cursor");
    assert!(!index.merge_left_segments().expect("nothing left"));
    // Followed as before: nothing changed, nothing to do.
    let again = index.update(&store).expect("update");
    assert_eq!((again.indexed, again.removed, again.rebuilt), (0, 0, false));
}

#[test]
fn a_reopened_index_resumes_from_its_cursor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    write(&store, &corpus());
    let path = dir.path().join("index");
    {
        let index = Index::open(&path).expect("index");
        assert_eq!(index.update(&store).expect("update").indexed, 4);
    }
    let index = Index::open(&path).expect("reopened");
    assert_eq!(index.num_works(), 4);
    let report = index.update(&store).expect("update");
    assert_eq!(
        (report.indexed, report.removed, report.rebuilt),
        (0, 0, false)
    );
}

#[test]
fn an_index_of_another_schema_or_store_is_rebuilt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    write(&store, &corpus());
    let path = dir.path().join("index");
    Index::open(&path)
        .expect("index")
        .update(&store)
        .expect("update");

    std::fs::write(path.join(VERSION_FILE), "0\n").expect("write");
    let index = Index::open(&path).expect("reopened");
    assert_eq!(index.num_works(), 0, "the old index was dropped");
    let report = index.update(&store).expect("update");
    assert!(report.rebuilt);
    assert_eq!(index.num_works(), 4);
    // Schema 5 kept the themes in the documents (issue 17): such an index is rebuilt too, and
    // its theme filter answers from the store's themes.
    std::fs::write(path.join(VERSION_FILE), "5\n").expect("write");
    let index = Index::open(&path).expect("reopened");
    assert_eq!(index.num_works(), 0, "the schema 5 index was dropped");
    assert!(index.update(&store).expect("update").rebuilt);
    let search = filtered(Filters {
        theme: Some("cooperatives".into()),
        ..Filters::default()
    });
    assert_eq!(ids(&index, &search), set(&["w1", "w2"]));

    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = Store::open(other_dir.path()).expect("store");
    write(&other, &corpus()[..1]);
    let report = index.update(&other).expect("update");
    assert!(report.rebuilt);
    assert_eq!(index.num_works(), 1);
}

/// Fuzzing (issue 18): any `q` up to the limit is a search that answers, never an error.
#[test]
fn fuzzed_queries_always_answer() {
    let f = fixture(&corpus());
    let seeds: &[&[u8]] = &[
        b"cheval",
        b"\"\xC3\xA9conomie solidaire\" OR title:coop\xC3\xA9ratives -agricole",
        b"author:dupont year:[2015 TO 2020] (cheval OR mutuelle)^2",
        b"keyword: IN [cooperative mutuelle] titre:*",
        b"abstract:\"chevaux de trait\"~2 OR -resume:(cheval^3 \"trait\"*)",
        b"(abstract: IN [cheval trait])^2 abstract:\"\" -abstract:\"de les\" abstract:*",
    ];
    crate::test_support::fuzz("search q", seeds, |bytes| {
        let q = String::from_utf8_lossy(bytes);
        match f.index.search(&query(&q)) {
            Ok(_) => {}
            Err(SearchError::BadQuery { .. }) if q.chars().count() > 1_000 => {}
            Err(error) => panic!("{error:?}"),
        }
    });
}

#[path = "sample_tests.rs"]
mod sample;

/// Issue 17: the index after `essor works rebuild` leaves its merge to the server as a build
/// beside the works does: an update or a rebuild of the index marks its commit, merges nothing
/// (the segments stay), matches what `update` and `rebuild` match, and `merge_left_segments`
/// merges them into one with the same matches and the same cursor.
#[test]
fn segments_left_by_a_works_rebuild_are_merged_later() {
    let segments = |index: &Index| index.reader.searcher().segment_readers().len();
    let more = |from: usize| -> Vec<Work> {
        (from..from + 3)
            .map(|n| work(&format!("m{n}"), "Mutuelles de santé et coopératives"))
            .collect()
    };
    // The same writes followed by `update` (merged as tantivy's policy says) and by
    // `update_leaving_merge`.
    let merged = fixture(&corpus());
    let left = fixture(&corpus());
    let store_id = update::store_fingerprint(&left.store).expect("fingerprint");
    assert!(!update::left_unmerged(&left.index, &store_id), "not marked");
    for from in [0, 3] {
        write(&merged.store, &more(from));
        write(&left.store, &more(from));
        let report = merged.index.update(&merged.store).expect("update");
        let leaving = left
            .index
            .update_leaving_merge(&left.store)
            .expect("update");
        assert_eq!((leaving.indexed, leaving.rebuilt), (report.indexed, false));
    }
    assert!(update::left_unmerged(&left.index, &store_id), "marked");
    assert!(
        segments(&left.index) >= 3,
        "{} segments",
        segments(&left.index)
    );
    let before = ids(&left.index, &query("mutuelles"));
    assert_eq!(before, ids(&merged.index, &query("mutuelles")));
    assert!(before.contains("m0") && before.contains("m5"), "{before:?}");
    let cursor = left.index.cursor().expect("cursor");
    assert_eq!(cursor, merged.index.cursor().expect("cursor"));

    assert!(left.index.merge_left_segments().expect("merged"));
    assert_eq!(segments(&left.index), 1);
    assert_eq!(ids(&left.index, &query("mutuelles")), before);
    assert_eq!(left.index.num_works(), 10);
    assert!(
        !update::left_unmerged(&left.index, &store_id),
        "mark cleared"
    );
    assert_eq!(
        left.index.cursor().expect("cursor"),
        cursor,
        "the same cursor"
    );

    // A rebuild of the index leaving its merge: marked, the same matches as `rebuild`.
    let report = left
        .index
        .rebuild_leaving_merge(&left.store)
        .expect("rebuild");
    assert_eq!((report.indexed, report.rebuilt), (10, true));
    assert!(
        update::left_unmerged(&left.index, &store_id),
        "marked again"
    );
    assert_eq!(ids(&left.index, &query("mutuelles")), before);
    merged.index.rebuild(&merged.store).expect("rebuild");
    let merged_id = update::store_fingerprint(&merged.store).expect("fingerprint");
    assert!(
        !update::left_unmerged(&merged.index, &merged_id),
        "`rebuild` merges at once"
    );
    assert_eq!(segments(&merged.index), 1);
    assert!(left.index.merge_left_segments().expect("merged"));
    assert_eq!(ids(&left.index, &query("mutuelles")), before);
}
