//! The barometer on a synthetic corpus: long-present sources with stable topics and a planted
//! emerging term, and a new source whose works all fall in the edition's semester.

use super::*;
use crate::classify::ThemeMatch;
use crate::normalize::{Access, DegreeType, PartialDate, Text, Title};
use crate::works::{Member, Sourced, WorkFields};

const ESTABLISHED: [&str; 4] = ["archive-a", "archive-b", "archive-c", "archive-d"];
const NEW_SOURCE: &str = "new-repository";
const PLANTED_FR: &str = "Les plateformes coopératives dans l'économie numérique";
const PLANTED_EN: &str = "Platform cooperatives and digital labour";
const NEW_SOURCE_TOPIC: &str = "Monnaies locales complémentaires et circuits bancaires";
/// Stable topics: each work of the established sources takes two of them.
const TOPICS: &[&str] = &[
    "insertion par l'activité économique",
    "sociétés coopératives d'intérêt collectif",
    "gouvernance associative",
    "mutuelles de santé",
    "finance solidaire",
    "entrepreneuriat social",
    "innovation sociale territoriale",
    "commerce équitable",
    "habitat participatif",
    "agriculture paysanne",
    "bénévolat et engagement",
    "tiers-lieux et fabriques",
];
const STABLE_THEME: &str = "mutual-societies";

fn sourced<T>(value: T, source: &str) -> Sourced<T> {
    Sourced {
        value,
        sources: vec![source.to_owned()],
    }
}

/// A live work of `source`, dated `(year, month)`.
fn work(number: usize, source: &str, date: (i32, u8), title: &str, themes: &[&str]) -> Work {
    let title_value = Title {
        text: title.to_owned(),
        lang: Some("fr".to_owned()),
        subtitle: None,
    };
    Work {
        id: format!("w{number:08}"),
        datestamp: "2026-11-01T00:00:00Z".to_owned(),
        deleted: false,
        merged_into: None,
        aliases: Vec::new(),
        members: vec![Member {
            source: source.to_owned(),
            identifier: format!("oai:{source}:{number}"),
        }],
        merges: Vec::new(),
        fields: Some(WorkFields {
            title: Some(sourced(title_value.clone(), source)),
            titles: vec![sourced(title_value, source)],
            authors: None,
            advisors: None,
            degree_type: sourced(DegreeType::DoctoralThesis, source),
            discipline: Some(sourced("Sociologie".to_owned(), source)),
            level: None,
            institution: Some(sourced(format!("Université {}", number % 7), source)),
            date: Some(sourced(
                PartialDate {
                    year: date.0,
                    month: Some(date.1),
                    day: None,
                },
                source,
            )),
            language: Some(sourced("fr".to_owned(), source)),
            abstracts: vec![sourced(
                Text {
                    text: format!("Cette thèse étudie {title}."),
                    lang: Some("fr".to_owned()),
                },
                source,
            )],
            keywords: Vec::new(),
            identifiers: Vec::new(),
            access: sourced(Access::Open, source),
            licence: None,
            regions: vec!["FR-BRE".to_owned()],
            themes: themes
                .iter()
                .map(|theme| ThemeMatch {
                    theme: (*theme).to_owned(),
                    score: 0.8,
                    matches: Vec::new(),
                })
                .collect(),
            relevance: 0.8,
        }),
    }
}

/// The synthetic corpus for edition 2026-S1: 40 works per established source and semester
/// from 2022-S2 on; the planted term in 1 work in 40 before and 1 in 5 in 2026-S1, spread over
/// every established source; the new source's 60 works, all in 2026-S1, on their own topic.
fn corpus(seed: u64) -> Vec<Work> {
    let mut random = fastrand::Rng::with_seed(seed);
    let mut works = Vec::new();
    let edition = Semester::of_month(2026, 1);
    for semester in edition.window(8) {
        let last = semester == edition;
        for source in ESTABLISHED {
            for _ in 0..40 {
                let month = if semester.half() == 1 { 1 } else { 7 } + random.u8(0..6);
                let planted = random.u32(0..100) < if last { 20 } else { 2 };
                let first = TOPICS[random.usize(0..TOPICS.len())];
                let second = TOPICS[random.usize(0..TOPICS.len())];
                let title = if planted {
                    let planted = if random.bool() {
                        PLANTED_FR
                    } else {
                        PLANTED_EN
                    };
                    format!("{planted} : {first}")
                } else {
                    format!("{first} et {second}")
                };
                let stable = random.u32(0..100) < 30;
                let themes: &[&str] = if stable { &[STABLE_THEME] } else { &[] };
                works.push(work(
                    works.len(),
                    source,
                    (semester.year(), month),
                    &title,
                    themes,
                ));
            }
        }
    }
    for _ in 0..60 {
        let month = 1 + random.u8(0..6);
        works.push(work(
            works.len(),
            NEW_SOURCE,
            (2026, month),
            NEW_SOURCE_TOPIC,
            &[],
        ));
    }
    works
}

