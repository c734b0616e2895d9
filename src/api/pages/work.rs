//! `/works/{id}`: a work as people read it: every field, the sources it came from with links
//! to the full text, its themes, the versions merged into it. A merged-away id answers 301 to
//! the surviving work, a deleted one 410 with a page that says so, an unknown one a 404 page.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::citation::{CiteFormat, cite_as, json_ld, meta_tags, script_json};
use super::highlight::excerpt;
use super::texts::{language_name, texts};
use super::{
    Chrome, Visit, error_page, html, not_found, region_label, theme_label, type_label, unavailable,
};
use crate::api::AppState;
use crate::normalize::{Access, IdKind};
use crate::store::{Store, StoreError};
use crate::vocab::Lang;
use crate::works::Work;

/// A link with its text.
pub struct Anchor {
    pub text: String,
    pub href: String,
}

/// A text with its language (`lang` attribute: "" when unknown) and the language's name.
pub struct LangText {
    pub text: String,
    pub lang: String,
    pub name: String,
}

/// A person, with a link to their authority record when known.
pub struct PersonLine {
    pub name: String,
    pub authority: Option<String>,
}

/// A record the work was built from.
pub struct MemberLine {
    pub source: String,
    pub identifier: String,
    /// Links to the full text and the record's landing pages, as the record gives them.
    pub links: Vec<String>,
}

/// Two records merged into this work, and why.
pub struct MergeLine {
    pub a: String,
    pub b: String,
    pub rule: String,
    pub score: String,
}

