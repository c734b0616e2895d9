//! The published work (`/api/v1/works/{id}`): its members, merge reasons and fields, each
//! field with the sources that gave it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::classify::{TermMatch, ThemeMatch};
use crate::normalize::{Access, DegreeType, IdKind, Identifier, PartialDate, Person, Text, Title};
use crate::works::{Member, MergeReason, Sourced, Work, WorkFields};

/// A work. Its id never changes; when two works merge, the younger one stays as a record with
/// `merged_into` (an alias), and a work whose records all left stays as a tombstone.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Work)]
pub struct WorkView {
    pub id: String,
    /// When the work last changed (our clock, UTC, seconds).
    pub datestamp: String,
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Ids merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub members: Vec<MemberView>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges: Vec<MergeReasonView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<WorkFieldsView>,
}

impl From<&Work> for WorkView {
    fn from(work: &Work) -> WorkView {
        WorkView {
            id: work.id.clone(),
            datestamp: work.datestamp.clone(),
            deleted: work.deleted,
            merged_into: work.merged_into.clone(),
            aliases: work.aliases.clone(),
            members: work.members.iter().map(MemberView::from).collect(),
            merges: work.merges.iter().map(MergeReasonView::from).collect(),
            fields: work.fields.as_ref().map(WorkFieldsView::from),
        }
    }
}

/// A record of a source, as a member of a work.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Member)]
pub struct MemberView {
    pub source: String,
    pub identifier: String,
}

impl From<&Member> for MemberView {
    fn from(member: &Member) -> MemberView {
        MemberView {
            source: member.source.clone(),
            identifier: member.identifier.clone(),
        }
    }
}

/// Why two records were put in one work.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = MergeReason)]
pub struct MergeReasonView {
    pub a: MemberView,
    pub b: MemberView,
    pub rule: String,
    pub score: f32,
}

impl From<&MergeReason> for MergeReasonView {
    fn from(reason: &MergeReason) -> MergeReasonView {
        MergeReasonView {
            a: MemberView::from(&reason.a),
            b: MemberView::from(&reason.b),
            rule: reason.rule.clone(),
            score: reason.score,
        }
    }
}

/// A value and the sources that gave it (the chosen one first).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Sourced)]
pub struct SourcedView<T> {
    pub value: T,
    pub sources: Vec<String>,
}

impl<T> SourcedView<T> {
    /// The view of a stored value with its sources, the value seen through `view`.
    fn of<'a, S>(sourced: &'a Sourced<S>, view: impl FnOnce(&'a S) -> T) -> SourcedView<T> {
        SourcedView {
            value: view(&sourced.value),
            sources: sourced.sources.clone(),
        }
    }
}

/// The fields of a work, each chosen from its members by source precedence, then completeness.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = WorkFields)]
pub struct WorkFieldsView {
    pub title: Option<SourcedView<TitleView>>,
    /// Every distinct title (translations, variants), the main one first.
    pub titles: Vec<SourcedView<TitleView>>,
    pub authors: Option<SourcedView<Vec<PersonView>>>,
    pub advisors: Option<SourcedView<Vec<PersonView>>>,
    pub degree_type: SourcedView<DegreeTypeView>,
    pub discipline: Option<SourcedView<String>>,
    pub institution: Option<SourcedView<String>>,
    pub date: Option<SourcedView<PartialDateView>>,
    pub language: Option<SourcedView<String>>,
    /// One abstract per language.
    pub abstracts: Vec<SourcedView<TextView>>,
    pub keywords: Vec<SourcedView<TextView>>,
    pub identifiers: Vec<SourcedView<IdentifierView>>,
    pub access: SourcedView<AccessView>,
    pub licence: Option<SourcedView<String>>,
    /// ISO 3166-2 regions of the sources (and of the institution when known).
    pub regions: Vec<String>,
    pub themes: Vec<ThemeMatchView>,
    /// ESS relevance, 0 to 1: the highest of the members'.
    pub relevance: f32,
}

impl From<&WorkFields> for WorkFieldsView {
    fn from(fields: &WorkFields) -> WorkFieldsView {
        let text = |s: &Sourced<String>| SourcedView::of(s, String::clone);
        let persons = |s: &Sourced<Vec<Person>>| {
            SourcedView::of(s, |persons| persons.iter().map(PersonView::from).collect())
        };
        let title = |s: &Sourced<Title>| SourcedView::of(s, TitleView::from);
        let texts = |list: &[Sourced<Text>]| {
            list.iter()
                .map(|s| SourcedView::of(s, TextView::from))
                .collect()
        };
        WorkFieldsView {
            title: fields.title.as_ref().map(title),
            titles: fields.titles.iter().map(title).collect(),
            authors: fields.authors.as_ref().map(persons),
            advisors: fields.advisors.as_ref().map(persons),
            degree_type: SourcedView::of(&fields.degree_type, |d| DegreeTypeView::from(*d)),
            discipline: fields.discipline.as_ref().map(text),
            institution: fields.institution.as_ref().map(text),
            date: fields
                .date
                .as_ref()
                .map(|s| SourcedView::of(s, PartialDateView::from)),
            language: fields.language.as_ref().map(text),
            abstracts: texts(&fields.abstracts),
            keywords: texts(&fields.keywords),
            identifiers: fields
                .identifiers
                .iter()
                .map(|s| SourcedView::of(s, IdentifierView::from))
                .collect(),
            access: SourcedView::of(&fields.access, |a| AccessView::from(*a)),
            licence: fields.licence.as_ref().map(text),
            regions: fields.regions.clone(),
            themes: fields.themes.iter().map(ThemeMatchView::from).collect(),
            relevance: fields.relevance,
        }
    }
}

