//! essor's own controlled words, with their slugs and their French and English labels: the
//! kinds of work it collects. Bottom layer, no logic: what `normalize` infers, the store keeps,
//! and the feed, the API, the exports (and the barometer and pages to come) show are named here
//! once, apart from the inference in `normalize/degree.rs`, so that no layer spells them itself.

use serde::{Deserialize, Serialize};

/// The language of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Fr,
    En,
}

/// The kind of work a record describes. Its slug (`doctoral-thesis`) is its serde form, its set
/// spec leaf (`type:doctoral-thesis`) and its value in the REST API's `type` filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DegreeType {
    DoctoralThesis,
    MastersDissertation,
    /// Habilitation à diriger des recherches: a French post-doctoral degree with its own thesis.
    Hdr,
    /// Reports, studies, working papers (observatories, think tanks, research reports).
    ReportStudy,
    /// A training programme (a diploma, title or certificate taught somewhere): from the
    /// national catalogues (RNCP, Idéo). Never the same work as a thesis.
    TrainingProgramme,
    #[default]
    Other,
}

impl DegreeType {
    /// Every degree type, in the order lists and facets show them.
    pub const ALL: [DegreeType; 6] = [
        DegreeType::DoctoralThesis,
        DegreeType::MastersDissertation,
        DegreeType::Hdr,
        DegreeType::ReportStudy,
        DegreeType::TrainingProgramme,
        DegreeType::Other,
    ];

    /// The name in URLs, set specs, JSON and the search index (the serde form).
    pub const fn slug(self) -> &'static str {
        match self {
            DegreeType::DoctoralThesis => "doctoral-thesis",
            DegreeType::MastersDissertation => "masters-dissertation",
            DegreeType::Hdr => "hdr",
            DegreeType::ReportStudy => "report-study",
            DegreeType::TrainingProgramme => "training-programme",
            DegreeType::Other => "other",
        }
    }

    /// The degree type a slug names, exactly as [`DegreeType::slug`] writes it.
    pub fn from_slug(slug: &str) -> Option<DegreeType> {
        DegreeType::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    /// What one work of this type is called (the French one is in RIS and BibTeX exports).
    pub const fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DegreeType::DoctoralThesis, Lang::Fr) => "Thèse de doctorat",
            (DegreeType::DoctoralThesis, Lang::En) => "Doctoral thesis",
            (DegreeType::MastersDissertation, Lang::Fr) => "Mémoire de master",
            (DegreeType::MastersDissertation, Lang::En) => "Master's dissertation",
            (DegreeType::Hdr, Lang::Fr) => "Habilitation à diriger des recherches",
            (DegreeType::Hdr, Lang::En) => "Habilitation (HDR)",
            (DegreeType::ReportStudy, Lang::Fr) => "Rapport, étude",
            (DegreeType::ReportStudy, Lang::En) => "Report, study",
            (DegreeType::TrainingProgramme, Lang::Fr) => "Formation",
            (DegreeType::TrainingProgramme, Lang::En) => "Training programme",
            (DegreeType::Other, Lang::Fr) => "Autre",
            (DegreeType::Other, Lang::En) => "Other",
        }
    }

    /// What works of this type are called together (the English one names the feed's sets).
    pub const fn plural_label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DegreeType::DoctoralThesis, Lang::Fr) => "Thèses de doctorat",
            (DegreeType::DoctoralThesis, Lang::En) => "Doctoral theses",
            (DegreeType::MastersDissertation, Lang::Fr) => "Mémoires de master",
            (DegreeType::MastersDissertation, Lang::En) => "Master's dissertations",
            (DegreeType::Hdr, Lang::Fr) => "Habilitations à diriger des recherches",
            (DegreeType::Hdr, Lang::En) => "Habilitations (HDR)",
            (DegreeType::ReportStudy, Lang::Fr) => "Rapports et études",
            (DegreeType::ReportStudy, Lang::En) => "Reports and studies",
            (DegreeType::TrainingProgramme, Lang::Fr) => "Formations",
            (DegreeType::TrainingProgramme, Lang::En) => "Training programmes",
            (DegreeType::Other, Lang::Fr) => "Autres travaux",
            (DegreeType::Other, Lang::En) => "Other works",
        }
    }

    /// A thesis of some level, which has a degree, a grantor and usually advisors.
    pub const fn is_thesis(self) -> bool {
        matches!(
            self,
            DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr
        )
    }
}

