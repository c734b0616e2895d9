//! `completeListSize` of a list's first page without counting the list on every request. A
//! list without `from`/`until` is a set's size, which the store keeps on write (`feed_sets`);
//! a list bounded by dates is counted once per store generation (the feed's last sequence
//! number, which every work written moves on) and kept until the store changes.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::{FeedRange, Store, StoreError};

/// Sizes kept at most; beyond, they start afresh (each is one count of a range).
const KEPT: usize = 1024;

/// Sizes of date-bounded lists, valid for one store generation.
#[derive(Default)]
pub struct ListSizes {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    generation: u64,
    /// (set, from, until) → works in the list.
    sizes: HashMap<(String, u64, u64), u64>,
}

impl ListSizes {
    /// How many works the list of `range` holds (from its start, whatever `after` says).
    pub fn size(&self, store: &Store, range: FeedRange<'_>) -> Result<u64, StoreError> {
        if range.from == 0 && range.until == u64::MAX {
            return store.feed_count(range);
        }
        let generation = store.feed_generation()?;
        let key = (range.set.to_owned(), range.from, range.until);
        if let Ok(kept) = self.kept.lock()
            && kept.generation == generation
            && let Some(size) = kept.sizes.get(&key)
        {
            return Ok(*size);
        }
        // Counted outside the lock: another list's first page need not wait for it.
        let size = store.feed_count(range)?;
        if let Ok(mut kept) = self.kept.lock() {
            if kept.generation != generation || kept.sizes.len() >= KEPT {
                kept.sizes.clear();
                kept.generation = generation;
            }
            kept.sizes.insert(key, size);
        }
        Ok(size)
    }
}
