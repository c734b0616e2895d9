#!/usr/bin/env python3
"""Generate the *hard-case* labelled sets of issue 19 (synthetic, deterministic, standard library).

    python3 tests/dedup-eval/hard.py            # writes records-hard.jsonl, records-hard-holdout.jsonl
    python3 tests/dedup-eval/hard.py --check    # exit 1 if the checked-in files differ

Same line format as records.jsonl (see README.md), plus a `case` on every line: the hard case the
record was written for. `essor dedup-eval` scores pairs overall and per case (a pair counts for a
case when both of its records carry that case). The tuning set (`records-hard.jsonl`, bank "tune")
and the held-out set (`records-hard-holdout.jsonl`, bank "holdout") share no person, title
template, series, place or university: rules are tuned on the first and reported on both.

CASES (each at least 30 works per set, hard negatives included; a work is one label)
  names_script     a thesis whose author's name is written across scripts, diacritics and orders:
                   "Đỗ, Minh Châu" / "Chau Do Minh" / "DO Minh Chau", "Wang, Xiaoming" /
                   "Xiaoming Wang" / "王小明" / "Wang Xiao-Ming", "Kim, Min-jun" / "Minjun Kim",
                   given-name variants with the same initial (Mohamed / Mohammed).
                   Negatives: another person of the same family name, same year and university,
                   on another subject.
  names_compound   compound names and particles: "Leclerc-Faure, Paul-Henri" / "P.-H. Leclerc
                   Faure", "El-Fassi, Leïla" / "Fassi, Leïla El", "Ben-Salah, Karim" / "Salah,
                   Karim Ben". Negatives: the same particle with another name ("El Amrani"), the
                   same given name, a close title, the same year.
  title_prefix     the prefixes repositories add: "Mémoire de master : …", "Mémoire de Master 2 -
                   …", "Thèse de doctorat : …", "[Thesis] …", "… (Thèse)". Negatives: one
                   student's M1 and M2 dissertations ("Mémoire de Master 1 - …" / "… Master 2 -
                   …", same main title, other subtitle), and other students' dissertations
                   under the same prefix.
  title_language   a French thesis copied three times: with both titles (theses.fr), with only
                   the English title (HAL), with only the French one (the university), the place
                   in the title written in each language ("Latin America" / "Amérique latine").
                   Negatives: the same title template on another place, by other people; regional
                   studies of one series in two regions.
  series           issues of observatory series: "Baromètre … n°11" vs n°10 vs n°9 ("n°", "no",
                   "N°", "numéro"), "Note de conjoncture … n°10" vs n°11 in one year, editions
                   ("édition 2020" dated 2021 on HAL). Each issue described on the CRESS site, on
                   HAL, sometimes by a relay: those are one work.
  volumes          volumes of retro-digitised theses: "Tome 2 : annexes" = "Vol. 2" = "Volume
                   II"; Tome 1 and Tome 2 are different works.
  truncated        long titles (over 100 characters) that one repository cuts at 100 characters,
                   mid-word, in a place name or a period. Negatives: other people's long titles
                   that share their first words.
  same_main_title  a generic main title ("Entre marché et réciprocité") with different subtitles
                   by two people with a common family name and the same initial (Anaïs / Antoine
                   Leroy), a few years apart, other universities: different works. Positives: one
                   person's copies, one without its subtitle, or with an initial for the given
                   name, or a variant spelling of it.

All persons, titles and identifiers are invented; HAL ids are in 09800000-09999999.
"""

import json
import random
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


# ---------------------------------------------------------------------------------------------
# Vocabulary, in two disjoint banks.

