//! What a search asks (`SearchQuery`), and its translation into a tantivy query: the text `q`
//! through tantivy's query grammar with our field names, the filters as exact-term clauses
//! that do not change scores.

use std::sync::Arc;

use serde::Deserialize;
use tantivy::Term;
use tantivy::query::{AllQuery, EmptyQuery, Query, QueryParser, QueryParserError};
use tantivy::query_grammar::{self, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::Field;
use tantivy::tokenizer::TokenStream;

use super::SearchError;
use super::abstracts::{self, InAbstract};
use super::checked::{CheckedQuery, YearRange};
use super::cursor::Sort;
use super::facets::Facet;
use super::filter_sets::{FilterQuery, FilterSets};
use super::schema::{self, Fields, names};

/// A search: text, filters, order, page size and the cursor of the previous page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// tantivy query syntax: words (all required), `"phrases"`, `field:word`, `OR`, `-word`.
    /// `None` or blank matches every work.
    pub q: Option<String>,
    pub filters: Filters,
    pub sort: Sort,
    /// Items per page; 0 counts (total, facets) without returning items. Capped at
    /// [`MAX_LIMIT`](super::MAX_LIMIT).
    pub limit: usize,
    /// `next_cursor` of the previous page, unchanged.
    pub cursor: Option<String>,
    /// The facets to count over every match (none by default: each costs a walk over the
    /// matches).
    pub facets: Vec<Facet>,
    /// Count the facets (and the total) in one walk of at most this many matches: exact over
    /// every match when there are no more, else estimated from a sample of them spread over
    /// the index (`SearchPage::facets_exact` false): a cost bounded however many works match
    /// (the HTML search page). `None`: over every match, exactly.
    #[serde(skip)]
    pub facets_sample: Option<usize>,
    /// Count every match even where an estimate would do (see [`Index::search`]).
    ///
    /// [`Index::search`]: super::Index::search
    pub exact_total: bool,
}

/// Exact filters, all of which a work must pass. Values are compared as the index stores them:
/// degree slugs (`doctoral-thesis`), ISO codes, theme ids, source ids, access names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Any of these degree types (empty: any type).
    pub types: Vec<String>,
    /// Inclusive.
    pub year_from: Option<i32>,
    /// Inclusive.
    pub year_to: Option<i32>,
    /// The institution exactly as the `institution` facet spells it.
    pub institution: Option<String>,
    /// ISO 3166-2 (`FR-OCC`).
    pub region: Option<String>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub theme: Option<String>,
    /// A member source's id: works with at least one record from it.
    pub source: Option<String>,
    /// `open`, `embargoed`, `restricted` or `unknown`.
    pub access: Option<String>,
    /// Only works the thesaurus placed under at least one ESS theme: a source labelled ESS
    /// also sends theses on other subjects, which the library keeps but does not showcase
    /// (the home page's latest works). Not a REST parameter.
    #[serde(skip)]
    pub themed: bool,
}

/// The names a person may put before `:` and the index fields each searches; [`ABSTRACT`], not
/// a field, stands for the abstracts' part of `text` (`abstracts.rs`).
const FIELD_NAMES: &[(&str, &[&str])] = &[
    ("title", &["title"]),
    ("titre", &["title"]),
    ("abstract", &[ABSTRACT]),
    ("resume", &[ABSTRACT]),
    ("keyword", &["keyword"]),
    ("keywords", &["keyword"]),
    ("subject", &["keyword"]),
    ("author", &["author"]),
    ("auteur", &["author"]),
    ("advisor", &["advisor"]),
    ("supervisor", &["advisor"]),
    ("directeur", &["advisor"]),
    ("discipline", &["discipline"]),
    ("institution", &["institution"]),
    ("year", &["year"]),
];

const FIELDS_HELP: &str =
    "title:, abstract:, keyword:, author:, advisor:, discipline:, institution: or year:";

/// The query parser: words without `field:` search the combined `text` field, every word
/// required unless `OR` says otherwise. One field and no boost, so that a query of plain words
/// is a `TermQuery` per word, which tantivy prunes with block-max WAND (one word) or block-max
/// intersection (several words).
pub fn parser(index: &tantivy::Index, fields: &Fields) -> QueryParser {
    let mut parser = QueryParser::for_index(index, vec![fields.text]);
    parser.set_conjunction_by_default();
    parser
}

