//! `/barometer/{edition}`: the barometer's edition as a page people read and print, rendered
//! on the server from a template compiled in (askama, `templates/barometer.html`): findings in
//! plain French and English, the charts inline (SVG), the tables, the method. No JavaScript.
//! The same page is the `index.html` of the static bundle (`essor barometer build --out`).

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::problem::Problem;
use super::{AppState, blocking};
use crate::barometer::{self, Edition, EditionStatus, ExampleWork, Finding, NewlyActive, Note};
use crate::barometer::{Semester, Side, emerging_chart, regions_map, themes_chart};
use crate::vocab::Lang;

/// A finding as the page words it.
struct FindingLine {
    term: String,
    variants: Vec<String>,
    kind_label: &'static str,
    now: u32,
    before: String,
    sources: u32,
    score: String,
    counts: String,
    examples: Vec<ExampleWork>,
}

impl FindingLine {
    fn of(finding: &Finding) -> FindingLine {
        let last = finding.counts.len().saturating_sub(1);
        let before = finding.counts[..last].iter().sum::<u32>() as f64 / last.max(1) as f64;
        FindingLine {
            term: finding.term.clone(),
            variants: finding.variants.clone(),
            kind_label: if finding.kind == "theme" {
                "thème / theme"
            } else {
                "terme / term"
            },
            now: finding.counts.get(last).copied().unwrap_or(0),
            before: format!("{before:.1}"),
            sources: finding.sources,
            score: format!("{:.1}", finding.score),
            counts: finding
                .counts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            examples: finding.examples.clone(),
        }
    }
}

struct RowLine {
    label: String,
    counts: Vec<u32>,
    growth: String,
}

struct TableLine {
    title: String,
    rows: Vec<RowLine>,
}

#[derive(Template)]
#[template(path = "barometer.html")]
struct BarometerPage {
    id: String,
    status_fr: &'static str,
    status_en: &'static str,
    period_fr: String,
    period_en: String,
    built_at: String,
    json_href: String,
    works_base: String,
    research_notes: Vec<Note>,
    emerging_svg: String,
    emerging: Vec<FindingLine>,
    declining: Vec<FindingLine>,
    newly_active: Vec<NewlyActive>,
    change_notes: Vec<Note>,
    new_emerging: String,
    no_longer_emerging: String,
    themes_svg: String,
    tables: Vec<TableLine>,
    window: Vec<String>,
    regions_svg: String,
    teaching_notes: Vec<Note>,
    teaching_emerging: Vec<FindingLine>,
    teaching_declining: Vec<FindingLine>,
    teaching_tables: Vec<TableLine>,
    before_semesters: usize,
    min_score: f64,
    min_support: u32,
    min_sources: u32,
    essor_version: String,
    provenance_works: u64,
    provenance_sources: String,
}

fn table_title(dimension: &str) -> String {
    match dimension {
        "theme" => "Thèmes / Themes",
        "type" => "Types de travaux / Kinds of work",
        "discipline" => "Disciplines",
        "region" => "Régions / Regions",
        "institution" => "Établissements / Institutions",
        "level" => "Niveaux de certification / Certification levels",
        other => other,
    }
    .to_owned()
}

/// A side's tables as the page shows them: the 15 largest rows of each.
fn table_lines(side: &Side) -> Vec<TableLine> {
    side.tables
        .iter()
        .map(|table| TableLine {
            title: table_title(&table.dimension),
            rows: table
                .rows
                .iter()
                .take(15)
                .map(|row| RowLine {
                    label: if table.dimension == "type" {
                        crate::vocab::DegreeType::from_slug(&row.key).map_or_else(
                            || row.label.clone(),
                            |kind| format!("{} / {}", kind.label(Lang::Fr), kind.label(Lang::En)),
                        )
                    } else {
                        row.label.clone()
                    },
                    counts: row.counts.clone(),
                    growth: row
                        .growth
                        .map(|g| format!("{:+.0} %", g * 100.0))
                        .unwrap_or_else(|| "—".to_owned()),
                })
                .collect(),
        })
        .collect()
}

