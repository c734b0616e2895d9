//! Harvest progress: an indicatif bar per source on a terminal, structured `tracing` events
//! otherwise (logs, CI, cron); and the [`Committed`] signal that lets the works stage follow the
//! pages as they are committed.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::store::RunCounters;

/// Without a terminal, one log line per source at most this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Reporter {
    bars: Option<MultiProgress>,
    /// Told of every page committed, when something follows the harvest.
    committed: Option<Committed>,
}

impl Reporter {
    /// Bars when `interactive` (stderr is a terminal and not `--quiet`), logs otherwise.
    pub fn new(interactive: bool) -> Reporter {
        let bars =
            interactive.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Reporter {
            bars,
            committed: None,
        }
    }

    /// The same reporter, also telling `committed` of each page written.
    pub fn following(mut self, committed: Committed) -> Reporter {
        self.committed = Some(committed);
        self
    }

    pub fn source(&self, id: &str) -> SourceProgress {
        let bar = self.bars.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::no_length());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>20.bold} {wide_bar:.cyan/blue} {human_pos}/{human_len} records {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(id.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        SourceProgress {
            id: id.to_owned(),
            committed: self.committed.clone(),
            bar,
            started: Instant::now(),
            last_log: std::sync::Mutex::new(Instant::now()),
        }
    }
}

pub struct SourceProgress {
    id: String,
    committed: Option<Committed>,
    bar: Option<ProgressBar>,
    started: Instant,
    last_log: std::sync::Mutex<Instant>,
}

impl SourceProgress {
    /// The repository's `completeListSize`, when it gives one.
    pub fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Called once a page's write (records and checkpoint, one transaction) has returned.
    pub fn page_done(&self, page: &RunCounters, run: &RunCounters) {
        if let Some(committed) = &self.committed {
            committed.add(page.new + page.updated + page.deleted);
        }
        let received = run.received();
        let rate = received as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        if let Some(bar) = &self.bar {
            bar.set_position(received);
            bar.set_message(format!("· {} pages · {rate:.0} rec/s", run.pages));
            return;
        }
        tracing::debug!(source = %self.id, new = page.new, updated = page.updated, unchanged = page.unchanged, deleted = page.deleted, rejected = page.rejected, "page committed");
        let mut last_log = self.last_log.lock().unwrap_or_else(|e| e.into_inner());
        if last_log.elapsed() >= LOG_EVERY {
            *last_log = Instant::now();
            tracing::info!(source = %self.id, records = received, pages = run.pages, rate = format!("{rate:.0}/s"), "harvesting");
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

/// How many changed records the harvest has committed, and whether it has ended: what the works
/// stage waits on to follow the harvest (`pipeline.rs`). A count, not a queue of pages: the
/// store's change log is the queue (the works stage reads it from its own cursor, so nothing is
/// lost if a signal is), and the harvest never waits for the works stage. Clones share the count.
#[derive(Clone, Default)]
pub struct Committed {
    shared: Arc<(Mutex<CommittedState>, Condvar)>,
}

#[derive(Default)]
struct CommittedState {
    /// Records written as new, updated or deleted since the signal was made.
    changes: u64,
    ended: bool,
    /// When the oldest change not yet taken (by [`Committed::wait`]) was committed.
    pending_since: Option<Instant>,
}

/// What [`Committed::wait`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedSoFar {
    pub changes: u64,
    pub ended: bool,
}

impl Committed {
    fn state(&self) -> std::sync::MutexGuard<'_, CommittedState> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `changes` more records committed. Never blocks beyond the lock's few instructions.
    pub fn add(&self, changes: u64) {
        if changes == 0 {
            return;
        }
        let mut state = self.state();
        state.changes += changes;
        state.pending_since.get_or_insert_with(Instant::now);
        self.shared.1.notify_all();
    }

    /// The harvest is over: no more pages will come.
    pub fn end(&self) {
        self.state().ended = true;
        self.shared.1.notify_all();
    }

    /// Blocks until the harvest has ended; returns the changes it committed. Blocking.
    pub fn wait_for_end(&self) -> u64 {
        let mut state = self.state();
        while !state.ended {
            state = self.shared.1.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.changes
    }

    /// Blocks until at least `batch` changes were committed after the first `taken`, or some
    /// were and the oldest of them has waited `linger`, or the harvest ended. Blocking: call it
    /// from a blocking thread.
    pub fn wait(&self, taken: u64, batch: u64, linger: Duration) -> CommittedSoFar {
        let mut state = self.state();
        loop {
            let pending = state.changes.saturating_sub(taken);
            let waited = state.pending_since.map(|since| since.elapsed());
            if state.ended || pending >= batch || (pending > 0 && waited >= Some(linger)) {
                state.pending_since = None;
                return CommittedSoFar {
                    changes: state.changes,
                    ended: state.ended,
                };
            }
            let timeout = match waited {
                Some(waited) if pending > 0 => linger.saturating_sub(waited),
                _ => linger,
            };
            state = self
                .shared
                .1
                .wait_timeout(state, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
