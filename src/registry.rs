//! Registration of repositories by their managers (issue 12): a submission's fields checked,
//! the repository validated live ([`crate::harvest::validate`]), and, when essor can harvest
//! it, stored as a pending [`Registration`]; then approved, suspended, resumed or removed (its
//! records tombstoned) by an administrator. The API and the CLI call this; they never reach the harvester themselves.
//! An approved registration is harvested as a [`Source`] built here ([`source_of`]).
//!
//! Invariant: a repository whose validation has an error is not stored.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::harvest::guard::NetworkPolicy;
use crate::harvest::validate::{Report, ValidateOptions, validate};
use crate::oai::{HarvestedRecord, PageItem, SetSpec};
use crate::source::{Endpoint, FieldMap, Source, SourceId, SourceRole};
use crate::store::{
    Checkpoint, Registration, RegistrationAction, RegistrationStatus, Store, StoreError,
    Transition, now_rfc3339, prepare_items,
};

/// Roles a registration may claim (a source role's slug), the first by default.
pub const ROLES: [&str; 4] = [
    "institutional-repository",
    "open-archive",
    "thesis-catalogue",
    "observatory",
];

/// Longest name or institution accepted, in characters.
const MAX_NAME: usize = 200;
/// Longest base URL accepted, in bytes.
const MAX_URL: usize = 2048;
/// Most sets a registration may list.
const MAX_SETS: usize = 50;

/// What a repository manager submits.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub base_url: String,
    pub name: String,
    pub institution: String,
    /// ISO 3166-2 (`FR-BRE`).
    pub region: String,
    pub contact_email: String,
    pub metadata_prefix: Option<String>,
    pub sets: Vec<String>,
    pub role: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A submitted field is missing or malformed: which one, and what is expected.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The repository cannot be harvested: the report says why. Nothing was stored.
    #[error("the repository failed validation")]
    Refused(Box<Report>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, message: impl Into<String>) -> RegisterError {
    RegisterError::Invalid {
        field,
        message: message.into(),
    }
}

impl Submission {
    /// Checks every field's shape before any request is made.
    pub fn check(&self) -> Result<(), RegisterError> {
        let url = self.base_url.trim();
        if url.is_empty() || url.len() > MAX_URL {
            return Err(invalid(
                "base_url",
                format!("an http(s) URL of at most {MAX_URL} bytes is expected"),
            ));
        }
        match url::Url::parse(url) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {}
            _ => {
                return Err(invalid(
                    "base_url",
                    format!(
                        "an http(s) URL such as https://hal.science/oai is expected, got {url:?}"
                    ),
                ));
            }
        }
        text_field("name", &self.name)?;
        text_field("institution", &self.institution)?;
        if !crate::source::is_iso_3166_2(&self.region) {
            return Err(invalid(
                "region",
                format!(
                    "an ISO 3166-2 code such as \"FR-BRE\" is expected, got {:?}",
                    self.region
                ),
            ));
        }
        if !is_email(&self.contact_email) {
            return Err(invalid(
                "contact_email",
                "an e-mail address such as depot@univ-exemple.fr is expected",
            ));
        }
        if let Some(prefix) = &self.metadata_prefix
            && (prefix.is_empty()
                || prefix.len() > 64
                || !prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.!~*'()".contains(&b)))
        {
            return Err(invalid(
                "metadata_prefix",
                format!("a metadataPrefix such as oai_dc or etdms is expected, got {prefix:?}"),
            ));
        }
        if self.sets.len() > MAX_SETS {
            return Err(invalid("sets", format!("at most {MAX_SETS} sets")));
        }
        if let Some(bad) = self.sets.iter().find(|s| SetSpec::parse(s).is_none()) {
            return Err(invalid(
                "sets",
                format!(
                    "{bad:?} is not a setSpec (letters, digits, -_.!~*'() and : between levels)"
                ),
            ));
        }
        if let Some(role) = &self.role
            && !ROLES.contains(&role.as_str())
        {
            return Err(invalid(
                "role",
                format!("one of {} is expected, got {role:?}", ROLES.join(", ")),
            ));
        }
        Ok(())
    }
}

