#!/usr/bin/env python3
"""Runs a command and writes where its cores go second by second: for each thread name (numbered
threads grouped: `thrd-tantivy-in…`), the CPU seconds it ran and the seconds it was runnable but
waiting for a core (`/proc/PID/task/TID/schedstat`), with the process's RSS; and each line the
command writes to stderr, stamped with the seconds since the start (run it with
`RUST_LOG=essor=info` to see the stages). "Demand" (run + waiting) is how many cores the
process would have used on an idle machine; on 2 cores, 2 − run is a second's idle core.

Usage: bench/thread_timeline.py OUT COMMAND [ARGS...]
  OUT       per-thread totals, then one line per second:
            `t run waiting rss_mib | name run/waiting ...` (names in the header's order)
  OUT.log   the command's stderr, each line stamped
  --phases OUT NAME:START:END...   reads OUT back and prints, per phase (seconds since the
            start): its length, CPU run, cores busy, waiting, idle core-seconds on 2 cores.

Threads are sampled every 0.1 s, so a thread that lives less than that may be missed; a thread's
last sample counts in the second it was taken. Standard library only.
"""
import collections
import os
import re
import subprocess
import sys
import threading
import time

CORES = 2


def group(name):
    return re.sub(r"[-_]?\d+$", "", name)


def sample(pid):
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return threads
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ran, waited = f.read().split()[:2]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        threads[tid] = (group(name), int(ran) / 1e9, int(waited) / 1e9)
    return threads


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def run(out, command):
    log = open(out + ".log", "w")
    started = time.time()
    child = subprocess.Popen(command, stderr=subprocess.PIPE)

    def pump():
        for line in iter(child.stderr.readline, b""):
            log.write("%7.2f %s" % (time.time() - started, line.decode("utf-8", "replace")))
            log.flush()

    pumping = threading.Thread(target=pump)
    pumping.start()
    seen, counted, rows = {}, {}, []
    next_second = started + 1.0
    while child.poll() is None:
        seen.update(sample(child.pid))
        now = time.time()
        if now >= next_second:
            second = collections.defaultdict(lambda: [0.0, 0.0])
            for tid, (name, ran, waited) in seen.items():
                _, ran_before, waited_before = counted.get(tid, (name, 0.0, 0.0))
                second[name][0] += ran - ran_before
                second[name][1] += waited - waited_before
                counted[tid] = (name, ran, waited)
            rows.append((now - started, rss_mib(child.pid), dict(second)))
            next_second += 1.0
        time.sleep(0.1)
    pumping.join()
    wall = time.time() - started
    totals = collections.defaultdict(lambda: [0.0, 0.0])
    for _, _, second in rows:
        for name, (ran, waited) in second.items():
            totals[name][0] += ran
            totals[name][1] += waited
    names = sorted(totals, key=lambda name: -totals[name][0])
    with open(out, "w") as f:
        f.write(f"# wall {wall:.2f} s, exit {child.returncode}, peak RSS sampled {max((r[1] for r in rows), default=0)} MiB\n")
        for name in names:
            f.write(f"# {name:18s} run {totals[name][0]:8.2f} waiting {totals[name][1]:8.2f}\n")
        f.write("t run waiting rss_mib | " + " ".join(names) + "\n")
        for at, rss, second in rows:
            ran = sum(v[0] for v in second.values())
            waited = sum(v[1] for v in second.values())
            cells = " ".join(
                "%.2f/%.2f" % tuple(second.get(name, (0.0, 0.0))) for name in names
            )
            f.write(f"{at:6.1f} {ran:.2f} {waited:.2f} {rss} | {cells}\n")
    return child.returncode


def phases(out, specs):
    rows = []
    for line in open(out):
        if line.startswith("#") or line.startswith("t "):
            continue
        at, ran, waited, rss = line.split("|")[0].split()
        rows.append((float(at), float(ran), float(waited), int(rss)))
    print("phase           seconds   CPU run  cores busy  waiting  idle core-s  peak RSS MiB")
    for spec in specs:
        name, start, end = spec.rsplit(":", 2)
        start, end = float(start), float(end)
        chosen = [row for row in rows if start < row[0] <= end]
        if not chosen:
            continue
        ran = sum(row[1] for row in chosen)
        waited = sum(row[2] for row in chosen)
        idle = sum(max(0.0, CORES - row[1]) for row in chosen)
        peak = max(row[3] for row in chosen)
        print(
            f"{name:15s} {end - start:7.1f} {ran:9.1f} {ran / len(chosen):11.2f} "
            f"{waited:8.1f} {idle:12.1f} {peak:13d}"
        )


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--phases":
        phases(sys.argv[2], sys.argv[3:])
        return
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(run(sys.argv[1], sys.argv[2:]))


if __name__ == "__main__":
    main()
