//! The `[fields]` table of a non-OAI source: which column (or dotted JSON path) holds each of
//! essor's fields, and how to read it. Validated here so that a typo in a field or a key is a
//! configuration error naming the file, never a silently empty field.

use std::fmt;

/// The fields a source may map, by their name in `[fields]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Title,
    Authors,
    Advisors,
    Date,
    /// When the row last changed (Idéo's `date de modification`): the record's datestamp.
    Modified,
    Abstract,
    Keywords,
    Url,
    Institution,
    Region,
    Language,
    Level,
    Discipline,
    Identifiers,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::Title,
        Field::Authors,
        Field::Advisors,
        Field::Date,
        Field::Modified,
        Field::Abstract,
        Field::Keywords,
        Field::Url,
        Field::Institution,
        Field::Region,
        Field::Language,
        Field::Level,
        Field::Discipline,
        Field::Identifiers,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Authors => "authors",
            Field::Advisors => "advisors",
            Field::Date => "date",
            Field::Modified => "modified",
            Field::Abstract => "abstract",
            Field::Keywords => "keywords",
            Field::Url => "url",
            Field::Institution => "institution",
            Field::Region => "region",
            Field::Language => "language",
            Field::Level => "level",
            Field::Discipline => "discipline",
            Field::Identifiers => "identifiers",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a certification level is numbered at the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LevelScale {
    /// The French (and European) scale: `NIV7`, `niveau 7`, `7` all mean EQF level 7.
    #[default]
    European,
    /// Idéo's numbering, backwards: 1 = niveau 7 … 5 = niveau 3, 0 = not registered.
    Inverted,
}

/// How one field is read: from a column (or path), or a constant `value`; optionally split into
/// several values, read as a date in a given format, on a level scale, with a prefix added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldRule {
    pub from: Option<String>,
    pub value: Option<String>,
    pub split: Option<String>,
    /// A chrono format such as `%d/%m/%Y`; without it, the usual shapes are recognised.
    pub date_format: Option<String>,
    pub scale: LevelScale,
    /// Added in front of values that lack it (Idéo's RNCP codes come without `RNCP`).
    pub prefix: Option<String>,
}

/// A validated `[fields]` table, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    pub rules: Vec<(Field, FieldRule)>,
}

impl FieldMap {
    pub fn get(&self, field: Field) -> Option<&FieldRule> {
        self.rules.iter().find(|(f, _)| *f == field).map(|(_, r)| r)
    }

    /// Reads a `[fields]` table; the error says which field and key is wrong and what is expected.
    pub fn parse(table: &toml::Table) -> Result<FieldMap, String> {
        let mut rules = Vec::new();
        for (name, value) in table {
            let field = Field::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                format!("unknown field `{name}` (known: {})", known.join(", "))
            })?;
            let rule = match value {
                toml::Value::String(column) if !column.trim().is_empty() => FieldRule {
                    from: Some(column.clone()),
                    ..FieldRule::default()
                },
                toml::Value::Table(spec) => parse_rule(field, spec)?,
                _ => {
                    return Err(format!(
                        "field `{name}`: a column name or a table such as {{ from = \"…\", split = \" | \" }} is expected"
                    ));
                }
            };
            rules.push((field, rule));
        }
        rules.sort_by_key(|(field, _)| *field);
        if !rules.iter().any(|(f, _)| *f == Field::Title) {
            return Err(
                "field `title` must be mapped: a record without a title is a reject".into(),
            );
        }
        Ok(FieldMap { rules })
    }
}

fn parse_rule(field: Field, spec: &toml::Table) -> Result<FieldRule, String> {
    let mut rule = FieldRule::default();
    for (key, value) in spec {
        let text = || {
            value
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("field `{field}`: key `{key}` takes a non-empty string"))
        };
        match key.as_str() {
            "from" => rule.from = Some(text()?),
            "value" => rule.value = Some(text()?),
            "split" => rule.split = Some(text()?),
            "prefix" => rule.prefix = Some(text()?),
            "date_format" => {
                let format = text()?;
                if !matches!(field, Field::Date | Field::Modified) {
                    return Err(format!(
                        "field `{field}`: `date_format` is only for `date` and `modified`"
                    ));
                }
                if !format.contains('%') {
                    return Err(format!(
                        "field `{field}`: a date format such as \"%d/%m/%Y\" is expected, got {format:?}"
                    ));
                }
                rule.date_format = Some(format);
            }
            "scale" => {
                if field != Field::Level {
                    return Err(format!("field `{field}`: `scale` is only for `level`"));
                }
                rule.scale = match text()?.as_str() {
                    "european" => LevelScale::European,
                    "inverted" => LevelScale::Inverted,
                    other => {
                        return Err(format!(
                            "field `level`: scale \"european\" or \"inverted\" is expected, got {other:?}"
                        ));
                    }
                };
            }
            other => {
                return Err(format!(
                    "field `{field}`: unknown key `{other}` (known: from, value, split, date_format, scale, prefix)"
                ));
            }
        }
    }
    match (&rule.from, &rule.value) {
        (Some(_), Some(_)) => Err(format!(
            "field `{field}`: either `from` or `value`, not both"
        )),
        (None, None) => Err(format!(
            "field `{field}`: `from` (a column or path) or `value` (a constant) is required"
        )),
        _ => Ok(rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FieldMap, String> {
        FieldMap::parse(&text.parse::<toml::Table>().unwrap_or_default())
    }

    #[test]
    fn columns_and_rules_are_read() {
        let map = parse(
            "title = \"Intitule\"\nkeywords = { from = \"domaine\", split = \" | \" }\nlevel = { from = \"niveau\", scale = \"inverted\" }\ndate = { from = \"d\", date_format = \"%d/%m/%Y\" }\n",
        )
        .unwrap();
        assert_eq!(
            map.get(Field::Title).unwrap().from.as_deref(),
            Some("Intitule")
        );
        assert_eq!(
            map.get(Field::Keywords).unwrap().split.as_deref(),
            Some(" | ")
        );
        assert_eq!(map.get(Field::Level).unwrap().scale, LevelScale::Inverted);
        assert!(map.get(Field::Authors).is_none());
    }

    #[test]
    fn mistakes_name_the_field_and_key() {
        for (text, expected) in [
            ("title = \"t\"\ncolour = \"c\"\n", "colour"),
            ("title = { from = \"t\", spilt = \",\" }\n", "spilt"),
            ("title = { split = \",\" }\n", "`from`"),
            (
                "title = \"t\"\nauthors = { from = \"a\", date_format = \"%Y\" }\n",
                "date_format",
            ),
            (
                "title = \"t\"\ndate = { from = \"d\", date_format = \"dd/mm\" }\n",
                "date format",
            ),
            (
                "title = \"t\"\nlevel = { from = \"l\", scale = \"upside-down\" }\n",
                "scale",
            ),
            ("authors = \"a\"\n", "title"),
            ("title = 3\n", "title"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