/// The type of a source's records, as its file's `record_type` names it. Finer than
/// [`DegreeType`] (an observatory tells a panorama from a note), and mapped onto it for the
/// work model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordType {
    Study,
    Report,
    /// A regional or national overview of the ESS (figures, sectors, employment).
    Panorama,
    /// A short publication: a note de conjoncture, a brief.
    Note,
    Training,
    Thesis,
    Dissertation,
    Hdr,
    Other,
}

impl RecordType {
    pub const ALL: [RecordType; 9] = [
        RecordType::Study,
        RecordType::Report,
        RecordType::Panorama,
        RecordType::Note,
        RecordType::Training,
        RecordType::Thesis,
        RecordType::Dissertation,
        RecordType::Hdr,
        RecordType::Other,
    ];

    /// The name in source files (the serde form).
    pub const fn slug(self) -> &'static str {
        match self {
            RecordType::Study => "study",
            RecordType::Report => "report",
            RecordType::Panorama => "panorama",
            RecordType::Note => "note",
            RecordType::Training => "training",
            RecordType::Thesis => "thesis",
            RecordType::Dissertation => "dissertation",
            RecordType::Hdr => "hdr",
            RecordType::Other => "other",
        }
    }

    pub fn from_slug(slug: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    /// The kind of work records of this type are.
    pub const fn degree_type(self) -> DegreeType {
        match self {
            RecordType::Study | RecordType::Report | RecordType::Panorama | RecordType::Note => {
                DegreeType::ReportStudy
            }
            RecordType::Training => DegreeType::TrainingProgramme,
            RecordType::Thesis => DegreeType::DoctoralThesis,
            RecordType::Dissertation => DegreeType::MastersDissertation,
            RecordType::Hdr => DegreeType::Hdr,
            RecordType::Other => DegreeType::Other,
        }
    }

    /// What one record of this type is called.
    pub const fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RecordType::Study, Lang::Fr) => "Étude",
            (RecordType::Study, Lang::En) => "Study",
            (RecordType::Report, Lang::Fr) => "Rapport",
            (RecordType::Report, Lang::En) => "Report",
            (RecordType::Panorama, _) => "Panorama",
            (RecordType::Note, Lang::Fr) => "Note",
            (RecordType::Note, Lang::En) => "Brief",
            (RecordType::Training, Lang::Fr) => "Formation",
            (RecordType::Training, Lang::En) => "Training programme",
            (RecordType::Thesis, lang) => DegreeType::DoctoralThesis.label(lang),
            (RecordType::Dissertation, lang) => DegreeType::MastersDissertation.label(lang),
            (RecordType::Hdr, lang) => DegreeType::Hdr.label(lang),
            (RecordType::Other, lang) => DegreeType::Other.label(lang),
        }
    }
}

