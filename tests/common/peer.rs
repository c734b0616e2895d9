//! The Python peers (`tests/peers/*.py`: OAI-PMH providers the harvester is tested against) as
//! processes on port 0, and the first-line handshake they and `essor serve` share.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::{app, peers_dir, python};

/// A Python peer process listening on 127.0.0.1. Killed on drop; it also exits by itself when
/// its stdin closes, so a test process that dies does not leave it behind.
pub struct Peer {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    name: String,
}

impl Peer {
    /// Starts `tests/peers/<script>` with `args` and waits for its `LISTENING <port>` line.
    pub fn start(script: &str, args: &[&str]) -> Peer {
        let script_path = peers_dir().join(script);
        let python = python();
        let mut child = Command::new(&python)
            .arg(&script_path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start the test peer {script} with {python:?}: {error}.\n\
                     Run the tests with `bash tests/run.sh` (it creates .venv with the pinned peers \
                     and sets ESSOR_PYTHON)."
                )
            });
        let stdin = child.stdin.take().expect("piped stdin");
        let started = first_line(&mut child, Duration::from_secs(30), |line| {
            line.strip_prefix("LISTENING ")?.trim().parse::<u16>().ok()
        });
        match started {
            Ok(port) => Peer {
                child,
                _stdin: stdin,
                port,
                name: script.to_owned(),
            },
            Err(Silent { first_line, stderr }) => panic!(
                "the test peer {script} did not start (first stdout line: {first_line:?}).\n\
                 Python: {python:?}. Its stderr:\n{stderr}\n\
                 Run the tests with `bash tests/run.sh`: it creates .venv with the pinned \
                 peers (tests/peers/requirements.txt) and sets ESSOR_PYTHON."
            ),
        }
    }

    pub fn fault_provider() -> Peer {
        Peer::start("fault_provider.py", &[])
    }

    pub fn pyoai_server(records_json: &Path, batch: usize) -> Peer {
        let batch = batch.to_string();
        Peer::start(
            "pyoai_server.py",
            &["--data", records_json.to_str().unwrap(), "--batch", &batch],
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// GET a JSON helper endpoint of the peer (`/_stats`, `/<scenario>/_expected`, ...).
    pub fn get_json(&self, path: &str) -> Value {
        let body = app::http_get(&self.url(path));
        serde_json::from_slice(&body).unwrap_or_else(|error| {
            panic!(
                "{} {path}: not JSON ({error}): {}",
                self.name,
                String::from_utf8_lossy(&body)
            )
        })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child that did not print the expected first line: what it printed instead.
pub struct Silent {
    pub first_line: Option<String>,
    pub stderr: String,
}

/// Reads the first line `child` prints on its piped stdout (a peer's or a server's address),
/// waiting at most `timeout`, and `parse`s it. Stdout and stderr are drained in the background
/// afterwards, so the child never blocks on a full pipe. When the line does not come or does not
/// parse, the child is killed and its stderr returned.
pub fn first_line<T>(
    child: &mut Child,
    timeout: Duration,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, Silent> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = sender.send(lines.next().and_then(Result::ok));
        for _ in lines {}
    });
    let first_line = receiver.recv_timeout(timeout).ok().flatten();
    match first_line.as_deref().and_then(parse) {
        Some(parsed) => {
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            Ok(parsed)
        }
        None => {
            let _ = child.kill();
            let _ = child.wait();
            let mut message = String::new();
            let _ = stderr.read_to_string(&mut message);
            Err(Silent {
                first_line,
                stderr: message,
            })
        }
    }
}
