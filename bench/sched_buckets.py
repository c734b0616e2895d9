#!/usr/bin/env python3
"""How many cores a command kept busy, bucket by bucket, from `perf sched timehist` (issue 17,
BENCHMARKS.md): each line of the timehist is a task's run ending at a time on a CPU; the runs
are cut into buckets of MS milliseconds from the command's first run, and each bucket prints
the idle time (`<idle>`, in cores) and the busiest thread groups (numbered threads grouped:
`tokio-rt-worker`, `thrd-tantivy-in…`) in cores. A finer view than bench/thread_timeline.py,
which samples every 0.1 s.

Usage: perf sched record -o sched.data -- COMMAND...
       perf sched timehist -i sched.data > timehist.txt
       bench/sched_buckets.py timehist.txt NAME [MS]
  NAME  a word of the command's own task name (`essor`): its first run starts the buckets
  MS    the bucket, default 20
Standard library only.
"""
import collections
import re
import sys


def main():
    path, name = sys.argv[1], sys.argv[2]
    width = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    buckets = collections.defaultdict(collections.Counter)
    first = None
    for line in open(path, errors="replace"):
        parts = line.split()
        if len(parts) < 6:
            continue
        try:
            end, run = float(parts[0]) * 1000, float(parts[-1])
        except ValueError:
            continue
        task = " ".join(parts[2:-3])
        group = re.sub(r"[-_]?\d+$", "", re.sub(r"\[.*", "", task))
        if first is None and name in task:
            first = end - run
        start, at = end - run, int((end - run) // width)
        while True:
            stop = min(end, (at + 1) * width)
            if stop > start:
                buckets[at][group] += stop - start
            if stop >= end:
                break
            start, at = stop, at + 1
    if first is None:
        sys.exit(f"no task named {name!r}")
    for at in sorted(buckets):
        if at * width < first - width:
            continue
        counts = buckets[at]
        idle = counts.pop("<idle>", 0.0) / width
        busiest = " ".join(f"{g}:{t / width:.2f}" for g, t in counts.most_common(5))
        print(f"{at * width - first:7.0f} ms  idle {idle:4.2f}  {busiest}")


if __name__ == "__main__":
    main()
