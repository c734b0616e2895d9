//! Precision, recall and F1 over record pairs: how a clustering compares with labelled works.

use std::collections::HashMap;
use std::hash::Hash;

use super::{BlockKey, Features, cluster, compare};

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
pub fn pair_scores<L: Eq + Hash>(groups: &[Vec<usize>], labels: &[L]) -> PairScores {
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut by_label: HashMap<&L, u64> = HashMap::new();
    for label in labels {
        *by_label.entry(label).or_default() += 1;
    }
    let true_pairs = by_label.values().map(|&n| pairs(n)).sum();
    let mut predicted_pairs = 0;
    let mut correct_pairs = 0;
    for group in groups {
        predicted_pairs += pairs(group.len() as u64);
        let mut inside: HashMap<&L, u64> = HashMap::new();
        for &index in group {
            *inside.entry(&labels[index]).or_default() += 1;
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
    fn dedup_normalisation_gives_the_same_features_and_keys_as_the_full_one() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/dedup-eval/records.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("the labelled set");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let labelled: LabelledRecord = serde_json::from_str(line).expect("a labelled record");
            let context = labelled.context();
            let full = crate::normalize::normalize(&labelled.record, &context);
            let light = crate::normalize::normalize_for_dedup(&labelled.record, &context);
            assert_eq!(
                Features::of(&full),
                Features::of(&light),
                "{}",
                labelled.identifier
            );
            assert_eq!(
                crate::dedup::blocking_keys(&full),
                crate::dedup::blocking_keys(&light)
            );
        }
    }

    #[test]
    fn each_case_is_scored_on_its_own_records() {
        let empty: crate::normalize::Normalized = serde_json::from_value(serde_json::json!({
            "titles": [], "authors": [], "advisors": [], "degree_type": "other",
            "discipline": null, "institution": null, "date": null, "language": null,
            "abstracts": [], "keywords": [], "identifiers": [], "access": "open",
            "embargo_until": null, "licence": null, "problems": []
        }))
        .expect("an empty normalised record");
        let record = |work: &str, case: Option<&str>| Prepared {
            name: work.into(),
            work: work.to_owned(),
            case: case.map(str::to_owned),
            features: Features::of(&empty),
            keys: Box::default(),
        };
        let mut set = EvalSet::default();
        set.extend(vec![
            record("c", Some("volumes")),
            record("c", Some("volumes")),
            record("a", Some("series")),
            record("a", Some("series")),
            record("b", Some("series")),
            record("d", None),
        ]);
        assert_eq!(set.cases, ["volumes", "series"]);
        assert_eq!(set.works_labelled(), 4);
        // "series": a and b merged (one wrong pair of three); "volumes": c split.
        let groups = [vec![0], vec![1, 5], vec![2, 3, 4]];
        let cases = case_scores(&set.records, &set.cases, &groups);
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].case, "series");
        assert_eq!((cases[0].records, cases[0].works_labelled), (3, 2));
        assert_eq!(cases[0].scores.predicted_pairs, 3);
        assert_eq!(cases[0].scores.correct_pairs, 1);
        assert_eq!(cases[1].case, "volumes");
        assert_eq!(cases[1].scores.true_pairs, 1);
        assert_eq!(cases[1].scores.recall, 0.0);
    }

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
    /// The hard case the record was written for (`tests/dedup-eval/hard.py`), if any: pairs of
    /// records of one case are also scored apart.
    #[serde(default)]
    pub case: Option<String>,
}

impl LabelledRecord {
    /// What normalisation knows of the record's source: nothing beyond the record (a labelled
    /// set has no source files).
    pub fn context(&self) -> crate::normalize::Context<'_> {
        crate::normalize::Context {
            source: &self.source,
            identifier: &self.identifier,
            format: self.format.as_deref(),
            sets: &self.sets,
            institution: None,
            region: None,
        }
    }
}

