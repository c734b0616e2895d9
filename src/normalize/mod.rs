//! Normalisation: a harvested [`Record`], as any crosswalk left it, becomes the work model's
//! [`Normalized`] (persons split, dates parsed, languages and identifiers canonical, degree type
//! and access decided), with the problems met on the way. Pure: no I/O, no store, no clock; a
//! bad value is a [`Problem`] beside the result, never a failure.
//!
//! Also the keys dedup compares records on: [`title_key`], [`name_key`], [`fold`].

mod dates;
mod degree;
mod identifiers;
mod languages;
mod names;
mod rights;
mod text;

use serde::{Deserialize, Serialize};

use crate::map::{LangText, Record};

pub use dates::{DateError, PartialDate, best_date};
pub use degree::{DegreeType, degree_type};
pub use identifiers::{IdKind, Identifier, IdentifierError};
pub use languages::{LanguageError, language_code};
pub use names::{NameError, Person, canonical_person_id, is_organisation, name_key};
pub use rights::{Access, Rights, licence_id, rights};
pub use text::{clean_text, fold, fold_into, strip_tags, title_key};

use identifiers::{find_hal_in_text, find_nnt_in_text};
use languages::lang_attribute;

/// Where a record comes from: what the record itself does not say but its harvest does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Source id (the harvest-sources file stem).
    pub source: &'a str,
    /// The record's OAI identifier: provenance, not an identifier of the work, except that
    /// HAL's ("oai:HAL:tel-02955615v1") reveals the HAL id.
    pub identifier: &'a str,
    /// Crosswalk that mapped the record ("oai_dc", "etdms", "tef").
    pub format: Option<&'a str>,
    /// OAI sets the record is in (HAL's "type:THESE", "collection:DUMAS"…).
    pub sets: &'a [String],
    /// The source's institution from its configuration: the last fallback for `institution`.
    pub institution: Option<&'a str>,
    /// The source's region (ISO 3166-2) from its configuration. Not used by normalisation: it
    /// travels with the context for the stages that group works by region.
    pub region: Option<&'a str>,
}

/// A record in the work model's terms, ready for dedup and classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalized {
    /// Main title first, then translations and alternative titles.
    pub titles: Vec<Title>,
    pub authors: Vec<Person>,
    pub advisors: Vec<Person>,
    pub degree_type: DegreeType,
    pub discipline: Option<String>,
    /// Degree grantor, else the institution the record names, else the source's.
    pub institution: Option<String>,
    /// Defence or publication date.
    pub date: Option<PartialDate>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub abstracts: Vec<Text>,
    pub keywords: Vec<Text>,
    /// Canonical, strongest kinds first (NNT, DOI, HAL, handle, …).
    pub identifiers: Vec<Identifier>,
    pub access: Access,
    pub embargo_until: Option<String>,
    /// Canonical short id ("CC-BY-NC-ND-4.0", "etalab-2.0").
    pub licence: Option<String>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Title {
    /// The whole title, subtitle included.
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
    /// What follows " : " (or a spaced dash), when the title has a subtitle.
    pub subtitle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Text {
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
}

/// Something wrong or missing in a record, counted and shown, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The `Normalized` field concerned ("date", "language", "authors", …).
    pub field: String,
    pub message: String,
}

