//! The server in-process (zero-to-production's `spawn_app`): [`essor::app::App`] opened on a
//! workspace and serving on 127.0.0.1 port 0 from its own runtime, and the HTTP client the tests
//! talk to it (and to the peers) with.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use essor::app::{App, Settings};
use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::Workspace;

/// Admin token the tests start servers with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// How long a request may take, and how long a stopping server may finish its requests.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The client every test shares. Blocking: the tests are plain sequences of requests and
/// subprocesses, and the server runs on a runtime of its own. No proxy, no redirect followed and
/// no transparent decompression: the tests see the status, headers and bytes as served.
pub fn http_client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // reqwest is built without a TLS provider of its own (as essor's harvester installs it).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client::builder()
            .no_proxy()
            .no_gzip()
            .no_deflate()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .expect("the tests' HTTP client")
    })
}

/// The settings `essor serve` would have on `workspace`, as the tests start it: no scheduled
/// harvest (a test asks for each one), `/admin` open with [`ADMIN_TOKEN`].
pub fn settings(workspace: &Workspace) -> Settings {
    Settings {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        schedule: false,
        ..Settings::new(workspace.data(), workspace.sources())
    }
}

/// The server over `workspace`, with the tests' [`settings`].
pub fn spawn_app(workspace: &Workspace) -> TestApp {
    TestApp::spawn(settings(workspace))
}

/// The server over `workspace`, with the tests' [`settings`] changed by `adjust` (page size,
/// rate limits, API keys).
pub fn spawn_app_with(workspace: &Workspace, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = settings(workspace);
    adjust(&mut settings);
    TestApp::spawn(settings)
}

/// A server answering on [`TestApp::address`]. Dropping it stops the server and closes what it
/// opened (the store is free again for another server or an `essor` command).
pub struct TestApp {
    pub address: SocketAddr,
    pub client: Client,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<JoinHandle<std::io::Result<()>>>,
    /// The server's own runtime: the test thread blocks on requests and subprocesses, so the
    /// server cannot share it.
    runtime: Option<Runtime>,
}

impl TestApp {
    pub fn spawn(settings: Settings) -> TestApp {
        let app = App::open(settings).unwrap_or_else(|error| panic!("App::open: {error}"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the server's runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("the bound address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let served = runtime.spawn(app.serve(listener, async {
            let _ = stop.await;
        }));
        TestApp {
            address,
            client: http_client().clone(),
            shutdown: Some(shutdown),
            served: Some(served),
            runtime: Some(runtime),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The OAI-PMH base URL.
    pub fn base_url(&self) -> String {
        self.url("/oai")
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], None)
    }

    /// One request to `path` (which starts with `/`) with `headers` and an optional body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.client.request(method.clone(), self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        let response = request
            .send()
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        Response::read(response)
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
        let response = self.request("POST", &path, &[("Authorization", &auth)], None);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        response.json()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let (Some(runtime), Some(served)) = (self.runtime.take(), self.served.take()) {
            // Let the requests in flight finish, then drop every task with the runtime: the
            // store and the index are closed when this returns.
            let _ = runtime.block_on(async { tokio::time::timeout(HTTP_TIMEOUT, served).await });
            runtime.shutdown_timeout(HTTP_TIMEOUT);
        }
    }
}

/// A response read to the end, as the tests look at it.
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn read(response: reqwest::blocking::Response) -> Response {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .unwrap_or_else(|error| panic!("reading a response body: {error}"))
            .to_vec();
        Response {
            status,
            headers,
            body,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The header's value, or "" when it is absent (or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text()))
    }
}

/// GET `url`, expecting a 200: the body.
pub fn http_get(url: &str) -> Vec<u8> {
    let response = http_client()
        .get(url)
        .send()
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let response = Response::read(response);
    assert_eq!(response.status, 200, "GET {url}: {}", response.text());
    response.body
}
