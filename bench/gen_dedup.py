#!/usr/bin/env python3
"""Synthetic ESS records with known duplicates, for the deduplication benchmark (issue 3).

    python3 bench/gen_dedup.py --records 100000 --duplicates 0.2 --out /tmp/essor-dedup-bench/n100000

Writes, under --out:
  records.jsonl                 one labelled record per line, in the shape `essor dedup-eval` reads
                                (src/dedup/eval.rs LabelledRecord: source, identifier, format, sets,
                                datestamp, record = what src/map/oai_dc.rs makes of the XML, work =
                                the label). The same records, in the same order, as the dumps.
  dumps/<source>/page-NNNN.xml.gz
                                the same records as OAI-PMH 2.0 ListRecords oai_dc pages of
                                --page-size records (default 1000), gzipped, one folder per source
  sources/<source>.toml         `kind = "oai-pmh-dump"` source files for them (paths relative)
  changes/dumps/bench-hal/page-9999.xml.gz
                                --changes (default 1000) existing bench-hal identifiers re-issued
                                with a newer datestamp and an edited title (typo fixed, subtitle
                                added or changed, case or accents normalised, English title added,
                                a few retitled outright)
  changes/sources/*.toml        the same three sources, bench-hal's `path` pointing at the change
                                page alone: `essor --sources changes/sources harvest --source
                                bench-hal` re-harvests just those 1,000 records into the same
                                (source, identifier) keys
  labels.tsv                    source, OAI identifier and work label of every record (tab-separated),
                                to score the works essor builds in its store against the labels
  manifest.json                 parameters and counts (records, works, duplicates, pairs, sources)

THE RECORDS
  Works are doctoral theses (~47%), master's dissertations (~38%) and studies/reports (~15%) on
  ESS subjects. Titles are combinatorial (actor x sector x theme x angle x place x case x method,
  ~20 templates, French with an English translation for most theses) so that blocking keys (first
  and last significant title words, author family names) stay selective as in a real corpus; a
  few templates are generic on purpose ("Contribution à l'analyse …", "L'économie sociale et
  solidaire en …", "Entre … et …"), as real corpora have such heads. Family names: ~35% from a
  Zipf-weighted list of 300 common names, ~65% built from syllables (tens of thousands of rare
  names), so that author blocks have the long tail of real ones. Abstracts are 600-1,500 characters
  (French, plus English for most theses); 4-10 keywords.

  Sources (3), each in its own conventions:
    bench-theses-fr   role thesis-catalogue: doctoral theses only, `oai:theses.fr:<NNT>`, the NNT
                      only inside https://theses.fr/<NNT>, grantor short name, fr + en titles
    bench-hal         role open-archive: theses (set type:THESE, tel-…), master's (type:MEM,
                      dumas-…), reports (type:REPORT, halshs-…); "NNT: …" on 60% of thesis copies;
                      advisors as "Given Family"; the English title first on some records
    bench-univ        role institutional-repository: DSpace-like, handles, "FAMILY Given" or
                      "Family, Given", year-only dates, "NNT : …" or a theses.fr URL on 30% of thesis
                      copies, French title only

  Duplicates: --duplicates is the share of records that are extra copies of a work already
  written (default 0.2: 80% of records are first copies, 20% are copies of one of them in
  another source; ~1 in 8 duplicated works, all of them theses, is in all three sources). A copy
  is rendered in its own source's conventions and then varied: capitals lose accents / all accents dropped /
  upper or lower case, subtitle dropped or joined by another separator, a typo, truncation, the
  author as "Dupont, Marie" / "Marie Dupont" / "DUPONT Marie" / "Dupont, M.", the year ±1
  (deposit vs defence), abstract or keywords missing. Hard negatives: 2% of doctoral authors also
  have an earlier master's dissertation (a different work) on a close or identical title; common
  family names make homonyms; generic templates make same-title different-author works.

  Order: each source's records are locally shuffled (a 20,000-record window), so the copies of a
  work are far apart in the dumps, as in real harvests.

Everything is synthetic: people, titles, case organisations and identifiers (HAL ids 09000000+,
handles under the fictitious prefix 20.500.99901, NNTs of invented sequence numbers) are invented.
Standard library only; the same --seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
import unicodedata
from pathlib import Path

# ----------------------------------------------------------------------------------------------
# Vocabulary: (French, English) pairs. French noun phrases carry their article.
# ----------------------------------------------------------------------------------------------

ORGS = [
    ("les coopératives agricoles", "agricultural cooperatives"),
    ("les sociétés coopératives et participatives", "worker cooperatives"),
    ("les sociétés coopératives d'intérêt collectif", "multi-stakeholder cooperatives"),
    ("les coopératives d'activité et d'emploi", "business and employment cooperatives"),
    ("les coopératives d'habitants", "housing cooperatives"),
    ("les coopératives de consommateurs", "consumer cooperatives"),
    ("les banques coopératives", "cooperative banks"),
    ("les mutuelles de santé", "health mutuals"),
    ("les mutuelles d'assurance", "mutual insurers"),
    ("les associations employeuses", "employer associations"),
    ("les associations d'éducation populaire", "popular education associations"),
    ("les associations de solidarité internationale", "international solidarity associations"),
    ("les petites associations", "small associations"),
    ("les fondations", "foundations"),
    ("les fonds de dotation", "endowment funds"),
    ("les entreprises sociales", "social enterprises"),
    ("les entreprises d'insertion", "work integration enterprises"),
    ("les ateliers et chantiers d'insertion", "integration workshops"),
    ("les structures d'insertion par l'activité économique", "work integration organisations"),
    ("les entreprises adaptées", "sheltered enterprises"),
    ("les groupements d'employeurs", "employer groups"),
    ("les régies de quartier", "neighbourhood management organisations"),
    ("les tiers-lieux", "third places"),
    ("les épiceries solidaires", "social grocery stores"),
    ("les ressourceries", "reuse centres"),
    ("les monnaies locales complémentaires", "local complementary currencies"),
    ("les clubs d'investisseurs solidaires", "solidarity investment clubs"),
    ("les plateformes coopératives", "platform cooperatives"),
    ("les jardins partagés", "community gardens"),
    ("les associations pour le maintien d'une agriculture paysanne", "community-supported agriculture groups"),
    ("les centres sociaux", "social centres"),
    ("les pôles territoriaux de coopération économique", "territorial economic cooperation hubs"),
    ("les entreprises solidaires d'utilité sociale", "solidarity enterprises of social utility"),
    ("les coopératives funéraires", "funeral cooperatives"),
    ("les fablabs associatifs", "community fablabs"),
    ("les habitats participatifs", "cohousing projects"),
    ("les institutions de microfinance", "microfinance institutions"),
    ("les sociétés de secours mutuels", "friendly societies"),
    ("les coopératives d'utilisation de matériel agricole", "farm machinery cooperatives"),
    ("les initiatives citoyennes", "citizen initiatives"),
    ("les communautés énergétiques citoyennes", "citizen energy communities"),
    ("les services d'aide à domicile associatifs", "non-profit home care services"),
    ("les organisations paysannes", "farmers' organisations"),
    ("les incubateurs d'innovation sociale", "social innovation incubators"),
    ("les entreprises à mission", "purpose-driven companies"),
    ("les collectifs d'artistes", "artists' collectives"),
    ("les coopératives scolaires", "school cooperatives"),
    ("les mutuelles étudiantes", "student mutuals"),
    ("les associations de consommateurs", "consumer associations"),
    ("les organisations non gouvernementales", "non-governmental organisations"),
    ("les coopératives laitières", "dairy cooperatives"),
    ("les coopératives viticoles", "wine cooperatives"),
    ("les coopératives de commerçants", "retailer cooperatives"),
    ("les sociétés d'assurance mutuelle", "mutual insurance companies"),
]

SECTORS = [
    ("du secteur sanitaire et social", "in health and social care"),
    ("de la petite enfance", "in early childhood care"),
    ("du logement", "in housing"),
    ("de l'alimentation", "in the food sector"),
    ("de l'énergie", "in energy"),
    ("de la culture", "in the cultural sector"),
    ("du sport", "in sport"),
    ("du tourisme social", "in social tourism"),
    ("de l'aide à domicile", "in home care"),
    ("du numérique", "in the digital economy"),
    ("de la mobilité", "in mobility"),
    ("du réemploi", "in reuse"),
    ("de l'agroalimentaire", "in the agri-food sector"),
    ("du bâtiment", "in construction"),
    ("de la filière bois", "in the wood industry"),
    ("de la pêche artisanale", "in small-scale fisheries"),
    ("de l'eau", "in water management"),
    ("du handicap", "in disability services"),
    ("de l'enseignement", "in education"),
    ("de la presse", "in the press"),
    ("du commerce équitable", "in fair trade"),
    ("de la viticulture", "in wine growing"),
    ("du textile", "in textiles"),
    ("de la santé mentale", "in mental health"),
    ("de l'insertion des jeunes", "in youth integration"),
    ("des services à la personne", "in personal services"),
    ("de l'économie circulaire", "in the circular economy"),
    ("de la médiation sociale", "in social mediation"),
    ("du transport", "in transport"),
    ("de l'hébergement d'urgence", "in emergency housing"),
    ("de l'édition", "in publishing"),
    ("du spectacle vivant", "in the performing arts"),
]

THEMES = [
    ("la gouvernance démocratique", "democratic governance"),
    ("l'hybridation des ressources", "resource hybridisation"),
    ("la professionnalisation", "professionalisation"),
    ("la mesure de l'impact social", "social impact measurement"),
    ("l'évaluation de l'utilité sociale", "social utility assessment"),
    ("l'innovation sociale", "social innovation"),
    ("le financement participatif", "crowdfunding"),
    ("la transition écologique", "the ecological transition"),
    ("l'ancrage territorial", "territorial embeddedness"),
    ("les circuits courts alimentaires", "short food supply chains"),
    ("la qualité de l'emploi", "job quality"),
    ("l'engagement bénévole", "volunteer engagement"),
    ("la précarité énergétique", "fuel poverty"),
    ("l'économie circulaire", "the circular economy"),
    ("la commande publique responsable", "responsible public procurement"),
    ("les politiques publiques locales", "local public policies"),
    ("la participation des usagers", "user participation"),
    ("le développement local", "local development"),
    ("la coopération intercommunale", "inter-municipal cooperation"),
    ("la démocratie au travail", "workplace democracy"),
    ("la transmission d'entreprise", "business transfer"),
    ("la reprise d'entreprise par les salariés", "employee buyouts"),
    ("les rapports de genre", "gender relations"),
    ("la santé au travail", "occupational health"),
    ("la gestion des ressources humaines", "human resource management"),
    ("le bénévolat de compétences", "skills-based volunteering"),
    ("la financiarisation", "financialisation"),
    ("la responsabilité sociale", "social responsibility"),
    ("l'isomorphisme institutionnel", "institutional isomorphism"),
    ("les communs", "the commons"),
    ("la gestion des communs", "the governance of the commons"),
    ("l'entrepreneuriat social", "social entrepreneurship"),
    ("l'insertion professionnelle", "labour market integration"),
    ("la lutte contre l'exclusion", "the fight against exclusion"),
    ("la cohésion sociale", "social cohesion"),
    ("la revitalisation rurale", "rural revitalisation"),
    ("la politique de la ville", "urban policy"),
    ("l'action publique", "public action"),
    ("la contractualisation", "contracting"),
    ("les appels à projets", "calls for projects"),
    ("le mécénat d'entreprise", "corporate philanthropy"),
    ("la philanthropie", "philanthropy"),
    ("la finance solidaire", "solidarity finance"),
    ("le microcrédit", "microcredit"),
    ("la sobriété", "sufficiency"),
    ("l'agroécologie", "agroecology"),
    ("la souveraineté alimentaire", "food sovereignty"),
    ("l'accès au logement", "access to housing"),
    ("le vieillissement", "ageing"),
    ("l'accompagnement des créateurs", "support for entrepreneurs"),
    ("la formation professionnelle", "vocational training"),
    ("la reconnaissance des compétences", "skills recognition"),
    ("le leadership", "leadership"),
    ("la coopération entre acteurs", "cooperation between actors"),
    ("les réseaux d'acteurs", "actor networks"),
    ("la mutualisation", "pooling"),
    ("le changement d'échelle", "scaling up"),
    ("la pérennité", "durability"),
    ("la performance sociale", "social performance"),
    ("la valeur sociale", "social value"),
    ("l'identité coopérative", "cooperative identity"),
    ("les valeurs", "values"),
    ("l'éthique", "ethics"),
    ("la confiance", "trust"),
    ("la réciprocité", "reciprocity"),
    ("le don", "the gift"),
    ("l'économie du partage", "the sharing economy"),
    ("la transformation numérique", "digital transformation"),
    ("l'emploi des jeunes", "youth employment"),
    ("l'égalité professionnelle", "gender equality at work"),
    ("l'inclusion des personnes handicapées", "disability inclusion"),
    ("la mobilité solidaire", "inclusive mobility"),
    ("le tourisme durable", "sustainable tourism"),
    ("les droits culturels", "cultural rights"),
    ("l'accueil des réfugiés", "refugee reception"),
    ("la crise sanitaire", "the health crisis"),
    ("la transition énergétique", "the energy transition"),
    ("les énergies renouvelables", "renewable energy"),
    ("la rénovation énergétique", "energy renovation"),
    ("l'alimentation durable", "sustainable food"),
    ("le gaspillage alimentaire", "food waste"),
    ("la prévention des déchets", "waste prevention"),
    ("la démocratie alimentaire", "food democracy"),
    ("l'éducation populaire", "popular education"),
    ("l'empowerment", "empowerment"),
    ("le pouvoir d'agir", "the power to act"),
    ("la solidarité intergénérationnelle", "intergenerational solidarity"),
    ("la sécurisation des parcours", "career security"),
    ("le salariat associatif", "paid work in associations"),
]

ANGLES = [
    ("les dynamiques", "dynamics"), ("les logiques d'action", "logics of action"),
    ("les trajectoires", "trajectories"), ("les usages", "uses"), ("les mutations", "transformations"),
    ("les pratiques", "practices"), ("les représentations", "representations"),
    ("les stratégies", "strategies"), ("les formes", "forms"), ("les conditions", "conditions"),
    ("les effets", "effects"), ("les limites", "limits"), ("les modèles économiques", "business models"),
    ("l'émergence", "emergence"), ("l'institutionnalisation", "institutionalisation"),
    ("la gouvernance", "governance"), ("le financement", "financing"), ("l'évaluation", "evaluation"),
    ("la gestion", "management"), ("le pilotage", "steering"), ("la régulation", "regulation"),
    ("la construction", "construction"), ("la structuration", "structuring"),
    ("l'organisation", "organisation"), ("le développement", "development"),
    ("les tensions", "tensions"), ("les paradoxes", "paradoxes"), ("les frontières", "boundaries"),
    ("la légitimité", "legitimacy"), ("l'ambivalence", "ambivalence"), ("la contribution", "contribution"),
    ("les enjeux", "stakes"), ("la place", "place"), ("les ressorts", "drivers"),
    ("les obstacles", "obstacles"), ("les leviers", "levers"), ("les métiers", "occupations"),
    ("les parcours", "pathways"), ("l'histoire", "history"), ("la résilience", "resilience"),
    ("la fabrique", "making"), ("les recompositions", "reconfigurations"),
]

PLACES = [  # (French with its preposition, English with its preposition)
    ("en Bretagne", "in Brittany"), ("en Normandie", "in Normandy"), ("en Occitanie", "in Occitania"),
    ("en Auvergne-Rhône-Alpes", "in Auvergne-Rhône-Alpes"), ("en Île-de-France", "in Île-de-France"),
    ("en Nouvelle-Aquitaine", "in Nouvelle-Aquitaine"), ("dans les Hauts-de-France", "in Hauts-de-France"),
    ("en Provence-Alpes-Côte d'Azur", "in Provence-Alpes-Côte d'Azur"), ("dans le Grand Est", "in the Grand Est"),
    ("en Bourgogne-Franche-Comté", "in Burgundy-Franche-Comté"), ("en Centre-Val de Loire", "in Centre-Val de Loire"),
    ("dans les Pays de la Loire", "in the Pays de la Loire"), ("en Corse", "in Corsica"),
    ("à La Réunion", "in Réunion"), ("en Guadeloupe", "in Guadeloupe"), ("en Martinique", "in Martinique"),
    ("en Guyane", "in French Guiana"), ("à Mayotte", "in Mayotte"),
    ("dans le Finistère", "in Finistère"), ("dans le Morbihan", "in Morbihan"), ("en Ille-et-Vilaine", "in Ille-et-Vilaine"),
    ("dans les Côtes-d'Armor", "in Côtes-d'Armor"), ("en Loire-Atlantique", "in Loire-Atlantique"),
    ("dans le Nord", "in the Nord department"), ("dans le Pas-de-Calais", "in Pas-de-Calais"),
    ("dans la Drôme", "in the Drôme"), ("en Ardèche", "in Ardèche"), ("en Isère", "in Isère"),
    ("dans le Gers", "in the Gers"), ("en Ariège", "in Ariège"), ("dans l'Aveyron", "in Aveyron"),
    ("dans le Limousin", "in Limousin"), ("en Creuse", "in Creuse"), ("dans le Jura", "in the Jura"),
    ("dans les Vosges", "in the Vosges"), ("en Alsace", "in Alsace"), ("en Lorraine", "in Lorraine"),
    ("en Savoie", "in Savoie"), ("dans les Alpes-de-Haute-Provence", "in Alpes-de-Haute-Provence"),
    ("dans le Var", "in the Var"), ("dans les Bouches-du-Rhône", "in Bouches-du-Rhône"),
    ("en Seine-Saint-Denis", "in Seine-Saint-Denis"), ("dans le Val-de-Marne", "in Val-de-Marne"),
    ("dans la Loire", "in the Loire department"), ("dans le Puy-de-Dôme", "in Puy-de-Dôme"),
    ("en Dordogne", "in the Dordogne"), ("dans les Landes", "in the Landes"), ("au Pays basque", "in the Basque Country"),
    ("dans le Béarn", "in Béarn"), ("en Vendée", "in Vendée"), ("en Maine-et-Loire", "in Maine-et-Loire"),
    ("dans la Sarthe", "in the Sarthe"), ("dans le Cher", "in the Cher"), ("dans l'Allier", "in Allier"),
    ("dans la Nièvre", "in the Nièvre"), ("dans la Marne", "in the Marne"), ("dans les Ardennes", "in the Ardennes"),
    ("à Lyon", "in Lyon"), ("à Marseille", "in Marseille"), ("à Lille", "in Lille"), ("à Nantes", "in Nantes"),
    ("à Rennes", "in Rennes"), ("à Bordeaux", "in Bordeaux"), ("à Toulouse", "in Toulouse"),
    ("à Grenoble", "in Grenoble"), ("à Montpellier", "in Montpellier"), ("à Strasbourg", "in Strasbourg"),
    ("à Saint-Étienne", "in Saint-Étienne"), ("à Roubaix", "in Roubaix"), ("à Brest", "in Brest"),
    ("à Clermont-Ferrand", "in Clermont-Ferrand"), ("à Nancy", "in Nancy"), ("à Dijon", "in Dijon"),
    ("à Angers", "in Angers"), ("à Poitiers", "in Poitiers"), ("à Limoges", "in Limoges"), ("à Amiens", "in Amiens"),
    ("à Rouen", "in Rouen"), ("au Havre", "in Le Havre"), ("à Caen", "in Caen"), ("à Tours", "in Tours"),
    ("à Perpignan", "in Perpignan"), ("à Nîmes", "in Nîmes"), ("à Avignon", "in Avignon"), ("à Besançon", "in Besançon"),
    ("à Mulhouse", "in Mulhouse"), ("à Metz", "in Metz"), ("à Reims", "in Reims"), ("à Pau", "in Pau"),
    ("à Bayonne", "in Bayonne"), ("à La Rochelle", "in La Rochelle"), ("à Lorient", "in Lorient"),
    ("à Villeurbanne", "in Villeurbanne"), ("à Montreuil", "in Montreuil"), ("à Saint-Denis", "in Saint-Denis"),
    ("dans les quartiers prioritaires de Lyon", "in priority neighbourhoods of Lyon"),
    ("dans les quartiers nord de Marseille", "in the northern districts of Marseille"),
    ("dans le bassin minier du Nord-Pas-de-Calais", "in the Nord-Pas-de-Calais mining basin"),
    ("en milieu rural", "in rural areas"), ("dans les territoires ruraux", "in rural territories"),
    ("dans les territoires de montagne", "in mountain areas"), ("dans les zones littorales", "in coastal areas"),
    ("en France", "in France"), ("au Québec", "in Quebec"), ("en Belgique", "in Belgium"),
    ("en Suisse romande", "in French-speaking Switzerland"), ("en Italie", "in Italy"), ("en Espagne", "in Spain"),
    ("au Portugal", "in Portugal"), ("en Allemagne", "in Germany"), ("au Royaume-Uni", "in the United Kingdom"),
    ("en Grèce", "in Greece"), ("au Brésil", "in Brazil"), ("en Argentine", "in Argentina"), ("au Mexique", "in Mexico"),
    ("en Colombie", "in Colombia"), ("au Chili", "in Chile"), ("en Bolivie", "in Bolivia"), ("au Pérou", "in Peru"),
    ("au Sénégal", "in Senegal"), ("au Mali", "in Mali"), ("au Burkina Faso", "in Burkina Faso"),
    ("en Côte d'Ivoire", "in Côte d'Ivoire"), ("au Cameroun", "in Cameroon"), ("au Bénin", "in Benin"),
    ("au Maroc", "in Morocco"), ("en Tunisie", "in Tunisia"), ("en Algérie", "in Algeria"),
    ("à Madagascar", "in Madagascar"), ("au Niger", "in Niger"), ("en Haïti", "in Haiti"),
    ("au Vietnam", "in Vietnam"), ("en Inde", "in India"), ("au Liban", "in Lebanon"),
    ("en Europe", "in Europe"), ("en Afrique de l'Ouest", "in West Africa"), ("en Amérique latine", "in Latin America"),
    ("dans l'espace méditerranéen", "in the Mediterranean"), ("dans les pays du Sud", "in the Global South"),
]

METHODS = [
    ("une approche par les capabilités", "a capability approach"),
    ("une analyse de réseaux", "a network analysis"),
    ("une étude comparative", "a comparative study"),
    ("une ethnographie", "an ethnography"),
    ("une approche institutionnaliste", "an institutionalist approach"),
    ("une recherche-action", "an action research"),
    ("une analyse quantitative", "a quantitative analysis"),
    ("une approche historique", "a historical approach"),
    ("une approche par la théorie des conventions", "a conventionalist approach"),
    ("une lecture polanyienne", "a Polanyian reading"),
    ("une monographie", "a monograph"),
    ("une analyse longitudinale", "a longitudinal analysis"),
    ("une approche par la sociologie de la traduction", "an actor-network approach"),
    ("une perspective de genre", "a gender perspective"),
    ("une analyse économétrique", "an econometric analysis"),
    ("une approche par les parties prenantes", "a stakeholder approach"),
    ("une analyse du discours", "a discourse analysis"),
    ("une approche géographique", "a geographical approach"),
    ("une approche juridique", "a legal approach"),
    ("une approche par les ressources", "a resource-based approach"),
    ("une étude de cas multiples", "a multiple case study"),
    ("une analyse en termes de proximités", "a proximity analysis"),
    ("une comparaison européenne", "a European comparison"),
    ("une approche territoriale", "a territorial approach"),
    ("un regard sociologique", "a sociological view"),
    ("une approche pragmatiste", "a pragmatist approach"),
    ("une analyse néo-institutionnelle", "a neo-institutional analysis"),
    ("une approche par les pratiques", "a practice-based approach"),
    ("une cartographie des acteurs", "a mapping of actors"),
    ("une enquête par questionnaire", "a questionnaire survey"),
]

VERBS = [("réinventent", "reinvent"), ("transforment", "transform"), ("questionnent", "question"),
         ("renouvellent", "renew"), ("investissent", "take up"), ("redéfinissent", "redefine"),
         ("interrogent", "challenge"), ("portent", "carry"), ("expérimentent", "experiment with")]

CASE_KINDS = [("la coopérative", "the cooperative"), ("l'association", "the association"),
              ("le réseau", "the network"), ("la SCIC", "the SCIC"), ("la mutuelle", "the mutual"),
              ("la Scop", "the worker cooperative"), ("le collectif", "the collective"),
              ("la fondation", "the foundation"), ("le tiers-lieu", "the third place"),
              ("la régie de quartier", "the neighbourhood organisation"), ("l'entreprise d'insertion", "the WISE")]
CASE_A = ["Ar", "Bel", "Co", "Ter", "Sol", "Oxa", "Ene", "Val", "Mon", "Lu", "Vi", "Cal", "Ri", "Ma", "Al",
          "Bo", "Ca", "Gra", "Lo", "Na", "Pa", "Sa", "Tri", "Ver", "Es", "Fi", "Hé", "In", "Jo", "Ké"]
CASE_B = ["delaine", "lis", "dor", "rac", "ravia", "lune", "tissage", "marelle", "cante", "brise", "sève",
          "pousse", "cyclette", "mosa", "vale", "rine", "lien", "terre", "vent", "ruche", "fil", "grain",
          "nova", "lia", "tera", "mia", "rosa", "bulle", "ponts", "ciel"]

REPORT_HEADS = [
    ("Panorama {de_org} {place}", "Overview of {org_en} {place_en}"),
    ("État des lieux {de_org} {place}", "Inventory of {org_en} {place_en}"),
    ("Étude sur {org} {place}", "A study of {org_en} {place_en}"),
    ("Diagnostic territorial {de_theme} {place}", "Territorial diagnosis of {theme_en} {place_en}"),
    ("Observatoire {de_org} {place}", "Observatory of {org_en} {place_en}"),
    ("Les chiffres clés {de_org} {place}", "Key figures on {org_en} {place_en}"),
    ("{Theme} {place} : enquête auprès {de_org}", "{Theme_en} {place_en}: a survey of {org_en}"),
    ("Évaluation {de_theme} {dans_org} {place}", "Evaluation of {theme_en} in {org_en} {place_en}"),
    ("Cartographie {de_org} {place}", "Mapping {org_en} {place_en}"),
    ("Rapport d'activité {de_org} {place}", "Activity report of {org_en} {place_en}"),
]

UNIVERSITIES = [  # (name as HAL prints it, grantor as theses.fr prints it, NNT code)
    ("Université Lumière Lyon 2", "Lyon 2", "LYO2"), ("Université Jean Moulin Lyon 3", "Lyon 3", "LYO3"),
    ("Université de Lille", "Université de Lille", "ULIL"), ("Université Rennes 2", "Rennes 2", "REN2"),
    ("Université de Rennes", "Rennes 1", "REN1"), ("Université Paris 1 Panthéon-Sorbonne", "Paris 1", "PA01"),
    ("Université Paris Nanterre", "Paris 10", "PA10"), ("Université Paris 8 Vincennes-Saint-Denis", "Paris 8", "PA08"),
    ("Université Paris Cité", "Université Paris Cité", "UNIP"), ("Université Sorbonne Paris Nord", "Paris 13", "PA13"),
    ("Université Paris-Est Créteil", "Paris Est", "PEST"), ("Université Gustave Eiffel", "Université Gustave Eiffel", "UEFL"),
    ("Aix-Marseille Université", "Aix-Marseille", "AIXM"), ("Université de Bordeaux", "Bordeaux", "BORD"),
    ("Université Bordeaux Montaigne", "Bordeaux 3", "BOR3"), ("Université Grenoble Alpes", "Université Grenoble Alpes", "GRAL"),
    ("Université de Montpellier", "Montpellier", "MONT"), ("Université Paul-Valéry Montpellier 3", "Montpellier 3", "MON3"),
    ("Université Toulouse Jean Jaurès", "Toulouse 2", "TOU2"), ("Université Toulouse Capitole", "Toulouse 1", "TOU1"),
    ("Université de Strasbourg", "Strasbourg", "STRA"), ("Nantes Université", "Nantes", "NANT"),
    ("Université d'Angers", "Angers", "ANGE"), ("Conservatoire national des arts et métiers", "Paris, CNAM", "CNAM"),
    ("École des hautes études en sciences sociales", "Paris, EHESS", "EHES"), ("Université de Reims Champagne-Ardenne", "Reims", "REIM"),
    ("Université de Caen Normandie", "Normandie", "NORM"), ("Université de Rouen Normandie", "Normandie", "NORR"),
    ("Université Clermont Auvergne", "Université Clermont Auvergne", "UCFA"), ("Université de Lorraine", "Université de Lorraine", "LORR"),
    ("Université de Franche-Comté", "Bourgogne Franche-Comté", "UBFC"), ("Université de Poitiers", "Poitiers", "POIT"),
    ("Université de Tours", "Tours", "TOUR"), ("Université de Limoges", "Limoges", "LIMO"),
    ("Université de Pau et des Pays de l'Adour", "Pau", "PAUU"), ("Université de Perpignan Via Domitia", "Perpignan", "PERP"),
    ("Université Côte d'Azur", "Université Côte d'Azur", "COAZ"), ("Université Savoie Mont Blanc", "Chambéry", "CHAM"),
    ("Université Jean Monnet Saint-Étienne", "Saint-Etienne", "STET"), ("Université de Bretagne Occidentale", "Brest", "BRES"),
    ("Université Bretagne Sud", "Lorient", "LORI"), ("Université du Mans", "Le Mans", "LEMA"),
    ("Université Paris-Saclay", "université Paris-Saclay", "UPAS"), ("Université de Versailles Saint-Quentin-en-Yvelines", "Versailles-St Quentin en Yvelines", "VERS"),
    ("Université d'Avignon", "Avignon", "AVIG"), ("Université de La Réunion", "La Réunion", "LARE"),
    ("Université des Antilles", "Antilles", "ANTI"), ("Université de Picardie Jules Verne", "Amiens", "AMIE"),
]

DISCIPLINES = [  # (French, English, HAL domain string, theses.fr Dewey set)
    ("Sciences économiques", "Economics", "[SHS.ECO]Humanities and Social Sciences/Economics and Finance", "330"),
    ("Sciences de gestion", "Management", "[SHS.GESTION]Humanities and Social Sciences/Business administration", "650"),
    ("Sociologie", "Sociology", "[SHS.SOCIO]Humanities and Social Sciences/Sociology", "300"),
    ("Géographie", "Geography", "[SHS.GEO]Humanities and Social Sciences/Geography", "910"),
    ("Science politique", "Political science", "[SHS.SCIPO]Humanities and Social Sciences/Political science", "320"),
    ("Droit privé", "Law", "[SHS.DROIT]Humanities and Social Sciences/Law", "340"),
    ("Histoire", "History", "[SHS.HIST]Humanities and Social Sciences/History", "900"),
    ("Sciences de l'éducation", "Education", "[SHS.EDU]Humanities and Social Sciences/Education", "370"),
]
DISCIPLINE_WEIGHTS = [28, 24, 22, 8, 7, 4, 3, 4]

MASTERS = ["Master Économie sociale et solidaire", "Master Management des organisations de l'ESS",
           "Master Développement local", "Master Gestion des territoires et développement local",
           "Master Sociologie des organisations", "Master Innovation sociale", "Master Action publique",
           "Master Intervention et développement social", "Master Management des associations",
           "Master Économie du développement", "Master Politiques sociales", "Master Coopération internationale"]

GIVEN = [
    "Marie", "Camille", "Léa", "Manon", "Chloé", "Julie", "Sarah", "Laura", "Pauline", "Émilie", "Claire",
    "Anne", "Hélène", "Élodie", "Cécile", "Mathilde", "Lucie", "Aurélie", "Céline", "Sophie", "Nathalie",
    "Isabelle", "Valérie", "Sandrine", "Stéphanie", "Agnès", "Noémie", "Anaïs", "Inès", "Gaëlle", "Solène",
    "Margaux", "Clémence", "Juliette", "Alice", "Louise", "Jeanne", "Élise", "Héloïse", "Mélanie", "Amandine",
    "Marie-Hélène", "Anne-Sophie", "Marie-Laure", "Anne-Claire", "Fatima", "Aïcha", "Nadia", "Samira", "Yasmine",
    "Awa", "Aminata", "Mariam", "Ana", "Lucía", "Giulia", "Eva", "Lina", "Thu", "Mei",
    "Thomas", "Nicolas", "Julien", "Maxime", "Alexandre", "Pierre", "Antoine", "Guillaume", "Romain", "Mathieu",
    "Clément", "Sébastien", "Jérôme", "François", "Benoît", "Frédéric", "Loïc", "Yann", "Erwan", "Ronan",
    "Hugo", "Lucas", "Quentin", "Damien", "Bastien", "Thibault", "Rémi", "Aurélien", "Olivier", "Philippe",
    "Jean", "Jean-Baptiste", "Pierre-Yves", "Jean-François", "Jean-Luc", "Marc-Antoine", "Karim", "Mehdi",
    "Youssef", "Mamadou", "Moussa", "Ousmane", "Ibrahima", "João", "Pablo", "Diego", "Matteo", "Lorenzo",
    "Andreas", "Tomasz", "Minh", "Wei", "Arnaud", "Cédric", "Fabrice", "Gaël", "Hervé", "Joël",
]

COMMON_FAMILY = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
    "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
    "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva",
    "Bouchet", "Gay", "Lemaître", "Bénard", "Marécha", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
    "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte",
    "Nguyen", "Tran", "Diallo", "N'Diaye", "Diop", "Traoré", "Koné", "Camara", "Sow", "Ba",
    "Benali", "Benmoussa", "Haddad", "Bouzid", "Mansouri", "Belkacem", "Khelifi", "Amrani", "Saïdi", "Zaïdi",
    "Ferreira", "Pereira", "Da Costa", "Rodrigues", "Santos", "Oliveira", "Silva", "Gomes", "Rossi", "Russo",
    "Bianchi", "Romano", "Colombo", "Müller", "Schmidt", "Fischer", "Wagner", "Kowalski", "Nowak", "Dos Santos",
    "Le Bihan", "Kerjean", "Le Floch", "Tanguy", "Guillou", "Le Corre", "Morvan", "Riou", "Quéré", "Nédélec",
    "de La Fontaine", "de Saint-Just", "du Plessis", "Ouédraogo", "Sawadogo", "Kaboré", "Ngom", "Fall", "Sy", "Mbaye",
    "Lefort", "Poulet", "Delmas", "Bousquet", "Vial", "Teyssier", "Mazet", "Vernet", "Chabert", "Sabatier",
    "Péquignot", "Thévenot", "Crépin", "Sénéchal", "Ollivier", "Bréchet", "Lhuillier", "Hérault", "Ferrière", "Bonnaud",
]
FAMILY_A = ["Beau", "Ber", "Bon", "Cha", "Dela", "Dur", "Fer", "Gar", "Lam", "Mar", "Mon", "Pel", "Rou",
            "Val", "Ver", "Vil", "Cour", "Fon", "Gra", "Lau", "Mau", "Pey", "Ras", "Sal", "Tes", "Bou",
            "Chau", "Gau", "Lar", "Mal", "Bel", "Cas", "Dal", "Ess", "Fau", "Gui", "Hau", "Jol", "Lan",
            "Mas", "Nor", "Pra", "Quin", "Ram", "Sau", "Tal", "Vau", "Bar", "Cam", "Dom", "Fré", "Gros",
            "Lou", "Mé", "Pon", "Roch", "Sé", "Tour", "Ker", "Lé"]
FAMILY_M = ["", "", "", "", "", "", "", "", "ti", "ve", "ra", "mon", "del", "bel", "li", "ro", "char", "vel",
            "ne", "lo", "quet", "gal", "ber", "sa", "tel"]
FAMILY_B = ["and", "ard", "aud", "eau", "et", "ier", "in", "on", "ot", "oux", "elle", "ière", "ac", "at",
            "ens", "ange", "erre", "court", "mont", "ville", "lin", "ret", "reau", "ais", "ault", "y",
            "ès", "ol", "as", "eix", "ignac", "ain", "ard", "ert", "iac", "oz", "ou", "ic", "el", "enne",
            "ard", "ieux", "ay", "aux", "ant", "isse", "ec", "uel", "ane", "ade"]

STOP_WORDS = frozenset("l la le les de des du d un une et en a au aux the of and in an pour par sur dans "
                       "on for to".split())

# Abstract sentences. {kind} thèse/mémoire/étude, {kind_en} thesis/dissertation/study.
ABS_CONTEXT = [
    "Dans un contexte de raréfaction des financements publics et de généralisation des appels à projets, les organisations de l'économie sociale et solidaire sont sommées de démontrer leur efficacité.",
    "La crise sanitaire de 2020 a mis en lumière le rôle des initiatives solidaires dans la continuité des services essentiels.",
    "Depuis la loi du 31 juillet 2014 relative à l'économie sociale et solidaire, les pouvoirs publics reconnaissent un périmètre élargi d'organisations.",
    "Les acteurs de l'économie sociale et solidaire revendiquent une autre manière d'entreprendre, fondée sur la primauté de la personne sur le capital.",
    "La littérature sur l'économie sociale oscille entre l'éloge de son potentiel transformateur et la critique de sa banalisation.",
    "Les collectivités territoriales sont devenues des partenaires incontournables de ces organisations, au risque d'une instrumentalisation.",
    "La question de la transition écologique conduit de nombreuses structures à revoir leur modèle d'activité.",
    "Les recherches existantes se sont peu intéressées aux petites structures et aux territoires peu denses.",
]
ABS_RESULT = [
    "Nous montrons que {theme} repose sur des compromis fragiles entre logiques marchande, redistributive et réciprocitaire.",
    "Les résultats mettent en évidence une forte hétérogénéité des pratiques, que nous organisons en {n3} idéaux-types.",
    "L'analyse révèle le rôle déterminant des dirigeants bénévoles et des réseaux d'accompagnement.",
    "Les données quantitatives indiquent un effet significatif sur l'emploi local, mais un effet plus ambigu sur la qualité des emplois créés.",
    "Nous identifions trois conditions de pérennisation : l'ancrage territorial, l'hybridation des ressources et la coopération avec les collectivités.",
    "Les trajectoires observées montrent un processus d'isomorphisme que les acteurs tentent de contenir par des dispositifs de gouvernance partagée.",
    "Le travail met au jour des tensions entre projet politique et contraintes gestionnaires, particulièrement vives en période de croissance.",
]
ABS_END = [
    "Ces résultats invitent à repenser les outils de gestion au regard du projet politique des organisations.",
    "Des recommandations sont formulées à destination des acteurs et des pouvoirs publics.",
    "Nous discutons enfin les apports de ce travail pour une théorie de l'entreprise sociale.",
    "Il propose enfin une grille d'évaluation de l'utilité sociale co-construite avec les acteurs.",
    "La conclusion ouvre des pistes pour l'accompagnement du changement d'échelle.",
]
ABS_CONTEXT_EN = [
    "As public funding becomes scarcer and calls for projects spread, social and solidarity economy organisations are required to demonstrate their efficiency.",
    "The 2020 health crisis highlighted the role of solidarity initiatives in the continuity of essential services.",
    "Since the French 2014 act on the social and solidarity economy, public authorities recognise a broader range of organisations.",
    "The literature on the social economy oscillates between praise for its transformative potential and criticism of its trivialisation.",
    "Local authorities have become key partners of these organisations, at the risk of instrumentalisation.",
]
ABS_RESULT_EN = [
    "We show that {theme} rests on fragile compromises between market, redistributive and reciprocal logics.",
    "The results show a strong heterogeneity of practices, which we organise into {n3} ideal types.",
    "The analysis reveals the decisive role of volunteer leaders and support networks.",
    "We identify three conditions for durability: territorial embeddedness, resource hybridisation and cooperation with local authorities.",
    "The work brings to light tensions between the political project and managerial constraints.",
]
ABS_END_EN = [
    "These results call for rethinking management tools in the light of the organisations' political project.",
    "Recommendations are made for practitioners and public authorities.",
    "Finally, we discuss the contribution of this work to a theory of the social enterprise.",
]

SOURCES = {
    "bench-theses-fr": dict(
        name="Benchmark (synthetic): theses.fr-style doctoral theses, oai_dc",
        base_url="https://theses.fr/api/v1/oai", sets=[], institution="ABES (synthetic benchmark)",
        role="thesis-catalogue", region=None),
    "bench-hal": dict(
        name="Benchmark (synthetic): HAL-style theses, dissertations and reports, oai_dc",
        base_url="https://api.archives-ouvertes.fr/oai/hal/", sets=[], institution="CCSD (synthetic benchmark)",
        role="open-archive", region=None),
    "bench-univ": dict(
        name="Benchmark (synthetic): DSpace-style institutional repositories, oai_dc",
        base_url="https://depot.example.fr/server/oai/request", sets=[], institution="Universités (synthetic benchmark)",
        role="institutional-repository", region="FR-IDF"),
}
SOURCE_IDS = list(SOURCES)
CHANGE_SOURCE = "bench-hal"
CHANGE_STAMP = "2026-11-23T09:00:00Z"

# ----------------------------------------------------------------------------------------------
# Text helpers
# ----------------------------------------------------------------------------------------------

_ACCENT_TABLE = {}


def strip_accents(text: str) -> str:
    out = _ACCENT_TABLE.get(text)
    if out is None:
        t = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
        out = "".join(c for c in unicodedata.normalize("NFD", t) if unicodedata.category(c) != "Mn")
        if len(_ACCENT_TABLE) < 200_000:
            _ACCENT_TABLE[text] = out
    return out


def drop_capital_accents(text: str) -> str:
    return "".join(strip_accents(c) if c.isupper() else c for c in text)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def de(np: str) -> str:
    if np.startswith("les "):
        return "des " + np[4:]
    if np.startswith("le "):
        return "du " + np[3:]
    return "de " + np


def a_(np: str) -> str:
    if np.startswith("les "):
        return "aux " + np[4:]
    if np.startswith("le "):
        return "au " + np[3:]
    return "à " + np


def dans(np: str) -> str:
    return "dans " + np


def bare(np: str) -> str:
    """The noun phrase without its article (keywords)."""
    for article in ("les ", "le ", "la "):
        if np.startswith(article):
            return cap(np[len(article):])
    if np.startswith("l'"):
        return cap(np[2:])
    return cap(np)


def xml_escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


# ----------------------------------------------------------------------------------------------
# Generator
# ----------------------------------------------------------------------------------------------

class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        r = self.rng
        self.common_weights = []
        acc = 0.0
        for rank in range(len(COMMON_FAMILY)):
            acc += 1.0 / (rank + 1) ** 0.9
            self.common_weights.append(acc)
        self.nnt_seq: dict[tuple[int, str], int] = {}
        self.hal_counter = 0
        self.handle_counter = 0
        # Advisors: a pool, each with a home university.
        self.advisors = [self.person() for _ in range(6000)]
        self.advisors_by_uni = [self.advisors[u::len(UNIVERSITIES)] for u in range(len(UNIVERSITIES))]
        self.discipline_cum = [sum(DISCIPLINE_WEIGHTS[:i + 1]) for i in range(len(DISCIPLINE_WEIGHTS))]

    # People --------------------------------------------------------------------------------
    def family(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return COMMON_FAMILY[self._bisect(r.random() * self.common_weights[-1])]
        name = r.choice(FAMILY_A) + r.choice(FAMILY_M) + r.choice(FAMILY_B)
        if x > 0.97:   # compound family names
            name += "-" + r.choice(FAMILY_A) + r.choice(FAMILY_B)
        return name

    def _bisect(self, value: float) -> int:
        w = self.common_weights
        lo, hi = 0, len(w) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if w[mid] < value:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def person(self) -> tuple[str, str]:
        return (self.rng.choice(GIVEN), self.family())

    # Identifiers ---------------------------------------------------------------------------
    def nnt(self, year: int, code: str) -> str:
        key = (year, code)
        seq = self.nnt_seq.get(key, 0) + 1
        self.nnt_seq[key] = seq
        width = 12 - 4 - len(code)
        if seq >= 10 ** width:
            raise SystemExit(f"more than {10 ** width - 1} theses for {code} in {year}: add universities")
        # Sequence numbers from a high, synthetic range (never a real NNT's).
        return f"{year}{code}{(10 ** width - 1 - seq * 7) % 10 ** width:0{width}d}"

    def hal_number(self) -> str:
        self.hal_counter += 1
        return f"{9_000_000 + (self.hal_counter * 7919 + 104_729) % 1_000_000:08d}"

    def handle(self) -> str:
        self.handle_counter += 1
        return f"20.500.99901/{100000 + self.handle_counter * 3}"

    # Titles --------------------------------------------------------------------------------
    def org(self):
        r = self.rng
        fr, en = r.choice(ORGS)
        if r.random() < 0.55:
            sfr, sen = r.choice(SECTORS)
            return f"{fr} {sfr}", f"{en} {sen}"
        return fr, en

    def case(self):
        r = self.rng
        kfr, ken = r.choice(CASE_KINDS)
        name = r.choice(CASE_A) + r.choice(CASE_B)
        return f"{kfr} {name}", f"{ken} {name}"

    def subtitle(self, org, theme, place):
        r = self.rng
        x = r.random()
        if x < 0.30:
            return r.choice(METHODS)
        if x < 0.50:
            cfr, cen = self.case()
            pfr, pen = place if place else r.choice(PLACES)
            return f"le cas {de(cfr)} {pfr}", f"the case of {cen} {pen}"
        if x < 0.62:
            p1, p2 = r.sample(PLACES, 2)
            return f"une comparaison {p1[0]} et {p2[0]}", f"a comparison {p1[1]} and {p2[1]}"
        if x < 0.68:
            start = r.randrange(1945, 2010)
            end = r.randrange(start + 5, 2025)
            return f"{r.choice(ANGLES)[0]} ({start}-{end})", f"{r.choice(ANGLES)[1]} ({start}-{end})"
        if x < 0.84:
            afr, aen = r.choice(ANGLES)
            tfr, ten = r.choice(THEMES)
            return f"{afr} {de(tfr)}", f"{aen} of {ten}"
        n = r.randrange(12, 400)
        mfr, men = r.choice(METHODS)
        return f"{mfr} auprès de {n} structures", f"{men} of {n} organisations"

    def title(self, kind: str, year: int = 2020):
        """(main_fr, sub_fr | None, main_en, sub_en | None, org, theme, place)."""
        r = self.rng
        org = self.org()
        theme = r.choice(THEMES)
        place = r.choice(PLACES) if r.random() < 0.55 else None
        ofr, oen = org
        tfr, ten = theme
        pfr, pen = (" " + place[0], " " + place[1]) if place else ("", "")
        if kind == "report" and r.random() < 0.6:
            hfr, hen = r.choice(REPORT_HEADS)
            place = place or r.choice(PLACES)
            vals = dict(de_org=de(ofr), org=ofr, org_en=oen, de_theme=de(tfr), theme_en=ten,
                        Theme=cap(tfr), Theme_en=cap(ten), dans_org=dans(ofr), place=place[0], place_en=place[1])
            main_fr, main_en = hfr.format(**vals), hen.format(**vals)
            if r.random() < 0.5:   # an edition year: the year of publication or the one before
                edition = year - (r.random() < 0.3)
                main_fr += f" {edition}"
                main_en += f" {edition}"
            sub = self.subtitle(org, theme, place) if r.random() < 0.3 else None
            return main_fr, sub and sub[0], main_en, sub and sub[1], org, theme, place
        t = r.randrange(100)
        need_sub = False
        if t < 14:
            afr, aen = r.choice(ANGLES)
            main_fr, main_en = f"{cap(afr)} {de(ofr)}{pfr}", f"{cap(aen)} of {oen}{pen}"
        elif t < 22:
            main_fr, main_en = f"{cap(ofr)} face {a_(tfr)}", f"{cap(oen)} facing {ten}"
        elif t < 34:
            main_fr, main_en = f"{cap(tfr)} {dans(ofr)}{pfr}", f"{cap(ten)} in {oen}{pen}"
        elif t < 44:
            main_fr, main_en = f"{cap(ofr)} et {tfr}{pfr}", f"{cap(oen)} and {ten}{pen}"
        elif t < 54:
            afr, aen = r.choice(ANGLES)
            main_fr, main_en = f"{cap(afr)} {de(tfr)} {dans(ofr)}", f"{cap(aen)} of {ten} in {oen}"
        elif t < 60:
            main_fr, main_en = f"Le rôle {de(ofr)} dans {tfr}", f"The role of {oen} in {ten}"
        elif t < 66:
            place = place or r.choice(PLACES)
            main_fr, main_en = f"{cap(tfr)} {place[0]}", f"{cap(ten)} {place[1]}"
            need_sub = True
        elif t < 70:
            t2fr, t2en = r.choice(THEMES)
            main_fr, main_en = f"Entre {tfr} et {t2fr}", f"Between {ten} and {t2en}"
            need_sub = True
        elif t < 74:
            main_fr = f"Contribution à l'analyse {de(tfr)} {dans(ofr)}"
            main_en = f"A contribution to the analysis of {ten} in {oen}"
        elif t < 80:
            start = r.randrange(1850, 2005)
            end = r.randrange(start + 10, 2025)
            main_fr, main_en = f"{cap(ofr)}{pfr} ({start}-{end})", f"{cap(oen)}{pen} ({start}-{end})"
        elif t < 85:
            vfr, ven = r.choice(VERBS)
            main_fr, main_en = f"Quand {ofr} {vfr} {tfr}", f"When {oen} {ven} {ten}"
        elif t < 90:
            main_fr, main_en = f"{cap(ofr)} à l'épreuve {de(tfr)}", f"{cap(oen)} put to the test of {ten}"
        elif t < 93:
            place = place or r.choice(PLACES)
            main_fr = f"L'économie sociale et solidaire {place[0]}"
            main_en = f"The social and solidarity economy {place[1]}"
            need_sub = True
        elif t < 97:
            afr, aen = r.choice(ANGLES)
            cfr, cen = self.case()
            main_fr, main_en = f"{cap(afr)} {de(ofr)}{pfr}", f"{cap(aen)} of {oen}{pen}"
            sub = (f"l'exemple {de(cfr)}", f"the example of {cen}")
            return main_fr, sub[0], main_en, sub[1], org, theme, place
        else:
            cfr, cen = self.case()
            main_fr, main_en = f"{cap(cfr)}{pfr}", f"{cap(cen)}{pen}"
            need_sub = True
        p_sub = {"phd": 0.65, "master": 0.5, "report": 0.35}[kind]
        if need_sub or r.random() < p_sub:
            sfr, sen = self.subtitle(org, theme, place)
            return main_fr, sfr, main_en, sen, org, theme, place
        return main_fr, None, main_en, None, org, theme, place

    def abstract(self, kind: str, org, theme, place):
        r = self.rng
        kfr = {"phd": "Cette thèse", "master": "Ce mémoire", "report": "Cette étude"}[kind]
        ken = {"phd": "This thesis", "master": "This dissertation", "report": "This study"}[kind]
        pfr, pen = place if place else ("", "")
        mfr, men = r.choice(METHODS)
        n1, n2, n3 = r.randrange(8, 80), r.randrange(10, 900), r.choice(["trois", "quatre", "cinq"])
        fr = " ".join([
            f"{kfr} porte sur {tfr_of(theme)} {dans(org[0])} {pfr}".rstrip() + ".",
            r.choice(ABS_CONTEXT),
            f"À partir {de_indef(mfr)}, nous mobilisons {n1} entretiens semi-directifs et une analyse documentaire portant sur {n2} organisations.",
            r.choice(ABS_RESULT).format(theme=theme[0], n3=n3),
            r.choice(ABS_RESULT).format(theme=theme[0], n3=n3),
            r.choice(ABS_END),
        ])
        en = None
        if kind == "phd" and r.random() < 0.75 or r.random() < 0.15:
            en = " ".join([
                f"{ken} examines {theme[1]} in {org[1]} {pen}".rstrip() + ".",
                r.choice(ABS_CONTEXT_EN),
                f"Drawing on {men}, we use {n1} semi-structured interviews and documentary analysis covering {n2} organisations.",
                r.choice(ABS_RESULT_EN).format(theme=theme[1], n3={"trois": "three", "quatre": "four", "cinq": "five"}[n3]),
                r.choice(ABS_END_EN),
            ])
        return fr, en

    # Works ---------------------------------------------------------------------------------
    def work(self, kind: str, author=None, year=None, title=None):
        r = self.rng
        uni = r.randrange(len(UNIVERSITIES))
        disc = r.choices(range(len(DISCIPLINES)), cum_weights=self.discipline_cum)[0]
        if year is None:
            year = min(2026, int(1990 + 36 * r.random() ** 0.6))
        if title is None:
            title = self.title(kind, year)
        main_fr, sub_fr, main_en, sub_en, org, theme, place = title
        abs_fr, abs_en = self.abstract(kind, org, theme, place)
        advisors = []
        if kind != "report":
            advisors.append(r.choice(self.advisors_by_uni[uni]))
            if kind == "phd" and r.random() < 0.35:
                second = r.choice(self.advisors)
                if second != advisors[0]:
                    advisors.append(second)
        if kind == "report":
            authors = [self.person() for _ in range(r.choice((1, 1, 2, 2, 3)))]
        else:
            authors = [author or self.person()]
        keywords = [("Économie sociale et solidaire", "Social and solidarity economy"),
                    (bare(org[0].split(" d")[0] if r.random() < 0.3 else org[0]), cap(org[1])),
                    (bare(theme[0]), cap(theme[1]))]
        if place:
            keywords.append((cap(place[0].split(" ", 1)[1]), cap(place[1].split(" ", 1)[1])))
        for _ in range(r.randrange(0, 4)):
            t = r.choice(THEMES)
            keywords.append((bare(t[0]), cap(t[1])))
        seen = set()
        keywords = [k for k in keywords if not (k[0] in seen or seen.add(k[0]))]
        w = dict(kind=kind, year=year, month=r.randrange(1, 13), day=r.randrange(1, 29), uni=uni, disc=disc,
                 main_fr=main_fr, sub_fr=sub_fr, main_en=main_en, sub_en=sub_en,
                 has_en=(r.random() < {"phd": 0.8, "master": 0.3, "report": 0.1}[kind]),
                 abs_fr=abs_fr, abs_en=abs_en, authors=authors, advisors=advisors, keywords=keywords,
                 master=r.choice(MASTERS), pages=r.randrange(60, 620))
        if kind == "phd":
            w["nnt"] = self.nnt(year, UNIVERSITIES[uni][2])
        return w


def tfr_of(theme) -> str:
    return theme[0]


def de_indef(np: str) -> str:
    return "d'" + np if np.startswith("un") else "de " + np


# ----------------------------------------------------------------------------------------------
# Rendering: one work as one source's record (the mapped Record, as src/map/oai_dc.rs gives it)
# ----------------------------------------------------------------------------------------------

def person_form(given: str, family: str, form: str) -> str:
    if form == "inverted":
        return f"{family}, {given}"
    if form == "display":
        return f"{given} {family}"
    if form == "upper":
        return f"{family.upper()} {given}"
    if form == "upper_comma":
        return f"{family.upper()}, {given}"
    if form == "initial":
        initials = "-".join(p[0] + "." for p in given.split("-"))
        return f"{family}, {initials}"
    raise ValueError(form)


def vary_title(r: random.Random, main: str, sub: str | None, variations: list) -> str:
    if sub is not None:
        x = r.random()
        if x < 0.18:
            variations.append("title.subtitle_drop")
            sub = None
        elif x < 0.33:
            variations.append("title.subtitle_sep")
    sep = " : "
    if "title.subtitle_sep" in variations:
        sep = r.choice([" - ", ". ", " — ", ", ", ": ", " ; "])
    text = main if sub is None else main + sep + sub
    x = r.random()
    if x < 0.15:
        variations.append("title.capital_accent_drop")
        text = drop_capital_accents(text)
    elif x < 0.20:
        variations.append("title.strip_accents")
        text = strip_accents(text)
    elif x < 0.24:
        variations.append("title.case_upper")
        text = text.upper()
    elif x < 0.27:
        variations.append("title.case_lower")
        text = text.lower()
    x = r.random()
    if x < 0.03:
        variations.append("title.typo")
        text = typo(r, text)
    elif x < 0.05 and len(text) > 60 and not any(c.isdigit() for c in text):
        variations.append("title.truncate")
        cut = text.rfind(" ", 0, int(len(text) * r.uniform(0.6, 0.85)))
        if cut > 30:
            text = text[:cut].rstrip(" :,;-") + r.choice(["", "...", "…"])
    elif x < 0.07:
        variations.append("title.trailing_period")
        text = text + "."
    return text


def typo(r: random.Random, text: str) -> str:
    parts = text.split(" ")
    candidates = [i for i, w in enumerate(parts) if len(w) >= 6 and w.isalpha()]
    if not candidates:
        return text
    i = r.choice(candidates)
    w = parts[i]
    k = r.randrange(1, len(w) - 2)
    op = r.randrange(3)
    if op == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    elif op == 1:
        w = w[:k] + w[k + 1:]
    else:
        w = w[:k] + w[k] + w[k:]
    parts[i] = w
    return " ".join(parts)


def render(g: Gen, w: dict, source: str, copy_index: int, label: str):
    """One copy of work `w` in `source`. copy_index 0 is the first copy (no variations beyond the
    source's conventions); later copies get random variations."""
    r = g.rng
    kind = w["kind"]
    variations: list[str] = []
    dup = copy_index > 0
    uni_hal, uni_abes, _ = UNIVERSITIES[w["uni"]]
    disc_fr, disc_en, hal_domain, ddc = DISCIPLINES[w["disc"]]
    year = w["year"]
    if dup and r.random() < 0.2:
        shift = r.choice((-1, 1, 1))
        year = year + shift
        variations.append("date.year_plus1" if shift > 0 else "date.year_minus1")
    full_date = f"{year}-{w['month']:02d}-{w['day']:02d}"
    main_fr, sub_fr = w["main_fr"], w["sub_fr"]
    if dup:
        title_fr = vary_title(r, main_fr, sub_fr, variations)
    else:
        title_fr = main_fr if sub_fr is None else f"{main_fr} : {sub_fr}"
    title_en = None
    if w["has_en"]:
        title_en = w["main_en"] if w["sub_en"] is None else f"{w['main_en']}: {w['sub_en']}"
    authors = w["authors"]
    rec: dict = {}
    sets: list[str] = []
    datestamp_year = min(2026, max(year, 2008) + r.randrange(0, 3))
    datestamp = f"{datestamp_year}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"

    def author_form(default: str) -> str:
        if dup and r.random() < 0.3:
            form = r.choice(["display", "upper", "initial", "inverted", "upper_comma"])
            if form != default:
                variations.append(f"author.{form}")
            return form
        return default

    if source == "bench-theses-fr":
        nnt = w["nnt"]
        identifier = f"oai:theses.fr:{nnt}"
        sets = [f"ddc:{ddc}"]
        titles = [{"value": title_fr, "lang": "fr"}]
        if title_en and not (dup and r.random() < 0.1):
            titles.append({"value": title_en, "lang": "en"})
        rec["titles"] = titles
        form = author_form("inverted")
        rec["creators"] = [{"name": person_form(a[0], a[1], form)} for a in authors]
        rec["contributors"] = [{"name": person_form(a[0], a[1], "inverted")} for a in w["advisors"]]
        subjects = [{"value": k[0], "lang": "fr"} for k in w["keywords"]]
        subjects += [{"value": k[1], "lang": "en"} for k in w["keywords"]]
        if not (dup and r.random() < 0.05):
            rec["subjects"] = subjects
        else:
            variations.append("subjects.missing")
        abstracts = []
        if not (dup and r.random() < 0.1):
            abstracts.append({"value": w["abs_fr"], "lang": "fr"})
            if w["abs_en"]:
                abstracts.append({"value": w["abs_en"], "lang": "en"})
        else:
            variations.append("abstract.missing")
        if abstracts:
            rec["abstracts"] = abstracts
        rec["publishers"] = [uni_abes]
        rec["dates"] = [full_date]
        rec["types"] = ["Electronic Thesis or Dissertation", "Text"]
        rec["identifiers"] = [f"https://theses.fr/{nnt}"]
        rec["languages"] = ["fr"]
        rec["rights"] = [r.choice(["free", "free", "Accès libre", "Accès restreint"])]
        datestamp += f"T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
    elif source == "bench-hal":
        prefix = {"phd": "tel", "master": "dumas", "report": "halshs"}[kind]
        hal = f"{prefix}-{g.hal_number()}"
        version = r.choice((1, 1, 1, 2, 3))
        identifier = f"oai:HAL:{hal}v{version}"
        sets = {"phd": ["type:THESE", "subject:shs"], "master": ["type:MEM", "subject:shs", "collection:DUMAS"],
                "report": ["type:REPORT", "subject:shs"]}[kind]
        titles = [{"value": title_fr, "lang": "fr"}]
        if title_en and (not dup or r.random() < 0.7):
            if r.random() < 0.3:
                titles.insert(0, {"value": title_en, "lang": "en"})
                if dup:
                    variations.append("title.en_first")
            else:
                titles.append({"value": title_en, "lang": "en"})
        rec["titles"] = titles
        form = author_form("inverted")
        rec["creators"] = [{"name": person_form(a[0], a[1], form)} for a in authors]
        contributors = [{"name": uni_hal}]
        contributors += [{"name": person_form(a[0], a[1], "display")} for a in w["advisors"]]
        rec["contributors"] = contributors
        subjects = [{"value": k[0], "lang": "fr"} for k in w["keywords"]]
        if kind == "phd":
            subjects += [{"value": k[1], "lang": "en"} for k in w["keywords"]]
        subjects.append({"value": hal_domain})
        rec["subjects"] = subjects
        abstracts = []
        if not (dup and r.random() < 0.12):
            prefix_text = (w["master"] + ". ") if kind == "master" else ""
            abstracts.append({"value": prefix_text + w["abs_fr"], "lang": "fr"})
            if w["abs_en"]:
                abstracts.append({"value": w["abs_en"], "lang": "en"})
        else:
            variations.append("abstract.missing")
        if abstracts:
            rec["abstracts"] = abstracts
        rec["publishers"] = ["HAL CCSD"]
        rec["dates"] = [full_date]
        rec["types"] = {"phd": ["info:eu-repo/semantics/doctoralThesis", "Theses"],
                        "master": ["info:eu-repo/semantics/masterThesis", "Master thesis"],
                        "report": ["info:eu-repo/semantics/report", "Reports"]}[kind]
        host = {"phd": "theses.hal.science", "master": "dumas.ccsd.cnrs.fr", "report": "shs.hal.science"}[kind]
        ids = [hal, f"https://{host}/{hal}", f"https://{host}/{hal}/document"]
        if kind == "phd" and r.random() < 0.6:
            ids.append(f"NNT: {w['nnt']}")
        elif kind == "phd" and dup:
            variations.append("id.nnt_absent")
        rec["identifiers"] = ids
        rec["languages"] = ["fr"]
        rec["rights"] = ["info:eu-repo/semantics/OpenAccess"]
        rec["sources"] = [f"https://{host}/{hal}"]
    else:  # bench-univ
        handle = g.handle()
        identifier = f"oai:depot.example.fr:{handle}"
        sets = {"phd": ["com_20.500.99901_1", "col_20.500.99901_2"],
                "master": ["com_20.500.99901_1", "col_20.500.99901_3"],
                "report": ["com_20.500.99901_4", "col_20.500.99901_5"]}[kind]
        rec["titles"] = [{"value": title_fr}]
        form = author_form(r.choice(["upper", "inverted"]))
        rec["creators"] = [{"name": person_form(a[0], a[1], form)} for a in authors]
        if w["advisors"]:
            rec["contributors"] = [{"name": f"{a[1]}, {a[0]} (Dir.)"} for a in w["advisors"]]
        rec["subjects"] = [{"value": k[0]} for k in w["keywords"]] + [{"value": disc_fr}]
        if not (dup and r.random() < 0.2):
            rec["abstracts"] = [{"value": w["abs_fr"]}]
        else:
            variations.append("abstract.missing")
        rec["publishers"] = [uni_hal]
        rec["dates"] = [str(year)]
        rec["types"] = {"phd": ["Thèse de doctorat"], "master": ["Mémoire de master"],
                        "report": ["Rapport d'étude"]}[kind]
        if kind == "report":
            rec["formats"] = [f"{w['pages'] // 4} p."]
        ids = [f"http://hdl.handle.net/{handle}"]
        if kind == "phd":
            x = r.random()
            if x < 0.2:
                ids.append(f"NNT : {w['nnt']}")
            elif x < 0.3:
                rec["relations"] = [f"http://www.theses.fr/{w['nnt']}"]
        rec["identifiers"] = ids
        rec["languages"] = ["fre"]
        datestamp += f"T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z"
    return {"source": source, "identifier": identifier, "format": "oai_dc", "sets": sets,
            "datestamp": datestamp, "record": rec, "work": label}, variations


# ----------------------------------------------------------------------------------------------
# XML
# ----------------------------------------------------------------------------------------------

DC_ELEMENTS = [("titles", "title"), ("creators", "creator"), ("contributors", "contributor"),
               ("subjects", "subject"), ("abstracts", "description"), ("publishers", "publisher"),
               ("dates", "date"), ("types", "type"), ("formats", "format"), ("identifiers", "identifier"),
               ("languages", "language"), ("rights", "rights"), ("relations", "relation"),
               ("sources", "source")]

OAI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
            '  <responseDate>{date}</responseDate>\n'
            '  <request verb="ListRecords" metadataPrefix="oai_dc">{base}</request>\n'
            '  <ListRecords>\n')