impl Problem {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Problem {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Normalises one record. Never fails: what cannot be read is reported in `problems`.
pub fn normalize(record: &Record, context: &Context<'_>) -> Normalized {
    let mut problems = Vec::new();
    let degree_type = degree_type(record, context.sets, context.format);

    let (authors, corporate_authors) = authors(record, &mut problems);
    if authors.is_empty() {
        problems.push(Problem::new("authors", "no author"));
    }
    let advisors = advisors(record, degree_type);

    let citations: Vec<HalCitation> = record
        .sources
        .iter()
        .filter_map(|s| hal_citation(s))
        .collect();
    let mut domain_hints = Vec::new();
    let keywords = keywords(&record.subjects, &mut domain_hints);

    let discipline = record
        .degree
        .as_ref()
        .and_then(|d| d.discipline.as_deref())
        .map(clean_label)
        .filter(|d| !d.is_empty())
        .or_else(|| citations.iter().find_map(|c| c.discipline.clone()))
        .or_else(|| domain_hints.first().cloned());

    let institution = institution(record, &citations, &corporate_authors, context);

    let date = date(record, &mut problems);

    let mut titles = titles(record);
    if titles.is_empty() {
        problems.push(Problem::new("titles", "no title"));
    }
    let mut abstracts = abstracts(&record.abstracts);
    let language = language(record, &titles, &abstracts, &mut problems);
    if let Some(language) = &language {
        assume_language(&mut titles, language, |t| &mut t.lang);
        assume_language(&mut abstracts, language, |t| &mut t.lang);
    }

    let identifiers = identifiers(record, context, &mut problems);
    let rights = rights(
        record.rights.iter().map(String::as_str),
        record.dates.iter().map(String::as_str),
    );

    Normalized {
        titles,
        authors,
        advisors,
        degree_type,
        discipline,
        institution,
        date,
        language,
        abstracts,
        keywords,
        identifiers,
        access: rights.access,
        embargo_until: rights.embargo_until,
        licence: rights.licence,
        problems,
    }
}

/// What deduplication reads of a record, with the same values as [`normalize`] gives them:
/// titles, authors, degree type, date and identifiers. The other fields are left empty and no
/// problems are listed: evaluating dedup over a million records skips abstracts, keywords,
/// rights and language detection, which it never looks at.
pub fn normalize_for_dedup(record: &Record, context: &Context<'_>) -> Normalized {
    let mut problems = Vec::new();
    let (authors, _) = authors(record, &mut problems);
    let date = date(record, &mut problems);
    let identifiers = identifiers(record, context, &mut problems);
    Normalized {
        titles: titles(record),
        authors,
        advisors: Vec::new(),
        degree_type: degree_type(record, context.sets, context.format),
        discipline: None,
        institution: None,
        date,
        language: None,
        abstracts: Vec::new(),
        keywords: Vec::new(),
        identifiers,
        access: Access::default(),
        embargo_until: None,
        licence: None,
        problems: Vec::new(),
    }
}

/// The defence or publication date: the best of the record's dates (OpenAIRE's
/// `info:eu-repo/date/…` embargo markers aside).
fn date(record: &Record, problems: &mut Vec<Problem>) -> Option<PartialDate> {
    let date_candidates: Vec<&str> = record
        .dates
        .iter()
        .map(String::as_str)
        .filter(|d| {
            !d.trim()
                .to_ascii_lowercase()
                .starts_with("info:eu-repo/date/")
        })
        .collect();
    let (date, date_errors) = best_date(date_candidates.iter().copied());
    problems.extend(
        date_errors
            .iter()
            .map(|e| Problem::new("date", e.to_string())),
    );
    if date.is_none() && date_errors.is_empty() {
        problems.push(Problem::new("date", "no date"));
    }
    date
}

/// Titles cleaned, each once (by folded text), with their subtitle split off.
fn titles(record: &Record) -> Vec<Title> {
    let mut titles: Vec<Title> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for title in record.titles.iter().chain(&record.alternative_titles) {
        let text = clean_label(&title.value);
        if text.is_empty() {
            continue;
        }
        let key = text::words_key(&text);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let subtitle = text::split_subtitle(&text).map(|(_, sub)| sub.to_owned());
        titles.push(Title {
            lang: lang_attribute(title.lang.as_deref()),
            subtitle,
            text,
        });
    }
    titles
}

/// Cleans a title, label or keyword: entities, whitespace, trailing cataloguing punctuation
/// ("Titre /", "Titre :", "Titre.") but not the dot of a final abbreviation ("Ph. D.").
fn clean_label(text: &str) -> String {
    trim_label(&text::clean_cow(text)).to_owned()
}

/// [`clean_label`] of text already cleaned: the cataloguing punctuation trimmed, no copy.
fn trim_label(text: &str) -> &str {
    let mut cleaned = text;
    loop {
        let trimmed = cleaned.trim_end_matches([' ', '/', ':', ';', ',']);
        let mut length = trimmed.len();
        if trimmed.ends_with('.') && !trimmed.ends_with("..") {
            let last_word = trimmed[..trimmed.len() - 1]
                .rsplit(|c: char| c.is_whitespace() || c == '.')
                .next()
                .unwrap_or("");
            if last_word.chars().count() > 2 {
                length -= 1;
            }
        }
        if length == cleaned.len() {
            return cleaned;
        }
        cleaned = &cleaned[..length];
    }
}

/// Creators that are persons, and those that are organisations (corporate authors of reports,
/// used as institution). A creator packing several persons ("Dupont, Marie ; Martin, Jean") is
/// split.
fn authors(record: &Record, problems: &mut Vec<Problem>) -> (Vec<Person>, Vec<String>) {
    let mut persons: Vec<Person> = Vec::new();
    let mut organisations = Vec::new();
    for agent in &record.creators {
        for name in split_people(&agent.name) {
            match Person::parse(name, agent.id.as_deref()) {
                Ok(person) => push_person(&mut persons, person),
                Err(NameError::Organisation(name)) => {
                    problems.push(Problem::new(
                        "authors",
                        format!("creator \"{name}\" is an organisation"),
                    ));
                    organisations.push(name);
                }
                Err(NameError::Empty) => {}
            }
        }
    }
    (persons, organisations)
}

fn split_people(name: &str) -> Vec<&str> {
    if name.contains(';') {
        let parts: Vec<&str> = name.split(';').map(str::trim).collect();
        if parts.len() > 1
            && parts
                .iter()
                .all(|p| p.chars().any(char::is_alphabetic) && !is_organisation(p))
        {
            return parts;
        }
    }
    vec![name]
}

fn push_person(persons: &mut Vec<Person>, person: Person) {
    let key = name_key(&person);
    match persons.iter_mut().find(|p| name_key(p) == key) {
        Some(existing) => {
            if existing.id.is_none() {
                existing.id = person.id;
            }
        }
        None => persons.push(person),
    }
}

/// Advisors: contributors with an advisor role (ETD-MS "directeur(trice) de recherche/advisor",
/// TEF "advisor", MARC "ths"), and, in a thesis record, contributors without a role that are
/// persons (HAL lists the advisor as a plain `dc:contributor` beside labs and universities).
fn advisors(record: &Record, degree_type: DegreeType) -> Vec<Person> {
    let thesis = matches!(
        degree_type,
        DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr
    );
    let mut advisors = Vec::new();
    for agent in &record.contributors {
        let advisor = match agent.role.as_deref().map(fold) {
            Some(role) => is_advisor_role(&role),
            None => thesis,
        };
        if !advisor {
            continue;
        }
        if let Ok(person) = Person::parse(&agent.name, agent.id.as_deref()) {
            push_person(&mut advisors, person);
        }
    }
    advisors
}

fn is_advisor_role(folded_role: &str) -> bool {
    let jury = [
        "jury",
        "rapporteur",
        "reviewer",
        "examinat",
        "examiner",
        "president",
        "member",
    ];
    if jury.iter().any(|j| folded_role.contains(j)) {
        return false;
    }
    let advisor = [
        "advisor",
        "adviser",
        "directeur",
        "directrice",
        "director",
        "supervisor",
        "promoteur",
        "promotor",
        "encadrant",
        "dir.",
    ];
    advisor.iter().any(|a| folded_role.contains(a))
        || matches!(folded_role.trim(), "ths" | "dgs" | "dir")
}

/// What HAL's `dc:source` citation says: "Cancer. Université Montpellier, 2018. Français.
/// ⟨NNT : 2018MONTT090⟩" gives the discipline and the degree grantor.
struct HalCitation {
    discipline: Option<String>,
    institution: Option<String>,
}

fn hal_citation(source: &str) -> Option<HalCitation> {
    let cleaned = clean_text(source);
    if !cleaned.contains('⟨') {
        return None;
    }
    let segments: Vec<&str> = cleaned.split(". ").map(str::trim).collect();
    let is_year = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    let dated = segments.iter().position(|segment| {
        is_year(segment)
            || segment
                .rsplit_once(", ")
                .is_some_and(|(_, year)| is_year(year.trim_end_matches('.')))
    })?;
    let institution = segments[dated]
        .rsplit_once(", ")
        .map(|(name, _)| clean_label(name))
        .filter(|name| !name.is_empty());
    let discipline = (dated > 0)
        .then(|| segments[0])
        .filter(|s| !s.contains('⟨') && !s.chars().any(|c| c.is_ascii_digit()))
        .map(clean_label)
        .filter(|s| !s.is_empty());
    Some(HalCitation {
        discipline,
        institution,
    })
}

/// The institution of a record, from the most to the least specific: degree grantor; a
/// university among the contributors (HAL lists it after the labs); HAL's citation; a
/// corporate author; a publisher that is not the repository platform; the source's own.
fn institution(
    record: &Record,
    citations: &[HalCitation],
    corporate_authors: &[String],
    context: &Context<'_>,
) -> Option<String> {
    let grantor = record
        .degree
        .as_ref()
        .and_then(|d| d.grantor.as_deref())
        .map(clean_label);
    let contributor = record
        .contributors
        .iter()
        .filter(|a| {
            a.role
                .as_deref()
                .is_none_or(|r| fold(r).contains("grantor"))
        })
        .map(|a| clean_label(&a.name))
        .find(|name| !name.contains(';') && is_degree_granting(name));
    let cited = citations.iter().find_map(|c| c.institution.clone());
    let corporate = corporate_authors.first().map(|name| clean_label(name));
    let publisher = record
        .publishers
        .iter()
        .map(|p| clean_label(p))
        .find(|p| !is_platform(p));
    let configured = context.institution.map(clean_label);
    [
        grantor,
        contributor,
        cited,
        corporate,
        publisher,
        configured,
    ]
    .into_iter()
    .flatten()
    .find(|name| !name.is_empty() && !is_platform(name))
}

/// Universities and schools, as opposed to labs and teams.
fn is_degree_granting(name: &str) -> bool {
    let folded = fold(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let granting = [
        "universite",
        "university",
        "universitat",
        "universidad",
        "universita",
        "universidade",
        "ecole",
        "school",
        "conservatoire",
        "cnam",
        "hec",
        "ehess",
        "insa",
        "polytechnique",
        "college",
        "institut",
        "institute",
        "sorbonne",
    ];
    let lab = [
        "laboratoire",
        "laboratory",
        "umr",
        "equipe",
        "team",
        "centre",
        "center",
        "unite",
    ];
    words.iter().any(|w| granting.contains(w)) && !words.iter().any(|w| lab.contains(w))
}

/// The repository platform named as publisher ("HAL CCSD"), not the work's institution.
fn is_platform(name: &str) -> bool {
    let folded = fold(name);
    folded.contains("ccsd")
        || folded.contains("zenodo")
        || folded.contains("archives-ouvertes")
        || folded.contains("archives ouvertes")
        || matches!(
            folded.trim(),
            "hal" | "hal shs" | "tel" | "theses.fr" | "dumas"
        )
}

/// Keywords from subjects: packed lists split, HAL domain codes set aside as discipline hints
/// ("[SHS.ECO]Humanities and Social Sciences/Economics and Finance" → "Economics and Finance"),
/// classification numbers and form subdivisions dropped, each keyword once per language.
fn keywords(subjects: &[LangText], domain_hints: &mut Vec<String>) -> Vec<Text> {
    let mut keywords: Vec<Text> = Vec::new();
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    for subject in subjects {
        let value = text::clean_cow(&subject.value);
        if let Some(hint) = hal_domain(&value) {
            if !domain_hints.contains(&hint) {
                domain_hints.push(hint);
            }
            continue;
        }
        if value
            .get(..13)
            .is_some_and(|p| p.eq_ignore_ascii_case("info:eu-repo/"))
            || value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ' ' | '-'))
        {
            continue;
        }
        let lang = lang_attribute(subject.lang.as_deref());
        for keyword in split_keywords(&value) {
            let keyword = trim_label(keyword);
            if keyword.is_empty() || is_form_subdivision(keyword) {
                continue;
            }
            // Case and accents: "ÉCONOMIE SOCIALE" repeats "Économie sociale".
            let key = (fold(keyword), lang.clone());
            if key.0.is_empty() || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            keywords.push(Text {
                text: keyword.to_owned(),
                lang: lang.clone(),
            });
        }
    }
    keywords
}

/// "[SHS.ECO]Humanities and Social Sciences/Economics and Finance" → "Economics and Finance".
fn hal_domain(value: &str) -> Option<String> {
    let rest = value.strip_prefix('[')?;
    let (code, label) = rest.split_once(']')?;
    let code_ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !code_ok {
        return None;
    }
    let last = label.rsplit('/').next().unwrap_or(label);
    // "Computer Science [cs]/Robotics [cs.RO]": drop the arXiv-like code.
    let last = match last.find(" [") {
        Some(index) => &last[..index],
        None => last,
    };
    let last = clean_label(last);
    (!last.is_empty()).then_some(last)
}

/// Splits a subject that packs several keywords: on ";" and " -- " (RAMEAU subdivisions)
/// always, on "," when it separates a list ("coopératives, mutuelles, associations") rather
/// than inverting a heading ("Raies, absorption", "Quasar, spectre").
fn split_keywords(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in value.split(';') {
        // " -- " is rare: the substring search only runs where a "--" is.
        if part.as_bytes().windows(2).any(|pair| pair == b"--") {
            for subdivision in part.split(" -- ") {
                split_list(subdivision, &mut out);
            }
        } else {
            split_list(part, &mut out);
        }
    }
    out
}

fn split_list<'a>(part: &'a str, out: &mut Vec<&'a str>) {
    let part = part.trim();
    if part.is_empty() {
        return;
    }
    let commas = part.bytes().filter(|b| *b == b',').count();
    let split = match commas {
        0 => false,
        1 => {
            let (first, second) = part.split_once(',').unwrap_or((part, ""));
            let first_upper = first.trim().starts_with(char::is_uppercase);
            let second_lower = second.trim().starts_with(char::is_lowercase);
            !(first_upper && second_lower)
        }
        _ => true,
    };
    if split && !is_form_subdivision(part) {
        out.extend(part.split(',').map(str::trim).filter(|p| !p.is_empty()));
    } else {
        out.push(part);
    }
}

