//! `/search?q=…`: the results of a search with the REST API's filters, sort and paging (the
//! same parameters, read by `api::params`), facets as links, the active filters with a link
//! that removes each, highlighted matches, and export links for the whole result set.

use std::cell::RefCell;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::highlight::{Part, excerpt, highlight, query_terms};
use super::texts::{language_name, texts};
use super::{
    Chrome, Link, Visit, error_page, html, region_label, theme_label, thousands, type_label,
    unavailable,
};
use crate::api::AppState;
use crate::api::params;
use crate::export::summary;
use crate::index::{Facet, Facets, SearchError, Sort, WordStems};
use crate::vocab::Lang;
use crate::works::Work;

/// Characters of an abstract shown in a result.
const EXCERPT: usize = 360;
/// Values of a facet listed beside the results.
const FACET_VALUES: usize = 10;
/// The facets and the total are counted over every match when there are at most this many,
/// else estimated from this many taken across all of them (`SearchQuery::facets_sample`), so
/// that a search matching a million works costs about what one matching five thousand does:
/// counting six facets over every match cost 2–5× the query itself (BENCHMARKS.md, issue 15).
pub const FACETS_SAMPLE: usize = 5_000;

/// Why a search page could not be read.
enum Failure {
    Search(SearchError),
    Store(crate::store::StoreError),
}

/// A work in a list of results.
pub struct ResultItem {
    pub href: String,
    pub title: Vec<Part>,
    pub authors: String,
    pub kind: String,
    pub year: String,
    pub institution: String,
    pub snippet: Vec<Part>,
}

thread_local! {
    /// The stems of the words highlighted on this thread, remembered from page to page (the
    /// analyser's memo, bounded): stemming every word of twenty titles and abstracts afresh
    /// was a sixth of a search page's CPU (BENCHMARKS.md, issue 15).
    static STEMS: RefCell<WordStems> = RefCell::new(WordStems::default());
}

/// The works of `works` as a list shows them, matches of `query` marked.
pub fn result_items(visit: &Visit, works: &[Work], query: Option<&str>) -> Vec<ResultItem> {
    STEMS.with(|stems| marked_items(visit, works, query, &mut stems.borrow_mut()))
}

