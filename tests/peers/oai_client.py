#!/usr/bin/env python3
"""Harvest a whole OAI-PMH list with a real client library, for essor's tests.

    python oai_client.py --client sickle|scythe --base-url URL --prefix oai_dc
        [--set S] [--from D] [--until D] [--verb ListRecords|ListIdentifiers] [--save-dir DIR]

The point is to check that what `essor serve` publishes is harvested correctly by the clients
people use, so the library does all the protocol work (requests, resumption tokens, parsing):
Sickle 0.7.0 (requests) or its successor oaipmh-scythe 0.16.0 (httpx2).

stdout: one JSON line per record (ListRecords) or header (ListIdentifiers),
    {"identifier": ..., "datestamp": ..., "deleted": bool, "sets": [...], "title": str|null}
(title: the first dc:title, or ETD-MS <thesis><title>, of the metadata; null without metadata),
then {"done": true, "count": N, "pages": P}, P being the number of HTTP responses received.

--save-dir DIR writes every HTTP response body the library received, as received (bytes),
to DIR/page-0001.xml, page-0002.xml... (hooked into each library's HTTP layer: a requests
response hook for Sickle, an httpx2 response event hook for scythe).

Exit codes: 0 the list was harvested (an OAI noRecordsMatch error is an empty list, count 0);
3 any other OAI error (code and message on stderr); 1 anything else (HTTP error, connection,
unexpected exception), with the reason on stderr. Each library's own behaviour is kept on
purpose: Sickle raises on an HTTP 4xx/5xx before looking for an OAI error in the body (exit 1),
scythe reads the OAI error first (exit 3); a non-OAI page served with 200 ends the list for both.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
TITLE_TAGS = (
    "{http://purl.org/dc/elements/1.1/}title",
    "{http://www.ndltd.org/standards/metadata/etdms/1.0/}title",
    "{http://www.ndltd.org/standards/metadata/etdms/1.1/}title",
)
TIMEOUT = 60  # seconds per HTTP request: a hung server must fail the test, not block it


class Pages:
    """Every HTTP response body received, counted, kept (the last one) and saved if asked."""

    def __init__(self, save_dir):
        self.save_dir = save_dir
        self.count = 0
        self.last = None
        self.last_status = None
        if save_dir is not None:
            save_dir.mkdir(parents=True, exist_ok=True)

    def received(self, body, status):
        self.count += 1
        self.last = body
        self.last_status = status
        if self.save_dir is not None:
            (self.save_dir / f"page-{self.count:04d}.xml").write_bytes(body)


def oai_error_in(body):
    """(code, message) of the first OAI <error> of a response body, or None."""
    if not body:
        return None
    try:
        root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False, recover=True))
    except etree.XMLSyntaxError:
        return None
    error = root.find(f"{{{OAI}}}error") if root is not None else None
    if error is None:
        return None
    return error.get("code", ""), (error.text or "").strip()


def title_of(record_element):
    metadata = record_element.find(f"{{{OAI}}}metadata")
    if metadata is None:
        return None
    for element in metadata.iter(*TITLE_TAGS):  # document order
        return "".join(element.itertext())
    return None


def harvest_sickle(args, pages):
    """Items of the list, and the exception types that mean 'the server sent an OAI error'."""
    from sickle import Sickle, oaiexceptions

    def on_response(response, *_args, **_kwargs):
        pages.received(response.content, response.status_code)

    # Sickle passes extra keyword arguments to requests.get: a documented requests response hook.
    client = Sickle(args.base_url, hooks={"response": [on_response]}, timeout=TIMEOUT)
    query = {"metadataPrefix": args.prefix}
    for key, value in (("set", args.set), ("from", args.from_), ("until", args.until)):
        if value is not None:
            query[key] = value
    oai_errors = tuple(value for value in vars(oaiexceptions).values()
                       if isinstance(value, type) and issubclass(value, Exception))
    verb = client.ListRecords if args.verb == "ListRecords" else client.ListIdentifiers
    return (lambda: verb(**query)), oai_errors


def harvest_scythe(args, pages):
    from oaipmh_scythe import Scythe
    from oaipmh_scythe.config import HTTPConfig
    from oaipmh_scythe.exceptions import OAIPMHException

    def on_response(response):
        pages.received(response.read(), response.status_code)  # hooks run before the body is read

    client = Scythe(args.base_url, http_config=HTTPConfig(timeout=TIMEOUT))
    # scythe keeps one httpx2.Client; add our hook to its response event hooks (keeping scythe's own).
    hooks = client.client.event_hooks
    client.client.event_hooks = {"request": hooks["request"], "response": [*hooks["response"], on_response]}
    query = {"metadata_prefix": args.prefix, "set_": args.set, "from_": args.from_, "until": args.until}
    verb = client.list_records if args.verb == "ListRecords" else client.list_identifiers
    return (lambda: verb(**query)), (OAIPMHException,)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Harvest an OAI-PMH list with Sickle or oaipmh-scythe.")
    parser.add_argument("--client", required=True, choices=["sickle", "scythe"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--prefix", required=True, help="metadataPrefix, e.g. oai_dc")
    parser.add_argument("--set")
    parser.add_argument("--from", dest="from_")
    parser.add_argument("--until")
    parser.add_argument("--verb", default="ListRecords", choices=["ListRecords", "ListIdentifiers"])
    parser.add_argument("--save-dir", type=Path)
    args = parser.parse_args(argv)

    # Tests talk to 127.0.0.1: never send that through a proxy configured in the environment.
    host = urlsplit(args.base_url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        for name in ("no_proxy", "NO_PROXY"):
            os.environ[name] = ",".join(filter(None, [os.environ.get(name), host]))

    pages = Pages(args.save_dir)
    start, oai_errors = (harvest_sickle if args.client == "sickle" else harvest_scythe)(args, pages)
    count = 0
    try:
        for item in start():
            header = getattr(item, "header", item)  # Record has a header; ListIdentifiers gives Headers
            line = {
                "identifier": header.identifier,
                "datestamp": header.datestamp,
                "deleted": bool(header.deleted),
                "sets": list(header.setSpecs),
                "title": None if item is header else title_of(item.xml),
            }
            print(json.dumps(line), flush=True)
            count += 1
    except oai_errors as error:
        code, message = oai_error_in(pages.last) or (type(error).__name__, str(error))
        # noRecordsMatch answers the first request only: on a resumed page it is a server bug.
        if code == "noRecordsMatch" and count == 0:
            pass
        else:
            print(f"oai_client.py: OAI error {code}: {message}", file=sys.stderr)
            return 3
    except Exception as error:  # HTTP status, connection, unparseable answer...
        last = f", the last one HTTP {pages.last_status}" if pages.count else ""
        print(f"oai_client.py: {args.client} failed after {pages.count} response(s){last}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"done": True, "count": count, "pages": pages.count}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
