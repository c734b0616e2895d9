//! Query parameters of `/api/v1/works` (search and export), read by hand so that a mistake gets
//! a problem document naming the parameter, what it expects and what it got.

use super::problem::Problem;
use crate::index::{Facet, SearchQuery, Sort};
use crate::vocab::DegreeType;

/// A search or an export, checked: the index's query, and the export's `format`.
#[derive(Debug, Clone, Default)]
pub struct WorkParams {
    pub search: SearchQuery,
    pub format: Option<String>,
}

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
pub const ACCESS: [&str; 4] = ["open", "embargoed", "restricted", "unknown"];
const KNOWN: [&str; 17] = [
    "q",
    "type",
    "year_from",
    "year_to",
    "institution",
    "region",
    "language",
    "theme",
    "source",
    "access",
    "sort",
    "limit",
    "cursor",
    "facets",
    "total",
    "format",
    "api_key",
];

/// Reads the query string; `export` says whether `format` is expected (and `limit`/`cursor` not).
pub fn parse(query: &str, export: bool) -> Result<WorkParams, Problem> {
    let mut params = WorkParams::default();
    params.search.limit = DEFAULT_LIMIT;
    let mut format = None;
    let search = &mut params.search;
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let filters = &mut search.filters;
        let key = key.as_ref();
        if !KNOWN.contains(&key) {
            return Err(Problem::invalid_parameter(
                key,
                format!(
                    "unknown parameter `{key}`; known: {}",
                    KNOWN[..16].join(", ")
                ),
            ));
        }
        // `type` may repeat (several types); the others may not.
        if key != "type" && seen.iter().any(|k| k == key) {
            return Err(Problem::invalid_parameter(
                key,
                format!("`{key}` is given twice; give it once"),
            ));
        }
        seen.push(key.to_owned());
        let value = value.trim().to_owned();
        let text = || (!value.is_empty()).then(|| value.clone());
        match key {
            "q" => search.q = text(),
            "type" => {
                for kind in value.split(',').map(str::trim) {
                    if DegreeType::from_slug(kind).is_none() {
                        let slugs = DegreeType::ALL.map(DegreeType::slug);
                        return Err(Problem::invalid_parameter(
                            "type",
                            format!("`type` must be one of {}, got `{kind}`", slugs.join(", ")),
                        ));
                    }
                    filters.types.push(kind.to_owned());
                }
            }
            "year_from" => filters.year_from = Some(year("year_from", &value)?),
            "year_to" => filters.year_to = Some(year("year_to", &value)?),
            "institution" => filters.institution = text(),
            "region" => filters.region = text(),
            "language" => {
                if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase())) {
                    return Err(Problem::invalid_parameter(
                        "language",
                        format!(
                            "`language` must be an ISO 639-1 code like fr or en, got `{value}`"
                        ),
                    ));
                }
                filters.language = text();
            }
            "theme" => filters.theme = text(),
            "source" => filters.source = text(),
            "access" => {
                if !ACCESS.contains(&value.as_str()) {
                    return Err(Problem::invalid_parameter(
                        "access",
                        format!(
                            "`access` must be one of {}, got `{value}`",
                            ACCESS.join(", ")
                        ),
                    ));
                }
                filters.access = text();
            }
            "sort" => {
                search.sort = match value.as_str() {
                    "relevance" => Sort::Relevance,
                    "date_asc" => Sort::DateAsc,
                    "date_desc" => Sort::DateDesc,
                    _ => {
                        return Err(Problem::invalid_parameter(
                            "sort",
                            format!(
                                "`sort` must be relevance, date_asc or date_desc, got `{value}`"
                            ),
                        ));
                    }
                }
            }
            "limit" if !export => {
                search.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        Problem::invalid_parameter(
                            "limit",
                            format!(
                                "`limit` must be a number from 1 to {MAX_LIMIT}, got `{value}`"
                            ),
                        )
                    })?;
            }
            "cursor" if !export => search.cursor = text(),
            "facets" if !export => search.facets = facets(&value)?,
            "total" if !export => {
                search.exact_total = match value.as_str() {
                    "exact" => true,
                    "estimate" => false,
                    _ => {
                        return Err(Problem::invalid_parameter(
                            "total",
                            format!("`total` must be exact or estimate, got `{value}`"),
                        ));
                    }
                }
            }
            "format" if export => format = text(),
            "api_key" => {}
            other => {
                return Err(Problem::invalid_parameter(
                    other,
                    if export {
                        format!("exports take no `{other}`: they return every matching work")
                    } else {
                        format!("`{other}` is for /api/v1/works/export only")
                    },
                ));
            }
        }
    }
    // `year_from` after `year_to` is not an error: no work matches, the answer is empty.
    params.format = format;
    Ok(params)
}

