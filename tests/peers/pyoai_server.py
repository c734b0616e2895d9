#!/usr/bin/env python3
"""A real OAI-PMH 2.0 data provider for essor's black-box tests: pyoai 2.5.0's server over HTTP.

    python pyoai_server.py --data records.json [--port 0] [--batch 100]

Prints `LISTENING <port>` on stdout once it accepts connections; the base URL is
`http://127.0.0.1:<port>/oai`. The records come from the JSON file written by `make_records.py`
(a list of {"identifier", "datestamp", "deleted", "sets", "dc"}); the file is read again whenever
its mtime, size or inode changes, so a test can add, modify and delete records between harvests.
Write it atomically (temp file + rename) so a request never sees half a file.

The OAI-PMH logic (argument checking, resumption tokens, errors, the oai_dc writer) is pyoai's;
this file only supplies the records (pyoai's IBatchingOAI interface) and the HTTP transport.
The process exits when its stdin reaches EOF (the test that started it is gone) or after
--max-seconds, so a crashed test never leaves it running.
"""

import argparse
import json
import os
import sys
import threading
import urllib.parse
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import types
import warnings

# pyoai 2.5 imports `cgi` (deprecated in 3.11, removed in 3.13) and calls cgi.parse_qs (removed
# in 3.8): give it one that works on any Python 3.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import cgi
    except ImportError:
        cgi = sys.modules["cgi"] = types.ModuleType("cgi")
cgi.parse_qs = urllib.parse.parse_qs

from lxml import etree  # noqa: E402
from oaipmh import common, error, metadata, server  # noqa: E402  (after the alias above)
from oaipmh.datestamp import datestamp_to_datetime  # noqa: E402

OAI_DC = (
    "oai_dc",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/",
)


class RecordFile:
    """The records of the JSON file, reloaded when the file changes. Thread-safe."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.signature = None
        self.records = []  # list of (datetime, identifier, header, metadata), sorted by (datestamp, identifier)
        self.by_identifier = {}

    def current(self):
        with self.lock:
            stat = os.stat(self.path)
            signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if signature != self.signature:
                self._load()
                self.signature = signature
            return self.records, self.by_identifier

    def _load(self):
        with open(self.path, encoding="utf-8") as data_file:
            items = json.load(data_file)
        records = []
        by_identifier = {}
        for item in items:
            moment = datestamp_to_datetime(item["datestamp"])
            deleted = bool(item.get("deleted", False))
            header = common.Header(None, item["identifier"], moment, list(item.get("sets", [])), deleted)
            record_metadata = None if deleted else common.Metadata(None, item.get("dc", {}))
            entry = (moment, item["identifier"], header, record_metadata)
            records.append(entry)
            by_identifier[item["identifier"]] = entry
        records.sort(key=lambda entry: (entry[0], entry[1]))
        self.records = records
        self.by_identifier = by_identifier


def in_set(header, set_spec):
    """OAI-PMH sets are hierarchical: `type` contains `type:THESE`."""
    return any(spec == set_spec or spec.startswith(set_spec + ":") for spec in header.setSpec())


class JsonRepository:
    """pyoai's IBatchingOAI over a RecordFile."""

    def __init__(self, record_file, base_url_holder, earliest):
        self.record_file = record_file
        self.base_url_holder = base_url_holder
        self.earliest = earliest

    def identify(self):
        return common.Identify(
            repositoryName="Thèses et mémoires en économie sociale et solidaire (pyoai test peer)",
            baseURL=self.base_url_holder[0],
            protocolVersion="2.0",
            adminEmails=["archives-ess@example.org"],
            earliestDatestamp=self.earliest,
            deletedRecord="persistent",
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
            toolkit_description=False,
        )

    def listMetadataFormats(self, identifier=None):
        if identifier is not None:
            _, by_identifier = self.record_file.current()
            if identifier not in by_identifier:
                raise error.IdDoesNotExistError(identifier)
        return [OAI_DC]

    def listSets(self, cursor=0, batch_size=10):
        records, _ = self.record_file.current()
        specs = set()
        for _, _, header, _ in records:
            for spec in header.setSpec():
                parts = spec.split(":")
                for depth in range(1, len(parts) + 1):
                    specs.add(":".join(parts[:depth]))
        ordered = sorted(specs)
        return [(spec, spec, None) for spec in ordered[cursor : cursor + batch_size]]

    def _check_prefix(self, metadataPrefix):
        if metadataPrefix != "oai_dc":
            raise error.CannotDisseminateFormatError(metadataPrefix)

    def _select(self, metadataPrefix, set=None, from_=None, until=None):
        self._check_prefix(metadataPrefix)
        records, _ = self.record_file.current()
        for moment, _, header, record_metadata in records:
            if from_ is not None and moment < from_:
                continue
            if until is not None and moment > until:
                continue
            if set is not None and not in_set(header, set):
                continue
            yield header, record_metadata

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        selected = list(self._select(metadataPrefix, set, from_, until))
        return [(header, record_metadata, None) for header, record_metadata in selected[cursor : cursor + batch_size]]

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        selected = list(self._select(metadataPrefix, set, from_, until))
        return [header for header, _ in selected[cursor : cursor + batch_size]]

    def getRecord(self, metadataPrefix, identifier):
        self._check_prefix(metadataPrefix)
        _, by_identifier = self.record_file.current()
        if identifier not in by_identifier:
            raise error.IdDoesNotExistError(identifier)
        _, _, header, record_metadata = by_identifier[identifier]
        return header, record_metadata, None


