"""An OpenDataSoft Explore API v2.1 look-alike on 127.0.0.1, for essor's tests.

Serves the datasets in `--dir` (one `<dataset_id>.json` file each: {"modified": "...",
"records": [...]}, re-read on every request so a test can change them between harvests):

- GET /api/explore/v2.1/catalog/datasets/<id>: {"dataset_id", "metas": {"default": {"modified"}}}
- GET /api/explore/v2.1/catalog/datasets/<id>/records?limit=&offset=: {"total_count", "results"};
  like the real API, limit above 100 or offset + limit above 10,000 is a 400 with an
  `error_code`;
- GET /api/explore/v2.1/catalog/datasets/<id>/exports/json: every record, as a JSON array;
- on /records and /exports, `where` (clauses `field op 'text'` or `field op date'…'`, op one of
  = != > >= < <=, joined by AND, in parentheses or not; anything else is a 400 like the real
  API's ODSQL errors) and `order_by` (`field asc|desc`);
- GET /_requests: the requests counted per endpoint kind and dataset, and the last `where`
  received per endpoint kind and dataset (`where:records:<id>`, `where:export:<id>`).

Prints `LISTENING <port>` once it accepts connections; exits when stdin closes.
"""

import argparse
import json
import operator
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_server import JsonHandler, serve  # noqa: E402
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/explore/v2.1/catalog/datasets/"
CLAUSE = re.compile(r"^\s*\(?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|=|>|<)\s*(?:date)?'([^']*)'\s*\)?\s*$")
OPERATORS = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def select(records, where, order_by):
    """The records `where` keeps, in `order_by` order; None when `where` cannot be read."""
    if where:
        for clause in re.split(r"\s+AND\s+", where.strip(), flags=re.IGNORECASE):
            match = CLAUSE.match(clause)
            if not match:
                return None
            field, op, value = match.groups()
            test = OPERATORS[op]
            records = [r for r in records if r.get(field) is not None and test(str(r[field]), value)]
    if order_by:
        parts = order_by.split()
        field = parts[0]
        records = sorted(records, key=lambda r: str(r.get(field) or ""), reverse=(parts[-1].lower() == "desc"))
    return records


def make_handler(root, counts, lock):
    class Handler(JsonHandler):
        def count(self, key):
            with lock:
                counts[key] = counts.get(key, 0) + 1

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/_requests":
                with lock:
                    return self.reply(200, dict(counts))
            if not parts.path.startswith(PREFIX):
                return self.reply(404, {"error_code": "NotFound", "message": "unknown path"})
            rest = parts.path[len(PREFIX):].split("/", 1)
            dataset, tail = rest[0], (rest[1] if len(rest) > 1 else "")
            path = os.path.join(root, dataset + ".json")
            if not dataset or "/" in dataset or not os.path.isfile(path):
                return self.reply(404, {"error_code": "DatasetNotFound", "message": dataset})
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            query = parse_qs(parts.query)
            if tail == "":
                self.count(f"dataset:{dataset}")
                return self.reply(200, {"dataset_id": dataset, "metas": {"default": {"modified": data["modified"], "title": dataset}}})
            where, order_by = query.get("where", [None])[0], query.get("order_by", [None])[0]
            if tail in ("records", "exports/json"):
                kind = "records" if tail == "records" else "export"
                with lock:
                    counts[f"where:{kind}:{dataset}"] = where
                selected = select(data["records"], where, order_by)
                if selected is None:
                    return self.reply(400, {"error_code": "ODSQLError", "message": "ODSQL query is malformed: %s" % where})
            if tail == "records":
                self.count(f"records:{dataset}")
                try:
                    limit = int(query.get("limit", ["10"])[0])
                    offset = int(query.get("offset", ["0"])[0])
                except ValueError:
                    return self.reply(400, {"error_code": "InvalidRESTParameterError", "message": "limit and offset are integers"})
                if limit > 100:
                    return self.reply(400, {"error_code": "InvalidRESTParameterError", "message": "Invalid value for limit API parameter: 100 was expected but %d was found." % limit})
                if offset + limit > 10000:
                    return self.reply(400, {"error_code": "InvalidRESTParameterError", "message": "Invalid value for offset + limit API parameter: %d was found but -1 < offset + limit < 10001 is expected." % (offset + limit)})
                return self.reply(200, {"total_count": len(selected), "results": selected[offset:offset + limit]})
            if tail == "exports/json":
                self.count(f"export:{dataset}")
                return self.reply(200, selected)
            return self.reply(404, {"error_code": "NotFound", "message": tail})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args()
    counts, lock = {}, threading.Lock()
    serve(make_handler(args.dir, counts, lock), args.max_seconds)


if __name__ == "__main__":
    main()
