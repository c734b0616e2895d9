"""A static file server on 127.0.0.1 for essor's tests of non-OAI sources (CSV, ZIP files).

Serves the files of `--dir` (re-read on every request, so a test can change them between
harvests), with an ETag, answering 304 to a matching If-None-Match. `--fail-first N` answers the first N requests of each path with 503 and
`Retry-After: 0`, as an overloaded portal does. `/_requests` returns the request count per path
as JSON. Prints `LISTENING <port>` once it accepts connections; exits when stdin closes.
"""

import argparse
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_server import serve  # noqa: E402


def make_handler(root, fail_first, counts, lock):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/_requests":
                with lock:
                    body = json.dumps(counts).encode()
                return self.reply(200, body, "application/json")
            with lock:
                counts[path] = counts.get(path, 0) + 1
                seen = counts[path]
            if seen <= fail_first:
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            file = os.path.realpath(os.path.join(root, path.lstrip("/")))
            if not file.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(file):
                return self.reply(404, b"not found", "text/plain")
            with open(file, "rb") as handle:
                body = handle.read()
            # Validators, as a web server gives them: an ETag of the content; a 304 when the
            # client already has this copy.
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
            if self.headers.get("If-None-Match") == etag:
                with lock:
                    counts["304:" + path] = counts.get("304:" + path, 0) + 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            kinds = {".zip": "application/zip", ".json": "application/json", ".xml": "application/xml"}
            kind = kinds.get(os.path.splitext(file)[1], "text/csv")
            self.reply(200, body, kind, etag)

        def reply(self, status, body, kind, etag=None):
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    counts, lock = {}, threading.Lock()
    serve(make_handler(args.dir, args.fail_first, counts, lock), args.max_seconds)


if __name__ == "__main__":
    main()
