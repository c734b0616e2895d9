#!/usr/bin/env bash
# REST API benchmark (issue 5): search index build, search latency and throughput, exports.
#
# 1. Data (cached in BENCH_DIR/data-<params>, rebuilt when the parameters or the generator change):
#    bench/gen_dedup.py writes BENCH_RECORDS synthetic ESS theses/dissertations/reports (default
#    1,000,000; BENCH_DUPLICATES = 0 extra copies, so ~1 work per record) as three oai-pmh-dump
#    sources, or BENCH_GEN_DIR names a folder gen_dedup.py already wrote (e.g. the dedup benchmark's
#    /tmp/essor-dedup-bench/n1000000, 20% duplicate copies: ~800,000 works); `essor --data D
#    --sources S --quiet harvest --all` stores the records and builds the works (fresh-store bulk
#    path). Timed with GNU time (wall, CPU, peak RSS).
# 2. Index: `essor --data D reindex` (timed: the index build time; GNU time) and `du -sb D/index`.
#    Skipped when the cached index was built by the same binary (BENCH_REINDEX=1 forces it).
# 3. Server: target/release/essor --data D --sources S serve --listen 127.0.0.1:0 --no-schedule
#    --api-key bench --api-key-rate-limit 1000000 --rate-limit 1000000; every request sends
#    `X-API-Key: bench` (so the rate limiter is on the path but never refuses).
# 4. Queries (bench/api_queries.py, from the records' titles and the server's own facet values):
#    one_word (~200 title words, fr/en, broad and narrow), two_word (BENCH_URLS two words of one
#    title), filtered (BENCH_URLS combinations of type, year range, region, theme, half with a q
#    word). The two_word class asks for the six facets (facets=...); the others ask none.
# 5. For each class: a sweep (bench/api_sweep.py: every URL once, one at a time on one keep-alive
#    connection; checks 200 + a works page with the facets asked; c=1 latency, hits, the 10 slowest URLs),
#    which also warms the caches, then wrk -t BENCH_WRK_THREADS -c BENCH_CONCURRENCY (16) -d
#    BENCH_DURATION (20 s) --timeout 30s -s bench/api_wrk.lua (each request a random URL of the
#    class). Recorded: requests/s, p50/p90/p99/max, wrk's error counts (non-2xx/3xx, timeouts,
#    socket errors), the server's CPU seconds (/proc/PID/stat), peak RSS (VmHWM) and RSS.
# 6. Exports, one at a time with curl (keep the file, count rows with Python's csv module, then
#    delete it): /api/v1/works/export?format=csv (everything) and BENCH_EXPORT_FILTERED (default
#    format=csv&type=doctoral-thesis); rows/s, MB/s, time to first byte, server RSS after.
# 7. Prints Markdown tables and the p99 < 25 ms (c=16) verdict; writes BENCH_DIR/results.json.
#
# Usage:  bench/api_bench.sh          (from anywhere; build essor first: cargo build --release)
# Environment:
#   ESSOR_BIN          essor binary (default: target/release/essor)
#   BENCH_ONLY         all (default) | data (store + index only) | serve (start essor on
#                      BENCH_PORT with the bench flags and wait, for manual runs)
#   BENCH_RECORDS      records to generate (default 1000000)   BENCH_DUPLICATES  share of copies (0)
#   BENCH_SEED         generator seed (20261122)
#   BENCH_GEN_DIR      use this gen_dedup.py output instead of generating (its records.jsonl,
#                      sources/ and dumps/ are read, never written)
#   BENCH_CONCURRENCY  default 16        BENCH_DURATION  seconds per wrk run (20)
#   BENCH_WRK_THREADS  wrk threads (2)   BENCH_URLS      URLs in the two_word and filtered lists (400)
#   BENCH_CLASSES      default "one_word two_word filtered"
#   BENCH_EXPORTS      1 (default): run the exports; 0: skip them
#   BENCH_EXPORT_FILTERED  query of the second export (default format=csv&type=doctoral-thesis)
#   BENCH_PORT         port for BENCH_ONLY=serve (8093)
#   BENCH_DIR          work folder (default ${TMPDIR:-/tmp}/essor-api-bench)
#   BENCH_FRESH_STORE  1: rebuild the cached store     BENCH_REINDEX  1: rebuild the index
#   BENCH_COMMIT_LABEL what to print as the commit (default: git rev-parse --short HEAD, +dirty
#                      when src/ or Cargo files differ from it)
# Needs: python3 (standard library), wrk, curl, GNU time. As root, missing Debian packages are
# installed with apt-get. The machine has 2 cores: wrk and the server share them (nothing niced).
set -euo pipefail

