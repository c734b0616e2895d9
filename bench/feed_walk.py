#!/usr/bin/env python3
"""Walk one OAI-PMH ListRecords list once, for bench/feed_bench.sh: collect its page URLs and check it.

    python3 bench/feed_walk.py --base http://127.0.0.1:PORT/oai --prefix oai_dc \
        --urls OUT.urls [--save-pages DIR] [--json OUT.json] [--expect N]

Follows the list from `?verb=ListRecords&metadataPrefix=PREFIX` through every resumptionToken,
with one keep-alive connection (http.client, standard library only), and writes:

  --urls FILE        one request target per line (`/oai?verb=...`), in list order: the first page,
                     then `?verb=ListRecords&resumptionToken=<token>` for every later page; this is
                     what bench/feed_wrk.lua cycles through (tokens are sent exactly as received,
                     percent-encoded)
  --save-pages DIR   each page's body as pNNNN.xml (+ a gzip -6 copy .xml.gz for nginx's
                     gzip_static) and `pages.map`: nginx `map` lines from
                     "verb|metadataPrefix|resumptionToken" (the URL's raw query values) to /pNNNN.xml
  --json FILE        what the walk saw: pages, records, bytes, per-page fetch times (first page,
                     median, max), completeListSize, and every problem found

Each page is parsed (xml.etree) and checked: HTTP 200, an XML content type, no OAI <error>, the
same completeListSize on every token, cursor = records sent before the page, no identifier twice,
pages full but the last, an empty token on the last page, records = completeListSize (and
= --expect when given). Exits 1 if a check failed (the problems are printed and in the JSON).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import statistics
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="base URL, e.g. http://127.0.0.1:8090/oai")
    ap.add_argument("--prefix", default="oai_dc")
    ap.add_argument("--urls", type=Path, required=True)
    ap.add_argument("--save-pages", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--expect", type=int, help="records the list must hold")
    ap.add_argument("--max-pages", type=int, default=100_000)
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()

    base = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=args.timeout)
    first = f"{base.path}?verb=ListRecords&metadataPrefix={urllib.parse.quote(args.prefix, safe='')}"
    targets: list[str] = []
    times: list[float] = []
    sizes: list[int] = []
    problems: list[str] = []
    seen: set[str] = set()
    records = 0
    deleted = 0
    complete = None
    page_size = None
    map_lines = []
    if args.save_pages:
        args.save_pages.mkdir(parents=True, exist_ok=True)

    target = first
    started = time.perf_counter()
    while target is not None and len(targets) < args.max_pages:
        number = len(targets) + 1
        targets.append(target)
        t0 = time.perf_counter()
        conn.request("GET", target, headers={"User-Agent": "essor-feed-bench-walk"})
        resp = conn.getresponse()
        body = resp.read()
        times.append(time.perf_counter() - t0)
        sizes.append(len(body))
        where = f"page {number} ({target[:120]})"
        if resp.status != 200:
            problems.append(f"{where}: HTTP {resp.status}: {body[:200]!r}")
            break
        ctype = resp.getheader("Content-Type", "")
        if "xml" not in ctype:
            problems.append(f"{where}: Content-Type {ctype!r}")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:
            problems.append(f"{where}: not well-formed XML: {exc}")
            break
        err = root.find(f"{OAI}error")
        if err is not None:
            problems.append(f"{where}: OAI error {err.get('code')}: {err.text}")
            break
        lr = root.find(f"{OAI}ListRecords")
        if lr is None:
            problems.append(f"{where}: no ListRecords element")
            break
        page_records = lr.findall(f"{OAI}record")
        for rec in page_records:
            header = rec.find(f"{OAI}header")
            ident = header.findtext(f"{OAI}identifier") if header is not None else None
            if ident is None:
                problems.append(f"{where}: a record without header identifier")
                continue
            if ident in seen:
                problems.append(f"{where}: identifier {ident} seen twice")
            seen.add(ident)
            if header.get("status") == "deleted":
                deleted += 1
        token = lr.find(f"{OAI}resumptionToken")
        if token is not None:
            size = token.get("completeListSize")
            cursor = token.get("cursor")
            if size is not None:
                if complete is None:
                    complete = int(size)
                elif int(size) != complete:
                    problems.append(f"{where}: completeListSize {size} != {complete}")
            if cursor is not None and int(cursor) != records:
                problems.append(f"{where}: cursor {cursor}, expected {records}")
        if page_size is None:
            page_size = len(page_records)
        records += len(page_records)
        next_token = (token.text or "").strip() if token is not None else ""
        if next_token and len(page_records) != page_size:
            problems.append(f"{where}: {len(page_records)} records on a page that is not the last (first page: {page_size})")
        if args.save_pages:
            name = f"p{number:04d}.xml"
            (args.save_pages / name).write_bytes(body)
            (args.save_pages / (name + ".gz")).write_bytes(gzip.compress(body, 6))
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query, keep_blank_values=True))
            raw = {k: v for k, v in (p.split("=", 1) for p in urllib.parse.urlsplit(target).query.split("&"))}
            key = f"{raw.get('verb', '')}|{raw.get('metadataPrefix', '')}|{raw.get('resumptionToken', '')}"
            if any(c in key for c in '"\\;{} \t\n') or query.get("verb") != "ListRecords":
                problems.append(f"{where}: cannot write an nginx map key for {key!r}")
            map_lines.append(f'    "{key}" /{name};\n')
        target = (f"{base.path}?verb=ListRecords&resumptionToken={urllib.parse.quote(next_token, safe='')}"
                  if next_token else None)
    wall = time.perf_counter() - started
    if target is not None:
        problems.append(f"stopped after --max-pages {args.max_pages}")
    if complete is not None and records != complete:
        problems.append(f"{records} records walked, completeListSize said {complete}")
    if args.expect is not None and records != args.expect:
        problems.append(f"{records} records walked, expected {args.expect}")

    args.urls.write_text("".join(t + "\n" for t in targets))
    if args.save_pages:
        (args.save_pages / "pages.map").write_text("".join(map_lines))
    summary = {
        "base": args.base, "prefix": args.prefix, "pages": len(targets), "records": records,
        "deleted": deleted, "complete_list_size": complete, "page_size": page_size,
        "records_per_page": round(records / len(targets), 3) if targets else 0,
        "bytes": sum(sizes), "mean_page_bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
        "walk_s": round(wall, 2),
        "first_page_ms": round(times[0] * 1000, 1) if times else None,
        "median_page_ms": round(statistics.median(times) * 1000, 1) if times else None,
        "max_page_ms": round(max(times) * 1000, 1) if times else None,
        "max_page_number": times.index(max(times)) + 1 if times else None,
        "problems": problems[:50], "problem_count": len(problems),
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"walked {args.base} {args.prefix}: {len(targets)} pages, {records} records "
          f"({deleted} deleted), {sum(sizes) / 1e6:.1f} MB in {wall:.1f} s; first page "
          f"{summary['first_page_ms']} ms, median {summary['median_page_ms']} ms, max {summary['max_page_ms']} ms "
          f"(page {summary['max_page_number']})", file=sys.stderr)
    for p in problems[:20]:
        print(f"  problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
