//! The write phase of `essor works rebuild` (`rederive.rs`), as a fresh build writes its works
//! (`prepared.rs`): a preparing thread derives each slice of works again (its members
//! described, the works' fields chosen, each compared with the stored one and the changed ones
//! encoded with their sets, all on every core a part of the slice at a time; then the features
//! compared with the stored ones) while the store's single writer inserts the rows of the slice
//! before. Why: after a thesaurus change that changes every work, the writer was the pace of
//! the rebuild, and half of its time went to what reads no transaction (fields, decoding the
//! stored work to compare, encoding the new one); and when few works change the writer has
//! little to do, and deriving on one core (only the describing on all) left most of a core idle
//! (BENCHMARKS.md, issue 17).
//!
//! When most works of the first slice change (a new theme), every slice's works also go to the
//! search index as they are made ([`BuiltWorks::made`]): the index is built again beside the
//! writes instead of reading every work back from the feed once all are written. Every live
//! work after the rebuild is a work of a group (the others become aliases and tombstones), so
//! the works made are the whole index.
//!
//! After a change of the thesaurus alone, a work whose records did not change keeps its stored
//! fields but its themes and relevance ([`Keep`]): its members are classified alone and its
//! themes merged again, its stored bytes spliced with them. Describing every member in full
//! (its record normalised whole) and choosing every work's fields were a third of a new theme's
//! rebuild when nothing but the themes could change (BENCHMARKS.md, issue 17).
//!
//! The slices' reads see the store as last committed, never a slice's own writes before they
//! commit, and no slice reads what another writes: a slice reads the stored works it keeps the
//! ids of, the features of its own records, and the works its groups absorb (written only by the
//! rebuild's last transaction). New works are numbered ahead, in group order, and each
//! transaction reserves its slice's numbers ([`WorksTx::reserve_work_ids`]): the same ids as
//! when each transaction gave them out one by one.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::analyse::{Described, classify_here, describe_here, on_all_cores_pulled};
use super::clusters::{Clusters, take_fields};
use super::fields::{Classified, merge_themes};
use super::stored_compare::{
    Classed, ClassedFields, ClassedHead, Compare, WorkHead, is_stored_as, is_stored_but_classes,
    is_stored_with, themes_tail, work_head,
};
use super::{BuiltWorks, Member, MergeReason, RecordRenderer, StoredFeatures};
use super::{UpdateReport, Work, defer_feed_records, sets};
use crate::classify::{Classification, ThemeMatch};
use crate::dedup::{self, BlockKey, Features};
use crate::normalize::DegreeType;
use crate::normalize::Normalized;
use crate::store::WorksTx;
use crate::store::{DedupView, EncodedWork, PlainWork, RecordKey, Store, StoreError, StoredWork};

/// Slices of rows that may wait for the writer beyond the one it writes.
const ROWS_WAITING: usize = 1;

/// What the write phase of a rebuild reads: the clustered records, their groups and the ids the
/// groups take, what each record was, and the settings the works' fields are built with.
pub(super) struct Plan<'a> {
    pub clusters: Clusters<'a>,
    /// The groups of each transaction, in order.
    pub slices: Vec<Range<usize>>,
    /// A slice's groups derived at a time on a core ([`GROUPS_A_PART`]).
    pub groups_a_part: usize,
    /// Each group's work id, and whether it is a new one (numbered after the store's work
    /// sequence, `first`, in group order).
    pub ids: &'a [String],
    pub created: &'a [bool],
    pub first: u64,
    /// Each record's work before the rebuild.
    pub old_work_of: &'a HashMap<RecordKey, String>,
    /// The old works each group absorbs (their ids become its aliases), by group.
    pub absorbed: HashMap<usize, Vec<String>>,
    /// The merge reasons of each group, taken as its work is made.
    pub merges: HashMap<usize, Vec<MergeReason>>,
    /// Each record's dedup features as the clustering mined them, taken as its work is made.
    pub features: Vec<Option<Features>>,
    /// Each record's blocking keys as the clustering hashed them (the blocking index's ids).
    pub block_keys: &'a [Vec<BlockKey>],
    /// The datestamp of the works that change.
    pub now: String,
    /// Which stored works' fields may be kept but their themes (`None`: none may).
    pub keep: Option<Keep>,
}