/// The whole query: text (or everything) and the filters (their documents kept in `sets`).
pub fn build(
    parser: &QueryParser,
    fields: &Fields,
    sets: &Arc<FilterSets>,
    search: &SearchQuery,
) -> Result<Box<dyn Query>, SearchError> {
    let text: Box<dyn Query> = match search.q.as_deref().map(str::trim) {
        None | Some("") => Box::new(AllQuery),
        Some(q) => text_query(parser, fields, q)?,
    };
    // Phrases and filters become checks of the words' pruned walk (`checked.rs`); they add
    // nothing to the score: relevance is the words' alone.
    let (from, to) = (search.filters.year_from, search.filters.year_to);
    // A span of a few years is one more clause of the filters' set (a union of the years'
    // sets); a longer or open range is checked on the candidates from the year column.
    let span = match (from, to) {
        (Some(from), Some(to)) if to.saturating_sub(from) < YEARS_AS_SETS => Some((from, to)),
        _ => None,
    };
    let filters = filter_queries(fields, sets, &search.filters, span);
    let years = (span.is_none() && (from.is_some() || to.is_some())).then(|| YearRange {
        field: fields.year,
        from: from.map(i64::from),
        to: to.map(i64::from),
    });
    Ok(CheckedQuery::split(text, fields.text, filters, years))
}

/// A year range spanning fewer years than this is a union of the years' document sets, kept
/// as the other filters' are (`filter_sets.rs`): ORing 16 sets of a million documents costs
/// ~50 µs, against reading the year of every candidate (`q=esxor&year_from=2015&year_to=2015&
/// region=BE-WAL` walked the word's matches to find the few of one year and region: 3 ms).
const YEARS_AS_SETS: i32 = 16;

/// Longer queries are refused: nobody types them (the API declares the limit).
const MAX_QUERY_CHARS: usize = 1_000;
/// Deeper nesting of parentheses is read as plain words: the grammar's parser is recursive.
const MAX_NESTING: usize = 16;
/// A query read as plain words keeps at most this many.
const MAX_PLAIN_WORDS: usize = 64;

/// `q` through the query grammar; a `q` it cannot read (an unclosed quote, an unknown field, an
/// exclusion alone...) is searched as its plain words instead, so that any text a person types
/// finds something rather than an error. Only an over-long `q` is refused.
fn text_query(
    parser: &QueryParser,
    fields: &Fields,
    q: &str,
) -> Result<Box<dyn Query>, SearchError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::BadQuery {
            message: format!("`q` is too long: at most {MAX_QUERY_CHARS} characters"),
        });
    }
    if nesting(q) <= MAX_NESTING {
        match grammar_query(parser, fields, q) {
            Ok(query) => return Ok(query),
            // `-agricole`: everything but the excluded words.
            Err(QueryParserError::AllButQueryForbidden) => {
                if let Ok(query) = grammar_query(parser, fields, &format!("* {q}")) {
                    return Ok(query);
                }
            }
            Err(_) => {}
        }
    }
    plain_words_query(parser, fields, q)
}

/// The failure of the grammar or of a field name (reported as a syntax error: either way the
/// query is read as plain words).
fn grammar_query(
    parser: &QueryParser,
    fields: &Fields,
    q: &str,
) -> Result<Box<dyn Query>, QueryParserError> {
    let syntax = || QueryParserError::SyntaxError(q.to_owned());
    let ast = query_grammar::parse_query(q).map_err(|_| syntax())?;
    let mut renaming = Renaming {
        fields,
        checks: Vec::new(),
    };
    let ast = renaming.fields(ast).map_err(|_| syntax())?;
    let query = parser.build_query_from_user_input_ast(ast)?;
    if renaming.checks.is_empty() {
        return Ok(query);
    }
    abstracts::put_checks(query, &renaming.checks, fields.abstract_check).ok_or_else(syntax)
}

/// `q`'s words (letters and digits; everything else separates them), each a quoted literal so
/// that no word is read as syntax (`OR`, `AND`), all required. No word: every work, as a blank
/// `q`; words that leave no term to search (the analysers drop over-long ones): no work.
fn plain_words_query(
    parser: &QueryParser,
    fields: &Fields,
    q: &str,
) -> Result<Box<dyn Query>, SearchError> {
    let text: String = q
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<String> = text
        .split_whitespace()
        .take(MAX_PLAIN_WORDS)
        .map(|word| format!("\"{word}\""))
        .collect();
    if words.is_empty() {
        return Ok(Box::new(AllQuery));
    }
    // Words the analysers drop (over-long ones) leave no term: nothing can match them.
    Ok(grammar_query(parser, fields, &words.join(" ")).unwrap_or_else(|_| Box::new(EmptyQuery)))
}

/// The renaming of a query's fields, and the checks of its `abstract:` literals (placeholders
/// in the query the parser builds, replaced by [`abstracts::put_checks`]).
struct Renaming<'f> {
    fields: &'f Fields,
    checks: Vec<InAbstract>,
}

