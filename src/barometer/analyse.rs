//! From counts to findings: the volumes tables with their growth, the emerging and declining
//! themes and terms (Dunning's log-likelihood G² of the edition's semester against the earlier
//! semesters of the window, established sources only), newly active institutions and regions,
//! and the plain notes when there is too little data. Pure; the method is `docs/barometer.md`.

use std::collections::BTreeMap;

use super::model::{ExampleWork, Finding, NewlyActive, Note, Parameters, Row, Side, SideStatus};
use super::model::{ExcludedSource, Table};
use super::regions::region_name;
use super::tally::{Cell, Counts, SideTally, Signal, Tally};
use crate::vocab::{DegreeType, Lang};

/// French and English labels of the themes, by id.
pub type ThemeLabels = BTreeMap<String, (String, String)>;

/// The two sides of an edition (research, teaching) from a tally.
pub fn analyse(tally: &Tally, parameters: &Parameters, themes: &ThemeLabels) -> (Side, Side) {
    let established: Vec<String> = tally.established.iter().cloned().collect();
    let side = |side_tally: &SideTally, teaching: bool| {
        analyse_side(
            side_tally,
            teaching,
            &established,
            &tally.excluded,
            parameters,
            themes,
        )
    };
    (side(&tally.research, false), side(&tally.teaching, true))
}

