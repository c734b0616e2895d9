#!/usr/bin/env python3
"""Query URL lists for the REST API benchmark (bench/api_bench.sh, issue 5).

    python3 bench/api_queries.py --records gen/records.jsonl --base http://127.0.0.1:PORT \
        --api-key bench --out DIR [--sample 100000] [--urls 400] [--seed 5]

Writes, under --out (one request target a line, `/api/v1/works?...`, for bench/api_wrk.lua and
bench/api_sweep.py):

  words.txt          the ~200 one-word queries: title words of the generated records (French and
                     English, lower-cased, stop words and words under 4 letters dropped), the 120
                     most frequent (in titles of --sample records) and 80 drawn from ranks 120-800
                     (rarer: sector, place and organisation words), so both broad queries
                     (`economie`, `cooperatives`, hundreds of thousands of hits) and narrow ones
  one_word.urls      q=<word> for each word (default sort: relevance; limit 20; no facets)
  two_word.urls      --urls queries q=<w1 w2>, two content words of one random title (so most
                     have hits; words are all required), with the six facets (facets=...)
  filtered.urls      --urls queries combining type, year_from/year_to, region and theme (at least
                     one filter; values from the server's own facets), half of them with a q word;
                     no facets
  manifest.json      the parameters and counts

The facet values (types, years, regions, themes) are read from the server: GET
/api/v1/works?limit=1&facets=type,year,region,theme (without q, over all the works).
"""

import argparse
import collections
import json
import random
import re
import sys
import urllib.parse
import urllib.request

STOP = set("""
le la les un une des du de d l au aux et ou en dans sur sous par pour avec sans entre vers chez
ce cet cette ces son sa ses leur leurs nos notre vos votre qui que quoi dont où ne pas plus
est sont être comme mais donc or ni car cas une approche analyse étude contribution
the a an of and or in on at to for with without from by as into between its their our
case study analysis approach toward towards
auprès face facing quand when exemple épreuve place lieu lieux saint
""".split())
ALL_FACETS = ["type", "year", "theme", "region", "institution", "language"]
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def title_words(title):
    return [w for w in (m.group(0).lower() for m in WORD.finditer(title)) if len(w) >= 4 and w not in STOP]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", required=True, help="records.jsonl written by bench/gen_dedup.py")
    ap.add_argument("--base", required=True, help="http://ADDR of essor serve")
    ap.add_argument("--api-key", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--sample", type=int, default=100_000, help="records read for the word list")
    ap.add_argument("--urls", type=int, default=400, help="URLs in two_word and filtered lists")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    # Title words and titles, from the first --sample records.
    freq = collections.Counter()
    titles = []
    with open(args.records, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= args.sample:
                break
            rec = json.loads(line)["record"]
            for t in rec.get("titles", []):
                words = title_words(t["value"])
                freq.update(set(words))
                if len(set(words)) >= 2:
                    titles.append(sorted(set(words)))
    ranked = [w for w, _ in freq.most_common()]
    top = ranked[:120]
    tail = ranked[120:800]
    words = top + rng.sample(tail, min(80, len(tail)))

    # Facet values from the server.
    req = urllib.request.Request(args.base + "/api/v1/works?limit=1&facets=type,year,region,theme")
    if args.api_key:
        req.add_header("X-API-Key", args.api_key)
    with urllib.request.urlopen(req, timeout=120) as r:
        facets = json.load(r)["facets"]
    types = [v["value"] for v in facets["type"]]
    years = sorted(int(v["value"]) for v in facets["year"] if v["value"].isdigit())
    regions = [v["value"] for v in facets["region"]]
    themes = [v["value"] for v in facets["theme"]]
    if not (types and years and regions and themes):
        sys.exit(f"facets incomplete: {json.dumps(facets)[:500]}")
    lo, hi = years[0], years[-1]

    def url(params):
        return "/api/v1/works?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    one = [url([("q", w)]) for w in words]
    two = []
    for _ in range(args.urls):
        a, b = rng.sample(rng.choice(titles), 2)
        two.append(url([("q", f"{a} {b}"), ("facets", ",".join(ALL_FACETS))]))
    filtered = []
    while len(filtered) < args.urls:
        p = []
        if rng.random() < 0.5:
            p.append(("q", rng.choice(words)))
        if rng.random() < 0.5:
            p.append(("type", rng.choice(types)))
        if rng.random() < 0.7:
            y0 = rng.randint(max(lo, hi - 30), hi)
            y1 = min(hi, y0 + rng.randint(0, 10))
            p.append(("year_from", str(y0)))
            p.append(("year_to", str(y1)))
        if rng.random() < 0.4:
            p.append(("region", rng.choice(regions)))
        if rng.random() < 0.4:
            p.append(("theme", rng.choice(themes)))
        if any(k != "q" for k, _ in p):
            filtered.append(url(p))

    out = args.out.rstrip("/")
    for name, lines in (("words.txt", words), ("one_word.urls", one), ("two_word.urls", two),
                        ("filtered.urls", filtered)):
        with open(f"{out}/{name}", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    manifest = {
        "sample_records": min(args.sample, n + 1), "distinct_title_words": len(freq),
        "words": len(words), "two_word": len(two), "filtered": len(filtered), "seed": args.seed,
        "facet_values": {"type": types, "years": [lo, hi], "regions": len(regions), "themes": len(themes)},
    }
    with open(f"{out}/manifest.json", "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