BANKS = {
    "tune": dict(
        seed=19001,
        vietnamese=[("Đỗ", "Minh", "Châu"), ("Nguyễn", "Thị", "Minh"), ("Trần", "Văn", "Hùng"),
                    ("Phạm", "Thị", "Hương"), ("Lê", "Quang", "Huy"), ("Hoàng", "Ngọc", "Anh"),
                    ("Vũ", "Thanh", "Tâm"), ("Bùi", "Thị", "Lan")],
        chinese=[("Wang", "Xiaoming", "王小明"), ("Li", "Jianguo", "李建国"), ("Zhang", "Wei", "张伟"),
                 ("Chen", "Yuting", "陈雨婷"), ("Liu", "Haoran", "刘浩然"), ("Zhao", "Meiling", "赵美玲")],
        korean=[("Kim", "Min-jun"), ("Park", "Ji-woo"), ("Lee", "Seo-yeon"), ("Choi", "Hyun-woo"),
                ("Jung", "Da-eun")],
        arabic=[("Benali", ["Mohamed", "Mohammed", "Muhammad"]), ("Haddad", ["Youssef", "Youcef", "Yusuf"]),
                ("Mansouri", ["Ahmed", "Ahmad"]), ("Belkacem", ["Khadija", "Khadidja"]),
                ("Bouzid", ["Abdelkader", "Abdel-Kader", "Abdelkadir"])],
        compound=[("Leclerc-Faure", "Paul-Henri"), ("Martin-Dubois", "Jean-Luc"), ("Roussel-Garnier", "Anne-Laure"),
                  ("Perrin-Morel", "Marie-Claire"), ("Fabre-Lambert", "Pierre-Yves"), ("Girard-Blanc", "Jean-Michel")],
        particles=[("El", "Fassi", "Leïla"), ("Ben", "Salah", "Karim"), ("El", "Idrissi", "Samira"),
                   ("Ben", "Youssef", "Nadia"), ("Aït", "Ahmed", "Rachid"), ("Abou", "Zeid", "Omar"),
                   ("El", "Khatib", "Yasmine"), ("Ben", "Amor", "Sami")],
        particle_others=["Amrani", "Ouali", "Hachemi", "Mekki", "Tahar", "Ziani", "Kadri", "Saidi"],
        french_families=["Leroy", "Dupont", "Martin", "Bernard", "Petit", "Durand", "Moreau", "Lefebvre",
                         "Garnier", "Fournier", "Girard", "Bonnet"],
        given_pairs=[("Anaïs", "Antoine"), ("Aurélien", "Anaïs"), ("Camille", "Claire"), ("Julien", "Juliette"),
                     ("Mathilde", "Marc"), ("Sophie", "Sébastien"), ("Laure", "Louis"), ("Nicolas", "Nathalie"),
                     ("Pauline", "Pierre"), ("Élise", "Étienne"), ("Thomas", "Théo"), ("Hélène", "Hugo")],
        given_variants=[("Mohamed", "Mohammed"), ("Stéphane", "Stephane"), ("Frédéric", "Frederic"),
                        ("Jean-Baptiste", "Jean Baptiste")],
        main_titles=["Entre marché et réciprocité", "Financer la transition", "Pour une autre économie ?",
                     "Faire commun", "Coopérer autrement", "L'économie sociale en question",
                     "Gouverner les communs", "Au-delà du marché"],
        subjects=["les sociétés coopératives et participatives dans les quartiers prioritaires",
                  "les mutuelles de santé", "les monnaies locales", "les associations d'aide à domicile",
                  "les coopératives d'habitants", "les épiceries solidaires", "les tiers-lieux ruraux",
                  "les régies de quartier", "les SCIC de l'énergie", "les ressourceries",
                  "les AMAP", "les entreprises d'insertion", "les banques coopératives",
                  "les fondations d'entreprise", "les chantiers d'insertion", "les cafés associatifs"],
        subjects_en=["worker cooperatives in priority neighbourhoods", "health mutuals", "local currencies",
                     "home-care associations", "housing cooperatives", "social grocery stores",
                     "rural third places", "neighbourhood enterprises", "energy cooperatives",
                     "reuse centres", "community-supported agriculture", "work integration enterprises",
                     "cooperative banks", "corporate foundations", "integration worksites",
                     "associative cafés"],
        places=[("Amérique latine", "Latin America"), ("Afrique de l'Ouest", "West Africa"),
                ("Bretagne", "Brittany"), ("Afrique subsaharienne", "Sub-Saharan Africa"),
                ("Belgique", "Belgium"), ("Amérique du Nord", "North America"), ("Espagne", "Spain"),
                ("Maroc", "Morocco"), ("Europe de l'Est", "Eastern Europe"), ("Brésil", "Brazil")],
        regions=["Pays de la Loire", "Occitanie", "Nouvelle-Aquitaine", "Bretagne", "Normandie",
                 "Grand Est", "Hauts-de-France", "Centre-Val de Loire"],
        series=["Baromètre de l'emploi associatif en {r}", "Note de conjoncture ESS {r}",
                "Les chiffres clés de l'ESS en {r}", "Observatoire régional des coopératives en {r}",
                "Tableau de bord de l'emploi dans l'ESS en {r}"],
        volume_titles=["Les sociétés de secours mutuels dans le Nord au XIXe siècle",
                       "Coopération agricole et développement rural en Limousin",
                       "Le mouvement associatif ouvrier à Lyon",
                       "Histoire des caisses d'épargne en Alsace",
                       "Les fruitières du Jura : une économie de la coopération",
                       "Mutualité et protection sociale dans les campagnes bretonnes",
                       "Les coopératives de consommation en région parisienne",
                       "L'économie sociale dans le bassin minier",
                       "Associations et municipalités dans le Midi rouge",
                       "Le crédit mutuel rural en Anjou"],
        long_titles=["L'économie sociale et solidaire face aux politiques publiques territoriales de développement durable",
                     "Les dynamiques de coopération entre associations, collectivités locales et entreprises de l'ESS",
                     "Gouvernance démocratique et hybridation des ressources dans les sociétés coopératives d'intérêt collectif",
                     "Les trajectoires professionnelles des salariés en insertion dans les structures de l'économie solidaire",
                     "Innovation sociale et transformation des pratiques d'accompagnement dans les réseaux de l'ESS",
                     "Les circuits courts alimentaires comme leviers de développement territorial et de solidarité",
                     "L'engagement bénévole dans les associations sportives et culturelles des territoires ruraux"],
        long_ends=["en Nouvelle-Aquitaine (2010-2020)", "en Auvergne-Rhône-Alpes", "dans la région Provence-Alpes-Côte d'Azur",
                   "en Bourgogne-Franche-Comté", "en Île-de-France entre 2005 et 2019", "au Québec et en France"],
        universities=[("Université Grenoble Alpes", "univ-grenoble"), ("Université de Lille", "univ-lille"),
                      ("Université Lumière Lyon 2", "univ-lyon2"), ("Université de Nantes", "univ-nantes"),
                      ("Aix-Marseille Université", "univ-amu")],
    ),
    "holdout": dict(
        seed=19077,
        vietnamese=[("Ngô", "Bảo", "Ngọc"), ("Đặng", "Văn", "Long"), ("Huỳnh", "Thị", "Mai"),
                    ("Phan", "Đức", "Thắng"), ("Võ", "Thị", "Thu"), ("Trương", "Minh", "Khoa"),
                    ("Lý", "Thị", "Hoa"), ("Dương", "Quốc", "Bảo")],
        chinese=[("Huang", "Zihan", "黄子涵"), ("Zhou", "Jiayi", "周佳怡"), ("Wu", "Junjie", "吴俊杰"),
                 ("Sun", "Lihua", "孙丽华"), ("Xu", "Mingyu", "徐明宇"),
                 ("Ma", "Xinyi", "马欣怡")],
        korean=[("Kang", "Seung-hoon"), ("Yoon", "Ha-eun"), ("Shin", "Ye-jin"), ("Han", "Dong-hyun"), ("Lim", "Soo-min")],
        arabic=[("Bensaid", ["Mohamed", "Mohammed"]), ("Chaabane", ["Mustapha", "Mustafa"]),
                ("Ouazzani", ["Hicham", "Hichem"]), ("Lahlou", ["Fatima", "Fatma"]),
                ("Tazi", ["Abderrahmane", "Abderrahman"])],
        compound=[("Lemoine-Vidal", "Jean-Philippe"), ("Chevalier-Roux", "Marie-Pierre"),
                  ("Boucher-Noël", "Anne-Sophie"), ("Caron-Lucas", "Jean-François"),
                  ("Renard-Picard", "Marie-Noëlle"), ("Aubert-Colin", "Louis-Marie")],
        particles=[("El", "Mansouri", "Hanane"), ("Ben", "Ammar", "Walid"), ("El", "Alaoui", "Meriem"),
                   ("Ben", "Hassine", "Imen"), ("Abou", "Khalil", "Rami"), ("El", "Hadj", "Sofiane"),
                   ("Ben", "Slimane", "Houda")],
        particle_others=["Bakkali", "Jebali", "Cherkaoui", "Fehri", "Rahmouni", "Sellami"],
        french_families=["Roux", "Fontaine", "Mercier", "Blanc", "Guerin", "Muller", "Lambert", "Faure",
                         "Rousseau", "Vincent"],
        given_pairs=[("Manon", "Maxime"), ("Inès", "Igor"), ("Océane", "Olivier"), ("Romain", "Rose"),
                     ("Valentin", "Virginie"), ("Gaëlle", "Grégoire"), ("Bastien", "Bérénice"),
                     ("Delphine", "Damien"), ("Fanny", "Florent"), ("Léa", "Lucas")],
        given_variants=[("Mustapha", "Mustafa"), ("Gérald", "Gerald"), ("Marie-Ève", "Marie Ève")],
        main_titles=["Vers une économie du lien", "Habiter autrement", "Le pari de la coopération",
                     "Produire ensemble", "Solidarités en mouvement", "Réinventer le travail"],
        subjects=["les coopératives d'activité et d'emploi", "les jardins partagés", "les recycleries",
                  "les pôles territoriaux de coopération économique", "les coopératives funéraires",
                  "les plateformes coopératives", "les crèches parentales", "les habitats participatifs",
                  "les garages solidaires", "les cinémas associatifs", "les fablabs",
                  "les coopératives scolaires"],
        subjects_en=["business and employment cooperatives", "shared gardens", "recycling centres",
                     "territorial economic cooperation hubs", "funeral cooperatives",
                     "platform cooperatives", "parent-run nurseries", "cohousing projects",
                     "solidarity garages", "community cinemas", "fablabs", "school cooperatives"],
        places=[("Amérique du Sud", "South America"), ("Afrique de l'Est", "East Africa"),
                ("Normandie", "Normandy"), ("Afrique du Nord", "North Africa"), ("Suisse", "Switzerland"),
                ("Asie du Sud-Est", "Southeast Asia"), ("Allemagne", "Germany"), ("Sénégal", "Senegal"),
                ("Méditerranée", "Mediterranean")],
        regions=["Auvergne-Rhône-Alpes", "Île-de-France", "Bourgogne-Franche-Comté", "Corse",
                 "Provence-Alpes-Côte d'Azur", "Hauts-de-France", "Grand Est"],
        series=["Panorama de l'emploi associatif en {r}", "Lettre de l'observatoire ESS {r}",
                "Repères de l'économie sociale en {r}", "Bulletin de conjoncture de l'ESS en {r}"],
        volume_titles=["Les associations ouvrières du textile à Roubaix",
                       "Coopératives laitières et paysannerie en Savoie",
                       "Le mutualisme enseignant dans l'entre-deux-guerres",
                       "Les sociétés d'habitations à bon marché de Reims",
                       "Histoire des crédits agricoles mutuels du Sud-Ouest",
                       "Les bourses du travail et l'entraide ouvrière",
                       "La coopération viticole en Languedoc",
                       "Les sociétés mutualistes de pêcheurs en Bretagne",
                       "L'entraide paysanne dans le Massif central",
                       "Les coopératives ouvrières de production à Paris"],
        long_titles=["La reconnaissance institutionnelle des entreprises de l'économie sociale par les collectivités territoriales",
                     "Les mutations du modèle économique des associations employeuses face à la baisse des subventions publiques",
                     "Les coopératives d'activité et d'emploi comme espaces de sécurisation des parcours entrepreneuriaux",
                     "L'évaluation de l'impact social dans les structures d'insertion par l'activité économique",
                     "Les stratégies de mutualisation des fonctions support entre associations du secteur médico-social"],
        long_ends=["en Provence-Alpes-Côte d'Azur (2008-2018)", "dans les Hauts-de-France", "en Corse et en Sardaigne",
                   "en Bourgogne-Franche-Comté entre 2012 et 2021", "dans le Grand Est"],
        universities=[("Université de Strasbourg", "univ-strasbourg"), ("Université Paris 8", "univ-paris8"),
                      ("Université de Bordeaux", "univ-bordeaux"), ("Université de Tours", "univ-tours")],
    ),
}


