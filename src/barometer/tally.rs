//! Counting, one work at a time: which sources are present in which semesters (the coverage),
//! then per side the works per semester by dimension, theme and term. Pure and streaming, so
//! that the store is read once per pass and nothing per work is kept but its counts (and the
//! titles of the edition's semester's works, for examples).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use foldhash::fast::FixedState;

use super::Semester;
use super::facts::WorkFacts;
use super::model::{ExampleWork, ExcludedSource};

/// The semesters in which each source has works: a source is *established* when it has works
/// both in the edition's semester and in an earlier one of the window.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    semesters: BTreeMap<String, BTreeSet<Semester>>,
}

impl Coverage {
    /// A live work of `semester` with records from `sources`.
    pub fn observe(&mut self, semester: Semester, sources: &[String]) {
        for source in sources {
            if let Some(seen) = self.semesters.get_mut(source) {
                seen.insert(semester);
            } else {
                self.semesters
                    .insert(source.clone(), BTreeSet::from([semester]));
            }
        }
    }

    /// The established sources, and the others with their reason.
    pub fn established(&self, edition: Semester) -> (BTreeSet<String>, Vec<ExcludedSource>) {
        let mut established = BTreeSet::new();
        let mut excluded = Vec::new();
        for (source, seen) in &self.semesters {
            let now = seen.contains(&edition);
            let before = seen.iter().any(|semester| *semester < edition);
            match (before, now) {
                (true, true) => {
                    established.insert(source.clone());
                }
                (false, _) => excluded.push(ExcludedSource {
                    source: source.clone(),
                    reason: "new".to_owned(),
                }),
                (true, false) => excluded.push(ExcludedSource {
                    source: source.clone(),
                    reason: "silent".to_owned(),
                }),
            }
        }
        (established, excluded)
    }
}

/// Distinct sources kept per signal: enough to tell "one source" from "several".
const SOURCES_KEPT: usize = 8;
/// Distinct writings kept per term.
const SURFACES_KEPT: usize = 8;

/// Values (of a dimension, themes, terms) to their counts. Hashed with a fixed seed: lookups
/// are the hot loop of an edition (one per term of every work), and nothing depends on the
/// maps' order (findings and rows are sorted).
pub(super) type Counts<V> = HashMap<String, V, FixedState>;

/// Works per semester of one value of a dimension.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub counts: Vec<u32>,
    pub covered: Vec<u32>,
    /// Indexes into [`SideTally::examples`] (edition's semester, established sources).
    pub examples: Vec<u32>,
}

/// Works per semester of a theme or term, established sources only.
#[derive(Debug, Clone)]
pub(super) struct Signal {
    pub counts: Vec<u32>,
    /// Established sources of the edition's semester's works having it.
    pub sources: Vec<u16>,
    /// How it was written, and how often.
    pub surfaces: BTreeMap<String, u32>,
    pub examples: Vec<u32>,
}

/// The counts of one side (research or teaching).
#[derive(Debug, Clone)]
pub(super) struct SideTally {
    pub works: Vec<u32>,
    pub covered: Vec<u32>,
    pub year_only: u32,
    /// dimension → value → cell.
    pub dimensions: BTreeMap<&'static str, Counts<Cell>>,
    pub themes: Counts<Signal>,
    /// Only the terms that may be findings (`term_counts.rs` picks them).
    pub terms: Counts<Signal>,
    /// The edition's semester's works from established sources, in the order seen.
    pub examples: Vec<ExampleWork>,
    /// Of those, how many [`Tally::add_terms`] has seen (it numbers them as `add` did).
    examples_seen: u32,
}

/// Every count an edition is computed from.
#[derive(Debug, Clone)]
pub struct Tally {
    pub(super) window: Vec<Semester>,
    pub(super) established: BTreeSet<String>,
    pub(super) excluded: Vec<ExcludedSource>,
    source_numbers: BTreeMap<String, u16>,
    examples_per_finding: usize,
    pub(super) research: SideTally,
    pub(super) teaching: SideTally,
}

impl SideTally {
    fn new(semesters: usize) -> SideTally {
        SideTally {
            works: vec![0; semesters],
            covered: vec![0; semesters],
            year_only: 0,
            dimensions: BTreeMap::new(),
            themes: Counts::default(),
            terms: Counts::default(),
            examples: Vec::new(),
            examples_seen: 0,
        }
    }
}

impl Tally {
    /// An empty tally over `window` (oldest first, the edition's semester last).
    pub fn new(window: Vec<Semester>, coverage: &Coverage, examples_per_finding: usize) -> Tally {
        let edition = window[window.len() - 1];
        let (established, excluded) = coverage.established(edition);
        let source_numbers = established
            .iter()
            .enumerate()
            .map(|(number, source)| (source.clone(), number as u16))
            .collect();
        let semesters = window.len();
        Tally {
            window,
            established,
            excluded,
            source_numbers,
            examples_per_finding,
            research: SideTally::new(semesters),
            teaching: SideTally::new(semesters),
        }
    }

    /// A work dated by year only (no semester).
    pub fn add_year_only(&mut self, teaching: bool) {
        let side = if teaching {
            &mut self.teaching
        } else {
            &mut self.research
        };
        side.year_only += 1;
    }

