#!/usr/bin/env bash
# OAI-PMH provider benchmark (issue 4): essor serve against pyoai's server and nginx static pages,
# same records, same run.
#
# 1. Data (cached in BENCH_DIR/data-<params>, rebuilt when the parameters or the generators change):
#    bench/gen_dedup.py writes BENCH_RECORDS synthetic ESS theses/dissertations/reports (default
#    100,000; BENCH_DUPLICATES = 0 extra copies, so ~100,000 works result) as three oai-pmh-dump
#    sources; `essor --data D --sources S --quiet harvest --all` stores them and builds the works
#    (~2 min at 100k); bench/feed_pyoai.py convert turns the same dump pages into the JSON that
#    pyoai's server reads (same identifiers, datestamps, sets and dc:* texts).
# 2. Walks (bench/feed_walk.py, one keep-alive connection): each provider's ListRecords list is
#    walked once from the first page through every resumptionToken; the page URLs are saved (the
#    list wrk cycles through) and every page is checked (HTTP 200, no OAI error, cursor,
#    completeListSize, no identifier twice, all records). essor's pages are saved as files for
#    nginx. essor is restarted after its walks, so its tokens are also checked across a restart.
# 3. Load: for each format (BENCH_FORMATS, default "oai_dc etdms") and encoding (identity, and
#    gzip for oai_dc when BENCH_GZIP=1), each server in turn, alone (the machine has 2 cores:
#    wrk and the server share them; nothing is niced):
#      essor   target/release/essor --data D --sources S serve --no-schedule --listen 127.0.0.1:0
#              --page-size BENCH_PAGE_SIZE (started fresh for each format/encoding)
#      pyoai   tests/peers/pyoai_server.py through bench/feed_pyoai.py serve (pyoai 2.5.0 in .venv,
#              --batch BENCH_PAGE_SIZE; oai_dc and identity only: it has no etdms and no gzip)
#      nginx   essor's own saved pages as static files (bench/feed_nginx.conf.template,
#              worker_processes auto, sendfile, gzip_static with gzip -6 copies): the upper limit
#    a 3 s warm-up at 8 connections (not recorded), then for each concurrency in BENCH_CONCURRENCY
#    (default "1 8 64"): wrk -t min(c, BENCH_WRK_THREADS) -c c -d BENCH_DURATION (default 12 s)
#    --timeout 30s -s bench/feed_wrk.lua (cycles through the list's page URLs). Recorded: pages/s
#    (requests/s), records/s (pages/s x the list's mean records per page), MB/s on the wire,
#    p50/p99 latency, wrk's error counts (non-2xx/3xx, timeouts, socket errors), the server's CPU
#    seconds per 1,000 pages (/proc/PID/stat), its peak RSS (VmHWM of /proc/PID/status, since the
#    server started; nginx: sum over its workers) and current RSS. After each server's runs, every
#    50th URL is fetched again and checked for HTTP 200 and no OAI <error>.
# 4. Prints a Markdown table, the ratios against the targets (>= 20x pyoai, >= 30% of nginx,
#    p99 < 50 ms at 64 connections), and writes BENCH_DIR/results.json and results.tsv.
#
# Usage:  bench/feed_bench.sh          (from anywhere; build essor first: cargo build --release)
# Environment:
#   ESSOR_BIN          essor binary (default: target/release/essor)
#   BENCH_ONLY         all (default) | data (only build the cached data and store) | serve (start
#                      essor on BENCH_PORT and wait, for manual runs)
#   BENCH_SERVERS      servers to load (default "essor pyoai nginx")
#   BENCH_RECORDS      records (default 100000)      BENCH_DUPLICATES  share of extra copies (0)
#   BENCH_SEED         generator seed (20261122)     BENCH_PAGE_SIZE   records per page (100)
#   BENCH_FORMATS      default "oai_dc etdms"        BENCH_GZIP        1 (default): also oai_dc with
#                                                    Accept-Encoding: gzip
#   BENCH_CONCURRENCY  default "1 8 64"              BENCH_DURATION    seconds per run (12)
#   BENCH_WRK_THREADS  at most this many wrk threads (2)
#   BENCH_PORT         nginx's port on 127.0.0.1 (8092; essor and pyoai take free ports)
#   BENCH_DIR          work folder (default ${TMPDIR:-/tmp}/essor-feed-bench)
#   BENCH_FRESH_STORE  1: rebuild the cached store (after a store format change)
#   BENCH_COMMIT_LABEL what to print as the commit (default: git rev-parse --short HEAD, +dirty
#                      when src/ or Cargo files differ from it)
#   BENCH_VENV         virtualenv with pyoai and lxml (default: .venv, made by tests/run.sh from
#                      tests/peers/requirements.txt; created here if missing)
# Needs: python3, wrk, nginx, curl. As root, missing Debian packages (wrk, nginx-light, curl) are
# installed with apt-get.
set -euo pipefail