fn is_form_subdivision(keyword: &str) -> bool {
    // Both headings are 20 to 40 bytes long: most keywords are not folded to find out.
    (20..=40).contains(&keyword.len())
        && matches!(
            fold(keyword).trim(),
            "theses et ecrits academiques" | "dissertations, academic" | "dissertations academic"
        )
}

/// Abstracts cleaned (entities, escaped HTML, the indentation HAL keeps), placeholders and
/// administrative notes dropped, each once.
fn abstracts(values: &[LangText]) -> Vec<Text> {
    let mut abstracts: Vec<Text> = Vec::new();
    for value in values {
        let cleaned = clean_text(&value.value);
        let text = if cleaned.contains('<') {
            clean_text(&strip_tags(&cleaned))
        } else {
            cleaned
        };
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < 40 || is_note(&text) {
            continue;
        }
        if abstracts.iter().any(|a| a.text == text) {
            continue;
        }
        abstracts.push(Text {
            text,
            lang: lang_attribute(value.lang.as_deref()),
        });
    }
    abstracts
}

/// Descriptions that are cataloguing notes, not abstracts.
fn is_note(text: &str) -> bool {
    let start: String = text.chars().take(80).collect();
    let folded = fold(&start);
    [
        "these numerisee",
        "memoire numerise",
        "includes bibliographical references",
        "comprend des references bibliographiques",
        "bibliogr.",
        "ce memoire a ete depose",
        "cette these a ete deposee",
    ]
    .iter()
    .any(|note| folded.starts_with(note))
}

