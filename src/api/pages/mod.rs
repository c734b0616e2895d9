//! The public virtual library: server-rendered HTML pages for people (`/`, `/search`,
//! `/works/{id}`, `/about`…), in French and English, from askama templates compiled into the
//! binary (`templates/pages/`) and one small stylesheet served by the app. No JavaScript: every
//! page reads, and every control works, without it.
//!
//! The language is `?lang=fr|en` when the URL says so (the switch link sets it, and every link
//! of such a page keeps it), else negotiated from `Accept-Language` (French by default).

mod citation;
mod crawl;
mod highlight;
mod home;
mod search;
mod sources;
mod texts;
mod work;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::vocab::Lang;
pub use texts::Texts;
use texts::texts;

/// The stylesheet of every page, compiled in.
const STYLESHEET: &str = include_str!("../../../static/essor.css");

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/about", get(home::about))
        .route("/sources", get(sources::sources))
        .route("/sources/{id}", get(sources::source))
        .route("/themes", get(sources::themes))
        .route("/search", get(search::search))
        .route("/works/{id}", get(work::work))
        .route("/works/{id}/{file}", get(citation::cite))
        .route("/static/essor.css", get(stylesheet))
        .route("/robots.txt", get(crawl::robots))
        .route("/sitemap.xml", get(crawl::sitemap_index))
        .route("/sitemap-pages.xml", get(crawl::sitemap_pages))
        .route("/search/feed.atom", get(crawl::atom))
        .route(
            "/{file}",
            get(crawl::sitemap_works).fallback(crawl::other_method),
        )
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Who asks for a page and how: the language, the site's origin, the path and query asked.
pub struct Visit {
    pub lang: Lang,
    /// The language came from the URL (`?lang=`): links keep it.
    pub explicit: bool,
    /// `http://host` (or the public origin when essor runs behind a proxy).
    pub origin: String,
    pub path: String,
    /// The query's pairs, `lang` left out.
    pub query: Vec<(String, String)>,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Visit, Self::Rejection> {
        Ok(Visit::of(
            &parts.headers,
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            state.base_url.as_deref(),
        ))
    }
}

impl Visit {
    pub fn of(headers: &HeaderMap, path: &str, query: &str, base_url: Option<&str>) -> Visit {
        let mut lang = None;
        let mut pairs = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if key == "lang" {
                lang = lang.or(match value.as_ref() {
                    "fr" => Some(Lang::Fr),
                    "en" => Some(Lang::En),
                    _ => None,
                });
            } else {
                pairs.push((key.into_owned(), value.into_owned()));
            }
        }
        let explicit = lang.is_some();
        let lang = lang.unwrap_or_else(|| negotiate(headers));
        Visit {
            lang,
            explicit,
            origin: origin(headers, base_url),
            path: path.to_owned(),
            query: pairs,
        }
    }

    /// `path` (which may have a query) with this visit's `lang` when the URL chose it.
    pub fn href(&self, path: &str) -> String {
        if !self.explicit {
            return path.to_owned();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}lang={}", texts(self.lang).lang)
    }

    /// This page's path and query (without `lang`), then `lang` if given.
    fn url_with(&self, lang: Option<Lang>) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.query {
            serializer.append_pair(key, value);
        }
        if let Some(lang) = lang {
            serializer.append_pair("lang", texts(lang).lang);
        }
        let query = serializer.finish();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// What every page's layout needs; `title` is the page's own title.
    pub fn chrome(&self, title: impl Into<String>, current: &'static str) -> Chrome {
        let other = match self.lang {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        };
        Chrome {
            t: texts(self.lang),
            lang: self.lang,
            title: title.into(),
            description: texts(self.lang).tagline.to_owned(),
            canonical: format!("{}{}", self.origin, self.url_with(None)),
            alternate_fr: format!("{}{}", self.origin, self.url_with(Some(Lang::Fr))),
            alternate_en: format!("{}{}", self.origin, self.url_with(Some(Lang::En))),
            switch_href: self.url_with(Some(other)),
            current,
            home: self.href("/"),
            search: self.href("/search"),
            about: self.href("/about"),
            sources: self.href("/sources"),
            themes: self.href("/themes"),
            lang_param: if self.explicit {
                texts(self.lang).lang
            } else {
                ""
            },
            og_type: "website",
        }
    }
}

/// The language of `Accept-Language`'s preferred tag among French and English (French when
/// neither is asked for).
fn negotiate(headers: &HeaderMap) -> Lang {
    let Some(accept) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
    else {
        return Lang::Fr;
    };
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "fr" => Lang::Fr,
            "en" => Lang::En,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map_or(Lang::Fr, |(_, lang)| lang)
}

