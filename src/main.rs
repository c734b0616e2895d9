//! The `essor` command line: the CLI edge, where arguments become calls into the library
//! ([`essor::app`], [`essor::pipeline`]) and errors become messages and exit codes.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use essor::app::{self, AppError, Settings};
use essor::pipeline::{HarvestOptions, Pipeline, PipelineError};
use essor::source;
use essor::store::{RegistrationAction, RunStatus};

use cli::output::{print_stats, write_json_line};

/// Parsing allocates many small strings; mimalloc makes that markedly cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "essor",
    version,
    about = "Harvest, deduplicate and republish Social and Solidarity Economy research"
)]
struct Cli {
    /// Data folder holding the store.
    #[arg(long, global = true, env = "ESSOR_DATA", default_value = "data")]
    data: PathBuf,
    /// Folder of source files (`<id>.toml`; subfolders are not read).
    #[arg(
        long,
        global = true,
        env = "ESSOR_SOURCES",
        default_value = "harvest-sources"
    )]
    sources: PathBuf,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Harvest every enabled source, then show what the store holds; with `--serve`, serve it
    /// (the pages, the REST API, the OAI-PMH feed) until Ctrl-C: the demo.
    Run {
        /// After the harvest, serve the store (the options of `serve` apply).
        #[arg(long)]
        serve: bool,
        #[command(flatten)]
        server: ServeArgs,
    },
    /// Harvest sources into the store (incrementally, from each source's watermark).
    Harvest {
        /// Source id (file stem); repeat for several.
        #[arg(long = "source", value_name = "ID")]
        source_ids: Vec<String>,
        /// Every enabled source.
        #[arg(long)]
        all: bool,
        /// Ignore watermarks and harvest everything again (unchanged records are not rewritten).
        #[arg(long)]
        full: bool,
        /// Only harvest; leave the works to a later `essor works update` (the next harvest or
        /// update catches up from its cursor).
        #[arg(long)]
        no_works: bool,
    },
    /// Counts of what the store holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Stored records as JSON lines, sorted by source and identifier.
    Records {
        #[arg(long = "source", value_name = "ID")]
        source_id: Option<String>,
    },
    /// Records kept aside because they could not be mapped, as JSON lines.
    Rejects {
        #[arg(long = "source", value_name = "ID")]
        source_id: Option<String>,
    },
    /// Works (deduplicated records).
    Works {
        #[command(subcommand)]
        command: WorksCommand,
    },
    /// Export live works.
    Export {
        #[arg(long, default_value = "jsonl")]
        format: ExportFormat,
    },
    /// Harvest history as JSON lines, oldest first.
    Runs {
        #[arg(long = "source", value_name = "ID")]
        source_id: Option<String>,
    },
    /// Source files.
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Deduplication on a labelled set (JSON lines with a `work` label): precision, recall and
    /// F1 over record pairs.
    DedupEval {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        /// List up to this many wrong pairs of each kind.
        #[arg(long, default_value_t = 0)]
        errors: usize,
    },
    /// The trends barometer: twice-yearly editions of emerging ESS topics.
    Barometer {
        #[command(subcommand)]
        command: BarometerCommand,
    },
    /// Serve the works: the OAI-PMH 2.0 provider at /oai, and /healthz.
    Serve(ServeArgs),
    /// Write a consistent copy of the store to a new file, also while `essor serve` runs.
    Backup(cli::backup::BackupArgs),
    /// Put a backup back as the store (not while essor runs on it; --force to replace one).
    Restore(cli::backup::RestoreArgs),
    /// Rebuild the search index from the store (the store is the truth; the index is derived).
    Reindex,
    /// Print the REST API's OpenAPI document (checked in at openapi/essor.json).
    Openapi,
    /// Measure raw quick-xml parsing against essor's page parsing over saved responses.
    #[command(hide = true)]
    BenchParse { files: Vec<PathBuf> },
    /// Measure normalisation and thesaurus classification over the sample dumps.
    #[command(hide = true)]
    BenchNormalize {
        #[arg(long, default_value = "harvest-sources/samples/dumps")]
        dumps: PathBuf,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
    /// Measure index build and search latency over synthetic works.
    #[command(hide = true)]
    BenchSearch {
        #[arg(long, default_value_t = 100_000)]
        works: usize,
    },
    /// Measure building a barometer edition over synthetic works.
    #[command(hide = true)]
    BenchBarometer {
        #[arg(long, default_value_t = 1_000_000)]
        works: usize,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "ESSOR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Public URL of /oai when behind a proxy (default: from each request's Host).
    #[arg(long, env = "ESSOR_BASE_URL")]
    base_url: Option<String>,
    /// Repository name (OAI-PMH Identify).
    #[arg(long, env = "ESSOR_REPOSITORY_NAME")]
    repository_name: Option<String>,
    /// Administrator's e-mail address (Identify); repeat for several.
    #[arg(long = "admin-email", env = "ESSOR_ADMIN_EMAIL", value_delimiter = ',')]
    admin_emails: Vec<String>,
    /// Repository identifier of OAI item identifiers (`oai:<this>:<work id>`): a domain name.
    #[arg(
        long,
        env = "ESSOR_REPOSITORY_IDENTIFIER",
        default_value = "essor.local"
    )]
    repository_identifier: String,
    /// Bearer token for /admin/* (harvest now); without one those routes are off.
    #[arg(long, env = "ESSOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Do not harvest sources on their `harvest_every` schedule.
    #[arg(long)]
    no_schedule: bool,
    /// How often approved registered repositories are harvested (`12h`, `7d`…).
    #[arg(long, env = "ESSOR_REGISTERED_EVERY", default_value = "1d", value_parser = essor::source::parse_duration)]
    registered_every: std::time::Duration,
    /// How often the scheduler looks for due sources and new approvals.
    #[arg(long, env = "ESSOR_SCHEDULE_TICK", default_value = "30s", value_parser = essor::source::parse_duration)]
    schedule_tick: std::time::Duration,
    /// REST API requests per second per client IP (bursts of twice as many).
    #[arg(long, env = "ESSOR_RATE_LIMIT", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: u32,
    /// REST API requests per second for clients sending a known `X-API-Key`.
    #[arg(long, env = "ESSOR_API_KEY_RATE_LIMIT", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    api_key_rate_limit: u32,
    /// API keys (comma-separated) that get the higher quota.
    #[arg(
        long = "api-key",
        env = "ESSOR_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    api_keys: Vec<String>,
    /// Records (or headers) per OAI-PMH list page.
    #[arg(long, env = "ESSOR_PAGE_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=5000))]
    page_size: u16,
}

