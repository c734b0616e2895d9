#!/usr/bin/env python3
"""What an `fdatasync` costs this machine's disk for a commit's pages, by how they lie in the
file (issue 17, BENCHMARKS.md): PAGES pages of 4 KiB written into a 2 GiB scratch file, then
synced, three ways: one contiguous run, each page at a random place, and random runs of four
pages (16 KiB). A redb commit's pages lie as in the second: copy-on-write puts each page where
the allocator finds a free one.

Usage: bench/sync_costs.py DIR [PAGES] [ROUNDS]
  DIR     a folder on the store's filesystem (the scratch file is made there, then removed)
  PAGES   pages a sync writes (default 9000: a 1,000-title round's works commit at 1 M)
  ROUNDS  rounds of the three (default 3)
Prints milliseconds per sync. Standard library only.
"""
import os
import random
import sys
import time

PAGE = 4096
SIZE = 2 << 30


def main():
    folder = sys.argv[1]
    pages = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    path = os.path.join(folder, "sync_costs.scratch")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(fd, 0, SIZE)
        os.fdatasync(fd)
        data = os.urandom(PAGE)
        slots = SIZE // PAGE
        ways = {
            "contiguous": lambda: [(1000 + i) * PAGE for i in range(pages)],
            "random pages": lambda: [random.randrange(slots) * PAGE for _ in range(pages)],
            "random 16 KiB runs": lambda: [
                random.randrange(slots // 4) * 4 * PAGE + j * PAGE
                for _ in range(pages // 4)
                for j in range(4)
            ],
        }
        for _ in range(rounds):
            line = []
            for name, offsets in ways.items():
                for offset in offsets():
                    os.pwrite(fd, data, offset)
                started = time.perf_counter()
                os.fdatasync(fd)
                line.append(f"{name} {(time.perf_counter() - started) * 1000:.1f} ms")
            print(f"{pages} pages: " + ", ".join(line))
    finally:
        os.close(fd)
        os.unlink(path)


if __name__ == "__main__":
    main()