/// The page of an edition. `works_base` prefixes a work id to link to it (`/api/v1/works/`);
/// `json_href` is where the edition's JSON is.
pub fn barometer_page(
    edition: &Edition,
    works_base: &str,
    json_href: &str,
) -> Result<String, askama::Error> {
    let (months_fr, months_en) = if edition.id.half() == 1 {
        ("janvier–juin", "January–June")
    } else {
        ("juillet–décembre", "July–December")
    };
    let research = &edition.research;
    let page = BarometerPage {
        id: edition.id.to_string(),
        status_fr: match edition.status {
            EditionStatus::Published => "publiée",
            EditionStatus::Draft => "brouillon",
        },
        status_en: match edition.status {
            EditionStatus::Published => "published",
            EditionStatus::Draft => "draft",
        },
        period_fr: format!("{months_fr} {}", edition.id.year()),
        period_en: format!("{months_en} {}", edition.id.year()),
        built_at: edition.built_at.clone(),
        json_href: json_href.to_owned(),
        works_base: works_base.to_owned(),
        research_notes: research.notes.clone(),
        emerging_svg: emerging_chart(research),
        emerging: research.emerging.iter().map(FindingLine::of).collect(),
        declining: research.declining.iter().map(FindingLine::of).collect(),
        newly_active: research.newly_active.clone(),
        change_notes: edition.changes.notes.clone(),
        new_emerging: edition.changes.new_emerging.join(", "),
        no_longer_emerging: edition.changes.no_longer_emerging.join(", "),
        themes_svg: themes_chart(edition),
        tables: table_lines(research),
        window: edition.window.iter().map(ToString::to_string).collect(),
        regions_svg: regions_map(edition),
        teaching_notes: edition.teaching.notes.clone(),
        teaching_emerging: edition
            .teaching
            .emerging
            .iter()
            .map(FindingLine::of)
            .collect(),
        teaching_declining: edition
            .teaching
            .declining
            .iter()
            .map(FindingLine::of)
            .collect(),
        teaching_tables: table_lines(&edition.teaching)
            .into_iter()
            .filter(|table| !table.rows.is_empty())
            .collect(),
        before_semesters: edition.window.len().saturating_sub(1),
        min_score: edition.parameters.min_score,
        min_support: edition.parameters.min_support,
        min_sources: edition.parameters.min_sources,
        essor_version: edition.provenance.essor_version.clone(),
        provenance_works: edition.provenance.works,
        provenance_sources: edition
            .provenance
            .sources
            .iter()
            .map(|s| format!("{} ({})", s.source, s.records))
            .collect::<Vec<_>>()
            .join(", "),
    };
    page.render()
}

/// `GET /barometer/{edition}`: the page, or a problem when there is no such edition.
pub async fn barometer(
    State(state): State<AppState>,
    edition: Result<Path<String>, PathRejection>,
) -> Response {
    let hint = "editions are semesters such as 2026-S1; GET /api/v1/barometer/editions lists them";
    let Ok(Path(edition)) = edition else {
        return Problem::not_found(hint).into_response();
    };
    let Ok(semester) = Semester::parse(&edition) else {
        return Problem::not_found(format!("`{edition}` is not an edition: {hint}"))
            .into_response();
    };
    let store = state.store.clone();
    let found = match blocking(move || Ok(barometer::edition(&store, semester)?)).await {
        Ok(found) => found,
        Err(problem) => return problem.into_response(),
    };
    let Some(found) = found else {
        return Problem::not_found(format!("there is no edition {semester} yet: {hint}"))
            .into_response();
    };
    match barometer_page(
        &found,
        "/api/v1/works/",
        &format!("/api/v1/barometer/{semester}"),
    ) {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(error) => {
            tracing::error!(%error, "barometer page");
            Problem::unavailable(format!(
                "the page could not be rendered; the edition is at /api/v1/barometer/{semester}"
            ))
            .into_response()
        }
    }
}
