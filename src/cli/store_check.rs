//! `essor check`: prints what [`essor::app::check`] found in the data folder (or its JSON) and
//! exits 0 when the folder is sound, 1 when something is damaged.

use std::path::Path;
use std::process::ExitCode;

use essor::app::{self, CheckOutcome, IndexCheck};
use essor::store::TableSize;

pub fn check(data: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let outcome = app::check(data)?;
    if json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        print!("{}", describe(&outcome));
    }
    Ok(if outcome.is_sound() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn describe(outcome: &CheckOutcome) -> String {
    let report = &outcome.report;
    let rows: u64 = report.rows.values().sum();
    let mut text = format!(
        "store {}: every page's checksum verified; {rows} rows in {} tables read\n",
        outcome.store.display(),
        report.rows.len()
    );
    for table in ["records", "rejects", "works", "feed_entries"] {
        text.push_str(&format!(
            "  {table}: {}\n",
            report.rows.get(table).copied().unwrap_or(0)
        ));
    }
    let mut sizes: Vec<_> = report.sizes.iter().collect();
    let total = |size: &TableSize| size.stored_bytes + size.metadata_bytes + size.fragmented_bytes;
    sizes.sort_by_key(|(_, size)| std::cmp::Reverse(total(size)));
    text.push_str("  table sizes (MiB in the file; of it keys and values; per row):\n");
    for (table, size) in sizes.iter().filter(|(_, size)| size.leaf_pages > 0) {
        let rows = report.rows.get(table.as_str()).copied().unwrap_or(0);
        text.push_str(&format!(
            "    {table}: {:.1} MiB; {:.1} MiB stored{}\n",
            total(size) as f64 / 1048576.0,
            size.stored_bytes as f64 / 1048576.0,
            size.stored_bytes
                .checked_div(rows)
                .map(|per_row| format!(", {per_row} B per row"))
                .unwrap_or_default()
        ));
    }
    let (live, deleted) = report.works;
    text.push_str(&format!(
        "  works live: {live}, deleted or merged: {deleted}\n"
    ));
    if report.is_sound() {
        text.push_str("rows and cross-references: sound\n");
    } else {
        text.push_str(&format!(
            "rows and cross-references: {} problems{}\n",
            report.problem_count,
            if report.problem_count > report.problems.len() as u64 {
                format!(" (the first {} listed)", report.problems.len())
            } else {
                String::new()
            }
        ));
        for problem in &report.problems {
            text.push_str(&format!(
                "  {} {}: {}\n",
                problem.table, problem.key, problem.problem
            ));
        }
    }
    text.push_str(&match &outcome.index {
        IndexCheck::Matches { works } => {
            format!("search index: {works} works, one per live work of the store\n")
        }
        IndexCheck::Differs { indexed, live } => format!(
            "search index: DAMAGED: {indexed} works for the store's {live} live works; `essor reindex` rebuilds it\n"
        ),
        IndexCheck::Behind { indexed, live } => format!(
            "search index: {indexed} works, behind the store's {live} live works; the next `essor serve`, harvest or `essor reindex` catches up\n"
        ),
        IndexCheck::Missing => {
            "search index: none yet; the next `essor serve` or harvest builds it from the store\n"
                .to_owned()
        }
        IndexCheck::Unreadable { error } => format!(
            "search index: DAMAGED: {error}; `essor reindex` rebuilds it\n"
        ),
    });
    if outcome.is_sound() {
        text.push_str("the data folder is sound\n");
    } else if !report.is_sound() {
        text.push_str(
            "the store is DAMAGED: restore a backup (`essor restore`), or move the data folder away and harvest again\n",
        );
    }
    text
}
