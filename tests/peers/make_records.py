#!/usr/bin/env python3
"""Deterministic generator of realistic French SSE (économie sociale et solidaire) thesis records.

Used two ways:

* as a module by the test peers (`fault_provider.py` builds its scenarios from `make_record`);
* as a command that writes the JSON file `pyoai_server.py` serves:

      python3 tests/peers/make_records.py --count 3000 --seed 42 --out records.json

Each item has the shape `pyoai_server.py` reads:

    {"identifier": "oai:HAL:tel-03000042v1", "datestamp": "2025-03-14T09:26:53Z",
     "deleted": false, "sets": ["type:THESE", "domain:shs.eco"],
     "dc": {"title": [...], "creator": [...], "subject": [...], "description": [...],
            "date": [...], "type": [...], "identifier": [...], "language": [...],
            "publisher": [...]}}

The same (count, seed) always gives byte-identical output, so tests can rely on it.
"""

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone

TOPICS = [
    "Les coopératives d'activité et d'emploi en {region}",
    "L'insertion par l'activité économique dans les quartiers prioritaires de {region}",
    "Les sociétés coopératives d'intérêt collectif (SCIC) et la gouvernance multi-parties prenantes",
    "Monnaies locales complémentaires et territoires : le cas de {region}",
    "La finance solidaire face à la financiarisation",
    "Les mutuelles de santé à l'épreuve de la concurrence européenne",
    "Les associations employeuses du secteur médico-social en {region}",
    "Ressourceries et économie circulaire en {region}",
    "Circuits courts alimentaires, AMAP et épiceries solidaires en {region}",
    "L'entrepreneuriat social en France",
    "Tiers-lieux et fabriques de territoire en {region}",
    "L'habitat participatif et les coopératives d'habitants",
    "Le commerce équitable Nord-Nord",
    "La reprise d'entreprises en SCOP par leurs salariés",
    "Les banques coopératives et la gouvernance sociétariale",
    "Les pôles territoriaux de coopération économique (PTCE) en {region}",
    "Le bénévolat associatif après la crise sanitaire",
    "Les entreprises adaptées et l'emploi des travailleurs handicapés",
    "Les régies de quartier, entre insertion et démocratie locale",
    "L'agrément ESUS et la mesure de l'impact social",
]

SUBTITLES = [
    "une approche par les communs",
    "enjeux de gouvernance et de démocratie interne",
    "entre institutionnalisation et innovation sociale",
    "une ethnographie (2015-2022)",
    "analyse comparée France–Québec",
    "trajectoires, tensions et compromis",
    "une sociologie des engagements",
    "quelle place pour les salarié·e·s ?",
    "évaluation, financement et utilité sociale",
    "du militantisme à la professionnalisation",
]

REGIONS = [
    "Bretagne", "Occitanie", "Hauts-de-France", "Auvergne-Rhône-Alpes", "Île-de-France",
    "Nouvelle-Aquitaine", "Grand Est", "La Réunion", "Provence-Alpes-Côte d'Azur",
    "Pays de la Loire", "Bourgogne-Franche-Comté", "Centre-Val de Loire", "Normandie",
]

LAST_NAMES = [
    "Dupont", "Lefèvre", "Martin", "Bernard", "Nguyen", "Benali", "Le Goff", "Moreau",
    "Fournier", "Girard", "Rousseau", "Mercier", "Chevalier", "Lambert", "Faure", "Bonnet",
    "François", "Ménard", "Hélie", "Le Bihan", "Boëdec", "Caron", "Delacroix", "Kerjean",
    "Aït-Ahmed", "Da Silva", "Perrin", "Gauthier", "Lemaître", "Rivière",
]

FIRST_NAMES = [
    "Marie", "Jean-Baptiste", "Élodie", "Léa", "Chloé", "Théo", "Hélène", "Zoé", "Gaëlle",
    "Noémie", "François", "Jérôme", "Anaïs", "Inès", "Yanis", "Maël", "Clémence", "Loïc",
    "Agnès", "Benoît",
]

UNIVERSITIES = [
    ("Université Rennes 2", "REN2"),
    ("Université de Lille", "ULIL"),
    ("Université Paris-Est Créteil Val-de-Marne", "PEST"),
    ("Université Grenoble Alpes", "GREA"),
    ("Université de Montpellier", "MONT"),
    ("Conservatoire national des arts et métiers (CNAM)", "CNAM"),
    ("Université Lumière Lyon 2", "LYO2"),
    ("Aix-Marseille Université", "AIXM"),
    ("Université de Bordeaux", "BORD"),
    ("Université de Strasbourg", "STRA"),
    ("Université de Nantes", "NANT"),
    ("Université de La Réunion", "LARE"),
]

DISCIPLINES = [
    ("shs.eco", "Sciences économiques"),
    ("shs.socio", "Sociologie"),
    ("shs.gestion", "Sciences de gestion"),
    ("shs.scipo", "Science politique"),
    ("shs.droit", "Droit"),
    ("shs.geo", "Géographie"),
]

