//! Facets and totals from the count's walk (`SearchQuery::facets_sample`, the HTML search
//! page): exact when every match is walked, else estimates from matches spread over the index.

use super::*;

fn indexed(works: &[Work], chunk: usize) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let index = Index::open(&dir.path().join("index")).expect("index");
    // Several updates: several segments.
    for part in works.chunks(chunk) {
        write(&store, part);
        index.update(&store).expect("update");
    }
    (dir, index)
}

fn sampled(mut search: SearchQuery, budget: usize) -> SearchQuery {
    search.facets = Facet::ALL.to_vec();
    search.facets_sample = Some(budget);
    search
}

#[test]
fn facets_from_the_walk_are_exact_when_every_match_is_walked() {
    let (_dir, index) = indexed(&many(700), 150);
    for sort in [Sort::Relevance, Sort::DateDesc, Sort::DateAsc] {
        let mut plain = query("coopérative");
        plain.sort = sort;
        plain.limit = 10;
        let every = index
            .search(&SearchQuery {
                facets: Facet::ALL.to_vec(),
                ..plain.clone()
            })
            .expect("search");
        let page = index.search(&sampled(plain.clone(), 700)).expect("search");
        assert!(page.facets_exact, "{sort:?}");
        assert_eq!(page.facets, every.facets, "{sort:?}");
        assert_eq!((page.total, page.total_exact), (700, true), "{sort:?}");
        assert_eq!(page.items, every.items, "{sort:?}: the page is unchanged");
        // Page 2 counts the same.
        let mut next = sampled(plain, 700);
        next.cursor = page.next_cursor.clone();
        let second = index.search(&next).expect("search");
        assert_eq!(second.facets, every.facets, "{sort:?}");
        assert_ne!(second.items, page.items, "{sort:?}");
    }
}

/// Matches gathered in a few windows of the index take the budget the others leave: they are
/// still counted exactly when they are no more than the budget.
#[test]
fn gathered_matches_within_the_budget_are_counted_exactly() {
    let works: Vec<Work> = (0..1_000)
        .map(|n| {
            let title = if (400..700).contains(&n) {
                "coopérative rare"
            } else {
                "coopérative commune"
            };
            work(&format!("w{n:05}"), title)
        })
        .collect();
    let (_dir, index) = indexed(&works, 250);
    let page = index
        .search(&sampled(query("coopérative rare"), 320))
        .expect("search");
    assert!(page.facets_exact);
    assert_eq!((page.total, page.total_exact), (300, true));
    assert_eq!(page.facets.r#type, vec![("other".to_owned(), 300)]);
    let over = index
        .search(&sampled(query("coopérative rare"), 200))
        .expect("search");
    assert!(!over.facets_exact);
    assert!(!over.total_exact);
}

/// Beyond the budget the facets are estimates from matches taken across the whole index, not
/// its first documents (in the order of indexing: here the first half are all from 2001).
#[test]
fn facets_beyond_the_budget_are_estimated_across_the_index() {
    let works: Vec<Work> = (0..2_000)
        .map(|n| {
            let mut w = work(&format!("w{n:05}"), "coopérative commune");
            fields(&mut w).date = Some(sourced(PartialDate {
                year: if n < 1_000 { 2001 } else { 2010 },
                month: None,
                day: None,
            }));
            w
        })
        .collect();
    let (_dir, index) = indexed(&works, 400);
    // Two words: no free count, the total is estimated by the same walk.
    let page = index
        .search(&sampled(query("coopérative commune"), 200))
        .expect("search");
    assert!(!page.facets_exact);
    assert!(!page.total_exact);
    assert!(
        (1_800..=2_200).contains(&page.total),
        "total {}",
        page.total
    );
    let years: BTreeMap<String, u64> = page.facets.year.iter().cloned().collect();
    for year in ["2001", "2010"] {
        let count = years.get(year).copied().unwrap_or(0);
        assert!(
            (800..=1_200).contains(&count),
            "{year}: {count} in {years:?}"
        );
    }
    // One word: the total is exact (free), and the estimates add up to it.
    let one = index
        .search(&sampled(query("commune"), 200))
        .expect("search");
    assert!(!one.facets_exact);
    assert_eq!((one.total, one.total_exact), (2_000, true));
    let sum: u64 = one.facets.year.iter().map(|(_, count)| count).sum();
    assert!((1_990..=2_010).contains(&sum), "{sum}");
    // An exact total asked is counted whatever the sample.
    let mut exact = sampled(query("coopérative commune"), 200);
    exact.exact_total = true;
    let counted = index.search(&exact).expect("search");
    assert_eq!((counted.total, counted.total_exact), (2_000, true));
    assert!(!counted.facets_exact);
}
