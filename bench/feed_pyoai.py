#!/usr/bin/env python3
"""The Python peer of bench/feed_bench.sh: pyoai 2.5.0's OAI-PMH server over the same records.

    python3 bench/feed_pyoai.py convert --dumps DIR --out records.json
        Reads the oai-pmh-dump pages that essor harvests (DIR/<source>/page-NNNN.xml.gz, oai_dc,
        written by bench/gen_dedup.py) and writes them in the JSON shape that
        tests/peers/pyoai_server.py serves ({"identifier", "datestamp", "deleted", "sets", "dc"}),
        every dc:* element's text kept (same titles, creators, abstracts…; xml:lang is lost, as
        pyoai's oai_dc writer has no place for it). Datestamps become seconds granularity
        (YYYY-MM-DDT00:00:00Z for day-only ones). Standard library only.

    .venv/bin/python bench/feed_pyoai.py serve --data records.json --batch 100 [--port 0]
        Runs tests/peers/pyoai_server.py (pyoai's BatchingServer + the standard library's
        ThreadingHTTPServer, HTTP/1.1 keep-alive), unchanged but for one thing: its test adapter
        answers ListRecords by filtering the whole record list on every page (O(records) per
        page, fine for tests); here an unfiltered list (no set, from or until) is a plain slice,
        so that the figure is pyoai's own cost (token decoding, lxml tree, serialisation), not
        the adapter's scan. Needs pyoai and lxml (tests/peers/requirements.txt, in .venv).
        Prints `LISTENING <port>`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"


def seconds(datestamp: str) -> str:
    datestamp = datestamp.strip()
    if len(datestamp) == 10:
        return datestamp + "T00:00:00Z"
    return datestamp


def convert(dumps: Path, out: Path) -> int:
    items = []
    pages = sorted(dumps.glob("*/page-*.xml.gz"))
    if not pages:
        print(f"no pages under {dumps}/*/page-*.xml.gz", file=sys.stderr)
        return 2
    for page in pages:
        root = ET.fromstring(gzip.decompress(page.read_bytes()))
        for rec in root.iter(f"{OAI}record"):
            header = rec.find(f"{OAI}header")
            deleted = header.get("status") == "deleted"
            dc: dict[str, list[str]] = {}
            dc_root = rec.find(f"{OAI}metadata/{OAI_DC}")
            if dc_root is not None:
                for el in dc_root:
                    if el.tag.startswith(DC) and el.text and el.text.strip():
                        dc.setdefault(el.tag[len(DC):], []).append(el.text.strip())
            items.append({
                "identifier": header.findtext(f"{OAI}identifier").strip(),
                "datestamp": seconds(header.findtext(f"{OAI}datestamp")),
                "deleted": deleted,
                "sets": [s.text.strip() for s in header.findall(f"{OAI}setSpec") if s.text],
                "dc": dc,
            })
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(items, f, ensure_ascii=False)
    tmp.replace(out)
    print(f"wrote {len(items)} records from {len(pages)} pages into {out}", file=sys.stderr)
    return 0


def serve(argv: list[str]) -> None:
    sys.path.insert(0, str(REPO / "tests" / "peers"))
    import pyoai_server  # noqa: E402  (tests/peers/pyoai_server.py)

    original = pyoai_server.JsonRepository.listRecords

    def list_records(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        if set is None and from_ is None and until is None:
            self._check_prefix(metadataPrefix)
            records, _ = self.record_file.current()
            return [(header, md, None) for _, _, header, md in records[cursor:cursor + batch_size]]
        return original(self, metadataPrefix, set, from_, until, cursor, batch_size)

    pyoai_server.JsonRepository.listRecords = list_records
    pyoai_server.main(argv)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--dumps", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    sub.add_parser("serve", help="see the module docstring")
    args = ap.parse_args()
    return convert(args.dumps, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
