//! Grouping records into works in one pass (a rebuild, or the evaluation set): union-find over
//! the pairs that blocking proposes and `compare` accepts, most confident first, never joining
//! two groups that hold a pair `compare` calls different (cannot-link).

use std::borrow::Borrow;

use super::compare::{Verdict, compare};
use super::features::Features;
use super::keys::BlockKey;

/// Groups larger than this are checked for cannot-links only on the pairs already compared.
const MAX_CROSS_CHECK: usize = 2_500;

/// Why two records were joined: the rule and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub rule: &'static str,
    pub score: f32,
}

/// The works found: groups of record indexes, and the links that built them.
#[derive(Debug, Default)]
pub struct Clustering {
    pub groups: Vec<Vec<usize>>,
    pub links: Vec<Link>,
}

/// Clusters records given their features and blocking keys. Pairs are compared on all cores;
/// only the links and the pairs found different are kept (a million records propose tens of
/// millions of pairs, most of them unsure).
pub fn cluster<F, K>(features: &[F], keys: &[K]) -> Clustering
where
    F: Borrow<Features> + Sync,
    K: AsRef<[BlockKey]> + Sync,
{
    let pairs = candidate_pairs(keys);
    let compared = pairs.len();
    let (mut candidates, different) = compare_all(features, pairs);
    tracing::trace!(
        records = features.len(),
        pairs = compared,
        same = candidates.len(),
        different = different.len(),
        "dedup: pairs compared"
    );
    // Most confident first; ties in a fixed order so results do not depend on threads.
    candidates.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });

    let mut groups = Groups::new(features.len());
    let mut links = Vec::new();
    for link in candidates {
        let (root_a, root_b) = (groups.find(link.a), groups.find(link.b));
        if root_a == root_b {
            continue;
        }
        if cannot_link(&groups, root_a, root_b, features, &different) {
            continue;
        }
        groups.union(root_a, root_b);
        links.push(link);
    }
    Clustering {
        groups: groups.into_groups(),
        links,
    }
}

/// Blocking keys are sorted in this many passes, each over a range of block ids (their top
/// bits): a million records have eleven million keys, 176 MiB sorted at once, and with the
/// pairs growing beside them that was the peak memory of a fresh 1 M store (2.2 GiB).
const KEY_PASSES: u64 = 16;

/// Records from which [`candidate_pairs`] spreads its passes over the cores: below, threads
/// would cost more than the passes (an incremental update regroups a few works).
const PARALLEL_RECORDS: usize = 10_000;

/// Every pair of records sharing a block no larger than its kind allows, once, sorted. The
/// pairs are counted first, then allocated once: grown by doubling, the last copy held twice
/// their size. The passes are independent, so they are counted on all cores, and filled on all
/// cores, each into its own range of the counted vector: on one thread they were most of a
/// 1 M clustering's ~8 s with a core idle (BENCHMARKS.md, issue 17). Sorted after, the pairs
/// are the same whatever thread filled them.
fn candidate_pairs<K: AsRef<[BlockKey]> + Sync>(keys: &[K]) -> Vec<(u32, u32)> {
    let threads = match keys.len() < PARALLEL_RECORDS {
        true => 1,
        false => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    candidate_pairs_on(keys, threads)
}

/// [`candidate_pairs`] on `threads` threads.
fn candidate_pairs_on<K: AsRef<[BlockKey]> + Sync>(keys: &[K], threads: usize) -> Vec<(u32, u32)> {
    let counts: Vec<usize> = each_pass((0..KEY_PASSES).collect(), threads, |pass| {
        compared_blocks(&pass_entries(keys, pass))
            .map(|block| block.len() * (block.len() - 1) / 2)
            .sum()
    });
    let mut pairs = vec![(0u32, 0u32); counts.iter().sum()];
    let mut ranges = Vec::with_capacity(counts.len());
    let mut rest = pairs.as_mut_slice();
    for (pass, &count) in (0..KEY_PASSES).zip(&counts) {
        let (range, after) = std::mem::take(&mut rest).split_at_mut(count);
        ranges.push((pass, range));
        rest = after;
    }
    each_pass(ranges, threads, |(pass, range)| {
        let entries = pass_entries(keys, pass);
        let mut slots = range.iter_mut();
        for block in compared_blocks(&entries) {
            for (position, &(_, a)) in block.iter().enumerate() {
                for &(_, b) in &block[position + 1..] {
                    // As many slots as the count of this pass found pairs.
                    if let Some(slot) = slots.next() {
                        *slot = (a.min(b), a.max(b));
                    }
                }
            }
        }
    });
    tracing::trace!(proposed = pairs.len(), "dedup: pairs proposed");
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// `work` applied to each pass on `threads` threads ([`crate::cores::map_pulled`]), the
/// results in the passes' order.
fn each_pass<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    crate::cores::map_pulled(items, threads, work)
        // A panic in a pass is a bug: let it surface as one.
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The (key, record) entries of the blocks whose ids fall in `pass`'s range, sorted.
fn pass_entries<K: AsRef<[BlockKey]>>(keys: &[K], pass: u64) -> Vec<(BlockKey, u32)> {
    let shift = 64 - KEY_PASSES.trailing_zeros();
    let mut entries: Vec<(BlockKey, u32)> = keys
        .iter()
        .enumerate()
        .flat_map(|(index, record_keys)| {
            record_keys
                .as_ref()
                .iter()
                .filter(move |key| key.id() >> shift == pass)
                .map(move |&key| (key, index as u32))
        })
        .collect();
    entries.sort_unstable();
    entries
}

/// The blocks of sorted `entries` whose pairs are compared: two records or more, no more than
/// their kind allows.
fn compared_blocks(entries: &[(BlockKey, u32)]) -> impl Iterator<Item = &[(BlockKey, u32)]> {
    entries
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|block| block.len() >= 2 && block.len() <= block[0].0.limit())
}

/// Fewer pairs than this are compared on the calling thread.
const PARALLEL_FROM: usize = 256;

/// Compares the pairs on all cores: the links (`Same`) and the pairs called different (sorted,
/// for the cannot-link checks). The threads give a flag per pair, and the pairs called
/// different are kept in place of `pairs`: collected apart, they and their copies were the
/// second largest allocation of a 1 M clustering.
fn compare_all<F: Borrow<Features> + Sync>(
    features: &[F],
    mut pairs: Vec<(u32, u32)>,
) -> (Vec<Link>, Vec<(u32, u32)>) {
    let compare_part = |part: &[(u32, u32)]| {
        let mut same = Vec::new();
        let mut different = Vec::with_capacity(part.len());
        for &(a, b) in part {
            let verdict = compare(features[a as usize].borrow(), features[b as usize].borrow());
            different.push(matches!(verdict, Verdict::Different { .. }));
            if let Verdict::Same { rule, score } = verdict {
                same.push(Link {
                    a: a as usize,
                    b: b as usize,
                    rule,
                    score,
                });
            }
        }
        (same, different)
    };
    // The members of one work (an incremental update regroups a thousand of them): threads
    // would cost more than the comparisons.
    let (same, different) = if pairs.len() < PARALLEL_FROM {
        compare_part(&pairs)
    } else {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .max(1);
        let chunk = pairs.len().div_ceil(threads).max(1);
        let compare_part = &compare_part;
        std::thread::scope(|scope| {
            let handles: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| scope.spawn(move || compare_part(part)))
                .collect();
            let mut same = Vec::new();
            let mut different = Vec::with_capacity(pairs.len());
            for handle in handles {
                // A panic in `compare` is a bug: let it surface as one.
                let (part_same, part_different) = match handle.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                same.extend(part_same);
                different.extend(part_different);
            }
            (same, different)
        })
    };
    let mut flags = different.into_iter();
    pairs.retain(|_| flags.next().unwrap_or(false));
    (same, pairs)
}