BENCH_NAME=api-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RECORDS="${BENCH_RECORDS:-1000000}"
DUPLICATES="${BENCH_DUPLICATES:-0}"
SEED="${BENCH_SEED:-20261122}"
GEN_DIR_IN="${BENCH_GEN_DIR:-}"
CONCURRENCY="${BENCH_CONCURRENCY:-16}"
DURATION="${BENCH_DURATION:-20}"
WRK_THREADS="${BENCH_WRK_THREADS:-2}"
NURLS="${BENCH_URLS:-400}"
CLASSES="${BENCH_CLASSES:-one_word two_word filtered}"
EXPORTS="${BENCH_EXPORTS:-1}"
EXPORT_FILTERED="${BENCH_EXPORT_FILTERED:-format=csv&type=doctoral-thesis}"
ONLY="${BENCH_ONLY:-all}"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-api-bench}"
KEY=bench

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
[[ -x /usr/bin/time ]] || missing+=(time)
install_missing "${missing[@]}"
[[ -x "$ESSOR_BIN" ]] || die "no essor binary at $ESSOR_BIN (cargo build --release, or set ESSOR_BIN)"
case "$ONLY" in all|data|serve) ;; *) die "BENCH_ONLY must be all, data or serve" ;; esac
mkdir -p "$WORK"
# GNU time -v report -> "wall_s cpu_s maxrss_kib"
time_fields() {
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i]}
                /User time/ {u = $2} /System time/ {s = $2} /Maximum resident/ {m = $2}
                END {printf "%.1f %.1f %d\n", w, u + s, m}' "$1"
}

# ---------------------------------------------------------------------------------------------
# Data: records, store with works (cached)
# ---------------------------------------------------------------------------------------------
if [[ -n "$GEN_DIR_IN" ]]; then
    [[ -f "$GEN_DIR_IN/records.jsonl" && -d "$GEN_DIR_IN/sources" ]] || die "$GEN_DIR_IN is not a gen_dedup.py output"
    GEN="$(cd "$GEN_DIR_IN" && pwd)"
    DATA="$WORK/data-$(basename "$GEN")"
    STAMP="gen_dir=$GEN manifest=$(sha256sum < "$GEN/manifest.json" | cut -c1-12)"
    mkdir -p "$DATA"
    echo "$STAMP" > "$DATA/STAMP.new"
    if ! cmp -s "$DATA/STAMP.new" "$DATA/STAMP" 2>/dev/null; then rm -rf "$DATA/store" "$DATA/STORE_OK"; fi
    mv "$DATA/STAMP.new" "$DATA/STAMP"
else
    DATA="$WORK/data-n$RECORDS-d$DUPLICATES-s$SEED"
    GEN="$DATA/gen"
    STAMP="records=$RECORDS duplicates=$DUPLICATES seed=$SEED gen_dedup=$(sha256sum < "$REPO/bench/gen_dedup.py" | cut -c1-12)"
    if [[ ! -f "$DATA/STAMP" || "$(cat "$DATA/STAMP")" != "$STAMP" ]]; then
        log "generating $RECORDS records (duplicates $DUPLICATES) into $GEN"
        rm -rf "$DATA"
        mkdir -p "$DATA"
        /usr/bin/time -v -o "$DATA/gen.time" "$PYTHON" "$REPO/bench/gen_dedup.py" --records "$RECORDS" \
            --duplicates "$DUPLICATES" --seed "$SEED" --changes 0 --out "$GEN" >&2
        echo "$STAMP" > "$DATA/STAMP"
    fi
