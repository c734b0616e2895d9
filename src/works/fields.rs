//! Choosing a work's fields from its members. Pure.
//!
//! Precedence: members are ranked by their source's role (thesis catalogue, open archive,
//! institutional repository, observatory), then by completeness (how many fields they fill),
//! then by source and identifier so the choice is stable. Each field takes the first member
//! that has it; its `sources` list every member that agrees with the chosen value.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use foldhash::fast::FixedState;

use super::model::{Sourced, WorkFields};
use crate::classify::{Classification, ThemeMatch};
use crate::normalize::{self, DegreeType, Identifier, Normalized, Person, Text, Title};
use crate::source::SourceRole;

/// A member with what field selection needs.
pub struct MemberData<'a> {
    pub source: &'a str,
    pub identifier: &'a str,
    pub role: SourceRole,
    pub region: Option<&'a str>,
    /// Its normalised record, lent or given: [`build`] moves the values it chooses out of one
    /// given instead of copying them (a fresh build drops its members' records once their
    /// work's fields are built; copying the chosen titles, abstracts, keywords and people, then
    /// freeing the originals, was ~1.3% of its CPU: BENCHMARKS.md, issue 17).
    pub normalized: Cow<'a, Normalized>,
    /// Its classification, lent or given: [`build`] takes the themes of one given instead of
    /// copying them (a fresh build drops its members' classifications once their work's fields
    /// are built, and copying every theme and term matched, then freeing both, was ~1.5% of
    /// its CPU: BENCHMARKS.md, issue 17).
    pub classification: Cow<'a, Classification>,
}

/// What a member's classification is once [`build`] has taken it.
static TAKEN: Classification = Classification {
    themes: Vec::new(),
    relevance: 0.0,
};

/// Where a member's research was done: the regions its institution's name places it in, else its
/// source's declared region. The institution comes first because a national archive (HAL,
/// theses.fr) holds theses of every region, and a regional repository may hold a neighbour's.
fn member_regions<'a>(institution: Option<&str>, source_region: Option<&'a str>) -> Vec<&'a str> {
    let placed = institution.map(institution_regions).unwrap_or_default();
    if placed.is_empty() {
        source_region.into_iter().collect()
    } else {
        placed
    }
}

/// Institutions whose regions a thread remembers before it starts afresh.
const PLACED_INSTITUTIONS: usize = 4_096;

thread_local! {
    /// [`normalize::institution_regions`] of the institutions met, by name: a source's records
    /// name a few hundred institutions again and again, and placing a name (folding it, then
    /// looking its words and phrases up) was ~0.6% of a fresh build's CPU (BENCHMARKS.md,
    /// issue 17).
    static PLACED: RefCell<HashMap<Box<str>, Vec<&'static str>, FixedState>> =
        RefCell::new(HashMap::default());
}

/// [`normalize::institution_regions`], remembered per thread.
fn institution_regions(institution: &str) -> Vec<&'static str> {
    PLACED.with_borrow_mut(|placed| {
        if let Some(regions) = placed.get(institution) {
            return regions.clone();
        }
        if placed.len() >= PLACED_INSTITUTIONS {
            placed.clear();
        }
        let regions = normalize::institution_regions(institution);
        placed.insert(institution.into(), regions.clone());
        regions
    })
}

fn completeness(n: &Normalized) -> usize {
    [
        !n.titles.is_empty(),
        !n.authors.is_empty(),
        !n.advisors.is_empty(),
        n.degree_type != DegreeType::Other,
        n.discipline.is_some(),
        n.institution.is_some(),
        n.date.is_some(),
        n.language.is_some(),
        !n.abstracts.is_empty(),
        !n.keywords.is_empty(),
        !n.identifiers.is_empty(),
    ]
    .iter()
    .filter(|present| **present)
    .count()
        + n.date.as_ref().map_or(0, |d| {
            usize::from(d.month.is_some()) + usize::from(d.day.is_some())
        })
}