# ---------------------------------------------------------------------------------------------
# Records in the shapes of their sources.

class Maker:
    def __init__(self, bank_name):
        self.bank = BANKS[bank_name]
        self.rng = random.Random(self.bank["seed"])
        self.prefix = "k" if bank_name == "tune" else "q"
        self.lines = []
        self.work_count = 0
        self.ids = set()
        self.case = None

    def new_work(self):
        self.work_count += 1
        return f"{self.prefix}{self.work_count:03d}"

    def number(self, low, high):
        while True:
            n = self.rng.randint(low, high)
            if n not in self.ids:
                self.ids.add(n)
                return n

    def date(self, year, precision="day"):
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        return {"day": f"{year}-{month:02d}-{day:02d}", "month": f"{year}-{month:02d}", "year": str(year)}[precision]

    def emit(self, work, source, identifier, sets, record, fmt="oai_dc"):
        record = {k: v for k, v in record.items() if v}
        self.lines.append({
            "source": source, "identifier": identifier, "format": fmt, "sets": sets,
            "datestamp": f"{2020 + self.rng.randint(0, 5)}-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}T10:00:00Z",
            "record": record, "work": work, "case": self.case,
        })

    @staticmethod
    def t(value, lang=None):
        return {"value": value, "lang": lang} if lang else {"value": value}

    # --- theses -------------------------------------------------------------------------------
    def hal_thesis(self, work, titles, author, year, advisor=None, kind="THESE"):
        n = self.number(9800000, 9999999)
        prefix = {"THESE": "tel", "MEM": "dumas", "REPORT": "hal"}[kind]
        types = {"THESE": ["info:eu-repo/semantics/doctoralThesis", "Theses"],
                 "MEM": ["info:eu-repo/semantics/masterThesis", "Master thesis"],
                 "REPORT": ["info:eu-repo/semantics/report", "Reports"]}[kind]
        sets = [f"type:{kind}", "subject:shs"] + (["collection:DUMAS"] if kind == "MEM" else [])
        host = {"THESE": "theses.hal.science", "MEM": "dumas.ccsd.cnrs.fr", "REPORT": "hal.science"}[kind]
        self.emit(work, "dumas" if kind == "MEM" else "hal", f"oai:HAL:{prefix}-0{n}v1", sets, {
            "titles": titles, "creators": [{"name": a} for a in ([author] if isinstance(author, str) else author)],
            "contributors": [{"name": advisor}] if advisor else [],
            "dates": [self.date(year)], "types": types,
            "identifiers": [f"https://{host}/{prefix}-0{n}"], "languages": ["fr"],
        })

    def thesesfr(self, work, titles, alt, author, year):
        n = self.number(1000, 9999)
        nnt = f"{year}HARD{n}"
        self.emit(work, "theses-fr", f"oai:theses.fr:{nnt}", ["ddc:330"], {
            "titles": titles, "alternative_titles": alt, "creators": [{"name": author}],
            "dates": [str(year)], "types": ["Electronic Thesis or Dissertation", "Text"],
            "identifiers": [f"http://www.theses.fr/{nnt}"], "languages": ["fr"],
        })

    def univ(self, work, titles, author, year, kind="Thèse", uni=None):
        name, slug = uni or self.rng.choice(self.bank["universities"])
        n = self.number(10000, 99999)
        self.emit(work, slug, f"oai:{slug}.fr:{n}", [], {
            "titles": titles, "creators": [{"name": author}], "publishers": [name],
            "dates": [str(year)], "types": [kind], "identifiers": [f"https://{slug}.fr/record/{n}"],
        })

    # --- studies ------------------------------------------------------------------------------
    def cress(self, work, title, region, when):
        slug = "observatoire-cress-" + strip_accents(region).lower().replace(" ", "-").replace("'", "")
        n = self.number(1000, 9999)
        self.emit(work, slug, f"oai:{slug}:ressource-{n}", ["observatoire"], {
            "titles": [self.t(title)], "creators": [{"name": f"Chambre régionale de l'économie sociale et solidaire {region}"}],
            "publishers": [f"CRESS {region}"], "dates": [when], "types": ["Text"],
            "identifiers": [f"https://www.cress-{n}.org/publications/{n}/"], "languages": ["fr"],
        })

    def hal_report(self, work, title, author, year):
        self.hal_thesis(work, [self.t(title, "fr")], author, year, kind="REPORT")

    def relay(self, work, title, when):
        n = self.number(1000, 9999)
        self.emit(work, "observatoire-ess-france", f"oai:ess-france.org:doc-{n}", ["observatoire"], {
            "titles": [self.t(title)], "dates": [when], "types": ["Text"],
            "identifiers": [f"https://www.ess-france.org/documents/{n}"], "languages": ["fr"],
        })


