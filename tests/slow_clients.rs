//! Slow and oversized clients (issue 18): a client that trickles its headers is dropped after
//! the header read timeout; oversized query strings, headers and bodies get a 4xx.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::Workspace;
use crate::common::app::spawn_app_with;

/// The raw status line the server answers `request` with (the connection closed after it).
fn status_line(address: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer (and close) before reading everything sent.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_client_trickling_its_headers_is_dropped_and_oversized_requests_get_a_4xx() {
    let workspace = Workspace::new();
    let app = spawn_app_with(&workspace, |settings| {
        settings.header_read_timeout = Duration::from_secs(1);
    });

    // A header line every 200 ms, never the blank line that ends them.
    let mut slow = TcpStream::connect(app.address).unwrap();
    slow.write_all(b"GET /api/v1/works HTTP/1.1\r\nHost: essor\r\n")
        .unwrap();
    let started = Instant::now();
    let dropped = loop {
        std::thread::sleep(Duration::from_millis(200));
        if slow.write_all(b"X-Slow: still here\r\n").is_err() {
            break true;
        }
        slow.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 512];
        let closed = matches!(slow.read(&mut byte), Ok(0)) || {
            // An answer (408) then the close also counts as dropped.
            matches!(slow.read(&mut byte), Ok(n) if n > 0)
        };
        slow.set_nonblocking(false).unwrap();
        if closed {
            break true;
        }
        if started.elapsed() > Duration::from_secs(15) {
            break false;
        }
    };
    assert!(
        dropped,
        "a client trickling headers is still connected after 15 s"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // Well-behaved clients are still served.
    let answer = app
        .client
        .get(format!("http://{}/healthz", app.address))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);

    // Well past hyper's read buffer limit (~408 KiB): a head that fits in two of its reads may
    // be parsed before the limit is checked.
    let long_query = format!(
        "GET /api/v1/works?q={} HTTP/1.1\r\nHost: essor\r\n\r\n",
        "a".repeat(2_000_000)
    );
    let huge_header = format!(
        "GET /api/v1/works HTTP/1.1\r\nHost: essor\r\nX-Big: {}\r\n\r\n",
        "a".repeat(2_000_000)
    );
    let huge_body = format!(
        "POST /oai HTTP/1.1\r\nHost: essor\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\nverb=Identify&{}",
        "a".repeat(200_000)
    );
    for (request, status) in [
        (long_query, "431"),
        (huge_header, "431"),
        (huge_body, "413"),
    ] {
        let line = status_line(app.address, request.as_bytes());
        assert!(
            line.starts_with("HTTP/1.1 4") && line.contains(status),
            "{line:?} for {}",
            &request[..40]
        );
    }
}