impl Renaming<'_> {
    /// Replaces the names people type (`title:`) by the index fields they stand for; an
    /// unknown name is an error rather than a search for nothing.
    fn fields(&mut self, ast: UserInputAst) -> Result<UserInputAst, SearchError> {
        Ok(match ast {
            UserInputAst::Clause(clauses) => UserInputAst::Clause(
                clauses
                    .into_iter()
                    .map(|(occur, child)| Ok((occur, self.fields(child)?)))
                    .collect::<Result<_, SearchError>>()?,
            ),
            UserInputAst::Boost(child, boost) => {
                let checks = self.checks.len();
                let child = self.fields(*child)?;
                // A boost would hide the placeholders of the checks inside it from
                // `put_checks`: the `abstract:` literals are not boosted.
                if self.checks.len() > checks {
                    child
                } else {
                    UserInputAst::Boost(Box::new(child), boost)
                }
            }
            UserInputAst::Leaf(leaf) => self.leaf(*leaf)?,
        })
    }

    fn leaf(&mut self, leaf: UserInputLeaf) -> Result<UserInputAst, SearchError> {
        match leaf {
            UserInputLeaf::Literal(literal) if is_abstract(literal.field_name.as_deref()) => {
                Ok(self.in_abstract(literal))
            }
            UserInputLeaf::Set { field, elements } if is_abstract(field.as_deref()) => {
                let should = Some(query_grammar::Occur::Should);
                let literal = |phrase| UserInputLiteral {
                    field_name: None,
                    phrase,
                    delimiter: query_grammar::Delimiter::None,
                    slop: 0,
                    prefix: false,
                };
                Ok(UserInputAst::Clause(
                    elements
                        .into_iter()
                        .map(|element| (should, self.in_abstract(literal(element))))
                        .collect(),
                ))
            }
            leaf => rename_leaf(leaf),
        }
    }

    /// An `abstract:` literal: the same literal over the default fields (it scores, and is
    /// walked with pruning), and the placeholder of its check (`abstracts.rs`).
    fn in_abstract(&mut self, mut literal: UserInputLiteral) -> UserInputAst {
        literal.field_name = None;
        let check = InAbstract::of(self.fields, &literal.phrase, literal.slop, literal.prefix);
        let lead = with_pairs_if_phrase(literal);
        let Some(check) = check else {
            return lead;
        };
        let placeholder = UserInputLiteral {
            field_name: Some(names::ABSTRACT_CHECK.to_owned()),
            phrase: self.checks.len().to_string(),
            delimiter: query_grammar::Delimiter::None,
            slop: 0,
            prefix: false,
        };
        self.checks.push(check);
        let must = Some(query_grammar::Occur::Must);
        UserInputAst::Clause(vec![
            (must, lead),
            (
                must,
                UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(placeholder))),
            ),
        ])
    }
}

/// The target of `abstract:` and its synonyms in [`FIELD_NAMES`].
const ABSTRACT: &str = "abstract";

/// Whether a field name is `abstract:` or a synonym.
fn is_abstract(name: Option<&str>) -> bool {
    name.and_then(|name| targets(name).ok()) == Some(&[ABSTRACT][..])
}

/// `name`'s leaf for each index field it stands for: one leaf, or a clause of either.
fn each_target(
    name: &str,
    make: &dyn Fn(String) -> UserInputLeaf,
) -> Result<UserInputAst, SearchError> {
    let targets = targets(name)?;
    let mut leaves: Vec<UserInputAst> = targets
        .iter()
        .map(|target| UserInputAst::Leaf(Box::new(make((*target).to_owned()))))
        .collect();
    Ok(if leaves.len() == 1 {
        leaves.remove(0)
    } else {
        UserInputAst::Clause(
            leaves
                .into_iter()
                .map(|leaf| (Some(query_grammar::Occur::Should), leaf))
                .collect(),
        )
    })
}

/// The leaves other than literals and sets of `abstract:`.
fn rename_leaf(leaf: UserInputLeaf) -> Result<UserInputAst, SearchError> {
    match leaf {
        UserInputLeaf::Literal(literal) => match literal.field_name.clone() {
            None => Ok(with_pairs_if_phrase(literal)),
            Some(name) => each_target(&name, &|target| {
                let mut copy = literal.clone();
                copy.field_name = Some(target);
                UserInputLeaf::Literal(copy)
            }),
        },
        UserInputLeaf::All => Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::All))),
        UserInputLeaf::Range {
            field: Some(name),
            lower,
            upper,
        } if targets(&name)? == ["year"] => {
            Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::Range {
                field: Some("year".to_owned()),
                lower,
                upper,
            })))
        }
        UserInputLeaf::Range { .. } => Err(SearchError::BadQuery {
            message: "ranges work on year only, e.g. year:[2015 TO 2020]; use the year_from \
                      and year_to filters otherwise"
                .to_owned(),
        }),
        UserInputLeaf::Set {
            field: Some(name),
            elements,
        } => each_target(&name, &|target| UserInputLeaf::Set {
            field: Some(target),
            elements: elements.clone(),
        }),
        UserInputLeaf::Set { field: None, .. } => Err(SearchError::BadQuery {
            message: "`IN [...]` needs a field before it, e.g. keyword: IN [cooperative mutuelle]"
                .to_owned(),
        }),
        UserInputLeaf::Exists { field } => Err(SearchError::BadQuery {
            message: format!("`{field}:*` is not supported: search for words instead"),
        }),
        UserInputLeaf::Regex { .. } => Err(SearchError::BadQuery {
            message: "regular expressions are not supported: search for words instead".to_owned(),
        }),
    }
}

