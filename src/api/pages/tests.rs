//! The pages' language negotiation and links.

use axum::http::{HeaderMap, HeaderValue, header};

use super::{Visit, negotiate};
use crate::vocab::Lang;

fn accepting(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT_LANGUAGE,
        HeaderValue::from_str(value).unwrap(),
    );
    headers
}

#[test]
fn accept_language_picks_the_preferred_of_french_and_english() {
    assert_eq!(negotiate(&HeaderMap::new()), Lang::Fr);
    assert_eq!(negotiate(&accepting("en-GB,en;q=0.9")), Lang::En);
    assert_eq!(negotiate(&accepting("de-DE, fr;q=0.5, en;q=0.8")), Lang::En);
    assert_eq!(negotiate(&accepting("fr-CA, en;q=0.9")), Lang::Fr);
    assert_eq!(negotiate(&accepting("de, es")), Lang::Fr);
    assert_eq!(negotiate(&accepting("en;q=0, fr;q=0.1")), Lang::Fr);
}

#[test]
fn the_url_s_choice_wins_and_links_keep_it() {
    let visit = Visit::of(&accepting("fr"), "/search", "q=scop&lang=en", None);
    assert_eq!(visit.lang, Lang::En);
    assert_eq!(visit.query, [("q".to_owned(), "scop".to_owned())]);
    assert_eq!(visit.href("/about"), "/about?lang=en");
    assert_eq!(visit.href("/search?q=a"), "/search?q=a&lang=en");
    let chrome = visit.chrome("t", "search");
    assert_eq!(chrome.switch_href, "/search?q=scop&lang=fr");
    assert_eq!(chrome.canonical, "http://localhost/search?q=scop");

    let negotiated = Visit::of(&accepting("en"), "/", "", None);
    assert_eq!(negotiated.lang, Lang::En);
    assert_eq!(negotiated.href("/about"), "/about");
}

#[test]
fn the_origin_is_the_configured_one_else_the_host() {
    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
    assert_eq!(
        Visit::of(&headers, "/", "", None).origin,
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        Visit::of(&headers, "/", "", Some("https://essor.example.org/oai")).origin,
        "https://essor.example.org"
    );
    headers.insert(header::HOST, HeaderValue::from_static("evil\"><script>"));
    assert_eq!(
        Visit::of(&headers, "/", "", None).origin,
        "http://localhost"
    );
}

#[test]
fn counts_are_written_with_the_languages_thousands_separator() {
    assert_eq!(super::thousands(999, Lang::En), "999");
    assert_eq!(super::thousands(999_157, Lang::En), "999,157");
    assert_eq!(
        super::thousands(1_000_000, Lang::Fr),
        "1\u{202f}000\u{202f}000"
    );
}