/// The log-likelihood ratio G² of a 2×2 table: `a` of `c` works now have it, `b` of `d` before.
/// Dunning (1993): unlike χ², it stays accurate for rare events, which new terms are.
pub fn g2(a: u32, c: u32, b: u32, d: u32) -> f64 {
    fn x_ln_x(x: f64) -> f64 {
        if x > 0.0 { x * x.ln() } else { 0.0 }
    }
    let (a, b) = (f64::from(a), f64::from(b));
    let (c, d) = (f64::from(c), f64::from(d));
    let (not_a, not_b) = ((c - a).max(0.0), (d - b).max(0.0));
    let total = c + d;
    2.0 * (x_ln_x(a) + x_ln_x(not_a) + x_ln_x(b) + x_ln_x(not_b)
        - x_ln_x(c)
        - x_ln_x(d)
        - x_ln_x(a + b)
        - x_ln_x(not_a + not_b)
        + x_ln_x(total))
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn note(code: &str, fr: String, en: String) -> Note {
    Note {
        code: code.to_owned(),
        fr,
        en,
    }
}

fn analyse_side(
    tally: &SideTally,
    teaching: bool,
    established: &[String],
    excluded: &[ExcludedSource],
    parameters: &Parameters,
    themes: &ThemeLabels,
) -> Side {
    let last = tally.works.len() - 1;
    let current = tally.covered[last];
    let before: u32 = tally.covered[..last].iter().sum();
    let all_works: u32 = tally.works.iter().sum();
    let mut notes = Vec::new();
    let status = if all_works == 0 {
        let (fr, en) = if teaching {
            (
                "Aucune formation (type « training ») dans l'entrepôt pour ces semestres : le volet enseignement est vide.",
                "No training programme (type `training`) in the store for these semesters: the teaching side is empty.",
            )
        } else {
            (
                "Aucun travail daté de ces semestres dans l'entrepôt.",
                "No work dated in these semesters in the store.",
            )
        };
        notes.push(note("no-data", fr.to_owned(), en.to_owned()));
        SideStatus::NoData
    } else if current < parameters.min_current_works || before < parameters.min_baseline_works {
        notes.push(note(
            "too-little-data",
            format!(
                "Trop peu de données pour dégager des tendances : {current} travaux ce semestre et {before} avant, venant de sources présentes dans les deux périodes (il en faut au moins {} et {}). Seuls les volumes sont donnés.",
                parameters.min_current_works, parameters.min_baseline_works
            ),
            format!(
                "Too little data to find trends: {current} works this semester and {before} before, from sources present in both periods (at least {} and {} are needed). Only volumes are given.",
                parameters.min_current_works, parameters.min_baseline_works
            ),
        ));
        SideStatus::TooLittleData
    } else {
        SideStatus::Ok
    };
    let new_sources: Vec<&str> = excluded
        .iter()
        .filter(|source| source.reason == "new")
        .map(|source| source.source.as_str())
        .collect();
    if !new_sources.is_empty() && status != SideStatus::NoData {
        let list = new_sources.join(", ");
        notes.push(note(
            "new-sources",
            format!(
                "Sources nouvelles, comptées dans les volumes mais pas dans les tendances : {list}."
            ),
            format!("New sources, counted in the volumes but not in the trends: {list}."),
        ));
    }
    if tally.year_only > 0 {
        let count = tally.year_only;
        notes.push(note(
            "year-only",
            format!("{count} travaux datés de l'année seulement ne peuvent être placés dans un semestre et ne sont pas comptés."),
            format!("{count} works dated by year only cannot be placed in a semester and are not counted."),
        ));
    }
    // Programmes are also counted by certification level.
    let dimensions: &[&str] = if teaching {
        &[
            "theme",
            "level",
            "type",
            "discipline",
            "region",
            "institution",
        ]
    } else {
        &["theme", "type", "discipline", "region", "institution"]
    };
    let tables = dimensions
        .iter()
        .map(|dimension| table(tally, dimension, parameters, themes))
        .collect();
    let (emerging, declining) = if status == SideStatus::Ok {
        findings(tally, parameters, themes)
    } else {
        (Vec::new(), Vec::new())
    };
    let newly_active = if status == SideStatus::Ok {
        newly_active(tally, parameters)
    } else {
        Vec::new()
    };
    Side {
        status,
        works: tally.works.clone(),
        covered_works: tally.covered.clone(),
        year_only_works: tally.year_only,
        established_sources: established.to_vec(),
        excluded_sources: excluded.to_vec(),
        notes,
        tables,
        emerging,
        declining,
        newly_active,
    }
}

fn label(dimension: &str, key: &str, themes: &ThemeLabels) -> String {
    match dimension {
        "theme" => themes
            .get(key)
            .map_or(key, |(fr, _)| fr.as_str())
            .to_owned(),
        "type" => DegreeType::from_slug(key)
            .map_or(key, |kind| kind.label(Lang::Fr))
            .to_owned(),
        "region" => region_name(key).to_owned(),
        "level" => level_label(key),
        _ => key.to_owned(),
    }
}

/// "Niveau 6 (EQF 6)": France's levels since 2019 are the European ones.
fn level_label(key: &str) -> String {
    match key.strip_prefix("eqf-") {
        Some(level) => format!("Niveau {level} (EQF {level})"),
        None => "Niveau non renseigné (level not given)".to_owned(),
    }
}

/// The edition's semester against the mean of the earlier ones; `None` when either is too
/// small to say (or nothing came before).
fn growth(covered: &[u32], min_works: u32) -> Option<f64> {
    let last = covered.len() - 1;
    let current = f64::from(covered[last]);
    let mean_before = f64::from(covered[..last].iter().sum::<u32>()) / last.max(1) as f64;
    if mean_before <= 0.0 || (current < f64::from(min_works) && mean_before < f64::from(min_works))
    {
        return None;
    }
    Some(round(current / mean_before - 1.0, 3))
}

fn table(
    tally: &SideTally,
    dimension: &str,
    parameters: &Parameters,
    themes: &ThemeLabels,
) -> Table {
    let empty = Counts::default();
    let cells = tally.dimensions.get(dimension).unwrap_or(&empty);
    let mut rows: Vec<(&String, &Cell)> = cells.iter().collect();
    rows.sort_by(|(a_key, a), (b_key, b)| {
        let total = |cell: &Cell| cell.counts.iter().sum::<u32>();
        total(b).cmp(&total(a)).then_with(|| a_key.cmp(b_key))
    });
    let rows_left_out = rows.len().saturating_sub(parameters.max_rows);
    rows.truncate(parameters.max_rows);
    Table {
        dimension: dimension.to_owned(),
        rows: rows
            .into_iter()
            .map(|(key, cell)| Row {
                key: key.clone(),
                label: label(dimension, key, themes),
                counts: cell.counts.clone(),
                covered_counts: cell.covered.clone(),
                growth: growth(&cell.covered, parameters.min_row_works),
            })
            .collect(),
        rows_left_out,
    }
}

fn examples(tally: &SideTally, indexes: &[u32]) -> Vec<ExampleWork> {
    indexes
        .iter()
        .filter_map(|index| tally.examples.get(*index as usize).cloned())
        .collect()
}

/// One theme or term tested; `Some((rising, finding))` when it passes the thresholds.
fn test_signal(
    tally: &SideTally,
    kind: &str,
    key: &str,
    signal: &Signal,
    parameters: &Parameters,
    themes: &ThemeLabels,
) -> Option<(bool, Finding)> {
    let last = signal.counts.len() - 1;
    let a = signal.counts[last];
    let b: u32 = signal.counts[..last].iter().sum();
    let c = tally.covered[last];
    let d: u32 = tally.covered[..last].iter().sum();
    let share_current = f64::from(a) / f64::from(c.max(1));
    let share_before = f64::from(b) / f64::from(d.max(1));
    let rising = share_current > share_before;
    let enough = if rising {
        a >= parameters.min_support && signal.sources.len() as u32 >= parameters.min_sources
    } else {
        b >= parameters.min_support
    };
    let score = g2(a, c, b, d);
    if !enough || score < parameters.min_score {
        return None;
    }
    let (term, variants) = if kind == "theme" {
        match themes.get(key) {
            Some((fr, en)) => (fr.clone(), vec![en.clone()]),
            None => (key.to_owned(), Vec::new()),
        }
    } else {
        let mut surfaces: Vec<(&String, &u32)> = signal.surfaces.iter().collect();
        surfaces.sort_by(|(a_text, a), (b_text, b)| b.cmp(a).then_with(|| a_text.cmp(b_text)));
        let mut surfaces = surfaces.into_iter().map(|(text, _)| text.clone());
        let term = surfaces.next().unwrap_or_else(|| key.to_owned());
        (term, surfaces.collect())
    };
    Some((
        rising,
        Finding {
            kind: kind.to_owned(),
            key: key.to_owned(),
            term,
            variants,
            score: round(score, 2),
            counts: signal.counts.clone(),
            share_current: round(share_current * 1000.0, 2),
            share_before: round(share_before * 1000.0, 2),
            sources: signal.sources.len() as u32,
            examples: examples(tally, &signal.examples),
        },
    ))
}

fn findings(
    tally: &SideTally,
    parameters: &Parameters,
    themes: &ThemeLabels,
) -> (Vec<Finding>, Vec<Finding>) {
    let mut emerging = Vec::new();
    let mut declining = Vec::new();
    let signals = tally
        .themes
        .iter()
        .map(|(key, signal)| ("theme", key, signal))
        .chain(
            tally
                .terms
                .iter()
                .map(|(key, signal)| ("term", key, signal)),
        );
    for (kind, key, signal) in signals {
        if let Some((rising, finding)) = test_signal(tally, kind, key, signal, parameters, themes) {
            if rising {
                emerging.push(finding);
            } else {
                declining.push(finding);
            }
        }
    }
    drop_explained_words(&mut emerging);
    drop_explained_words(&mut declining);
    for list in [&mut emerging, &mut declining] {
        list.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.key.cmp(&b.key))
        });
        list.truncate(parameters.max_findings);
    }
    (emerging, declining)
}

