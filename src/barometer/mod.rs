//! The trends barometer: twice-yearly editions of the emerging topics of ESS research and
//! teaching, computed from the works and frozen in the store. Stateful (it reads the works and
//! keeps its editions in the store), above `works`, beside `index`.
//!
//! An edition is one semester (`2026-S1`: January–June by defence or publication date) and the
//! seven before it. Its content is a pure function of the works ([`compute`]): each work is
//! reduced to its facts (`facts.rs`: semester, sources, type, discipline, institution, regions,
//! themes, terms from `terms.rs`), counted in two passes over the store, each decoding only
//! the fields it needs on every core (`Store::scan_works`) and counting in the works' order
//! (`tally.rs`: first which sources are present in which semesters, then everything else, the
//! terms of every work by hash only (`term_counts.rs`), then the evidence of the terms that may
//! be findings), and the counts become volumes and
//! findings (`analyse.rs`: Dunning's G² of the edition's semester against the earlier ones,
//! on the *established* sources only, those with works in both periods, so that a newly
//! harvested repository is never a trend). [`build`] adds the store: provenance, the previous
//! edition to compare with, and freezing. The method is written out in `docs/barometer.md`.
//! `readiness.rs` tells the server's automatic build when the store is settled enough to freeze
//! one (no source's harvest unfinished).
//!
//! Invariants: a published edition is never rewritten (the store refuses it in the same
//! transaction as the write); the same works, read in the same order (the store's: by id),
//! give the same edition.

mod analyse;
mod charts;
mod csv;
mod facts;
mod model;
mod readiness;
mod regions;
mod semester;
mod tally;
mod term_counts;
mod terms;

pub use analyse::{ThemeLabels, g2};
pub use charts::{emerging_chart, escape, regions_map, svg_files, themes_chart};
pub use csv::csv_files;
pub use facts::{
    CoverageRow, Placement, TRAINING_SLUG, WorkFacts, WorkRow, WorkTexts, cover, place,
};
pub use model::*;
pub use readiness::{Unsettled, unsettled};
pub use regions::{canonical_region, region_name};
pub use semester::{Semester, SemesterError};
pub use tally::{Coverage, Tally};
pub use term_counts::TermCounts;
pub use terms::{
    MetTerm, Term, WorkTerms, for_each_term, read_terms, read_terms_among, term_hashes, work_terms,
};

use serde::de::DeserializeOwned;

use crate::classify::Thesaurus;
use crate::store::{EditionSaved, Store, StoreError, WorksSnapshot};
use crate::works::Work;

/// Why an edition could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BarometerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Semester(#[from] SemesterError),
    #[error("edition {0} is published and frozen: it is never rebuilt (a later edition is)")]
    Frozen(Semester),
    #[error("edition {0} has not begun: its semester is in the future")]
    Future(Semester),
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Rebuild a draft that exists (never a published edition).
    pub force: bool,
    /// Today (UTC): `(year, month, day)`. A semester that has ended is published.
    pub today: (i32, u8, u8),
    /// The build's time, RFC 3339.
    pub now: String,
    pub parameters: Parameters,
}

impl BuildOptions {
    /// Options at the current time, default parameters.
    pub fn now(force: bool) -> BuildOptions {
        use chrono::Datelike;
        let now = chrono::Utc::now();
        BuildOptions {
            force,
            today: (now.year(), now.month() as u8, now.day() as u8),
            now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            parameters: Parameters::default(),
        }
    }
}

/// What [`build`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildOutcome {
    /// Computed and saved (new, or a draft rebuilt).
    Built,
    /// An edition was already there and was left as it is (published, or a draft without
    /// `force`): the one returned is the stored one.
    Kept,
}

/// The theme labels of a thesaurus, by id.
pub fn theme_labels(thesaurus: &Thesaurus) -> ThemeLabels {
    thesaurus
        .themes()
        .iter()
        .map(|theme| (theme.id.clone(), (theme.fr.clone(), theme.en.clone())))
        .collect()
}

/// Where [`compute`] reads works from: every work, in id order, decoded as `W` (a struct of
/// the fields wanted: the rest of a stored work is skipped, not built) and mapped by `map`,
/// each result handed to `visit` in the works' order. `map` may run on several threads.
pub trait WorkSource {
    type Error;
    fn scan<W, T>(
        &self,
        map: impl Fn(W) -> T + Sync,
        visit: impl FnMut(T),
    ) -> Result<(), Self::Error>
    where
        W: DeserializeOwned,
        T: Send;
}

