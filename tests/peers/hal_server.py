"""HAL's search API look-alike on 127.0.0.1, for essor's tests: serves the documents of
`--data` (a HAL JSON answer, such as the real recorded one in the fixtures) through Solr cursor
paging: `sort` must end on `docid asc`, `cursorMark=*` starts, each answer carries a
`nextCursorMark` (base64 with `+`, `/`, `=`, as HAL's are), the last one repeats the cursor it
was sent. A cursor it did not issue is a 400. `/_requests` lists the cursors received.

Prints `LISTENING <port>` once it accepts connections; exits when stdin closes.
"""

import argparse
import base64
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_server import JsonHandler, serve  # noqa: E402
from urllib.parse import parse_qs, urlsplit


def cursor_for(position):
    # A mark with `/`, `+` and `=` in it, like HAL's (AoJwwL/LvawCJzUzNDYwMjQ=).
    return base64.b64encode(b"\xfb\xef" + str(position).encode() + b"\xff").decode()


def make_handler(docs, received, lock):
    class Handler(JsonHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/_requests":
                with lock:
                    return self.reply(200, list(received))
            query = parse_qs(parts.query)
            cursor = query.get("cursorMark", [None])[0]
            with lock:
                received.append({"cursorMark": cursor, "fq": query.get("fq", []), "q": query.get("q", [None])[0]})
            if not query.get("sort", [""])[0].endswith("docid asc"):
                return self.reply(400, {"error": {"msg": "Cursor functionality requires a sort containing a uniqueKey field tie breaker"}})
            rows = int(query.get("rows", ["30"])[0])
            if cursor == "*":
                start = 0
            else:
                valid = {cursor_for(p): p for p in range(0, len(docs) + rows + 1)}
                if cursor not in valid:
                    return self.reply(400, {"error": {"msg": "Unable to parse 'cursorMark' after totem: %s" % cursor}})
                start = valid[cursor]
            page = docs[start:start + rows]
            following = cursor if not page else cursor_for(start + len(page))
            self.reply(200, {"response": {"numFound": len(docs), "start": 0, "numFoundExact": True, "docs": page}, "nextCursorMark": following})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as handle:
        docs = sorted(json.load(handle)["response"]["docs"], key=lambda d: int(d["docid"]))
    received, lock = [], threading.Lock()
    serve(make_handler(docs, received, lock), args.max_seconds)


if __name__ == "__main__":
    main()
