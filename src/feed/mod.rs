//! The OAI-PMH 2.0 data provider: essor's works, as other portals re-harvest them. Items are
//! works (deduplicated), identified `oai:<repository identifier>:<work id>`; their datestamp is
//! their last change in the store's feed index, which also gives sets and keyset paging.
//!
//! This module knows the protocol and the formats, not HTTP: [`Feed::respond`] takes the
//! request's arguments and base URL and returns the XML document (always an OAI answer, errors
//! included); the `api` module carries it over HTTP.
//!
//! Invariants: every document it writes is valid against the OAI-PMH schema and the schema of
//! each format; a page is read in one store snapshot; a resumption token is all the state a
//! harvest needs (restarts, several servers behind one name).

mod envelope;
mod formats;
mod gzip;
mod list;
mod request;
mod row;
mod sets;
mod sizes;
mod stored;
mod token;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use quick_xml::escape::escape;

pub use formats::{FORMATS, Format};
pub use gzip::Answer;
pub use request::{Request, parse};
pub use stored::Renderer;
pub use stored::compress_stored;
pub use token::{Signer, Token, TokenError};

use crate::classify::Thesaurus;
use crate::oai::{Datestamp, ErrorCode, OaiError};
use crate::source::Source;
use crate::store::{FeedEntry, FeedItem, RecordKey, RecordOrigin, Store, StoreError};
use crate::works::Work;
use envelope::{ENVELOPE_TAIL, envelope_head};
use formats::{Origin, ThemeLabels};
use request::{cannot_disseminate, unknown_id};

/// A resumption token lives this long (the issue asks for at least 23 hours).
const TOKEN_LIFETIME: u64 = 24 * 3600;

/// What the repository says about itself.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub repository_name: String,
    pub admin_emails: Vec<String>,
    /// The `<repository identifier>` of item identifiers: a domain name.
    pub repository_identifier: String,
    /// Records or headers per list page.
    pub page_size: usize,
    /// How gzip ListRecords pages are made.
    pub gzip_pages: GzipPages,
}

/// How a gzip ListRecords page is made. Spliced from the records stored precompressed, a page
/// costs a third of the CPU of one compressed whole per request, but is ~4.7× larger (records
/// compressed one by one cannot share what repeats across a page): over a link slower than a
/// few hundred MB/s the smaller page reaches a harvester sooner. So by default the server
/// compresses whole while it has CPU to spare, and splices when requests wait for a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GzipPages {
    /// Compressed whole when the server is idle, spliced when requests queue.
    #[default]
    Auto,
    /// Always spliced: least CPU (a server on a fast local link, many harvesters).
    Spliced,
    /// Always compressed whole: smallest pages.
    Whole,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            repository_name: "essor: research on the Social and Solidarity Economy".into(),
            admin_emails: vec!["admin@essor.local".into()],
            repository_identifier: "essor.local".into(),
            page_size: 100,
            gzip_pages: GzipPages::Auto,
        }
    }
}

/// A source as provenance names it.
#[derive(Debug, Clone)]
struct SourceOrigin {
    name: String,
    base_url: String,
}

pub struct Feed {
    store: Arc<Store>,
    config: FeedConfig,
    signer: Signer,
    sources: HashMap<String, SourceOrigin>,
    themes: ThemeLabels,
    list_sizes: sizes::ListSizes,
    /// The largest document answered so far, in bytes: the next one's buffer is sized from it,
    /// so that a page is not copied as its buffer grows (a page of 100 records is ~400 KB).
    largest_answer: AtomicUsize,
}

impl Feed {
    pub fn new(
        store: Arc<Store>,
        config: FeedConfig,
        sources: &[Source],
        thesaurus: &Thesaurus,
    ) -> Result<Feed, StoreError> {
        let signer = Signer::new(&store.secret()?);
        let sources = sources
            .iter()
            .map(|s| {
                let base_url = s
                    .base_url()
                    .map_or_else(|| format!("urn:essor:source:{}", s.id), |u| u.to_string());
                let origin = SourceOrigin {
                    name: s.name.clone(),
                    base_url,
                };
                (s.id.to_string(), origin)
            })
            .collect();
        let themes = theme_labels(thesaurus);
        Ok(Feed {
            store,
            config,
            signer,
            sources,
            themes,
            list_sizes: sizes::ListSizes::default(),
            largest_answer: AtomicUsize::new(0),
        })
    }