SUBJECTS = [
    "Économie sociale et solidaire", "Coopératives", "Innovation sociale", "Gouvernance",
    "Associations", "Mutualisme", "Utilité sociale", "Développement territorial",
    "Communs", "Insertion professionnelle", "Finance solidaire", "Démocratie économique",
    "Bénévolat", "Sociétés coopératives et participatives (SCOP)", "Entrepreneuriat social",
]

ABSTRACT_SENTENCES = [
    "Cette thèse interroge la manière dont {org} concilient projet politique et contraintes économiques.",
    "À partir d'une enquête de terrain menée entre {y1} et {y2} auprès de {n} structures, nous analysons les formes de gouvernance démocratique.",
    "Nous montrons que l'hybridation des ressources (marchandes, non marchandes et non monétaires) conditionne la pérennité des projets.",
    "Le cadre théorique mobilise l'économie des conventions et les travaux d'Elinor Ostrom sur les communs.",
    "L'analyse met en évidence des tensions entre professionnalisation et participation des bénévoles.",
    "La loi du 31 juillet 2014 relative à l'économie sociale et solidaire a profondément modifié le paysage institutionnel.",
    "Les résultats soulignent le rôle des collectivités territoriales dans l'émergence de coopérations économiques locales.",
    "Une typologie des trajectoires est proposée, fondée sur {n} entretiens semi-directifs et une analyse documentaire.",
    "Nous discutons enfin les limites de l'évaluation de l'impact social et proposons des indicateurs alternatifs.",
    "Le travail s'appuie sur une méthodologie mixte, combinant questionnaires (n = {n}) et observation participante.",
]

ORGS = [
    "les coopératives", "les associations", "les mutuelles", "les entreprises sociales",
    "les SCIC", "les structures d'insertion", "les fondations",
]

# Datestamps are drawn in this window: safely in the past for a harvester whose `until` is "now".
DATESTAMP_START = datetime(2021, 1, 4, 8, 0, 0, tzinfo=timezone.utc)
DATESTAMP_SPAN_SECONDS = 5 * 365 * 24 * 3600


def format_datestamp(moment):
    """Seconds granularity, UTC, as OAI-PMH wants it: YYYY-MM-DDThh:mm:ssZ."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(rng):
    return f"{rng.choice(LAST_NAMES)}, {rng.choice(FIRST_NAMES)}"


def make_record(rng, number, identifier=None, datestamp=None):
    """One live record; `number` makes the identifier, the NNT and the HAL id unique."""
    university, etab_code = rng.choice(UNIVERSITIES)
    discipline_code, discipline_name = rng.choice(DISCIPLINES)
    region = rng.choice(REGIONS)
    is_thesis = rng.random() < 0.8
    defence_year = rng.randint(2008, 2025)
    hal_id = f"{'tel' if is_thesis else 'dumas'}-{3000000 + number:08d}"
    nnt = f"{defence_year}{etab_code}{rng.choice('AEGHLTDS')}{number % 1000:03d}"
    title = f"{rng.choice(TOPICS).format(region=region)} : {rng.choice(SUBTITLES)}"
    n = rng.randint(12, 180)
    sentences = rng.sample(ABSTRACT_SENTENCES, 3)
    abstract = " ".join(
        s.format(org=rng.choice(ORGS), y1=defence_year - 4, y2=defence_year - 1, n=n) for s in sentences
    )
    if datestamp is None:
        datestamp = format_datestamp(DATESTAMP_START + timedelta(seconds=rng.randrange(DATESTAMP_SPAN_SECONDS)))
    if identifier is None:
        identifier = f"oai:HAL:{hal_id}v1"
    defence_date = f"{defence_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    dc = {
        "title": [title],
        "creator": [person(rng)],
        "contributor": [person(rng)],
        "subject": sorted(rng.sample(SUBJECTS, 3)) + [f"[{discipline_code.upper()}]{discipline_name}"],
        "description": [abstract],
        "publisher": [university],
        "date": [defence_date],
        "type": (
            ["info:eu-repo/semantics/doctoralThesis", "Thèse"]
            if is_thesis
            else ["info:eu-repo/semantics/masterThesis", "Mémoire"]
        ),
        "identifier": (
            [f"NNT: {nnt}", f"https://theses.fr/{nnt}", f"https://theses.hal.science/{hal_id}"]
            if is_thesis
            else [f"https://dumas.ccsd.cnrs.fr/{hal_id}"]
        ),
        "language": ["fr"],
        "rights": ["info:eu-repo/semantics/OpenAccess"],
    }
    sets = ["type:THESE" if is_thesis else "type:MEM", f"domain:{discipline_code}"]
    return {"identifier": identifier, "datestamp": datestamp, "deleted": False, "sets": sets, "dc": dc}


def make_records(count, seed=42):
    """`count` records sorted by identifier, deterministic from `seed`."""
    rng = random.Random(seed)
    return [make_record(rng, number) for number in range(1, count + 1)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="-", help="output file, '-' for stdout")
    args = parser.parse_args(argv)
    text = json.dumps(make_records(args.count, args.seed), ensure_ascii=False, indent=1)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