def make_handler(oai_server, stats):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "pyoai-test-peer/2.5.0"

        def log_message(self, format, *args):  # keep the test output clean
            pass

        def _answer(self, query):
            parsed = urllib.parse.urlsplit(self.path)
            if parsed.path == "/_stats":
                body = json.dumps(stats.snapshot()).encode()
                return self._send(200, "application/json", body)
            if parsed.path == "/_reset":
                stats.reset()
                return self._send(200, "application/json", b"{}")
            if parsed.path != "/oai":
                return self._send(404, "text/plain; charset=utf-8", b"not found\n")
            arguments = urllib.parse.parse_qs(query, keep_blank_values=True)
            request = {key: values[0] for key, values in arguments.items()}
            stats.record(request)
            if any(len(values) > 1 for values in arguments.values()):
                # Repeated arguments are a badArgument error in OAI-PMH; pyoai never sees them.
                error_tree = oai_server._tree_server.handleException(error.BadArgumentError("repeated argument"))
                body = etree.tostring(error_tree.getroot(), encoding="UTF-8", xml_declaration=True)
            else:
                body = oai_server.handleRequest(request)
            return self._send(200, "text/xml; charset=utf-8", body)

        def _send(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._answer(urllib.parse.urlsplit(self.path).query)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self._answer(self.rfile.read(length).decode("utf-8"))

    return Handler


class Stats:
    """Requests seen since start (or the last /_reset), per verb, for 'only a few requests' checks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.by_verb = {}
        self.log = []

    def reset(self):
        with self.lock:
            self.requests = 0
            self.by_verb = {}
            self.log = []

    def record(self, request):
        with self.lock:
            self.requests += 1
            verb = request.get("verb", "")
            self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
            self.log.append(request)

    def snapshot(self):
        with self.lock:
            return {"requests": self.requests, "by_verb": dict(self.by_verb), "log": list(self.log)}


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description="pyoai 2.5.0 OAI-PMH server for essor's tests")
    parser.add_argument("port", nargs="?", type=int, default=0, help="TCP port on 127.0.0.1, 0 = any free one")
    parser.add_argument("--port", dest="port_option", type=int, default=None)
    parser.add_argument("--data", required=True, help="JSON file of records (see make_records.py)")
    parser.add_argument("--batch", type=int, default=100, help="records per ListRecords page")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="exit after this long anyway")
    parser.add_argument("--no-stdin-watch", action="store_true", help="don't exit when stdin closes")
    args = parser.parse_args(argv)
    port = args.port_option if args.port_option is not None else args.port

    base_url_holder = ["http://127.0.0.1:0/oai"]
    repository = JsonRepository(RecordFile(args.data), base_url_holder, datetime(2000, 1, 1))
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    oai_server = server.BatchingServer(repository, metadata_registry=registry, resumption_batch_size=args.batch)

    stats = Stats()
    http_server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(oai_server, stats))
    http_server.daemon_threads = True
    actual_port = http_server.server_address[1]
    base_url_holder[0] = f"http://127.0.0.1:{actual_port}/oai"

    if not args.no_stdin_watch:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: os._exit(3)).start()

    print(f"LISTENING {actual_port}", flush=True)
    http_server.serve_forever()


if __name__ == "__main__":
    main()
