//! Crash safety: a harvest SIGKILLed at random points, then rerun until it succeeds, ends with
//! exactly the store a clean harvest produces, record for record: an OAI-PMH list, and a large
//! CSV catalogue (committed in pages of 500 rows with `row:N@fingerprint` checkpoints); and
//! `essor serve` SIGKILLed during the scheduled harvest of a registered repository resumes it at
//! its next start, without loss or duplicates (issue 12); and a harvest SIGKILLed while the works
//! stage follows it (issue 17) ends, once rerun, with the works and feed of an uninterrupted run,
//! also when killed once a run's end is committed unsynced, before the works stage's durable commit;
//! and `essor works rebuild` killed between its slices, then run again, ends as an uninterrupted
//! rebuild (the same ids, themes, searches and feed).
//!
//! The kill points are random; the seed is printed and `ESSOR_TEST_SEED=<seed>` replays them.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::app::{TestApp, spawn_app};
use crate::common::serving::Serving;
use crate::common::{Peer, Rng, Workspace, identifiers, make_records, oai_source, project_root};

const SOURCE: &str = "slow";

/// The kill tests time their kills from a clean run's duration: run side by side, each would
/// slow the other's victim and move its kill points. One at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn slow_source(provider: &Peer) -> String {
    oai_source("Fault provider: slow", &provider.url("/slow/oai"), "")
}

#[test]
fn harvest_killed_at_random_points_then_rerun_equals_a_clean_harvest() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let provider = Peer::fault_provider();

    // The reference: one uninterrupted harvest into its own data directory.
    let reference = Workspace::new();
    reference.write_source(SOURCE, &slow_source(&provider));
    let clean_run = reference.harvest(SOURCE).success();
    let clean_duration = clean_run.elapsed;
    let expected = reference.records_text(SOURCE);
    assert_eq!(
        expected.lines().count(),
        4000,
        "the slow scenario serves 80 pages of 50 records"
    );

    // The victim: SIGKILLed (Child::kill) at random moments of successive harvests.
    let victim = Workspace::new();
    victim.write_source(SOURCE, &slow_source(&provider));
    let mut rng = Rng::from_env_or_clock("harvest_crash");
    // Kill points, as fractions of one clean harvest's duration D: early (startup, first pages),
    // late (after the harvester's first durable commits, so the next run may resume), then early
    // again in the resumed run. Whether the harvester resumes or restarts, at least two of the
    // three runs are killed mid-harvest.
    let clean_ms = clean_duration.as_millis() as u64;
    let delays: Vec<Duration> = [(2, 30), (55, 80), (2, 12)]
        .into_iter()
        .map(|(low, high)| {
            Duration::from_millis(
                rng.range(clean_ms * low / 100, clean_ms * high / 100)
                    .max(10),
            )
        })
        .collect();
    let mut kills = 0;
    for delay in delays {
        let mut command = victim.command();
        command
            .args(["harvest", "--quiet", "--source", SOURCE])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("spawn essor");
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().expect("SIGKILL essor");
            kills += 1;
            eprintln!("killed essor after {delay:?}");
        }
        let _ = child.wait();
    }
    assert!(
        kills >= 2,
        "the harvest ended before most kill points (clean run took {clean_duration:?})"
    );
    if victim.data().exists() {
        let partial = victim.run(&["records", "--source", SOURCE]);
        eprintln!(
            "after {kills} kills: exit {:?}, {} records stored",
            partial.code,
            partial.stdout.lines().count()
        );
    }

    // Rerun until one harvest succeeds.
    let mut succeeded = false;
    for attempt in 1..=5 {
        let run = victim.harvest(SOURCE);
        if run.code == Some(0) {
            succeeded = true;
            break;
        }
        eprintln!(
            "rerun {attempt} after the kills did not succeed: {}",
            run.describe()
        );
    }
    assert!(succeeded, "no rerun succeeded after the kills");

    let actual = victim.records_text(SOURCE);
    if actual != expected {
        let expected_lines: Vec<&str> = expected.lines().collect();
        let actual_lines: Vec<&str> = actual.lines().collect();
        let first_difference = expected_lines
            .iter()
            .zip(&actual_lines)
            .position(|(a, b)| a != b);
        panic!(
            "after {kills} kills the store differs from a clean harvest: {} records vs {} expected; \
             first differing line: {first_difference:?}\nexpected: {:?}\nactual:   {:?}",
            actual_lines.len(),
            expected_lines.len(),
            first_difference.map(|index| expected_lines[index]),
            first_difference.map(|index| actual_lines[index]),
        );
    }
    let stats = victim.stats();
    assert_eq!(stats["records"], 4000, "{stats}");
    let last = victim.last_run(SOURCE);
    assert_eq!(last["status"], "complete", "{last}");
    for run in victim.runs(SOURCE) {
        let status = run["status"].as_str().unwrap_or_default();
        assert!(
            ["complete", "failed", "incomplete"].contains(&status),
            "a killed run must not stay in the history as {status:?}: {run}"
        );
    }
}