    pub fn config(&self) -> &FeedConfig {
        &self.config
    }

    /// Answers one request. `base_url` is the URL the request was sent to, without its query.
    /// Protocol errors are answers too; only a failing store is an `Err`.
    pub fn respond(
        &self,
        args: &[(String, String)],
        base_url: &str,
        now: u64,
    ) -> Result<String, StoreError> {
        Ok(into_text(self.respond_bytes(args, base_url, now)?))
    }

    /// [`Feed::respond`] as the bytes sent: a page's stored records are copied as they were
    /// written (they are UTF-8, rendered from strings) without checking them again.
    pub fn respond_bytes(
        &self,
        args: &[(String, String)],
        base_url: &str,
        now: u64,
    ) -> Result<Vec<u8>, StoreError> {
        self.respond_into(args, base_url, now, None)
    }

    /// [`Feed::respond_bytes`]; with `splices`, the records of a ListRecords page that are
    /// stored precompressed are not written but listed there, where they go (`gzip.rs`).
    fn respond_into(
        &self,
        args: &[(String, String)],
        base_url: &str,
        now: u64,
        mut splices: Option<&mut Vec<gzip::Splice>>,
    ) -> Result<Vec<u8>, StoreError> {
        // One buffer for the whole document, sized for a full page of records.
        let full_page = self.config.page_size.clamp(1, 1000) * 4096 + 1024;
        // (At most four times the usual size: one huge record does not size every buffer after it.)
        let largest = self
            .largest_answer
            .load(Ordering::Relaxed)
            .min(4 * full_page);
        let mut head = String::with_capacity(full_page.max(largest + largest / 16));
        envelope_head(&mut head, args, base_url, now);
        let mut out = head.into_bytes();
        let answer = match request::parse(args) {
            Ok(request) => {
                self.answer(&request, base_url, now, &mut out, splices.as_deref_mut())?
            }
            Err(error) => Err(error),
        };
        match answer {
            Ok(()) => {
                out.extend_from_slice(ENVELOPE_TAIL.as_bytes());
                self.largest_answer.fetch_max(out.len(), Ordering::Relaxed);
                Ok(out)
            }
            Err(error) => {
                // What was written is dropped: an error answer has nothing else.
                if let Some(splices) = splices {
                    splices.clear();
                }
                let shown: &[(String, String)] = if error.hides_arguments() { &[] } else { args };
                let mut text = String::new();
                envelope_head(&mut text, shown, base_url, now);
                let _ = write!(
                    text,
                    "<error code=\"{}\">{}</error>",
                    error.code.as_str(),
                    escape(&error.message)
                );
                text.push_str(ENVELOPE_TAIL);
                Ok(text.into_bytes())
            }
        }
    }

    fn answer(
        &self,
        request: &Request,
        base_url: &str,
        now: u64,
        out: &mut Vec<u8>,
        splices: Option<&mut Vec<gzip::Splice>>,
    ) -> Result<Result<(), OaiError>, StoreError> {
        match request {
            Request::List { records, args } => match self.first_token(*records, args, now) {
                Ok(token) => self.list(token, true, now, out, splices),
                Err(error) => Ok(Err(error)),
            },
            Request::Resume { records, token } => {
                let token = match self.signer.decode(token, now) {
                    Ok(token) if token.records == *records => token,
                    Ok(_) => {
                        return Ok(Err(OaiError::new(
                            ErrorCode::BadResumptionToken,
                            "this resumptionToken continues the other list verb",
                        )));
                    }
                    Err(error) => {
                        return Ok(Err(OaiError::new(
                            ErrorCode::BadResumptionToken,
                            error.to_string(),
                        )));
                    }
                };
                self.list(token, false, now, out, splices)
            }
            _ => {
                let mut text = String::new();
                let answered = self.answer_text(request, base_url, &mut text)?;
                out.extend_from_slice(text.as_bytes());
                Ok(answered)
            }
        }
    }

