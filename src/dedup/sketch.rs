//! A record's sketch: the few facts of its [`Features`] on which [`compare`] calls two records
//! different before it looks at titles or names, packed in 64 bits. The store keeps it beside
//! each member of a block, so that an incremental update reads the features of the candidates
//! that can be the same work only (a block of "économie sociale et solidaire" titles holds
//! theses, dissertations and studies of thirty years; a changed record is the same work as few).
//!
//! The one promise: if `compare(a, b)` is [`Verdict::Same`], then
//! `Sketch::of(a).may_be_same(Sketch::of(b))`. Candidates it rules out are called different or
//! are not compared at all; neither joins a record to a work. (Dropping "different" verdicts
//! changes nothing: a work is joined only if none of its members is different, checked on the
//! whole work.)
//!
//! [`compare`]: super::compare
//! [`Verdict::Same`]: super::Verdict::Same

use super::compare::{MAX_YEAR_GAP, degrees_conflict};
use super::features::Features;
use crate::normalize::DegreeType;

/// Bit layout, low to high: degree (3), book (1), year (12), edition (12), title numbers (16),
/// strong identifiers (16). Years are stored as offsets from [`YEAR_BASE`]; 0 means none or
/// out of range (and rules nothing out).
///
/// The layout is a storage format: the store files sketches in its blocking index and removes
/// entries by value. Changing it (or its hashes) needs a new store schema version, whose
/// migration refiles every record (`Store::migrate_blocks`); `the_layout_is_pinned` fails
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sketch(pub u64);

const YEAR_BASE: i32 = 1000;
const YEAR_BITS: u32 = 12;

fn degree_code(degree: DegreeType) -> u64 {
    match degree {
        DegreeType::DoctoralThesis => 1,
        DegreeType::MastersDissertation => 2,
        DegreeType::Hdr => 3,
        DegreeType::ReportStudy => 4,
        DegreeType::TrainingProgramme => 5,
        DegreeType::Other => 0,
    }
}

fn degree_of(code: u64) -> DegreeType {
    match code {
        1 => DegreeType::DoctoralThesis,
        2 => DegreeType::MastersDissertation,
        3 => DegreeType::Hdr,
        4 => DegreeType::ReportStudy,
        5 => DegreeType::TrainingProgramme,
        _ => DegreeType::Other,
    }
}

fn year_code(year: Option<i32>) -> u64 {
    match year.map(|y| y - YEAR_BASE) {
        Some(offset) if offset > 0 && offset < (1 << YEAR_BITS) => offset as u64,
        _ => 0,
    }
}

fn year_of(code: u64) -> Option<i32> {
    (code != 0).then(|| code as i32 + YEAR_BASE)
}

/// A stable 64-bit hash (the sketch is stored: it must not change between runs or builds).
fn stable_hash<'a>(values: impl IntoIterator<Item = &'a String>) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update(&[0]);
    }
    hasher.digest()
}

/// 16 bits standing for a set of numbers: 0 for none, otherwise never 0 (equal sets, equal
/// codes; different codes, different sets).
fn numbers_code(numbers: &[String]) -> u64 {
    if numbers.is_empty() {
        0
    } else {
        (stable_hash(numbers) & 0xffff) | 1
    }
}

/// A 16-bit Bloom filter of the strong identifiers: records sharing one share a bit.
fn ids_code(ids: &[String]) -> u64 {
    ids.iter()
        .fold(0, |bits, id| bits | 1 << (stable_hash([id]) % 16))
}

impl Sketch {
    pub fn of(features: &Features) -> Sketch {
        Sketch(
            degree_code(features.degree)
                | u64::from(features.book) << 3
                | year_code(features.year) << 4
                | year_code(features.edition) << 16
                | numbers_code(&features.title_numbers) << 28
                | ids_code(&features.strong_ids) << 44,
        )
    }

    fn degree(self) -> DegreeType {
        degree_of(self.0 & 0b111)
    }

    fn book(self) -> bool {
        self.0 >> 3 & 1 == 1
    }

    fn year(self) -> Option<i32> {
        year_of(self.0 >> 4 & 0xfff)
    }

    fn edition(self) -> Option<i32> {
        year_of(self.0 >> 16 & 0xfff)
    }

    fn numbers(self) -> u64 {
        self.0 >> 28 & 0xffff
    }

    fn ids(self) -> u64 {
        self.0 >> 44 & 0xffff
    }