BENCH_NAME=feed-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RECORDS="${BENCH_RECORDS:-100000}"
DUPLICATES="${BENCH_DUPLICATES:-0}"
SEED="${BENCH_SEED:-20261122}"
PAGE_SIZE="${BENCH_PAGE_SIZE:-100}"
FORMATS="${BENCH_FORMATS:-oai_dc etdms}"
GZIP="${BENCH_GZIP:-1}"
CONCURRENCY="${BENCH_CONCURRENCY:-1 8 64}"
DURATION="${BENCH_DURATION:-12}"
WRK_THREADS="${BENCH_WRK_THREADS:-2}"
SERVERS="${BENCH_SERVERS:-essor pyoai nginx}"
NGINX_PORT="${BENCH_PORT:-8092}"
ONLY="${BENCH_ONLY:-all}"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-feed-bench}"
VENV="${BENCH_VENV:-$REPO/.venv}"

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
find_nginx
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -n "$NGINX" ]] || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
install_missing "${missing[@]}"
find_nginx
[[ -x "$ESSOR_BIN" ]] || die "no essor binary at $ESSOR_BIN (cargo build --release, or set ESSOR_BIN)"
case "$ONLY" in all|data|serve) ;; *) die "BENCH_ONLY must be all, data or serve" ;; esac
if [[ " $SERVERS " == *" pyoai "* ]] && ! "$VENV/bin/python" -c 'import oaipmh, lxml' 2>/dev/null; then
    log "creating $VENV with tests/peers/requirements.txt (pyoai, lxml)"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REPO/tests/peers/requirements.txt" >&2
fi
mkdir -p "$WORK"

# ---------------------------------------------------------------------------------------------
# Data: records, store with works, pyoai JSON (cached)
# ---------------------------------------------------------------------------------------------
DATA="$WORK/data-n$RECORDS-d$DUPLICATES-s$SEED"
STAMP="records=$RECORDS duplicates=$DUPLICATES seed=$SEED gen_dedup=$(sha256sum < "$REPO/bench/gen_dedup.py" | cut -c1-12)"
if [[ ! -f "$DATA/STAMP" || "$(cat "$DATA/STAMP")" != "$STAMP" ]]; then
    log "generating $RECORDS records (duplicates $DUPLICATES) into $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    "$PYTHON" "$REPO/bench/gen_dedup.py" --records "$RECORDS" --duplicates "$DUPLICATES" --seed "$SEED" \
        --changes 0 --out "$DATA/gen" >&2
    echo "$STAMP" > "$DATA/STAMP"
fi
PYOAI_STAMP="converter=$(sha256sum < "$REPO/bench/feed_pyoai.py" | cut -c1-12)"
if [[ ! -f "$DATA/pyoai.json" || ! -f "$DATA/PYOAI_STAMP" || "$(cat "$DATA/PYOAI_STAMP")" != "$PYOAI_STAMP" ]]; then
    log "converting the dump pages into pyoai's JSON"
    "$PYTHON" "$REPO/bench/feed_pyoai.py" convert --dumps "$DATA/gen/dumps" --out "$DATA/pyoai.json"
    echo "$PYOAI_STAMP" > "$DATA/PYOAI_STAMP"
