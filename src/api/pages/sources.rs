//! `/sources` (every repository essor harvests, with its counts and last harvest),
//! `/sources/{id}` (one repository's health record: configuration, counts, recent harvests,
//! registration) and `/themes` (the ESS thesaurus to browse, with the works of each theme).
//! Sources are read through the REST API's view (`SourceInfo`), so the page and
//! `/api/v1/sources` always agree.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::texts::texts;
use super::{Chrome, Link, Visit, html, not_found, region_label, thesaurus, unavailable};
use crate::api::AppState;
use crate::api::rest;
use crate::api::views::{RunRecordView, SourceInfo};
use crate::index::{Facet, SearchQuery};
use crate::vocab::Lang;

/// Harvests listed on a source's page.
const RECENT_RUNS: usize = 10;

/// A serde enum's published name (`complete`, `open-archive`…).
fn name_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A source in the list.
pub struct SourceLine {
    pub href: String,
    pub name: String,
    pub institution: String,
    pub region: String,
    pub records: u64,
    pub last_harvest: String,
    pub status: String,
}

/// A harvest in a source's history.
pub struct RunLine {
    pub started_at: String,
    pub finished_at: String,
    pub status: String,
    pub new: u64,
    pub updated: u64,
    pub deleted: u64,
    pub rejected: u64,
    pub error: String,
}