/// (ISO 3166-2 code, name) of the regions sources declare: every region of France since 2016
/// with the overseas ones under both their region code (`FR-RE`) and their department number
/// (`FR-974`), and the subdivisions of the French-speaking countries whose ESS research essor
/// collects (Québec and its neighbours, Belgium's regions, the French-speaking cantons).
/// Names as they are written locally: pages in either language show them as is.
const REGIONS: &[(&str, &str)] = &[
    ("BE-BRU", "Bruxelles-Capitale"),
    ("BE-VLG", "Vlaanderen"),
    ("BE-WAL", "Wallonie"),
    ("CA-MB", "Manitoba"),
    ("CA-NB", "Nouveau-Brunswick"),
    ("CA-ON", "Ontario"),
    ("CA-QC", "Québec"),
    ("CH-BE", "Berne"),
    ("CH-FR", "Fribourg"),
    ("CH-GE", "Genève"),
    ("CH-JU", "Jura"),
    ("CH-NE", "Neuchâtel"),
    ("CH-VD", "Vaud"),
    ("CH-VS", "Valais"),
    ("FR-20R", "Corse"),
    ("FR-971", "Guadeloupe"),
    ("FR-972", "Martinique"),
    ("FR-973", "Guyane"),
    ("FR-974", "La Réunion"),
    ("FR-976", "Mayotte"),
    ("FR-ARA", "Auvergne-Rhône-Alpes"),
    ("FR-BFC", "Bourgogne-Franche-Comté"),
    ("FR-BRE", "Bretagne"),
    ("FR-COR", "Corse"),
    ("FR-CVL", "Centre-Val de Loire"),
    ("FR-GES", "Grand Est"),
    ("FR-GF", "Guyane"),
    ("FR-GP", "Guadeloupe"),
    ("FR-HDF", "Hauts-de-France"),
    ("FR-IDF", "Île-de-France"),
    ("FR-MQ", "Martinique"),
    ("FR-NAQ", "Nouvelle-Aquitaine"),
    ("FR-NC", "Nouvelle-Calédonie"),
    ("FR-NOR", "Normandie"),
    ("FR-OCC", "Occitanie"),
    ("FR-PAC", "Provence-Alpes-Côte d'Azur"),
    ("FR-PDL", "Pays de la Loire"),
    ("FR-PF", "Polynésie française"),
    ("FR-PM", "Saint-Pierre-et-Miquelon"),
    ("FR-RE", "La Réunion"),
    ("FR-YT", "Mayotte"),
];

/// The name of a region code (ISO 3166-2), `None` for one this table does not know.
pub fn region_name(code: &str) -> Option<&'static str> {
    REGIONS
        .binary_search_by(|(known, _)| (*known).cmp(code))
        .ok()
        .map(|at| REGIONS[at].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_the_serde_names_and_read_back() {
        for degree in DegreeType::ALL {
            let json = serde_json::to_value(degree).unwrap_or_default();
            assert_eq!(json.as_str(), Some(degree.slug()));
            assert_eq!(DegreeType::from_slug(degree.slug()), Some(degree));
        }
        assert_eq!(DegreeType::from_slug("thesis"), None);
        assert_eq!(DegreeType::from_slug("HDR"), None);
        for kind in RecordType::ALL {
            let json = serde_json::to_value(kind).unwrap_or_default();
            assert_eq!(json.as_str(), Some(kind.slug()));
            assert_eq!(RecordType::from_slug(kind.slug()), Some(kind));
        }
        assert_eq!(
            RecordType::Training.degree_type(),
            DegreeType::TrainingProgramme
        );
        assert_eq!(RecordType::Panorama.degree_type(), DegreeType::ReportStudy);
    }

    #[test]
    fn the_openapi_type_filter_lists_every_slug() {
        // The REST API's `type` pattern is written out in `api/search.rs` (the OpenAPI derive
        // wants a literal): it must name exactly these slugs, in this order.
        let slugs = DegreeType::ALL.map(DegreeType::slug).join("|");
        let pattern = format!("^({slugs})(,({slugs}))*$");
        let openapi = include_str!("../openapi/essor.json");
        assert!(
            openapi.contains(&pattern),
            "openapi/essor.json has no `type` pattern {pattern}"
        );
    }

    #[test]
    fn regions_are_sorted_once_each_and_named() {
        assert!(REGIONS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(region_name("CA-QC"), Some("Québec"));
        assert_eq!(region_name("FR-974"), Some("La Réunion"));
        assert_eq!(region_name("FR-IDF"), Some("Île-de-France"));
        assert_eq!(region_name("XX-ZZ"), None);
    }
}
