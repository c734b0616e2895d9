//! `essor backup` and `essor restore`: the store copied to a file while essor runs, and put back.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use essor::app;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (it must not exist). Taken from one snapshot of the store,
    /// through the running `essor serve` if there is one; the search index is not copied (it is
    /// rebuilt from the store).
    pub dest: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A file written by `essor backup`; checked page by page before it replaces anything.
    pub src: PathBuf,
    /// Replace the store of the data folder (never while an essor process uses it).
    #[arg(long)]
    pub force: bool,
}

/// Prints what was written as one JSON line.
pub fn backup(data: &Path, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let report = app::backup(data, &args.dest)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}

pub fn restore(data: &Path, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let report = app::restore(data, &args.src, args.force)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
