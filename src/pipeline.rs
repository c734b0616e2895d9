//! The one path from sources to searchable works: harvest → works update → search index.
//!
//! The CLI (`essor run`, `essor harvest`, `essor works update`) and the server's scheduler (which
//! also harvests the repositories registered through the API) all go through [`Pipeline`], so
//! what follows a harvest is the same whoever asked for it.
//!
//! Stages overlap on a store that has works: the works and the index follow the harvest as it
//! commits pages (a blocking thread waits on [`Committed`] and runs the update each batch of
//! changed records), so the works of the first pages are being built while later pages are
//! fetched. A store without works builds them in bulk once the harvest has ended (cheaper), its
//! search index built beside them.
//!
//! Invariants: the works update runs after the harvest even when a source did not complete (what
//! was harvested is made into works); the index follows the works it was built from, never the
//! other way round; the store and the index are written on blocking threads, never on the async
//! ones; the works stage reads the store's change log from its own cursor, committed with the
//! works, so a crash at any point (`kill -9` included) resumes without loss or duplicates.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use crate::classify::{Thesaurus, ThesaurusError};
use crate::feed;
use crate::harvest::guard::NetworkPolicy;
use crate::harvest::{self, Committed, HarvestError, Reporter, StopSignal};
use crate::index::{Following, Index, IndexError, IndexReport};
use crate::source::{self, Source, SourceError};
use crate::store::{RunRecord, Store, StoreError};
use crate::works::{self, PreAnalysis, SourceInfos, UpdateReport};

/// The works stage follows a harvest by batches of at least this many changed records…
const FOLLOW_BATCH: u64 = 2_000;
/// …or of fewer, once the oldest has waited this long (a slow repository's works still appear
/// while it is harvested).
const FOLLOW_LINGER: std::time::Duration = std::time::Duration::from_secs(1);

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
#[derive(Debug, Clone, Default)]
pub struct HarvestOptions {
    /// Ignore watermarks and harvest everything again (unchanged records are not rewritten).
    pub full: bool,
    /// Stop after the harvest: works and index catch up at the next update.
    pub records_only: bool,
    /// Progress bars on the terminal (else progress goes to the log).
    pub interactive: bool,
    /// Ends the harvests at their next page write (the server is shutting down).
    pub stop: StopSignal,
    /// Whether a run into a store without works stages its records, settled into the store in
    /// key order at its end ([`crate::store::Store::stages`]): only where no one reads the store
    /// during the harvest (the CLI's, which holds the store alone), since its records are seen
    /// only once settled; a server's API shows a repository's records as they come.
    pub stage: bool,
    /// Whether each run's end is synced to disk before it can be seen, as it is after records
    /// only: a server's API shows its runs, and one seen complete must stay so after a crash.
    /// Otherwise (the CLI's) the works stage makes it durable beside its analysis.
    pub sync_end: bool,
    /// Held around each works and index update made while following the harvest: the
    /// server's lock, so that its harvests side by side and its edition builds update or read
    /// works one at a time.
    pub updates: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// The sources known at a moment, with what works need of them; replaced as a whole.
struct Catalogue {
    /// The source files, then the registered repositories.
    sources: Arc<Vec<Source>>,
    infos: Arc<SourceInfos>,
}

/// The store, the sources and what deriving works needs; cheap to clone (clones share the
/// list of sources, so one that learns of a registration teaches the others).
#[derive(Clone)]
pub struct Pipeline {
    store: Arc<Store>,
    /// The search index, brought up to date after each works update.
    index: Arc<Index>,
    /// The source files, fixed at start.
    files: Arc<Vec<Source>>,
    /// The files and the registered repositories: registrations change while the server runs.
    catalogue: Arc<RwLock<Catalogue>>,
    thesaurus: Arc<Thesaurus>,
    /// Renders the feed's records of each work the works stage writes (stored with it).
    renderer: Arc<feed::Renderer>,
    /// What registered repositories may reach (`ESSOR_ALLOW_PRIVATE_NETWORKS`).
    network: NetworkPolicy,
}

impl Pipeline {
    /// The configured `sources` (loaded with [`source::load_dir`], which refuses a folder with
    /// any invalid file); registered repositories are added by [`Pipeline::set_registered`].
    pub fn new(
        store: Arc<Store>,
        sources: Vec<Source>,
        index: Arc<Index>,
    ) -> Result<Pipeline, PipelineError> {
        Pipeline::with_builtin(store, sources, index, Thesaurus::builtin()?)
    }

