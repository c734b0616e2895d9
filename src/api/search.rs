//! `/api/v1/works` (search with facets and cursor paging), `/api/v1/works/export` (every
//! matching work, streamed) and `/api/v1/stats`, over the search index; the works themselves
//! are read from the store (the truth), the index only says which and in what order.

use std::sync::Arc;

use super::params;
use super::problem::Problem;
use super::views::{FacetCounts, Stats, SummaryView, WorksPage};
use super::{AppState, blocking};
use crate::export::{CSV_ROW_PREFIX, ExportFormat, summary};
use crate::index::{self, Facet, SearchError, SearchQuery};
use crate::store::Store;
use crate::works::Work;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Bytes buffered before an export chunk is sent.
const EXPORT_CHUNK: usize = 64 * 1024;

/// Works an export reads per store transaction.
const EXPORT_BATCH: usize = 256;

/// Orders of `/api/v1/works` (documentation of the `sort` parameter).
#[derive(utoipa::ToSchema)]
#[allow(non_camel_case_types, dead_code)]
pub enum SortParam {
    relevance,
    date_asc,
    date_desc,
}

/// Values of the `access` filter.
#[derive(utoipa::ToSchema)]
#[allow(non_camel_case_types, dead_code)]
pub enum AccessParam {
    open,
    embargoed,
    restricted,
    unknown,
}

/// Export formats.
#[derive(utoipa::ToSchema)]
#[allow(non_camel_case_types, dead_code)]
pub enum FormatParam {
    csv,
    jsonl,
    ris,
    bibtex,
}

impl From<SearchError> for Problem {
    fn from(error: SearchError) -> Problem {
        match error {
            SearchError::BadQuery { message } => Problem::invalid_query(message),
            SearchError::BadCursor { message } => Problem::invalid_parameter("cursor", message),
            SearchError::Failed(error) => {
                tracing::error!(%error, "search failed");
                Problem::unavailable("the search index could not be read; retry later")
            }
        }
    }
}

