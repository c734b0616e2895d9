#!/usr/bin/env bash
# Issue 17's "1,000 changed records on a 1 M store" through the running service: `essor serve`
# on a kept store, each round's change page harvested by `POST /admin/harvest?sources=bench-hal`
# (the harvest, then the works and the search index, as a scheduled harvest does), timed by the
# client. change_rounds.sh times the same batch as a CLI process (its start, the store's and
# the index's open, a cold redb cache each round); here the server's caches stay warm, as they
# are for the service's own harvests.
#
# Usage: BENCH_KEEP_STORE=1 BENCH_ONLY=store BENCH_SIZES=1000000 bench/dedup_bench.sh   (once)
#        bench/change_serve.sh
# Environment: ESSOR_BIN, BENCH_DIR, BENCH_SIZES (one size, default 1000000), STORE (default
#              BENCH_DIR/nN-data), ROUNDS (default 10), FIRST (first edit number, default 101),
#              RANDOM_RECORDS=1 (as change_rounds.sh), PORT (default 18979), PAUSE (seconds
#              between rounds, default 3: the server precompresses the changed works' gzip rows
#              in the background after each update, as it would between scheduled harvests).
# The server first fills what the store lacks (feed records, gzip rows: minutes on a store no
# server has opened); the rounds start once the log says "feed records up to date".
# One line per round: the request's wall time, the server's CPU (user+system) during it, the
# works update's counts; then the medians.
set -euo pipefail
BENCH_NAME=change-serve
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kept_dedup_store
ROUNDS="${ROUNDS:-10}"
PORT="${PORT:-18979}"
PAUSE="${PAUSE:-3}"
EDITS="$WORK/change-serve"
LOGS="$WORK/change-serve-logs"
TOKEN=bench-token
mkdir -p "$LOGS"
: > "$LOGS/rounds.txt"

edit_page() { edit_change_page "$1" "$EDITS"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

k="${FIRST:-101}"
edit_page "$k"
"$ESSOR_BIN" --data "$STORE" --sources "$EDITS/sources" -q --log-format json serve \
    --listen "127.0.0.1:$PORT" --no-schedule --admin-token "$TOKEN" \
    > "$LOGS/serve.log" 2> "$LOGS/serve.err" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
start=$(date +%s)
until grep -q 'feed records up to date' "$LOGS/serve.log" "$LOGS/serve.err" 2>/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$LOGS/serve.err" >&2; die "essor serve exited"; }
    (( $(date +%s) - start < 900 )) || die "no 'feed records up to date' in 900 s"
    sleep 1
done
log "server ready after $(( $(date +%s) - start )) s (load $(loadavg))"
TICK=$(getconf CLK_TCK)

for _ in $(seq 1 "$ROUNDS"); do
    edit_page "$k"
    sync
    sleep "$PAUSE"
    before=$(cpu_ticks "$SERVER")
    timing=$(curl -s -o "$LOGS/round-$k.json" -w '%{http_code} %{time_total}' -X POST \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/admin/harvest?sources=bench-hal")
    after=$(cpu_ticks "$SERVER")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
    counts=$("$PYTHON" -c '
import json, sys
done = json.load(open(sys.argv[1]))
print("runs", ",".join(r["status"] for r in done["runs"]),
      "works", json.dumps(done["works"], separators=(",", ":")))' "$LOGS/round-$k.json" 2>/dev/null || echo "unreadable answer")
    printf 'round k=%s load=%s status_wall %s cpu %s hwm_kib %s | %s\n' "$k" \
        "$(cut -d' ' -f1 /proc/loadavg)" "$timing" \
        "$(echo "scale=2; ($after - $before) / $TICK" | bc)" "$rss" "$counts" | tee -a "$LOGS/rounds.txt"
    k=$((k + 1))
done
"$PYTHON" - "$LOGS/rounds.txt" <<'PY'
import re, statistics, sys
walls, cpus = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"status_wall (\d+) (\S+) cpu (\S+)", line)
    if m and m[1] == "200":
        walls.append(float(m[2])); cpus.append(float(m[3]))
if walls:
    print(f"{len(walls)} rounds answered 200: wall median {statistics.median(walls):.3f} s "
          f"(min {min(walls):.3f}, max {max(walls):.3f}), server CPU median {statistics.median(cpus):.2f} s")
else:
    print("no round answered 200")
PY