/// Rows of the large catalogue: quoted titles with a line break, French dates, ` | ` values.
const CSV_ROWS: usize = 60_000;

fn write_large_catalogue(workspace: &Workspace) {
    write_catalogue_rows(workspace, 0..CSV_ROWS);
}

/// The large catalogue's rows in no key order (7,919 is prime to 60,000): a run stages them
/// from its second page (its first, with nothing written before it, is committed).
fn scrambled(i: usize) -> usize {
    i * 7_919 % CSV_ROWS
}

fn write_scrambled_catalogue(workspace: &Workspace) {
    write_catalogue_rows(workspace, (0..CSV_ROWS).map(scrambled));
}

/// The large catalogue with only `rows` (of its [`CSV_ROWS`]).
fn write_catalogue_rows(workspace: &Workspace, rows: impl Iterator<Item = usize>) {
    let mut text = String::from("Numero_Fiche;Intitule;Niveau;Date;Domaines\n");
    for i in rows {
        text.push_str(&format!(
            "RNCP{i:06};\"Formation {i} en économie sociale et solidaire,\noption {}\";NIV{};{:02}/{:02}/20{};coopératives | associations | territoire {}\n",
            i % 97,
            3 + i % 6,
            1 + i % 28,
            1 + i % 12,
            10 + i % 15,
            i % 13
        ));
    }
    std::fs::write(workspace.sources().join("catalogue.csv"), text).unwrap();
    workspace.write_source(
        "catalogue",
        r#"name = "A large catalogue (test)"
kind = "csv"
path = "catalogue.csv"
id = "Numero_Fiche"
record_type = "training"

[fields]
title = "Intitule"
level = "Niveau"
date = "Date"
keywords = { from = "Domaines", split = " | " }
"#,
    );
}

/// Runs `args` and SIGKILLs the process once it has logged `pages` committed pages (it runs
/// with `page committed` events on stderr); true when it was killed before finishing.
fn kill_after_pages(workspace: &Workspace, args: &[&str], pages: usize) -> bool {
    kill_when(workspace, args, |events| events.pages >= pages)
}

/// What a process has logged so far, as [`kill_when`] counts it.
#[derive(Debug, Default, Clone, Copy)]
struct Logged {
    /// `page committed` events.
    pages: usize,
    /// `works follow the harvest` events: the works stage took up committed pages while the
    /// harvest went on.
    follows: usize,
    /// Pages committed since the first such event.
    pages_after_follow: usize,
    /// `works indexed beside their build` events: a build of works from scratch handed a
    /// committed transaction's works to the search index.
    indexed_beside: usize,
    /// `harvest complete` events: a run's end committed (unsynced while works follow).
    completed: usize,
    /// `works rebuild slice written` events: a slice of a rebuild's works committed (not
    /// durably: the rebuild's last transaction makes them so).
    rebuild_slices: usize,
    /// `staged records chunk settled` events: a chunk of a run's staged records committed into
    /// the records.
    settled_chunks: usize,
}

