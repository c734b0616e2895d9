#!/usr/bin/env python3
"""One pass over a URL list, one request at a time on one keep-alive connection, for
bench/api_bench.sh: checks every answer and times each query alone (concurrency 1).

    python3 bench/api_sweep.py --addr 127.0.0.1:PORT --api-key bench --urls one_word.urls \
        --json one_word.sweep.json

For each URL: HTTP status, time to the whole body (ms), and for 200 answers that the body is a
works page (total, items, and the facets the URL asks for with `facets=`, no others). Writes a JSON summary: counts by
status, problems (first 20), latency p50/p90/p99/max at c=1, total hits (median, zero-hit
queries), and the 10 slowest URLs with their time and total.
"""

import argparse
import http.client
import json
import statistics
import time
import urllib.parse



def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--urls", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    urls = [u for u in open(args.urls, encoding="utf-8").read().splitlines() if u]
    host, port = args.addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    rows, statuses, problems = [], {}, []
    for url in urls:
        t0 = time.perf_counter()
        try:
            conn.request("GET", url, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException) as e:
            problems.append({"url": url, "error": repr(e)})
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            continue
        ms = (time.perf_counter() - t0) * 1000
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        total = None
        if resp.status == 200:
            try:
                page = json.loads(body)
                total = page["total"]
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
                asked = set(",".join(query.get("facets", [])).split(",")) - {""}
                if not isinstance(page["items"], list) or set(page["facets"]) != asked:
                    problems.append({"url": url, "error": "not a works page with the facets asked"})
            except (ValueError, KeyError, TypeError) as e:
                problems.append({"url": url, "error": f"bad JSON: {e!r}"})
        else:
            problems.append({"url": url, "status": resp.status, "body": body[:300].decode("utf-8", "replace")})
        rows.append((ms, url, total))
    lat = sorted(r[0] for r in rows)
    totals = [r[2] for r in rows if r[2] is not None]
    summary = {
        "urls": len(urls), "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "problem_count": len(problems), "problems": problems[:20],
        "c1_ms": {"p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": lat[-1] if lat else None,
                  "mean": statistics.fmean(lat) if lat else None},
        "hits": {"median": statistics.median(totals) if totals else None, "max": max(totals, default=None),
                 "zero": sum(1 for t in totals if t == 0)},
        "slowest": [{"ms": round(ms, 1), "url": url, "total": total}
                    for ms, url, total in sorted(rows, reverse=True)[:10]],
    }
    for k, v in summary["c1_ms"].items():
        if v is not None:
            summary["c1_ms"][k] = round(v, 2)
    json.dump(summary, open(args.json, "w"), indent=2, ensure_ascii=False)
    print(f"{args.urls}: {len(urls)} URLs, statuses {summary['statuses']}, problems {len(problems)}, "
          f"c=1 p50 {summary['c1_ms']['p50']} ms p99 {summary['c1_ms']['p99']} ms max {summary['c1_ms']['max']} ms, "
          f"median hits {summary['hits']['median']}, zero-hit {summary['hits']['zero']}")


if __name__ == "__main__":
    main()