fn text_field(field: &'static str, value: &str) -> Result<(), RegisterError> {
    let length = value.trim().chars().count();
    if length == 0 || length > MAX_NAME {
        return Err(invalid(
            field,
            format!("1 to {MAX_NAME} characters are expected, got {length}"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "control characters are not allowed"));
    }
    Ok(())
}

/// A plausible address: one `@`, a local part and a dotted domain, no spaces, at most 254
/// bytes. Whether it receives mail is the operators' business.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// Checks `submission`, validates the repository and stores it as pending. Returns the stored
/// registration and the report; a repository that fails hard is [`RegisterError::Refused`].
pub async fn register(
    store: Arc<Store>,
    submission: Submission,
    network: NetworkPolicy,
) -> Result<(Registration, Report), RegisterError> {
    submission.check()?;
    let options = ValidateOptions {
        metadata_prefix: submission
            .metadata_prefix
            .clone()
            .unwrap_or_else(|| "oai_dc".to_owned()),
        network,
    };
    let base_url = submission.base_url.trim().to_owned();
    let report = validate(&base_url, &options).await;
    if !report.accepted() {
        return Err(RegisterError::Refused(Box::new(report)));
    }
    let now = now_rfc3339();
    let registration = Registration {
        id: String::new(),
        base_url,
        name: submission.name.trim().to_owned(),
        institution: submission.institution.trim().to_owned(),
        region: submission.region,
        contact_email: submission.contact_email,
        metadata_prefix: options.metadata_prefix,
        sets: submission.sets,
        role: submission.role.unwrap_or_else(|| ROLES[0].to_owned()),
        status: RegistrationStatus::Pending,
        registered_at: now.clone(),
        approved_at: None,
        status_changed_at: now,
        report: serde_json::to_string(&report).unwrap_or_default(),
    };
    let stored = tokio::task::spawn_blocking(move || store.insert_registration(registration))
        .await
        .map_err(|e| StoreError::corrupt("registrations", format!("task failed: {e}")))??;
    tracing::info!(id = %stored.id, base_url = %stored.base_url, "repository registered");
    Ok((stored, report))
}

/// An administrator's action on registration `id` (blocking: a store write).
pub fn act(store: &Store, id: &str, action: RegistrationAction) -> Result<Transition, StoreError> {
    let outcome = store.transition_registration(id, action)?;
    if let Transition::Done(registration) = &outcome {
        tracing::info!(%id, action = action.as_str(), status = registration.status.as_str(), "registration changed");
    }
    Ok(outcome)
}

/// How often an active registration is harvested unless the server is told otherwise
/// (`essor serve --registered-every`).
pub const HARVEST_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A registration as the harvester sees it: an OAI-PMH source fetched through the guarded
/// client ([`Source::untrusted`]), politely (1 request/s), harvested every `every`, enabled
/// only while active. Few retries per request (3): a repository that stays down is retried
/// by the scheduler, backing off over minutes and hours, rather than held onto here. `None` for a registration whose stored id or URL no longer parses.
pub fn source_of(registration: &Registration, every: Duration) -> Option<Source> {
    let id = SourceId::parse(&registration.id).ok()?;
    let base_url = url::Url::parse(&registration.base_url).ok()?;
    let role =
        serde_json::from_value::<SourceRole>(serde_json::Value::String(registration.role.clone()))
            .unwrap_or(SourceRole::InstitutionalRepository);
    Some(Source {
        id,
        name: registration.name.clone(),
        endpoint: Endpoint::Oai { base_url },
        metadata_prefix: registration.metadata_prefix.clone(),
        sets: registration.sets.clone(),
        institution: Some(registration.institution.clone()),
        region: Some(registration.region.clone()),
        homepage: None,
        requests_per_second: 1.0,
        harvest_every: Some(every),
        enabled: registration.status == RegistrationStatus::Active,
        max_retries: 3,
        retry_backoff: Duration::from_secs(1),
        timeout: Duration::from_secs(60),
        file: PathBuf::from(format!("registration {}", registration.id)),
        role,
        min_ess_relevance: None,
        record_type: None,
        fields: FieldMap::default(),
        untrusted: true,
    })
}

/// Every registration not removed, as sources (the suspended and pending ones disabled: their
/// records, if any, still need their source's role and region to become works).
pub fn registered_sources(store: &Store, every: Duration) -> Result<Vec<Source>, StoreError> {
    Ok(store
        .registrations()?
        .iter()
        .filter(|r| r.status != RegistrationStatus::Removed)
        .filter_map(|r| {
            let source = source_of(r, every);
            if source.is_none() {
                tracing::error!(id = %r.id, "a stored registration cannot be harvested (its id or URL does not parse)");
            }
            source
        })
        .collect())
}

/// Deletions are written in pages of this many records.
const TOMBSTONES_PER_PAGE: usize = 500;

/// Removes registration `id` (blocking): its status becomes `removed` (it is not harvested
/// again), then every live record it holds is tombstoned, as if the repository had deleted it,
/// so the next works update deletes the works only it held and takes its record out of the
/// others. Returns the transition and how many records were tombstoned.
pub fn remove(store: &Store, id: &str) -> Result<(Transition, u64), StoreError> {
    let outcome = act(store, id, RegistrationAction::Remove)?;
    if !matches!(outcome, Transition::Done(_)) {
        return Ok((outcome, 0));
    }
    let tombstoned = tombstone(store, id)?;
    tracing::info!(%id, tombstoned, "registered repository removed");
    Ok((outcome, tombstoned))
}

/// Writes a deletion for every live record of source `id`, in pages, each with the change-log
/// entries the works update follows; the source's checkpoint is cleared. Records a killed CLI
/// harvest of it left staged are settled first: else the next works update would settle them
/// live after the deletions, and the removed repository's records would come back as works.
fn tombstone(store: &Store, id: &str) -> Result<u64, StoreError> {
    store.settle(id)?;
    let mut live = Vec::new();
    store.for_each_record(Some(id), |record| {
        if !record.deleted {
            live.push(record.identifier);
        }
        Ok(())
    })?;
    let now = now_rfc3339();
    let mut checkpoint = Checkpoint::default();
    let mut tombstoned = 0;
    for (page, identifiers) in live.chunks(TOMBSTONES_PER_PAGE).enumerate() {
        let deletions: Vec<PageItem> = identifiers
            .iter()
            .map(|identifier| {
                PageItem::Record(HarvestedRecord {
                    identifier: identifier.clone(),
                    datestamp: now.clone(),
                    deleted: true,
                    sets: Vec::new(),
                    format: None,
                    raw: None,
                    record: None,
                })
            })
            .collect();
        let last = (page + 1) * TOMBSTONES_PER_PAGE >= live.len();
        let counters = store.commit_page(id, &prepare_items(&deletions)?, &mut checkpoint, last)?;
        tombstoned += counters.deleted;
    }
    Ok(tombstoned)
}

/// The validation report stored with a registration.
pub fn report_of(registration: &Registration) -> Option<Report> {
    serde_json::from_str(&registration.report).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Submission {
        Submission {
            base_url: "https://depot.univ-exemple.fr/oai".into(),
            name: "Dépôt de l'université".into(),
            institution: "Université d'Exemple".into(),
            region: "FR-BRE".into(),
            contact_email: "depot@univ-exemple.fr".into(),
            ..Submission::default()
        }
    }

    fn field_of(submission: Submission) -> &'static str {
        match submission.check() {
            Err(RegisterError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_submission_passes_its_checks() {
        assert!(good().check().is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(Submission, &str)> = vec![
            (
                Submission {
                    base_url: "ftp://x.org/oai".into(),
                    ..good()
                },
                "base_url",
            ),
            (
                Submission {
                    base_url: "not a url".into(),
                    ..good()
                },
                "base_url",
            ),
            (
                Submission {
                    base_url: format!("https://x.org/{}", "a".repeat(3000)),
                    ..good()
                },
                "base_url",
            ),
            (
                Submission {
                    name: " ".into(),
                    ..good()
                },
                "name",
            ),
            (
                Submission {
                    name: "x".repeat(201),
                    ..good()
                },
                "name",
            ),
            (
                Submission {
                    institution: "a\u{7}b".into(),
                    ..good()
                },
                "institution",
            ),
            (
                Submission {
                    region: "Bretagne".into(),
                    ..good()
                },
                "region",
            ),
            (
                Submission {
                    region: "fr-bre".into(),
                    ..good()
                },
                "region",
            ),
            (
                Submission {
                    contact_email: "depot".into(),
                    ..good()
                },
                "contact_email",
            ),
            (
                Submission {
                    contact_email: "a@b".into(),
                    ..good()
                },
                "contact_email",
            ),
            (
                Submission {
                    contact_email: "a b@c.fr".into(),
                    ..good()
                },
                "contact_email",
            ),
            (
                Submission {
                    metadata_prefix: Some("oai dc".into()),
                    ..good()
                },
                "metadata_prefix",
            ),
            (
                Submission {
                    sets: vec!["bad set".into()],
                    ..good()
                },
                "sets",
            ),
            (
                Submission {
                    role: Some("library".into()),
                    ..good()
                },
                "role",
            ),
        ];
        for (submission, field) in cases {
            assert_eq!(field_of(submission), field);
        }
    }

    /// A CLI harvest of a registered repository into a store without works stages its records:
    /// killed, it leaves them staged, and its removal must take them out with the stored ones.
    #[test]
    fn a_removed_repository_keeps_none_of_the_records_a_killed_harvest_left_staged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let registration = Registration {
            id: String::new(),
            base_url: good().base_url,
            name: "Dépôt".into(),
            institution: "Université".into(),
            region: "FR-BRE".into(),
            contact_email: "depot@univ-exemple.fr".into(),
            metadata_prefix: "oai_dc".into(),
            sets: Vec::new(),
            role: ROLES[0].into(),
            status: RegistrationStatus::Active,
            registered_at: now_rfc3339(),
            approved_at: Some(now_rfc3339()),
            status_changed_at: now_rfc3339(),
            report: String::new(),
        };
        let id = store.insert_registration(registration).unwrap().id;
        let page = |identifiers: &[&str]| {
            let items: Vec<PageItem> = identifiers
                .iter()
                .map(|identifier| {
                    PageItem::Record(HarvestedRecord {
                        identifier: (*identifier).to_owned(),
                        datestamp: "2024-01-01".into(),
                        deleted: false,
                        sets: Vec::new(),
                        format: Some("oai_dc"),
                        raw: Some(format!("<dc><title>{identifier}</title></dc>")),
                        record: Some(crate::map::Record::default()),
                    })
                })
                .collect();
            prepare_items(&items).unwrap()
        };
        let mut checkpoint = Checkpoint {
            active: Some(crate::store::ActiveHarvest::default()),
            ..Checkpoint::default()
        };
        store
            .commit_page(&id, &page(&["oai:d:1"]), &mut checkpoint, true)
            .unwrap();
        store
            .stage_page(&id, &page(&["oai:d:2", "oai:d:3"]), &mut checkpoint, true)
            .unwrap();

        let (transition, tombstoned) = remove(&store, &id).unwrap();
        assert!(matches!(transition, Transition::Done(_)), "{transition:?}");
        assert_eq!(tombstoned, 3);
        store.settle_idle().unwrap();
        let mut live = Vec::new();
        store
            .for_each_record(Some(&id), |record| {
                if !record.deleted {
                    live.push(record.identifier);
                }
                Ok(())
            })
            .unwrap();
        assert!(live.is_empty(), "live after the removal: {live:?}");
        assert!(!store.has_staged(&id).unwrap());
    }

    #[test]
    fn actions_follow_the_lifecycle() {
        use RegistrationAction::*;
        use RegistrationStatus::*;
        assert_eq!(Approve.apply(Pending), Some(Active));
        assert_eq!(Approve.apply(Active), None);
        assert_eq!(Suspend.apply(Active), Some(Suspended));
        assert_eq!(Resume.apply(Suspended), Some(Active));
        assert_eq!(Resume.apply(Pending), None);
        assert_eq!(Suspend.apply(Removed), None);
        assert_eq!(Remove.apply(Suspended), Some(Removed));
        assert_eq!(Remove.apply(Pending), Some(Removed));
        assert_eq!(Remove.apply(Removed), None);
        assert_eq!(Approve.apply(Removed), None);
    }
}