/// Runs `args` (with debug events on stderr) and SIGKILLs the process as soon as what it has
/// logged satisfies `kill`; true when it was killed before finishing.
fn kill_when(workspace: &Workspace, args: &[&str], kill: impl Fn(&Logged) -> bool) -> bool {
    let mut command = workspace.command();
    command
        .args(args)
        .env("RUST_LOG", "essor=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn essor");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut logged = Logged::default();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("page committed") {
                logged.pages += 1;
                if logged.follows > 0 {
                    logged.pages_after_follow += 1;
                }
            } else if line.contains("works follow the harvest") {
                logged.follows += 1;
            } else if line.contains("works indexed beside their build") {
                logged.indexed_beside += 1;
            } else if line.contains("harvest complete") {
                logged.completed += 1;
            } else if line.contains("works rebuild slice written") {
                logged.rebuild_slices += 1;
            } else if line.contains("staged records chunk settled") {
                logged.settled_chunks += 1;
            } else {
                continue;
            }
            if sender.send(logged).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        match receiver.recv_timeout(Duration::from_millis(50)) {
            Ok(logged) if kill(&logged) => {
                let killed = child.try_wait().unwrap().is_none() && child.kill().is_ok();
                let _ = child.wait();
                return killed;
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if child.try_wait().unwrap().is_some() {
                    return false;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

#[test]
fn csv_harvest_killed_at_random_points_then_rerun_equals_a_clean_harvest() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let harvest = ["harvest", "--no-works", "--source", "catalogue"];
    let expected = clean_catalogue_records(write_large_catalogue);

    // The victim is killed by its progress, not by the clock (the machine's speed varies): 120
    // pages of 500 rows, made durable every 64 pages or 5 seconds. Killed before the first
    // durable point, then after it (up to 32,000 rows kept with their checkpoint: fewer when a
    // loaded machine took 5 s before page 64, which moved the durable points earlier), then
    // early in the resumed run.
    let victim = Workspace::new();
    write_large_catalogue(&victim);
    let mut rng = Rng::from_env_or_clock("harvest_crash_csv");
    for (low, high) in [(5, 30), (66, 80), (1, 20)] {
        let pages = rng.range(low, high) as usize;
        let killed = kill_after_pages(&victim, &harvest, pages);
        eprintln!("essor killed after {pages} pages: {killed}");
        assert!(killed, "the harvest ended before page {pages}");
    }
    // Its rows come in key order: written page by page, none staged.
    let partial = victim.records_text("catalogue").lines().count();
    eprintln!("after the kills: {partial} rows stored");
    assert_eq!(victim.stats()["staged_records"], serde_json::Value::Null);
    // Whole pages only, and at least the one a durable point kept before the second kill.
    assert!(
        (500..CSV_ROWS).contains(&partial) && partial.is_multiple_of(500),
        "{partial} rows"
    );

    victim.run(&harvest).success();
    let actual = victim.records_text("catalogue");
    assert!(
        actual == expected,
        "after the kills the store differs from a clean harvest: {} records vs {CSV_ROWS}",
        actual.lines().count()
    );
    assert_eq!(victim.stats()["records"], CSV_ROWS as u64);
    assert!(victim.rejects("catalogue").is_empty());
    assert_one_resumed_run(&victim);
}

/// A clean `--no-works` harvest of the catalogue `write` writes: its records, listed.
fn clean_catalogue_records(write: fn(&Workspace)) -> String {
    let reference = Workspace::new();
    write(&reference);
    (reference.run(&["harvest", "--no-works", "--source", "catalogue"])).success();
    let expected = reference.records_text("catalogue");
    assert_eq!(expected.lines().count(), CSV_ROWS);
    expected
}

/// The catalogue's run a kill interrupted, taken up where it stopped to its end: the same run,
/// resumed, its counters those of one clean read.
fn assert_one_resumed_run(victim: &Workspace) {
    let last = victim.last_run("catalogue");
    assert_eq!(last["status"], "complete", "{last}");
    assert!(last["resumed"].as_u64() >= Some(1), "{last}");
    assert_eq!(
        (&last["new"], &last["updated"], &last["unchanged"]),
        (&json!(CSV_ROWS), &json!(0), &json!(0)),
        "{last}"
    );
    assert_eq!(victim.runs("catalogue").len(), 1, "one run, resumed");
}

#[test]
fn csv_harvest_killed_while_settling_its_staged_rows_then_rerun_equals_a_clean_harvest() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let harvest = ["harvest", "--no-works", "--source", "catalogue"];
    let expected = clean_catalogue_records(write_scrambled_catalogue);

    // The run's staged rows are settled in two chunks: killed once the first committed.
    let victim = Workspace::new();
    write_scrambled_catalogue(&victim);
    let killed = kill_when(&victim, &harvest, |logged| logged.settled_chunks >= 1);
    assert!(killed, "the settle ended before the kill");
    assert_killed_while_settling(&victim);

    victim.run(&harvest).success();
    assert_eq!(victim.records_text("catalogue"), expected);
    let stats = victim.stats();
    assert_eq!(stats["records"], CSV_ROWS as u64, "{stats}");
    assert_eq!(stats["staged_records"], serde_json::Value::Null, "{stats}");
    assert_one_resumed_run(&victim);
}

/// What a kill during a settle leaves: the chunks before the last are committed unsynced, so
/// the kill keeps what the last durable commit did (a harvest's page every 64 or 5 s, or another
/// source's), whole pages: the first page committed, the rest staged or settled, none twice.
fn assert_killed_while_settling(victim: &Workspace) {
    let stats = victim.stats();
    eprintln!("killed while settling: {stats}");
    let stored = stats["records"].as_u64().unwrap_or(0);
    let staged = stats["staged_records"].as_u64().unwrap_or(0);
    assert!((500..CSV_ROWS as u64).contains(&stored), "{stats}");
    assert!(
        staged > 0 && (stored + staged).is_multiple_of(500),
        "{stats}"
    );
}

/// The scrambled catalogue's `--no-works` harvest killed after 66 to 79 pages (seeded by
/// `seed`): the first page committed, the pages after it staged; the workspace and the rows
/// kept.
fn killed_while_staging(seed: &str) -> (Workspace, u64) {
    let victim = Workspace::new();
    write_scrambled_catalogue(&victim);
    let pages = Rng::from_env_or_clock(seed).range(66, 80) as usize;
    let harvest = ["harvest", "--no-works", "--source", "catalogue"];
    let killed = kill_after_pages(&victim, &harvest, pages);
    assert!(killed, "the harvest ended before page {pages}");
    let stats = victim.stats();
    eprintln!("killed after {pages} pages: {stats}");
    let staged = stats["staged_records"].as_u64().unwrap_or(0);
    assert!(
        (500..CSV_ROWS as u64).contains(&staged) && stats["records"] == 500,
        "{stats}"
    );
    (victim, staged + 500)
}

/// The scrambled catalogue harvested with its works (the store has none: the run stages its
/// rows, then the works are built from all of them): the works, each row's, as groups.
fn catalogue_with_works(workspace: &Workspace) -> Vec<Vec<String>> {
    write_scrambled_catalogue(workspace);
    workspace
        .run(&["harvest", "--source", "catalogue"])
        .success();
    let groups = work_groups(workspace);
    let members: usize = groups.iter().map(Vec::len).sum();
    assert_eq!(members, CSV_ROWS, "every row in one work");
    groups
}

/// A harvest with its works (no `--no-works`) killed while it settles its staged rows, before
/// any work is built, then run again: the settle ends, and the works, search and feed are those
/// of an uninterrupted run.
#[test]
fn csv_harvest_with_works_killed_while_settling_then_rerun_has_the_works_of_an_uninterrupted_run() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let harvest = ["harvest", "--source", "catalogue"];
    let reference = Workspace::new();
    let expected_groups = catalogue_with_works(&reference);

    let victim = Workspace::new();
    write_scrambled_catalogue(&victim);
    let killed = kill_when(&victim, &harvest, |logged| logged.settled_chunks >= 1);
    assert!(killed, "the settle ended before the kill");
    assert_killed_while_settling(&victim);
    assert!(
        victim.works().is_empty(),
        "works built before the settle ended"
    );

    victim.run(&harvest).success();
    assert_catalogue_as_uninterrupted(&victim, &reference, &expected_groups);
    assert_eq!(
        assert_feed_lists_each_work_once(&victim),
        assert_feed_lists_each_work_once(&reference)
    );
}

/// A harvest killed while it stages its rows, then `essor works update` (no harvest): the rows
/// the kill kept are settled into the records and made into works; the next harvest completes
/// the same run, page by page into a store with works, counting each row once, and ends with
/// the works of an uninterrupted run.
#[test]
fn csv_harvest_killed_while_staging_then_works_update_settles_its_rows_and_a_harvest_completes_the_run()
 {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let reference = Workspace::new();
    let expected_groups = catalogue_with_works(&reference);

    let (victim, partial) = killed_while_staging("harvest_crash_staged_update");

    victim.run(&["works", "update"]).success();
    let stats = victim.stats();
    assert_eq!(stats["records"], partial, "{stats}");
    assert_eq!(stats["staged_records"], serde_json::Value::Null, "{stats}");
    let members: usize = work_groups(&victim).iter().map(Vec::len).sum();
    assert_eq!(members as u64, partial, "the settled rows made into works");

    victim.run(&["harvest", "--source", "catalogue"]).success();
    assert_catalogue_as_uninterrupted(&victim, &reference, &expected_groups);
}

/// The victim's catalogue, once rerun, is the uninterrupted run's: its records, works and
/// search totals, and one run resumed.
fn assert_catalogue_as_uninterrupted(
    victim: &Workspace,
    reference: &Workspace,
    expected_groups: &[Vec<String>],
) {
    assert_eq!(
        victim.records_text("catalogue"),
        reference.records_text("catalogue")
    );
    assert!(
        work_groups(victim) == expected_groups,
        "the works differ from an uninterrupted run's"
    );
    assert_eq!(search_totals(victim), search_totals(reference));
    assert_one_resumed_run(victim);
}

/// A harvest killed while it stages its rows, then a full harvest (a new run: the killed one is
/// not full, so it is not taken up): the rows the killed run kept count as they would had its
/// pages been committed, unchanged, not new a second time.
#[test]
fn csv_full_harvest_after_one_killed_while_staging_counts_the_kept_rows_once() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (victim, partial) = killed_while_staging("harvest_crash_staged_full");

    victim
        .run(&["harvest", "--no-works", "--full", "--source", "catalogue"])
        .success();
    let stats = victim.stats();
    assert_eq!(stats["records"], CSV_ROWS as u64, "{stats}");
    assert_eq!(stats["staged_records"], serde_json::Value::Null, "{stats}");
    let last = victim.last_run("catalogue");
    assert_eq!(last["status"], "complete", "{last}");
    assert_eq!(last["full"], true, "{last}");
    assert_eq!(
        (&last["new"], &last["updated"], &last["unchanged"]),
        (
            &json!(CSV_ROWS as u64 - partial),
            &json!(0),
            &json!(partial)
        ),
        "{last}"
    );
}

