//! Backups (issue 18): `essor backup` takes a consistent copy of the store from the running
//! `essor serve` while it harvests, `essor restore` puts it back, and the restored store holds
//! every record committed before the backup began, each as the finished harvest left it, and
//! resumes the harvest to the end.

use std::time::{Duration, Instant};

use crate::common::serving::Serving;
use crate::common::{Peer, Workspace, oai_source};
use crate::store_damaged::harvested_workspace;

const SOURCE: &str = "slow";

#[test]
fn a_backup_taken_during_a_harvest_restores_every_committed_record() {
    let provider = Peer::fault_provider();
    let source = oai_source("Fault provider: slow", &provider.url("/slow/oai"), "");
    let live = Workspace::new();
    live.write_source(SOURCE, &source);
    let server = Serving::start(&live);

    let address = server.address.clone();
    let harvest = std::thread::spawn(move || Serving::harvest(&address, SOURCE));
    // Wait until a quarter of the 4,000 records are in, then back up.
    let started = Instant::now();
    let committed_before = loop {
        let records = server.records(SOURCE);
        if records >= 1000 {
            break records;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120) && !harvest.is_finished(),
            "the harvest did not get to 1,000 records ({records} stored)"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let backup_file = live.dir.path().join("backup.redb");
    let backup = live
        .run(&["backup", backup_file.to_str().unwrap()])
        .success();
    let report: serde_json::Value = serde_json::from_str(backup.stdout.trim()).unwrap();
    assert!(
        report["rows"].as_u64().unwrap() > committed_before,
        "{report}"
    );
    let (status, outcome) = harvest.join().unwrap();
    assert_eq!(status, 200, "{outcome}");
    drop(server);
    let finished = live.records_text(SOURCE);
    assert_eq!(finished.lines().count(), 4000);

    let restored = Workspace::new();
    restored.write_source(SOURCE, &source);
    restored
        .run(&["restore", backup_file.to_str().unwrap()])
        .success();
    let restored_text = restored.records_text(SOURCE);
    let restored_count = restored_text.lines().count() as u64;
    assert!(
        restored_count >= committed_before,
        "{restored_count} records restored, {committed_before} were committed before the backup"
    );
    assert!(
        restored_count < 4000,
        "the backup was taken mid-harvest, yet holds all {restored_count} records"
    );
    for line in restored_text.lines() {
        assert!(
            finished.contains(line),
            "a restored record differs from the finished harvest's: {line}"
        );
    }
    // The restored checkpoint is consistent: the harvest resumes and ends as the original did.
    restored.harvest(SOURCE).success();
    assert_eq!(restored.records_text(SOURCE), finished);
    assert_eq!(restored.works().len(), live.works().len());
}

#[test]
fn restore_refuses_a_store_in_use_an_existing_store_and_a_damaged_backup() {
    let workspace = harvested_workspace(30);
    let backup_file = workspace.dir.path().join("backup.redb");
    let backup_path = backup_file.to_str().unwrap();
    workspace.run(&["backup", backup_path]).success();
    let again = workspace.run(&["backup", backup_path]).code(1);
    assert!(
        again.stderr.contains("exists already"),
        "{}",
        again.describe()
    );

    {
        let _server = Serving::start(&workspace);
        let refused = workspace.run(&["restore", "--force", backup_path]).code(1);
        assert!(refused.stderr.contains("in use"), "{}", refused.describe());
    }
    let refused = workspace.run(&["restore", backup_path]).code(1);
    assert!(refused.stderr.contains("--force"), "{}", refused.describe());
    workspace
        .run(&["restore", "--force", backup_path])
        .success();
    assert_eq!(workspace.stats()["records"], 30);

    // One byte flipped in the middle of every 4 KiB page past the first: every page the backup
    // uses is hit.
    let mut bytes = std::fs::read(&backup_file).unwrap();
    for offset in (4096 + 2048..bytes.len()).step_by(4096) {
        bytes[offset] ^= 0x5a;
    }
    let damaged = workspace.dir.path().join("damaged.redb");
    std::fs::write(&damaged, bytes).unwrap();
    let refused = workspace
        .run(&["restore", "--force", damaged.to_str().unwrap()])
        .code(1);
    assert!(
        refused.stderr.contains("damaged.redb is damaged"),
        "{}",
        refused.describe()
    );
    assert_eq!(
        workspace.stats()["records"],
        30,
        "the store is untouched by a refused restore"
    );
}
