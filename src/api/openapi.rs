//! The OpenAPI 3.1 contract of the REST API, generated from the handlers (utoipa). It is checked
//! in at `openapi/essor.json` (`essor openapi` prints it; a test fails when they differ), served
//! at `/openapi.json` and browsable at `/docs` (Swagger UI, vendored in the binary).

use utoipa::OpenApi;

use super::{barometer, problem, registration, rest, search, views};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "essor API",
        description = "Research on the Social and Solidarity Economy (theses, dissertations, studies), harvested from French repositories and observatories, deduplicated into works. Errors are RFC 9457 problem details. Rate limited per client IP (higher quota with an `X-API-Key`).",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        search::works,
        search::export,
        rest::work,
        rest::sources,
        registration::register,
        rest::source,
        rest::runs,
        registration::approve,
        registration::suspend,
        registration::resume,
        registration::remove,
        search::stats,
        barometer::editions,
        barometer::edition
    ),
    components(schemas(
        problem::Problem,
        views::SourceInfo,
        views::RegistrationRequest,
        views::RegisteredView,
        views::RegistrationView,
        views::ValidationReportView,
        views::WorksPage,
        views::Stats,
        search::SortParam,
        search::AccessParam,
        search::FormatParam
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "works", description = "Deduplicated works: search, facets, exports, details"),
        (name = "sources", description = "The repositories essor harvests; repository managers register theirs (POST /api/v1/sources), administrators approve them"),
        (name = "stats", description = "Totals and distributions"),
        (name = "barometer", description = "The trends barometer: twice-yearly editions of emerging ESS topics")
    )
)]
pub struct ApiDoc;

/// The administrator's bearer token, named `bearer` by the paths that need it.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The contract as pretty JSON, as checked in.
pub fn spec_json() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
