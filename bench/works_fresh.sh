#!/usr/bin/env bash
# Issue 17's fresh build: the works of a store harvested with --no-works built from scratch
# (`essor works update`: features, clustering, full analysis and writes, then the search index),
# binaries taking turns, each on a fresh copy of the same store.
#
# Usage: BENCH_ONLY=generate BENCH_SIZES=100000 bench/dedup_bench.sh   (once: the records)
#        OLD_BIN=/path/to/before/essor BENCH_SIZES=100000 bench/works_fresh.sh
# Environment: ESSOR_BIN (after), OLD_BIN (before; none: ESSOR_BIN alone), BENCH_DIR,
#              BENCH_SIZES (one size, default 100000), ROUNDS (default 2).
# The --no-works store is harvested once by ESSOR_BIN into BENCH_DIR/nN-noworks and kept. One
# line per run: load average, wall, user and system CPU, peak RSS (GNU time), and the build's
# stages from essor's `works built from scratch` and `works and index up to date` lines.
set -euo pipefail
BENCH_NAME=works-fresh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-dedup-bench}"
N="${BENCH_SIZES:-100000}"
ROUNDS="${ROUNDS:-2}"
D="$WORK/n$N"
[[ -d "$D/sources" ]] || { echo "no records at $D (run dedup_bench.sh with BENCH_ONLY=generate)" >&2; exit 1; }
BASE="$WORK/n$N-noworks"
if [[ ! -f "$BASE/essor.redb" ]]; then
    "$ESSOR_BIN" --data "$BASE" --sources "$D/sources" -q harvest --all --no-works > /dev/null
fi
COPY="$WORK/n$N-fresh"
bins=("${OLD_BIN:-}" "$ESSOR_BIN")
for round in $(seq 1 "$ROUNDS"); do
    for bin in "${bins[@]}"; do
        [[ -n "$bin" ]] || continue
        rm -rf "$COPY" && cp -a "$BASE" "$COPY" && sync
        load=$(cut -d' ' -f1 /proc/loadavg)
        out=$(RUST_LOG=essor=info /usr/bin/time -f "TIME %e %U %S %M" "$bin" --data "$COPY" \
            --sources "$D/sources" works update 2>&1 >/dev/null)
        read -r _ wall user sys rss <<< "$(grep -E '^TIME' <<< "$out")"
        stages=$(grep -oE '"(features_ms|clustered_ms|written_ms|works_ms|index_ms)":[0-9]+' <<< "$out" | tr '\n' ' ')
        printf 'round %d %s: load %s, wall %s s, CPU %s+%s s, peak RSS %d MiB | %s\n' "$round" \
            "$(basename "$bin")" "$load" "$wall" "$user" "$sys" "$((rss / 1024))" "$stages"
    done
done
rm -rf "$COPY"
