//! Tests of ESS classification: the thesaurus format and its errors, matching (folding,
//! stemming, acronyms, exclusions), scores, and the sample dumps and real fixtures.

use std::collections::HashSet;

use super::matching::round3;
use super::thesaurus::BUILTIN;
use super::words::{PREFIX_SAFE_LENGTH, for_each_word, stem};
use super::*;
use crate::normalize::{Access, DegreeType, Normalized, Text, Title};

fn text(value: &str, lang: &str) -> Text {
    Text {
        text: value.to_owned(),
        lang: Some(lang.to_owned()),
    }
}

/// A record with only what classification reads.
fn record(titles: &[&str], keywords: &[&str], abstracts: &[&str]) -> Normalized {
    Normalized {
        titles: titles
            .iter()
            .map(|t| Title {
                text: (*t).to_owned(),
                lang: Some("fr".into()),
                subtitle: None,
            })
            .collect(),
        authors: Vec::new(),
        advisors: Vec::new(),
        degree_type: DegreeType::DoctoralThesis,
        discipline: None,
        level: None,
        institution: None,
        date: None,
        language: None,
        abstracts: abstracts.iter().map(|a| text(a, "fr")).collect(),
        keywords: keywords.iter().map(|k| text(k, "fr")).collect(),
        identifiers: Vec::new(),
        access: Access::Unknown,
        embargo_until: None,
        licence: None,
        problems: Vec::new(),
    }
}