fi
STORE="$DATA/store"
SOURCES="$DATA/gen/sources"
if [[ "${BENCH_FRESH_STORE:-0}" == 1 || ! -f "$DATA/STORE_OK" ]]; then
    rm -rf "$STORE" "$DATA/STORE_OK"
    log "building the store: essor harvest --all (the works update takes ~2 min at 100k)"
    start=$(date +%s.%N)
    "$ESSOR_BIN" --data "$STORE" --sources "$SOURCES" --quiet harvest --all > "$DATA/harvest.log" 2>&1 \
        || { tail -20 "$DATA/harvest.log" >&2; die "harvest failed (see $DATA/harvest.log)"; }
    awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "store built in %.1f s\n", e - s}' >&2
    tail -3 "$DATA/harvest.log" >&2
    echo "built by $("$ESSOR_BIN" --version 2>/dev/null) at commit $(git -C "$REPO" rev-parse --short HEAD)" > "$DATA/STORE_OK"
fi
log "data: $DATA ($(cat "$DATA/STORE_OK"))"
[[ "$ONLY" == data ]] && exit 0

# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------
ESSOR_PID="" PYOAI_PID="" NGINX_PID=""
stop_essor() {
    if [[ -n "$ESSOR_PID" ]] && kill -0 "$ESSOR_PID" 2>/dev/null; then
        kill -TERM "$ESSOR_PID" 2>/dev/null || true
        wait "$ESSOR_PID" 2>/dev/null || true
    fi
    ESSOR_PID=""
}
stop_pyoai() {
    if [[ -n "$PYOAI_PID" ]] && kill -0 "$PYOAI_PID" 2>/dev/null; then
        kill -TERM "$PYOAI_PID" 2>/dev/null || true
        wait "$PYOAI_PID" 2>/dev/null || true
    fi
    PYOAI_PID=""
}
stop_nginx() {
    if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    NGINX_PID=""
}
cleanup() { stop_essor; stop_pyoai; stop_nginx; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sets ESSOR_PID, ESSOR_ADDR; ESSOR_START_MS (spawn to "listening"), ESSOR_FIRST_MS (first page).
start_essor() { # listen address (default 127.0.0.1:0)
    local out="$WORK/essor-serve.out" listen=${1:-127.0.0.1:0} t0
    t0=$(date +%s%N)
    "$ESSOR_BIN" --data "$STORE" --sources "$SOURCES" serve --no-schedule --listen "$listen" \
        --page-size "$PAGE_SIZE" > "$out" 2> "$WORK/essor-serve.err" &
    ESSOR_PID=$!
    # Up to 10 minutes for the server to listen.
    ESSOR_ADDR=$(wait_listening "$ESSOR_PID" "$out" "$WORK/essor-serve.err" 600)
    ESSOR_START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    ESSOR_FIRST_MS=$(curl -s -o /dev/null -w '%{time_total}' \
        "http://$ESSOR_ADDR/oai?verb=ListRecords&metadataPrefix=oai_dc" | awk '{printf "%.0f", $1 * 1000}')
    log "essor serving on $ESSOR_ADDR (pid $ESSOR_PID): listening after ${ESSOR_START_MS} ms, first page ${ESSOR_FIRST_MS} ms"
    # The feed's records are rendered (another version's store) and precompressed for gzip
    # pages (made in the background since issue 17) once listening: the load waits for them.
    local waited=0
    until grep -q 'feed records up to date' "$WORK/essor-serve.err"; do
        kill -0 "$ESSOR_PID" 2>/dev/null || die "essor exited (see $WORK/essor-serve.err)"
        ((waited++ < 6000)) || die "the feed records were not ready after 10 minutes"
        sleep 0.1
    done
    log "essor's feed records ready $(( ($(date +%s%N) - t0) / 1000000 )) ms after its start"
}

# Sets PYOAI_PID, PYOAI_ADDR.
start_pyoai() {
    local out="$WORK/pyoai-serve.out"
    "$VENV/bin/python" "$REPO/bench/feed_pyoai.py" serve --data "$DATA/pyoai.json" --batch "$PAGE_SIZE" \
        --port 0 --max-seconds 86400 --no-stdin-watch < /dev/null > "$out" 2> "$WORK/pyoai-serve.err" &
    PYOAI_PID=$!
    PYOAI_ADDR=""
    for _ in $(seq 600); do
        PYOAI_ADDR=$(sed -n 's#^LISTENING #127.0.0.1:#p' "$out" | head -1)
        [[ -n "$PYOAI_ADDR" ]] && break
        kill -0 "$PYOAI_PID" 2>/dev/null || { cat "$WORK/pyoai-serve.err" >&2; die "pyoai server exited"; }
        sleep 0.05
    done
    [[ -n "$PYOAI_ADDR" ]] || die "pyoai server did not start in 30 s"
    # The records file is read at the first request: do it before anything is timed.
    local first_ms
    first_ms=$(curl -s -o /dev/null -w '%{time_total}' --max-time 300 \
        "http://$PYOAI_ADDR/oai?verb=ListRecords&metadataPrefix=oai_dc" \
        | awk '{printf "%.0f", $1 * 1000}')
    log "pyoai serving on $PYOAI_ADDR (pid $PYOAI_PID); records loaded by the first request in ${first_ms} ms"
}

start_nginx() {
    local ngx="$WORK/nginx"
    mkdir -p "$ngx"
    : > "$ngx/pages.map"
    local fmt
    for fmt in $FORMATS; do
        sed "s# /p\([0-9]*\)\.xml;# /$fmt/p\1.xml;#" "$WORK/pages/$fmt/pages.map" >> "$ngx/pages.map"
    done
    run_nginx "$ngx" "$REPO/bench/feed_nginx.conf.template" "$WORK/pages" "$NGINX_PORT" \
        "http://127.0.0.1:$NGINX_PORT/oai?verb=ListRecords&metadataPrefix=oai_dc"
    cat "$WORK"/pages/*/p*.xml* > /dev/null   # page cache
    log "nginx serving essor's saved pages on 127.0.0.1:$NGINX_PORT (master pid $NGINX_PID)"
}

if [[ "$ONLY" == serve ]]; then
    start_essor "127.0.0.1:${BENCH_ESSOR_PORT:-8090}"
    log "essor serving at http://$ESSOR_ADDR/oai until Ctrl-C"
    wait "$ESSOR_PID"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Walks: URL lists, checks, saved pages
# ---------------------------------------------------------------------------------------------
rm -rf "$WORK/pages" "$WORK/urls" "$WORK/runs"
mkdir -p "$WORK/pages" "$WORK/urls" "$WORK/runs"
walk_failed=0
start_essor
ESSOR_COLD_START_MS=$ESSOR_START_MS ESSOR_COLD_FIRST_MS=$ESSOR_FIRST_MS
for fmt in $FORMATS; do
    "$PYTHON" "$REPO/bench/feed_walk.py" --base "http://$ESSOR_ADDR/oai" --prefix "$fmt" \
        --urls "$WORK/urls/essor-$fmt.urls" --save-pages "$WORK/pages/$fmt" \
        --json "$WORK/urls/essor-$fmt.walk.json" || walk_failed=1
done
stop_essor
if [[ " $SERVERS " == *" pyoai "* && " $FORMATS " == *" oai_dc "* ]]; then
    start_pyoai
    "$PYTHON" "$REPO/bench/feed_walk.py" --base "http://$PYOAI_ADDR/oai" --prefix oai_dc \
        --urls "$WORK/urls/pyoai-oai_dc.urls" --json "$WORK/urls/pyoai-oai_dc.walk.json" || walk_failed=1
    # kept running for its load runs below (its start-up reads ~190 MB of JSON)
fi
((walk_failed == 0)) || log "warning: a walk found problems (see $WORK/urls/*.walk.json)"

# ---------------------------------------------------------------------------------------------
# Load runs
# ---------------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
printf 'format\tencoding\tserver\tconcurrency\trequests\tbytes\tduration_us\terr_connect\terr_read\terr_write\terr_status\terr_timeout\tp50_us\tp90_us\tp99_us\tmax_us\tcpu_s\tvmhwm_kib\tvmrss_kib\tspot_bad\n' > "$RESULTS"

server_pids() { # server -> the pids whose CPU and memory are counted
    case $1 in
        essor) echo "$ESSOR_PID" ;;
        pyoai) echo "$PYOAI_PID" ;;
        nginx) pgrep -P "$NGINX_PID" | tr '\n' ' ' ;;
    esac
}
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
mem_kib() { # field pids...
    local field=$1 t=0 p; shift
    for p in "$@"; do t=$((t + $(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status"))); done; echo "$t"
}
TICKS=$(getconf CLK_TCK)

spot_check() { # address, urls file, curl options... -> number of bad answers among every 50th URL
    local addr=$1 urls=$2 bad=0 code body; shift 2
    while read -r target; do
        body=$(curl -s --compressed "$@" -w '\n%{http_code}' "http://$addr$target") || { bad=$((bad + 1)); continue; }
        code=${body##*$'\n'}
        if [[ "$code" != 200 ]] || grep -q '<error' <<< "${body%$'\n'*}"; then bad=$((bad + 1)); fi
    done < <(awk 'NR % 50 == 1' "$urls")
    echo "$bad"
}

load_server() { # server, address, format, encoding, urls file
    local server=$1 addr=$2 fmt=$3 enc=$4 urls=$5 c threads out pids t0 t1 hdr=()
    [[ "$enc" == gzip ]] && hdr=(-H 'Accept-Encoding: gzip')
    read -r -a pids <<< "$(server_pids "$server")"
    FEED_URLS="$urls" FEED_OUT="$WORK/runs/warmup.json" \
        wrk -t1 -c8 -d3s --timeout 30s "${hdr[@]}" -s "$REPO/bench/feed_wrk.lua" "http://$addr" > /dev/null
    for c in $CONCURRENCY; do
        threads=$(( c < WRK_THREADS ? c : WRK_THREADS ))
        out="$WORK/runs/$server-$fmt-$enc-c$c"
        t0=$(cpu_ticks "${pids[@]}")
        FEED_URLS="$urls" FEED_OUT="$out.json" \
            wrk -t"$threads" -c"$c" -d"${DURATION}s" --timeout 30s "${hdr[@]}" -s "$REPO/bench/feed_wrk.lua" \
            "http://$addr" > "$out.wrk" 2>&1 || { cat "$out.wrk" >&2; die "wrk failed"; }
        t1=$(cpu_ticks "${pids[@]}")
        local hwm rss spot=""
        hwm=$(mem_kib VmHWM "${pids[@]}")
        rss=$(mem_kib VmRSS "${pids[@]}")
        if [[ "$c" == "${CONCURRENCY##* }" ]]; then spot=$(spot_check "$addr" "$urls" "${hdr[@]}"); fi
        "$PYTHON" - "$out.json" "$fmt" "$enc" "$server" "$c" "$(( t1 - t0 ))" "$TICKS" "$hwm" "$rss" "$spot" >> "$RESULTS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fmt, enc, server, c, ticks, hz, hwm, rss, spot = sys.argv[2:]
e, l = r["errors"], r["latency_us"]
print("\t".join(map(str, [fmt, enc, server, c, r["requests"], r["bytes"], r["duration_us"], e["connect"], e["read"],
      e["write"], e["status"], e["timeout"], l["p50"], l["p90"], l["p99"], l["max"],
      round(int(ticks) / int(hz), 2), hwm, rss, spot])))
PY
        tail -n1 "$RESULTS" | awk -F'\t' '{printf "[feed-bench] %s %s %s c=%s: %.1f pages/s, p50 %.1f ms, p99 %.1f ms, errors %d, CPU %.1f s, VmHWM %d MiB%s\n",
            $1, $2, $3, $4, $5 / ($7 / 1e6), $13 / 1000, $15 / 1000, $8 + $9 + $10 + $11 + $12, $17, $18 / 1024, ($20 != "" ? ", spot-check bad: " $20 : "")}' >&2
    done
}

ESSOR_STARTS=()
for fmt in $FORMATS; do
    encodings=identity
    [[ "$fmt" == oai_dc && "$GZIP" == 1 ]] && encodings="identity gzip"
    for enc in $encodings; do
        for server in $SERVERS; do
            case $server in
                essor)
                    start_essor
                    ESSOR_STARTS+=("$fmt/$enc: listening after ${ESSOR_START_MS} ms, first page ${ESSOR_FIRST_MS} ms")
                    load_server essor "$ESSOR_ADDR" "$fmt" "$enc" "$WORK/urls/essor-$fmt.urls"
                    stop_essor ;;
                pyoai)
                    [[ "$fmt" == oai_dc && "$enc" == identity && -n "$PYOAI_PID" ]] || continue
                    load_server pyoai "$PYOAI_ADDR" "$fmt" "$enc" "$WORK/urls/pyoai-oai_dc.urls"
                    stop_pyoai ;;
                nginx)
                    [[ -n "$NGINX_PID" ]] || start_nginx
                    load_server nginx "127.0.0.1:$NGINX_PORT" "$fmt" "$enc" "$WORK/urls/essor-$fmt.urls" ;;
            esac
        done
    done
done
stop_nginx

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
export BENCH_MACHINE="$(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
export BENCH_VERSIONS="$("$ESSOR_BIN" --version 2>/dev/null || echo essor); pyoai $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyoai"))' 2>/dev/null || echo n/a) on $("$VENV/bin/python" --version 2>&1); $("$NGINX" -v 2>&1 | sed 's#nginx version: ##'); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}')"
export BENCH_COMMIT="${BENCH_COMMIT_LABEL:-$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$REPO" diff --quiet -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+dirty')}"
export BENCH_RECORDS="$RECORDS" BENCH_PAGE_SIZE="$PAGE_SIZE" BENCH_DURATION="$DURATION" BENCH_WORK="$WORK"
export BENCH_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
export BENCH_ESSOR_STARTS="cold start before the walks: listening after ${ESSOR_COLD_START_MS} ms, first page ${ESSOR_COLD_FIRST_MS} ms; $(printf '%s; ' "${ESSOR_STARTS[@]}")"
"$PYTHON" - "$RESULTS" "$WORK/results.json" <<'PY'
import csv, glob, json, os, sys
from datetime import datetime, timezone

work = os.environ["BENCH_WORK"]
walks = {os.path.basename(p)[:-len(".walk.json")]: json.load(open(p)) for p in glob.glob(f"{work}/urls/*.walk.json")}
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
out = []
for r in rows:
    walk = walks[f"{'pyoai' if r['server'] == 'pyoai' else 'essor'}-{r['format']}"]
    secs = int(r["duration_us"]) / 1e6
    pages = int(r["requests"]) / secs
    errors = sum(int(r[k]) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    out.append({
        "format": r["format"], "encoding": r["encoding"], "server": r["server"], "concurrency": int(r["concurrency"]),
        "requests": int(r["requests"]), "seconds": round(secs, 2),
        "pages_per_s": round(pages, 1), "records_per_s": round(pages * walk["records_per_page"]),
        "mb_per_s": round(int(r["bytes"]) / secs / 1e6, 1),
        "p50_ms": int(r["p50_us"]) / 1000, "p90_ms": int(r["p90_us"]) / 1000, "p99_ms": int(r["p99_us"]) / 1000,
        "max_ms": int(r["max_us"]) / 1000,
        "errors": errors, "non_2xx": int(r["err_status"]), "timeouts": int(r["err_timeout"]),
        "server_cpu_s": float(r["cpu_s"]),
        "cpu_s_per_1k_pages": round(float(r["cpu_s"]) / int(r["requests"]) * 1000, 2) if int(r["requests"]) else None,
        "vmhwm_mib": round(int(r["vmhwm_kib"]) / 1024, 1), "vmrss_mib": round(int(r["vmrss_kib"]) / 1024, 1),
        "spot_check_bad": None if r["spot_bad"] == "" else int(r["spot_bad"]),
    })

def find(fmt, enc, server, c):
    for o in out:
        if (o["format"], o["encoding"], o["server"], o["concurrency"]) == (fmt, enc, server, c):
            return o
    return None

ratios = []
for o in out:
    if o["server"] != "essor":
        continue
    py = find(o["format"], o["encoding"], "pyoai", o["concurrency"])
    ng = find(o["format"], o["encoding"], "nginx", o["concurrency"])
    ratios.append({
        "format": o["format"], "encoding": o["encoding"], "concurrency": o["concurrency"],
        "vs_pyoai": round(o["pages_per_s"] / py["pages_per_s"], 1) if py and py["pages_per_s"] else None,
        "vs_nginx_pct": round(100 * o["pages_per_s"] / ng["pages_per_s"], 1) if ng and ng["pages_per_s"] else None,
        "p99_ms": o["p99_ms"],
    })
result = {
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "machine": os.environ["BENCH_MACHINE"], "versions": os.environ["BENCH_VERSIONS"],
    "commit": os.environ["BENCH_COMMIT"], "load_after": os.environ["BENCH_LOAD"],
    "records": int(os.environ["BENCH_RECORDS"]), "page_size": int(os.environ["BENCH_PAGE_SIZE"]),
    "duration_s": int(os.environ["BENCH_DURATION"]), "walks": walks, "essor_starts": os.environ["BENCH_ESSOR_STARTS"],
    "runs": out, "ratios": ratios,
}
json.dump(result, open(sys.argv[2], "w"), indent=2)

print()
ess = walks.get("essor-oai_dc") or next(iter(walks.values()))
print(f"OAI-PMH ListRecords, {ess['complete_list_size'] or ess['records']:,} works ({result['records']:,} records "
      f"harvested), pages of {result['page_size']}, {result['duration_s']} s per run, wrk and the server on the same 2 cores")
print(f"{result['date']} | {result['machine']} | {result['versions']} | commit {result['commit']} | load after: {result['load_after']}")
print()
print("| format | encoding | server | c | pages/s | records/s | MB/s | p50 ms | p99 ms | errors | server CPU-s / 1k pages | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for o in out:
    print(f"| {o['format']} | {o['encoding']} | {o['server']} | {o['concurrency']} | {o['pages_per_s']:,.1f} | "
          f"{o['records_per_s']:,} | {o['mb_per_s']:,.1f} | {o['p50_ms']:.1f} | {o['p99_ms']:.1f} | "
          f"{o['errors']}{'' if o['spot_check_bad'] in (None, 0) else ' (spot check: %d bad)' % o['spot_check_bad']} | "
          f"{o['cpu_s_per_1k_pages']} | {o['vmhwm_mib']:,.0f} |")
print()
print("| format | encoding | c | essor / pyoai (target >= 20x) | essor / nginx static (target >= 30%) | essor p99 (target < 50 ms at c=64) |")
print("|---|---|---|---|---|---|")
for r in ratios:
    vp = f"{r['vs_pyoai']}x" if r["vs_pyoai"] is not None else "–"
    vn = f"{r['vs_nginx_pct']}%" if r["vs_nginx_pct"] is not None else "–"
    print(f"| {r['format']} | {r['encoding']} | {r['concurrency']} | {vp} | {vn} | {r['p99_ms']:.1f} ms |")
print()
for name, w in sorted(walks.items()):
    print(f"- walk {name}: {w['pages']} pages, {w['records']:,} records ({w['deleted']} deleted), "
          f"{w['mean_page_bytes'] / 1024:.0f} KiB/page, {w['walk_s']} s; first page {w['first_page_ms']} ms, "
          f"median {w['median_page_ms']} ms, max {w['max_page_ms']} ms (page {w['max_page_number']}); "
          f"problems: {w['problem_count']}")
print(f"- essor start-up: {result['essor_starts']}")
PY