/// What the write phase gave.
#[derive(Default)]
pub(super) struct Written {
    /// Features rows and block entries written (those that changed).
    pub features: u64,
    pub block_entries: u64,
    /// Whether every group's work was handed to the index ([`BuiltWorks::made`]).
    pub indexed: bool,
    /// The works written whose searched document is the stored one's: only their themes (and
    /// relevance) changed, which the search index keeps beside its documents.
    pub themes_only: HashSet<String>,
    /// The feed key of the last entry the slices added (`None`: they moved no work).
    pub last_feed_key: Option<(u64, u64)>,
    /// The works whose stored fields were kept but their themes ([`Keep`]).
    pub kept: u64,
}

/// A slice of rows ready for the writer.
struct Slice {
    /// The last work number given out before this slice's new works, and their number.
    after: u64,
    created: u64,
    /// The works that changed, in group order.
    works: Vec<Row>,
    /// Whether they are most of the works the slice derived (a new theme): the next slice is
    /// compared themes first, and their old set entries are removed in key order.
    most_changed: bool,
    /// Whether most of the works the slice derived changed more than their themes: the search
    /// index is then built again beside the writes.
    most_reindexed: bool,
    /// The changed works that differ from the stored ones only by their themes and relevance.
    themes_only: Vec<String>,
    /// The works whose stored fields were kept but their themes.
    kept: u64,
    /// Each record that changes work, with its work's id, in key order.
    record_work: Vec<(Member, String)>,
    features: FeatureRows,
    /// The changed works' datestamp.
    now: String,
    /// What the slice adds to the report: problems, works created and changed.
    report: UpdateReport,
}

/// What the writer inserts of a changed work.
struct Row {
    id: String,
    was: Option<bool>,
    encoded: EncodedWork,
    sets: Option<Vec<String>>,
}

/// The features rows of a slice's records whose features or blocking keys changed, and the
/// block entries to remove and to add (block id, a record as an index in `rows`, sketch), each
/// list in key order.
#[derive(Default)]
struct FeatureRows {
    rows: Vec<(Member, StoredFeatures)>,
    removed: Vec<(u64, usize, u64)>,
    added: Vec<(u64, usize, u64)>,
}

/// Writes every slice of `plan`, one transaction each (none durable: the rebuild's last
/// transaction makes them so).
pub(super) fn write_all(
    store: &Store,
    plan: Plan<'_>,
    renderer: Option<&dyn RecordRenderer>,
    built: Option<&dyn BuiltWorks>,
    report: &mut UpdateReport,
) -> Result<Written, StoreError> {
    let slices = plan.slices.len();
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(ROWS_WAITING);
        let preparing = std::thread::Builder::new()
            .name("works-rederive".into())
            .spawn_scoped(scope, move || prepare_all(store, plan, built, sender))
            .map_err(|error| StoreError::thread("deriving works again", error))?;
        let written = write_received(store, slices, receiver, renderer, report);
        let prepared = preparing
            .join()
            .map_err(|_| StoreError::thread("deriving works again", "the thread panicked"))?;
        // A preparing thread that failed stopped the writer: its error is the one to tell.
        let (indexed, themes_only, kept) = prepared?;
        written.map(|written| Written {
            indexed,
            themes_only,
            kept,
            ..written
        })
    })
}

/// The preparing thread: every slice derived, in order, its rows sent to the writer; gives
/// whether the works went to the index too, and the changed works whose searched document did
/// not change.
fn prepare_all(
    store: &Store,
    mut plan: Plan<'_>,
    built: Option<&dyn BuiltWorks>,
    sender: SyncSender<Slice>,
) -> Result<(bool, HashSet<String>, u64), StoreError> {
    let mut themes_only = HashSet::new();
    let mut kept = 0;
    let mut after = plan.first;
    let mut index: Option<bool> = None;
    // Whether the stored works' themes are compared first ([`Compare`]): after a slice most of
    // whose works changed (a new theme), the next one's likely do too.
    let mut compare = Compare::BytesFirst;
    for range in std::mem::take(&mut plan.slices) {
        let (mut slice, works) = prepare(store, &mut plan, after, range, compare)?;
        after += slice.created;
        kept += slice.kept;
        themes_only.extend(std::mem::take(&mut slice.themes_only));
        compare = match slice.most_changed {
            true => Compare::ClassesFirst,
            false => Compare::BytesFirst,
        };
        // Decided on the first slice: most of its works' documents changed (a dedup rule, not
        // a new theme: themes are kept beside the documents), and the index is built again
        // from the works in hand.
        let beside = *index.get_or_insert_with(|| built.is_some() && slice.most_reindexed);
        if sender.send(slice).is_err() {
            break; // the writer failed: it reports why
        }
        if let (true, Some(built)) = (beside, built) {
            built.made(
                works
                    .into_iter()
                    .map(Made::into_work)
                    .collect::<Result<_, _>>()?,
            );
        }
    }
    Ok((index.unwrap_or(false), themes_only, kept))
}

