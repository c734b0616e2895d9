#!/usr/bin/env python3
"""A fault-injecting OAI-PMH 2.0 data provider for essor's black-box harvest tests.

    python fault_provider.py [--port 0]

Prints `LISTENING <port>` on stdout once it accepts connections. Every scenario is served at
`http://127.0.0.1:<port>/<scenario>/oai` and injects exactly one fault into an otherwise valid
ListRecords sequence of small oai_dc records whose identifiers are `oai:fault:<scenario>:<n>`.
Identify works for every scenario (granularity YYYY-MM-DDThh:mm:ssZ, responseDate = now).

Helper endpoints (JSON):
  /_scenarios              names and one-line descriptions
  /_reset                  forget every request counter (all scenarios)
  /<scenario>/_reset       forget that scenario's counters
  /<scenario>/_stats       requests seen: {"requests", "by_verb", "pages": {"<n>": count},
                           "log": [{"verb", "args", "page", "attempt", "fault", "status", "t"}]}
                           (`t` in seconds on a monotonic clock)
  /<scenario>/_expected    what a correct harvest must have stored afterwards:
                           {"records": [{"identifier", "datestamp", "deleted", "sets", "title",
                                         "must_contain": [...]}],
                            "rejects": [{"identifier", "why"}], "pages": N}

Everything is deterministic (records are seeded by the scenario name), and counters are per
scenario, so "fail the first time, then succeed" faults are reproducible.

To add a scenario: subclass `Scenario`, set `name` and `description`, override what you need
(`build_records`, `fault`, `encode`, `next_token`, `final_token_xml`), and add it to SCENARIOS.
The process exits when its stdin reaches EOF (the test that started it is gone) or after
--max-seconds.
"""

import argparse
import base64
import gzip
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_records import format_datestamp, make_record  # noqa: E402

EARLIEST_DATESTAMP = "2021-01-04T08:00:00Z"
RECORD_EPOCH = datetime(2026, 1, 5, 8, 0, 0, tzinfo=timezone.utc)
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DC_FIELDS = [
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
    "format", "identifier", "source", "language", "relation", "coverage", "rights",
]


# --------------------------------------------------------------------------------------------
# Records and their XML


class Record:
    """One record as served. `expect` says where a correct harvester puts it:
    "stored" (records table), "rejected" (rejects table), "superseded" (a later copy with the
    same identifier wins) or "unreached" (served after the point where the harvest must stop)."""

    def __init__(self, identifier, datestamp, sets, dc, deleted=False):
        self.identifier = identifier
        self.datestamp = datestamp
        self.sets = sets
        self.dc = dc
        self.deleted = deleted
        self.expect = "stored"
        self.why = None  # for expect == "rejected"
        self.metadata_xml = None  # replaces the whole <metadata> element when set ("" = none)
        self.raw_title_xml = None  # title content written as is (not escaped), for invalid chars
        self.must_contain = None  # strings the mapped record must contain (default: the title)

    def title(self):
        return self.dc["title"][0] if self.dc and self.dc.get("title") else None


def oai_dc_xml(record):
    """HAL-style oai_dc: namespaces on <metadata> and again on oai_dc:dc, xml:lang on texts."""
    lines = [
        '<metadata xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
        'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">',
    ]
    for field in DC_FIELDS:
        for index, value in enumerate(record.dc.get(field, [])):
            lang = ' xml:lang="fr"' if field in ("title", "description") else ""
            if field == "title" and index == 0 and record.raw_title_xml is not None:
                text = record.raw_title_xml
            else:
                text = escape(value)
            lines.append(f"  <dc:{field}{lang}>{text}</dc:{field}>")
    lines.append("</oai_dc:dc>")
    lines.append("</metadata>")
    return "\n".join(lines)


def record_xml(record):
    status = ' status="deleted"' if record.deleted else ""
    parts = [
        "<record>",
        f"<header{status}>",
        f"  <identifier>{escape(record.identifier)}</identifier>",
        f"  <datestamp>{record.datestamp}</datestamp>",
    ]
    parts += [f"  <setSpec>{escape(spec)}</setSpec>" for spec in record.sets]
    parts.append("</header>")
    if not record.deleted:
        parts.append(oai_dc_xml(record) if record.metadata_xml is None else record.metadata_xml)
    parts.append("</record>")
    return "\n".join(parts)


