//! ListRecords and ListIdentifiers: a list's first token from the request's arguments, and one
//! page of the list with the token for the next. A ListRecords page is written as the store
//! reads it (`Store::visit_feed_records_page`): each stored record expanded from the store's own
//! page into the document's bytes, in the same turn, without copying it out first.

use std::io::Write as _;

use super::request::{ListArgs, cannot_disseminate, no_records};
use super::token::Token;
use super::{Feed, TOKEN_LIFETIME, datestamp, formats, gzip, member_keys};
use crate::oai::{ErrorCode, OaiError, SetSpec};
use crate::store::{FeedItem, FeedRange, StoreError};
use crate::works::Work;

impl Feed {
    /// The token describing a fresh list request, before its first page.
    pub(super) fn first_token(
        &self,
        records: bool,
        args: &ListArgs,
        now: u64,
    ) -> Result<Token, OaiError> {
        if formats::format(&args.prefix).is_none() {
            return Err(cannot_disseminate(&args.prefix));
        }
        let set = args.set.clone().unwrap_or_default();
        if args.set.is_some() && !SetSpec::is_valid(&set) {
            return Err(OaiError::new(
                ErrorCode::BadArgument,
                format!("\"{set}\" is not a set spec (see ListSets)"),
            ));
        }
        let until = match args.until {
            Some(until) if until.last_second() < 0 => {
                return Err(no_records());
            }
            Some(until) => until.last_second() as u64,
            None => u64::MAX,
        };
        Ok(Token {
            records,
            prefix: args.prefix.clone(),
            set,
            from: args.from.map_or(0, |f| f.first_second().max(0) as u64),
            until,
            after: (0, 0),
            cursor: 0,
            total: 0,
            expires: now + TOKEN_LIFETIME,
        })
    }

    /// One page of ListRecords/ListIdentifiers, with the token for the next. A ListRecords
    /// page is written as the store reads it: each stored record expanded from the store's
    /// own page, in the same turn.
    pub(super) fn list(
        &self,
        mut token: Token,
        first: bool,
        now: u64,
        out: &mut Vec<u8>,
        mut splices: Option<&mut Vec<gzip::Splice>>,
    ) -> Result<Result<(), OaiError>, StoreError> {
        let range = FeedRange {
            set: &token.set,
            from: token.from,
            until: token.until,
            after: (!first).then_some(token.after),
        };
        let limit = self.config.page_size.max(1);
        // A gzip page reads the records stored precompressed, else (not compressed yet: they
        // are made in the background, `feed::compress_stored`) the plain ones, as text.
        let prefixes = match (&splices, formats::format(&token.prefix)) {
            (Some(_), Some(format)) => vec![format.gzip_prefix, format.prefix],
            _ => vec![token.prefix.as_str()],
        };
        let precompressed = |which: usize| prefixes.len() > 1 && which == 0;
        let verb = if token.records {
            "ListRecords"
        } else {
            "ListIdentifiers"
        };
        let _ = write!(out, "<{verb}>");
        let mut listed: u64 = 0;
        let mut last_key = token.after;
        // What is written as text (headers, works rendered), then copied into the page.
        let mut text = String::new();
        let more = if token.records {
            self.store.visit_feed_records_page(
                range,
                limit,
                &prefixes,
                member_keys,
                |item: FeedItem<Work>, stored| {
                    listed += 1;
                    last_key = item.entry.key();
                    text.clear();
                    match (stored, &item.work, splices.as_deref_mut()) {
                        (Some((which, stored)), _, Some(splices)) if precompressed(which) => {
                            splices.push(gzip::Splice {
                                at: out.len(),
                                id: item.entry.id,
                                row: stored.to_vec(),
                            })
                        }
                        (Some((_, stored)), _, _) => {
                            self.write_stored(out, &mut text, &token.prefix, &item, stored)?
                        }
                        (None, Some(_), _) => self.write_item(&mut text, &token.prefix, &item)?,
                        (None, None, _) => self.write_header(&mut text, &item.entry),
                    }
                    out.extend_from_slice(text.as_bytes());
                    Ok(())
                },
            )?
        } else {
            let (page, more) = self.store.feed_page(range, limit, false, member_keys)?;
            for item in &page {
                listed += 1;
                last_key = item.entry.key();
                text.clear();
                self.write_header(&mut text, &item.entry);
                out.extend_from_slice(text.as_bytes());
            }
            more
        };
        if listed == 0 {
            return Ok(Err(no_records()));
        }
        if first {
            token.total = self.list_sizes.size(&self.store, range)?;
        }
        let sent = token.cursor + listed;
        // The list may have grown since it began (works changed move to its end).
        let total = token.total.max(sent);
        if more {
            let cursor = token.cursor;
            token.after = last_key;
            token.cursor = sent;
            token.total = total;
            token.expires = now + TOKEN_LIFETIME;
            let _ = write!(
                out,
                "<resumptionToken expirationDate=\"{}\" completeListSize=\"{total}\" \
                 cursor=\"{cursor}\">{}</resumptionToken>",
                datestamp(token.expires),
                self.signer.encode(&token)
            );
        } else if !first {
            let _ = write!(
                out,
                "<resumptionToken completeListSize=\"{total}\" cursor=\"{}\"/>",
                token.cursor
            );
        }
        let _ = write!(out, "</{verb}>");
        Ok(Ok(()))
    }
}