/// Groups derived per part of a slice on the cores ([`on_all_cores_pulled`]): ~16 parts a slice,
/// so that the cores finish a slice within a part of each other.
pub(super) const GROUPS_A_PART: usize = 256;

/// What one group's work takes out of the [`Plan`], before the groups are derived on all cores.
struct GroupPlan {
    group: usize,
    merges: Vec<MergeReason>,
    /// The old works it absorbs.
    absorbed: Vec<String>,
    /// Its records' features mined again (by index in the clustered records); none for those
    /// taken from their stored row.
    features: Vec<(usize, Features)>,
}

/// A work derived again, as it was made: decoded only if the search index is built beside the
/// writes ([`Made::into_work`]).
enum Made {
    Whole(Box<Work>),
    /// A kept work unchanged: the stored one.
    Stored(StoredWork),
    /// A kept work with new themes: its bytes spliced.
    Plain(PlainWork),
}

impl Made {
    fn into_work(self) -> Result<Work, StoreError> {
        match self {
            Made::Whole(work) => Ok(*work),
            Made::Stored(stored) => stored.decode(),
            Made::Plain(plain) => plain.decode(),
        }
    }
}

/// One group's work derived again, and what the slice's rows take of it.
struct Derived<'k> {
    work: Made,
    /// Its row, when it differs from the stored work.
    row: Option<Row>,
    /// Whether it differs from the stored work only by its themes and relevance.
    themes_only: bool,
    /// Whether it is a work the store had (else a new one).
    stored: bool,
    /// Its members that change work, with its id.
    record_work: Vec<(Member, String)>,
    rederived: Vec<Rederived<'k>>,
    /// Normalisation problems found in its records.
    problems: u64,
}

/// One slice's works derived again: members described, fields chosen, each work compared with
/// the stored one and encoded when it changed, on all cores a part of the slice at a time (when
/// few works change, this was the rebuild's pace, on one core but for the describing), then
/// the features compared with the stored ones and the rows of what changed gathered.
fn prepare(
    store: &Store,
    plan: &mut Plan<'_>,
    after: u64,
    range: Range<usize>,
    compare: Compare,
) -> Result<(Slice, Vec<Made>), StoreError> {
    let groups = &plan.clusters.groups[range.clone()];
    let parts: Vec<GroupPlan> = range
        .clone()
        .map(|group| GroupPlan {
            group,
            merges: plan.merges.remove(&group).unwrap_or_default(),
            absorbed: plan.absorbed.remove(&group).unwrap_or_default(),
            features: plan.clusters.groups[group]
                .iter()
                .filter_map(|&index| Some((index, plan.features[index].take()?)))
                .collect(),
        })
        .collect();
    let derived = {
        let plan: &Plan<'_> = plan;
        on_all_cores_pulled(parts, plan.groups_a_part, |part| {
            derive(store, plan, part, compare)
        })?
    };
    let view = store.dedup_view()?;
    let mut report = UpdateReport::default();
    let mut works = Vec::with_capacity(groups.len());
    let mut rows = Vec::new();
    let mut themes_only = Vec::new();
    let mut record_work: Vec<(Member, String)> = Vec::new();
    let mut rederived: Vec<Rederived<'_>> = Vec::new();
    let mut kept = 0;
    for one in derived {
        report.problems += one.problems;
        kept += u64::from(matches!(one.work, Made::Stored(_) | Made::Plain(_)));
        if let Some(row) = one.row {
            if one.themes_only {
                themes_only.push(row.id.clone());
            }
            match one.stored {
                true => report.works_changed += 1,
                false => report.works_created += 1,
            }
            rows.push(row);
        }
        record_work.extend(one.record_work);
        rederived.extend(one.rederived);
        works.push(one.work);
    }
    let created = range.filter(|&group| plan.created[group]).count() as u64;
    record_work.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let features = changed_features(&view, rederived)?;
    let slice = Slice {
        after,
        created,
        most_changed: !rows.is_empty() && 2 * rows.len() >= groups.len(),
        most_reindexed: rows.len() > themes_only.len()
            && 2 * (rows.len() - themes_only.len()) >= groups.len(),
        themes_only,
        kept,
        works: rows,
        record_work,
        features,
        now: plan.now.clone(),
        report,
    };
    Ok((slice, works))
}

