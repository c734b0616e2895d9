//! The published shapes of registration (`POST /api/v1/sources` and the administrator's
//! actions): the request, the validation report, and a registration without its contact
//! e-mail, which is never published.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::harvest::validate::{Check, Report, Status};
use crate::registry::Submission;
use crate::store::{Registration, RegistrationStatus};

/// A repository submitted by its manager. The patterns are what the server checks (a value
/// that matches them is never answered 400), but a real repository must also answer at the URL.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = RegistrationRequest)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The OAI-PMH base URL (http or https, public).
    #[schema(
        max_length = 2048,
        pattern = r"^https?://[a-z]([a-z0-9]|-[a-z0-9])*(\.[a-z]([a-z0-9]|-[a-z0-9])*)+(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]*)*$"
    )]
    pub base_url: String,
    /// The repository's name (1 to 200 characters, no control characters).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[A-Za-z0-9][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// The institution that runs it (1 to 200 characters, no control characters).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[A-Za-z0-9][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub institution: String,
    /// ISO 3166-2 code of its region, such as `FR-BRE`.
    #[schema(pattern = r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]
    pub region: String,
    /// Whom the operators write to; never published.
    #[schema(
        max_length = 254,
        pattern = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
    )]
    pub contact_email: String,
    /// The format to harvest (default `oai_dc`).
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_.!~*'()-]{1,64}$")]
    pub metadata_prefix: Option<String>,
    /// Sets to harvest (default: the whole repository), at most 50 setSpecs.
    #[serde(default)]
    #[schema(schema_with = sets_schema)]
    pub sets: Option<Vec<String>>,
    /// `institutional-repository` (default), `open-archive`, `thesis-catalogue` or
    /// `observatory`.
    #[serde(default)]
    #[schema(schema_with = role_schema)]
    pub role: Option<String>,
}

/// At most 50 setSpecs (OAI-PMH's pattern).
fn sets_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Array,
            Type::Null,
        ]))
        .max_items(Some(50))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")),
        )
        .into()
}

fn role_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(
            crate::registry::ROLES
                .iter()
                .map(|role| serde_json::Value::from(*role))
                .chain([serde_json::Value::Null]),
        ))
        .into()
}

impl From<RegistrationRequest> for Submission {
    fn from(request: RegistrationRequest) -> Submission {
        Submission {
            base_url: request.base_url,
            name: request.name,
            institution: request.institution,
            region: request.region,
            contact_email: request.contact_email,
            metadata_prefix: request.metadata_prefix,
            sets: request.sets.unwrap_or_default(),
            role: request.role,
        }
    }
}

/// How one check came out: `error` makes the repository unharvestable, `warning` is worth
/// fixing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = CheckStatus)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatusView {
    Pass,
    Warning,
    Error,
}

/// One rule checked against the repository (BASE OVAL's and essor's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ValidationCheck)]
pub struct CheckView {
    /// Stable name of the rule, such as `identify.protocol_version`.
    pub id: String,
    pub status: CheckStatusView,
    /// What essor saw.
    pub observed: String,
    /// How to fix it (absent when the check passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// A repository validated live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ValidationReport)]
pub struct ValidationReportView {
    pub base_url: String,
    /// When the validation began (RFC 3339, UTC).
    pub checked_at: String,
    /// Whether essor can harvest the repository (no check is an `error`).
    pub accepted: bool,
    pub requests: u32,
    pub median_response_ms: u64,
    pub slowest_response_ms: u64,
    pub checks: Vec<CheckView>,
}

impl From<&Check> for CheckView {
    fn from(check: &Check) -> CheckView {
        CheckView {
            id: check.id.clone(),
            status: match check.status {
                Status::Pass => CheckStatusView::Pass,
                Status::Warning => CheckStatusView::Warning,
                Status::Error => CheckStatusView::Error,
            },
            observed: check.observed.clone(),
            fix: check.fix.clone(),
        }
    }
}

impl From<&Report> for ValidationReportView {
    fn from(report: &Report) -> ValidationReportView {
        ValidationReportView {
            base_url: report.base_url.clone(),
            checked_at: report.checked_at.clone(),
            accepted: report.accepted(),
            requests: report.requests,
            median_response_ms: report.median_response_ms,
            slowest_response_ms: report.slowest_response_ms,
            checks: report.checks.iter().map(CheckView::from).collect(),
        }
    }
}

/// Where a registered repository stands: `pending` (waiting for an administrator), `active`
/// (approved for harvesting), `suspended`, `removed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RegistrationStatus)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationStatusView {
    Pending,
    Active,
    Suspended,
    Removed,
}

impl From<RegistrationStatus> for RegistrationStatusView {
    fn from(status: RegistrationStatus) -> RegistrationStatusView {
        match status {
            RegistrationStatus::Pending => RegistrationStatusView::Pending,
            RegistrationStatus::Active => RegistrationStatusView::Active,
            RegistrationStatus::Suspended => RegistrationStatusView::Suspended,
            RegistrationStatus::Removed => RegistrationStatusView::Removed,
        }
    }
}

/// The answer to a registration: its id, `pending`, and the validation report.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Registered)]
pub struct RegisteredView {
    pub id: String,
    pub status: RegistrationStatusView,
    pub report: ValidationReportView,
}

/// A registered repository (its contact e-mail is never published).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Registration)]
pub struct RegistrationView {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub institution: String,
    /// ISO 3166-2.
    pub region: String,
    pub metadata_prefix: String,
    pub sets: Vec<String>,
    pub role: String,
    pub status: RegistrationStatusView,
    /// RFC 3339, UTC.
    pub registered_at: String,
    pub approved_at: Option<String>,
    pub status_changed_at: String,
}

impl From<&Registration> for RegistrationView {
    fn from(registration: &Registration) -> RegistrationView {
        RegistrationView {
            id: registration.id.clone(),
            name: registration.name.clone(),
            base_url: registration.base_url.clone(),
            institution: registration.institution.clone(),
            region: registration.region.clone(),
            metadata_prefix: registration.metadata_prefix.clone(),
            sets: registration.sets.clone(),
            role: registration.role.clone(),
            status: registration.status.into(),
            registered_at: registration.registered_at.clone(),
            approved_at: registration.approved_at.clone(),
            status_changed_at: registration.status_changed_at.clone(),
        }
    }
}
