//! A damaged store file (issue 18): truncated or with flipped bits, it is refused at open by the
//! real binary, `essor serve` as `essor works update`, with a message naming the file and what to
//! do, never served and never a panic. An intact store closed cleanly opens without a full check.
//! `essor check` verifies a store on demand: pages, rows, cross-references and the index.

use crate::common::{Run, Workspace};

/// A workspace whose store holds `count` records of a dump source, closed cleanly.
pub fn harvested_workspace(count: usize) -> Workspace {
    let workspace = Workspace::new();
    let dumps = workspace.sources().join("dumps/damaged");
    std::fs::create_dir_all(&dumps).unwrap();
    let records: String = (0..count)
        .map(|n| {
            format!(
                r#"<record><header><identifier>oai:damaged:{n}</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Les coopératives d'habitants, étude {n}</dc:title><dc:creator>Martin, Claire{n}</dc:creator></oai_dc:dc></metadata></record>"#
            )
        })
        .collect();
    std::fs::write(
        dumps.join("page-0001.xml"),
        format!(
            r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>{records}</ListRecords></OAI-PMH>"#
        ),
    )
    .unwrap();
    workspace.write_source(
        "damaged",
        r#"name = "Dump"
kind = "oai-pmh-dump"
base_url = "https://damaged.example.org/oai"
metadata_prefix = "oai_dc"
path = "dumps/damaged"
"#,
    );
    workspace.harvest("damaged").success();
    workspace
}

fn store_file(workspace: &Workspace) -> std::path::PathBuf {
    workspace.data().join("essor.redb")
}

/// `essor serve` and `essor works update` both refuse the store: exit 1, no panic, and a message
/// that names the file, says it is damaged and points to a backup.
fn assert_refused(workspace: &Workspace, damage: &str) {
    let serve = workspace.run(&["serve", "--listen", "127.0.0.1:0", "--no-schedule"]);
    let update = workspace.run(&["works", "update"]);
    for run in [serve, update] {
        assert_refused_run(&run, workspace, damage);
    }
}

fn assert_refused_run(run: &Run, workspace: &Workspace, damage: &str) {
    assert_eq!(run.code, Some(1), "{damage}: {}", run.describe());
    assert!(
        !run.stderr.contains("panicked"),
        "{damage}: {}",
        run.describe()
    );
    let message = run
        .stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("{damage}: no error line: {}", run.describe()));
    let file = store_file(workspace).display().to_string();
    for expected in [file.as_str(), "is damaged", "restore a backup"] {
        assert!(
            message.contains(expected),
            "{damage}: `{expected}` missing from: {message}"
        );
    }
    assert!(
        !run.stdout.contains("listening on"),
        "{damage}: the server started on a damaged store: {}",
        run.describe()
    );
}

