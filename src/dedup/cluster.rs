//! Grouping records into works in one pass (a rebuild, or the evaluation set): union-find over
//! the pairs that blocking proposes and `compare` accepts, most confident first, never joining
//! two groups that hold a pair `compare` calls different (cannot-link).

use std::collections::HashMap;

use super::compare::{Features, Verdict, compare};

/// Blocks larger than this are too generic to compare all pairs of (a common family name);
/// their records still meet through their other keys.
const MAX_BLOCK: usize = 200;
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

/// Clusters records given their features and blocking keys.
pub fn cluster(features: &[Features], keys: &[Vec<String>]) -> Clustering {
    let mut blocks: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, record_keys) in keys.iter().enumerate() {
        for key in record_keys {
            blocks.entry(key.as_str()).or_default().push(index);
        }
    }
    let mut verdicts: HashMap<(usize, usize), Verdict> = HashMap::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > MAX_BLOCK {
            continue;
        }
        for (position, &a) in members.iter().enumerate() {
            for &b in &members[position + 1..] {
                let pair = (a.min(b), a.max(b));
                verdicts
                    .entry(pair)
                    .or_insert_with(|| compare(&features[pair.0], &features[pair.1]));
            }
        }
    }
    let mut candidates: Vec<Link> = verdicts
        .iter()
        .filter_map(|(&(a, b), verdict)| match verdict {
            Verdict::Same { rule, score } => Some(Link {
                a,
                b,
                rule,
                score: *score,
            }),
            _ => None,
        })
        .collect();
    // Most confident first; ties in a fixed order so results do not depend on hashing.
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
        if cannot_link(&groups, root_a, root_b, features, &verdicts) {
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

/// Whether joining the two groups would put together a pair known to be different works.
fn cannot_link(
    groups: &Groups,
    root_a: usize,
    root_b: usize,
    features: &[Features],
    verdicts: &HashMap<(usize, usize), Verdict>,
) -> bool {
    let members_a = &groups.members[root_a];
    let members_b = &groups.members[root_b];
    let check_all = members_a.len() * members_b.len() <= MAX_CROSS_CHECK;
    members_a.iter().any(|&a| {
        members_b.iter().any(|&b| {
            let pair = (a.min(b), a.max(b));
            match verdicts.get(&pair) {
                Some(verdict) => matches!(verdict, Verdict::Different { .. }),
                None if check_all => matches!(
                    compare(&features[pair.0], &features[pair.1]),
                    Verdict::Different { .. }
                ),
                None => false,
            }
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
