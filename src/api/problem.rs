//! Errors of the REST API as RFC 9457 problem details (`application/problem+json`): a stable
//! `type` URI per kind of problem (clients branch on it), a title, the status, and a `detail` a
//! person can act on ("`year_from` must be a year like 2015, got `abc`").
//!
//! The kinds of problem are one table, [`ProblemType`] (meilisearch's `make_error_codes!` is the
//! model): each row gives the HTTP status, the slug of the `type` URI and the title, and every
//! constructor of [`Problem`] takes its row. The OpenAPI document lists the table as the values
//! of `Problem.type`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::views::ValidationReportView;

/// Where the problem types are documented (README, "REST API").
const TYPE_BASE: &str = "https://essor.eu/problems/";

/// Declares [`ProblemType`] from its table: one row per kind of problem.
macro_rules! problem_types {
    ($($(#[$doc:meta])* $kind:ident => ($status:ident, $slug:literal, $title:literal),)+) => {
        /// The kinds of problem the API answers. Their slugs and titles are a contract: clients
        /// branch on the `type` URI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemType {
            $($(#[$doc])* $kind,)+
        }

        impl ProblemType {
            /// Every kind, in table order.
            pub const ALL: &[ProblemType] = &[$(ProblemType::$kind,)+];

            pub fn status(self) -> StatusCode {
                match self {
                    $(ProblemType::$kind => StatusCode::$status,)+
                }
            }

            /// The last segment of the `type` URI (`invalid-parameter`).
            pub fn slug(self) -> &'static str {
                match self {
                    $(ProblemType::$kind => $slug,)+
                }
            }

            /// The same for every problem of this kind; `detail` says what happened.
            pub fn title(self) -> &'static str {
                match self {
                    $(ProblemType::$kind => $title,)+
                }
            }
        }
    };
}

problem_types! {
    /// A query parameter is unknown, repeated or has a value it cannot take.
    InvalidParameter => (BAD_REQUEST, "invalid-parameter", "Invalid query parameter"),
    /// The full-text query `q` does not parse.
    InvalidQuery => (BAD_REQUEST, "invalid-query", "The search query cannot be read"),
    NotFound => (NOT_FOUND, "not-found", "Not found"),
    /// A field of a request body is missing or malformed (`parameter` names it).
    InvalidField => (BAD_REQUEST, "invalid-field", "Invalid field"),
    /// The submitted repository cannot be harvested: `report` says why. Nothing was stored.
    RepositoryRefused => (UNPROCESSABLE_ENTITY, "repository-refused", "The repository failed validation"),
    /// An administrator's action without the right bearer token.
    Unauthorized => (UNAUTHORIZED, "unauthorized", "Unauthorized"),
    /// The action does not apply to the registration as it stands.
    Conflict => (CONFLICT, "conflict", "Conflict"),
    /// The API is read-only.
    MethodNotAllowed => (METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed"),
    /// A work whose records were all withdrawn.
    Deleted => (GONE, "deleted", "Deleted"),
    RateLimited => (TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
    /// The store or the index could not be read; `Retry-After` says when to try again.
    Unavailable => (SERVICE_UNAVAILABLE, "unavailable", "Temporarily unavailable"),
}

impl ProblemType {
    /// The `type` URI: `https://essor.eu/problems/<slug>`.
    pub fn uri(self) -> String {
        format!("{TYPE_BASE}{}", self.slug())
    }
}

/// The schema of `Problem.type`: one of the table's URIs, each with its status and title.
fn type_schema() -> Schema {
    let kinds: Vec<String> = ProblemType::ALL
        .iter()
        .map(|kind| {
            format!(
                "`{}` ({}, \"{}\")",
                kind.uri(),
                kind.status().as_u16(),
                kind.title()
            )
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!(
            "Stable identifier of the kind of problem, e.g. `https://essor.eu/problems/invalid-parameter`. One of: {}.",
            kinds.join("; ")
        )))
        .enum_values(Some(ProblemType::ALL.iter().map(|kind| kind.uri())))
        .into()
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `https://essor.eu/problems/invalid-parameter`.
    #[serde(rename = "type")]
    #[schema(schema_with = type_schema)]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What was wrong with this request, and how to fix it.
    pub detail: String,
    /// The query parameter or body field at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Why a submitted repository was refused (`repository-refused` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<ValidationReportView>>,
    #[serde(skip)]
    retry_after: Option<u32>,
}

impl Problem {
    fn new(kind: ProblemType, detail: impl Into<String>) -> Problem {
        Problem {
            kind: kind.uri(),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            parameter: None,
            report: None,
            retry_after: None,
        }
    }

    pub fn invalid_parameter(parameter: &str, detail: impl Into<String>) -> Problem {
        Problem {
            parameter: Some(parameter.to_owned()),
            ..Problem::new(ProblemType::InvalidParameter, detail)
        }
    }

    pub fn invalid_query(detail: impl Into<String>) -> Problem {
        Problem {
            parameter: Some("q".to_owned()),
            ..Problem::new(ProblemType::InvalidQuery, detail)
        }
    }

    pub fn invalid_field(field: &str, detail: impl Into<String>) -> Problem {
        Problem {
            parameter: Some(field.to_owned()),
            ..Problem::new(ProblemType::InvalidField, detail)
        }
    }

    pub fn repository_refused(report: ValidationReportView) -> Problem {
        let errors: Vec<String> = report
            .checks
            .iter()
            .filter(|c| c.status == super::views::CheckStatusView::Error)
            .map(|c| format!("{}: {}", c.id, c.observed))
            .collect();
        Problem {
            report: Some(Box::new(report)),
            ..Problem::new(
                ProblemType::RepositoryRefused,
                format!(
                    "essor cannot harvest this repository: {}",
                    errors.join("; ")
                ),
            )
        }
    }

    pub fn unauthorized() -> Problem {
        Problem::new(
            ProblemType::Unauthorized,
            "an administrator's token is required: Authorization: Bearer <token>",
        )
    }

    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::Conflict, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::NotFound, detail)
    }

    pub fn method_not_allowed() -> Problem {
        Problem::new(
            ProblemType::MethodNotAllowed,
            "this method is not allowed here: the API is read with GET (sources are registered with POST /api/v1/sources)",
        )
    }

    pub fn gone(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::Deleted, detail)
    }

    pub fn rate_limited(retry_after: u64) -> Problem {
        Problem {
            retry_after: Some(u32::try_from(retry_after).unwrap_or(u32::MAX)),
            ..Problem::new(
                ProblemType::RateLimited,
                format!(
                    "this client made too many requests; retry in {retry_after} s, or ask for an API key (header X-API-Key) for a higher quota"
                ),
            )
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> Problem {
        Problem {
            retry_after: Some(30),
            ..Problem::new(ProblemType::Unavailable, detail)
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::store::StoreError> for Problem {
    fn from(error: crate::store::StoreError) -> Problem {
        tracing::error!(%error, "store error in the REST API");
        Problem::unavailable("the store could not be read; retry later")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_types_have_distinct_slugs_and_error_statuses() {
        for (index, kind) in ProblemType::ALL.iter().enumerate() {
            assert!(
                kind.status().is_client_error() || kind.status().is_server_error(),
                "{kind:?}"
            );
            assert!(
                ProblemType::ALL[index + 1..]
                    .iter()
                    .all(|other| other.slug() != kind.slug()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_problem_body_names_its_type_title_and_status() {
        let body = serde_json::to_string(&Problem::invalid_parameter("limit", "too big")).unwrap();
        assert_eq!(
            body,
            r#"{"type":"https://essor.eu/problems/invalid-parameter","title":"Invalid query parameter","status":400,"detail":"too big","parameter":"limit"}"#
        );
    }
}