/// A harvest killed while it stages its rows, then the catalogue changed (rows the killed run
/// kept are gone from it), then harvested again: the run starts its read again (the file is not
/// the one its checkpoint was made from) and deletes the rows no longer listed, as it would have
/// had the killed run committed them, rather than settling them live once the run ends.
#[test]
fn csv_rows_a_killed_run_staged_then_gone_from_the_catalogue_are_deleted_by_the_next_run() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let harvest = ["harvest", "--no-works", "--source", "catalogue"];
    let (victim, _) = killed_while_staging("harvest_crash_staged_gone");

    // The file's second page's first 100 rows (staged: its first page was committed), among
    // those the killed run kept, are gone from it.
    let gone = 500..600;
    let kept = (0..CSV_ROWS).filter(|i| !gone.contains(i));
    write_catalogue_rows(&victim, kept.map(scrambled));
    victim.run(&harvest).success();
    let records = victim.records("catalogue");
    let deleted: BTreeSet<&str> = records
        .iter()
        .filter(|record| record["deleted"] == true)
        .map(|record| record["identifier"].as_str().unwrap_or_default())
        .collect();
    let expected: Vec<String> = gone.map(|i| format!("RNCP{:06}", scrambled(i))).collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(records.len(), CSV_ROWS, "every row once");
    assert!(
        deleted == expected,
        "deleted: {:?}",
        deleted.iter().take(5).collect::<Vec<_>>()
    );
    let stats = victim.stats();
    assert_eq!(stats["records"], CSV_ROWS as u64 - 100, "{stats}");
    assert_eq!(stats["deleted_records"], 100, "{stats}");
}