/// The store's works at one moment, decoded and mapped on every core: every pass of a build
/// reads the same snapshot, so a harvest writing works meanwhile cannot make the counts of one
/// pass disagree with the evidence of another.
impl WorkSource for WorksSnapshot {
    type Error = StoreError;

    fn scan<W, T>(
        &self,
        map: impl Fn(W) -> T + Sync,
        mut visit: impl FnMut(T),
    ) -> Result<(), StoreError>
    where
        W: DeserializeOwned,
        T: Send,
    {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        self.scan_works(threads, map, |item| {
            visit(item);
            Ok(())
        })
    }
}

/// Works in memory (tests, small sets), read through their JSON form as the store's are.
impl WorkSource for [Work] {
    type Error = serde_json::Error;

    fn scan<W, T>(
        &self,
        map: impl Fn(W) -> T + Sync,
        mut visit: impl FnMut(T),
    ) -> Result<(), serde_json::Error>
    where
        W: DeserializeOwned,
        T: Send,
    {
        for work in self {
            visit(map(serde_json::from_slice(&serde_json::to_vec(work)?)?));
        }
        Ok(())
    }
}

/// The two sides (research, teaching) of the edition of `edition`, from `works`, read three
/// times: which sources have works in which semesters (the coverage); then the counts, every
/// term of the covered works counted by hash on the decoding threads (`term_counts.rs`); then
/// the evidence of the terms that may be findings only. Pure but for the reading.
pub fn compute<S: WorkSource + ?Sized>(
    edition: Semester,
    parameters: &Parameters,
    themes: &ThemeLabels,
    works: &S,
) -> Result<(Vec<Semester>, Side, Side), S::Error> {
    let window = edition.window(parameters.semesters.max(2));
    let first = window[0];
    let started = std::time::Instant::now();
    let mut coverage = Coverage::default();
    works.scan(
        |work: CoverageRow| cover(work, first, edition),
        |covered| {
            if let Some((semester, sources)) = covered {
                coverage.observe(semester, &sources);
            }
        },
    )?;
    tracing::debug!(elapsed = ?started.elapsed(), "barometer: coverage read");
    let mut tally = Tally::new(window.clone(), &coverage, parameters.examples);
    let established = tally.established.clone();
    let covered = |sources: &[String]| sources.iter().any(|s| established.contains(s));
    let (research_terms, teaching_terms) = (TermCounts::default(), TermCounts::default());
    works.scan(
        |work: WorkRow| {
            let (placement, texts) = place(work, first, edition);
            if let Placement::Placed(facts) = &placement
                && covered(&facts.sources)
            {
                let counts = if facts.is_teaching() {
                    &teaching_terms
                } else {
                    &research_terms
                };
                let mut hashes = Vec::new();
                term_hashes(texts.iter(), &mut hashes);
                counts.count(&hashes, facts.semester == edition);
            }
            placement
        },
        |placement| match placement {
            Placement::Placed(facts) => tally.add(&facts),
            Placement::YearOnly { teaching } => tally.add_year_only(teaching),
            Placement::Outside => {}
        },
    )?;
    tracing::debug!(
        elapsed = ?started.elapsed(),
        terms = research_terms.len() + teaching_terms.len(),
        "barometer: terms counted"
    );
    let candidates = |counts: TermCounts, side: &tally::SideTally| {
        let (now, before) = side
            .covered
            .split_last()
            .map_or((0, 0), |(now, before)| (*now, before.iter().sum::<u32>()));
        counts.candidates(now, before, parameters)
    };
    let research_candidates = candidates(research_terms, &tally.research);
    let teaching_candidates = candidates(teaching_terms, &tally.teaching);
    tracing::debug!(
        research = research_candidates.len(),
        teaching = teaching_candidates.len(),
        "barometer: candidate terms"
    );
    if !research_candidates.is_empty() || !teaching_candidates.is_empty() {
        works.scan(
            |work: WorkRow| match place(work, first, edition) {
                (Placement::Placed(mut facts), texts) => {
                    if covered(&facts.sources) {
                        let candidates = if facts.is_teaching() {
                            &teaching_candidates
                        } else {
                            &research_candidates
                        };
                        facts.terms =
                            read_terms_among(texts.iter(), |hash| candidates.contains(&hash));
                    }
                    Some(facts)
                }
                (Placement::YearOnly { .. } | Placement::Outside, _) => None,
            },
            |facts| {
                if let Some(facts) = facts {
                    tally.add_terms(&facts);
                }
            },
        )?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "barometer: evidence counted");
    let (research, teaching) = analyse::analyse(&tally, parameters, themes);
    Ok((window, research, teaching))
}

