"""theses.fr's search API look-alike on 127.0.0.1, for essor's tests.

Serves the theses of `--data` (a JSON list of `TheseLiteResponseDto` objects, re-read on every
request so a test can change it between harvests) the way ABES's `theses-api-recherche` does:

- GET /api/v1/theses/recherche/?q=&debut=&nombre=&tri=&filtres=: {"totalHits", "took",
  "theses"}; `q` is required (400 without it, as Spring answers a missing required
  parameter); `nombre` defaults to 10 and is capped at 100,000; `tri` is one of the server's
  values (dateAsc, dateDesc, auteursAsc, auteursDesc, disciplineAsc, discplineDesc, sic) and
  `dateAsc`/`dateDesc` sort on `dateSoutenance` read as dd/MM/yyyy (theses in preparation,
  without one, first), ties kept in file order;
- GET /_requests: the parameters of each search received, in order.

Prints `LISTENING <port>` once it accepts connections; exits when stdin closes.
"""

import argparse
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_server import JsonHandler, serve  # noqa: E402
from urllib.parse import parse_qs, urlsplit

SORTS = {"dateAsc", "dateDesc", "auteursAsc", "auteursDesc", "disciplineAsc", "discplineDesc"}


def defence_key(these):
    date = these.get("dateSoutenance")
    if not date:
        return (0, 0, 0)
    day, month, year = (int(part) for part in date.split("/"))
    return (year, month, day)


def make_handler(data_path, received, lock):
    class Handler(JsonHandler):
        content_type = "application/json"

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/_requests":
                with lock:
                    return self.reply(200, list(received))
            if parts.path.rstrip("/") != "/api/v1/theses/recherche":
                return self.reply(404, {"status": 404, "error": "Not Found", "path": parts.path})
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            with lock:
                received.append(query)
            if "q" not in query:
                return self.reply(400, {"status": 400, "error": "Bad Request", "message": "Required parameter 'q' is not present."})
            try:
                start = int(query.get("debut", "0"))
                count = min(int(query.get("nombre", "10")), 100000)
            except ValueError:
                return self.reply(400, {"status": 400, "error": "Bad Request"})
            with open(data_path, encoding="utf-8") as handle:
                theses = json.load(handle)
            sort = query.get("tri")
            if sort in ("dateAsc", "dateDesc"):
                theses = sorted(theses, key=defence_key, reverse=(sort == "dateDesc"))
            elif sort is not None and sort not in SORTS:
                return self.reply(400, {"status": 400, "error": "Bad Request", "message": "tri"})
            self.reply(200, {"totalHits": len(theses), "took": 3, "theses": theses[start:start + count]})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    received, lock = [], threading.Lock()
    serve(make_handler(args.data, received, lock), args.max_seconds)


if __name__ == "__main__":
    main()
