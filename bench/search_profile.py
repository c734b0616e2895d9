#!/usr/bin/env python3
"""Which requests of a search benchmark's lists are slow alone (issue 16's tail).

    python3 bench/search_profile.py --base http://127.0.0.1:PORT --api-key bench \
        --queries DIR [--classes one_word phrase ...] [--repeat 3] [--slow-ms 25] [--top 15]

Sends every request target of DIR/<class>.urls (written by bench/search_queries.py) one at a
time over one keep-alive connection, --repeat times each, and keeps the fastest of the repeats
(on a busy machine the least disturbed: close to the request's own cost). Prints, per class, the
mean, p50, p90, p99 and max of those times and how many exceed --slow-ms, then the --top
slowest requests of all classes with their class. Sequential: one request in flight, so the
times are each request's cost alone, not a load test (wrk does that). With --server-pid, also
the server's CPU per request of each class (user + system from /proc, over all the repeats):
what a class costs the cores, which a busy machine disturbs less than a wall time.
"""

import os

import argparse
import http.client
import statistics
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--classes", nargs="+",
                    default=["one_word", "two_words", "phrase", "field", "filtered", "date", "html_search"])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--slow-ms", type=float, default=25.0)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--server-pid", type=int, default=0)
    args = ap.parse_args()
    base = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=300)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}

    def timed(target):
        start = time.perf_counter()
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{target}: HTTP {response.status}")
        return elapsed

    def server_cpu_s():
        if not args.server_pid:
            return 0.0
        with open(f"/proc/{args.server_pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    every = []
    print("| class | requests | mean ms | p50 | p90 | p99 | max | over %g ms | server CPU ms/req |" % args.slow_ms)
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.classes:
        with open(f"{args.queries}/{name}.urls", encoding="utf-8") as f:
            targets = [line.strip() for line in f if line.strip()]
        times = []
        cpu_before = server_cpu_s()
        for target in targets:
            best = min(timed(target) for _ in range(max(1, args.repeat)))
            times.append(best)
            every.append((best, name, target))
        ordered = sorted(times)

        def at(q):
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

        slow = sum(1 for t in times if t > args.slow_ms)
        cpu = (server_cpu_s() - cpu_before) * 1000 / max(1, len(times) * max(1, args.repeat))
        cpu_text = f"{cpu:.2f}" if args.server_pid else "—"
        print(f"| {name} | {len(times)} | {statistics.mean(times):.2f} | {at(0.5):.2f} | {at(0.9):.2f} "
              f"| {at(0.99):.2f} | {ordered[-1]:.2f} | {slow} | {cpu_text} |")
    print()
    print(f"The {args.top} slowest (fastest of {args.repeat}):")
    for best, name, target in sorted(every, reverse=True)[: args.top]:
        print(f"  {best:8.2f} ms  {name:12} {urllib.parse.unquote(target)}")


if __name__ == "__main__":
    main()