# ---------------------------------------------------------------------------------------------
# The cases.

def thesis_title(m, subject=None, place=None):
    b = m.bank
    i = m.rng.randrange(len(b["subjects"]))
    return b["main_titles"][m.rng.randrange(len(b["main_titles"]))], b["subjects"][i] if subject is None else subject


MASCULINE = ("Brésil", "Maroc", "Sénégal", "Québec")


def fr_in(place):
    """"en Bretagne", "au Brésil"."""
    return f"au {place}" if place in MASCULINE else f"en {place}"


def title_of(main, sub):
    return f"{main} : {sub}"


def names_script(m):
    b = m.bank
    forms = []
    for f, mid, g in b["vietnamese"]:
        plain = lambda s: strip_accents(s).replace("Đ", "D").replace("đ", "d")
        forms.append([f"{f}, {mid} {g}", f"{plain(g)} {plain(f)} {plain(mid)}", f"{plain(f).upper()} {plain(mid)} {plain(g)}",
                      f"{mid} {g} {f}", f"{f} {mid} {g}"])
    for f, g, han in b["chinese"]:
        split = g[:2] + "-" + g[2:].capitalize() if len(g) > 4 else g
        forms.append([f"{f}, {g}", f"{g} {f}", f"{f.upper()} {g}", han, f"{f} {split}"])
    for f, g in b["korean"]:
        forms.append([f"{f}, {g}", f"{g} {f}", f"{f} {g}", f"{f.upper()} {g.replace('-', '').capitalize()}",
                      f"{g.replace('-', '').capitalize()} {f}"])
    for f, gs in b["arabic"]:
        forms.append([f"{f}, {gs[0]}", f"{gs[1]} {f}", f"{f.upper()} {gs[-1]}", f"{f}, {gs[1]}"])
    m.rng.shuffle(forms)
    for k, names in enumerate(forms):
        work = m.new_work()
        main, sub = thesis_title(m)
        place = m.rng.choice(b["places"])[0]
        title = title_of(main, f"{sub} {fr_in(place)}")
        year = m.rng.randint(2008, 2023)
        chosen = m.rng.sample(names, min(len(names), m.rng.choice([2, 3, 3])))
        m.hal_thesis(work, [m.t(title, "fr")], chosen[0], year)
        m.thesesfr(work, [m.t(title, "fr")], [], chosen[1], year)
        if len(chosen) > 2:
            m.univ(work, [m.t(title.replace(" : ", ". "))], chosen[2], year + m.rng.choice([0, 1]))
        if k % 3 == 0:
            # Another person of the same family name, same year, on another subject.
            other = m.new_work()
            family = names[0].split(",")[0]
            given = m.rng.choice(["Thị Lan", "Văn Nam", "Hui", "Seo-jin", "Karim"])
            sub2 = m.rng.choice([s for s in b["subjects"] if s != sub])
            title2 = title_of(m.rng.choice(b["main_titles"]), f"{sub2} {fr_in(place)}")
            m.hal_thesis(other, [m.t(title2, "fr")], f"{family}, {given}", year)
            m.thesesfr(other, [m.t(title2, "fr")], [], f"{given} {family}", year)