fn builtin() -> Thesaurus {
    Thesaurus::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn theme_ids(classification: &Classification) -> Vec<&str> {
    classification
        .themes
        .iter()
        .map(|t| t.theme.as_str())
        .collect()
}

fn matched_terms(classification: &Classification) -> Vec<&str> {
    classification
        .themes
        .iter()
        .flat_map(|t| t.matches.iter().map(|m| m.term.as_str()))
        .collect()
}

const MECHANICS: &str = r#"
exclude = ["association de malfaiteurs"]

[[theme]]
id = "test-theme"
fr = "Thème"
en = "Theme"
terms = ["économie sociale", "coopérative agricole", "=commons", "Scop", "mutuelle"]
weak = ["association", "CAE", "NGO"]
"#;

fn mechanics() -> Thesaurus {
    Thesaurus::parse(MECHANICS).unwrap_or_else(|e| panic!("{e}"))
}

fn relevance(thesaurus: &Thesaurus, titles: &[&str]) -> f32 {
    thesaurus.classify(&record(titles, &[], &[])).relevance
}

#[test]
fn builtin_thesaurus_has_the_themes_the_issue_names() {
    let thesaurus = builtin();
    let ids: Vec<&str> = thesaurus.themes().iter().map(|t| t.id.as_str()).collect();
    for id in [
        "social-solidarity-economy",
        "cooperatives",
        "mutuals",
        "associations",
        "foundations",
        "social-enterprise",
        "work-integration",
        "fair-trade",
        "solidarity-finance",
        "social-innovation",
        "social-entrepreneurship",
        "commons",
        "short-supply-chains",
        "circular-economy",
        "democratic-governance",
        "social-utility-and-impact",
        "local-development",
        "volunteering",
        "collaborative-economy",
        "social-housing",
        "care-services",
        "popular-education",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    assert!(
        thesaurus.terms.len() > 1000,
        "{} terms",
        thesaurus.terms.len()
    );
}

#[test]
fn words_match_folded_in_order_with_plurals_and_feminines() {
    let thesaurus = mechanics();
    for title in [
        "ÉCONOMIES SOCIALES",
        "L'économie sociale en Bretagne",
        "e\u{301}conomie sociale",
        "Les coopératives agricoles",
        "Une coopérative agricole",
        "The commons and the state",
        "Les SCOPs",
        "scop",
        "Les mutuelles",
    ] {
        assert!(relevance(&thesaurus, &[title]) > 0.5, "{title}");
    }
    for title in [
        "L'économie",
        "Sociale économie",
        "Common ground",
        "Un commons",
        "Coopératives et agriculture",
    ] {
        let found = thesaurus.classify(&record(&[title], &[], &[]));
        assert!(
            title == "Un commons" && found.relevance > 0.5 || found.relevance == 0.0,
            "{title}: {found:?}"
        );
    }
}

#[test]
fn weak_terms_and_acronyms_need_context_and_capitals() {
    let thesaurus = mechanics();
    // Alone, weak words are no evidence at all.
    assert_eq!(relevance(&thesaurus, &["Association et CAE"]), 0.0);
    let with_context = thesaurus.classify(&record(
        &["Économie sociale : la CAE et les NGOs"],
        &["association"],
        &[],
    ));
    let terms = matched_terms(&with_context);
    assert!(terms.contains(&"CAE"), "{terms:?}");
    assert!(terms.contains(&"NGO"), "{terms:?}");
    assert!(terms.contains(&"association"), "{terms:?}");
    // Lowercase "cae" is another word; a plural acronym keeps its capitals.
    let lowercase = thesaurus.classify(&record(&["Économie sociale et cae"], &[], &[]));
    assert_eq!(matched_terms(&lowercase), vec!["économie sociale"]);
    // A weak match adds less than a strong one would.
    let strong_only = relevance(&thesaurus, &["Économie sociale"]);
    assert!(with_context.relevance > strong_only);
    assert!(
        with_context.relevance < relevance(&thesaurus, &["Économie sociale", "Scop", "mutuelle"])
    );
}

#[test]
fn exclusions_hide_the_words_they_cover() {
    let thesaurus = mechanics();
    let found = thesaurus.classify(&record(
        &["Économie sociale et associations de malfaiteurs"],
        &[],
        &[],
    ));
    assert_eq!(matched_terms(&found), vec!["économie sociale"]);
    let builtin = builtin();
    for title in [
        "Creative Commons licensing of research software",
        "Les associations de malfaiteurs en droit pénal français",
        "Genome-wide association study of type 2 diabetes",
    ] {
        assert_eq!(relevance(&builtin, &[title]), 0.0, "{title}");
    }
}

#[test]
fn title_counts_more_than_keywords_more_than_abstract() {
    let thesaurus = builtin();
    let in_title = thesaurus.classify(&record(&["Les sociétés coopératives"], &[], &[]));
    let in_keywords = thesaurus.classify(&record(&["Titre"], &["Sociétés coopératives"], &[]));
    let in_abstract = thesaurus.classify(&record(
        &["Titre"],
        &[],
        &["Nous étudions les sociétés coopératives."],
    ));
    assert!(in_title.relevance > in_keywords.relevance);
    assert!(in_keywords.relevance > in_abstract.relevance);
    assert!(in_abstract.relevance > 0.0);
    // Repeating a term in one field does not add up.
    let repeated = thesaurus.classify(&record(
        &["Titre"],
        &[],
        &["Les sociétés coopératives. Des sociétés coopératives. Sociétés coopératives !"],
    ));
    assert_eq!(repeated.relevance, in_abstract.relevance);
}

#[test]
fn off_topic_records_with_ess_looking_words_score_low() {
    let thesaurus = builtin();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Cooperative localization of autonomous vehicles using V2X communications",
            &["Cooperative systems", "Localization", "Vehicular networks"],
            "We propose a cooperative positioning method where vehicles share GNSS data.",
        ),
        (
            "Jeux coopératifs et allocation des coûts dans les réseaux de distribution",
            &["Théorie des jeux", "Valeur de Shapley"],
            "Nous étudions des jeux coopératifs et la coopération entre opérateurs.",
        ),
        (
            "Coopération internationale et transfert de technologie en chimie verte",
            &["Catalyse", "Chimie verte"],
            "Cette thèse porte sur la synthèse de catalyseurs en coopération internationale.",
        ),
        (
            "Genome-wide association study of type 2 diabetes in West Africa",
            &["GWAS", "Association", "Diabetes"],
            "A significant association was found between variants of TCF7L2 and the disease.",
        ),
        (
            "Association entre obésité et diabète chez l'enfant",
            &["Épidémiologie", "Association"],
            "Nous mesurons l'association entre indice de masse corporelle et glycémie.",
        ),
        (
            "Mutual information based feature selection for hyperspectral imaging",
            &["Mutual information", "Feature selection"],
            "Mutual information between bands guides the selection.",
        ),
        (
            "Mutualisation des coûts de maintenance des réseaux ferroviaires",
            &["Mutualisation", "Maintenance"],
            "La mutualisation des coûts entre gestionnaires réduit la dépense.",
        ),
        (
            "Comportement des fondations superficielles sur sols gonflants",
            &["Fondations", "Géotechnique"],
            "Les fondations superficielles subissent des soulèvements.",
        ),
        (
            "Le sens commun dans la philosophie écossaise",
            &["Sens commun", "Thomas Reid"],
            "Un fonds commun d'idées traverse ces auteurs ; le bien commun n'est pas notre objet.",
        ),
        (
            "Pharmacokinetics of a new antiviral in healthy volunteers",
            &["Pharmacokinetics", "Healthy volunteers"],
            "Twenty-four healthy volunteers received a single dose.",
        ),
        (
            "Social impact assessment of a hydropower dam in Laos",
            &["Hydropower", "Social impact assessment"],
            "We assess the social impact of displacement on riverside villages.",
        ),
        (
            "Home care nursing for elderly patients with heart failure",
            &["Home care", "Heart failure"],
            "A randomised trial of nurse-led home care after discharge.",
        ),
        (
            "Comportement des assemblages solidaires sous sollicitations sismiques",
            &["Génie parasismique"],
            "Les assemblages solidaires résistent mieux ; la solidarité des pièces est étudiée.",
        ),
        (
            "Insertion loss of optical fibre connectors",
            &["Photonics"],
            "Insertion losses below 0.2 dB are obtained.",
        ),
        (
            "Relations mutuelles entre plantes et champignons mycorhiziens",
            &["Associations végétales", "Symbiose"],
            "Les associations entre espèces dépendent des interactions mutuelles.",
        ),
        (
            "Associations between physical activity and depression in adolescents",
            &["Epidemiology"],
            "Associations between exposure and outcome were estimated.",
        ),
        (
            "Foundations of deep learning: a geometric view",
            &["Deep learning", "Foundation models"],
            "We revisit the foundations of representation learning.",
        ),
    ];
    for (title, keywords, abstract_text) in cases {
        let found = thesaurus.classify(&record(&[title], keywords, &[abstract_text]));
        assert!(found.relevance < 0.2, "{title}: {found:?}");
    }
}

