//! The works a batch touched, made right again: members that left are dropped, a work whose
//! members no longer hold together is split (a record that bridged two groups leaves two
//! works), a work with no member left becomes a tombstone, and the fields of each are rebuilt
//! from its members (`fields.rs`).

use std::borrow::Cow;

use super::analyse::{Described, describe};
use super::batch::Batch;
use super::{Member, MemberData, SourceInfo, Work, fields};
use crate::dedup;
use crate::store::{RecordKey, StoreError};

impl Batch<'_, '_> {
    /// Recomputes a work whose members changed: its members, connectivity, fields.
    pub fn refresh(&mut self, id: &str) -> Result<(), StoreError> {
        let mut work: Work = self.load(id)?;
        if work.merged_into.is_some() {
            return Ok(());
        }
        let mut members = Vec::new();
        for member in std::mem::take(&mut work.members) {
            if self.record_work(&member.key().into())?.as_deref() == Some(id)
                && !members.contains(&member)
            {
                members.push(member);
            }
        }
        members.sort();
        if members.is_empty() {
            if !work.deleted {
                work.deleted = true;
                work.fields = None;
                work.merges.clear();
                work.datestamp = self.now.clone();
                self.report.works_deleted += 1;
            }
            return self.save(work);
        }
        // A record that left may have been the only link between the others: split if so.
        let groups = self.regroup(&members)?;
        let mut groups = groups.into_iter();
        let kept = groups.next().unwrap_or_default();
        for group in groups {
            let new_id = self.tx.new_work_id()?;
            for member in &group {
                self.set_record_work(member.key().into(), &new_id)?;
            }
            let split = Work {
                id: new_id,
                datestamp: self.now.clone(),
                deleted: false,
                merged_into: None,
                aliases: Vec::new(),
                merges: work
                    .merges
                    .iter()
                    .filter(|m| group.contains(&m.a) && group.contains(&m.b))
                    .cloned()
                    .collect(),
                members: group,
                fields: None,
            };
            self.report.works_created += 1;
            self.finish(split)?;
        }
        work.merges
            .retain(|m| kept.contains(&m.a) && kept.contains(&m.b));
        work.members = kept;
        work.deleted = false;
        if !self.created.contains(&work.id) {
            self.report.works_changed += 1;
        }
        self.finish(work)
    }

    /// Groups members by the links dedup finds between them, largest group first.
    fn regroup(&mut self, members: &[Member]) -> Result<Vec<Vec<Member>>, StoreError> {
        if members.len() < 2 {
            return Ok(vec![members.to_vec()]);
        }
        let mut features = Vec::new();
        let mut keys = Vec::new();
        for member in members {
            let stored = self.features(&member.key().into())?.ok_or_else(|| {
                StoreError::corrupt(
                    "record_features",
                    format!("no features for {}", member.key()),
                )
            })?;
            features.push(stored.features.clone());
            // Within one work every pair is worth comparing: give all members one shared key.
            keys.push([dedup::BlockKey::unbounded("work")]);
        }
        let clustering = dedup::cluster(&features, &keys);
        let mut groups: Vec<Vec<Member>> = clustering
            .groups
            .iter()
            .map(|group| group.iter().map(|&i| members[i].clone()).collect())
            .collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Ok(groups)
    }

    /// Fills a work's fields from its members and saves it.
    fn finish(&mut self, mut work: Work) -> Result<(), StoreError> {
        let mut loaded: Vec<(Member, SourceInfo, Described)> = Vec::new();
        for member in &work.members {
            let info = self.sources.get(&member.source);
            let described = match self.described.remove(&RecordKey::from(member.key())) {
                Some(described) => Some(described),
                None => self
                    .tx
                    .record_mapped(member.key())?
                    .and_then(|record| describe(&record, &info, self.thesaurus)),
            };
            if let Some(described) = described {
                loaded.push((member.clone(), info, described));
            }
        }
        let mut data: Vec<MemberData<'_>> = loaded
            .iter()
            .map(|(member, info, described)| MemberData {
                source: &member.source,
                identifier: &member.identifier,
                role: info.role,
                region: info.region.as_deref(),
                normalized: Cow::Borrowed(&described.normalized),
                classification: Cow::Borrowed(&described.classification),
            })
            .collect();
        work.fields = (!data.is_empty()).then(|| fields::build(&mut data));
        self.filled.insert(work.id.clone());
        work.datestamp = self.now.clone();
        let result = self.save(work);
        // Keep them for other works of this batch that may need them.
        for (member, _, described) in loaded {
            let key = RecordKey::new(member.source, member.identifier);
            self.described.insert(key, described);
        }
        result
    }
}
