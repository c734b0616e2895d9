//! Shared harness of the integration tests: Python peers on port 0 ([`Peer`]), a temporary
//! workspace (`--data`, `--sources`), the real `essor` binary with its JSON/JSONL outputs parsed,
//! the server in-process ([`app`]) and the peers that check what it serves ([`served`]).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod app;
mod peer;
pub mod served;
pub mod serving;

pub use peer::{Peer, Silent, first_line};

/// How long one `essor` invocation may take before the test calls it hung.
pub const ESSOR_TIMEOUT: Duration = Duration::from_secs(180);

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `$ESSOR_FIXTURES`, or `../shared/fixtures` relative to the project root.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("ESSOR_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => project_root().join("../shared/fixtures"),
    }
}

/// `$ESSOR_PYTHON` (tests/run.sh points it at `.venv/bin/python`), or `python3`.
pub fn python() -> String {
    std::env::var("ESSOR_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

pub fn peers_dir() -> PathBuf {
    project_root().join("tests/peers")
}

// ---------------------------------------------------------------------------------------------
// Workspace and the essor binary

/// A temporary `--data` and `--sources` pair.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("essor-test-")
            .tempdir()
            .expect("tempdir");
        std::fs::create_dir_all(dir.path().join("sources")).unwrap();
        Workspace { dir }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn sources(&self) -> PathBuf {
        self.dir.path().join("sources")
    }

    /// Writes `<sources>/<id>.toml`.
    pub fn write_source(&self, id: &str, toml: &str) -> PathBuf {
        let path = self.sources().join(format!("{id}.toml"));
        std::fs::write(&path, toml).unwrap();
        path
    }

    /// The `essor` command with `--data` and `--sources` set and the environment cleaned.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_essor"));
        command
            .arg("--data")
            .arg(self.data())
            .arg("--sources")
            .arg(self.sources())
            .env_remove("ESSOR_DATA")
            .env_remove("ESSOR_SOURCES")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs `essor <args>` to completion (panics if it takes longer than ESSOR_TIMEOUT).
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = self.command();
        command.args(args);
        Run::of(command, args)
    }

    pub fn harvest(&self, source: &str) -> Run {
        self.run(&["harvest", "--quiet", "--source", source])
    }

    pub fn harvest_full(&self, source: &str) -> Run {
        self.run(&["harvest", "--quiet", "--source", source, "--full"])
    }

    /// `essor records --source <id>`, parsed; asserts it succeeds.
    pub fn records(&self, source: &str) -> Vec<Value> {
        self.run(&["records", "--source", source]).success().jsonl()
    }

    pub fn records_text(&self, source: &str) -> String {
        self.run(&["records", "--source", source]).success().stdout
    }

    pub fn rejects(&self, source: &str) -> Vec<Value> {
        self.run(&["rejects", "--source", source]).success().jsonl()
    }

    pub fn runs(&self, source: &str) -> Vec<Value> {
        self.run(&["runs", "--source", source]).success().jsonl()
    }

    pub fn last_run(&self, source: &str) -> Value {
        self.runs(source)
            .pop()
            .unwrap_or_else(|| panic!("no run recorded for source {source}"))
    }

    /// The works, as `essor export --format jsonl` prints them.
    pub fn works(&self) -> Vec<Value> {
        self.run(&["export", "--format", "jsonl"]).success().jsonl()
    }

    pub fn stats(&self) -> Value {
        let run = self.run(&["stats", "--json"]).success();
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|error| panic!("stats --json: {error}: {}", run.stdout))
    }
}

/// A finished `essor` invocation.
pub struct Run {
    pub args: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn of(mut command: Command, args: &[&str]) -> Run {
        let started = Instant::now();
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn essor");
        let output = wait_with_timeout(child, ESSOR_TIMEOUT).unwrap_or_else(|| {
            panic!(
                "`essor {}` did not finish within {ESSOR_TIMEOUT:?}",
                args.join(" ")
            )
        });
        Run {
            args: args.join(" "),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "`essor {}` exited with {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.code,
            self.elapsed,
            tail(&self.stdout, 4000),
            tail(&self.stderr, 6000)
        )
    }

    pub fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success: {}", self.describe());
        self
    }

    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code,
            Some(expected),
            "expected exit code {expected}: {}",
            self.describe()
        );
        self
    }

    pub fn jsonl(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|error| {
                    panic!("`essor {}`: bad JSON line ({error}): {line}", self.args)
                })
            })
            .collect()
    }
}

fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Waits for `child` (whose stdout/stderr are piped) at most `timeout`; kills it past that.
pub fn wait_with_timeout(mut child: Child, timeout: Duration) -> Option<Output> {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(pipe) = stdout.as_mut() {
            let _ = pipe.read_to_end(&mut buffer);
        }
        buffer
    });
    let err_reader = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.read_to_end(&mut buffer);
        }
        buffer
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}

/// A live record as the pyoai test server serves it: `dc` holds the Dublin Core elements.
pub fn dc_record(identifier: &str, datestamp: &str, dc: Value) -> Value {
    serde_json::json!({
        "identifier": identifier,
        "datestamp": datestamp,
        "deleted": false,
        "sets": [],
        "dc": dc,
    })
}

