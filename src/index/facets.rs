//! Facet counts, only of the facets asked: one pass over the matches that reads each asked
//! facet's fast-field column (term ordinals, then the few distinct values named once per
//! segment), never a stored document; it also counts the matches exactly. Without scoring, so
//! tantivy hands the matches over in blocks. Or over a [`Sample`] of the matches, each counted
//! as the matches it stands for (`count_sample`).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyError};

use super::columns::Columns;
use super::sample::Sample;
use super::schema::names;
use super::themes::{SegmentThemes, Themes};

/// Facet values kept per facet (the years are all kept: they are few and charted in order).
pub const FACET_TOP: usize = 50;

/// Years a segment's year counts are kept in an array for, from its earliest to its latest.
const MAX_YEAR_SPAN: usize = 10_000;

/// A facet a search may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    Type,
    Year,
    Theme,
    Region,
    Institution,
    Language,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::Type,
        Facet::Year,
        Facet::Theme,
        Facet::Region,
        Facet::Institution,
        Facet::Language,
    ];

    /// Its name in the API (`facets=type,year`) and in the responses.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Type => "type",
            Facet::Year => "year",
            Facet::Theme => "theme",
            Facet::Region => "region",
            Facet::Institution => "institution",
            Facet::Language => "language",
        }
    }

    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|facet| facet.name() == name)
    }

    /// The keyword column it counts; `None` for the year, an i64 column, and the theme, kept
    /// beside the documents (`themes.rs`).
    fn column(self) -> Option<&'static str> {
        match self {
            Facet::Type => Some(names::F_TYPE),
            Facet::Year | Facet::Theme => None,
            Facet::Region => Some(names::F_REGION),
            Facet::Institution => Some(names::F_INSTITUTION),
            Facet::Language => Some(names::F_LANGUAGE),
        }
    }
}

/// Counts of the matching works by value, most frequent first (at most [`FACET_TOP`] values),
/// except `year`: every year, in order. Works without a value for a facet are not counted in
/// it. A facet not asked for is empty.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Facets {
    pub r#type: Vec<(String, u64)>,
    pub year: Vec<(String, u64)>,
    pub theme: Vec<(String, u64)>,
    pub region: Vec<(String, u64)>,
    pub institution: Vec<(String, u64)>,
    pub language: Vec<(String, u64)>,
}

impl Facets {
    fn slot(&mut self, facet: Facet) -> &mut Vec<(String, u64)> {
        match facet {
            Facet::Type => &mut self.r#type,
            Facet::Year => &mut self.year,
            Facet::Theme => &mut self.theme,
            Facet::Region => &mut self.region,
            Facet::Institution => &mut self.institution,
            Facet::Language => &mut self.language,
        }
    }
}

/// The asked facets of a [`Sample`]'s matches, each counted as the matches it stands for:
/// exact counts when the sample holds every match, else estimates (rounded).
pub fn count_sample(
    searcher: &Searcher,
    collector: &FacetCollector,
    sample: &Sample,
) -> tantivy::Result<Facets> {
    let mut fruits = Vec::new();
    for group in sample.windows.chunk_by(|a, b| a.segment == b.segment) {
        let segment = group[0].segment;
        let reader = searcher.segment_reader(segment);
        let mut counter = collector.for_segment(segment, reader)?;
        for window in group {
            counter.count(&window.docs, window.weight);
        }
        fruits.push(counter.harvest());
    }
    Ok(collector.merge_fruits(fruits)?.facets)
}

/// Counts the matches and the asked facets' values.
pub struct FacetCollector {
    pub facets: Vec<Facet>,
    /// Where the values counted are named (once per segment).
    pub columns: Arc<Columns>,
    /// The works' themes, kept beside the documents.
    pub themes: Arc<Themes>,
}

/// What a [`FacetCollector`] gives: the exact number of matches and the asked facets.
pub struct FacetFruit {
    pub total: u64,
    pub facets: Facets,
}

/// Counts are sums of weights (1 per match when every match is counted; a sample's matches
/// stand for more), exact as long as they are integers below 2^53.
enum Counter {
    /// Counts by term ordinal of the segment's dictionary.
    Keyword(StrColumn, Vec<f64>),
    /// Counts by year from the column's smallest (an array: hashing each match's year cost
    /// more than the rest of its count).
    Year(Column<i64>, i64, Vec<f64>),
    /// Years spread too widely for an array (not seen: years are few).
    SparseYear(Column<i64>, HashMap<i64, f64>),
    /// Counts by combination of themes (`themes.rs`).
    Themes(Arc<SegmentThemes>, Vec<f64>),
    /// The segment has no value of this facet.
    Absent,
}

pub struct SegmentFacets {
    segment_id: SegmentId,
    columns: Arc<Columns>,
    total: u64,
    counters: Vec<(Facet, Counter)>,
}