/// Picks the value of one field: the first member (in precedence order) that has it, with every
/// member whose value agrees; gives the chosen member's rank too. `get` gives a member's value
/// borrowed (or copied), so that only the chosen one is copied or moved ([`taken!`]), and the
/// chosen member is not compared with itself (`same` is an equivalence): most works have one
/// member, and cloning every field twice and keying its title twice were a third of building a
/// work's fields.
fn pick<'r, V>(
    members: &[&'r MemberData<'_>],
    get: impl Fn(&'r Normalized) -> Option<V>,
    same: impl Fn(&V, &V) -> bool,
) -> Option<(usize, Sourced<V>)> {
    let (first, chosen) = members
        .iter()
        .enumerate()
        .find_map(|(at, m)| Some((at, get(&m.normalized)?)))?;
    let mut sources = vec![members[first].source.to_owned()];
    for member in &members[first + 1..] {
        if let Some(value) = get(&member.normalized)
            && !sources.iter().any(|s: &String| s == member.source)
            && same(&value, &chosen)
        {
            sources.push(member.source.to_owned());
        }
    }
    Some((
        first,
        Sourced {
            value: chosen,
            sources,
        },
    ))
}

/// A value [`pick`]ed, without its rank.
fn value<V>(picked: Option<(usize, Sourced<V>)>) -> Option<Sourced<V>> {
    picked.map(|(_, sourced)| sourced)
}

/// A value [`pick`]ed by reference: the chosen member's rank and the sources.
fn chosen<V>(picked: Option<(usize, Sourced<V>)>) -> Option<(usize, Vec<String>)> {
    picked.map(|(rank, sourced)| (rank, sourced.sources))
}