    /// Whether [`compare`](super::compare) may find the two records the same work: `false` only
    /// where it would call them different first, in the same order of tests.
    pub fn may_be_same(self, other: Sketch) -> bool {
        if self.ids() & other.ids() != 0 {
            return true;
        }
        let (a, b) = (self.degree(), other.degree());
        if degrees_conflict(a, b) {
            return false;
        }
        let is_thesis = |d: DegreeType| {
            matches!(
                d,
                DegreeType::DoctoralThesis | DegreeType::MastersDissertation | DegreeType::Hdr
            )
        };
        if (self.book() && is_thesis(b)) || (other.book() && is_thesis(a)) {
            return false;
        }
        if self.numbers() != 0 && other.numbers() != 0 && self.numbers() != other.numbers() {
            return false;
        }
        if let (Some(ea), Some(eb)) = (self.edition(), other.edition())
            && ea != eb
        {
            return false;
        }
        let is_study = a == DegreeType::ReportStudy || b == DegreeType::ReportStudy;
        if !is_study
            && let (Some(ya), Some(yb)) = (self.year(), other.year())
            && (ya - yb).abs() > MAX_YEAR_GAP
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::{Verdict, compare};

    fn features(degree: DegreeType, year: Option<i32>) -> Features {
        Features {
            title_keys: vec!["economie sociale solidaire bretagne".into()],
            full_title_keys: vec!["economie sociale solidaire bretagne".into()],
            authors: Vec::new(),
            year,
            degree,
            title_numbers: Vec::new(),
            subtitle_numbers: Vec::new(),
            edition: None,
            strong_ids: Vec::new(),
            title_words: Vec::new(),
            book: false,
            proper_nouns: Vec::new(),
        }
    }

    #[test]
    fn fields_survive_packing() {
        let mut f = features(DegreeType::Hdr, Some(2019));
        f.edition = Some(2020);
        f.book = true;
        let s = Sketch::of(&f);
        assert_eq!(s.degree(), DegreeType::Hdr);
        assert!(s.book());
        assert_eq!((s.year(), s.edition()), (Some(2019), Some(2020)));
        assert_eq!(s.numbers(), 0);
        assert_eq!(s.ids(), 0);
        assert_eq!(Sketch::of(&features(DegreeType::Other, None)).year(), None);
        // Out of range years rule nothing out.
        assert_eq!(
            Sketch::of(&features(DegreeType::Other, Some(12))).year(),
            None
        );
    }

    #[test]
    fn rules_out_what_compare_calls_different_first() {
        let thesis = |year| Sketch::of(&features(DegreeType::DoctoralThesis, Some(year)));
        assert!(thesis(2010).may_be_same(thesis(2012)));
        assert!(!thesis(2010).may_be_same(thesis(2013)));
        let study = |year| Sketch::of(&features(DegreeType::ReportStudy, Some(year)));
        // Studies: years are compared with their authors, by compare itself.
        assert!(study(2010).may_be_same(study(2015)));
        let masters = Sketch::of(&features(DegreeType::MastersDissertation, Some(2010)));
        assert!(!thesis(2010).may_be_same(masters));
        let other = Sketch::of(&features(DegreeType::Other, Some(2010)));
        assert!(thesis(2010).may_be_same(other));
        let mut numbered = features(DegreeType::DoctoralThesis, Some(2010));
        numbered.title_numbers = vec!["2".into()];
        let mut other_number = numbered.clone();
        other_number.title_numbers = vec!["3".into()];
        assert!(!Sketch::of(&numbered).may_be_same(Sketch::of(&other_number)));
        assert!(Sketch::of(&numbered).may_be_same(thesis(2010)));
        // A shared identifier wins over everything, as in compare.
        let mut a = features(DegreeType::DoctoralThesis, Some(2010));
        a.strong_ids = vec!["nnt:2010pa010001".into()];
        let mut b = features(DegreeType::MastersDissertation, Some(1990));
        b.strong_ids = a.strong_ids.clone();
        assert!(matches!(compare(&a, &b), Verdict::Same { .. }));
        assert!(Sketch::of(&a).may_be_same(Sketch::of(&b)));
    }

    #[test]
    fn a_training_programme_is_never_the_same_as_a_thesis_or_an_untyped_record() {
        let programme = features(DegreeType::TrainingProgramme, Some(2019));
        assert_eq!(
            Sketch::of(&programme).degree(),
            DegreeType::TrainingProgramme
        );
        for degree in [
            DegreeType::DoctoralThesis,
            DegreeType::MastersDissertation,
            DegreeType::Other,
        ] {
            // Same title, same year: still different works.
            let other = features(degree, Some(2019));
            assert!(
                matches!(compare(&programme, &other), Verdict::Different { .. }),
                "{degree:?}"
            );
            assert!(!Sketch::of(&programme).may_be_same(Sketch::of(&other)));
        }
        assert!(matches!(
            compare(&programme, &programme.clone()),
            Verdict::Same { .. }
        ));
    }

    /// A change here changes what stores hold: bump the store's schema version with it.
    #[test]
    fn the_layout_is_pinned() {
        let mut f = features(DegreeType::DoctoralThesis, Some(2019));
        f.edition = Some(2020);
        f.title_numbers = vec!["2".into()];
        f.strong_ids = vec!["nnt:2019ren20001".into(), "doi:10.1000/x".into()];
        let sketch = Sketch::of(&f);
        assert_eq!(sketch.0 & 0xfff_ffff, 1 | 1019 << 4 | 1020 << 16);
        assert_eq!(
            sketch.0, 0x0810_0d23_73fc_3fb1,
            "layout changed: {:#x}",
            sketch.0
        );
    }

    /// The promise, on every pair of the labelled set's records that share a block.
    #[test]
    fn never_rules_out_a_pair_compare_calls_the_same() {
        let mut records = Vec::new();
        for file in [
            "records.jsonl",
            "records-holdout.jsonl",
            "records-hard.jsonl",
            "records-hard-holdout.jsonl",
        ] {
            let path = format!("{}/tests/dedup-eval/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).expect("the labelled set");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let labelled: crate::dedup::LabelledRecord =
                    serde_json::from_str(line).expect("a labelled record");
                let context = labelled.context();
                let normalized = crate::normalize::normalize(&labelled.record, &context);
                records.push(Features::of(&normalized));
            }
        }
        assert!(records.len() > 100, "{}", records.len());
        let mut same = 0;
        let mut ruled_out = 0;
        for (i, a) in records.iter().enumerate() {
            for b in &records[i + 1..] {
                let (sa, sb) = (Sketch::of(a), Sketch::of(b));
                match compare(a, b) {
                    Verdict::Same { .. } => {
                        same += 1;
                        assert!(sa.may_be_same(sb), "{a:?}\n{b:?}");
                        assert!(sb.may_be_same(sa), "{a:?}\n{b:?}");
                    }
                    _ if !sa.may_be_same(sb) => ruled_out += 1,
                    _ => {}
                }
            }
        }
        assert!(same > 50, "{same}");
        assert!(ruled_out > 1000, "{ruled_out}");
    }
}
