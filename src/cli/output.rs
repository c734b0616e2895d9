//! What the CLI prints: the store's counts, JSON lines, the summary of a harvest.

use std::io::Write;

use essor::store::Store;

pub fn print_stats(store: &Store, json: bool) -> anyhow::Result<()> {
    let stats = store.stats()?;
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    let _ = writeln!(
        out,
        "store {}: {} sources, {} records, {} deleted, {} rejected; {} works, {} deleted works",
        store.path().display(),
        stats.sources,
        stats.records,
        stats.deleted_records,
        stats.rejected_records,
        stats.works,
        stats.deleted_works
    );
    // The id column as wide as the longest id, so that the counts stay in their columns.
    let w = stats
        .by_source
        .keys()
        .map(|id| id.len())
        .fold(24, usize::max);
    if stats.staged_records > 0 {
        let _ = writeln!(
            out,
            "  {} records staged by an interrupted harvest: the next harvest of their source, or \
             `essor works update`, stores them",
            stats.staged_records
        );
    }
    for (id, source) in &stats.by_source {
        let last = source
            .last_harvest
            .as_ref()
            .map(|r| {
                format!(
                    "last harvest {} at {}",
                    r.status.as_str(),
                    r.finished_at.as_deref().unwrap_or(&r.started_at)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<w$} {:>8} records {:>6} deleted {:>6} rejected  {}",
            id,
            source.counts.records,
            source.counts.deleted_records,
            source.counts.rejected_records,
            last
        );
    }
    Ok(())
}

/// A listing's JSON lines on stdout (`essor records`, `rejects`, `runs`). A reader that stops
/// early (`essor records | head`) ends the listing quietly: the lines after it are skipped and
/// the command returns as usual, so the store is closed cleanly. Exiting on the spot, as this
/// once did, left the store without its clean-close marker, to be checked page by page at its
/// next open (minutes for a million records).
pub struct JsonLines {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

impl JsonLines {
    pub fn stdout() -> JsonLines {
        JsonLines {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            closed: false,
        }
    }

    /// Writes `value` as one line, unless the reader has gone.
    pub fn write(&mut self, value: &impl serde::Serialize) {
        if !self.closed {
            self.closed = serde_json::to_writer(&mut self.out, value).is_err()
                || self.out.write_all(b"\n").is_err();
        }
    }

    /// Flushes what is left, unless the reader has gone.
    pub fn finish(mut self) {
        if !self.closed {
            self.out.flush().ok();
        }
    }
}

/// Live works in `format` on stdout; a reader that stops early (`| head`) is not an error.
pub fn export(store: &Store, format: essor::export::ExportFormat) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut text = format.header();
    let mut closed = false;
    store.for_each_work(|work: essor::works::Work| {
        if work.is_live() && !closed {
            format.write(&work, &mut text);
            closed = out.write_all(text.as_bytes()).is_err();
            text.clear();
        }
        Ok(())
    })?;
    if !closed {
        out.write_all(text.as_bytes()).ok();
        out.flush().ok();
    }
    Ok(())
}

/// `essor sources check`: one line per valid source file.
pub fn print_sources(sources: &[essor::source::Source]) {
    for source in sources {
        let endpoint = endpoint_of(source);
        let format = match &source.endpoint {
            essor::source::Endpoint::Csv(_) => "csv",
            essor::source::Endpoint::Json(_) => "json",
            essor::source::Endpoint::OpenDataSoft(_) => "ods",
            essor::source::Endpoint::Feed(_) => "feed",
            essor::source::Endpoint::HalApi(_) => "hal-api",
            essor::source::Endpoint::ThesesFr(_) => "theses-fr",
            _ => source.metadata_prefix.as_str(),
        };
        let state = if source.enabled {
            "enabled"
        } else {
            "disabled"
        };
        println!("{:<24} {:<9} {:<8} {}", source.id, state, format, endpoint);
    }
    println!("{} sources OK", sources.len());
}

/// Where a source's records come from, as a person reads it: a URL or a folder.
pub fn endpoint_of(source: &essor::source::Source) -> String {
    match &source.endpoint {
        essor::source::Endpoint::Oai { base_url } => base_url.to_string(),
        essor::source::Endpoint::Dump { folder, .. } => folder.display().to_string(),
        essor::source::Endpoint::Csv(essor::source::CsvEndpoint { location, .. })
        | essor::source::Endpoint::Json(essor::source::JsonEndpoint { location, .. }) => {
            match location {
                essor::source::Location::Url(url) => url.to_string(),
                essor::source::Location::Path(path) => path.display().to_string(),
            }
        }
        essor::source::Endpoint::OpenDataSoft(ods) => format!("{} {}", ods.base_url, ods.dataset),
        essor::source::Endpoint::Feed(feed) => feed.url.to_string(),
        essor::source::Endpoint::HalApi(hal) => format!("{} q={}", hal.base_url, hal.query),
        essor::source::Endpoint::ThesesFr(theses) => {
            format!("{} q={}", theses.base_url, theses.query)
        }
    }
}

/// The line `essor harvest` prints after the works update.
pub fn print_works_report(report: &essor::works::UpdateReport) {
    println!(
        "works: {} records processed ({} normalisation problems), {} created, {} changed, {} deleted, {} merged",
        report.records,
        report.problems,
        report.works_created,
        report.works_changed,
        report.works_deleted,
        report.works_merged
    );
}
