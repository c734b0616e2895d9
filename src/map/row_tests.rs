//! The row crosswalk on the real RNCP and Idéo samples in `$ESSOR_FIXTURES/non-oai/`.

use super::*;
use crate::csv::{NamedRow, Table};
use crate::vocab::DegreeType;

fn fixture(name: &str) -> Table {
    let path = crate::test_support::fixtures_dir()
        .join("non-oai")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    crate::csv::parse(&bytes, None, None)
}

fn fields(text: &str) -> FieldMap {
    FieldMap::parse(&text.parse::<toml::Table>().expect("toml")).expect("fields")
}

fn map_all(table: &Table, fields: &FieldMap) -> Vec<Result<Record, MapError>> {
    table
        .rows
        .iter()
        .map(|row| {
            let named = NamedRow {
                headers: &table.headers,
                row,
            };
            map_row(&named, fields, Some(RecordType::Training))
        })
        .collect()
}

#[test]
fn rncp_rows_keep_multi_line_titles_and_european_levels() {
    let table = fixture("rncp-export-fiches-csv-standard-excerpt.csv");
    assert_eq!(table.delimiter, b';');
    assert_eq!(table.headers.len(), 16);
    assert_eq!(table.headers[0], "Id_Fiche");
    let width = table.headers.len();
    assert!(
        table.rows.iter().all(|r| r.cells.len() == width),
        "every row has 16 cells despite line breaks in titles"
    );
    let fields = fields(
        "title = \"Intitule\"\nlevel = \"Nomenclature_Europe_Niveau\"\nidentifiers = \"Numero_Fiche\"\ndate = { from = \"Date_dernier_jo\", date_format = \"%d/%m/%Y\" }\ndiscipline = \"Abrege_Intitule\"\n",
    );
    let records = map_all(&table, &fields);
    let polytech = records
        .iter()
        .flatten()
        .find(|r| r.identifiers.contains(&"RNCP4375".to_owned()))
        .expect("RNCP4375");
    let title = &polytech.titles[0].value;
    assert!(title.starts_with("Ingénieur diplômé du Centre universitaire"));
    assert!(title.ends_with("spécialité Génie physique"), "{title:?}");
    assert!(!title.contains('\n'));
    let degree = polytech.degree.as_ref().expect("degree");
    assert_eq!(degree.level.as_deref(), Some("EQF 7"));
    assert_eq!(degree.discipline.as_deref(), Some("Titre ingénieur"));
    assert_eq!(polytech.dates, ["2005-05-28"]);
    assert_eq!(polytech.record_type, Some(RecordType::Training));
    let first = records[0].as_ref().expect("first row maps");
    assert_eq!(first.identifiers, ["RNCP181"]);
    assert_eq!(
        first.degree.as_ref().and_then(|d| d.level.as_deref()),
        Some("EQF 4")
    );
    // Doubled quotes inside a quoted title are one quote.
    assert!(records.iter().flatten().any(|r| {
        r.titles[0]
            .value
            .contains("Mention \"Métiers du décisionnel")
    }));
}

#[test]
fn ideo_rows_split_multi_values_and_invert_levels() {
    let table = fixture("onisep-ideo-formations-initiales-excerpt.csv");
    assert_eq!(table.headers[9], "niveau de certification");
    let fields = fields(
        "title = \"libellé formation principal\"\nlevel = { from = \"niveau de certification\", scale = \"inverted\" }\nkeywords = { from = \"domaine/sous-domaine\", split = \" | \" }\nidentifiers = { from = \"code RNCP\", prefix = \"RNCP\" }\nurl = \"URL et ID Onisep\"\ninstitution = \"tutelle\"\nmodified = \"date de modification\"\n",
    );
    let records = map_all(&table, &fields);
    assert!(records.iter().all(Result::is_ok));
    let master = records
        .iter()
        .flatten()
        .find(|r| r.titles[0].value == "master mention mode")
        .expect("master mention mode");
    // Idéo's 1 is niveau 7, as its own label says.
    assert_eq!(
        master.degree.as_ref().and_then(|d| d.level.as_deref()),
        Some("EQF 7")
    );
    assert_eq!(
        master
            .subjects
            .iter()
            .map(|s| s.value.as_str())
            .collect::<Vec<_>>(),
        [
            "arts, culture, artisanat/arts graphiques",
            "matières premières, fabrication, industries/textile, habillement"
        ]
    );
    assert!(master.identifiers.contains(&"RNCP39198".to_owned()));
    assert!(
        master.identifiers.contains(
            &"https://www.onisep.fr/http/redirection/formation/slug/FOR.10459".to_owned()
        )
    );
    // "non renseigné" is no institution; level 0 is no level.
    let special = records
        .iter()
        .flatten()
        .find(|r| r.titles[0].value.starts_with("mastère spé."))
        .expect("mastère spécialisé");
    assert!(special.publishers.is_empty());
    assert!(
        special
            .degree
            .as_ref()
            .and_then(|d| d.level.as_ref())
            .is_none()
    );
    // Every row's inverted level agrees with Idéo's own label column.
    for row in &table.rows {
        let label = &row.cells[10];
        let named = NamedRow {
            headers: &table.headers,
            row,
        };
        let level = european_level(
            &named.values("niveau de certification")[0],
            LevelScale::Inverted,
        );
        let from_label = european_level(label, LevelScale::European);
        assert_eq!(level, from_label, "{label}");
    }
    let named = NamedRow {
        headers: &table.headers,
        row: &table.rows[0],
    };
    assert_eq!(
        modified_date(&named, &fields).as_deref(),
        Some("2024-04-22")
    );
}

