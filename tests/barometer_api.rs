//! The barometer's REST API on the in-process server: a store of synthetic works (three
//! long-present sources, a term planted in the last semester), an edition built and frozen,
//! then `/api/v1/barometer/editions` and `/api/v1/barometer/{edition}` (snapshot), and the
//! problems for editions that do not exist; the server's automatic build, which waits for
//! unfinished harvests.

use crate::common::Workspace;
use crate::common::app::{spawn_app, spawn_app_with};
use crate::common::json_snapshot;
use std::sync::Arc;

use essor::barometer::{self, BuildOptions, EditionStatus, Parameters, Semester};
use essor::classify::{ThemeMatch, Thesaurus};
use essor::normalize::{Access, DegreeType, PartialDate, Title};
use essor::pipeline::Pipeline;
use essor::schedule::{EditionTick, Scheduler};
use essor::store::{ActiveHarvest, Checkpoint, RunCounters, RunRecord, RunStatus, Store};
use essor::works::{Member, Sourced, Work, WorkFields};

const SOURCES: [&str; 3] = ["archive-a", "archive-b", "archive-c"];
const TOPICS: [&str; 4] = [
    "Gouvernance des associations",
    "Finance solidaire et territoires",
    "Mutuelles de santé",
    "Insertion par l'activité économique",
];

fn sourced<T>(value: T, source: &str) -> Sourced<T> {
    Sourced {
        value,
        sources: vec![source.to_owned()],
    }
}

/// 25 works per source and semester of 2022-S2..2026-S1, each on one topic in turn; in
/// 2026-S1 one in three is about platform cooperatives (in French or English).
fn corpus() -> Vec<Work> {
    let edition = Semester::parse("2026-S1").unwrap();
    let mut works = Vec::new();
    for semester in edition.window(8) {
        for source in SOURCES {
            for n in 0..25 {
                let number = works.len();
                let title = if semester == edition && n % 3 == 0 {
                    if n % 2 == 0 {
                        "Les plateformes coopératives".to_owned()
                    } else {
                        "Platform cooperatives".to_owned()
                    }
                } else {
                    TOPICS[number % TOPICS.len()].to_owned()
                };
                let title = Title {
                    text: title,
                    lang: Some("fr".to_owned()),
                    subtitle: None,
                };
                let month = if semester.half() == 1 { 3 } else { 10 };
                works.push(Work {
                    id: format!("w{:08}", number + 1),
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
                        title: Some(sourced(title.clone(), source)),
                        titles: vec![sourced(title, source)],
                        authors: None,
                        advisors: None,
                        degree_type: sourced(DegreeType::DoctoralThesis, source),
                        discipline: Some(sourced("Économie".to_owned(), source)),
                        institution: Some(sourced(format!("Université {source}"), source)),
                        date: Some(sourced(
                            PartialDate {
                                year: semester.year(),
                                month: Some(month),
                                day: None,
                            },
                            source,
                        )),
                        language: Some(sourced("fr".to_owned(), source)),
                        abstracts: Vec::new(),
                        keywords: Vec::new(),
                        identifiers: Vec::new(),
                        access: sourced(Access::Open, source),
                        licence: None,
                        regions: vec!["FR-974".to_owned()],
                        themes: vec![ThemeMatch {
                            theme: "cooperatives".to_owned(),
                            score: 0.8,
                            matches: Vec::new(),
                        }],
                        relevance: 0.8,
                    }),
                });
            }
        }
    }
    works
}

/// A workspace whose store holds the corpus (and the store, open).
fn workspace_with_works() -> (Workspace, Store) {
    let workspace = Workspace::new();
    let store = Store::open(&workspace.data()).unwrap();
    store
        .update_works(|tx| {
            for work in corpus() {
                tx.put_work(&work.id, &work, None, true, &work.datestamp, Some(&[]))?;
            }
            Ok(())
        })
        .unwrap();
    (workspace, store)
}

/// A workspace whose store holds the corpus and the published edition 2026-S1.
pub fn workspace_with_edition() -> Workspace {
    let (workspace, store) = workspace_with_works();
    let options = BuildOptions {
        force: false,
        today: (2026, 12, 3),
        now: "2026-12-03T00:00:00Z".to_owned(),
        parameters: Parameters::default(),
    };
    let thesaurus = Thesaurus::builtin().unwrap();
    barometer::build(
        &store,
        &thesaurus,
        Semester::parse("2026-S1").unwrap(),
        &options,
    )
    .unwrap();
    workspace
}

#[test]
fn an_edition_is_served_as_json_with_its_emerging_findings() {
    let workspace = workspace_with_edition();
    let server = spawn_app(&workspace);

    let editions = server.get("/api/v1/barometer/editions");
    assert_eq!(editions.status, 200, "{}", editions.text());
    let editions = editions.json();
    assert_eq!(editions[0]["id"], "2026-S1");
    assert_eq!(editions[0]["status"], "published");
    assert_eq!(editions[0]["href"], "/api/v1/barometer/2026-S1");

    let response = server.get("/api/v1/barometer/2026-S1");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), "application/json");
    let edition = response.json();
    let emerging = edition["emerging"].as_array().unwrap();
    assert!(!emerging.is_empty());
    assert_eq!(emerging[0]["key"], "cooperatif platform", "{emerging:#?}");
    assert_eq!(emerging[0]["counts"].as_array().map(Vec::len), Some(8));
    let scores: Vec<f64> = emerging
        .iter()
        .map(|f| f["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );
    // The examples link to the works.
    let example = &emerging[0]["examples"][0];
    let work = server.get(example["href"].as_str().unwrap());
    assert_eq!(work.status, 200);
    assert_eq!(work.json()["id"], example["id"]);

    let volatile = [("essor_version", "[version]")];
    insta::assert_snapshot!("edition", json_snapshot(&response.text(), &volatile));
}

#[test]
fn an_unknown_edition_is_a_problem_not_an_error() {
    let workspace = workspace_with_edition();
    let server = spawn_app(&workspace);
    for path in ["/api/v1/barometer/2030-S1", "/api/v1/barometer/nonsense"] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.header("content-type"), "application/problem+json");
        assert!(
            response.json()["detail"]
                .as_str()
                .unwrap()
                .contains("2026-S1")
        );
    }
}

