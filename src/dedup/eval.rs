//! Precision, recall and F1 over record pairs: how a clustering compares with labelled works.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PairScores {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub correct_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Scores `groups` (of record indexes) against `labels` (one work label per record).
pub fn pair_scores(groups: &[Vec<usize>], labels: &[String]) -> PairScores {
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut by_label: HashMap<&str, u64> = HashMap::new();
    for label in labels {
        *by_label.entry(label).or_default() += 1;
    }
    let true_pairs = by_label.values().map(|&n| pairs(n)).sum();
    let mut predicted_pairs = 0;
    let mut correct_pairs = 0;
    for group in groups {
        predicted_pairs += pairs(group.len() as u64);
        let mut inside: HashMap<&str, u64> = HashMap::new();
        for &index in group {
            *inside.entry(labels[index].as_str()).or_default() += 1;
        }
        correct_pairs += inside.values().map(|&n| pairs(n)).sum::<u64>();
    }
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(correct_pairs, predicted_pairs);
    let recall = ratio(correct_pairs, true_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairScores {
        true_pairs,
        predicted_pairs,
        correct_pairs,
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_imperfect_clusterings() {
        let labels: Vec<String> = ["a", "a", "a", "b", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let perfect = pair_scores(&[vec![0, 1, 2], vec![3], vec![4]], &labels);
        assert_eq!(
            (perfect.precision, perfect.recall, perfect.f1),
            (1.0, 1.0, 1.0)
        );
        let merged_too_much = pair_scores(&[vec![0, 1, 2, 3], vec![4]], &labels);
        assert_eq!(merged_too_much.correct_pairs, 3);
        assert_eq!(merged_too_much.predicted_pairs, 6);
        assert_eq!(merged_too_much.recall, 1.0);
        let split = pair_scores(&[vec![0, 1], vec![2], vec![3], vec![4]], &labels);
        assert!((split.recall - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(split.precision, 1.0);
    }
}

/// A labelled record of an evaluation set: a harvested record and the work it belongs to.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LabelledRecord {
    pub source: String,
    pub identifier: String,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub sets: Vec<String>,
    pub record: crate::map::Record,
    pub work: String,
}

/// A pair the clustering got wrong, for people tuning the rules.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PairError {
    /// `"false merge"` (joined but labelled different) or `"missed"` (labelled same, not joined).
    pub kind: &'static str,
    pub a: String,
    pub b: String,
    pub verdict: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EvalReport {
    pub records: usize,
    pub works_labelled: usize,
    pub works_found: usize,
    #[serde(flatten)]
    pub scores: PairScores,
    pub errors: Vec<PairError>,
}

/// Up to `limit` pairs inside `groups` for which `wrong` holds.
fn wrong_pairs(
    groups: &[Vec<usize>],
    wrong: impl Fn(usize, usize) -> bool,
    limit: usize,
) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for members in groups {
        for (position, &a) in members.iter().enumerate() {
            for &b in &members[position + 1..] {
                if found.len() >= limit {
                    return found;
                }
                if wrong(a, b) {
                    found.push((a, b));
                }
            }
        }
    }
    found
}

/// Normalises and clusters a labelled set and scores the result; lists up to `max_errors` wrong
/// pairs of each kind.
pub fn evaluate(records: &[LabelledRecord], max_errors: usize) -> EvalReport {
    use super::{Features, blocking_keys, cluster, compare};
    let normalized: Vec<_> = records
        .iter()
        .map(|labelled| {
            let context = crate::normalize::Context {
                source: &labelled.source,
                identifier: &labelled.identifier,
                format: labelled.format.as_deref(),
                sets: &labelled.sets,
                institution: None,
                region: None,
            };
            crate::normalize::normalize(&labelled.record, &context)
        })
        .collect();
    let features: Vec<Features> = normalized.iter().map(Features::of).collect();
    let keys: Vec<Vec<String>> = normalized.iter().map(blocking_keys).collect();
    let clustering = cluster(&features, &keys);
    let labels: Vec<String> = records.iter().map(|r| r.work.clone()).collect();
    let scores = pair_scores(&clustering.groups, &labels);

    let mut group_of = vec![0usize; records.len()];
    for (group, members) in clustering.groups.iter().enumerate() {
        for &member in members {
            group_of[member] = group;
        }
    }
    let mut by_label: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, label) in labels.iter().enumerate() {
        by_label.entry(label).or_default().push(index);
    }
    let mut labelled: Vec<Vec<usize>> = by_label.into_values().collect();
    labelled.sort();
    let describe = |kind: &'static str, a: usize, b: usize| PairError {
        kind,
        a: format!("{}:{}", records[a].source, records[a].identifier),
        b: format!("{}:{}", records[b].source, records[b].identifier),
        verdict: format!("{:?}", compare(&features[a], &features[b])),
    };
    let mut errors = wrong_pairs(
        &clustering.groups,
        |a, b| labels[a] != labels[b],
        max_errors,
    )
    .into_iter()
    .map(|(a, b)| describe("false merge", a, b))
    .collect::<Vec<_>>();
    errors.extend(
        wrong_pairs(&labelled, |a, b| group_of[a] != group_of[b], max_errors)
            .into_iter()
            .map(|(a, b)| describe("missed", a, b)),
    );
    EvalReport {
        records: records.len(),
        works_labelled: labelled.len(),
        works_found: clustering.groups.len(),
        scores,
        errors,
    }
}