    /// The answers that are not lists.
    fn answer_text(
        &self,
        request: &Request,
        base_url: &str,
        out: &mut String,
    ) -> Result<Result<(), OaiError>, StoreError> {
        match request {
            Request::Identify => self.identify(base_url, out).map(Ok),
            Request::ListMetadataFormats { identifier } => {
                if let Some(identifier) = identifier
                    && self.item(identifier)?.is_none()
                {
                    return Ok(Err(unknown_id(identifier)));
                }
                out.push_str("<ListMetadataFormats>");
                for format in &FORMATS {
                    let _ = write!(
                        out,
                        "<metadataFormat><metadataPrefix>{}</metadataPrefix><schema>{}</schema>\
                         <metadataNamespace>{}</metadataNamespace></metadataFormat>",
                        format.prefix, format.schema, format.namespace
                    );
                }
                out.push_str("</ListMetadataFormats>");
                Ok(Ok(()))
            }
            Request::ListSets { token: Some(_) } => Ok(Err(OaiError::new(
                ErrorCode::BadResumptionToken,
                "ListSets is answered in one response; this repository issued no token for it",
            ))),
            Request::ListSets { token: None } => {
                let counts = self.store.feed_sets()?;
                // Repositories registered after the server started are named by the store.
                let registered: HashMap<String, String> = self
                    .store
                    .registrations()?
                    .into_iter()
                    .map(|r| (r.id, r.name))
                    .collect();
                sets::write_list_sets(out, &counts, &self.themes, |id| {
                    self.sources
                        .get(id)
                        .map(|s| s.name.as_str())
                        .or_else(|| registered.get(id).map(String::as_str))
                });
                Ok(Ok(()))
            }
            Request::GetRecord { identifier, prefix } => {
                let Some(item) = self.item(identifier)? else {
                    return Ok(Err(unknown_id(identifier)));
                };
                if formats::format(prefix).is_none() {
                    return Ok(Err(cannot_disseminate(prefix)));
                }
                out.push_str("<GetRecord>");
                self.write_item(out, prefix, &item)?;
                out.push_str("</GetRecord>");
                Ok(Ok(()))
            }
            // Answered by `answer`, as bytes.
            Request::List { .. } | Request::Resume { .. } => Ok(Ok(())),
        }
    }

    /// The work an OAI identifier names, if it is one of ours.
    fn item(&self, identifier: &str) -> Result<Option<FeedItem<Work>>, StoreError> {
        let Some(id) = identifier
            .strip_prefix("oai:")
            .and_then(|rest| rest.strip_prefix(self.config.repository_identifier.as_str()))
            .and_then(|rest| rest.strip_prefix(':'))
        else {
            return Ok(None);
        };
        self.store.feed_work(id, member_keys)
    }

    fn oai_identifier(&self, id: &str) -> String {
        format!("oai:{}:{id}", self.config.repository_identifier)
    }

    fn write_header(&self, out: &mut String, entry: &FeedEntry) {
        let status = if entry.deleted {
            " status=\"deleted\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<header{status}><identifier>{}</identifier><datestamp>{}</datestamp>",
            escape(self.oai_identifier(&entry.id)),
            datestamp(entry.stamp)
        );
        for set in &entry.sets {
            let _ = write!(out, "<setSpec>{}</setSpec>", escape(set));
        }
        out.push_str("</header>");
    }

