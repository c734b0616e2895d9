//! `essor sources check` on non-OAI sources: the mapping previewed on the first page, from a
//! source file, from a source file's URL, or from a URL and `--kind`; records as mapped and
//! normalised, rejects with their reason; nothing written.

use serde_json::Value;

use crate::common::{Peer, Workspace};

const ROWS: &str = "Numero_Fiche;Intitule;Niveau;Date_maj\n\
RNCP1001;\"Licence professionnelle\nÉconomie sociale et solidaire\";NIV6;12/03/2024\n\
RNCP1002;Chargé de développement des coopératives;NIV5;01/02/2023\n\
RNCP1003;;NIV5;01/02/2023\n\
RNCP1004;Technicien de maintenance industrielle;NIV4;2022\n";

const CATALOGUE: &str = r#"name = "A catalogue (test)"
kind = "csv"
path = "rows.csv"
id = "Numero_Fiche"
record_type = "training"
min_ess_relevance = 0.3

[fields]
title = "Intitule"
level = "Niveau"
date = "Date_maj"
language = { value = "fr" }
"#;

fn preview_json(workspace: &Workspace, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["sources", "check"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = workspace.run(&all);
    let code = run.code.unwrap_or(-1);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", run.describe()));
    (report, code)
}

#[test]
fn a_csv_source_file_is_previewed_as_mapped_with_its_rejects_and_nothing_stored() {
    let workspace = Workspace::new();
    std::fs::write(workspace.sources().join("rows.csv"), ROWS).unwrap();
    let file = workspace.write_source("catalogue", CATALOGUE);
    let file = file.to_str().unwrap();

    let (report, code) = preview_json(&workspace, &[file, "--limit", "2"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["kind"], "csv");
    assert_eq!(report["counts"]["records"], 3, "{report:#}");
    assert_eq!(report["counts"]["rejects"], 1);
    let records = report["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "--limit 2");
    let licence = &records[0];
    assert_eq!(licence["identifier"], "RNCP1001");
    assert_eq!(licence["type"], "training-programme");
    assert_eq!(licence["date"], "2024-03-12");
    assert_eq!(licence["language"], "fr");
    assert_eq!(licence["becomes_work"], true);
    assert_eq!(licence["record"]["degree"]["level"], "EQF 6");
    assert!(
        licence["title"]
            .as_str()
            .unwrap()
            .contains("Économie sociale et solidaire")
    );
    let reject = &report["rejects"][0];
    assert_eq!(reject["identifier"], "RNCP1003");
    assert!(
        reject["reason"].as_str().unwrap().contains("no title"),
        "{reject}"
    );
    // A preview reads; it does not harvest.
    assert!(!workspace.data().exists());

    // For a person: each record's fields and the rejects with their reason; an industrial
    // programme is shown as kept out of the works.
    let run = workspace
        .run(&["sources", "check", file, "--limit", "5"])
        .success();
    assert!(
        run.stdout.contains("record RNCP1002") && run.stdout.contains("REJECT RNCP1003"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not a work: below min_ess_relevance"),
        "{}",
        run.stdout
    );

    // A mapping that maps nothing: every row rejected, exit 1.
    let broken = workspace.write_source(
        "broken",
        &CATALOGUE.replace("title = \"Intitule\"", "title = \"Titre\""),
    );
    let (report, code) = preview_json(&workspace, &[broken.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["counts"]["rejects"], 4);
}

#[test]
fn a_feed_url_with_kind_and_a_source_file_url_are_previewed() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(
        served.join("rss.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Observatoire (test)</title>
<item><title>Panorama de l'ESS en Bretagne 2025</title><link>https://obs.example/panorama-2025</link><pubDate>Tue, 10 Jun 2025 08:00:00 GMT</pubDate><description><![CDATA[<p>Emploi dans les coopératives et associations.</p>]]></description></item>
<item><link>https://obs.example/sans-titre</link></item>
</channel></rss>"#,
    )
    .unwrap();
    let server = Peer::start("file_server.py", &["--dir", served.to_str().unwrap()]);
    let feed = server.url("/rss.xml");

    let (report, code) = preview_json(
        &workspace,
        &[&feed, "--kind", "feed", "--record-type", "panorama"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["kind"], "feed");
    assert_eq!(report["counts"]["records"], 1, "{report:#}");
    assert_eq!(report["counts"]["rejects"], 1);
    assert_eq!(report["records"][0]["type"], "report-study");
    assert_eq!(report["records"][0]["date"], "2025-06-10");

    // The same feed proposed as a source file published on the web.
    std::fs::write(
        served.join("observatoire.toml"),
        format!(
            "name = \"Observatoire\"\nkind = \"feed\"\nurl = \"{feed}\"\nrecord_type = \"note\"\n"
        ),
    )
    .unwrap();
    let (report, code) = preview_json(&workspace, &[&server.url("/observatoire.toml")]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["source"], "observatoire");
    assert_eq!(report["records"][0]["record"]["record_type"], "note");

    // --kind without what the kind needs: the missing key is named.
    let run = workspace
        .run(&["sources", "check", &feed, "--kind", "csv"])
        .code(2);
    assert!(run.stderr.contains("`id`"), "{}", run.describe());
}