def now_datestamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(base_url, request_args, body, xml_declaration='<?xml version="1.0" encoding="UTF-8"?>'):
    attributes = "".join(f" {key}={quoteattr(value)}" for key, value in request_args.items())
    return (
        f"{xml_declaration}\n"
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
        f"<responseDate>{now_datestamp()}</responseDate>\n"
        f"<request{attributes}>{escape(base_url)}</request>\n"
        f"{body}\n"
        "</OAI-PMH>\n"
    )


def error_body(code, message):
    return f'<error code="{code}">{escape(message)}</error>'


class Response:
    def __init__(self, status=200, body=b"", content_type="text/xml; charset=utf-8", headers=None, fault=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}
        self.fault = fault  # short name of the injected fault, for /_stats
        self.reset_connection = False


MAINTENANCE_HTML = (
    "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Maintenance en cours</title>"
    "</head><body><h1>Archive ouverte en maintenance</h1><p>Le service sera rétabli dans quelques "
    "minutes. Merci de votre patience.</p></body></html>\n"
).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Tokens: opaque, always starting with "+/" and often ending with "=", so a harvester that
# forgets to percent-encode them gets badResumptionToken.


def encode_token(page, from_, until, set_spec):
    payload = json.dumps({"p": page, "f": from_, "u": until, "s": set_spec}, separators=(",", ":"))
    return base64.b64encode(b"\xfb\xff" + payload.encode()).decode()


def decode_token(token):
    try:
        raw = base64.b64decode(token, validate=True)
        if not raw.startswith(b"\xfb\xff"):
            return None
        data = json.loads(raw[2:])
        return int(data["p"]), data["f"], data["u"], data["s"]
    except Exception:
        return None


def parse_datestamp(value, end_of_day):
    try:
        if len(value) == 10:
            moment = datetime.strptime(value, "%Y-%m-%d")
            if end_of_day:
                moment = moment.replace(hour=23, minute=59, second=59)
            return moment.replace(tzinfo=timezone.utc), "day"
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc), "seconds"
    except ValueError:
        return None, None


# --------------------------------------------------------------------------------------------
# Scenarios


class Request:
    """What a fault hook sees: the page asked for (1-based; 0 for verbs other than ListRecords),
    how many times this scenario has been asked for this page (this request included), the
    resumption token if any, and the verb."""

    def __init__(self, verb, page, attempt, token, args):
        self.verb = verb
        self.page = page
        self.attempt = attempt
        self.token = token
        self.args = args