/// Works of the large catalogue matching a few searches, and all of them: what the search index
/// holds, as the REST API counts it.
fn search_totals(workspace: &Workspace) -> Vec<u64> {
    totals(
        workspace,
        &[
            "",
            "q=formation",
            "q=option%2017",
            "q=territoire%205",
            "q=formation%204242",
        ],
    )
}

/// The works each query finds, as the REST API counts them.
fn totals(workspace: &Workspace, queries: &[&str]) -> Vec<u64> {
    let server = spawn_app(workspace);
    queries
        .iter()
        .map(|query| {
            server
                .get(&format!("/api/v1/works?total=exact&{query}"))
                .json()["total"]
                .as_u64()
                .expect("a total")
        })
        .collect()
}

/// Runs `args` in `victim` and SIGKILLs it once `done` (what it has logged: transactions or
/// slices of twelve) reaches a random one to eleven, then again once it reaches one (`label`
/// names the seed to replay); each run must be killed before it finishes.
fn kill_twice_by_progress(
    victim: &Workspace,
    args: &[&str],
    label: &str,
    done: impl Fn(&Logged) -> usize,
) {
    let mut rng = Rng::from_env_or_clock(label);
    for high in [12, 2] {
        let at = rng.range(1, high) as usize;
        let killed = kill_when(victim, args, |logged| done(logged) >= at);
        eprintln!("{label}: essor {args:?} killed after {at} of twelve: {killed}");
        assert!(killed, "{args:?} ended before the kill");
    }
}

/// The large catalogue written and harvested, its records stored without works.
fn catalogue_records(workspace: &Workspace) {
    write_large_catalogue(workspace);
    workspace
        .run(&["harvest", "--no-works", "--source", "catalogue"])
        .success();
}

#[test]
fn works_built_from_scratch_killed_while_indexed_beside_then_rerun_equal_a_clean_build() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let update = ["works", "update"];
    let reference = Workspace::new();
    catalogue_records(&reference);
    reference.run(&update).success();
    let expected_groups = work_groups(&reference);
    let expected_totals = search_totals(&reference);
    assert_eq!(
        expected_totals[0],
        expected_groups.len() as u64,
        "every work indexed"
    );

    // The victim: its first works build killed while the index is fed beside it (after one to
    // eleven of its twelve transactions: nothing of the index committed, the works not
    // durable), then after the first again.
    let victim = Workspace::new();
    catalogue_records(&victim);
    kill_twice_by_progress(&victim, &update, "works_fresh_killed", |logged| {
        logged.indexed_beside
    });
    victim.run(&update).success();
    assert!(
        work_groups(&victim) == expected_groups,
        "the works differ from a clean build's"
    );
    assert_eq!(search_totals(&victim), expected_totals);
    assert_eq!(
        assert_feed_lists_each_work_once(&victim),
        assert_feed_lists_each_work_once(&reference)
    );
}