fi
STORE="$DATA/store"
SOURCES="$GEN/sources"
if [[ "${BENCH_FRESH_STORE:-0}" == 1 || ! -f "$DATA/STORE_OK" ]]; then
    rm -rf "$STORE" "$DATA/STORE_OK" "$DATA/INDEX_OK"
    log "building the store: essor harvest --all (records + works; ~70 s per 100,000 records on 2 quiet cores), load $(loadavg)"
    echo "$(loadavg)" > "$DATA/harvest.load"
    /usr/bin/time -v -o "$DATA/harvest.time" "$ESSOR_BIN" --data "$STORE" --sources "$SOURCES" --quiet harvest --all \
        > "$DATA/harvest.log" 2>&1 || { tail -20 "$DATA/harvest.log" >&2; die "harvest failed (see $DATA/harvest.log)"; }
    log "store built: wall/CPU/maxRSS $(time_fields "$DATA/harvest.time") (s, s, KiB)"
    tail -3 "$DATA/harvest.log" >&2
    echo "built by $("$ESSOR_BIN" --version 2>/dev/null) at commit $(git -C "$REPO" rev-parse --short HEAD)" > "$DATA/STORE_OK"
fi
log "data: $DATA ($(cat "$DATA/STORE_OK"))"

BIN_ID="$(sha256sum < "$ESSOR_BIN" | cut -c1-16)"
if [[ "${BENCH_REINDEX:-0}" == 1 || ! -f "$DATA/INDEX_OK" || "$(cat "$DATA/INDEX_OK")" != "$BIN_ID" ]]; then
    rm -f "$DATA/INDEX_OK"
    log "building the search index: essor reindex, load $(loadavg)"
    echo "$(loadavg)" > "$DATA/reindex.load"
    /usr/bin/time -v -o "$DATA/reindex.time" "$ESSOR_BIN" --data "$STORE" reindex > "$DATA/reindex.log" 2>&1 \
        || { tail -20 "$DATA/reindex.log" >&2; die "reindex failed (see $DATA/reindex.log)"; }
    du -sb "$STORE/index" | cut -f1 > "$DATA/index.bytes"
    log "index built: wall/CPU/maxRSS $(time_fields "$DATA/reindex.time") (s, s, KiB); $(numfmt --to=iec < "$DATA/index.bytes")B; $(tail -1 "$DATA/reindex.log")"
    echo "$BIN_ID" > "$DATA/INDEX_OK"
fi
du -sb "$STORE" | cut -f1 > "$DATA/store.bytes"
[[ "$ONLY" == data ]] && exit 0

# ---------------------------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------------------------
ESSOR_PID=""
stop_essor() {
    if [[ -n "$ESSOR_PID" ]] && kill -0 "$ESSOR_PID" 2>/dev/null; then
        kill -TERM "$ESSOR_PID" 2>/dev/null || true
        wait "$ESSOR_PID" 2>/dev/null || true
    fi
    ESSOR_PID=""
}
trap stop_essor EXIT
trap 'exit 130' INT TERM

start_essor() { # listen address (default 127.0.0.1:0); sets ESSOR_PID, ESSOR_ADDR, ESSOR_START_MS
    local out="$WORK/essor-serve.out" listen=${1:-127.0.0.1:0} t0
    t0=$(date +%s%N)
    "$ESSOR_BIN" --data "$STORE" --sources "$SOURCES" serve --no-schedule --listen "$listen" \
        --api-key "$KEY" --api-key-rate-limit 1000000 --rate-limit 1000000 \
        > "$out" 2> "$WORK/essor-serve.err" &
    ESSOR_PID=$!
    ESSOR_ADDR=$(wait_listening "$ESSOR_PID" "$out" "$WORK/essor-serve.err" 300)
    ESSOR_START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    log "essor serving on $ESSOR_ADDR (pid $ESSOR_PID): listening after ${ESSOR_START_MS} ms"
}

