//! Source files: defaults, refused keys, messages that name the file and the key.

use super::*;

fn parse(text: &str) -> Result<Source, SourceError> {
    Source::parse(Path::new("/srv/sources/hal-theses.toml"), text)
}

const MINIMAL: &str = "name = \"HAL\"\nkind = \"oai-pmh\"\nbase_url = \"https://api.archives-ouvertes.fr/oai/hal/\"\n";

#[test]
fn minimal_source_gets_defaults() {
    let source = parse(MINIMAL).expect("valid");
    assert_eq!(source.id.as_str(), "hal-theses");
    assert_eq!(source.metadata_prefix, "oai_dc");
    assert_eq!(source.requests_per_second, 1.0);
    assert!(source.enabled);
    assert_eq!(source.max_retries, 5);
}

#[test]
fn unknown_key_is_refused_with_file_and_key() {
    let err = parse(&format!("{MINIMAL}colour = \"blue\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("hal-theses.toml"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn bad_values_name_the_key_and_what_is_expected() {
    let cases = [
        ("requests_per_second = -2.0", "requests_per_second"),
        ("requests_per_second = \"fast\"", "requests_per_second"),
        ("harvest_every = \"daily\"", "harvest_every"),
        ("region = \"Bretagne\"", "region"),
        ("sets = [\"a\", \"a\"]", "sets"),
    ];
    for (line, key) in cases {
        let err = parse(&format!("{MINIMAL}{line}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{line}: {err}");
        assert!(err.contains("hal-theses.toml"), "{line}: {err}");
    }
    let err = parse("name = \"x\"\nkind = \"ftp\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("kind") && err.contains("oai-pmh"), "{err}");
    let err = parse("name = \"x\"\nkind = \"oai-pmh\"\nbase_url = \"ftp://x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("base_url"), "{err}");
}

#[test]
fn dump_paths_are_relative_to_the_source_file() {
    let source = parse("name = \"x\"\nkind = \"oai-pmh-dump\"\npath = \"dumps/x\"\n").unwrap();
    assert_eq!(
        source.endpoint,
        Endpoint::Dump {
            folder: PathBuf::from("/srv/sources/dumps/x"),
            base_url: None
        }
    );
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
    assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
    assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    assert!(parse_duration("h").is_err());
    assert!(parse_duration("10 parsecs").is_err());
}

const CSV: &str = "name = \"RNCP\"\nkind = \"csv\"\nurl = \"https://www.data.gouv.fr/x.zip\"\nid = \"Numero_Fiche\"\nrecord_type = \"training\"\n[fields]\ntitle = \"Intitule\"\n";

#[test]
fn csv_sources_resolve_their_file_and_mapping() {
    let source = parse(CSV).expect("valid");
    let Endpoint::Csv(csv) = &source.endpoint else {
        panic!("{:?}", source.endpoint)
    };
    assert_eq!(csv.id, "Numero_Fiche");
    assert_eq!((csv.delimiter, csv.encoding), (None, None));
    assert_eq!(source.record_type, Some(RecordType::Training));
    assert_eq!(
        source.base_url().map(url::Url::as_str),
        Some("https://www.data.gouv.fr/x.zip")
    );
    assert!(source.fields.get(Field::Title).is_some());
    let local = parse(
        "name = \"x\"\nkind = \"csv\"\npath = \"samples/x.csv\"\nid = \"id\"\ndelimiter = \";\"\nencoding = \"latin-1\"\n[fields]\ntitle = \"t\"\n",
    )
    .expect("valid");
    let Endpoint::Csv(csv) = &local.endpoint else {
        panic!()
    };
    assert_eq!(
        csv.location,
        Location::Path("/srv/sources/samples/x.csv".into())
    );
    assert_eq!(csv.delimiter, Some(b';'));
    assert_eq!(csv.encoding, Some(TextEncoding::Windows1252));
}

#[test]
fn csv_mistakes_name_the_key() {
    let without_fields = CSV.split("[fields]").next().unwrap_or_default().to_owned();
    let cases = [
        (without_fields, "fields"),
        (CSV.replace("id = \"Numero_Fiche\"\n", ""), "id"),
        (CSV.replace("url = ", "path = \"x.csv\"\nurl = "), "url"),
        (
            CSV.replace("kind = \"csv\"", "kind = \"csv\"\nencoding = \"ebcdic\""),
            "encoding",
        ),
        (
            CSV.replace("kind = \"csv\"", "kind = \"csv\"\ndelimiter = \";;\""),
            "delimiter",
        ),
        (CSV.replace("\"training\"", "\"poem\""), "record_type"),
        (
            CSV.replace("title = ", "colour = \"c\"\ntitle = "),
            "colour",
        ),
        (format!("{MINIMAL}id = \"x\"\n"), "id"),
    ];
    for (text, key) in cases {
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(key), "{text}: {err}");
        assert!(err.contains("hal-theses.toml"), "{text}: {err}");
    }
}

#[test]
fn json_and_opendatasoft_keys_are_checked_by_kind() {
    let json = parse(
        "name = \"x\"\nkind = \"json\"\nurl = \"https://api.example.org/search\"\nrecords = \"response.docs\"\nid = \"docid\"\noffset_param = \"start\"\nlimit_param = \"rows\"\npage_size = 50\n[fields]\ntitle = \"title_s\"\n",
    )
    .expect("valid");
    let Endpoint::Json(endpoint) = &json.endpoint else {
        panic!("{:?}", json.endpoint)
    };
    assert_eq!(endpoint.records, "response.docs");
    assert_eq!(
        endpoint.paging,
        Paging::Offset {
            offset_param: "start".into(),
            limit_param: "rows".into(),
            page_size: 50
        }
    );
    let ods = parse(
        "name = \"x\"\nkind = \"opendatasoft\"\nbase_url = \"https://data.example.org/api/explore/v2.1\"\ndataset = \"ess\"\nid = \"siret\"\nwhere = \"annee >= 2020\"\n[fields]\ntitle = \"nom\"\n",
    )
    .expect("valid");
    let Endpoint::OpenDataSoft(endpoint) = &ods.endpoint else {
        panic!("{:?}", ods.endpoint)
    };
    assert_eq!(endpoint.filter.as_deref(), Some("annee >= 2020"));
    for (text, key) in [
        (
            "name = \"x\"\nkind = \"opendatasoft\"\nbase_url = \"https://d.org/api\"\nid = \"a\"\n[fields]\ntitle = \"t\"\n",
            "dataset",
        ),
        (
            "name = \"x\"\nkind = \"json\"\nurl = \"https://d.org/a\"\nid = \"a\"\nnext = \"n\"\noffset_param = \"o\"\n[fields]\ntitle = \"t\"\n",
            "next",
        ),
        (
            "name = \"x\"\nkind = \"json\"\npath = \"a.json\"\nid = \"a\"\nnext = \"n\"\n[fields]\ntitle = \"t\"\n",
            "path",
        ),
        (
            "name = \"x\"\nkind = \"csv\"\npath = \"a.csv\"\nid = \"a\"\nrecords = \"r\"\n[fields]\ntitle = \"t\"\n",
            "records",
        ),
        (
            "name = \"x\"\nkind = \"csv\"\npath = \"a.csv\"\nid = \"a\"\nmetadata_prefix = \"oai_dc\"\n[fields]\ntitle = \"t\"\n",
            "metadata_prefix",
        ),
        (&format!("{MINIMAL}where = \"x\"\n"), "where"),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn feeds_need_a_url_and_no_mapping() {
    let feed = parse("name = \"x\"\nkind = \"feed\"\nurl = \"https://www.ess-france.org/fr/rss.xml\"\nrecord_type = \"note\"\n")
        .expect("valid");
    let Endpoint::Feed(endpoint) = &feed.endpoint else {
        panic!("{:?}", feed.endpoint)
    };
    assert_eq!(endpoint.id, None);
    assert!(feed.fields.rules.is_empty());
    for (text, key) in [
        (
            "name = \"x\"\nkind = \"feed\"\npath = \"rss.xml\"\n",
            "path",
        ),
        ("name = \"x\"\nkind = \"feed\"\n", "url"),
        (
            "name = \"x\"\nkind = \"feed\"\nurl = \"https://a.org/rss\"\ndataset = \"d\"\n",
            "dataset",
        ),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn theses_fr_sources_are_theses_with_a_query_and_bounded_pages() {
    let theses = parse("name = \"x\"\nkind = \"theses-fr\"\nbase_url = \"https://theses.fr/api/v1/theses/recherche/\"\nquery = \"ess\"\n")
        .expect("valid");
    let Endpoint::ThesesFr(endpoint) = &theses.endpoint else {
        panic!("{:?}", theses.endpoint)
    };
    assert_eq!((endpoint.id.as_str(), endpoint.page_size), ("id", 100));
    assert_eq!(theses.record_type, Some(RecordType::Thesis));
    let base = "name = \"x\"\nkind = \"theses-fr\"\nbase_url = \"https://theses.fr/api/\"\n";
    for (text, key, expected) in [
        (base.to_owned(), "query", "required"),
        (
            format!("{base}query = \"q\"\npage_size = 5000\n"),
            "page_size",
            "1,000",
        ),
        (
            format!("{base}query = \"q\"\nfilters = [\"a&b\"]\n"),
            "filters",
            "&",
        ),
        (
            format!("{base}query = \"q\"\ndataset = \"d\"\n"),
            "dataset",
            "\"opendatasoft\"",
        ),
    ] {
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(key) && err.contains(expected), "{text}: {err}");
    }
}