#[test]
fn ess_records_without_the_words_social_economy_score_high() {
    let thesaurus = builtin();
    let cases: &[(&str, &[&str], &str, &str)] = &[
        (
            "Les SCOP face à la financiarisation",
            &["Sociétés coopératives", "Gouvernance"],
            "",
            "cooperatives",
        ),
        (
            "Worker cooperatives and workplace democracy in Argentina",
            &["Recovered factories"],
            "",
            "cooperatives",
        ),
        (
            "Le bénévolat dans les associations sportives",
            &["Sport"],
            "",
            "volunteering",
        ),
        (
            "Microcredit and women's empowerment in Bangladesh",
            &["Grameen Bank"],
            "",
            "solidarity-finance",
        ),
        (
            "Les AMAP en Île-de-France : un engagement militant ?",
            &["Circuits courts"],
            "",
            "short-supply-chains",
        ),
        (
            "Les monnaies locales complémentaires : l'exemple de la Gonette",
            &[],
            "",
            "solidarity-finance",
        ),
        (
            "Tiers secteur et politiques sociales au Québec",
            &[],
            "",
            "social-solidarity-economy",
        ),
        (
            "L'insertion par l'activité économique en milieu rural",
            &[],
            "",
            "work-integration",
        ),
        (
            "Commons governance of irrigation systems in Nepal",
            &["Ostrom", "Common-pool resources"],
            "",
            "commons",
        ),
        (
            "Fair trade coffee in Peru",
            &["Fairtrade"],
            "Smallholders sell through certified channels.",
            "fair-trade",
        ),
        (
            "Gouverner une mutuelle de santé",
            &["Mutualité", "Démutualisation"],
            "",
            "mutuals",
        ),
        (
            "Entrepreneurs sociaux et impact : une étude de cas",
            &["Entrepreneuriat social", "Mesure d'impact"],
            "",
            "social-entrepreneurship",
        ),
        ("La gouvernance des mutuelles", &[], "", "mutuals"),
        (
            "Les associations de migrants en France",
            &["Immigration"],
            "",
            "associations",
        ),
        (
            "Les ressourceries, entre réemploi et insertion",
            &["Réemploi", "Chantiers d'insertion"],
            "",
            "work-integration",
        ),
    ];
    for (title, keywords, abstract_text, first_theme) in cases {
        let abstracts: Vec<&str> = [*abstract_text]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let found = thesaurus.classify(&record(&[title], keywords, &abstracts));
        assert!(found.relevance >= MIN_RELEVANCE, "{title}: {found:?}");
        assert!(
            theme_ids(&found).contains(first_theme),
            "{title}: {found:?}"
        );
    }
}