/// A part of a slice's groups derived again, on the calling thread: its members described, each
/// work's fields chosen, compared with the stored work, and encoded when it changed. A work
/// whose stored fields may be kept ([`Keep`]) has its members classified alone and only its
/// themes and relevance merged again.
fn derive<'k>(
    store: &Store,
    plan: &Plan<'k>,
    part: Vec<GroupPlan>,
    compare: Compare,
) -> Result<Vec<Derived<'k>>, StoreError> {
    let clusters: &Clusters<'k> = &plan.clusters;
    let stored: Vec<Option<StoredWork>> = store.stored_works(part.iter().map(|one| {
        if plan.created[one.group] {
            ""
        } else {
            &plan.ids[one.group]
        }
    }))?;
    let mut view: Option<DedupView> = None;
    let mut pending = Vec::with_capacity(part.len());
    for (one, before) in part.into_iter().zip(stored) {
        pending.push(begin(store, plan, &mut view, one, before, compare)?);
    }
    let keys = |groups: &mut dyn Iterator<Item = usize>| -> Vec<RecordKey> {
        groups
            .flat_map(|group| &clusters.groups[group])
            .map(|&index| clusters.records[index].clone())
            .collect()
    };
    // Members classified alone where their work's fields are kept, described in full elsewhere.
    let (sources, thesaurus) = (clusters.sources, clusters.thesaurus);
    let full = keys(
        &mut pending
            .iter()
            .filter(|one| one.kept.is_none())
            .map(|one| one.group),
    );
    let mut described: HashMap<RecordKey, Described> =
        describe_here(store, &full, sources, thesaurus)?
            .into_iter()
            .filter_map(|(key, described)| Some((key, described?)))
            .collect();
    let kept = keys(
        &mut pending
            .iter()
            .filter(|one| one.kept.is_some())
            .map(|one| one.group),
    );
    let classified: HashMap<RecordKey, Classification> =
        classify_here(store, &kept, sources, thesaurus)?
            .into_iter()
            .filter_map(|(key, classified)| Some((key, classified?)))
            .collect();
    // A work whose themes the merge cannot tell without its members' full ranking: in full.
    let mut merged = Vec::with_capacity(pending.len());
    let mut demoted = Vec::new();
    for one in &mut pending {
        let themes = match &one.kept {
            Some(_) => merge_kept(plan, one.group, &classified),
            None => None,
        };
        if one.kept.is_some() && themes.is_none() {
            one.kept = None;
            demoted.push(one.group);
        }
        merged.push(themes);
    }
    if !demoted.is_empty() {
        let again = keys(&mut demoted.into_iter());
        described.extend(
            describe_here(store, &again, sources, thesaurus)?
                .into_iter()
                .filter_map(|(key, described)| Some((key, described?))),
        );
    }
    let mut derived = Vec::with_capacity(pending.len());
    for (one, themes) in pending.into_iter().zip(merged) {
        derived.push(match (one.kept, themes) {
            (Some(kept), Some(themes)) => finish_kept(plan, one.work, kept, one.rest, themes)?,
            _ => finish_full(plan, one.rest, one.work, &mut described)?,
        });
    }
    Ok(derived)
}

/// A group's work begun: its stored head read, its members, merges and aliases set, and
/// whether its stored fields may be kept.
struct Pending {
    group: usize,
    /// The work without its fields.
    work: Work,
    /// What keeping its fields reads, if it may.
    kept: Option<Kept>,
    /// What deriving it in full reads.
    rest: Full,
}

