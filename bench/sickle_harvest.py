#!/usr/bin/env python3
"""Harvest an OAI-PMH endpoint with Sickle, the peer essor is compared with in bench/harvest_bench.sh.

Iterates every record of ListRecords (oai_dc), following resumption tokens, and touches each
record's metadata dict (Sickle builds it with lxml when the record is created) so that the work
counted is: fetch, gunzip, parse, build the per-record dict. Prints one JSON line:

    {"tool": "sickle", "records": 100000, "deleted": 0, "values": ..., "seconds": ..., "records_per_s": ...,
     "peak_rss_kib": ...}

Run it with the pinned Sickle of bench/requirements-bench.txt:

    .venv-bench/bin/python bench/sickle_harvest.py --endpoint http://127.0.0.1:8089/oai --expect 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from sickle import Sickle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="OAI-PMH base URL")
    parser.add_argument("--metadata-prefix", default="oai_dc")
    parser.add_argument("--expect", type=int, default=None, help="fail (exit 1) unless exactly this many records come back")
    args = parser.parse_args()

    sickle = Sickle(args.endpoint, max_retries=3, timeout=60)
    started = time.perf_counter()
    records = deleted = values = 0
    for record in sickle.ListRecords(metadataPrefix=args.metadata_prefix, ignore_deleted=False):
        if record.deleted:
            deleted += 1
            continue
        metadata = record.metadata  # dict: element name -> list of strings
        values += sum(len(v) for v in metadata.values())
        if not metadata.get("title"):
            print(f"record without title: {record.header.identifier}", file=sys.stderr)
        records += 1
    seconds = time.perf_counter() - started
    peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({
        "tool": "sickle",
        "records": records,
        "deleted": deleted,
        "values": values,
        "seconds": round(seconds, 3),
        "records_per_s": round(records / seconds, 1) if seconds else None,
        "peak_rss_kib": peak_rss_kib,
    }))
    if args.expect is not None and records + deleted != args.expect:
        print(f"expected {args.expect} records, got {records + deleted}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
