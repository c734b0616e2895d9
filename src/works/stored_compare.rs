//! How a rebuild reads a stored work and tells whether the work it derives again is the one
//! stored: the head read alone (`WorkHead`), its themes and relevance read alone (`Classed`),
//! and "stored but for its themes" told by splicing the bytes (`spliced_is`). Split from
//! `rewrite.rs` (the write phase) so that each reads in one sitting.

use serde::de::IgnoredAny;

use super::Work;
use crate::classify::ThemeMatch;
use crate::store::{PlainWork, StoreError, StoredWork};

/// What a rebuild reads of a stored work to derive it again (the rest of it is compared as
/// stored, [`StoredWork::is`]): decoding every work whole was a sixth of a rebuild's CPU.
#[derive(serde::Deserialize)]
pub(super) struct WorkHead<F = IgnoredAny> {
    pub datestamp: String,
    pub deleted: bool,
    #[serde(default)]
    pub merged_into: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Skipped, or (`Option<ClassedFields>`) what a thesaurus decides of the work, read in the
    /// same pass ([`Compare::ClassesFirst`]).
    #[serde(default)]
    pub fields: F,
}

/// How a slice's works are compared with the stored ones: bytes first (most works unchanged:
/// the themes are read only when the bytes differ), or themes first (most works changed: a
/// new theme), read with the head in one pass ([`ClassedHead`]), so that a changed work's
/// bytes are made once (to write) and its stored JSON scanned once: both were 2.5% and ~1.5%
/// of a rebuild's CPU after a new theme at 100,000 records, where reading the themes of every
/// head costs a rebuild that changes nothing 3.5% more (BENCHMARKS.md, issue 17).
#[derive(Debug, Clone, Copy)]
pub(super) enum Compare {
    BytesFirst,
    ClassesFirst,
}

/// A stored work's head and what a thesaurus decides of it, read in one pass.
pub(super) type ClassedHead = WorkHead<Option<ClassedFields>>;

impl<F> WorkHead<F> {
    /// The head, and what it read of the work's fields.
    pub(super) fn split(self) -> (WorkHead, F) {
        let WorkHead {
            datestamp,
            deleted,
            merged_into,
            aliases,
            fields,
        } = self;
        let head = WorkHead {
            datestamp,
            deleted,
            merged_into,
            aliases,
            fields: IgnoredAny,
        };
        (head, fields)
    }
}

impl WorkHead {
    pub(super) fn is_live(&self) -> bool {
        !self.deleted && self.merged_into.is_none()
    }
}

/// Whether `work` is the stored work `before`, bytes first: the same bytes, or else the same
/// themes and relevance (read alone: a thesaurus change tells most changed works apart there)
/// and the same work decoded whole (a row an older essor wrote, without a field added since).
pub(super) fn is_stored_as(work: &Work, before: &StoredWork) -> Result<bool, StoreError> {
    Ok(before.is(work)
        || (same_classes(&before.decode::<Classed>()?.fields, work)
            && before.decode::<Work>()? == *work))
}

/// [`is_stored_with`] of the stored work's themes read with its head, as a slice compared
/// themes first does ([`Compare::ClassesFirst`]).
#[cfg(test)]
pub(super) fn is_stored_classes_first(
    work: &Work,
    before: &StoredWork,
) -> Result<bool, StoreError> {
    let (_, classed) = before.decode::<ClassedHead>()?.split();
    is_stored_with(work, before, &classed)
}

/// [`is_stored_as`], themes first, `stored` being the stored work's themes and relevance: the
/// same themes and relevance (most changed works differ there, told without making the work's
/// bytes), then the same bytes or the same work decoded whole. Equal bytes decode to the same
/// themes, so it tells the same as bytes first.
pub(super) fn is_stored_with(
    work: &Work,
    before: &StoredWork,
    stored: &Option<ClassedFields>,
) -> Result<bool, StoreError> {
    Ok(same_classes(stored, work) && (before.is(work) || before.decode::<Work>()? == *work))
}

/// Whether `work` (stamped with the rebuild's datestamp, `plain` its bytes) is the stored work
/// `before` but for its themes and relevance (`stored`, the stored ones) and its datestamp
/// (`stamped`, the stored one): its searched document is then the stored work's, since the
/// search index keeps the themes beside its documents, and it need not be indexed again. Bytes
/// only: an older row is indexed again.
pub(super) fn is_stored_but_classes(
    work: &mut Work,
    plain: &PlainWork,
    stamped: &str,
    before: &StoredWork,
    stored: &Option<ClassedFields>,
) -> Result<bool, StoreError> {
    let (Some(fields), Some(stored)) = (work.fields.as_ref(), stored) else {
        return Ok(false);
    };
    if let Some(same) = spliced_is(work, fields, plain, stamped, before, stored) {
        return Ok(same);
    }
    // Bytes not laid out as [`spliced_is`] expects: the work made again.
    Ok(serialised_is(work, stamped, before, stored))
}

