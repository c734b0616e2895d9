#!/usr/bin/env python3
"""The same `oai-pmh-dump` records with each source's records in identifier order (issue 17).

    python3 bench/sort_dump.py /tmp/h1m30/n100000 /tmp/h1m30/sorted

Reads IN/dumps/<source>/page-NNNN.xml.gz (as bench/gen_dedup.py writes them: records in a
random identifier order, as a real repository lists them by datestamp) and writes
OUT/dumps/<source>/ with the same files, each holding as many records as before, every page's
text outside its records unchanged, but the source's records sorted by OAI identifier across
its pages; and OUT/sources/ with IN's source files (paths relative, so they read OUT's dumps).
A harvest of OUT stores exactly the records a harvest of IN does: what differs is only the order
in which the store's B-trees receive their keys (BENCHMARKS.md, issue 17: the harvest's cost
per record at 1 M). Standard library only.
"""

import gzip
import os
import re
import shutil
import sys

RECORD = re.compile(r"<record>.*?</record>", re.S)
IDENTIFIER = re.compile(r"<identifier>([^<]*)</identifier>")


def main(src: str, dst: str) -> None:
    for source in sorted(os.listdir(os.path.join(src, "dumps"))):
        folder = os.path.join(src, "dumps", source)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".xml.gz"))
        pages, records = [], []
        for name in files:
            with gzip.open(os.path.join(folder, name), "rt", encoding="utf-8") as f:
                text = f.read()
            first = text.index("<record>")
            end = text.rindex("</record>") + len("</record>")
            found = RECORD.findall(text[first:end])
            pages.append((text[:first], len(found), text[end:]))
            records.extend(found)
        records.sort(key=lambda r: IDENTIFIER.search(r).group(1))
        out = os.path.join(dst, "dumps", source)
        os.makedirs(out, exist_ok=True)
        at = 0
        for name, (before, count, after) in zip(files, pages):
            with gzip.open(os.path.join(out, name), "wt", encoding="utf-8", compresslevel=6) as f:
                f.write(before + "\n    ".join(records[at : at + count]) + after)
            at += count
        print(source, len(records))
    os.makedirs(os.path.join(dst, "sources"), exist_ok=True)
    for name in os.listdir(os.path.join(src, "sources")):
        shutil.copy(os.path.join(src, "sources", name), os.path.join(dst, "sources", name))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sort_dump.py IN OUT")
    main(sys.argv[1], sys.argv[2])