/// The record's language: the first `dc:language` that names one, else the majority `xml:lang`
/// of titles and abstracts.
fn language(
    record: &Record,
    titles: &[Title],
    abstracts: &[Text],
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut found = None;
    for value in &record.languages {
        match language_code(value) {
            Ok(Some(code)) => {
                found.get_or_insert(code);
            }
            Ok(None) => {}
            Err(error) => problems.push(Problem::new("language", error.to_string())),
        }
    }
    if let Some(code) = found {
        return Some(code.to_owned());
    }
    let langs: Vec<&str> = titles
        .iter()
        .filter_map(|t| t.lang.as_deref())
        .chain(abstracts.iter().filter_map(|a| a.lang.as_deref()))
        .collect();
    let mut best: Option<(&str, usize)> = None;
    for lang in &langs {
        let count = langs.iter().filter(|l| *l == lang).count();
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((lang, count));
        }
    }
    best.map(|(lang, _)| lang.to_owned())
}

/// A text without `xml:lang` is assumed to be in the record's language when no other text of
/// the list already is (the main title of a French thesis whose English title is tagged).
fn assume_language<T>(
    items: &mut [T],
    language: &str,
    lang: impl Fn(&mut T) -> &mut Option<String>,
) {
    let mut untagged = None;
    for (index, item) in items.iter_mut().enumerate() {
        match lang(item).as_deref() {
            Some(tagged) if tagged == language => return,
            None if untagged.is_none() => untagged = Some(index),
            _ => {}
        }
    }
    if let Some(index) = untagged {
        *lang(&mut items[index]) = Some(language.to_owned());
    }
}

