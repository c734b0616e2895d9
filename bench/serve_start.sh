#!/usr/bin/env bash
# How long `essor serve` takes to answer on a store whose feed records an older essor rendered
# (after an upgrade that changes the renderer): the records are rendered again, before listening
# (older binaries) or in the background while pages are written from the works (since 0744afc).
#
# Usage: STORE=/path/to/essor.redb OLD_RENDER_BIN=/path/to/older/essor \
#        BEFORE_BIN=/path/to/essor [ESSOR_BIN=target/release/essor] bench/serve_start.sh
# STORE: a store with works (copied, never changed), e.g. feed_bench.sh's
# $BENCH_DIR/data-n100000-*/store/essor.redb; OLD_RENDER_BIN: an essor of another render version
# (`RENDER_VERSION` in src/feed/stored.rs), run before each server to mark the copy as its own.
# Per binary: the seconds to the first Identify answer, the first ListRecords page's time, the
# seconds until the log says the records were rendered; then whether both first pages hold the
# same records.
set -euo pipefail
BENCH_NAME=serve-start
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -f "${STORE:-}" && -x "${OLD_RENDER_BIN:-}" && -x "${BEFORE_BIN:-}" ]] ||
    die "set STORE, OLD_RENDER_BIN and BEFORE_BIN (see the header)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/essor-serve-start.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data" "$WORK/no-sources"
cp "$STORE" "$WORK/data/essor.redb"
now() { date +%s.%N; }
port=18801
for bin in "$BEFORE_BIN" "$ESSOR_BIN"; do
    "$OLD_RENDER_BIN" --data "$WORK/data" --sources "$WORK/no-sources" -q works update >/dev/null 2>&1
    start=$(now)
    RUST_LOG=essor=info "$bin" --data "$WORK/data" --sources "$WORK/no-sources" serve \
        --listen "127.0.0.1:$port" >"$WORK/serve-$port.log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/oai?verb=Identify"; do sleep 0.05; done
    up=$(now)
    page=$(curl -s -o "$WORK/page-$port.xml" -w '%{time_total}' \
        "http://127.0.0.1:$port/oai?verb=ListRecords&metadataPrefix=oai_dc")
    until grep -q 'feed records rendered and stored' "$WORK/serve-$port.log"; do sleep 0.2; done
    printf '%s\tfirst answer %.2f s\tfirst page %s s\trendered after %.1f s\tload %s\n' "$bin" \
        "$(echo "$up - $start" | bc)" "$page" "$(echo "$(now) - $start" | bc)" "$(loadavg)"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    port=$((port + 1))
done
"$PYTHON" - "$WORK/page-18801.xml" "$WORK/page-18802.xml" <<'PY'
import re, sys
pages = [re.findall(r"<record>.*?</record>", open(p).read(), re.S) for p in sys.argv[1:]]
print(f"first pages: {len(pages[0])} and {len(pages[1])} records, the same: {pages[0] == pages[1]}")
PY
