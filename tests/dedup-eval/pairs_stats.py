#!/usr/bin/env python3
"""Describe a labelled deduplication set: works, cluster sizes, positive pairs, hard-negative pairs by
kind, sources, variations, and what two naive baselines score on it (to show how much of the set
identifiers alone solve, and how hard the rest is).

    python3 tests/dedup-eval/pairs_stats.py                       # records.jsonl + annotations.json
    python3 tests/dedup-eval/pairs_stats.py --holdout             # records-holdout.jsonl + its annotations
    python3 tests/dedup-eval/pairs_stats.py --hard 5                # + duplicates that need more than simple evidence
    python3 tests/dedup-eval/pairs_stats.py FILE.jsonl [ANNOTATIONS.json] [--no-baselines]

Pairs are unordered pairs of records. A positive pair: two records with the same `work` label.
A hard-negative pair: two records of *different* works that belong to one hard-negative group of
annotations.json (e.g. the master's dissertation and the later thesis of one author); every record
of each work counts, so a group of two works with 2 and 3 records gives 6 hard-negative pairs.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import unicodedata
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pairs_of(groups: dict) -> set:
    out = set()
    for members in groups.values():
        for a, b in combinations(sorted(members), 2):
            out.add((a, b))
    return out


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# --- naive baselines (for calibration only; not a reference implementation) --------------------

def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def strong_ids(rec: dict) -> set:
    out = set()
    for v in rec.get("identifiers", []) + rec.get("sources", []):
        for m in re.finditer(r"(?<![0-9A-Za-z])((?:19|20)\d\d[A-Z0-9]{4,5}[A-Z0-9]{3,4})(?![0-9A-Za-z])", v.upper()):
            if len(m.group(1)) == 12 and re.search(r"[A-Z]", m.group(1)[4:8]):
                out.add("nnt:" + m.group(1))
        m = re.search(r"\b((?:tel|hal|halshs|dumas)-\d{8})", v)
        if m:
            out.add("hal:" + m.group(1))
        m = re.search(r"(10\.\d{4,9}/[^\s]+)", v)
        if m:
            out.add("doi:" + m.group(1).lower())
        m = re.search(r"(?:hdl\.handle\.net/|hdl:)([\d.]+/\d+)", v)
        if m:
            out.add("hdl:" + m.group(1))
    return out


def baseline_ids(recs: list) -> set:
    parent = list(range(len(recs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    seen: dict = {}
    for i, r in enumerate(recs):
        for k in strong_ids(r["record"]):
            if k in seen:
                parent[find(i)] = find(seen[k])
            else:
                seen[k] = i
    clusters = defaultdict(list)
    for i, r in enumerate(recs):
        clusters[find(i)].append(r["identifier"])
    return pairs_of(clusters)


def family(name: str) -> str:
    name = fold(name.split(",")[0] if "," in name else name.split(" ")[-1])
    return name.split(" ")[-1] if name else ""


def baseline_title_author(recs: list) -> set:
    """Records agree on the folded first title (subtitle cut at ':') and the first creator's family name."""
    clusters = defaultdict(list)
    for r in recs:
        rec = r["record"]
        title = rec.get("titles", [{}])[0].get("value", "")
        title = fold(re.split(r" [:.\-—] |\. ", title)[0])
        creator = family(rec["creators"][0]["name"]) if rec.get("creators") else ""
        clusters[(title, creator)].append(r["identifier"])
    return pairs_of(clusters)


def creator_tokens(rec: dict) -> set:
    return {t for c in rec.get("creators", []) for t in fold(c["name"]).split() if len(t) >= 4 and not t.isdigit()}


def title_variants(rec: dict) -> list:
    out = []
    for t in rec.get("titles", []) + rec.get("alternative_titles", []):
        v = fold(t["value"])
        out += [v, re.split(r" (?:tome|vol|volume|partie) ", v)[0]]
    return out


def simple_evidence(a: dict, b: dict) -> bool:
    """A shared strong identifier, or a close title in a common language with compatible creators."""
    if strong_ids(a) & strong_ids(b):
        return True
    ta, tb = creator_tokens(a), creator_tokens(b)
    same_author = bool(ta & tb) or not ta or not tb
    best = 0.0
    for x in title_variants(a):
        for y in title_variants(b):
            if len(x) > 12 and len(y) > 12 and (x.startswith(y[:max(12, len(y) - 5)]) or y.startswith(x[:max(12, len(x) - 5)])):
                best = 1.0      # one title is a prefix of the other (truncation, subtitle dropped)
            else:
                best = max(best, SequenceMatcher(None, x, y).ratio())
    return best >= 0.9 or (same_author and best >= 0.75)