/// The built-in thesaurus and a theme whose term every work of the large catalogue holds in its
/// title: a rebuild with it changes every work's themes (the rebuild benchmark's new theme).
fn thesaurus_with_a_theme_for_every_work(workspace: &Workspace) -> String {
    let builtin =
        std::fs::read_to_string(project_root().join("thesaurus/ess-themes.toml")).unwrap();
    let file = workspace.dir.path().join("themes.toml");
    std::fs::write(
        &file,
        format!(
            "{builtin}\n[[theme]]\nid = \"vocational-training\"\nfr = \"Formation professionnelle\"\n\
             en = \"Vocational training\"\nweight = 0.3\nterms = [\"formation\"]\n"
        ),
    )
    .unwrap();
    file.to_str().unwrap().to_owned()
}

/// Each live work's id and themes, by its members (`source/identifier`, sorted).
fn works_by_members(workspace: &Workspace) -> BTreeMap<Vec<String>, (String, String)> {
    workspace
        .works()
        .iter()
        .map(|work| {
            let id = work["id"].as_str().unwrap().to_owned();
            (members_of(work), (id, work["themes"].to_string()))
        })
        .collect()
}

/// A rebuild after a new theme (every work's themes change) SIGKILLed between its slices
/// (committed, not durable), then run again, ends with the works, ids, themes, search and feed
/// of an uninterrupted rebuild.
#[test]
fn works_rebuild_killed_between_slices_then_rerun_equals_an_uninterrupted_rebuild() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let built = |workspace: &Workspace| {
        catalogue_records(workspace);
        workspace.run(&["works", "update"]).success();
        works_by_members(workspace)
    };
    let reference = Workspace::new();
    let before = built(&reference);
    let thesaurus = thesaurus_with_a_theme_for_every_work(&reference);
    let rebuild = ["works", "rebuild", "--thesaurus", thesaurus.as_str()];
    reference.run(&rebuild).success();
    let expected = works_by_members(&reference);
    assert_eq!(expected.len(), before.len());
    for (members, (id, themes)) in &expected {
        assert_eq!(id, &before[members].0, "a work keeps its id");
        assert!(themes.contains("vocational-training"), "{id}: {themes}");
    }
    let expected_totals = theme_totals(&reference);
    assert_eq!(
        expected_totals[1],
        expected.len() as u64,
        "{expected_totals:?}"
    );

    // The victim: its rebuild killed after one to eleven of its twelve slices, then after the
    // first again: the store rolls back to before the rebuild, the search index follows it.
    let victim = Workspace::new();
    let victim_before = built(&victim);
    let thesaurus = thesaurus_with_a_theme_for_every_work(&victim);
    let rebuild = ["works", "rebuild", "--thesaurus", thesaurus.as_str()];
    kill_twice_by_progress(&victim, &rebuild, "works_rebuild_killed", |logged| {
        logged.rebuild_slices
    });
    victim.run(&rebuild).success();
    let after = works_by_members(&victim);
    assert_eq!(after.len(), expected.len());
    for (members, (id, themes)) in &after {
        assert_eq!(id, &victim_before[members].0, "a work keeps its id");
        assert_eq!(themes, &expected[members].1, "{id}");
    }
    assert_eq!(theme_totals(&victim), expected_totals);
    assert_eq!(
        assert_feed_lists_each_work_once(&victim),
        assert_feed_lists_each_work_once(&reference)
    );
}

/// Works in all, with the new theme, and with two of the built-in themes, as the REST API
/// counts them.
fn theme_totals(workspace: &Workspace) -> Vec<u64> {
    let themes = ["vocational-training", "cooperatives", "associations"];
    let queries: Vec<String> = themes.iter().map(|t| format!("theme={t}")).collect();
    let mut all = vec![""];
    all.extend(queries.iter().map(String::as_str));
    totals(workspace, &all)
}

/// Each work's members (`source/identifier`, sorted), the groups sorted: the works without their
/// ids, which depend on the order they were made in.
fn work_groups(workspace: &Workspace) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = workspace.works().iter().map(members_of).collect();
    groups.sort();
    groups
}

/// A work's members (`source/identifier`), sorted.
fn members_of(work: &serde_json::Value) -> Vec<String> {
    let mut members: Vec<String> = work["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{}/{}",
                m["source"].as_str().unwrap(),
                m["identifier"].as_str().unwrap()
            )
        })
        .collect();
    members.sort();
    members
}

