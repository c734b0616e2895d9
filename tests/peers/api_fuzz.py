#!/usr/bin/env python3
"""Fuzzes a running `essor serve` with schemathesis against its own OpenAPI document.

    python tests/peers/api_fuzz.py --base-url http://127.0.0.1:PORT [--api-key KEY]

Loads http://127.0.0.1:PORT/openapi.json and runs every documented operation through
schemathesis' phases (examples, coverage, fuzzing, stateful) with a fixed seed and a bounded
number of cases per operation, checking that no response is a 5xx, that every status code,
content type, header and body is the one the document promises, and that the server accepts the
requests the document calls valid and rejects the others. Redirects are not followed (a
301 is checked as the 301 the document describes).

Random ids mostly hit 404s, so the operations with one path parameter (`/api/v1/works/{id}`)
also get real ids, half of the time: the ones given with `--known-ids`, and the `id`s found in the
answer of the listing operation beside them (`GET /api/v1/sources` for `/api/v1/sources/{id}`).

Only loopback addresses are accepted as targets: the script refuses anything else.
Prints schemathesis' report, the status codes each operation answered, then one summary line
`api_fuzz: OK ...` or `api_fuzz: FAILED ...`; exits 0 only when schemathesis found nothing
(its own exit code otherwise; 1 when the server cannot be reached, 2 for usage errors).

Run with the venv tests/run.sh makes (.venv: tests/peers/requirements-api.txt pins schemathesis).
"""

import argparse
import collections
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Checks on every response. Each one maps to a promise of issue 5: no 5xx, and nothing that
# contradicts the schema: status codes, content types, headers and bodies, and the parameters
# themselves (a request the document calls valid must not get a 4xx, one it calls invalid must
# not get a 2xx); plus the HTTP hygiene of methods the API does not have (405 with Allow).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "unsupported_method",
]


def loopback_origin(base_url: str) -> str:
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
        sys.exit(f"api_fuzz: --base-url must be http://127.0.0.1:PORT, got {base_url!r}")
    host = parsed.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"api_fuzz: refusing to fuzz {host!r}: only loopback addresses are targets")
    netloc = f"[{host}]" if ":" in host else host
    return f"http://{netloc}:{parsed.port}"


def get_json(url: str, headers: dict) -> object:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return json.loads(response.read())


def without_cursor(schema: dict) -> dict:
    """The document without the `cursor` query parameter (see where it is used)."""
    copy = json.loads(json.dumps(schema))
    for item in (copy.get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p for p in operation["parameters"]
                    if not (p.get("name") == "cursor" and p.get("in") == "query")
                ]
    return copy


def fetch_schema(schema_url: str) -> dict:
    """The document, fetched once up front so a server that does not serve it fails clearly."""
    try:
        return get_json(schema_url, {})
    except (urllib.error.URLError, OSError) as error:
        sys.exit(f"api_fuzz: cannot GET {schema_url}: {error}")
    except ValueError as error:
        sys.exit(f"api_fuzz: {schema_url} is not JSON: {error}")


def listed_ids(answer: object) -> list[str]:
    """The `id`s of a listing answer: a JSON array of objects, or an object with `items`."""
    if isinstance(answer, dict):
        answer = answer.get("items")
    if not isinstance(answer, list):
        return []
    return [item["id"] for item in answer if isinstance(item, dict) and isinstance(item.get("id"), str)]


def known_ids(schema: dict, origin: str, headers: dict, given: list[str]) -> dict[str, list[str]]:
    """For each GET path with exactly one path parameter (`/x/{id}`): real values for it."""
    found: dict[str, list[str]] = {}
    for pair in given:
        path, _, values = pair.partition("=")
        found.setdefault(path, []).extend(value for value in values.split(",") if value)
    paths = schema.get("paths") or {}
    for path, item in paths.items():
        if "get" not in item or path.count("{") != 1 or not path.endswith("}"):
            continue
        listing = path.rsplit("/", 1)[0]
        if "get" not in paths.get(listing, {}) or "{" in listing:
            continue
        try:
            found.setdefault(path, []).extend(listed_ids(get_json(origin + listing, headers))[:50])
        except (urllib.error.URLError, OSError, ValueError) as error:
            print(f"api_fuzz: GET {listing} for ids of {path}: {error}", flush=True)
    return {path: sorted(set(ids)) for path, ids in found.items() if ids}


def toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string


def config_text(ids: dict[str, list[str]]) -> str:
    """A schemathesis.toml binding each path's parameter to its real values half of the time."""
    lines = []
    for number, (path, values) in enumerate(sorted(ids.items())):
        lines += [
            f"[dictionaries.ids-{number}]",
            f"values = [{', '.join(toml_string(value) for value in values)}]",
            "",
        ]
    for number, (path, values) in enumerate(sorted(ids.items())):
        parameter = path[path.index("{") + 1 : -1]
        lines += [
            "[[operations]]",
            f"include-path = {toml_string(path)}",
            f"parameters = {{ {toml_string('path.' + parameter)} = "
            f"{{ dictionary = {toml_string(f'ids-{number}')}, probability = 0.5 }} }}",
            "",
        ]
    # Registering a repository validates it live: a schema-valid registration of a URL where no
    # OAI-PMH repository answers is refused with 422 and its report (documented), not accepted.
    lines += [
        "[[operations]]",
        'include-name = "POST /api/v1/sources"',
        'checks.positive_data_acceptance.expected-statuses = ["201", "422", "429"]',
        "",
    ]
    return "\n".join(lines)


def status_summary(har_path: str, schema: dict) -> list[str]:
    """`METHOD /path/{template}: status×count ...` lines from the HAR log of the run."""
    try:
        with open(har_path, encoding="utf-8") as file:
            entries = json.load(file)["log"]["entries"]
    except (OSError, ValueError, KeyError) as error:
        return [f"  (no HAR log: {error})"]
    templates = [
        (re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]*", re.escape(path)) + "$"), path)
        for path in sorted(schema.get("paths") or {}, key=lambda path: path.count("{"))
    ]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for entry in entries:
        path = urllib.parse.urlsplit(entry["request"]["url"]).path
        name = next((template for pattern, template in templates if pattern.match(path)), path)
        counts[f"{entry['request']['method']} {name}"][entry["response"]["status"]] += 1
    return [
        f"  {name}: " + ", ".join(f"{status}×{count}" for status, count in sorted(counter.items()))
        for name, counter in sorted(counts.items())
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT of essor serve")
    parser.add_argument("--api-key", help="sent as X-API-Key on every request (higher rate limit)")
    parser.add_argument("--max-examples", type=int, default=50, help="cases per operation and phase")
    parser.add_argument("--seed", type=int, default=20261122)
    # One worker: Python 3.11.7 (this machine's) tracks the `ast` module's recursion depth per
    # interpreter, not per thread (CPython gh-106905, fixed in 3.11.8), and Hypothesis parses
    # source with `ast` while describing strategies: two worker threads make it fail at random
    # with "AST constructor recursion depth mismatch".
    parser.add_argument("--workers", default="1")
    parser.add_argument("--max-failures", type=int, default=None)
    parser.add_argument("--request-timeout", type=float, default=30.0)
    # Not "stateful": it feeds one search's `next_cursor` into searches with another `sort` or
    # other filters, which the API refuses on purpose (400: a cursor belongs to its query).
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument(
        "--known-ids",
        action="append",
        default=[],
        metavar="PATH=ID,ID...",
        help="real values for the path parameter of PATH, e.g. '/api/v1/works/{id}=w00000001'",
    )
    parser.add_argument(
        "--report-dir",
        help="also keep a JUnit report there (default: no report kept)",
    )
    parser.add_argument(
        "extra",
        nargs="*",
        help="more `schemathesis run` options, after `--` (e.g. -- --include-path-regex works)",
    )
    args = parser.parse_args()

    origin = loopback_origin(args.base_url)
    schema_url = f"{origin}/openapi.json"
    schema = fetch_schema(schema_url)
    operations = sorted(
        f"{method.upper()} {path}"
        for path, item in (schema.get("paths") or {}).items()
        for method in item
        if method in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    )
    print(
        f"api_fuzz: {schema_url} (OpenAPI {schema.get('openapi', '?')}): "
        f"{len(operations)} operations: {', '.join(operations)}",
        flush=True,
    )

    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    ids = known_ids(schema, origin, headers, args.known_ids)
    for path, values in sorted(ids.items()):
        print(f"api_fuzz: {path}: {len(values)} real values, e.g. {', '.join(values[:3])}", flush=True)

    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as scratch:
        config = os.path.join(scratch, "schemathesis.toml")
        with open(config, "w", encoding="utf-8") as file:
            file.write(config_text(ids))
        har = os.path.join(scratch, "requests.har")
        report_dir = os.path.abspath(args.report_dir) if args.report_dir else scratch
        # Cursors are opaque tokens only the server issues: any string fits their schema, and
        # a string it did not issue is refused (400), which schemathesis would call a valid
        # request rejected. The fuzzer gets the document without them; cursor paging is tested
        # in tests/api_rest.rs (every match once, in every order).
        fuzzed_schema = os.path.join(scratch, "openapi.json")
        with open(fuzzed_schema, "w", encoding="utf-8") as file:
            json.dump(without_cursor(schema), file)
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", config, "run", fuzzed_schema,
            "--url", origin,
            "--checks", ",".join(CHECKS),
            "--phases", args.phases,
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            "--workers", str(args.workers),
            "--generation-database", "none",
            "--max-redirects", "0",
            "--request-timeout", str(args.request_timeout),
            "--request-retries", "0",
            "--no-color",
            "--output-truncate", "false",
            "--output-sanitize", "false",  # reproductions are copy-pasteable (test key only)
            "--warnings", "off",
            "--suppress-health-check", "all",
            "--report", "har,junit" if args.report_dir else "har",
            "--report-dir", report_dir,
            "--report-har-path", har,
        ]  # fmt: skip
        if args.api_key:
            command += ["--header", f"X-API-Key: {args.api_key}"]
        if args.max_failures:
            command += ["--max-failures", str(args.max_failures)]
        command += args.extra

        environment = dict(os.environ)
        # Loopback only: no proxy may see (or reroute) a request.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            environment.pop(name, None)
        environment["NO_PROXY"] = environment["no_proxy"] = "*"
        environment["NO_COLOR"] = "1"
        environment["COLUMNS"] = environment.get("COLUMNS", "120")

        started = time.monotonic()
        # In a scratch directory: nothing schemathesis might write lands in the work tree.
        with subprocess.Popen(
            command,
            cwd=scratch,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as process:
            for line in process.stdout:
                # `st replay ID` needs a cassette this run does not keep: the curl line above it
                # is the reproduction.
                if not line.lstrip().startswith("st replay "):
                    print(line, end="", flush=True)
        status = process.returncode
        elapsed = time.monotonic() - started
        print("api_fuzz: status codes answered, by operation:", flush=True)
        for line in status_summary(har, schema):
            print(line, flush=True)

    verdict = "OK" if status == 0 else f"FAILED (schemathesis exit code {status})"
    print(
        f"api_fuzz: {verdict}: {len(operations)} operations, checks {','.join(CHECKS)}, "
        f"phases {args.phases}, max {args.max_examples} examples, seed {args.seed}, "
        + (f"extra options {' '.join(args.extra)}, " if args.extra else "")
        + f"{elapsed:.1f} s",
        flush=True,
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
