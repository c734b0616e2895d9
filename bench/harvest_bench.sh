#!/usr/bin/env bash
# End-to-end harvest benchmark: essor against Sickle, same pages, same run.
#
# 1. bench/gen_pages.py writes BENCH_RECORDS synthetic theses (default 100,000) as ListRecords
#    oai_dc pages of BENCH_PAGE_SIZE records (default 100) + Identify, with .gz copies;
#    pages are reused when the parameters have not changed.
# 2. nginx serves them as a static OAI-PMH provider on 127.0.0.1:BENCH_PORT (default 8089),
#    from a private prefix under BENCH_DIR (no root paths), gzip_static on: nginx is not the
#    bottleneck (it sends pre-compressed files with sendfile).
# 3. BENCH_RUNS times (default 3), interleaved, each under /usr/bin/time -v (wall time, user+system
#    CPU time, peak RSS):
#      a. essor --data D --sources S --quiet harvest --all --no-works  (fresh data dir each run; a generated
#         source TOML points at nginx with requests_per_second = 100000)
#         then, with BENCH_WORKS=1, on the same store: essor works update (the works and index
#         stages alone: "essor-update"), and essor harvest --all on a fresh store, works and index
#         included ("essor-works": what a user waits for)
#      b. bench/sickle_harvest.py: Sickle (pinned, in .venv-bench) iterates every record and
#         touches its metadata dict.
# 4. Prints a Markdown table (median of the runs), the essor/Sickle ratios, the machine, and writes
#    BENCH_DIR/results.json. nginx's access log is used to check that each harvester fetched every
#    page.
#
# Usage:  bench/harvest_bench.sh            (from anywhere; build essor first: cargo build --release)
# Environment:
#   ESSOR_BIN        essor binary (default: target/release/essor); skipped with a note if missing
#   ESSOR_BASE_BIN   a second essor binary (say main's) whose `harvest --no-works` is measured in
#                    the same runs, interleaved ("essor-base"), to compare two builds fairly; with
#                    BENCH_WORKS=1 its works update and end-to-end harvest too ("essor-base-update",
#                    "essor-base-works")
#   BENCH_ONLY       all (default) | essor | sickle | serve (only start the provider, until Ctrl-C)
#   BENCH_RUNS       runs per harvester (default 3)
#   BENCH_WORKS      1: also measure the works stage and the harvest end to end (default 0)
#   BENCH_RECORDS    records (default 100000)       BENCH_PAGE_SIZE   records per page (default 100)
#   BENCH_PORT       port on 127.0.0.1 (default 8089)
#   BENCH_DIR        work folder (default ${TMPDIR:-/tmp}/essor-bench): pages, nginx prefix, data, results
#   BENCH_VENV       virtualenv for Sickle (default: .venv-bench at the repository root)
# Needs: python3 (with venv), nginx, /usr/bin/time (GNU time), curl. As root, missing Debian
# packages (nginx-light, time, curl, python3-venv) are installed with apt-get.
set -euo pipefail

BENCH_NAME=bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${BENCH_PORT:-8089}"
RECORDS="${BENCH_RECORDS:-100000}"
PAGE_SIZE="${BENCH_PAGE_SIZE:-100}"
RUNS="${BENCH_RUNS:-3}"
WORKS="${BENCH_WORKS:-0}"
ONLY="${BENCH_ONLY:-all}"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-bench}"
ESSOR_BASE_BIN="${ESSOR_BASE_BIN:-}"
VENV="${BENCH_VENV:-$REPO/.venv-bench}"
GNU_TIME=/usr/bin/time
PAGES_DIR="$WORK/pages"
NGX="$WORK/nginx"
BASE_URL="http://127.0.0.1:$PORT/oai"
PAGES=$(( (RECORDS + PAGE_SIZE - 1) / PAGE_SIZE ))

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
find_nginx
missing=()
[[ -n "$NGINX" ]] || missing+=(nginx-light)
[[ -x "$GNU_TIME" ]] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
install_missing "${missing[@]}"
find_nginx

