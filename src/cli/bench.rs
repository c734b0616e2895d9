//! `essor bench-parse` (hidden): raw quick-xml parsing against essor's page parsing over saved
//! responses, the ceiling the harvester's parsing is measured against in BENCHMARKS.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use essor::store::Store;

/// Raw quick-xml event throughput versus essor's full page parse (decode, parse, map) over the
/// same bytes: the ceiling the harvester's parsing is measured against in BENCHMARKS.md.
pub fn bench_parse(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    use std::time::Instant;
    let mut pages = Vec::new();
    for file in files {
        pages.push(std::fs::read(file).with_context(|| format!("reading {}", file.display()))?);
    }
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let started = Instant::now();
    let mut events = 0u64;
    for page in &pages {
        let text = std::str::from_utf8(page)?;
        let mut reader = quick_xml::Reader::from_str(text);
        loop {
            match reader.read_event()? {
                quick_xml::events::Event::Eof => break,
                _ => events += 1,
            }
        }
    }
    let raw = started.elapsed();
    let started = Instant::now();
    let mut records = 0usize;
    let mut parsed = Vec::with_capacity(pages.len());
    for page in &pages {
        let decoded = essor::xml::decode(page, None)?;
        let page = essor::oai::parse_page(&decoded.text)?;
        records += page.items.len();
        parsed.push(page);
    }
    let full = started.elapsed();
    let scratch = tempfile_dir()?;
    let store = Store::open(&scratch)?;
    let started = Instant::now();
    let prepared: Vec<_> = parsed
        .iter()
        .map(|page| essor::store::prepare_items(&page.items))
        .collect();
    let prepare = started.elapsed();
    let started = Instant::now();
    let mut checkpoint = essor::store::Checkpoint::default();
    for (index, items) in prepared.iter().enumerate() {
        store.commit_page("bench", items, &mut checkpoint, index + 1 == prepared.len())?;
    }
    let stored = started.elapsed();
    let _ = std::fs::remove_dir_all(&scratch);
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!("bytes: {bytes} ({mib:.1} MiB), events: {events}, records: {records}");
    println!(
        "raw quick-xml events: {:.3}s, {:.1} MiB/s",
        raw.as_secs_f64(),
        mib / raw.as_secs_f64()
    );
    println!(
        "essor decode+parse+map: {:.3}s, {:.1} MiB/s, {:.0} records/s ({:.0}% of raw)",
        full.as_secs_f64(),
        mib / full.as_secs_f64(),
        records as f64 / full.as_secs_f64(),
        100.0 * raw.as_secs_f64() / full.as_secs_f64()
    );
    println!(
        "essor store prepare (serialise, hash, compress): {:.3}s, {:.0} records/s",
        prepare.as_secs_f64(),
        records as f64 / prepare.as_secs_f64()
    );
    println!(
        "essor store commits: {:.3}s, {:.0} records/s",
        stored.as_secs_f64(),
        records as f64 / stored.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("essor-bench-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
