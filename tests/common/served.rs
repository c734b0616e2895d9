//! The peers that check what essor serves: XSD validation (`validate.py` and xmllint) and real
//! OAI-PMH clients (`oai_client.py`: Sickle or oaipmh-scythe).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{peers_dir, python};

/// Validates XML files against the official OAI-PMH schemas and ours (ETD-MS, essor's about),
/// with xmllint through the wrapper schema `validate.py` builds. Panics listing what is invalid.
pub fn assert_valid(files: &[&Path]) {
    if files.is_empty() {
        return;
    }
    let output = Command::new(python())
        .arg(peers_dir().join("validate.py"))
        .arg("--print-wrapper")
        .output()
        .expect("run validate.py");
    assert!(
        output.status.success(),
        "validate.py --print-wrapper: {output:?}"
    );
    let wrapper = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    for chunk in files.chunks(200) {
        let output = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema", &wrapper])
            .args(chunk)
            .output()
            .expect("run xmllint (tests/run.sh installs it)");
        assert!(
            output.status.success(),
            "invalid OAI-PMH responses:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Validates one response body (written to a temporary file).
pub fn assert_valid_text(name: &str, xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    assert_valid(&[&path]);
}

/// What a real client harvested: one JSON value per record/header and the summary line.
pub struct ClientHarvest {
    pub items: Vec<Value>,
    pub pages: u64,
}

/// Harvests `base_url` with a real OAI-PMH client (`sickle` or `scythe`); `extra` adds
/// `--set`, `--from`, `--verb`... Saves every response in `save_dir`.
pub fn client_harvest(
    client: &str,
    base_url: &str,
    prefix: &str,
    extra: &[&str],
    save_dir: &Path,
) -> ClientHarvest {
    let output = Command::new(python())
        .arg(peers_dir().join("oai_client.py"))
        .args([
            "--client",
            client,
            "--base-url",
            base_url,
            "--prefix",
            prefix,
        ])
        .arg("--save-dir")
        .arg(save_dir)
        .args(extra)
        .output()
        .expect("run oai_client.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{client} {prefix} {extra:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut items = Vec::new();
    let mut pages = 0;
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: Value = serde_json::from_str(line).expect("oai_client.py prints JSON lines");
        if value["done"] == true {
            pages = value["pages"].as_u64().unwrap_or(0);
        } else {
            items.push(value);
        }
    }
    ClientHarvest { items, pages }
}