/// Every identifier of the feed's ListIdentifiers (all works), page after page, in order.
fn feed_identifiers(server: &TestApp) -> Vec<String> {
    let mut identifiers = Vec::new();
    let mut query = "verb=ListIdentifiers&metadataPrefix=oai_dc".to_owned();
    loop {
        let xml = server.oai(&query);
        assert!(!xml.contains("<error"), "{query}: {xml}");
        for header in xml.split("<header").skip(1) {
            let start = header.find("<identifier>").expect("an identifier") + "<identifier>".len();
            let end = header[start..].find("</identifier>").expect("closed") + start;
            identifiers.push(header[start..end].to_owned());
        }
        let token = xml
            .split("<resumptionToken")
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split_once("</resumptionToken>"))
            .map(|(token, _)| token.to_owned())
            .filter(|token| !token.is_empty());
        match token {
            Some(token) => query = format!("verb=ListIdentifiers&resumptionToken={token}"),
            None => return identifiers,
        }
    }
}

/// The feed lists each live work once, and nothing else.
fn assert_feed_lists_each_work_once(workspace: &Workspace) -> usize {
    let server = spawn_app(workspace);
    let listed = feed_identifiers(&server);
    drop(server);
    let distinct: BTreeSet<&str> = listed
        .iter()
        .map(|id| id.rsplit(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        distinct.len(),
        listed.len(),
        "a work listed twice in the feed"
    );
    let works: Vec<String> = workspace
        .works()
        .iter()
        .map(|work| work["id"].as_str().unwrap().to_owned())
        .collect();
    let works: BTreeSet<&str> = works.iter().map(String::as_str).collect();
    assert_eq!(distinct, works, "the feed lists the live works");
    listed.len()
}

#[test]
fn harvest_killed_while_works_follow_it_then_rerun_equals_an_uninterrupted_run() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let provider = Peer::fault_provider();
    let harvest = ["harvest", "--source", SOURCE];
    let with_works = || with_works_then_slow(&provider);

    // The reference: one uninterrupted harvest, its works following it.
    let reference = with_works();
    let clean = reference
        .command()
        .args(harvest)
        .env("RUST_LOG", "essor=info")
        .output()
        .expect("run essor");
    let log = String::from_utf8_lossy(&clean.stderr);
    assert!(clean.status.success(), "{log}");
    assert!(
        log.contains("works follow the harvest"),
        "the works stage did not follow the harvest: {log}"
    );
    let expected_groups = work_groups(&reference);
    let members: usize = expected_groups.iter().map(Vec::len).sum();
    assert_eq!(members, 4015, "every record in one work");

    // The victim: killed after the works stage has followed the harvest and a few more pages
    // were committed (the works stage may be writing, the harvest is), twice.
    let victim = with_works();
    let mut rng = Rng::from_env_or_clock("harvest_crash_follow");
    for high in [12, 6] {
        let pages = rng.range(0, high) as usize;
        let killed = kill_when(&victim, &harvest, |logged| {
            logged.follows > 0 && logged.pages_after_follow >= pages
        });
        eprintln!("essor killed {pages} pages after the works followed the harvest: {killed}");
        assert!(killed, "the harvest ended before the kill");
    }
    let partial = victim.records(SOURCE).len();
    eprintln!("after the kills: {partial} records stored");
    assert!(partial < 4000, "{partial} records: the kills came too late");

    victim.run(&harvest).success();
    assert_works_as_uninterrupted(&victim, &reference, &expected_groups);
}

#[test]
fn harvest_killed_once_its_run_ended_unsynced_then_rerun_equals_an_uninterrupted_run() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let provider = Peer::fault_provider();
    let harvest = ["harvest", "--source", SOURCE];
    let reference = with_works_then_slow(&provider);
    reference.run(&harvest).success();
    let expected_groups = work_groups(&reference);

    // The victim: killed as soon as the run's end is committed, not synced (the works stage's
    // last commit, durable, makes it so), while the works stage takes up the last pages.
    let victim = with_works_then_slow(&provider);
    let killed = kill_when(&victim, &harvest, |logged| logged.completed > 0);
    eprintln!("essor killed once the harvest's run ended: {killed}");
    assert!(killed, "the works stage ended before the kill");

    victim.run(&harvest).success();
    assert_works_as_uninterrupted(&victim, &reference, &expected_groups);
    let runs = victim.runs(SOURCE);
    assert!(
        runs.iter().all(|run| run["status"] != "running"),
        "a killed run must not stay in the history as running: {runs:?}"
    );
}

