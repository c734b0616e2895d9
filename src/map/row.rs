//! The crosswalk of non-OAI sources: a row (a CSV line, later a JSON object or a feed item) read
//! through its source's `[fields]` mapping into the same [`Record`] the XML crosswalks make.
//! Dates are brought to ISO here (with the source's `date_format`, or the shapes catalogues
//! write: ISO, a bare year, `dd/mm/yyyy`, RFC 822, RFC 3339); certification levels to the
//! European scale.

use super::{Agent, Degree, LangText, MapError, Record, push_unique};
use crate::source::{Field, FieldMap, FieldRule, LevelScale};
use crate::vocab::{Lang, RecordType};

/// Where a row's values are read from: a column name, or a dotted path in a JSON object.
pub trait RowValues {
    /// The values at `name` (several for JSON arrays), as written.
    fn values(&self, name: &str) -> Vec<String>;
}

/// A JSON object read by dotted paths (`metas.default.title`): arrays on the way are walked
/// through, so single values given as arrays (HAL) read like scalars.
pub struct JsonRow<'a>(pub &'a serde_json::Value);

impl RowValues for JsonRow<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for value in json_path(self.0, name) {
            scalars(value, &mut out);
        }
        out
    }
}

fn scalars(value: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::String(text) => out.push(text.clone()),
        Value::Number(_) | Value::Bool(_) | Value::Object(_) => out.push(value.to_string()),
        Value::Array(items) => items.iter().for_each(|item| scalars(item, out)),
    }
}