/// The site's origin: the configured OAI base URL's, else the request's `Host`.
fn origin(headers: &HeaderMap, base_url: Option<&str>) -> String {
    if let Some(url) = base_url.and_then(|base| url::Url::parse(base).ok()) {
        return url.origin().ascii_serialization();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| {
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The layout's part of every page (`templates/pages/base.html`).
pub struct Chrome {
    pub t: &'static Texts,
    pub lang: Lang,
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub alternate_fr: String,
    pub alternate_en: String,
    /// This page in the other language.
    pub switch_href: String,
    /// The navigation entry of this page (`home`, `search`, `about`…), marked current.
    pub current: &'static str,
    pub home: String,
    pub search: String,
    pub about: String,
    pub sources: String,
    pub themes: String,
    /// The `lang` a form must send to keep the URL's choice ("" when negotiated).
    pub lang_param: &'static str,
    /// OpenGraph `og:type`.
    pub og_type: &'static str,
}

impl Chrome {
    /// A count as the page's language writes it, for the templates (999 157, 999,157).
    pub fn number(&self, count: &u64) -> String {
        thousands(*count, self.lang)
    }
}

/// A count with its thousands separated as the language writes them (1 000, 1,000).
pub fn thousands(count: u64, lang: Lang) -> String {
    let digits = count.to_string();
    let separator = if lang == Lang::Fr { "\u{202f}" } else { "," };
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// A rendered page with its status; a page that cannot be rendered is a 503 that says so.
pub fn html(status: StatusCode, lang: Lang, page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(texts(lang).lang),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "page rendering");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::RETRY_AFTER, "30"),
                ],
                "the page could not be rendered; retry later\n",
            )
                .into_response()
        }
    }
}

/// An error page (404, 410, 400, 503…).
#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: String,
}

/// The page of an error: `title` as its heading, `message` below.
pub fn error_page(
    visit: &Visit,
    status: StatusCode,
    title: &str,
    message: impl Into<String>,
) -> Response {
    let page = ErrorPage {
        chrome: visit.chrome(title, ""),
        message: message.into(),
    };
    let mut response = html(status, visit.lang, page.render());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    }
    response
}

/// The 404 page.
pub fn not_found(visit: &Visit, message: impl Into<String>) -> Response {
    let title = texts(visit.lang).not_found_title;
    error_page(visit, StatusCode::NOT_FOUND, title, message)
}

/// The 503 page of a store or index that could not be read.
pub fn unavailable(visit: &Visit) -> Response {
    let t = texts(visit.lang);
    let message = match visit.lang {
        Lang::Fr => "La bibliothèque n'a pas pu être lue ; réessayez dans un instant.",
        Lang::En => "The library could not be read; try again in a moment.",
    };
    error_page(
        visit,
        StatusCode::SERVICE_UNAVAILABLE,
        t.unavailable_title,
        message,
    )
}

/// `GET /barometer/{edition}` (`api::page`), with the 404 page for a browser asking for an
/// edition that does not exist.
pub async fn barometer(
    state: axum::extract::State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    edition: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let response = super::page::barometer(state, edition).await;
    if response.status() != StatusCode::NOT_FOUND || !wants_html(&headers) {
        return response;
    }
    let message = match visit.lang {
        Lang::Fr => {
            "Cette édition du baromètre n'existe pas (encore). Les éditions sont des semestres, comme 2026-S1."
        }
        Lang::En => {
            "This edition of the barometer does not exist (yet). Editions are semesters, such as 2026-S1."
        }
    };
    not_found(&visit, message)
}

/// Whether a request would rather have HTML (a browser) than a problem document.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The label of a region code in the pages: its name, or the code for one essor does not know.
pub fn region_label(code: &str) -> String {
    crate::vocab::region_name(code).unwrap_or(code).to_owned()
}

/// The label of a theme id in `lang` (the id itself for a theme the thesaurus lost).
pub fn theme_label(id: &str, lang: Lang) -> String {
    thesaurus()
        .and_then(|thesaurus| thesaurus.themes().iter().find(|theme| theme.id == id))
        .map_or_else(
            || id.to_owned(),
            |theme| match lang {
                Lang::Fr => theme.fr.clone(),
                Lang::En => theme.en.clone(),
            },
        )
}

/// The built-in thesaurus, compiled once.
fn thesaurus() -> Option<&'static crate::classify::Thesaurus> {
    static THESAURUS: std::sync::OnceLock<Option<crate::classify::Thesaurus>> =
        std::sync::OnceLock::new();
    THESAURUS
        .get_or_init(|| crate::classify::Thesaurus::builtin().ok())
        .as_ref()
}

/// The label of a degree-type slug in `lang`.
pub fn type_label(slug: &str, lang: Lang) -> String {
    crate::vocab::DegreeType::from_slug(slug)
        .map_or_else(|| slug.to_owned(), |kind| kind.label(lang).to_owned())
}

/// The plural label of a degree-type slug in `lang`.
pub fn type_plural_label(slug: &str, lang: Lang) -> String {
    crate::vocab::DegreeType::from_slug(slug).map_or_else(
        || slug.to_owned(),
        |kind| kind.plural_label(lang).to_owned(),
    )
}

/// A facet value as a page shows it: its label, its count and where it leads.
pub struct Link {
    pub label: String,
    pub count: u64,
    pub href: String,
}

#[cfg(test)]
mod tests;