    /// [`Pipeline::new`] with the built-in thesaurus compiled already (`app` compiles it while
    /// the store opens).
    pub fn with_builtin(
        store: Arc<Store>,
        sources: Vec<Source>,
        index: Arc<Index>,
        thesaurus: Thesaurus,
    ) -> Result<Pipeline, PipelineError> {
        let catalogue = Catalogue {
            infos: Arc::new(SourceInfos::new(&sources)),
            sources: Arc::new(sources.clone()),
        };
        let thesaurus = Arc::new(thesaurus);
        let renderer = feed::Renderer::new(&thesaurus);
        // Stored records of another version are not served while they wait to be filled.
        store.expect_feed_records_version(&renderer.version())?;
        Ok(Pipeline {
            renderer: Arc::new(renderer),
            thesaurus,
            store,
            index,
            files: Arc::new(sources),
            catalogue: Arc::new(RwLock::new(catalogue)),
            network: NetworkPolicy::from_env(),
        })
    }

    /// The same pipeline, its registered repositories reaching only what `network` allows.
    pub fn with_network(mut self, network: NetworkPolicy) -> Pipeline {
        self.network = network;
        self
    }

    /// The same pipeline, classifying with `thesaurus` instead of the built-in one.
    pub fn with_thesaurus(mut self, thesaurus: Thesaurus) -> Pipeline {
        self.renderer = Arc::new(feed::Renderer::new(&thesaurus));
        self.thesaurus = Arc::new(thesaurus);
        self
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The source files, then the registered repositories, as last set.
    pub fn sources(&self) -> Arc<Vec<Source>> {
        self.read_catalogue().sources.clone()
    }

    /// The source files only.
    pub fn files(&self) -> &Arc<Vec<Source>> {
        &self.files
    }

    /// Replaces the registered repositories (every one not removed: the suspended ones are
    /// `enabled = false`, still needed to make works of their records). A registration whose
    /// id a source file already has is left out.
    pub fn set_registered(&self, registered: Vec<Source>) {
        let mut sources = self.files.as_ref().clone();
        for source in registered {
            if sources.iter().any(|known| known.id == source.id) {
                tracing::warn!(id = %source.id, "a source file has the id of a registration: the registration is ignored");
                continue;
            }
            sources.push(source);
        }
        let catalogue = Catalogue {
            infos: Arc::new(SourceInfos::new(&sources)),
            sources: Arc::new(sources),
        };
        *self.catalogue.write().unwrap_or_else(|e| e.into_inner()) = catalogue;
    }

    fn read_catalogue(&self) -> std::sync::RwLockReadGuard<'_, Catalogue> {
        self.catalogue.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn thesaurus(&self) -> &Arc<Thesaurus> {
        &self.thesaurus
    }

    /// The sources named by `ids` (every enabled one when `ids` is empty).
    pub fn select(&self, ids: &[String]) -> Result<Vec<Source>, SourceError> {
        source::select(&self.sources(), ids)
    }

    /// Harvests `sources` and brings works and index up to date (unless `records_only`): the
    /// works stage follows the harvest on a blocking thread, taking up the pages committed while
    /// later ones are fetched ([`Pipeline::follow`]), and finishes once the harvest has ended.
    pub async fn harvest(
        &self,
        sources: Vec<Source>,
        options: HarvestOptions,
    ) -> Result<Outcome, PipelineError> {
        let reporter = Reporter::new(options.interactive);
        if options.records_only {
            let runs = self
                .harvest_records(sources, &options, reporter, true, None)
                .await?;
            return Ok(Outcome {
                runs,
                works: None,
                index: None,
            });
        }
        let committed = Committed::default();
        // A store with works follows the harvest batch by batch: each page's records are
        // analysed while the page is written (`works::PreAnalysis`). A store without works
        // builds them all at the end, from the store.
        let pre = match works::is_fresh(&self.store)? {
            true => None,
            false => Some(Arc::new(PreAnalysis::new(
                self.store.clone(),
                self.read_catalogue().infos.clone(),
                self.thesaurus.clone(),
            ))),
        };
        let follower = {
            let (pipeline, committed, pre) = (self.clone(), committed.clone(), pre.clone());
            let (updates, stop) = (options.updates.clone(), options.stop.clone());
            tokio::task::spawn_blocking(move || {
                pipeline.follow(&committed, pre.as_deref(), updates.as_deref(), &stop)
            })
        };
        // Unless `sync_end`, the runs' ends are left unsynced: the works stage commits durably
        // after them.
        let harvested = self
            .harvest_records(
                sources,
                &options,
                reporter.following(committed.clone()),
                options.sync_end,
                pre.map(|pre| pre as Arc<dyn harvest::PageWatch>),
            )
            .await;
        // Whatever became of the harvest, the works stage takes up what was committed, then ends.
        committed.end();
        let followed = follower.await.map_err(|_| PipelineError::Panicked);
        let synced = matches!(&followed, Ok(Ok(followed)) if followed.synced);
        if !synced {
            // The works stage committed nothing after the harvest (no change, or it failed).
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.sync())
                .await
                .map_err(|_| PipelineError::Panicked)??;
        }
        let runs = harvested?;
        let Followed { works, index, .. } = followed??;
        Ok(Outcome {
            runs,
            works: Some(works),
            index: Some(index),
        })
    }

