//! The French regions the barometer names (ISO 3166-2 codes, as sources declare them), with the
//! overseas ones, which sources may give by their region code (`FR-RE`) or department (`FR-974`).

/// (code, name) of every region of France since 2016, overseas included.
const REGIONS: &[(&str, &str)] = &[
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
    ("FR-NOR", "Normandie"),
    ("FR-OCC", "Occitanie"),
    ("FR-PAC", "Provence-Alpes-Côte d'Azur"),
    ("FR-PDL", "Pays de la Loire"),
    ("FR-RE", "La Réunion"),
    ("FR-YT", "Mayotte"),
];

/// The name of a region code; the code itself for one we do not know (another country's).
pub fn region_name(code: &str) -> &str {
    REGIONS
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(code, |(_, name)| name)
}

/// One code per region: the overseas departments' numbers and Corse's `FR-20R` become the
/// letter codes, so a region is one row whatever its sources wrote.
pub fn canonical_region(code: &str) -> &str {
    match code {
        "FR-971" => "FR-GP",
        "FR-972" => "FR-MQ",
        "FR-973" => "FR-GF",
        "FR-974" => "FR-RE",
        "FR-976" => "FR-YT",
        "FR-20R" => "FR-COR",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overseas_regions_have_one_code_and_a_name() {
        assert_eq!(canonical_region("FR-974"), "FR-RE");
        assert_eq!(region_name(canonical_region("FR-974")), "La Réunion");
        assert_eq!(region_name("FR-YT"), "Mayotte");
        assert_eq!(region_name("BE-BRU"), "BE-BRU");
    }
}