/// What deriving a work in full reads beside its members' descriptions.
struct Full {
    before: Option<StoredWork>,
    head: Option<WorkHead>,
    classed: Option<Option<ClassedFields>>,
    features: Vec<(usize, Features)>,
}

/// A stored work whose fields a rebuild keeps but its themes and relevance: where they lie in
/// its bytes, and what its sets read.
struct Kept {
    /// Its head's bytes (`{"id":…,"datestamp":…`) and its tail's (`"themes":…}}`).
    head: usize,
    tail: usize,
    fields: KeptFields,
    was: bool,
}

/// Which stored works a rebuild may keep the fields of (but their themes and relevance): the
/// store says that every work's fields were derived by this essor's fields rules with the
/// sources' settings as they are ([`crate::store::WorksDerived`]), and a work none of whose
/// records changed since, with the same members, merges and aliases, would be derived with the
/// same fields again: after a change of the thesaurus alone only its themes and relevance can
/// change. Records of a source with an ESS relevance threshold (the thesaurus decides whether
/// they make works) and records changed since are derived in full, with their works.
pub(super) struct Keep {
    /// The records changed since the stored works were derived.
    changed: HashSet<RecordKey>,
}

impl Keep {
    /// What the store allows, `None` when other rules or settings (or no build that said so)
    /// derived its works.
    pub fn of(store: &Store, sources: &super::SourceInfos) -> Result<Option<Keep>, StoreError> {
        let Some(derived) = store.works_derived()? else {
            return Ok(None);
        };
        if derived.rules != super::FIELDS_RULES || derived.sources != sources.digest() {
            return Ok(None);
        }
        let changed = store.changes_since(derived.cursor, usize::MAX)?.records;
        Ok(Some(Keep {
            changed: changed.into_iter().collect(),
        }))
    }
}

/// What a rebuild keeping a work's fields reads of its stored fields: what its sets are made of
/// beside its themes (the rest skipped).
#[derive(serde::Deserialize)]
struct KeptFields {
    degree_type: KeptDegree,
    regions: Vec<String>,
    themes: Vec<ThemeMatch>,
    relevance: f32,
}

#[derive(serde::Deserialize)]
struct KeptDegree {
    value: DegreeType,
}

/// Begins a group's work: its stored head read (its fields' themes too, and what its sets read
/// when its fields may be kept), its members, merges and aliases set as [`derive`] writes them.
fn begin(
    store: &Store,
    plan: &Plan<'_>,
    view: &mut Option<DedupView>,
    one: GroupPlan,
    before: Option<StoredWork>,
    compare: Compare,
) -> Result<Pending, StoreError> {
    let GroupPlan {
        group,
        merges,
        absorbed,
        features,
    } = one;
    let clusters = &plan.clusters;
    let members = clusters.members(&clusters.groups[group]);
    let may_keep = plan.keep.as_ref().is_some_and(|keep| {
        absorbed.is_empty()
            && features.is_empty()
            && !members
                .iter()
                .any(|member| keep.changed.contains(&RecordKey::from(member.key())))
    });
    // What the new work takes of the stored one; the rest is compared undecoded.
    let (mut head, classed, kept_fields) = match (&before, compare) {
        (None, _) => (None, None, None),
        (Some(before), _) if may_keep => {
            let (head, fields) = before.decode::<KeptHead>()?.split();
            let classed = fields.as_ref().map(|fields| ClassedFields {
                themes: fields.themes.clone(),
                relevance: fields.relevance,
            });
            (Some(head), Some(classed), fields)
        }
        (Some(before), Compare::BytesFirst) => (Some(before.decode::<WorkHead>()?), None, None),
        (Some(before), Compare::ClassesFirst) => {
            let (head, fields) = before.decode::<ClassedHead>()?.split();
            (Some(head), Some(fields), None)
        }
    };
    let mut aliases = head
        .as_mut()
        .map(|head| std::mem::take(&mut head.aliases))
        .unwrap_or_default();
    for gone in absorbed {
        if view.is_none() {
            *view = Some(store.dedup_view()?);
        }
        let gone_work: Option<Work> = match view {
            Some(view) => view.work(&gone)?,
            None => None,
        };
        aliases.push(gone.clone());
        aliases.extend(gone_work.map(|w| w.aliases).unwrap_or_default());
    }
    let id = &plan.ids[group];
    let work = Work {
        id: id.clone(),
        datestamp: head
            .as_ref()
            .map_or_else(|| plan.now.clone(), |head| head.datestamp.clone()),
        deleted: false,
        merged_into: None,
        aliases,
        members,
        merges,
        fields: None,
    };
    let kept = match (&before, kept_fields, &head) {
        (Some(before), Some(fields), Some(head)) if head.is_live() => {
            kept_layout(&work, before, &fields).map(|(head, tail)| Kept {
                head,
                tail,
                fields,
                was: true,
            })
        }
        _ => None,
    };
    Ok(Pending {
        group,
        work,
        kept,
        rest: Full {
            before,
            head,
            classed,
            features,
        },
    })
}