if [[ "$ONLY" == serve ]]; then
    start_essor "127.0.0.1:${BENCH_PORT:-8093}"
    log "essor serving at http://$ESSOR_ADDR/api/v1 (X-API-Key: $KEY) until Ctrl-C"
    wait "$ESSOR_PID"
    exit 0
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mem_kib() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$2/status"; }
TICKS=$(getconf CLK_TCK)

rm -rf "$WORK/runs" "$WORK/queries"
mkdir -p "$WORK/runs" "$WORK/queries"
start_essor
curl -sf -H "X-API-Key: $KEY" "http://$ESSOR_ADDR/api/v1/stats" > "$WORK/runs/stats.json" || die "GET /api/v1/stats failed"
"$PYTHON" "$REPO/bench/api_queries.py" --records "$GEN/records.jsonl" --base "http://$ESSOR_ADDR" \
    --api-key "$KEY" --out "$WORK/queries" --urls "$NURLS" > "$WORK/queries/generate.log" \
    || die "api_queries.py failed"
log "queries: $(cat "$WORK/queries/generate.log")"

# ---------------------------------------------------------------------------------------------
# Search: sweep (c=1, checks) then wrk (c=CONCURRENCY) per class
# ---------------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
printf 'class\tconcurrency\trequests\tbytes\tduration_us\terr_connect\terr_read\terr_write\terr_status\terr_timeout\tp50_us\tp90_us\tp99_us\tmax_us\tcpu_s\tvmhwm_kib\tvmrss_kib\tload\n' > "$RESULTS"
for class in $CLASSES; do
    urls="$WORK/queries/$class.urls"
    log "$class: sweep of $(wc -l < "$urls") URLs at c=1"
    "$PYTHON" "$REPO/bench/api_sweep.py" --addr "$ESSOR_ADDR" --api-key "$KEY" --urls "$urls" \
        --json "$WORK/runs/$class.sweep.json" >&2
    load=$(loadavg)
    out="$WORK/runs/$class-c$CONCURRENCY"
    threads=$(( CONCURRENCY < WRK_THREADS ? CONCURRENCY : WRK_THREADS ))
    t0=$(cpu_ticks "$ESSOR_PID")
    API_URLS="$urls" API_OUT="$out.json" wrk -t"$threads" -c"$CONCURRENCY" -d"${DURATION}s" --timeout 30s \
        -H "X-API-Key: $KEY" -s "$REPO/bench/api_wrk.lua" "http://$ESSOR_ADDR" > "$out.wrk" 2>&1 \
        || { cat "$out.wrk" >&2; die "wrk failed"; }
    t1=$(cpu_ticks "$ESSOR_PID")
    "$PYTHON" - "$out.json" "$class" "$CONCURRENCY" "$(( t1 - t0 ))" "$TICKS" \
        "$(mem_kib VmHWM "$ESSOR_PID")" "$(mem_kib VmRSS "$ESSOR_PID")" "$load" >> "$RESULTS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cls, c, ticks, hz, hwm, rss, load = sys.argv[2:]
e, l = r["errors"], r["latency_us"]
print("\t".join(map(str, [cls, c, r["requests"], r["bytes"], r["duration_us"], e["connect"], e["read"], e["write"],
      e["status"], e["timeout"], l["p50"], l["p90"], l["p99"], l["max"], round(int(ticks) / int(hz), 2), hwm, rss, load])))
PY
    tail -n1 "$RESULTS" | awk -F'\t' '{printf "[api-bench] %s c=%s: %.1f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %d, server CPU %.1f s, VmHWM %d MiB\n",
        $1, $2, $3 / ($5 / 1e6), $11 / 1000, $13 / 1000, $14 / 1000, $6 + $7 + $8 + $9 + $10, $15, $16 / 1024}' >&2