fn compute_on(works: &[Work], edition: &str) -> (Vec<Semester>, Side, Side) {
    let edition = Semester::parse(edition).unwrap_or_else(|e| panic!("{e}"));
    let themes = ThemeLabels::new();
    compute(edition, &Parameters::default(), &themes, works).unwrap_or_else(|e| panic!("{e}"))
}

fn keys(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.key.clone()).collect()
}

#[test]
fn the_planted_term_is_in_the_top_three_emerging_findings() {
    let (window, research, _) = compute_on(&corpus(7), "2026-S1");
    assert_eq!(window.len(), 8);
    assert_eq!(research.status, SideStatus::Ok, "{:?}", research.notes);
    let top: Vec<&Finding> = research.emerging.iter().take(3).collect();
    assert!(
        top.iter().any(|f| f.key == "cooperatif platform"),
        "top 3: {:?}",
        keys(&research.emerging)
    );
    let planted = research
        .emerging
        .iter()
        .find(|f| f.key == "cooperatif platform")
        .unwrap_or_else(|| panic!("no planted finding"));
    // Both languages are grouped under one finding, with its evidence.
    let writings: Vec<&str> = std::iter::once(planted.term.as_str())
        .chain(planted.variants.iter().map(String::as_str))
        .collect();
    assert!(
        writings.contains(&"plateformes cooperatives"),
        "{writings:?}"
    );
    assert!(writings.contains(&"platform cooperatives"), "{writings:?}");
    assert_eq!(planted.counts.len(), 8);
    assert!(planted.counts[7] > 3 * planted.counts[..7].iter().max().copied().unwrap_or(0));
    assert_eq!(planted.sources, 4);
    assert_eq!(planted.examples.len(), 3);
    assert!(planted.score >= Parameters::default().min_score);
    // Strongest first.
    assert!(
        research
            .emerging
            .windows(2)
            .all(|w| w[0].score >= w[1].score)
    );
}

#[test]
fn a_new_source_is_not_a_trend() {
    let (_, research, _) = compute_on(&corpus(7), "2026-S1");
    let new_topic: Vec<String> = work_terms([NEW_SOURCE_TOPIC])
        .into_iter()
        .map(|term| term.key)
        .collect();
    for finding in research.emerging.iter().chain(&research.declining) {
        assert!(!new_topic.contains(&finding.key), "{finding:?}");
    }
    assert!(
        !research
            .established_sources
            .contains(&NEW_SOURCE.to_owned())
    );
    assert!(
        research
            .excluded_sources
            .iter()
            .any(|s| s.source == NEW_SOURCE && s.reason == "new")
    );
    assert!(research.notes.iter().any(|note| note.code == "new-sources"));
    // Its works are in the volumes, not in what the trends are computed on.
    assert_eq!(research.works[7], research.covered_works[7] + 60);
}

#[test]
fn a_stable_theme_is_not_flagged() {
    let (_, research, _) = compute_on(&corpus(7), "2026-S1");
    for finding in research.emerging.iter().chain(&research.declining) {
        assert_ne!(finding.key, STABLE_THEME);
    }
    let themes = research
        .tables
        .iter()
        .find(|t| t.dimension == "theme")
        .unwrap_or_else(|| panic!("no theme table"));
    let stable = &themes.rows[0];
    assert_eq!(stable.key, STABLE_THEME);
    assert!(
        stable.growth.is_some_and(|growth| growth.abs() < 0.5),
        "{stable:?}"
    );
}