/// Builds the edition of `edition` from the store and freezes it there (published when its
/// semester has ended, a draft before). An edition already published is returned as it is.
pub fn build(
    store: &Store,
    thesaurus: &Thesaurus,
    edition: Semester,
    options: &BuildOptions,
) -> Result<(Edition, BuildOutcome), BarometerError> {
    let id = edition.to_string();
    let ended = edition.has_ended(options.today);
    if Semester::of_month(options.today.0, options.today.1) < edition {
        return Err(BarometerError::Future(edition));
    }
    if let Some((published, stored)) = store.barometer_edition::<Edition>(&id)? {
        if published && options.force {
            return Err(BarometerError::Frozen(edition));
        }
        if published || (!options.force && !ended) {
            return Ok((stored, BuildOutcome::Kept));
        }
    }
    // Taken before the provenance's counts, so that the edition describes no work written
    // after them.
    let snapshot = store.works_snapshot()?;
    let stats = store.stats()?;
    let provenance = Provenance {
        essor_version: env!("CARGO_PKG_VERSION").to_owned(),
        sources: stats
            .by_source
            .iter()
            .map(|(source, counts)| SourceRecords {
                source: source.clone(),
                records: counts.counts.records,
            })
            .collect(),
        works: stats.works,
        works_cursor: store.works_cursor()?,
    };
    let themes = theme_labels(thesaurus);
    let (window, research, teaching) = compute(edition, &options.parameters, &themes, &snapshot)?;
    let previous = store
        .barometer_edition::<Edition>(&edition.previous().to_string())?
        .map(|(_, previous)| previous);
    let changes = changes(&research, previous.as_ref());
    let built = Edition {
        id: edition,
        status: if ended {
            EditionStatus::Published
        } else {
            EditionStatus::Draft
        },
        built_at: options.now.clone(),
        window,
        parameters: options.parameters.clone(),
        provenance,
        research,
        teaching,
        changes,
    };
    match store.save_barometer_edition(&id, ended, &built)? {
        EditionSaved::Saved => Ok((built, BuildOutcome::Built)),
        // Another build published it meanwhile: that one stands.
        EditionSaved::AlreadyPublished => match store.barometer_edition::<Edition>(&id)? {
            Some((_, stored)) => Ok((stored, BuildOutcome::Kept)),
            None => Err(BarometerError::Frozen(edition)),
        },
    }
}

/// Every edition in the store, oldest first.
pub fn list(store: &Store) -> Result<Vec<Edition>, StoreError> {
    Ok(store
        .barometer_editions::<Edition>()?
        .into_iter()
        .map(|(_, edition)| edition)
        .collect())
}

/// One edition by id.
pub fn edition(store: &Store, id: Semester) -> Result<Option<Edition>, StoreError> {
    Ok(store
        .barometer_edition::<Edition>(&id.to_string())?
        .map(|(_, edition)| edition))
}

/// The research findings that came and went since `previous`.
fn changes(research: &Side, previous: Option<&Edition>) -> Changes {
    let Some(previous) = previous else {
        return Changes {
            previous: None,
            new_emerging: Vec::new(),
            no_longer_emerging: Vec::new(),
            notes: vec![Note {
                code: "no-previous-edition".to_owned(),
                fr: "Pas d'édition précédente dans l'entrepôt : rien à comparer.".to_owned(),
                en: "No previous edition in the store: nothing to compare with.".to_owned(),
            }],
        };
    };
    let keys = |side: &Side| -> Vec<String> {
        side.emerging
            .iter()
            .map(|finding| format!("{}:{}", finding.kind, finding.key))
            .collect()
    };
    let now = keys(research);
    let then = keys(&previous.research);
    Changes {
        previous: Some(previous.id),
        new_emerging: now.iter().filter(|k| !then.contains(k)).cloned().collect(),
        no_longer_emerging: then.iter().filter(|k| !now.contains(k)).cloned().collect(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