class Scenario:
    name = "clean"
    description = "no fault (baseline): 3 pages of 5 records"
    pages = 3
    page_size = 5
    delay_seconds = 0.0

    def __init__(self):
        self.rng = random.Random(zlib.crc32(self.name.encode()))
        self.records = self.build_records()

    # -- content

    def new_record(self, number, minutes=None):
        """Record `number` of this scenario; datestamps grow with the number, all in the past."""
        minutes = number * 7 if minutes is None else minutes
        datestamp = format_datestamp(RECORD_EPOCH + timedelta(minutes=minutes))
        item = make_record(self.rng, number, f"oai:fault:{self.name}:{number}", datestamp)
        return Record(item["identifier"], item["datestamp"], item["sets"], item["dc"])

    def build_records(self):
        return [self.new_record(number) for number in range(1, self.pages * self.page_size + 1)]

    def expected(self):
        latest = {}
        rejects = []
        for record in self.records:
            if record.expect == "stored":
                latest[record.identifier] = record
            elif record.expect == "rejected":
                rejects.append({"identifier": record.identifier, "why": record.why})
        stored = []
        for record in sorted(latest.values(), key=lambda r: r.identifier):
            must_contain = record.must_contain
            if must_contain is None:
                must_contain = [] if record.deleted else [record.title()]
            stored.append(
                {
                    "identifier": record.identifier,
                    "datestamp": record.datestamp,
                    "deleted": record.deleted,
                    "sets": record.sets,
                    "title": None if record.deleted else record.title(),
                    "must_contain": must_contain,
                }
            )
        return {"records": stored, "rejects": rejects, "pages": -(-len(self.records) // self.page_size)}

    # -- hooks

    def fault(self, request):
        """A Response to send instead of the normal one, or None."""
        return None

    def next_token(self, page, page_count, from_, until, set_spec):
        """Token to put at the end of `page`, or None on the last page."""
        if page >= page_count:
            return None
        return encode_token(page + 1, from_, until, set_spec)

    def final_token_xml(self, complete_list_size, cursor):
        """What ends the last page (nothing by default)."""
        return ""

    def xml_declaration(self):
        return '<?xml version="1.0" encoding="UTF-8"?>'

    def encode(self, text, verb):
        """Body bytes and Content-Type for a response text."""
        return text.encode("utf-8"), "text/xml; charset=utf-8"


class InvalidChars(Scenario):
    name = "invalid-chars"
    description = "raw U+0001, U+0006, U+000B and a &#6; reference inside titles"

    def build_records(self):
        records = super().build_records()
        injections = {2: "\x01", 6: "\x06", 9: "\x0b", 13: "&#6;"}
        for number, junk in injections.items():
            record = records[number - 1]
            head, tail = "Économie sociale et solidaire", f"en {['Bretagne', 'Occitanie', 'Normandie', 'Grand Est'][number % 4]} : coopérer autrement"
            record.dc["title"][0] = f"{head} {tail}"
            record.raw_title_xml = f"{escape(head)}{junk} {escape(tail)}"
            record.must_contain = [head, tail]
        return records


class Bom(Scenario):
    name = "bom"
    description = "UTF-8 byte order mark before <?xml"

    def encode(self, text, verb):
        return b"\xef\xbb\xbf" + text.encode("utf-8"), "text/xml; charset=utf-8"


class Latin1(Scenario):
    name = "latin1"
    description = "bodies in ISO-8859-1, declared only in the XML declaration"
    encoding = "ISO-8859-1"
    titles = [
        "Économie sociale et solidaire à Besançon : garçons de café et coopératives ouvrières",
        "Les SCOP françaises à l'épreuve de la crise : récit d'une reprise réussie",
        "Façonner le développement local : élus, associations et entreprises d'insertion",
    ]

    def build_records(self):
        records = super().build_records()
        for index, record in enumerate(records):
            record.dc["title"][0] = self.titles[index % len(self.titles)] + f" (n° {index + 1})"
        return records

    def xml_declaration(self):
        return f'<?xml version="1.0" encoding="{self.encoding}"?>'

    def encode(self, text, verb):
        return text.encode(self.encoding.lower(), errors="xmlcharrefreplace"), "text/xml"


class Windows1252(Latin1):
    name = "windows-1252"
    description = "bodies in windows-1252 with curly quotes, € and œ"
    encoding = "windows-1252"
    titles = [
        "L’épargne solidaire à 100 € : les fonds 90/10 au service de l’emploi",
        "Œuvrer pour le bien commun : sœurs, frères et coopérateurs en Bretagne",
        "« Faire ensemble » : l’économie sociale… et ses contradictions",
    ]


class UndeclaredGzip(Scenario):
    name = "undeclared-gzip"
    description = "ListRecords bodies gzipped without a Content-Encoding header"

    def encode(self, text, verb):
        body = text.encode("utf-8")
        if verb == "ListRecords":
            body = gzip.compress(body, mtime=0)
        return body, "text/xml; charset=utf-8"


class Html200(Scenario):
    name = "html-200"
    description = "first request of page 2 gets an HTML maintenance page with status 200"

    def fault(self, request):
        if request.page == 2 and request.attempt == 1:
            return Response(200, MAINTENANCE_HTML, "text/html; charset=utf-8", fault="html-200")
        return None


class Truncated(Scenario):
    name = "truncated"
    description = "first request of page 2 gets the page cut in the middle (Content-Length matches)"

    def fault(self, request):
        if request.page == 2 and request.attempt == 1:
            return "truncate"  # handled by the provider once the normal body is built
        return None


class EmptyFinalToken(Scenario):
    name = "empty-final-token"
    description = "last page ends with an empty <resumptionToken completeListSize cursor/>"

    def final_token_xml(self, complete_list_size, cursor):
        return f'<resumptionToken completeListSize="{complete_list_size}" cursor="{cursor}"/>'


class TokenLoop(Scenario):
    name = "token-loop"
    description = "page 2's token points back to page 2 forever"
    pages = 4

    def build_records(self):
        records = super().build_records()
        for record in records[2 * self.page_size :]:
            record.expect = "unreached"
        return records

    def next_token(self, page, page_count, from_, until, set_spec):
        if page == 2:
            return encode_token(2, from_, until, set_spec)
        return super().next_token(page, page_count, from_, until, set_spec)


class DuplicateId(Scenario):
    name = "duplicate-id"
    description = "record 3 of page 1 comes again on page 2 with a newer datestamp and title"

    def build_records(self):
        records = super().build_records()
        original = records[2]
        original.expect = "superseded"
        again = Record(original.identifier, format_datestamp(RECORD_EPOCH + timedelta(days=30)), original.sets,
                       json.loads(json.dumps(original.dc)))
        again.dc["title"][0] = original.dc["title"][0] + " (version corrigée)"
        # In the middle of page 2; the list now has 16 records, so a 4th page holds the last one.
        records.insert(self.page_size + 2, again)
        return records


class NoRecordsMatch(Scenario):
    name = "no-records-match"
    description = "ListRecords answers noRecordsMatch (an empty repository)"

    def build_records(self):
        return []


class BadTokenOnce(Scenario):
    name = "bad-token-once"
    description = "the first use of page 3's token gets badResumptionToken"
    pages = 4

    def fault(self, request):
        if request.page == 3 and request.token is not None and request.attempt == 1:
            return "badResumptionToken"
        return None


class Http429(Scenario):
    name = "http-429"
    description = "first request of page 2 gets 429 with Retry-After: 1"

    def fault(self, request):
        if request.page == 2 and request.attempt == 1:
            return Response(429, b"Too Many Requests\n", "text/plain; charset=utf-8", {"Retry-After": "1"}, "http-429")
        return None


class Http503(Scenario):
    name = "http-503"
    description = "first two requests of page 2 get 503"

    def fault(self, request):
        if request.page == 2 and request.attempt <= 2:
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>\n"
            return Response(503, body, "text/html; charset=utf-8", fault="http-503")
        return None


class Http500Empty(Scenario):
    name = "http-500-empty"
    description = "first request of page 2 gets 500 with an empty text/xml body (as DSpace did)"

    def fault(self, request):
        if request.page == 2 and request.attempt == 1:
            return Response(500, b"", "text/xml;charset=UTF-8", fault="http-500-empty")
        return None


class Reset(Scenario):
    name = "reset"
    description = "first request of page 2: connection closed (RST) without any response"

    def fault(self, request):
        if request.page == 2 and request.attempt == 1:
            response = Response(fault="reset")
            response.reset_connection = True
            return response
        return None


class GzipBomb(Scenario):
    name = "gzip-bomb"
    description = "page 2 and later: a gzip body (declared) that inflates to 300 MiB of zeros (~300 KiB on the wire)"
    _bomb = None

    def build_records(self):
        records = super().build_records()
        for record in records[self.page_size :]:
            record.expect = "unreached"
        # Built before the server listens: built on the first request, it could take longer
        # than the harvester's timeout on a loaded machine and be asked for twice.
        self.bomb()
        return records

    @classmethod
    def bomb(cls):
        # One deflate block of 1 MiB of zeros, repeated: after a full flush the compressor
        # starts afresh, so every block is the same bytes (0.1 s instead of 1.2 s to build).
        if cls._bomb is None:
            zeros, blocks = bytes(1 << 20), 300
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
            first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
            block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
            crc = 0
            for _ in range(blocks):
                crc = zlib.crc32(zeros, crc)
            final = b"\x03\x00"  # an empty final block (fixed Huffman, end of block)
            trailer = struct.pack("<II", crc, (blocks << 20) & 0xFFFFFFFF)
            cls._bomb = first + block * (blocks - 1) + final + trailer
        return cls._bomb

    def fault(self, request):
        if request.page >= 2:
            return Response(200, self.bomb(), "text/xml; charset=utf-8",
                            headers={"Content-Encoding": "gzip"}, fault="gzip-bomb")
        return None


class Always503(Scenario):
    name = "always-503"
    description = "page 2 and later always get 503"

    def build_records(self):
        records = super().build_records()
        for record in records[self.page_size :]:
            record.expect = "unreached"
        return records

    def fault(self, request):
        if request.page >= 2:
            return Response(503, b"Service Unavailable\n", "text/plain; charset=utf-8", fault="always-503")
        return None


class OaiErrorHttp422(Scenario):
    name = "oai-error-http422"
    description = "Zenodo style: ListRecords answers badArgument with HTTP 422"

    def build_records(self):
        records = super().build_records()
        for record in records:
            record.expect = "unreached"
        return records

    def fault(self, request):
        if request.verb == "ListRecords":
            return "badArgument-422"
        return None


class MalformedRecord(Scenario):
    name = "malformed-record"
    description = "page 2 holds a record without <metadata>, one not in oai_dc, one without title"

    def build_records(self):
        records = super().build_records()
        no_metadata, foreign, no_title = records[5], records[7], records[8]
        no_metadata.metadata_xml = ""
        no_metadata.expect, no_metadata.why = "rejected", "no metadata and not deleted"
        foreign.metadata_xml = (
            '<metadata><foo:bar xmlns:foo="urn:x"><foo:titre>Les coopératives agricoles</foo:titre>'
            "</foo:bar></metadata>"
        )
        foreign.expect, foreign.why = "rejected", "metadata is not oai_dc"
        del no_title.dc["title"]
        no_title.expect, no_title.why = "rejected", "oai_dc without dc:title"
        return records


class Deleted(Scenario):
    name = "deleted"
    description = "some records come as <header status=\"deleted\"> without metadata"

    def build_records(self):
        records = super().build_records()
        for number in (4, 9, 13):
            records[number - 1].deleted = True
        return records


class Slow(Scenario):
    """Long enough (about 10 s for a debug build) that a harvest makes durable commits midway,
    so SIGKILLs land both before and after a checkpoint that a rerun can resume from."""

    name = "slow"
    description = "80 pages of 50 records, 75 ms per page (for the SIGKILL test)"
    pages = 80
    page_size = 50
    delay_seconds = 0.075


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(), InvalidChars(), Bom(), Latin1(), Windows1252(), UndeclaredGzip(), Html200(),
        Truncated(), EmptyFinalToken(), TokenLoop(), DuplicateId(), NoRecordsMatch(), BadTokenOnce(),
        Http429(), Http503(), Http500Empty(), Reset(), Always503(), GzipBomb(), OaiErrorHttp422(),
        MalformedRecord(), Deleted(), Slow(),
    )
}