#[test]
fn matches_explain_term_field_and_language() {
    let thesaurus = builtin();
    let mut normalized = record(
        &["Les coopératives d'habitants à Genève"],
        &["Habitat participatif"],
        &["This thesis studies housing cooperatives and cohousing."],
    );
    normalized.abstracts[0].lang = Some("en".into());
    let found = thesaurus.classify(&normalized);
    let cooperatives = found
        .themes
        .iter()
        .find(|t| t.theme == "cooperatives")
        .expect("cooperatives theme");
    assert_eq!(
        cooperatives.matches[0],
        TermMatch {
            term: "coopérative d'habitants".into(),
            field: "title".into(),
            lang: Some("fr".into()),
        }
    );
    assert!(cooperatives.matches.iter().any(|m| m.field == "abstract"
        && m.term == "housing cooperative"
        && m.lang.as_deref() == Some("en")));
    assert!(theme_ids(&found).contains(&"social-housing"));
    // Best theme first, scores within 0..=1 and rounded.
    assert!(found.themes.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(found.themes.iter().all(|t| t.score > 0.0 && t.score <= 1.0));
    assert_eq!(found.relevance, round3(found.relevance));
    let json = serde_json::to_value(&found).unwrap();
    assert_eq!(json["themes"][0]["matches"][0]["field"], "title");
    let back: Classification = serde_json::from_value(json).unwrap();
    assert_eq!(back, found);
}

#[test]
fn an_empty_record_has_no_theme() {
    let found = builtin().classify(&record(&[], &[], &[]));
    assert_eq!(found.relevance, 0.0);
    assert!(found.themes.is_empty());
}

#[test]
fn parse_errors_name_the_entry_at_fault() {
    let theme = |body: &str| format!("[[theme]]\nid = \"ok\"\nfr = \"A\"\nen = \"B\"\n{body}\n");
    let error = Thesaurus::parse(&theme("terms = [\"x\"]\ncolour = \"red\"")).unwrap_err();
    assert!(error.to_string().contains("colour"), "{error}");
    let error =
        Thesaurus::parse("[[theme]]\nid = \"Coops\"\nfr = \"A\"\nen = \"B\"\nterms = [\"coop\"]\n")
            .unwrap_err();
    assert!(matches!(&error, ThesaurusError::BadTheme { index: 1, id, .. } if id == "Coops"));
    let twice = format!("{}{}", theme("terms = [\"a1\"]"), theme("terms = [\"b2\"]"));
    assert!(matches!(
        Thesaurus::parse(&twice),
        Err(ThesaurusError::BadTheme { index: 2, reason, .. }) if reason == "duplicate id"
    ));
    let error = Thesaurus::parse(&theme("terms = [\"coop\", \"de la\"]")).unwrap_err();
    assert_eq!(
        error,
        ThesaurusError::BadTerm {
            theme: "ok".into(),
            term: "de la".into(),
            reason: "no content word (only small words or punctuation)".into(),
        }
    );
    assert!(matches!(
        Thesaurus::parse(&theme("weak = [\"coop\"]")),
        Err(ThesaurusError::BadTheme { .. })
    ));
    let conflict = format!(
        "exclude = [\"les coopératives\"]\n{}",
        theme("terms = [\"coopérative\"]")
    );
    let error = Thesaurus::parse(&conflict).unwrap_err();
    assert!(
        matches!(&error, ThesaurusError::BadExclude { phrase, .. } if phrase == "les coopératives")
    );
    assert_eq!(Thesaurus::parse("").unwrap_err(), ThesaurusError::NoTheme);
    assert!(matches!(
        Thesaurus::parse("[[theme]"),
        Err(ThesaurusError::Toml(_))
    ));
}

#[test]
fn stemming_joins_forms_of_one_word() {
    let stem = |word: &str| {
        let mut buffer = String::new();
        super::words::stem(word, &mut buffer).to_owned()
    };
    for (a, b) in [
        ("sociaux", "sociale"),
        ("sociales", "social"),
        ("mutuelles", "mutuel"),
        ("cooperatives", "cooperatif"),
        ("communities", "community"),
        ("economies", "economy"),
        ("economie", "economy"),
        ("reseaux", "reseau"),
        ("associees", "associe"),
    ] {
        assert_eq!(stem(a), stem(b), "{a} / {b}");
    }
    assert_ne!(stem("commune"), stem("communs"));
    assert_eq!(stem("business"), "business");
    assert_eq!(stem("ess"), "ess");
}

/// The prefix filter may skip a word only if no stem or exact word could match it.
#[test]
fn prefix_filter_never_hides_a_known_word() {
    use crate::normalize::tests::{normalize_harvested, sample_records};
    let thesaurus = builtin();
    let mut word = String::new();
    let mut stemmed = String::new();
    let mut checked = 0;
    let mut texts: Vec<String> = sample_records()
        .iter()
        .flat_map(|(source, harvested)| {
            let normalized = normalize_harvested(source, harvested);
            normalized
                .titles
                .into_iter()
                .map(|t| t.text)
                .chain(normalized.keywords.into_iter().map(|k| k.text))
                .chain(normalized.abstracts.into_iter().map(|a| a.text))
                .collect::<Vec<_>>()
        })
        .collect();
    texts.push(BUILTIN.to_owned());
    for text in &texts {
        for_each_word(text, &mut word, |folded, _| {
            if folded.len() < PREFIX_SAFE_LENGTH {
                return;
            }
            let stemmed = stem(folded, &mut stemmed);
            if thesaurus.stems.contains_key(stemmed) || thesaurus.exact.contains_key(folded) {
                checked += 1;
                assert!(thesaurus.has_prefix(folded), "{folded} → {stemmed}");
            }
        });
    }
    assert!(checked > 10_000, "{checked}");
}

/// The sample dumps: every ESS record at or above `MIN_RELEVANCE`, every off-topic one
/// (listed in `expected.json`, several with "coopération", "mutualisation", "associations",
/// "solidaires", "commun" in another sense) well below.
#[test]
fn sample_dumps_separate_ess_from_off_topic_records() {
    use crate::normalize::tests::{normalize_harvested, sample_records};
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("harvest-sources/samples/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let off_topic: HashSet<&str> = expected["sources"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| {
            s["off_topic"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str())
        })
        .collect();
    let thesaurus = builtin();
    let (mut lowest_ess, mut highest_off) = (1.0f32, 0.0f32);
    let mut counted = (0, 0);
    for (source, harvested) in sample_records() {
        let found = thesaurus.classify(&normalize_harvested(&source, &harvested));
        if off_topic.contains(harvested.identifier.as_str()) {
            counted.1 += 1;
            highest_off = highest_off.max(found.relevance);
            assert!(found.relevance < 0.2, "{}: {found:?}", harvested.identifier);
        } else {
            counted.0 += 1;
            lowest_ess = lowest_ess.min(found.relevance);
            assert!(
                found.relevance >= MIN_RELEVANCE,
                "{}: {found:?}",
                harvested.identifier
            );
            assert!(
                found.themes.len() >= 2,
                "{}: {found:?}",
                harvested.identifier
            );
        }
    }
    assert_eq!(counted, (503, 45));
    assert!(
        lowest_ess - highest_off > 0.5,
        "{lowest_ess} vs {highest_off}"
    );
}

/// Real records from other fields (MIT's DSpace, Zenodo software, arXiv via Citebase, a HAL
/// cancer thesis): none is taken for ESS.
#[test]
fn real_fixture_records_from_other_fields_score_low() {
    let dir = crate::test_support::fixtures_dir().join("oai");
    let thesaurus = builtin();
    let mut classified = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(decoded) = crate::xml::decode(&bytes, None) else {
            continue;
        };
        let Ok(page) = crate::oai::parse_page(&decoded.text) else {
            continue;
        };
        for item in page.items {
            let crate::oai::PageItem::Record(harvested) = item else {
                continue;
            };
            let Some(record) = &harvested.record else {
                continue;
            };
            let context = crate::normalize::Context {
                identifier: &harvested.identifier,
                sets: &harvested.sets,
                format: harvested.format,
                ..Default::default()
            };
            let found = thesaurus.classify(&crate::normalize::normalize(record, &context));
            assert!(found.relevance < 0.2, "{}: {found:?}", harvested.identifier);
            classified += 1;
        }
    }
    assert!(classified >= 100, "{classified} records");
}
