#!/usr/bin/env bash
# `essor works rebuild` after a thesaurus change (issue 17): on a kept store of the dedup
# benchmark's generated records (`BENCH_ONLY=store BENCH_KEEP_STORE=1 bench/dedup_bench.sh`), in
# turn: nothing changed (the built-in thesaurus); a term added to a theme ("coopération
# internationale" in collaborative-economy: ~2% of the generated works change); a new theme whose
# terms most generated abstracts hold (every work changes, and the feed records' renderer with
# it: the new theme's labels); the built-in thesaurus again (every work changes back). Each run
# under /usr/bin/time -v, with essor's stage timings (features, clustering, writes, index) and the
# works it changed.
#
# Usage:  BENCH_DIR=/tmp/essor-dedup-bench BENCH_SIZE=1000000 bench/rebuild_bench.sh
# Environment:
#   ESSOR_BIN    the binary (default target/release/essor)
#   BENCH_DIR    the dedup benchmark's folder (default ${TMPDIR:-/tmp}/essor-dedup-bench)
#   BENCH_SIZE   which of its stores: nN-data, with nN/sources (default 100000)
#   COPY=1       each run on a fresh copy of the store (`cp -a`, keeping its clean-close mark),
#                so that every run starts from the same works; without it the runs follow each
#                other on the store itself (a 1 M store is too big to copy four times)
#   STEPS        the runs, in order (default "none term theme builtin")
set -euo pipefail

BENCH_NAME=rebuild
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-dedup-bench}"
N="${BENCH_SIZE:-100000}"
STORE="$WORK/n$N-data"
SOURCES="$WORK/n$N/sources"
STEPS="${STEPS:-none term theme builtin}"
[[ -x "$ESSOR_BIN" ]] || die "no essor binary at $ESSOR_BIN (cargo build --release)"
[[ -d "$STORE" && -d "$SOURCES" ]] || die "no kept store $STORE (BENCH_ONLY=store BENCH_KEEP_STORE=1 bench/dedup_bench.sh)"

OUT="$WORK/rebuild"
mkdir -p "$OUT"
BUILTIN="$REPO/thesaurus/ess-themes.toml"
"$PYTHON" - "$BUILTIN" "$OUT" <<'PY'
import sys
builtin, out = sys.argv[1], sys.argv[2]
text = open(builtin, encoding="utf-8").read()
start = text.index('id = "collaborative-economy"')
at = text.index("terms = [", start) + len("terms = [")
open(f"{out}/term.toml", "w", encoding="utf-8").write(
    text[:at] + '\n    "coopération internationale",' + text[at:])
open(f"{out}/theme.toml", "w", encoding="utf-8").write(text + '''
[[theme]]
id = "field-methods"
fr = "Méthodes d'enquête de terrain"
en = "Field research methods"
weight = 0.3
terms = ["entretiens semi-directifs", "semi-structured interviews", "analyse documentaire"]
''')
PY

run() { # run STEP: one rebuild, its figures on one line
    local step=$1 data=$STORE args=()
    case "$step" in
        none|builtin) ;;
        term|theme) args=(--thesaurus "$OUT/$step.toml") ;;
        *) die "unknown step $step (none, term, theme, builtin)" ;;
    esac
    if [[ "${COPY:-0}" == 1 ]]; then
        data="$OUT/copy"
        rm -rf "$data" && cp -a "$STORE" "$data"
    fi
    local load; load=$(loadavg)
    /usr/bin/time -v -o "$OUT/$step.time" "$ESSOR_BIN" --data "$data" --sources "$SOURCES" -q \
        --log-format json works rebuild "${args[@]}" >"$OUT/$step.out" 2>"$OUT/$step.err"
    "$PYTHON" - "$step" "$OUT" "$load" <<'PY'
import json, re, sys
step, out, load = sys.argv[1], sys.argv[2], sys.argv[3]
time = open(f"{out}/{step}.time").read()
def field(name):
    return re.search(re.escape(name) + r": (.*)", time).group(1).strip()
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) // 1024
stages = {}
for line in open(f"{out}/{step}.err"):
    try:
        fields = json.loads(line).get("fields", {})
    except ValueError:
        continue
    stages.update({k: v for k, v in fields.items() if k.endswith("_ms") or k.startswith("works_")})
report = json.load(open(f"{out}/{step}.out"))
print(f"{step:8} wall {secs:7.1f} s  cpu {cpu:7.1f} s  rss {rss:5} MiB  "
      f"changed {report['works_changed']:>7} created {report['works_created']:>4}  "
      f"features {stages.get('features_ms', 0) / 1000:.1f} clustering {stages.get('clustered_ms', 0) / 1000:.1f} "
      f"writes {stages.get('written_ms', 0) / 1000:.1f} index {stages.get('index_ms', 0) / 1000:.1f} s  load {load}")
PY
}

log "works rebuild of $STORE with $ESSOR_BIN (copies: ${COPY:-0})"
for step in $STEPS; do run "$step"; done
[[ "${COPY:-0}" == 1 ]] && rm -rf "$OUT/copy"
log "logs in $OUT"
