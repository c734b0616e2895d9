#!/usr/bin/env python3
"""Generate essor's labelled deduplication evaluation sets (synthetic, realistic, deterministic).

    python3 tests/dedup-eval/generate.py            # writes both sets next to this file
    python3 tests/dedup-eval/generate.py --check    # regenerates in memory, fails if the files differ

Writes
  records.jsonl            main set (bank "main" of vocab.py, seed 20261122)
  annotations.json         its hard-negative groups and, per record, the role and variations applied
  records-holdout.jsonl    holdout set (bank "holdout": other names, universities, repositories,
                           observatories and title vocabulary; seed 7031)
  annotations-holdout.json

One JSON object per line: {"source", "identifier", "format", "sets", "datestamp", "record", "work"}.
`record` is what essor's crosswalks (src/map) produce for that source and format: the Record
model, empty fields omitted, values as the repository writes them. `work` is the label: two records
are the same work if and only if their labels are equal. Standard library only; same output bytes
on every run (one seeded random.Random, no iteration over sets, records sorted at the end).

HOW A RECORD IS MADE
  1. A *work* is drawn: its kind (doctoral thesis, master's dissertation, HDR, Québec thesis or
     mémoire, Belgian thesis in the holdout, observatory study, book), language, title (French
     and English main title + subtitle), author(s), advisors and jury, institution, discipline,
     date, keywords, abstract, identifiers (NNT, HAL id, handle, DOI, ISBN, ORCID, IdRef PPN).
  2. Its *copies* are planned: which sources hold it, with realistic probabilities (see Generator.plan):
     theses.fr/STAR (only the disciplines essor harvests there: ddc 300, 330, 360, 650; mostly
     defences from 2007 on), HAL (more often for recent theses), a stale HAL version (v1 still in
     the store after v2 appeared, because HAL announces no deletions), a second HAL deposit by the
     laboratory (halshs-), the university's own repository, a Québec repository for a cotutelle,
     Papyrus under its old and new host (the 2025 move to Scholaris), a CRESS site plus HAL
     (type report) plus a national observatory relay for studies, OpenEdition Books for books.
  3. Each copy is rendered in its source's *conventions* (systematic, not noise): HAL oai_dc as in
     ../../../shared/fixtures (NNT as "NNT: …", the double-escaped "&#x27E8;NNT : …&#x27E9;" in
     dc:source, advisors as "Given Family", DOI as eu-repo altIdentifier relation), theses.fr oai_dc
     as ABES's tef2DC.xsl writes it (English title as a second dc:title, NNT only inside the
     theses.fr URL, grantor as "Rennes 2"), TEF as src/map/tef.rs maps it (bare NNT, IdRef PPN
     as creator id, jury roles, degree with short grantor, doctoral school as publisher), ETD-MS as
     the Université de Montréal fixture (degree block, ORCID, advisor roles, ISO 639-3 language),
     EPrints oai_dc (a citation string among the identifiers), DSpace oai_dc (three dc:date values:
     accessioned, available, issued; xml:lang "fr_CA"), French institutional repositories (upper-
     case family names, "(Dir.)" after advisors, year-only dates), CRESS sites (corporate author,
     page count in formats, generic site URLs shared by every study of that site).
  4. Random *variations* are applied per copy (0 to 5, most copies 0-2), drawn from the list below,
     and written to annotations*.json so that every disagreement between two copies is explained.

VARIATIONS (codes written in annotations)
  title.capital_accent_drop   capitals lose accents: "Economie", "Etude" (very common in France)
  title.strip_accents         all accents dropped: "economie sociale et solidaire"
  title.case_lower            whole title lower-cased
  title.case_upper            whole title upper-cased (old catalogue records)
  title.apostrophe            ' <-> ’ (typographic apostrophe)
  title.nbsp                  no-break space before ":" "?" ";" (French typography)
  title.subtitle_sep          " : " replaced by " - ", ". ", " — ", ", ", ": " or " ; "
  title.subtitle_drop         subtitle absent
  title.subtitle_to_alt       subtitle absent from the title, full title in alternative_titles
  title.typo                  one or two character errors (swap, drop, double, wrong accent)
  title.truncate              title cut at a word boundary, with or without "..." / "…"
  title.trailing_period       final "."
  title.whitespace            doubled or trailing spaces
  title.acronym               "économie sociale et solidaire" <-> "ESS", "(SCOP)" expansions dropped, "SCOP" -> "Scop"
  title.gmd                   " [Ressource électronique]" / " [Texte imprimé]" after the main title
  title.en_only               only the English title is given (the work is in French)
  title.no_en                 second-language title absent (record has only the main-language title)
  title.lang_tag              xml:lang missing or wrong ("en" on a French title, "fre", "fr_FR")
  title.en_first              English title listed before the French one
  author.display              "Marie Dupont" instead of "Dupont, Marie"
  author.upper                "DUPONT Marie" / "DUPONT, Marie"
  author.initial              "Dupont, M." / "Dupont, J.-B."
  author.birth_year           "Dupont, Marie, 1985-" (library authority heading)
  author.strip_accents        "Lefevre, Helene"
  author.hyphen_drop          "Jean Baptiste" for "Jean-Baptiste"
  author.particle_moved       "La Fontaine, Anne de" for "de La Fontaine, Anne"
  author.compound_join        "Legoff" for "Le Goff", "Ndiaye" for "N'Diaye"
  author.married_name         family name followed by a married name ("Moreau-Bernard, Léa")
  author.typo                 one character error in the family name
  author.id_dropped           the ORCID / IdRef id the source usually gives is missing
  date.year_plus1             date is a deposit / publication date in the following year
  date.year_minus1            date is the year before the defence (registration, submission)
  date.year_only              only the year
  id.nnt_absent               the NNT the source usually gives is missing
  id.nnt_form                 NNT written "NNT : X", "NNT:X", lower-case, or as a theses.fr URL
  id.hal_version              HAL id written with its version ("tel-09234567v2")
  id.hal_old_domain           HAL URL on tel.archives-ouvertes.fr / hal.archives-ouvertes.fr
  id.handle_form              handle as "https://hdl.handle.net/…" or "hdl:…"
  id.doi_form                 DOI as "doi:10.…", "https://dx.doi.org/10.…" or upper-case
  abstract.missing            no abstract
  abstract.truncated          abstract cut, "..." appended
  abstract.fr_only            only the French abstract
  subjects.missing            no keywords
  lang.code                   language as "fre", "fra", "French", "Français" or "fr_FR"
  degree.wording              degree/discipline/grantor/type written differently
  advisors.missing            no advisor given
  advisors.order              co-advisors in the other order
  Record-level roles (annotations "role"): main, stale-version (HAL vN-1 kept after vN),
  lab-deposit (second HAL deposit), institutional, cotutelle, host-moved (Papyrus old host),
  hal-report, relay (national observatory re-publishing a regional study), site-duplicate.

LABEL RULES (what "same work" means here; README.md explains them)
  Same work: every copy of one document, whatever the source, format, version (HAL v1/v2,
  corrected version deposited after the defence), host, language of the metadata, or the
  completeness of the record. A thesis under joint supervision (cotutelle) is one work.
  Different works: a master's dissertation and a later thesis by the same person, M1 and M2
  dissertations, a thesis and its HDR, a thesis and the book drawn from it, the volumes (Tome 1,
  Tome 2, Partie 1…) of one thesis or study, successive editions of an observatory study, a study
  and its summary ("synthèse"), a study and its separately published English version
  (translation), same-name authors, works sharing a generic title.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vocab import BANKS, SENTENCES, Observatory, QcUni, Uni  # noqa: E402

HERE = Path(__file__).resolve().parent
LAST_STAMP = date(2026, 11, 21)     # harvest made the day before "today" (2026-11-22)
NBSP = "\u00a0"

SETS = {
    # name: (bank, seed, output stem, scale of the work counts)
    "main": ("main", 20261122, "records", 1.0),
    "holdout": ("holdout", 7031, "records-holdout", 0.27),
}

# (French name, English, HAL subject, HAL domain label, Dewey division of theses.fr's sets, weight,
#  other wordings of the discipline)
DISCIPLINES = [
    ("Sciences économiques", "Economics", "[SHS.ECO]Humanities and Social Sciences/Economics and Finance",
     "Economies et finances", "330", 30, ["Économie", "Sciences économiques (Économie)", "Economie appliquée"]),
    ("Sciences de gestion", "Management", "[SHS.GESTION]Humanities and Social Sciences/Business administration",
     "Gestion et management", "650", 25, ["Gestion", "Sciences de gestion et du management", "Management"]),
    ("Sociologie", "Sociology", "[SHS.SOCIO]Humanities and Social Sciences/Sociology", "Sociologie", "300", 24,
     ["Sociologie et démographie", "Sociologie du travail"]),
    ("Géographie", "Geography", "[SHS.GEO]Humanities and Social Sciences/Geography", "Géographie", "910", 8,
     ["Géographie et aménagement", "Aménagement de l'espace, urbanisme"]),
    ("Science politique", "Political science", "[SHS.SCIPO]Humanities and Social Sciences/Political science",
     "Science politique", "320", 7, ["Sciences politiques"]),
    ("Histoire contemporaine", "History", "[SHS.HIST]Humanities and Social Sciences/History", "Histoire", "900", 3,
     ["Histoire"]),
    ("Sciences de l'information et de la communication", "Information and communication sciences",
     "[SHS.INFO]Humanities and Social Sciences/Library and information sciences", "Sciences de l'information et de la communication",
     "070", 3, ["Information et communication"]),
]
HARVESTED_DDC = ("300", "330", "360", "650")   # harvest-sources/theses-fr.toml


# ----------------------------------------------------------------------------------------------
# Text helpers
# ----------------------------------------------------------------------------------------------

def strip_accents(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def drop_capital_accents(text: str) -> str:
    return "".join(strip_accents(c) if c.isupper() else c for c in text)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def de(np: str) -> str:
    """"de" + noun phrase, contracted: de les -> des, de le -> du, de une -> d'une."""
    if np.startswith("les "):
        return "des " + np[4:]
    if np.startswith("le "):
        return "du " + np[3:]
    if np[:1].lower() in "aeiouéèêâîôh" and not np.startswith(("la ", "l'")):
        return "d'" + np
    return "de " + np


def a_(np: str) -> str:
    if np.startswith("les "):
        return "aux " + np[4:]
    if np.startswith("le "):
        return "au " + np[3:]
    return "à " + np


def fill(template: str, ctx: dict) -> str:
    def repl(m):
        value = ctx[m.group(1)]
        return cap(value) if m.group(2) else value
    return re.sub(r"\{(\w+)(\^?)\}", repl, template).strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")


def typo(rng: random.Random, text: str) -> str:
    words = [i for i, w in enumerate(text.split(" ")) if len(w) >= 5 and w.isalpha()]
    if not words:
        return text
    parts = text.split(" ")
    i = rng.choice(words)
    w = parts[i]
    k = rng.randrange(1, len(w) - 1)
    op = rng.choice(["swap", "drop", "double", "accent"])
    if op == "accent" and any(c in w for c in "éèêà"):
        w = w.replace("é", "è", 1) if "é" in w else w.replace("è", "é", 1).replace("ê", "e", 1).replace("à", "a", 1)
    elif op == "swap":
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    elif op == "drop":
        w = w[:k] + w[k + 1:]
    else:
        w = w[:k] + w[k] + w[k:]
    parts[i] = w
    return " ".join(parts)


def truncate(rng: random.Random, text: str) -> str:
    if len(text) < 40:
        return text
    cut = int(len(text) * rng.uniform(0.55, 0.85))
    cut = text.rfind(" ", 0, cut)
    if cut < 20:
        return text
    return text[:cut].rstrip(" :,;-") + rng.choice(["", "...", "…", " ..."])


ACRONYMS = [
    ("l'économie sociale et solidaire", "l'ESS"),
    ("économie sociale et solidaire", "ESS"),
    ("sociétés coopératives et participatives (SCOP)", "SCOP"),
    ("sociétés coopératives d'intérêt collectif (SCIC)", "SCIC"),
    ("associations pour le maintien d'une agriculture paysanne (AMAP)", "AMAP"),
    ("pôles territoriaux de coopération économique (PTCE)", "PTCE"),
    ("clubs d'investisseurs solidaires (CIGALES)", "CIGALES"),
    ("SCOP", "Scop"),
]


def acronym(text: str) -> str:
    for long, short in ACRONYMS:
        if long in text:
            return text.replace(long, short)
        if short in text and not long.startswith(short) and short != "Scop":
            return text.replace(short, long, 1)
    return text