case "$ONLY" in all|essor|sickle|serve) ;; *) die "BENCH_ONLY must be all, essor, sickle or serve" ;; esac
if [[ "$ONLY" == essor && ! -x "$ESSOR_BIN" ]]; then
    die "no essor binary at $ESSOR_BIN (cargo build --release, or set ESSOR_BIN)"
fi
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/"; then
    die "something already listens on 127.0.0.1:$PORT (set BENCH_PORT)"
fi

mkdir -p "$WORK"

# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------
log "pages: $RECORDS records, $PAGES pages of $PAGE_SIZE, in $PAGES_DIR"
"$PYTHON" "$REPO/bench/gen_pages.py" --out "$PAGES_DIR" --records "$RECORDS" --page-size "$PAGE_SIZE" \
    --base-url "$BASE_URL" >&2
cat "$PAGES_DIR"/*.gz > /dev/null   # warm the page cache

# ---------------------------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------------------------
NGINX_PID=""
cleanup() {
    if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$NGX"
run_nginx "$NGX" "$REPO/bench/nginx.conf.template" "$PAGES_DIR" "$PORT" "$BASE_URL?verb=Identify"

# The provider answers as a harvester expects, or the figures mean nothing.
check() { # description, query, grep pattern
    local what=$1 query=$2 pattern=$3 body
    body=$(curl -sf "$BASE_URL?$query") || die "provider check failed: $what ($BASE_URL?$query): HTTP error"
    grep -q -- "$pattern" <<< "$body" || die "provider check failed: $what ($BASE_URL?$query)"
}
headers() { curl -sf -D - -o /dev/null "$@" || die "provider check failed: HTTP error on $*"; }
check "Identify" "verb=Identify" "<Identify>"
check "first page" "verb=ListRecords&metadataPrefix=oai_dc" ">p0002</resumptionToken>"
check "last page has an empty token" "verb=ListRecords&resumptionToken=p$(printf %04d "$PAGES")" "<resumptionToken [^>]*/>"
check "unknown token" "verb=ListRecords&resumptionToken=p9999x" 'code="badResumptionToken"'
check "bad argument" "verb=GetRecord" 'code="badArgument"'
grep -qi '^content-encoding: gzip' <<< "$(headers -H 'Accept-Encoding: gzip' "$BASE_URL?verb=ListRecords&metadataPrefix=oai_dc")" \
    || die "provider check failed: gzip"
grep -qi '^content-type: text/xml; charset=utf-8' <<< "$(headers "$BASE_URL?verb=Identify")" \
    || die "provider check failed: content type"
log "provider ready at $BASE_URL (nginx pid $NGINX_PID, prefix $NGX)"

if [[ "$ONLY" == serve ]]; then
    log "serving until Ctrl-C"
    wait "$NGINX_PID"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
printf 'tool\trun\texit\twall_s\tcpu_s\tpeak_rss_kib\tlistrecords_requests\tbytes_sent\n' > "$RESULTS"

access_lines() {
    kill -USR1 "$NGINX_PID"   # reopen logs: flushes the buffered access log
    sleep 0.3
    wc -l < "$NGX/logs/access.log"
}

