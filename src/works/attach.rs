//! Attaching a changed record to the work it belongs to: its candidates (the members of its
//! blocks whose sketch may be the same work), the verdicts dedup gives on them, and the works
//! they are in: it joins the oldest of those that accept it (no member called different),
//! merging the others into it, or makes a new work. Also which merge reasons a work keeps.

use std::collections::{BTreeMap, BTreeSet};

use super::batch::Batch;
use super::{Member, MergeReason, StoredFeatures, Work};
use crate::dedup::{self, Features, Sketch, Verdict};
use crate::store::{RecordKey, StoreError};

/// The merge reasons of a work that `member` has just joined (again): those naming it are kept
/// only for records it is still the same work as, one per pair, the newest (it was compared
/// with new features). A record edited a hundred times keeps its reasons, not a hundred.
pub(super) fn current_reasons(
    merges: Vec<MergeReason>,
    member: &Member,
    same_now: &BTreeSet<Member>,
) -> Vec<MergeReason> {
    let mut pairs = BTreeSet::new();
    let mut kept: Vec<MergeReason> = merges
        .into_iter()
        .rev()
        .filter(|reason| {
            let other = if reason.a == *member {
                &reason.b
            } else if reason.b == *member {
                &reason.a
            } else {
                return true;
            };
            same_now.contains(other) && pairs.insert(other.clone())
        })
        .collect();
    kept.reverse();
    kept
}

impl Batch<'_, '_> {
    /// Puts a record into the work it belongs to (merging works it bridges), or a new one.
    /// A record that changed but still stands alone goes back to its `previous` work, if that
    /// work has no other member: editing a record must not change its work's id.
    pub fn attach(
        &mut self,
        record: &RecordKey,
        stored: &StoredFeatures,
        previous: Option<&str>,
    ) -> Result<String, StoreError> {
        let member = Member::from(record);
        // Only candidates that may be the same work: the others cannot join this one.
        let sketch = Sketch::of(&stored.features);
        let mut candidates: BTreeSet<RecordKey> = BTreeSet::new();
        for block in &stored.keys {
            if let Some(members) = self.block(block)? {
                candidates.extend(
                    members
                        .into_iter()
                        .filter(|m| sketch.may_be_same(Sketch(m.sketch)))
                        .map(|m| m.record),
                );
            }
        }
        candidates.remove(record);
        // Verdicts first: the works of the candidates matter only if one of them is the same.
        let mut verdicts = Vec::new();
        for candidate in &candidates {
            let Some(other) = self.features(candidate)? else {
                continue;
            };
            match dedup::compare(&stored.features, &other.features) {
                Verdict::Unsure { .. } => {}
                verdict => verdicts.push((candidate, verdict)),
            }
        }
        if !verdicts
            .iter()
            .any(|(_, verdict)| matches!(verdict, Verdict::Same { .. }))
        {
            verdicts.clear();
        }
        // The records this one is the same work as, now: the reasons that name it must be
        // among these.
        let same_now: BTreeSet<Member> = verdicts
            .iter()
            .filter(|(_, verdict)| matches!(verdict, Verdict::Same { .. }))
            .map(|(candidate, _)| Member::from(*candidate))
            .collect();
        let mut best: BTreeMap<String, MergeReason> = BTreeMap::new();
        let mut refused: BTreeSet<String> = BTreeSet::new();
        for (candidate, verdict) in verdicts {
            let Some(work) = self.record_work(candidate)? else {
                continue;
            };
            match verdict {
                Verdict::Same { rule, score } => {
                    let reason = MergeReason {
                        a: member.clone(),
                        b: Member::from(candidate),
                        rule: rule.to_owned(),
                        score,
                    };
                    if best.get(&work).is_none_or(|r| r.score < score) {
                        best.insert(work, reason);
                    }
                }
                Verdict::Different { .. } => {
                    refused.insert(work);
                }
                Verdict::Unsure { .. } => {}
            }
        }
        let mut targets: Vec<(String, MergeReason)> = Vec::new();
        for (work, reason) in best {
            if refused.contains(&work)
                || !self.compatible(std::slice::from_ref(&stored.features), &work)?
            {
                continue;
            }
            targets.push((work, reason));
        }
        let Some((survivor_id, reason)) = targets.first().cloned() else {
            if let Some(previous) = previous
                && let Some(mut work) = self.get(previous)?
                && work.merged_into.is_none()
                && !self.has_other_members(&work, record)?
            {
                work.members = vec![member];
                work.deleted = false;
                self.save(work)?;
                self.set_record_work(record.clone(), previous)?;
                return Ok(previous.to_owned());
            }
            let id = self.tx.new_work_id()?;
            let work = Work {
                id: id.clone(),
                datestamp: self.now.clone(),
                deleted: false,
                merged_into: None,
                aliases: Vec::new(),
                members: vec![member],
                merges: Vec::new(),
                fields: None,
            };
            self.save(work)?;
            self.report.works_created += 1;
            self.created.insert(id.clone());
            self.set_record_work(record.clone(), &id)?;
            return Ok(id);
        };
        // The oldest work survives (ids grow with time).
        let mut survivor: Work = self.load(&survivor_id)?;
        survivor.members.push(member.clone());
        survivor.merges.push(reason);
        self.set_record_work(record.clone(), &survivor_id)?;
        for (other_id, reason) in targets.into_iter().skip(1) {
            let mut other: Work = self.load(&other_id)?;
            let survivor_features = self.member_features(&survivor.members)?;
            if !self.compatible(&survivor_features, &other_id)? {
                continue;
            }
            for moved in &other.members {
                self.set_record_work(moved.key().into(), &survivor_id)?;
            }
            survivor.members.append(&mut other.members);
            survivor.merges.append(&mut other.merges);
            survivor.merges.push(reason);
            survivor.aliases.push(other_id.clone());
            survivor.aliases.append(&mut other.aliases);
            other.merged_into = Some(survivor_id.clone());
            other.fields = None;
            other.datestamp = self.now.clone();
            self.save(other)?;
            self.report.works_merged += 1;
        }
        survivor.merges = current_reasons(std::mem::take(&mut survivor.merges), &member, &same_now);
        self.save(survivor)?;
        Ok(survivor_id)
    }

    /// Whether any member of `work` other than `record` still belongs to it.
    fn has_other_members(&self, work: &Work, record: &RecordKey) -> Result<bool, StoreError> {
        for member in &work.members {
            if member.key() == record.as_ref() {
                continue;
            }
            if self.record_work(&member.key().into())?.as_deref() == Some(work.id.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether records with `features` can join work `id` without any pair called different.
    fn compatible(&mut self, features: &[Features], id: &str) -> Result<bool, StoreError> {
        let work: Work = self.load(id)?;
        let members = self.member_features(&work.members)?;
        Ok(!features.iter().any(|a| {
            members
                .iter()
                .any(|b| matches!(dedup::compare(a, b), Verdict::Different { .. }))
        }))
    }

    fn member_features(&mut self, members: &[Member]) -> Result<Vec<Features>, StoreError> {
        let mut out = Vec::with_capacity(members.len());
        for member in members {
            if let Some(stored) = self.features(&member.key().into())? {
                out.push(stored.features.clone());
            }
        }
        Ok(out)
    }
}
