//! Hostile input through the real harvester (issue 18): records too deep or too large are kept
//! aside with their reason, and never cost the good records of their page or the harvest.

use crate::common::{Workspace, identifiers, str_field};

fn dc_record(identifier: &str, body: &str) -> String {
    format!(
        r#"<record><header><identifier>{identifier}</identifier><datestamp>2026-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</oai_dc:dc></metadata></record>"#
    )
}

fn good(n: u32) -> String {
    dc_record(
        &format!("oai:hostile:{n}"),
        &format!("<dc:title>Les coopératives d'activité et d'emploi, cas {n}</dc:title>"),
    )
}

#[test]
fn deep_and_huge_records_are_rejected_and_their_neighbours_stored() {
    let workspace = Workspace::new();
    let dumps = workspace.sources().join("dumps/hostile");
    std::fs::create_dir_all(&dumps).unwrap();
    let deep = dc_record(
        "oai:hostile:deep",
        &format!(
            "<dc:title>Deep</dc:title>{}{}",
            "<x>".repeat(100_000),
            "</x>".repeat(100_000)
        ),
    );
    let huge = dc_record(
        "oai:hostile:huge",
        &format!("<dc:title>{}</dc:title>", "Long ".repeat(10_000_000)),
    );
    let page = format!(
        r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate><ListRecords>{}{deep}{}{huge}{}</ListRecords></OAI-PMH>"#,
        good(1),
        good(2),
        good(3)
    );
    std::fs::write(dumps.join("page-0001.xml"), page).unwrap();
    workspace.write_source(
        "hostile",
        r#"name = "Hostile dump"
kind = "oai-pmh-dump"
base_url = "https://hostile.example.org/oai"
metadata_prefix = "oai_dc"
path = "dumps/hostile"
"#,
    );
    workspace.harvest("hostile").success();
    let stored = identifiers(&workspace.records("hostile"));
    let expected: Vec<String> = (1..=3).map(|n| format!("oai:hostile:{n}")).collect();
    assert_eq!(stored.into_iter().collect::<Vec<_>>(), expected);
    let rejects = workspace.rejects("hostile");
    let reason = |id: &str| {
        rejects
            .iter()
            .find(|r| str_field(r, "identifier") == id)
            .map(|r| str_field(r, "reason").to_owned())
            .unwrap_or_else(|| panic!("{id} is not among the rejects: {rejects:?}"))
    };
    assert!(reason("oai:hostile:deep").contains("deeper"));
    assert!(reason("oai:hostile:huge").contains("more than the"));
    // The 50 MB record is not stored whole, even aside.
    let huge_raw = rejects
        .iter()
        .find(|r| str_field(r, "identifier") == "oai:hostile:huge")
        .map(|r| str_field(r, "raw").len())
        .unwrap_or_default();
    assert!(huge_raw <= 1 << 20, "{huge_raw} bytes kept");
    assert_eq!(workspace.works().len(), 3);
}
