#!/usr/bin/env bash
# Works following the harvest (issue 17): a second source harvested into a store that has works,
# its works built while its pages are fetched, against the same harvest followed by a separate
# `works update`, same store, same run.
#
# 1. bench/harvest_bench.sh serves its pages (BENCH_ONLY=serve: nginx on 127.0.0.1:BENCH_PORT).
# 2. A store with works: `essor harvest --source bench` (BENCH_RECORDS theses, works built in
#    bulk at the end: the store had none).
# 3. Two copies of it; the same pages as a second source `bench2` (every record a new record,
#    the same work as one of `bench`'s: the incremental path, record after record):
#      follow:     essor harvest --source bench2              (works follow the harvest)
#      sequential: essor harvest --source bench2 --no-works; essor works update
#    each under /usr/bin/time (wall, CPU, peak RSS), BENCH_RUNS times, interleaved.
# 4. Prints one line per step; the works of both copies are compared (same groups of records).
#
# Usage: bench/follow_bench.sh (build essor first: cargo build --release). Environment as for
# harvest_bench.sh: ESSOR_BIN, BENCH_RECORDS (default 50000), BENCH_RUNS (default 1),
# BENCH_PORT, BENCH_DIR (default ${TMPDIR:-/tmp}/essor-follow-bench; the pages are generated there
# by harvest_bench.sh). Needs what harvest_bench.sh needs, and python3.
set -euo pipefail

BENCH_NAME=follow
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${BENCH_PORT:-8089}"
RECORDS="${BENCH_RECORDS:-50000}"
RUNS="${BENCH_RUNS:-1}"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-follow-bench}"
BASE_URL="http://127.0.0.1:$PORT/oai"

[[ -x "$ESSOR_BIN" ]] || { log "no essor binary at $ESSOR_BIN (cargo build --release)"; exit 1; }

BENCH_DIR="$WORK" BENCH_RECORDS="$RECORDS" BENCH_PORT="$PORT" BENCH_ONLY=serve \
    "$REPO/bench/harvest_bench.sh" > "$WORK.serve.log" 2>&1 &
SERVER=$!
# TERM, not INT: a background job of a script starts with SIGINT ignored, and cannot trap it.
trap 'kill -TERM $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do
    curl -fs "$BASE_URL?verb=Identify" > /dev/null && break
    kill -0 $SERVER 2>/dev/null || { log "the provider did not start:"; cat "$WORK.serve.log" >&2; exit 1; }
    sleep 0.5
done

SOURCES="$WORK/sources"
mkdir -p "$SOURCES"
for id in bench bench2; do
    cat > "$SOURCES/$id.toml" <<EOF
# Written by bench/follow_bench.sh: the local nginx provider, no politeness delay.
name = "Benchmark ($id): static nginx provider, $RECORDS synthetic theses"
kind = "oai-pmh"
base_url = "$BASE_URL"
metadata_prefix = "oai_dc"
requests_per_second = 100000
timeout = "60s"
EOF
done

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/$label.time" "$@" > "$WORK/$label.out" 2>&1 \
        || { log "$label failed:"; tail -20 "$WORK/$label.out" >&2; exit 1; }
    read -r wall user sys rss < "$WORK/$label.time"
    printf '%s\t%s\t%.2f\t%s\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

log "a store with works: $RECORDS records of source bench"
rm -rf "$WORK/base"
measure base-harvest "$ESSOR_BIN" --data "$WORK/base" --sources "$SOURCES" --quiet harvest --source bench > /dev/null
uptime
printf 'step\twall (s)\tCPU (s)\tpeak RSS (MiB)\n'
for run in $(seq "$RUNS"); do
    for mode in follow sequential; do
        data="$WORK/$mode"
        rm -rf "$data"
        cp -a "$WORK/base" "$data"
        rm -f "$data/essor.sock"
        if [[ $mode == follow ]]; then
            measure "follow-$run" "$ESSOR_BIN" --data "$data" --sources "$SOURCES" --quiet harvest --source bench2
        else
            measure "sequential-harvest-$run" "$ESSOR_BIN" --data "$data" --sources "$SOURCES" --quiet harvest --source bench2 --no-works
            measure "sequential-update-$run" "$ESSOR_BIN" --data "$data" --sources "$SOURCES" --quiet works update
        fi
    done
done
uptime
grep -c '"works follow the harvest"\|works follow the harvest' "$WORK/follow-$RUNS.out" \
    | xargs -I{} echo "follow run $RUNS: {} updates while harvesting"

# The same works in both stores: each work's members, sorted.
groups() {
    "$ESSOR_BIN" --data "$1" --sources "$SOURCES" --quiet export --format jsonl \
        | python3 -c 'import json, sys
print("\n".join(sorted(" ".join(sorted(m["source"] + "/" + m["identifier"] for m in json.loads(l)["members"])) for l in sys.stdin)))'
}
if cmp -s <(groups "$WORK/follow") <(groups "$WORK/sequential"); then
    echo "works: the same groups of records in both stores"
else
    echo "works: the groups DIFFER between the two stores"
fi
rm -rf "$WORK/base" "$WORK/follow" "$WORK/sequential"