/// Whether joining the two groups would put together a pair known to be different works.
fn cannot_link<F: Borrow<Features>>(
    groups: &Groups,
    root_a: usize,
    root_b: usize,
    features: &[F],
    different: &[(u32, u32)],
) -> bool {
    let members_a = &groups.members[root_a];
    let members_b = &groups.members[root_b];
    let check_all = members_a.len() * members_b.len() <= MAX_CROSS_CHECK;
    members_a.iter().any(|&a| {
        members_b.iter().any(|&b| {
            let pair = (a.min(b) as u32, a.max(b) as u32);
            different.binary_search(&pair).is_ok()
                || (check_all
                    && matches!(
                        compare(features[a].borrow(), features[b].borrow()),
                        Verdict::Different { .. }
                    ))
        })
    })
}

/// Union-find that also keeps each root's members, for cannot-link checks.
struct Groups {
    parent: Vec<usize>,
    members: Vec<Vec<usize>>,
}

impl Groups {
    fn new(size: usize) -> Groups {
        Groups {
            parent: (0..size).collect(),
            members: (0..size).map(|i| vec![i]).collect(),
        }
    }

    fn find(&mut self, mut index: usize) -> usize {
        while self.parent[index] != index {
            self.parent[index] = self.parent[self.parent[index]];
            index = self.parent[index];
        }
        index
    }

    fn union(&mut self, a: usize, b: usize) {
        let (keep, drop) = if self.members[a].len() >= self.members[b].len() {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[drop] = keep;
        let moved = std::mem::take(&mut self.members[drop]);
        self.members[keep].extend(moved);
    }

    fn into_groups(mut self) -> Vec<Vec<usize>> {
        let roots: Vec<usize> = (0..self.parent.len())
            .filter(|&i| self.find(i) == i)
            .collect();
        let mut groups: Vec<Vec<usize>> = roots
            .into_iter()
            .map(|root| {
                let mut members = std::mem::take(&mut self.members[root]);
                members.sort_unstable();
                members
            })
            .collect();
        groups.sort_by_key(|g| g[0]);
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes counted and filled on several threads give the pairs one thread gives: keys
    /// drawn so that blocks of every size occur, some past their kind's limit.
    #[test]
    fn candidate_pairs_on_several_threads_are_those_of_one() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let keys: Vec<Vec<BlockKey>> = (0..3_000)
            .map(|_| {
                (0..1 + next(12))
                    .map(|_| match next(3) {
                        0 => BlockKey::of(&format!("i:nnt:{}", next(400))),
                        1 => BlockKey::of(&format!("t:{}|a:{}", next(900), next(3))),
                        _ => BlockKey::of(&format!("w:{}", next(60))),
                    })
                    .collect()
            })
            .collect();
        let one = candidate_pairs_on(&keys, 1);
        assert!(one.len() > 1_000, "{} pairs: too few to tell", one.len());
        assert!(one.windows(2).all(|pair| pair[0] < pair[1]));
        for threads in [2, 3, 16, 40] {
            assert_eq!(candidate_pairs_on(&keys, threads), one, "{threads} threads");
        }
        let none: Vec<Vec<BlockKey>> = Vec::new();
        assert!(candidate_pairs_on(&none, 2).is_empty());
    }
}