    /// Unless `sync_end`, the runs' ends are not synced to disk ([`harvest::harvest_sources`]).
    async fn harvest_records(
        &self,
        sources: Vec<Source>,
        options: &HarvestOptions,
        reporter: Reporter,
        sync_end: bool,
        pages: Option<Arc<dyn harvest::PageWatch>>,
    ) -> Result<Vec<RunRecord>, PipelineError> {
        Ok(harvest::harvest_sources(
            self.store.clone(),
            sources,
            options.full,
            reporter,
            self.network,
            options.stop.clone(),
            harvest::Writing {
                sync_end,
                stage: options.stage,
                pages,
            },
        )
        .await?)
    }

    /// The works stage following a harvest: each time [`FOLLOW_BATCH`] changed records were
    /// committed (or fewer that waited [`FOLLOW_LINGER`]), works then index are brought up to
    /// date with the store ([`Pipeline::update`]: it reads the change log from the works' own
    /// cursor, committed with the works, so a crash at any point resumes with the records whose
    /// works were not committed); once the harvest has ended, a last update. Blocking.
    ///
    /// A store without works waits for the end of the harvest instead: its first works are
    /// built from all its records at once (records clustered in memory, works written in bulk),
    /// at a third of the cost per record of attaching them batch after batch, which following
    /// the harvest would impose on all but the first batch (50,000 records end to end: 91 s
    /// instead of 46 s, BENCHMARKS.md). The harvest itself is a tenth of the time that build takes.
    ///
    /// Each update holds `updates` (the server's lock) while it runs. Once `stop` is asked for
    /// (the server shuts down), no update starts: works catch up at the next start, from the
    /// change log.
    fn follow(
        &self,
        committed: &Committed,
        pre: Option<&PreAnalysis>,
        updates: Option<&tokio::sync::Mutex<()>>,
        stop: &harvest::StopSignal,
    ) -> Result<Followed, PipelineError> {
        // The wait is logged: a server's update may wait for another's, an edition's build or
        // the feed's background work.
        let one_at_a_time = || {
            let waiting = std::time::Instant::now();
            let held = updates.map(tokio::sync::Mutex::blocking_lock);
            if held.is_some() {
                let waited_ms = waiting.elapsed().as_millis() as u64;
                tracing::debug!(waited_ms, "works update began after the server's lock");
            }
            held
        };
        if works::is_fresh(&self.store)? {
            committed.wait_for_end();
            let _held = one_at_a_time();
            if stop.is_stopped() {
                return Ok(Followed::default());
            }
            let (works, index) = self.update()?;
            return Ok(Followed {
                works,
                index,
                synced: false,
            });
        }
        let mut total: Option<(UpdateReport, IndexReport)> = None;
        let mut taken = 0;
        loop {
            let so_far = committed.wait(taken, FOLLOW_BATCH, FOLLOW_LINGER);
            taken = so_far.changes;
            // An incremental update of any record commits durably (`works::update`).
            let incremental = !works::builds_from_scratch(&self.store)?;
            // The harvest's commits left unsynced made durable beside the batch's analysis:
            // until then redb keeps their pages in its write buffer, and the batch's read-ahead
            // would write them back one per read that misses its cache, then scan the emptied
            // buffer on every such read until the batch's own durable commit.
            let syncing = {
                let store = self.store.clone();
                std::thread::spawn(move || store.sync_unsynced())
            };
            let held = one_at_a_time();
            if stop.is_stopped() {
                // The server stops: no update starts (works catch up at its next start, from
                // the change log).
                drop(held);
                syncing.join().map_err(|_| PipelineError::Panicked)??;
                let (works, index) = total.unwrap_or_default();
                return Ok(Followed {
                    works,
                    index,
                    synced: false,
                });
            }
            let updated = self.update_taking(pre);
            drop(held);
            let synced_harvest = syncing.join().map_err(|_| PipelineError::Panicked)?;
            let (works, index) = updated?;
            synced_harvest?;
            let synced = so_far.ended && incremental && works.records > 0;
            if !so_far.ended {
                tracing::info!(
                    records = works.records,
                    works_created = works.works_created,
                    indexed = index.indexed,
                    "works follow the harvest"
                );
            }
            let sum = match total {
                None => (works, index),
                Some((mut sum, mut sum_index)) => {
                    sum += works;
                    sum_index += index;
                    (sum, sum_index)
                }
            };
            if so_far.ended {
                let (works, index) = sum;
                return Ok(Followed {
                    works,
                    index,
                    synced,
                });
            }
            total = Some(sum);
        }
    }

