//! Repositories registered through the API (`POST /api/v1/sources`), beside the
//! `harvest-sources/*.toml` ones: what was submitted, its validation report, and where it
//! stands (pending → active ⇄ suspended, → removed). The contact e-mail is stored for the
//! operators and never published (the API's views leave it out).

use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::encode::{from_json, to_json};
use super::tables::REGISTRATIONS;
use super::{Store, StoreError, now_rfc3339};

/// Where a registered repository stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationStatus {
    /// Validated, waiting for an administrator.
    Pending,
    /// Approved for harvesting.
    Active,
    /// Not harvested for now; its records stay.
    Suspended,
    /// Withdrawn by an administrator.
    Removed,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Active => "active",
            RegistrationStatus::Suspended => "suspended",
            RegistrationStatus::Removed => "removed",
        }
    }
}

/// What an administrator does to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationAction {
    Approve,
    Suspend,
    Resume,
    /// Withdraws the repository for good (its records are tombstoned by `registry::remove`).
    Remove,
}

impl RegistrationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationAction::Approve => "approve",
            RegistrationAction::Suspend => "suspend",
            RegistrationAction::Resume => "resume",
            RegistrationAction::Remove => "remove",
        }
    }

    /// The status after this action from `from`, `None` when it does not apply (approving an
    /// active source, resuming a pending one, anything on a removed one).
    pub fn apply(self, from: RegistrationStatus) -> Option<RegistrationStatus> {
        use RegistrationStatus::*;
        match (self, from) {
            (RegistrationAction::Approve, Pending) => Some(Active),
            (RegistrationAction::Suspend, Pending | Active) => Some(Suspended),
            (RegistrationAction::Resume, Suspended) => Some(Active),
            (RegistrationAction::Remove, Pending | Active | Suspended) => Some(Removed),
            _ => None,
        }
    }
}

/// A registered repository as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// `r` and 10 hex digits; also its source id in the store's records and runs.
    pub id: String,
    pub base_url: String,
    pub name: String,
    pub institution: String,
    /// ISO 3166-2 (`FR-BRE`).
    pub region: String,
    /// For the operators only: never published.
    pub contact_email: String,
    pub metadata_prefix: String,
    pub sets: Vec<String>,
    /// A source role's slug (`institutional-repository`).
    pub role: String,
    pub status: RegistrationStatus,
    /// RFC 3339, UTC.
    pub registered_at: String,
    #[serde(default)]
    pub approved_at: Option<String>,
    /// When the status last changed.
    pub status_changed_at: String,
    /// The validation report of the registration, as JSON (`harvest::validate::Report`: the
    /// store does not depend on the harvester's types).
    pub report: String,
}

/// The outcome of an administrator's action.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Done(Box<Registration>),
    NotFound,
    /// The action does not apply to the registration's current status.
    NotApplicable(RegistrationStatus),
}

impl Store {
    /// Stores a new registration under a fresh id (given to `registration.id`).
    pub fn insert_registration(
        &self,
        mut registration: Registration,
    ) -> Result<Registration, StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(REGISTRATIONS)?;
            loop {
                let id = format!("r{:010x}", fastrand::u64(..1 << 40));
                if table.get(id.as_str())?.is_none() {
                    registration.id = id;
                    break;
                }
            }
            table.insert(registration.id.as_str(), to_json(&registration).as_slice())?;
        }
        tx.commit()?;
        Ok(registration)
    }

    pub fn registration(&self, id: &str) -> Result<Option<Registration>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(REGISTRATIONS)?;
        table
            .get(id)?
            .map(|value| from_json("registrations", value.value()))
            .transpose()
    }

    /// Every registration, by id.
    pub fn registrations(&self) -> Result<Vec<Registration>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(REGISTRATIONS)?;
        let mut all = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            all.push(from_json("registrations", value.value())?);
        }
        Ok(all)
    }

    /// Applies `action` to registration `id`, in one transaction.
    pub fn transition_registration(
        &self,
        id: &str,
        action: RegistrationAction,
    ) -> Result<Transition, StoreError> {
        let tx = self.db.begin_write()?;
        let outcome = {
            let mut table = tx.open_table(REGISTRATIONS)?;
            let current: Option<Registration> = table
                .get(id)?
                .map(|value| from_json("registrations", value.value()))
                .transpose()?;
            match current {
                None => Transition::NotFound,
                Some(mut registration) => match action.apply(registration.status) {
                    None => Transition::NotApplicable(registration.status),
                    Some(status) => {
                        let now = now_rfc3339();
                        if status == RegistrationStatus::Active
                            && registration.approved_at.is_none()
                        {
                            registration.approved_at = Some(now.clone());
                        }
                        registration.status = status;
                        registration.status_changed_at = now;
                        table.insert(id, to_json(&registration).as_slice())?;
                        Transition::Done(Box::new(registration))
                    }
                },
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}