# --------------------------------------------------------------------------------------------
# The provider


class Counters:
    """Per-scenario request counters and log. One lock for all: traffic is tiny."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_scenario = {}

    def reset(self, name=None):
        with self.lock:
            if name is None:
                self.by_scenario.clear()
            else:
                self.by_scenario.pop(name, None)

    def count(self, name, verb, page):
        """Registers one request and returns its attempt number for (scenario, page)."""
        with self.lock:
            stats = self.by_scenario.setdefault(name, {"requests": 0, "by_verb": {}, "pages": {}, "log": []})
            stats["requests"] += 1
            stats["by_verb"][verb] = stats["by_verb"].get(verb, 0) + 1
            if page:
                stats["pages"][str(page)] = stats["pages"].get(str(page), 0) + 1
                return stats["pages"][str(page)]
            return stats["by_verb"][verb]

    def log(self, name, entry):
        with self.lock:
            stats = self.by_scenario.setdefault(name, {"requests": 0, "by_verb": {}, "pages": {}, "log": []})
            stats["log"].append(entry)

    def snapshot(self, name):
        with self.lock:
            stats = self.by_scenario.get(name, {"requests": 0, "by_verb": {}, "pages": {}, "log": []})
            return json.loads(json.dumps(stats))


class Provider:
    def __init__(self):
        self.counters = Counters()
        self.port = 0

    def base_url(self, scenario):
        return f"http://127.0.0.1:{self.port}/{scenario.name}/oai"

    def answer(self, scenario, args):
        """Returns (Response, log entry) for an OAI-PMH request."""
        verb = args.get("verb", "")
        token = args.get("resumptionToken")
        page = 0
        decoded = None
        if verb == "ListRecords":
            if token is not None:
                decoded = decode_token(token)
                page = decoded[0] if decoded else -1
            else:
                page = 1
        attempt = self.counters.count(scenario.name, verb, page if page > 0 else 0)
        request = Request(verb, page, attempt, token, args)
        entry = {"verb": verb, "args": args, "page": page, "attempt": attempt, "fault": None, "t": time.monotonic()}

        fault = scenario.fault(request)
        if isinstance(fault, Response):
            entry["fault"] = fault.fault
            return fault, entry
        if fault == "badResumptionToken":
            entry["fault"] = fault
            return self.oai_error(scenario, args, "badResumptionToken", "The resumptionToken has expired."), entry
        if fault == "badArgument-422":
            entry["fault"] = fault
            response = self.oai_error(scenario, {}, "badArgument", "metadataPrefix does not exist", with_declaration=False)
            response.status = 422
            return response, entry

        if verb == "Identify":
            response = self.identify(scenario, args)
        elif verb == "ListRecords":
            if scenario.delay_seconds:
                time.sleep(scenario.delay_seconds)
            response = self.list_records(scenario, args, decoded)
        elif verb == "ListMetadataFormats":
            response = self.ok(scenario, args, (
                "<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
                "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
                "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
                "</metadataFormat></ListMetadataFormats>"))
        elif verb in ("ListSets", "ListIdentifiers", "GetRecord"):
            response = self.oai_error(scenario, args, "badArgument", f"{verb} is not offered by this test provider")
        else:
            response = self.oai_error(scenario, {}, "badVerb", "Illegal OAI verb")

        if fault == "truncate":
            entry["fault"] = "truncated"
            response.body = response.body[: len(response.body) // 2]
        return response, entry

    def ok(self, scenario, args, body):
        text = envelope(self.base_url(scenario), args, body, scenario.xml_declaration())
        data, content_type = scenario.encode(text, args.get("verb", ""))
        return Response(200, data, content_type)

    def oai_error(self, scenario, args, code, message, with_declaration=True):
        declaration = scenario.xml_declaration() if with_declaration else ""
        text = envelope(self.base_url(scenario), args, error_body(code, message), declaration)
        data, content_type = scenario.encode(text, args.get("verb", ""))
        return Response(200, data, content_type)

    def identify(self, scenario, args):
        if set(args) != {"verb"}:
            return self.oai_error(scenario, {}, "badArgument", "Identify takes no argument")
        body = (
            "<Identify>"
            f"<repositoryName>Archive de test essor : {escape(scenario.description)}</repositoryName>"
            f"<baseURL>{escape(self.base_url(scenario))}</baseURL>"
            "<protocolVersion>2.0</protocolVersion>"
            "<adminEmail>archives-ess@example.org</adminEmail>"
            f"<earliestDatestamp>{EARLIEST_DATESTAMP}</earliestDatestamp>"
            "<deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
            "</Identify>"
        )
        return self.ok(scenario, args, body)

    def list_records(self, scenario, args, decoded):
        if "resumptionToken" in args:
            if set(args) != {"verb", "resumptionToken"} or decoded is None:
                return self.oai_error(scenario, args, "badResumptionToken", "Unknown or malformed resumptionToken")
            page, from_, until, set_spec = decoded
        else:
            allowed = {"verb", "metadataPrefix", "from", "until", "set"}
            if not set(args) <= allowed or "metadataPrefix" not in args:
                return self.oai_error(scenario, {}, "badArgument", "Illegal or missing argument")
            if args["metadataPrefix"] != "oai_dc":
                return self.oai_error(scenario, args, "cannotDisseminateFormat", "Only oai_dc is offered")
            page, from_, until, set_spec = 1, args.get("from"), args.get("until"), args.get("set")
        from_moment = until_moment = None
        granularities = set()
        if from_ is not None:
            from_moment, granularity = parse_datestamp(from_, end_of_day=False)
            granularities.add(granularity)
        if until is not None:
            until_moment, granularity = parse_datestamp(until, end_of_day=True)
            granularities.add(granularity)
        if None in granularities or len(granularities) > 1:
            return self.oai_error(scenario, {}, "badArgument", "Bad from/until")

        selected = []
        for record in scenario.records:
            moment, _ = parse_datestamp(record.datestamp, end_of_day=False)
            if from_moment is not None and moment < from_moment:
                continue
            if until_moment is not None and moment > until_moment:
                continue
            if set_spec and not any(s == set_spec or s.startswith(set_spec + ":") for s in record.sets):
                continue
            selected.append(record)
        if not selected:
            return self.oai_error(scenario, args, "noRecordsMatch", "No records match the request")
        page_count = -(-len(selected) // scenario.page_size)
        if page < 1 or page > page_count:
            return self.oai_error(scenario, args, "badResumptionToken", "resumptionToken out of range")

        cursor = (page - 1) * scenario.page_size
        chunk = selected[cursor : cursor + scenario.page_size]
        parts = ["<ListRecords>"] + [record_xml(record) for record in chunk]
        token = scenario.next_token(page, page_count, from_, until, set_spec)
        if token is not None:
            parts.append(
                f'<resumptionToken completeListSize="{len(selected)}" cursor="{cursor}">{escape(token)}</resumptionToken>'
            )
        else:
            parts.append(scenario.final_token_xml(len(selected), cursor))
        parts.append("</ListRecords>")
        return self.ok(scenario, args, "\n".join(parts))


def make_handler(provider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "essor-fault-provider/1"

        def log_message(self, format, *args):
            pass

        def send_json(self, value, status=200):
            self.send_bytes(Response(status, json.dumps(value, ensure_ascii=False).encode(), "application/json"))

        def send_bytes(self, response):
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def reset(self):
            # SO_LINGER with a zero timeout turns close() into a TCP RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def route(self, query):
            path = urllib.parse.urlsplit(self.path).path
            segments = [segment for segment in path.split("/") if segment]
            if segments == ["_reset"]:
                provider.counters.reset()
                return self.send_json({})
            if segments == ["_scenarios"]:
                return self.send_json({name: s.description for name, s in SCENARIOS.items()})
            if len(segments) != 2 or segments[0] not in SCENARIOS:
                return self.send_bytes(Response(404, b"no such scenario\n", "text/plain"))
            scenario = SCENARIOS[segments[0]]
            if segments[1] == "_reset":
                provider.counters.reset(scenario.name)
                return self.send_json({})
            if segments[1] == "_stats":
                return self.send_json(provider.counters.snapshot(scenario.name))
            if segments[1] == "_expected":
                return self.send_json(scenario.expected())
            if segments[1] != "oai":
                return self.send_bytes(Response(404, b"not found\n", "text/plain"))
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            args = dict(pairs)
            if len(args) != len(pairs):
                response = provider.oai_error(scenario, {}, "badArgument", "Repeated argument")
                entry = {"verb": args.get("verb", ""), "args": args, "page": 0, "attempt": 0, "fault": None,
                         "t": time.monotonic()}
            else:
                response, entry = provider.answer(scenario, args)
            entry["status"] = response.status
            provider.counters.log(scenario.name, entry)
            if response.reset_connection:
                return self.reset()
            self.send_bytes(response)

        def do_GET(self):
            self.route(urllib.parse.urlsplit(self.path).query)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.route(self.rfile.read(length).decode("utf-8", errors="replace"))

    return Handler


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description="fault-injecting OAI-PMH provider for essor's tests")
    parser.add_argument("port", nargs="?", type=int, default=0, help="TCP port on 127.0.0.1, 0 = any free one")
    parser.add_argument("--port", dest="port_option", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="exit after this long anyway")
    parser.add_argument("--no-stdin-watch", action="store_true", help="don't exit when stdin closes")
    args = parser.parse_args(argv)
    port = args.port_option if args.port_option is not None else args.port

    provider = Provider()
    http_server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(provider))
    http_server.daemon_threads = True
    provider.port = http_server.server_address[1]
    if not args.no_stdin_watch:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: os._exit(3)).start()
    print(f"LISTENING {provider.port}", flush=True)
    http_server.serve_forever()


if __name__ == "__main__":
    main()