DC_OPEN = ('      <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">\n')


def record_xml(line: dict) -> str:
    out = ["    <record>\n      <header>\n        <identifier>", xml_escape(line["identifier"]),
           "</identifier>\n        <datestamp>", line["datestamp"], "</datestamp>\n"]
    for s in line["sets"]:
        out += ["        <setSpec>", xml_escape(s), "</setSpec>\n"]
    out.append("      </header>\n")
    out.append(DC_OPEN)
    rec = line["record"]
    for field, element in DC_ELEMENTS:
        for value in rec.get(field, ()):
            if isinstance(value, dict):
                text = value.get("value") if "value" in value else value["name"]
                lang = value.get("lang")
                if lang:
                    out += ["        <dc:", element, ' xml:lang="', lang, '">', xml_escape(text), "</dc:", element, ">\n"]
                else:
                    out += ["        <dc:", element, ">", xml_escape(text), "</dc:", element, ">\n"]
            else:
                out += ["        <dc:", element, ">", xml_escape(value), "</dc:", element, ">\n"]
    out.append("      </oai_dc:dc></metadata>\n    </record>\n")
    return "".join(out)


class PageWriter:
    """Writes one source's records as gzipped ListRecords pages of `size` records."""

    def __init__(self, folder: Path, source: str, size: int, first_page: int = 1, level: int = 3):
        self.folder, self.source, self.size, self.level = folder, source, size, level
        folder.mkdir(parents=True, exist_ok=True)
        self.page = first_page
        self.buffer: list[str] = []
        self.pending: list[str] | None = None   # a full page whose successor is not known yet
        self.written = 0

    def add(self, xml: str):
        self.buffer.append(xml)
        if len(self.buffer) == self.size:
            if self.pending is not None:
                self._write(self.pending, last=False)
            self.pending, self.buffer = self.buffer, []

    def close(self):
        if self.pending is not None:
            self._write(self.pending, last=not self.buffer)
        if self.buffer:
            self._write(self.buffer, last=True)
        self.pending, self.buffer = None, []

    def _write(self, records: list[str], last: bool):
        base = SOURCES[self.source]["base_url"]
        head = OAI_HEAD.format(date="2026-11-22T06:00:00Z", base=base)
        self.written += len(records)
        if last:
            token = f'    <resumptionToken completeListSize="{self.written}" cursor="{self.written - len(records)}"/>\n'
        else:
            token = (f'    <resumptionToken cursor="{self.written - len(records)}">'
                     f"{self.source}-{self.page + 1:04d}</resumptionToken>\n")
        text = head + "".join(records) + token + "  </ListRecords>\n</OAI-PMH>\n"
        path = self.folder / f"page-{self.page:04d}.xml.gz"
        with open(path, "wb") as raw:
            # mtime=0: same bytes on every run
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=self.level, mtime=0) as gz:
                gz.write(text.encode("utf-8"))
        self.page += 1