/// A phrase of the default fields (two words or more, adjacent, exact: no slop, no prefix)
/// also requires the bucket of each of its pairs of words in the `pairs` field: the works that
/// hold them all are few (a pair is much rarer than its words), and only theirs are checked by
/// positions, instead of every work holding the words. The phrase itself decides (a bucket
/// holds other pairs too), so the matches are those of the phrase alone.
fn with_pairs_if_phrase(literal: UserInputLiteral) -> UserInputAst {
    let mut analyzer = schema::words();
    let mut words: Vec<(usize, usize, usize)> = Vec::new();
    {
        let mut stream = analyzer.token_stream(&literal.phrase);
        while stream.advance() {
            let token = stream.token();
            words.push((token.position, token.offset_from, token.offset_to));
        }
    }
    let adjacent = words.windows(2).all(|pair| pair[0].0 + 1 == pair[1].0);
    let leaf = |literal| UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal)));
    if literal.slop > 0 || literal.prefix || words.len() < 2 || !adjacent {
        return leaf(literal);
    }
    let mut clauses: Vec<(Option<query_grammar::Occur>, UserInputAst)> = words
        .windows(2)
        .filter_map(|pair| {
            let text = literal.phrase.get(pair[0].1..pair[1].2)?;
            Some((
                Some(query_grammar::Occur::Must),
                leaf(UserInputLiteral {
                    field_name: Some(names::PAIRS.to_owned()),
                    phrase: text.to_owned(),
                    delimiter: query_grammar::Delimiter::DoubleQuotes,
                    slop: 0,
                    prefix: false,
                }),
            ))
        })
        .collect();
    clauses.push((Some(query_grammar::Occur::Must), leaf(literal)));
    UserInputAst::Clause(clauses)
}

fn targets(name: &str) -> Result<&'static [&'static str], SearchError> {
    let lower = name.to_lowercase();
    FIELD_NAMES
        .iter()
        .find(|(known, _)| *known == lower)
        .map(|(_, targets)| *targets)
        .ok_or_else(|| SearchError::BadQuery {
            message: format!(
                "`{name}:` is not a field you can search; use {FIELDS_HELP} (to search for a \
                 word followed by a colon, put it in double quotes)"
            ),
        })
}

/// The deepest nesting of parentheses outside quoted phrases.
fn nesting(q: &str) -> usize {
    let (mut depth, mut deepest, mut quoted) = (0usize, 0usize, false);
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The filters: their exact terms as one [`FilterQuery`] (the types a union, and the years of
/// `span` if given), the theme and the themed works as its themes.
fn filter_queries(
    fields: &Fields,
    sets: &Arc<FilterSets>,
    filters: &Filters,
    span: Option<(i32, i32)>,
) -> Vec<Box<dyn Query>> {
    let mut clauses: Vec<Vec<Term>> = Vec::new();
    let types: Vec<Term> = filters
        .types
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| Term::from_field_text(fields.f_type, t))
        .collect();
    if !types.is_empty() {
        clauses.push(types);
    }
    if let Some((from, to)) = span {
        // `to` before `from`: a clause without a term, which nothing passes.
        clauses.push(
            (from..=to)
                .map(|year| Term::from_field_i64(fields.year, i64::from(year)))
                .collect(),
        );
    }
    let exact: [(Field, &Option<String>); 5] = [
        (fields.f_institution, &filters.institution),
        (fields.f_region, &filters.region),
        (fields.f_language, &filters.language),
        (fields.f_source, &filters.source),
        (fields.f_access, &filters.access),
    ];
    for (field, value) in exact {
        if let Some(value) = value.as_deref() {
            clauses.push(vec![Term::from_field_text(field, value)]);
        }
    }
    // Themes are kept beside the documents (`themes.rs`): the themed works are those of any.
    let mut themes: Vec<Option<String>> = Vec::new();
    if let Some(theme) = filters.theme.as_deref() {
        themes.push(Some(theme.to_owned()));
    }
    if filters.themed {
        themes.push(None);
    }
    let mut queries: Vec<Box<dyn Query>> = Vec::new();
    if let Some(query) = FilterQuery::new(clauses, themes, sets.clone()) {
        queries.push(Box::new(query));
    }
    queries
}
