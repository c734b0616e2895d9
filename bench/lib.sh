# Sourced by the bench/*.sh scripts: where the repository and the binary under test are, how a
# script logs and fails, the Debian packages it installs when missing, and how it waits for the
# servers it starts. A script sets BENCH_NAME (its log prefix) before sourcing this file.
# Not run on its own.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ESSOR_BIN="${ESSOR_BIN:-$REPO/target/release/essor}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1m[%s]\033[0m %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() { log "error: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# install_missing PACKAGE...: installs the Debian packages named (as root, with apt-get), or
# stops saying what is missing. Does nothing without arguments.
install_missing() {
    (($#)) || return 0
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing $* with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        die "missing: $* (apt-get install $*)"
    fi
}

# find_nginx: sets NGINX to nginx's path (the NGINX environment variable, the PATH, or
# /usr/sbin/nginx, which is not on a non-root PATH), empty when there is none.
find_nginx() {
    NGINX="${NGINX:-$(command -v nginx || true)}"
    if [[ -z "$NGINX" && -x /usr/sbin/nginx ]]; then NGINX=/usr/sbin/nginx; fi
}

# run_nginx PREFIX TEMPLATE PAGES PORT PROBE_URL: nginx run under PREFIX with the config
# TEMPLATE (@PREFIX@, @PAGES@ and @PORT@ filled in); sets NGINX_PID once PROBE_URL answers.
run_nginx() {
    local prefix=$1 template=$2 pages=$3 port=$4 probe=$5 _
    rm -rf "$prefix/logs" "$prefix/tmp"
    mkdir -p "$prefix/logs" "$prefix/tmp"
    sed -e "s#@PREFIX@#$prefix#g" -e "s#@PAGES@#$pages#g" -e "s#@PORT@#$port#g" \
        "$template" > "$prefix/nginx.conf"
    "$NGINX" -t -q -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" \
        || die "nginx rejected $prefix/nginx.conf (see $prefix/logs/error.log)"
    "$NGINX" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" &
    NGINX_PID=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null --max-time 1 "$probe" && break
        sleep 0.1
    done
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start (see $prefix/logs/error.log)"
}

# wait_listening PID OUT ERR SECONDS: prints the address (host:port) that `essor serve`, running
# as PID with its stdout in OUT, says it listens on; stops with ERR's text if the server exits
# first, or after SECONDS. Use as `ADDR=$(wait_listening ...)` (a plain assignment, so that a
# failure stops a `set -e` script).
wait_listening() {
    local pid=$1 out=$2 err=$3 seconds=$4 address="" _
    for _ in $(seq $((seconds * 10))); do
        address=$(sed -n 's#^listening on http://##p' "$out" | head -1)
        if [[ -n "$address" ]]; then
            echo "$address"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; die "essor serve exited"; }
        sleep 0.1
    done
    die "essor serve did not print its address in $seconds s"
}

# kept_dedup_store: sets WORK, N, STORE and D for the dedup benchmark's kept store (BENCH_DIR,
# BENCH_SIZES: one size, default 1,000,000; STORE), which the change scripts edit round after
# round; stops when there is none.
kept_dedup_store() {
    WORK="${BENCH_DIR:-${TMPDIR:-/tmp}/essor-dedup-bench}"
    N="${BENCH_SIZES:-1000000}"
    STORE="${STORE:-$WORK/n$N-data}"
    D="$WORK/n$N"
    [[ -d "$STORE" ]] || die "no store at $STORE (run dedup_bench.sh with BENCH_KEEP_STORE=1)"
}

# edit_change_page K OUT: the kept store's change page edited for round K into OUT/dumps, and its
# three source files into OUT/sources, bench-hal's pointing at it (bench/edit_changes.py; with
# RANDOM_RECORDS=1, 1,000 records drawn at random instead). Needs kept_dedup_store's D.
edit_change_page() {
    rm -rf "$2/dumps" && mkdir -p "$2/dumps/bench-hal" "$2/sources"
    "$PYTHON" "$REPO/bench/edit_changes.py" "$D/changes" "$2" "$1" --all-sources "$D" \
        ${RANDOM_RECORDS:+--random}
}
