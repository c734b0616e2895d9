#!/usr/bin/env bash
# Issue 17's "1,000 changed records on a 1 M store": rounds of the change batch harvested end to
# end (`essor harvest --source bench-hal`: the page committed, works and search index following),
# two binaries alternated on one kept store, warm or with the store and its index evicted from
# the page cache first (posix_fadvise DONTNEED on those files only: other processes' caches stay).
#
# Usage: BENCH_KEEP_STORE=1 BENCH_ONLY=store BENCH_SIZES=1000000 bench/dedup_bench.sh   (once)
#        OLD_BIN=/path/to/before/essor bench/change_rounds.sh
# Environment: ESSOR_BIN (after), OLD_BIN (before; none: ESSOR_BIN alone), BENCH_DIR,
#              BENCH_SIZES (one size, default 1000000), STORE (default BENCH_DIR/nN-data),
#              ROUNDS (pairs, default 10), COLD=1 (evict before each round), STRACE=1 (count
#              the process's system calls, strace -f -c), FIRST (first edit number, default 1),
#              WARM=0 (warm rounds without reading the store into the page cache first),
#              RANDOM_RECORDS=1 (each round's 1,000 records drawn at random from the store's
#              bench-hal pages, seeded by k, instead of the change page's same 1,000),
#              OLD_STORE (the before binary's own store, built by it: for a schema the
#              before binary does not open; default STORE, both binaries on one store).
# Round k re-edits every French title of the change page with the k-th of five words (so each
# round changes every title from the round before) and a datestamp k days after 2026-12-01.
# With OLD_BIN the binaries take turns, so that each meets every word equally often over ten
# pairs. One line per round: wall, user and system CPU, 512-byte blocks read and written (GNU
# time), and the batch's stages from essor's debug log; then the medians per binary.
set -euo pipefail
BENCH_NAME=change-rounds
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kept_dedup_store
ROUNDS="${ROUNDS:-10}"
EDITS="$WORK/change-rounds"
LOGS="$WORK/change-rounds-logs"
[[ -x /usr/bin/time ]] || install_missing time
mkdir -p "$LOGS"
: > "$LOGS/rounds.txt"

edit_page() { edit_change_page "$1" "$EDITS"; }

page_cache() { # store evict|warm: every file of the store dropped from the page cache (only
    # those files: other processes' caches stay), or read once so that a warm round meets no page
    # of it on disk
    "$PYTHON" - "$1" "$2" <<'PY'
import os, sys, time
store, mode = sys.argv[1:3]
started, total = time.monotonic(), 0
for folder, _, files in os.walk(store):
    for name in files:
        fd = os.open(os.path.join(folder, name), os.O_RDONLY)
        if mode == "evict":
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        else:
            while chunk := os.read(fd, 1 << 24):
                total += len(chunk)
        os.close(fd)
if mode == "warm":
    print(f"warmed: {total / 2**20:.0f} MiB read in {time.monotonic() - started:.1f} s", file=sys.stderr)
PY
}

round() { # label binary k
    local label=$1 bin=$2 k=$3 log="$LOGS/$1-$3.log" trace=() store=$STORE
    [[ "$label" == before && -n "${OLD_STORE:-}" ]] && store=$OLD_STORE
    edit_page "$k"
    sync
    [[ "${COLD:-0}" == 1 ]] && page_cache "$store" evict
    [[ "${STRACE:-0}" == 1 ]] && trace=(strace -f -c -o "$log.strace")
    RUST_LOG=essor=debug "${trace[@]}" /usr/bin/time -f "TIME %e %U %S %I %O" "$bin" --data "$store" \
        --sources "$EDITS/sources" -q harvest --source bench-hal > "$log" 2>&1
    local stages
    stages=$(grep -oE '"[a-z_]+_ms":[0-9]+|"works_written":[0-9]+' "$log" | tr '\n' ' ')
    printf '%s k=%s load=%s %s | %s\n' "$label" "$k" "$(cut -d' ' -f1 /proc/loadavg)" \
        "$(grep '^TIME' "$log")" "$stages" | tee -a "$LOGS/rounds.txt"
    if [[ "${STRACE:-0}" == 1 ]]; then grep -E 'pread64|pwrite64|fdatasync' "$log.strace" >&2; fi
}

# "Warm" is the whole store in the page cache: rounds after a fresh build or another benchmark
# otherwise meet some of its pages on disk (the `%I` column counts them).
if [[ "${COLD:-0}" != 1 && "${WARM:-1}" == 1 ]]; then
    page_cache "$STORE" warm
    if [[ -n "${OLD_STORE:-}" ]]; then page_cache "$OLD_STORE" warm; fi
fi
k="${FIRST:-1}"
for _ in $(seq 1 "$ROUNDS"); do
    if [[ -n "${OLD_BIN:-}" ]]; then round before "$OLD_BIN" "$k"; k=$((k + 1)); fi
    round after "$ESSOR_BIN" "$k"; k=$((k + 1))
done
"$PYTHON" - "$LOGS/rounds.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"(\w+) k=\d+ load=\S+ TIME (\S+) (\S+) (\S+) (\d+) (\d+)", line)
    if m:
        stages = {name: int(v) for name, v in re.findall(r'"(\w+)":(\d+)', line)}
        stages.update(wall=float(m[2]), cpu=float(m[3]) + float(m[4]), read_blocks=int(m[5]))
        rows.setdefault(m[1], []).append(stages)
for label, runs in rows.items():
    keys = ["wall", "cpu", "read_blocks", "works_ms", "index_ms", "analysed_ms", "waited_ms", "applied_ms", "total_ms"]
    print(label, len(runs), "rounds, medians:",
          ", ".join(f"{key} {statistics.median(r.get(key, 0) for r in runs):g}" for key in keys))
PY
