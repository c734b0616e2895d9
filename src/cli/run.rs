//! The long-running commands: a harvest (with its summary table and exit code) and the server
//! (until Ctrl-C or SIGTERM).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use essor::app::{self, Settings};
use essor::pipeline::{HarvestOptions, Pipeline};
use essor::store::RunStatus;

use super::args::ServeArgs;

pub fn harvest_options(full: bool, records_only: bool, quiet: bool) -> HarvestOptions {
    HarvestOptions {
        full,
        records_only,
        interactive: !quiet && std::io::stderr().is_terminal(),
        stage: true,
        ..HarvestOptions::default()
    }
}

/// Harvests the sources named by `ids` (every enabled one if empty), then works and index;
/// exits 1 when a source did not complete.
pub fn harvest(
    pipeline: &Pipeline,
    ids: &[String],
    options: HarvestOptions,
) -> anyhow::Result<ExitCode> {
    let complete = harvest_on(&runtime()?, pipeline, ids, options)?;
    Ok(exit_code(complete))
}

/// `essor harvest`: [`harvest`], then the process ends as soon as the store is closed cleanly,
/// without the teardown a return from `main` does after it: the runtime's threads joined (each
/// one's heap collected by mimalloc as it exits) and mimalloc's collection of the whole heap
/// at exit (`mi_process_done`, its pages handed back one `madvise` at a time), both on a
/// round's critical path after its works committed (the pipeline is still dropped): the
/// time from the works' last log line to the process's end fell from ~62 to ~37 ms in
/// 1,000-change rounds at 1 M (8 pairs of 8, a loaded machine: BENCHMARKS.md, issue 17).
/// Nothing is lost by it: the store, the one thing whose close writes anything (its
/// clean-close marker), is still closed first, and the search index has committed (its files
/// synced) before the harvest returns. When some task still holds the store (none should once
/// the harvest has returned), everything is torn down and joined as before.
pub fn harvest_then_end(
    pipeline: Pipeline,
    ids: &[String],
    options: HarvestOptions,
) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let complete = harvest_on(&runtime, &pipeline, ids, options)?;
    if std::sync::Arc::strong_count(pipeline.store()) != 1 {
        return Ok(exit_code(complete));
    }
    // Its threads are idle (every task ended) and hold nothing: left to the process's end.
    std::mem::forget(runtime);
    // The store's last holder: it closes cleanly here, its marker written.
    drop(pipeline);
    end_process(complete)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// The harvest on `runtime`, its summary printed; whether every source completed.
fn harvest_on(
    runtime: &tokio::runtime::Runtime,
    pipeline: &Pipeline,
    ids: &[String],
    options: HarvestOptions,
) -> anyhow::Result<bool> {
    let sources = pipeline.select(ids)?;
    let outcome = runtime.block_on(pipeline.harvest(sources, options))?;
    print!("{}", essor::harvest::summary_table(&outcome.runs));
    if let Some(report) = outcome.works {
        super::output::print_works_report(&report);
    }
    Ok(outcome.runs.iter().all(|r| r.status == RunStatus::Complete))
}

fn exit_code(complete: bool) -> ExitCode {
    if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Ends the process at once with the exit status [`exit_code`] gives (0 or 1), the standard
/// streams flushed: no destructor, no `atexit` handler (mimalloc's among them) runs.
fn end_process(complete: bool) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let status = if complete { 0 } else { 1 };
    // SAFETY: `_exit` takes no pointer and never returns; skipping destructors and `atexit`
    // handlers is its purpose, and what they would do is done above or not needed.
    #[cfg(unix)]
    unsafe {
        libc::_exit(status)
    }
    #[cfg(not(unix))]
    std::process::exit(status);
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn serve(data: &Path, sources_dir: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let defaults = essor::feed::FeedConfig::default();
    let settings = Settings {
        feed: essor::feed::FeedConfig {
            repository_name: args.repository_name.unwrap_or(defaults.repository_name),
            admin_emails: if args.admin_emails.is_empty() {
                defaults.admin_emails
            } else {
                args.admin_emails
            },
            repository_identifier: args.repository_identifier,
            page_size: usize::from(args.page_size),
            gzip_pages: args.gzip_pages.into(),
        },
        base_url: args.base_url,
        admin_token: args.admin_token,
        limits: app::limit_config(args.rate_limit, args.api_key_rate_limit, args.api_keys),
        schedule: !args.no_schedule,
        schedule_tick: args.schedule_tick.max(std::time::Duration::from_millis(10)),
        registered_every: args.registered_every,
        store_cache_bytes: (args.store_cache_mib as usize) << 20,
        ..Settings::new(data, sources_dir)
    };
    let app = app::App::open(settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|error| anyhow::anyhow!("listening on {}: {error}", args.listen))?;
        let address = listener.local_addr()?;
        println!("listening on http://{address}");
        println!("  the library:      http://{address}/");
        println!("  the REST API:     http://{address}/docs/");
        println!("  the OAI-PMH feed: http://{address}/oai?verb=Identify");
        println!("Ctrl-C stops the server.");
        tracing::info!(%address, "serving");
        app.serve(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
