//! `essor serve` as deployed, black-box: the binary takes its settings from the command line,
//! listens on the address it is given (port 0: it prints the one it got) and answers there. The
//! other HTTP tests run the same server in-process.

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::app::http_get;
use crate::common::{Silent, Workspace, first_line};

/// The server process, killed on drop (also when an assertion fails).
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_its_address_and_answers_with_its_command_line_settings() {
    let workspace = Workspace::new();
    let mut child = workspace
        .command()
        .args(["serve", "--listen", "127.0.0.1:0", "--no-schedule"])
        .args(["--repository-name", "Essor (serve_cli test)"])
        .args(["--repository-identifier", "serve-cli.example.org"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn essor serve");
    let address = first_line(&mut child, Duration::from_secs(60), |line| {
        Some(line.strip_prefix("listening on ")?.trim().to_owned())
    });
    let serving = Serving(child);
    let address = address.unwrap_or_else(|Silent { first_line, stderr }| {
        panic!("essor serve did not start (stdout: {first_line:?}); stderr:\n{stderr}")
    });
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    assert!(
        !address.ends_with(":0"),
        "{address}: the port it got is printed"
    );
    http_get(&format!("{address}/healthz"));
    let identify = http_get(&format!("{address}/oai?verb=Identify"));
    let identify = String::from_utf8_lossy(&identify);
    assert!(
        identify.contains("<repositoryName>Essor (serve_cli test)</repositoryName>"),
        "{identify}"
    );
    assert!(
        identify.contains("<repositoryIdentifier>serve-cli.example.org</repositoryIdentifier>"),
        "{identify}"
    );
    drop(serving);
}
