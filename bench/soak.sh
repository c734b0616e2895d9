#!/usr/bin/env bash
# The 10-minute soak of issue 18: essor serve under SOAK_RATE requests/s (default 200) for
# SOAK_DURATION seconds (600) — searches, work pages (JSON and HTML), exports, OAI-PMH lists and
# GetRecord (bench/soak.py) — while a harvest runs again and again: the server's schedule
# harvests the `churn` source every minute (the same records as `base` under another source id,
# so its first pass also deduplicates them into the existing works; later passes read every page
# again). Not /admin/harvest: a harvest longer than the server's 60 s request timeout is cut.
#
# 1. Pages: bench/gen_pages.py writes SOAK_RECORDS synthetic theses (default 20,000) as oai_dc
#    pages of 100, cached in SOAK_DIR/pages; the store gets them as an oai-pmh-dump source `base`
#    (essor harvest), so the server has works, an index and a feed to read.
# 2. essor serve (ESSOR_BIN, default target/release/essor) on a free port, its schedule looked
#    at every second, with an API key whose quota the load never reaches.
# 3. bench/soak.py: the load, the harvest loop, p50/p99/max and the server's RSS every 30 s.
#
# Usage:  cargo build --release && bench/soak.sh
# Environment: ESSOR_BIN, SOAK_RATE, SOAK_DURATION, SOAK_RECORDS, SOAK_DIR (default
# ${TMPDIR:-/tmp}/essor-soak), SOAK_FRESH=1 to rebuild the store.
# Needs python3 (standard library only). Writes SOAK_DIR/results.json and prints Markdown tables.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_NAME=soak
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
root="$(dirname "$here")"
essor="${ESSOR_BIN:-$root/target/release/essor}"
rate="${SOAK_RATE:-200}"
duration="${SOAK_DURATION:-600}"
records="${SOAK_RECORDS:-20000}"
dir="${SOAK_DIR:-${TMPDIR:-/tmp}/essor-soak}"
[ -x "$essor" ] || { echo "soak: no essor binary at $essor (cargo build --release, or set ESSOR_BIN)" >&2; exit 2; }

mkdir -p "$dir"
python3 "$here/gen_pages.py" --out "$dir/pages" --records "$records" --page-size 100 --no-gzip >&2
for name in base churn; do
    mkdir -p "$dir/dumps/$name"
    ln -f "$dir"/pages/p*.xml "$dir/dumps/$name/"
done
mkdir -p "$dir/sources"
for name in base churn; do
    cat >"$dir/sources/$name.toml" <<TOML
name = "Soak: $name"
kind = "oai-pmh-dump"
base_url = "https://$name.soak.example.org/oai"
metadata_prefix = "oai_dc"
path = "$dir/dumps/$name"
TOML
done
echo 'harvest_every = "60s"' >>"$dir/sources/churn.toml"
if [ "${SOAK_FRESH:-0}" = 1 ]; then rm -rf "$dir/data"; fi
if [ ! -e "$dir/data/essor.redb" ]; then
    echo "soak: harvesting $records records into $dir/data" >&2
    "$essor" --data "$dir/data" --sources "$dir/sources" --quiet harvest --source base >&2
fi
# The old address must not be read before the new server's redirection truncates the file.
rm -f "$dir/serve.out"
"$essor" --data "$dir/data" --sources "$dir/sources" serve --listen 127.0.0.1:0 --schedule-tick 1s \
    --api-key soak --api-key-rate-limit 1000000 --rate-limit 1000000 --admin-token soak-admin \
    >"$dir/serve.out" 2>"$dir/serve.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
address="http://$(wait_listening "$server" "$dir/serve.out" "$dir/serve.err" 300)"
echo "soak: $essor at $address (pid $server), $rate requests/s for $duration s; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 "$here/soak.py" --base "$address" --pid "$server" --rate "$rate" --duration "$duration" \
    --out "$dir/results.json"
