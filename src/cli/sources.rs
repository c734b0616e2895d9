//! `essor sources check URL` (a repository validated live, the report printed for a person,
//! one line per check with the fix under each problem, or as JSON), `essor sources list` and
//! the administrator's `approve|suspend|resume|remove ID` on the store.

use std::io::Write;
use std::process::ExitCode;

use essor::harvest::validate::{Report, Status, ValidateOptions, validate};
use essor::pipeline::Pipeline;
use essor::registry;
use essor::store::{Registration, RegistrationAction, Store, Transition};

/// Validates `url`; exit 0 when essor can harvest it, 1 when a check failed hard.
pub fn check_url(url: &str, metadata_prefix: &str, json: bool) -> anyhow::Result<ExitCode> {
    let options = ValidateOptions {
        metadata_prefix: metadata_prefix.to_owned(),
        ..ValidateOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(validate(url, &options));
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", for_a_person(&report));
    }
    Ok(if report.accepted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn for_a_person(report: &Report) -> String {
    let mut out = format!("{} (checked {})\n", report.base_url, report.checked_at);
    for check in &report.checks {
        let mark = match check.status {
            Status::Pass => "pass",
            Status::Warning => "WARN",
            Status::Error => "FAIL",
        };
        out.push_str(&format!("  {mark}  {:<28} {}\n", check.id, check.observed));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("        {:<28} → {fix}\n", ""));
        }
    }
    out.push_str(&format!(
        "{} passed, {} warning(s), {} error(s); {} request(s), median {} ms, slowest {} ms\n{}\n",
        report.count(Status::Pass),
        report.count(Status::Warning),
        report.count(Status::Error),
        report.requests,
        report.median_response_ms,
        report.slowest_response_ms,
        if report.accepted() {
            "essor can harvest this repository."
        } else {
            "essor cannot harvest this repository as it is: fix the errors above."
        }
    ));
    out
}

/// `essor sources list`: the configured sources, then the registered ones.
pub fn list(
    sources: &[essor::source::Source],
    registrations: &[Registration],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for source in sources {
        let endpoint = super::output::endpoint_of(source);
        let status = if source.enabled {
            "enabled"
        } else {
            "disabled"
        };
        if json {
            let line = serde_json::json!({
                "id": source.id.as_str(), "origin": "file", "status": status,
                "name": source.name, "base_url": endpoint,
            });
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{:<24} {:<10} file        {}",
                source.id, status, endpoint
            )?;
        }
    }
    for registration in registrations {
        if json {
            let line = serde_json::json!({
                "id": registration.id, "origin": "registration",
                "status": registration.status.as_str(), "name": registration.name,
                "base_url": registration.base_url, "institution": registration.institution,
                "region": registration.region, "contact_email": registration.contact_email,
                "registered_at": registration.registered_at,
                "approved_at": registration.approved_at,
            });
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{:<24} {:<10} registered  {}  ({}, {})",
                registration.id,
                registration.status.as_str(),
                registration.base_url,
                registration.name,
                registration.contact_email
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `essor sources approve|suspend|resume ID`, on the store (the server must be stopped: the
/// store has one writer process).
pub fn act(store: &Store, id: &str, action: RegistrationAction) -> anyhow::Result<ExitCode> {
    match registry::act(store, id, action)? {
        Transition::Done(registration) => {
            println!("{id}: {}", registration.status.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Transition::NotFound => {
            anyhow::bail!("there is no registration {id}; `essor sources list` shows them")
        }
        Transition::NotApplicable(status) => {
            anyhow::bail!(
                "registration {id} is {}: it cannot be {}d",
                status.as_str(),
                action.as_str()
            )
        }
    }
}

/// `essor sources remove ID`: the registration removed and its records tombstoned, then works
/// and the index brought up to date (the works only it held are deleted).
pub fn remove(pipeline: &Pipeline, id: &str) -> anyhow::Result<ExitCode> {
    let (outcome, tombstoned) = registry::remove(pipeline.store(), id)?;
    match outcome {
        Transition::Done(_) => {
            let (works, _) = pipeline.update()?;
            println!(
                "{id}: removed; {tombstoned} record(s) deleted, {} work(s) deleted, {} changed",
                works.works_deleted, works.works_changed
            );
            Ok(ExitCode::SUCCESS)
        }
        Transition::NotFound => {
            anyhow::bail!("there is no registration {id}; `essor sources list` shows them")
        }
        Transition::NotApplicable(status) => {
            anyhow::bail!(
                "registration {id} is {}: it cannot be removed",
                status.as_str()
            )
        }
    }
}
