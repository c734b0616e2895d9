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
    K: AsRef<[BlockKey]>,
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

/// Every pair of records sharing a block no larger than its kind allows, once, sorted. The
/// pairs are counted first, then allocated once: grown by doubling, the last copy held twice
/// their size.
fn candidate_pairs<K: AsRef<[BlockKey]>>(keys: &[K]) -> Vec<(u32, u32)> {
    let count: usize = (0..KEY_PASSES)
        .map(|pass| {
            compared_blocks(&pass_entries(keys, pass))
                .map(|block| block.len() * (block.len() - 1) / 2)
                .sum::<usize>()
        })
        .sum();
    let mut pairs = Vec::with_capacity(count);
    for pass in 0..KEY_PASSES {
        let entries = pass_entries(keys, pass);
        for block in compared_blocks(&entries) {
            for (position, &(_, a)) in block.iter().enumerate() {
                for &(_, b) in &block[position + 1..] {
                    pairs.push((a.min(b), a.max(b)));
                }
            }
        }
    }
    tracing::trace!(proposed = pairs.len(), "dedup: pairs proposed");
    pairs.sort_unstable();
    pairs.dedup();
    pairs
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