def compound_forms(family, given):
    initials = "-".join(p[0] + "." for p in given.split("-"))
    return [f"{family}, {given}", f"{initials} {family.replace('-', ' ')}", f"{given} {family}",
            f"{family.upper()} {given}", f"{family.replace('-', ' ')}, {initials}"]


def particle_forms(particle, root, given):
    return [f"{particle}-{root}, {given}", f"{root}, {given} {particle}", f"{given} {particle} {root}",
            f"{particle.upper()} {root.upper()} {given}", f"{particle} {root}, {given}"]


def names_compound(m):
    b = m.bank
    people = [(compound_forms(f, g), None) for f, g in b["compound"]]
    people += [(particle_forms(p, r, g), (p, g)) for p, r, g in b["particles"]]
    # Second persons of the same families, other given names.
    spare = [g for pair in b["given_pairs"] for g in pair if "-" not in g]
    people += [(compound_forms(f, spare[i]), None) for i, (f, _) in enumerate(b["compound"])]
    people += [(particle_forms(p, r, spare[-1 - i]), (p, spare[-1 - i])) for i, (p, r, _) in enumerate(b["particles"])]
    others = list(b["particle_others"])
    mains = b["main_titles"]
    for k, (names, particle) in enumerate(people):
        work = m.new_work()
        main, sub = mains[k % len(mains)], b["subjects"][k % len(b["subjects"])]
        title = title_of(main, sub)
        year = m.rng.randint(2006, 2024)
        chosen = m.rng.sample(names, 3)
        m.hal_thesis(work, [m.t(title, "fr")], chosen[0], year)
        m.thesesfr(work, [m.t(title, "fr")], [], chosen[1], year)
        if k % 2 == 0:
            m.univ(work, [m.t(title)], chosen[2], year)
        if particle and k % 2 == 1:
            # The same particle on another name, the same given name, the same main title.
            other = m.new_work()
            p, given = particle
            root = others[k % len(others)]
            sub2 = b["subjects"][(k + 5) % len(b["subjects"])]
            m.hal_thesis(other, [m.t(title_of(main, sub2), "fr")], f"{p}-{root}, {given}", year)
            m.thesesfr(other, [m.t(title_of(main, sub2), "fr")], [], f"{given} {p} {root}", year)


