//! Every term of every covered work counted in little memory and on all cores: per term (by its
//! 64-bit key hash) the works of the edition's semester and of the semesters before, in sharded
//! tables that the decoding threads update a batch at a time, each batch's repeats summed first
//! (sums do not depend on order). From these
//! two numbers alone the candidate findings are picked (enough works, G² over the threshold);
//! only they are then counted in full with their evidence (`Tally::add_terms`). A million works
//! hold millions of distinct terms (word pairs mostly), nearly all too rare to be findings: the
//! full evidence of each (counts per semester, writings, sources, examples) would take gigabytes.
//!
//! Two terms whose keys have the same 64-bit hash would be counted together here (with some ten
//! million terms, a chance of about one in a million per edition); their evidence is then
//! counted by key, apart.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use foldhash::fast::FixedState;

use super::analyse::g2;
use super::model::Parameters;

/// Enough that two decoding threads rarely wait for each other. A power of two: a term's shard
/// is the top bits of its hash, so that a sorted batch meets each shard in one run.
const SHARDS: usize = 64;
const SHARD_BITS: u32 = SHARDS.trailing_zeros();
/// Batches being gathered; a thread keeps to one (picked by its id), so two rarely share.
const LANES: usize = 16;
/// Term occurrences gathered before they are summed into the shards: some works' worth, so that
/// a frequent word met in most of them costs the large tables one update, not one per work.
const BATCH: usize = 1 << 16;

/// The hasher of maps whose keys are hashes already (foldhash's): a multiply spreads them
/// (the shards take the top bits, which the table would otherwise see the same in every key
/// of a shard).
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
        self.0 = value.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A set of term hashes.
pub type HashSetOfTerms = HashSet<u64, BuildHasherDefault<HashedKey>>;

/// `[before, now]` by term hash.
type Shard = HashMap<u64, [u32; 2], BuildHasherDefault<HashedKey>>;

/// Term hashes met and not yet summed: `[before, now]`.
#[derive(Default)]
struct Pending([Vec<u64>; 2]);

/// Works having each term, by key hash: `[before, now]`.
pub struct TermCounts {
    shards: Vec<Mutex<Shard>>,
    pending: Vec<Mutex<Pending>>,
}

impl Default for TermCounts {
    fn default() -> TermCounts {
        TermCounts {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            pending: (0..LANES).map(|_| Mutex::default()).collect(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TermCounts {
    /// Counts one covered work's terms (their key hashes, distinct), of the edition's semester
    /// (`now`) or of one before. Gathered in the calling thread's batch, summed into the shards
    /// when it is full (sums do not depend on order).
    pub fn count(&self, hashes: &[u64], now: bool) {
        let lane = FixedState::default().hash_one(std::thread::current().id()) as usize % LANES;
        let mut pending = lock(&self.pending[lane]);
        pending.0[usize::from(now)].extend_from_slice(hashes);
        if pending.0[0].len() + pending.0[1].len() >= BATCH {
            self.add_batch(&mut pending);
        }
    }

    /// Sums a batch into the shards: each list sorted, each run of one hash added once, each
    /// shard locked once.
    fn add_batch(&self, pending: &mut Pending) {
        for (now, hashes) in pending.0.iter_mut().enumerate() {
            hashes.sort_unstable();
            let mut rest = hashes.as_slice();
            while let Some(&first) = rest.first() {
                let shard = (first >> (64 - SHARD_BITS)) as usize;
                let in_shard =
                    rest.partition_point(|hash| (hash >> (64 - SHARD_BITS)) as usize == shard);
                let mut table = lock(&self.shards[shard]);
                for run in rest[..in_shard].chunk_by(|a, b| a == b) {
                    table.entry(run[0]).or_insert([0, 0])[now] += run.len() as u32;
                }
                rest = &rest[in_shard..];
            }
            hashes.clear();
        }
    }

    /// Sums every batch still gathering.
    fn flush(&self) {
        for lane in &self.pending {
            self.add_batch(&mut lock(lane));
        }
    }

    /// Distinct terms counted.
    pub fn len(&self) -> usize {
        self.flush();
        self.shards.iter().map(|shard| lock(shard).len()).sum()
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
        self.flush();
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
