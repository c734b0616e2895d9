//! Every term of every covered work counted in little memory and on all cores: per term (by its
//! 64-bit key hash) the works of the edition's semester and of the semesters before, in sharded
//! tables that the decoding threads update directly (sums do not depend on order). From these
//! two numbers alone the candidate findings are picked (enough works, G² over the threshold);
//! only they are then counted in full with their evidence (`Tally::add_terms`). A million works
//! hold millions of distinct terms (word pairs mostly), nearly all too rare to be findings: the
//! full evidence of each (counts per semester, writings, sources, examples) would take gigabytes.
//!
//! Two terms whose keys have the same 64-bit hash would be counted together here (with some ten
//! million terms, a chance of about one in a million per edition); their evidence is then
//! counted by key, apart.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};

use super::analyse::g2;
use super::model::Parameters;

/// Enough that two decoding threads rarely wait for each other.
const SHARDS: usize = 64;

/// The hasher of maps whose keys are hashes already (foldhash's): they are used as they are.
#[derive(Default)]
pub struct HashedKey(u64);

impl Hasher for HashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A set of term hashes.
pub type HashSetOfTerms = HashSet<u64, BuildHasherDefault<HashedKey>>;

/// `[before, now]` by term hash.
type Shard = HashMap<u64, [u32; 2], BuildHasherDefault<HashedKey>>;

/// Works having each term, by key hash: `[before, now]`.
pub struct TermCounts {
    shards: Vec<Mutex<Shard>>,
}

impl Default for TermCounts {
    fn default() -> TermCounts {
        TermCounts {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl TermCounts {
    /// Counts one covered work's terms (their key hashes, distinct), of the edition's semester
    /// (`now`) or of one before.
    pub fn count(&self, hashes: &[u64], now: bool) {
        for &hash in hashes {
            // Middle bits: the table itself uses the low ones (bucket) and the high ones (tag).
            let shard = (hash >> 32) as usize % SHARDS;
            let mut table = self.shards[shard]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            table.entry(hash).or_insert([0, 0])[usize::from(now)] += 1;
        }
    }

    /// Distinct terms counted.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The terms that may be findings among `now_works` covered works of the edition's
    /// semester and `before_works` before: the test of `analyse` (support, G²) but for the
    /// number of sources, which only the full count knows.
    pub fn candidates(
        self,
        now_works: u32,
        before_works: u32,
        parameters: &Parameters,
    ) -> HashSetOfTerms {
        let mut candidates = HashSetOfTerms::default();
        for shard in self.shards {
            let table = shard.into_inner().unwrap_or_else(PoisonError::into_inner);
            for (hash, [before, now]) in table {
                let share_now = f64::from(now) / f64::from(now_works.max(1));
                let share_before = f64::from(before) / f64::from(before_works.max(1));
                let support = if share_now > share_before {
                    now
                } else {
                    before
                };
                if support >= parameters.min_support
                    && g2(now, now_works, before, before_works) >= parameters.min_score
                {
                    candidates.insert(hash);
                }
            }
        }
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_terms_that_may_be_findings_are_candidates() {
        let counts = TermCounts::default();
        let parameters = Parameters::default();
        // 100 works now, 700 before: term 1 in 40 now and 10 before (rising), term 2 in 1 now
        // and 140 before (falling), term 3 in 14 and 98 (steady), term 4 in 3 and 0 (too few).
        for work in 0..100u32 {
            let mut hashes = vec![3 << 40 | 3];
            if work < 40 {
                hashes.push(1);
            }
            if work < 1 {
                hashes.push(2 << 33);
            }
            if work < 3 {
                hashes.push(4);
            }
            if work >= 14 {
                hashes.retain(|h| *h != (3 << 40 | 3));
            }
            counts.count(&hashes, true);
        }
        for work in 0..700u32 {
            let mut hashes = Vec::new();
            if work < 10 {
                hashes.push(1);
            }
            if work < 140 {
                hashes.push(2 << 33);
            }
            if work < 98 {
                hashes.push(3 << 40 | 3);
            }
            counts.count(&hashes, false);
        }
        assert_eq!(counts.len(), 4);
        let candidates = counts.candidates(100, 700, &parameters);
        let mut found: Vec<u64> = candidates.into_iter().collect();
        found.sort_unstable();
        assert_eq!(found, vec![1, 2 << 33]);
    }
}
