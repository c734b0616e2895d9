#!/usr/bin/env python3
"""Report of bench/api_bench.sh: reads its TSVs and the files it leaves in BENCH_DIR and BENCH_DATA
(environment set by the script), writes results.json and prints the Markdown tables.

    python3 bench/api_report.py BENCH_DIR/results.tsv BENCH_DIR/exports.tsv BENCH_DIR/results.json

Re-run it by hand (with the same environment: see the end of api_bench.sh) to re-print a report.
"""
import csv, json, os, sys
from datetime import datetime, timezone

env = os.environ
work, data = env["BENCH_WORK"], env["BENCH_DATA"]
def read(path, default=""):
    try:
        return open(path).read().strip()
    except OSError:
        return default
stats = json.load(open(f"{work}/runs/stats.json"))
queries = json.load(open(f"{work}/queries/manifest.json"))
def timing(fields, load_file):
    if not fields:
        return None
    w, c, m = fields.split()
    return {"wall_s": float(w), "cpu_s": float(c), "peak_rss_mib": round(int(m) / 1024), "load_before": read(load_file)}
build = {
    "store": read(f"{data}/STORE_OK"), "store_bytes": int(read(f"{data}/store.bytes", "0")),
    "harvest": timing(env.get("BENCH_TIME_FIELDS_HARVEST", ""), f"{data}/harvest.load"),
    "reindex": timing(env.get("BENCH_TIME_FIELDS_REINDEX", ""), f"{data}/reindex.load"),
    "reindex_report": read(f"{data}/reindex.log").splitlines()[-1:] ,
    "index_bytes": int(read(f"{data}/index.bytes", "0")),
}
runs = []
for r in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    secs = int(r["duration_us"]) / 1e6
    sweep = json.load(open(f"{work}/runs/{r['class']}.sweep.json"))
    runs.append({
        "class": r["class"], "concurrency": int(r["concurrency"]), "requests": int(r["requests"]),
        "seconds": round(secs, 2), "req_per_s": round(int(r["requests"]) / secs, 1),
        "mb_per_s": round(int(r["bytes"]) / secs / 1e6, 2),
        "p50_ms": int(r["p50_us"]) / 1000, "p90_ms": int(r["p90_us"]) / 1000, "p99_ms": int(r["p99_us"]) / 1000,
        "max_ms": int(r["max_us"]) / 1000,
        "errors": sum(int(r[k]) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout")),
        "non_2xx": int(r["err_status"]), "timeouts": int(r["err_timeout"]),
        "server_cpu_s": float(r["cpu_s"]),
        "cpu_ms_per_req": round(float(r["cpu_s"]) * 1000 / int(r["requests"]), 2) if int(r["requests"]) else None,
        "vmhwm_mib": round(int(r["vmhwm_kib"]) / 1024), "vmrss_mib": round(int(r["vmrss_kib"]) / 1024),
        "load_before": r["load"], "sweep": sweep,
    })
exports = []
for r in csv.DictReader(open(sys.argv[2]), delimiter="\t"):
    secs = float(r["seconds"])
    exports.append({
        "query": r["query"], "http_code": r["http_code"], "seconds": secs, "ttfb_s": float(r["ttfb_s"]),
        "bytes": int(r["bytes"]), "rows": int(r["rows"]), "rows_per_s": round(int(r["rows"]) / secs) if secs else None,
        "mb_per_s": round(int(r["bytes"]) / secs / 1e6, 1) if secs else None, "server_cpu_s": float(r["cpu_s"]),
        "vmhwm_mib": round(int(r["vmhwm_kib"]) / 1024), "vmrss_mib": round(int(r["vmrss_kib"]) / 1024),
        "load_before": r["load"],
    })
result = {
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": env["BENCH_MACHINE"],
    "versions": env["BENCH_VERSIONS"], "commit": env["BENCH_COMMIT"], "works": stats.get("works"),
    "records": stats.get("records"), "data": data, "build": build, "queries": queries,
    "server_start_ms": int(env["BENCH_START_MS"]), "server_peak_rss_mib": round(int(env["BENCH_SERVER_HWM"]) / 1024),
    "wrk": {"concurrency": int(env["BENCH_CONCURRENCY"]), "threads": int(env["BENCH_WRK_THREADS"]),
            "duration_s": int(env["BENCH_DURATION"])},
    "runs": runs, "exports": exports,
}
json.dump(result, open(sys.argv[3], "w"), indent=2, ensure_ascii=False)

b = build
print()
print(f"REST API over {result['works']:,} works ({result['records']:,} records); {result['date']} | {result['machine']} | "
      f"{result['versions']} | commit {result['commit']}")
print()
print("| step | wall (s) | CPU (s) | peak RSS (MiB) | size | load before |")
print("|---|---|---|---|---|---|")
if b["harvest"]:
    h = b["harvest"]
    print(f"| store: `harvest --all` (records + works) | {h['wall_s']:,.1f} | {h['cpu_s']:,.1f} | {h['peak_rss_mib']:,} | "
          f"{b['store_bytes'] / 2**30:.2f} GiB (with index) | {h['load_before']} |")
if b["reindex"]:
    h = b["reindex"]
    print(f"| index build: `essor reindex` | {h['wall_s']:,.1f} | {h['cpu_s']:,.1f} | {h['peak_rss_mib']:,} | "
          f"{b['index_bytes'] / 2**20:,.0f} MiB | {h['load_before']} |")
print()
print(f"| queries | URLs | c | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU ms/req | c=1 p50 / p99 ms | median hits | load before |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    s = r["sweep"]
    print(f"| {r['class']} | {s['urls']} | {r['concurrency']} | {r['req_per_s']:,.1f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | "
          f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['errors']}{' (sweep problems: %d)' % s['problem_count'] if s['problem_count'] else ''} | "
          f"{r['cpu_ms_per_req']} | {s['c1_ms']['p50']} / {s['c1_ms']['p99']} | {s['hits']['median']:,.0f} | {r['load_before']} |")
if exports:
    print()
    print("| export | HTTP | rows | seconds | rows/s | MB/s | first byte s | server CPU s | server RSS MiB after | load before |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for e in exports:
        print(f"| `{e['query']}` | {e['http_code']} | {e['rows']:,} | {e['seconds']:.1f} | {e['rows_per_s']:,} | {e['mb_per_s']} | "
              f"{e['ttfb_s']:.2f} | {e['server_cpu_s']:.1f} | {e['vmrss_mib']} | {e['load_before']} |")
print()
worst = max((r["p99_ms"] for r in runs), default=None)
if worst is not None:
    verdict = "met" if worst < 25 else "not met"
    print(f"Target p99 < 25 ms at c={result['wrk']['concurrency']}: **{verdict}** (worst class p99 {worst:.1f} ms).")
print(f"Server: listening {result['server_start_ms']} ms after start; peak RSS {result['server_peak_rss_mib']} MiB over the whole run.")
for r in runs:
    print(f"- {r['class']} slowest at c=1: " + "; ".join(f"{x['ms']} ms `{x['url']}` ({x['total']} hits)" for x in r["sweep"]["slowest"][:3]))