/// A store with works (the works stage follows a harvest only into such a store; one without
/// any builds them all at once when the harvest ends): a small source harvested, then the slow
/// one's file written.
fn with_works_then_slow(provider: &Peer) -> Workspace {
    let workspace = Workspace::new();
    workspace.write_source(
        "clean",
        &oai_source("Fault provider: clean", &provider.url("/clean/oai"), ""),
    );
    workspace.harvest("clean").success();
    assert!(!workspace.works().is_empty());
    workspace.write_source(SOURCE, &slow_source(provider));
    workspace
}

/// The victim's records, works, feed and index, once rerun, are those of the uninterrupted run.
fn assert_works_as_uninterrupted(
    victim: &Workspace,
    reference: &Workspace,
    expected_groups: &[Vec<String>],
) {
    assert_eq!(victim.records_text(SOURCE), reference.records_text(SOURCE));
    let groups = work_groups(victim);
    let members: Vec<&String> = groups.iter().flatten().collect();
    let distinct: BTreeSet<&String> = members.iter().copied().collect();
    assert_eq!(members.len(), 4015, "every record in one work, once");
    assert_eq!(distinct.len(), 4015);
    assert!(
        groups == expected_groups,
        "the works differ from an uninterrupted run's"
    );
    assert_eq!(
        assert_feed_lists_each_work_once(victim),
        assert_feed_lists_each_work_once(reference)
    );
    // The index takes each batch's works before the batch commits (issue 17), and commits
    // after it: a kill between the two leaves it behind, never ahead nor missing a work.
    assert_eq!(indexed_total(victim), indexed_total(reference));
    assert_eq!(indexed_total(victim), expected_groups.len() as u64);
}

/// Works the search index holds, as the REST API counts them.
fn indexed_total(workspace: &Workspace) -> u64 {
    spawn_app(workspace).get("/api/v1/works?total=exact").json()["total"]
        .as_u64()
        .expect("a total")
}

#[test]
fn serve_killed_during_a_scheduled_harvest_of_a_registered_repository_resumes_it_at_the_next_start()
{
    let workspace = Workspace::new();
    let records_file = workspace.dir.path().join("records.json");
    // 12 pages of 50: about 12 s at a registered repository's 1 request/s.
    let records = make_records(&records_file, 600, 21);
    let repository = Peer::pyoai_server(&records_file, 50);
    let mut rng = Rng::from_env_or_clock("serve_killed");
    let kill_after = rng.range(1, 9) * 50;

    let server = Serving::start_scheduled(&workspace, &[("ESSOR_ALLOW_PRIVATE_NETWORKS", "true")]);
    let registration = json!({
        "base_url": repository.url("/oai"), "name": "Dépôt tué", "institution": "Université",
        "region": "FR-BRE", "contact_email": "depot@univ-exemple.fr",
    });
    let created = server.request("POST", "/api/v1/sources", Some(&registration));
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let approved = server.request("POST", &format!("/api/v1/sources/{id}/approve"), None);
    assert_eq!(approved.status, 200, "{}", approved.text());
    let record = server.wait_for(&id, "the first pages", |record| {
        record["counts"]["records"].as_u64().unwrap_or(0) >= kill_after
    });
    drop(server);
    eprintln!(
        "killed essor serve with {} records stored",
        record["counts"]["records"]
    );
    let killed = workspace.runs(&id);
    assert_eq!(killed.len(), 1, "{killed:?}");
    assert_eq!(killed[0]["status"], "running", "{killed:?}");
    assert!(workspace.records(&id).len() < 600, "the kill came too late");

    // The next start resumes the same run to its end.
    let server = Serving::start_scheduled(&workspace, &[("ESSOR_ALLOW_PRIVATE_NETWORKS", "true")]);
    let record = server.wait_for(&id, "the resumed harvest", |record| {
        record["last_harvest"]["status"] == "complete"
            && record["registration"]["works"].as_u64().unwrap_or(0) > 0
    });
    drop(server);
    assert!(
        record["last_harvest"]["resumed"].as_u64().unwrap() >= 1,
        "{record:#}"
    );
    assert_eq!(record["last_harvest"]["new"], 600, "{record:#}");
    let runs = workspace.runs(&id);
    assert_eq!(runs.len(), 1, "one run, resumed: {runs:?}");

    // Every record once, and once in the works.
    let stored = workspace.records(&id);
    assert_eq!(stored.len(), 600);
    assert_eq!(identifiers(&stored), identifiers(&records));
    let members: Vec<String> = workspace
        .works()
        .iter()
        .flat_map(|work| work["members"].as_array().cloned().unwrap_or_default())
        .filter(|member| member["source"] == id.as_str())
        .map(|member| member["identifier"].as_str().unwrap().to_owned())
        .collect();
    let distinct: BTreeSet<&String> = members.iter().collect();
    assert_eq!(members.len(), 600, "each record in one work");
    assert_eq!(distinct.len(), 600);
}
