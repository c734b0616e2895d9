//! The published shapes of the REST API: the JSON its handlers answer and the schemas of the
//! OpenAPI document, built from the stored and internal types by `From` impls and constructors.
//!
//! They are the contract, apart on purpose from what the store keeps: a stored field can be
//! renamed or retyped without changing the REST answers or `openapi/essor.json`, and a change to
//! either is made here, where it shows. Each view names its schema (`#[schema(as = …)]`); the
//! doc comments of a view are its schema's description, so a view whose schema has none carries
//! a plain comment instead.
//!
//! - `work.rs`: a work with its members, per-field provenance and merge reasons
//!   (`/api/v1/works/{id}`);
//! - `search.rs`: a page of search results, facets and totals (`/api/v1/works`,
//!   `/api/v1/stats`);
//! - `barometer.rs`: the barometer's editions (`/api/v1/barometer/…`);
//! - `source.rs`: a configured or registered source with its counts and last harvest
//!   (`/api/v1/sources`);
//! - `registration.rs`: registration's request, validation report and registration
//!   (`POST /api/v1/sources`, the administrator's actions).

mod barometer;
mod registration;
mod search;
mod source;
mod work;

pub use barometer::{EditionSummaryView, EditionView};
pub use registration::{
    CheckStatusView, RegisteredView, RegistrationRequest, RegistrationView, ValidationReportView,
};
pub use search::{FacetCounts, Stats, SummaryView, WorksPage};
pub use source::{RunRecordView, RunsPage, Scheduled, SourceInfo};
pub use work::WorkView;

#[cfg(test)]
mod tests;