def nbsp(text: str) -> str:
    return re.sub(r" ([:;?!])", NBSP + r"\1", text)


# ----------------------------------------------------------------------------------------------
# Identifiers (all synthetic; ranges chosen far from real ones where that matters)
# ----------------------------------------------------------------------------------------------

def orcid_checksum(base: str) -> str:
    total = 0
    for ch in base:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def ppn_checksum(base: str) -> str:
    total = sum(int(c) * w for c, w in zip(base, range(9, 1, -1)))
    result = (11 - total % 11) % 11
    return "X" if result == 10 else str(result)


def isbn13(body12: str) -> str:
    digits = [int(c) for c in body12 if c.isdigit()]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return f"{body12}-{check}"


class Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def hal(self, prefix: str) -> str:  # HAL ids 09200000-09999999: above every real HAL id
        return self._unique(lambda: f"{prefix}-{self.rng.randrange(9_200_000, 9_999_999):08d}")

    def nnt(self, uni: Uni, year: int) -> str:
        code = uni.nnt if not uni.nnt_old or year >= uni.nnt_switch else uni.nnt_old
        width = 12 - 4 - len(code)

        def make():
            if self.rng.random() < 0.6:
                suffix = f"{self.rng.randrange(10 ** width):0{width}d}"
            else:
                suffix = self.rng.choice("TEDAGH") + f"{self.rng.randrange(10 ** (width - 1)):0{width - 1}d}"
            return f"{year}{code}{suffix}"
        return self._unique(make)

    def number(self, low: int, high: int, space: str) -> int:
        return int(self._unique(lambda: f"{space}:{self.rng.randrange(low, high)}").split(":")[1])

    def orcid(self) -> str:
        def make():
            base = "0009000" + f"{self.rng.randrange(10 ** 8):08d}"
            full = base + orcid_checksum(base)
            return f"https://orcid.org/{full[:4]}-{full[4:8]}-{full[8:12]}-{full[12:]}"
        return self._unique(make)

    def ppn(self) -> str:  # IdRef PPN, synthetic range 27xxxxxx
        def make():
            base = "27" + f"{self.rng.randrange(10 ** 6):06d}"
            return base + ppn_checksum(base)
        return self._unique(make)

    def doi(self, uni_key: str, year: int) -> str:  # prefix 10.80401: synthetic
        return self._unique(lambda: f"10.80401/{uni_key}.thesis.{year}.{self.rng.randrange(1000, 9999)}")


# ----------------------------------------------------------------------------------------------
# People
# ----------------------------------------------------------------------------------------------

PARTICLES = ("de La ", "de la ", "van den ", "van der ", "de ", "du ", "d'")


@dataclass
class Person:
    family: str
    given: str
    birth: int | None = None
    orcid: str | None = None
    ppn: str | None = None
    married: str | None = None

    def split_particle(self) -> tuple[str, str]:
        for p in PARTICLES:
            if self.family.startswith(p) and len(self.family) > len(p):
                if p == "de La ":
                    return "de", self.family[3:]
                return p.strip(), self.family[len(p):]
        return "", self.family

    def initials(self, given: str) -> str:
        out = []
        for word in given.split(" "):
            out.append("-".join(part[:1] + "." for part in word.split("-")))
        return " ".join(out)

    def render(self, style: str = "sorted", mods: tuple = (), rng: random.Random | None = None) -> str:
        family, given = self.family, self.given
        if "married_name" in mods and self.married:
            family = f"{family}-{self.married}"
        if "compound_join" in mods:
            joined = family.replace(" ", "").replace("'", "")
            family = joined[:1] + joined[1:].lower() if " " in self.family or "'" in self.family else family
        if "hyphen_drop" in mods:
            given = given.replace("-", " ")
        if "typo" in mods and rng is not None and len(family) >= 5:
            k = rng.randrange(1, len(family) - 2)
            family = family[:k] + family[k + 1] + family[k] + family[k + 2:]
        if "strip_accents" in mods:
            family, given = strip_accents(family), strip_accents(given)
        if "particle_moved" in mods:
            particle, rest = Person(family, given).split_particle()
            if particle:
                return f"{rest}, {given} {particle}"
        if style == "display":
            return f"{given} {family}"
        if style == "upper":
            return f"{family.upper()} {given}"
        if style == "upper_comma":
            return f"{family.upper()}, {given}"
        if style == "initial":
            return f"{family}, {self.initials(given)}"
        if style == "birth" and self.birth:
            return f"{family}, {given}, {self.birth}-"
        return f"{family}, {given}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.given)


# ----------------------------------------------------------------------------------------------
# Works and copies
# ----------------------------------------------------------------------------------------------

@dataclass
class Copy:
    source: str
    fmt: str
    role: str = "main"
    version: int = 1
    noise: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class Work:
    kind: str                      # phd | master | hdr | qc_phd | qc_master | be_phd | study | book
    lang: str                      # language of the text
    main_fr: str | None
    sub_fr: str | None
    main_en: str | None
    sub_en: str | None
    date: date
    authors: list
    advisors: list = field(default_factory=list)
    jury: list = field(default_factory=list)              # (role, Person)
    uni: Uni | None = None
    qc: QcUni | None = None
    be: tuple | None = None
    cotutelle: QcUni | None = None
    disc: tuple | None = None
    qc_degree: tuple | None = None
    keywords_fr: list = field(default_factory=list)
    keywords_en: list = field(default_factory=list)
    abstract_fr: str | None = None
    abstract_en: str | None = None
    designation: tuple | None = None                      # ("Tome", 1) …
    nnt: str | None = None
    doi: str | None = None
    programme: str | None = None
    level: str = ""                                       # "M1" / "M2" for masters
    obs: Observatory | None = None
    title_forms: list = field(default_factory=list)       # studies: ready-made French titles
    title_en_form: str | None = None
    edition: int | None = None
    extent: str | None = None
    publisher: tuple | None = None
    thesis: "Work | None" = None                          # book: the thesis it comes from
    label: str = ""
    copies: list = field(default_factory=list)
    ids: dict = field(default_factory=dict)
    note: str = ""