/// Search works: full text (French and English stemming, accents folded; phrases in quotes,
/// fields as `title:`, `author:`, `abstract:`, `keyword:`), filters, facets on request, cursor
/// paging.
#[utoipa::path(
    get,
    path = "/api/v1/works",
    params(
        ("q" = Option<String>, Query, description = "Full-text query over titles, abstracts, keywords, authors and advisors. Words are all required; `\"a phrase\"`, `title:coopératives`, `author:dupont`, `OR`, `-word`. A query this syntax cannot read is searched as its plain words. Absent: every work.", max_length = 1000),
        ("type" = Option<String>, Query, description = "Degree types, comma-separated: doctoral-thesis, masters-dissertation, hdr, report-study, training-programme, other", pattern = r"^(doctoral-thesis|masters-dissertation|hdr|report-study|training-programme|other)(,(doctoral-thesis|masters-dissertation|hdr|report-study|training-programme|other))*$"),
        ("year_from" = Option<i32>, Query, description = "First year (inclusive), e.g. 2015", minimum = 1000, maximum = 9999),
        ("year_to" = Option<i32>, Query, description = "Last year (inclusive)", minimum = 1000, maximum = 9999),
        ("institution" = Option<String>, Query, description = "Institution, exactly as the `institution` facet spells it"),
        ("region" = Option<String>, Query, description = "ISO 3166-2 region, e.g. FR-OCC"),
        ("language" = Option<String>, Query, description = "ISO 639-1 language, e.g. fr", pattern = r"^[a-z]{2}$"),
        ("theme" = Option<String>, Query, description = "ESS theme id, e.g. cooperatives (see the `theme` facet)"),
        ("source" = Option<String>, Query, description = "Source id (see /api/v1/sources)"),
        ("access" = Option<AccessParam>, Query, description = "Access to the full text"),
        ("sort" = Option<SortParam>, Query, description = "Order of the results (default: relevance). Cost: by relevance, words without a field are one term each in one combined field, so tantivy skips the blocks of matches that cannot make the page (block-max pruning, for one word and for several) and a broad query costs little more than a narrow one; a phrase is walked by its pairs of words (a pair is much rarer than its words), pruned the same way, and the positions checked only for the works that could make the page; filters are checked on those candidates too, or lead the walk when they are much narrower than the words; `OR`, exclusions and `field:` words score every match (from about 20 ns each); filters (and a year range of at most 16 years) are one set of documents, each filter value's kept per index segment as a bit set and ANDed per search (microseconds; the first search of a value reads its documents once); without `q` every match scores the same and the order is by id: works are taken in id order until the page is full (about the cost of the works read); `date_asc` and `date_desc` take the matches year by year in that order until the page is full (about the cost of the works of the years walked: a year of a million works is ~30,000), or read the date of every match (about 15 ns each) when a segment holds fewer than 4,096 of them; `total` is then counted as for relevance (see `total`)."),
        ("limit" = Option<u32>, Query, description = "Works per page (default 20). Cost: each work on the page is read from the store (about 20 µs each).", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page. Cost: none beyond the first page's; every page of a query costs the same."),
        ("facets" = Option<String>, Query, description = "Facets to count over every matching work, comma-separated: type, year, theme, region, institution, language (default: none, and `facets` in the answer is an empty object). Cost: a pass over every match reading each asked facet's column (about 15 ns per match and facet: ~80 ms for the six over a million matches), which also counts `total` exactly.", pattern = r"^((type|year|theme|region|institution|language)(,(type|year|theme|region|institution|language))*)?$"),
        ("total" = Option<String>, Query, description = "`estimate` (default): without facets, `total` is counted up to 1,000 matches and beyond that estimated from 1,000 matches taken across the whole index (`total_exact` is then false; the estimate is typically within a few percent); one word alone, no `q` and no filter, or no `q` and filters alone (a year range of at most 16 years, or none), is counted exactly at no cost, from the index's document frequencies or the filters' document sets. Cost of `estimate`: at most about 1,000 matches walked (well under a millisecond). `exact`: count every match. Cost of `exact`: a pass over every match (about 5–20 ns each, more for queries over many fields: ~10 ms per million matches).", pattern = r"^(exact|estimate)$"),
    ),
    responses(
        (status = 200, description = "A page of matching works, with facets", body = WorksPage),
        (status = 400, description = "A parameter is wrong: `detail` says which and why", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "works"
)]
pub async fn works(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<WorksPage>, Problem> {
    let params = params::parse(query.as_deref().unwrap_or(""), false)?;
    let (index, store) = (state.index.clone(), state.store.clone());
    // One search per core at a time, the others waiting in order (the semaphore is fair):
    // sharing the cores between all of them made every one slow and the long ones the
    // slowest (BENCHMARKS.md).
    let Ok(_turn) = state.renders.clone().acquire_owned().await else {
        return Err(Problem::unavailable("the server is stopping"));
    };
    let page = blocking(move || {
        let page = index.search(&params.search)?;
        let works = store.works::<Work>(page.items.iter().map(|hit| &hit.id))?;
        let items = works
            .iter()
            .flatten()
            .map(|work| SummaryView::from(summary(work)))
            .collect();
        Ok(WorksPage {
            total: page.total,
            total_exact: page.total_exact,
            items,
            next_cursor: page.next_cursor,
            facets: FacetCounts::asked(&page.facets, &params.search.facets),
        })
    })
    .await?;
    Ok(Json(page))
}

/// Every matching work as a file: CSV (UTF-8, header row, RFC 4180), JSON lines, RIS or
/// BibTeX. Streamed: any size, constant memory.
#[utoipa::path(
    get,
    path = "/api/v1/works/export",
    params(
        ("format" = FormatParam, Query, description = "File format"),
        ("q" = Option<String>, Query, description = "As for /api/v1/works", max_length = 1000),
        ("type" = Option<String>, Query, description = "As for /api/v1/works", pattern = r"^(doctoral-thesis|masters-dissertation|hdr|report-study|training-programme|other)(,(doctoral-thesis|masters-dissertation|hdr|report-study|training-programme|other))*$"),
        ("year_from" = Option<i32>, Query, description = "As for /api/v1/works", minimum = 1000, maximum = 9999),
        ("year_to" = Option<i32>, Query, description = "As for /api/v1/works", minimum = 1000, maximum = 9999),
        ("institution" = Option<String>, Query, description = "As for /api/v1/works"),
        ("region" = Option<String>, Query, description = "As for /api/v1/works"),
        ("language" = Option<String>, Query, description = "As for /api/v1/works", pattern = r"^[a-z]{2}$"),
        ("theme" = Option<String>, Query, description = "As for /api/v1/works"),
        ("source" = Option<String>, Query, description = "As for /api/v1/works"),
        ("access" = Option<AccessParam>, Query, description = "As for /api/v1/works"),
        ("sort" = Option<SortParam>, Query, description = "As for /api/v1/works"),
    ),
    responses(
        (status = 200, description = "The works, as a download", content(
            (String = "text/csv"),
            (String = "application/x-ndjson"),
            (String = "application/x-research-info-systems"),
            (String = "application/x-bibtex"),
        )),
        (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ),
    tag = "works"
)]
pub async fn export(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    match start_export(state, query.as_deref().unwrap_or("")).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn start_export(state: AppState, query: &str) -> Result<Response, Problem> {
    let params = params::parse(query, true)?;
    let format = params
        .format
        .as_deref()
        .and_then(ExportFormat::parse)
        .ok_or_else(|| {
            Problem::invalid_parameter(
                "format",
                format!(
                    "`format` must be csv, jsonl, ris or bibtex, got `{}`",
                    params.format.as_deref().unwrap_or("")
                ),
            )
        })?;
    let search = params.search;
    let index = state.index.clone();
    // Checking the query before answering 200: a bad one gets its problem document.
    let ids = blocking(move || Ok(index.ids(&search)?)).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || write_export(&store, format, ids, &sender));
    // poll_fn over the receiver keeps answering "ended" when polled after the end (the
    // compression layer does so), which `stream::unfold` forbids.
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |context| receiver.poll_recv(context));
    let filename = format!("essor-works.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Formats works in index order and sends them in chunks; stops when the client goes away.
fn write_export(
    store: &Arc<Store>,
    format: ExportFormat,
    ids: index::Ids,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut text = format.header();
    let mut batch = Vec::with_capacity(EXPORT_BATCH);
    let mut ids = ids.peekable();
    while ids.peek().is_some() {
        batch.clear();
        for id in ids.by_ref().take(EXPORT_BATCH) {
            match id {
                Ok(id) => batch.push(id),
                Err(error) => return stop_export(sender, error.to_string()),
            }
        }
        if let Err(error) = write_batch(store, format, &batch, &mut text) {
            return stop_export(sender, error.to_string());
        }
        if text.len() >= EXPORT_CHUNK {
            let chunk = Bytes::from(std::mem::take(&mut text));
            if sender.blocking_send(Ok(chunk)).is_err() {
                return;
            }
        }
    }
    if !text.is_empty() {
        let _ = sender.blocking_send(Ok(Bytes::from(text)));
    }
}

/// Appends the works of `ids` that are live. CSV rows are copied from those the works stage
/// stored with each work (one read transaction per batch, no work decoded); a work without one
/// (a store not yet filled) is read and formatted.
fn write_batch(
    store: &Store,
    format: ExportFormat,
    ids: &[String],
    text: &mut String,
) -> Result<(), crate::store::StoreError> {
    let rows = match format {
        ExportFormat::Csv => store.rendered_rows(ids, CSV_ROW_PREFIX)?,
        _ => vec![None; ids.len()],
    };
    for (id, row) in ids.iter().zip(rows) {
        if let Some(row) = row.and_then(|row| String::from_utf8(row).ok()) {
            text.push_str(&row);
        } else if let Some(work) = store.work::<Work>(id)?.filter(Work::is_live) {
            format.write(&work, text);
        }
    }
    Ok(())
}

fn stop_export(sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>, error: String) {
    tracing::error!(%error, "export stopped");
    let _ = sender.blocking_send(Err(std::io::Error::other(error)));
}

/// Totals and counts by year, type, theme and region.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    responses(
        (status = 200, description = "Totals and distributions", body = Stats),
        (status = 429, description = "Rate limited: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `ETag` sent in `If-None-Match` is current"),
    ),
    tag = "stats"
)]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, Problem> {
    let (index, store) = (state.index.clone(), state.store.clone());
    let stats = blocking(move || {
        let facets = index
            .search(&SearchQuery {
                limit: 0,
                facets: vec![Facet::Year, Facet::Type, Facet::Theme, Facet::Region],
                ..SearchQuery::default()
            })?
            .facets;
        let stored = store.stats()?;
        Ok(Stats::new(&stored, &facets))
    })
    .await?;
    Ok(Json(stats))
}