pub struct SegmentFacetFruit {
    total: u64,
    counts: Vec<(Facet, HashMap<String, f64>)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetFruit;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let mut counters = Vec::with_capacity(self.facets.len());
        for &facet in &self.facets {
            let counter = match facet.column() {
                Some(name) => match self.columns.str(reader, name)? {
                    Some(column) => {
                        let counts = vec![0.0; column.num_terms()];
                        Counter::Keyword(column, counts)
                    }
                    None => Counter::Absent,
                },
                None if facet == Facet::Theme => {
                    let themes = self.themes.segment(reader, &self.columns)?;
                    let counts = vec![0.0; themes.combos()];
                    Counter::Themes(themes, counts)
                }
                None => {
                    let column = self.columns.i64(reader, names::YEAR)?;
                    let (min, max) = (column.min_value(), column.max_value());
                    match usize::try_from(max.saturating_sub(min)) {
                        Ok(span) if span < MAX_YEAR_SPAN => {
                            Counter::Year(column, min, vec![0.0; span + 1])
                        }
                        _ => Counter::SparseYear(column, HashMap::new()),
                    }
                }
            };
            counters.push((facet, counter));
        }
        Ok(SegmentFacets {
            segment_id: reader.segment_id(),
            columns: self.columns.clone(),
            total: 0,
            counters,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFacetFruit>>,
    ) -> tantivy::Result<FacetFruit> {
        let mut total = 0;
        let mut sums: HashMap<Facet, HashMap<String, f64>> = HashMap::new();
        for fruit in fruits {
            let fruit = fruit?;
            total += fruit.total;
            for (facet, counts) in fruit.counts {
                let sum = sums.entry(facet).or_default();
                for (value, count) in counts {
                    *sum.entry(value).or_default() += count;
                }
            }
        }
        let mut facets = Facets::default();
        for (facet, sum) in sums {
            let mut counts: Vec<(String, u64)> = sum
                .into_iter()
                .map(|(value, count)| (value, count.round() as u64))
                .filter(|(_, count)| *count > 0)
                .collect();
            if facet == Facet::Year {
                // Years sort as numbers (all have four digits, negative ones aside).
                counts.sort_by_key(|(year, _)| year.parse::<i64>().unwrap_or(i64::MIN));
            } else {
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                counts.truncate(FACET_TOP);
            }
            *facets.slot(facet) = counts;
        }
        Ok(FacetFruit { total, facets })
    }
}

impl SegmentFacets {
    /// Counts `docs`, each as `weight` matches.
    fn count(&mut self, docs: &[DocId], weight: f64) {
        self.total += docs.len() as u64;
        for (_, counter) in &mut self.counters {
            match counter {
                Counter::Keyword(column, counts) => {
                    for &doc in docs {
                        for ord in column.term_ords(doc) {
                            if let Some(count) = counts.get_mut(ord as usize) {
                                *count += weight;
                            }
                        }
                    }
                }
                Counter::Year(column, min, counts) => {
                    for &doc in docs {
                        if let Some(year) = column.first(doc)
                            && let Some(count) = usize::try_from(year - *min)
                                .ok()
                                .and_then(|at| counts.get_mut(at))
                        {
                            *count += weight;
                        }
                    }
                }
                Counter::SparseYear(column, counts) => {
                    for &doc in docs {
                        if let Some(year) = column.first(doc) {
                            *counts.entry(year).or_default() += weight;
                        }
                    }
                }
                Counter::Themes(themes, counts) => {
                    for &doc in docs {
                        if let Some(count) = counts.get_mut(themes.combo(doc)) {
                            *count += weight;
                        }
                    }
                }
                Counter::Absent => {}
            }
        }
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Result<SegmentFacetFruit, TantivyError>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.count(docs, 1.0);
    }

    fn harvest(self) -> Self::Fruit {
        let mut counts = Vec::with_capacity(self.counters.len());
        for (facet, counter) in self.counters {
            let values = match counter {
                Counter::Keyword(column, by_ord) => {
                    let (ords, counts): (Vec<u64>, Vec<f64>) = by_ord
                        .into_iter()
                        .enumerate()
                        .filter(|(_, count)| *count > 0.0)
                        .map(|(ord, count)| (ord as u64, count))
                        .unzip();
                    let names = match facet.column() {
                        Some(field) => {
                            self.columns
                                .strings(self.segment_id, field, &column, ords)?
                        }
                        None => Vec::new(),
                    };
                    names.into_iter().zip(counts).collect()
                }
                Counter::Year(_, min, by_year) => by_year
                    .into_iter()
                    .enumerate()
                    .filter(|(_, count)| *count > 0.0)
                    .map(|(at, count)| ((min + at as i64).to_string(), count))
                    .collect(),
                Counter::SparseYear(_, by_year) => by_year
                    .into_iter()
                    .map(|(year, count)| (year.to_string(), count))
                    .collect(),
                // The first combination, no theme, names none.
                Counter::Themes(themes, by_combo) => themes.named(&by_combo),
                Counter::Absent => HashMap::new(),
            };
            counts.push((facet, values));
        }
        Ok(SegmentFacetFruit {
            total: self.total,
            counts,
        })
    }
}
