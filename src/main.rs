//! The `essor` command line: the CLI edge, where arguments become calls into the library
//! ([`essor::app`], [`essor::pipeline`]) and errors become messages and exit codes.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use essor::app::{self, AppError};
use essor::pipeline::PipelineError;
use essor::source;
use essor::store::RegistrationAction;

use cli::args::{BarometerCommand, Cli, Command, LogFormat, SourcesCommand, WorksCommand};
use cli::output::{JsonLines, print_stats};
use cli::run::{harvest, harvest_options, harvest_then_end, serve};

/// Parsing allocates many small strings; mimalloc makes that markedly cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 success, 1 a harvest did not complete, 2 bad usage or configuration.
fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Serve(_) | Command::Run { serve: true, .. }
    ) {
        no_huge_pages();
    }
    init_logging(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            if is_configuration(&error) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Transparent huge pages off for a short-lived command (harvests, works updates and builds):
/// mimalloc asks the kernel for them on the memory it maps, and each first touch of a 2 MiB
/// region was then zeroed whole, compacted for when memory is fragmented, for threads that use
/// a few pages of it. A change batch of 1,000 records at 1 M spent a third of its CPU samples in
/// `clear_page_erms`, and took 0.89 s against 0.76 s without (5 alternated pairs); a fresh
/// build of 100,000 records 0.6 s less system CPU and 10% less peak memory (BENCHMARKS.md,
/// issue 17). A server keeps them (not measured for its searches). Best effort: a kernel
/// without the setting runs as before.
fn no_huge_pages() {
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The error and its causes, each said once: many library errors repeat their cause's text in
/// their own message (`"search index in data/index: {source}"`).
fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// A bad source file or setting (exit 2) rather than a failure of the work itself.
fn is_configuration(error: &anyhow::Error) -> bool {
    error.downcast_ref::<source::SourceError>().is_some()
        || error
            .downcast_ref::<AppError>()
            .is_some_and(AppError::is_configuration)
        || error
            .downcast_ref::<PipelineError>()
            .is_some_and(PipelineError::is_configuration)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("essor=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let text = match format {
        LogFormat::Auto => std::io::stderr().is_terminal(),
        LogFormat::Text => true,
        LogFormat::Json => false,
    };
    if text {
        builder.compact().init();
    } else {
        builder.json().init();
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            serve: then_serve,
            server,
        } => {
            let pipeline = app::open_pipeline(&cli.data, &cli.sources)?;
            let options = harvest_options(false, false, cli.quiet);
            let code = harvest(&pipeline, &[], options)?;
            print_stats(pipeline.store(), false)?;
            if !then_serve {
                return Ok(code);
            }
            // The store has one writer: the pipeline closes it before the server opens it.
            drop(pipeline);
            serve(&cli.data, &cli.sources, server)
        }
        Command::Harvest {
            source_ids,
            all,
            full,
            no_works,
        } => {
            if source_ids.is_empty() && !all {
                eprintln!(
                    "error: name sources with --source ID or harvest every enabled one with --all"
                );
                return Ok(ExitCode::from(2));
            }
            let pipeline = app::open_pipeline(&cli.data, &cli.sources)?;
            harvest_then_end(
                pipeline,
                &source_ids,
                harvest_options(full, no_works, cli.quiet),
            )
        }
        Command::Stats { json } => {
            print_stats(&app::open_store(&cli.data)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Records { source_id } => {
            let store = app::open_store(&cli.data)?;
            let mut lines = JsonLines::stdout();
            store.for_each_record(source_id.as_deref(), |record| {
                lines.write(&record);
                Ok(())
            })?;
            lines.finish();
            Ok(ExitCode::SUCCESS)
        }
        Command::Rejects { source_id } => {
            let store = app::open_store(&cli.data)?;
            let mut lines = JsonLines::stdout();
            store.for_each_reject(source_id.as_deref(), |reject| {
                lines.write(&reject);
                Ok(())
            })?;
            lines.finish();
            Ok(ExitCode::SUCCESS)
        }
        Command::Works {
            command: WorksCommand::Update,
        } => {
            let pipeline = app::open_pipeline(&cli.data, &cli.sources)?;
            let (works, _index) = pipeline.update()?;
            println!("{}", serde_json::to_string(&works)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Works {
            command: WorksCommand::Rebuild { thesaurus },
        } => {
            let mut pipeline = app::open_pipeline(&cli.data, &cli.sources)?;
            if let Some(path) = thesaurus {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let thesaurus = essor::classify::Thesaurus::parse(&text)
                    .with_context(|| format!("{}", path.display()))?;
                pipeline = pipeline.with_thesaurus(thesaurus);
            }
            let (works, _index) = pipeline.rebuild_works()?;
            println!("{}", serde_json::to_string(&works)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Works {
            command: WorksCommand::Show { id },
        } => {
            let store = app::open_store(&cli.data)?;
            match essor::works::resolve(&store, &id)? {
                Some(work) => {
                    if work.id != id {
                        eprintln!("{id} was merged into {}", work.id);
                    }
                    println!("{}", serde_json::to_string_pretty(&work)?);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("error: no work {id}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Export { format } => {
            let store = app::open_store(&cli.data)?;
            cli::output::export(&store, format.into())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs { source_id } => {
            let store = app::open_store(&cli.data)?;
            let mut lines = JsonLines::stdout();
            for run in store.runs(source_id.as_deref())? {
                lines.write(&run);
            }
            lines.finish();
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources {
            command: SourcesCommand::Check(args),
        } => cli::check::check(args, &cli.sources),
        Command::Sources {
            command: SourcesCommand::List { json },
        } => {
            let sources = source::load_dir(&cli.sources)?;
            let store = app::open_store(&cli.data)?;
            cli::sources::list(&sources, &store.registrations()?, json)
        }
        Command::Sources {
            command: SourcesCommand::Approve { id },
        } => cli::sources::act(
            &app::open_store(&cli.data)?,
            &id,
            RegistrationAction::Approve,
        ),
        Command::Sources {
            command: SourcesCommand::Suspend { id },
        } => cli::sources::act(
            &app::open_store(&cli.data)?,
            &id,
            RegistrationAction::Suspend,
        ),
        Command::Sources {
            command: SourcesCommand::Resume { id },
        } => cli::sources::act(
            &app::open_store(&cli.data)?,
            &id,
            RegistrationAction::Resume,
        ),
        Command::Sources {
            command: SourcesCommand::Remove { id },
        } => cli::sources::remove(&app::open_pipeline(&cli.data, &cli.sources)?, &id),
        Command::Barometer {
            command:
                BarometerCommand::Build {
                    edition,
                    out,
                    force,
                },
        } => cli::barometer::build(
            &app::open_store(&cli.data)?,
            &edition,
            out.as_deref(),
            force,
        ),
        Command::Barometer {
            command: BarometerCommand::List,
        } => cli::barometer::list(&app::open_store(&cli.data)?),
        Command::Serve(args) => serve(&cli.data, &cli.sources, args),
        Command::Backup(args) => cli::backup::backup(&cli.data, &args),
        Command::Restore(args) => cli::backup::restore(&cli.data, &args),
        Command::Check { json } => cli::store_check::check(&cli.data, json),
        Command::Reindex => {
            let store = app::open_store(&cli.data)?;
            let index = app::open_index(&cli.data)?.never_searched();
            let report = index.rebuild(&store)?;
            println!("reindexed: {report:?}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print!("{}", essor::api::openapi::spec_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchParse { files } => cli::bench::bench_parse(&files),
        Command::BenchNormalize { dumps, rounds } => cli::bench::bench_normalize(&dumps, rounds),
        Command::BenchSearch { works, keep } => cli::bench::bench_search(works, keep.as_deref()),
        Command::BenchQueries {
            index,
            repeat,
            top,
            files,
        } => cli::bench::bench_queries(&index, repeat, top, &files),
        Command::BenchBarometer { works } => cli::bench::bench_barometer(works),
        Command::DedupEval { file, json, errors } => {
            cli::dedup_eval::dedup_eval(&file, json, errors)
        }
    }
}