measure() { # tool, run, command...
    local tool=$1 run=$2; shift 2
    local out="$WORK/$tool-$run.out" tfile="$WORK/$tool-$run.time" before after rc=0
    before=$(access_lines)
    "$GNU_TIME" -v -o "$tfile" "$@" > "$out" 2>&1 || rc=$?
    after=$(access_lines)
    local wall cpu rss requests bytes
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$tfile")
    cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$tfile")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
read -r requests bytes < <(awk -v a="$before" -v b="$after" \
        'NR > a && NR <= b { if (/verb=ListRecords/) n++; s += $3 } END { print n + 0, s + 0 }' "$NGX/logs/access.log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$rc" "$wall" "$cpu" "$rss" "$requests" "$bytes" >> "$RESULTS"
    if ((rc != 0)); then
        log "$tool run $run exited with $rc; last lines of $out:"
        tail -n 20 "$out" >&2
    elif [[ "$tool" != *-update ]] && ((requests < PAGES)); then
        log "warning: $tool run $run made $requests ListRecords requests for $PAGES pages: incomplete harvest?"
    fi
    log "$tool run $run: exit $rc, ${wall}s wall, ${cpu}s CPU, peak RSS ${rss} KiB, $requests ListRecords requests"
}

run_essor=false
run_sickle=false
[[ "$ONLY" == all || "$ONLY" == essor ]] && run_essor=true
[[ "$ONLY" == all || "$ONLY" == sickle ]] && run_sickle=true
if $run_essor && [[ ! -x "$ESSOR_BIN" ]]; then
    log "no essor binary at $ESSOR_BIN: measuring Sickle only (cargo build --release, or set ESSOR_BIN)"
    run_essor=false
fi

if $run_sickle; then
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating $VENV"
        "$PYTHON" -m venv "$VENV"
        printf '*\n' > "$VENV/.gitignore"   # never committed, wherever it lives
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REPO/bench/requirements-bench.txt" >&2
fi

ESSOR_HOME="$WORK/essor"
if $run_essor; then
    mkdir -p "$ESSOR_HOME/sources"
    cat > "$ESSOR_HOME/sources/bench.toml" <<EOF
# Written by bench/harvest_bench.sh: the local nginx provider, no politeness delay.
name = "Benchmark: static nginx provider, $RECORDS synthetic theses"
kind = "oai-pmh"
base_url = "$BASE_URL"
metadata_prefix = "oai_dc"
requests_per_second = 100000
timeout = "60s"
EOF
fi

for run in $(seq "$RUNS"); do
    if $run_essor; then
        rm -rf "$ESSOR_HOME/data"
        measure essor "$run" "$ESSOR_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet harvest --all --no-works
        du -sk "$ESSOR_HOME/data" 2>/dev/null | awk -v r="$run" '{print "essor run " r ": data folder " $1 " KiB"}' >&2 || true
        if [[ "$WORKS" == 1 ]]; then
            measure essor-update "$run" "$ESSOR_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet works update
        fi
        if [[ -n "$ESSOR_BASE_BIN" ]]; then
            rm -rf "$ESSOR_HOME/data"
            measure essor-base "$run" "$ESSOR_BASE_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet harvest --all --no-works
            if [[ "$WORKS" == 1 ]]; then
                measure essor-base-update "$run" "$ESSOR_BASE_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet works update
            fi
        fi
        if [[ "$WORKS" == 1 ]]; then
            rm -rf "$ESSOR_HOME/data"
            measure essor-works "$run" "$ESSOR_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet harvest --all
            du -sk "$ESSOR_HOME/data" 2>/dev/null | awk -v r="$run" '{print "essor-works run " r ": data folder " $1 " KiB"}' >&2 || true
            if [[ -n "$ESSOR_BASE_BIN" ]]; then
                rm -rf "$ESSOR_HOME/data"
                measure essor-base-works "$run" "$ESSOR_BASE_BIN" --data "$ESSOR_HOME/data" --sources "$ESSOR_HOME/sources" --quiet harvest --all
            fi
        fi
    fi
    if $run_sickle; then
        measure sickle "$run" "$VENV/bin/python" "$REPO/bench/sickle_harvest.py" \
            --endpoint "$BASE_URL" --expect "$RECORDS"
    fi
done

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
essor_version="n/a"
$run_essor && essor_version=$("$ESSOR_BIN" --version 2>/dev/null || echo unknown)
sickle_version="n/a"
$run_sickle && sickle_version=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("Sickle"))')
export BENCH_RECORDS="$RECORDS" BENCH_PAGES="$PAGES" BENCH_PAGE_SIZE="$PAGE_SIZE" ESSOR_BASE_BIN
export BENCH_MACHINE="$(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
export BENCH_VERSIONS="essor: $essor_version; Sickle $sickle_version; $("$NGINX" -v 2>&1 | sed 's#nginx version: ##'); $("$PYTHON" --version)"
export BENCH_COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$REPO" diff --quiet 2>/dev/null || echo '+dirty')"
export BENCH_PAGES_BYTES="$(cat "$PAGES_DIR"/p[0-9]*.xml | wc -c)"
export BENCH_PAGES_GZ_BYTES="$(cat "$PAGES_DIR"/p[0-9]*.xml.gz | wc -c)"
"$PYTHON" - "$RESULTS" "$WORK/results.json" <<'PY'
import csv, json, os, statistics, sys
from datetime import datetime, timezone

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
records = int(os.environ["BENCH_RECORDS"])
summary = {}
for tool in ("essor", "essor-base", "essor-update", "essor-base-update", "essor-works",
             "essor-base-works", "sickle"):
    runs = [r for r in rows if r["tool"] == tool]
    ok = [r for r in runs if r["exit"] == "0"]
    if not runs:
        continue
    walls = [float(r["wall_s"]) for r in ok]
    cpus = [float(r["cpu_s"]) for r in ok]
    rss = [int(r["peak_rss_kib"]) for r in ok]
    summary[tool] = {
        "runs": len(runs), "ok_runs": len(ok),
        "wall_s": walls,
        "median_wall_s": statistics.median(walls) if walls else None,
        "median_records_per_s": round(records / statistics.median(walls), 1) if walls else None,
        "cpu_s": cpus,
        "median_cpu_s": statistics.median(cpus) if cpus else None,
        "records_per_cpu_s": round(records / statistics.median(cpus), 1) if cpus else None,
        "peak_rss_mib_max": round(max(rss) / 1024, 1) if rss else None,
        "listrecords_requests": [int(r["listrecords_requests"]) for r in runs],
        "bytes_sent": [int(r["bytes_sent"]) for r in runs],
    }
