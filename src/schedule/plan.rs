//! When a source is harvested next, from its harvest history alone (so a restarted server and
//! the public health record agree with the scheduler): on its interval after the last run
//! started, with jitter, so sources registered together do not all fall due at the same
//! second; after failures, sooner, backing off exponentially; at once when it never ran or its
//! last run was interrupted. Pure.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{RunRecord, RunStatus};

/// The first retry of a failed source comes this long after the failure; each further failure
/// doubles it, up to the source's interval.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// Intervals and retry delays are stretched or shrunk by up to this fraction.
const JITTER: f64 = 0.1;

/// A source's next harvest.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// When it is due; `None`: at once (never harvested, or its last run was interrupted and
    /// resumes from its checkpoint).
    pub next: Option<DateTime<Utc>>,
    /// Failed runs since the last one that did not fail.
    pub failures: u32,
}

impl Plan {
    /// The plan of the source `id`, harvested every `every`, whose runs (oldest first) are
    /// `runs`.
    pub fn of(id: &str, every: Duration, runs: &[RunRecord]) -> Plan {
        let failures = runs
            .iter()
            .rev()
            .take_while(|run| run.status == RunStatus::Failed)
            .count() as u32;
        let Some(last) = runs.last() else {
            return Plan {
                next: None,
                failures,
            };
        };
        if last.status == RunStatus::Running {
            return Plan {
                next: None,
                failures,
            };
        }
        let (since, delay) = if failures == 0 {
            (Some(last.started_at.as_str()), every)
        } else {
            let backoff = RETRY_AFTER_FAILURE
                .saturating_mul(1 << (failures - 1).min(20))
                .min(every.max(RETRY_AFTER_FAILURE));
            (
                last.finished_at.as_deref().or(Some(&last.started_at)),
                backoff,
            )
        };
        let since = since
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let delay = delay.mul_f64(jitter(id, last.run_id));
        let next =
            since.map(|t| t + chrono::Duration::from_std(delay).unwrap_or(chrono::TimeDelta::MAX));
        Plan { next, failures }
    }

    /// Whether the harvest is due at `now`.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        self.next.is_none_or(|next| next <= now)
    }
}

/// A factor in `[1 - JITTER, 1 + JITTER)`, fixed for a source's run, so the plan read twice (by
/// the scheduler and by the health record) gives the same time.
fn jitter(id: &str, run_id: u64) -> f64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (id, run_id).hash(&mut hasher);
    let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    1.0 - JITTER + 2.0 * JITTER * unit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RunCounters;

    const DAY: Duration = Duration::from_secs(86_400);

    fn run(run_id: u64, status: RunStatus, started: &str, finished: &str) -> RunRecord {
        RunRecord {
            source: "r0000000001".into(),
            run_id,
            started_at: started.into(),
            finished_at: Some(finished.into()),
            status,
            error: None,
            from: None,
            until: None,
            full: false,
            resumed: 0,
            counters: RunCounters::default(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_source_never_harvested_or_interrupted_is_due_at_once() {
        let never = Plan::of("a", DAY, &[]);
        assert_eq!(never.next, None);
        let mut interrupted = run(1, RunStatus::Running, "2026-01-01T00:00:00Z", "");
        interrupted.finished_at = None;
        assert_eq!(Plan::of("a", DAY, &[interrupted]).next, None);
    }

    #[test]
    fn a_complete_run_is_followed_after_the_interval_with_jitter() {
        let done = run(
            7,
            RunStatus::Complete,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:10:00Z",
        );
        let plan = Plan::of("a", DAY, std::slice::from_ref(&done));
        assert_eq!(plan.failures, 0);
        let next = plan.next.unwrap();
        let start = at("2026-01-01T00:00:00Z");
        assert!(next >= start + chrono::Duration::hours(21), "{next}");
        assert!(next < start + chrono::Duration::hours(27), "{next}");
        assert!(!plan.due(start + chrono::Duration::hours(21)));
        assert!(plan.due(start + chrono::Duration::hours(27)));
        // The same history gives the same time; other sources are spread around it.
        assert_eq!(Plan::of("a", DAY, std::slice::from_ref(&done)), plan);
        let spread: std::collections::BTreeSet<_> = (0..20)
            .map(|i| Plan::of(&format!("source-{i}"), DAY, std::slice::from_ref(&done)).next)
            .collect();
        assert!(spread.len() > 15, "{spread:?}");
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_interval() {
        let ok = run(
            1,
            RunStatus::Complete,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:01:00Z",
        );
        let mut runs = vec![ok];
        let mut delays = Vec::new();
        for n in 0..14u64 {
            runs.push(run(
                n + 2,
                RunStatus::Failed,
                "2026-01-02T00:00:00Z",
                "2026-01-02T00:00:30Z",
            ));
            let plan = Plan::of("a", DAY, &runs);
            assert_eq!(plan.failures as u64, n + 1);
            let delay = plan.next.unwrap() - at("2026-01-02T00:00:30Z");
            delays.push(delay.num_seconds());
        }
        // 1 min, 2 min, 4 min… each ±10 %, never beyond the interval (+10 %).
        for (n, seconds) in delays.iter().take(8).enumerate() {
            let expected = 60.0 * f64::from(1u32 << n);
            assert!(
                (*seconds as f64) >= expected * 0.89 && (*seconds as f64) <= expected * 1.11,
                "failure {}: {seconds} s",
                n + 1
            );
        }
        assert!(delays.iter().all(|s| *s as f64 <= 86_400.0 * 1.1));
        assert!(*delays.last().unwrap() as f64 >= 86_400.0 * 0.9);
    }
}