def title_prefix(m):
    b = m.bank
    master_prefixes = ["Mémoire de master : ", "Mémoire de Master 2 - ", "Mémoire de fin d'études : ",
                       "Mémoire de master 2 : ", "[Mémoire] ", "Master's thesis: "]
    thesis_prefixes = ["Thèse de doctorat : ", "[Thesis] ", "Thèse : ", "Thèse de doctorat en sociologie : "]
    thesis_suffixes = [" (Thèse)", " [Thèse]", " (Thèse de doctorat)"]
    families = b["french_families"]
    for k in range(36):
        work = m.new_work()
        family = families[k % len(families)]
        given = m.rng.choice([g for pair in b["given_pairs"] for g in pair])
        main, sub = thesis_title(m)
        place = m.rng.choice(b["places"])[0]
        title = title_of(main, f"{sub} {fr_in(place)}")
        year = m.rng.randint(2010, 2024)
        if k % 3 == 0:
            # A doctoral thesis; the university adds a prefix or a suffix.
            m.hal_thesis(work, [m.t(title, "fr")], f"{family}, {given}", year)
            decorated = (m.rng.choice(thesis_prefixes) + title) if k % 2 == 0 else title + m.rng.choice(thesis_suffixes)
            m.univ(work, [m.t(decorated)], f"{family.upper()} {given}", year)
            if k % 6 == 0:
                m.thesesfr(work, [m.t(m.rng.choice(thesis_prefixes) + title, "fr")], [], f"{family}, {given}", year)
        else:
            m.hal_thesis(work, [m.t(title, "fr")], f"{family}, {given}", year, kind="MEM")
            m.univ(work, [m.t(m.rng.choice(master_prefixes) + title)], f"{given} {family}", year, kind="Mémoire de master")
        if k % 6 == 2:
            # The same student's M1, the year before: same main title, another subtitle.
            m1 = m.new_work()
            sub1 = m.rng.choice([s for s in b["subjects"] if s != sub])
            t1 = title_of(title.split(" : ")[0], sub1)
            m.univ(m1, [m.t("Mémoire de Master 1 - " + t1)], f"{given} {family}", year - 1, kind="Mémoire de master")
            m.hal_thesis(m1, [m.t(t1, "fr")], f"{family}, {given}", year - 1, kind="MEM")
        if k % 6 == 4:
            # Another student's dissertation under the same prefix, the same year.
            other = m.new_work()
            g2 = m.rng.choice([g for pair in b["given_pairs"] for g in pair if g != given])
            f2 = families[(k + 5) % len(families)]
            main2, sub2 = thesis_title(m)
            t2 = title_of(main2, sub2)
            m.univ(other, [m.t("Mémoire de Master 2 - " + t2)], f"{g2} {f2}", year, kind="Mémoire de master")
            m.hal_thesis(other, [m.t(t2, "fr")], f"{f2}, {g2}", year, kind="MEM")