    /// Renders and stores the feed's records of every work if the store has none from this
    /// version of the renderer (a store older than them, or after a change of the formats);
    /// returns how many works were rendered. Blocking; once per store and version.
    pub fn fill_feed_records(&self) -> Result<u64, PipelineError> {
        self.fill_feed_records_unless(|| false)
    }

    /// [`Pipeline::fill_feed_records`], ending early (unfinished, resumed from the start next
    /// time) once `stopped` says so: the server fills in the background and may shut down
    /// meanwhile. Until it ends, the store serves feed pages and exports from the works.
    pub fn fill_feed_records_unless(
        &self,
        stopped: impl Fn() -> bool,
    ) -> Result<u64, PipelineError> {
        let version = self.renderer.version();
        if self.store.feed_records_stale() {
            tracing::info!(%version, "rendering the feed's stored records (pages are written from the works until then)");
        }
        let filled = self.store.fill_feed_records(
            &version,
            stopped,
            |work: &works::Work| work.members.iter().map(|m| m.key().into()).collect(),
            |work, entry, origins| self.renderer.render(work, entry, origins),
        )?;
        if filled > 0 {
            tracing::info!(works = filled, %version, "feed records rendered and stored");
        }
        Ok(filled)
    }

    /// Makes the feed's precompressed records (for gzip pages) of the works written since it
    /// last did ([`feed::compress_stored`]), after rendering the records the works stage left
    /// to render (a fresh build's, a rebuild's, a change batch's:
    /// [`Store::fill_missing_feed_records`]), then removes the records the works
    /// updates moved left behind ([`Store::compact_feed_rows`]): none is on the way to
    /// searchable works, so the server runs them in the background. Blocking; ends early once
    /// `stopped` says so.
    pub fn compress_feed_records_unless(
        &self,
        stopped: impl Fn() -> bool,
    ) -> Result<u64, PipelineError> {
        // First the segments a build of works from scratch left (searches are dearer until
        // then); a merge that fails leaves a correct index.
        if !stopped()
            && let Err(error) = self.index.merge_left_segments()
        {
            tracing::warn!(%error, "search index segments not merged: searches stay right, slower");
        }
        let rendered = self.store.fill_missing_feed_records(
            &stopped,
            |work: &works::Work| work.members.iter().map(|m| m.key().into()).collect(),
            |work, entry, origins| self.renderer.render(work, entry, origins),
        )?;
        if rendered > 0 {
            tracing::info!(
                works = rendered,
                "deferred feed records rendered and stored"
            );
        }
        let made = feed::compress_stored(&self.store, &stopped)?;
        if made > 0 {
            tracing::info!(rows = made, "feed records precompressed for gzip pages");
        }
        let compacted = self.store.compact_feed_rows(stopped)?;
        if compacted > 0 {
            tracing::info!(
                keys = compacted,
                "feed records the moved works left behind removed"
            );
        }
        Ok(made)
    }

