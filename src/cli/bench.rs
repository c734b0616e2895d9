//! The hidden `essor bench-*` commands: figures for BENCHMARKS.md, kept out of `cargo test`
//! (they assert nothing and want a release build): `bench-parse` (page parsing against raw
//! quick-xml), `bench-normalize` (normalisation and thesaurus classification over the sample
//! dumps), `bench-search` (index build and search latency over synthetic works), `bench-queries`
//! (a benchmark's request lists replayed against a search index alone).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use essor::classify::{ThemeMatch, Thesaurus};
use essor::index::{Facet, Filters, Index, SearchQuery, Sort};
use essor::normalize::{
    Access, DegreeType, Normalized, PartialDate, Person, Text, Title, normalize,
};
use essor::oai::{HarvestedRecord, PageItem};
use essor::store::Store;
use essor::works::{Member, Sourced, Work, WorkFields};

/// Raw quick-xml event throughput versus essor's full page parse (decode, parse, map) over the
/// same bytes: the ceiling the harvester's parsing is measured against in BENCHMARKS.md.
pub fn bench_parse(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut pages = Vec::new();
    for file in files {
        pages.push(std::fs::read(file).with_context(|| format!("reading {}", file.display()))?);
    }
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let started = Instant::now();
    let mut events = 0u64;
    for page in &pages {
        let text = std::str::from_utf8(page)?;
        let mut reader = quick_xml::Reader::from_str(text);
        loop {
            match reader.read_event()? {
                quick_xml::events::Event::Eof => break,
                _ => events += 1,
            }
        }
    }
    let raw = started.elapsed();
    let started = Instant::now();
    let mut records = 0usize;
    let mut parsed = Vec::with_capacity(pages.len());
    for page in &pages {
        let decoded = essor::xml::decode(page, None)?;
        let page = essor::oai::parse_page(&decoded.text)?;
        records += page.items.len();
        parsed.push(page);
    }
    let full = started.elapsed();
    let scratch = scratch_dir("parse")?;
    let store = Store::open(&scratch)?;
    let started = Instant::now();
    let prepared: Vec<_> = parsed
        .iter()
        .map(|page| essor::store::prepare_items(&page.items))
        .collect::<Result<_, _>>()?;
    let prepare = started.elapsed();
    let started = Instant::now();
    let mut checkpoint = essor::store::Checkpoint::default();
    for (index, items) in prepared.iter().enumerate() {
        store.commit_page("bench", items, &mut checkpoint, index + 1 == prepared.len())?;
    }
    let stored = started.elapsed();
    // Closed before its folder goes: closing records a clean close in the folder.
    drop(store);
    let _ = std::fs::remove_dir_all(&scratch);
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!("bytes: {bytes} ({mib:.1} MiB), events: {events}, records: {records}");
    println!(
        "raw quick-xml events: {:.3}s, {:.1} MiB/s",
        raw.as_secs_f64(),
        mib / raw.as_secs_f64()
    );
    println!(
        "essor decode+parse+map: {:.3}s, {:.1} MiB/s, {:.0} records/s ({:.0}% of raw)",
        full.as_secs_f64(),
        mib / full.as_secs_f64(),
        records as f64 / full.as_secs_f64(),
        100.0 * raw.as_secs_f64() / full.as_secs_f64()
    );
    println!(
        "essor store prepare (serialise, hash, compress): {:.3}s, {:.0} records/s",
        prepare.as_secs_f64(),
        records as f64 / prepare.as_secs_f64()
    );
    println!(
        "essor store commits: {:.3}s, {:.0} records/s",
        stored.as_secs_f64(),
        records as f64 / stored.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn scratch_dir(bench: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("essor-bench-{bench}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs `figures` in a scratch store folder of its own, removed afterwards whatever happened.
fn in_scratch(
    bench: &str,
    figures: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    let scratch = scratch_dir(bench)?;
    let result = figures(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Normalisation, then the built-in thesaurus's classification, of every live record of the
/// sample dumps (`dumps`: one folder of saved pages per source), `rounds` times over.
pub fn bench_normalize(dumps: &Path, rounds: usize) -> anyhow::Result<ExitCode> {
    let records = sample_records(dumps)?;
    anyhow::ensure!(!records.is_empty(), "no live record in {}", dumps.display());
    let started = Instant::now();
    let mut identifiers = 0;
    for _ in 0..rounds {
        for (source, harvested) in &records {
            identifiers += black_box(normalize_harvested(source, harvested)?)
                .identifiers
                .len();
        }
    }
    let elapsed = started.elapsed();
    let count = rounds * records.len();
    println!(
        "normalised {count} records in {elapsed:?}: {:.0} records/s ({identifiers} identifiers)",
        count as f64 / elapsed.as_secs_f64()
    );

    let normalized: Vec<Normalized> = records
        .iter()
        .map(|(source, harvested)| normalize_harvested(source, harvested))
        .collect::<anyhow::Result<_>>()?;
    let bytes: usize = normalized
        .iter()
        .map(|record| {
            record.titles.iter().map(|t| t.text.len()).sum::<usize>()
                + record.keywords.iter().map(|k| k.text.len()).sum::<usize>()
                + record.abstracts.iter().map(|a| a.text.len()).sum::<usize>()
        })
        .sum();
    let started = Instant::now();
    let thesaurus = Thesaurus::builtin()?;
    let compile = started.elapsed();
    let started = Instant::now();
    let mut themes = 0usize;
    for _ in 0..rounds {
        for record in &normalized {
            themes += thesaurus.classify(black_box(record)).themes.len();
        }
    }
    let elapsed = started.elapsed();
    println!(
        "thesaurus compiled in {compile:?}; classified {count} records ({} bytes of text each on average) in {elapsed:?}: {:.0} records/s, {:.0} MB/s ({themes} themes)",
        bytes / normalized.len(),
        count as f64 / elapsed.as_secs_f64(),
        (bytes * rounds) as f64 / elapsed.as_secs_f64() / 1e6,
    );
    Ok(ExitCode::SUCCESS)
}

/// Every live record of the dumps (gzipped pages included), with its source (the folder name).
fn sample_records(dumps: &Path) -> anyhow::Result<Vec<(String, HarvestedRecord)>> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(dumps)
        .with_context(|| format!("reading {}", dumps.display()))?
        .map(|entry| Ok(entry?.path()))
        .collect::<std::io::Result<_>>()?;
    sources.retain(|path| path.is_dir());
    sources.sort();
    let mut records = Vec::new();
    for folder in sources {
        let source = folder
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut pages: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .map(|entry| Ok(entry?.path()))
            .collect::<std::io::Result<_>>()?;
        pages.sort();
        for page in pages {
            let bytes = std::fs::read(&page)?;
            let decoded = essor::xml::decode(&bytes, None)
                .with_context(|| format!("decoding {}", page.display()))?;
            let parsed = essor::oai::parse_page(&decoded.text)
                .with_context(|| format!("parsing {}", page.display()))?;
            for item in parsed.items {
                if let PageItem::Record(record) = item
                    && !record.deleted
                {
                    records.push((source.clone(), record));
                }
            }
        }
    }
    Ok(records)
}

fn normalize_harvested(source: &str, harvested: &HarvestedRecord) -> anyhow::Result<Normalized> {
    let record = harvested
        .record
        .as_ref()
        .with_context(|| format!("{} is live but not mapped", harvested.identifier))?;
    Ok(normalize(
        record,
        &essor::normalize::Context {
            source,
            identifier: &harvested.identifier,
            format: harvested.format,
            sets: &harvested.sets,
            institution: Some("CCSD (synthetic sample)"),
            region: None,
        },
    ))
}

/// `count` synthetic works (Zipf-distributed words, French and English, a spread of types,
/// years, regions and themes) written to a scratch store and indexed; then the latency of a few
/// searches (median and worst of 30, and the 50th page; without facets, then with all six),
/// and of listing every id. With `keep`, the store and index are written there and kept (or
/// reused when already indexed).
pub fn bench_search(count: usize, keep: Option<&Path>) -> anyhow::Result<ExitCode> {
    let Some(dir) = keep else {
        return in_scratch("search", |scratch| search_figures(scratch, count, false));
    };
    let reuse = dir.join("index").is_dir();
    std::fs::create_dir_all(dir)?;
    search_figures(dir, count, reuse)?;
    Ok(ExitCode::SUCCESS)
}

fn search_figures(dir: &Path, count: usize, reuse: bool) -> anyhow::Result<()> {
    let store = Store::open(dir)?;
    let index_dir = dir.join("index");
    if reuse {
        println!("reusing the works and index in {}", dir.display());
    } else {
        write_and_index(&store, &index_dir, count)?;
    }
    let index = Index::open(&index_dir)?;
    // Themes are kept beside the index, read from the store (`index::Index::load_themes`).
    index.load_themes(&store)?;
    search_latencies(&index)
}

fn write_and_index(store: &Store, index_dir: &Path, count: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut synthetic = SyntheticWorks::new(5);
    let mut batch = Vec::new();
    for n in 0..count {
        batch.push(synthetic.work(n));
        if batch.len() == 5_000 {
            write_works(store, &batch)?;
            batch.clear();
        }
    }
    write_works(store, &batch)?;
    println!(
        "{count} works written to the store in {:?}",
        started.elapsed()
    );
    let index = Index::open(index_dir)?;
    let started = Instant::now();
    index.rebuild(store)?;
    println!("indexed in {:?}", started.elapsed());
    let mut size = 0;
    for entry in std::fs::read_dir(index_dir)? {
        size += entry?.metadata()?.len();
    }
    println!("index size {} MB", size / 1_000_000);
    Ok(())
}

fn search_latencies(index: &Index) -> anyhow::Result<()> {
    let cases = [
        (
            "match all, date desc",
            None,
            Filters::default(),
            Sort::DateDesc,
        ),
        (
            "one word",
            Some("coopérative"),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "two words",
            Some("économie solidaire"),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "phrase",
            Some("\"économie solidaire\""),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "a word in the abstracts",
            Some("abstract:coopérative"),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "a phrase in the abstracts",
            Some("abstract:\"économie solidaire\""),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "a word, and one in the abstracts",
            Some("mutuelle abstract:coopérative"),
            Filters::default(),
            Sort::Relevance,
        ),
        (
            "one word, filtered",
            Some("mutuelle"),
            Filters {
                region: Some("FR-BRE".into()),
                year_from: Some(2015),
                types: vec!["doctoral-thesis".into()],
                ..Filters::default()
            },
            Sort::Relevance,
        ),
    ];
    let with_facets = cases.into_iter().flat_map(|(name, q, filters, sort)| {
        [false, true].map(|facets| (name, q, filters.clone(), sort, facets))
    });
    for (name, q, filters, sort, facets) in with_facets {
        let search = SearchQuery {
            q: q.map(str::to_owned),
            filters,
            sort,
            limit: 20,
            facets: if facets { Facet::ALL.to_vec() } else { vec![] },
            ..SearchQuery::default()
        };
        let mut times = Vec::new();
        let mut page = index.search(&search)?;
        for _ in 0..30 {
            let started = Instant::now();
            page = index.search(&search)?;
            times.push(started.elapsed());
        }
        times.sort();
        let mut deep = search.clone();
        for _ in 0..50 {
            match index.search(&deep)?.next_cursor {
                Some(cursor) => deep.cursor = Some(cursor),
                None => break,
            }
        }
        let started = Instant::now();
        index.search(&deep)?;
        let deep_time = started.elapsed();
        println!(
            "{name}{}: {} matches ({}), p50 {:?}, max {:?}, page 50 {:?}",
            if facets { " + 6 facets" } else { "" },
            page.total,
            if page.total_exact {
                "exact"
            } else {
                "estimate"
            },
            times[times.len() / 2],
            times[times.len() - 1],
            deep_time
        );
    }
    let started = Instant::now();
    let exported = index
        .ids(&SearchQuery::default())?
        .filter(Result::is_ok)
        .count();
    println!("ids of all {exported} works in {:?}", started.elapsed());
    Ok(())
}

/// Writes works as the works stage does: the work and its feed entry.
fn write_works(store: &Store, works: &[Work]) -> anyhow::Result<()> {
    store.update_works(|tx| {
        for work in works {
            let was = tx.work::<Work>(&work.id)?.map(|w| w.is_live());
            essor::works::write_work(tx, work, was, None)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        sources: vec!["bench".to_owned()],
    }
}

/// Deterministic synthetic works: words drawn with weight ~ 1/(rank+1) from an 8,000-word
/// vocabulary whose first words are ESS terms.
struct SyntheticWorks {
    rng: fastrand::Rng,
    vocabulary: Vec<String>,
}

impl SyntheticWorks {
    const REGIONS: [&str; 6] = ["FR-OCC", "FR-BRE", "FR-IDF", "FR-ARA", "BE-WAL", "CA-QC"];
    /// Ids of the bundled thesaurus (a test holds it), so the facets show their labels.
    const THEMES: [&str; 4] = [
        "cooperatives",
        "social-solidarity-economy",
        "mutuals",
        "solidarity-finance",
    ];

    fn new(seed: u64) -> SyntheticWorks {
        let mut rng = fastrand::Rng::with_seed(seed);
        let vocabulary = (0..8_000)
            .map(|n| match n {
                0 => "coopérative".to_owned(),
                1 => "économie".to_owned(),
                2 => "solidaire".to_owned(),
                3 => "mutuelle".to_owned(),
                _ => (0..rng.usize(4..10)).map(|_| rng.lowercase()).collect(),
            })
            .collect();
        SyntheticWorks { rng, vocabulary }
    }

    fn word(&mut self) -> String {
        let u = self.rng.f64();
        let n = ((self.vocabulary.len() as f64).powf(u) - 1.0) as usize;
        self.vocabulary[n.min(self.vocabulary.len() - 1)].clone()
    }

    fn sentence(&mut self, words: usize) -> String {
        (0..words)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn work(&mut self, n: usize) -> Work {
        let text = |text: String| Text {
            text,
            lang: Some("fr".to_owned()),
        };
        // Drawn in the order of the former `index::tests::rough_latency`: the same works.
        let title = Title {
            text: self.sentence(12),
            lang: None,
            subtitle: None,
        };
        let abstracts = vec![sourced(text(self.sentence(200)))];
        let keywords = (0..5).map(|_| sourced(text(self.word()))).collect();
        let (family, given) = (self.word(), self.word());
        let fields = WorkFields {
            title: Some(sourced(title.clone())),
            titles: vec![sourced(title)],
            authors: Some(sourced(vec![Person {
                display: format!("{given} {family}"),
                family,
                given: Some(given),
                id: None,
            }])),
            advisors: None,
            degree_type: sourced(if n.is_multiple_of(3) {
                DegreeType::MastersDissertation
            } else {
                DegreeType::DoctoralThesis
            }),
            discipline: None,
            level: None,
            institution: Some(sourced(format!("Université {}", n % 80))),
            date: Some(sourced(PartialDate::year(1990 + (n % 35) as i32))),
            language: Some(sourced(
                if n.is_multiple_of(4) { "en" } else { "fr" }.to_owned(),
            )),
            abstracts,
            keywords,
            identifiers: vec![],
            access: sourced(Access::Unknown),
            licence: None,
            regions: vec![Self::REGIONS[n % Self::REGIONS.len()].to_owned()],
            themes: vec![ThemeMatch {
                theme: Self::THEMES[n % Self::THEMES.len()].to_owned(),
                score: 1.0,
                matches: vec![],
            }],
            relevance: 1.0,
        };
        let id = format!("w{n:08}");
        Work {
            members: vec![Member {
                source: "bench".into(),
                identifier: format!("oai:{id}"),
            }],
            id,
            datestamp: "2024-01-01T00:00:00Z".into(),
            deleted: false,
            merged_into: None,
            aliases: vec![],
            merges: vec![],
            fields: Some(fields),
        }
    }
}

/// CPU seconds this process has used (user and system, all threads), from `/proc/self/stat`;
/// 0 where it cannot be read. The machines are shared: CPU time is the steadier figure.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; Linux
    // counts them in 1/100 s (USER_HZ).
    ticks(11)
        .zip(ticks(12))
        .map_or(0.0, |(user, system)| (user + system) / 100.0)
}

/// Replays request lists against a search index alone (`essor bench-queries`): each
/// `/api/v1/works?…` target read as the REST handler reads it, searched `repeat` times; its
/// fastest time kept (on a shared machine the least disturbed), then the mean, p50, p99 and
/// max of those, the `top` slowest requests with their totals (`~`: estimated), and the
/// process's CPU per search. Without the
/// store or HTTP, the index's share of a request is measured on its own, and the index folder
/// is only read: a server may serve the same data meanwhile.
pub fn bench_queries(
    index_dir: &Path,
    repeat: usize,
    top: usize,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let index = Index::open(index_dir)?;
    // Themes are kept beside the index, read from the store beside it when no server holds it.
    match index_dir.parent().map(Store::open) {
        Some(Ok(store)) => index.load_themes(&store)?,
        _ => eprintln!("the store beside the index is not readable: theme filters find nothing"),
    }
    let mut every = Vec::new();
    let cpu_before = cpu_seconds();
    let mut searches = 0usize;
    for file in files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for target in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
            let query_string = target.split_once('?').map_or("", |(_, query)| query);
            let search = essor::api::search_of_query_string(query_string)
                .map_err(|detail| anyhow::anyhow!("{target}: {detail}"))?;
            let (mut best, mut total) = (f64::MAX, String::new());
            for _ in 0..repeat.max(1) {
                let started = Instant::now();
                let page = black_box(index.search(&search)?);
                best = best.min(started.elapsed().as_secs_f64() * 1000.0);
                searches += 1;
                let about = if page.total_exact { "" } else { "~" };
                total = format!("{about}{}", page.total);
            }
            every.push((best, target.to_owned(), total));
        }
    }
    let cpu = cpu_seconds() - cpu_before;
    let mut times: Vec<f64> = every.iter().map(|(time, _, _)| *time).collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((q * times.len() as f64) as usize).min(times.len() - 1)];
    if times.is_empty() {
        anyhow::bail!("no request in the files");
    }
    println!(
        "{} requests: mean {:.3} ms, p50 {:.3}, p90 {:.3}, p99 {:.3}, max {:.3}; CPU {:.3} ms a search",
        times.len(),
        times.iter().sum::<f64>() / times.len() as f64,
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1],
        cpu * 1000.0 / searches.max(1) as f64,
    );
    every.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (time, target, total) in every.iter().take(top) {
        let decoded =
            url::form_urlencoded::parse(target.split_once('?').map_or("", |(_, q)| q).as_bytes())
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join("&");
        println!("{time:8.3} ms  {total:>9} matches  {decoded}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the barometer's edition 2026-S1 over `count` synthetic works (dated by month across
/// its window, 200-word abstracts) in a scratch store, and times it.
pub fn bench_barometer(count: usize) -> anyhow::Result<ExitCode> {
    in_scratch("barometer", |scratch| barometer_figures(scratch, count))
}

fn barometer_figures(scratch: &Path, count: usize) -> anyhow::Result<()> {
    use essor::barometer::{self, BuildOptions, Parameters, Semester};
    let store = Store::open(scratch)?;
    let started = Instant::now();
    let mut synthetic = SyntheticWorks::new(5);
    let mut batch = Vec::new();
    for n in 0..count {
        let mut work = synthetic.work(n);
        if let Some(fields) = work.fields.as_mut()
            && let Some(date) = fields.date.as_mut()
        {
            date.value = PartialDate {
                year: 2022 + (n % 5) as i32,
                month: Some(1 + (n / 5 % 12) as u8),
                day: None,
            };
        }
        batch.push(work);
        if batch.len() == 5_000 {
            write_works(&store, &batch)?;
            batch.clear();
        }
    }
    write_works(&store, &batch)?;
    println!(
        "{count} works written to the store in {:?}",
        started.elapsed()
    );
    let thesaurus = Thesaurus::builtin()?;
    let options = BuildOptions {
        force: false,
        today: (2026, 12, 3),
        now: "2026-12-03T00:00:00Z".to_owned(),
        parameters: Parameters::default(),
    };
    // The floor of the former method, in the same run: one sequential pass decoding whole
    // works (it made two, then read terms on one thread).
    let started = Instant::now();
    let mut live = 0usize;
    store.for_each_work(|work: Work| {
        live += usize::from(work.is_live());
        Ok(())
    })?;
    println!(
        "one sequential pass decoding all {live} whole works: {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let cpu = cpu_seconds();
    let (edition, _) = barometer::build(&store, &thesaurus, Semester::parse("2026-S1")?, &options)?;
    let window: u32 = edition.research.works.iter().sum();
    println!(
        "edition {} built in {:?} ({:.1} CPU-s) on {} threads: {window} works in its window, {} in its semester, {} emerging findings",
        edition.id,
        started.elapsed(),
        cpu_seconds() - cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        edition.research.works.last().copied().unwrap_or(0),
        edition.research.emerging.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::SyntheticWorks;
    use essor::classify::Thesaurus;

    #[test]
    fn synthetic_themes_are_ids_of_the_bundled_thesaurus() {
        let thesaurus = Thesaurus::builtin().expect("the bundled thesaurus parses");
        for id in SyntheticWorks::THEMES {
            assert!(
                thesaurus.themes().iter().any(|theme| theme.id == id),
                "{id} is not a theme of the bundled thesaurus"
            );
        }
    }
}