def title_language(m):
    b = m.bank
    places = b["places"]
    for k in range(30):
        work = m.new_work()
        family = b["french_families"][k % len(b["french_families"])]
        given = m.rng.choice([g for pair in b["given_pairs"] for g in pair])
        i = m.rng.randrange(len(b["subjects"]))
        fr_place, en_place = places[k % len(places)]
        en_sub = b["subjects_en"][i]
        fr_sub = b["subjects"][i]
        fr = f"{fr_sub[0].upper()}{fr_sub[1:]} {fr_in(fr_place)} : une approche par les territoires"
        en = f"{en_sub[0].upper()}{en_sub[1:]} in {en_place}: a territorial approach"
        if k % 2:
            en = " ".join(w if w in ("in", "a", "of", "the", "and") else w[0].upper() + w[1:] for w in en.split(" "))
        year = m.rng.randint(2009, 2024)
        m.thesesfr(work, [m.t(fr, "fr"), m.t(en, "en")], [], f"{family}, {given}", year)
        m.hal_thesis(work, [m.t(en, "en")], f"{given} {family}", year + m.rng.choice([0, 1]))
        m.univ(work, [m.t(fr)], f"{family.upper()} {given}", year)
        if k % 3 == 0:
            # The same template on another place, by someone else.
            other = m.new_work()
            fr_other, en_other = places[(k + 3) % len(places)]
            f2 = b["french_families"][(k + 4) % len(b["french_families"])]
            g2 = m.rng.choice([g for pair in b["given_pairs"] for g in pair])
            fr2 = f"{fr_sub[0].upper()}{fr_sub[1:]} {fr_in(fr_other)} : une approche par les territoires"
            en2 = f"{en_sub[0].upper()}{en_sub[1:]} in {en_other}: a territorial approach"
            m.thesesfr(other, [m.t(fr2, "fr"), m.t(en2, "en")], [], f"{f2}, {g2}", year)
            m.hal_thesis(other, [m.t(en2, "en")], f"{g2} {f2}", year)
    # Regional studies of one series: one work per region and year; English-titled HAL copies.
    regions = b["regions"]
    for k in range(6):
        region = regions[k % len(regions)]
        year = 2016 + k
        for r in (region, regions[(k + 1) % len(regions)]):
            work = m.new_work()
            title = f"L'économie sociale et solidaire en {r} en {year}"
            m.cress(work, title, r, m.date(year, "month"))
            m.hal_report(work, title, f"Observatoire régional de l'ESS {r}", year + m.rng.choice([0, 1]))


ISSUE_FORMS = ["n°{n}", "N°{n}", "no {n}", "n° {n}", "numéro {n}", "No. {n}", "nº{n}"]


