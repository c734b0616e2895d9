//! essor: a public, federated home for research on the Social and Solidarity Economy.
//!
//! The pipeline, in the order data flows through it:
//! `harvest-sources/*.toml` → [`source`] → [`harvest`] (fetch, parse) → [`map`] (format
//! crosswalks) → [`store`] (redb, the source of truth). Later stages (normalise, dedup, index,
//! serve) read from the store.

pub mod harvest;
pub mod map; // metadata crosswalks (oai_dc, etdms, TEF) → `Record`
pub mod oai; // OAI-PMH 2.0 response parsing (pages, Identify, errors), pure
pub mod source; // harvest-sources/*.toml → validated `Source`s
pub mod store; // redb: records, rejects, checkpoints, runs (only module that knows redb)
pub mod xml; // byte repair, decoding and element trees shared by harvest and map // fetch with politeness and retries, drive a harvest, commit page by page