result = {
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": os.environ["BENCH_MACHINE"],
    "versions": os.environ["BENCH_VERSIONS"],
    "commit": os.environ["BENCH_COMMIT"],
    "records": records, "pages": int(os.environ["BENCH_PAGES"]), "page_size": int(os.environ["BENCH_PAGE_SIZE"]),
    "pages_mb": round(int(os.environ["BENCH_PAGES_BYTES"]) / 1e6, 1),
    "pages_gzip_mb": round(int(os.environ["BENCH_PAGES_GZ_BYTES"]) / 1e6, 1),
    "tools": summary,
}
if summary.get("essor", {}).get("median_wall_s") and summary.get("sickle", {}).get("median_wall_s"):
    e, s = summary["essor"], summary["sickle"]
    result["essor_speedup_vs_sickle"] = round(s["median_wall_s"] / e["median_wall_s"], 2)
    result["essor_cpu_efficiency_vs_sickle"] = round(s["median_cpu_s"] / e["median_cpu_s"], 2)
    result["essor_rss_vs_sickle"] = round(e["peak_rss_mib_max"] / s["peak_rss_mib_max"], 2)
if summary.get("essor-works", {}).get("median_wall_s") and summary.get("sickle", {}).get("median_wall_s"):
    result["essor_works_speedup_vs_sickle"] = round(
        summary["sickle"]["median_wall_s"] / summary["essor-works"]["median_wall_s"], 2)
json.dump(result, open(sys.argv[2], "w"), indent=2)

print()
print(f"Harvest of {records:,} records ({result['pages']} pages of {result['page_size']}, "
      f"{result['pages_mb']} MB of XML, {result['pages_gzip_mb']} MB gzipped on the wire) from nginx on 127.0.0.1")