#[derive(Subcommand)]
enum WorksCommand {
    /// Bring works up to date with the store's records (harvests do it themselves).
    Update,
    /// Derive every work again from the stored records (after a thesaurus or dedup rule
    /// change): work ids are kept, and only the works that changed get new feed entries.
    Rebuild {
        /// A thesaurus file to classify with instead of the built-in one (same format as
        /// `thesaurus/ess-themes.toml`): to see what a change of it would change. Later updates
        /// use the built-in thesaurus again.
        #[arg(long)]
        thesaurus: Option<PathBuf>,
    },
    /// One work with its members, per-field provenance and merge reasons (aliases resolved).
    Show { id: String },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
    Ris,
    Bibtex,
}

impl From<ExportFormat> for essor::export::ExportFormat {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Jsonl => essor::export::ExportFormat::Jsonl,
            ExportFormat::Csv => essor::export::ExportFormat::Csv,
            ExportFormat::Ris => essor::export::ExportFormat::Ris,
            ExportFormat::Bibtex => essor::export::ExportFormat::Bibtex,
        }
    }
}

#[derive(Subcommand)]
enum BarometerCommand {
    /// Build an edition from the works and freeze it in the store (a semester that has ended
    /// is published and never rebuilt; the current one is a draft).
    Build {
        /// `YYYY-S1` (January–June) or `YYYY-S2` (July–December).
        #[arg(long)]
        edition: String,
        /// Also write the edition there as a static bundle: `index.html`, `edition.json` (as
        /// the REST API serves it), every table as CSV, every chart as SVG.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Rebuild a draft that is already in the store (a published edition never is).
        #[arg(long)]
        force: bool,
    },
    /// The editions in the store, one JSON line each, oldest first.
    List,
}

#[derive(Subcommand)]
enum SourcesCommand {
    /// Validate every source file and list the sources; given a URL, validate that repository
    /// live (BASE OVAL's rules); given a source file or --kind, preview its mapping on the first
    /// page. Exit 0 when essor can harvest it, 1 otherwise.
    Check(cli::check::CheckArgs),
    /// Every source: the files of harvest-sources/ and the repositories registered through the
    /// API (with their status; contact e-mails shown here, to the operator only).
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending registration for harvesting.
    Approve { id: String },
    /// Suspend a registration (not harvested until resumed).
    Suspend { id: String },
    /// Resume a suspended registration.
    Resume { id: String },
    /// Remove a registration: its records are tombstoned, the works only it held deleted.
    Remove { id: String },
}

/// Exit codes: 0 success, 1 a harvest did not complete, 2 bad usage or configuration.
fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
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

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("essor=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
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
            harvest(
                &pipeline,
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
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            store.for_each_record(source_id.as_deref(), |record| {
                write_json_line(&mut out, &record);
                Ok(())
            })?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rejects { source_id } => {
            let store = app::open_store(&cli.data)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            store.for_each_reject(source_id.as_deref(), |reject| {
                write_json_line(&mut out, &reject);
                Ok(())
            })?;
            out.flush()?;
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
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for run in store.runs(source_id.as_deref())? {
                write_json_line(&mut out, &run);
            }
            out.flush()?;
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
        Command::Reindex => {
            let store = app::open_store(&cli.data)?;
            let index = app::open_index(&cli.data)?;
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
        Command::BenchSearch { works } => cli::bench::bench_search(works),
        Command::BenchBarometer { works } => cli::bench::bench_barometer(works),
        Command::DedupEval { file, json, errors } => {
            cli::dedup_eval::dedup_eval(&file, json, errors)
        }
    }
}

fn harvest_options(full: bool, records_only: bool, quiet: bool) -> HarvestOptions {
    HarvestOptions {
        full,
        records_only,
        interactive: !quiet && std::io::stderr().is_terminal(),
        ..HarvestOptions::default()
    }
}

/// Harvests the sources named by `ids` (every enabled one if empty), then works and index;
/// exits 1 when a source did not complete.
fn harvest(
    pipeline: &Pipeline,
    ids: &[String],
    options: HarvestOptions,
) -> anyhow::Result<ExitCode> {
    let sources = pipeline.select(ids)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(pipeline.harvest(sources, options))?;
    print!("{}", essor::harvest::summary_table(&outcome.runs));
    if let Some(report) = outcome.works {
        cli::output::print_works_report(&report);
    }
    let all_complete = outcome.runs.iter().all(|r| r.status == RunStatus::Complete);
    Ok(if all_complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs the server until Ctrl-C or SIGTERM.
fn serve(data: &Path, sources_dir: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
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
        },
        base_url: args.base_url,
        admin_token: args.admin_token,
        limits: app::limit_config(args.rate_limit, args.api_key_rate_limit, args.api_keys),
        schedule: !args.no_schedule,
        schedule_tick: args.schedule_tick.max(std::time::Duration::from_millis(10)),
        registered_every: args.registered_every,
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