def source_toml(source: str, path: str, note: str) -> str:
    spec = SOURCES[source]
    lines = [f"# {note}", f'name = "{spec["name"]}"', 'kind = "oai-pmh-dump"',
             f'base_url = "{spec["base_url"]}"', 'metadata_prefix = "oai_dc"',
             f'institution = "{spec["institution"]}"']
    if spec["region"]:
        lines.append(f'region = "{spec["region"]}"')
    lines += [f'path = "{path}"', f'role = "{spec["role"]}"']
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------
# Change batch: existing identifiers, newer datestamps, edited titles
# ----------------------------------------------------------------------------------------------

def edit_for_change(g: Gen, line: dict) -> tuple[dict, str]:
    r = g.rng
    line = json.loads(json.dumps(line))   # deep copy
    line["datestamp"] = CHANGE_STAMP[:10]
    rec = line["record"]
    titles = rec["titles"]
    idx = next((i for i, t in enumerate(titles) if t.get("lang") != "en"), 0)
    title = titles[idx]["value"]
    x = r.random()
    if x < 0.30:
        kind = "subtitle_added"
        sfr, _ = g.subtitle(g.org(), r.choice(THEMES), None)
        main = title.split(" : ")[0]
        title = f"{main} : {sfr}"
    elif x < 0.50:
        kind = "typo"
        title = typo(r, title)
    elif x < 0.65:
        kind = "case_accents"
        title = drop_capital_accents(title) if r.random() < 0.5 else title.upper()
    elif x < 0.75:
        kind = "trailing_period"
        title = title.rstrip(".") + "."
    elif x < 0.90:
        kind = "english_title_added"
        if not any(t.get("lang") == "en" for t in titles):
            theme = r.choice(THEMES)
            titles.append({"value": f"{cap(theme[1])} in {r.choice(ORGS)[1]}", "lang": "en"})
    else:
        kind = "retitled"
        main_fr, sub_fr, *_ = g.title("phd")
        title = main_fr if sub_fr is None else f"{main_fr} : {sub_fr}"
    titles[idx]["value"] = title
    return line, kind


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--duplicates", type=float, default=0.2, help="share of records that are extra copies")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=1000, help="records of the change batch (bench-hal)")
    ap.add_argument("--window", type=int, default=20_000, help="local shuffle window per source")
    ap.add_argument("--gzip-level", type=int, default=3)
    args = ap.parse_args()
    if not 0 <= args.duplicates < 0.67:
        ap.error("--duplicates must be in [0, 0.67)")
    started = time.monotonic()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("dumps", "changes/dumps"):
        for source in SOURCE_IDS:
            folder = out / sub / source
            if folder.is_dir():
                for old in folder.glob("page-*.xml*"):
                    old.unlink()

    g = Gen(args.seed)
    r = g.rng
    n = args.records
    target_dups = round(args.duplicates * n)
    writers = {s: PageWriter(out / "dumps" / s, s, args.page_size, level=args.gzip_level) for s in SOURCE_IDS}
    windows: dict[str, list[tuple[str, str]]] = {s: [] for s in SOURCE_IDS}
    jsonl = open(out / "records.jsonl", "w", encoding="utf-8", buffering=1 << 20)
    labels = open(out / "labels.tsv", "w", encoding="utf-8", buffering=1 << 20)
    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    counts = {s: 0 for s in SOURCE_IDS}
    kinds = {"phd": 0, "master": 0, "report": 0}
    copies_hist = {1: 0, 2: 0, 3: 0}
    variation_counts: dict[str, int] = {}
    # Reservoir of bench-hal records for the change batch.
    reservoir: list[dict] = []
    seen_hal = 0

    def emit(line: dict):
        nonlocal seen_hal
        source = line["source"]
        window = windows[source]
        window.append((dumps(line), record_xml(line), f"{source}\t{line['identifier']}\t{line['work']}\n"))
        if source == CHANGE_SOURCE and args.changes:
            seen_hal += 1
            if len(reservoir) < args.changes:
                reservoir.append(line)
            else:
                j = r.randrange(seen_hal)
                if j < args.changes:
                    reservoir[j] = line
        if len(window) >= args.window:
            k = r.randrange(len(window))
            window[k], window[-1] = window[-1], window[k]
            flush_one(source, window.pop())

    def flush_one(source: str, item: tuple[str, str, str]):
        jsonl.write(item[0])
        jsonl.write("\n")
        labels.write(item[2])
        writers[source].add(item[1])
        counts[source] += 1

    written = dups = works = 0
    pending_masters: list[dict] = []   # hard negatives: a doctoral author's earlier dissertation
    while written < n:
        remaining = n - written
        remaining_dups = target_dups - dups
        if pending_masters and r.random() < 0.5:
            w = pending_masters.pop()
        else:
            x = r.random()
            kind = "phd" if x < 0.47 else "master" if x < 0.85 else "report"
            w = g.work(kind)
            if kind == "phd" and r.random() < 0.02:
                author = w["authors"][0]
                myear = w["year"] - r.randrange(3, 7)
                y = r.random()
                if y < 0.2:      # identical title
                    title = (w["main_fr"], w["sub_fr"], w["main_en"], w["sub_en"], *g.title("master")[4:])
                elif y < 0.7:    # same main title, another subtitle
                    t = g.title("master")
                    sub = g.subtitle(t[4], t[5], t[6])
                    title = (w["main_fr"], sub[0], w["main_en"], sub[1], *t[4:])
                else:            # reworded
                    title = g.title("master")
                pending_masters.append(g.work("master", author=author, year=myear, title=title))
        kind = w["kind"]
        possible = ["bench-theses-fr", "bench-hal", "bench-univ"] if kind == "phd" else ["bench-hal", "bench-univ"]
        if kind == "phd":
            first = r.choices(possible, (50, 32, 18))[0]
        elif kind == "master":
            first = r.choices(possible, (65, 35))[0]
        else:
            first = r.choices(possible, (45, 55))[0]
        # Extra copies: mean chosen so that duplicates reach the target share of what is left.
        originals_left = max(1, remaining - remaining_dups)
        mean = remaining_dups / originals_left if remaining_dups > 0 else 0.0
        extra = 0
        if mean > 0 and remaining > 1:
            p_any = min(1.0, mean / 1.12)
            if r.random() < p_any:
                extra = 1
                if len(possible) == 3 and r.random() < 0.25 and remaining > 2:
                    extra = 2
        extra = min(extra, len(possible) - 1, remaining - 1, max(0, remaining_dups))
        others = [s for s in possible if s != first]
        r.shuffle(others)
        targets = [first] + others[:extra]
        works += 1
        label = f"w{works}"
        kinds[kind] += 1
        copies_hist[len(targets)] += 1
        for i, source in enumerate(targets):
            line, variations = render(g, w, source, i, label)
            for v in variations:
                variation_counts[v] = variation_counts.get(v, 0) + 1
            emit(line)
        written += len(targets)
        dups += len(targets) - 1

    for source in SOURCE_IDS:
        window = windows[source]
        r.shuffle(window)
        for item in window:
            flush_one(source, item)
        window.clear()
        writers[source].close()
    jsonl.close()
    labels.close()

    # Source files.
    (out / "sources").mkdir(exist_ok=True)
    for source in SOURCE_IDS:
        (out / "sources" / f"{source}.toml").write_text(source_toml(
            source, f"../dumps/{source}", "Written by bench/gen_dedup.py (synthetic deduplication benchmark)."))

    # Change batch.
    change_kinds: dict[str, int] = {}
    if args.changes:
        (out / "changes" / "sources").mkdir(parents=True, exist_ok=True)
        cw = PageWriter(out / "changes" / "dumps" / CHANGE_SOURCE, CHANGE_SOURCE, max(args.changes, 1),
                        first_page=9999, level=args.gzip_level)
        for line in reservoir:
            changed, kind = edit_for_change(g, line)
            change_kinds[kind] = change_kinds.get(kind, 0) + 1
            cw.add(record_xml(changed))
        cw.close()
        for source in SOURCE_IDS:
            path = f"../dumps/{source}" if source == CHANGE_SOURCE else f"../../dumps/{source}"
            (out / "changes" / "sources" / f"{source}.toml").write_text(source_toml(
                source, path, "Written by bench/gen_dedup.py: the change batch (bench-hal reads only the change page)."))

    positive_pairs = copies_hist[2] + 3 * copies_hist[3]
    manifest = {
        "generator": "bench/gen_dedup.py", "seed": args.seed, "records": written,
        "duplicates_requested": args.duplicates, "duplicate_records": dups,
        "duplicate_share": round(dups / max(written, 1), 4), "works": works,
        "works_by_copies": {str(k): v for k, v in copies_hist.items()}, "positive_pairs": positive_pairs,
        "works_by_kind": kinds, "records_by_source": counts, "page_size": args.page_size,
        "changes": len(reservoir), "change_source": CHANGE_SOURCE, "change_edits": change_kinds,
        "variations": dict(sorted(variation_counts.items())),
        "jsonl_bytes": os.path.getsize(out / "records.jsonl"),
        "dump_gz_bytes": sum(p.stat().st_size for p in (out / "dumps").rglob("*.xml.gz")),
        "generation_s": round(time.monotonic() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"{written:,} records ({dups:,} duplicates, {dups / max(written, 1):.1%}), {works:,} works, "
          f"{positive_pairs:,} positive pairs; by source {counts}; {manifest['generation_s']} s -> {out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
