#!/usr/bin/env python3
"""How a process's writes to one file lie between its syncs (issue 17, BENCHMARKS.md): from an
strace of `pwrite64` and `fdatasync`, each stretch of writes that one `fdatasync` of the file
makes durable: the writes, the distinct 4 KiB pages, the contiguous runs they form and the span
of the file they cover. A sync's cost on this disk follows the runs (bench/sync_costs.py).

Usage: strace -f --seccomp-bpf -e trace=pwrite64,fdatasync -o round.strace essor ...
       bench/commit_writes.py round.strace [FD]     (FD: the store's descriptor, default 4)
Standard library only.
"""
import re
import sys

PAGE = 4096


def main():
    fd = sys.argv[2] if len(sys.argv) > 2 else "4"
    write = re.compile(r"pwrite64\(" + fd + r"(?:<[^>]*>)?, .*, (\d+), (\d+)\)")
    sync = re.compile(r"fdatasync\(" + fd + r"[<)]")
    stretches, current = [], []
    for line in open(sys.argv[1], errors="replace"):
        found = write.search(line)
        if found:
            current.append((int(found.group(2)), int(found.group(1))))
        elif sync.search(line):
            stretches.append(current)
            current = []
    stretches.append(current)
    for number, writes in enumerate(stretches):
        if not writes:
            continue
        pages = sorted({p for offset, length in writes
                        for p in range(offset // PAGE, (offset + length + PAGE - 1) // PAGE)})
        runs = 1 + sum(1 for a, b in zip(pages, pages[1:]) if b != a + 1)
        span = (pages[-1] - pages[0] + 1) * PAGE / 2**30
        print(f"sync {number}: {len(writes)} writes, {len(pages)} distinct pages "
              f"({len(pages) * PAGE / 2**20:.1f} MiB) in {runs} runs over {span:.2f} GiB")


if __name__ == "__main__":
    main()