/// Collects distinct values over all members, each with the sources that gave it: each value
/// as where it is first met, (the member's rank, its place in the member's list). Values are
/// told apart by `key`, which may borrow from the value: an identifier's kind and text, an
/// abstract's language (a string made per value, `format!` for each identifier, was allocation
/// a fresh build did for every work).
fn union<'r, T: 'r, K: Ord>(
    members: &[&'r MemberData<'_>],
    values: impl Fn(&'r Normalized) -> &'r [T],
    key: impl Fn(&'r T) -> K,
) -> Vec<Sourced<(usize, usize)>> {
    let mut out: Vec<Sourced<(usize, usize)>> = Vec::new();
    let mut index: BTreeMap<K, usize> = BTreeMap::new();
    for (rank, member) in members.iter().enumerate() {
        for (place, value) in values(&member.normalized).iter().enumerate() {
            let k = key(value);
            match index.get(&k) {
                Some(&at) => {
                    if !out[at].sources.iter().any(|s| s == member.source) {
                        out[at].sources.push(member.source.to_owned());
                    }
                }
                None => {
                    index.insert(k, out.len());
                    out.push(Sourced {
                        value: (rank, place),
                        sources: vec![member.source.to_owned()],
                    });
                }
            }
        }
    }
    out
}

/// A value moved out of a record given to [`build`], an empty one left in its place.
trait Take {
    fn take(&mut self) -> Self;
}

impl Take for Title {
    fn take(&mut self) -> Title {
        Title {
            text: std::mem::take(&mut self.text),
            lang: self.lang.take(),
            subtitle: self.subtitle.take(),
        }
    }
}

impl Take for Text {
    fn take(&mut self) -> Text {
        Text {
            text: std::mem::take(&mut self.text),
            lang: self.lang.take(),
        }
    }
}

impl Take for Identifier {
    fn take(&mut self) -> Identifier {
        Identifier {
            kind: self.kind,
            value: std::mem::take(&mut self.value),
        }
    }
}

impl Take for Vec<Person> {
    fn take(&mut self) -> Vec<Person> {
        std::mem::take(self)
    }
}

impl Take for Option<String> {
    fn take(&mut self) -> Option<String> {
        Option::take(self)
    }
}

/// The value at `$place` (a place in `$record`) of a member's record: moved out of a record
/// given ([`Take`]), copied from one lent.
macro_rules! taken {
    ($member:expr, |$record:ident| $place:expr) => {
        match &mut $member.normalized {
            Cow::Borrowed($record) => $place.clone(),
            Cow::Owned($record) => Take::take(&mut $place),
        }
    };
}

/// The values chosen by [`union`] (in `$chosen`), each [`taken!`] from its member's list
/// `$list` (a list of `$record`); `$order` gives the members' ranks.
macro_rules! taken_each {
    ($members:expr, $order:expr, $chosen:expr, |$record:ident| $list:expr) => {
        $chosen
            .into_iter()
            .map(
                |Sourced {
                     value: (rank, at),
                     sources,
                 }| Sourced {
                    value: taken!($members[$order[rank]], |$record| $list[at]),
                    sources,
                },
            )
            .collect::<Vec<_>>()
    };
}

/// The value [`pick`]ed at `$picked` (its member's rank and the sources), [`taken!`] from
/// `$place` (in `$record`); `$order` gives the members' ranks.
macro_rules! taken_one {
    ($members:expr, $order:expr, $picked:expr, |$record:ident| $place:expr) => {
        $picked.map(|(rank, sources)| Sourced {
            value: taken!($members[$order[rank]], |$record| $place),
            sources,
        })
    };
}

/// An optional value chosen, as the field it is: a value [`pick`]ed is there.
fn some<T>(chosen: Sourced<Option<T>>) -> Option<Sourced<T>> {
    Some(Sourced {
        value: chosen.value?,
        sources: chosen.sources,
    })
}

/// Whether two lists name the same people, in the same order.
fn same_people(a: &[Person], b: &[Person]) -> bool {
    a.iter()
        .map(normalize::name_key)
        .eq(b.iter().map(normalize::name_key))
}

/// Builds the fields of a work from its members (at least one); the classifications and the
/// records given (not lent) are taken.
pub fn build(members: &mut [MemberData<'_>]) -> WorkFields {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&members[a], &members[b]);
        a.role
            .cmp(&b.role)
            .then(completeness(&b.normalized).cmp(&completeness(&a.normalized)))
            .then(a.source.cmp(b.source))
            .then(a.identifier.cmp(b.identifier))
    });
    let classifications: Vec<Cow<'_, Classification>> = order
        .iter()
        .map(|&at| std::mem::replace(&mut members[at].classification, Cow::Borrowed(&TAKEN)))
        .collect();
    let (themes, relevance) = merge_classifications(classifications.into_iter());
    // First every choice, on the records as they are; then the values chosen, taken.
    let ranked: Vec<&MemberData<'_>> = order.iter().map(|&at| &members[at]).collect();
    let folded_eq = |a: &&String, b: &&String| normalize::fold(a) == normalize::fold(b);
    let titles = union(&ranked, |n| &n.titles, |t| normalize::title_key(&t.text));
    // The first title of the first member with titles: the first of `titles` too.
    let title = value(pick(
        &ranked,
        |n| n.titles.first(),
        |a, b| normalize::title_key(&a.text) == normalize::title_key(&b.text),
    ))
    .map(|picked| picked.sources);
    let authors = chosen(pick(
        &ranked,
        |n| (!n.authors.is_empty()).then_some(&n.authors),
        |a, b| same_people(a, b),
    ));
    let advisors = chosen(pick(
        &ranked,
        |n| (!n.advisors.is_empty()).then_some(&n.advisors),
        |a, b| same_people(a, b),
    ));
    let degree_type = value(pick(
        &ranked,
        |n| (n.degree_type != DegreeType::Other).then_some(n.degree_type),
        |a, b| a == b,
    ))
    .unwrap_or(Sourced {
        value: DegreeType::Other,
        sources: Vec::new(),
    });
    let abstracts = union(
        &ranked,
        |n| &n.abstracts,
        |t| t.lang.as_deref().unwrap_or_default(),
    );
    let mut keywords = union(&ranked, |n| &n.keywords, |t| normalize::fold(&t.text));
    keywords.truncate(100);
    let identifiers = union(&ranked, |n| &n.identifiers, |i| (i.kind, i.value.as_str()));
    let access = value(pick(
        &ranked,
        |n| (n.access != normalize::Access::Unknown).then_some(n.access),
        |a, b| a == b,
    ))
    .unwrap_or(Sourced {
        value: normalize::Access::Unknown,
        sources: Vec::new(),
    });
    let mut regions: Vec<String> = ranked
        .iter()
        .flat_map(|m| member_regions(m.normalized.institution.as_deref(), m.region))
        .map(str::to_owned)
        .collect();
    regions.sort();
    regions.dedup();
    let discipline = chosen(pick(&ranked, |n| n.discipline.as_ref(), folded_eq));
    let level = value(pick(&ranked, |n| n.level, |a, b| a == b));
    let institution = chosen(pick(&ranked, |n| n.institution.as_ref(), folded_eq));
    let date = value(pick(&ranked, |n| n.date, |a, b| a.year == b.year));
    let language = chosen(pick(&ranked, |n| n.language.as_ref(), |a, b| a == b));
    let licence = chosen(pick(&ranked, |n| n.licence.as_ref(), |a, b| a == b));
    drop(ranked);
    let titles = taken_each!(members, order, titles, |n| n.titles);
    let title = title.and_then(|sources| {
        Some(Sourced {
            value: titles.first()?.value.clone(),
            sources,
        })
    });
    let authors = taken_one!(members, order, authors, |n| n.authors);
    let advisors = taken_one!(members, order, advisors, |n| n.advisors);
    WorkFields {
        title,
        titles,
        authors,
        advisors,
        degree_type,
        discipline: taken_one!(members, order, discipline, |n| n.discipline).and_then(some),
        level,
        institution: taken_one!(members, order, institution, |n| n.institution).and_then(some),
        date,
        language: taken_one!(members, order, language, |n| n.language).and_then(some),
        abstracts: taken_each!(members, order, abstracts, |n| n.abstracts),
        keywords: taken_each!(members, order, keywords, |n| n.keywords),
        identifiers: taken_each!(members, order, identifiers, |n| n.identifiers),
        access,
        licence: taken_one!(members, order, licence, |n| n.licence).and_then(some),
        regions,
        themes,
        relevance,
    }
}

/// A member's classification with what ranks it among a work's members but its completeness.
pub(super) struct Classified<'a> {
    pub source: &'a str,
    pub identifier: &'a str,
    pub role: SourceRole,
    pub classification: &'a Classification,
}