/// Where a stored work's kept bytes lie: the lengths of its head (`{"id":…,"datestamp":…`) and
/// of its tail (`"themes":…,"relevance":…}}`), when the rest of it before its fields is `work`'s
/// (stored datestamp, members, merges, aliases: `work` serialised without fields) and its fields
/// end with the themes and relevance read (`fields`); `None` otherwise (derived in full).
fn kept_layout(work: &Work, before: &StoredWork, fields: &KeptFields) -> Option<(usize, usize)> {
    let plain = before.plain();
    let skeleton = PlainWork::of(work);
    // `{"id":…,…,"merges":[…]}`: all but its closing brace, then the stored fields.
    let open = skeleton.bytes().strip_suffix(b"}")?;
    let rest = plain.strip_prefix(open)?.strip_prefix(b",\"fields\":{")?;
    let tail = themes_tail(&fields.themes, fields.relevance)?;
    if rest.len() < tail.len() || !rest.ends_with(&tail) {
        return None;
    }
    let head = work_head(&work.id, &work.datestamp)?;
    plain.starts_with(&head).then_some((head.len(), tail.len()))
}

/// A kept work's themes and relevance merged from its members' classifications; `None` when a
/// member is not classified (it makes no work) or the merge needs their full ranking.
fn merge_kept(
    plan: &Plan<'_>,
    group: usize,
    classified: &HashMap<RecordKey, Classification>,
) -> Option<(Vec<ThemeMatch>, f32)> {
    let clusters = &plan.clusters;
    let mut members = Vec::with_capacity(clusters.groups[group].len());
    for &index in &clusters.groups[group] {
        let key = &clusters.records[index];
        members.push(Classified {
            source: key.source(),
            identifier: key.identifier(),
            role: clusters.sources.role(key.source()),
            classification: classified.get(key)?,
        });
    }
    merge_themes(&mut members)
}

/// A kept work finished: unchanged when its themes and relevance are the stored ones, else its
/// stored bytes (in `rest`) with the new datestamp, themes and relevance spliced in.
fn finish_kept<'k>(
    plan: &Plan<'k>,
    mut work: Work,
    kept: Kept,
    rest: Full,
    (themes, relevance): (Vec<ThemeMatch>, f32),
) -> Result<Derived<'k>, StoreError> {
    let Some(before) = rest.before else {
        return Err(StoreError::corrupt(
            "works",
            "a kept work without its stored row",
        ));
    };
    let record_work = moved_members(plan, &work);
    if kept.fields.themes == themes && kept.fields.relevance == relevance {
        return Ok(Derived {
            work: Made::Stored(before),
            row: None,
            themes_only: false,
            stored: true,
            record_work,
            rederived: Vec::new(),
            problems: 0,
        });
    }
    let spliced = work_head(&work.id, &plan.now)
        .zip(themes_tail(&themes, relevance))
        .and_then(|(head, tail)| before.respliced(kept.head, &head, kept.tail, &tail));
    let Some(plain) = spliced else {
        return Err(StoreError::corrupt(
            "works",
            "a kept work's bytes could not be spliced",
        ));
    };
    work.datestamp = plan.now.clone();
    let row = Row {
        id: work.id.clone(),
        was: Some(kept.was),
        encoded: plain.encode(),
        sets: Some(sets::live_set_specs(
            kept.fields.degree_type.value,
            &themes,
            &kept.fields.regions,
            &work.members,
        )),
    };
    Ok(Derived {
        work: Made::Plain(plain),
        row: Some(row),
        themes_only: true,
        stored: true,
        record_work,
        rederived: Vec::new(),
        problems: 0,
    })
}

