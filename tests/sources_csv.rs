//! Non-OAI sources of kind "csv", black-box through the `essor` binary: a ZIP of `;` CSV files
//! in RNCP's shape (BOM, multi-line quoted titles, French dates) served from 127.0.0.1 by a
//! Python file server that fails the first request, and a Latin-1 file read from `path`. The
//! stored records, their types, the rejects, the works; a re-read that changes nothing; a
//! changed row that updates one work; a removed row that deletes one.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::common::{Peer, Workspace};

const HEADER: &str =
    "Id_Fiche;Numero_Fiche;Intitule;Nomenclature_Europe_Niveau;Date_dernier_jo;Actif";

/// RNCP-shaped rows: a title over two lines, doubled quotes, a row without a title, a
/// duplicate fiche.
fn standard_rows() -> Vec<String> {
    vec![
        "101;RNCP1001;\"Licence professionnelle Économie sociale et solidaire :\ncoopératives et associations\";NIV6;19/07/2019;ACTIVE".into(),
        "102;RNCP1002;\"Master mention \"\"Économie sociale et solidaire\"\"\";NIV7;11/05/2021;ACTIVE".into(),
        "103;RNCP1003;Chargé de développement de l'économie sociale;NIV6;31/01/2020;ACTIVE".into(),
        "104;RNCP1004;Encadrant technique d'insertion;NIV5;02/03/2018;ACTIVE".into(),
        "105;RNCP1005;;NIV4;;INACTIVE".into(),
        "106;RNCP1004;Encadrant technique d'insertion (doublon);NIV5;;ACTIVE".into(),
    ]
}

fn write_zip(path: &Path, standard_rows: &[String]) {
    let mut standard = Vec::from(&b"\xEF\xBB\xBF"[..]);
    standard
        .extend_from_slice(format!("{HEADER}\r\n{}\r\n", standard_rows.join("\r\n")).as_bytes());
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("export_fiches_CSV_Standard_2026_10_04.csv", options)
        .unwrap();
    zip.write_all(&standard).unwrap();
    // A companion file several rows per fiche long: not a member of this source.
    zip.start_file("export_fiches_CSV_Rome_2026_10_04.csv", options)
        .unwrap();
    zip.write_all(b"Numero_Fiche;Codes_Rome_Code\nRNCP1001;K1802\nRNCP1001;M1402\n")
        .unwrap();
    zip.finish().unwrap();
}

fn rncp_source(url: &str) -> String {
    format!(
        r#"name = "RNCP (test)"
kind = "csv"
url = "{url}"
member = "*_Standard_*.csv"
id = "Numero_Fiche"
record_type = "training"
retry_backoff = "10ms"

[fields]
title = "Intitule"
level = "Nomenclature_Europe_Niveau"
identifiers = "Numero_Fiche"
date = {{ from = "Date_dernier_jo", date_format = "%d/%m/%Y" }}
"#
    )
}

fn record<'a>(records: &'a [Value], identifier: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["identifier"] == identifier)
        .unwrap_or_else(|| panic!("no record {identifier}: {records:#?}"))
}

fn live_works(workspace: &Workspace) -> Vec<Value> {
    workspace.works()
}

fn title_of(work: &Value) -> String {
    work["title"].as_str().unwrap_or_default().to_owned()
}

