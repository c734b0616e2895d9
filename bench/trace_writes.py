#!/usr/bin/env python3
"""Summarises the writes an `strace` recording saw: per file, the bytes and calls written; for
the store's file (`essor.redb`), the distinct page offsets written and how many writes went
again to an offset already written since the file's last `fdatasync`/`fsync` (a page written
out early, then modified and written again within one transaction's durable write-out).

Record with paths (`-y`) and the syncs, e.g. one change round of `bench/change_rounds.sh`:
    strace -f -y -e trace=pwrite64,write,pwritev,writev,fdatasync,fsync -o round.strace \\
        essor --data STORE --sources OUT/sources -q harvest --source bench-hal
Usage: bench/trace_writes.py round.strace
Segment files of the search index are grouped under `SEG.<ext>`. Standard library only.
"""
import collections
import re
import sys

WRITE = re.compile(r"^(?:\d+\s+)?(pwrite64|write|pwritev|writev)\((\d+)<([^>]*)>.*= (\d+)$")
OFFSET = re.compile(r"^(?:\d+\s+)?pwrite64\(\d+<[^>]*essor\.redb>, .*, \d+, (\d+)\) = \d+$")
SYNC = re.compile(r"^(?:\d+\s+)?f(?:data)?sync\(\d+<[^>]*essor\.redb>")


def main(path):
    written, calls = collections.Counter(), collections.Counter()
    phase, last_phase, rewritten = 0, {}, 0
    for line in open(path, errors="replace"):
        line = line.strip()
        if SYNC.match(line):
            phase += 1
            continue
        match = WRITE.match(line)
        if not match:
            continue
        name = re.sub(r"/[0-9a-f]{32}\.", "/SEG.", match.group(3))
        written[name] += int(match.group(4))
        calls[name] += 1
        offset = OFFSET.match(line)
        if offset:
            at = int(offset.group(1))
            rewritten += last_phase.get(at) == phase
            last_phase[at] = phase
    for name, size in written.most_common(12):
        print(f"{size / 1e6:9.1f} MB {calls[name]:7d} calls  {name}")
    print(f"essor.redb: {sum(c for n, c in calls.items() if n.endswith('essor.redb'))} page writes, "
          f"{len(last_phase)} distinct offsets, {rewritten} to an offset written since the last sync")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