/// The members of `work` that were in another work (or none) before the rebuild.
fn moved_members(plan: &Plan<'_>, work: &Work) -> Vec<(Member, String)> {
    work.members
        .iter()
        .filter(|member| plan.old_work_of.get(&RecordKey::from(member.key())) != Some(&work.id))
        .map(|member| (member.clone(), work.id.clone()))
        .collect()
}

/// A work derived in full: its fields chosen from its members' descriptions, compared with the
/// stored work, and encoded when it changed.
fn finish_full<'k>(
    plan: &Plan<'k>,
    rest: Full,
    mut work: Work,
    described: &mut HashMap<RecordKey, Described>,
) -> Result<Derived<'k>, StoreError> {
    let Full {
        before,
        head,
        classed,
        mut features,
    } = rest;
    let (clusters, block_keys): (&Clusters<'k>, &'k [Vec<BlockKey>]) =
        (&plan.clusters, plan.block_keys);
    let id = work.id.clone();
    let mut record_work = Vec::new();
    let mut rederived = Vec::new();
    let mut problems = 0;
    for (member, normalized) in take_fields(&mut work, described, clusters.sources) {
        problems += normalized.problems.len() as u64;
        let key = RecordKey::from(member.key());
        if plan.old_work_of.get(&key) != Some(&id) {
            record_work.push((member.clone(), id.clone()));
        }
        // `records` is in key order; each record is in one group, so taken once.
        let Ok(index) = clusters.records.binary_search(&key) else {
            continue;
        };
        let Some(at) = features.iter().position(|(of, _)| *of == index) else {
            continue;
        };
        let (_, features) = features.swap_remove(at);
        rederived.push(Rederived {
            member,
            features,
            block_keys: &block_keys[index],
            normalized,
        });
    }
    let unchanged = match (&before, &classed) {
        (Some(before), Some(classed)) => is_stored_with(&work, before, classed)?,
        (Some(before), None) => is_stored_as(&work, before)?,
        (None, _) => false,
    };
    let (row, themes_only) = if unchanged {
        (None, false)
    } else {
        // Its bytes made once, with the new datestamp: to encode, and to tell whether only
        // its themes changed.
        let stamped = std::mem::replace(&mut work.datestamp, plan.now.clone());
        let plain = PlainWork::of(&work);
        let themes_only = match (&before, &classed) {
            (Some(before), Some(classed)) => {
                is_stored_but_classes(&mut work, &plain, &stamped, before, classed)?
            }
            (Some(before), None) => {
                let classed = before.decode::<Classed>()?.fields;
                is_stored_but_classes(&mut work, &plain, &stamped, before, &classed)?
            }
            (None, _) => false,
        };
        let row = Row {
            id: work.id.clone(),
            was: head.as_ref().map(WorkHead::is_live),
            encoded: plain.encode(),
            sets: sets::set_specs(&work),
        };
        (Some(row), themes_only)
    };
    Ok(Derived {
        work: Made::Whole(Box::new(work)),
        row,
        themes_only,
        stored: head.is_some(),
        record_work,
        rederived,
        problems,
    })
}