fn counters(run: &Value) -> [u64; 5] {
    ["new", "updated", "unchanged", "deleted", "rejected"]
        .map(|key| run[key].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn a_zip_of_csv_files_is_harvested_reread_updated_and_pruned() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let zip_path = served.join("export-fiches-csv.zip");
    write_zip(&zip_path, &standard_rows());
    let server = Peer::start(
        "file_server.py",
        &["--dir", served.to_str().unwrap(), "--fail-first", "1"],
    );
    workspace.write_source(
        "rncp-test",
        &rncp_source(&server.url("/export-fiches-csv.zip")),
    );

    workspace.harvest("rncp-test").success();
    let run = workspace.last_run("rncp-test");
    assert_eq!(run["status"], "complete", "{run:#}");
    assert_eq!(counters(&run), [4, 0, 0, 0, 2], "{run:#}");
    // The 503 was retried.
    assert!(run["retries"].as_u64().unwrap_or(0) >= 1, "{run:#}");

    let records = workspace.records("rncp-test");
    assert_eq!(records.len(), 4, "{records:#?}");
    let licence = record(&records, "RNCP1001");
    assert_eq!(licence["format"], "csv");
    assert_eq!(licence["record"]["record_type"], "training");
    assert_eq!(
        licence["record"]["titles"][0]["value"],
        "Licence professionnelle Économie sociale et solidaire : coopératives et associations"
    );
    assert_eq!(licence["record"]["degree"]["level"], "EQF 6");
    assert_eq!(licence["record"]["dates"][0], "2019-07-19");
    let master = record(&records, "RNCP1002");
    assert_eq!(
        master["record"]["titles"][0]["value"],
        "Master mention \"Économie sociale et solidaire\""
    );
    // The raw row is kept, as a JSON object of the columns.
    let raw: Value = serde_json::from_str(master["raw"].as_str().unwrap()).unwrap();
    assert_eq!(raw["Id_Fiche"], "102");

    let rejects = workspace.rejects("rncp-test");
    assert_eq!(rejects.len(), 2, "{rejects:#?}");
    let reasons: Vec<&str> = rejects
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("no title")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("RNCP1004") && r.contains("already read")),
        "{reasons:?}"
    );
    assert!(
        rejects
            .iter()
            .all(|r| r["raw"].as_str().unwrap().contains("Numero_Fiche"))
    );

    let works = live_works(&workspace);
    assert_eq!(works.len(), 4, "{works:#?}");
    assert!(
        works.iter().all(|w| w["type"] == "training-programme"),
        "{works:#?}"
    );
    let ids: Vec<Value> = works.iter().map(|w| w["id"].clone()).collect();

    // An unchanged re-read writes no record and changes no work.
    workspace.harvest("rncp-test").success();
    let run = workspace.last_run("rncp-test");
    assert_eq!(counters(&run), [0, 0, 4, 0, 2], "{run:#}");
    let again = live_works(&workspace);
    assert_eq!(
        again.iter().map(|w| w["id"].clone()).collect::<Vec<_>>(),
        ids
    );

    // One row changed: one record updated, its work keeps its id and takes the new title.
    let mut rows = standard_rows();
    rows[2] = "103;RNCP1003;Chargé de développement de l'économie sociale et solidaire;NIV6;31/01/2020;ACTIVE".into();
    write_zip(&zip_path, &rows);
    workspace.harvest("rncp-test").success();
    let run = workspace.last_run("rncp-test");
    assert_eq!(counters(&run), [0, 1, 3, 0, 2], "{run:#}");
    let works = live_works(&workspace);
    assert_eq!(works.len(), 4);
    assert!(
        works
            .iter()
            .any(|w| title_of(w) == "Chargé de développement de l'économie sociale et solidaire"),
        "{works:#?}"
    );

    // One fiche removed (and its duplicate): one deletion, one work fewer.
    rows.remove(5);
    rows.remove(3);
    write_zip(&zip_path, &rows);
    workspace.harvest("rncp-test").success();
    let run = workspace.last_run("rncp-test");
    assert_eq!(counters(&run), [0, 0, 3, 1, 1], "{run:#}");
    let works = live_works(&workspace);
    assert_eq!(works.len(), 3, "{works:#?}");
    assert!(!works.iter().any(|w| title_of(w).starts_with("Encadrant")));
    let stats = workspace.stats();
    assert_eq!(stats["deleted_records"], 1, "{stats:#}");
}

#[test]
fn a_latin1_file_is_read_from_a_path_with_its_record_type() {
    let workspace = Workspace::new();
    let file = workspace.sources().join("observatoire.csv");
    // Windows-1252: É, é, the en dash; `,` delimiter; French dates; a bare year.
    let mut bytes = b"ref,titre,date,auteurs\r\n".to_vec();
    bytes.extend_from_slice(b"OBS-1,Panorama de l'\xC9SS en Bretagne \x96 \xE9dition 2023,12/06/2023,CRESS Bretagne\r\n");
    bytes.extend_from_slice(b"OBS-2,\"Note de conjoncture, emploi dans l'ESS\",2024,Observatoire r\xE9gional de l'ESS | CRESS Bretagne\r\n");
    std::fs::write(&file, bytes).unwrap();
    workspace.write_source(
        "obs-test",
        r#"name = "Observatoire (test)"
kind = "csv"
path = "observatoire.csv"
id = "ref"
record_type = "panorama"
region = "FR-BRE"
role = "observatory"

[fields]
title = "titre"
date = "date"
authors = { from = "auteurs", split = " | " }
region = { value = "FR-BRE" }
"#,
    );
    workspace.harvest("obs-test").success();
    let records = workspace.records("obs-test");
    assert_eq!(records.len(), 2, "{records:#?}");
    let panorama = record(&records, "OBS-1");
    assert_eq!(
        panorama["record"]["titles"][0]["value"],
        "Panorama de l'ÉSS en Bretagne – édition 2023"
    );
    assert_eq!(panorama["record"]["dates"][0], "2023-06-12");
    assert_eq!(panorama["record"]["record_type"], "panorama");
    let note = record(&records, "OBS-2");
    assert_eq!(note["record"]["dates"][0], "2024");
    assert_eq!(note["record"]["creators"].as_array().unwrap().len(), 2);
    assert_eq!(note["record"]["coverage"][0], "FR-BRE");
    let works = workspace.works();
    assert_eq!(works.len(), 2, "{works:#?}");
    assert!(
        works.iter().all(|w| w["type"] == "report-study"),
        "{works:#?}"
    );
}
