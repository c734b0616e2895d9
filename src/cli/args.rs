//! The command line's arguments (clap): every command and option `essor --help` lists. What
//! each command does is in `main.rs` (the dispatch) and its sibling modules.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "essor",
    version,
    about = "Harvest, deduplicate and republish Social and Solidarity Economy research"
)]
pub struct Cli {
    /// Data folder holding the store.
    #[arg(long, global = true, env = "ESSOR_DATA", default_value = "data")]
    pub data: PathBuf,
    /// Folder of source files (`<id>.toml`; subfolders are not read).
    #[arg(
        long,
        global = true,
        env = "ESSOR_SOURCES",
        default_value = "harvest-sources"
    )]
    pub sources: PathBuf,
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Log lines on stderr: `text` for people, `json` for a log collector; `auto` picks text
    /// on a terminal and JSON otherwise (a container's output).
    #[arg(
        long,
        global = true,
        env = "ESSOR_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Auto
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Auto,
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
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
    Backup(super::backup::BackupArgs),
    /// Put a backup back as the store (not while essor runs on it; --force to replace one).
    Restore(super::backup::RestoreArgs),
    /// Verify the data folder for bit rot: every page's checksum, every row decoded, the
    /// tables' cross-references, the search index against the store. Exit 1 on damage. Not
    /// while `essor serve` runs.
    Check {
        #[arg(long)]
        json: bool,
    },
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
        /// Write the works into this data folder and keep it, for `essor --data DIR serve`
        /// (bench/search_bench.sh); a folder already indexed is reused as it is.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// Replay request lists (`/api/v1/works?…` lines, bench/search_queries.py's) against a
    /// search index alone, no store nor server: each request's time (fastest of `repeat`),
    /// the slowest, and the CPU per request.
    #[command(hide = true)]
    BenchQueries {
        /// The index folder (`<data>/index`); opened to read only.
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        #[arg(long, default_value_t = 15)]
        top: usize,
        /// Files of request targets, one per line.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Measure building a barometer edition over synthetic works.
    #[command(hide = true)]
    BenchBarometer {
        #[arg(long, default_value_t = 1_000_000)]
        works: usize,
    },
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "ESSOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Public URL of /oai when behind a proxy (default: from each request's Host).
    #[arg(long, env = "ESSOR_BASE_URL")]
    pub base_url: Option<String>,
    /// Repository name (OAI-PMH Identify).
    #[arg(long, env = "ESSOR_REPOSITORY_NAME")]
    pub repository_name: Option<String>,
    /// Administrator's e-mail address (Identify); repeat for several.
    #[arg(long = "admin-email", env = "ESSOR_ADMIN_EMAIL", value_delimiter = ',')]
    pub admin_emails: Vec<String>,
    /// Repository identifier of OAI item identifiers (`oai:<this>:<work id>`): a domain name.
    #[arg(
        long,
        env = "ESSOR_REPOSITORY_IDENTIFIER",
        default_value = "essor.local"
    )]
    pub repository_identifier: String,
    /// Bearer token for /admin/* (harvest now); without one those routes are off.
    #[arg(long, env = "ESSOR_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Do not harvest sources on their `harvest_every` schedule.
    #[arg(long)]
    pub no_schedule: bool,
    /// How often approved registered repositories are harvested (`12h`, `7d`…).
    #[arg(long, env = "ESSOR_REGISTERED_EVERY", default_value = "1d", value_parser = essor::source::parse_duration)]
    pub registered_every: std::time::Duration,
    /// How often the scheduler looks for due sources and new approvals.
    #[arg(long, env = "ESSOR_SCHEDULE_TICK", default_value = "30s", value_parser = essor::source::parse_duration)]
    pub schedule_tick: std::time::Duration,
    /// REST API requests per second per client IP (bursts of twice as many).
    #[arg(long, env = "ESSOR_RATE_LIMIT", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// REST API requests per second for clients sending a known `X-API-Key`.
    #[arg(long, env = "ESSOR_API_KEY_RATE_LIMIT", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_key_rate_limit: u32,
    /// API keys (comma-separated) that get the higher quota.
    #[arg(
        long = "api-key",
        env = "ESSOR_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub api_keys: Vec<String>,
    /// Records (or headers) per OAI-PMH list page.
    #[arg(long, env = "ESSOR_PAGE_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=5000))]
    pub page_size: u16,
    /// The store's page cache in MiB: most of the server's own memory.
    #[arg(long, env = "ESSOR_STORE_CACHE_MIB", default_value_t = (essor::app::SERVE_CACHE_BYTES >> 20) as u32, value_parser = clap::value_parser!(u32).range(16..=65536))]
    pub store_cache_mib: u32,
    /// How gzip OAI-PMH list pages are made: `auto` compresses each page whole while the
    /// server has CPU to spare and splices records stored precompressed when requests queue;
    /// `spliced` always splices (a third of the CPU, pages ~4.7× larger); `whole` always
    /// compresses whole (smallest pages).
    #[arg(long, env = "ESSOR_GZIP_PAGES", value_enum, default_value = "auto")]
    pub gzip_pages: GzipPagesArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GzipPagesArg {
    Auto,
    Spliced,
    Whole,
}

impl From<GzipPagesArg> for essor::feed::GzipPages {
    fn from(arg: GzipPagesArg) -> Self {
        match arg {
            GzipPagesArg::Auto => essor::feed::GzipPages::Auto,
            GzipPagesArg::Spliced => essor::feed::GzipPages::Spliced,
            GzipPagesArg::Whole => essor::feed::GzipPages::Whole,
        }
    }
}

#[derive(Subcommand)]
pub enum WorksCommand {
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
pub enum ExportFormat {
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
pub enum BarometerCommand {
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
pub enum SourcesCommand {
    /// Validate every source file and list the sources; given a URL, validate that repository
    /// live (BASE OVAL's rules); given a source file or --kind, preview its mapping on the first
    /// page. Exit 0 when essor can harvest it, 1 otherwise.
    Check(super::check::CheckArgs),
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
