#!/usr/bin/env bash
# Repeated incremental batches on a kept store (issue 3, "1,000 changed records in < 1 s"):
# re-edits every title of the benchmark's change page (bench/gen_dedup.py's 1,000 records) again,
# harvests it with --no-works, then times `essor works update` alone; RUNS times, then the median.
#
# Usage: BENCH_KEEP_STORE=1 BENCH_ONLY=store BENCH_SIZES=1000000 bench/dedup_bench.sh   (once)
#        BENCH_SIZES=1000000 bench/dedup_repeat.sh
# Environment: ESSOR_BIN, BENCH_DIR, BENCH_SIZES (one size), RUNS (default 12),
#              STORE (default BENCH_DIR/nN-data, the store dedup_bench.sh keeps).
# Prints one line per run (process wall and CPU from GNU time, blocks read from disk, the
# batch's own time from essor's debug log), then the median wall time.
set -euo pipefail
BENCH_NAME=dedup-repeat
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-dedup-bench}"
N="${BENCH_SIZES:-1000000}"
RUNS="${RUNS:-12}"
STORE="${STORE:-$WORK/n$N-data}"
D="$WORK/n$N"
[[ -d "$STORE" ]] || { echo "no store at $STORE (run dedup_bench.sh with BENCH_KEEP_STORE=1)" >&2; exit 1; }
EDITS="$WORK/repeat-edits"
walls=()
for run in $(seq 1 "$RUNS"); do
    rm -rf "$EDITS" && mkdir -p "$EDITS/dumps/bench-hal" "$EDITS/sources"
    python3 "$(dirname "${BASH_SOURCE[0]}")/edit_changes.py" "$D/changes" "$EDITS" "$run"
    "$ESSOR_BIN" --data "$STORE" --sources "$EDITS/sources" -q harvest --source bench-hal --no-works > /dev/null 2>&1
    sync
    line=$(RUST_LOG=essor=debug /usr/bin/time -f "TIME %e %U %S %I" "$ESSOR_BIN" --data "$STORE" \
        --sources "$D/sources" -q works update 2>&1 | grep -E "^TIME|total_ms" | tr '\n' ' ')
    wall=$(sed -E 's/.*TIME ([0-9.]+) .*/\1/' <<< "$line")
    batch=$(sed -E 's/.*"total_ms":([0-9]+).*/\1/' <<< "$line")
    read -r _ _ user sys inputs <<< "$(grep -oE 'TIME [0-9.]+ [0-9.]+ [0-9.]+ [0-9]+' <<< "$line")"
    printf 'run %2d: wall %s s, CPU %s+%s s, %s blocks read from disk, batch %s ms\n' "$run" "$wall" "$user" "$sys" "$inputs" "$batch"
    walls+=("$wall")
done
printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "median wall %.2f s over %d runs (min %.2f, max %.2f)\n", m, NR, a[1], a[NR]}'