#[test]
fn dates_in_the_shapes_sources_write() {
    assert_eq!(iso_date("22/09/2022", None).as_deref(), Some("2022-09-22"));
    assert_eq!(iso_date("2019", None).as_deref(), Some("2019"));
    assert_eq!(
        iso_date("2019-06-12T10:00:00Z", None).as_deref(),
        Some("2019-06-12")
    );
    assert_eq!(
        iso_date("Tue, 10 Jun 2025 08:30:00 +0200", None).as_deref(),
        Some("2025-06-10")
    );
    assert_eq!(
        iso_date("12.06.2019", Some("%d.%m.%Y")).as_deref(),
        Some("2019-06-12")
    );
    assert_eq!(iso_date("juin 2019", None), None);
    assert_eq!(european_level("REPRISE", LevelScale::European), None);
    assert_eq!(european_level("NIV8", LevelScale::European), Some(8));
    assert_eq!(european_level("5", LevelScale::Inverted), Some(3));
    assert_eq!(european_level("0", LevelScale::Inverted), None);
}

#[test]
fn declared_types_decide_the_degree_type_and_titles_are_required() {
    let table = crate::csv::parse(b"id;t\n1;\n2;Panorama de l'ESS en Bretagne\n", None, None);
    let fields = fields("title = \"t\"\nregion = { value = \"FR-BRE\" }\n");
    let named = |i: usize| NamedRow {
        headers: &table.headers,
        row: &table.rows[i],
    };
    assert_eq!(
        map_row(&named(0), &fields, Some(RecordType::Panorama)),
        Err(MapError::NoTitle { format: "row" })
    );
    let record = map_row(&named(1), &fields, Some(RecordType::Panorama)).expect("maps");
    assert_eq!(record.coverage, ["FR-BRE"]);
    assert_eq!(record.types, ["Panorama"]);
    assert_eq!(
        record.record_type.map(RecordType::degree_type),
        Some(DegreeType::ReportStudy)
    );
}

#[test]
fn json_rows_read_dotted_paths_and_arrays_as_values() {
    let value = serde_json::json!({
        "title_s": ["Les SCIC en Bretagne"],
        "docid": "1000001",
        "authFullName_s": ["Marie Dupont", "Anne Le Goff"],
        "metas": {"default": {"modified": "2024-03-01T10:00:00+00:00"}},
        "count": 3,
        "links": [{"rel": "next", "href": "a"}, {"rel": "self", "href": "b"}],
        "empty": null
    });
    let row = JsonRow(&value);
    assert_eq!(row.values("title_s"), ["Les SCIC en Bretagne"]);
    assert_eq!(row.values("authFullName_s").len(), 2);
    assert_eq!(
        row.values("metas.default.modified"),
        ["2024-03-01T10:00:00+00:00"]
    );
    assert_eq!(row.values("count"), ["3"]);
    assert_eq!(row.values("links.href"), ["a", "b"]);
    assert!(row.values("empty").is_empty());
    assert!(row.values("metas.nothing").is_empty());
    assert_eq!(json_path(&value, "").len(), 1);
}
