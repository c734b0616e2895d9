//! The `harvest-sources/` file format as a contract: good files parse, bad ones are refused with
//! exit code 2 and a message naming the file, the key and what is expected; every file shipped in
//! the project's `harvest-sources/` parses.

use std::path::{Path, PathBuf};

use crate::common::{Run, Workspace, project_root};

const GOOD: &str = r#"name = "Archive ouverte de test"
kind = "oai-pmh"
base_url = "http://127.0.0.1:9/oai"
metadata_prefix = "oai_dc"
sets = ["type:THESE"]
requests_per_second = 2.5
max_retries = 3
retry_backoff = "50ms"
timeout = "5s"
enabled = true
"#;

/// A workspace holding one good source plus `<id>.toml` with `text`.
fn workspace_with(id: &str, text: &str) -> (Workspace, PathBuf) {
    let workspace = Workspace::new();
    workspace.write_source("good", GOOD);
    let file = workspace.write_source(id, text);
    (workspace, file)
}

/// The command is refused as a configuration error, and stderr names the file and each of `words`.
fn assert_config_error(run: Run, file: &Path, words: &[&str]) {
    let run = run.code(2);
    let file_name = file.file_name().unwrap().to_str().unwrap();
    assert!(
        run.stderr.contains(file_name),
        "stderr must name the file {file_name}: {}",
        run.describe()
    );
    for word in words {
        assert!(
            run.stderr.contains(word),
            "stderr must mention {word:?}: {}",
            run.describe()
        );
    }
    let lowered = run.stderr.to_lowercase();
    assert!(
        ["expected", "must", "should", "one of", "required"]
            .iter()
            .any(|hint| lowered.contains(hint)),
        "stderr must say what is expected: {}",
        run.describe()
    );
}

#[test]
fn good_sources_are_listed_by_sources_check_and_subfolders_stay_apart() {
    let workspace = Workspace::new();
    workspace.write_source("good", GOOD);
    let nested = workspace.sources().join("quebec");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        nested.join("papyrus-test.toml"),
        GOOD.replace("Archive ouverte de test", "Papyrus (test)"),
    )
    .unwrap();
    let run = workspace.run(&["sources", "check"]).success();
    let lines_for = |stdout: &str, id: &str| {
        stdout
            .lines()
            .filter(|line| line.split_whitespace().next() == Some(id))
            .count()
    };
    assert_eq!(lines_for(&run.stdout, "good"), 1, "{}", run.describe());
    // A subfolder is another collection (like harvest-sources/samples): not mixed in.
    assert_eq!(
        lines_for(&run.stdout, "papyrus-test"),
        0,
        "{}",
        run.describe()
    );
}

#[test]
fn unknown_key_is_a_configuration_error_naming_file_and_key() {
    let (workspace, file) = workspace_with("typo", &format!("{GOOD}colour = \"rouge\"\n"));
    assert_config_error(workspace.run(&["sources", "check"]), &file, &["colour"]);
    // Harvesting the broken source is refused the same way.
    assert_config_error(
        workspace.run(&["harvest", "--quiet", "--source", "typo"]),
        &file,
        &["colour"],
    );
}

/// Issue 11: `works update` used to skip a broken source folder in silence (every source then
/// lost its role and relevance threshold); every command that reads the folder refuses it.
#[test]
fn works_update_and_serve_refuse_an_invalid_source_folder() {
    let (workspace, file) = workspace_with("typo", &format!("{GOOD}colour = \"rouge\"\n"));
    assert_config_error(workspace.run(&["works", "update"]), &file, &["colour"]);
    assert_config_error(
        workspace.run(&["serve", "--listen", "127.0.0.1:0", "--no-schedule"]),
        &file,
        &["colour"],
    );
}

#[test]
fn requests_per_second_must_be_a_number() {
    let text = GOOD.replace(
        "requests_per_second = 2.5",
        "requests_per_second = \"fast\"",
    );
    let (workspace, file) = workspace_with("rate", &text);
    assert_config_error(
        workspace.run(&["sources", "check"]),
        &file,
        &["requests_per_second"],
    );
}

#[test]
fn unknown_kind_is_refused_with_the_valid_kinds() {
    let text = GOOD.replace("kind = \"oai-pmh\"", "kind = \"ftp\"");
    let (workspace, file) = workspace_with("ftp", &text);
    assert_config_error(
        workspace.run(&["sources", "check"]),
        &file,
        &["kind", "ftp", "oai-pmh"],
    );
}

#[test]
fn bad_duration_is_refused() {
    let text = GOOD.replace("retry_backoff = \"50ms\"", "retry_backoff = \"bientôt\"");
    let (workspace, file) = workspace_with("backoff", &text);
    assert_config_error(
        workspace.run(&["sources", "check"]),
        &file,
        &["retry_backoff"],
    );
}

#[test]
fn oai_pmh_source_without_base_url_is_refused() {
    let text = GOOD.replace("base_url = \"http://127.0.0.1:9/oai\"\n", "");
    let (workspace, file) = workspace_with("nourl", &text);
    assert_config_error(workspace.run(&["sources", "check"]), &file, &["base_url"]);
}

#[test]
fn harvest_without_source_or_all_is_a_usage_error() {
    let workspace = Workspace::new();
    workspace.write_source("good", GOOD);
    workspace.run(&["harvest", "--quiet"]).code(2);
}

#[test]
fn harvesting_an_unknown_source_id_is_a_usage_error() {
    let workspace = Workspace::new();
    workspace.write_source("good", GOOD);
    let run = workspace
        .run(&["harvest", "--quiet", "--source", "absent"])
        .code(2);
    assert!(run.stderr.contains("absent"), "{}", run.describe());
}

#[test]
fn every_file_in_the_project_harvest_sources_parses() {
    for folder in ["harvest-sources", "harvest-sources/samples"] {
        every_source_file_parses(&project_root().join(folder));
    }
}

fn every_source_file_parses(dir: &Path) {
    let dir = dir.to_owned();
    assert!(
        dir.is_dir(),
        "the project ships its sources in {}",
        dir.display()
    );
    let stems = toml_stems(&dir);
    assert!(!stems.is_empty(), "no source file in {}", dir.display());

    let workspace = Workspace::new();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_essor"))
        .arg("--data")
        .arg(workspace.data())
        .arg("--sources")
        .arg(&dir)
        .args(["sources", "check"])
        .env_remove("ESSOR_DATA")
        .env_remove("ESSOR_SOURCES")
        .output()
        .expect("run essor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "sources check on {}:\n{stdout}\n{stderr}",
        dir.display()
    );
    for stem in &stems {
        assert!(
            stdout.contains(stem.as_str()),
            "source {stem} is not listed:\n{stdout}"
        );
    }
}

fn toml_stems(dir: &Path) -> Vec<String> {
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|extension| extension == "toml")
        {
            stems.push(path.file_stem().unwrap().to_str().unwrap().to_owned());
        }
    }
    stems
}
