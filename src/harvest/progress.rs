//! Harvest progress: an indicatif bar per source on a terminal, structured `tracing` events
//! otherwise (logs, CI, cron).

use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::store::RunCounters;

/// Without a terminal, one log line per source at most this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Reporter {
    bars: Option<MultiProgress>,
}

impl Reporter {
    /// Bars when `interactive` (stderr is a terminal and not `--quiet`), logs otherwise.
    pub fn new(interactive: bool) -> Reporter {
        let bars =
            interactive.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Reporter { bars }
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
            bar,
            started: Instant::now(),
            last_log: std::sync::Mutex::new(Instant::now()),
        }
    }
}

pub struct SourceProgress {
    id: String,
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

    pub fn page_done(&self, page: &RunCounters, run: &RunCounters) {
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
