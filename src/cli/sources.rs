//! `essor sources check URL`: a repository validated live, the report printed for a person
//! (one line per check, the fix under each problem) or as JSON.

use std::process::ExitCode;

use essor::harvest::validate::{Report, Status, ValidateOptions, validate};

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