/// A work's themes and relevance as [`build`] merges them, from its members' classifications
/// alone (without their normalised records: a rebuild after a change of the thesaurus alone
/// keeps the other fields as stored). `build` ranks members by role, then completeness; the
/// merge reads the order only where two members have a theme with different matches (which
/// come first), so it is told without the completeness when no two members of one role do;
/// `None` otherwise (the caller derives the work in full).
pub(super) fn merge_themes(members: &mut [Classified<'_>]) -> Option<(Vec<ThemeMatch>, f32)> {
    members.sort_by(|a, b| (a.role, a.source, a.identifier).cmp(&(b.role, b.source, b.identifier)));
    for (at, one) in members.iter().enumerate() {
        for other in members[at + 1..]
            .iter()
            .take_while(|other| other.role == one.role)
        {
            for theme in &one.classification.themes {
                let differs = other
                    .classification
                    .themes
                    .iter()
                    .find(|t| t.theme == theme.theme)
                    .is_some_and(|t| t.matches != theme.matches);
                if differs {
                    return None;
                }
            }
        }
    }
    Some(merge_classifications(
        members.iter().map(|m| Cow::Borrowed(m.classification)),
    ))
}

/// Themes of a work: every theme any member has (members in rank order), with its best score
/// and all matches, the first member's first. Themes and matches of a classification given
/// are moved, those of one lent copied.
fn merge_classifications<'a>(
    members: impl Iterator<Item = Cow<'a, Classification>>,
) -> (Vec<ThemeMatch>, f32) {
    let mut themes: Vec<ThemeMatch> = Vec::new();
    let mut relevance = 0.0f32;
    for classification in members {
        relevance = relevance.max(classification.relevance);
        match classification {
            Cow::Borrowed(lent) => {
                for theme in &lent.themes {
                    merge_theme(&mut themes, Cow::Borrowed(theme));
                }
            }
            Cow::Owned(given) => {
                for theme in given.themes {
                    merge_theme(&mut themes, Cow::Owned(theme));
                }
            }
        }
    }
    // Theme ids are distinct, so this order is the same whatever the order they came in.
    themes.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.theme.cmp(&b.theme)));
    (themes, relevance)
}