/// [`is_stored_but_classes`] by serialising the work again with the stored datestamp, themes
/// and relevance.
fn serialised_is(
    work: &mut Work,
    stamped: &str,
    before: &StoredWork,
    stored: &ClassedFields,
) -> bool {
    let now = std::mem::replace(&mut work.datestamp, stamped.to_owned());
    let (themes, relevance) = match work.fields.as_mut() {
        Some(fields) => (
            std::mem::replace(&mut fields.themes, stored.themes.clone()),
            std::mem::replace(&mut fields.relevance, stored.relevance),
        ),
        None => (Vec::new(), 0.0),
    };
    let same = work.fields.is_some() && before.is(&*work);
    work.datestamp = now;
    if let Some(fields) = work.fields.as_mut() {
        fields.themes = themes;
        fields.relevance = relevance;
    }
    same
}

/// Whether `work`, stamped `now`, is the stored work `before` but for its themes, relevance and
/// datestamp, told by splicing the bytes ([`spliced_is`], `None` if it could not) and by
/// serialising the work again.
#[cfg(test)]
pub(super) fn themes_only_both_ways(
    work: &Work,
    before: &StoredWork,
    now: &str,
) -> Result<(Option<bool>, bool), StoreError> {
    let mut work = work.clone();
    let stamped = std::mem::replace(&mut work.datestamp, now.to_owned());
    let plain = PlainWork::of(&work);
    let Some(stored) = before.decode::<Classed>()?.fields else {
        return Ok((None, false));
    };
    let spliced = match work.fields.as_ref() {
        Some(fields) => spliced_is(&work, fields, &plain, &stamped, before, &stored),
        None => None,
    };
    Ok((spliced, serialised_is(&mut work, &stamped, before, &stored)))
}

/// [`is_stored_but_classes`] without serialising the work again: a work's JSON is its id and
/// datestamp first, its fields last and their themes and relevance last of them, so the stored
/// bytes must be `plain` with that head and tail put back as stored. `None` when `plain` does
/// not begin and end as this expects (then the caller serialises the work again).
fn spliced_is(
    work: &Work,
    fields: &super::WorkFields,
    plain: &PlainWork,
    stamped: &str,
    before: &StoredWork,
    stored: &ClassedFields,
) -> Option<bool> {
    let head = |datestamp: &str| work_head(&work.id, datestamp);
    let tail = themes_tail;
    let (new_head, new_tail) = (
        head(&work.datestamp)?,
        tail(&fields.themes, fields.relevance)?,
    );
    let bytes = plain.bytes();
    if bytes.len() < new_head.len() + new_tail.len()
        || !bytes.starts_with(&new_head)
        || !bytes.ends_with(&new_tail)
    {
        return None;
    }
    let middle = &bytes[new_head.len()..bytes.len() - new_tail.len()];
    let (old_head, old_tail) = (head(stamped)?, tail(&stored.themes, stored.relevance)?);
    let old = before.plain();
    Some(
        old.len() == old_head.len() + middle.len() + old_tail.len()
            && old.starts_with(&old_head)
            && old[old_head.len()..].starts_with(middle)
            && old.ends_with(&old_tail),
    )
}

/// Whether `stored` are `work`'s themes and relevance; if not, the stored work is not `work`.
pub(super) fn same_classes(stored: &Option<ClassedFields>, work: &Work) -> bool {
    match (stored, &work.fields) {
        (None, None) => true,
        (Some(stored), Some(fields)) => {
            stored.themes == fields.themes && stored.relevance == fields.relevance
        }
        _ => false,
    }
}

/// What a thesaurus decides of a stored work, read alone when its bytes differ from the work
/// derived again ([`is_stored_as`]).
#[derive(serde::Deserialize)]
pub(super) struct Classed {
    #[serde(default)]
    pub fields: Option<ClassedFields>,
}

/// A stored work's themes and relevance: after a thesaurus change they tell most changed works
/// apart without decoding each stored one whole (the rest of it skipped, not built; the same
/// types decoded as in a whole [`Work`], so an older row reads the same).
#[derive(serde::Deserialize)]
pub(super) struct ClassedFields {
    pub themes: Vec<ThemeMatch>,
    pub relevance: f32,
}

/// A work's JSON's first bytes: its id and datestamp.
pub(super) fn work_head(id: &str, datestamp: &str) -> Option<Vec<u8>> {
    let mut head = b"{\"id\":".to_vec();
    serde_json::to_writer(&mut head, id).ok()?;
    head.extend_from_slice(b",\"datestamp\":");
    serde_json::to_writer(&mut head, datestamp).ok()?;
    Some(head)
}

/// A work's JSON's last bytes: its fields' themes and relevance, their last two.
pub(super) fn themes_tail(themes: &[ThemeMatch], relevance: f32) -> Option<Vec<u8>> {
    let mut tail = b"\"themes\":".to_vec();
    serde_json::to_writer(&mut tail, themes).ok()?;
    tail.extend_from_slice(b",\"relevance\":");
    serde_json::to_writer(&mut tail, &relevance).ok()?;
    tail.extend_from_slice(b"}}");
    Some(tail)
}
