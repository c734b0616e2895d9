//! The threads that parse fetched pages: one per core but one; inside a server, at a lower CPU
//! priority than the rest of the process.
//!
//! Why not tokio's blocking pool: parsing is most of a harvest's CPU, and with every core
//! parsing, the thread that sends the next request and reads its answer waited for a time
//! slice each page (2–5 ms on 2 cores, four times the request itself): fetching, which is
//! sequential (each page names the next), set the pace (BENCHMARKS.md, issue 17). Parsing on
//! threads of their own leaves a core to the fetch and the store's writer (one parser per core
//! measured no better than main). The blocking pool is left alone: the server's store reads run
//! there.
//!
//! Why lowered only in a server ([`lower_parser_priority`]): there the parsers yield to the
//! requests being served. A harvest run from the command line has nothing to yield to, and the
//! fetch now runs up to 8 MiB of pages ahead (`list.rs`), so its latency no longer sets the
//! pace: the parser does, and niced it lost its core to the fetch and the writer whenever both
//! ran (and to any other process's work): the 50,000-record harvest 1.99 s against 2.28 at
//! load 9, medians of 5 alternated pairs (BENCHMARKS.md, issue 17).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::HarvestError;
use super::commit::{ReadyPage, parse_ready_page};
use crate::oai::ParseError;

/// How much lower than the process's priority the parsers run (nice steps).
#[cfg(target_os = "linux")]
const NICE_STEPS: i32 = 10;

/// Whether parsing threads started from now on run at a lower priority ([`lower_parser_priority`]).
static LOWERED: AtomicBool = AtomicBool::new(false);

/// From now on, this process's page parsers run at a lower CPU priority than its other threads:
/// for a server, whose requests come first.
pub fn lower_parser_priority() {
    LOWERED.store(true, Ordering::Relaxed);
}

type Parsed = Result<ReadyPage, ParseError>;
type Job = (String, oneshot::Sender<Parsed>);

/// Parsing threads fed by a queue; dropping the pool ends them once the queued pages are done.
pub(super) struct ParsePool {
    jobs: mpsc::Sender<Job>,
}

impl ParsePool {
    /// Starts the parsing threads: [`parser_threads`] of them.
    pub(super) fn start() -> Result<ParsePool, HarvestError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = parser_threads();
        for _ in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name("essor-parse".into())
                .spawn(move || {
                    if LOWERED.load(Ordering::Relaxed) {
                        lower_priority();
                    }
                    loop {
                        // The lock is held only while waiting for a page, never while parsing.
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((text, reply)) = job else { return };
                        // The harvest may have stopped waiting for this page: that is fine.
                        let _ = reply.send(parse_ready_page(&text));
                    }
                })
                .map_err(|e| HarvestError::Setup(format!("starting a parser thread: {e}")))?;
        }
        Ok(ParsePool { jobs })
    }

    /// Queues `text` for parsing; the receiver gets the page (an error if the pool ended).
    pub(super) fn parse(&self, text: String) -> oneshot::Receiver<Parsed> {
        let (reply, parsed) = oneshot::channel();
        // Only fails once every thread has ended; the dropped reply then tells the receiver.
        let _ = self.jobs.send((text, reply));
        parsed
    }
}

/// How many pages are parsed side by side: `ESSOR_PARSERS` when set to a number (1 to 4), else
/// one per core but one (at least one, at most 4: only a few pages are ever ahead).
///
/// Why a setting: whether a second parser pays depends on the machine and what else runs there,
/// and one binary measured both ways in one run says it. On 2 cores it did not, under load (CPU
/// +1 to +7%, slower in 25 of 34 alternated runs) nor quiet (1.09 against 1.00 s, 3 of 3 runs)
/// (BENCHMARKS.md, issue 17).
fn parser_threads() -> usize {
    let default = std::thread::available_parallelism().map_or(1, |n| n.get() - 1);
    let Ok(value) = std::env::var("ESSOR_PARSERS") else {
        return default.clamp(1, MAX_PARSERS);
    };
    match value.trim().parse::<usize>() {
        Ok(threads @ 1..=MAX_PARSERS) => threads,
        // Said, not silently replaced: whoever set it is measuring or tuning.
        _ => {
            let threads = default.clamp(1, MAX_PARSERS);
            tracing::warn!(
                value = %value,
                parsers = threads,
                "ESSOR_PARSERS is not a number from 1 to {MAX_PARSERS}: the default is used"
            );
            threads
        }
    }
}

/// Parsers at most: only a few pages are ever ahead.
const MAX_PARSERS: usize = 4;

/// Lowers the calling thread's priority (on Linux, where nice values are per thread); a
/// failure only leaves it where it was.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        if let Ok(current) = getpriority_process(None) {
            let _ = setpriority_process(None, (current + NICE_STEPS).min(19));
        }
    }
}
