//! essor: a public, federated home for research on the Social and Solidarity Economy.
//!
//! The pipeline, in the order data flows through it:
//! `harvest-sources/*.toml` → [`source`] → [`harvest`] (fetch, parse) → [`map`] (format
//! crosswalks) → [`store`] (redb, the source of truth) → normalise, classify, dedup into works.
//! The works are indexed for search and served (OAI-PMH feed, REST API) from the store.

pub(crate) mod cores; // work spread over the cores (items pulled by threads), shared by dedup and works
pub mod fnv; // a hash stable across builds (FNV-1a) for digests and tokens that outlive a process
pub mod vocab; // essor's controlled words (degree types) with slugs and labels, used by every layer
pub mod source; // harvest-sources/*.toml → validated `Source`s
pub mod xml; // byte repair, decoding and element trees shared by harvest and map
pub mod oai; // OAI-PMH 2.0 response parsing (pages, Identify, errors), pure
pub mod harvest; // fetch with politeness and retries, drive a harvest, commit page by page
pub mod map; // metadata crosswalks (oai_dc, etdms, TEF, non-OAI rows) → `Record`
pub mod csv; // CSV bytes → header and rows (encoding and delimiter sniffed, quoted line breaks), pure
pub mod normalize; // `Record` → `Normalized` (persons, dates, languages, identifiers, access), pure
pub mod classify; // ESS themes and relevance of a `Normalized` record, explainable, pure
pub mod dedup; // which normalised records are the same work (pure)
pub mod store; // redb: records, rejects, checkpoints, runs, works (only module that knows redb)
pub mod works; // records → works in the store: normalise, classify, dedup, incrementally
pub mod index; // full-text search over the works (tantivy), derived from the store, rebuildable
pub mod barometer; // twice-yearly editions of emerging ESS topics, computed from the works, frozen
pub mod export; // works as CSV, JSON lines, RIS, BibTeX (pure)
pub mod feed; // the OAI-PMH 2.0 data provider: protocol, tokens, formats (no HTTP)
pub mod pipeline; // the one harvest → works → index path (CLI, scheduler, registration)
pub mod schedule; // harvests run by the server: on each source's schedule and on demand
pub mod registry; // repositories registered through the API: checked, validated live, approved
pub mod api; // the HTTP server (axum): /oai, /api/v1, /docs (only module that knows the framework)
pub mod app; // the application assembled: data folder layout, pipeline, server on a listener

#[cfg(test)]
pub(crate) mod test_support; // what the unit tests share: where the fixtures are