/// `limit` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and `offset` (default 0) of a plain
/// list such as a source's runs; nothing else.
pub fn parse_paging(query: &str) -> Result<(usize, usize), Problem> {
    let (mut limit, mut offset) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match key.as_ref() {
            "limit" => &mut limit,
            "offset" => &mut offset,
            "api_key" => continue,
            other => {
                return Err(Problem::invalid_parameter(
                    other,
                    format!("unknown parameter `{other}`; known: limit, offset"),
                ));
            }
        };
        if slot.is_some() {
            return Err(Problem::invalid_parameter(
                &key,
                format!("`{key}` is given twice; give it once"),
            ));
        }
        let number = value.parse::<usize>().map_err(|_| {
            Problem::invalid_parameter(
                &key,
                format!("`{key}` must be a whole number, got `{value}`"),
            )
        })?;
        *slot = Some(number);
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::invalid_parameter(
            "limit",
            format!("`limit` must be between 1 and {MAX_LIMIT}, got {limit}"),
        ));
    }
    Ok((limit, offset.unwrap_or(0)))
}

/// `facets=type,year`: each facet once, in the order given; blank asks for none.
fn facets(value: &str) -> Result<Vec<Facet>, Problem> {
    let mut facets = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let facet = Facet::from_name(name).ok_or_else(|| {
            let names = Facet::ALL.map(Facet::name);
            Problem::invalid_parameter(
                "facets",
                format!("`facets` takes {}, got `{name}`", names.join(", ")),
            )
        })?;
        if !facets.contains(&facet) {
            facets.push(facet);
        }
    }
    Ok(facets)
}

fn year(name: &str, value: &str) -> Result<i32, Problem> {
    value
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y) && value.len() == 4)
        .ok_or_else(|| {
            Problem::invalid_parameter(
                name,
                format!("`{name}` must be a year like 2015, got `{value}`"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(query: &str) -> String {
        parse(query, false)
            .err()
            .map(|p| p.detail)
            .unwrap_or_default()
    }

    #[test]
    fn every_filter_is_read() {
        let params = parse(
            "q=coop%C3%A9ratives&type=doctoral-thesis,hdr&year_from=2015&year_to=2020&region=FR-OCC&language=fr&theme=cooperatives&source=hal&access=open&sort=date_desc&limit=50&cursor=abc&institution=Universit%C3%A9%20Rennes%202",
            false,
        )
        .unwrap_or_default();
        let search = params.search;
        assert_eq!(search.q.as_deref(), Some("coopératives"));
        assert_eq!(search.filters.types, ["doctoral-thesis", "hdr"]);
        assert_eq!(
            (search.filters.year_from, search.filters.year_to),
            (Some(2015), Some(2020))
        );
        assert_eq!(
            search.filters.institution.as_deref(),
            Some("Université Rennes 2")
        );
        assert_eq!(search.sort, Sort::DateDesc);
        assert_eq!(search.limit, 50);
        assert_eq!(search.cursor.as_deref(), Some("abc"));
    }

    #[test]
    fn mistakes_name_the_parameter_and_what_it_expects() {
        assert_eq!(
            detail("year_from=abc"),
            "`year_from` must be a year like 2015, got `abc`"
        );
        assert!(detail("limit=0").contains("from 1 to 100"));
        assert!(detail("limit=101").contains("got `101`"));
        assert!(detail("type=thesis").contains("must be one of doctoral-thesis"));
        assert!(detail("sort=new").contains("relevance, date_asc or date_desc"));
        assert!(detail("colour=blue").contains("unknown parameter `colour`"));
        assert!(detail("q=a&q=b").contains("given twice"));
        assert!(parse("year_from=2020&year_to=2010", false).is_ok());
        assert!(detail("language=French").contains("ISO 639-1"));
        assert!(detail("format=csv").contains("export only"));
        assert!(parse("limit=5", true).is_err());
        assert!(detail("facets=type,colour").contains("`facets` takes type, year"));
        assert!(detail("total=some").contains("exact or estimate"));
        assert!(
            parse("facets=type", true).is_err(),
            "exports have no facets"
        );
        let asked = parse("facets=year,+type,year,&total=exact", false)
            .ok()
            .map(|p| p.search);
        assert_eq!(
            asked.as_ref().map(|s| (s.facets.clone(), s.exact_total)),
            Some((vec![Facet::Year, Facet::Type], true))
        );
        assert_eq!(
            parse("format=csv&type=hdr", true)
                .ok()
                .and_then(|p| p.format),
            Some("csv".to_owned())
        );
    }

    /// Fuzzing (issue 18): any query string of a works search or export is read or refused
    /// with a 400 problem, never a panic.
    #[test]
    fn fuzzed_query_strings_are_read_or_refused_with_a_400() {
        let seeds: &[&[u8]] = &[
            b"q=coop%C3%A9ratives+-agricole&type=doctoral-thesis,hdr&year_from=2015&year_to=2020&sort=year_desc&limit=50",
            b"q=%22%C3%A9conomie+solidaire%22&region=FR-OCC&language=fr&theme=cooperatives&access=open",
            b"format=csv&q=title:(mutuelle&institution=Universit%C3%A9+de+Lyon&source=hal",
            b"cursor=abc&limit=0&sort=relevance&facets=type,year&total=exact",
        ];
        crate::test_support::fuzz("works query", seeds, |bytes| {
            let query = String::from_utf8_lossy(bytes);
            for export in [false, true] {
                if let Err(problem) = parse(&query, export) {
                    assert_eq!(problem.status, 400, "{}", problem.detail);
                }
            }
        });
    }
}