/// A word found only because a pair holding it is ("platform" inside "platform cooperatives")
/// says nothing more: it is dropped when the pair accounts for 80 % of its works this semester.
fn drop_explained_words(findings: &mut Vec<Finding>) {
    let pairs: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.kind == "term" && f.key.contains(' '))
        .map(|f| (f.key.clone(), f.counts.last().copied().unwrap_or(0)))
        .collect();
    findings.retain(|finding| {
        if finding.kind != "term" || finding.key.contains(' ') {
            return true;
        }
        let own = finding.counts.last().copied().unwrap_or(0);
        !pairs.iter().any(|(pair, count)| {
            pair.split(' ').any(|word| word == finding.key) && *count * 5 >= own * 4
        })
    });
}

fn newly_active(tally: &SideTally, parameters: &Parameters) -> Vec<NewlyActive> {
    let mut found = Vec::new();
    for dimension in ["institution", "region"] {
        let Some(cells) = tally.dimensions.get(dimension) else {
            continue;
        };
        for (key, cell) in cells {
            let last = cell.counts.len() - 1;
            let before: u32 = cell.counts[..last].iter().sum();
            if before == 0 && cell.covered[last] >= parameters.min_row_works {
                found.push(NewlyActive {
                    dimension: dimension.to_owned(),
                    key: key.clone(),
                    label: if dimension == "region" {
                        region_name(key).to_owned()
                    } else {
                        key.clone()
                    },
                    works: cell.covered[last],
                    examples: examples(tally, &cell.examples),
                });
            }
        }
    }
    found.sort_by(|a, b| {
        b.works
            .cmp(&a.works)
            .then_with(|| a.dimension.cmp(&b.dimension))
            .then_with(|| a.key.cmp(&b.key))
    });
    found.truncate(parameters.max_findings);
    found
}
