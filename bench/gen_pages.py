#!/usr/bin/env python3
"""Generate the static OAI-PMH provider used by bench/harvest_bench.sh.

Writes into OUT:
  identify.xml                  answer to ?verb=Identify
  p0001.xml … pNNNN.xml         ListRecords pages (oai_dc), PAGE_SIZE records each; page k ends with
                                <resumptionToken>p(k+1)</resumptionToken>, the last with an empty token
  error-badArgument.xml         answer to any other request
  error-badResumptionToken.xml  answer to an unknown token
  *.xml.gz                      pre-compressed copies, served by nginx's gzip_static
  STAMP                         parameters of the run: an identical call reuses the pages

Records are synthetic French theses, 2–4 KB each: titles and abstracts in French and English,
accented names, several subjects, contributors, identifiers. Deterministic (fixed seed).
Standard library only.

    python3 bench/gen_pages.py --out /tmp/essor-bench/pages --records 100000 --page-size 100 \
        --base-url http://127.0.0.1:8089/oai
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

SEED = 42

DC_OPEN = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">')

# Already XML-escaped where needed (&amp;).
ACTORS = [
    ("les coopératives agricoles", "agricultural cooperatives"),
    ("les SCOP et les SCIC", "worker and multi-stakeholder cooperatives"),
    ("les mutuelles de santé", "health mutuals"),
    ("les associations employeuses", "nonprofit employers"),
    ("les structures d'insertion par l'activité économique", "work integration social enterprises"),
    ("les organisations de commerce équitable", "fair trade organizations"),
    ("les financeurs solidaires", "solidarity finance providers"),
    ("les monnaies locales complémentaires", "local complementary currencies"),
    ("les tiers-lieux", "third places"),
    ("les ressourceries", "reuse centres"),
    ("les coopératives d'habitants", "housing cooperatives"),
    ("les fondations", "foundations"),
    ("les entreprises sociales", "social enterprises"),
    ("les épiceries solidaires", "social grocery stores"),
    ("les régies de quartier", "neighbourhood enterprises"),
]
TOPICS = [
    ("la gouvernance démocratique", "democratic governance"),
    ("l'utilité sociale", "social utility"),
    ("l'innovation sociale", "social innovation"),
    ("l'engagement bénévole", "volunteering"),
    ("la transition écologique", "ecological transition"),
    ("le développement local", "local development"),
    ("la qualité de l'emploi", "job quality"),
    ("la mesure d'impact", "impact measurement"),
    ("la gestion des communs", "commons governance"),
    ("les circuits courts", "short supply chains"),
    ("l'économie circulaire", "the circular economy"),
    ("la R&amp;D collaborative", "collaborative R&amp;D"),
]
PLACES = [
    ("en Bretagne", "in Brittany"), ("en Occitanie", "in Occitania"), ("à Lyon", "in Lyon"),
    ("dans les Hauts-de-France", "in Hauts-de-France"), ("au Québec", "in Québec"),
    ("en Île-de-France", "in the Paris region"), ("à La Réunion", "in Réunion"),
    ("en Afrique de l'Ouest", "in West Africa"), ("dans le Grand Est", "in the Grand Est"),
]
SENTENCES = [
    ("Cette thèse analyse {T} dans {A} {P}.", "This thesis analyses {Te} in {Ae} {Pe}."),
    ("Nous mobilisons une enquête qualitative fondée sur des entretiens semi-directifs et des observations.",
     "We draw on a qualitative survey based on semi-structured interviews and observations."),
    ("Les résultats montrent l'importance des réseaux d'acteurs et des collectivités territoriales.",
     "The results show the importance of actor networks and local authorities."),
    ("Nous proposons une typologie des trajectoires organisationnelles, de la création à la maturité.",
     "We propose a typology of organizational trajectories, from creation to maturity."),
    ("L'hybridation des ressources marchandes, non marchandes et non monétaires y apparaît décisive.",
     "The hybridization of market, non-market and non-monetary resources appears decisive."),
    ("Une analyse économétrique sur données de panel complète l'étude de cas.",
     "An econometric analysis of panel data complements the case study."),
    ("Les tensions entre logique gestionnaire et projet politique sont au cœur de l'analyse.",
     "Tensions between managerial logic and political project are at the heart of the analysis."),
    ("La thèse discute enfin les conditions d'une « économie plurielle » à l'échelle des territoires.",
     "Finally, the thesis discusses the conditions for a \"plural economy\" at the territorial level."),
    ("Les salariés décrivent un travail porteur de sens mais marqué par une forte intensification.",
     "Employees describe meaningful work that is nonetheless highly intensified."),
    ("Ces résultats éclairent les politiques publiques de soutien à l'économie sociale et solidaire.",
     "These findings shed light on public policies supporting the social and solidarity economy."),
]
FIRST = ["Élodie", "Hélène", "Jérôme", "François", "Cécile", "Gaëlle", "Maël", "Noémie", "Loïc", "Anaïs",
         "Zoé", "Benoît", "Frédéric", "Agnès", "Raphaëlle", "Joël", "Sébastien", "Aïcha", "Marie-Ève",
         "Jean-François", "Geneviève", "Étienne", "Ségolène", "Timothée"]
LAST = ["Dupont", "Lefèvre", "Le Goff", "Péquignot", "Château", "Crépin", "Guérin", "Hérault", "Nédélec",
        "Quéré", "Sénéchal", "Zaïdi", "N'Diaye", "Ouédraogo", "Nguyen", "Cœurdevey", "de La Fontaine",
        "du Plessis", "Tremblay", "Côté", "Bélanger", "Lévesque", "Bérubé", "Thériault"]
UNIVERSITIES = [
    ("Université Lumière - Lyon II", "LYSE"), ("Université Grenoble Alpes", "GREA"),
    ("Université de Lille", "ULIL"), ("Université de Montpellier", "MONT"), ("Aix-Marseille Université", "AIXM"),
    ("Université Rennes 2", "REN2"), ("Nantes Université", "NANT"), ("Université de Bordeaux", "BORD"),
    ("Conservatoire national des arts et métiers - CNAM", "CNAM"), ("Université Paris 1 Panthéon-Sorbonne", "PA01"),
]
LABS = ["Centre lillois d'études et de recherches sociologiques et économiques (CLERSÉ)",
        "Laboratoire d'Économie et de Sociologie du Travail (LEST)",
        "Triangle : action, discours, pensée politique et économique (TRIANGLE)",
        "Laboratoire interdisciplinaire pour la sociologie économique (LISE)",
        "Centre de recherche en économie de Grenoble (CREG)",
        "Espaces et Sociétés (ESO)"]
SUBJECTS = [("Économie sociale et solidaire", "Social and solidarity economy"), ("Coopératives", "Cooperatives"),
            ("Gouvernance", "Governance"), ("Bénévolat", "Volunteering"), ("Territoire", "Territory"),
            ("Innovation sociale", "Social innovation"), ("Mutualité", "Mutualism"),
            ("Commerce équitable", "Fair trade"), ("Finance solidaire", "Solidarity finance"),
            ("Insertion", "Work integration"), ("Communs", "Commons"), ("Économie circulaire", "Circular economy")]
DOMAINS = ["[SHS.ECO]Humanities and Social Sciences/Economics and Finance",
           "[SHS.SOCIO]Humanities and Social Sciences/Sociology",
           "[SHS.GESTION]Humanities and Social Sciences/Business administration",
           "[SHS.GEO]Humanities and Social Sciences/Geography"]


def record(rng: random.Random, number: int) -> str:
    a_fr, a_en = rng.choice(ACTORS)
    t_fr, t_en = rng.choice(TOPICS)
    p_fr, p_en = rng.choice(PLACES)
    year = rng.randrange(1995, 2027)
    since = year - rng.randrange(5, 30)
    title_fr = f"{t_fr[0].upper()}{t_fr[1:]} dans {a_fr} {p_fr} : une analyse de {since} à {year}"
    title_en = f"{t_en[0].upper()}{t_en[1:]} in {a_en} {p_en}: an analysis from {since} to {year}"
    sentences = rng.sample(SENTENCES[1:], rng.randrange(2, 7))
    abstract_fr = " ".join([SENTENCES[0][0].format(T=t_fr, A=a_fr, P=p_fr)] + [s[0] for s in sentences])
    abstract_en = " ".join([SENTENCES[0][1].format(Te=t_en, Ae=a_en, Pe=p_en)] + [s[1] for s in sentences])
    uni, code = rng.choice(UNIVERSITIES)
    subjects = rng.sample(SUBJECTS, rng.randrange(3, 7))
    identifier = f"oai:bench.essor.test:thesis-{number:06d}"
    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
    parts = [
        f"<record><header><identifier>{identifier}</identifier>"
        f"<datestamp>{rng.randrange(2015, 2027)}-{month:02d}-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z</datestamp>"
        "<setSpec>type:THESE</setSpec><setSpec>subject:shs</setSpec></header><metadata>",
        DC_OPEN,
        f'\n  <dc:title xml:lang="fr">{title_fr}</dc:title>\n  <dc:title xml:lang="en">{title_en}</dc:title>',
        f"\n  <dc:creator>{rng.choice(LAST)}, {rng.choice(FIRST)}</dc:creator>",
    ]
    for _ in range(rng.randrange(1, 3)):
        parts.append(f"\n  <dc:contributor>{rng.choice(FIRST)} {rng.choice(LAST)}</dc:contributor>")
    parts.append(f"\n  <dc:contributor>{rng.choice(LABS)}</dc:contributor>\n  <dc:contributor>{uni}</dc:contributor>")
    parts.extend(f'\n  <dc:subject xml:lang="fr">{s[0]}</dc:subject>' for s in subjects)
    parts.extend(f'\n  <dc:subject xml:lang="en">{s[1]}</dc:subject>' for s in subjects)
    parts.append(f"\n  <dc:subject>{rng.choice(DOMAINS)}</dc:subject>")
    parts.append(f'\n  <dc:description xml:lang="fr">{abstract_fr}</dc:description>')
    parts.append(f'\n  <dc:description xml:lang="en">{abstract_en}</dc:description>')
    nnt = f"{year}{code}{rng.randrange(10000):04d}"
    parts.append(
        f"\n  <dc:publisher>{uni}</dc:publisher>\n  <dc:date>{year}-{month:02d}-{day:02d}</dc:date>"
        "\n  <dc:type>info:eu-repo/semantics/doctoralThesis</dc:type>\n  <dc:type>Thèse</dc:type>"
        f"\n  <dc:identifier>NNT: {nnt}</dc:identifier>"
        f"\n  <dc:identifier>https://bench.essor.test/these/{nnt}</dc:identifier>"
        f"\n  <dc:language>{'fr' if rng.random() < 0.85 else 'en'}</dc:language>"
        "\n  <dc:rights>info:eu-repo/semantics/openAccess</dc:rights>\n</oai_dc:dc></metadata></record>\n")
    return "".join(parts)


def envelope(body: str, request: str, base_url: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
            f"<responseDate>2026-11-22T12:00:00Z</responseDate>\n{request.format(base=base_url)}\n{body}</OAI-PMH>\n")


def write(path: Path, text: str, with_gzip: bool) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    if with_gzip:
        (path.parent / (path.name + ".gz")).write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    return len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--base-url", default="http://127.0.0.1:8089/oai")
    parser.add_argument("--no-gzip", action="store_true", help="do not write the .gz copies for gzip_static")
    args = parser.parse_args()

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with_gzip = not args.no_gzip
    pages = (args.records + args.page_size - 1) // args.page_size
    if pages > 9999:
        print("at most 9999 pages (tokens are p0001…p9999)", file=sys.stderr)
        return 2
    script_hash = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    stamp = json.dumps({"records": args.records, "page_size": args.page_size, "gzip": with_gzip,
                        "script": script_hash}, sort_keys=True)

    identify = ('<Identify><repositoryName>essor benchmark provider (synthetic theses)</repositoryName>'
                '<baseURL>{base}</baseURL><protocolVersion>2.0</protocolVersion>'
                '<adminEmail>bench@example.org</adminEmail><earliestDatestamp>2015-01-01T00:00:00Z</earliestDatestamp>'
                '<deletedRecord>no</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>\n')
    base = args.base_url
    write(out / "identify.xml", envelope(identify.format(base=base), '<request verb="Identify">{base}</request>', base), with_gzip)
    write(out / "error-badArgument.xml",
          envelope('<error code="badArgument">This static provider only answers Identify and ListRecords '
                   '(metadataPrefix=oai_dc, or resumptionToken=pNNNN).</error>\n', "<request>{base}</request>", base), with_gzip)
    write(out / "error-badResumptionToken.xml",
          envelope('<error code="badResumptionToken">Unknown resumption token.</error>\n', "<request>{base}</request>", base), with_gzip)

    stamp_file = out / "STAMP"
    if stamp_file.exists() and stamp_file.read_text() == stamp and (out / f"p{pages:04d}.xml").exists():
        print(f"pages already generated in {out} ({pages} pages); reusing them")
        return 0

    started = time.perf_counter()
    rng = random.Random(SEED)
    total = 0
    number = 0
    for page in range(1, pages + 1):
        count = min(args.page_size, args.records - number)
        records = "".join(record(rng, number + k + 1) for k in range(count))
        number += count
        if page == 1:
            request = '<request verb="ListRecords" metadataPrefix="oai_dc">{base}</request>'
        else:
            request = f'<request verb="ListRecords" resumptionToken="p{page:04d}">{{base}}</request>'
        if page < pages:
            token = (f'<resumptionToken completeListSize="{args.records}" cursor="{(page - 1) * args.page_size}">'
                     f"p{page + 1:04d}</resumptionToken>\n")
        else:
            token = f'<resumptionToken completeListSize="{args.records}" cursor="{(page - 1) * args.page_size}"/>\n'
        total += write(out / f"p{page:04d}.xml", envelope(f"<ListRecords>\n{records}{token}</ListRecords>\n", request, base),
                       with_gzip)
    stamp_file.write_text(stamp)
    elapsed = time.perf_counter() - started
    print(f"wrote {pages} pages, {args.records} records, {total / 1e6:.1f} MB "
          f"({total / args.records / 1024:.2f} KiB/record) into {out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
