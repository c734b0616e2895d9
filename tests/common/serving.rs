//! The real `essor serve` binary on a workspace, for the tests whose subject is the deployed
//! process beside other commands on the same data folder (backup, restore, a full disk).

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::app::{ADMIN_TOKEN, Response, http_client};
use super::{Silent, Workspace, first_line};

/// `essor serve` on port 0 with `/admin` open ([`ADMIN_TOKEN`]); killed on drop (also when an
/// assertion fails).
pub struct Serving {
    child: Child,
    pub address: String,
}

impl Serving {
    pub fn start(workspace: &Workspace) -> Serving {
        Serving::start_with(workspace, &[])
    }

    /// `essor serve` harvesting its sources on their schedule, looked at every second (a
    /// source never harvested is due at once), with these environment variables set. A harvest
    /// that takes minutes is best started so: `/admin/harvest` answers within the server's
    /// request timeout.
    pub fn start_scheduled(workspace: &Workspace, env: &[(&str, &str)]) -> Serving {
        Serving::spawn(workspace, env, &["--schedule-tick", "1s"])
    }

    /// `essor serve` without a schedule and with these command-line options too.
    pub fn start_with(workspace: &Workspace, options: &[&str]) -> Serving {
        let mut args = vec!["--no-schedule"];
        args.extend_from_slice(options);
        Serving::spawn(workspace, &[], &args)
    }

    /// `options` come after `--listen 127.0.0.1:0`, before the administrator's token.
    fn spawn(workspace: &Workspace, env: &[(&str, &str)], options: &[&str]) -> Serving {
        let mut command = workspace.command();
        command.envs(env.iter().copied());
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(options)
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

    /// `method path` with the administrator's token, and `body` as JSON.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = http_client()
            .request(method, format!("{}{path}", self.address))
            .header("Authorization", format!("Bearer {ADMIN_TOKEN}"));
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(body).unwrap());
        }
        Response::read(request.send().unwrap_or_else(|e| panic!("{path}: {e}")))
    }

    /// The source's public record once `done` says so (polled every 50 ms, 90 s at most).
    pub fn wait_for(&self, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let record = self
                .request("GET", &format!("/api/v1/sources/{id}"), None)
                .json();
            if done(&record) {
                return record;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "waited for {what}: {record:#}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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

    /// `/api/v1/sources/{source}` once its last harvest has ended (it began after the server
    /// started, as a scheduled one does), waiting at most `timeout`.
    pub fn wait_for_harvest(&self, source: &str, timeout: Duration) -> serde_json::Value {
        let started = std::time::Instant::now();
        loop {
            let response = self.get(&format!("/api/v1/sources/{source}"));
            assert_eq!(response.status, 200, "{}", response.text());
            let view = response.json();
            let status = view["last_harvest"]["status"].as_str().unwrap_or("none");
            if status != "none" && status != "running" {
                return view;
            }
            assert!(
                started.elapsed() < timeout,
                "the harvest of {source} did not end within {timeout:?}: {view}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
