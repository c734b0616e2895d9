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
