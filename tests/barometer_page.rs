//! The barometer's page for people, `/barometer/{edition}`: server-rendered HTML with its
//! charts inline, loaded in headless Chromium (Debian's `chromium`, which `tests/run.sh`
//! installs): the screenshot is not blank and the rendered page holds the three charts.

use std::process::Command;

use crate::barometer_api::workspace_with_edition;
use crate::common::app::spawn_app;

/// Runs Debian's chromium headless on `url` with `extra` arguments; its stdout.
pub fn chromium(url: &str, profile: &std::path::Path, extra: &[&str]) -> String {
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run chromium ({error}): tests/run.sh installs it (apt-get install chromium)"
            )
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The distinct byte values of a PNG's decompressed image data (filter bytes included): a blank
/// page has a handful, a page with text and charts hundreds.
pub fn png_byte_variety(png: &[u8]) -> usize {
    use std::io::Read;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut data = Vec::new();
    let mut at = 8;
    while at + 8 <= png.len() {
        let length = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]) as usize;
        let kind = &png[at + 4..at + 8];
        let body = &png[at + 8..(at + 8 + length).min(png.len())];
        if kind == b"IDAT" {
            data.extend_from_slice(body);
        }
        at += 12 + length;
    }
    let mut pixels = Vec::new();
    flate2::read::ZlibDecoder::new(data.as_slice())
        .read_to_end(&mut pixels)
        .unwrap_or_else(|error| panic!("PNG data: {error}"));
    let mut seen = [false; 256];
    for byte in pixels {
        seen[usize::from(byte)] = true;
    }
    seen.iter().filter(|s| **s).count()
}

#[test]
fn the_page_renders_in_chromium_with_its_charts() {
    let workspace = workspace_with_edition();
    let server = spawn_app(&workspace);
    let page = server.get("/barometer/2026-S1");
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let html = page.text();
    for needle in [
        "<html lang=\"fr\"",
        "Baromètre des tendances",
        "ESS trends barometer",
        "id=\"chart-emerging\"",
        "id=\"chart-themes\"",
        "id=\"chart-regions\"",
        "@media print",
        "href=\"/api/v1/works/w",
        "Méthode",
    ] {
        assert!(html.contains(needle), "no {needle}");
    }
    assert!(!html.contains("<script"), "the page needs no JavaScript");
    assert_eq!(server.get("/barometer/2030-S1").status, 404);

    let url = server.url("/barometer/2026-S1");
    let profile = tempfile::tempdir().unwrap();
    let shot = profile.path().join("shot.png");
    chromium(
        &url,
        &profile.path().join("profile"),
        &[&format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|error| panic!("no screenshot: {error}"));
    let variety = png_byte_variety(&png);
    assert!(
        variety > 64,
        "the screenshot looks blank ({variety} byte values)"
    );

    let dom = chromium(&url, &profile.path().join("profile"), &["--dump-dom"]);
    assert_eq!(dom.matches("<svg").count(), 3, "three charts");
    assert_eq!(
        dom.matches("class=\"region\"").count(),
        18,
        "every region's tile"
    );
    assert!(dom.contains("plateformes cooperatives"));
}
