//! Whether the store is settled enough to freeze an edition on its own (`essor serve`'s
//! automatic build): a published edition never changes, so it must not be computed from a
//! half-harvested source, whose partial semesters would read as a decline (or, once completed,
//! as a burst the frozen edition could never take back).

use std::fmt;

use crate::source::Source;
use crate::store::{RunStatus, Store, StoreError};

/// Why an automatic build waits: the first source (in configuration order) not settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsettled {
    /// A harvest of the source started and has not completed (running, or interrupted and
    /// waiting to be resumed): part of its records are missing.
    HarvestInProgress { source: String },
    /// The source has never completed a harvest: the store has none or part of its records.
    NeverHarvested { source: String },
}

impl fmt::Display for Unsettled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsettled::HarvestInProgress { source } => {
                write!(f, "a harvest of source `{source}` is in progress")
            }
            Unsettled::NeverHarvested { source } => {
                write!(f, "source `{source}` has never completed a harvest")
            }
        }
    }
}

/// The first enabled source of `sources` that is not settled, `None` when all are. Disabled
/// sources are not waited for: nothing will harvest them.
pub fn unsettled(store: &Store, sources: &[Source]) -> Result<Option<Unsettled>, StoreError> {
    for source in sources.iter().filter(|source| source.enabled) {
        let id = source.id.to_string();
        if store.checkpoint(&id)?.active.is_some() {
            return Ok(Some(Unsettled::HarvestInProgress { source: id }));
        }
        let completed = store
            .runs(Some(&id))?
            .iter()
            .any(|run| run.status == RunStatus::Complete);
        if !completed {
            return Ok(Some(Unsettled::NeverHarvested { source: id }));
        }
    }
    Ok(None)
}