print(f"{result['date']} | {result['machine']} | {result['versions']} | commit {result['commit']}")
print()
print("| harvester | runs ok | median wall (s) | records/s | median CPU (s) | records/CPU-s | peak RSS (MiB) | ListRecords requests |")
print("|---|---|---|---|---|---|---|---|")
for tool, t in summary.items():
    wall = f"{t['median_wall_s']:.2f}" if t["median_wall_s"] else "–"
    rate = f"{t['median_records_per_s']:,.0f}" if t["median_records_per_s"] else "–"
    rss = f"{t['peak_rss_mib_max']:.1f}" if t["peak_rss_mib_max"] else "–"
    cpu = f"{t['median_cpu_s']:.2f}" if t["median_cpu_s"] else "–"
    cpu_rate = f"{t['records_per_cpu_s']:,.0f}" if t["records_per_cpu_s"] else "–"
    print(f"| {tool} | {t['ok_runs']}/{t['runs']} | {wall} | {rate} | {cpu} | {cpu_rate} | {rss} | "
          f"{', '.join(map(str, t['listrecords_requests']))} |")
if "essor_speedup_vs_sickle" in result:
    print()
    print(f"essor: {result['essor_speedup_vs_sickle']}x Sickle's throughput (wall), "
          f"{result['essor_cpu_efficiency_vs_sickle']}x fewer CPU-seconds, {result['essor_rss_vs_sickle']}x its peak RSS")
    print("(wall time is what a user waits; CPU time is steadier when the machine is busy)")
if summary.get("essor-base", {}).get("median_wall_s") and summary.get("sickle", {}).get("median_wall_s"):
    b = summary["essor-base"]
    print(f"essor-base ({os.environ.get('ESSOR_BASE_BIN', '')}): "
          f"{round(summary['sickle']['median_wall_s'] / b['median_wall_s'], 2)}x Sickle's throughput (wall)")
if "essor_works_speedup_vs_sickle" in result:
    print(f"essor harvest end to end (works and index included): {result['essor_works_speedup_vs_sickle']}x Sickle's throughput (wall)")
if summary.get("essor-base-works", {}).get("median_wall_s") and summary.get("sickle", {}).get("median_wall_s"):
    print(f"essor-base harvest end to end: "
          f"{round(summary['sickle']['median_wall_s'] / summary['essor-base-works']['median_wall_s'], 2)}x Sickle's throughput (wall)")
print(f"\n(raw: {sys.argv[1]}, {sys.argv[2]})")
PY

# Raw quick-xml parse speed over the same bytes, in the same run: the ceiling the harvester's
# end-to-end throughput is compared with (issue 2 asks for >= 30% of it).
if [ "$ONLY" != "sickle" ] && [ -x "$ESSOR_BIN" ]; then
    echo
    echo "Parsing the same $(ls "$WORK"/pages/p*.xml | wc -l) pages from memory (essor bench-parse):"
    # shellcheck disable=SC2046
    "$ESSOR_BIN" bench-parse $(ls "$WORK"/pages/p*.xml) | tee "$WORK/parse.txt"
    "$PYTHON" - "$WORK/results.json" "$WORK/parse.txt" <<'PY'
import json, re, sys
result = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
raw = float(re.search(r"raw quick-xml events: [\d.]+s, ([\d.]+) MiB/s", text).group(1))
mib = result["pages_mb"] * 1e6 / 2**20
for tool in ("essor", "essor-base"):
    t = result["tools"].get(tool, {})
    if t.get("median_wall_s"):
        end_to_end = mib / t["median_wall_s"]
        print(f"{tool} harvest: {end_to_end:.1f} MiB/s of XML = {100 * end_to_end / raw:.0f}% of raw quick-xml parsing ({raw:.1f} MiB/s)")
PY
fi
