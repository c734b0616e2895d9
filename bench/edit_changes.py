"""The dedup benchmark's change page edited again for round K (bench/dedup_repeat.sh,
bench/change_rounds.sh): every French title gets the K-th of five words, so each round changes
every title from the round before, and every datestamp becomes K days after 2026-12-01.

    edit_changes.py CHANGES OUT K [--all-sources DATA [--random]]

CHANGES holds dumps/bench-hal/page-9999.xml.gz and sources/ (bench/gen_dedup.py's changes/);
the edited page goes to OUT/dumps/bench-hal/. Without --all-sources, OUT/sources/bench-hal.toml
is CHANGES's copied as is; with it, the three sources of DATA (their roles and regions make the
works' fields) are written to OUT/sources/, bench-hal's path pointing at the edited page.
With --random, the page holds instead 25 records of each of 40 of DATA's bench-hal pages drawn
at random (seeded by K): 1,000 records changed at random places of the store, not the same ones
every round. Standard library only.
"""
import datetime
import glob
import gzip
import random
import re
import sys

WORDS = ["révisé", "corrigé", "nouvelle version", "texte intégral", "version auteur"]


def main(argv):
    changes, out, k = argv[1], argv[2], int(argv[3])
    data = argv[5] if len(argv) > 5 and argv[4] == "--all-sources" else None
    page = gzip.open(f"{changes}/dumps/bench-hal/page-9999.xml.gz", "rt", encoding="utf-8").read()
    if data is not None and "--random" in argv[6:]:
        page = random_records(page, data, k)
    day = (datetime.date(2026, 12, 1) + datetime.timedelta(days=k)).isoformat()
    page = re.sub(r"<datestamp>[^<]*</datestamp>", f"<datestamp>{day}</datestamp>", page)
    page = re.sub(r'(<dc:title xml:lang="fr">)([^<]*)(</dc:title>)',
                  lambda m: f"{m.group(1)}{m.group(2)} ({WORDS[k % len(WORDS)]}){m.group(3)}", page)
    with gzip.open(f"{out}/dumps/bench-hal/page-9999.xml.gz", "wt", encoding="utf-8") as f:
        f.write(page)
    if data is None:
        text = open(f"{changes}/sources/bench-hal.toml", encoding="utf-8").read()
        open(f"{out}/sources/bench-hal.toml", "w", encoding="utf-8").write(text)
        return
    for name in ("bench-hal", "bench-theses-fr", "bench-univ"):
        text = open(f"{data}/sources/{name}.toml", encoding="utf-8").read()
        where = f"{out}/dumps/bench-hal" if name == "bench-hal" else f"{data}/dumps/{name}"
        open(f"{out}/sources/{name}.toml", "w", encoding="utf-8").write(
            re.sub(r'path = "[^"]*"', f'path = "{where}"', text))


def random_records(page, data, k):
    """`page`'s envelope around 25 records of each of 40 random pages of DATA's bench-hal."""
    draw = random.Random(k)
    pages = sorted(p for p in glob.glob(f"{data}/dumps/bench-hal/page-*.xml.gz")
                   if not p.endswith("page-9999.xml.gz"))
    records = []
    for path in draw.sample(pages, 40):
        text = gzip.open(path, "rt", encoding="utf-8").read()
        found = re.findall(r"<record>.*?</record>", text, flags=re.S)
        records.extend(draw.sample(found, min(25, len(found))))
    start, end = page.index("<record>"), page.rindex("</record>") + len("</record>")
    return page[:start] + "".join(records) + page[end:]


if __name__ == "__main__":
    main(sys.argv)