#[test]
fn the_same_works_give_the_same_edition() {
    let first = compute_on(&corpus(11), "2026-S1");
    let second = compute_on(&corpus(11), "2026-S1");
    assert_eq!(first, second);
    let json = |side: &Side| serde_json::to_string(side).unwrap_or_default();
    assert_eq!(json(&first.1), json(&second.1));
}

#[test]
fn too_little_data_is_said_not_computed() {
    let works: Vec<Work> = corpus(3).into_iter().step_by(20).collect();
    let (_, research, teaching) = compute_on(&works, "2026-S1");
    assert_eq!(research.status, SideStatus::TooLittleData);
    assert!(research.emerging.is_empty() && research.declining.is_empty());
    let note = research
        .notes
        .iter()
        .find(|note| note.code == "too-little-data")
        .unwrap_or_else(|| panic!("no note: {:?}", research.notes));
    assert!(note.fr.starts_with("Trop peu de données"));
    assert!(note.en.starts_with("Too little data"));
    // No training programme: the teaching side says it is empty.
    assert_eq!(teaching.status, SideStatus::NoData);
    assert!(teaching.notes[0].en.contains("teaching side is empty"));
}

#[test]
fn g2_is_zero_for_equal_shares_and_grows_with_the_difference() {
    assert!(g2(10, 100, 100, 1000).abs() < 1e-9);
    let small = g2(15, 100, 100, 1000);
    let large = g2(30, 100, 100, 1000);
    assert!(small > 0.0 && large > small);
    // Falling shares score too (declining topics).
    assert!(g2(2, 100, 100, 1000) > 0.0);
}

mod frozen {
    use super::*;

    fn store_with(works: &[Work]) -> (tempfile::TempDir, Store) {
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(folder.path()).unwrap_or_else(|e| panic!("{e}"));
        write(&store, works);
        (folder, store)
    }

