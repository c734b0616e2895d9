//! The one path from sources to searchable works: harvest → works update → search index.
//!
//! The CLI (`essor run`, `essor harvest`, `essor works update`), the server's scheduler and
//! (soon) repository registration all go through [`Pipeline`], so what follows a harvest is the
//! same whoever asked for it.
//!
//! Invariants: the works update runs after the harvest even when a source did not complete (what
//! was harvested is made into works); the index follows the works it was built from, never the
//! other way round; the store and the index are written on blocking threads, never on the async
//! ones.

use std::sync::Arc;

use crate::classify::{Thesaurus, ThesaurusError};
use crate::harvest::{self, HarvestError, Reporter};
use crate::index::{Index, IndexError, IndexReport};
use crate::source::{self, Source, SourceError};
use crate::store::{RunRecord, Store, StoreError};
use crate::works::{self, SourceInfos, UpdateReport};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Harvest(#[from] HarvestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("the built-in thesaurus cannot be read: {0}")]
    Thesaurus(#[from] ThesaurusError),
    #[error("the works update stopped unexpectedly")]
    Panicked,
}

impl PipelineError {
    /// A configuration problem (a source file, an unknown source id) rather than a fault of the
    /// store or of a repository: the CLI exits 2, the admin API answers 400.
    pub fn is_configuration(&self) -> bool {
        matches!(self, PipelineError::Source(_))
    }
}

/// What one pass of the pipeline did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One run per harvested source, in the order asked for.
    pub runs: Vec<RunRecord>,
    /// `None` when only records were harvested ([`HarvestOptions::records_only`]).
    pub works: Option<UpdateReport>,
    pub index: Option<IndexReport>,
}

/// How a harvest is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct HarvestOptions {
    /// Ignore watermarks and harvest everything again (unchanged records are not rewritten).
    pub full: bool,
    /// Stop after the harvest: works and index catch up at the next update.
    pub records_only: bool,
    /// Progress bars on the terminal (else progress goes to the log).
    pub interactive: bool,
}

/// The store, the configured sources and what deriving works needs; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    store: Arc<Store>,
    /// The search index, brought up to date after each works update.
    index: Arc<Index>,
    sources: Arc<Vec<Source>>,
    infos: Arc<SourceInfos>,
    thesaurus: Arc<Thesaurus>,
}

impl Pipeline {
    /// The configured `sources` are the whole configuration (loaded with
    /// [`source::load_dir`], which refuses a folder with any invalid file).
    pub fn new(
        store: Arc<Store>,
        sources: Vec<Source>,
        index: Arc<Index>,
    ) -> Result<Pipeline, PipelineError> {
        Ok(Pipeline {
            infos: Arc::new(SourceInfos::new(&sources)),
            store,
            index,
            sources: Arc::new(sources),
            thesaurus: Arc::new(Thesaurus::builtin()?),
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn sources(&self) -> &Arc<Vec<Source>> {
        &self.sources
    }

    pub fn thesaurus(&self) -> &Arc<Thesaurus> {
        &self.thesaurus
    }

    /// The sources named by `ids` (every enabled one when `ids` is empty).
    pub fn select(&self, ids: &[String]) -> Result<Vec<Source>, SourceError> {
        source::select(&self.sources, ids)
    }

    /// Harvests `sources`, then brings works and index up to date (unless `records_only`).
    pub async fn harvest(
        &self,
        sources: Vec<Source>,
        options: HarvestOptions,
    ) -> Result<Outcome, PipelineError> {
        let runs = harvest::harvest_sources(
            self.store.clone(),
            sources,
            options.full,
            Reporter::new(options.interactive),
        )
        .await?;
        if options.records_only {
            return Ok(Outcome {
                runs,
                works: None,
                index: None,
            });
        }
        let pipeline = self.clone();
        let (works, index) = tokio::task::spawn_blocking(move || pipeline.update())
            .await
            .map_err(|_| PipelineError::Panicked)??;
        Ok(Outcome {
            runs,
            works: Some(works),
            index: Some(index),
        })
    }

    /// Brings works, then the index, up to date with the store's records. Blocking.
    pub fn update(&self) -> Result<(UpdateReport, IndexReport), PipelineError> {
        let works = works::update(&self.store, &self.infos, &self.thesaurus)?;
        let index = self.index.update(&self.store)?;
        Ok((works, index))
    }
}