/// Adds one member's `theme` to the `themes` merged so far (a work's few: looked up in turn).
fn merge_theme(themes: &mut Vec<ThemeMatch>, theme: Cow<'_, ThemeMatch>) {
    let Some(existing) = themes.iter_mut().find(|known| known.theme == theme.theme) else {
        themes.push(theme.into_owned());
        return;
    };
    existing.score = existing.score.max(theme.score);
    match theme {
        Cow::Borrowed(lent) => {
            for found in &lent.matches {
                if !existing.matches.contains(found) {
                    existing.matches.push(found.clone());
                }
            }
        }
        Cow::Owned(given) => {
            for found in given.matches {
                if !existing.matches.contains(&found) {
                    existing.matches.push(found);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TermMatch;

    /// Issue 17: a work's themes merged from its members' classifications alone are those
    /// [`build`] merges whatever the members' completeness, or `None` where the completeness
    /// could decide (two members of one role with a theme of different matches).
    #[test]
    fn themes_are_merged_alone_only_when_the_roles_decide_the_order() {
        let matched = |term: &str| TermMatch {
            term: term.into(),
            field: "title".into(),
            lang: None,
        };
        let classified = |terms: &[&str], score: f32| Classification {
            themes: vec![ThemeMatch {
                theme: "cooperatives".into(),
                score,
                matches: terms.iter().map(|t| matched(t)).collect(),
            }],
            relevance: score,
        };
        let (a, b) = (
            classified(&["scop"], 0.5),
            classified(&["coopérative"], 0.7),
        );
        let member = |source, role, classification| Classified {
            source,
            identifier: "oai:1",
            role,
            classification,
        };
        // Roles apart: the thesis catalogue's matches first, whatever the order given.
        let mut apart = [
            member("hal", SourceRole::OpenArchive, &a),
            member("theses-fr", SourceRole::ThesisCatalogue, &b),
        ];
        let (themes, relevance) = merge_themes(&mut apart).expect("told by the roles");
        assert_eq!(relevance, 0.7);
        assert_eq!(themes[0].score, 0.7);
        assert_eq!(themes[0].matches, [matched("coopérative"), matched("scop")]);
        // One role, different matches: the completeness would decide.
        let mut tied = [
            member("hal", SourceRole::OpenArchive, &a),
            member("tel", SourceRole::OpenArchive, &b),
        ];
        assert!(merge_themes(&mut tied).is_none());
        // One role, the same matches: any order merges alike.
        let same = classified(&["scop"], 0.9);
        let mut alike = [
            member("hal", SourceRole::OpenArchive, &a),
            member("tel", SourceRole::OpenArchive, &same),
        ];
        let (themes, _) = merge_themes(&mut alike).expect("the same either way");
        assert_eq!((themes[0].score, themes[0].matches.len()), (0.9, 1));
    }

    /// Issue 17: a work's themes are the same whether its members' classifications are lent
    /// (copied) or given (moved), whatever the members' order: every theme of any member, its
    /// best score, the matches of the best-ranked member first, best theme first.
    #[test]
    fn themes_merged_from_classifications_given_are_those_of_ones_lent() {
        let matched = |term: &str, field: &str| TermMatch {
            term: term.into(),
            field: field.to_owned().into(),
            lang: Some("fr".into()),
        };
        let theme = |id: &str, score: f32, terms: &[(&str, &str)]| ThemeMatch {
            theme: id.into(),
            score,
            matches: terms.iter().map(|(t, f)| matched(t, f)).collect(),
        };
        let classifications = [
            Classification {
                themes: vec![
                    theme("cooperatives", 0.5, &[("scop", "title")]),
                    theme("finance", 0.2, &[("microcrédit", "abstract")]),
                ],
                relevance: 0.5,
            },
            Classification {
                themes: vec![
                    theme("insertion", 0.7, &[("insertion", "keywords")]),
                    theme(
                        "cooperatives",
                        0.6,
                        &[("coopérative", "title"), ("scop", "title")],
                    ),
                ],
                relevance: 0.7,
            },
            Classification {
                themes: vec![theme("finance", 0.2, &[("épargne", "abstract")])],
                relevance: 0.2,
            },
        ];
        let records = test_records();
        let sources = ["hal", "theses-fr", "univ"];
        let roles = [
            SourceRole::OpenArchive,
            SourceRole::ThesisCatalogue,
            SourceRole::InstitutionalRepository,
        ];
        let members = |given: bool, order: &[usize]| -> Vec<MemberData<'_>> {
            order
                .iter()
                .map(|&at| MemberData {
                    source: sources[at],
                    identifier: "oai:1",
                    role: roles[at],
                    region: None,
                    normalized: match given {
                        true => Cow::Owned(records[at].clone()),
                        false => Cow::Borrowed(&records[at]),
                    },
                    classification: match given {
                        true => Cow::Owned(classifications[at].clone()),
                        false => Cow::Borrowed(&classifications[at]),
                    },
                })
                .collect()
        };
        let lent = build(&mut members(false, &[0, 1, 2]));
        assert_eq!(lent.relevance, 0.7);
        let ids: Vec<&str> = lent.themes.iter().map(|t| t.theme.as_str()).collect();
        assert_eq!(ids, ["insertion", "cooperatives", "finance"]);
        // The thesis catalogue's matches first, then the open archive's new ones.
        assert_eq!(
            lent.themes[1].matches,
            [matched("coopérative", "title"), matched("scop", "title")]
        );
        assert_eq!(lent.themes[1].score, 0.6);
        assert_eq!(
            lent.themes[2].matches,
            [
                matched("microcrédit", "abstract"),
                matched("épargne", "abstract")
            ]
        );
        // The other fields, chosen in rank order: the thesis catalogue, the open archive, the
        // institutional repository.
        let title = lent.title.as_ref().expect("a title");
        assert_eq!(title.value.text, "Les Scop en Bretagne");
        assert_eq!(title.sources, ["theses-fr", "hal"]);
        let titles: Vec<(&str, &[String])> = lent
            .titles
            .iter()
            .map(|t| (t.value.text.as_str(), t.sources.as_slice()))
            .collect();
        assert_eq!(
            titles,
            [
                (
                    "Les Scop en Bretagne",
                    &["theses-fr".to_owned(), "hal".to_owned()][..]
                ),
                ("SCOPs in Brittany", &["hal".to_owned()][..]),
            ]
        );
        let authors = lent.authors.as_ref().expect("authors");
        assert_eq!(authors.value[0].family, "Dupont");
        assert_eq!(authors.sources, ["theses-fr", "hal"]);
        assert_eq!(
            lent.advisors.as_ref().expect("advisors").value[0].family,
            "Martin"
        );
        assert_eq!(
            lent.discipline.as_ref().map(|d| d.value.as_str()),
            Some("Économie")
        );
        let institution = lent.institution.as_ref().expect("an institution");
        assert_eq!(institution.value, "Université Rennes 2");
        assert_eq!(institution.sources, ["theses-fr", "univ"]);
        assert_eq!(lent.language.as_ref().map(|l| l.value.as_str()), Some("fr"));
        assert_eq!(
            lent.licence.as_ref().map(|l| l.value.as_str()),
            Some("CC-BY-4.0")
        );
        let keywords: Vec<&str> = lent
            .keywords
            .iter()
            .map(|k| k.value.text.as_str())
            .collect();
        assert_eq!(keywords, ["SCOP", "coopératives", "économie sociale"]);
        assert_eq!(lent.keywords[1].sources, ["theses-fr", "univ"]);
        let abstracts: Vec<Option<&str>> = lent
            .abstracts
            .iter()
            .map(|a| a.value.lang.as_deref())
            .collect();
        assert_eq!(abstracts, [Some("fr"), Some("en")]);
        assert_eq!(lent.identifiers.len(), 2);
        assert_eq!(lent.identifiers[0].sources, ["theses-fr", "hal"]);
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            assert_eq!(build(&mut members(true, &order)), lent);
            assert_eq!(build(&mut members(false, &order)), lent);
        }
    }

    /// Three members' records of one work, for [`build`]: an open archive's, a thesis
    /// catalogue's and an institutional repository's, overlapping in most fields.
    fn test_records() -> [Normalized; 3] {
        let empty = normalize::normalize_for_classify(&crate::map::Record::default());
        let title = |text: &str, lang: &str| Title {
            text: text.into(),
            lang: Some(lang.into()),
            subtitle: None,
        };
        let text = |text: &str, lang: Option<&str>| Text {
            text: text.into(),
            lang: lang.map(str::to_owned),
        };
        let person = |name: &str| Person::parse(name, None).expect("a person");
        let doi = Identifier::parse("10.1234/scop.2020").expect("a DOI");
        let hal = Identifier::parse("https://theses.hal.science/tel-01234567").expect("a HAL id");
        let mut archive = empty.clone();
        archive.titles = vec![
            title("Les SCOP en Bretagne", "fr"),
            title("SCOPs in Brittany", "en"),
        ];
        archive.authors = vec![person("Dupont, Marie")];
        archive.keywords = vec![text("scop", Some("fr")), text("économie sociale", None)];
        archive.abstracts = vec![text(
            "Les coopératives de production en Bretagne.",
            Some("fr"),
        )];
        archive.identifiers = vec![doi.clone()];
        let mut catalogue = empty.clone();
        catalogue.titles = vec![title("Les Scop en Bretagne", "fr")];
        catalogue.authors = vec![person("Dupont, Marie")];
        catalogue.advisors = vec![person("Martin, Jean")];
        catalogue.discipline = Some("Économie".into());
        catalogue.institution = Some("Université Rennes 2".into());
        catalogue.language = Some("fr".into());
        catalogue.licence = Some("CC-BY-4.0".into());
        catalogue.keywords = vec![text("SCOP", Some("fr")), text("coopératives", Some("fr"))];
        catalogue.identifiers = vec![doi, hal];
        let mut repository = empty;
        repository.institution = Some("Université Rennes 2".into());
        repository.keywords = vec![text("Coopératives", None)];
        repository.abstracts = vec![text("Production cooperatives in Brittany.", Some("en"))];
        [archive, catalogue, repository]
    }

    /// The regions remembered per institution are those placing the name gives, the first
    /// time and after, and after the memo started afresh.
    #[test]
    fn remembered_institution_regions_are_the_placed_ones() {
        let names = [
            "Université Rennes 2",
            "Université de Moncton",
            "Observatoire régional de l'ESS",
            "CCSD",
            "",
            "Université Paris 1 Panthéon-Sorbonne",
        ];
        for _ in 0..2 {
            for name in names {
                assert_eq!(
                    institution_regions(name),
                    normalize::institution_regions(name),
                    "{name}"
                );
            }
        }
        for number in 0..PLACED_INSTITUTIONS + 10 {
            let name = format!("Université {number}");
            assert_eq!(
                institution_regions(&name),
                normalize::institution_regions(&name)
            );
        }
        assert_eq!(
            institution_regions("Université Rennes 2"),
            normalize::institution_regions("Université Rennes 2")
        );
        assert!(PLACED.with_borrow(|placed| placed.len()) <= PLACED_INSTITUTIONS);
    }

    #[test]
    fn a_member_is_placed_by_its_institution_before_its_source() {
        // A national archive declares no region: its theses are placed by their grantors.
        assert_eq!(
            member_regions(Some("Université Rennes 2"), None),
            ["FR-BRE"]
        );
        // A grantor's seat wins over the repository's region (a Moncton thesis in a Québec one).
        assert_eq!(
            member_regions(Some("Université de Moncton"), Some("CA-QC")),
            ["CA-NB"]
        );
        // A name with no place in it leaves the source's region, if any.
        assert_eq!(
            member_regions(Some("Observatoire régional de l'ESS"), Some("FR-BRE")),
            ["FR-BRE"]
        );
        assert_eq!(member_regions(None, Some("FR-BRE")), ["FR-BRE"]);
        assert!(member_regions(Some("CCSD"), None).is_empty());
    }
}