/// Identifiers of the work: `dc:identifier`s, OpenAIRE alternative identifiers in relations,
/// NNT and HAL ids in HAL's `dc:source`, and the HAL id in HAL's OAI identifier.
fn identifiers(
    record: &Record,
    context: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<Identifier> {
    let mut found: Vec<Identifier> = Vec::new();
    let mut keep =
        |result: Result<Identifier, IdentifierError>, problems: &mut Vec<Problem>| match result {
            Ok(identifier) => {
                if !found.contains(&identifier) {
                    found.push(identifier);
                }
            }
            Err(IdentifierError::Unrecognised(_)) => {}
            Err(error) => problems.push(Problem::new("identifiers", error.to_string())),
        };
    for value in &record.identifiers {
        keep(Identifier::parse(value), problems);
    }
    for relation in &record.relations {
        let lower = relation.trim().to_ascii_lowercase();
        let Some(tail) = lower.strip_prefix("info:eu-repo/semantics/altidentifier/") else {
            continue;
        };
        let value = relation.trim()[relation.trim().len() - tail.len()..].to_owned();
        let (kind, rest) = value.split_once('/').unwrap_or(("", ""));
        let input = match kind.to_ascii_lowercase().as_str() {
            "doi" => format!("doi:{rest}"),
            "isbn" => format!("isbn:{rest}"),
            "handle" | "hdl" => format!("hdl:{rest}"),
            "urn" | "ark" | "url" => rest.to_owned(),
            _ => continue,
        };
        keep(Identifier::parse(&input), problems);
    }
    for source in &record.sources {
        let cleaned = clean_text(source);
        let from_url = cleaned
            .starts_with("http")
            .then(|| Identifier::parse(&cleaned).ok())
            .flatten()
            .filter(|id| matches!(id.kind, IdKind::Hal | IdKind::Nnt));
        for identifier in [
            find_nnt_in_text(&cleaned),
            find_hal_in_text(&cleaned),
            from_url,
        ]
        .into_iter()
        .flatten()
        {
            keep(Ok(identifier), problems);
        }
    }
    if context
        .identifier
        .to_ascii_lowercase()
        .starts_with("oai:hal:")
    {
        keep(Identifier::parse(context.identifier), problems);
    }
    found.sort_by_key(|id| id.kind);
    found
}

#[cfg(test)]
pub(crate) mod tests;
