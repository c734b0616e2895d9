//! Non-OAI sources of kind "feed", black-box through the `essor` binary: an observatory's RSS
//! 2.0 feed and an Atom feed (synthetic, in the shapes the fixtures' notes describe: no real ESS
//! feed was collected) served from 127.0.0.1 with an ETag. An unchanged feed is one 304; a new
//! item is added; an item that falls out of the feed is not deleted.

use serde_json::Value;

use crate::common::{Peer, Workspace};

fn rss(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, date)| {
            format!(
                "<item><title>{title}</title><link>https://cress.example/publications/{guid}</link><guid isPermaLink=\"false\">{guid}</guid><pubDate>{date}</pubDate><dc:creator>Observatoire régional de l'ESS</dc:creator><category>emploi</category><description><![CDATA[<p>Les chiffres de l'<strong>économie sociale et solidaire</strong>.</p>]]></description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>CRESS (test)</title><link>https://cress.example/</link><description>Publications</description>{items}</channel></rss>"
    )
}

fn counters(run: &Value) -> [u64; 5] {
    ["new", "updated", "unchanged", "deleted", "rejected"]
        .map(|key| run[key].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn an_rss_feed_is_read_conditionally_and_keeps_items_that_leave_it() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let first = [
        (
            "pano-2024",
            "Panorama de l'ESS en Bretagne 2024",
            "Tue, 10 Jun 2025 08:30:00 +0200",
        ),
        (
            "note-12",
            "Note de conjoncture n°12 : l'emploi dans l'ESS",
            "Mon, 03 Mar 2025 09:00:00 +0100",
        ),
    ];
    std::fs::write(served.join("rss.xml"), rss(&first)).unwrap();
    let server = Peer::start("file_server.py", &["--dir", served.to_str().unwrap()]);
    workspace.write_source(
        "cress-test",
        &format!(
            "name = \"CRESS (test)\"\nkind = \"feed\"\nurl = \"{}\"\nrecord_type = \"panorama\"\nregion = \"FR-BRE\"\nrole = \"observatory\"\n",
            server.url("/rss.xml")
        ),
    );
    workspace.harvest("cress-test").success();
    assert_eq!(counters(&workspace.last_run("cress-test")), [2, 0, 0, 0, 0]);
    let records = workspace.records("cress-test");
    let panorama = records
        .iter()
        .find(|r| r["identifier"] == "pano-2024")
        .expect("pano-2024");
    assert_eq!(panorama["format"], "rss");
    assert_eq!(panorama["record"]["dates"][0], "2025-06-10");
    assert_eq!(
        panorama["record"]["creators"][0]["name"],
        "Observatoire régional de l'ESS"
    );
    assert_eq!(
        panorama["record"]["identifiers"][0],
        "https://cress.example/publications/pano-2024"
    );
    let works = workspace.works();
    assert_eq!(works.len(), 2, "{works:#?}");
    assert!(works.iter().all(|w| w["type"] == "report-study"));

    // Unchanged: the server answers 304, nothing is read.
    workspace.harvest("cress-test").success();
    let run = workspace.last_run("cress-test");
    assert_eq!(run["status"], "complete");
    assert_eq!(counters(&run), [0, 0, 0, 0, 0], "{run:#}");
    assert_eq!(server.get_json("/_requests")["304:/rss.xml"], 1);

    // A new publication; the oldest leaves the feed but stays a work.
    let second = [
        (
            "etude-2025",
            "Étude : les coopératives d'activité et d'emploi",
            "Wed, 01 Oct 2025 10:00:00 +0200",
        ),
        first[0],
    ];
    std::fs::write(served.join("rss.xml"), rss(&second)).unwrap();
    workspace.harvest("cress-test").success();
    assert_eq!(counters(&workspace.last_run("cress-test")), [1, 0, 1, 0, 0]);
    assert_eq!(workspace.works().len(), 3);
}

#[test]
fn an_atom_feed_needs_no_mapping() {
    let workspace = Workspace::new();
    let served = workspace.dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(
        served.join("atom.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>ESS France (test)</title><id>urn:test:feed</id><updated>2025-06-10T08:30:00Z</updated>
<entry><id>urn:test:atlas-2025</id><title>Atlas commenté de l'économie sociale et solidaire</title><link rel="alternate" href="https://ess.example/atlas"/><author><name>ESS France</name></author><published>2025-06-10T08:30:00Z</published><updated>2025-06-11T08:30:00Z</updated><summary>Les chiffres clés de l'ESS.</summary><category term="atlas"/></entry>
<entry><id>urn:test:empty</id><updated>2025-06-10T08:30:00Z</updated></entry>
</feed>"#,
    )
    .unwrap();
    let server = Peer::start("file_server.py", &["--dir", served.to_str().unwrap()]);
    workspace.write_source(
        "essfrance-test",
        &format!(
            "name = \"ESS France (test)\"\nkind = \"feed\"\nurl = \"{}\"\nrecord_type = \"study\"\n",
            server.url("/atom.xml")
        ),
    );
    workspace.harvest("essfrance-test").success();
    let run = workspace.last_run("essfrance-test");
    assert_eq!(counters(&run), [1, 0, 0, 0, 1], "{run:#}");
    let records = workspace.records("essfrance-test");
    let atlas = &records[0];
    assert_eq!(atlas["identifier"], "urn:test:atlas-2025");
    assert_eq!(atlas["format"], "atom");
    assert_eq!(atlas["datestamp"], "2025-06-11");
    assert_eq!(atlas["record"]["dates"][0], "2025-06-10");
    assert_eq!(
        atlas["record"]["identifiers"][0],
        "https://ess.example/atlas"
    );
    assert_eq!(atlas["record"]["subjects"][0]["value"], "atlas");
    let rejects = workspace.rejects("essfrance-test");
    assert!(rejects[0]["reason"].as_str().unwrap().contains("no title"));
}
