#!/usr/bin/env python3
"""Request lists for bench/search_bench.sh (issue 16), read from a running essor's own works.

    python3 bench/search_queries.py --base http://127.0.0.1:PORT --api-key bench --out DIR

Reads --sample works (pages of 100, newest first, then oldest first) through /api/v1/works and
the facet values through /api/v1/works?limit=1&facets=..., then writes under --out one request
target a line (for bench/api_wrk.lua), each list drawn with a fixed seed:

  one_word.urls   q=<title word>: the 60 most frequent words of the sampled titles (broad: they
                  match most works) and 60 rarer ones
  two_words.urls  q=<two words of one title>
  phrase.urls     q="<two adjacent title words>"
  field.urls      q=title:<word> or q=author:<family name>
  filtered.urls   type, year range, region and theme filters (at least one), half with a word
  date.urls       sort=date_desc or date_asc, half with a word, half with a filter only
  mix.urls        the six lists above, together (the query mix of the issue)
  facets.urls     two words with the six facets (facets=type,year,theme,region,institution,language)
  work.urls       /api/v1/works/{id}
  html_search.urls  /search?q=<word or two> (the HTML page, which counts its six facets)
  html_work.urls    /works/{id}
"""

import argparse
import collections
import json
import random
import re
import urllib.parse
import urllib.request

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
FACETS = "type,year,theme,region,institution,language"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}

    def get(target):
        with urllib.request.urlopen(urllib.request.Request(args.base + target, headers=headers), timeout=300) as r:
            return json.load(r)

    works = []
    for sort in ("date_desc", "date_asc"):
        cursor = None
        while len(works) < args.sample * (1 if sort == "date_desc" else 2) // 2 + 1:
            target = f"/api/v1/works?sort={sort}&limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = get(target)
            works.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
    titles = [[w.lower() for w in WORD.findall(w.get("title") or "") if len(w) >= 3] for w in works]
    titles = [t for t in titles if len(t) >= 2]
    families = [a.split()[-1].lower() for w in works for a in w.get("authors", []) if a.split()]
    ids = [w["id"] for w in works]
    facets = get(f"/api/v1/works?limit=1&facets={FACETS}")["facets"]
    types = [v["value"] for v in facets["type"]]
    years = sorted(int(v["value"]) for v in facets["year"] if v["value"].isdigit())
    regions = [v["value"] for v in facets["region"]]
    themes = [v["value"] for v in facets["theme"]]
    freq = collections.Counter(w for t in titles for w in set(t))
    ranked = [w for w, _ in freq.most_common()]
    words = ranked[:60] + rng.sample(ranked[60:], min(60, len(ranked) - 60))

    def url(pairs, path="/api/v1/works"):
        return path + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)

    def filters():
        p = []
        while not p:
            if rng.random() < 0.5:
                p.append(("type", rng.choice(types)))
            if rng.random() < 0.6:
                y0 = rng.randint(years[0], years[-1])
                p += [("year_from", str(y0)), ("year_to", str(min(years[-1], y0 + rng.randint(0, 10))))]
            if rng.random() < 0.4:
                p.append(("region", rng.choice(regions)))
            if rng.random() < 0.4:
                p.append(("theme", rng.choice(themes)))
        return p

    lists = {}
    lists["one_word"] = [url([("q", w)]) for w in words]
    lists["two_words"] = [url([("q", " ".join(rng.sample(rng.choice(titles), 2)))]) for _ in range(200)]
    phrases = []
    for _ in range(200):
        t = rng.choice(titles)
        i = rng.randrange(len(t) - 1)
        phrases.append(url([("q", f'"{t[i]} {t[i + 1]}"')]))
    lists["phrase"] = phrases
    lists["field"] = [url([("q", f"title:{rng.choice(words)}" if rng.random() < 0.5 else f"author:{rng.choice(families)}")])
                      for _ in range(200)]
    lists["filtered"] = [url(([("q", rng.choice(words))] if rng.random() < 0.5 else []) + filters()) for _ in range(200)]
    lists["date"] = [url(([("q", rng.choice(words))] if rng.random() < 0.5 else filters())
                         + [("sort", rng.choice(["date_desc", "date_asc"]))]) for _ in range(200)]
    lists["mix"] = [u for name in ("one_word", "two_words", "phrase", "field", "filtered", "date") for u in lists[name]]
    lists["facets"] = [u + "&facets=" + FACETS for u in lists["two_words"]]
    lists["work"] = [f"/api/v1/works/{i}" for i in rng.sample(ids, min(500, len(ids)))]
    lists["html_search"] = [url([("q", " ".join(rng.sample(words, rng.randint(1, 2))))], "/search") for _ in range(200)]
    lists["html_work"] = [f"/works/{i}" for i in rng.sample(ids, min(500, len(ids)))]
    for name, lines in lists.items():
        with open(f"{args.out}/{name}.urls", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(json.dumps({"sampled_works": len(works), "words": len(words), "lists": {k: len(v) for k, v in lists.items()}}))


if __name__ == "__main__":
    main()