impl From<&RunRecordView> for RunLine {
    fn from(run: &RunRecordView) -> RunLine {
        RunLine {
            started_at: run.started_at.clone(),
            finished_at: run.finished_at.clone().unwrap_or_default(),
            status: name_of(&run.status),
            new: run.counters.new,
            updated: run.counters.updated,
            deleted: run.counters.deleted,
            rejected: run.counters.rejected,
            error: run.error.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/sources.html")]
struct SourcesPage {
    chrome: Chrome,
    sources: Vec<SourceLine>,
}

#[derive(Template)]
#[template(path = "pages/source.html")]
struct SourcePage {
    chrome: Chrome,
    /// (label, value) rows of the record.
    rows: Vec<(&'static str, String)>,
    base_url: String,
    homepage: String,
    records: u64,
    deleted_records: u64,
    rejected_records: u64,
    runs: Vec<RunLine>,
    works_href: String,
    json_href: String,
}

/// Every source as `/api/v1/sources` lists it: the configured ones, then the registered ones.
async fn all_sources(state: &AppState) -> Option<Vec<SourceInfo>> {
    let registered = rest::registered_sources(state, None).await.ok()?;
    let stats = rest::store_stats(state).await.ok()?;
    Some(
        state
            .sources
            .iter()
            .map(|s| SourceInfo::new(s, &stats))
            .chain(registered)
            .collect(),
    )
}

/// `GET /sources`.
pub async fn sources(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(infos) = all_sources(&state).await else {
        return unavailable(&visit);
    };
    let lines = infos
        .into_iter()
        .map(|info| SourceLine {
            href: visit.href(&format!("/sources/{}", info.id)),
            institution: info.institution.clone().unwrap_or_default(),
            region: info.region.as_deref().map(region_label).unwrap_or_default(),
            records: info.counts.records,
            last_harvest: info
                .last_harvest
                .as_ref()
                .map(|run| run.started_at.clone())
                .unwrap_or_default(),
            status: info
                .last_harvest
                .as_ref()
                .map(|run| name_of(&run.status))
                .unwrap_or_default(),
            name: info.name,
        })
        .collect();
    let page = SourcesPage {
        chrome: visit.chrome(texts(visit.lang).sources_title, "sources"),
        sources: lines,
    };
    html(StatusCode::OK, visit.lang, page.render())
}

/// `GET /sources/{id}`.
pub async fn source(
    State(state): State<AppState>,
    visit: Visit,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let unknown = |id: &str| match visit.lang {
        Lang::Fr => format!("Il n'y a pas de source « {id} »."),
        Lang::En => format!("There is no source `{id}`."),
    };
    let Ok(Path(id)) = id else {
        return not_found(&visit, unknown(""));
    };
    let info = match state.sources.iter().find(|s| s.id.as_str() == id) {
        Some(source) => match rest::store_stats(&state).await {
            Ok(stats) => SourceInfo::new(source, &stats),
            Err(_) => return unavailable(&visit),
        },
        None => match rest::registered_sources(&state, Some(id.clone())).await {
            Ok(mut registered) => match registered.pop() {
                Some(info) => info,
                None => return not_found(&visit, unknown(&id)),
            },
            Err(_) => return unavailable(&visit),
        },
    };
    let store = state.store.clone();
    let asked = id.clone();
    let Ok(Ok(runs)) = tokio::task::spawn_blocking(move || store.runs(Some(&asked))).await else {
        return unavailable(&visit);
    };
    let t = texts(visit.lang);
    let mut rows = vec![
        (t.identifier, info.id.clone()),
        (t.role, name_of(&info.role)),
        (t.metadata_format, info.metadata_prefix.clone()),
    ];
    if !info.sets.is_empty() {
        rows.push((t.sets, info.sets.join(", ")));
    }
    if let Some(institution) = &info.institution {
        rows.push((t.institution, institution.clone()));
    }
    if let Some(region) = &info.region {
        rows.push((t.regions, region_label(region)));
    }
    if let Some(seconds) = info.harvest_every_seconds {
        rows.push((t.harvest_every, format!("{} h", seconds / 3600)));
    }
    rows.push((
        t.enabled,
        if info.enabled { t.yes } else { t.no }.to_owned(),
    ));
    if let Some(registration) = &info.registration {
        rows.push((t.registration, name_of(&registration.status)));
        rows.push((t.registered_at, registration.registered_at.clone()));
        if let Some(ms) = registration.median_response_ms {
            rows.push((t.median_response, format!("{ms} ms")));
        }
        if let Some(error) = &registration.last_error {
            rows.push((t.last_error, error.clone()));
        }
    }
    let page = SourcePage {
        chrome: visit.chrome(info.name.clone(), "sources"),
        rows,
        base_url: info.base_url.clone().unwrap_or_default(),
        homepage: info.homepage.clone().unwrap_or_default(),
        records: info.counts.records,
        deleted_records: info.counts.deleted_records,
        rejected_records: info.counts.rejected_records,
        runs: runs
            .iter()
            .rev()
            .take(RECENT_RUNS)
            .map(|run| RunLine::from(&RunRecordView::from(run)))
            .collect(),
        works_href: visit.href(&format!(
            "/search?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("source", &info.id)
                .finish()
        )),
        json_href: format!("/api/v1/sources/{}", info.id),
    };
    html(StatusCode::OK, visit.lang, page.render())
}

/// A theme of the thesaurus with its works.
pub struct ThemeLine {
    pub link: Link,
    /// Its label in the other language.
    pub other: String,
}

#[derive(Template)]
#[template(path = "pages/themes.html")]
struct ThemesPage {
    chrome: Chrome,
    themes: Vec<ThemeLine>,
}

/// `GET /themes`.
pub async fn themes(State(state): State<AppState>, visit: Visit) -> Response {
    let index = state.index.clone();
    let counted = tokio::task::spawn_blocking(move || {
        index.search(&SearchQuery {
            limit: 0,
            facets: vec![Facet::Theme],
            ..SearchQuery::default()
        })
    })
    .await;
    let Ok(Ok(page)) = counted else {
        return unavailable(&visit);
    };
    let count = |id: &str| {
        page.facets
            .theme
            .iter()
            .find(|(theme, _)| theme == id)
            .map_or(0, |(_, count)| *count)
    };
    let mut themes: Vec<ThemeLine> = thesaurus()
        .map(|thesaurus| thesaurus.themes())
        .unwrap_or_default()
        .iter()
        .map(|theme| {
            let (label, other) = match visit.lang {
                Lang::Fr => (&theme.fr, &theme.en),
                Lang::En => (&theme.en, &theme.fr),
            };
            ThemeLine {
                link: Link {
                    label: label.clone(),
                    count: count(&theme.id),
                    href: visit.href(&format!("/search?theme={}", theme.id)),
                },
                other: other.clone(),
            }
        })
        .collect();
    themes.sort_by(|a, b| {
        b.link
            .count
            .cmp(&a.link.count)
            .then_with(|| a.link.label.cmp(&b.link.label))
    });
    let page = ThemesPage {
        chrome: visit.chrome(texts(visit.lang).themes_title, "themes"),
        themes,
    };
    html(StatusCode::OK, visit.lang, page.render())
}