#[derive(Template)]
#[template(path = "pages/work.html")]
struct WorkPage {
    chrome: Chrome,
    title: LangText,
    other_titles: Vec<LangText>,
    authors: Vec<PersonLine>,
    advisors: Vec<PersonLine>,
    kind: Anchor,
    date: String,
    discipline: String,
    institution: Option<Anchor>,
    language: String,
    access: &'static str,
    licence: String,
    regions: Vec<Anchor>,
    themes: Vec<Anchor>,
    abstracts: Vec<LangText>,
    keywords: Vec<LangText>,
    identifiers: Vec<Anchor>,
    members: Vec<MemberLine>,
    aliases: Vec<String>,
    merges: Vec<MergeLine>,
    datestamp: String,
    json_href: String,
    /// Highwire Press tags: (name, content).
    meta: Vec<(&'static str, String)>,
    /// schema.org JSON-LD, safe inside `<script>`.
    json_ld: String,
    cite_as: String,
    /// The citation files: (label, href).
    cite_files: Vec<(&'static str, String)>,
}

/// A work and the stored records of its members (for their links).
struct Found {
    work: Work,
    members: Vec<MemberLine>,
}

fn find(store: &Store, id: &str) -> Result<Option<Found>, StoreError> {
    let Some(work) = crate::works::resolve(store, id)? else {
        return Ok(None);
    };
    let mut members = Vec::new();
    for member in &work.members {
        let record = store.record(member.key())?;
        let links = record
            .and_then(|stored| stored.record)
            .map(|record| {
                record
                    .identifiers
                    .into_iter()
                    .chain(record.relations)
                    .filter(|link| link.starts_with("http://") || link.starts_with("https://"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let mut unique: Vec<String> = Vec::new();
        for link in links {
            if !unique.contains(&link) {
                unique.push(link);
            }
        }
        members.push(MemberLine {
            source: member.source.clone(),
            identifier: member.identifier.clone(),
            links: unique,
        });
    }
    Ok(Some(Found { work, members }))
}

/// `GET /works/{id}`.
pub async fn work(
    State(state): State<AppState>,
    visit: Visit,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let not_found_message = |id: &str| match visit.lang {
        Lang::Fr => format!("Il n'y a pas de travail « {id} » dans la bibliothèque."),
        Lang::En => format!("There is no work `{id}` in the library."),
    };
    let Ok(Path(id)) = id else {
        return not_found(&visit, not_found_message(""));
    };
    let store = state.store.clone();
    let asked = id.clone();
    let found = tokio::task::spawn_blocking(move || find(&store, &asked)).await;
    let found = match found {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return not_found(&visit, not_found_message(&id)),
        Ok(Err(error)) => {
            tracing::error!(%error, "work page");
            return unavailable(&visit);
        }
        Err(_) => return unavailable(&visit),
    };
    let work = &found.work;
    if work.id != id {
        let location = visit.href(&format!("/works/{}", work.id));
        let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    let t = texts(visit.lang);
    if work.deleted || work.fields.is_none() {
        let message = match visit.lang {
            Lang::Fr => format!(
                "Le travail {} a été retiré le {} : ses sources ont supprimé toutes ses notices.",
                work.id, work.datestamp
            ),
            Lang::En => format!(
                "Work {} was withdrawn on {}: its sources deleted all its records.",
                work.id, work.datestamp
            ),
        };
        return error_page(&visit, StatusCode::GONE, t.gone_title, message);
    }
    let page = work_page(&visit, &state, found);
    html(StatusCode::OK, visit.lang, page.render())
}

fn work_page(visit: &Visit, state: &AppState, found: Found) -> WorkPage {
    let Found { work, members } = found;
    let lang = visit.lang;
    let t = texts(lang);
    let fields = work.fields.as_ref();
    let lang_text = |text: &str, language: Option<&String>| LangText {
        text: text.to_owned(),
        lang: language.cloned().unwrap_or_default(),
        name: language
            .map(|code| language_name(code, lang))
            .unwrap_or_default(),
    };
    let search = |key: &str, value: &str| {
        visit.href(&format!(
            "/search?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(key, value)
                .finish()
        ))
    };
    let persons = |list: Option<&crate::works::Sourced<Vec<crate::normalize::Person>>>| {
        list.map(|sourced| {
            sourced
                .value
                .iter()
                .map(|person| PersonLine {
                    name: person.display.clone(),
                    authority: person.id.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let title = fields.and_then(|f| f.title.as_ref()).map_or_else(
        || lang_text(&work.id, None),
        |title| lang_text(&title.value.text, title.value.lang.as_ref()),
    );
    let source_name = |id: &str| {
        state
            .sources
            .iter()
            .find(|source| source.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |source| source.name.clone())
    };
    let degree = fields.map_or(crate::vocab::DegreeType::Other, |f| f.degree_type.value);
    let mut chrome = visit.chrome(title.text.clone(), "");
    let page_url = format!("{}/works/{}", visit.origin, work.id);
    chrome.og_type = "article";
    if let Some(abstract_text) = crate::export::summary(&work).abstract_text {
        chrome.description = excerpt(&abstract_text, 300);
    }
    let pdf = members
        .iter()
        .flat_map(|member| &member.links)
        .find(|link| link.ends_with(".pdf") || link.ends_with("/document"))
        .cloned();
    WorkPage {
        meta: meta_tags(&work, &page_url, pdf.as_deref()),
        json_ld: script_json(&json_ld(&work, lang, &page_url)),
        cite_as: cite_as(&work, lang, &page_url),
        cite_files: CiteFormat::ALL
            .iter()
            .map(|format| {
                (
                    format.label(),
                    format!("/works/{}/{}", work.id, format.file()),
                )
            })
            .collect(),
        chrome,
        other_titles: fields
            .map(|f| {
                f.titles
                    .iter()
                    .skip(1)
                    .map(|title| lang_text(&title.value.text, title.value.lang.as_ref()))
                    .collect()
            })
            .unwrap_or_default(),
        title,
        authors: persons(fields.and_then(|f| f.authors.as_ref())),
        advisors: persons(fields.and_then(|f| f.advisors.as_ref())),
        kind: Anchor {
            text: type_label(degree.slug(), lang),
            href: search("type", degree.slug()),
        },
        date: fields
            .and_then(|f| f.date.as_ref())
            .map(|date| date.value.iso())
            .unwrap_or_default(),
        discipline: fields
            .and_then(|f| f.discipline.as_ref())
            .map(|d| d.value.clone())
            .unwrap_or_default(),
        institution: fields
            .and_then(|f| f.institution.as_ref())
            .map(|institution| Anchor {
                text: institution.value.clone(),
                href: search("institution", &institution.value),
            }),
        language: fields
            .and_then(|f| f.language.as_ref())
            .map(|l| language_name(&l.value, lang))
            .unwrap_or_default(),
        access: match fields.map_or(Access::Unknown, |f| f.access.value) {
            Access::Open => t.access_open,
            Access::Embargoed => t.access_embargoed,
            Access::Restricted => t.access_restricted,
            Access::Unknown => t.access_unknown,
        },
        licence: fields
            .and_then(|f| f.licence.as_ref())
            .map(|l| l.value.clone())
            .unwrap_or_default(),
        regions: fields
            .map(|f| {
                f.regions
                    .iter()
                    .map(|code| Anchor {
                        text: region_label(code),
                        href: search("region", code),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        themes: fields
            .map(|f| {
                f.themes
                    .iter()
                    .map(|theme| Anchor {
                        text: theme_label(&theme.theme, lang),
                        href: search("theme", &theme.theme),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        abstracts: fields
            .map(|f| {
                f.abstracts
                    .iter()
                    .map(|a| lang_text(&a.value.text, a.value.lang.as_ref()))
                    .collect()
            })
            .unwrap_or_default(),
        keywords: fields
            .map(|f| {
                f.keywords
                    .iter()
                    .map(|k| lang_text(&k.value.text, k.value.lang.as_ref()))
                    .collect()
            })
            .unwrap_or_default(),
        identifiers: fields
            .map(|f| {
                f.identifiers
                    .iter()
                    .map(|identifier| {
                        let id = &identifier.value;
                        let uri = id.uri();
                        Anchor {
                            text: format!("{} {}", kind_name(id.kind), id.value),
                            href: if uri.starts_with("http") {
                                uri
                            } else {
                                String::new()
                            },
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        members: members
            .into_iter()
            .map(|member| MemberLine {
                source: source_name(&member.source),
                ..member
            })
            .collect(),
        aliases: work.aliases.clone(),
        merges: work
            .merges
            .iter()
            .map(|merge| MergeLine {
                a: format!("{} {}", merge.a.source, merge.a.identifier),
                b: format!("{} {}", merge.b.source, merge.b.identifier),
                rule: merge.rule.clone(),
                score: format!("{:.2}", merge.score),
            })
            .collect(),
        datestamp: work.datestamp.clone(),
        json_href: format!("/api/v1/works/{}", work.id),
    }
}

/// An identifier's kind as people write it.
fn kind_name(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Nnt => "NNT",
        IdKind::Doi => "DOI",
        IdKind::Hal => "HAL",
        IdKind::Handle => "Handle",
        IdKind::Urn => "URN",
        IdKind::Isbn => "ISBN",
        IdKind::Ark => "ARK",
        IdKind::Url => "URL",
        IdKind::Other => "",
    }
}