#[test]
fn the_server_builds_the_edition_of_the_semester_that_ended() {
    let (workspace, store) = workspace_with_works();
    drop(store);
    let server = spawn_app_with(&workspace, |settings| settings.schedule = true);
    let today = chrono::Utc::now().date_naive();
    let due = Semester::last_ended((
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today) as u8,
        chrono::Datelike::day(&today) as u8,
    ))
    .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let editions = server.get("/api/v1/barometer/editions").json();
        let listed = editions.as_array().cloned().unwrap_or_default();
        if let Some(edition) = listed.iter().find(|e| e["id"] == due.as_str()) {
            assert_eq!(edition["status"], "published");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no edition {due} built by the server: {editions}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn the_server_does_not_freeze_an_edition_of_an_empty_store() {
    let workspace = Workspace::new();
    let server = spawn_app_with(&workspace, |settings| settings.schedule = true);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let editions = server.get("/api/v1/barometer/editions").json();
    assert_eq!(editions, serde_json::json!([]));
}

/// A dump source's configuration, enabled or not.
fn dump_source(workspace: &Workspace, id: &str, enabled: bool) {
    workspace.write_source(
        id,
        &format!(
            "name = \"{id}\"\nkind = \"oai-pmh-dump\"\nbase_url = \"https://{id}.example.org/oai\"\nmetadata_prefix = \"oai_dc\"\npath = \"dumps/{id}\"\nenabled = {enabled}\n"
        ),
    );
}

/// Starts a harvest run of `source` in `store` and leaves it unfinished (as a crash or a failed
/// page would); returns it with its checkpoint, to finish later.
fn unfinished_run(store: &Store, source: &str) -> (RunRecord, Checkpoint) {
    let mut checkpoint = Checkpoint {
        watermark: None,
        active: Some(ActiveHarvest {
            started_at: "2026-12-01T00:00:00Z".to_owned(),
            ..ActiveHarvest::default()
        }),
    };
    let mut run = RunRecord {
        source: source.to_owned(),
        run_id: 0,
        started_at: "2026-12-01T00:00:00Z".to_owned(),
        finished_at: None,
        status: RunStatus::Running,
        error: None,
        from: None,
        until: None,
        full: true,
        resumed: 0,
        counters: RunCounters::default(),
    };
    store.begin_run(&mut run, &mut checkpoint).unwrap();
    (run, checkpoint)
}

fn complete(store: &Store, (mut run, mut checkpoint): (RunRecord, Checkpoint)) {
    run.status = RunStatus::Complete;
    run.finished_at = Some("2026-12-01T01:00:00Z".to_owned());
    checkpoint.active = None;
    store.save_run(&run, &checkpoint).unwrap();
}

/// Issue 13: `essor serve` must not freeze an edition from a half-harvested store. The
/// scheduler's tick is driven by hand here; the server runs the same `build_due_edition`.
#[test]
fn the_server_does_not_freeze_an_edition_while_a_harvest_is_unfinished() {
    let (workspace, store) = workspace_with_works();
    dump_source(&workspace, "archive-a", true);
    dump_source(&workspace, "archive-b", true);
    // Disabled: nothing will harvest it, so nothing waits for it.
    dump_source(&workspace, "archive-c", false);
    let store = Arc::new(store);
    let interrupted = unfinished_run(&store, "archive-a");
    let index = Arc::new(essor::app::open_index(&workspace.data()).unwrap());
    let sources = essor::source::load_dir(&workspace.sources()).unwrap();
    let pipeline = Pipeline::new(store.clone(), sources, index).unwrap();
    let scheduler = Scheduler::new(pipeline, std::time::Duration::from_secs(86_400));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tick = || runtime.block_on(scheduler.build_due_edition());
    let no_edition = |store: &Store| barometer::list(store).unwrap().is_empty();

    let EditionTick::Skipped { edition, reason } = tick() else {
        panic!("built from a store whose harvest of archive-a is unfinished");
    };
    assert_eq!(reason, "a harvest of source `archive-a` is in progress");
    assert!(no_edition(&store));
    // Still waiting at the next tick.
    assert!(matches!(tick(), EditionTick::Skipped { .. }));

    complete(&store, interrupted);
    let EditionTick::Skipped { reason, .. } = tick() else {
        panic!("built before archive-b was ever harvested");
    };
    assert_eq!(reason, "source `archive-b` has never completed a harvest");
    assert!(no_edition(&store));

    complete(&store, unfinished_run(&store, "archive-b"));
    assert_eq!(tick(), EditionTick::Built(edition));
    let editions = barometer::list(&store).unwrap();
    assert_eq!(editions.len(), 1);
    assert_eq!(editions[0].id, edition);
    assert_eq!(editions[0].status, EditionStatus::Published);
    // Published: later ticks leave it alone.
    assert_eq!(tick(), EditionTick::NotDue);
}
