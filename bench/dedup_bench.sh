#!/usr/bin/env bash
# Deduplication benchmark (issue 3, "Performance"): essor's clustering in memory and through the
# store, on synthetic ESS records with 20% duplicates, plus an incremental batch of 1,000 changes.
#
# For each size N in BENCH_SIZES (default "100000 1000000"):
# 0. bench/gen_dedup.py writes N labelled records (records.jsonl, labels.tsv), the same records as
#    gzipped oai_dc ListRecords pages for 3 `oai-pmh-dump` sources, their source files, and a change
#    page of BENCH_CHANGES bench-hal records (existing identifiers, newer datestamps, edited
#    titles). Cached in BENCH_DIR/nN; regenerated when the parameters or the generator change.
# 1. In memory:   /usr/bin/time -v essor dedup-eval records.jsonl --json
#                 -> wall, CPU, peak RSS, pairwise precision/recall/F1 against the labels.
# 2. Store:       /usr/bin/time -v essor --data D --sources S --quiet harvest --all   (fresh store;
#                 the harvest runs `works update` itself) -> wall, CPU, peak RSS; the split between
#                 the harvest and the works update is read from the times at which essor prints its
#                 harvest summary and its "works:" line (stdout is line-buffered). The works in the
#                 store are then scored against labels.tsv (essor export).
# 3. Changes:     essor --sources changes/sources --quiet harvest --source bench-hal
#                 (changes/sources holds the same three sources, bench-hal reading only the change
#                 page: 1,000 existing (source, identifier) keys re-issued) -> wall; of which the
#                 works update of those 1,000 changes (the same stdout split): the figure issue 3's
#                 "< 1 s" target is about.
#                 Then a separate `essor works update` (timed too): the harvest has already brought
#                 the works up to date, so it processes 0 records and shows the fixed cost of an
#                 update run (open the store, load the thesaurus).
# 4. Prints a Markdown table and writes BENCH_DIR/results.json.
#
# Only the filesystem is used (no network). Runs are sequential (a 2-core machine is shared).
#
# Usage:  bench/dedup_bench.sh              (from anywhere; build essor first: cargo build --release)
# Environment:
#   ESSOR_BIN         essor binary (default: target/release/essor)
#   BENCH_SIZES       record counts, space-separated (default "100000 1000000")
#   BENCH_DUPLICATES  share of records that are extra copies (default 0.2)
#   BENCH_CHANGES     records in the change batch (default 1000)
#   BENCH_ONLY        all (default) | eval (in-memory only) | store (store + changes only) | generate
#   BENCH_DIR         work folder (default ${TMPDIR:-/tmp}/essor-dedup-bench): data, stores, results
#   BENCH_KEEP_STORE  1 to keep each size's store after its run (default: deleted, they are large)
# Needs: python3 (3.8+, standard library), GNU time (/usr/bin/time). As root, a missing GNU time is
# installed with apt-get.
set -euo pipefail

BENCH_NAME=dedup-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SIZES="${BENCH_SIZES:-100000 1000000}"
DUPS="${BENCH_DUPLICATES:-0.2}"
CHANGES="${BENCH_CHANGES:-1000}"
ONLY="${BENCH_ONLY:-all}"
WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-dedup-bench}"
GNU_TIME=/usr/bin/time
CHANGE_SOURCE=bench-hal

case "$ONLY" in all|eval|store|generate) ;; *) die "BENCH_ONLY must be all, eval, store or generate" ;; esac
[[ -x "$GNU_TIME" ]] || install_missing time
if [[ "$ONLY" != generate && ! -x "$ESSOR_BIN" ]]; then
    die "no essor binary at $ESSOR_BIN (cargo build --release, or set ESSOR_BIN)"
fi
mkdir -p "$WORK"
# The commit measured: taken now, as the work tree may change while the benchmark runs (the binary's
# build time is reported too: a binary older than its sources measures older code).
export BENCH_COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$REPO" diff --quiet -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+dirty')"
RESULTS="$WORK/results.tsv"
printf 'records\tstep\texit\twall_s\tcpu_s\tpeak_rss_kib\tload1\tdetail\n' > "$RESULTS"

