//! The barometer's frozen editions: one row per semester, JSON, with a published flag that
//! makes the row immutable. The check and the write are one transaction, so no two builds can
//! both overwrite a published edition.

use redb::{ReadableDatabase, ReadableTable};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encode::{from_json, to_json};
use super::tables::BAROMETER_EDITIONS;
use super::{Store, StoreError};

/// What [`Store::save_barometer_edition`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditionSaved {
    /// Written (new, or over a draft).
    Saved,
    /// A published edition of that id exists: nothing was written.
    AlreadyPublished,
}

impl Store {
    /// An edition by id, with whether it is published.
    pub fn barometer_edition<E: DeserializeOwned>(
        &self,
        id: &str,
    ) -> Result<Option<(bool, E)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BAROMETER_EDITIONS)?;
        let Some(row) = table.get(id)? else {
            return Ok(None);
        };
        let (published, json) = row.value();
        Ok(Some((published, from_json("barometer_editions", json)?)))
    }

    /// Every edition, oldest first (ids are `YYYY-S1`/`YYYY-S2`, so their order is time's).
    pub fn barometer_editions<E: DeserializeOwned>(&self) -> Result<Vec<(bool, E)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BAROMETER_EDITIONS)?;
        let mut editions = Vec::new();
        for entry in table.iter()? {
            let (_, row) = entry?;
            let (published, json) = row.value();
            editions.push((published, from_json("barometer_editions", json)?));
        }
        Ok(editions)
    }

    /// Writes an edition unless a published one of that id exists (published editions are
    /// never rewritten; a draft may be).
    pub fn save_barometer_edition<E: Serialize>(
        &self,
        id: &str,
        published: bool,
        edition: &E,
    ) -> Result<EditionSaved, StoreError> {
        let json = to_json(edition);
        let tx = self.db.begin_write()?;
        let saved = {
            let mut table = tx.open_table(BAROMETER_EDITIONS)?;
            let frozen = table.get(id)?.is_some_and(|row| row.value().0);
            if frozen {
                EditionSaved::AlreadyPublished
            } else {
                table.insert(id, (published, json.as_slice()))?;
                EditionSaved::Saved
            }
        };
        tx.commit()?;
        Ok(saved)
    }
}
