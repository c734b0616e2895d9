//! `essor sources check`: every source file validated; an OAI-PMH repository validated live
//! (`sources.rs`); or a non-OAI source's mapping previewed on its first page: a source file (a
//! path, or a URL ending in `.toml`), or a URL read as a `--kind` of source. The preview shows
//! the first records as essor maps them (fields, type, date, language, ESS relevance) and the
//! rejects with their reason, for a person or as JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{Value, json};

use essor::classify::Thesaurus;
use essor::harvest::preview::{Preview, fetch_source_file, preview};
use essor::normalize::{Context, normalize};
use essor::oai::PageItem;
use essor::source::{Endpoint, Source};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// An OAI-PMH base URL to validate live (private addresses only with
    /// ESSOR_ALLOW_PRIVATE_NETWORKS=true); or a source file (a path, or an http(s) URL ending in
    /// `.toml`) whose first records are previewed as mapped; or, with --kind, a URL (or file)
    /// read as a source of that kind. Without it: every source file is validated.
    pub target: Option<String>,
    /// The report as JSON.
    #[arg(long, requires = "target")]
    pub json: bool,
    /// The format essor would harvest (OAI-PMH).
    #[arg(long, default_value = "oai_dc", requires = "target")]
    pub metadata_prefix: String,
    /// Preview TARGET as a source of this kind: csv, json, opendatasoft (TARGET is the portal's
    /// …/api/explore/v2.1), feed, hal-api, theses-fr.
    #[arg(long, requires = "target")]
    pub kind: Option<String>,
    /// With --kind: the query (hal-api, theses-fr).
    #[arg(long, requires = "kind")]
    pub query: Option<String>,
    /// With --kind: the dataset (opendatasoft).
    #[arg(long, requires = "kind")]
    pub dataset: Option<String>,
    /// With --kind: the column or dotted path of each record's id.
    #[arg(long, requires = "kind")]
    pub id: Option<String>,
    /// With --kind: a mapping as in [fields], such as `title=Intitule` (repeatable).
    #[arg(long = "field", value_name = "FIELD=COLUMN", requires = "kind")]
    pub fields: Vec<String>,
    /// With --kind: the type of the records (study, report, training, thesis…).
    #[arg(long, requires = "kind")]
    pub record_type: Option<String>,
    /// How many records, and how many rejects, the preview shows.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
}

