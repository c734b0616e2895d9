#!/usr/bin/env python3
"""The soak of issue 18: an open-loop load of RATE requests/s for DURATION seconds on a running
essor serve (a mix of searches, work pages, exports and OAI-PMH lists) while a harvest runs, and
how latency and the server's memory move over time.

Requests are scheduled at fixed times (t0 + i/RATE) and handed to a pool of worker threads, each
with its own keep-alive connection; a request's latency is counted from its scheduled time, so a
stalled server shows as latency (no coordinated omission). Every WINDOW seconds: requests,
errors (anything but a 200, or a failed connection), p50/p99/max latency and the server's RSS.
Meanwhile a thread asks the server to harvest HARVEST_SOURCE again and again (/admin/harvest).
Standard library only. Prints a Markdown table; writes the figures as JSON to --out.
"""
from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import threading
import time
import urllib.parse

MIX = [  # (weight, kind)
    (35, "search"),
    (15, "work_json"),
    (10, "work_page"),
    (10, "export"),
    (15, "oai_list_records"),
    (10, "oai_list_identifiers"),
    (5, "oai_get_record"),
]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Target:
    def __init__(self, base: str, api_key: str, admin_token: str):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.headers = {"X-API-Key": api_key}
        self.admin_token = admin_token
        self.local = threading.local()

    def get(self, path: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self.local.connection = connection
        try:
            connection.request("GET", path, headers={**self.headers, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read()
        except Exception:
            connection.close()
            self.local.connection = None
            raise

    def post(self, path: str, timeout: float) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("POST", path, headers={"Authorization": f"Bearer {self.admin_token}"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def vocabulary(target: Target) -> tuple[list[str], list[str], list[str]]:
    """Work ids, title words and OAI identifiers to ask for, read from the server itself."""
    status, body = target.get("/api/v1/works?limit=100")
    assert status == 200, body[:300]
    items = json.loads(body)["items"]
    ids = [item["id"] for item in items]
    words = sorted({word.strip(".,:;()«»\"'").lower() for item in items
                    for word in str(item.get("title", "")).split() if len(word) > 5})
    status, body = target.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")
    text = body.decode("utf-8", "replace")
    oai_ids = [part.split("</identifier>")[0] for part in text.split("<identifier>")[1:]][:100]
    assert ids and words and oai_ids, "the server has no works to read"
    return ids, words, oai_ids


def request_path(kind: str, rng: random.Random, ids, words, oai_ids) -> str:
    word = urllib.parse.quote(rng.choice(words))
    if kind == "search":
        return f"/api/v1/works?q={word}" + rng.choice(["", "&sort=date_desc", "&type=doctoral-thesis"])
    if kind == "work_json":
        return f"/api/v1/works/{rng.choice(ids)}"
    if kind == "work_page":
        return f"/works/{rng.choice(ids)}"
    if kind == "export":
        # A reader's selection: a word, a type and a year (tens of works). One word alone
        # matches thousands of the synthetic works: a bulk download, not a request of the mix.
        year = rng.randrange(1995, 2027)
        return (f"/api/v1/works/export?format={rng.choice(['csv', 'ris', 'jsonl'])}&q={word}"
                f"&type=doctoral-thesis&year_from={year}&year_to={year}")
    if kind == "oai_list_records":
        return "/oai?verb=ListRecords&metadataPrefix=oai_dc"
    if kind == "oai_list_identifiers":
        return "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
    return f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={urllib.parse.quote(rng.choice(oai_ids))}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id (RSS)")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--window", type=float, default=30)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--drain", type=float, default=30, help="seconds left to the requests in flight at the end")
    parser.add_argument("--api-key", default="soak")
    parser.add_argument("--admin-token", default="soak-admin")
    parser.add_argument("--harvest-source", default="churn", help="its runs during the soak are reported")
    parser.add_argument("--admin-harvest", action="store_true",
                        help="also ask for its harvest again and again (POST /admin/harvest); else the "
                             "server's schedule harvests it")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    target = Target(args.base, args.api_key, args.admin_token)
    ids, words, oai_ids = vocabulary(target)
    rng = random.Random(18)
    kinds = [kind for weight, kind in MIX for _ in range(weight)]
    jobs: queue.Queue = queue.Queue()
    results: list[tuple[float, str, float, bool]] = []  # (scheduled offset, kind, latency s, ok)
    lock = threading.Lock()
    stop = threading.Event()
    harvests: list[dict] = []

    abandon = threading.Event()

    def worker() -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            scheduled, kind, path = job
            if abandon.is_set():
                continue  # counted as unanswered below
            ok = False
            try:
                status, _ = target.get(path)
                ok = status == 200
            except Exception:
                ok = False
            latency = time.monotonic() - scheduled
            with lock:
                results.append((scheduled - t0, kind, latency, ok))

    def harvester() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, body = target.post(f"/admin/harvest?sources={args.harvest_source}", timeout=3600)
            except Exception as error:  # noqa: BLE001 - reported, not fatal
                status, body = 0, str(error).encode()
            harvests.append({"started": round(started - t0, 1), "seconds": round(time.monotonic() - started, 1),
                             "status": status, "answer": body[:300].decode("utf-8", "replace")})
            stop.wait(1)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    t0 = time.monotonic()
    if args.harvest_source and args.admin_harvest:
        threading.Thread(target=harvester, daemon=True).start()
    rss_samples: list[tuple[float, int]] = []
    total = int(args.rate * args.duration)
    next_rss = 0.0
    for index in range(total):
        scheduled = t0 + index / args.rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        kind = rng.choice(kinds)
        jobs.put((scheduled, kind, request_path(kind, rng, ids, words, oai_ids)))
        if scheduled - t0 >= next_rss:
            rss_samples.append((round(scheduled - t0, 1), rss_kib(args.pid)))
            next_rss += 5
    # The requests still queued or in flight get --drain seconds; those left are unanswered.
    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline:
        with lock:
            if len(results) >= total:
                break
        time.sleep(0.2)
    abandon.set()
    for _ in threads:
        jobs.put(None)
    stop.set()
    rss_samples.append((round(time.monotonic() - t0, 1), rss_kib(args.pid)))
    with lock:
        results = list(results)
    unanswered = total - len(results)

    windows = []
    count = int(args.duration // args.window)
    for number in range(count):
        low, high = number * args.window, (number + 1) * args.window
        inside = [r for r in results if low <= r[0] < high]
        latencies = [r[2] * 1000 for r in inside]
        rss = [kib for at, kib in rss_samples if low <= at < high]
        scheduled = min(total, int(high * args.rate)) - int(low * args.rate)
        windows.append({
            "from_s": low, "requests": len(inside),
            "errors": sum(1 for r in inside if not r[3]) + max(0, scheduled - len(inside)),
            "p50_ms": round(percentile(latencies, 0.50), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies, default=0), 1), "rss_mib": round(max(rss, default=0) / 1024, 1),
        })
    by_kind = {}
    for kind in sorted(set(kinds)):
        latencies = [r[2] * 1000 for r in results if r[1] == kind]
        by_kind[kind] = {"requests": len(latencies), "errors": sum(1 for r in results if r[1] == kind and not r[3]),
                         "p50_ms": round(percentile(latencies, 0.5), 1), "p99_ms": round(percentile(latencies, 0.99), 1)}
    runs = []
    if args.harvest_source:
        try:
            # A new connection: the server may have closed this thread's idle one.
            target.local.connection = None
            status, body = target.get(f"/api/v1/sources/{args.harvest_source}/runs?limit=100")
            runs = [{key: run.get(key) for key in ("run_id", "started_at", "finished_at", "status", "new", "unchanged", "error")}
                    for run in json.loads(body).get("items", [])] if status == 200 else []
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            runs = [{"error": str(error)}]
    summary = {
        "rate": args.rate, "duration_s": args.duration, "requests": len(results),
        "errors": sum(1 for r in results if not r[3]) + unanswered, "unanswered": unanswered,
        "achieved_rate": round(len(results) / args.duration, 1),
        "rss_first_mib": round(rss_samples[0][1] / 1024, 1), "rss_last_mib": round(rss_samples[-1][1] / 1024, 1),
        "rss_max_mib": round(max(kib for _, kib in rss_samples) / 1024, 1),
        "windows": windows, "by_kind": by_kind, "harvests": harvests, "harvest_runs": runs,
    }
    with open(args.out, "w") as out:
        json.dump(summary, out, indent=1)
    print(f"{total} requests scheduled over {args.duration:.0f} s at {args.rate:.0f}/s, {summary['requests']} answered, "
          f"{summary['errors']} errors ({unanswered} unanswered {args.drain:.0f} s after the end); RSS {summary['rss_first_mib']} → {summary['rss_last_mib']} MiB "
          f"(max {summary['rss_max_mib']}); runs of {args.harvest_source}: "
          f"{', '.join(str(run.get('status')) for run in runs)}")
    print("\n| window (s) | requests | errors | p50 ms | p99 ms | max ms | RSS MiB |\n|---|---|---|---|---|---|---|")
    for w in windows:
        print(f"| {w['from_s']:.0f}–{w['from_s'] + args.window:.0f} | {w['requests']} | {w['errors']} | "
              f"{w['p50_ms']} | {w['p99_ms']} | {w['max_ms']} | {w['rss_mib']} |")
    print("\n| kind | requests | errors | p50 ms | p99 ms |\n|---|---|---|---|---|")
    for kind, figures in by_kind.items():
        print(f"| {kind} | {figures['requests']} | {figures['errors']} | {figures['p50_ms']} | {figures['p99_ms']} |")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