/// The values at a dotted path (the value itself for an empty path).
pub fn json_path<'v>(value: &'v serde_json::Value, path: &str) -> Vec<&'v serde_json::Value> {
    let mut current = vec![value];
    for key in path.split('.').filter(|k| !k.is_empty()) {
        let mut next = Vec::new();
        for value in current {
            match value {
                serde_json::Value::Object(object) => next.extend(object.get(key)),
                serde_json::Value::Array(items) => next.extend(
                    items
                        .iter()
                        .filter_map(|item| item.as_object().and_then(|o| o.get(key))),
                ),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// Words catalogues write for "no value".
const NULLS: [&str; 4] = ["non renseigné", "non renseignée", "n/a", "null"];

/// Maps one row. A row without a title is an error (→ rejects).
pub fn map_row(
    row: &impl RowValues,
    fields: &FieldMap,
    record_type: Option<RecordType>,
) -> Result<Record, MapError> {
    let mut record = Record {
        record_type,
        ..Record::default()
    };
    if let Some(kind) = record_type {
        record.types.push(kind.label(Lang::En).to_owned());
    }
    let mut degree = Degree::default();
    for (field, rule) in &fields.rules {
        for value in values(row, rule) {
            let text = |value: String| LangText { value, lang: None };
            let agent = |name: String, role: Option<&str>| Agent {
                name,
                role: role.map(str::to_owned),
                id: None,
            };
            match field {
                Field::Title => push_unique(&mut record.titles, text(value)),
                Field::Authors => push_unique(&mut record.creators, agent(value, None)),
                Field::Advisors => {
                    push_unique(&mut record.contributors, agent(value, Some("advisor")))
                }
                Field::Date => push_unique(
                    &mut record.dates,
                    iso_date(&value, rule.date_format.as_deref()).unwrap_or(value),
                ),
                // The datestamp, read by the harvester with `modified_date`.
                Field::Modified => {}
                Field::Abstract => push_unique(&mut record.abstracts, text(value)),
                Field::Keywords => push_unique(&mut record.subjects, text(value)),
                Field::Url | Field::Identifiers => push_unique(&mut record.identifiers, value),
                Field::Institution => {
                    degree.grantor.get_or_insert_with(|| value.clone());
                    push_unique(&mut record.publishers, value);
                }
                Field::Region => push_unique(&mut record.coverage, value),
                Field::Language => push_unique(&mut record.languages, value),
                Field::Level => {
                    if degree.level.is_none() {
                        degree.level =
                            european_level(&value, rule.scale).map(|level| format!("EQF {level}"));
                    }
                }
                Field::Discipline => {
                    degree.discipline.get_or_insert(value);
                }
            }
        }
    }
    if degree != Degree::default() {
        record.degree = Some(degree);
    }
    if record.titles.is_empty() {
        return Err(MapError::NoTitle { format: "row" });
    }
    Ok(record)
}

/// The row's last modification, as an ISO date, when the source maps `modified`.
pub fn modified_date(row: &impl RowValues, fields: &FieldMap) -> Option<String> {
    let rule = fields.get(Field::Modified)?;
    let value = values(row, rule).into_iter().next()?;
    Some(iso_date(&value, rule.date_format.as_deref()).unwrap_or(value))
}

/// A rule's values: the constant, or the column's, split, cleaned, prefixed; empty and null
/// markers dropped.
fn values(row: &impl RowValues, rule: &FieldRule) -> Vec<String> {
    let raw = match (&rule.value, &rule.from) {
        (Some(constant), _) => vec![constant.clone()],
        (None, Some(from)) => row.values(from),
        (None, None) => Vec::new(),
    };
    let mut out = Vec::new();
    for value in raw {
        let parts: Vec<&str> = match &rule.split {
            Some(separator) => value.split(separator.as_str()).collect(),
            None => vec![value.as_str()],
        };
        for part in parts {
            let cleaned = part.split_whitespace().collect::<Vec<_>>().join(" ");
            if cleaned.is_empty() || NULLS.iter().any(|n| cleaned.eq_ignore_ascii_case(n)) {
                continue;
            }
            let cleaned = match &rule.prefix {
                Some(prefix) if !cleaned.starts_with(prefix.as_str()) => {
                    format!("{prefix}{cleaned}")
                }
                _ => cleaned,
            };
            if !out.contains(&cleaned) {
                out.push(cleaned);
            }
        }
    }
    out
}

/// A date in ISO form (`YYYY`, `YYYY-MM-DD`), from `format` when given, else from the shapes
/// catalogues and feeds write. `None` when it is none of them (kept as written then).
pub fn iso_date(text: &str, format: Option<&str>) -> Option<String> {
    let text = text.trim();
    if let Some(format) = format {
        if let Ok(date) = chrono::NaiveDate::parse_from_str(text, format) {
            return Some(date.format("%Y-%m-%d").to_string());
        }
        if let Ok(time) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(time.format("%Y-%m-%d").to_string());
        }
        if format == "%Y" {
            return bare_year(text);
        }
        return None;
    }
    if let Some(year) = bare_year(text) {
        return Some(year);
    }
    let day = |t: &str, f: &str| chrono::NaiveDate::parse_from_str(t, f).ok();
    if let Some(date) = text.get(..10).and_then(|t| day(t, "%Y-%m-%d")) {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    if let Some(date) = day(text, "%d/%m/%Y") {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(time.format("%Y-%m-%d").to_string());
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc2822(text) {
        return Some(time.format("%Y-%m-%d").to_string());
    }
    None
}

fn bare_year(text: &str) -> Option<String> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_owned())
}

/// A certification level on the European (EQF) scale, 1 to 8. RNCP writes `NIV7`, labels say
/// `niveau 7`; Idéo's `niveau de certification` counts backwards (1 = niveau 7, 5 = niveau 3,
/// 0 = not registered). `REPRISE` (records carried over from the old nomenclature) and the
/// like have no level.
pub fn european_level(text: &str, scale: LevelScale) -> Option<u8> {
    let digits: String = text
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let number: u8 = digits.parse().ok()?;
    let level = match scale {
        LevelScale::European => number,
        LevelScale::Inverted => match number {
            1..=5 => 8 - number,
            _ => return None,
        },
    };
    (1..=8).contains(&level).then_some(level)
}

#[cfg(test)]
#[path = "row_tests.rs"]
mod tests;
