//! Unit tests of identifier canonicalisation: NNT, DOI, HAL, handle, ARK, URN, ISBN, URLs.

use super::*;

fn id(text: &str) -> Identifier {
    Identifier::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn is(kind: IdKind, value: &str) -> Identifier {
    Identifier::new(kind, value)
}

#[test]
fn nnt_in_every_spelling() {
    let expected = is(IdKind::Nnt, "2018MONTT090");
    assert_eq!(id("NNT: 2018MONTT090"), expected);
    assert_eq!(id("NNT : 2018MONTT090"), expected);
    assert_eq!(id("⟨NNT : 2018MONTT090⟩"), expected);
    assert_eq!(id("&#x27E8;NNT : 2018MONTT090&#x27E9;"), expected);
    assert_eq!(id("nnt:2018montt090"), expected);
    assert_eq!(id("https://theses.fr/2018MONTT090"), expected);
    assert_eq!(id("http://www.theses.fr/2018MONTT090/document"), expected);
    assert_eq!(
        id("https://theses.fr/api/v1/document/2018MONTT090"),
        expected
    );
    // TEF gives it bare.
    assert_eq!(id("2004PA066509"), is(IdKind::Nnt, "2004PA066509"));
    assert!(matches!(
        Identifier::parse("NNT: 12345"),
        Err(IdentifierError::InvalidNnt(_))
    ));
    assert_eq!(
        find_nnt_in_text("Cancer. Université Montpellier, 2018. Français. ⟨NNT : 2018MONTT090⟩"),
        Some(expected)
    );
}

#[test]
fn doi_lowercase_without_resolver() {
    let expected = is(IdKind::Doi, "10.1051/0004-6361:20021611");
    assert_eq!(id("10.1051/0004-6361:20021611"), expected);
    assert_eq!(id("doi:10.1051/0004-6361:20021611"), expected);
    assert_eq!(id("DOI: 10.1051/0004-6361:20021611"), expected);
    assert_eq!(id("https://doi.org/10.1051/0004-6361:20021611"), expected);
    assert_eq!(
        id("http://dx.doi.org/10.1051/0004-6361%3A20021611"),
        expected
    );
    assert_eq!(id("info:doi/10.1051/0004-6361:20021611"), expected);
    assert_eq!(
        id("info:eu-repo/semantics/altIdentifier/doi/10.3917/RECMA.350.0012"),
        is(IdKind::Doi, "10.3917/recma.350.0012")
    );
}

#[test]
fn hal_ids_lose_their_version_and_url() {
    let expected = is(IdKind::Hal, "tel-02955615");
    assert_eq!(id("tel-02955615"), expected);
    assert_eq!(id("oai:HAL:tel-02955615v1"), expected);
    assert_eq!(id("https://theses.hal.science/tel-02955615"), expected);
    assert_eq!(
        id("https://tel.archives-ouvertes.fr/tel-02955615/document"),
        expected
    );
    assert_eq!(
        id("https://tel.archives-ouvertes.fr/tel-02955615/file/2018_LANOTTE_archivage.pdf"),
        expected
    );
    assert_eq!(id("halshs-00123456v3"), is(IdKind::Hal, "halshs-00123456"));
    assert_eq!(
        id("https://dumas.ccsd.cnrs.fr/dumas-09000239"),
        is(IdKind::Hal, "dumas-09000239")
    );
    assert_eq!(
        find_hal_in_text("Law. 2025. ⟨hal-01234567⟩"),
        Some(is(IdKind::Hal, "hal-01234567"))
    );
    // Eight digits are required: a year range is not a HAL id.
    assert_eq!(id("ess-2019").kind, IdKind::Other);
}

#[test]
fn handles_from_resolvers_and_dspace_pages() {
    let expected = is(IdKind::Handle, "1866/30688");
    assert_eq!(id("http://hdl.handle.net/1866/30688"), expected);
    assert_eq!(id("https://hdl.handle.net/1866/30688/"), expected);
    assert_eq!(id("hdl:1866/30688"), expected);
    assert_eq!(
        id("https://papyrus.bib.umontreal.ca/xmlui/handle/1866/30688"),
        expected
    );
    assert_eq!(
        id("http://hdl.handle.net/20.500.99999/10209"),
        is(IdKind::Handle, "20.500.99999/10209")
    );
}

#[test]
fn isbn_checked_and_converted_to_13_digits() {
    assert_eq!(
        id("ISBN 978-2-7071-5459-0"),
        is(IdKind::Isbn, "9782707154590")
    );
    assert_eq!(id("isbn:2-7071-5459-8"), is(IdKind::Isbn, "9782707154590"));
    assert_eq!(
        id("urn:isbn:0-306-40615-2"),
        is(IdKind::Isbn, "9780306406157")
    );
    assert_eq!(id("978-0-306-40615-7"), is(IdKind::Isbn, "9780306406157"));
    assert_eq!(id("ISBN 0-8044-2957-X"), is(IdKind::Isbn, "9780804429573"));
    assert_eq!(
        Identifier::parse("ISBN 978-2-7071-5459-9"),
        Err(IdentifierError::InvalidIsbn("978-2-7071-5459-9".into()))
    );
    assert!(Identifier::parse("9780306406158").is_err());
}

#[test]
fn urn_ark_and_urls() {
    assert_eq!(
        id("URN:NBN:DE:101:1-2019061201"),
        is(IdKind::Urn, "urn:nbn:de:101:1-2019061201")
    );
    assert_eq!(
        id("https://nbn-resolving.org/urn:nbn:de:101:1-2019061201"),
        is(IdKind::Urn, "urn:nbn:de:101:1-2019061201")
    );
    assert_eq!(
        id("https://gallica.bnf.fr/ark:/12148/bpt6k5619759j"),
        is(IdKind::Ark, "ark:/12148/bpt6k5619759j")
    );
    assert_eq!(
        id("ark:12148/bpt6k5619759j"),
        is(IdKind::Ark, "ark:/12148/bpt6k5619759j")
    );
    assert_eq!(
        id("HTTPS://Depot.Example.CA/bitstreams/c2e8/download/#page=2"),
        is(
            IdKind::Url,
            "https://depot.example.ca/bitstreams/c2e8/download"
        )
    );
    assert_eq!(
        id("www.recma.org/"),
        is(IdKind::Url, "http://www.recma.org")
    );
    assert_eq!(
        id("https://example.org/search?q=ess"),
        is(IdKind::Url, "https://example.org/search?q=ess")
    );
}

#[test]
fn citations_and_empty_strings_are_not_identifiers() {
    assert!(matches!(
        Identifier::parse("Dupont M. (2019), Les SCOP en France, Paris, L'Harmattan."),
        Err(IdentifierError::Unrecognised(_))
    ));
    assert!(Identifier::parse("  ").is_err());
    assert!(matches!(
        Identifier::parse("oai:zenodo.org:8434414"),
        Err(IdentifierError::Unrecognised(_))
    ));
    assert_eq!(id("089024729"), is(IdKind::Other, "089024729"));
}
