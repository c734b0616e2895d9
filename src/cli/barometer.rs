//! `essor barometer build` and `essor barometer list`: an edition built (or the frozen one
//! kept), summarised as one JSON line; `--out DIR` writes the edition there as a static bundle:
//! `index.html` (the page `/barometer/{edition}` serves), `edition.json` (the REST API's
//! shape), every table as CSV and every chart as SVG.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;

use essor::barometer::{self, BuildOptions, BuildOutcome, Edition, Semester};
use essor::classify::Thesaurus;
use essor::store::Store;

/// What one line of `build` and `list` says of an edition.
fn summary(edition: &Edition) -> serde_json::Value {
    json!({
        "edition": edition.id,
        "status": edition.status,
        "built_at": edition.built_at,
        "works": edition.research.works.last().copied().unwrap_or(0),
        "research": edition.research.status,
        "teaching": edition.teaching.status,
        "emerging": edition.research.emerging.iter().take(5).map(|f| &f.term).collect::<Vec<_>>(),
    })
}

pub fn build(
    store: &Store,
    edition: &str,
    out: Option<&Path>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let semester = match Semester::parse(edition) {
        Ok(semester) => semester,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    let thesaurus = Thesaurus::builtin()?;
    let (edition, outcome) =
        match barometer::build(store, &thesaurus, semester, &BuildOptions::now(force)) {
            Ok(built) => built,
            Err(error @ barometer::BarometerError::Frozen(_))
            | Err(error @ barometer::BarometerError::Future(_)) => {
                eprintln!("error: {error}");
                return Ok(ExitCode::from(2));
            }
            Err(error) => return Err(error.into()),
        };
    if outcome == BuildOutcome::Kept {
        eprintln!(
            "edition {} is already in the store ({}): kept as it is{}",
            edition.id,
            if edition.status == barometer::EditionStatus::Published {
                "published, frozen"
            } else {
                "draft"
            },
            if edition.status == barometer::EditionStatus::Draft {
                "; --force rebuilds a draft"
            } else {
                ""
            }
        );
    }
    if let Some(out) = out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let json = serde_json::to_vec_pretty(&essor::api::barometer_view(&edition))?;
        let page = essor::api::barometer_page(&edition, "/api/v1/works/", "edition.json")?;
        let files = [
            ("edition.json".to_owned(), json),
            ("index.html".to_owned(), page.into_bytes()),
        ]
        .into_iter()
        .chain(
            barometer::csv_files(&edition)
                .into_iter()
                .chain(barometer::svg_files(&edition))
                .map(|(name, text)| (name, text.into_bytes())),
        );
        for (name, bytes) in files {
            let path = out.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let mut line = summary(&edition);
    line["outcome"] = json!(match outcome {
        BuildOutcome::Built => "built",
        BuildOutcome::Kept => "kept",
    });
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

pub fn list(store: &Store) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for edition in barometer::list(store)? {
        writeln!(out, "{}", summary(&edition))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