/// `essor sources check [TARGET]`.
pub fn check(args: CheckArgs, sources_dir: &Path) -> anyhow::Result<ExitCode> {
    let Some(target) = args.target.clone() else {
        super::output::print_sources(&essor::source::load_dir(sources_dir)?);
        return Ok(ExitCode::SUCCESS);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let is_url = target.starts_with("http://") || target.starts_with("https://");
    let source = if let Some(kind) = &args.kind {
        let text = source_text(kind, &target, is_url, &args)?;
        Source::parse(&std::env::current_dir()?.join("preview.toml"), &text)?
    } else if target.to_ascii_lowercase().ends_with(".toml") {
        if is_url {
            let url = url::Url::parse(&target).context("a source file's URL")?;
            let text = runtime.block_on(fetch_source_file(&url))?;
            let stem = url
                .path_segments()
                .and_then(|mut segments| segments.next_back().map(str::to_owned))
                .unwrap_or_else(|| "proposed.toml".into());
            Source::parse(&std::env::current_dir()?.join(stem), &text)?
        } else {
            Source::load(&PathBuf::from(&target))?
        }
    } else {
        return super::sources::check_url(&target, &args.metadata_prefix, args.json);
    };
    let shown = runtime.block_on(preview(&source, args.limit.max(1)))?;
    let report = report(&source, &shown, args.limit)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", for_a_person(&report));
    }
    let mapped = report["counts"]["records"].as_u64().unwrap_or(0);
    Ok(if mapped > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A source file for `--kind`: TARGET as its `url`, `path` or `base_url`, and the other options.
fn source_text(kind: &str, target: &str, is_url: bool, args: &CheckArgs) -> anyhow::Result<String> {
    let mut table = toml::Table::new();
    let text = |value: &str| toml::Value::String(value.to_owned());
    table.insert("name".into(), text(&format!("Preview of {target}")));
    table.insert("kind".into(), text(kind));
    let location = match (kind, is_url) {
        ("opendatasoft" | "hal-api" | "theses-fr", _) => "base_url",
        (_, true) => "url",
        (_, false) => "path",
    };
    table.insert(location.into(), text(target));
    for (key, value) in [
        ("query", &args.query),
        ("dataset", &args.dataset),
        ("id", &args.id),
        ("record_type", &args.record_type),
    ] {
        if let Some(value) = value {
            table.insert(key.into(), text(value));
        }
    }
    if !args.fields.is_empty() {
        let mut fields = toml::Table::new();
        for mapping in &args.fields {
            let (field, column) = mapping
                .split_once('=')
                .with_context(|| format!("--field {mapping:?}: FIELD=COLUMN is expected"))?;
            fields.insert(field.trim().to_owned(), text(column.trim()));
        }
        table.insert("fields".into(), toml::Value::Table(fields));
    }
    Ok(toml::to_string(&table)?)
}

/// The preview as JSON: the first `limit` records as mapped and normalised, the first `limit`
/// rejects, and the counts of the whole page.
fn report(source: &Source, shown: &Preview, limit: usize) -> anyhow::Result<Value> {
    let thesaurus = Thesaurus::builtin()?;
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    let (mut record_count, mut reject_count) = (0u64, 0u64);
    for item in &shown.items {
        match item {
            PageItem::Record(harvested) => {
                record_count += 1;
                let Some(record) = harvested.record.as_ref().filter(|_| records.len() < limit)
                else {
                    continue;
                };
                let context = Context {
                    source: source.id.as_str(),
                    identifier: &harvested.identifier,
                    format: harvested.format,
                    sets: &harvested.sets,
                    institution: source.institution.as_deref(),
                    region: source.region.as_deref(),
                };
                let normalized = normalize(record, &context);
                let relevance = thesaurus.classify(&normalized).relevance;
                let becomes_work = source
                    .min_ess_relevance
                    .is_none_or(|min| f64::from(relevance) >= min);
                records.push(json!({
                    "identifier": harvested.identifier,
                    "type": normalized.degree_type.slug(),
                    "title": normalized.titles.first().map(|t| &t.text),
                    "date": normalized.date.map(|d| d.iso()),
                    "language": normalized.language,
                    "institution": normalized.institution,
                    "ess_relevance": (f64::from(relevance) * 100.0).round() / 100.0,
                    "becomes_work": becomes_work,
                    "problems": normalized.problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>(),
                    "record": record,
                }));
            }
            PageItem::Reject(reject) => {
                reject_count += 1;
                if rejects.len() < limit {
                    let raw: String = reject.raw.chars().take(300).collect();
                    rejects.push(json!({
                        "identifier": reject.identifier,
                        "reason": reject.reason,
                        "raw": raw,
                    }));
                }
            }
        }
    }
    Ok(json!({
        "source": source.id.as_str(),
        "kind": kind_of(&source.endpoint),
        "location": shown.location,
        "total": shown.total,
        "requests": shown.requests,
        "counts": {"records": record_count, "rejects": reject_count},
        "records": records,
        "rejects": rejects,
    }))
}

fn kind_of(endpoint: &Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Oai { .. } => "oai-pmh",
        Endpoint::Dump { .. } => "oai-pmh-dump",
        Endpoint::Csv(_) => "csv",
        Endpoint::Json(_) => "json",
        Endpoint::OpenDataSoft(_) => "opendatasoft",
        Endpoint::Feed(_) => "feed",
        Endpoint::HalApi(_) => "hal-api",
        Endpoint::ThesesFr(_) => "theses-fr",
    }
}

fn for_a_person(report: &Value) -> String {
    let counts = &report["counts"];
    let mut out = format!(
        "{} ({}) {}\n  first page: {} record(s), {} reject(s){}; {} request(s)\n",
        report["source"].as_str().unwrap_or(""),
        report["kind"].as_str().unwrap_or(""),
        report["location"].as_str().unwrap_or(""),
        counts["records"],
        counts["rejects"],
        match report["total"].as_u64() {
            Some(total) => format!(" of {total} at the source"),
            None => String::new(),
        },
        report["requests"],
    );
    let line = |out: &mut String, label: &str, value: &Value| {
        let text = match value {
            Value::Null => return,
            Value::String(text) => text.clone(),
            Value::Array(items) if items.is_empty() => return,
            other => other.to_string(),
        };
        out.push_str(&format!("    {label:<14} {text}\n"));
    };
    for record in report["records"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\n  record {}  →  {}{}\n",
            record["identifier"].as_str().unwrap_or(""),
            record["type"].as_str().unwrap_or(""),
            if record["becomes_work"] == true {
                ""
            } else {
                "  (kept as a record, not a work: below min_ess_relevance)"
            }
        ));
        for key in ["title", "date", "language", "institution", "ess_relevance"] {
            line(&mut out, key, &record[key]);
        }
        if let Some(mapped) = record["record"].as_object() {
            out.push_str("    mapped:\n");
            for (key, value) in mapped {
                line(&mut out, &format!("  {key}"), value);
            }
        }
        for problem in record["problems"].as_array().into_iter().flatten() {
            line(&mut out, "problem", problem);
        }
    }
    for reject in report["rejects"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\n  REJECT {}: {}\n    raw            {}\n",
            reject["identifier"].as_str().unwrap_or("(no id)"),
            reject["reason"].as_str().unwrap_or(""),
            reject["raw"].as_str().unwrap_or(""),
        ));
    }
    out
}