/// Writes `count` generated thesis records (`tests/peers/make_records.py`, deterministic from
/// `seed`) to `path` and returns them.
pub fn make_records(path: &Path, count: usize, seed: u64) -> Vec<Value> {
    let output = Command::new(python())
        .arg(peers_dir().join("make_records.py"))
        .args(["--count", &count.to_string(), "--seed", &seed.to_string()])
        .arg("--out")
        .arg(path)
        .output()
        .expect("run make_records.py (run the tests with `bash tests/run.sh`)");
    assert!(
        output.status.success(),
        "make_records.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_records(path)
}

pub fn read_records(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Now as an OAI-PMH datestamp (seconds).
pub fn now_datestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Dublin Core `type`s of the records the tests write.
pub const PHD: &str = "info:eu-repo/semantics/doctoralThesis";
pub const MASTER: &str = "info:eu-repo/semantics/masterThesis";

/// Writes the records a `pyoai_server.py` peer serves, atomically (temp file + rename): the peer
/// reloads the file when it changes and must never see half of it.
pub fn write_records(path: &Path, records: &[Value]) {
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, serde_json::to_string_pretty(records).unwrap()).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Sources

/// A source file for an OAI-PMH endpoint, with fast retries so fault tests stay quick.
pub fn oai_source(name: &str, base_url: &str, extra: &str) -> String {
    format!(
        r#"name = "{name}"
kind = "oai-pmh"
base_url = "{base_url}"
metadata_prefix = "oai_dc"
requests_per_second = 50.0
max_retries = 3
retry_backoff = "50ms"
timeout = "5s"
enabled = true
{extra}
"#
    )
}

// ---------------------------------------------------------------------------------------------
// Assertions on JSON values

pub fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key:?} is not a string in {value}"))
}

pub fn u64_field(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("field {key:?} is not an unsigned integer in {value}"))
}

/// Every string inside `value` (keys excluded), depth first.
pub fn strings(value: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    fn walk<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::String(text) => found.push(text),
            Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            Value::Object(map) => map.values().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    walk(value, &mut found);
    found
}

pub fn contains_text(value: &Value, needle: &str) -> bool {
    strings(value).iter().any(|text| text.contains(needle))
}

/// `json` as served, indented by two spaces with its members in the served order, and the
/// values of the `volatile` keys replaced (`("datestamp", "[time]")`) wherever they occur, unless
/// null: a REST snapshot that pins the shape of the bytes, member order included (a
/// `serde_json::Value` would sort the members).
pub fn json_snapshot(json: &str, volatile: &[(&str, &str)]) -> String {
    if let Err(error) = serde_json::from_str::<Value>(json) {
        panic!("not JSON ({error}): {json}");
    }
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' | '[' | ']' | ':' | ',' => tokens.push(c.to_string()),
            '"' => {
                let mut text = String::from('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    text.push(c);
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
                tokens.push(text);
            }
            c if c.is_whitespace() => {}
            c => match tokens.last_mut() {
                // Numbers and literals: glue their characters together.
                Some(last) if !last.starts_with(['{', '}', '[', ']', ':', ',', '"']) => {
                    last.push(c)
                }
                _ => tokens.push(c.to_string()),
            },
        }
    }
    for at in 2..tokens.len() {
        if tokens[at - 1] != ":" || tokens[at] == "null" {
            continue;
        }
        let key = tokens[at - 2].trim_matches('"');
        if let Some((_, with)) = volatile.iter().find(|(name, _)| *name == key)
            && !matches!(tokens[at].as_str(), "{" | "[")
        {
            tokens[at] = format!("\"{with}\"");
        }
    }
    let mut out = String::new();
    let mut depth = 0usize;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token.as_str() {
            "{" | "[" => {
                out.push_str(&token);
                if tokens
                    .next_if(|next| matches!(next.as_str(), "}" | "]"))
                    .is_some()
                {
                    out.push(if token == "{" { '}' } else { ']' });
                } else {
                    depth += 1;
                    out.push('\n');
                    out.push_str(&"  ".repeat(depth));
                }
            }
            "}" | "]" => {
                depth -= 1;
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
                out.push_str(&token);
            }
            "," => {
                out.push_str(",\n");
                out.push_str(&"  ".repeat(depth));
            }
            ":" => out.push_str(": "),
            _ => out.push_str(&token),
        }
    }
    out
}

/// Characters XML 1.0 forbids (C0 controls other than tab, newline, carriage return).
pub fn has_forbidden_xml_char(text: &str) -> bool {
    text.chars().any(|c| {
        (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    })
}

pub fn identifiers(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .map(|record| str_field(record, "identifier").to_owned())
        .collect()
}

/// A small deterministic PRNG (xorshift64*) so the tests need no extra dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Seed from `$ESSOR_TEST_SEED` or the clock; printed so a failure can be replayed.
    pub fn from_env_or_clock(label: &str) -> Rng {
        let seed = std::env::var("ESSOR_TEST_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{label}: ESSOR_TEST_SEED={seed}");
        Rng::new(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low)
    }
}