def series(m):
    b = m.bank
    regions = list(b["regions"])
    m.rng.shuffle(regions)
    for s, template in enumerate(b["series"]):
        for variant in range(2):
            region = regions[(2 * s + variant) % len(regions)]
            name = template.format(r=region)
            start = m.rng.randint(5, 12)
            first_year = m.rng.randint(2012, 2018)
            editions = variant == 1 and s % 2 == 0
            for i in range(4):
                number = start + i
                # Notes come several a year; barometers once a year.
                year = first_year + (i // 2 if s % 2 else i)
                work = m.new_work()
                if editions:
                    edition = first_year + i
                    site = f"{name}, édition {edition}"
                    hal = f"{name} - édition {edition}"
                    m.cress(work, site, region, m.date(edition, "month"))
                    m.hal_report(work, hal, "Observatoire régional de l'ESS", edition + 1)
                    if i % 2 == 0:
                        m.relay(work, f"{name} ({edition})", m.date(edition + 1, "month"))
                    continue
                forms = m.rng.sample(ISSUE_FORMS, 3)
                m.cress(work, f"{name} {forms[0].format(n=number)}", region, m.date(year, "month"))
                m.hal_report(work, f"{name}, {forms[1].format(n=number)}", "Observatoire régional de l'ESS",
                             year + m.rng.choice([0, 1]))
                if i % 2:
                    m.relay(work, f"{name} - {forms[2].format(n=number)}", m.date(year, "month"))


def volumes(m):
    b = m.bank
    for k, base in enumerate(b["volume_titles"]):
        family = b["french_families"][(k + 2) % len(b["french_families"])]
        given = m.rng.choice([g for pair in b["given_pairs"] for g in pair])
        year = m.rng.randint(1975, 2002)
        roman = ["I", "II", "III"]
        for v in (1, 2, 3):
            work = m.new_work()
            last = v == 3
            content = " : annexes" if last else (" : texte" if v == 1 else "")
            univ_title = f"{base}. Tome {v}{content}"
            hal_title = m.rng.choice([f"{base}. Vol. {v}", f"{base}, volume {roman[v - 1]}", f"{base} - T. {v}"])
            m.univ(work, [m.t(univ_title)], f"{family.upper()} {given}", year)
            m.hal_thesis(work, [m.t(hal_title, "fr")], f"{family}, {given}", year + m.rng.choice([0, 1]))
            if k % 2:
                m.thesesfr(work, [m.t(f"{base}. Volume {roman[v - 1]}" + (" : Annexes" if last else ""), "fr")], [],
                           f"{family}, {given}", year)


def truncated(m):
    b = m.bank
    for k in range(32):
        work = m.new_work()
        base = b["long_titles"][k % len(b["long_titles"])]
        end = b["long_ends"][(k // len(b["long_titles"])) % len(b["long_ends"])]
        title = f"{base} {end}"
        family = b["french_families"][k % len(b["french_families"])]
        given = m.rng.choice([g for pair in b["given_pairs"] for g in pair])
        year = m.rng.randint(2005, 2024)
        cut = title[:100]
        if k % 3 == 0:
            cut = cut.rstrip() + "..."
        m.hal_thesis(work, [m.t(title, "fr")], f"{family}, {given}", year)
        m.univ(work, [m.t(cut)], f"{family.upper()} {given}", year)
        if k % 2:
            m.thesesfr(work, [m.t(title[:100] + "…", "fr")], [], f"{given} {family}", year)


def same_main_title(m):
    b = m.bank
    families = b["french_families"]
    pairs = b["given_pairs"]
    for k in range(16):
        family = families[k % len(families)]
        g1, g2 = pairs[k % len(pairs)]
        main = b["main_titles"][k % len(b["main_titles"])]
        s1, s2 = m.rng.sample(b["subjects"], 2)
        p1, p2 = m.rng.sample(b["places"], 2)
        y1 = m.rng.randint(2000, 2020)
        y2 = y1 + m.rng.choice([-2, -1, 0, 1, 2])
        u1, u2 = m.rng.sample(b["universities"], 2)
        # Places in subtitles would tell the works apart: only one of them names one, at times.
        for given, subject, place, year, uni in ((g1, s1, p1[0] if k % 3 == 0 else None, y1, u1),
                                                 (g2, s2, None, y2, u2)):
            work = m.new_work()
            title = title_of(main, f"{subject} {fr_in(place)}" if place else subject)
            m.hal_thesis(work, [m.t(title, "fr")], f"{family}, {given}", year)
            m.thesesfr(work, [m.t(title, "fr")], [], f"{given} {family}", year)
            if k % 2:
                m.univ(work, [m.t(title)], f"{family.upper()} {given}", year, uni=uni)
    # One person's copies: without the subtitle, with an initial, with a variant of the given name.
    for k in range(16):
        work = m.new_work()
        family = families[(k + 3) % len(families)]
        g, variant = b["given_variants"][k % len(b["given_variants"])]
        main = b["main_titles"][(k + 1) % len(b["main_titles"])]
        subject = m.rng.choice(b["subjects"])
        title = title_of(main, subject)
        year = m.rng.randint(2000, 2022)
        m.hal_thesis(work, [m.t(title, "fr")], f"{family}, {g}", year)
        how = k % 3
        if how == 0:
            m.univ(work, [m.t(main)], f"{family}, {g[0]}.", year)
            m.thesesfr(work, [m.t(title, "fr")], [], f"{variant} {family}", year)
        elif how == 1:
            m.thesesfr(work, [m.t(title, "fr")], [], f"{family}, {g[0]}.", year)
        else:
            m.thesesfr(work, [m.t(title.replace(" : ", ". "), "fr")], [], f"{variant} {family}", year + 1)


CASES = [names_script, names_compound, title_prefix, title_language, series, volumes, truncated, same_main_title]


def build(bank_name):
    m = Maker(bank_name)
    for case in CASES:
        m.case = case.__name__
        case(m)
    # Opaque labels: renumber works in a shuffled order, then sort lines by source and identifier.
    labels = sorted({line["work"] for line in m.lines})
    shuffled = labels[:]
    m.rng.shuffle(shuffled)
    rename = {old: f"{m.prefix}{i + 1:03d}" for i, old in enumerate(shuffled)}
    for line in m.lines:
        line["work"] = rename[line["work"]]
    m.lines.sort(key=lambda l: (l["source"], l["identifier"]))
    return "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in m.lines)


def main():
    outputs = {"records-hard.jsonl": build("tune"), "records-hard-holdout.jsonl": build("holdout")}
    if "--check" in sys.argv[1:]:
        stale = [name for name, text in outputs.items()
                 if not (HERE / name).exists() or (HERE / name).read_text(encoding="utf-8") != text]
        if stale:
            print("out of date:", ", ".join(stale))
            sys.exit(1)
        return
    for name, text in outputs.items():
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
