//! `/` (the search box, what the library holds, the latest works, the barometer's latest
//! edition) and `/about` (what essor is, where its feed and API are).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::search::{ResultItem, result_items};
use super::{
    Chrome, Link, Visit, html, region_label, texts::texts, theme_label, type_plural_label,
    unavailable,
};
use crate::api::AppState;
use crate::barometer::EditionStatus;
use crate::index::{Facet, Filters, SearchQuery, Sort};

/// Works the home page lists as the latest (those with an ESS theme: see `Filters::themed`).
const LATEST: usize = 8;
/// Values of each facet the home page lists.
const TOP: usize = 12;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    chrome: Chrome,
    works: u64,
    records: u64,
    sources: u64,
    by_type: Vec<Link>,
    by_theme: Vec<Link>,
    by_region: Vec<Link>,
    latest: Vec<ResultItem>,
    /// The latest published edition of the barometer: (label, href).
    barometer: Option<(String, String)>,
}

/// What the home page reads, on a blocking thread.
struct Holdings {
    stats: crate::store::Stats,
    facets: crate::index::Facets,
    latest: Vec<crate::works::Work>,
    barometer: Option<String>,
}

fn holdings(state: &AppState) -> Result<Holdings, String> {
    let facets = state
        .index
        .search(&SearchQuery {
            limit: 0,
            facets: vec![Facet::Type, Facet::Theme, Facet::Region],
            ..SearchQuery::default()
        })
        .map_err(|e| e.to_string())?
        .facets;
    let page = state
        .index
        .search(&SearchQuery {
            limit: LATEST,
            sort: Sort::DateDesc,
            filters: Filters {
                themed: true,
                ..Filters::default()
            },
            ..SearchQuery::default()
        })
        .map_err(|e| e.to_string())?;
    let latest = state
        .store
        .works::<crate::works::Work>(page.items.iter().map(|hit| &hit.id))
        .map_err(|e| e.to_string())?
        .into_iter()
        .flatten()
        .collect();
    let stats = state.store.stats().map_err(|e| e.to_string())?;
    let barometer = crate::barometer::list(&state.store)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|edition| edition.status == EditionStatus::Published)
        .map(|edition| edition.id.to_string())
        .max();
    Ok(Holdings {
        stats,
        facets,
        latest,
        barometer,
    })
}

/// `GET /`.
pub async fn home(State(state): State<AppState>, visit: Visit) -> Response {
    let read = state.clone();
    let found = tokio::task::spawn_blocking(move || holdings(&read)).await;
    let Ok(Ok(holdings)) = found else {
        if let Ok(Err(error)) = found {
            tracing::error!(%error, "home page");
        }
        return unavailable(&visit);
    };
    let lang = visit.lang;
    let facet = |counts: &[(String, u64)], key: &str, label: &dyn Fn(&str) -> String| {
        counts
            .iter()
            .take(TOP)
            .map(|(value, count)| Link {
                label: label(value),
                count: *count,
                href: visit.href(&format!(
                    "/search?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair(key, value)
                        .finish()
                )),
            })
            .collect::<Vec<_>>()
    };
    let facets = &holdings.facets;
    let t = texts(lang);
    let page = HomePage {
        chrome: visit.chrome(t.site_name, "home"),
        works: holdings.stats.works,
        records: holdings.stats.records,
        sources: holdings.stats.sources,
        by_type: facet(&facets.r#type, "type", &|v| type_plural_label(v, lang)),
        by_theme: facet(&facets.theme, "theme", &|v| theme_label(v, lang)),
        by_region: facet(&facets.region, "region", &region_label),
        latest: result_items(&visit, &holdings.latest, None),
        barometer: holdings
            .barometer
            .map(|id| (id.clone(), visit.href(&format!("/barometer/{id}")))),
    };
    html(StatusCode::OK, lang, page.render())
}

#[derive(Template)]
#[template(path = "pages/about.html")]
struct AboutPage {
    chrome: Chrome,
    oai_url: String,
    docs_url: String,
    openapi_url: String,
}

/// `GET /about`.
pub async fn about(State(state): State<AppState>, visit: Visit) -> Response {
    let t = texts(visit.lang);
    let oai_url = state
        .base_url
        .clone()
        .unwrap_or_else(|| format!("{}/oai", visit.origin));
    let page = AboutPage {
        chrome: visit.chrome(t.about_title, "about"),
        oai_url,
        docs_url: format!("{}/docs/", visit.origin),
        openapi_url: format!("{}/openapi.json", visit.origin),
    };
    html(StatusCode::OK, visit.lang, page.render())
}
