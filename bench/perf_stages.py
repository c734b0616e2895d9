#!/usr/bin/env python3
"""Splits a profile of a fresh build's `essor works update` by stage. Each sample of
`perf script -F comm,tid,ip,sym` (recorded with call chains: `perf record --call-graph
dwarf,16384`) goes to the first stage below whose test its thread name or its chain passes;
under each stage, its leaf functions. With a frame name as second argument: the samples whose
chain holds it, by the function they called (a drill-down). With `--within FRAME NAME...`:
among the samples whose chain holds FRAME (with `--thread`, every sample of a thread that
ever ran FRAME: its whole timeline), the share whose chain holds each NAME (inclusive). With
`--leaves FRAME`: the samples whose chain holds FRAME, by the function they were in (their leaf).

Usage: perf script -i perf.data -F comm,tid,ip,sym > perf.txt
       bench/perf_stages.py perf.txt [LEAVES]        # the stages, LEAVES leaf functions each
       bench/perf_stages.py perf.txt FRAME [DEPTH]   # below FRAME, DEPTH calls down (1)
       bench/perf_stages.py perf.txt --within [--thread] FRAME NAME...
       bench/perf_stages.py perf.txt --leaves FRAME [LEAVES]
"""
import collections
import re
import sys


def has(*names):
    return lambda comm, frames: any(n in f for f in frames for n in names)


STAGES = [
    ("search index: tantivy's indexing threads", lambda comm, _: comm.startswith("thrd-tantivy")),
    ("search index: the works' documents", lambda comm, _: comm.startswith("index-beside")),
    (
        "features rows written",
        lambda c, f: has("write_features_rows")(c, f)
        or (has("cluster_all")(c, f) and has("update_works_bulk")(c, f)),
    ),
    (
        "features pass (decode, normalise for dedup, features, keys)",
        has("dedup_features_all", "mine_all"),
    ),
    ("clustering", has("dedup::cluster")),
    (
        "members described (decode, normalise, classify)",
        has("describe_all", "describe_groups", "describe_here"),
    ),
    ("fields chosen", has("take_fields", "fields::build")),
    ("works encoded (JSON, LZ4)", has("EncodedWork", "encode_work")),
    ("stored works read and compared (a rebuild)", has("stored_works", "StoredWork", "decode_plain_work")),
    ("writer (a rebuild)", has("write_received")),
    ("sets", has("set_specs")),
    ("writer: blocking index passes", has("BlockPasses")),
    ("writer: works, feed index, record_work", has("Writer::write")),
    ("the rest (open, commit of the index...)", lambda *_: True),
]


def read(path):
    samples, current = [], None
    for line in open(path, errors="replace"):
        if not line.strip():
            continue
        if line[0] not in " \t":
            fields = line.split()
            current = (fields[0], fields[1] if len(fields) > 1 else "", [])
            samples.append(current)
        elif current is not None:
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                current[2].append(re.sub(r"\s*\(inlined\)$", "", parts[1]))
    return samples


def stages(samples, leaves):
    counts = collections.Counter()
    leaf_counts = collections.defaultdict(collections.Counter)
    for comm, _, frames in samples:
        name = next(name for name, test in STAGES if test(comm, frames))
        counts[name] += 1
        leaf_counts[name][(frames[0] if frames else "?")[:100]] += 1
    total = len(samples)
    print(f"{total} samples")
    for name, count in counts.most_common():
        print(f"{100 * count / total:5.1f}%  {name}")
        for leaf, n in leaf_counts[name].most_common(leaves):
            print(f"        {100 * n / total:5.2f}%  {leaf}")


def below(samples, anchor, depth):
    counts, under = collections.Counter(), 0
    for _, _, frames in samples:
        at = [i for i, f in enumerate(frames) if anchor in f]
        if not at:
            continue
        under += 1
        i = at[-1] - depth
        counts[frames[i][:120] if i >= 0 else "(itself)"] += 1
    total = len(samples)
    print(f"{under} of {total} samples ({100 * under / total:.1f}%) under {anchor}")
    for name, n in counts.most_common(25):
        print(f"{100 * n / total:6.2f}%  {name}")


def within(samples, args):
    by_thread = args[0] == "--thread"
    frame, names = (args[1], args[2:]) if by_thread else (args[0], args[1:])
    holds = lambda frames, name: any(name in f for f in frames)
    if by_thread:
        threads = {tid for _, tid, frames in samples if holds(frames, frame)}
        chosen = [frames for _, tid, frames in samples if tid in threads]
    else:
        chosen = [frames for _, _, frames in samples if holds(frames, frame)]
    print(f"{len(chosen)} of {len(samples)} samples {'on threads running' if by_thread else 'under'} {frame}")
    for name in names:
        n = sum(1 for frames in chosen if holds(frames, name))
        print(f"{100 * n / max(len(chosen), 1):5.1f}%  {name}")


def leaves(samples, frame, shown):
    chosen = [frames for _, _, frames in samples if any(frame in f for f in frames)]
    counts = collections.Counter(frames[0][:120] for frames in chosen if frames)
    print(f"{len(chosen)} of {len(samples)} samples under {frame}, by leaf")
    for name, n in counts.most_common(shown):
        print(f"{100 * n / max(len(chosen), 1):5.1f}%  {name}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    samples = read(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[2] == "--within":
        within(samples, sys.argv[3:])
    elif len(sys.argv) > 3 and sys.argv[2] == "--leaves":
        leaves(samples, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 25)
    elif len(sys.argv) > 2 and not sys.argv[2].isdigit():
        below(samples, sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    else:
        stages(samples, int(sys.argv[2]) if len(sys.argv) > 2 else 6)


if __name__ == "__main__":
    main()
