//! The `essor` command line: the CLI edge, where errors become messages and exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use essor::harvest::{self, Reporter};

/// Parsing allocates many small strings; mimalloc makes that markedly cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use essor::source::{self, Source};
use essor::store::{RunStatus, Store};

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
    /// Harvest every enabled source, then show what the store holds.
    Run,
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
    /// Serve the works: the OAI-PMH 2.0 provider at /oai, and /healthz.
    Serve(ServeArgs),
    /// Rebuild the search index from the store (the store is the truth; the index is derived).
    Reindex,
    /// Print the REST API's OpenAPI document (checked in at openapi/essor.json).
    Openapi,
    /// Measure raw quick-xml parsing against essor's page parsing over saved responses.
    #[command(hide = true)]
    BenchParse { files: Vec<PathBuf> },
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
enum SourcesCommand {
    /// Validate every source file and list the sources.
    Check,
}

/// Exit codes: 0 success, 1 a harvest did not complete, 2 bad usage or configuration.
fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<source::SourceError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
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
        Command::Run => {
            let sources = select_sources(&cli.sources, &[], true)?;
            let code =
                harvest_and_report(&cli.data, &cli.sources, sources, false, true, cli.quiet)?;
            print_stats(&open_store(&cli.data)?, false)?;
            Ok(code)
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
            let sources = select_sources(&cli.sources, &source_ids, all)?;
            harvest_and_report(&cli.data, &cli.sources, sources, full, !no_works, cli.quiet)
        }
        Command::Stats { json } => {
            print_stats(&open_store(&cli.data)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Records { source_id } => {
            let store = open_store(&cli.data)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            store.for_each_record(source_id.as_deref(), |record| {
                write_json_line(&mut out, &record);
                Ok(())
            })?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rejects { source_id } => {
            let store = open_store(&cli.data)?;
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
            let store = open_store(&cli.data)?;
            let report = update_works(&store, &cli.sources)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Works {
            command: WorksCommand::Show { id },
        } => {
            let store = open_store(&cli.data)?;
            let mut current: Option<essor::works::Work> = store.work(&id)?;
            // Follow aliases to the surviving work.
            let mut hops = 0;
            while let Some(survivor) = current.as_ref().and_then(|w| w.merged_into.clone()) {
                hops += 1;
                if hops > 64 {
                    break;
                }
                eprintln!("{id} was merged into {survivor}");
                current = store.work(&survivor)?;
            }
            match current {
                Some(work) => {
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
            let format = essor::export::ExportFormat::from(format);
            let store = open_store(&cli.data)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut text = format.header();
            let mut closed = false;
            store.for_each_work(|work: essor::works::Work| {
                if work.is_live() && !closed {
                    format.write(&work, &mut text);
                    // A reader that stops early (`| head`) is not an error.
                    closed = out.write_all(text.as_bytes()).is_err();
                    text.clear();
                }
                Ok(())
            })?;
            if !closed {
                out.write_all(text.as_bytes()).ok();
                out.flush().ok();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs { source_id } => {
            let store = open_store(&cli.data)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for run in store.runs(source_id.as_deref())? {
                write_json_line(&mut out, &run);
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources {
            command: SourcesCommand::Check,
        } => {
            let sources = source::load_dir(&cli.sources)?;
            for source in &sources {
                let endpoint = match &source.endpoint {
                    source::Endpoint::Oai { base_url } => base_url.to_string(),
                    source::Endpoint::Dump { folder, .. } => folder.display().to_string(),
                };
                let state = if source.enabled {
                    "enabled"
                } else {
                    "disabled"
                };
                println!(
                    "{:<24} {:<9} {:<8} {}",
                    source.id, state, source.metadata_prefix, endpoint
                );
            }
            println!("{} sources OK", sources.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(&cli.data, &cli.sources, args),
        Command::Reindex => {
            let store = open_store(&cli.data)?;
            let index = open_index(&cli.data)?;
            let report = index.rebuild(&store)?;
            println!("reindexed: {report:?}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print!("{}", essor::api::openapi::spec_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchParse { files } => bench_parse(&files),
        Command::DedupEval { file, json, errors } => dedup_eval(&file, json, errors),
    }
}

fn dedup_eval(file: &Path, json: bool, max_errors: usize) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    // Read in slices of lines, each prepared on all cores and reduced to its dedup features:
    // a million labelled records (2 GB of JSON) never sit in memory at once.
    const LINES_PER_SLICE: usize = 16_384;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?,
    );
    let mut records = Vec::new();
    let mut lines = reader.lines();
    let mut first_line = 1;
    loop {
        let slice: Vec<String> = lines
            .by_ref()
            .take(LINES_PER_SLICE)
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", file.display()))?;
        if slice.is_empty() {
            break;
        }
        let prepared = essor::dedup::prepare_lines(&slice).map_err(|error| {
            anyhow::anyhow!(
                "{}:{}: not a labelled record: {}",
                file.display(),
                first_line + error.line - 1,
                error.error
            )
        })?;
        records.extend(prepared);
        first_line += slice.len();
    }
    let report = essor::dedup::evaluate(&records, max_errors);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let scores = &report.scores;
        println!(
            "{} records, {} labelled works, {} works found",
            report.records, report.works_labelled, report.works_found
        );
        println!(
            "pairs: {} labelled same, {} predicted, {} correct",
            scores.true_pairs, scores.predicted_pairs, scores.correct_pairs
        );
        println!(
            "precision {:.4}  recall {:.4}  F1 {:.4}",
            scores.precision, scores.recall, scores.f1
        );
        for error in &report.errors {
            println!(
                "{:<12} {}  ~  {}  ({})",
                error.kind, error.a, error.b, error.verdict
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open_store(data: &Path) -> anyhow::Result<Store> {
    Store::open(data).with_context(|| format!("opening the store in {}", data.display()))
}

fn select_sources(dir: &Path, ids: &[String], all: bool) -> anyhow::Result<Vec<Source>> {
    let sources = source::load_dir(dir)?;
    if all && ids.is_empty() {
        return Ok(sources.into_iter().filter(|s| s.enabled).collect());
    }
    let mut selected = Vec::new();
    for id in ids {
        match sources.iter().find(|s| s.id.as_str() == id) {
            Some(source) => selected.push(source.clone()),
            None => {
                let known: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
                return Err(source::SourceError::Id {
                    file: dir.join(format!("{id}.toml")),
                    message: format!(
                        "no source `{id}` in {} (known: {})",
                        dir.display(),
                        known.join(", ")
                    ),
                }
                .into());
            }
        }
    }
    Ok(selected)
}

/// Runs the server until Ctrl-C or SIGTERM.
/// The server's store page cache: works are read all over the file.
const SERVE_CACHE_BYTES: usize = 256 * 1024 * 1024;

fn serve(data: &Path, sources_dir: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = std::sync::Arc::new(
        Store::open_with_cache(data, SERVE_CACHE_BYTES)
            .with_context(|| format!("opening the store in {}", data.display()))?,
    );
    let sources = source::load_dir(sources_dir)?;
    let thesaurus = std::sync::Arc::new(essor::classify::Thesaurus::builtin()?);
    let defaults = essor::feed::FeedConfig::default();
    let config = essor::feed::FeedConfig {
        repository_name: args.repository_name.unwrap_or(defaults.repository_name),
        admin_emails: if args.admin_emails.is_empty() {
            defaults.admin_emails
        } else {
            args.admin_emails
        },
        repository_identifier: args.repository_identifier,
        page_size: usize::from(args.page_size),
    };
    anyhow::ensure!(
        is_repository_identifier(&config.repository_identifier),
        "--repository-identifier must be a domain name such as essor.example.org, got `{}`",
        config.repository_identifier
    );
    let feed = essor::feed::Feed::new(store.clone(), config, &sources, &thesaurus)?;
    let index = std::sync::Arc::new(open_index(data)?);
    // Catch up with what was harvested while the server was stopped.
    let report = index.update(&store)?;
    tracing::info!(?report, "search index up to date");
    let scheduler = std::sync::Arc::new(essor::schedule::Scheduler::new(
        store.clone(),
        sources.clone(),
        thesaurus,
        Some(index.clone()),
    ));
    let nonzero = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
    let limits = std::sync::Arc::new(essor::api::Limits::new(essor::api::LimitConfig {
        per_ip: nonzero(args.rate_limit),
        per_key: nonzero(args.api_key_rate_limit),
        api_keys: args
            .api_keys
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect(),
    }));
    let state = essor::api::AppState {
        feed: std::sync::Arc::new(feed),
        base_url: args.base_url,
        scheduler: scheduler.clone(),
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
        store,
        index,
        sources: std::sync::Arc::new(sources),
        metrics: std::sync::Arc::default(),
        limits: limits.clone(),
        renders: std::sync::Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if !args.no_schedule {
            tokio::spawn(scheduler.run(std::time::Duration::from_secs(30)));
        }
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                limits.forget_idle();
            }
        });
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        println!("listening on http://{address}");
        tracing::info!(%address, "serving");
        essor::api::serve(listener, state, shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The search index lives beside the store: `<data>/index`.
fn open_index(data: &Path) -> anyhow::Result<essor::index::Index> {
    let dir = data.join("index");
    essor::index::Index::open(&dir)
        .with_context(|| format!("opening the search index in {}", dir.display()))
}

/// OAI's repositoryIdentifier syntax: dot-separated labels starting with a letter, at least two.
fn is_repository_identifier(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            label.starts_with(|c: char| c.is_ascii_alphabetic())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
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

/// Brings works up to date, with the sources' configuration (roles, relevance thresholds).
fn update_works(store: &Store, sources_dir: &Path) -> anyhow::Result<essor::works::UpdateReport> {
    let sources = source::load_dir(sources_dir).unwrap_or_default();
    let infos = essor::works::SourceInfos::new(&sources);
    let thesaurus = essor::classify::Thesaurus::builtin()?;
    Ok(essor::works::update(store, &infos, &thesaurus)?)
}

fn harvest_and_report(
    data: &Path,
    sources_dir: &Path,
    sources: Vec<Source>,
    full: bool,
    works: bool,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let store = Arc::new(open_store(data)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let interactive = !quiet && std::io::stderr().is_terminal();
    let runs = runtime.block_on(harvest::harvest_sources(
        store.clone(),
        sources,
        full,
        Reporter::new(interactive),
    ))?;
    print!("{}", harvest::summary_table(&runs));
    // What was harvested, even by a harvest that did not complete, is made into works.
    if works {
        let report = update_works(&store, sources_dir)?;
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
    let all_complete = runs.iter().all(|r| r.status == RunStatus::Complete);
    Ok(if all_complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_stats(store: &Store, json: bool) -> anyhow::Result<()> {
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
            "  {:<24} {:>8} records {:>6} deleted {:>6} rejected  {}",
            id,
            source.counts.records,
            source.counts.deleted_records,
            source.counts.rejected_records,
            last
        );
    }
    Ok(())
}

fn write_json_line(out: &mut impl Write, value: &impl serde::Serialize) {
    // A closed pipe (`essor records | head`) ends the listing quietly.
    if serde_json::to_writer(&mut *out, value).is_err() || out.write_all(b"\n").is_err() {
        std::process::exit(0);
    }
}

/// Raw quick-xml event throughput versus essor's full page parse (decode, parse, map) over the
/// same bytes: the ceiling the harvester's parsing is measured against in BENCHMARKS.md.
fn bench_parse(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
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