done

# ---------------------------------------------------------------------------------------------
# Exports (curl, one at a time; rows counted with a CSV parser)
# ---------------------------------------------------------------------------------------------
EXPORT_TSV="$WORK/exports.tsv"
printf 'query\thttp_code\tseconds\tttfb_s\tbytes\trows\tcpu_s\tvmhwm_kib\tvmrss_kib\tload\n' > "$EXPORT_TSV"
if [[ "$EXPORTS" == 1 ]]; then
    for query in "format=csv" "$EXPORT_FILTERED"; do
        file="$WORK/runs/export.csv"
        load=$(loadavg)
        log "export: /api/v1/works/export?$query (load $load)"
        t0=$(cpu_ticks "$ESSOR_PID")
        res=$(curl -s -H "X-API-Key: $KEY" -o "$file" -w '%{http_code} %{time_total} %{time_starttransfer} %{size_download}' \
            "http://$ESSOR_ADDR/api/v1/works/export?$query") || log "warning: curl failed on export $query"
        t1=$(cpu_ticks "$ESSOR_PID")
        rows=$("$PYTHON" -c 'import csv, sys
csv.field_size_limit(1 << 30)
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    n = sum(1 for _ in csv.reader(f))
print(max(0, n - 1))' "$file")
        read -r code secs ttfb bytes <<< "$res"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$query" "$code" "$secs" "$ttfb" "$bytes" "$rows" \
            "$(awk -v t=$(( t1 - t0 )) -v hz="$TICKS" 'BEGIN {printf "%.2f", t / hz}')" \
            "$(mem_kib VmHWM "$ESSOR_PID")" "$(mem_kib VmRSS "$ESSOR_PID")" "$load" >> "$EXPORT_TSV"
        head -c 600 "$file" > "$WORK/runs/export-head-$(echo "$query" | tr -c 'a-z0-9' _).csv"
        rm -f "$file"
        tail -n1 "$EXPORT_TSV" | awk -F'\t' '{printf "[api-bench] export %s: HTTP %s, %d rows in %.1f s = %.0f rows/s, %.1f MB/s, first byte %.3f s, server CPU %.1f s, VmRSS %d MiB\n",
            $1, $2, $6, $3, $6 / $3, $5 / $3 / 1e6, $4, $7, $9 / 1024}' >&2
    done
fi
SERVER_HWM=$(mem_kib VmHWM "$ESSOR_PID")
stop_essor

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
export BENCH_MACHINE="$(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
export BENCH_VERSIONS="$("$ESSOR_BIN" --version 2>/dev/null || echo essor); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); $(curl --version | head -1 | awk '{print $1, $2}'); $("$PYTHON" --version 2>&1)"
export BENCH_COMMIT="${BENCH_COMMIT_LABEL:-$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$REPO" diff --quiet -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+dirty')}"
export BENCH_WORK="$WORK" BENCH_DATA="$DATA" BENCH_DURATION="$DURATION" BENCH_CONCURRENCY="$CONCURRENCY"
export BENCH_WRK_THREADS="$WRK_THREADS" BENCH_START_MS="$ESSOR_START_MS" BENCH_SERVER_HWM="$SERVER_HWM"
export BENCH_TIME_FIELDS_HARVEST="$( [[ -f "$DATA/harvest.time" ]] && time_fields "$DATA/harvest.time" )"
export BENCH_TIME_FIELDS_REINDEX="$( [[ -f "$DATA/reindex.time" ]] && time_fields "$DATA/reindex.time" )"
export -p | grep " BENCH_" > "$WORK/report.env"   # source it to re-run api_report.py by hand
"$PYTHON" "$REPO/bench/api_report.py" "$RESULTS" "$EXPORT_TSV" "$WORK/results.json" | tee "$WORK/results.md"
