//! `essor serve` as the tests run it (port 0, read from its first stdout line), a small HTTP
//! client (no HTTP client in dev-dependencies: raw HTTP/1.1 with `Connection: close`), and the
//! peers that check what it serves: XSD validation (`validate.py`) and real OAI-PMH clients
//! (`oai_client.py`: Sickle or oaipmh-scythe).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::{Workspace, peers_dir, python};

/// Admin token the tests start servers with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// A running `essor serve`; killed on drop.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `essor serve` on the workspace with `extra` arguments.
    pub fn start(workspace: &Workspace, extra: &[&str]) -> Server {
        let mut command = workspace.command();
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--no-schedule"])
            .args(["--admin-token", ADMIN_TOKEN])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn essor serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next().and_then(Result::ok));
            for _ in lines {}
        });
        let first = receiver
            .recv_timeout(Duration::from_secs(60))
            .ok()
            .flatten();
        let port = first
            .as_deref()
            .and_then(|line| line.strip_prefix("listening on http://"))
            .and_then(|address| address.rsplit(':').next())
            .and_then(|port| port.trim().parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let mut message = String::new();
            let _ = stderr.read_to_string(&mut message);
            panic!("essor serve did not start (stdout: {first:?}); stderr:\n{message}");
        };
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stderr.read_to_end(&mut sink);
        });
        Server { child, port }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/oai", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path, &[], None)
    }

    /// GET `/oai?<query>`: the body as text, after checking it is a 200 XML answer.
    pub fn oai(&self, query: &str) -> String {
        let response = self.get(&format!("/oai?{query}"));
        assert_eq!(response.status, 200, "/oai?{query}: {}", response.text());
        assert!(
            response.header("content-type").starts_with("text/xml"),
            "/oai?{query}: content type {}",
            response.header("content-type")
        );
        response.text()
    }

    /// Asks the server to harvest now (`/admin/harvest`), returns its JSON outcome.
    pub fn harvest(&self, sources: &str) -> Value {
        let path = format!("/admin/harvest?sources={sources}");
        let auth = format!("Bearer {ADMIN_TOKEN}");
        let response = request(self.port, "POST", &path, &[("Authorization", &auth)], None);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        serde_json::from_slice(&response.body).expect("harvest outcome is JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// One HTTP/1.1 request with `Connection: close`; the body is read to the end (chunked
/// transfer decoded).
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to essor serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some(body) = body {
        stream.write_all(body).unwrap();
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of HTTP headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

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
