#!/usr/bin/env bash
# THE test command of essor:  bash tests/run.sh [extra cargo test arguments, e.g. a test name filter]
#
# On a fresh machine it installs what the black-box tests need (a Python venv with the pinned
# OAI-PMH peers of tests/peers/requirements.txt and schemathesis of
# tests/peers/requirements-api.txt, xmllint, and chromium for the barometer's page), then runs
# the whole Rust test suite
# in the debug profile. Reruns skip the installs when nothing changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "tests/run.sh: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# --- Python peers --------------------------------------------------------------------------
venv="$root/.venv"
requirements="$root/tests/peers/requirements.txt"
requirements_api="$root/tests/peers/requirements-api.txt"
stamp="$venv/.requirements.sha256"
wanted="$(cat "$requirements" "$requirements_api" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
    echo "tests/run.sh: installing the Python test peers into .venv" >&2
    if ! python3 -m venv "$venv"; then
        # Debian's python3 ships venv/ensurepip separately.
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$requirements" -r "$requirements_api"
    echo "$wanted" >"$stamp"
fi

# --- xmllint (XSD validation of what we serve) ---------------------------------------------
if ! command -v xmllint >/dev/null 2>&1; then
    echo "tests/run.sh: installing xmllint (libxml2-utils)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils
fi

# --- chromium (the barometer's page is loaded headless and screenshotted) ---------------------
if ! command -v chromium >/dev/null 2>&1; then
    echo "tests/run.sh: installing chromium (Debian's)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

# --- axe-core (accessibility rules run in chromium on every page type) and the Nu Html Checker
#     (vnu.jar: the pages are valid HTML), from the npm registry into .node; java for vnu -----
axe_version="4.14.1"
vnu_version="26.9.27"
node_prefix="$root/.node"
export ESSOR_AXE="$node_prefix/node_modules/axe-core/axe.min.js"
export ESSOR_VNU="$node_prefix/node_modules/vnu-jar/build/dist/vnu.jar"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "tests/run.sh: installing node and npm (Debian's)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
if ! command -v java >/dev/null 2>&1; then
    echo "tests/run.sh: installing java (Debian's default-jre-headless) for vnu.jar" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless
fi
installed() {
    node -e "try{console.log(require('$node_prefix/node_modules/$1/package.json').version)}catch(e){}" 2>/dev/null
}
if [ "$(installed axe-core)" != "$axe_version" ] || [ "$(installed vnu-jar)" != "$vnu_version" ]; then
    echo "tests/run.sh: installing axe-core $axe_version and vnu-jar $vnu_version into .node" >&2
    npm install --silent --no-audit --no-fund --no-save --prefix "$node_prefix" \
        "axe-core@$axe_version" "vnu-jar@$vnu_version"
fi

export ESSOR_PYTHON="$venv/bin/python"
export ESSOR_FIXTURES="${ESSOR_FIXTURES:-$root/../shared/fixtures}"
if [ ! -d "$ESSOR_FIXTURES" ]; then
    echo "tests/run.sh: fixtures not found at $ESSOR_FIXTURES (set ESSOR_FIXTURES)" >&2
    exit 1
fi

# --- the Rust test suite, one profile (debug) ----------------------------------------------
# --no-fail-fast: one failing test binary must not hide the results of the others.
status=0
cargo test --locked --no-fail-fast --all-targets "$@" || status=$?
cargo test --locked --no-fail-fast --doc "$@" || status=$?
exit "$status"