    /// A record from its stored form (`stored.rs`, header included) into `out`; from the work,
    /// into `text`, if the stored form cannot be read.
    fn write_stored(
        &self,
        out: &mut Vec<u8>,
        text: &mut String,
        prefix: &str,
        item: &FeedItem<Work>,
        stored: &[u8],
    ) -> Result<(), StoreError> {
        let item_identifier = self.oai_identifier(&item.entry.id);
        let expanded = stored::expand(stored, out, &item_identifier, &mut |source, out| {
            out.extend_from_slice(self.base_url(source).as_bytes())
        });
        if expanded.is_ok() {
            return Ok(());
        }
        tracing::warn!(work = %item.entry.id, "a stored feed record is damaged: rendering the work");
        match self.store.feed_work(&item.entry.id, member_keys)? {
            Some(found) => self.write_item(text, prefix, &found),
            None => {
                self.write_header(text, &item.entry);
                Ok(())
            }
        }
    }

    fn write_item(
        &self,
        out: &mut String,
        prefix: &str,
        item: &FeedItem<Work>,
    ) -> Result<(), StoreError> {
        let Some(work) = item.work.as_ref() else {
            self.write_header(out, &item.entry);
            return Ok(());
        };
        out.push_str("<record>");
        self.write_header(out, &item.entry);
        if item.entry.deleted {
            if let Some(survivor) = self.survivor(work)? {
                formats::write_successor(out, &self.oai_identifier(&survivor));
            }
        } else {
            out.push_str("<metadata>");
            let item_identifier = self.oai_identifier(&work.id);
            formats::write_metadata(out, prefix, work, &self.themes, &mut |out| {
                out.push_str(&escape(item_identifier.as_str()))
            });
            out.push_str("</metadata>");
            for (key, origin) in &item.origins {
                if let Some(origin) = origin {
                    self.write_provenance(out, key.source(), key.identifier(), origin);
                }
            }
        }
        out.push_str("</record>");
        Ok(())
    }

    /// The live work a merged-away one ended up in (following later merges).
    fn survivor(&self, work: &Work) -> Result<Option<String>, StoreError> {
        let Some(next) = &work.merged_into else {
            return Ok(None);
        };
        Ok(crate::works::resolve(&self.store, next)?
            .filter(Work::is_live)
            .map(|w| w.id))
    }

    fn write_provenance(
        &self,
        out: &mut String,
        source: &str,
        identifier: &str,
        origin: &RecordOrigin,
    ) {
        formats::write_provenance(
            out,
            &Origin {
                identifier,
                datestamp: &origin.datestamp,
                namespace: formats::format_namespace(origin.format.as_deref()),
                harvest_date: &origin.stored_at,
            },
            &mut |out| out.push_str(&self.base_url(source)),
        );
    }

    /// The base URL of a source, escaped, as provenance names it.
    fn base_url(&self, source: &str) -> std::borrow::Cow<'_, str> {
        match self.sources.get(source) {
            Some(source) => escape(source.base_url.as_str()),
            None => {
                // A repository registered after the server started: the store knows its URL.
                let base_url = match self.store.registration(source) {
                    Ok(Some(registration)) => registration.base_url,
                    _ => format!("urn:essor:source:{source}"),
                };
                escape(base_url.as_str()).into_owned().into()
            }
        }
    }
}

/// A document as text: it is UTF-8 unless a stored record was damaged on disk, whose bytes are
/// then replaced.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// Theme labels (French, English) by theme id: ESS themes are published as subjects.
fn theme_labels(thesaurus: &Thesaurus) -> ThemeLabels {
    thesaurus
        .themes()
        .iter()
        .map(|t| (t.id.clone(), (t.fr.clone(), t.en.clone())))
        .collect()
}

/// The records a work was built from, for their provenance.
fn member_keys(work: &Work) -> Vec<RecordKey> {
    work.members.iter().map(|m| m.key().into()).collect()
}

/// Seconds since the epoch as an OAI datestamp at the feed's granularity, seconds
/// (`YYYY-MM-DDThh:mm:ssZ`, the one Identify declares).
pub fn datestamp(seconds: u64) -> String {
    Datestamp::from_seconds(i64::try_from(seconds).unwrap_or(i64::MAX)).to_string()
}

pub fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}
