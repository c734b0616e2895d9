//! The edition's charts as SVG, written by hand (plain shapes and text, no script, no external
//! font): works per semester of the largest themes, the top emerging terms with their counts,
//! and a schematic map of the French regions, overseas ones included, shaded by volume. Pure.

use std::fmt::Write;

use super::model::{Edition, Side};
use super::regions::region_name;

/// Series colours, told apart in print and by most colour-blind readers (Okabe–Ito).
const PALETTE: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
];
const FONT: &str = "font-family=\"sans-serif\"";

/// Text for SVG and HTML: the five characters XML reserves, escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" {FONT} font-size=\"12\"><title>{}</title><rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
        escape(title)
    );
}

fn empty(title: &str, message: &str) -> String {
    let mut out = String::new();
    open(&mut out, 720, 80, title);
    let _ = write!(
        out,
        "<text x=\"16\" y=\"45\" fill=\"#444444\">{}</text></svg>",
        escape(message)
    );
    out
}

/// Works per semester of the six largest themes (research side, all sources).
pub fn themes_chart(edition: &Edition) -> String {
    let title = "Travaux par thème et par semestre / Works per theme and semester";
    let side = &edition.research;
    let Some(table) = side.tables.iter().find(|t| t.dimension == "theme") else {
        return empty(title, "Pas de données / No data");
    };
    let rows: Vec<_> = table.rows.iter().take(PALETTE.len()).collect();
    if rows.is_empty() {
        return empty(title, "Pas de données / No data");
    }
    let (width, height) = (720u32, 340u32);
    let (left, right, top, bottom) = (48.0, 200.0, 28.0, 40.0);
    let plot_width = f64::from(width) - left - right;
    let plot_height = f64::from(height) - top - bottom;
    let max = rows
        .iter()
        .flat_map(|row| row.counts.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let semesters = edition.window.len().max(2);
    let x = |index: usize| left + plot_width * index as f64 / (semesters - 1) as f64;
    let y = |count: u32| top + plot_height * (1.0 - f64::from(count) / f64::from(max));
    let mut out = String::new();
    open(&mut out, width, height, title);
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"18\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    for step in 0..=4u32 {
        let value = max * step / 4;
        let line_y = y(value);
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{line_y:.1}\" y2=\"{line_y:.1}\" stroke=\"#dddddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555555\">{value}</text>",
            left + plot_width,
            left - 6.0,
            line_y + 4.0
        );
    }
    for (index, semester) in edition.window.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555555\">{semester}</text>",
            x(index),
            f64::from(height) - bottom + 18.0
        );
    }
    for (series, row) in rows.iter().enumerate() {
        let colour = PALETTE[series];
        let points: Vec<String> = row
            .counts
            .iter()
            .enumerate()
            .map(|(index, count)| format!("{:.1},{:.1}", x(index), y(*count)))
            .collect();
        let _ = write!(
            out,
            "<polyline class=\"series\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"/>",
            points.join(" ")
        );
        for (index, count) in row.counts.iter().enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} {}: {count}</title></circle>",
                x(index),
                y(*count),
                escape(&row.label),
                edition
                    .window
                    .get(index)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        let legend_y = top + 18.0 * series as f64 + 6.0;
        let legend_x = f64::from(width) - right + 16.0;
        let _ = write!(
            out,
            "<rect x=\"{legend_x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{legend_y:.1}\">{}</text>",
            legend_y - 10.0,
            legend_x + 18.0,
            escape(&shorten(&row.label, 26))
        );
    }
    out.push_str("</svg>");
    out
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars - 1).collect();
    short.push('…');
    short
}

/// The strongest emerging findings of a side: works in the edition's semester (dark bar) and
/// the mean of the semesters before (light bar), with the counts written out.
pub fn emerging_chart(side: &Side) -> String {
    let title = "Thèmes et termes émergents / Emerging themes and terms";
    let findings: Vec<_> = side.emerging.iter().take(10).collect();
    if findings.is_empty() {
        return empty(
            title,
            "Aucune tendance émergente à signaler / No emerging trend to report",
        );
    }
    let row_height = 30.0;
    let (left, top) = (230.0, 40.0);
    let width = 720u32;
    let height = (top + row_height * findings.len() as f64 + 16.0) as u32;
    let bar_width = f64::from(width) - left - 80.0;
    let max = findings
        .iter()
        .filter_map(|f| f.counts.last().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut out = String::new();
    open(&mut out, width, height, title);
    let _ = write!(
        out,
        "<text x=\"8\" y=\"18\" font-weight=\"bold\">{}</text><text x=\"8\" y=\"32\" fill=\"#555555\" font-size=\"11\">■ ce semestre / this semester   □ moyenne avant / mean before</text>",
        escape(title)
    );
    for (index, finding) in findings.iter().enumerate() {
        let row_y = top + row_height * index as f64;
        let last = finding.counts.len().saturating_sub(1);
        let now = finding.counts.get(last).copied().unwrap_or(0);
        let before = finding.counts[..last].iter().sum::<u32>() as f64 / last.max(1) as f64;
        let now_width = bar_width * f64::from(now) / f64::from(max);
        let before_width = bar_width * before / f64::from(max);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"{left}\" y=\"{:.1}\" width=\"{now_width:.1}\" height=\"14\" fill=\"#0072B2\"/><rect x=\"{left}\" y=\"{:.1}\" width=\"{before_width:.1}\" height=\"6\" fill=\"#ffffff\" stroke=\"#0072B2\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{now} ({before:.1})</text>",
            left - 8.0,
            row_y + 16.0,
            escape(&shorten(&finding.term, 32)),
            row_y + 4.0,
            row_y + 19.0,
            left + now_width + 6.0,
            row_y + 16.0
        );
    }
    out.push_str("</svg>");
    out
}