def hard_positives(recs: list, show: int) -> None:
    """Works whose records do not all connect through simple evidence: these duplicates need more
    (abstracts, "ESS" expansion, organisation names, cross-language titles)."""
    by_work = defaultdict(list)
    for r in recs:
        by_work[r["work"]].append(r)
    lost = total = split = 0
    shown = 0
    for label, rs in sorted(by_work.items()):
        n = len(rs)
        total += n * (n - 1) // 2
        parent = list(range(n))

        def find(i):
            while parent[i] != i:
                i = parent[i]
            return i
        for i, j in combinations(range(n), 2):
            if simple_evidence(rs[i]["record"], rs[j]["record"]):
                parent[find(i)] = find(j)
        comps = Counter(find(i) for i in range(n))
        if len(comps) > 1:
            split += 1
            lost += n * (n - 1) // 2 - sum(c * (c - 1) // 2 for c in comps.values())
            if shown < show:
                shown += 1
                for r in rs:
                    rec = r["record"]
                    print(f"    {label} {r['source']:24} {rec['titles'][0]['value'][:70]!r} | "
                          f"{[c['name'] for c in rec.get('creators', [])][:2]} | {rec.get('dates')}")
                print()
    print(f"positive pairs not connected by simple evidence (strong id, or close title + compatible creator): "
          f"{lost} of {total} ({lost / max(1, total):.1%}), in {split} works")


def main() -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", nargs="?", type=Path)
    ap.add_argument("annotations", nargs="?", type=Path)
    ap.add_argument("--holdout", action="store_true")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--hard", type=int, metavar="N", default=-1,
                    help="also list the works (up to N) whose duplicates need more than simple evidence")
    args = ap.parse_args()
    if args.records is None:
        args.records = HERE / ("records-holdout.jsonl" if args.holdout else "records.jsonl")
    if args.annotations is None:
        guess = HERE / ("annotations-holdout.json" if "holdout" in args.records.name else "annotations.json")
        args.annotations = guess if guess.exists() else None
    recs = load(args.records)
    ann = json.loads(args.annotations.read_text(encoding="utf-8")) if args.annotations else None

    by_work = defaultdict(list)
    for r in recs:
        by_work[r["work"]].append(r["identifier"])
    sizes = Counter(len(v) for v in by_work.values())
    positives = pairs_of(by_work)
    singletons = sizes.get(1, 0)
    print(f"{args.records.name}: {len(recs)} records, {len(by_work)} works "
          f"({singletons} singletons = {singletons / len(by_work):.0%} of works), {len(positives)} positive pairs")
    print("records per work: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    src = Counter(r["source"] for r in recs)
    print("records by source: " + ", ".join(f"{k} {v}" for k, v in src.most_common()))
    fmt = Counter(r["format"] for r in recs)
    print("records by format: " + ", ".join(f"{k} {v}" for k, v in fmt.most_common()))
    source_of = {r["identifier"]: r["source"] for r in recs}
    combo = Counter(tuple(sorted((source_of[a], source_of[b]))) for a, b in positives)
    print("positive pairs by source pair:")
    for (s1, s2), v in combo.most_common():
        print(f"  {v:5}  {s1} ~ {s2}")

    if ann:
        kinds = Counter(w["kind"] for w in ann["works"].values())
        print("works by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        print("hard-negative groups (groups / works / record pairs across different works):")
        per_kind = defaultdict(lambda: [0, 0, set()])
        for g in ann["hard_negative_groups"]:
            entry = per_kind[g["kind"]]
            entry[0] += 1
            entry[1] += len(g["works"])
            for w1, w2 in combinations(g["works"], 2):
                for a in by_work.get(w1, []):
                    for b in by_work.get(w2, []):
                        entry[2].add(tuple(sorted((a, b))))
        total = set()
        for kind, (ng, nw, prs) in sorted(per_kind.items()):
            print(f"  {kind:20} {ng:4} groups {nw:4} works {len(prs):5} pairs")
            total |= prs
        print(f"  {'all':20} {sum(v[0] for v in per_kind.values()):4} groups {'':10}{len(total):5} pairs")
        var = Counter()
        roles = Counter()
        for note in ann["records"].values():
            var.update(note["variations"])
            roles[note["role"]] += 1
        print("record roles: " + ", ".join(f"{k} {v}" for k, v in roles.most_common()))
        print("variations applied (records): " + ", ".join(f"{k} {v}" for k, v in var.most_common()))
        nvar = Counter(len(n["variations"]) for n in ann["records"].values())
        print("variations per record: " + ", ".join(f"{k}: {v}" for k, v in sorted(nvar.items())))

    if not args.no_baselines:
        print("naive baselines over record pairs (precision / recall / F1):")
        for name, pred in (("shared strong identifier (NNT, HAL id, DOI, handle)", baseline_ids(recs)),
                           ("same folded main title + first author family", baseline_title_author(recs))):
            p, r, f = prf(pred, positives)
            print(f"  {name:55} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({len(pred)} predicted pairs)")
        union = baseline_ids(recs) | baseline_title_author(recs)
        p, r, f = prf(union, positives)
        print(f"  {'union of both':55} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    if args.hard >= 0:
        hard_positives(recs, args.hard)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
