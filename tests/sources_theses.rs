//! Non-OAI sources of kind "theses-fr", black-box through the `essor` binary against a
//! theses.fr search API look-alike on 127.0.0.1 (`tests/peers/thesesfr_server.py`) serving the
//! real payload quoted in the fixtures' notes beside theses written for the test: French dates,
//! `debut`/`nombre` paging to `totalHits`, a thesis in preparation that comes back defended
//! under its NNT.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Peer, Workspace, fixtures_dir};

/// The real (abbreviated) payload of section 5.2 of `non-oai/thesesfr-api.md`.
fn fixture_these() -> Value {
    let notes = std::fs::read_to_string(fixtures_dir().join("non-oai/thesesfr-api.md")).unwrap();
    let section = &notes[notes.find("## 5.2").expect("section 5.2")..];
    let start = section.find("```json").expect("a json block") + "```json".len();
    let end = start + section[start..].find("```").expect("the block's end");
    serde_json::from_str(&section[start..end]).expect("the payload parses")
}

fn these(id: &str, title: &str, defended: Option<&str>) -> Value {
    json!({
        "id": id, "titrePrincipal": title, "titreEN": "",
        "etabSoutenanceN": "Université Rennes 2", "etabSoutenancePpn": "02778715X",
        "dateSoutenance": defended,
        "datePremiereInscriptionDoctorat": if defended.is_none() { json!("01/10/2023") } else { Value::Null },
        "auteurs": [{"nom": "Le Goff", "prenom": "Anne", "ppn": null}],
        "directeurs": [{"nom": "Draperi", "prenom": "Jean-François", "ppn": "03306316X"}],
        "rapporteurs": [], "examinateurs": [], "president": null,
        "nnt": if defended.is_some() { json!(id) } else { Value::Null },
        "doi": null, "discipline": "Sociologie",
        "status": if defended.is_some() { "soutenue" } else { "enCours" },
        "ecolesDoctorale": [], "partenairesDeRecherche": [],
        "sujets": [{"langue": "fr", "libelle": "Économie sociale et solidaire"}],
        "sujetsRameau": []
    })
}

fn write(path: &Path, theses: &[Value]) {
    std::fs::write(path, Value::Array(theses.to_vec()).to_string()).unwrap();
}

fn counters(run: &Value) -> [u64; 5] {
    ["new", "updated", "unchanged", "deleted", "rejected"]
        .map(|key| run[key].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn theses_fr_is_paged_to_total_hits_with_french_dates_and_follows_a_defence() {
    let workspace = Workspace::new();
    let data = workspace.dir.path().join("theses.json");
    let in_preparation = these(
        "s408792",
        "Les coopératives d'habitants en Bretagne : habiter autrement",
        None,
    );
    let mut theses = vec![
        fixture_these(),
        these(
            "2021REN20011",
            "Gouvernance des sociétés coopératives d'intérêt collectif",
            Some("14/12/2021"),
        ),
        in_preparation.clone(),
        these(
            "2019REN20034",
            "Les monnaies locales complémentaires",
            Some("03/07/2019"),
        ),
        json!({"id": "2020REN20001", "titrePrincipal": "", "titreEN": "", "dateSoutenance": "01/01/2020"}),
    ];
    write(&data, &theses);
    let server = Peer::start("thesesfr_server.py", &["--data", data.to_str().unwrap()]);
    workspace.write_source(
        "theses-api",
        &format!(
            r#"name = "theses.fr search (test)"
kind = "theses-fr"
base_url = "{}"
query = "\"économie sociale et solidaire\""
filters = ["langues=\"fr\""]
page_size = 2
role = "thesis-catalogue"
"#,
            server.url("/api/v1/theses/recherche/")
        ),
    );

    workspace.harvest("theses-api").success();
    let run = workspace.last_run("theses-api");
    assert_eq!(counters(&run), [4, 0, 0, 0, 1], "{run:#}");
    // Five theses by two: debut 0, 2, 4; the third page reaches totalHits.
    let received = server.get_json("/_requests");
    let starts: Vec<&str> = received
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["debut"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(starts, ["0", "2", "4"], "{received}");
    assert_eq!(received[0]["nombre"], "2");
    assert_eq!(received[0]["tri"], "dateAsc");
    assert_eq!(received[0]["filtres"], "[langues=\"fr\"]");
    assert_eq!(received[0]["q"], "\"économie sociale et solidaire\"");

    let records = workspace.records("theses-api");
    let real = records
        .iter()
        .find(|r| r["identifier"] == "2022UCFAC034")
        .expect("the real thesis");
    assert_eq!(real["format"], "theses-fr");
    assert_eq!(real["record"]["dates"], json!(["2022-09-22"]));
    assert_eq!(real["record"]["record_type"], "thesis");
    assert_eq!(real["record"]["creators"][0]["name"], "Robert, Léo");
    assert_eq!(
        real["record"]["degree"]["grantor"],
        "Université Clermont Auvergne (2021-...)"
    );
    // The raw thesis is kept as theses.fr sent it.
    let raw: Value = serde_json::from_str(real["raw"].as_str().unwrap()).unwrap();
    assert_eq!(raw["dateSoutenance"], "22/09/2022");
    let preparing = records
        .iter()
        .find(|r| r["identifier"] == "s408792")
        .expect("the thesis in preparation");
    assert!(preparing["record"]["dates"].is_null(), "{preparing:#}");
    let rejects = workspace.rejects("theses-api");
    assert!(
        rejects[0]["reason"].as_str().unwrap().contains("no title"),
        "{rejects:#?}"
    );
    let works = workspace.works();
    assert_eq!(works.len(), 4);
    assert!(
        works.iter().all(|w| w["type"] == "doctoral-thesis"),
        "{works:#?}"
    );

    // Read again unchanged: nothing written.
    workspace.harvest("theses-api").success();
    let run = workspace.last_run("theses-api");
    assert_eq!(&counters(&run)[..4], &[0, 0, 4, 0], "{run:#}");

    // The thesis in preparation is defended: it comes back under its NNT, the `s…` one is gone.
    let mut defended = in_preparation;
    defended["id"] = json!("2026REN20007");
    defended["nnt"] = json!("2026REN20007");
    defended["status"] = json!("soutenue");
    defended["dateSoutenance"] = json!("02/06/2026");
    theses[2] = defended;
    write(&data, &theses);
    workspace.harvest("theses-api").success();
    let run = workspace.last_run("theses-api");
    assert_eq!(&counters(&run)[..4], &[1, 0, 3, 1], "{run:#}");
    let records = workspace.records("theses-api");
    let nnt = records
        .iter()
        .find(|r| r["identifier"] == "2026REN20007")
        .expect("the defended thesis");
    assert_eq!(nnt["record"]["dates"], json!(["2026-06-02"]));
    assert!(
        records
            .iter()
            .any(|r| r["identifier"] == "s408792" && r["deleted"] == true)
    );
    let works = workspace.works();
    assert_eq!(works.len(), 4);
    assert!(
        works.iter().any(|w| w["title"]
            .as_str()
            .unwrap_or("")
            .starts_with("Les coopératives d'habitants")
            && w["year"] == 2026),
        "{works:#?}"
    );
}
