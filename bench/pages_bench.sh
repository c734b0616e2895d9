#!/usr/bin/env bash
# The library's pages under load (issue 15): search pages (/search?q=<a title word>) and work
# pages (/works/<id>) with wrk at PAGES_CONCURRENCY (16) for PAGES_DURATION seconds (20) each,
# asked as a browser asks (Accept: text/html), over the data folder PAGES_DATA (default: the
# soak's store, bench/soak.sh: 20,000 synthetic theses). Each request picks a URL at random from
# 500 of each kind (bench/api_wrk.lua); a sweep of every URL first warms the caches.
#
# Usage:  cargo build --release && bench/pages_bench.sh
# Environment: ESSOR_BIN (target/release/essor), PAGES_DATA, PAGES_CONCURRENCY, PAGES_DURATION.
# Needs wrk and python3. Prints one Markdown row per kind.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_NAME=pages-bench
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
essor="${ESSOR_BIN:-$(dirname "$here")/target/release/essor}"
data="${PAGES_DATA:-${TMPDIR:-/tmp}/essor-soak/data}"
concurrency="${PAGES_CONCURRENCY:-16}"
duration="${PAGES_DURATION:-20}"
work="$(mktemp -d)"
[ -e "$data/essor.redb" ] || { echo "pages_bench: no store in $data (run bench/soak.sh first, or set PAGES_DATA)" >&2; exit 2; }

"$essor" --data "$data" --sources "$work" serve --listen 127.0.0.1:0 --no-schedule \
    --api-key bench --api-key-rate-limit 1000000 --rate-limit 1000000 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
address="http://$(wait_listening "$server" "$work/serve.out" "$work/serve.err" 300)"

python3 - "$address" "$work" <<'PY'
import json, random, sys, urllib.parse, urllib.request
base, out = sys.argv[1], sys.argv[2]
def get(path):
    request = urllib.request.Request(base + path, headers={"X-API-Key": "bench", "Accept": "text/html"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, path
        return response.read()
ids, words = [], set()
cursor = ""
while len(ids) < 500:
    page = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{base}/api/v1/works?limit=100{cursor}", headers={"X-API-Key": "bench"})).read())
    ids += [item["id"] for item in page["items"]]
    words |= {w.strip(".,:;()«»\"'?").lower() for item in page["items"] for w in str(item.get("title", "")).split() if len(w) > 5}
    if not page.get("next_cursor"):
        break
    cursor = "&cursor=" + urllib.parse.quote(page["next_cursor"])
rng = random.Random(15)
lists = {"search": [f"/search?q={urllib.parse.quote(w)}" for w in rng.sample(sorted(words), min(500, len(words)))],
         "work": [f"/works/{i}" for i in ids[:500]]}
for kind, urls in lists.items():
    with open(f"{out}/{kind}.urls", "w") as f:
        f.write("\n".join(urls) + "\n")
    for url in urls:  # the sweep: every URL answers 200, and the caches are warm
        get(url)
PY
echo "| page | c | requests/s | p50 ms | p99 ms | max ms | errors |"
echo "|---|---|---|---|---|---|---|"
for kind in search work; do
    API_URLS="$work/$kind.urls" API_OUT="$work/$kind.json" wrk -t2 -c"$concurrency" -d"${duration}s" --timeout 30s \
        -H 'X-API-Key: bench' -H 'Accept: text/html' -s "$here/api_wrk.lua" "$address" >/dev/null
    python3 - "$work/$kind.json" "$kind" "$concurrency" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r["latency_us"]
errors = sum(r["errors"].values())
print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['requests'] / (r['duration_us'] / 1e6):.0f} | {lat['p50'] / 1000:.1f} | {lat['p99'] / 1000:.1f} | {lat['max'] / 1000:.1f} | {errors} |")
PY
done
