//! Which sources, and which hosts, are being harvested: harvests of different hosts run side by
//! side, but never two of one source, nor two on one host (each repository sees one polite
//! harvester at a time, whatever the number of its sources).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::source::Source;

/// At most this many harvests run at once (each holds a few pages in memory).
pub const MAX_HARVESTS: usize = 64;

#[derive(Default)]
struct Taken {
    sources: HashSet<String>,
    hosts: HashSet<String>,
}

/// The harvests in flight; shared by the scheduler and its harvest tasks.
#[derive(Default)]
pub struct Claims {
    taken: Mutex<Taken>,
    /// Rung when a claim is released: a source waiting for its host may start.
    released: tokio::sync::Notify,
}

/// A source (and its host) marked as being harvested until this is dropped.
pub struct Claim {
    claims: Arc<Claims>,
    source: String,
    host: Option<String>,
}

impl Claims {
    fn lock(&self) -> std::sync::MutexGuard<'_, Taken> {
        self.taken.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `id` is being harvested.
    pub fn is_running(&self, id: &str) -> bool {
        self.lock().sources.contains(id)
    }

    /// Claims `source` and its host, unless either is being harvested (or too many harvests
    /// run).
    pub fn try_claim(self: &Arc<Self>, source: &Source) -> Option<Claim> {
        let host = source
            .base_url()
            .and_then(|url| url.host_str())
            .map(str::to_owned);
        let mut taken = self.lock();
        let id = source.id.as_str();
        if taken.sources.contains(id)
            || taken.sources.len() >= MAX_HARVESTS
            || host.as_ref().is_some_and(|h| taken.hosts.contains(h))
        {
            return None;
        }
        taken.sources.insert(id.to_owned());
        if let Some(host) = &host {
            taken.hosts.insert(host.clone());
        }
        Some(Claim {
            claims: self.clone(),
            source: id.to_owned(),
            host,
        })
    }

    /// Claims `source` and its host as soon as they are free.
    pub async fn claim(self: &Arc<Self>, source: &Source) -> Claim {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            // Registered before the check, so a release between the check and the wait is seen.
            released.as_mut().enable();
            if let Some(claim) = self.try_claim(source) {
                return claim;
            }
            released.await;
        }
    }

    /// Waits until no harvest runs.
    pub async fn idle(&self) {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if self.lock().sources.is_empty() {
                return;
            }
            released.await;
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        {
            let mut taken = self.claims.lock();
            taken.sources.remove(&self.source);
            if let Some(host) = &self.host {
                taken.hosts.remove(host);
            }
        }
        self.claims.released.notify_waiters();
    }
}
