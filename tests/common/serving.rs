//! The real `essor serve` binary on a workspace, for the tests whose subject is the deployed
//! process beside other commands on the same data folder (backup, restore, a full disk).

use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::app::{ADMIN_TOKEN, Response, http_client};
use super::{Silent, Workspace, first_line};

/// `essor serve` on port 0 with `/admin` open ([`ADMIN_TOKEN`]) and no schedule; killed on drop
/// (also when an assertion fails).
pub struct Serving {
    child: Child,
    pub address: String,
}

impl Serving {
    pub fn start(workspace: &Workspace) -> Serving {
        let mut child = workspace
            .command()
            .args(["serve", "--listen", "127.0.0.1:0", "--no-schedule"])
            .args(["--admin-token", ADMIN_TOKEN, "--rate-limit", "1000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn essor serve");
        let address = first_line(&mut child, Duration::from_secs(60), |line| {
            Some(line.strip_prefix("listening on ")?.trim().to_owned())
        })
        .unwrap_or_else(|Silent { first_line, stderr }| {
            panic!("essor serve did not start (stdout: {first_line:?}); stderr:\n{stderr}")
        });
        Serving { child, address }
    }

    pub fn get(&self, path: &str) -> Response {
        let url = format!("{}{path}", self.address);
        let response = http_client()
            .get(&url)
            .send()
            .unwrap_or_else(|error| panic!("GET {url}: {error}"));
        Response::read(response)
    }

    /// The records stored for `source`, as `/api/v1/sources/{id}` counts them.
    pub fn records(&self, source: &str) -> u64 {
        let response = self.get(&format!("/api/v1/sources/{source}"));
        assert_eq!(response.status, 200, "{}", response.text());
        response.json()["counts"]["records"]
            .as_u64()
            .unwrap_or_else(|| panic!("no counts.records: {}", response.text()))
    }

    /// Asks for a harvest of `sources` now and waits for its outcome (`/admin/harvest`).
    pub fn harvest(address: &str, sources: &str) -> (u16, Value) {
        let url = format!("{address}/admin/harvest?sources={sources}");
        let response = http_client()
            .post(&url)
            .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
            .timeout(Duration::from_secs(300))
            .send()
            .unwrap_or_else(|error| panic!("POST {url}: {error}"));
        let response = Response::read(response);
        let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, body)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