    /// Brings works, then the index, up to date with the store's records. Blocking.
    pub fn update(&self) -> Result<(UpdateReport, IndexReport), PipelineError> {
        self.update_taking(None)
    }

    /// [`Pipeline::update`], taking the records `pre` analysed while their page was written.
    fn update_taking(
        &self,
        pre: Option<&PreAnalysis>,
    ) -> Result<(UpdateReport, IndexReport), PipelineError> {
        // Records a crash left staged are harvested: they are made into works too.
        self.store.settle_idle()?;
        if works::builds_from_scratch(&self.store)? {
            return self.build_from_scratch();
        }
        self.works_then_index(
            "works and index up to date",
            &|store, infos, thesaurus, renderer, staged| {
                works::update(store, infos, thesaurus, renderer, staged, pre)
            },
        )
    }

    /// A store's first works, built from scratch, with the search index built beside them
    /// ([`Index::beside`]): each transaction's works are indexed on the other cores while the
    /// next are written, so that only the index's commit and merge follow the works, not a
    /// pass reading every work back (49 s after the works of a fresh 1 M store).
    fn build_from_scratch(&self) -> Result<(UpdateReport, IndexReport), PipelineError> {
        let infos = self.read_catalogue().infos.clone();
        self.fill_feed_records()?;
        let started = std::time::Instant::now();
        let beside = self.index.beside(&self.store)?;
        let built = works::build_from_scratch(
            &self.store,
            &infos,
            &self.thesaurus,
            Some(self.renderer.as_ref()),
            &beside,
        )?;
        let works_in = started.elapsed();
        let index = match built {
            Some(_) => beside.finish(),
            // Another update built the works meanwhile: the index follows them as always.
            None => {
                drop(beside);
                self.index.update(&self.store)
            }
        };
        let index = or_from_feed(index, || self.index.update(&self.store))?;
        // A build beside follows no feed entry: a server's themes are read again.
        self.index.reload_themes(&self.store)?;
        let works = built.unwrap_or_default();
        log_stages("works and index up to date", &works, started, works_in);
        Ok((works, index))
    }

    /// Derives every work again from the stored records, keeping their ids
    /// ([`works::rederive`]), then brings the index up to date. Blocking.
    pub fn rebuild_works(&self) -> Result<(UpdateReport, IndexReport), PipelineError> {
        // A source's settings (role, institution, region) decide what its records give a work:
        // derived without them, every work of a stored source whose file is missing (a wrong
        // `--sources`) may change, and the feed would tell harvesters so.
        let infos = self.read_catalogue().infos.clone();
        self.store.settle_idle()?;
        let stored = self.store.stats()?;
        let unknown: Vec<&str> = (stored.by_source.keys())
            .filter(|id| !infos.knows(id))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            tracing::warn!(
                sources = ?unknown,
                "works derived again without these stored sources' files: their settings (role, \
                 institution, region) are unknown, so their works may change; give the sources \
                 folder they were harvested with"
            );
        }
        // Not filled first: the rebuild renders no feed records (it leaves those of the works
        // it changes to the server, as a fresh build does), so a renderer change (a new theme's
        // labels) is rendered once, by the server, not here and then again for every changed work.
        let started = std::time::Instant::now();
        // Documents are kept as they are for the works whose themes alone change only when the
        // index holds every work as stored before the rebuild.
        let index_current = self.index.is_up_to_date(&self.store)?;
        // The index built again beside the writes when most works change (the rebuild decides:
        // `works::rederive`); dropped unfinished, and so left as it was, when it does not.
        let beside = self.index.beside(&self.store)?;
        let rederived = works::rederive(
            &self.store,
            &infos,
            &self.thesaurus,
            Some(self.renderer.as_ref()),
            Some(&beside),
        )?;
        let works = rederived.report;
        let works_in = started.elapsed();
        let index = if rederived.indexed {
            or_from_feed(beside.finish(), || {
                self.index.rebuild_leaving_merge(&self.store)
            })?
        } else {
            drop(beside);
            // The works whose themes alone changed keep their documents (the index keeps themes
            // beside them): a new theme changes every work's themes, and nothing else.
            let themes_only = match index_current {
                true => &rederived.themes_only,
                false => &HashSet::new(),
            };
            let reindexed = rewritten(&works).saturating_sub(themes_only.len() as u64);
            // Rewrote half the works or more all the same: indexing every work costs less than
            // replacing each document (6.0 s against 7.1–8.8 at 100,000 records). Either way
            // the segments' merge is left to the server, as the build beside's is.
            if 2 * reindexed >= self.store.work_counts()?.0 {
                self.index.rebuild_leaving_merge(&self.store)?
            } else {
                self.index
                    .update_leaving_merge_but(&self.store, themes_only)?
            }
        };
        // A build beside loaded none of the works' themes; the others did as they followed.
        if rederived.indexed {
            self.index.reload_themes(&self.store)?;
        }
        log_stages(
            "works derived again, index up to date",
            &works,
            started,
            works_in,
        );
        Ok((works, index))
    }

