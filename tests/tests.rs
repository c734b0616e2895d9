//! essor's integration tests, in one binary (ripgrep's layout: the crate is linked once). Each
//! module tests one area; `common` is the shared harness. The server runs in-process
//! (`common::app::spawn_app`) where it is what is tested; the real `essor` binary runs where the
//! binary is the subject (its commands, the README's command, a harvest killed with SIGKILL).

mod common;

mod api_rest;
mod api_schemathesis;
mod barometer_api;
mod barometer_cli;
mod barometer_page;
mod dedup_eval;
mod feed_oai;
mod feed_stored;
mod harvest_crash;
mod harvest_faults;
mod harvest_pyoai;
mod harvest_transport;
mod hostile_input;
mod peers_valid;
mod run_samples;
mod serve_cli;
mod slow_clients;
mod store_backup;
mod store_damaged;
mod store_full_disk;
mod sources_check;
mod sources_config;
mod sources_csv;
mod sources_feed;
mod sources_register;
mod sources_removed;
mod sources_scheduled;
mod sources_json;
mod sources_theses;
mod sources_validate;
mod web_browser;
mod web_pages;
mod web_routes;
mod works_rebuild;
mod works_two_sources;
