//! Facet counts, only of the facets asked: one pass over the matches that reads each asked
//! facet's fast-field column (term ordinals, then the few distinct values named once per
//! segment), never a stored document; it also counts the matches exactly. Without scoring, so
//! tantivy hands the matches over in blocks.

use std::collections::HashMap;

use serde::Deserialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyError};

use super::collector::ords_to_strings;
use super::schema::names;

/// Facet values kept per facet (the years are all kept: they are few and charted in order).
pub const FACET_TOP: usize = 50;

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

    /// The keyword column it counts; `None` for the year, an i64 column.
    fn column(self) -> Option<&'static str> {
        match self {
            Facet::Type => Some(names::F_TYPE),
            Facet::Year => None,
            Facet::Theme => Some(names::F_THEME),
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

/// The asked facets of the given documents only (the first matches of a search, by its
/// order): a cost bounded by their number, however many works match.
pub fn count_among(
    searcher: &Searcher,
    facets: &[Facet],
    docs: &[DocAddress],
) -> tantivy::Result<Facets> {
    let collector = FacetCollector {
        facets: facets.to_vec(),
    };
    let mut by_segment: Vec<(SegmentOrdinal, DocId)> = docs
        .iter()
        .map(|doc| (doc.segment_ord, doc.doc_id))
        .collect();
    by_segment.sort_unstable();
    let mut fruits = Vec::new();
    for group in by_segment.chunk_by(|a, b| a.0 == b.0) {
        let segment = group[0].0;
        let reader = searcher.segment_reader(segment);
        let mut counter = collector.for_segment(segment, reader)?;
        let docs: Vec<DocId> = group.iter().map(|(_, doc)| *doc).collect();
        counter.collect_block(&docs);
        fruits.push(counter.harvest());
    }
    Ok(collector.merge_fruits(fruits)?.facets)
}

/// Counts the matches and the asked facets' values.
pub struct FacetCollector {
    pub facets: Vec<Facet>,
}

/// What a [`FacetCollector`] gives: the exact number of matches and the asked facets.
pub struct FacetFruit {
    pub total: u64,
    pub facets: Facets,
}

enum Counter {
    /// Counts by term ordinal of the segment's dictionary.
    Keyword(StrColumn, Vec<u64>),
    Year(Column<i64>, HashMap<i64, u64>),
    /// The segment has no value of this facet.
    Absent,
}

pub struct SegmentFacets {
    total: u64,
    counters: Vec<(Facet, Counter)>,
}

pub struct SegmentFacetFruit {
    total: u64,
    counts: Vec<(Facet, HashMap<String, u64>)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetFruit;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = reader.fast_fields();
        let mut counters = Vec::with_capacity(self.facets.len());
        for &facet in &self.facets {
            let counter = match facet.column() {
                Some(name) => match fast.str(name)? {
                    Some(column) => {
                        let counts = vec![0; column.num_terms()];
                        Counter::Keyword(column, counts)
                    }
                    None => Counter::Absent,
                },
                None => Counter::Year(fast.i64(names::YEAR)?, HashMap::new()),
            };
            counters.push((facet, counter));
        }
        Ok(SegmentFacets { total: 0, counters })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<SegmentFacetFruit>>,
    ) -> tantivy::Result<FacetFruit> {
        let mut total = 0;
        let mut sums: HashMap<Facet, HashMap<String, u64>> = HashMap::new();
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
            let mut counts: Vec<(String, u64)> = sum.into_iter().collect();
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

impl SegmentCollector for SegmentFacets {
    type Fruit = Result<SegmentFacetFruit, TantivyError>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len() as u64;
        for (_, counter) in &mut self.counters {
            match counter {
                Counter::Keyword(column, counts) => {
                    for &doc in docs {
                        for ord in column.term_ords(doc) {
                            if let Some(count) = counts.get_mut(ord as usize) {
                                *count += 1;
                            }
                        }
                    }
                }
                Counter::Year(column, counts) => {
                    for &doc in docs {
                        if let Some(year) = column.first(doc) {
                            *counts.entry(year).or_default() += 1;
                        }
                    }
                }
                Counter::Absent => {}
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut counts = Vec::with_capacity(self.counters.len());
        for (facet, counter) in self.counters {
            let values = match counter {
                Counter::Keyword(column, by_ord) => {
                    let (ords, counts): (Vec<u64>, Vec<u64>) = by_ord
                        .into_iter()
                        .enumerate()
                        .filter(|(_, count)| *count > 0)
                        .map(|(ord, count)| (ord as u64, count))
                        .unzip();
                    let names = ords_to_strings(&column, ords)?;
                    names.into_iter().zip(counts).collect()
                }
                Counter::Year(_, by_year) => by_year
                    .into_iter()
                    .map(|(year, count)| (year.to_string(), count))
                    .collect(),
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