// A title, with its language and subtitle (the schema has no description).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Title)]
pub struct TitleView {
    /// The whole title, subtitle included.
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
    /// What follows " : " (or a spaced dash), when the title has a subtitle.
    pub subtitle: Option<String>,
}

impl From<&Title> for TitleView {
    fn from(title: &Title) -> TitleView {
        TitleView {
            text: title.text.clone(),
            lang: title.lang.clone(),
            subtitle: title.subtitle.clone(),
        }
    }
}

// A keyword or an abstract, with its language (the schema has no description).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Text)]
pub struct TextView {
    pub text: String,
    /// ISO 639-1.
    pub lang: Option<String>,
}

impl From<&Text> for TextView {
    fn from(text: &Text) -> TextView {
        TextView {
            text: text.text.clone(),
            lang: text.lang.clone(),
        }
    }
}

/// An author or advisor.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Person)]
pub struct PersonView {
    /// With its particles, as usually cited: "de La Fontaine", "Le Goff", "van der Berg".
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// "Marie Dupont": given name first, for display.
    pub display: String,
    /// Authority URI, canonical: "https://orcid.org/…", "https://www.idref.fr/…".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl From<&Person> for PersonView {
    fn from(person: &Person) -> PersonView {
        PersonView {
            family: person.family.clone(),
            given: person.given.clone(),
            display: person.display.clone(),
            id: person.id.clone(),
        }
    }
}

// The kind of work, by its published slug (the schema has no description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DegreeType)]
#[serde(rename_all = "kebab-case")]
pub enum DegreeTypeView {
    DoctoralThesis,
    MastersDissertation,
    Hdr,
    ReportStudy,
    TrainingProgramme,
    Other,
}

impl From<DegreeType> for DegreeTypeView {
    fn from(degree_type: DegreeType) -> DegreeTypeView {
        match degree_type {
            DegreeType::DoctoralThesis => DegreeTypeView::DoctoralThesis,
            DegreeType::MastersDissertation => DegreeTypeView::MastersDissertation,
            DegreeType::Hdr => DegreeTypeView::Hdr,
            DegreeType::ReportStudy => DegreeTypeView::ReportStudy,
            DegreeType::TrainingProgramme => DegreeTypeView::TrainingProgramme,
            DegreeType::Other => DegreeTypeView::Other,
        }
    }
}

/// A date known to the year, the month or the day. Ordered chronologically, a less precise date
/// before a more precise one of the same period (2019 < 2019-06 < 2019-06-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PartialDate)]
pub struct PartialDateView {
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// Only set when `month` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
}

impl From<&PartialDate> for PartialDateView {
    fn from(date: &PartialDate) -> PartialDateView {
        PartialDateView {
            year: date.year,
            month: date.month,
            day: date.day,
        }
    }
}

/// A canonical identifier: two records carrying the same one describe the same work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Identifier)]
pub struct IdentifierView {
    pub kind: IdKindView,
    pub value: String,
}

impl From<&Identifier> for IdentifierView {
    fn from(identifier: &Identifier) -> IdentifierView {
        IdentifierView {
            kind: IdKindView::from(identifier.kind),
            value: identifier.value.clone(),
        }
    }
}

// The kind of an identifier (the schema has no description; `IdKind` documents each form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = IdKind)]
#[serde(rename_all = "lowercase")]
pub enum IdKindView {
    Nnt,
    Doi,
    Hal,
    Handle,
    Urn,
    Isbn,
    Ark,
    Url,
    Other,
}

impl From<IdKind> for IdKindView {
    fn from(kind: IdKind) -> IdKindView {
        match kind {
            IdKind::Nnt => IdKindView::Nnt,
            IdKind::Doi => IdKindView::Doi,
            IdKind::Hal => IdKindView::Hal,
            IdKind::Handle => IdKindView::Handle,
            IdKind::Urn => IdKindView::Urn,
            IdKind::Isbn => IdKindView::Isbn,
            IdKind::Ark => IdKindView::Ark,
            IdKind::Url => IdKindView::Url,
            IdKind::Other => IdKindView::Other,
        }
    }
}

// Access to the full text (the schema has no description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Access)]
#[serde(rename_all = "lowercase")]
pub enum AccessView {
    Open,
    Embargoed,
    Restricted,
    Unknown,
}

impl From<Access> for AccessView {
    fn from(access: Access) -> AccessView {
        match access {
            Access::Open => AccessView::Open,
            Access::Embargoed => AccessView::Embargoed,
            Access::Restricted => AccessView::Restricted,
            Access::Unknown => AccessView::Unknown,
        }
    }
}

// An ESS theme of a work, with what made it (the schema has no description).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ThemeMatch)]
pub struct ThemeMatchView {
    /// Theme id.
    pub theme: String,
    /// 0.0 to 1.0.
    pub score: f32,
    /// What counted, titles first.
    pub matches: Vec<TermMatchView>,
}

impl From<&ThemeMatch> for ThemeMatchView {
    fn from(found: &ThemeMatch) -> ThemeMatchView {
        ThemeMatchView {
            theme: found.theme.clone(),
            score: found.score,
            matches: found.matches.iter().map(TermMatchView::from).collect(),
        }
    }
}

// A thesaurus term found in a work, and where (the schema has no description).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TermMatch)]
pub struct TermMatchView {
    /// The thesaurus term.
    pub term: String,
    /// "title", "keywords" or "abstract".
    pub field: String,
    /// Language of the text it was found in (ISO 639-1), when known.
    pub lang: Option<String>,
}

impl From<&TermMatch> for TermMatchView {
    fn from(found: &TermMatch) -> TermMatchView {
        TermMatchView {
            term: found.term.clone(),
            field: found.field.to_string(),
            lang: found.lang.as_deref().map(str::to_owned),
        }
    }
}
