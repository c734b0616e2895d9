#!/usr/bin/env bash
# Search benchmark over synthetic works (issue 16, and issue 15's page speed).
#
# 1. Data (BENCH_ONLY=data, or the first run): `essor bench-search --works N --keep DIR` writes
#    N synthetic works (12-word titles, 200-word abstracts, Zipf words; see src/cli/bench.rs)
#    into DIR's store and indexes them; cached in BENCH_DIR/wN. Build it outside the bench lock:
#        nice -n 19 env BENCH_ONLY=data bench/search_bench.sh
# 2. In-process latencies alone: `essor bench-search --keep DIR` again (reuses DIR): p50 and
#    max of 30 runs of each query, without facets and with the six, and the 50th page.
# 3. essor serve over DIR (rate limits off with an API key), then bench/search_queries.py
#    draws the request lists from the works it serves, and for each class: wrk at c=1 (alone)
#    then at c=BENCH_CONCURRENCY (16), BENCH_DURATION seconds each, bench/api_wrk.lua picking a
#    random URL per request. Classes: one_word two_words phrase field filtered date mix facets
#    work html_search html_work (see search_queries.py).
# 4. Export: /api/v1/works/export?format=csv (everything), rows counted by Python's csv module.
#    BENCH_ONLY=profile instead: bench/search_profile.py sends each request of BENCH_CLASSES
#    alone (the fastest of 3) and lists the slowest: which requests make the tail; and the
#    server's CPU per request of each class (what each class costs the mix).
# 5. Prints a Markdown table with the load average before/after each run, the server's CPU
#    seconds and its RSS (VmHWM: the peak over the whole run).
#
# Usage:  cargo build --release && bench/search_bench.sh
# Environment: BENCH_WORKS (1000000), BENCH_DIR (/tmp/essor-search-bench), BENCH_CONCURRENCY
# (16), BENCH_DURATION (15), BENCH_CLASSES (all), BENCH_EXPORT (1), ESSOR_BIN
# (target/release/essor), BENCH_ONLY (all | data | inprocess | http | profile), BENCH_REUSE_QUERIES (1:
# keep the request lists of the previous run, e.g. to run an older binary over the same ones).
# Needs: python3, wrk, curl.
set -euo pipefail

BENCH_NAME=search-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORKS="${BENCH_WORKS:-1000000}"
WORK="${BENCH_DIR:-/tmp/essor-search-bench}"
DATA="$WORK/w$WORKS"
CONCURRENCY="${BENCH_CONCURRENCY:-16}"
DURATION="${BENCH_DURATION:-15}"
CLASSES="${BENCH_CLASSES:-one_word two_words phrase field filtered date mix facets work html_search html_work}"
EXPORT="${BENCH_EXPORT:-1}"
ONLY="${BENCH_ONLY:-all}"
KEY=bench

mem_mib() { awk -v f="$1:" '$1 == f {printf "%d", $2 / 1024}' "/proc/$2/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"; }

[[ -x "$ESSOR_BIN" ]] || die "no $ESSOR_BIN: cargo build --release first"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
mkdir -p "$WORK"

if [[ ! -d "$DATA/index" || "$ONLY" == data ]]; then
    log "writing and indexing $WORKS works into $DATA"
    "$ESSOR_BIN" bench-search --works "$WORKS" --keep "$DATA" | tee "$WORK/data.log"
    [[ "$ONLY" == data ]] && exit 0
fi

if [[ "$ONLY" == all || "$ONLY" == inprocess ]]; then
    log "in-process latencies (load $(loadavg))"
    "$ESSOR_BIN" bench-search --works "$WORKS" --keep "$DATA" | tee "$WORK/inprocess.log"
    log "load after: $(loadavg)"
fi
[[ "$ONLY" == inprocess ]] && exit 0

SOURCES="$WORK/no-sources"
mkdir -p "$SOURCES" "$WORK/queries" "$WORK/runs"
"$ESSOR_BIN" --data "$DATA" --sources "$SOURCES" serve --no-schedule --listen 127.0.0.1:0 \
    --api-key "$KEY" --api-key-rate-limit 1000000 --rate-limit 1000000 \
    > "$WORK/serve.out" 2> "$WORK/serve.err" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
ADDR=$(wait_listening "$PID" "$WORK/serve.out" "$WORK/serve.err" 300)
log "serving on $ADDR (pid $PID), RSS $(mem_mib VmRSS $PID) MiB"
if [[ "${BENCH_REUSE_QUERIES:-0}" == 1 && -s "$WORK/queries/mix.urls" ]]; then
    log "reusing the request lists in $WORK/queries"
