//! Work spread over the cores, shared by the pure stages (dedup's passes) and the works stage.

use std::thread::Result as Joined;

/// `work` applied to each of `items` on `threads` threads (one when `threads` ≤ 1), each taking
/// the next item left, so that items of uneven cost leave no thread waiting long for another;
/// the results in the items' order, or the payload of the first thread (in start order) that
/// panicked, for the caller to resume or report.
pub(crate) fn map_pulled<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    work: impl Fn(T) -> R + Sync,
) -> Joined<Vec<R>> {
    if threads <= 1 {
        return Ok(items.into_iter().map(work).collect());
    }
    let count = items.len();
    // The lock is held only to take the next item, never while working on it.
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let (work, queue) = (&work, &queue);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(count))
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                        let Some((at, item)) = next else {
                            return done;
                        };
                        done.push((at, work(item)));
                    }
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for handle in handles {
            all.extend(handle.join()?);
        }
        Ok(all)
    })?;
    done.sort_unstable_by_key(|(at, _)| *at);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

/// Drops `items` on all cores, each thread a contiguous part: a million values of many small
/// allocations each (dedup features) took seconds to free on one thread.
pub(crate) fn free_on_all_cores<T: Send>(mut items: Vec<T>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = items.len().div_ceil(cores.max(1)).max(1);
    std::thread::scope(|scope| {
        while items.len() > part {
            let rest = items.split_off(items.len() - part);
            scope.spawn(move || drop(rest));
        }
        drop(items);
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its drops.
    struct Counted<'a>(&'a AtomicUsize);

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn every_item_freed_on_all_cores_is_dropped_once() {
        for count in [0, 1, 7, 1_000] {
            let dropped = AtomicUsize::new(0);
            let items: Vec<Counted> = (0..count).map(|_| Counted(&dropped)).collect();
            super::free_on_all_cores(items);
            assert_eq!(dropped.load(Ordering::Relaxed), count);
        }
    }
}
