//! Crash safety: a harvest SIGKILLed at random points, then rerun until it succeeds, ends with
//! exactly the store a clean harvest produces, record for record.
//!
//! The kill points are random; the seed is printed and `ESSOR_TEST_SEED=<seed>` replays them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{Peer, Rng, Workspace, oai_source};

const SOURCE: &str = "slow";

fn slow_source(provider: &Peer) -> String {
    oai_source("Fault provider: slow", &provider.url("/slow/oai"), "")
}

#[test]
fn harvest_killed_at_random_points_then_rerun_equals_a_clean_harvest() {
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