else
    python3 "$REPO/bench/search_queries.py" --base "http://$ADDR" --api-key "$KEY" --out "$WORK/queries" \
        | tee "$WORK/queries/manifest.json" >&2
fi

if [[ "$ONLY" == profile ]]; then
    log "each request alone (load $(loadavg))"
    python3 "$REPO/bench/search_profile.py" --base "http://$ADDR" --api-key "$KEY" --queries "$WORK/queries" \
        --server-pid "$PID" \
        ${BENCH_CLASSES:+--classes $BENCH_CLASSES} | tee "$WORK/profile.md"
    log "load after: $(loadavg); server CPU $(cpu_s "$PID") s"
    exit 0
fi

TABLE="$WORK/results.md"
{
    echo "| class | c | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU ms/req | load before → after |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$TABLE"
for class in $CLASSES; do
    for c in 1 "$CONCURRENCY"; do
        threads=$(( c < 2 ? 1 : 2 ))
        before=$(loadavg)
        cpu0=$(cpu_s "$PID")
        API_URLS="$WORK/queries/$class.urls" API_OUT="$WORK/runs/$class-c$c.json" \
            wrk -t"$threads" -c"$c" -d"${DURATION}s" --timeout 30s -H "X-API-Key: $KEY" \
            -s "$REPO/bench/api_wrk.lua" "http://$ADDR" > "$WORK/runs/$class-c$c.wrk" 2>&1 \
            || { cat "$WORK/runs/$class-c$c.wrk" >&2; die "wrk failed"; }
        cpu1=$(cpu_s "$PID")
        after=$(loadavg)
        python3 - "$WORK/runs/$class-c$c.json" "$class" "$c" "$cpu0" "$cpu1" "$before" "$after" >> "$TABLE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cls, c, cpu0, cpu1, before, after = sys.argv[2:]
l, e = r["latency_us"], r["errors"]
n = r["requests"]
secs = r["duration_us"] / 1e6
print(f"| {cls} | {c} | {n / secs:,.0f} | {l['p50'] / 1000:.1f} | {l['p90'] / 1000:.1f} | {l['p99'] / 1000:.1f} "
      f"| {l['max'] / 1000:.1f} | {sum(e.values())} | {(float(cpu1) - float(cpu0)) * 1000 / max(n, 1):.2f} | {before} → {after} |")
PY
        log "$(tail -n1 "$TABLE")"
    done
done

if [[ "$EXPORT" == 1 ]]; then
    before=$(loadavg)
    cpu0=$(cpu_s "$PID")
    res=$(curl -s -H "X-API-Key: $KEY" -o "$WORK/runs/export.csv" \
        -w '%{http_code} %{time_total} %{time_starttransfer} %{size_download}' \
        "http://$ADDR/api/v1/works/export?format=csv")
    cpu1=$(cpu_s "$PID")
    read -r code secs ttfb bytes <<< "$res"
    rows=$(python3 -c 'import csv, sys
csv.field_size_limit(1 << 30)
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    print(max(0, sum(1 for _ in csv.reader(f)) - 1))' "$WORK/runs/export.csv")
    rm -f "$WORK/runs/export.csv"
    {
        echo
        echo "| export | HTTP | rows | seconds | rows/s | MB/s | first byte s | server CPU s | load before → after |"
        echo "|---|---|---|---|---|---|---|---|---|"
        awk -v code="$code" -v rows="$rows" -v secs="$secs" -v ttfb="$ttfb" -v bytes="$bytes" \
            -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" -v lb="$before" -v la="$(loadavg)" \
            'BEGIN {printf "| format=csv (everything) | %s | %d | %.1f | %.0f | %.1f | %.3f | %.1f | %s → %s |\n",
                code, rows, secs, rows / secs, bytes / secs / 1e6, ttfb, cpu, lb, la}'
    } >> "$TABLE"
fi
{
    echo
    echo "Server RSS: peak (VmHWM) $(mem_mib VmHWM $PID) MiB, at the end $(mem_mib VmRSS $PID) MiB" \
        "(anonymous $(mem_mib RssAnon $PID) MiB, mapped files $(mem_mib RssFile $PID) MiB); $WORKS works."
} >> "$TABLE"
cat "$TABLE"
