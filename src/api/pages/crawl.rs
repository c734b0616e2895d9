//! What crawlers and feed readers read: `robots.txt`, `sitemap.xml` (a sitemap index) with
//! `/sitemap-pages.xml` (the fixed pages and the sources) and `/sitemap-works-{n}.xml` (the live
//! works whose ids fall in the n-th block of 50,000, streamed: a million works are twenty
//! files, none held in memory whole), and `/search/feed.atom` (the newest works of a search, as
//! an Atom feed).

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::highlight::excerpt;
use super::texts::texts;
use super::{Visit, error_page, not_found, unavailable};
use crate::api::{AppState, params};
use crate::barometer::escape;
use crate::index::Sort;
use crate::works::Work;

/// URLs per sitemap file (the protocol's limit).
pub const SITEMAP_BLOCK: u64 = 50_000;
/// Works read from the store at a time while a sitemap streams.
const READ_BATCH: u64 = 1_000;
/// Entries of an Atom feed.
const FEED_ENTRIES: usize = 50;

const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// `GET /robots.txt`.
pub async fn robots(visit: Visit) -> Response {
    let text = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin/\nDisallow: /search\n\n\
         Sitemap: {}/sitemap.xml\n",
        visit.origin
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The number of sitemap files of works for `works` ids ever given (ids run from w00000001
/// without gaps: merged and deleted works keep theirs).
pub fn work_blocks(works: u64) -> u64 {
    works.div_ceil(SITEMAP_BLOCK)
}

/// The id of the `n`-th work (from 1).
fn work_id(n: u64) -> String {
    format!("w{n:08}")
}

/// `GET /sitemap.xml`: the index of the sitemap files.
pub async fn sitemap_index(State(state): State<AppState>, visit: Visit) -> Response {
    let store = state.store.clone();
    let Ok(Ok((live, deleted))) = tokio::task::spawn_blocking(move || store.work_counts()).await
    else {
        return unavailable(&visit);
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    xml.push_str(&format!(
        "<sitemap><loc>{}/sitemap-pages.xml</loc></sitemap>\n",
        escape(&visit.origin)
    ));
    for block in 0..work_blocks(live + deleted) {
        xml.push_str(&format!(
            "<sitemap><loc>{}/sitemap-works-{block}.xml</loc></sitemap>\n",
            escape(&visit.origin)
        ));
    }
    xml.push_str("</sitemapindex>\n");
    ([(header::CONTENT_TYPE, XML_CONTENT_TYPE)], xml).into_response()
}

fn url_entry(xml: &mut String, location: &str, lastmod: Option<&str>) {
    xml.push_str("<url><loc>");
    xml.push_str(&escape(location));
    xml.push_str("</loc>");
    if let Some(lastmod) = lastmod {
        xml.push_str("<lastmod>");
        xml.push_str(&escape(lastmod));
        xml.push_str("</lastmod>");
    }
    xml.push_str("</url>\n");
}

const URLSET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
    <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

/// `GET /sitemap-pages.xml`: the fixed pages and every source's page.
pub async fn sitemap_pages(State(state): State<AppState>, visit: Visit) -> Response {
    let mut xml = String::from(URLSET_OPEN);
    for path in ["/", "/about", "/sources", "/themes"] {
        url_entry(&mut xml, &format!("{}{path}", visit.origin), None);
    }
    for source in state.sources.iter() {
        url_entry(
            &mut xml,
            &format!("{}/sources/{}", visit.origin, source.id),
            None,
        );
    }
    xml.push_str("</urlset>\n");
    ([(header::CONTENT_TYPE, XML_CONTENT_TYPE)], xml).into_response()
}

/// What a sitemap reads of a work (the rest of its stored JSON is skipped).
#[derive(Deserialize)]
struct WorkHead {
    id: String,
    datestamp: String,
    deleted: bool,
    #[serde(default)]
    merged_into: Option<String>,
}

/// `GET /sitemap-works-{n}.xml`: the live works with ids in block `n`, streamed. (The route
/// is `/{file}`: any other name is the server's 404.)
/// The block number of a works sitemap's file name (`sitemap-works-{n}.xml`).
fn sitemap_block(file: &str) -> Option<u64> {
    file.strip_prefix("sitemap-works-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<u64>().ok())
}

/// Any method but GET on `/{file}`: 405 for a works sitemap's name; any other name is an
/// unknown path, 404 whatever the method (the route matches every one-segment path).
pub async fn other_method(
    state: State<AppState>,
    file: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match file {
        Ok(Path(file)) if sitemap_block(&file).is_some() => {
            crate::api::problem::Problem::method_not_allowed().into_response()
        }
        _ => crate::api::not_found(state, uri, headers).await,
    }
}

pub async fn sitemap_works(
    state: State<AppState>,
    visit: Visit,
    file: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let block = file.ok().and_then(|Path(file)| sitemap_block(&file));
    let Some(block) = block else {
        return crate::api::not_found(state, uri, headers).await;
    };
    let State(state) = state;
    let store = state.store.clone();
    let Ok(Ok((live, deleted))) = tokio::task::spawn_blocking(move || store.work_counts()).await
    else {
        return unavailable(&visit);
    };
    if block >= work_blocks(live + deleted) {
        return not_found(&visit, format!("/sitemap-works-{block}.xml"));
    }
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let store = state.store.clone();
    let origin = visit.origin.clone();
    tokio::task::spawn_blocking(move || {
        let mut xml = String::from(URLSET_OPEN);
        let first = block * SITEMAP_BLOCK + 1;
        let end = first + SITEMAP_BLOCK;
        let mut start = first;
        while start < end {
            let ids: Vec<String> = (start..(start + READ_BATCH).min(end))
                .map(work_id)
                .collect();
            start += READ_BATCH;
            let heads = match store.works::<WorkHead>(&ids) {
                Ok(heads) => heads,
                Err(error) => {
                    tracing::error!(%error, "sitemap stopped");
                    let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
                    return;
                }
            };
            if heads.iter().all(Option::is_none) {
                break;
            }
            for head in heads.into_iter().flatten() {
                if !head.deleted && head.merged_into.is_none() {
                    let location = format!("{origin}/works/{}", head.id);
                    url_entry(&mut xml, &location, Some(&head.datestamp));
                }
            }
            if sender
                .blocking_send(Ok(Bytes::from(std::mem::take(&mut xml))))
                .is_err()
            {
                return;
            }
        }
        xml.push_str("</urlset>\n");
        let _ = sender.blocking_send(Ok(Bytes::from(xml)));
    });
    let stream = futures_util::stream::poll_fn(move |context| receiver.poll_recv(context));
    (
        [(header::CONTENT_TYPE, XML_CONTENT_TYPE)],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `GET /search/feed.atom?q=…`: the newest works of a search (the same parameters as
/// `/search`), as an Atom feed.
pub async fn atom(State(state): State<AppState>, visit: Visit) -> Response {
    let t = texts(visit.lang);
    let query = super::search::encode(
        visit
            .query
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "limit" | "cursor" | "sort")),
    );
    let mut search = match params::parse(&query, false) {
        Ok(parsed) => parsed.search,
        Err(problem) => {
            return error_page(
                &visit,
                StatusCode::BAD_REQUEST,
                t.bad_request_title,
                problem.detail,
            );
        }
    };
    search.sort = Sort::DateDesc;
    search.limit = FEED_ENTRIES;
    let (index, store) = (state.index.clone(), state.store.clone());
    let asked = search.clone();
    let found = tokio::task::spawn_blocking(move || {
        let page = index.search(&asked).map_err(|e| e.to_string())?;
        let works = store
            .works::<Work>(page.items.iter().map(|hit| &hit.id))
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(works.into_iter().flatten().collect::<Vec<Work>>())
    })
    .await;
    let Ok(Ok(works)) = found else {
        return error_page(
            &visit,
            StatusCode::BAD_REQUEST,
            t.bad_request_title,
            search.q.unwrap_or_default(),
        );
    };
    let origin = &visit.origin;
    let self_url = if query.is_empty() {
        format!("{origin}/search/feed.atom")
    } else {
        format!("{origin}/search/feed.atom?{query}")
    };
    let page_url = if query.is_empty() {
        format!("{origin}/search")
    } else {
        format!("{origin}/search?{query}")
    };
    let title = match &search.q {
        Some(q) => format!("essor — {} « {q} »", t.results_for),
        None => format!("essor — {}", t.all_works),
    };
    let updated = works
        .iter()
        .map(|work| work.datestamp.as_str())
        .max()
        .unwrap_or("1970-01-01T00:00:00Z")
        .to_owned();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{}</title>\n\
         <id>{}</id>\n<updated>{}</updated>\n<link rel=\"self\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<generator>essor</generator>\n",
        t.lang,
        escape(&title),
        escape(&self_url),
        escape(&updated),
        escape(&self_url),
        escape(&page_url),
    ));
    for work in works.iter().filter(|work| work.is_live()) {
        let flat = crate::export::summary(work);
        let url = format!("{origin}/works/{}", work.id);
        xml.push_str("<entry>\n");
        xml.push_str(&format!(
            "<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{}</updated>\n",
            escape(flat.title.as_deref().unwrap_or(&work.id)),
            escape(&url),
            escape(&url),
            escape(&work.datestamp),
        ));
        let authors = if flat.authors.is_empty() {
            vec!["essor".to_owned()]
        } else {
            flat.authors.clone()
        };
        for author in authors {
            xml.push_str(&format!(
                "<author><name>{}</name></author>\n",
                escape(&author)
            ));
        }
        if let Some(date) = &flat.date {
            xml.push_str(&format!(
                "<category term=\"{}\" label=\"{}\"/>\n",
                escape(&flat.r#type),
                escape(&format!(
                    "{} {date}",
                    super::type_label(&flat.r#type, visit.lang)
                ))
            ));
        }
        if let Some(text) = &flat.abstract_text {
            xml.push_str(&format!(
                "<summary>{}</summary>\n",
                escape(&excerpt(text, 600))
            ));
        }
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_works_are_twenty_sitemaps_of_fifty_thousand() {
        assert_eq!(work_blocks(0), 0);
        assert_eq!(work_blocks(1), 1);
        assert_eq!(work_blocks(50_000), 1);
        assert_eq!(work_blocks(50_001), 2);
        assert_eq!(work_blocks(1_000_000), 20);
        assert_eq!(work_id(50_001), "w00050001");
    }
}
