#!/usr/bin/env python3
"""Writes the offline samples of essor's non-OAI source kinds into ``files/`` and what a correct
harvest of them finds into ``expected-kinds.json`` (deterministic: same bytes each time;
standard library only). The OAI-PMH dumps are ``generate.py``'s.

Everything is synthetic: programmes, publications, theses and people are invented for essor's
demo; institutions and places are real names. Each file copies the shape and the quirks of the
real system it stands for (see ../../../shared/fixtures/non-oai/README.md):

* ``sample-ideo-formations.csv`` (kind csv): ONISEP Idéo's ``;`` CSV, UTF-8 with a BOM,
  multi-values joined by `` | ``, the certification level counted backwards (1 = niveau 7),
  RNCP codes without their prefix, ``non renseigné`` as a null, ``dd/mm/yyyy`` dates, a title
  with a line break inside quotes, one row without a title (a reject), programmes of every
  field (only the ESS ones become works);
* ``sample-observatoire-etudes.json`` (kind json): an observatory's list of studies, one JSON
  document;
* ``sample-ods-cress/page-0001.json`` (kind opendatasoft): a saved Explore API v2.1
  ``/records`` answer (``total_count``, flat ``results``) of a regional CRESS dataset;
* ``sample-feed-cress.xml`` (kind feed): an RSS 2.0 feed of notes, HTML in CDATA, RFC 822
  dates, ``dc:creator``, an item without a ``guid`` (known by its link);
* ``sample-hal-api/page-000N.json`` (kind hal-api): saved HAL search answers (reports), single values as
  arrays, ``_fs`` packs, ``docid`` as a string, a ``nextCursorMark`` with ``+ / =``;
* ``sample-theses-fr/page-0001.json`` (kind theses-fr): a saved theses.fr answer,
  ``dd/MM/yyyy`` dates, a thesis in preparation (``s…`` id, no NNT, ``titreEN`` empty).

    python3 harvest-sources/samples/generate_kinds.py
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

# ---------------------------------------------------------------------------------------------
# Idéo (csv)

IDEO_COLUMNS = [
    "code scolarité", "type de formation", "libellé type formation", "libellé formation principal",
    "sigle type formation", "libellé formation complémentaire", "tutelle", "niveau de sortie (indicatif)",
    "code RNCP", "niveau de certification", "libellé niveau de certification", "code CPF", "durée",
    "URL et ID Onisep", "domaine/sous-domaine", "date de modification",
]

# (id, type, title, level (Idéo's inverted scale), RNCP, domains, modified, ess)
IDEO_ROWS = [
    ("FOR.9101", "licence professionnelle", "licence pro intervention sociale : économie sociale et solidaire", "3", "30093",
     "économie sociale et solidaire | action sociale", "12/03/2025", True),
    ("FOR.9102", "master", "master économie sociale et solidaire", "1", "34045",
     "économie sociale et solidaire | gestion des organisations", "04/11/2024", True),
    ("FOR.9103", "master", "master management des entreprises de l'économie sociale et solidaire", "1", "34046",
     "économie sociale et solidaire | management", "04/11/2024", True),
    ("FOR.9104", "titre professionnel", "chargé de développement des coopératives et des associations", "2", "36510",
     "coopératives | associations", "20/01/2025", True),
    ("FOR.9105", "diplôme d'État", "DEJEPS spécialité animation socio-éducative ou culturelle, mention développement de projets associatifs", "4",
     "4910", "animation | vie associative", "02/09/2024", True),
    ("FOR.9106", "licence professionnelle", "licence pro gestion des mutuelles et de la protection sociale complémentaire", "3", "30120",
     "mutuelles | assurance", "15/05/2024", True),
    ("FOR.9107", "master", "master finance solidaire et microfinance", "1", "35912",
     "finance solidaire | économie sociale et solidaire", "30/06/2025", True),
    ("FOR.9108", "diplôme d'université", "DU entrepreneuriat social et insertion par l'activité économique", "0", "non renseigné",
     "insertion par l'activité économique | entrepreneuriat social", "08/10/2024", True),
    ("FOR.9201", "BTS", "BTS maintenance des systèmes option systèmes de production", "4", "35323",
     "industrie | maintenance", "18/02/2025", False),
    ("FOR.9202", "BUT", "BUT génie électrique et informatique industrielle", "3", "35366",
     "électronique | informatique industrielle", "18/02/2025", False),
    ("FOR.9203", "CAP", "CAP pâtissier", "5", "37143", "alimentation | hôtellerie-restauration", "11/12/2024", False),
    ("FOR.9204", "master", "master chimie analytique", "1", "34291", "chimie | analyse", "01/07/2024", False),
]


def ideo_csv() -> tuple[bytes, dict]:
    lines = [";".join(IDEO_COLUMNS)]
    for ident, kind, title, level, rncp, domains, modified, _ in IDEO_ROWS:
        if ident == "FOR.9105":
            # A long title broken over two lines inside its quotes, as Idéo's exports have.
            title = '"DEJEPS spécialité animation socio-éducative ou culturelle,\nmention développement de projets associatifs"'
        level_label = {"1": "niveau 7 (bac + 5)", "2": "niveau 6 (bac + 3 ou 4)", "3": "niveau 6 (bac + 3 ou 4)",
                       "4": "niveau 5 (bac + 2)", "5": "niveau 3 (CAP, BEP)", "0": "non renseigné"}[level]
        cells = ["non renseigné", kind, kind, title, "", "", "ministère chargé de l'enseignement supérieur",
                 "", rncp, level, level_label, "", "", f"https://www.onisep.fr/http/redirection/formation/slug/{ident}",
                 domains, modified]
        lines.append(";".join(cells))
    # A row whose title is missing: kept aside as a reject, never dropped.
    lines.append(";".join(["non renseigné", "master", "master", "", "", "", "", "", "34999", "1", "niveau 7 (bac + 5)",
                           "", "", "https://www.onisep.fr/http/redirection/formation/slug/FOR.9999", "gestion", "01/01/2025"]))
    text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    live = len(IDEO_ROWS)
    return text.encode("utf-8"), {"kind": "csv", "records": live, "live": live, "deleted": [], "rejected": 1,
                                  "ess": sum(1 for row in IDEO_ROWS if row[-1])}


# ---------------------------------------------------------------------------------------------
# An observatory's studies (json)

STUDIES = [
    ("etude-2025-01", "Les coopératives d'activité et d'emploi en Nouvelle-Aquitaine : dix ans d'accompagnement",
     ["Camille Roux", "Hugo Martin"], "2025-02-14", "coopératives | emploi"),
    ("etude-2024-07", "Les associations employeuses face à la hausse des coûts de l'énergie",
     ["Léa Fontaine"], "2024-10-03", "associations | énergie"),
    ("etude-2024-03", "Panorama de l'économie sociale et solidaire en Occitanie, édition 2024",
     ["Observatoire régional de l'ESS"], "2024-04-22", "panorama | emploi"),
    ("etude-2023-11", "Les sociétés coopératives d'intérêt collectif dans les services à la personne",
     ["Nadia Benali", "Paul Girard"], "2023-12-05", "SCIC | services à la personne"),
    ("etude-2023-05", "Finance solidaire et fonds territoriaux : quels outils pour les structures de l'ESS ?",
     ["Julien Moreau"], "2023-06-19", "finance solidaire"),
]


def observatory_json() -> tuple[bytes, dict]:
    data = {
        "meta": {"producer": "Observatoire de l'ESS (synthetic sample)", "count": len(STUDIES)},
        "data": [
            {"slug": slug, "attributes": {"title": title, "authors": authors, "published": published,
                                           "tags": tags, "url": f"https://observatoire.example/etudes/{slug}"}}
            for slug, title, authors, published, tags in STUDIES
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), {
        "kind": "json", "records": len(STUDIES), "live": len(STUDIES), "deleted": [], "rejected": 0, "ess": len(STUDIES)}


# ---------------------------------------------------------------------------------------------
# A CRESS dataset on an OpenDataSoft portal (opendatasoft)

CRESS = [
    ("bre-2025-pan", "Panorama de l'ESS en Bretagne 2025", "panorama", "2025-03-18", "FR-BRE", "emploi, établissements"),
    ("bre-2024-conj", "Note de conjoncture de l'ESS bretonne, second semestre 2024", "note de conjoncture", "2025-01-28", "FR-BRE", "conjoncture, emploi"),
    ("pdl-2024-asso", "Les associations employeuses en Pays de la Loire", "étude", "2024-09-10", "FR-PDL", "associations, emploi"),
    ("pdl-2024-coop", "Les coopératives agricoles et l'emploi rural en Pays de la Loire", "étude", "2024-06-04", "FR-PDL", "coopératives, agriculture"),
    ("hdf-2023-fem", "Égalité femmes-hommes dans les structures de l'ESS des Hauts-de-France", "étude", "2023-11-23", "FR-HDF", "égalité, emploi"),
    ("hdf-2023-conj", "Note de conjoncture de l'ESS, premier semestre 2023", "note de conjoncture", "2023-09-14", "FR-HDF", "conjoncture"),
    ("ara-2023-mut", "Les mutuelles de santé en Auvergne-Rhône-Alpes : emplois et territoires", "étude", "2023-05-30", "FR-ARA", "mutuelles, santé"),
]


def ods_records() -> tuple[bytes, dict]:
    results = [
        {"identifiant": ident, "titre": title, "type_publication": kind, "date_publication": published,
         "code_region": region, "mots_cles": keywords, "producteur": "CRESS (synthetic sample)",
         "lien": f"https://data.cress.example/explore/dataset/publications-observatoire/{ident}",
         "geo_point_2d": {"lat": 48.1147, "lon": -1.6794}}
        for ident, title, kind, published, region, keywords in CRESS
    ]
    page = {"total_count": len(results), "results": results}
    return (json.dumps(page, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), {
        "kind": "opendatasoft", "records": len(CRESS), "live": len(CRESS), "deleted": [], "rejected": 0, "ess": len(CRESS)}


# ---------------------------------------------------------------------------------------------
# A CRESS feed (feed)

NOTES = [
    ("Note de conjoncture : l'emploi dans l'ESS au troisième trimestre 2025", "notes/conjoncture-2025-t3",
     "Thu, 13 Nov 2025 09:00:00 +0100", "Les effectifs des associations et des coopératives progressent de 0,8 %."),
    ("Les jeunes et l'engagement associatif en région", "notes/jeunes-engagement",
     "Tue, 07 Oct 2025 10:30:00 +0200", "Bénévolat, service civique et premiers emplois dans les associations."),
    ("Reprise d'entreprises par les salariés en SCOP : bilan 2024", "notes/reprise-scop-2024",
     "Mon, 16 Jun 2025 08:00:00 +0200", "Vingt-deux reprises en SCOP, 410 emplois maintenus."),
    ("Chiffres clés de l'économie sociale et solidaire 2025", "notes/chiffres-cles-2025",
     "Wed, 02 Apr 2025 14:00:00 +0200", "Établissements, salariés et rémunérations de l'ESS, par famille."),
    ("Les fondations employeuses : un portrait", "notes/fondations",
     "Fri, 17 Jan 2025 11:00:00 +0100", "Les fondations emploient 4 % des salariés de l'ESS régionale."),
]


def cress_feed() -> tuple[bytes, dict]:
    items = []
    for index, (title, path, date, summary) in enumerate(NOTES):
        link = f"https://www.cress.example/{path}"
        guid = "" if index == 2 else f'    <guid isPermaLink="false">cress-note-{index + 1}</guid>\n'
        items.append(
            "  <item>\n"
            f"    <title>{title.replace('&', '&amp;')}</title>\n"
            f"    <link>{link}</link>\n"
            f"{guid}"
            f"    <pubDate>{date}</pubDate>\n"
            "    <dc:creator>Observatoire régional de l'ESS</dc:creator>\n"
            "    <category>Observatoire</category>\n"
            f"    <description><![CDATA[<p>{summary}</p>]]></description>\n"
            "  </item>\n"
        )
    text = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            '<channel>\n  <title>CRESS (synthetic sample) : publications de l\'observatoire</title>\n'
            '  <link>https://www.cress.example/</link>\n'
            '  <description>Notes et études de l\'observatoire régional de l\'ESS</description>\n'
            '  <atom:link href="https://www.cress.example/rss.xml" rel="self" type="application/rss+xml"/>\n'
            + "".join(items) + "</channel>\n</rss>\n")
    return text.encode("utf-8"), {"kind": "feed", "records": len(NOTES), "live": len(NOTES), "deleted": [],
                                  "rejected": 0, "ess": len(NOTES)}


# ---------------------------------------------------------------------------------------------
# HAL's search API (hal-api)

HAL_DOCS = [
    ("9061001", "hal-09061001", "REPORT", "Les pôles territoriaux de coopération économique : état des lieux", ["Marie Dubois", "Karim Haddad"], "2024-11", "shs.eco"),
    ("9061002", "hal-09061002", "REPORT", "Évaluer l'utilité sociale des structures de l'insertion par l'activité économique", ["Sophie Lambert"], "2023", "shs.socio"),
    ("9061003", "hal-09061003", "REPORT", "Gouverner une coopérative de plateforme : démocratie et numérique", ["Antoine Perrin"], "2025-06-27", "shs.gestion"),
    ("9061004", "hal-09061004", "REPORT", "Les tiers-lieux associatifs en milieu rural", ["Élodie Marchand", "Luc Besson"], "2024-03-15", "shs.geo"),
    ("9061005", "hal-09061005", "REPORT", "Les mutuelles face à la concentration du marché de la complémentaire santé", ["Claire Vidal"], "2022-12-09", "shs.eco"),
    ("9061006", "hal-09061006", "REPORT", "Monnaies locales complémentaires et circuits courts : une enquête", ["Thomas Garnier"], "2026", "shs.eco"),
]


def hal_pages() -> tuple[list[bytes], dict]:
    docs = []
    for docid, hal_id, kind, title, authors, date, domain in HAL_DOCS:
        docs.append({
            "docid": docid, "halId_s": hal_id, "docType_s": kind, "title_s": [title],
            "authFullNamePersonIDIDHal_fs": [f"{name}_FacetSep_{800000 + i}_FacetSep_" for i, name in enumerate(authors)],
            "producedDate_s": date, "domainAllCode_s": [domain.split(".")[0], domain],
            "keyword_s": ["économie sociale et solidaire"], "language_s": ["fr"],
            "uri_s": f"https://hal.science/{hal_id}",
        })
    pages = []
    marks = ["AoJ4nsxFKzkwNjEwMDM=", "AoJ4/+xFKzkwNjEwMDY="]
    for number, start in enumerate(range(0, len(docs), 3)):
        page = {"response": {"numFound": len(docs), "start": 0, "numFoundExact": True, "docs": docs[start:start + 3]},
                "nextCursorMark": marks[number]}
        pages.append((json.dumps(page, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return pages, {"kind": "hal-api", "records": len(docs), "live": len(docs), "deleted": [], "rejected": 0, "ess": len(docs)}


# ---------------------------------------------------------------------------------------------
# theses.fr (theses-fr)

THESES = [
    ("2021NANT2034", "L'économie sociale et solidaire face aux politiques de l'emploi", "",
     ("Bernard", "Julie", "28571234X"), ("Draperi", "Jean-François", "03306316X"), "Nantes Université", "Sciences économiques", "08/12/2021", "soutenue"),
    ("2023LYO20012", "Cooperative banks and local development in France", "Cooperative banks and local development in France",
     ("Morel", "Adrien", "26012345X"), ("Gianfaldoni", "Patrick", "07712345X"), "Université Lumière Lyon 2", "Sciences de gestion", "15/06/2023", "soutenue"),
    ("2024REN20021", "Les associations d'éducation populaire à l'épreuve de la commande publique", "",
     ("Le Bihan", "Gwenaëlle", None), ("Laville", "Jean-Louis", "02742593X"), "Université Rennes 2", "Sociologie", "27/09/2024", "soutenue"),
    ("s412233", "Les coopératives d'habitants en milieu rural : habiter et gouverner", "",
     ("Nguyen", "Linh", None), ("Draperi", "Jean-François", "03306316X"), "Conservatoire national des arts et métiers", "Sociologie", None, "enCours"),
]


def theses_page() -> tuple[bytes, dict]:
    theses = []
    for ident, title, title_en, author, advisor, institution, discipline, defended, status in THESES:
        person = lambda p: {"nom": p[0], "prenom": p[1], "ppn": p[2]}  # noqa: E731
        theses.append({
            "id": ident, "titrePrincipal": title, "titreEN": title_en, "etabSoutenanceN": institution,
            "etabSoutenancePpn": None, "dateSoutenance": defended,
            "datePremiereInscriptionDoctorat": None if defended else "01/10/2024",
            "auteurs": [person(author)], "directeurs": [person(advisor)], "rapporteurs": [], "examinateurs": [],
            "president": None, "nnt": ident if defended else None, "doi": None, "discipline": discipline,
            "status": status, "ecolesDoctorale": [], "partenairesDeRecherche": [],
            "sujets": [{"langue": "fr", "libelle": "Économie sociale et solidaire"}], "sujetsRameau": [],
        })
    page = {"totalHits": len(theses), "took": 4, "theses": theses}
    return (json.dumps(page, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), {
        "kind": "theses-fr", "records": len(theses), "live": len(theses), "deleted": [], "rejected": 0, "ess": len(theses)}


def main() -> int:
    expected = {}
    FILES.mkdir(exist_ok=True)
    written = {}

    def put(relative: str, data: bytes) -> None:
        path = FILES / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[relative] = len(data)

    data, expected["sample-ideo-formations"] = ideo_csv()
    put("sample-ideo-formations.csv", data)
    data, expected["sample-observatoire-etudes"] = observatory_json()
    put("sample-observatoire-etudes.json", data)
    data, expected["sample-ods-cress"] = ods_records()
    put("sample-ods-cress/page-0001.json", data)
    data, expected["sample-feed-cress"] = cress_feed()
    put("sample-feed-cress.xml", data)
    pages, expected["sample-hal-api"] = hal_pages()
    for number, page in enumerate(pages, start=1):
        put(f"sample-hal-api/page-{number:04}.json", page)
    data, expected["sample-theses-fr"] = theses_page()
    put("sample-theses-fr/page-0001.json", data)

    document = {"_comment": "What a correct harvest of the non-OAI samples finds. Written by generate_kinds.py; do not edit.",
                "sources": expected}
    (HERE / "expected-kinds.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for relative, size in written.items():
        print(f"files/{relative}: {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
