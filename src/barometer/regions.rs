//! The regions the barometer counts (ISO 3166-2 codes, as sources declare them; their names are
//! `vocab`'s): one code per region, the overseas ones given by their region code (`FR-RE`) or
//! department (`FR-974`) counted as one.

/// The name of a region code ([`crate::vocab::region_name`]); the code itself for one essor
/// does not know.
pub fn region_name(code: &str) -> &str {
    crate::vocab::region_name(code).unwrap_or(code)
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
        assert_eq!(region_name("CA-QC"), "Québec");
        assert_eq!(region_name("XX-ZZ"), "XX-ZZ");
    }
}