/// Flips every bit of 64 bytes at each quarter of the file: some of them fall in pages that
/// hold rows, wherever the allocator put them (the middle of the file alone can be free space,
/// which no checksum covers: it was with the feed's records packed in blocks).
fn flip_bytes(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let length = bytes.len();
    for quarter in 1..4 {
        let at = length / 4 * quarter;
        for byte in &mut bytes[at..at + 64] {
            *byte ^= 0xff;
        }
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_truncated_store_is_refused_at_open_with_a_clear_message() {
    let workspace = harvested_workspace(2000);
    let path = store_file(&workspace);
    let length = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(length / 2).unwrap();
    drop(file);
    assert_refused(&workspace, "truncated to half");
}

#[test]
fn a_bit_flipped_store_is_refused_at_open_with_a_clear_message() {
    let workspace = harvested_workspace(2000);
    let path = store_file(&workspace);
    flip_bytes(&path);
    assert_refused(&workspace, "64 bytes flipped");
}

#[test]
fn a_store_closed_cleanly_reopens_and_keeps_its_records() {
    let workspace = harvested_workspace(50);
    let marker = workspace.data().join("essor.redb.clean");
    assert!(marker.exists(), "a clean close leaves its marker");
    let update = workspace.run(&["works", "update"]).success();
    assert!(
        !update.stderr.contains("checking every page"),
        "an untouched store is not checked page by page: {}",
        update.describe()
    );
    assert_eq!(workspace.stats()["records"], 50);
}

/// A listing whose reader stops early (`essor records | head`) ends quietly and still closes
/// the store cleanly: the next command opens it without a page-by-page check.
#[test]
fn a_listing_read_in_part_leaves_the_store_closed_cleanly() {
    use std::io::BufRead;
    let workspace = harvested_workspace(2000);
    let marker = workspace.data().join("essor.redb.clean");
    let mut listing = workspace
        .command()
        .args(["--quiet", "records"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(listing.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("oai:damaged:"), "{first}");
    // The reader goes, as `head -1` does, long before 2,000 lines (~500 KB) are written.
    let status = listing.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(marker.exists(), "the listing closed the store cleanly");
    let stats = workspace.run(&["stats"]).success();
    assert!(
        !stats.stderr.contains("checking every page"),
        "{}",
        stats.describe()
    );
}

/// `essor harvest` ends the process as soon as its store is closed (issue 17: no teardown
/// after it): its summary is printed whole, the store closed cleanly (the next command opens it
/// without a page-by-page check), and a second harvest that changes records, its works and
/// index following, leaves a sound store whose index matches it.
#[test]
fn a_harvest_ends_with_its_store_closed_cleanly_and_its_index_committed() {
    let workspace = harvested_workspace(200);
    let marker = workspace.data().join("essor.redb.clean");
    assert!(
        marker.exists(),
        "the first harvest closed the store cleanly"
    );
    let page = workspace.sources().join("dumps/damaged/page-0001.xml");
    let changed = std::fs::read_to_string(&page)
        .unwrap()
        .replace("étude 1", "enquête 1")
        .replace("2026-01-01", "2026-02-01");
    std::fs::write(&page, changed).unwrap();
    let again = workspace.harvest("damaged").success();
    assert!(again.stdout.contains("complete"), "{}", again.describe());
    assert!(
        again.stdout.contains("works: 200 records processed"),
        "{}",
        again.describe()
    );
    assert!(
        marker.exists(),
        "the second harvest closed the store cleanly"
    );
    let check = workspace.run(&["check"]).success();
    assert!(
        !check.stderr.contains("checking every page"),
        "{}",
        check.describe()
    );
    for expected in [
        "rows and cross-references: sound",
        "search index: 200 works, one per live work of the store",
    ] {
        assert!(check.stdout.contains(expected), "{}", check.describe());
    }
}

/// `essor check` on a store essor wrote: exit 0, every table read, the index matching.
#[test]
fn essor_check_finds_a_harvested_store_sound() {
    let workspace = harvested_workspace(50);
    let check = workspace.run(&["check"]).success();
    for expected in [
        "every page's checksum verified",
        "records: 50",
        "rows and cross-references: sound",
        "search index: 50 works, one per live work of the store",
        "the data folder is sound",
    ] {
        assert!(check.stdout.contains(expected), "{}", check.describe());
    }
    let json = workspace.run(&["check", "--json"]).success();
    let report: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(report["rows"]["records"], 50);
    assert_eq!(report["rows"]["works"], 50);
    assert_eq!(report["problem_count"], 0);
    assert_eq!(report["index"]["state"], "matches");
    assert_eq!(report["index"]["works"], 50);
}

/// `essor check` on damaged files: exit 1, the file named and said to be damaged, no panic.
#[test]
fn essor_check_reports_a_flipped_or_truncated_store_as_damaged() {
    let flipped = harvested_workspace(2000);
    let path = store_file(&flipped);
    flip_bytes(&path);
    // A file closed cleanly and flipped since keeps its length: only the checksums see it.
    let check = flipped.run(&["check"]);
    assert_refused_run(&check, &flipped, "essor check, 64 bytes flipped");

    let truncated = harvested_workspace(2000);
    let path = store_file(&truncated);
    let length = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(length / 2).unwrap();
    drop(file);
    let check = truncated.run(&["check"]);
    assert_refused_run(&check, &truncated, "essor check, truncated to half");
}

/// A missing index is not damage (the next open builds it); no store at all is an error.
#[test]
fn essor_check_tells_a_missing_index_and_a_missing_store() {
    let workspace = harvested_workspace(20);
    std::fs::remove_dir_all(workspace.data().join("index")).unwrap();
    let check = workspace.run(&["check"]).success();
    assert!(
        check.stdout.contains("search index: none yet"),
        "{}",
        check.describe()
    );
    let empty = Workspace::new();
    let check = empty.run(&["check"]);
    assert_eq!(check.code, Some(1), "{}", check.describe());
    assert!(
        check.stderr.contains("there is no store file") && !check.stderr.contains("damaged"),
        "{}",
        check.describe()
    );
}

/// While `essor serve` holds the store, `essor check` says so and how to check a backup instead.
#[test]
fn essor_check_refuses_a_store_in_use_and_says_what_to_do() {
    let workspace = harvested_workspace(20);
    let serving = crate::common::serving::Serving::start(&workspace);
    let check = workspace.run(&["check"]);
    assert_eq!(check.code, Some(2), "{}", check.describe());
    for expected in ["in use by a running essor", "stop `essor serve`", "restore"] {
        assert!(check.stderr.contains(expected), "{}", check.describe());
    }
    // Any other command says the same, without first announcing a page-by-page check.
    let stats = workspace.run(&["stats"]);
    assert_ne!(stats.code, Some(0), "{}", stats.describe());
    assert!(
        stats.stderr.contains("in use by another essor process")
            && !stats.stderr.contains("checking every page"),
        "{}",
        stats.describe()
    );
    drop(serving);
    workspace.run(&["check"]).success();
}