    fn write(store: &Store, works: &[Work]) {
        store
            .update_works(|tx| {
                for work in works {
                    tx.put_work(&work.id, work, None, true, &work.datestamp, Some(&[]))?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn options(today: (i32, u8, u8), force: bool) -> BuildOptions {
        BuildOptions {
            force,
            today,
            now: format!("{}-{:02}-{:02}T00:00:00Z", today.0, today.1, today.2),
            parameters: Parameters::default(),
        }
    }

    fn thesaurus() -> Thesaurus {
        Thesaurus::builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_published_edition_never_changes() {
        let works = corpus(5);
        let (_folder, store) = store_with(&works[..works.len() - 100]);
        let s1 = Semester::parse("2026-S1").unwrap_or_else(|e| panic!("{e}"));
        let today = (2026, 12, 3);
        let (first, outcome) = build(&store, &thesaurus(), s1, &options(today, false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome, BuildOutcome::Built);
        assert_eq!(first.status, EditionStatus::Published);
        assert_eq!(first.provenance.works, (works.len() - 100) as u64);
        // A harvest brings more works dated in the semester; the edition stays as it was.
        write(&store, &works[works.len() - 100..]);
        let (second, outcome) = build(&store, &thesaurus(), s1, &options((2027, 1, 5), false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome, BuildOutcome::Kept);
        assert_eq!(
            serde_json::to_string(&first).unwrap_or_default(),
            serde_json::to_string(&second).unwrap_or_default()
        );
        assert!(matches!(
            build(&store, &thesaurus(), s1, &options(today, true)),
            Err(BarometerError::Frozen(_))
        ));
        assert_eq!(list(&store).unwrap_or_default().len(), 1);
    }

    #[test]
    fn a_draft_is_rebuilt_only_when_forced_or_over() {
        let works = corpus(5);
        let (_folder, store) = store_with(&works[..works.len() - 100]);
        let s2 = Semester::parse("2026-S2").unwrap_or_else(|e| panic!("{e}"));
        let today = (2026, 12, 3);
        let (draft, outcome) = build(&store, &thesaurus(), s2, &options(today, false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (draft.status, outcome),
            (EditionStatus::Draft, BuildOutcome::Built)
        );
        assert_eq!(draft.changes.previous, None);
        let (_, outcome) = build(&store, &thesaurus(), s2, &options(today, false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome, BuildOutcome::Kept);
        let (_, outcome) = build(&store, &thesaurus(), s2, &options(today, true))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome, BuildOutcome::Built);
        let (published, outcome) = build(&store, &thesaurus(), s2, &options((2027, 1, 2), false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (published.status, outcome),
            (EditionStatus::Published, BuildOutcome::Built)
        );
        let future = Semester::parse("2027-S2").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            build(&store, &thesaurus(), future, &options(today, false)),
            Err(BarometerError::Future(_))
        ));
    }

    #[test]
    fn an_edition_compares_itself_with_the_one_before() {
        let works = corpus(5);
        let (_folder, store) = store_with(&works);
        let today = (2026, 12, 3);
        let s1 = Semester::parse("2026-S1").unwrap_or_else(|e| panic!("{e}"));
        let s2 = Semester::parse("2026-S2").unwrap_or_else(|e| panic!("{e}"));
        build(&store, &thesaurus(), s1, &options(today, false)).unwrap_or_else(|e| panic!("{e}"));
        let (draft, _) = build(&store, &thesaurus(), s2, &options(today, false))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(draft.changes.previous, Some(s1));
        // 2026-S2 has no works: what emerged in S1 no longer does.
        assert!(
            draft
                .changes
                .no_longer_emerging
                .contains(&"term:cooperatif platform".to_owned())
        );
    }
}

mod charts {
    use super::*;

    fn edition_of(works: &[Work]) -> Edition {
        let (window, research, teaching) = compute_on(works, "2026-S1");
        Edition {
            id: Semester::of_month(2026, 1),
            status: EditionStatus::Published,
            built_at: "2026-12-03T00:00:00Z".to_owned(),
            window,
            parameters: Parameters::default(),
            provenance: Provenance {
                essor_version: "test".to_owned(),
                sources: Vec::new(),
                works: works.len() as u64,
                works_cursor: 0,
            },
            research,
            teaching,
            changes: Changes {
                previous: None,
                new_emerging: Vec::new(),
                no_longer_emerging: Vec::new(),
                notes: Vec::new(),
            },
        }
    }

    /// Reads the whole document with quick-xml, which checks that every tag is closed by its
    /// own name; returns the names of the elements.
    fn parse(svg: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(svg);
        let mut names = Vec::new();
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(tag)) => {
                    depth += 1;
                    names.push(tag.name().as_ref().to_owned());
                }
                Ok(quick_xml::events::Event::Empty(tag)) => {
                    names.push(tag.name().as_ref().to_owned());
                }
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(error) => panic!("not XML: {error}: {svg}"),
            }
        }
        assert_eq!(depth, 0, "unbalanced: {svg}");
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        names
    }

    #[test]
    fn every_chart_parses_as_xml_and_shows_its_data() {
        let edition = edition_of(&corpus(7));
        let files = svg_files(&edition);
        assert_eq!(files.len(), 3);
        for (name, svg) in &files {
            parse(svg);
            assert!(
                svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                "{name}"
            );
        }
        let themes = parse(&themes_chart(&edition));
        assert!(themes.iter().filter(|n| *n == "polyline").count() >= 1);
        let emerging = emerging_chart(&edition.research);
        assert!(emerging.contains("plateformes cooperatives"), "{emerging}");
        let map = regions_map(&edition);
        for region in [
            "La Réunion",
            "Guadeloupe",
            "Martinique",
            "Guyane",
            "Mayotte",
            "Bretagne",
        ] {
            assert!(map.contains(region), "{region}");
        }
        assert!(map.contains("schématique") && map.contains("schematic"));
        // Every work of the corpus is in Bretagne: its tile is the darkest.
        assert!(
            map.contains("data-region=\"FR-BRE\"><title>Bretagne: 220</title>"),
            "{map}"
        );
    }

    #[test]
    fn charts_say_when_there_is_nothing_to_draw() {
        let edition = edition_of(&[]);
        for (_, svg) in svg_files(&edition) {
            parse(&svg);
        }
        assert!(emerging_chart(&edition.research).contains("No emerging trend to report"));
        assert!(themes_chart(&edition).contains("No data"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }
}