    /// Where a work falls: its slot in the window, whether it is of the edition's semester,
    /// and the numbers of its established sources (none: not covered).
    fn position(&self, facts: &WorkFacts) -> Option<(usize, bool, Vec<u16>)> {
        let slot = self.window.iter().position(|s| *s == facts.semester)?;
        let current = slot + 1 == self.window.len();
        let sources: Vec<u16> = facts
            .sources
            .iter()
            .filter_map(|source| self.source_numbers.get(source).copied())
            .collect();
        Some((slot, current, sources))
    }

    /// Counts one work of the window: volumes, dimensions and themes (its terms are counted
    /// by `TermCounts`, and the evidence of the candidate findings by [`Tally::add_terms`]).
    pub fn add(&mut self, facts: &WorkFacts) {
        let Some((slot, current, sources)) = self.position(facts) else {
            return;
        };
        let covered = !sources.is_empty();
        let examples_per_finding = self.examples_per_finding;
        let semesters = self.window.len();
        let side = if facts.is_teaching() {
            &mut self.teaching
        } else {
            &mut self.research
        };
        side.works[slot] += 1;
        let example = if covered && current {
            side.examples.push(ExampleWork {
                id: facts.id.clone(),
                title: facts.title.clone(),
            });
            Some((side.examples.len() - 1) as u32)
        } else {
            None
        };
        if covered {
            side.covered[slot] += 1;
        }
        let mut count = |dimension: &'static str, value: &str| {
            let cells = side.dimensions.entry(dimension).or_default();
            let cell = match cells.get_mut(value) {
                Some(cell) => cell,
                None => cells.entry(value.to_owned()).or_insert_with(|| Cell {
                    counts: vec![0; semesters],
                    covered: vec![0; semesters],
                    examples: Vec::new(),
                }),
            };
            cell.counts[slot] += 1;
            if covered {
                cell.covered[slot] += 1;
            }
            if let Some(example) = example
                && cell.examples.len() < examples_per_finding
            {
                cell.examples.push(example);
            }
        };
        count("type", facts.degree_type.slug());
        for theme in &facts.themes {
            count("theme", theme);
        }
        if let Some(discipline) = &facts.discipline {
            count("discipline", discipline);
        }
        if facts.is_teaching() {
            count("level", &level_key(facts.level));
        }
        for region in &facts.regions {
            count("region", region);
        }
        if let Some(institution) = &facts.institution {
            count("institution", institution);
        }
        if covered {
            for theme in &facts.themes {
                signal(
                    &mut side.themes,
                    theme,
                    "",
                    slot,
                    current,
                    &sources,
                    example,
                    semesters,
                    examples_per_finding,
                );
            }
        }
    }

    /// The evidence of the terms a covered work has among the candidate findings (its
    /// `terms`, already filtered): counts per semester, sources, writings, examples. Works
    /// must come in the same order as to [`Tally::add`], which numbered the examples.
    pub fn add_terms(&mut self, facts: &WorkFacts) {
        let Some((slot, current, sources)) = self.position(facts) else {
            return;
        };
        if sources.is_empty() {
            return;
        }
        let examples_per_finding = self.examples_per_finding;
        let semesters = self.window.len();
        let side = if facts.is_teaching() {
            &mut self.teaching
        } else {
            &mut self.research
        };
        let example = current.then(|| {
            side.examples_seen += 1;
            side.examples_seen - 1
        });
        for (key, surface) in facts.terms.iter() {
            signal(
                &mut side.terms,
                key,
                surface,
                slot,
                current,
                &sources,
                example,
                semesters,
                examples_per_finding,
            );
        }
    }
}

/// The row of a programme's certification level: `eqf-6`, or `none` when not given.
pub fn level_key(level: Option<u8>) -> String {
    level.map_or_else(|| "none".to_owned(), |level| format!("eqf-{level}"))
}

/// Counts one covered work in the signal of `key` (a theme or a term).
#[allow(clippy::too_many_arguments)]
fn signal(
    signals: &mut Counts<Signal>,
    key: &str,
    surface: &str,
    slot: usize,
    current: bool,
    sources: &[u16],
    example: Option<u32>,
    semesters: usize,
    examples_per_finding: usize,
) {
    let signal = match signals.get_mut(key) {
        Some(signal) => signal,
        None => signals.entry(key.to_owned()).or_insert_with(|| Signal {
            counts: vec![0; semesters],
            sources: Vec::new(),
            surfaces: BTreeMap::new(),
            examples: Vec::new(),
        }),
    };
    signal.counts[slot] += 1;
    if !surface.is_empty() {
        if let Some(seen) = signal.surfaces.get_mut(surface) {
            *seen += 1;
        } else if signal.surfaces.len() < SURFACES_KEPT {
            signal.surfaces.insert(surface.to_owned(), 1);
        }
    }
    if current {
        for source in sources {
            if signal.sources.len() < SOURCES_KEPT && !signal.sources.contains(source) {
                signal.sources.push(*source);
            }
        }
    }
    if let Some(example) = example
        && signal.examples.len() < examples_per_finding
    {
        signal.examples.push(example);
    }
}
