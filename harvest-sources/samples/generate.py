#!/usr/bin/env python3
"""Generate essor's offline sample sources: synthetic but realistic OAI-PMH dumps.

Writes, next to this file:

* ``sample-hal-ess.toml``   + ``dumps/sample-hal-ess/page-000N.xml``      (HAL-style oai_dc theses)
* ``sample-dumas-ess.toml`` + ``dumps/sample-dumas-ess/page-000N.xml.gz`` (DUMAS-style master's, gzipped)
* ``sample-etd-etdms.toml`` + ``dumps/sample-etd-etdms/page-000N.xml``    (DSpace-style ETD-MS 1.1)
* ``expected.json``: what a correct harvest of these dumps must find (counts, deleted records,
  off-topic records, duplicate groups), for tests.

Everything is synthetic: people are invented, theses are invented; universities, laboratories and
programmes are real institutions, used so that affiliation parsing meets realistic strings.
HAL and DUMAS identifiers use the range 09000000+, far above any real HAL identifier.

The output is deterministic (fixed seed, fixed dates, gzip with mtime 0): running this script twice
gives the same bytes. Standard library only.

    python3 harvest-sources/samples/generate.py                   # regenerate
    python3 harvest-sources/samples/generate.py --validate DIR    # regenerate, then check every page
                                                                  # with xmllint; DIR holds
                                                                  # validate-all.xsd (../shared/fixtures/schemas)
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
SEED = 20261122
NBSP = "\u00a0"
RESPONSE_DAY = datetime(2026, 11, 20, 8, 14, 31)

# --------------------------------------------------------------------------------------------
# Vocabulary. Actors and topics carry their French article so that "de"/"à" contract properly.
# --------------------------------------------------------------------------------------------

# (French noun phrase, English noun phrase, French keywords, English keywords, scope)
# scope: "fr" = French context, "qc" = Québec context, "any" = both
ACTORS = [
    ("les sociétés coopératives et participatives (SCOP)", "worker cooperatives (SCOP)",
     ["SCOP", "Coopératives de travail"], ["Worker cooperatives"], "fr"),
    ("les sociétés coopératives d'intérêt collectif (SCIC)", "multi-stakeholder cooperatives (SCIC)",
     ["SCIC", "Multisociétariat"], ["Multi-stakeholder cooperatives"], "fr"),
    ("les coopératives agricoles", "agricultural cooperatives",
     ["Coopératives agricoles", "Agriculture"], ["Agricultural cooperatives", "Agriculture"], "any"),
    ("les coopératives d'activité et d'emploi", "business and employment cooperatives",
     ["Coopératives d'activité et d'emploi", "Entrepreneuriat salarié"],
     ["Business and employment cooperatives", "Salaried entrepreneurship"], "fr"),
    ("les coopératives d'habitants", "housing cooperatives",
     ["Habitat participatif", "Coopératives d'habitation"], ["Cooperative housing"], "any"),
    ("les mutuelles de santé", "health mutuals",
     ["Mutualité", "Complémentaire santé"], ["Mutual societies", "Supplementary health insurance"], "fr"),
    ("les sociétés d'assurance mutuelle", "mutual insurance companies",
     ["Mutuelles d'assurance", "Mutualisme"], ["Mutual insurance", "Mutualism"], "any"),
    ("les associations employeuses", "nonprofit employers",
     ["Associations", "Emploi associatif"], ["Nonprofit organizations", "Nonprofit employment"], "fr"),
    ("les associations d'éducation populaire", "popular education associations",
     ["Éducation populaire", "Associations"], ["Popular education", "Voluntary associations"], "fr"),
    ("les fondations", "foundations",
     ["Fondations", "Philanthropie"], ["Foundations", "Philanthropy"], "any"),
    ("les structures de l'insertion par l'activité économique", "work integration social enterprises",
     ["Insertion par l'activité économique", "IAE"], ["Work integration social enterprises", "WISE"], "fr"),
    ("les ateliers et chantiers d'insertion", "integration workshops and worksites",
     ["Chantiers d'insertion", "Insertion professionnelle"], ["Work integration", "Back-to-work schemes"], "fr"),
    ("les entreprises adaptées", "adapted enterprises for disabled workers",
     ["Entreprises adaptées", "Handicap"], ["Sheltered employment", "Disability"], "fr"),
    ("les organisations de commerce équitable", "fair trade organizations",
     ["Commerce équitable", "Labels"], ["Fair trade", "Certification"], "any"),
    ("les banques coopératives", "cooperative banks",
     ["Banques coopératives", "Finance solidaire"], ["Cooperative banks", "Solidarity finance"], "fr"),
    ("les financeurs solidaires", "solidarity finance providers",
     ["Finance solidaire", "Épargne solidaire"], ["Solidarity finance", "Socially responsible savings"], "fr"),
    ("les institutions de microfinance", "microfinance institutions",
     ["Microfinance", "Microcrédit"], ["Microfinance", "Microcredit"], "any"),
    ("les monnaies locales complémentaires", "local complementary currencies",
     ["Monnaies locales", "Monnaies complémentaires"], ["Local currencies", "Complementary currencies"], "fr"),
    ("les associations pour le maintien d'une agriculture paysanne (AMAP)",
     "community-supported agriculture schemes (AMAP)",
     ["AMAP", "Circuits courts"], ["Community-supported agriculture", "Short food supply chains"], "fr"),
    ("les ressourceries et recycleries", "reuse and repair centres",
     ["Ressourceries", "Réemploi"], ["Reuse centres", "Reuse"], "fr"),
    ("les tiers-lieux", "third places",
     ["Tiers-lieux", "Fablabs"], ["Third places", "Fab labs"], "any"),
    ("les pôles territoriaux de coopération économique", "territorial economic cooperation clusters",
     ["PTCE", "Coopération territoriale"], ["Territorial cooperation clusters"], "fr"),
    ("les entreprises sociales", "social enterprises",
     ["Entreprise sociale", "Entrepreneuriat social"], ["Social enterprise", "Social entrepreneurship"], "any"),
    ("les régies de quartier", "neighbourhood management enterprises",
     ["Régies de quartier", "Politique de la ville"], ["Neighbourhood enterprises", "Urban policy"], "fr"),
    ("les épiceries solidaires", "social grocery stores",
     ["Épiceries solidaires", "Aide alimentaire"], ["Social groceries", "Food aid"], "fr"),
    ("les coopératives de solidarité", "solidarity cooperatives",
     ["Coopératives de solidarité"], ["Solidarity cooperatives"], "qc"),
    ("les centres de la petite enfance", "early childhood centres (CPE)",
     ["Centres de la petite enfance", "Services de garde"], ["Childcare centres", "Early childhood"], "qc"),
    ("les caisses populaires Desjardins", "Desjardins credit unions",
     ["Caisses populaires", "Mouvement Desjardins"], ["Credit unions", "Desjardins"], "qc"),
    ("les entreprises d'économie sociale en aide à domicile", "social economy home-care enterprises",
     ["Aide à domicile", "EESAD"], ["Home care", "Social economy enterprises"], "qc"),
    ("les organismes communautaires", "community organizations",
     ["Action communautaire autonome", "Organismes communautaires"], ["Community organizations"], "qc"),
    ("les coopératives jeunesse de services", "youth service cooperatives",
     ["Coopératives jeunesse", "Éducation coopérative"], ["Youth cooperatives", "Cooperative education"], "qc"),
]

# (French noun phrase with article, English noun phrase, French keywords, English keywords)
TOPICS = [
    ("la gouvernance démocratique", "democratic governance",
     ["Gouvernance", "Démocratie"], ["Governance", "Democracy"]),
    ("l'utilité sociale", "social utility", ["Utilité sociale"], ["Social utility"]),
    ("la mesure de l'impact social", "social impact measurement",
     ["Impact social", "Évaluation"], ["Social impact", "Evaluation"]),
    ("l'hybridation des ressources", "resource hybridization",
     ["Hybridation des ressources", "Financement"], ["Resource mix", "Funding"]),
    ("l'innovation sociale", "social innovation", ["Innovation sociale"], ["Social innovation"]),
    ("l'engagement bénévole", "volunteer engagement", ["Bénévolat", "Engagement"], ["Volunteering", "Civic engagement"]),
    ("la professionnalisation", "professionalization", ["Professionnalisation"], ["Professionalization"]),
    ("la transition écologique", "ecological transition",
     ["Transition écologique", "Développement durable"], ["Ecological transition", "Sustainable development"]),
    ("le développement local", "local development", ["Développement local", "Territoire"], ["Local development", "Territory"]),
    ("l'ancrage territorial", "territorial embeddedness", ["Ancrage territorial"], ["Territorial embeddedness"]),
    ("l'isomorphisme institutionnel", "institutional isomorphism",
     ["Isomorphisme institutionnel", "Banalisation"], ["Institutional isomorphism", "Demutualization"]),
    ("le partage de la valeur", "value sharing", ["Partage de la valeur", "Réserves impartageables"], ["Value sharing"]),
    ("la qualité de l'emploi", "job quality", ["Qualité de l'emploi", "Conditions de travail"], ["Job quality", "Working conditions"]),
    ("les parcours d'insertion", "integration pathways", ["Insertion", "Parcours"], ["Labour market integration"]),
    ("la commande publique responsable", "socially responsible public procurement",
     ["Marchés publics", "Clauses sociales"], ["Public procurement", "Social clauses"]),
    ("le financement participatif", "crowdfunding", ["Financement participatif"], ["Crowdfunding"]),
    ("la gestion des communs", "commons governance", ["Communs", "Ostrom"], ["Commons", "Common-pool resources"]),
    ("la relocalisation alimentaire", "food relocalization",
     ["Circuits courts", "Systèmes alimentaires territoriaux"], ["Short food supply chains", "Local food systems"]),
    ("l'économie circulaire", "the circular economy", ["Économie circulaire", "Réemploi"], ["Circular economy", "Reuse"]),
    ("l'égalité femmes-hommes", "gender equality", ["Genre", "Égalité professionnelle"], ["Gender", "Gender equality"]),
    ("la coopération inter-organisationnelle", "inter-organizational cooperation",
     ["Coopération", "Réseaux"], ["Cooperation", "Networks"]),
    ("les politiques publiques de l'économie sociale et solidaire", "public policies for the social and solidarity economy",
     ["Politiques publiques", "Collectivités territoriales"], ["Public policy", "Local authorities"]),
    ("la reprise d'entreprise par les salariés", "employee buyouts",
     ["Reprise d'entreprise", "Transmission"], ["Employee buyouts", "Business transfer"]),
    ("le coopérativisme de plateforme", "platform cooperativism",
     ["Plateformes coopératives", "Numérique"], ["Platform cooperativism", "Digital economy"]),
    ("la démocratie au travail", "workplace democracy", ["Démocratie au travail", "Participation"], ["Workplace democracy"]),
    ("l'inclusion financière", "financial inclusion", ["Inclusion financière", "Exclusion bancaire"], ["Financial inclusion"]),
    ("la sobriété", "sufficiency", ["Sobriété", "Décroissance"], ["Sufficiency", "Degrowth"]),
]

PLACES_FR = [
    ("en Bretagne", "in Brittany", "Bretagne"),
    ("en Occitanie", "in Occitania", "Occitanie"),
    ("dans les Hauts-de-France", "in Hauts-de-France", "Hauts-de-France"),
    ("en Auvergne-Rhône-Alpes", "in Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
    ("en Nouvelle-Aquitaine", "in Nouvelle-Aquitaine", "Nouvelle-Aquitaine"),
    ("dans le Grand Est", "in the Grand Est region", "Grand Est"),
    ("dans les Pays de la Loire", "in the Pays de la Loire", "Pays de la Loire"),
    ("en Provence-Alpes-Côte d'Azur", "in Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
    ("en Île-de-France", "in the Paris region", "Île-de-France"),
    ("en Normandie", "in Normandy", "Normandie"),
    ("en Bourgogne-Franche-Comté", "in Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"),
    ("en Centre-Val de Loire", "in Centre-Val de Loire", "Centre-Val de Loire"),
    ("à La Réunion", "in Réunion", "La Réunion"),
    ("en Corse", "in Corsica", "Corse"),
    ("dans l'agglomération lyonnaise", "in the Lyon metropolitan area", "Lyon"),
    ("à Marseille", "in Marseille", "Marseille"),
    ("dans le bassin minier du Nord-Pas-de-Calais", "in the Nord-Pas-de-Calais coalfield", "Nord-Pas-de-Calais"),
    ("en Ardèche méridionale", "in southern Ardèche", "Ardèche"),
    ("en Seine-Saint-Denis", "in Seine-Saint-Denis", "Seine-Saint-Denis"),
    ("au Pays basque", "in the French Basque Country", "Pays basque"),
    ("en France et en Belgique", "in France and Belgium", "Europe"),
    ("en France et au Québec", "in France and Québec", "Québec"),
    ("en Afrique de l'Ouest", "in West Africa", "Afrique de l'Ouest"),
    ("au Sénégal", "in Senegal", "Sénégal"),
    ("au Brésil", "in Brazil", "Brésil"),
]

PLACES_QC = [
    ("au Québec", "in Québec", "Québec"),
    ("à Montréal", "in Montréal", "Montréal"),
    ("dans le Bas-Saint-Laurent", "in the Bas-Saint-Laurent region", "Bas-Saint-Laurent"),
    ("en Gaspésie", "in the Gaspé Peninsula", "Gaspésie"),
    ("au Saguenay–Lac-Saint-Jean", "in Saguenay–Lac-Saint-Jean", "Saguenay–Lac-Saint-Jean"),
    ("en Estrie", "in the Eastern Townships", "Estrie"),
    ("en Abitibi-Témiscamingue", "in Abitibi-Témiscamingue", "Abitibi-Témiscamingue"),
    ("dans les quartiers centraux de Québec", "in Québec City's inner neighbourhoods", "Ville de Québec"),
    ("au Québec et en Ontario francophone", "in Québec and francophone Ontario", "Canada"),
    ("au Nouveau-Brunswick", "in New Brunswick", "Acadie"),
]

APPROACHES = [
    ("une approche par les capabilités", "a capability approach"),
    ("une analyse institutionnaliste", "an institutionalist analysis"),
    ("une étude de cas multiples", "a multiple case study"),
    ("une perspective historique", "a historical perspective"),
    ("une approche économétrique", "an econometric approach"),
    ("une recherche-action", "an action research"),
    ("une enquête ethnographique", "an ethnographic study"),
    ("une analyse en termes de conventions", "a conventionalist analysis"),
    ("une approche par les parties prenantes", "a stakeholder approach"),
    ("une analyse de réseaux", "a network analysis"),
    ("une perspective polanyienne", "a Polanyian perspective"),
    ("une approche par la sociologie de la traduction", "an actor-network approach"),
]

FR_CONTEXT = [
    ("Depuis la loi du 31 juillet 2014 relative à l'économie sociale et solidaire, {A} occupent une place croissante dans les politiques publiques territoriales.",
     "Since the French law of 31 July 2014 on the social and solidarity economy, {A_en} have gained a growing place in local public policies."),
    ("Dans un contexte de raréfaction des financements publics et de généralisation des appels à projets, les organisations de l'économie sociale et solidaire sont sommées de démontrer leur efficacité.",
     "As public funding shrinks and calls for tenders spread, social and solidarity economy organizations are required to demonstrate their efficiency."),
    ("Longtemps restées en marge de l'analyse économique, ces organisations suscitent un intérêt renouvelé depuis la crise financière de 2008.",
     "Long neglected by economic analysis, these organizations have attracted renewed interest since the 2008 financial crisis."),
    ("La crise sanitaire de 2020 a mis en lumière le rôle des initiatives solidaires dans la continuité des services essentiels.",
     "The 2020 health crisis highlighted the role of solidarity initiatives in keeping essential services running."),
    ("Héritières des associations ouvrières du XIXe siècle, {A} revendiquent un projet politique fondé sur la «\u00a0double qualité\u00a0» de leurs membres.",
     "Heirs to nineteenth-century workers' associations, {A_en} claim a political project based on the \"dual quality\" of their members."),
]

QC_CONTEXT = [
    ("Depuis l'adoption de la Loi sur l'économie sociale en 2013, {A} bénéficient d'une reconnaissance comme partenaires de l'action gouvernementale.",
     "Since the adoption of Québec's Social Economy Act in 2013, {A_en} have been recognized as partners of government action."),
    ("Au Québec, le Chantier de l'économie sociale et les pôles régionaux ont contribué à l'institutionnalisation de ces entreprises depuis le Sommet sur l'économie et l'emploi de 1996.",
     "In Québec, the Chantier de l'économie sociale and the regional hubs have helped institutionalize these enterprises since the 1996 Summit on the Economy and Employment."),
    ("Le modèle québécois de développement repose en partie sur la concertation entre l'État, les mouvements sociaux et les entreprises collectives.",
     "The Québec development model relies in part on concertation between the state, social movements and collective enterprises."),
]

FINDINGS = [
    ("Nous montrons que {T} repose sur des compromis fragiles entre logiques marchande, redistributive et réciprocitaire.",
     "We show that {T_en} rests on fragile compromises between market, redistributive and reciprocal logics."),
    ("Les résultats mettent en évidence un processus d'isomorphisme institutionnel, nuancé par des formes de résistance portées par les sociétaires.",
     "The results highlight a process of institutional isomorphism, tempered by forms of resistance carried by members."),
    ("L'analyse révèle une forte hétérogénéité des pratiques, que nous organisons en trois idéaux-types.",
     "The analysis reveals highly heterogeneous practices, which we organize into three ideal types."),
    ("Nous identifions trois conditions de pérennisation des initiatives : l'ancrage territorial, l'hybridation des ressources et la coopération avec les collectivités.",
     "We identify three conditions for the durability of initiatives: territorial embeddedness, resource hybridization and cooperation with local authorities."),
    ("Les données quantitatives indiquent un effet significatif sur l'emploi local, mais un effet plus ambigu sur la qualité des emplois créés.",
     "Quantitative data show a significant effect on local employment, but a more ambiguous effect on the quality of the jobs created."),
    ("Les salariés comme les bénévoles décrivent un travail « qui a du sens », mais aussi une intensification et une précarité accrues.",
     "Employees and volunteers alike describe \"meaningful\" work, but also intensification and growing precariousness."),
    ("Les dispositifs d'évaluation, loin d'être neutres, redéfinissent ce qui compte comme valeur sociale.",
     "Far from being neutral, evaluation devices redefine what counts as social value."),
]

CONTRIBUTIONS = [
    ("{Doc} contribue aux débats sur l'institutionnalisation de l'économie sociale et solidaire et formule des recommandations pour l'action publique.",
     "{Doc_en} contributes to debates on the institutionalization of the social and solidarity economy and makes recommendations for public policy."),
    ("{Pron} propose enfin une grille d'évaluation de l'utilité sociale co-construite avec les acteurs.",
     "Finally, it proposes a social utility assessment framework co-constructed with practitioners."),
    ("Ces résultats invitent à repenser les outils de gestion au regard du projet politique des organisations.",
     "These findings call for management tools to be rethought in the light of the organizations' political project."),
    ("{Pron} ouvre des pistes pour une économie plurielle, articulant marché, redistribution et réciprocité.",
     "It opens avenues for a plural economy combining market, redistribution and reciprocity."),
]

# Off-topic records: real repositories send every thesis, and essor keeps the ESS ones after
# harvest. Several of these use ESS-sounding words in another sense (coopération, mutualisation,
# associations, solidaire, commun) to trap a naive keyword filter.
OFF_TOPIC = [
    ("Coopération entre robots mobiles pour l'exploration de zones inconnues",
     "Cooperation between mobile robots for the exploration of unknown areas",
     "[INFO.INFO-RB]Computer Science [cs]/Robotics [cs.RO]", ["Robotique", "Systèmes multi-agents"], ["Robotics", "Multi-agent systems"]),
    ("Mutualisation des ressources radio dans les réseaux 5G",
     "Radio resource pooling in 5G networks",
     "[INFO.INFO-NI]Computer Science [cs]/Networking and Internet Architecture [cs.NI]", ["Réseaux 5G", "Mutualisation"], ["5G networks", "Resource pooling"]),
    ("Les associations de malfaiteurs en droit pénal français",
     "Criminal conspiracy in French criminal law",
     "[SHS.DROIT]Humanities and Social Sciences/Law", ["Droit pénal", "Association de malfaiteurs"], ["Criminal law", "Conspiracy"]),
    ("Comportement des assemblages solidaires sous sollicitations sismiques",
     "Behaviour of rigidly connected assemblies under seismic loading",
     "[SPI.GCIV]Engineering Sciences [physics]/Civil Engineering", ["Génie parasismique", "Assemblages"], ["Earthquake engineering", "Joints"]),
    ("Synthèse et caractérisation de nanoparticules d'oxyde de cérium",
     "Synthesis and characterization of cerium oxide nanoparticles",
     "[CHIM.MATE]Chemical Sciences/Material chemistry", ["Nanoparticules", "Oxyde de cérium"], ["Nanoparticles", "Ceria"]),
    ("Apprentissage profond pour la segmentation d'images médicales",
     "Deep learning for medical image segmentation",
     "[INFO.INFO-CV]Computer Science [cs]/Computer Vision and Pattern Recognition [cs.CV]", ["Apprentissage profond", "Imagerie médicale"], ["Deep learning", "Medical imaging"]),
    ("Le sens commun dans la philosophie écossaise du XVIIIe siècle",
     "Common sense in eighteenth-century Scottish philosophy",
     "[SHS.PHIL]Humanities and Social Sciences/Philosophy", ["Sens commun", "Philosophie écossaise"], ["Common sense", "Scottish philosophy"]),
    ("Rôle du microbiote intestinal dans la résistance à l'insuline",
     "Role of the gut microbiota in insulin resistance",
     "[SDV.MHEP]Life Sciences [q-bio]/Human health and pathology", ["Microbiote", "Insuline"], ["Microbiota", "Insulin resistance"]),
    ("Dynamique sédimentaire des estuaires macrotidaux",
     "Sediment dynamics of macrotidal estuaries",
     "[SDU.STU]Sciences of the Universe [physics]/Earth Sciences", ["Estuaires", "Sédiments"], ["Estuaries", "Sediments"]),
    ("Vérification formelle de protocoles cryptographiques",
     "Formal verification of cryptographic protocols",
     "[INFO.INFO-CR]Computer Science [cs]/Cryptography and Security [cs.CR]", ["Méthodes formelles", "Cryptographie"], ["Formal methods", "Cryptography"]),
    ("Écologie comportementale du chamois dans les Alpes occidentales",
     "Behavioural ecology of the chamois in the western Alps",
     "[SDE.BE]Environmental Sciences/Biodiversity and Ecology", ["Chamois", "Écologie"], ["Chamois", "Ecology"]),
    ("Les représentations de la ville dans le roman français de l'entre-deux-guerres",
     "Representations of the city in the French novel between the wars",
     "[SHS.LITT]Humanities and Social Sciences/Literature", ["Roman", "Ville"], ["Novel", "City"]),
]

OFF_TOPIC_ABSTRACT = (
    ("{Doc} présente des travaux originaux dans ce domaine. Après un état de l'art, nous proposons une méthode nouvelle, "
     "validée expérimentalement sur plusieurs jeux de données. Les résultats obtenus améliorent l'état de l'art et ouvrent "
     "des perspectives d'application."),
    ("{Doc_en} presents original work in this field. After a review of the state of the art, we propose a new method, "
     "validated experimentally on several datasets. The results improve on the state of the art and open up applications."),
)

HAL_DOMAINS = [
    ("[SHS.ECO]Humanities and Social Sciences/Economics and Finance", "Sciences économiques", "Economics"),
    ("[SHS.GESTION]Humanities and Social Sciences/Business administration", "Sciences de gestion", "Management"),
    ("[SHS.SOCIO]Humanities and Social Sciences/Sociology", "Sociologie", "Sociology"),
    ("[SHS.GEO]Humanities and Social Sciences/Geography", "Géographie", "Geography"),
    ("[SHS.SCIPO]Humanities and Social Sciences/Political science", "Science politique", "Political science"),
    ("[SHS.DROIT]Humanities and Social Sciences/Law", "Droit", "Law"),
    ("[SHS.HIST]Humanities and Social Sciences/History", "Histoire", "History"),
]

# (name as HAL prints it, NNT establishment code, ISO 3166-2, laboratories, HAL collection)
FR_UNIVERSITIES = [
    ("Université Lumière - Lyon II", "LYSE", "FR-ARA",
     ["Triangle : action, discours, pensée politique et économique (TRIANGLE) ; École normale supérieure - Lyon (ENS Lyon)-Université Lumière - Lyon 2 (UL2)-Centre National de la Recherche Scientifique (CNRS)",
      "Centre Max Weber (CMW) ; Université Lumière - Lyon 2 (UL2)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-LYON2"),
    ("Université Grenoble Alpes", "GREA", "FR-ARA",
     ["Centre de recherche en économie de Grenoble (CREG) ; Université Grenoble Alpes (UGA)",
      "Pacte, Laboratoire de sciences sociales (PACTE) ; Université Grenoble Alpes (UGA)-Centre National de la Recherche Scientifique (CNRS)"], "UGA"),
    ("Université Paris-Est Créteil Val-de-Marne - Paris 12", "PESC", "FR-IDF",
     ["Institut de Recherche en Gestion (IRG) ; Université Paris-Est Créteil Val-de-Marne - Paris 12 (UPEC UP12)"], "UPEC"),
    ("Conservatoire national des arts et métiers - CNAM", "CNAM", "FR-IDF",
     ["Laboratoire interdisciplinaire pour la sociologie économique (LISE) ; Conservatoire National des Arts et Métiers (CNAM)-Centre National de la Recherche Scientifique (CNRS)"], "CNAM"),
    ("Université Paris 1 Panthéon-Sorbonne", "PA01", "FR-IDF",
     ["Centre d'économie de la Sorbonne (CES) ; Université Paris 1 Panthéon-Sorbonne (UP1)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-PARIS1"),
    ("Université de Lille", "ULIL", "FR-HDF",
     ["Centre lillois d'études et de recherches sociologiques et économiques - UMR 8019 (CLERSÉ) ; Université de Lille-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-LILLE"),
    ("Université de Montpellier", "MONT", "FR-OCC",
     ["Montpellier Research in Management (MRM) ; Université de Montpellier (UM)",
      "Acteurs, Ressources et Territoires dans le Développement (UMR ART-Dev) ; Université de Montpellier (UM)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-MONTPELLIER"),
    ("Université Toulouse le Mirail - Toulouse II", "TOU2", "FR-OCC",
     ["Centre d'Étude et de Recherche Travail Organisation Pouvoir (CERTOP) ; Université Toulouse - Jean Jaurès (UT2J)-Centre National de la Recherche Scientifique (CNRS)"], "UT2J"),
    ("Aix-Marseille Université (AMU)", "AIXM", "FR-PAC",
     ["Laboratoire d'Économie et de Sociologie du Travail (LEST) ; Aix Marseille Université (AMU)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-AMU"),
    ("Université Rennes 2", "REN2", "FR-BRE",
     ["Espaces et Sociétés (ESO) ; Université Rennes 2 (UR2)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-RENNES2"),
    ("Université de Bretagne occidentale - Brest", "BRES", "FR-BRE",
     ["Laboratoire d'Économie et de Gestion de l'Ouest (LEGO) ; Université de Brest (UBO)-Université de Bretagne Sud (UBS)-IMT Atlantique (IMT Atlantique)"], "UNIV-BREST"),
    ("Nantes Université", "NANT", "FR-PDL",
     ["Laboratoire d'économie et de management de Nantes Atlantique (LEMNA) ; Nantes Université (NU)"], "UNIV-NANTES"),
    ("Université de Bordeaux", "BORD", "FR-NAQ",
     ["Bordeaux Sciences Economiques (BSE) ; Université de Bordeaux (UB)-Centre National de la Recherche Scientifique (CNRS)"], "UNIV-BORDEAUX"),
    ("Université de Reims Champagne-Ardenne", "REIM", "FR-GES",
     ["Laboratoire d'économie et gestion REGARDS ; Université de Reims Champagne-Ardenne (URCA)"], "UNIV-REIMS"),
    ("Université Clermont Auvergne", "UCFA", "FR-ARA",
     ["Territoires ; Université Clermont Auvergne (UCA)-Institut national de recherche pour l'agriculture, l'alimentation et l'environnement (INRAE)"], "UCA"),
    ("Université de Caen Normandie", "NORM", "FR-NOR",
     ["Centre de Recherche en Économie et Management (CREM) ; Université de Caen Normandie (UNICAEN)-Université de Rennes (UR)-Centre National de la Recherche Scientifique (CNRS)"], "UNICAEN"),
    ("Université de Poitiers", "POIT", "FR-NAQ",
     ["Centre de recherche en gestion (CEREGE) ; Université de Poitiers = University of Poitiers (UP)"], "UNIV-POITIERS"),
    ("Université de la Réunion", "LARE", "FR-LRE",
     ["Centre d'Économie et de Management de l'Océan Indien (CEMOI) ; Université de La Réunion (UR)"], "UNIV-REUNION"),
    ("Université d'Angers", "ANGE", "FR-PDL",
     ["Groupe de Recherche Angevin en Économie et Management (GRANEM) ; Université d'Angers (UA)"], "UNIV-ANGERS"),
    ("Université de Haute-Alsace", "MULH", "FR-GES",
     ["Centre de recherche sur les économies, les sociétés, les arts et les techniques (CRESAT) ; Université de Haute-Alsace (UHA)"], "UHA"),
]

FR_MASTERS = [
    "Master Économie sociale et solidaire",
    "Master Management des organisations de l'économie sociale et solidaire",
    "Master Développement local et économie solidaire",
    "Master Ingénierie de projets en économie sociale et solidaire",
    "Master Intervention et développement social",
    "Master Gestion des territoires et développement local",
    "Master Sciences sociales, parcours Économie solidaire et logique du marché",
]

# (name, country attribute, ISO 3166-2)
QC_GRANTORS = [
    ("Université de Sherbrooke", "Canada", "CA-QC"),
    ("Université du Québec à Montréal", "Canada", "CA-QC"),
    ("Université Laval", "Canada", "CA-QC"),
    ("HEC Montréal", "Canada", "CA-QC"),
    ("Université de Montréal", "Canada", "CA-QC"),
    ("Université du Québec en Outaouais", "Canada", "CA-QC"),
    ("Université du Québec à Rimouski", "Canada", "CA-QC"),
    ("Université du Québec à Chicoutimi", "Canada", "CA-QC"),
    ("Concordia University", "Canada", "CA-QC"),
    ("Université de Moncton", "Canada", "CA-NB"),
]

# (degree name, level fr, level en, discipline fr, discipline en, doctoral?)
ETD_DEGREES = [
    ("Ph. D.", "Doctorat", "Doctoral", "Administration", "Business Administration", True),
    ("Ph. D.", "Doctorat", "Doctoral", "Sociologie", "Sociology", True),
    ("Ph. D.", "Doctorat", "Doctoral", "Développement régional", "Regional Development", True),
    ("Ph. D.", "Doctorat", "Doctoral", "Travail social", "Social Work", True),
    ("Ph. D.", "Doctorat", "Doctoral", "Études urbaines", "Urban Studies", True),
    ("M. Sc.", "Maîtrise", "Master's", "Gestion et gouvernance des coopératives et des mutuelles",
     "Management and Governance of Cooperatives and Mutuals", False),
    ("M. Sc.", "Maîtrise", "Master's", "Économique", "Economics", False),
    ("M.A.", "Maîtrise", "Master's", "Science politique", "Political Science", False),
    ("M. Serv. soc.", "Maîtrise", "Master's", "Service social", "Social Work", False),
    ("M. Sc.", "Maîtrise", "Master's", "Sciences de l'environnement", "Environmental Sciences", False),
    ("M.A.", "Maîtrise", "Master's", "Développement régional", "Regional Development", False),
]

FIRST_FR = [
    "Élodie", "Hélène", "Jérôme", "François", "Cécile", "Gaëlle", "Maël", "Noémie", "Loïc", "Anaïs",
    "Zoé", "Chloé", "Benoît", "Frédéric", "Agnès", "Thérèse", "Raphaëlle", "Joël", "Sébastien",
    "Mélanie", "Aurélien", "Clément", "Inès", "Léa", "Aïcha", "Mamadou", "Youssef", "Pauline",
    "Camille", "Mathilde", "Guillaume", "Nicolas", "Julien", "Amandine", "Solène", "Bérénice",
    "Gwenaëlle", "Yann", "Erwan", "Ségolène", "Jean-Baptiste", "Marie-Laure", "Anne-Sophie",
    "Pierre-Yves", "Timothée", "Héloïse", "Maëlys", "Rémi", "Irène", "Françoise", "Géraldine", "Lætitia",
]
LAST_FR = [
    "Dupont", "Lefèvre", "Moreau", "Girard", "Bonnaud", "Le Goff", "Le Gall", "Kerjean", "Péquignot",
    "Château", "Crépin", "Delaunay", "Ferrière", "Guérin", "Hérault", "Lemaître", "Marchès", "Nédélec",
    "Ollivier", "Pétré", "Quéré", "Rivière", "Sénéchal", "Thévenot", "Vérot", "Zaïdi", "Benali",
    "Diallo", "N'Diaye", "Mbaye", "Traoré", "Ouédraogo", "Nguyen", "Da Silva", "Fernandes", "Garnier",
    "Fabre", "Roux", "Mercier", "Blanchard", "Bréchet", "Lhuillier", "Cœurdevey", "de La Fontaine",
    "Le Bihan", "de Saint-Just", "d'Argenson", "du Plessis", "de Oliveira", "van der Meer",
]
FIRST_QC = [
    "Marie-Ève", "Jean-François", "Geneviève", "Stéphanie", "Mathieu", "Émilie", "Frédérique",
    "Étienne", "Annie-Claude", "Marc-André", "Marie-Hélène", "Louis-Philippe", "Véronique", "Maxime",
    "Catherine", "Isabelle", "Sylvain", "Josée", "Mélissa", "Gabriel", "Félix", "Rosalie", "Léonie",
    "Olivier", "Samuel", "Anne-Marie", "Jean-Sébastien",
]
LAST_QC = [
    "Tremblay", "Gagnon", "Côté", "Bouchard", "Gauthier", "Bélanger", "Lévesque", "Pelletier",
    "Bérubé", "Thériault", "Ouellet", "Saint-Pierre", "Lachapelle", "Fortin", "Leblanc", "Boivin",
    "Paquette", "Bergeron", "Cloutier", "Poirier", "Thibodeau", "Larochelle", "Gendron", "Brassard",
    "Dubé", "Lapointe", "Morin", "Ducharme",
]
NAMES_EN = [
    ("O'Brien", "Siobhan"), ("MacDonald", "Ian"), ("Chen", "Wei"), ("Singh", "Harpreet"),
    ("Kowalski", "Anna"), ("Murphy", "Sean"), ("Patel", "Priya"), ("Okafor", "Chidi"),
    ("Fraser", "Heather"), ("Rossi", "Giulia"),
]


# --------------------------------------------------------------------------------------------
# French grammar helpers
# --------------------------------------------------------------------------------------------

def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def de(np: str) -> str:
    """"de" + noun phrase with its article: de + le = du, de + les = des."""
    if np.startswith("les "):
        return "des " + np[4:]
    if np.startswith("le "):
        return "du " + np[3:]
    return "de " + np


def bare(np: str) -> str:
    """Drop the leading article ("les SCOP" -> "SCOP")."""
    for article in ("les ", "le ", "la ", "l'"):
        if np.startswith(article):
            return np[len(article):]
    return np


def d_apostrophe(np: str) -> str:
    """"à partir de" + "une approche" -> "à partir d'une approche"."""
    return "d'" + np if np[:1] in "aeiouéèhu" else "de " + np


# --------------------------------------------------------------------------------------------
# Work model
# --------------------------------------------------------------------------------------------

@dataclass
class Person:
    last: str
    first: str

    def sorted_name(self) -> str:  # "Le Goff, Anaïs"
        return f"{self.last}, {self.first}"

    def display_name(self) -> str:  # "Anaïs Le Goff"
        return f"{self.first} {self.last}"


@dataclass
class Work:
    """One synthetic thesis or dissertation, before it is written in a given format."""
    key: str
    doctoral: bool
    ess: bool
    lang: str                      # "fr" or "en": language of the text
    title_fr: str | None
    title_en: str | None
    abstract_fr: str | None
    abstract_en: str | None
    keywords_fr: list[str]
    keywords_en: list[str]
    author: Person
    advisors: list[Person]
    defence: date
    extra: dict = field(default_factory=dict)


def pick_person(rng: random.Random, pool: str) -> Person:
    if pool == "qc":
        return Person(rng.choice(LAST_QC), rng.choice(FIRST_QC))
    if pool == "en":
        last, first = rng.choice(NAMES_EN)
        return Person(last, first)
    return Person(rng.choice(LAST_FR), rng.choice(FIRST_FR))


def pick_year(rng: random.Random, low: int = 1995, high: int = 2026) -> int:
    # Deposits grow over time: weight recent years more.
    years = list(range(low, high + 1))
    weights = [1 + (y - low) ** 1.6 / 8 for y in years]
    return rng.choices(years, weights=weights)[0]


def pick_defence(rng: random.Random, year: int) -> date:
    last_day = date(2026, 10, 30) if year == 2026 else date(year, 12, 20)
    start = date(year, 1, 10)
    return start + timedelta(days=rng.randrange((last_day - start).days))


def make_title(rng: random.Random, actor, topic, place, approach, topic2) -> tuple[str, str]:
    A, A_en = actor[0], actor[1]
    T, T_en = topic[0], topic[1]
    P, P_en = place[0], place[1]
    R, R_en = approach
    T2, T2_en = topic2[0], topic2[1]
    y1 = rng.choice([1945, 1970, 1981, 1995, 2000, 2008])
    y2 = y1 + rng.choice([15, 20, 25, 30])
    templates = [
        (f"{cap(T)} dans {A} {P} : {R}", f"{cap(T_en)} in {A_en} {P_en}: {R_en}"),
        (f"{cap(A)} et {T} : {R}", f"{cap(A_en)} and {T_en}: {R_en}"),
        (f"{cap(A)} à l'épreuve {de(T)} {P}", f"{cap(A_en)} facing {T_en} {P_en}"),
        (f"Le rôle {de(A)} dans {T} {P}", f"The role of {A_en} in {T_en} {P_en}"),
        (f"Entre {T} et {T2} : {A} {P} ({y1}-{y2})", f"Between {T_en} and {T2_en}: {A_en} {P_en} ({y1}-{y2})"),
        (f"Pour une économie de la réciprocité ? {cap(T)} dans {A} {P}",
         f"Towards an economy of reciprocity? {cap(T_en)} in {A_en} {P_en}"),
        (f"{cap(T)} et territoires : {A} {P}", f"{cap(T_en)} and territories: {A_en} {P_en}"),
        (f"Faire vivre {T} : {bare(A)} {P}", f"Making {T_en} work: {A_en} {P_en}"),
    ]
    return rng.choice(templates)


def make_abstract(rng: random.Random, doctoral: bool, scope: str, actor, topic, place, approach) -> tuple[str, str]:
    doc, doc_en = ("Cette thèse", "This thesis") if doctoral else ("Ce mémoire", "This dissertation")
    pron = "Elle" if doctoral else "Il"
    A, A_en, T, T_en, P, P_en = actor[0], actor[1], topic[0], topic[1], place[0], place[1]
    R, R_en = approach
    n_interviews = rng.choice([18, 24, 32, 41, 57, 63, 85])
    n_orgs = rng.choice([4, 6, 12, 27, 38, 112, 540])
    fr = [f"{doc} porte sur {T} dans {A} {P}."]
    en = [f"{doc_en} studies {T_en} in {A_en} {P_en}."]
    context = QC_CONTEXT if scope == "qc" else FR_CONTEXT
    c_fr, c_en = rng.choice(context)
    fr.append(c_fr.format(A=A, A_en=A_en))
    en.append(c_en.format(A=A, A_en=A_en))
    fr.append(f"À partir {d_apostrophe(R)}, nous mobilisons {n_interviews} entretiens semi-directifs, "
              f"des observations participantes et une analyse documentaire portant sur {n_orgs} organisations.")
    en.append(f"Drawing on {R_en}, we use {n_interviews} semi-structured interviews, participant observation "
              f"and documentary analysis covering {n_orgs} organizations.")
    for f_fr, f_en in rng.sample(FINDINGS, rng.choice([1, 1, 2])):
        fr.append(f_fr.format(T=T))
        en.append(f_en.format(T_en=T_en))
    k_fr, k_en = rng.choice(CONTRIBUTIONS)
    fr.append(k_fr.format(Doc=doc, Pron=pron))
    en.append(k_en.format(Doc_en=doc_en))
    return " ".join(fr), " ".join(en)


def make_ess_work(rng: random.Random, key: str, doctoral: bool, scope: str, year: int | None = None,
                  author_pool: str | None = None) -> Work:
    actors = [a for a in ACTORS if a[4] in ("any", scope)]
    actor = rng.choice(actors)
    topic, topic2 = rng.sample(TOPICS, 2)
    place = rng.choice(PLACES_QC if scope == "qc" else PLACES_FR)
    approach = rng.choice(APPROACHES)
    title_fr, title_en = make_title(rng, actor, topic, place, approach, topic2)
    abstract_fr, abstract_en = make_abstract(rng, doctoral, scope, actor, topic, place, approach)
    keywords_fr = ["Économie sociale et solidaire"] + actor[2] + topic[2] + [place[2]]
    keywords_en = ["Social and solidarity economy"] + actor[3] + topic[3]
    if scope == "qc":
        keywords_fr[0] = "Économie sociale"
        keywords_en[0] = "Social economy"
    year = year or pick_year(rng)
    author = pick_person(rng, author_pool or ("qc" if scope == "qc" else "fr"))
    advisors = [pick_person(rng, "qc" if scope == "qc" else "fr") for _ in range(rng.choice([1, 1, 1, 2]))]
    lang = "fr"
    if rng.random() < 0.08:
        lang = "en"
    return Work(key, doctoral, True, lang, title_fr, title_en, abstract_fr, abstract_en,
                keywords_fr, keywords_en, author, advisors, pick_defence(rng, year))


def make_off_topic_work(rng: random.Random, key: str, index: int, doctoral: bool, scope: str) -> Work:
    title_fr, title_en, domain, kw_fr, kw_en = OFF_TOPIC[index % len(OFF_TOPIC)]
    doc, doc_en = ("Cette thèse", "This thesis") if doctoral else ("Ce mémoire", "This dissertation")
    abstract_fr = OFF_TOPIC_ABSTRACT[0].format(Doc=doc)
    abstract_en = OFF_TOPIC_ABSTRACT[1].format(Doc_en=doc_en)
    work = Work(key, doctoral, False, "fr", title_fr, title_en, abstract_fr, abstract_en, kw_fr, kw_en,
                pick_person(rng, "qc" if scope == "qc" else "fr"),
                [pick_person(rng, "qc" if scope == "qc" else "fr")], pick_defence(rng, pick_year(rng, 2008)))
    work.extra["hal_domain"] = domain
    return work


def age_work(rng: random.Random, work: Work) -> None:
    """Old, retro-digitised theses carry thinner metadata: no English, sometimes no abstract."""
    if work.defence.year < 2006 and work.lang == "fr":
        if rng.random() < 0.6:
            work.title_en = None
            work.abstract_en = None
            work.keywords_en = []
        if rng.random() < 0.3:
            work.abstract_fr = None


# --------------------------------------------------------------------------------------------
# OAI-PMH writers
# --------------------------------------------------------------------------------------------

def t(tag: str, text: str, lang: str | None = None, indent: str = "", **attrs: str) -> str:
    attr = "".join(f" {k.replace('_', ':', 1) if k.startswith('xml_') else k}={quoteattr(v)}"
                   for k, v in attrs.items())
    if lang:
        attr += f' xml:lang="{lang}"'
    return f"{indent}<{tag}{attr}>{escape(text)}</{tag}>"


def oai_envelope(body: str, request_attrs: dict[str, str], base_url: str, response_date: datetime,
                 stylesheet: str | None, pretty: bool) -> str:
    req = "".join(f" {k}={quoteattr(v)}" for k, v in request_attrs.items())
    nl = "\n" if pretty else ""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if stylesheet:
        head += f'<?xml-stylesheet type="text/xsl" href="{stylesheet}"?>\n'
    return (head
            + '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
            + nl + f"  <responseDate>{response_date:%Y-%m-%dT%H:%M:%SZ}</responseDate>" + nl
            + f"  <request verb=\"ListRecords\"{req}>{escape(base_url)}</request>" + nl
            + "  <ListRecords>" + nl + body + "  </ListRecords>" + nl + "</OAI-PMH>\n")


def solr_cursor_mark(seed: str) -> str:
    """A token shaped like the Solr cursorMarks HAL hands out (base64: may hold + / =)."""
    digest = hashlib.sha256(seed.encode()).digest()[:10]
    return "AoE" + base64.b64encode(digest).decode()


@dataclass
class Record:
    identifier: str
    datestamp: str
    sets: list[str]
    metadata: str | None   # None = deleted


def hal_like_pages(records: list[Record], per_page: int, base_url: str, first_request: dict[str, str],
                   stamp: str) -> list[str]:
    pages = []
    chunks = [records[i:i + per_page] for i in range(0, len(records), per_page)]
    token = None
    for number, chunk in enumerate(chunks):
        response_date = RESPONSE_DAY + timedelta(seconds=7 * number)
        request = first_request if token is None else {"resumptionToken": token}
        body = "".join(hal_record_xml(r) for r in chunk)
        if number + 1 < len(chunks):
            token = solr_cursor_mark(f"{stamp}-{number}")
            expires = response_date + timedelta(hours=2)
            body += (f'    <resumptionToken expirationDate="{expires:%Y-%m-%dT%H:%M:%SZ}" '
                     f'completeListSize="{len(records)}" cursor="{number * per_page}">{token}</resumptionToken>\n')
        else:
            # HAL's last page: an empty token that only gives the list size (no cursor).
            body += f'    <resumptionToken completeListSize="{len(records)}" />\n'
        pages.append(oai_envelope(body, request, base_url, response_date, "/oai/xsl", pretty=True))
    return pages


def hal_record_xml(record: Record) -> str:
    sets = "".join(f"        <setSpec>{escape(s)}</setSpec>\n" for s in record.sets)
    if record.metadata is None:
        return ("    <record>\n      <header status=\"deleted\">\n"
                f"        <identifier>{record.identifier}</identifier>\n"
                f"        <datestamp>{record.datestamp}</datestamp>\n{sets}      </header>\n    </record>\n")
    return ("    <record>\n      <header>\n"
            f"        <identifier>{record.identifier}</identifier>\n"
            f"        <datestamp>{record.datestamp}</datestamp>\n{sets}      </header>\n"
            f"{record.metadata}    </record>\n")


def hal_dc(work: Work, hal_id: str, portal_host: str, kind: str, contributors: list[str], source_label: str,
           domains: list[str], nnt: str | None, rights: list[str], rng: random.Random) -> str:
    """oai_dc as HAL writes it: namespaces on <metadata> and again on oai_dc:dc, elements unordered."""
    i = "        "
    lines = [f"{i}<dc:publisher>HAL CCSD</dc:publisher>"]
    titles = [("fr", work.title_fr), ("en", work.title_en)]
    if work.lang == "en":
        titles.reverse()
    for lang, title in titles:
        if title:
            lines.append(t("dc:title", title, lang, i))
    lines.append(t("dc:creator", work.author.sorted_name(), None, i))
    for c in contributors:
        lines.append(t("dc:contributor", c, None, i))
    if nnt:
        lines.append(t("dc:identifier", f"NNT: {nnt}", None, i))
    for adv in work.advisors:
        lines.append(t("dc:contributor", adv.display_name(), None, i))
    url = f"https://{portal_host}/{hal_id}"
    pdf = f"{work.defence.year}_{work.author.last.upper().replace(' ', '_').replace(chr(39), '')}_archivage.pdf"
    lines += [t("dc:identifier", hal_id, None, i), t("dc:identifier", url, None, i)]
    if rights and rights[0].endswith("OpenAccess"):
        lines += [t("dc:identifier", f"{url}/document", None, i), t("dc:identifier", f"{url}/file/{pdf}", None, i)]
    lines.append(t("dc:source", url, None, i))
    language_name = {"fr": "Français", "en": "English"}[work.lang]
    if nnt:
        # HAL escapes the angle brackets twice: the text holds "&#x27E8;", not "⟨".
        lines.append(t("dc:source", f"{source_label}. {contributors[-1]}, {work.defence.year}. {language_name}. "
                                    f"&#x27E8;NNT : {nnt}&#x27E9;", None, i))
    else:
        lines.append(t("dc:source", f"{source_label}. {work.defence.year}. &#x27E8;{hal_id}&#x27E9;", None, i))
    lines.append(t("dc:language", work.lang, None, i))
    for kw in work.keywords_en:
        lines.append(t("dc:subject", kw, "en", i))
    for kw in work.keywords_fr:
        lines.append(t("dc:subject", kw, "fr", i))
    for d in domains:
        lines.append(t("dc:subject", d, None, i))
    if kind == "thesis":
        lines += [t("dc:type", "info:eu-repo/semantics/doctoralThesis", None, i), t("dc:type", "Theses", None, i)]
    else:
        lines += [t("dc:type", "info:eu-repo/semantics/masterThesis", None, i), t("dc:type", "Master thesis", None, i)]
    abstracts = [("en", work.abstract_en), ("fr", work.abstract_fr)]
    for lang, abstract in abstracts:
        if abstract:
            # HAL keeps the depositor's line breaks and indentation inside abstracts.
            lines.append(f'{i}<dc:description xml:lang="{lang}">\n{i}    {escape(abstract)}\n{i}    </dc:description>')
    lines.append(t("dc:date", work.defence.isoformat(), None, i))
    for r in rights:
        lines.append(t("dc:rights", r, None, i))
    return ('      <metadata xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:tei="http://www.tei-c.org/ns/1.0" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/  http://www.openarchives.org/OAI/2.0/oai_dc.xsd '
            'http://purl.org/dc/elements/1.1/  http://dublincore.org/schemas/xmls/qdc/2008/02/11/dc.xsd">\n'
            + "\n".join(lines) + "\n        </oai_dc:dc>\n      </metadata>\n")


def nnt_for(rng: random.Random, year: int, code: str) -> str:
    suffix = rng.choice([
        f"{rng.randrange(10000):04d}",
        f"{rng.choice('TEDA')}{rng.randrange(1000):03d}",
        f"{rng.randrange(1, 4)}{rng.randrange(1000):03d}",
    ])
    return f"{year}{code}{suffix}"


def datestamp_after(rng: random.Random, day: date, floor: date = date(2009, 1, 1)) -> date:
    start = max(day + timedelta(days=20), floor)
    end = date(2026, 11, 19)
    if start >= end:
        return end
    return start + timedelta(days=rng.randrange((end - start).days + 1))


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

HAL_BASE = "https://api.archives-ouvertes.fr/oai/hal/"
ETD_BASE = "https://depot.example.ca/server/oai/request"
ETD_HOST = "depot.example.ca"
ETD_HANDLE = "20.500.99999"


def cotutelle_works(rng: random.Random) -> list[tuple[Work, Work, str]]:
    """Theses defended under joint supervision (cotutelle) France–Québec: deposited in HAL and in
    the Québec repository, with the small differences two cataloguers make. Returns
    (HAL version, ETD version, what differs)."""
    pairs = []
    specs = [
        ("identical", None),
        ("title punctuation and case differ (' : le cas' vs ' - Le cas'), advisor order differs", None),
        ("author particle inverted ('de La Fontaine, Anne' vs 'La Fontaine, Anne de'); "
         "no-break space before the colon and a final period in the ETD title", Person("de La Fontaine", "Anne")),
    ]
    for n, (what, author) in enumerate(specs):
        w = make_ess_work(rng, f"cotutelle-{n + 1}", True, "qc", year=rng.choice([2014, 2018, 2021]))
        if author:
            w.author = author
        if n == 1:
            w.title_fr = f"Gouverner une coopérative de solidarité : le cas des coopératives de santé {PLACES_QC[n][0]}"
            w.title_en = f"Governing a solidarity cooperative: the case of health cooperatives {PLACES_QC[n][1]}"
        w.advisors = [pick_person(rng, "fr"), pick_person(rng, "qc")]
        w.extra["fr_university"] = rng.randrange(len(FR_UNIVERSITIES))
        etd = Work(**{**w.__dict__, "extra": dict(w.extra), "advisors": list(w.advisors)})
        if n == 1:
            etd.title_fr = etd.title_fr.replace(" : le cas", " - Le cas")
            etd.advisors = list(reversed(etd.advisors))
        if n == 2:
            etd.author = Person("La Fontaine", "Anne de")
            etd.title_fr = etd.title_fr.replace(" : ", f"{NBSP}: ") + "."
        pairs.append((w, etd, what))
    return pairs


def build_hal(rng: random.Random, cotutelles, near_dups) -> tuple[list[Record], dict]:
    works: list[tuple[Work, str]] = []
    for n in range(269):
        w = make_ess_work(rng, f"hal-{n}", True, "fr")
        age_work(rng, w)
        works.append((w, "fr"))
    for n in range(24):
        works.append((make_off_topic_work(rng, f"hal-off-{n}", n, True, "fr"), "off"))
    for hal_w, _etd, _what in cotutelles:
        works.append((hal_w, "cotutelle"))
    for thesis, _memoire in near_dups:
        works.append((thesis, "near-dup"))
    rng.shuffle(works)

    records, expected = [], {"ess": [], "off_topic": [], "deleted": []}
    ids = sorted(rng.sample(range(9_000_000, 9_099_999), len(works) + 2), reverse=True)
    deleted_at = {17, 203}  # positions (before shuffling into pages) of the two deleted records
    cursor = 0
    for position in range(len(works) + 2):
        hal_id = f"tel-{ids[position]:08d}"
        if position in deleted_at:
            identifier = f"oai:HAL:{hal_id}v1"
            records.append(Record(identifier, "2026-03-02", ["type:THESE", "subject:shs"], None))
            expected["deleted"].append(identifier)
            continue
        work, role = works[cursor]
        cursor += 1
        version = rng.choices([1, 2, 3], weights=[8, 2, 1])[0]
        identifier = f"oai:HAL:{hal_id}v{version}"
        work.extra["hal_identifier"] = identifier
        uni = rng.choice(FR_UNIVERSITIES)
        if role == "cotutelle":
            uni = FR_UNIVERSITIES[work.extra["fr_university"]]
        labs = rng.sample(uni[3], rng.choice([1, 1, len(uni[3])]))
        contributors = labs + [uni[0]]
        if role == "cotutelle":
            contributors = labs + ["Université de Sherbrooke", uni[0]]
        if role == "off":
            domain = work.extra["hal_domain"]
            domains, label = [domain], domain.split("/")[-1]
            subject_sets = ["subject:" + domain[1:domain.index(".")].lower()]
        else:
            d = rng.sample(HAL_DOMAINS, rng.choice([1, 1, 2]))
            domains, label = [x[0] for x in d], d[0][1]
            subject_sets = ["subject:shs"]
        nnt = None
        if work.defence.year >= 1997 and rng.random() < 0.9:
            nnt = nnt_for(rng, work.defence.year, uni[1])
        rights = ["info:eu-repo/semantics/OpenAccess"]
        if rng.random() < 0.12:
            rights = ["info:eu-repo/semantics/embargoedAccess"]
        elif rng.random() < 0.2:
            rights.append("http://creativecommons.org/licenses/by-nc-nd/4.0/")
        sets = ["type:THESE"] + subject_sets + ["collection:SHS" if role != "off" else "collection:TEL", "collection:TEL"]
        if nnt and work.defence.year >= 2006 and rng.random() < 0.7:
            sets.append("collection:STAR")
        sets.append(f"collection:{uni[4]}")
        sets = list(dict.fromkeys(sets))
        stamp = datestamp_after(rng, work.defence)
        metadata = hal_dc(work, hal_id, "theses.hal.science", "thesis", contributors, label, domains, nnt, rights, rng)
        records.append(Record(identifier, stamp.isoformat(), sets, metadata))
        (expected["off_topic"] if role == "off" else expected["ess"]).append(identifier)
    return records, expected


def build_dumas(rng: random.Random, near_dups) -> tuple[list[Record], dict, list[list[str]]]:
    works: list[tuple[Work, str]] = []
    for n in range(136):
        works.append((make_ess_work(rng, f"dumas-{n}", False, "fr", year=pick_year(rng, 2006)), "fr"))
    for n in range(9):
        works.append((make_off_topic_work(rng, f"dumas-off-{n}", n + 3, False, "fr"), "off"))
    for _thesis, memoire in near_dups:
        works.append((memoire, "near-dup"))
    # One dissertation deposited twice (by the student, then by the university's library).
    twin = make_ess_work(rng, "dumas-twin", False, "fr", year=2019)
    twin.title_fr = "Les monnaies locales complémentaires, outils de relocalisation de l'économie ? L'exemple de la Gonette à Lyon"
    twin.title_en = "Local complementary currencies as tools for relocalizing the economy? The example of the Gonette in Lyon"
    twin_copy = Work(**{**twin.__dict__, "extra": {}})
    twin_copy.title_fr = twin.title_fr.replace("l'économie", "l\u2019économie").replace(" ? L'exemple", "{0}? l\u2019exemple".format(NBSP))
    works.append((twin, "twin"))
    works.append((twin_copy, "twin"))
    rng.shuffle(works)

    records, expected = [], {"ess": [], "off_topic": [], "deleted": []}
    ids = sorted(rng.sample(range(9_000_000, 9_099_999), len(works) + 1), reverse=True)
    twins = []
    cursor = 0
    for position in range(len(works) + 1):
        dumas_id = f"dumas-{ids[position]:08d}"
        if position == 88:
            identifier = f"oai:HAL:{dumas_id}v1"
            records.append(Record(identifier, "2025-09-15", ["type:MEM", "collection:DUMAS"], None))
            expected["deleted"].append(identifier)
            continue
        work, role = works[cursor]
        cursor += 1
        identifier = f"oai:HAL:{dumas_id}v1"
        work.extra["hal_identifier"] = identifier
        uni = rng.choice(FR_UNIVERSITIES)
        programme = rng.choice(FR_MASTERS) if role != "off" else "Master"
        contributors = [uni[0]]
        if role != "off" and rng.random() < 0.5:
            work.abstract_fr = f"{programme}. " + (work.abstract_fr or "")
        if role == "off":
            domain = work.extra["hal_domain"]
            domains, label = [domain], domain.split("/")[-1]
        else:
            d = rng.sample(HAL_DOMAINS[:5], 1)
            domains, label = [d[0][0]], d[0][2]
        if rng.random() < 0.45:
            work.title_en = None
            work.abstract_en = None
            work.keywords_en = []
        rights = ["info:eu-repo/semantics/OpenAccess"]
        sets = ["type:MEM", "subject:shs" if role != "off" else "subject:" + domains[0][1:domains[0].index(".")].lower(),
                "collection:DUMAS", f"collection:{uni[4]}"]
        stamp = datestamp_after(rng, work.defence, date(2012, 1, 1))
        metadata = hal_dc(work, dumas_id, "dumas.ccsd.cnrs.fr", "master", contributors, label, domains, None, rights, rng)
        records.append(Record(identifier, stamp.isoformat(), sets, metadata))
        (expected["off_topic"] if role == "off" else expected["ess"]).append(identifier)
        if role == "twin":
            twins.append(identifier)
    return records, expected, [twins]


def etdms_record_xml(record: Record) -> str:
    sets = "".join(f"<setSpec>{s}</setSpec>" for s in record.sets)
    if record.metadata is None:
        return (f'<record><header status="deleted"><identifier>{record.identifier}</identifier>'
                f"<datestamp>{record.datestamp}</datestamp>{sets}</header></record>")
    return (f"<record><header><identifier>{record.identifier}</identifier>"
            f"<datestamp>{record.datestamp}</datestamp>{sets}</header>"
            f"<metadata>{record.metadata}</metadata></record>")


def etdms_xml(work: Work, grantors: list[str], degree, handle: str, rng: random.Random) -> str:
    name, level_fr, level_en, disc_fr, disc_en, _doctoral = degree
    parts = ['<thesis xmlns="http://www.ndltd.org/standards/metadata/etdms/1.1/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:dc="http://purl.org/dc/elements/1.1/" '
             'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:doc="http://www.lyncode.com/xoai">']
    main_lang = work.lang
    title = work.title_en if main_lang == "en" else work.title_fr
    alternative = work.title_fr if main_lang == "en" else work.title_en
    if rng.random() < 0.5:
        parts.append(t("title", title, main_lang))
    else:
        parts.append(t("title", title))
    if alternative and rng.random() < 0.6:
        parts.append(t("alternativeTitle", alternative, "fr" if main_lang == "en" else "en"))
    parts.append(t("creator", work.author.sorted_name()))
    for kw in work.keywords_fr:
        parts.append(t("subject", kw, "fr"))
    for kw in work.keywords_en:
        parts.append(t("subject", kw, "en"))
    if work.abstract_fr:
        parts.append(t("description", work.abstract_fr, "fr"))
    if work.abstract_en:
        parts.append(t("description", work.abstract_en, "en"))
    grade = "thèse" if work.doctoral else "mémoire"
    parts.append(t("description", f"Ce {grade} a été déposé par l'auteur·e dans le cadre du programme de "
                                  f"{level_fr.lower()} en {disc_fr.lower()}.", None, role="note"))
    parts.append(t("publisher", grantors[0], None, country="Canada"))
    for n, adv in enumerate(work.advisors):
        role = rng.choice(["advisor", "advisor", "directeur(trice) de recherche/advisor"])
        if n > 0:
            role = rng.choice(["advisor", "codirecteur(trice) de recherche/coadvisor"])
        parts.append(t("contributor", adv.sorted_name(), None, role=role))
    parts.append(t("date", str(work.defence.year) if rng.random() < 0.6 else work.defence.isoformat()))
    parts.append(t("type", "Thèse ou mémoire numérique", "fr"))
    parts.append(t("type", "Electronic Thesis or Dissertation", "en"))
    parts.append(t("identifier", f"http://hdl.handle.net/{handle}"))
    uuid = hashlib.md5(handle.encode()).hexdigest()
    uuid = f"{uuid[:8]}-{uuid[8:12]}-4{uuid[13:16]}-a{uuid[17:20]}-{uuid[20:32]}"
    parts.append(t("identifier", f"https://{ETD_HOST}/bitstreams/{uuid}/download"))
    parts.append(t("format", "application/pdf"))
    parts.append(f'<language xsi:type="dcterms:ISO639-3">{"fra" if main_lang == "fr" else "eng"}</language>')
    parts.append(t("rights", f"© {work.author.display_name()}, {work.defence.year}"))
    if rng.random() < 0.3:
        parts.append(t("rights", "http://creativecommons.org/licenses/by-nc-nd/4.0/"))
    parts.append("<degree>")
    parts.append(t("name", name))
    parts.append(t("level", level_fr, "fr"))
    parts.append(t("level", level_en, "en"))
    parts.append(t("discipline", disc_fr, "fr"))
    parts.append(t("discipline", disc_en, "en"))
    for g in grantors:
        parts.append(t("grantor", g, "en" if "University" in g else "fr"))
    parts.append("</degree></thesis>")
    return "".join(parts)


def build_etd(rng: random.Random, cotutelles) -> tuple[list[Record], dict]:
    works: list[tuple[Work, str]] = []
    for n in range(86):
        doctoral = rng.random() < 0.35
        w = make_ess_work(rng, f"etd-{n}", doctoral, "qc", year=pick_year(rng, 2000))
        if rng.random() < 0.22:
            w.lang = "en"
            if rng.random() < 0.5:
                w.author = pick_person(rng, "en")
        works.append((w, "qc"))
    for n in range(12):
        works.append((make_off_topic_work(rng, f"etd-off-{n}", n + 6, rng.random() < 0.4, "qc"), "off"))
    for _hal, etd, _what in cotutelles:
        works.append((etd, "cotutelle"))
    rng.shuffle(works)

    records, expected = [], {"ess": [], "off_topic": [], "deleted": []}
    handles = sorted(rng.sample(range(10_000, 40_000), len(works) + 3))
    deleted_at = {9, 51, 77}
    cursor = 0
    communities = {"doctoral": f"com_{ETD_HANDLE}_2", "master": f"com_{ETD_HANDLE}_3"}
    for position in range(len(works) + 3):
        handle = f"{ETD_HANDLE}/{handles[position]}"
        identifier = f"oai:{ETD_HOST}:{handle}"
        if position in deleted_at:
            records.append(Record(identifier, "2026-05-04T13:22:07Z", [f"com_{ETD_HANDLE}_1"], None))
            expected["deleted"].append(identifier)
            continue
        work, role = works[cursor]
        cursor += 1
        work.extra["etd_identifier"] = identifier
        degrees = [d for d in ETD_DEGREES if d[5] == work.doctoral]
        degree = rng.choice(degrees)
        grantor = rng.choice(QC_GRANTORS)[0]
        grantors = [grantor]
        if role == "cotutelle":
            grantors = ["Université de Sherbrooke", FR_UNIVERSITIES[work.extra["fr_university"]][0]]
        stamp = datestamp_after(rng, work.defence, date(2012, 1, 1))
        moment = datetime(stamp.year, stamp.month, stamp.day, rng.randrange(24), rng.randrange(60), rng.randrange(60))
        sets = [f"com_{ETD_HANDLE}_1", communities["doctoral" if work.doctoral else "master"],
                f"col_{ETD_HANDLE}_{rng.randrange(10, 40)}"]
        metadata = etdms_xml(work, grantors, degree, handle, rng)
        records.append(Record(identifier, f"{moment:%Y-%m-%dT%H:%M:%SZ}", sets, metadata))
        (expected["off_topic"] if role == "off" else expected["ess"]).append(identifier)
    return records, expected


def etd_pages(records: list[Record], per_page: int) -> list[str]:
    """DSpace (XOAI) pages: one line, tokens "etdms////OFFSET", `cursor` = page index (a DSpace quirk)."""
    pages = []
    chunks = [records[i:i + per_page] for i in range(0, len(records), per_page)]
    token = None
    for number, chunk in enumerate(chunks):
        response_date = RESPONSE_DAY + timedelta(minutes=3, seconds=2 * number)
        request = {"metadataPrefix": "etdms"} if token is None else {"resumptionToken": token}
        body = "".join(etdms_record_xml(r) for r in chunk)
        if number + 1 < len(chunks):
            token = f"etdms////{(number + 1) * per_page}"
            body += f'<resumptionToken completeListSize="{len(records)}" cursor="{number}">{token}</resumptionToken>'
        else:
            body += f'<resumptionToken completeListSize="{len(records)}" cursor="{number}"/>'
        req = "".join(f" {k}={quoteattr(v)}" for k, v in request.items())
        pages.append('<?xml version="1.0" encoding="UTF-8"?>\n'
                     '<?xml-stylesheet type="text/xsl" href="static/style.xsl"?>'
                     '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
                     'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                     'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
                     f"<responseDate>{response_date:%Y-%m-%dT%H:%M:%SZ}</responseDate>"
                     f'<request verb="ListRecords"{req}>{ETD_BASE}</request>'
                     f"<ListRecords>{body}</ListRecords></OAI-PMH>")
    return pages


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

TOMLS = {
    "sample-hal-ess": '''# Offline sample (synthetic): HAL-style doctoral theses in oai_dc, as the real `hal-theses`
# source would return them (set type:THESE, namespaces declared on <metadata>, NNT identifiers,
# doubly escaped entities in dc:source, fr/en titles and abstracts, an empty last token).
# About 8% are off-topic theses, as in a real harvest of every HAL thesis.
# Generated by generate.py in this folder; do not edit the dumps by hand.
name = "Sample: HAL-style ESS theses (synthetic, oai_dc)"
kind = "oai-pmh-dump"
base_url = "{base}"
metadata_prefix = "oai_dc"
sets = ["type:THESE"]
institution = "CCSD (synthetic sample)"
region = "FR-ARA"
path = "dumps/sample-hal-ess"
''',
    "sample-dumas-ess": '''# Offline sample (synthetic): DUMAS-style master's dissertations in oai_dc, saved gzipped
# (page-000N.xml.gz), as the real `dumas` source would return them (set collection:DUMAS).
# Generated by generate.py in this folder; do not edit the dumps by hand.
name = "Sample: DUMAS-style ESS master's dissertations (synthetic, oai_dc, gzipped)"
kind = "oai-pmh-dump"
base_url = "{base}"
metadata_prefix = "oai_dc"
sets = ["collection:DUMAS"]
institution = "CCSD (synthetic sample)"
region = "FR-ARA"
path = "dumps/sample-dumas-ess"
''',
    "sample-etd-etdms": '''# Offline sample (synthetic): a DSpace repository serving ETD-MS 1.1 (etdms), with Québec
# social-economy theses and dissertations in French and English, DSpace quirks included
# (one-line XML, tokens "etdms////40" whose cursor is a page index, deleted records).
# The host depot.example.ca is fictitious.
# Generated by generate.py in this folder; do not edit the dumps by hand.
name = "Sample: DSpace ETD-MS repository, Québec social economy (synthetic, etdms)"
kind = "oai-pmh-dump"
base_url = "{base}"
metadata_prefix = "etdms"
institution = "Dépôt institutionnel fictif (synthetic sample)"
region = "CA-QC"
path = "dumps/sample-etd-etdms"
''',
}


def write_source(source_id: str, pages: list[str], gzipped: bool, base: str) -> list[Path]:
    folder = HERE / "dumps" / source_id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    written = []
    for number, page in enumerate(pages, start=1):
        data = page.encode("utf-8")
        if gzipped:
            path = folder / f"page-{number:04d}.xml.gz"
            path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        else:
            path = folder / f"page-{number:04d}.xml"
            path.write_bytes(data)
        written.append(path)
    (HERE / f"{source_id}.toml").write_text(TOMLS[source_id].format(base=base), encoding="utf-8")
    return written


def validate(paths_by_source: dict[str, list[Path]], schema_dir: Path) -> bool:
    """oai_dc pages against validate-all.xsd; etdms pages against OAI-PMH.xsd with the <metadata>
    wildcard relaxed to skip (there is no ETD-MS XSD), so at least the envelope is checked."""
    if not shutil.which("xmllint"):
        print("xmllint not found (apt-get install libxml2-utils)", file=sys.stderr)
        return False
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lax = tmp / "OAI-PMH-skip.xsd"
        lax.write_text((schema_dir / "OAI-PMH.xsd").read_text(encoding="utf-8")
                       .replace('processContents="strict"', 'processContents="skip"'), encoding="utf-8")
        for source_id, paths in paths_by_source.items():
            schema = lax if source_id == "sample-etd-etdms" else schema_dir / "validate-all.xsd"
            for path in paths:
                target = path
                if path.suffix == ".gz":
                    target = tmp / path.stem
                    target.write_bytes(gzip.decompress(path.read_bytes()))
                result = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", str(schema), str(target)],
                                        capture_output=True, text=True)
                status = "valid" if result.returncode == 0 else "INVALID"
                print(f"{status:8} {path.relative_to(HERE)}  ({schema.name})")
                if result.returncode != 0:
                    ok = False
                    print(result.stderr[-2000:], file=sys.stderr)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--validate", metavar="SCHEMA_DIR", type=Path,
                        help="after generating, validate every page with xmllint against the schemas in SCHEMA_DIR")
    args = parser.parse_args()

    rng = random.Random(SEED)
    cotutelles = cotutelle_works(rng)
    near_dups = []
    for n in range(2):
        memoire = make_ess_work(rng, f"near-dup-master-{n}", False, "fr", year=2012 + 3 * n)
        thesis = make_ess_work(rng, f"near-dup-thesis-{n}", True, "fr", year=2017 + 3 * n)
        thesis.author = memoire.author
        # Same author, same subject, close title, different work: a dissertation later grown into a thesis.
        thesis.title_fr = memoire.title_fr.split(" : ")[0] + " : genèse, tensions et perspectives"
        thesis.title_en = (memoire.title_en or "").split(": ")[0] + ": origins, tensions and prospects"
        near_dups.append((thesis, memoire))

    hal_records, hal_expected = build_hal(rng, cotutelles, near_dups)
    dumas_records, dumas_expected, dumas_twins = build_dumas(rng, near_dups)
    etd_records, etd_expected = build_etd(rng, cotutelles)

    written = {
        "sample-hal-ess": write_source(
            "sample-hal-ess",
            hal_like_pages(hal_records, 100, HAL_BASE, {"metadataPrefix": "oai_dc", "set": "type:THESE"}, "hal"),
            False, HAL_BASE),
        "sample-dumas-ess": write_source(
            "sample-dumas-ess",
            hal_like_pages(dumas_records, 100, HAL_BASE, {"metadataPrefix": "oai_dc", "set": "collection:DUMAS"}, "dumas"),
            True, HAL_BASE),
        "sample-etd-etdms": write_source("sample-etd-etdms", etd_pages(etd_records, 40), False, ETD_BASE),
    }

    def summary(records, expected, pages):
        return {
            "pages": [p.name for p in pages],
            "records": len(records),
            "deleted": sorted(expected["deleted"]),
            "live": len(records) - len(expected["deleted"]),
            "ess": len(expected["ess"]),
            "off_topic": sorted(expected["off_topic"]),
        }

    expected = {
        "_comment": "What a correct harvest of the sample dumps finds. Written by generate.py; do not edit.",
        "sources": {
            "sample-hal-ess": summary(hal_records, hal_expected, written["sample-hal-ess"]),
            "sample-dumas-ess": summary(dumas_records, dumas_expected, written["sample-dumas-ess"]),
            "sample-etd-etdms": summary(etd_records, etd_expected, written["sample-etd-etdms"]),
        },
        "same_work": [
            {"records": [hal.extra["hal_identifier"], etd.extra["etd_identifier"]],
             "why": "thesis under joint supervision (cotutelle) deposited in HAL and in the Québec repository",
             "differences": what}
            for hal, etd, what in cotutelles
        ] + [
            {"records": twins,
             "why": "the same master's dissertation deposited twice in DUMAS",
             "differences": "typographic apostrophes, no-break space and case after '?' in the second title"}
            for twins in dumas_twins
        ],
        "not_same_work": [
            {"records": [thesis.extra["hal_identifier"], memoire.extra["hal_identifier"]],
             "why": "same author and subject, close titles: a master's dissertation (DUMAS) later grown into a "
                    "doctoral thesis (HAL); must NOT be merged"}
            for thesis, memoire in near_dups
        ],
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    total = sum(p.stat().st_size for ps in written.values() for p in ps)
    for source_id, paths in written.items():
        info = expected["sources"][source_id]
        print(f"{source_id}: {len(paths)} pages, {info['records']} records "
              f"({info['live']} live, {len(info['deleted'])} deleted, {len(info['off_topic'])} off-topic)")
    print(f"total size of the dumps: {total / 1024:.0f} KiB")

    if args.validate:
        return 0 if validate(written, args.validate) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