class Generator:
    def __init__(self, set_name: str):
        bank_name, seed, self.stem, self.scale = SETS[set_name]
        self.set_name = set_name
        self.bank = BANKS[bank_name]
        self.sent = SENTENCES[bank_name]
        self.rng = random.Random(seed)
        self.ids = Ids(self.rng)
        self.works: list[Work] = []
        self.groups: list[dict] = []
        self.used_names: set = set()
        rng = self.rng
        # Advisors and jury members: a pool of senior researchers who supervise many theses.
        self.seniors_fr = [self.new_person("fr", senior=True) for _ in range(45)]
        self.seniors_qc = [self.new_person("qc", senior=True) for _ in range(14)]
        rng.shuffle(self.seniors_fr)

    # -- drawing -------------------------------------------------------------------------------

    def n(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def new_person(self, pool: str, senior: bool = False, year: int = 2015) -> Person:
        rng = self.rng
        first = self.bank["first_qc" if pool == "qc" else "first_fr"]
        last = self.bank["last_qc" if pool == "qc" else "last_fr"]
        for _ in range(200):
            p = Person(rng.choice(last), rng.choice(first))
            if p.key not in self.used_names:
                break
        self.used_names.add(p.key)
        p.birth = (year - rng.randrange(26, 41)) if not senior else year - rng.randrange(40, 62)
        if rng.random() < 0.08:
            p.married = rng.choice(last)
            if p.married == p.family:
                p.married = None
        p.ppn = self.ids.ppn()
        if rng.random() < 0.35:
            p.orcid = self.ids.orcid()
        return p

    def pick_year(self, low: int, high: int) -> int:
        years = list(range(low, high + 1))
        weights = [1 + (y - low) ** 1.5 / 6 for y in years]
        return self.rng.choices(years, weights=weights)[0]

    def pick_date(self, year: int) -> date:
        rng = self.rng
        # Defences cluster in June-July and November-December.
        month = rng.choices(range(1, 13), weights=[3, 3, 4, 4, 5, 12, 9, 1, 6, 6, 10, 12])[0]
        if year == 2026 and month > 10:
            month = rng.randrange(1, 11)
        return date(year, month, rng.randrange(1, 29))

    def pick_disc(self) -> tuple:
        return self.rng.choices(DISCIPLINES, weights=[d[5] for d in DISCIPLINES])[0]

    def topic_ctx(self, scope: str = "fr", actor=None, topic=None, place=None) -> dict:
        rng, b = self.rng, self.bank
        actors = [a for a in b["actors"] if a[4] in ("any", scope)]
        actor = actor or rng.choice(actors)
        topic = topic or rng.choice(b["topics"])
        topic2 = rng.choice([t for t in b["topics"] if t != topic])
        place = place or rng.choice(b["places_qc"] if scope == "qc" else b["places_fr"])
        approach = rng.choice(b["approaches"])
        # The case studied is an organisation of the actor's kind when the bank has one.
        head = actor[0].split(" ")[1].rstrip("s").split("-")[0]
        fitting = [c for c in b["cases"] if head in c[0].split(" ")[1]]
        if fitting:
            case = rng.choice(fitting)
        else:
            name = rng.choice(b["case_names"])
            case = (name, name)
        y1 = rng.choice([1945, 1970, 1981, 1995, 2000, 2008])
        return dict(
            actor=actor, topic=topic, topic2=topic2, place=place, approach=approach, case=case,
            A=actor[0], A_en=actor[1], T=topic[0], T_en=topic[1], T2=topic2[0], T2_en=topic2[1],
            P=place[0], P_en=place[1], R=approach[0], R_en=approach[1], C=case[0], C_en=case[1],
            de_A=de(actor[0]), de_T=de(topic[0]), de_C=de(case[0]), de_R=de(approach[0]),
            a_T=a_(topic[0]), a_T2=a_(topic2[0]), Y1=str(y1), Y2=str(y1 + rng.choice([15, 20, 25, 30])),
        )

    def make_title(self, ctx: dict, template=None) -> tuple:
        t = template or self.rng.choice(self.bank["templates"])
        return tuple(fill(part, ctx) or None for part in t)

    def make_abstract(self, ctx: dict, kind: str, scope: str = "fr") -> tuple[str, str]:
        rng, s = self.rng, self.sent
        doc, doc_en = {
            "phd": ("Cette thèse", "This thesis"), "qc_phd": ("Cette thèse", "This thesis"),
            "be_phd": ("Cette thèse", "This thesis"),
            "master": ("Ce mémoire", "This dissertation"), "qc_master": ("Ce mémoire", "This dissertation"),
            "hdr": ("Ce mémoire d'habilitation", "This habilitation thesis"),
        }[kind]
        sub = {**ctx, "N": str(rng.choice([12, 18, 24, 32, 41, 57, 63, 85])),
               "M": str(rng.choice([4, 6, 9, 12, 27, 38, 112, 540])), "Doc": doc, "Doc_en": doc_en}
        verb = "porte sur" if rng.random() < 0.5 else "analyse"
        fr = [f"{doc} {verb} {ctx['T']} dans {ctx['A']} {ctx['P']}."]
        en = [f"{doc_en} examines {ctx['T_en']} in {ctx['A_en']} {ctx['P_en']}."]
        c = rng.choice(s["context_qc"] if scope == "qc" else s["context"])
        fr.append(fill(c[0], sub))
        en.append(fill(c[1], sub))
        fr.append(fill(s["method"][0], sub))
        en.append(fill(s["method"][1], sub))
        for f in rng.sample(s["findings"], rng.choice([1, 2])):
            fr.append(fill(f[0], sub))
            en.append(fill(f[1], sub))
        c = rng.choice(s["closing"])
        fr.append(fill(c[0], sub))
        en.append(fill(c[1], sub))
        return " ".join(fr), " ".join(en)

    def keywords(self, ctx: dict, scope: str = "fr") -> tuple[list, list]:
        fr = ["Économie sociale et solidaire" if scope != "qc" else "Économie sociale"]
        en = ["Social and solidarity economy" if scope != "qc" else "Social economy"]
        fr += ctx["actor"][2] + ctx["topic"][2] + [ctx["place"][2]]
        en += ctx["actor"][3] + ctx["topic"][3]
        return fr, en

    def add(self, work: Work) -> Work:
        self.works.append(work)
        return work

    def group(self, kind: str, works: list, note: str) -> None:
        self.groups.append({"kind": kind, "works": works, "note": note})

    # -- work builders ---------------------------------------------------------------------------

    def phd(self, year=None, uni=None, author=None, ctx=None, title=None, lang=None, disc=None,
            advisors=None, kind="phd") -> Work:
        rng = self.rng
        year = year or self.pick_year(1990, 2026)
        uni = uni or rng.choice(self.bank["unis"])
        ctx = ctx or self.topic_ctx("fr")
        main_fr, sub_fr, main_en, sub_en = title or self.make_title(ctx)
        d = self.pick_date(year)
        author = author or self.new_person("fr", year=year)
        lang = lang or ("en" if rng.random() < 0.07 and year >= 2008 else "fr")
        w = Work(kind, lang, main_fr, sub_fr, main_en, sub_en, d, [author], uni=uni, disc=disc or self.pick_disc())
        w.advisors = advisors or rng.sample(self.seniors_fr, rng.choice([1, 1, 1, 2]))
        others = [p for p in self.seniors_fr if p not in w.advisors]
        jury = rng.sample(others, 4)
        w.jury = [("jury president", jury[0]), ("reviewer", jury[1]), ("reviewer", jury[2]), ("jury member", jury[3])]
        w.abstract_fr, w.abstract_en = self.make_abstract(ctx, "hdr" if kind == "hdr" else "phd")
        w.keywords_fr, w.keywords_en = self.keywords(ctx)
        if year < 2006 and rng.random() < 0.55:
            w.main_en = w.sub_en = w.abstract_en = None
            w.keywords_en = []
        if kind == "phd" and year >= 1990:
            w.nnt = self.ids.nnt(uni, year)
        if kind == "phd" and year >= 2014 and rng.random() < 0.1:
            w.doi = self.ids.doi(uni.key, year)
        if kind == "phd" and rng.random() < 0.04 and year >= 2008:
            w.cotutelle = rng.choice(self.bank["qc_unis"])
        return self.add(w)

    def master(self, year=None, uni=None, author=None, ctx=None, title=None, level="M2") -> Work:
        rng = self.rng
        year = year or self.pick_year(2008, 2026)
        uni = uni or rng.choice(self.bank["unis"])
        ctx = ctx or self.topic_ctx("fr")
        main_fr, sub_fr, main_en, sub_en = title or self.make_title(ctx)
        w = Work("master", "fr", main_fr, sub_fr, main_en, sub_en, self.pick_date(year),
                 [author or self.new_person("fr", year=year - 4)], uni=uni, disc=self.pick_disc())
        w.advisors = [rng.choice(self.seniors_fr)]
        w.programme = rng.choice(self.bank["masters"])
        w.level = level
        w.abstract_fr, w.abstract_en = self.make_abstract(ctx, "master")
        w.keywords_fr, w.keywords_en = self.keywords(ctx)
        if rng.random() < 0.5:
            w.main_en = w.sub_en = None
        if rng.random() < 0.5:
            w.abstract_en = None
            w.keywords_en = []
        return self.add(w)

    def qc_work(self, kind=None, year=None, qc=None, author=None, ctx=None, title=None) -> Work:
        rng = self.rng
        kind = kind or rng.choice(["qc_phd", "qc_master", "qc_master"])
        year = year or self.pick_year(1995, 2026)
        qc = qc or rng.choice(self.bank["qc_unis"])
        ctx = ctx or self.topic_ctx("qc")
        main_fr, sub_fr, main_en, sub_en = title or self.make_title(ctx)
        lang = "en" if rng.random() < 0.12 else "fr"
        w = Work(kind, lang, main_fr, sub_fr, main_en, sub_en, self.pick_date(year),
                 [author or self.new_person("qc", year=year)], qc=qc)
        w.advisors = rng.sample(self.seniors_qc, rng.choice([1, 1, 2]))
        w.qc_degree = rng.choice(self.bank["qc_degrees_phd" if kind == "qc_phd" else "qc_degrees_master"])
        w.abstract_fr, w.abstract_en = self.make_abstract(ctx, kind, "qc")
        w.keywords_fr, w.keywords_en = self.keywords(ctx, "qc")
        if lang == "fr" and rng.random() < 0.4:
            w.main_en = w.sub_en = None
        return self.add(w)

    def be_work(self, year=None) -> Work:
        rng = self.rng
        year = year or self.pick_year(2000, 2026)
        be = rng.choice(self.bank["be_unis"])
        ctx = self.topic_ctx("fr", place=rng.choice([p for p in self.bank["places_fr"]
                                                     if p[2] in ("Wallonie", "Bruxelles", "Maroc", "Côte d'Ivoire")]))
        main_fr, sub_fr, main_en, sub_en = self.make_title(ctx)
        w = Work("be_phd", "fr", main_fr, sub_fr, main_en, sub_en, self.pick_date(year),
                 [self.new_person("fr", year=year)], be=be, disc=self.pick_disc())
        w.advisors = [rng.choice(self.seniors_fr)]
        w.abstract_fr, w.abstract_en = self.make_abstract(ctx, "be_phd")
        w.keywords_fr, w.keywords_en = self.keywords(ctx)
        if rng.random() < 0.3:
            w.uni = rng.choice(self.bank["unis"])          # cotutelle with a French university
            w.nnt = self.ids.nnt(w.uni, year)
        return self.add(w)

    def study(self, obs: Observatory, fr_forms: list, en_form: str | None, year: int, edition=None,
              extent=None, authors=None) -> Work:
        rng = self.rng
        d = date(year, rng.randrange(1, 13), rng.randrange(1, 29))
        if d > date(2026, 11, 15):
            d = date(2026, rng.randrange(1, 11), rng.randrange(1, 28))
        if authors is None:
            authors = [self.new_person("fr", year=year + 8) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
        w = Work("study", "fr", fr_forms[0], None, en_form, None, d, authors, obs=obs)
        w.title_forms = fr_forms
        w.title_en_form = en_form
        w.edition = edition
        w.extent = extent or f"{rng.choice([24, 32, 40, 48, 56, 64, 84, 120])} p."
        n_estab = f"{rng.randrange(9000, 26000):,}".replace(",", "\u202f")
        n_jobs = f"{rng.randrange(90_000, 260_000):,}".replace(",", "\u202f")
        pct = f"{rng.uniform(9.5, 14.8):.1f}".replace(".", ",")
        obs_name = obs.obs[0].lower() + obs.obs[1:] if obs.obs.startswith("Observatoire") else obs.obs
        w.abstract_fr = (f"Cette publication ({obs_name}) présente les données de l'économie sociale et solidaire "
                         f"{obs.region_fr} : {n_estab} établissements employeurs et {n_jobs} salariés, soit {pct} % de "
                         f"l'emploi privé. Elle détaille la répartition par famille (associations, coopératives, "
                         f"mutuelles, fondations), par secteur d'activité et par territoire.")
        w.keywords_fr = ["Économie sociale et solidaire", "Observatoire", "Emploi", obs.region]
        return self.add(w)

    # -- plain works -----------------------------------------------------------------------------

    def build(self) -> None:
        rng = self.rng
        n = self.n
        for _ in range(n(445)):
            self.phd()
        for _ in range(n(115)):
            self.master()
        for _ in range(n(10)):
            self.hdr()
        for _ in range(n(95)):
            self.qc_work()
        if "be_unis" in self.bank:
            for _ in range(max(1, round(40 * self.scale * 1.6))):
                self.be_work()
        combos = [(o, t) for o in self.bank["observatories"] + [self.bank["national_observatory"]]
                  for t in self.bank["study_topics"]]
        rng.shuffle(combos)
        self.spare_study_topics = combos[n(32):]
        for obs, (fr, en) in combos[: n(32)]:     # one study per (observatory, subject): no accidental twins
            title = fr.format(R=obs.region_fr)
            forms = [title, drop_capital_accents(title) if rng.random() < 0.5 else title.replace("ESS", "économie sociale et solidaire")]
            self.study(obs, forms, en.format(RE=obs.region_en), self.pick_year(2012, 2026))
        self.negatives()

    def hdr(self, author=None, year=None, uni=None) -> Work:
        rng = self.rng
        year = year or self.pick_year(2000, 2026)
        main_fr, sub_fr, main_en, sub_en = rng.choice(self.bank["hdr_titles"])
        ctx = self.topic_ctx("fr")
        w = self.phd(year=year, uni=uni, author=author or self.new_person("fr", year=year - 12), ctx=ctx,
                     title=(main_fr, sub_fr or None, main_en, sub_en or None), kind="hdr", lang="fr")
        w.advisors = [rng.choice(self.seniors_fr)]        # the "garant"
        return w

    # -- hard negatives --------------------------------------------------------------------------

    def negatives(self) -> None:
        rng, n = self.rng, self.n
        b = self.bank

        # Master's dissertation (DUMAS) then doctoral thesis by the same person, close subject.
        for i in range(n(28)):
            y0 = rng.randrange(2009, 2021)
            author = self.new_person("fr", year=y0 + 4)
            ctx = self.topic_ctx("fr")
            m = self.master(year=y0, author=author, ctx=ctx)
            y1 = min(2026, y0 + rng.randrange(3, 7))
            variant = rng.choices(["same_main", "same_subject", "broader", "identical"], [30, 45, 17, 8])[0]
            if variant == "same_main":
                ctx2 = {**ctx, "R": rng.choice(b["approaches"])[0]}
                t = self.make_title(ctx2)
                title = (m.main_fr, t[1] if t[1] != m.sub_fr else "une approche comparée", m.main_en or t[2],
                         t[3] if t[1] != m.sub_fr else "a comparative approach")
            elif variant == "broader":
                ctx2 = self.topic_ctx("fr", actor=ctx["actor"], topic=ctx["topic"])
                title = self.make_title(ctx2)
            elif variant == "identical":
                title = (m.main_fr, m.sub_fr, m.main_en, m.sub_en)
            else:
                title = self.make_title(ctx)
            uni = m.uni if rng.random() < 0.6 else None
            p = self.phd(year=y1, uni=uni, author=author, ctx=ctx, title=title,
                         advisors=m.advisors if rng.random() < 0.5 else None)
            self.group("master_then_phd", [m, p], f"same author, master's {y0} then PhD {y1}, title {variant}")

        # Québec: maîtrise then doctorate by the same person.
        for i in range(n(6)):
            y0 = rng.randrange(2004, 2019)
            author = self.new_person("qc", year=y0 + 4)
            ctx = self.topic_ctx("qc")
            m = self.qc_work("qc_master", year=y0, author=author, ctx=ctx)
            title = self.make_title(ctx) if rng.random() < 0.6 else (m.main_fr, None, m.main_en, None)
            p = self.qc_work("qc_phd", year=min(2026, y0 + rng.randrange(3, 7)), author=author, ctx=ctx,
                             title=title, qc=m.qc if rng.random() < 0.5 else None)
            self.group("master_then_phd", [m, p], "same author, Québec maîtrise then doctorate")

        # M1 and M2 dissertations of one student, consecutive years.
        for i in range(n(6)):
            y0 = rng.randrange(2010, 2025)
            author = self.new_person("fr", year=y0 + 3)
            ctx = self.topic_ctx("fr")
            m1 = self.master(year=y0, author=author, ctx=ctx, level="M1")
            ctx2 = self.topic_ctx("fr", actor=ctx["actor"], place=ctx["place"])
            m2 = self.master(year=y0 + 1, author=author, ctx=ctx2, uni=m1.uni, level="M2")
            m2.programme = m1.programme
            self.group("m1_then_m2", [m1, m2], "same student, M1 then M2 dissertation on close subjects")

        # Generic titles by different authors.
        generic = list(b["generic_titles"])
        rng.shuffle(generic)
        for title in generic[: n(12)]:
            members = []
            for j in range(rng.choice([2, 2, 3, 3, 4])):
                kind = rng.choices(["master", "phd", "qc"], [6, 2, 1 if "Québec" in title else 0])[0]
                sub = None
                if rng.random() < 0.4:
                    sub = fill(rng.choice(b["generic_subtitles"]), self.topic_ctx("fr"))
                t = (title, sub, None, None)
                if kind == "master":
                    members.append(self.master(title=t))
                elif kind == "phd":
                    members.append(self.phd(year=rng.randrange(1990, 2012), title=t))
                else:
                    members.append(self.qc_work("qc_master", title=t))
            if "Bretagne" in title or "Hauts-de-France" in title:
                obs = b["observatories"][0]
                members.append(self.study(obs, [title, title], None, rng.randrange(2012, 2024)))
            self.group("generic_title", members, f"different authors, same generic title {title!r}")

        # Volumes of one thesis (pre-STAR, retro-digitised) or one study: distinct works.
        for i in range(n(6)):
            lyon = next((u for u in b["unis"] if u.repo and u.repo_since < 2000), None)
            uni = lyon if (lyon and rng.random() < 0.6) else rng.choice(b["unis"])
            year = rng.randrange(1991, 2006)
            author = self.new_person("fr", year=year)
            ctx = self.topic_ctx("fr")
            title = self.make_title(ctx)
            word = rng.choice(["Tome", "Tome", "Volume", "Vol."])
            vols = []
            for v in range(1, rng.choice([2, 2, 3]) + 1):
                w = self.phd(year=year, uni=uni, author=author, ctx=ctx, title=title, lang="fr")
                if vols:
                    w.date = vols[0].date
                    w.advisors = vols[0].advisors
                    w.jury = vols[0].jury
                    w.disc = vols[0].disc
                    w.abstract_fr, w.abstract_en = vols[0].abstract_fr, vols[0].abstract_en
                w.nnt = None                        # never two volumes with one strong identifier
                w.cotutelle = None
                w.designation = (word, v, ["texte", "annexes", "documents"][v - 1] if rng.random() < 0.5 else "")
                vols.append(w)
            self.group("volumes", vols, f"{word} 1..{len(vols)} of one thesis, each deposited separately")
        for i in range(n(3)):
            obs, (fr, en) = self.spare_study_topics.pop()
            title = fr.format(R=obs.region_fr)
            year = rng.randrange(2014, 2025)
            authors = [self.new_person("fr", year=year + 8)]
            parts = []
            for v, what in enumerate(["l'emploi", "les structures et les territoires"], start=1):
                w = self.study(obs, [title, title], en.format(RE=obs.region_en), year, authors=authors)
                if parts:
                    w.date = parts[0].date
                w.designation = ("Partie", v, what)
                parts.append(w)
            self.group("volumes", parts, "Partie 1 / Partie 2 of one observatory study, published separately")

        # A thesis and the book drawn from it.
        for i in range(n(14)):
            t = self.phd(year=rng.randrange(2003, 2023))
            self.book(t)

        # Homonymous authors.
        for i in range(n(8)):
            a1 = self.new_person("fr", year=2010)
            a2 = Person(a1.family, a1.given, birth=a1.birth + rng.choice([-7, -3, 2, 5, 9]), ppn=self.ids.ppn())
            ctx = self.topic_ctx("fr")
            y1 = rng.randrange(1995, 2024)
            w1 = self.phd(year=y1, author=a1, ctx=ctx)
            same_actor = self.topic_ctx("fr", actor=ctx["actor"]) if rng.random() < 0.5 else None
            y2 = min(2026, y1 + rng.choice([0, 0, 1, 3, 6, 10]))
            if rng.random() < 0.3:
                w2 = self.master(year=max(2009, y2), author=a2, ctx=same_actor)
            else:
                w2 = self.phd(year=y2, author=a2, ctx=same_actor,
                              uni=rng.choice([u for u in b["unis"] if u != w1.uni]))
            self.group("homonyms", [w1, w2], "two different people with the same name")

        # Same laboratory, same advisor, same year, close subjects, different students.
        for i in range(n(6)):
            uni = rng.choice(b["unis"])
            year = rng.randrange(2008, 2026)
            advisors = [rng.choice(self.seniors_fr)]
            ctx = self.topic_ctx("fr")
            ws = []
            for j in range(rng.choice([2, 2, 3])):
                c = self.topic_ctx("fr", actor=ctx["actor"]) if j else ctx
                ws.append(self.phd(year=year, uni=uni, ctx=c, advisors=advisors, disc=ws[0].disc if ws else None))
            self.group("same_lab_same_year", ws, "same advisor, university and year, different students")

        # Thesis then HDR by the same person.
        for i in range(n(5)):
            y = rng.randrange(1992, 2012)
            t = self.phd(year=y)
            h = self.hdr(author=t.authors[0], year=min(2026, y + rng.randrange(8, 16)))
            self.group("phd_then_hdr", [t, h], "same author: doctoral thesis, later habilitation")

        # Observatory series: successive editions of the same study.
        series_specs = [(obs, s) for obs in b["observatories"] for s in b["study_series"]]
        rng.shuffle(series_specs)
        nat = b["national_observatory"]
        series_specs = series_specs[: n(8)] + [(nat, s) for s in b["national_series"]][: n(2)]
        # Some CRESS sites print no year in a series' titles: one annual series (editions one year
        # apart, the hardest case) and one biennial series in the main set, one annual in the holdout.
        regional_idx = [i for i, (o, s) in enumerate(series_specs) if o.source != nat.source]
        annual = [i for i in regional_idx if series_specs[i][1][3][1] - series_specs[i][1][3][0] == 1]
        other = [i for i in regional_idx if i not in annual]
        yearless = (annual[:1] + other[:1])[: n(2)]
        series = []
        for number, (obs, (short, long, en, years)) in enumerate(series_specs):
            k = min(len(years), rng.choice([2, 3, 3, 4]))
            start = rng.randrange(0, len(years) - k + 1)
            no_year = number in yearless
            eds = []
            for y in years[start:start + k]:
                fr_short = short.format(R=obs.region_fr)
                fr_long = long.format(R=obs.region_fr)
                forms = self.edition_forms(fr_short, fr_long, y, no_year)
                w = self.study(obs, forms, en.format(RE=obs.region_en) + f" {y}", y, edition=y)
                if no_year:
                    w.note = "yearless"      # the date is the only year signal: never shifted
                eds.append(w)
            self.group("editions", eds, f"{short.format(R=obs.region_fr)}: editions {[e.edition for e in eds]}"
                       + (" (site titles carry no year)" if no_year else ""))
            series.append((obs, eds))
        # A summary for some series, an English version for some regional ones (4 each in the main set).
        for obs, eds in series[: n(4)]:
            self.synthesis(obs, eds)
        regional = [(o, e) for o, e in series if o.source != nat.source]
        for obs, eds in regional[::-1][: n(4)]:
            self.translation(obs, eds)

    def synthesis(self, obs: Observatory, eds: list) -> None:
        """A study's summary ("synthèse"): a separate 4-8 page document."""
        rng = self.rng
        base = rng.choice(eds)
        suffix = rng.choice([(" : synthèse", " - Synthèse", ". Synthèse"), (". Les chiffres en bref", " : les chiffres en bref")])
        s = self.study(obs, [f + rng.choice(suffix) for f in base.title_forms], None, base.edition, edition=base.edition,
                       extent=f"{rng.choice([4, 6, 8])} p.", authors=base.authors)
        s.date = base.date
        s.abstract_fr = "Synthèse. " + base.abstract_fr.split(". ")[0] + "."
        self.group("synthesis", [base, s], "a study and its separately published summary")

    def translation(self, obs: Observatory, eds: list) -> None:
        """A study's English version, published as a separate document."""
        rng = self.rng
        base = rng.choice(eds)
        tr = self.study(obs, [base.title_en_form], None, base.edition, edition=base.edition, authors=base.authors)
        tr.lang = "en"
        tr.main_fr = None
        tr.title_forms = [base.title_en_form, base.title_en_form + " (English version)"]
        tr.date = base.date
        tr.abstract_fr = None
        tr.abstract_en = (f"This publication presents the figures of the social and solidarity economy "
                          f"{obs.region_en}: employers, jobs and sectors.")
        self.group("translation", [base, tr], "a study and its English version, a separate document")

    def edition_forms(self, short: str, long: str, year: int, no_year: bool) -> list:
        rng = self.rng
        if no_year:
            forms = [short, long]
        else:
            forms = [f"{short} {year}", f"{short} - édition {year}", f"{long} ({year})",
                     f"{short} : édition {year}", f"{short}. Édition {year}", f"{long} - {year}"]
            rng.shuffle(forms)
        return forms

    def book(self, thesis: Work) -> Work:
        rng = self.rng
        pub = rng.choice(self.bank["book_publishers"])
        year = min(2026, thesis.date.year + rng.choice([1, 1, 2, 2, 3, 4]))
        variant = rng.choices(["catchy", "new_sub", "same_main"], [45, 35, 20])[0]
        if variant == "catchy":
            main, sub = rng.choice(self.bank["book_mains"]), thesis.main_fr
        elif variant == "new_sub":
            main, sub = thesis.main_fr, rng.choice(["enquête sur une économie en transition", "sociologie d'un engagement",
                                                    "histoire d'un modèle", "une autre façon d'entreprendre"])
        else:
            main, sub = thesis.main_fr, None
        w = Work("book", "fr", main, sub, None, None, date(year, rng.randrange(1, 13), rng.randrange(1, 28)),
                 [thesis.authors[0]])
        w.publisher = pub
        w.thesis = thesis
        w.keywords_fr = list(thesis.keywords_fr)
        w.abstract_fr = ("Issu d'une thèse de doctorat, cet ouvrage " + (thesis.abstract_fr or "").split(". ", 1)[0]
                         .replace("Cette thèse ", "").replace("Ce mémoire ", "") + ".") if rng.random() < 0.7 else None
        self.add(w)
        self.group("thesis_then_book", [thesis, w], f"thesis {thesis.date.year} and the book drawn from it "
                                                   f"({year}, {pub[0]}), title {variant}")
        return w

    # -- copy planning -----------------------------------------------------------------------------

    def plan(self, w: Work) -> list:
        rng = self.rng
        y = w.date.year
        copies = []
        if w.kind == "phd":
            harvested = w.disc[4] in HARVESTED_DDC
            p_tf = 0.93 if y >= 2011 else 0.75 if y >= 2007 else 0.12
            if harvested and w.nnt and rng.random() < p_tf:
                copies.append(Copy("theses-fr", "tef" if rng.random() < 0.45 else "oai_dc"))
            p_hal = 0.82 if 2011 <= y <= 2025 else 0.6 if 2006 <= y <= 2010 else 0.3 if y == 2026 else 0.4
            if w.designation:
                p_hal = 0.8
            if rng.random() < p_hal:
                copies += self.hal_copies("hal-theses", w)
            if w.uni.repo and y >= w.uni.repo_since and rng.random() < 0.75:
                copies.append(Copy(w.uni.repo, "oai_dc", "institutional"))
            if w.cotutelle and w.cotutelle.source:
                copies.append(Copy(w.cotutelle.source, w.cotutelle.fmt, "cotutelle"))
                if w.cotutelle.key == "udem" and y <= 2024 and rng.random() < 0.4:
                    copies.append(Copy(w.cotutelle.source, "etdms", "host-moved"))
            if not copies:
                copies += self.hal_copies("hal-theses", w) if (not harvested or y < 2007 or not w.nnt) else \
                    [Copy("theses-fr", "oai_dc")]
        elif w.kind == "hdr":
            copies += self.hal_copies("tel", w)
            if w.uni.repo and y >= w.uni.repo_since and rng.random() < 0.3:
                copies.append(Copy(w.uni.repo, "oai_dc", "institutional"))
        elif w.kind == "master":
            version = rng.choices([1, 2], [85, 15])[0]
            copies.append(Copy("dumas", "oai_dc", version=version))
            if version == 2 and rng.random() < 0.6:
                copies.append(Copy("dumas", "oai_dc", "stale-version", version=1))
            if w.uni.repo and w.uni.repo != "theses-lyon2" and rng.random() < 0.1:
                copies.append(Copy(w.uni.repo, "oai_dc", "institutional"))
        elif w.kind in ("qc_phd", "qc_master"):
            copies.append(Copy(w.qc.source, w.qc.fmt))
            if w.qc.fmt == "etdms" and w.qc.key == "udem" and y <= 2024 and rng.random() < 0.45:
                copies.append(Copy(w.qc.source, "etdms", "host-moved"))
            if w.kind == "qc_phd" and rng.random() < 0.05:
                copies.append(Copy("hal-theses", "oai_dc", "main"))
        elif w.kind == "be_phd":
            copies.append(Copy(w.be[2], "oai_dc"))
            if w.nnt:
                copies.append(Copy("theses-fr", "tef" if rng.random() < 0.5 else "oai_dc"))
                if rng.random() < 0.6:
                    copies += self.hal_copies("hal-theses", w)
        elif w.kind == "study":
            copies.append(Copy(w.obs.source, "oai_dc"))
            if w.lang == "fr" and rng.random() < 0.4:
                copies.append(Copy("hal-reports", "oai_dc", "hal-report"))
            nat = self.bank["national_observatory"]
            if w.obs != nat and w.lang == "fr" and rng.random() < 0.25:
                copies.append(Copy(nat.source, "oai_dc", "relay"))
            if rng.random() < 0.05:
                copies.append(Copy(w.obs.source, "oai_dc", "site-duplicate"))
        elif w.kind == "book":
            copies.append(Copy("openedition-books", "oai_dc"))
        return copies

    def hal_copies(self, source: str, w: Work) -> list:
        rng = self.rng
        version = rng.choices([1, 2, 3], [72, 20, 8])[0]
        out = [Copy(source, "oai_dc", "main", version=version)]
        if version > 1 and rng.random() < 0.65:
            out.append(Copy(source, "oai_dc", "stale-version", version=version - 1))
        if w.kind == "phd" and rng.random() < 0.07:
            out.append(Copy(source, "oai_dc", "lab-deposit"))
        return out

    # -- noise -----------------------------------------------------------------------------------

    def pick_noise(self, w: Work, c: Copy) -> list:
        rng = self.rng
        has_sub = bool(w.sub_fr) and w.kind != "study"
        has_en = bool(w.main_en) and w.kind in ("phd", "master", "hdr", "qc_phd", "qc_master", "be_phd")
        a = w.authors[0] if w.authors else None
        pool = [
            ("title.capital_accent_drop", 10), ("title.strip_accents", 5), ("title.case_lower", 4),
            ("title.case_upper", 1.5), ("title.apostrophe", 5), ("title.nbsp", 3),
            ("title.typo", 6), ("title.trailing_period", 3), ("title.whitespace", 2),
            ("title.acronym", 3), ("title.truncate", 3),
        ]
        library = c.source == "theses-fr" or c.role == "institutional" or c.source == "openedition-books"
        if library:
            pool.append(("title.gmd", 4))
        if has_sub:
            pool += [("title.subtitle_sep", 10), ("title.subtitle_drop", 7), ("title.subtitle_to_alt", 1.5)]
        if has_en:
            pool += [("title.no_en", 5), ("title.lang_tag", 3), ("title.en_first", 3)]
            if c.source != "theses-fr":       # theses.fr always has the French title
                pool.append(("title.en_only", 2.5))
        if a:
            pool += [("author.display", 4), ("author.upper", 4), ("author.initial", 3),
                     ("author.strip_accents", 5), ("author.typo", 1.5), ("author.id_dropped", 2)]
            if library and a.birth:
                pool.append(("author.birth_year", 6))
            if "-" in a.given:
                pool.append(("author.hyphen_drop", 6))
            if a.split_particle()[0]:
                pool.append(("author.particle_moved", 8))
            if " " in a.family or "'" in a.family:
                pool.append(("author.compound_join", 5))
            if a.married:
                pool.append(("author.married_name", 6))
        if c.source != "theses-fr" and w.note != "yearless":   # theses.fr gives the defence date
            pool += [("date.year_plus1", 5), ("date.year_minus1", 1.5), ("date.year_only", 4)]
        if w.nnt and c.source != "theses-fr":
            pool += [("id.nnt_absent", 5), ("id.nnt_form", 5)]
        if c.source in ("hal-theses", "tel", "dumas", "hal-reports"):
            pool += [("id.hal_version", 3), ("id.hal_old_domain", 3)]
        if c.source in ("papyrus-umontreal", "savoirs-usherbrooke", "corpus-ulaval", "orbi-uliege", "dial-uclouvain"):
            pool.append(("id.handle_form", 4))
        if w.doi:
            pool.append(("id.doi_form", 6))
        if w.abstract_fr or w.abstract_en:
            pool += [("abstract.missing", 7), ("abstract.truncated", 3)]
        if w.abstract_en and w.abstract_fr:
            pool.append(("abstract.fr_only", 3))
        pool += [("subjects.missing", 3), ("lang.code", 3), ("degree.wording", 4)]
        if w.advisors:
            pool.append(("advisors.missing", 3))
        if len(w.advisors) > 1:
            pool.append(("advisors.order", 5))
        k = rng.choices([0, 1, 2, 3, 4, 5], [24, 31, 24, 13, 6, 2])[0]
        chosen: list = []
        exclusive = [{"title.case_lower", "title.case_upper"},
                     {"title.subtitle_drop", "title.subtitle_to_alt", "title.subtitle_sep", "title.truncate",
                      "title.en_only"},
                     {"title.en_only", "title.no_en", "title.en_first", "title.lang_tag"},
                     {"title.strip_accents", "title.capital_accent_drop"},
                     {"author.display", "author.upper", "author.initial", "author.birth_year"},
                     {"date.year_plus1", "date.year_minus1"},
                     {"id.nnt_absent", "id.nnt_form"},
                     {"abstract.missing", "abstract.truncated", "abstract.fr_only"}]
        while len(chosen) < k and pool:
            code = rng.choices([p[0] for p in pool], [p[1] for p in pool])[0]
            pool = [p for p in pool if p[0] != code]
            if any(code in ex and any(x in ex for x in chosen) for ex in exclusive):
                continue
            chosen.append(code)
        # Volume designations and edition years are never truncated away.
        if w.designation or w.edition:
            chosen = [x for x in chosen if x not in ("title.truncate",)]
        return chosen

    # -- rendering helpers -------------------------------------------------------------------------

    def title_text(self, w: Work, c: Copy, lang: str, primary: bool, default_sep: str | None = None) -> str | None:
        rng = self.rng
        noise = c.noise
        if w.kind == "study":
            text = c.extra.get("study_title")
            if text is None:
                return None
        else:
            main, sub = (w.main_fr, w.sub_fr) if lang == "fr" else (w.main_en, w.sub_en)
            if not main:
                return None
            if primary and ("title.subtitle_drop" in noise or "title.subtitle_to_alt" in noise):
                sub = None
            sep = default_sep or (" : " if lang == "fr" else ": ")
            if primary and "title.subtitle_sep" in noise:
                sep = c.extra.setdefault("sep", rng.choice([" - ", ". ", " — ", ", ", ": ", " ; "]))
            text = main
            if sub:
                text += sep + (cap(sub) if sep.strip() in (".", "-", "—") else sub)
        if primary:
            if "title.acronym" in noise:
                text = acronym(text)
            if "title.typo" in noise:
                text = typo(rng, text)
                if rng.random() < 0.25:
                    text = typo(rng, text)
            if "title.truncate" in noise:
                text = truncate(rng, text)
            if "title.gmd" in noise:
                gmd = rng.choice([" [Ressource électronique]", " [Texte imprimé]", " [Texte]"])
                text = text.replace(" : ", gmd + " : ", 1) if " : " in text else text + gmd
        if w.designation:
            word, v, what = w.designation
            number = {1: "I", 2: "II", 3: "III"}[v] if word in ("Volume",) and rng.random() < 0.5 else str(v)
            sep = rng.choice([". ", " - ", ", ", " : "]) if primary else ". "
            text = text.rstrip(".") + f"{sep}{word} {number}" + (f" : {what}" if what else "")
        if "title.case_lower" in noise and primary:
            text = text.lower()
        if "title.case_upper" in noise:
            text = text.upper()
        if "title.strip_accents" in noise and primary:
            text = strip_accents(text)
        if "title.capital_accent_drop" in noise and primary:
            text = drop_capital_accents(text)
        if "title.apostrophe" in noise and primary:
            text = text.replace("'", "’") if "'" in text else text.replace("’", "'")
        if "title.nbsp" in noise and primary:
            text = nbsp(text)
        if "title.trailing_period" in noise and primary and not text.endswith((".", "?", "…")):
            text += "."
        if "title.whitespace" in noise and primary:
            text = text.replace(" ", "  ", 1) + " "
        return text

    def titles(self, w: Work, c: Copy, langs=True, default_sep=None, both=True) -> tuple[list, list]:
        """(titles, alternative_titles) as LangText dicts, with the copy's title noise."""
        noise = c.noise
        main_lang = w.lang
        other = "en" if main_lang == "fr" else "fr"
        order = [main_lang, other]
        if "title.en_only" in noise:
            order = ["en"]
        elif "title.no_en" in noise or not both:
            order = [main_lang]
        elif "title.en_first" in noise:
            order = ["en", "fr"]
        out = []
        for i, lang in enumerate(order):
            text = self.title_text(w, c, lang, primary=(lang == order[0]), default_sep=default_sep)
            if text:
                tag = lang if langs else None
                if "title.lang_tag" in noise and i == 0 and langs:
                    tag = self.rng.choice([None, "fre", "fr_FR", "en" if lang == "fr" else "fr"])
                out.append(lt(text, tag))
        alt = []
        if "title.subtitle_to_alt" in noise and w.sub_fr:
            alt.append(lt(f"{w.main_fr} : {w.sub_fr}", "fr" if langs else None))
        return out, alt

    def author_name(self, p: Person, c: Copy, style: str = "sorted") -> str:
        mods = tuple(m.split(".", 1)[1] for m in c.noise if m.startswith("author.") and m.split(".", 1)[1] in
                     ("strip_accents", "hyphen_drop", "particle_moved", "compound_join", "married_name", "typo"))
        for code, s in (("author.display", "display"), ("author.upper", rng_choice(self.rng, ["upper", "upper_comma"])),
                        ("author.initial", "initial"), ("author.birth_year", "birth")):
            if code in c.noise:
                style = s
        if style == "birth" and not p.birth:
            style = "sorted"
        if "particle_moved" in mods and style != "sorted":
            mods = tuple(m for m in mods if m != "particle_moved")
        return p.render(style, mods, self.rng)

    def date_text(self, w: Work, c: Copy, default: str) -> str:
        """default: "full", "year", "month" or "deposit"."""
        rng = self.rng
        d = w.date
        shift = 1 if "date.year_plus1" in c.noise else -1 if "date.year_minus1" in c.noise else 0
        form = "year" if "date.year_only" in c.noise else default
        if shift:
            d = d.replace(year=d.year + shift, day=min(d.day, 28))
            if d > LAST_STAMP:
                d = LAST_STAMP - timedelta(days=rng.randrange(5, 60))
        if form == "deposit":
            d = d + timedelta(days=rng.randrange(20, 200))
            if d > LAST_STAMP:
                d = LAST_STAMP - timedelta(days=3)
            return d.isoformat()
        if form == "year":
            return str(d.year)
        if form == "month":
            return f"{d.year}-{d.month:02d}"
        return d.isoformat()

    def stamp(self, w: Work, c: Copy, low: date | None = None, high: date = LAST_STAMP) -> date:
        rng = self.rng
        start = max(w.date + timedelta(days=15), low or date(2009, 1, 1))
        if start >= high:
            return high
        return start + timedelta(days=rng.randrange((high - start).days + 1))

    def abstracts(self, w: Work, c: Copy, langs=True) -> list:
        noise = c.noise
        if "abstract.missing" in noise:
            return []
        out = []
        for lang, text in (("fr", w.abstract_fr), ("en", w.abstract_en)):
            if not text or (lang == "en" and "abstract.fr_only" in noise):
                continue
            if "abstract.truncated" in noise:
                cut = text.rfind(" ", 0, int(len(text) * self.rng.uniform(0.3, 0.7)))
                text = text[:cut] + "..."
            out.append(lt(text, lang if langs else None))
        return out

    def subjects(self, w: Work, c: Copy, langs=True, extra=()) -> list:
        if "subjects.missing" in c.noise:
            return [lt(x) for x in extra]
        out = [lt(k, "fr" if langs else None) for k in w.keywords_fr]
        out += [lt(k, "en" if langs else None) for k in w.keywords_en]
        out += [lt(x) for x in extra]
        return out

    def language(self, w: Work, c: Copy, default: str) -> str:
        if "lang.code" in c.noise:
            return self.rng.choice({"fr": ["fre", "fra", "French", "Français", "fr_FR"],
                                    "en": ["eng", "English", "Anglais", "en_US"]}[w.lang])
        codes = {"fr": {"1": "fr", "2": "fre", "3": "fra"}, "en": {"1": "en", "2": "eng", "3": "eng"}}
        return codes[w.lang][default]

    def advisors(self, w: Work, c: Copy) -> list:
        if "advisors.missing" in c.noise:
            return []
        adv = list(w.advisors)
        if "advisors.order" in c.noise:
            adv.reverse()
        return adv

    def nnt_value(self, w: Work, c: Copy, default: str) -> str | None:
        """default: "hal" ("NNT: X"), "bare", "spaced" ("NNT : X"), "url"."""
        if not w.nnt or "id.nnt_absent" in c.noise:
            return None
        form = default
        if "id.nnt_form" in c.noise:
            form = c.extra.setdefault("nnt_form", self.rng.choice(
                [f for f in ("hal", "spaced", "tight", "lower", "url", "bare") if f != default]))
        n = w.nnt
        return {"hal": f"NNT: {n}", "spaced": f"NNT : {n}", "tight": f"NNT:{n}", "lower": f"nnt: {n.lower()}",
                "url": f"http://www.theses.fr/{n}", "bare": n}[form]

    def doi_value(self, w: Work, c: Copy, default: str = "url") -> str:
        form = default
        if "id.doi_form" in c.noise:
            form = self.rng.choice(["doi", "dx", "upper"])
        return {"url": f"https://doi.org/{w.doi}", "bare": w.doi, "doi": f"doi:{w.doi}",
                "dx": f"https://dx.doi.org/{w.doi}", "upper": f"https://doi.org/{w.doi.upper()}"}[form]

    def handle_value(self, handle: str, c: Copy) -> str:
        if "id.handle_form" in c.noise:
            return self.rng.choice([f"https://hdl.handle.net/{handle}", f"hdl:{handle}"])
        return f"http://hdl.handle.net/{handle}"

    def degree_parts(self, w: Work, c: Copy) -> dict:
        """Discipline and grantor wording for this copy."""
        rng = self.rng
        disc = w.disc[0] if w.disc else ""
        if "degree.wording" in c.noise and w.disc:
            disc = rng.choice(w.disc[6])
        return {"disc": disc}

    # -- renderers -------------------------------------------------------------------------------

    def render(self, w: Work, c: Copy) -> dict:
        if c.source in ("hal-theses", "tel", "dumas", "hal-reports"):
            return self.r_hal(w, c)
        if c.source == "theses-fr":
            return self.r_tef(w, c) if c.fmt == "tef" else self.r_thesesfr_dc(w, c)
        if c.fmt == "etdms":
            return self.r_etdms(w, c)
        if c.source in ("archipel-uqam", "constellation-uqac"):
            return self.r_eprints_qc(w, c)
        if c.source == "savoirs-usherbrooke":
            return self.r_dspace_dc(w, c)
        if c.source == "openedition-books":
            return self.r_book(w, c)
        if w.kind == "study":
            return self.r_observatory(w, c)
        return self.r_institutional(w, c)

    def hal_id(self, w: Work, c: Copy) -> str:
        key = "hal-lab" if c.role == "lab-deposit" else "hal"
        if key not in w.ids:
            prefix = {"dumas": "dumas", "hal-reports": self.rng.choice(["hal", "halshs"])}.get(c.source, "tel")
            if c.role == "lab-deposit":
                prefix = "halshs"
            w.ids[key] = self.ids.hal(prefix)
        return w.ids[key]

    def r_hal(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        hal_id = self.hal_id(w, c)
        prefix = hal_id.split("-")[0]
        stamp = self.stamp(w, c, date(2010, 1, 1) if prefix != "dumas" else date(2012, 1, 1))
        if c.role == "stale-version":
            stamp = self.stamp(w, c, high=max(date(2011, 6, 1), stamp - timedelta(days=rng.randrange(200, 900))))
        old = stamp < date(2022, 6, 1) or "id.hal_old_domain" in c.noise
        host = {"tel": ("tel.archives-ouvertes.fr", "theses.hal.science"),
                "dumas": ("dumas.ccsd.cnrs.fr", "dumas.ccsd.cnrs.fr"),
                "halshs": ("halshs.archives-ouvertes.fr", "shs.hal.science"),
                "hal": ("hal.archives-ouvertes.fr", "hal.science")}[prefix][0 if old else 1]
        url = f"https://{host}/{hal_id}"
        if "id.hal_version" in c.noise:
            url += f"v{c.version}"
        r: dict = {}
        titles, alt = self.titles(w, c)
        if w.kind == "study":
            titles = [lt(self.title_text(w, c, "fr", True) or w.title_forms[0], "fr")]
        if rng.random() < 0.5 and len(titles) == 2 and "title.en_first" not in c.noise and w.lang == "fr" \
                and w.kind != "master":
            titles.reverse()                 # HAL often lists the English title first (see the fixture)
        r["titles"] = titles
        r["alternative_titles"] = alt
        r["creators"] = [agent(self.author_name(p, c)) for p in w.authors] or [agent(w.obs.short if w.obs else "")]
        contributors = []
        if w.kind == "study":
            contributors.append(agent(f"{w.obs.long} ({w.obs.short})"))
        elif w.kind == "be_phd":
            contributors.append(agent(w.be[1]))
        elif w.kind in ("qc_phd",):
            contributors.append(agent(w.qc.name))
        else:
            uni_name = w.uni.hal_old if (w.uni.hal_old and w.date.year < w.uni.hal_switch) else w.uni.hal
            if w.kind in ("phd", "hdr"):
                for lab in rng.sample(w.uni.labs, 1 if len(w.uni.labs) == 1 or rng.random() < 0.7 else 2):
                    contributors.append(agent(lab))
            contributors.append(agent(uni_name))
            if w.cotutelle:
                contributors.append(agent(w.cotutelle.name))
        for p in self.advisors(w, c) if w.kind != "study" else []:
            contributors.append(agent(self.author_name(p, Copy("", ""), "display")))
        r["contributors"] = contributors
        idents = []
        nnt = self.nnt_value(w, c, "hal") if w.kind in ("phd", "be_phd") and c.role != "lab-deposit" else None
        if nnt:
            idents.append(nnt)
        idents += [hal_id if "id.hal_version" not in c.noise else f"{hal_id}v{c.version}", url]
        embargo = w.date.year >= 2025 and rng.random() < 0.3
        if not embargo:
            author = w.authors[0].family.upper().replace(" ", "_").replace("'", "") if w.authors else "RAPPORT"
            idents += [f"{url}/document", f"{url}/file/{w.date.year}_{strip_accents(author)}_archivage.pdf"
                       if prefix == "tel" else f"{url}/file/{slug(w.main_fr or w.main_en or 'document')[:40].strip('-')}.pdf"]
        r["identifiers"] = idents
        disc_label = w.disc[3] if w.disc else "Economies et finances"
        lang_name = {"fr": "Français", "en": "English"}[w.lang]
        if w.kind == "study":
            source_text = f"[Rapport de recherche] {w.obs.short}. {w.date.year}, pp.{w.extent.split()[0]}"
        elif nnt and w.nnt:
            uni_name = w.uni.hal if w.uni else ""
            source_text = f"{disc_label}. {uni_name}, {w.date.year}. {lang_name}. &#x27E8;NNT : {w.nnt}&#x27E9;"
        else:
            source_text = f"{disc_label}. {w.date.year}. &#x27E8;{hal_id}&#x27E9;"
        r["sources"] = [f"https://{host}/{hal_id}", source_text]
        r["languages"] = [self.language(w, c, "1")]
        extra = [w.disc[2]] if w.disc else ["[SHS.ECO]Humanities and Social Sciences/Economics and Finance"]
        r["subjects"] = self.subjects(w, c, extra=extra)
        types = {
            "phd": ["info:eu-repo/semantics/doctoralThesis", "Theses"],
            "be_phd": ["info:eu-repo/semantics/doctoralThesis", "Theses"],
            "qc_phd": ["info:eu-repo/semantics/doctoralThesis", "Theses"],
            "hdr": ["info:eu-repo/semantics/doctoralThesis", "Habilitation à diriger des recherches"],
            "master": ["info:eu-repo/semantics/masterThesis", "Master thesis"],
            "study": ["info:eu-repo/semantics/report", "Reports"],
        }[w.kind]
        if "degree.wording" in c.noise and w.kind == "phd":
            types = ["info:eu-repo/semantics/doctoralThesis", rng.choice(["Thèse", "Theses", "Thesis"])]
        r["types"] = types
        abstracts = self.abstracts(w, c)
        if c.role == "stale-version" and rng.random() < 0.4:
            abstracts = [a for a in abstracts if a.get("lang") == "fr"]
        r["abstracts"] = list(reversed(abstracts))          # HAL: English abstract first
        if w.kind == "master" and w.programme and rng.random() < 0.4 and r["abstracts"]:
            r["abstracts"][-1] = lt(f"{w.programme}. " + r["abstracts"][-1]["value"], r["abstracts"][-1].get("lang"))
        default_date = "full" if rng.random() < 0.85 else "deposit"
        if w.kind == "master":
            default_date = rng.choice(["full", "full", "year", "month"])
        if w.kind == "study":
            default_date = rng.choice(["month", "year", "full"])
        r["dates"] = [self.date_text(w, c, default_date)]
        rights = ["info:eu-repo/semantics/embargoedAccess"] if embargo else ["info:eu-repo/semantics/OpenAccess"]
        if rng.random() < 0.15:
            rights.append(rng.choice(["http://creativecommons.org/licenses/by-nc-nd/4.0/",
                                      "http://creativecommons.org/licenses/by/4.0/"]))
        r["rights"] = rights
        if w.doi and rng.random() < 0.7:
            r["relations"] = [f"info:eu-repo/semantics/altIdentifier/doi/{w.doi}"]
        r["publishers"] = ["HAL CCSD"]
        sets = {
            "tel": ["type:HDR" if w.kind == "hdr" else "type:THESE", "subject:shs", "collection:TEL"],
            "dumas": ["type:MEM", "subject:shs", "collection:DUMAS"],
            "hal-reports": ["type:REPORT", "subject:shs", "collection:SHS", f"collection:{w.obs.hal_coll}" if w.obs else "collection:SHS"],
        }.get(c.source, ["type:THESE", "subject:shs", "collection:TEL", "collection:SHS"])
        if w.uni and c.source != "hal-reports":
            sets.append(f"collection:{w.uni.coll}")
        if w.nnt and w.kind == "phd" and w.date.year >= 2008 and c.role != "lab-deposit" and rng.random() < 0.6:
            sets.append("collection:STAR")
        if not embargo and rng.random() < 0.5:
            sets.append("openaire")
        return line(c.source, f"oai:HAL:{hal_id}v{c.version}", "oai_dc", dedupe(sets), stamp.isoformat(), r)

    def thesesfr_stamp(self, w: Work, c: Copy) -> str:
        s = self.stamp(w, c, date(2009, 1, 1))
        return f"{s.isoformat()}T{self.rng.randrange(24):02d}:{self.rng.randrange(60):02d}:{self.rng.randrange(60):02d}Z"

    def thesesfr_sets(self, w: Work) -> list:
        u = w.uni
        code = u.nnt if not u.nnt_old or w.date.year >= u.nnt_switch else u.nnt_old
        ddc = w.disc[4] if w.disc and w.disc[4] in HARVESTED_DDC else "330"
        sets = [f"ddc:{ddc}"]
        if ddc == "300" and self.rng.random() < 0.3:
            sets.append("ddc:360")
        if code:
            sets.append(code)
        if self.rng.random() < 0.7:
            sets.append("diffusable")
        return sets

    def grantor(self, w: Work, c: Copy) -> str:
        u = w.uni
        name = u.abes_old if (u.abes_old and w.date.year < u.abes_switch) else u.abes
        if "degree.wording" in c.noise:
            name = self.rng.choice([u.long, u.hal])
        return name

    def r_thesesfr_dc(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        r: dict = {}
        r["titles"], r["alternative_titles"] = self.titles(w, c)
        r["subjects"] = self.subjects(w, c)
        r["abstracts"] = self.abstracts(w, c)
        r["types"] = ["Electronic Thesis or Dissertation", "Text"]
        r["languages"] = [self.language(w, c, "1")]
        stamp = self.thesesfr_stamp(w, c)
        base = "https://theses.fr" if stamp >= "2023-06" else "http://www.theses.fr"
        r["identifiers"] = [f"{base}/{w.nnt}" + ("/document" if rng.random() < 0.7 else "")]
        r["creators"] = [agent(self.author_name(p, c)) for p in w.authors]
        r["dates"] = [self.date_text(w, c, "full")]
        r["contributors"] = [agent(self.grantor(w, c))] + [agent(self.author_name(p, Copy("", ""))) for p in self.advisors(w, c)]
        return line("theses-fr", f"oai:theses.fr:{w.nnt}", "oai_dc", self.thesesfr_sets(w), stamp, r)

    def r_tef(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        r: dict = {}
        titles, alt = self.titles(w, c)
        if "title.no_en" not in c.noise and len(titles) > 1:
            alt = alt + [titles.pop(1)]     # TEF: the translated title is dcterms:alternative
        r["titles"], r["alternative_titles"] = titles, alt
        r["subjects"] = self.subjects(w, c)
        r["abstracts"] = self.abstracts(w, c)
        r["types"] = ["Text", "Electronic Thesis or Dissertation"]
        r["languages"] = [self.language(w, c, "1")]
        a = w.authors[0]
        r["creators"] = [agent(self.author_name(a, c), id=None if "author.id_dropped" in c.noise else a.ppn)]
        contributors = [agent(self.author_name(p, Copy("", "")), "advisor", p.ppn) for p in self.advisors(w, c)]
        for role, p in w.jury:
            contributors.append(agent(p.render(), role, p.ppn if rng.random() < 0.8 else None))
        r["contributors"] = contributors
        nnt = self.nnt_value(w, c, "bare") or w.nnt      # the TEF record always has its NNT
        r["identifiers"] = [nnt]
        r["dates"] = [self.date_text(w, c, "full")]
        r["publishers"] = [w.uni.ed]
        deg = self.degree_parts(w, c)
        level = "Doctorat" if "degree.wording" not in c.noise else rng.choice(["Doctorat", "doctorat", "Thèse de doctorat"])
        r["degree"] = {"level": level, "discipline": deg["disc"], "grantor": self.grantor(w, c)}
        return line("theses-fr", f"oai:theses.fr:{w.nnt}", "tef", self.thesesfr_sets(w), self.thesesfr_stamp(w, c), r)

    def r_etdms(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        q = w.qc if w.kind in ("qc_phd", "qc_master") else w.cotutelle
        if "handle" not in w.ids:
            w.ids["handle"] = f"{q.handle}/{self.ids.number(90000, 99999, q.handle)}"
        handle = w.ids["handle"]
        host = {"1866": "umontreal.scholaris.ca", "20.500.11794": "corpus.ulaval.ca"}[q.handle]
        if c.role == "host-moved":
            host = "papyrus.bib.umontreal.ca"
        r: dict = {}
        titles, alt = self.titles(w, c, langs=rng.random() < 0.5, both=False)
        other = "en" if w.lang == "fr" else "fr"
        other_text = self.title_text(w, Copy("", ""), other, False)
        if other_text and "title.no_en" not in c.noise and "title.en_only" not in c.noise and rng.random() < 0.6:
            alt.append(lt(other_text, other))
        r["titles"], r["alternative_titles"] = titles, alt
        a = w.authors[0]
        ident = None if ("author.id_dropped" in c.noise or c.role == "host-moved") else a.orcid
        r["creators"] = [agent(self.author_name(a, c), id=ident)]
        r["subjects"] = self.subjects(w, c, langs=False)
        r["abstracts"] = self.abstracts(w, c)
        r["publishers"] = [q.name]
        adv = []
        for i, p in enumerate(self.advisors(w, c)):
            role = rng.choice(["directeur(trice) de recherche/advisor", "advisor"]) if i == 0 else \
                rng.choice(["codirecteur(trice) de recherche/coadvisor", "advisor"])
            adv.append(agent(p.render(), role))
        r["contributors"] = adv
        r["dates"] = [self.date_text(w, c, rng.choice(["year", "year", "month"]))]
        r["types"] = ["Thèse ou mémoire numérique", "Electronic Thesis or Dissertation"]
        bit = ("https://papyrus.bib.umontreal.ca/xmlui/bitstream/handle/{h}/{f}_{y}_{k}.pdf"
               .format(h=handle, f=strip_accents(a.family).replace(" ", "_"), y=w.date.year,
                       k="these" if w.kind != "qc_master" else "memoire")
               if c.role == "host-moved" else f"https://{host}/bitstreams/{uuid_for(handle, self.set_name)}/download")
        r["identifiers"] = [self.handle_value(handle, c), bit]
        r["formats"] = ["application/pdf"]
        r["languages"] = [self.language(w, c, "3")]
        r["rights"] = [f"© {a.given} {a.family}, {w.date.year}" if rng.random() < 0.7
                       else "http://creativecommons.org/licenses/by-nc-nd/4.0/"]
        if w.kind in ("qc_phd", "qc_master"):
            name, level_fr, level_en, disc_fr, disc_en = w.qc_degree
        else:
            name, level_fr, level_en, disc_fr, disc_en = ("Ph. D.", "Doctorat", "Doctoral", w.disc[0], w.disc[1])
        if "degree.wording" in c.noise:
            name = rng.choice(["Ph.D.", "PhD", "Doctorat"]) if level_en == "Doctoral" else rng.choice(["M.Sc.", "Maîtrise", "M.A."])
        r["degree"] = {"name": name, "level": level_en, "discipline": disc_fr, "grantor": q.name}
        s = self.stamp(w, c, date(2025, 2, 1) if c.role != "host-moved" else date(2012, 1, 1),
                       LAST_STAMP if c.role != "host-moved" else date(2024, 12, 20))
        stamp = f"{s.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        coll = {"1866": ["com_1866_2958", rng.choice(["col_1866_3001", "col_1866_2621"])],
                "20.500.11794": ["com_20.500.11794_16", rng.choice(["col_20.500.11794_17", "col_20.500.11794_96"])]}[q.handle]
        oai_host = host
        return line(c.source, f"oai:{oai_host}:{handle}", "etdms", coll, stamp, r)

    def r_eprints_qc(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        q = w.qc if w.kind in ("qc_phd", "qc_master") else w.cotutelle
        host = {"archipel-uqam": "archipel.uqam.ca", "constellation-uqac": "constellation.uqac.ca"}[c.source]
        if "eprint" not in w.ids:
            w.ids["eprint"] = self.ids.number(90000, 99999, host)
        n = w.ids["eprint"]
        r: dict = {}
        titles, alt = self.titles(w, c, langs=False, default_sep=rng.choice([" : ", ". "]), both=False)
        r["titles"], r["alternative_titles"] = titles, alt
        a = w.authors[0]
        r["creators"] = [agent(self.author_name(a, c))]
        if rng.random() < 0.5:
            r["contributors"] = [agent(p.render()) for p in self.advisors(w, c)]
        r["subjects"] = self.subjects(w, c, langs=False)
        r["abstracts"] = self.abstracts(w, c, langs=False)
        r["dates"] = [self.date_text(w, c, "month")]
        doctoral = w.kind in ("qc_phd", "phd")
        r["types"] = ["Thèse acceptée" if doctoral else "Mémoire accepté", "NonPeerReviewed"]
        disc = (w.qc_degree[3] if w.qc_degree else w.disc[0]).lower()
        grade = "Doctorat" if doctoral else "Maîtrise"
        title = titles[0]["value"] if titles else ""
        citation = (f"{a.family}, {a.given} ({w.date.year}). « {title} » {'Thèse' if doctoral else 'Mémoire'}. "
                    f"{'Montréal' if host.startswith('archipel') else 'Chicoutimi'} (Québec, Canada), {q.name}, "
                    f"{grade} en {disc}.")
        r["identifiers"] = [f"https://{host}/{n}/1/{'D' if doctoral else 'M'}{rng.randrange(1000, 9999)}.pdf", citation]
        r["relations"] = [f"https://{host}/{n}/"]
        r["formats"] = ["application/pdf"]
        r["languages"] = [self.language(w, c, "1")]
        s = self.stamp(w, c, date(2010, 1, 1))
        sets = ["74797065733D746865736973" if doctoral else "74797065733D6D6173746572"]
        return line(c.source, f"oai:{host}:{n}", "oai_dc", sets,
                    f"{s.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z", r)

    def r_dspace_dc(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        q = w.qc if w.kind in ("qc_phd", "qc_master") else w.cotutelle
        if "handle" not in w.ids:
            w.ids["handle"] = f"{q.handle}/{self.ids.number(90000, 99999, q.handle)}"
        handle = w.ids["handle"]
        r: dict = {}
        titles, alt = self.titles(w, c)
        for t in titles:
            if t.get("lang") in ("fr", "en"):
                t["lang"] = t["lang"] + "_CA" if rng.random() < 0.6 else t["lang"]
        r["titles"] = titles
        r["alternative_titles"] = alt
        a = w.authors[0]
        r["creators"] = [agent(self.author_name(a, c))]
        r["contributors"] = [agent(p.render()) for p in self.advisors(w, c)]
        r["subjects"] = self.subjects(w, c)
        r["abstracts"] = self.abstracts(w, c)
        s = self.stamp(w, c, date(2011, 1, 1))
        ts = f"{s.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        r["dates"] = [ts, ts, self.date_text(w, c, "year")]
        doctoral = w.kind in ("qc_phd", "phd")
        r["types"] = ["Thèse" if doctoral else "Mémoire"]
        if "degree.wording" in c.noise:
            r["types"] = ["Thèse de doctorat" if doctoral else "Mémoire de maîtrise"]
        r["identifiers"] = [self.handle_value(handle, c)]
        r["languages"] = [self.language(w, c, "2")]
        r["rights"] = [f"© {a.given} {a.family}"]
        r["publishers"] = [q.name]
        coll = ["com_11143_2", rng.choice(["col_11143_16", "col_11143_27"])]
        return line(c.source, f"oai:savoirs.usherbrooke.ca:{handle}", "oai_dc", coll, ts, r)

    INST = {
        # source: (oai id pattern, url pattern, author style, advisor suffix, date form, types doctoral, types hdr,
        #          types master, language, sets)
        "theses-lyon2": ("oai:theses.univ-lyon2.fr:{year}/{slug}", "http://theses.univ-lyon2.fr/documents/lyon2/{year}/{slug}",
                         ("sorted", "upper"), " (Dir.)", "year", ["Thèse de doctorat", "Text"],
                         ["Habilitation à diriger des recherches", "Text"], ["Mémoire", "Text"], "2", ["lyon2:theses"]),
        "pepite-univ-lille": ("oai:pepite.univ-lille.fr:{n}", "https://pepite.univ-lille.fr/ori-oai-search/notice/view/univ-lille-{n}",
                              ("upper",), "", "full", ["Thèse", "Text"], ["HDR", "Text"], ["Mémoire de master", "Text"],
                              "1", ["theses"]),
        "okina-univ-angers": ("oai:okina.univ-angers.fr:{n}", "https://okina.univ-angers.fr/publications/ua{n}",
                              ("sorted",), "", "year", ["doctoralThesis", "Thèse de doctorat"],
                              ["doctoralThesis", "Habilitation à diriger des recherches"],
                              ["masterThesis", "Mémoire de master"], "2", ["type:these"]),
        "archive-univ-nantes": ("oai:archive.bu.univ-nantes.fr:{n}", "https://archive.bu.univ-nantes.fr/pollux/show.action?id={n}",
                                ("sorted",), "", "full", ["Thèse de doctorat", "info:eu-repo/semantics/doctoralThesis"],
                                ["Habilitation à diriger des recherches"], ["Mémoire de master"], "2", ["theses"]),
        "theses-univ-amu": ("oai:theses.univ-amu.fr:{n}", "https://theses.univ-amu.fr/document/{n}",
                            ("upper_comma",), "", "year", ["Thèse"], ["HDR"], ["Mémoire"], "1", ["these"]),
        "scd-theses-unistra": ("oai:scd-theses.u-strasbg.fr:{n}", "http://scd-theses.u-strasbg.fr/{n}/",
                               ("upper_comma",), "", "year", ["Thèse de doctorat", "Text"],
                               ["Habilitation à diriger des recherches"], ["Mémoire"], "2", ["theses"]),
        "octaviana-paris8": ("oai:octaviana.fr:{n}", "https://octaviana.fr/document/{n}", ("display",), "", "year",
                             ["Thèse"], ["HDR"], ["Mémoire"], "1", ["set_theses"]),
        "orbi-uliege": ("oai:orbi.ulg.ac.be:2268/{n}", "http://hdl.handle.net/2268/{n}", ("sorted",), "", "full",
                        ["info:eu-repo/semantics/doctoralThesis", "Doctoral thesis"], [], [], "1", ["ulg_theses"]),
        "dial-uclouvain": ("oai:dial.uclouvain.be:boreal:{n}", "http://hdl.handle.net/2078.1/{n}", ("sorted",), "",
                           "year", ["Thèse (Dissertation)", "info:eu-repo/semantics/doctoralThesis"], [], [], "1",
                           ["boreal_thesis"]),
    }

    def r_institutional(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        oai, url_pat, styles, adv_suffix, date_form, t_phd, t_hdr, t_master, lang_form, sets = self.INST[c.source]
        a = w.authors[0]
        key = f"inst:{c.source}"
        if key not in w.ids:
            w.ids[key] = self.ids.number(90000, 999999, c.source)
        n = w.ids[key]
        s = slug(strip_accents(a.family).replace(" ", ""))[:12].replace("-", "") + "_" + slug(a.given)[:1]
        if w.designation:
            s += f"_v{w.designation[1]}"
        url = url_pat.format(year=w.date.year, slug=s, n=n)
        r: dict = {}
        titles, alt = self.titles(w, c, langs=rng.random() < 0.4, both=rng.random() < 0.4)
        r["titles"], r["alternative_titles"] = titles, alt
        style = rng.choice(styles)
        r["creators"] = [agent(self.author_name(a, c, style))]
        r["contributors"] = [agent(self.author_name(p, Copy("", ""), "sorted" if style != "display" else "display")
                                   + adv_suffix) for p in self.advisors(w, c)]
        r["subjects"] = self.subjects(w, c, langs=rng.random() < 0.5)
        r["abstracts"] = self.abstracts(w, c)
        if date_form == "year" and w.date.month >= 10 and rng.random() < 0.3 and \
                "date.year_minus1" not in c.noise and "date.year_plus1" not in c.noise:
            c.noise.append("date.year_plus1")      # year of publication, after an autumn defence
        r["dates"] = [self.date_text(w, c, date_form)]
        r["types"] = {"phd": t_phd, "be_phd": t_phd, "hdr": t_hdr or t_phd, "master": t_master or t_phd}[w.kind]
        idents = [url]
        if c.source in ("orbi-uliege", "dial-uclouvain"):
            idents = [self.handle_value(url.replace("http://hdl.handle.net/", ""), c)]
        nnt = self.nnt_value(w, c, rng.choice(["spaced", "url", "bare"])) if (w.nnt and rng.random() < 0.5) else None
        relations = []
        if nnt:
            (relations if nnt.startswith("http") and rng.random() < 0.5 else idents).append(nnt)
        if "hal" in w.ids and rng.random() < 0.3:
            host = "dumas.ccsd.cnrs.fr" if w.ids["hal"].startswith("dumas") else "theses.hal.science"
            relations.append(f"https://{host}/{w.ids['hal']}")
        if w.doi and rng.random() < 0.5:
            idents.append(self.doi_value(w, c))
        r["identifiers"] = idents
        r["relations"] = relations
        r["languages"] = [self.language(w, c, lang_form)]
        r["formats"] = ["application/pdf"]
        publisher = w.be[1] if w.be else (w.uni.long if w.uni else "")
        if c.source == "orbi-uliege":
            publisher = "ULiège - Université de Liège"
        if c.source == "dial-uclouvain":
            publisher = "UCL - Université catholique de Louvain"
        r["publishers"] = [publisher]
        st = self.stamp(w, c, date(2010, 1, 1))
        stamp = f"{st.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        return line(c.source, oai.format(year=w.date.year, slug=s, n=n), "oai_dc", sets, stamp, r)

    def r_observatory(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        obs = w.obs
        nat = self.bank["national_observatory"]
        relay = c.role == "relay"
        host = nat.host if relay else obs.host
        key = f"obs:{c.role}"
        if key not in w.ids:
            w.ids[key] = self.ids.number(1000, 9999, host)
        n = w.ids[key]
        r: dict = {}
        title = self.title_text(w, c, "fr", True)
        if relay and rng.random() < 0.5:
            title = f"{title} ({obs.short})"
        r["titles"] = [lt(title)]
        creators = []
        if rng.random() < 0.7 or not w.authors:
            creators.append(agent(rng.choice([obs.short, obs.obs, obs.long])))
        r["creators"] = creators
        if w.authors and rng.random() < 0.6:
            r["contributors"] = [agent(self.author_name(p, c, "display")) for p in w.authors]
        r["publishers"] = [nat.short if relay else rng.choice([obs.short, obs.long])]
        r["dates"] = [self.date_text(w, c, rng.choice(["full", "year", "month"]))]
        r["types"] = rng.choice([["Text", "Étude"], ["Publication"], ["Étude", "Observatoire"], ["Text"]])
        r["formats"] = ["application/pdf", w.extent]
        pdf = f"https://{obs.host}/wp-content/uploads/{w.date.year}/{w.date.month:02d}/{slug(w.title_forms[0])[:60]}.pdf"
        if "pdf" not in w.ids:
            w.ids["pdf"] = pdf
        idents = []
        if relay:
            idents.append(f"https://{host}/ressources/{slug(title)[:50]}-{n}/")
            if rng.random() < 0.5:
                idents.append(w.ids["pdf"])
        else:
            page = f"https://{host}/publications/{slug(title)[:50]}/" if c.role != "site-duplicate" else \
                f"https://{host}/?p={n}"
            idents += [page, w.ids["pdf"]]
            if rng.random() < 0.3:
                idents.append(f"https://{host}/observatoire/")       # shared by every study of the site
        r["identifiers"] = idents
        r["subjects"] = [lt(k) for k in w.keywords_fr] if "subjects.missing" not in c.noise else []
        r["coverage"] = [obs.region]
        r["abstracts"] = self.abstracts(w, c, langs=False) if w.lang == "fr" else \
            [lt(w.abstract_en)] if w.abstract_en and "abstract.missing" not in c.noise else []
        r["languages"] = [self.language(w, c, rng.choice(["1", "2"]))]
        st = self.stamp(w, c, date(2012, 1, 1))
        stamp = f"{st.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        return line(c.source, f"oai:{host}:ressource-{n}", "oai_dc", ["observatoire"] if rng.random() < 0.6 else [],
                    stamp, r)

    def r_book(self, w: Work, c: Copy) -> dict:
        rng = self.rng
        name, code, isbn_prefix = w.publisher
        if "book" not in w.ids:
            w.ids["book"] = self.ids.number(990000, 999999, code)
        n = w.ids["book"]
        r: dict = {}
        r["titles"], r["alternative_titles"] = self.titles(w, c, default_sep=rng.choice([". ", " : "]))
        a = w.authors[0]
        r["creators"] = [agent(self.author_name(a, c))]
        if rng.random() < 0.3:
            r["contributors"] = [agent(self.author_name(rng.choice(self.seniors_fr), Copy("", ""), "sorted"), "Préfacier")]
        r["publishers"] = [name]
        r["dates"] = [str(w.date.year)]
        r["types"] = ["book", "info:eu-repo/semantics/book"]
        digits = 13 - len(re.sub(r"\D", "", isbn_prefix)) - 1
        body = f"{isbn_prefix}-{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
        r["identifiers"] = [f"https://books.openedition.org/{code}/{n}", f"10.4000/books.{code}.{n}",
                            f"urn:isbn:{isbn13(body)}"]
        r["languages"] = ["fr"]
        r["rights"] = ["info:eu-repo/semantics/openAccess", "https://www.openedition.org/12554"]
        r["subjects"] = [lt(k, "fr") for k in w.keywords_fr]
        r["abstracts"] = [lt(w.abstract_fr, "fr")] if w.abstract_fr else []
        relations = []
        t = w.thesis
        if rng.random() < 0.5:
            grantor = t.uni.abes if t.uni else ""
            relations.append(f"Texte remanié de : Thèse de doctorat : {t.disc[0]} : {grantor} : {t.date.year}")
        if t.nnt and rng.random() < 0.3:
            relations.append(f"http://www.theses.fr/{t.nnt}")       # a link to the thesis, not the book's identifier
        r["relations"] = relations
        st = self.stamp(w, c, date(2012, 1, 1))
        stamp = f"{st.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        return line("openedition-books", f"oai:books.openedition.org:{code}/{n}", "oai_dc", ["books", code], stamp, r)

    # -- driver ----------------------------------------------------------------------------------

    def fix_datestamp(self, out: dict) -> None:
        """A record is not modified before the date it carries (e.g. a deposit date in the next year)."""
        latest = None
        for d in out["record"].get("dates", []):
            m = re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?", d)
            if m:
                low = date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
                latest = max(latest or low, low)
        stamp = out["datestamp"]
        if latest and stamp[:10] < latest.isoformat():
            span = (LAST_STAMP - latest).days
            new = latest + timedelta(days=self.rng.randrange(max(1, min(span, 400))) if span > 0 else 0)
            out["datestamp"] = new.isoformat() + stamp[10:]

    def run(self) -> tuple[list, dict]:
        rng = self.rng
        self.build()
        # Opaque labels in a shuffled order.
        order = list(range(len(self.works)))
        rng.shuffle(order)
        width = len(str(len(self.works)))
        prefix = "w" if self.set_name == "main" else "h"
        for label_no, idx in enumerate(order, start=1):
            self.works[idx].label = f"{prefix}{label_no:0{width}d}"
        lines, notes = [], {}
        for w in self.works:
            w.copies = self.plan(w)
            for i, c in enumerate(w.copies):
                c.noise = self.pick_noise(w, c)
                if w.kind == "study":
                    forms = w.title_forms
                    idx = i % len(forms)
                    text = forms[idx] if rng.random() < 0.7 else rng.choice(forms)
                    if c.role == "hal-report" and w.edition and str(w.edition) not in text:
                        text = f"{text} {w.edition}"
                    c.extra["study_title"] = text
                out = self.render(w, c)
                self.fix_datestamp(out)
                out["work"] = w.label
                lines.append(out)
                notes[out["identifier"]] = {"work": w.label, "kind": w.kind, "role": c.role,
                                            "variations": sorted(set(c.noise))}
        ids = [l["identifier"] for l in lines]
        assert len(ids) == len(set(ids)), "duplicate OAI identifiers"
        lines.sort(key=lambda l: (l["source"], l["identifier"]))
        annotations = {
            "_comment": "Written by generate.py; do not edit. See README.md.",
            "set": self.set_name,
            "seed": SETS[self.set_name][1],
            "works": {w.label: {"kind": w.kind, "year": w.date.year, "records": len(w.copies)}
                      for w in sorted(self.works, key=lambda w: w.label)},
            "hard_negative_groups": [{"kind": g["kind"], "works": [w.label for w in g["works"]], "note": g["note"]}
                                     for g in self.groups],
            "records": dict(sorted(notes.items())),
        }
        return lines, annotations


def rng_choice(rng: random.Random, options: list):
    return rng.choice(options)


def uuid_for(handle: str, salt: str) -> str:
    import hashlib
    h = hashlib.md5(f"{salt}:{handle}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def lt(value: str, lang: str | None = None) -> dict:
    return {"value": value, "lang": lang} if lang else {"value": value}


def agent(name: str, role: str | None = None, id: str | None = None) -> dict:
    out = {"name": name}
    if role:
        out["role"] = role
    if id:
        out["id"] = id
    return out


def dedupe(values: list) -> list:
    return list(dict.fromkeys(values))


FIELD_ORDER = ["titles", "alternative_titles", "creators", "contributors", "subjects", "abstracts", "publishers",
               "dates", "types", "formats", "identifiers", "languages", "rights", "relations", "sources", "coverage",
               "degree"]


def line(source: str, identifier: str, fmt: str, sets: list, datestamp: str, record: dict) -> dict:
    clean = {}
    for key in FIELD_ORDER:
        value = record.get(key)
        if key == "degree" and value:
            value = {k: v for k, v in value.items() if v}
        if isinstance(value, list):
            value = [v for v in dedupe_list(value) if v]
        if value:
            clean[key] = value
    return {"source": source, "identifier": identifier, "format": fmt, "sets": sets, "datestamp": datestamp,
            "record": clean}


def dedupe_list(values: list) -> list:
    seen, out = [], []
    for v in values:
        k = json.dumps(v, sort_keys=True, ensure_ascii=False)
        if k not in seen:
            seen.append(k)
            out.append(v)
    return out


def serialise(lines: list) -> str:
    return "".join(json.dumps(l, ensure_ascii=False, separators=(",", ":")) + "\n" for l in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files")
    args = parser.parse_args()
    status = 0
    for set_name, (_bank, _seed, stem, _scale) in SETS.items():
        lines, annotations = Generator(set_name).run()
        data = serialise(lines)
        ann = json.dumps(annotations, ensure_ascii=False, indent=1) + "\n"
        ann_name = "annotations.json" if set_name == "main" else "annotations-holdout.json"
        if args.check:
            same = (HERE / f"{stem}.jsonl").read_text(encoding="utf-8") == data and \
                (HERE / ann_name).read_text(encoding="utf-8") == ann
            print(f"{stem}.jsonl: {'up to date' if same else 'DIFFERS'}")
            status |= 0 if same else 1
            continue
        (HERE / f"{stem}.jsonl").write_text(data, encoding="utf-8")
        (HERE / ann_name).write_text(ann, encoding="utf-8")
        works = len(annotations["works"])
        print(f"{stem}.jsonl: {len(lines)} records, {works} works, "
              f"{len(annotations['hard_negative_groups'])} hard-negative groups")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