# Prints every line of its standard input prefixed with the wall-clock time it arrived (epoch s).
STAMP='import sys, time
out = sys.stdout
for line in iter(sys.stdin.buffer.readline, b""):
    out.write("%.6f\t%s" % (time.time(), line.decode("utf-8", "replace")))
    out.flush()'

wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"; }
cpu_of() { awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# measure N STEP OUT DETAIL_CMD -- command...: runs the command under GNU time (stdout time-stamped
# into OUT), appends a row to results.tsv; DETAIL_CMD is evaluated afterwards for the detail column.
measure() {
    local n=$1 step=$2 out=$3 detail_cmd=$4; shift 5
    local tfile="$out.time" rc=0 load
    load=$(load1)
    set +e
    "$GNU_TIME" -v -o "$tfile" "$@" 2> "$out.stderr" | "$PYTHON" -c "$STAMP" > "$out"
    rc=${PIPESTATUS[0]}
    set -e
    local wall cpu rss detail
    wall=$(wall_of "$tfile"); cpu=$(cpu_of "$tfile"); rss=$(rss_of "$tfile")
    detail=$(eval "$detail_cmd" 2>/dev/null || echo "?")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$step" "$rc" "$wall" "$cpu" "$rss" "$load" "$detail" >> "$RESULTS"
    if ((rc != 0)); then
        log "$step (N=$n) exited with $rc; last lines of $out.stderr:"
        tail -n 15 "$out.stderr" >&2
    fi
    log "$step (N=$n): exit $rc, ${wall}s wall, ${cpu}s CPU, peak RSS $((rss / 1024)) MiB, load $load; $detail"
}

# Seconds between the harvest summary (its header line) and the "works:" line in a stamped output.
works_split() { # file -> "harvest_end_epoch works_s works_line"
    awk -F'\t' '/^[0-9.]+\tsource +status/ && !h {h = $1} /^[0-9.]+\tworks: / {w = $1; line = $2}
        END { if (h && w) printf "%.3f %s", w - h, line; else print "? ?" }' "$1"
}

# Pairwise precision/recall/F1 of the works in the store (essor export) against labels.tsv.
SCORE_STORE='import json, sys
from collections import Counter, defaultdict
labels = {}
for line in open(sys.argv[1], encoding="utf-8"):
    source, identifier, work = line.rstrip("\n").split("\t")
    labels[(source, identifier)] = work
pairs = lambda n: n * (n - 1) // 2
true_pairs = sum(pairs(n) for n in Counter(labels.values()).values())
predicted = correct = works = members = 0
for line in sys.stdin:
    work = json.loads(line)
    works += 1
    got = [labels.get((m["source"], m["identifier"]), "?") for m in work["members"]]
    members += len(got)
    predicted += pairs(len(got))
    correct += sum(pairs(n) for n in Counter(got).values())
p = correct / predicted if predicted else 1.0
r = correct / true_pairs if true_pairs else 1.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(json.dumps({"works": works, "members": members, "true_pairs": true_pairs, "predicted_pairs": predicted,
                  "correct_pairs": correct, "precision": p, "recall": r, "f1": f1}))'

for N in $SIZES; do
    D="$WORK/n$N"
    # ------------------------------------------------------------------------------------------
    # 0. Data
    # ------------------------------------------------------------------------------------------
    params="records=$N duplicates=$DUPS changes=$CHANGES generator=$(sha256sum "$REPO/bench/gen_dedup.py" | cut -c1-16)"
    if [[ -f "$D/manifest.json" && -f "$D/.params" && "$(cat "$D/.params")" == "$params" ]]; then
        log "N=$N: reusing the records in $D"
    else
        log "N=$N: generating records in $D ($params)"
        rm -f "$D/.params"
        "$PYTHON" "$REPO/bench/gen_dedup.py" --records "$N" --duplicates "$DUPS" --changes "$CHANGES" --out "$D" >&2
        printf '%s' "$params" > "$D/.params"
    fi
    [[ "$ONLY" == generate ]] && continue
    cat "$D/records.jsonl" "$D"/dumps/*/*.xml.gz "$D"/changes/dumps/*/*.xml.gz > /dev/null   # warm the page cache

    # ------------------------------------------------------------------------------------------
    # 1. In memory: dedup-eval
    # ------------------------------------------------------------------------------------------
    if [[ "$ONLY" == all || "$ONLY" == eval ]]; then
        out="$WORK/n$N-eval"
        measure "$N" dedup-eval "$out" \
            "cut -f2- '$out' | $PYTHON -c 'import json,sys; r=json.load(sys.stdin); print(\"P %.4f R %.4f F1 %.4f; %d works found, %d labelled\" % (r[\"precision\"], r[\"recall\"], r[\"f1\"], r[\"works_found\"], r[\"works_labelled\"]))'" \
            -- "$ESSOR_BIN" dedup-eval "$D/records.jsonl" --json
        cut -f2- "$out" > "$WORK/n$N-eval.json" || true
    fi

    # ------------------------------------------------------------------------------------------
    # 2. Through the store: harvest --all (+ works update), then 3. the change batch
    # ------------------------------------------------------------------------------------------
    if [[ "$ONLY" == all || "$ONLY" == store ]]; then
        DATA="$WORK/n$N-data"
        rm -rf "$DATA"
        out="$WORK/n$N-harvest"
        measure "$N" "harvest --all + works update" "$out" \
            "read -r s line < <(works_split '$out'); echo \"works update \${s}s in process (\$(cut -f2- '$out' | grep '^works:' | sed 's/^works: //'))\"" \
            -- "$ESSOR_BIN" --data "$DATA" --sources "$D/sources" --quiet harvest --all
        sync
        du -sk "$DATA" | awk -v n="$N" '{printf "N=%s: store %.0f MiB\n", n, $1 / 1024}' >&2
        du -sk "$DATA" | cut -f1 > "$WORK/n$N-store-kib"
        "$ESSOR_BIN" --data "$DATA" stats --json > "$WORK/n$N-stats.json"
        log "N=$N: scoring the works in the store against labels.tsv"
        "$ESSOR_BIN" --data "$DATA" export --format jsonl | "$PYTHON" -c "$SCORE_STORE" "$D/labels.tsv" > "$WORK/n$N-store-score.json"
        cat "$WORK/n$N-store-score.json" >&2

        out="$WORK/n$N-change"
        measure "$N" "harvest $CHANGES changed records" "$out" \
            "read -r s line < <(works_split '$out'); echo \"works update of the changes \${s}s in process (\$(cut -f2- '$out' | grep '^works:' | sed 's/^works: //'))\"" \
            -- "$ESSOR_BIN" --data "$DATA" --sources "$D/changes/sources" --quiet harvest --source "$CHANGE_SOURCE"
        out="$WORK/n$N-update"
        measure "$N" "works update (separate run)" "$out" \
            "cut -f2- '$out'" \
            -- "$ESSOR_BIN" --data "$DATA" --sources "$D/sources" works update
        "$ESSOR_BIN" --data "$DATA" stats --json > "$WORK/n$N-stats-after.json"
        if [[ "${BENCH_KEEP_STORE:-0}" != 1 ]]; then
            rm -rf "$DATA"
        fi
    fi
done
[[ "$ONLY" == generate ]] && { log "generated: $SIZES in $WORK"; exit 0; }

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
export BENCH_MACHINE="$(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
export BENCH_VERSIONS="$("$ESSOR_BIN" --version 2>/dev/null || echo essor unknown); $("$PYTHON" --version)"
export BENCH_BIN_MTIME="$(date -u -r "$ESSOR_BIN" +%Y-%m-%dT%H:%M:%SZ)"
"$PYTHON" - "$RESULTS" "$WORK" "$WORK/results.json" <<'PY'
import csv, json, os, sys
from datetime import datetime, timezone
from pathlib import Path

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
work = Path(sys.argv[2])
sizes = sorted({int(r["records"]) for r in rows})
result = {
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": os.environ["BENCH_MACHINE"], "versions": os.environ["BENCH_VERSIONS"],
    "commit": os.environ["BENCH_COMMIT"], "binary_built": os.environ["BENCH_BIN_MTIME"],
    "sizes": {},
}
for n in sizes:
    entry = {"steps": []}
    d = work / f"n{n}"
    if (d / "manifest.json").exists():
        m = json.loads((d / "manifest.json").read_text())
        entry["data"] = {k: m[k] for k in ("records", "duplicate_records", "duplicate_share", "works",
                                           "positive_pairs", "records_by_source", "works_by_kind", "changes",
                                           "change_edits", "jsonl_bytes", "dump_gz_bytes", "generation_s")}
    for r in rows:
        if int(r["records"]) != n:
            continue
        entry["steps"].append({"step": r["step"], "exit": int(r["exit"]), "wall_s": float(r["wall_s"] or "nan"),
                               "cpu_s": float(r["cpu_s"] or "nan"),
                               "peak_rss_mib": round(int(r["peak_rss_kib"] or 0) / 1024, 1),
                               "load1_before": float(r["load1"]), "detail": r["detail"]})
    for name, key in (("eval.json", "dedup_eval"), ("store-score.json", "store_score"), ("stats.json", None),
                      ("stats-after.json", None)):
        p = work / f"n{n}-{name}"
        if p.exists() and key:
            try:
                report = json.loads(p.read_text())
                report.pop("errors", None)
                entry[key] = report
            except ValueError:
                pass
    for name in ("stats.json", "stats-after.json"):
        p = work / f"n{n}-{name}"
        if p.exists():
            s = json.loads(p.read_text())
            entry[name.replace(".json", "").replace("-", "_")] = {k: s.get(k) for k in ("records", "works", "deleted_works")}
    p = work / f"n{n}-store-kib"
    if p.exists():
        entry["store_mib"] = round(int(p.read_text()) / 1024)
    result["sizes"][str(n)] = entry
json.dump(result, open(sys.argv[3], "w"), indent=2)

print()
print(f"Deduplication benchmark: synthetic ESS records, {', '.join(f'{n:,}' for n in sizes)} records")
print(f"{result['date']} | {result['machine']} | {result['versions']} | commit {result['commit']} "
      f"(binary built {result['binary_built']})")
print()
print("| records | step | wall (s) | CPU (s) | peak RSS (MiB) | load before | result |")
print("|---|---|---|---|---|---|---|")
for n in sizes:
    e = result["sizes"][str(n)]
    for s in e["steps"]:
        flag = "" if s["exit"] == 0 else f" (exit {s['exit']})"
        print(f"| {n:,} | {s['step']}{flag} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} | {s['peak_rss_mib']:,.0f} | "
              f"{s['load1_before']:.2f} | {s['detail']} |")
print()
for n in sizes:
    e = result["sizes"][str(n)]
    data = e.get("data")
    if data:
        print(f"N={n:,}: {data['works']:,} labelled works, {data['duplicate_records']:,} duplicate records "
              f"({data['duplicate_share']:.0%}), {data['positive_pairs']:,} positive pairs; "
              f"records.jsonl {data['jsonl_bytes'] / 2**20:,.0f} MiB, dumps {data['dump_gz_bytes'] / 2**20:,.0f} MiB gzipped; "
              f"generated in {data['generation_s']} s")
    if "store_score" in e:
        s = e["store_score"]
        print(f"N={n:,}: works in the store vs labels: P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f} "
              f"({s['works']:,} live works); store {e.get('store_mib', '?')} MiB")
print("\nTargets (issue 3): 1,000,000 records deduplicated in < 60 s and < 2 GiB; 1,000 changed records in < 1 s.")
print(f"(raw: {sys.argv[1]}, {sys.argv[3]})")
PY