/// A pair the clustering got wrong, for people tuning the rules.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PairError {
    /// `"false merge"` (joined but labelled different) or `"missed"` (labelled same, not joined).
    pub kind: &'static str,
    pub a: String,
    pub b: String,
    pub verdict: String,
    /// The case both records were written for, when they share one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

/// The scores of the pairs whose two records carry one `case` label.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseScores {
    pub case: String,
    pub records: usize,
    pub works_labelled: usize,
    #[serde(flatten)]
    pub scores: PairScores,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EvalReport {
    pub records: usize,
    pub works_labelled: usize,
    pub works_found: usize,
    #[serde(flatten)]
    pub scores: PairScores,
    /// Per case, in the order of their names; empty when no record carries a case.
    pub cases: Vec<CaseScores>,
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

/// A labelled record reduced to what clustering and scoring need: a million of them fit in
/// memory (the harvested record and its normalised form are dropped as soon as read; its work
/// label and case are numbers into its [`EvalSet`]'s tables).
#[derive(Debug, Clone)]
pub struct EvalRecord {
    /// `source:identifier`, to name the record in the list of errors.
    pub name: Box<str>,
    /// The number of its work label (labels are numbered in the order first met).
    pub work: u32,
    /// The number of the hard case it was written for, in [`EvalSet::cases`].
    pub case: Option<u16>,
    pub features: Features,
    pub keys: Box<[BlockKey]>,
}

/// Clustering reads a record's features and keys in place (no vector of references to them).
impl std::borrow::Borrow<Features> for EvalRecord {
    fn borrow(&self) -> &Features {
        &self.features
    }
}

impl AsRef<[BlockKey]> for EvalRecord {
    fn as_ref(&self) -> &[BlockKey] {
        &self.keys
    }
}

/// A labelled record prepared on a worker thread, its work and case still named.
struct Prepared {
    name: Box<str>,
    work: String,
    case: Option<String>,
    features: Features,
    keys: Box<[BlockKey]>,
}

impl Prepared {
    /// Normalises a labelled record and keeps its dedup features and keys.
    fn of(labelled: LabelledRecord) -> Prepared {
        let context = labelled.context();
        let normalized = crate::normalize::normalize_for_dedup(&labelled.record, &context);
        let (features, keys) = super::mine(&normalized);
        Prepared {
            name: format!("{}:{}", labelled.source, labelled.identifier).into_boxed_str(),
            features,
            keys: keys.iter().map(|key| BlockKey::of(key)).collect(),
            work: labelled.work,
            case: labelled.case,
        }
    }
}

/// A labelled set being read: its records, and the names of their work labels and cases.
#[derive(Debug, Default)]
pub struct EvalSet {
    pub records: Vec<EvalRecord>,
    /// Case names, by number.
    pub cases: Vec<String>,
    /// Work label → number, while records are added.
    works: HashMap<String, u32>,
}

impl EvalSet {
    /// Adds prepared records, numbering their work labels and cases.
    fn extend(&mut self, prepared: Vec<Prepared>) {
        self.records.reserve(prepared.len());
        for record in prepared {
            let next = self.works.len() as u32;
            let work = *self.works.entry(record.work).or_insert(next);
            let case =
                record.case.map(
                    |case| match self.cases.iter().position(|known| *known == case) {
                        Some(number) => number as u16,
                        None => {
                            self.cases.push(case);
                            (self.cases.len() - 1) as u16
                        }
                    },
                );
            self.records.push(EvalRecord {
                name: record.name,
                work,
                case,
                features: record.features,
                keys: record.keys,
            });
        }
    }

    /// The number of distinct work labels.
    pub fn works_labelled(&self) -> usize {
        self.works.len()
    }

    /// Parses and prepares JSON lines of a labelled set on all cores and adds them, in order;
    /// blank lines are skipped.
    pub fn add_lines(&mut self, lines: &[String]) -> Result<(), EvalLineError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .max(1);
        let chunk = lines.len().div_ceil(threads).max(1);
        let parts = std::thread::scope(|scope| {
            let handles: Vec<_> = lines
                .chunks(chunk)
                .enumerate()
                .map(|(part, lines)| {
                    scope.spawn(move || {
                        let mut out = Vec::with_capacity(lines.len());
                        for (offset, line) in lines.iter().enumerate() {
                            if line.trim().is_empty() {
                                continue;
                            }
                            let labelled: LabelledRecord =
                                serde_json::from_str(line).map_err(|error| EvalLineError {
                                    line: part * chunk + offset + 1,
                                    error,
                                })?;
                            out.push(Prepared::of(labelled));
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| match handle.join() {
                    Ok(part) => part,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect::<Result<Vec<_>, EvalLineError>>()
        })?;
        for part in parts {
            self.extend(part);
        }
        Ok(())
    }
}

/// A line of a labelled set that is not a labelled record.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: not a labelled record: {error}")]
pub struct EvalLineError {
    /// 1-based, counted from the first line given.
    pub line: usize,
    pub error: serde_json::Error,
}

/// Clusters prepared records and scores the result against their labels; lists up to
/// `max_errors` wrong pairs of each kind. Takes the set whole: its table of work labels is
/// dropped before clustering, when memory peaks.
pub fn evaluate(set: EvalSet, max_errors: usize) -> EvalReport {
    let works_labelled = set.works.len();
    let EvalSet { records, cases, .. } = set;
    let clustering = cluster(&records, &records);
    let labels: Vec<u32> = records.iter().map(|r| r.work).collect();
    let scores = pair_scores(&clustering.groups, &labels);

    let mut group_of = vec![0usize; records.len()];
    for (group, members) in clustering.groups.iter().enumerate() {
        for &member in members {
            group_of[member] = group;
        }
    }
    // Labels are numbered in the order first met: these lists are in the order of their first
    // records.
    let mut labelled: Vec<Vec<usize>> = vec![Vec::new(); works_labelled];
    for (index, &label) in labels.iter().enumerate() {
        labelled[label as usize].push(index);
    }
    let case_name = |record: &EvalRecord| record.case.map(|case| cases[usize::from(case)].as_str());
    let describe = |kind: &'static str, a: usize, b: usize| PairError {
        kind,
        a: records[a].name.to_string(),
        b: records[b].name.to_string(),
        verdict: format!("{:?}", compare(&records[a].features, &records[b].features)),
        case: case_name(&records[a])
            .filter(|case| case_name(&records[b]) == Some(*case))
            .map(str::to_owned),
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
        works_labelled,
        works_found: clustering.groups.len(),
        scores,
        cases: case_scores(&records, &cases, &clustering.groups),
        errors,
    }
}

/// Scores each case on its own: the records of that case, grouped as found, against their
/// labels. In the order of the cases' names.
fn case_scores(records: &[EvalRecord], cases: &[String], groups: &[Vec<usize>]) -> Vec<CaseScores> {
    let mut order: Vec<u16> = (0..cases.len() as u16).collect();
    order.sort_unstable_by_key(|&case| &cases[usize::from(case)]);
    order
        .into_iter()
        .map(|case| {
            // Each record of the case gets an index among them.
            let mut local = vec![usize::MAX; records.len()];
            let mut labels: Vec<u32> = Vec::new();
            for (index, record) in records.iter().enumerate() {
                if record.case == Some(case) {
                    local[index] = labels.len();
                    labels.push(record.work);
                }
            }
            let cut: Vec<Vec<usize>> = groups
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|&index| local[index])
                        .filter(|&index| index != usize::MAX)
                        .collect::<Vec<_>>()
                })
                .filter(|group| !group.is_empty())
                .collect();
            let mut works = labels.clone();
            works.sort_unstable();
            works.dedup();
            CaseScores {
                case: cases[usize::from(case)].clone(),
                records: labels.len(),
                works_labelled: works.len(),
                scores: pair_scores(&cut, &labels),
            }
        })
        .collect()
}