    /// How an update writes works: the feed's stored records filled first (a store of an
    /// earlier version), then [`Pipeline::derive_then_index`], staged.
    fn works_then_index(
        &self,
        done: &'static str,
        derive: Derive<'_>,
    ) -> Result<(UpdateReport, IndexReport), PipelineError> {
        self.fill_feed_records()?;
        let done = self.derive_then_index(done, true, derive)?;
        // The server removes them in the background; a store never served, once they are many.
        let compacted = self.store.compact_feed_rows_if_many()?;
        if compacted > 0 {
            tracing::info!(
                keys = compacted,
                "feed records the moved works left behind removed"
            );
        }
        Ok(done)
    }

    /// `derive` with the renderer, then the index; the stages timed. With `staged`, `derive`
    /// hands each batch's works to the index before the batch commits ([`Index::following`]:
    /// the index prepares its commit while the store commits); the index follows the feed
    /// afterwards only if it did not take them all.
    fn derive_then_index(
        &self,
        done: &'static str,
        staged: bool,
        derive: Derive<'_>,
    ) -> Result<(UpdateReport, IndexReport), PipelineError> {
        let infos = self.read_catalogue().infos.clone();
        let started = std::time::Instant::now();
        let following = staged.then(|| self.index.following(&self.store)).flatten();
        let works = derive(
            &self.store,
            &infos,
            &self.thesaurus,
            Some(self.renderer.as_ref()),
            following.as_ref().map(|f| f as &dyn works::StagedWorks),
        )?;
        let works_in = started.elapsed();
        let index = match following.and_then(Following::finish) {
            Some(followed) => followed,
            None => self.index.update(&self.store)?,
        };
        log_stages(done, &works, started, works_in);
        Ok((works, index))
    }
}

/// What the works stage following a harvest did.
#[derive(Default)]
struct Followed {
    works: UpdateReport,
    index: IndexReport,
    /// Whether its last commit, durable, came after the harvest had ended (its runs' ends,
    /// committed unsynced, are durable with it).
    synced: bool,
}

/// A works stage the index follows: [`works::update`] (which may hand its batches to the index
/// before they commit) or [`works::rederive`].
type Derive<'d> = &'d dyn Fn(
    &Store,
    &SourceInfos,
    &Thesaurus,
    Option<&dyn works::RecordRenderer>,
    Option<&dyn works::StagedWorks>,
) -> Result<UpdateReport, StoreError>;

/// The works a works stage wrote: created, changed, merged away or deleted.
fn rewritten(works: &UpdateReport) -> u64 {
    works.works_created + works.works_changed + works.works_merged + works.works_deleted
}

/// The log line of a works update and the index after it (the benchmarks read its stages).
/// The search index built beside the works, or, when that failed (nothing of it was committed),
/// the one `from_feed` builds from the feed.
fn or_from_feed(
    beside: Result<IndexReport, IndexError>,
    from_feed: impl FnOnce() -> Result<IndexReport, IndexError>,
) -> Result<IndexReport, IndexError> {
    beside.or_else(|error| {
        tracing::warn!(%error, "the search index built beside the works failed: building it from the feed");
        from_feed()
    })
}

fn log_stages(
    done: &str,
    works: &UpdateReport,
    started: std::time::Instant,
    works_in: std::time::Duration,
) {
    tracing::info!(
        records = works.records,
        works_ms = works_in.as_millis() as u64,
        index_ms = (started.elapsed() - works_in).as_millis() as u64,
        "{done}"
    );
}
