#!/usr/bin/env python3
"""Runs a command and says where its threads' CPU went: per thread name, the CPU seconds run
(utime + stime) and the seconds spent runnable but waiting for a core (schedstat), and the
cores used second by second. Threads are sampled from /proc/PID/task every 0.05 s, so a thread
that lives less than that may be missed; threads of one name are summed (the works stage's
describing threads carry their spawner's name, `works-prepare`).

Usage: bench/thread_cpu.py COMMAND [ARGS...]   (the report goes to stderr, after the command's)
"""
import collections
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, last):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                waited = int(f.read().split()[1]) / 1e9
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        last[tid] = (name, (int(fields[11]) + int(fields[12])) / TICK, waited)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    child = subprocess.Popen(sys.argv[1:])
    started = time.time()
    last = {}
    timeline = []
    while child.poll() is None:
        sample(child.pid, last)
        timeline.append((time.time() - started, sum(v[1] for v in last.values())))
        time.sleep(0.05)
    wall = time.time() - started
    by_name = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for name, cpu, waited in last.values():
        total = by_name[name]
        total[0] += cpu
        total[1] += waited
        total[2] += 1
    out = sys.stderr
    print(f"# wall {wall:.2f} s, exit {child.returncode}", file=out)
    for name, (cpu, waited, count) in sorted(by_name.items(), key=lambda kv: -kv[1][0]):
        print(f"{name:20s} CPU {cpu:7.2f} s  waiting {waited:7.2f} s  threads {count}", file=out)
    print(f"{'all':20s} CPU {sum(t[0] for t in by_name.values()):7.2f} s", file=out)
    per_second, before = [], 0.0
    seconds = collections.OrderedDict((int(at), cpu) for at, cpu in timeline)
    for second, cpu in seconds.items():
        per_second.append(f"{second}:{cpu - before:.2f}")
        before = cpu
    print("cores by second: " + " ".join(per_second), file=out)
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
