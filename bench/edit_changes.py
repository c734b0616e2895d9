"""The dedup benchmark's change page edited again for round K (bench/dedup_repeat.sh,
bench/change_rounds.sh): every French title gets the K-th of five words, so each round changes
every title from the round before, and every datestamp becomes K days after 2026-12-01.

    edit_changes.py CHANGES OUT K [--all-sources DATA]

CHANGES holds dumps/bench-hal/page-9999.xml.gz and sources/ (bench/gen_dedup.py's changes/);
the edited page goes to OUT/dumps/bench-hal/. Without --all-sources, OUT/sources/bench-hal.toml
is CHANGES's copied as is; with it, the three sources of DATA (their roles and regions make the
works' fields) are written to OUT/sources/, bench-hal's path pointing at the edited page.
Standard library only.
"""
import datetime
import gzip
import re
import sys

WORDS = ["révisé", "corrigé", "nouvelle version", "texte intégral", "version auteur"]


def main(argv):
    changes, out, k = argv[1], argv[2], int(argv[3])
    data = argv[5] if len(argv) > 5 and argv[4] == "--all-sources" else None
    page = gzip.open(f"{changes}/dumps/bench-hal/page-9999.xml.gz", "rt", encoding="utf-8").read()
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


if __name__ == "__main__":
    main(sys.argv)