/// The writer: each slice received inserted in a transaction of its own.
fn write_received(
    store: &Store,
    slices: usize,
    receiver: Receiver<Slice>,
    renderer: Option<&dyn RecordRenderer>,
    report: &mut UpdateReport,
) -> Result<Written, StoreError> {
    let mut written = Written::default();
    for _ in 0..slices {
        let Ok(slice) = receiver.recv() else {
            return Err(StoreError::corrupt(
                "works",
                "the thread deriving works stopped",
            ));
        };
        let Slice {
            after,
            created,
            works,
            most_changed,
            // Taken by the preparing thread.
            most_reindexed: _,
            themes_only: _,
            kept: _,
            record_work,
            features,
            now,
            report: slice_report,
        } = slice;
        let span = store.update_works_bulk(false, |tx| {
            tx.reserve_work_ids(after, created)?;
            // Most of a run of works moving (a new theme): their old set entries are
            // neighbours, removed in key order rather than marked stale.
            if most_changed {
                tx.remove_moved_feed_entries();
            }
            for work in &works {
                tx.put_encoded_work(
                    &work.id,
                    &work.encoded,
                    work.was,
                    true,
                    &now,
                    work.sets.as_deref(),
                )?;
            }
            // The first work this transaction moves has the smallest feed key of those left
            // without records (every work derived again is live).
            defer_feed_records(tx, works.first().map(|work| work.id.as_str()), renderer)?;
            for (member, id) in &record_work {
                tx.set_record_work(member.key(), id)?;
            }
            write_features(tx, &features)?;
            Ok(tx.feed_span())
        })?;
        if let Some(span) = span {
            written.last_feed_key = Some(span.last);
        }
        // Progress for whoever watches (the crash tests kill a rebuild between slices).
        tracing::debug!(works = works.len(), "works rebuild slice written");
        written.features += features.rows.len() as u64;
        written.block_entries += (features.removed.len() + features.added.len()) as u64;
        *report += slice_report;
    }
    Ok(written)
}

/// A stored work's head and what a rebuild keeping its fields reads of them, in one pass.
type KeptHead = WorkHead<Option<KeptFields>>;

/// A record's dedup features derived again, for [`changed_features`].
struct Rederived<'k> {
    member: Member,
    features: Features,
    /// Its blocking keys as the clustering hashed them (the blocking index's block ids).
    block_keys: &'k [BlockKey],
    /// Its blocking keys as strings are made from it only when its row is written.
    normalized: Normalized,
}

/// The features rows to write over those stored: only the records whose features or blocking
/// keys changed, with their old block entries to remove. After a thesaurus change nothing dedup
/// compares changes, and rewriting a million features rows and eleven million block entries
/// was most of a rebuild's writes. The stored keys are compared by their hashes, the block ids:
/// making the strings of every record's keys again was 11% of a rebuild's CPU at 100,000
/// records when none changed. (Two strings of one hash make the same block entries; only the
/// features row would keep the older string.)
fn changed_features(
    view: &DedupView,
    mut rederived: Vec<Rederived<'_>>,
) -> Result<FeatureRows, StoreError> {
    rederived.sort_unstable_by(|a, b| a.member.cmp(&b.member));
    let mut changed = FeatureRows::default();
    for one in rederived {
        let old: Option<StoredFeatures> = view.features(one.member.key())?;
        if let Some(old) = &old
            && old.features == one.features
            && old.keys.len() == one.block_keys.len()
            && old
                .keys
                .iter()
                .zip(one.block_keys)
                .all(|(key, block)| BlockKey::of(key) == *block)
        {
            continue;
        }
        let new = StoredFeatures {
            features: one.features,
            keys: dedup::blocking_keys(&one.normalized),
        };
        if old.as_ref() == Some(&new) {
            continue;
        }
        let row = changed.rows.len();
        if let Some(old) = &old {
            changed.removed.extend(block_entries(row, old));
        }
        changed.added.extend(block_entries(row, &new));
        changed.rows.push((one.member, new));
    }
    for entries in [&mut changed.removed, &mut changed.added] {
        // Rows are in member order, so (block, row) is the table's (key, value) order.
        entries.sort_unstable();
        entries.dedup();
    }
    Ok(changed)
}

/// A record's entries in the blocking index: (block id, `row`, its sketch) for each of its
/// blocking keys.
fn block_entries(
    row: usize,
    features: &StoredFeatures,
) -> impl Iterator<Item = (u64, usize, u64)> + use<'_> {
    let sketch = dedup::Sketch::of(&features.features).0;
    features
        .keys
        .iter()
        .map(move |key| (BlockKey::of(key).id(), row, sketch))
}

/// Writes a slice's changed features rows and block entries.
fn write_features(tx: &mut WorksTx<'_>, features: &FeatureRows) -> Result<(), StoreError> {
    for (member, stored) in &features.rows {
        tx.set_features(member.key(), stored)?;
    }
    for &(block, row, sketch) in &features.removed {
        tx.remove_from_block(block, features.rows[row].0.key(), sketch)?;
    }
    for &(block, row, sketch) in &features.added {
        tx.add_to_block(block, features.rows[row].0.key(), sketch)?;
    }
    Ok(())
}