/// The regions as tiles placed roughly where they are (column, row), overseas in a row below.
const TILES: &[(&str, &str, u32, u32)] = &[
    ("FR-HDF", "Hauts-de-France", 3, 0),
    ("FR-NOR", "Normandie", 2, 1),
    ("FR-IDF", "Île-de-France", 3, 1),
    ("FR-GES", "Grand Est", 4, 1),
    ("FR-BRE", "Bretagne", 0, 2),
    ("FR-PDL", "Pays de la Loire", 1, 2),
    ("FR-CVL", "Centre-Val de Loire", 2, 2),
    ("FR-BFC", "Bourgogne-Fr.-Comté", 4, 2),
    ("FR-NAQ", "Nouvelle-Aquitaine", 1, 3),
    ("FR-ARA", "Auvergne-Rhône-Alpes", 3, 3),
    ("FR-OCC", "Occitanie", 2, 4),
    ("FR-PAC", "Provence-Alpes-C. d'Azur", 3, 4),
    ("FR-COR", "Corse", 4, 4),
    ("FR-GP", "Guadeloupe", 0, 6),
    ("FR-MQ", "Martinique", 1, 6),
    ("FR-GF", "Guyane", 2, 6),
    ("FR-RE", "La Réunion", 3, 6),
    ("FR-YT", "Mayotte", 4, 6),
];

/// A schematic map (tiles, not borders) of the regions, shaded by the works of the edition's
/// semester (research side, all sources).
pub fn regions_map(edition: &Edition) -> String {
    let title = "Carte schématique des régions / Schematic map of the regions";
    let counts: Vec<(&str, u32)> = edition
        .research
        .tables
        .iter()
        .find(|t| t.dimension == "region")
        .map(|table| {
            table
                .rows
                .iter()
                .map(|row| (row.key.as_str(), row.counts.last().copied().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let count_of = |code: &str| {
        counts
            .iter()
            .find(|(key, _)| *key == code)
            .map_or(0, |(_, count)| *count)
    };
    let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let (tile_width, tile_height, gap) = (132.0, 62.0, 6.0);
    let (left, top) = (12.0, 40.0);
    let width = (left * 2.0 + 5.0 * (tile_width + gap)) as u32;
    let height = (top + 7.0 * (tile_height + gap) + 10.0) as u32;
    let mut out = String::new();
    open(&mut out, width, height, title);
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"18\" font-weight=\"bold\">{}</text><text x=\"{left}\" y=\"32\" fill=\"#555555\" font-size=\"11\">Travaux du semestre ; emplacements schématiques / Works this semester; positions are schematic</text><text x=\"{left}\" y=\"{:.1}\" fill=\"#555555\" font-size=\"11\">Outre-mer / Overseas</text>",
        escape(title),
        top + 6.0 * (tile_height + gap) - 4.0
    );
    for (code, name, column, row) in TILES {
        let count = count_of(code);
        let strength = f64::from(count) / f64::from(max);
        // From a pale to a deep blue: 0 works is pale, the busiest region the deepest.
        let channel = |pale: f64, deep: f64| (pale + (deep - pale) * strength).round() as u8;
        let fill = format!(
            "#{:02x}{:02x}{:02x}",
            channel(238.0, 16.0),
            channel(243.0, 72.0),
            channel(248.0, 130.0)
        );
        let ink = if strength > 0.5 { "#ffffff" } else { "#111111" };
        let x = left + f64::from(*column) * (tile_width + gap);
        let y = top + f64::from(*row) * (tile_height + gap);
        let _ = write!(
            out,
            "<g class=\"region\" data-region=\"{code}\"><title>{}: {count}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{tile_width}\" height=\"{tile_height}\" rx=\"6\" fill=\"{fill}\" stroke=\"#7a8ca0\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"11\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"16\" font-weight=\"bold\">{count}</text></g>",
            escape(region_name(code)),
            x + tile_width / 2.0,
            y + 24.0,
            escape(name),
            x + tile_width / 2.0,
            y + 46.0
        );
    }
    out.push_str("</svg>");
    out
}

/// `(file name, SVG)` of every chart of an edition.
pub fn svg_files(edition: &Edition) -> Vec<(String, String)> {
    vec![
        ("themes.svg".to_owned(), themes_chart(edition)),
        ("emerging.svg".to_owned(), emerging_chart(&edition.research)),
        ("regions.svg".to_owned(), regions_map(edition)),
    ]
}