fn marked_items(
    visit: &Visit,
    works: &[Work],
    query: Option<&str>,
    stems: &mut WordStems,
) -> Vec<ResultItem> {
    let terms = query
        .map(|query| query_terms(query, stems))
        .unwrap_or_default();
    works
        .iter()
        .filter(|work| work.is_live())
        .map(|work| {
            let flat = summary(work);
            let title = flat.title.unwrap_or_else(|| work.id.clone());
            ResultItem {
                href: visit.href(&format!("/works/{}", work.id)),
                title: highlight(&title, &terms, stems),
                authors: flat.authors.join(", "),
                kind: type_label(&flat.r#type, visit.lang),
                year: flat.year.map(|y| y.to_string()).unwrap_or_default(),
                institution: flat.institution.unwrap_or_default(),
                snippet: flat
                    .abstract_text
                    .map(|text| highlight(&excerpt(&text, EXCERPT), &terms, stems))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// A facet beside the results.
pub struct FacetBox {
    pub title: &'static str,
    pub links: Vec<Link>,
    /// The counts are estimates (shown after "≈", to two significant digits).
    pub approximate: bool,
}

/// A filter in force, with the link that lifts it.
pub struct ActiveFilter {
    pub label: String,
    pub remove_href: String,
}

/// A choice of the sort menu.
pub struct SortChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    total: u64,
    /// False when `total` is an estimate (shown as "about").
    total_exact: bool,
    total_label: &'static str,
    /// Says that the facets' counts are estimates, and from how many results.
    facets_note: Option<String>,
    items: Vec<ResultItem>,
    facets: Vec<FacetBox>,
    active: Vec<ActiveFilter>,
    sorts: Vec<SortChoice>,
    /// Hidden fields of the sort form: every parameter but `sort` and `cursor`.
    hidden: Vec<(String, String)>,
    next_href: Option<String>,
    first_href: Option<String>,
    exports: Vec<(&'static str, String)>,
    /// The Atom feed of this search (its newest works).
    atom_href: String,
}

/// Query pairs, in order.
type Pairs = [(String, String)];
/// A facet's counts: (value, works).
type Counts = [(String, u64)];

/// The facets beside the results, in the order they show.
const FACET_KEYS: [&str; 6] = ["type", "year", "theme", "region", "institution", "language"];

/// `GET /search`.
pub async fn search(State(state): State<AppState>, visit: Visit) -> Response {
    let t = texts(visit.lang);
    let query = encode(visit.query.iter().filter(|(key, _)| key != "limit"));
    let parsed = match params::parse(&query, false) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return error_page(
                &visit,
                StatusCode::BAD_REQUEST,
                t.bad_request_title,
                problem.detail,
            );
        }
    };
    let search = parsed.search;
    let (index, store) = (state.index.clone(), state.store.clone());
    // The page shows every facet.
    let mut asked = search.clone();
    asked.facets = Facet::ALL.to_vec();
    asked.facets_sample = Some(FACETS_SAMPLE);
    // One search per core at a time, as the REST API's (`api/search.rs`).
    let Ok(_turn) = state.renders.clone().acquire_owned().await else {
        return unavailable(&visit);
    };
    let found = tokio::task::spawn_blocking(move || {
        let page = index.search(&asked).map_err(Failure::Search)?;
        let works = store
            .works::<Work>(page.items.iter().map(|hit| &hit.id))
            .map_err(Failure::Store)?;
        Ok::<_, Failure>((page, works.into_iter().flatten().collect::<Vec<_>>()))
    })
    .await;
    let (page, works) = match found {
        Ok(Ok(found)) => found,
        Ok(Err(Failure::Search(
            SearchError::BadQuery { message } | SearchError::BadCursor { message },
        ))) => {
            return error_page(
                &visit,
                StatusCode::BAD_REQUEST,
                t.bad_request_title,
                message,
            );
        }
        Ok(Err(Failure::Search(error))) => {
            tracing::error!(%error, "search page");
            return unavailable(&visit);
        }
        Ok(Err(Failure::Store(error))) => {
            tracing::error!(%error, "search page");
            return unavailable(&visit);
        }
        Err(_) => return unavailable(&visit),
    };
    let q = search.q.clone().unwrap_or_default();
    let title = if q.is_empty() {
        t.all_works.to_owned()
    } else {
        format!("{q} — {}", t.nav_search)
    };
    let kept: Vec<(String, String)> = visit
        .query
        .iter()
        .filter(|(key, _)| !["cursor", "limit", "facets", "total"].contains(&key.as_str()))
        .cloned()
        .collect();
    let page_href = |pairs: &[(String, String)]| {
        let query = encode(pairs.iter());
        visit.href(&if query.is_empty() {
            "/search".to_owned()
        } else {
            format!("/search?{query}")
        })
    };
    let next_href = page.next_cursor.as_ref().map(|cursor| {
        let mut pairs = kept.clone();
        pairs.push(("cursor".to_owned(), cursor.clone()));
        page_href(&pairs)
    });
    let first_href = search.cursor.as_ref().map(|_| page_href(&kept));
    let active = kept
        .iter()
        .enumerate()
        .filter(|(_, (key, _))| key != "q" && key != "sort")
        .map(|(at, (key, value))| {
            let rest: Vec<_> = kept
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != at)
                .map(|(_, pair)| pair.clone())
                .collect();
            ActiveFilter {
                label: filter_label(key, value, visit.lang),
                remove_href: page_href(&rest),
            }
        })
        .collect();
    let facets = facet_boxes(
        &page.facets,
        page.facets_exact,
        &kept,
        visit.lang,
        &page_href,
    );
    let sorts = [
        ("relevance", t.sort_relevance, Sort::Relevance),
        ("date_desc", t.sort_date_desc, Sort::DateDesc),
        ("date_asc", t.sort_date_asc, Sort::DateAsc),
    ]
    .into_iter()
    .map(|(value, label, sort)| SortChoice {
        value,
        label,
        selected: sort == search.sort,
    })
    .collect();
    let hidden = kept
        .iter()
        .filter(|(key, _)| key != "sort")
        .cloned()
        .collect();
    let export_query = encode(kept.iter());
    let exports = [("CSV", "csv"), ("RIS", "ris"), ("BibTeX", "bibtex")]
        .into_iter()
        .map(|(label, format)| {
            let separator = if export_query.is_empty() { "" } else { "&" };
            (
                label,
                format!("/api/v1/works/export?format={format}{separator}{export_query}"),
            )
        })
        .collect();
    let atom_href = if export_query.is_empty() {
        "/search/feed.atom".to_owned()
    } else {
        format!("/search/feed.atom?{export_query}")
    };
    let page = SearchPage {
        atom_href,
        chrome: visit.chrome(title, "search"),
        items: result_items(&visit, &works, search.q.as_deref()),
        q,
        total: page.total,
        total_exact: page.total_exact,
        facets_note: (!page.facets_exact).then(|| {
            t.facets_sampled
                .replace("{n}", &thousands(FACETS_SAMPLE as u64, visit.lang))
        }),
        total_label: if page.total == 1 {
            t.result_one
        } else {
            t.results
        },
        facets,
        active,
        sorts,
        hidden,
        next_href,
        first_href,
        exports,
    };
    html(StatusCode::OK, visit.lang, page.render())
}

/// The facet boxes: each value a link to the current search with that filter set (a year sets
/// `year_from` and `year_to`).
fn facet_boxes(
    facets: &Facets,
    exact: bool,
    kept: &[(String, String)],
    lang: Lang,
    page_href: &dyn Fn(&Pairs) -> String,
) -> Vec<FacetBox> {
    let t = texts(lang);
    let lists: [(&str, &'static str, &Counts); 6] = [
        (FACET_KEYS[0], t.by_type, &facets.r#type),
        (FACET_KEYS[1], t.by_year, &facets.year),
        (FACET_KEYS[2], t.by_theme, &facets.theme),
        (FACET_KEYS[3], t.by_region, &facets.region),
        (FACET_KEYS[4], t.by_institution, &facets.institution),
        (FACET_KEYS[5], t.by_language, &facets.language),
    ];
    lists
        .into_iter()
        .filter(|(_, _, counts)| !counts.is_empty())
        .map(|(key, title, counts)| {
            let counts: Vec<&(String, u64)> = if key == "year" {
                // The most recent years: the list is in order, oldest first.
                counts.iter().rev().take(FACET_VALUES).collect()
            } else {
                counts.iter().take(FACET_VALUES).collect()
            };
            let links = counts
                .into_iter()
                .map(|(value, count)| {
                    let params: Vec<(String, String)> = if key == "year" {
                        vec![
                            ("year_from".to_owned(), value.clone()),
                            ("year_to".to_owned(), value.clone()),
                        ]
                    } else {
                        vec![(key.to_owned(), value.clone())]
                    };
                    let mut pairs: Vec<(String, String)> = kept
                        .iter()
                        .filter(|(k, _)| !params.iter().any(|(p, _)| p == k))
                        .cloned()
                        .collect();
                    pairs.extend(params);
                    Link {
                        label: value_label(key, value, lang),
                        count: if exact { *count } else { two_digits(*count) },
                        href: page_href(&pairs),
                    }
                })
                .collect();
            FacetBox {
                title,
                links,
                approximate: !exact,
            }
        })
        .collect()
}

/// A facet value as people read it.
fn value_label(key: &str, value: &str, lang: Lang) -> String {
    match key {
        "type" => type_label(value, lang),
        "theme" => theme_label(value, lang),
        "region" => region_label(value),
        "language" => language_name(value, lang),
        _ => value.to_owned(),
    }
}

/// An active filter as people read it: "Type : Thèse de doctorat".
fn filter_label(key: &str, value: &str, lang: Lang) -> String {
    let t = texts(lang);
    let name = match key {
        "type" => t.kind,
        "year_from" => t.year_from,
        "year_to" => t.year_to,
        "theme" => t.themes,
        "region" => t.regions,
        "institution" => t.institution,
        "language" => t.language,
        "source" => t.sources,
        "access" => t.access,
        other => return format!("{other}: {value}"),
    };
    let value = match key {
        "access" => match value {
            "open" => t.access_open.to_owned(),
            "embargoed" => t.access_embargoed.to_owned(),
            "restricted" => t.access_restricted.to_owned(),
            _ => t.access_unknown.to_owned(),
        },
        _ => value_label(key, value, lang),
    };
    let colon = if lang == Lang::Fr { " :" } else { ":" };
    format!("{name}{colon} {value}")
}

/// An estimate to two significant digits (12,345 → 12,000): the digits beyond are noise.
fn two_digits(count: u64) -> u64 {
    let mut unit = 1;
    while count / unit >= 100 {
        unit *= 10;
    }
    (count + unit / 2) / unit * unit
}

/// Pairs as a query string.
pub fn encode<'a>(pairs: impl Iterator<Item = &'a (String, String)>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

#[cfg(test)]
mod tests {
    use super::two_digits;

    #[test]
    fn estimates_keep_two_significant_digits() {
        for (count, shown) in [
            (0, 0),
            (7, 7),
            (99, 99),
            (987, 990),
            (12_345, 12_000),
            (12_500, 13_000),
            (1_049_999, 1_000_000),
        ] {
            assert_eq!(two_digits(count), shown, "{count}");
        }
    }
}
